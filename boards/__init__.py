"""Board tops: a stochastic-bitstream LED demo built from tested blocks.

The demo (:class:`StochasticDemo`) is one :class:`sc_hw.lfsr.LFSR` stepping
every cycle and two comparators on its state, i.e. two SNGs sharing one
LFSR: ``stream = state < level << (width - level_bits)`` with ``level`` set
on the board (button presses on the iCEBreaker, DIP switches on the ULX3S),
and ``fixed_stream = state < fixed_value``. On an LED each stream is a
PWM-like random bitstream whose brightness is its probability of a one.
Other LEDs show the LFSR's top bits, latched a few times per second so the
random pattern is visible. Later this will host the SC neuron core.

Board files: :mod:`boards.icebreaker`, :mod:`boards.ulx3s`. Each builds with
the YoWASP tools through amaranth-boards into ``build/boards/<board>/`` and
reports resources and Fmax from nextpnr (:func:`build_board`).
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from amaranth.hdl import Module, Signal
from amaranth.lib import io, wiring
from amaranth.lib.cdc import FFSynchronizer
from amaranth.lib.wiring import In, Out

from sc_hw.lfsr import LFSR
from sc_hw.synth import (
    REPO_ROOT,
    SynthError,
    SynthReport,
    count_cells,
    dir_lock,
    netlist_cells,
    parse_pnr_report,
    pick_clock,
    tool_env,
    warm_tool,
)
from sc_model._validate import check_int

BOARD_ROOT = REPO_ROOT / "build" / "boards"


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
class BoardBuild:
    """A built board top: the bitstream and what nextpnr reported."""

    board: str
    bitstream: Path
    report: SynthReport
    clock_mhz: float

    def __str__(self) -> str:
        fmax = self.report.fmax_mhz
        slack = "" if fmax is None else f" ({fmax / self.clock_mhz:.1f}x the board clock)"
        return (
            f"{self.board}: bitstream {_rel(self.bitstream)} "
            f"({self.bitstream.stat().st_size} bytes)\n"
            f"  {self.report.device}: LUT4 {self.report.luts}, carry {self.report.carries}, "
            f"FF {self.report.ffs}, RAM blocks {self.report.ram_blocks}, DSP {self.report.dsps}, "
            f"{self.report.logic_cells} logic cells, {self.report.io} IO\n"
            f"  Fmax {fmax:.1f} MHz at a {self.clock_mhz:g} MHz board clock{slack}"
        )


def _rel(path: Path) -> str:
    try:
        return str(path.relative_to(REPO_ROOT))
    except ValueError:
        return str(path)


def build_board(
    platform: Any,
    top: Any,
    *,
    board: str,
    device: str,
    family: str,
    tools: dict[str, str],
    bitstream_ext: str,
    do_program: bool = False,
    build_dir: str | Path | None = None,
    seed: int = 1,
) -> BoardBuild:
    """Build ``top`` for an amaranth-boards ``platform`` with the YoWASP tools.

    ``tools`` maps amaranth's tool variables (``YOSYS``, ``NEXTPNR_ICE40`` ...) to
    YoWASP executable names. nextpnr runs with the board's clock constraint (a
    failure to meet it fails the build) and ``--report report.json``; the report,
    the Yosys netlist and the logs stay in ``build_dir`` (default
    ``build/boards/<board>/``). ``do_program`` hands the bitstream to the
    platform's programmer (``iceprog`` / ``openFPGALoader``, which must be installed).
    """
    out = Path(build_dir).resolve() if build_dir is not None else BOARD_ROOT / board
    out.mkdir(parents=True, exist_ok=True)
    with dir_lock(out):
        name = f"{board}_demo"
        env = tool_env()
        for var, exe in tools.items():
            env[var] = warm_tool(exe)
        (out / "report.json").unlink(missing_ok=True)
        plan = platform.build(
            top,
            name=name,
            do_build=False,
            nextpnr_opts=["--report", "report.json", "--seed", str(seed)],
        )
        try:
            products = plan.execute_local(str(out), env=env)
        except subprocess.CalledProcessError as exc:
            logs = [p for p in (out / f"{name}.rpt", out / f"{name}.tim") if p.exists()]
            log = logs[-1] if logs else None
            raise SynthError(
                f"building {board} failed (exit {exc.returncode}); logs: "
                + ", ".join(map(str, logs)),
                log,
            ) from exc
        bitstream = out / f"{name}.{bitstream_ext}"
        if not bitstream.exists() or bitstream.stat().st_size == 0:
            raise SynthError(f"{board}: no bitstream at {bitstream}", out / f"{name}.tim")
        if do_program:
            platform.toolchain_program(products, name)

        cells = netlist_cells(json.loads((out / f"{name}.json").read_text()))
        counts = count_cells(cells, family)
        pnr = parse_pnr_report(json.loads((out / "report.json").read_text()), family)
        clock_hz = platform.default_clk_frequency
        report = SynthReport(
            design=board,
            device=device,
            params={},
            luts=counts["luts"],
            carries=counts["carries"],
            ffs=counts["ffs"],
            ram_blocks=counts["ram_blocks"],
            dsps=counts["dsps"],
            logic_cells=pnr["logic_cells"],
            io=pnr["io"],
            fmax_mhz=pick_clock(pnr["clocks"], None),
            freq_mhz=clock_hz / 1e6,
            io_wrapper=False,
            port_bits=pnr["io"],
            build_dir=out,
            cells=cells,
            clocks=pnr["clocks"],
        )
        return BoardBuild(board, bitstream, report, clock_hz / 1e6)
