"""Board tops: the board system (UART host link + learning core) on three boards.

Each board file (:mod:`boards.icebreaker`, :mod:`boards.ulx3s`,
:mod:`boards.icesugar`) is data: the amaranth-boards platform, its clock
plan and LEDs, and a top (:class:`boards.link_top.LinkTop`) around the board
system of a core description (:mod:`boards.system`). Building is the flow
tools' job (``sc-hw board NAME``, :mod:`sc_flow.board_build`): nothing here
runs a tool.

Also here, from the first board bring-up: a stochastic-bitstream LED demo
built from tested blocks (used by the tests of the synthesis flow).

The demo (:class:`StochasticDemo`) is one :class:`sc_hw.lfsr.LFSR` stepping
every cycle and two comparators on its state, i.e. two SNGs sharing one
LFSR: ``stream = state < level << (width - level_bits)`` with ``level`` set
on the board (button presses on the iCEBreaker, DIP switches on the ULX3S),
and ``fixed_stream = state < fixed_value``. On an LED each stream is a
PWM-like random bitstream whose brightness is its probability of a one.
Other LEDs show the LFSR's top bits, latched a few times per second so the
random pattern is visible.

"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from amaranth.hdl import Module, Signal
from amaranth.lib import io, wiring
from amaranth.lib.cdc import FFSynchronizer
from amaranth.lib.wiring import In, Out

from sc_hw.lfsr import LFSR
from sc_model._validate import check_int


def pin_in(m: Module, platform: Any, name: str, number: int) -> Signal:
    """The input of resource ``name``/``number`` through an ``io.Buffer`` (inversion applied)."""
    buf = io.Buffer("i", platform.request(name, number, dir="-"))
    m.submodules[f"{name}_{number}"] = buf
    return buf.i


def pin_out(m: Module, platform: Any, name: str, number: int) -> Signal:
    """The output of resource ``name``/``number`` through an ``io.Buffer`` (inversion applied)."""
    buf = io.Buffer("o", platform.request(name, number, dir="-"))
    m.submodules[f"{name}_{number}"] = buf
    return buf.o


class StochasticDemo(wiring.Component):
    """Two stochastic bitstreams from one LFSR, and a slow snapshot of its top bits.

    Parameters
    ----------
    width : int
        LFSR width, 3 .. 32 (Fibonacci form, maximal taps; it steps every cycle).
    seed : int
        LFSR reset value, 1 .. 2**width - 1.
    level_bits : int
        Width of ``level``, 1 .. width.
    fixed_value : int
        Threshold of ``fixed_stream``, 0 .. 2**width.
    n_leds : int
        LFSR bits shown on ``leds`` (its top ones), 1 .. width.
    snapshot_log2 : int
        ``leds`` latch every ``2**snapshot_log2`` cycles, 1 .. 32.

    Attributes
    ----------
    level : In(level_bits)
        Threshold of ``stream`` in units of ``2**(width - level_bits)``.
    stream : Out(1)
        ``state < level << (width - level_bits)`` during this cycle (combinational
        from the LFSR register and ``level``). Over any ``2**width - 1`` consecutive
        cycles with a constant threshold ``v >= 1`` it is high on exactly ``v - 1``
        cycles, since the LFSR visits every state 1 .. 2**width - 1 once.
    fixed_stream : Out(1)
        ``state < fixed_value``, likewise.
    leds : Out(n_leds)
        Register: the LFSR's top ``n_leds`` bits (``leds[i] = state[width - n_leds + i]``)
        as they were during cycle ``k * 2**snapshot_log2 - 1`` for the last such
        ``k >= 1`` before this cycle; 0 until the first latch.
    """

    def __init__(
        self,
        width: int = 16,
        seed: int = 1,
        level_bits: int = 4,
        fixed_value: int = 1 << 12,
        n_leds: int = 4,
        snapshot_log2: int = 21,
    ) -> None:
        self.lfsr = LFSR(width, seed)
        self.width = self.lfsr.width
        self.level_bits = check_int("level_bits", level_bits, 1, self.width)
        self.fixed_value = check_int("fixed_value", fixed_value, 0, 1 << self.width)
        self.n_leds = check_int("n_leds", n_leds, 1, self.width)
        self.snapshot_log2 = check_int("snapshot_log2", snapshot_log2, 1, 32)
        super().__init__(
            {
                "level": In(self.level_bits),
                "stream": Out(1),
                "fixed_stream": Out(1),
                "leds": Out(self.n_leds),
            }
        )

    def elaborate(self, platform):
        m = Module()
        m.submodules.lfsr = lfsr = self.lfsr
        m.d.comb += lfsr.en.eq(1)
        state = lfsr.state
        threshold = self.level << (self.width - self.level_bits)
        m.d.comb += [
            self.stream.eq(state < threshold),
            self.fixed_stream.eq(state < self.fixed_value),
        ]
        tick = Signal(self.snapshot_log2)
        m.d.sync += tick.eq(tick + 1)
        with m.If(tick == (1 << self.snapshot_log2) - 1):
            m.d.sync += self.leds.eq(state[self.width - self.n_leds :])
        return m


class PressCounter(wiring.Component):
    """Count presses of a push button, debounced by slow sampling.

    The button is synchronised (two flip-flops), then sampled every
    ``2**sample_log2`` cycles; a sample of 1 after a sample of 0 is one press.
    Contact bounce shorter than the sampling period cannot count twice
    (2**17 cycles are 10.9 ms at 12 MHz).

    Parameters
    ----------
    count_bits : int
        Width of ``count``, 1 .. 32 (it wraps).
    sample_log2 : int
        1 .. 32.

    Attributes
    ----------
    button : In(1)
        High while pressed (asynchronous).
    count : Out(count_bits)
        Register: presses seen so far, modulo ``2**count_bits``.
    """

    def __init__(self, count_bits: int = 3, sample_log2: int = 17) -> None:
        self.count_bits = check_int("count_bits", count_bits, 1, 32)
        self.sample_log2 = check_int("sample_log2", sample_log2, 1, 32)
        super().__init__({"button": In(1), "count": Out(self.count_bits)})

    def elaborate(self, platform):
        m = Module()
        synced = Signal()
        m.submodules.sync = FFSynchronizer(self.button, synced)
        tick = Signal(self.sample_log2)
        sample = Signal()
        m.d.sync += tick.eq(tick + 1)
        with m.If(tick == 0):
            m.d.sync += sample.eq(synced)
            with m.If(synced & ~sample):
                m.d.sync += self.count.eq(self.count + 1)
        return m


@dataclass(frozen=True)
class Board:
    """What building one board needs to know; no tool is run here.

    Attributes
    ----------
    name : str
        Board name on the command line (``sc-hw board NAME``).
    device, family : str
        Device key of the synthesis report (``ice40-up5k``) and its family (``ice40``).
    tools : dict[str, str]
        amaranth's tool variables (``YOSYS``, ``NEXTPNR_ICE40`` ...) to YoWASP executables.
    bitstream_ext : str
        Extension of the bitstream the platform writes (``bin``, ``bit``).
    platform : () -> amaranth-boards platform
    top : (core, params) -> Elaboratable
        The board top around the board system of core ``core`` (a name of
        :data:`boards.system.CORES`) with parameters ``params``; requests its
        pins from the platform it is elaborated for.
    clock : boards.link_top.ClockPlan
        The core clock (Hz) and how it is made from the board's oscillator.
    """

    name: str
    device: str
    family: str
    tools: dict[str, str]
    bitstream_ext: str
    platform: Callable[[], Any]
    top: Callable[..., Any]
    clock: Any
