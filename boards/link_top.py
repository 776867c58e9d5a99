"""A board top around the board system: core clock, reset, UART pins, activity LEDs.

Thin by design: the clock plan (a PLL from the board's oscillator to the core
clock, or the oscillator itself), the board system of a description
(:mod:`boards.system`) at ``divisor = round(core clock / baud)``, and LEDs:
a heartbeat (about 1.4 Hz at 24 MHz), the fault flag (the last reply was an
error), and, stretched to about 40 ms so they are visible, frames in progress,
ticks running and received UART traffic.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from amaranth.hdl import ClockDomain, ClockSignal, Elaboratable, Instance, Module, Signal
from amaranth.lib import io
from amaranth.lib.cdc import ResetSynchronizer

from boards.system import Description, build_hw, core_params

BAUD = 115_200
TIMEOUT_S = 0.05  # the link's inter-byte timeout (and drain) on a board


@dataclass(frozen=True)
class ClockPlan:
    """How the ``sync`` domain is made from the board's oscillator.

    ``make(m, platform)`` adds the domain and returns its "locked" signal
    (1 where there is no PLL); ``hz`` is the core clock. No constraint is put
    on the PLL's output net (Yosys renames it, and nextpnr would ignore it):
    the build compares nextpnr's Fmax of the core clock with ``hz``
    (:func:`sc_flow.board_build.build_board`, ``tests/test_synth.py``).
    """

    hz: float
    make: Callable[[Module, Any], Signal]
    description: str


def board_clock(hz: float) -> ClockPlan:
    """The oscillator drives the core directly."""

    def make(m: Module, platform: Any) -> Signal:
        buf = io.Buffer("i", platform.request(platform.default_clk, dir="-"))
        m.submodules.clk_buf = buf
        m.domains.sync = ClockDomain("sync")
        m.d.comb += ClockSignal("sync").eq(buf.i)
        locked = Signal(init=1)
        return locked

    return ClockPlan(hz, make, f"the board's {hz / 1e6:g} MHz oscillator")


def ice40_pll(hz: float, divr: int, divf: int, divq: int, filter_range: int) -> ClockPlan:
    """``SB_PLL40_PAD`` on the oscillator's pad (values from ``yowasp-icepll``)."""

    def make(m: Module, platform: Any) -> Signal:
        pad = platform.request(platform.default_clk, dir="-")
        m.domains.sync = cd = ClockDomain("sync")
        locked = Signal()
        clk = cd.clk
        m.submodules.pll = Instance(
            "SB_PLL40_PAD",
            p_FEEDBACK_PATH="SIMPLE",
            p_DIVR=divr,
            p_DIVF=divf,
            p_DIVQ=divq,
            p_FILTER_RANGE=filter_range,
            i_PACKAGEPIN=pad.io,
            i_RESETB=1,
            i_BYPASS=0,
            o_PLLOUTGLOBAL=clk,
            o_LOCK=locked,
        )
        return locked

    return ClockPlan(hz, make, f"SB_PLL40_PAD to {hz / 1e6:g} MHz")


def ecp5_pll(hz: float, clki_div: int, clkop_div: int, clkfb_div: int, cphase: int) -> ClockPlan:
    """``EHXPLLL`` from the oscillator (values from ``yowasp-ecppll``)."""

    def make(m: Module, platform: Any) -> Signal:
        buf = io.Buffer("i", platform.request(platform.default_clk, dir="-"))
        m.submodules.clk_buf = buf
        m.domains.sync = cd = ClockDomain("sync")
        locked = Signal()
        clk = cd.clk
        m.submodules.pll = Instance(
            "EHXPLLL",
            p_PLLRST_ENA="DISABLED",
            p_INTFB_WAKE="DISABLED",
            p_STDBY_ENABLE="DISABLED",
            p_DPHASE_SOURCE="DISABLED",
            p_OUTDIVIDER_MUXA="DIVA",
            p_CLKI_DIV=clki_div,
            p_CLKOP_ENABLE="ENABLED",
            p_CLKOP_DIV=clkop_div,
            p_CLKOP_CPHASE=cphase,
            p_CLKOP_FPHASE=0,
            p_FEEDBK_PATH="CLKOP",
            p_CLKFB_DIV=clkfb_div,
            a_FREQUENCY_PIN_CLKI=str(round(platform.default_clk_frequency / 1e6)),
            a_FREQUENCY_PIN_CLKOP=str(round(hz / 1e6)),
            a_ICP_CURRENT="12",
            a_LPF_RESISTOR="8",
            a_MFG_ENABLE_FILTEROPAMP="1",
            a_MFG_GMCREF_SEL="2",
            i_RST=0,
            i_STDBY=0,
            i_CLKI=buf.i,
            i_CLKFB=clk,
            i_PHASESEL0=0,
            i_PHASESEL1=0,
            i_PHASEDIR=1,
            i_PHASESTEP=1,
            i_PHASELOADREG=1,
            i_PLLWAKESYNC=0,
            i_ENCLKOP=0,
            o_CLKOP=clk,
            o_LOCK=locked,
        )
        return locked

    return ClockPlan(hz, make, f"EHXPLLL to {hz / 1e6:g} MHz")


def system_description(core: str, params: dict[str, Any], clock_hz: float) -> Description:
    """The board system of ``core``/``params`` at ``clock_hz``: 115,200 baud, 50 ms timeout."""
    return {
        "core": core,
        "params": params,
        "divisor": round(clock_hz / BAUD),
        "timeout": round(clock_hz * TIMEOUT_S),
    }


class LinkTop(Elaboratable):
    """Board top: ``clock``, the board system of ``core``/``params``, UART 0, ``leds``.

    ``leds``: (resource name, number) pairs, in the order heartbeat, fault,
    busy, running, rx activity (as many as the board has).
    """

    def __init__(
        self,
        clock: ClockPlan,
        core: str,
        params: dict[str, Any],
        leds: Sequence[tuple[str, int]],
    ) -> None:
        self.clock = clock
        self.desc = system_description(core, params, clock.hz)
        core_params(self.desc)  # validates the core's name now, not at build time
        self.leds = list(leds)

    def elaborate(self, platform):
        m = Module()
        locked = self.clock.make(m, platform)
        m.submodules.reset = ResetSynchronizer(~locked, domain="sync")
        m.submodules.system = system = build_hw(self.desc)
        uart = platform.request("uart", 0, dir="-")
        m.submodules.rx_buf = rx = io.Buffer("i", uart.rx)
        m.submodules.tx_buf = tx = io.Buffer("o", uart.tx)
        m.d.comb += [system.rx.eq(rx.i), tx.o.eq(system.tx)]

        # one free-running counter: its top bit is the heartbeat (about 1.4 Hz at
        # 24 MHz), a carry out of its low 16 bits steps the stretchers, which hold an
        # event for 15 such steps (about 40 ms at 24 MHz): short carry chains only
        hz = self.clock.hz
        top_bit = max(17, round(hz).bit_length() - 1)
        free = Signal(top_bit + 1)
        m.d.sync += free.eq(free + 1)
        step = Signal()
        m.d.sync += step.eq(free[:16] == 0xFFFF)
        beat_led = free[top_bit]

        def stretched(event) -> Signal:
            cnt = Signal(4)
            with m.If(event):
                m.d.sync += cnt.eq(15)
            with m.Elif(step & (cnt != 0)):
                m.d.sync += cnt.eq(cnt - 1)
            return cnt != 0

        sources = [
            beat_led,
            system.fault,
            stretched(system.busy),
            stretched(system.running),
            stretched(~rx.i),
        ]
        for (name, number), value in zip(self.leds, sources, strict=False):
            buf = io.Buffer("o", platform.request(name, number, dir="-"))
            m.submodules[f"{name}_{number}"] = buf
            m.d.comb += buf.o.eq(value)
        return m
