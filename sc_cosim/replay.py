"""Replay path of the mutation check: the model runs once, each mutant runs in plain Icarus.

A co-simulation run of :mod:`sc_cosim.cosim_tb` costs about a second of
cocotb start-up plus a Python model step per cycle, and the model's side of
the run does not depend on the Verilog under test. This module splits the run
in two:

1. :func:`record` runs the model side of one cosim run *once* per
   ``(block, params, seed, cycles, reset_p, initial_reset)``: it takes the
   stimulus and the mid-run resets from the one draw :mod:`sc_cosim.cosim_tb`
   uses too (:meth:`sc_cosim.spec.BlockSpec.draw_run`), steps the model twin
   and keeps, per row, every input port with ``rst`` and the expected value
   of every output port. With the initial reset (the default) row 0 is the
   power-on check (inputs 0, ``rst`` high, before the first edge) and row
   ``t + 1`` is cycle ``t``; without it (``initial_reset=False``) row ``t``
   is cycle ``t``, row 0 compared in the power-on state with cycle 0's
   inputs and ``rst`` low. The rows are written as two
   ``$readmemh`` files (one hex word per row: ``{rst, inputs...}`` and
   ``{outputs...}`` in signature order, MSB first).
2. :func:`run_mutant_replay` compiles a mutant with a generated
   Verilog-2005 test bench (:func:`testbench`; Icarus with the harness's
   :data:`sc_cosim.harness.SIM_BUILD_ARGS`, after cocotb's ``-g2012`` as the
   cocotb build has it) and runs ``vvp`` once per seed until a run fails.

Timing equals the cocotb bench's: at time 0 the bench drives row 0 (``rst``
high and every input 0, or cycle 0 without the initial reset) and compares
every output before the first rising edge at time 1, which applies the
initial reset (or ends cycle 0); the clock falls
at 6 and has a period of 10. Per cycle the bench drives the row's inputs and
``rst`` right after the falling edge, compares every output 1 time unit later
(nothing else happens in between, so the values are those cocotb reads in its
read-only phase) and raises the clock 4 units after that. The comparison is
``!==`` on every output port, every row: an X or Z bit is a mismatch, as an
unresolvable value is in the cocotb bench. The first mismatch ends the run and
names the row, the port (the first mismatching one in signature order, as the
cocotb bench reports it) and the value; the message has the cocotb bench's
form (``cycle 12: port 'y' RTL=3 model=2; inputs={...} rst=0``; ``cycle 12
(no initial reset): ...`` for a run without the initial reset).

Why a recorded stimulus gives the verdict cocotb would: the cocotb bench draws
its whole stimulus (and its resets) before the run from the seed alone and
never reads the DUT to decide what to drive, so the rows replayed here are
exactly the rows cocotb drives. (For a bench whose stimulus *did* react to
the DUT, e.g. a host handshake, a recording from the model would still be
exact up to the first mismatch: until then the DUT's outputs equal the
model's, so the reaction is the same; after it the run is over.) Both paths
therefore kill the same mutants, with the same seed, cycle and port;
:mod:`bench.bench_mutation` and ``hdl_tests/test_replay.py`` check that
verdict by verdict.

Only Icarus: the replay bench is not offered for Verilator.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from amaranth.lib import wiring

from sc_cosim.batch_sim import Port, ports_of
from sc_cosim.blocks import get_block
from sc_cosim.harness import (
    SIM_BUILD_ARGS,
    build_root,
    check_initial_reset,
    default_initial_reset,
    default_reset_p,
    signature_of,
)
from sc_cosim.spec import Params
from sc_model._validate import check_int

TB_TOP = "sc_replay_tb"
MISMATCH = "SC_REPLAY_MISMATCH"
PASS = "SC_REPLAY_PASS"
# cocotb's Icarus build puts -g2012 before the project's build arguments; the later -g wins
ICARUS_ARGS = ("-g2012", *SIM_BUILD_ARGS["icarus"])
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


@dataclass(frozen=True)
class Recording:
    """The model side of one cosim run, ready to replay.

    Attributes
    ----------
    inputs, outputs : list[Port]
        Input and output ports in signature order (no ``clk``/``rst``).
    stimulus : {port: int array (cycles,)}
        The inputs of each cycle, as the cocotb bench drives them.
    resets : bool array (cycles,)
        ``rst`` of each cycle.
    expected : list[tuple[int, ...]]
        Per row the model's value of every output port, unsigned. With
        ``initial_reset``: row 0 = power-on, ``t + 1`` = cycle ``t``;
        without: row ``t`` = cycle ``t``.
    stim_file, expect_file : Path
        The rows as ``$readmemh`` files.
    """

    block: str
    params: Params
    seed: int
    cycles: int
    reset_p: float
    inputs: list[Port]
    outputs: list[Port]
    stimulus: dict[str, np.ndarray]
    resets: np.ndarray
    expected: list[tuple[int, ...]]
    stim_file: Path
    expect_file: Path
    initial_reset: bool = True

    @property
    def rows(self) -> int:
        return len(self.expected)

    def cycle_of(self, row: int) -> int | None:
        """The stimulus cycle of ``row`` (None for the power-on row)."""
        if not self.initial_reset:
            return row
        return None if row == 0 else row - 1

    def row_name(self, row: int) -> str:
        t = self.cycle_of(row)
        if t is None:
            return "power-on"
        return f"cycle {t}" if self.initial_reset else f"cycle {t} (no initial reset)"

    def message(self, row: int, port: int, got: str) -> str:
        """The cocotb bench's mismatch message for ``port`` (index into outputs) in ``row``."""
        name = self.outputs[port].name
        value = str(int(got, 2)) if re.fullmatch(r"[01]+", got) else f"unresolved value {got}"
        text = f"{self.row_name(row)}: port {name!r} RTL={value} model={self.expected[row][port]}"
        t = self.cycle_of(row)
        if t is not None:
            inputs = {p.name: int(self.stimulus[p.name][t]) for p in self.inputs}
            text += f"; inputs={inputs} rst={int(self.resets[t])}"
        return text


_RECORDINGS: dict[str, Recording] = {}


def _unsigned(name: str, value: int, width: int, what: str) -> int:
    if not -(1 << (width - 1)) <= value < (1 << width):
        raise ValueError(f"{what} {name!r} = {value} does not fit in {width} bits")
    return value & ((1 << width) - 1)


def _hex_rows(rows: Iterable[tuple[int, ...]], widths: list[int]) -> str:
    total = sum(widths)
    digits = max(1, (total + 3) // 4)
    lines = []
    for row in rows:
        word = 0
        for value, width in zip(row, widths, strict=True):
            word = (word << width) | value
        lines.append(f"{word:0{digits}x}")
    return "\n".join(lines) + "\n"


def _write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a rename (processes may share the folder)."""
    if path.exists() and path.read_text() == text:
        return
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name)
    with os.fdopen(fd, "w") as fh:
        fh.write(text)
    os.replace(tmp, path)


def record(
    block: str,
    params: Params,
    seed: int,
    cycles: int,
    reset_p: float | None = None,
    initial_reset: bool | None = None,
) -> Recording:
    """Run the model side of ``run_cosim(block, params, seed, cycles)`` once (module docstring).

    ``reset_p`` and ``initial_reset`` default to ``SC_COSIM_RESET_P`` and
    ``SC_COSIM_INITIAL_RESET`` as in :func:`sc_cosim.harness.run_cosim`.

    Remembered per process; the files go to ``<build>/replay/<block>/<key>/``.

    Raises
    ------
    ValueError
        Bad block or parameters; a stimulus or model value that does not fit
        its port (the cocotb bench would fail on the original design too).
    """
    spec = get_block(block)
    seed = check_int("seed", seed, 0)
    cycles = check_int("cycles", cycles, 1)
    reset_p = default_reset_p() if reset_p is None else float(reset_p)
    initial_reset = (
        default_initial_reset()
        if initial_reset is None
        else check_initial_reset("initial_reset", initial_reset)
    )
    what = [block, params, seed, cycles, repr(reset_p)] + ([] if initial_reset else ["no reset"])
    key = hashlib.sha1(json.dumps(what, sort_keys=True).encode()).hexdigest()[:12]
    if key in _RECORDINGS:
        return _RECORDINGS[key]
    signature = signature_of(block, params)
    inputs, outputs = ports_of(signature, wiring.In), ports_of(signature, wiring.Out)
    for p in inputs + outputs:
        if not _NAME.match(p.name):
            raise ValueError(
                f"port name {p.name!r} of {block} needs escaping; replay cannot use it"
            )

    # the cocotb bench's draw
    stim, resets = spec.draw_run(params, seed, cycles, reset_p, initial_reset)
    names = [p.name for p in inputs]
    if set(stim) != set(names):
        raise ValueError(f"stimulus ports {sorted(stim)} != input ports {sorted(names)}")
    twin = spec.twin(params)

    def expect(inputs_now: dict[str, int], row: int) -> tuple[int, ...]:
        got = twin.step(inputs_now)
        if set(got) != {p.name for p in outputs}:
            raise ValueError(
                f"twin outputs {sorted(got)} != RTL output ports {sorted(p.name for p in outputs)}"
            )
        return tuple(
            _unsigned(p.name, int(got[p.name]), p.width, f"model output (row {row})")
            for p in outputs
        )

    in_rows: list[tuple[int, ...]] = []
    expected: list[tuple[int, ...]] = []
    if initial_reset:  # the power-on row, then the initial reset
        in_rows.append((1, *[0] * len(inputs)))
        expected.append(expect(dict.fromkeys(names, 0), 0))
        twin.reset()
    for t in range(cycles):
        now = {n: int(stim[n][t]) for n in names}
        in_rows.append(
            (
                int(resets[t]),
                *[_unsigned(p.name, now[p.name], p.width, "stimulus input") for p in inputs],
            )
        )
        expected.append(expect(now, len(expected)))
        if resets[t]:
            twin.reset()

    folder = build_root() / "replay" / block / key
    folder.mkdir(parents=True, exist_ok=True)
    stim_file, expect_file = folder / "stim.hex", folder / "expect.hex"
    _write_atomic(stim_file, _hex_rows(in_rows, [1] + [p.width for p in inputs]))
    _write_atomic(expect_file, _hex_rows(expected, [p.width for p in outputs]))
    rec = Recording(
        block,
        params,
        seed,
        cycles,
        reset_p,
        inputs,
        outputs,
        stim,
        resets,
        expected,
        stim_file,
        expect_file,
        initial_reset,
    )
    _RECORDINGS[key] = rec
    return rec


def _vec(width: int) -> str:
    return f"[{width - 1}:0] " if width > 1 else ""


def testbench(toplevel: str, inputs: list[Port], outputs: list[Port], rows: int) -> str:
    """Verilog-2005 bench that replays ``rows`` rows into ``toplevel`` (module docstring).

    Row 0 is driven at time 0 and compared before the first rising edge (the
    initial reset when its ``rst`` is high, else the end of cycle 0); the
    bench is the same for runs with and without the initial reset.

    Ports are connected by escaped names (``.\\release (o_release)``: Amaranth escapes
    a port named like a Verilog keyword, and an escaped plain name is the same
    identifier). Plusargs ``+stim=FILE +expect=FILE`` name the ``$readmemh`` files. It prints
    ``SC_REPLAY_MISMATCH <row> <port index> <value in binary>`` at the first
    mismatch, else ``SC_REPLAY_PASS``.
    """
    iw = 1 + sum(p.width for p in inputs)
    ow = sum(p.width for p in outputs)
    drive = "{" + ", ".join(["rst"] + [f"i_{p.name}" for p in inputs]) + "}"
    got = "{" + ", ".join(f"o_{p.name}" for p in outputs) + "}"
    lines = [
        f"// Generated by sc_cosim.replay for {toplevel}: {rows} rows",
        f"module {TB_TOP};",
        "  reg clk = 1'b0;",
        "  reg rst = 1'b1;",
    ]
    lines += [f"  reg {_vec(p.width)}i_{p.name} = 0;" for p in inputs]
    lines += [f"  wire {_vec(p.width)}o_{p.name};" for p in outputs]
    lines += [
        f"  reg [{iw - 1}:0] stim_rows [0:{rows - 1}];",
        f"  reg [{ow - 1}:0] expect_rows [0:{rows - 1}];",
        "  reg [8*4096-1:0] stim_file, expect_file;",
        "  integer row;",
        f"  {toplevel} dut (",
        "    "
        + ",\n    ".join(
            [".clk(clk)", ".rst(rst)"]
            + [f".\\{p.name} (i_{p.name})" for p in inputs]
            + [f".\\{p.name} (o_{p.name})" for p in outputs]
        ),
        "  );",
        "  task check;",
        "    input integer r;",
        "    begin",
        f"      if ({got} !== expect_rows[r]) begin",
    ]
    lo = ow
    for k, p in enumerate(outputs):
        hi, lo = lo - 1, lo - p.width
        word = f"o_{p.name}"
        lines.append(
            f"        {'if' if k == 0 else 'else if'} ({word} !== expect_rows[r][{hi}:{lo}]) "
            f'$display("{MISMATCH} %0d {k} %b", r, {word});'
        )
    lines += [
        "        $finish;",
        "      end",
        "    end",
        "  endtask",
        "  initial begin",
        '    if (!$value$plusargs("stim=%s", stim_file) || '
        '!$value$plusargs("expect=%s", expect_file)) begin',
        '      $display("SC_REPLAY_ERROR: +stim= and +expect= are required");',
        "      $finish;",
        "    end",
        "    $readmemh(stim_file, stim_rows);",
        "    $readmemh(expect_file, expect_rows);",
        f"    {drive} = stim_rows[0];",
        "    #1 check(0);  // power-on state: before the first rising edge",
        "    clk = 1'b1;  // the initial reset (rst high in row 0), else cycle 0's edge",
        "    #5 clk = 1'b0;",
        f"    for (row = 1; row < {rows}; row = row + 1) begin",
        f"      {drive} = stim_rows[row];",
        "      #1 check(row);",
        "      #4 clk = 1'b1;",
        "      #5 clk = 1'b0;",
        "    end",
        f'    $display("{PASS}");',
        "    $finish;",
        "  end",
        "endmodule",
        "",
    ]
    return "\n".join(lines)


@dataclass(frozen=True)
class ReplayRun:
    """Outcome of replaying one recording: ``passed``, or the first mismatch."""

    passed: bool
    message: str
    row: int | None = None  # 0 = power-on, t + 1 = cycle t
    port: str | None = None


def compile_replay(text: str, rec: Recording, folder: Path) -> tuple[Path | None, str]:
    """Compile Verilog ``text`` with the bench of ``rec``: (vvp file, "") or (None, log)."""
    iverilog = shutil.which("iverilog")
    if iverilog is None:
        raise RuntimeError("iverilog not on PATH: the replay path needs it")
    spec = get_block(rec.block)
    folder.mkdir(parents=True, exist_ok=True)
    dut, tb, out = folder / f"{spec.toplevel}.v", folder / "replay_tb.v", folder / "replay.vvp"
    dut.write_text(text)
    tb.write_text(testbench(spec.toplevel, rec.inputs, rec.outputs, rec.rows))
    proc = subprocess.run(
        [iverilog, *ICARUS_ARGS, "-s", TB_TOP, "-o", str(out), str(tb), str(dut)],
        capture_output=True,
        text=True,
    )
    if proc.returncode:
        return None, (proc.stderr or proc.stdout).strip()
    return out, ""


def replay(vvp_file: Path, rec: Recording) -> ReplayRun:
    """Run a compiled bench on ``rec``'s rows."""
    vvp = shutil.which("vvp")
    if vvp is None:
        raise RuntimeError("vvp not on PATH: the replay path needs Icarus")
    proc = subprocess.run(
        [vvp, "-n", str(vvp_file), f"+stim={rec.stim_file}", f"+expect={rec.expect_file}"],
        capture_output=True,
        text=True,
    )
    for line in proc.stdout.splitlines():
        if line.startswith(MISMATCH):
            _, row, port, got = line.split()
            row_i, port_i = int(row), int(port)
            return ReplayRun(
                False, rec.message(row_i, port_i, got), row_i, rec.outputs[port_i].name
            )
        if line.startswith(PASS):
            return ReplayRun(True, "")
    raise RuntimeError(
        f"vvp ended without a verdict (exit {proc.returncode}) on {vvp_file}:\n"
        + (proc.stdout + proc.stderr)[-2000:]
    )


def run_verilog(
    text: str,
    block: str,
    params: Params,
    seeds: Iterable[int],
    cycles: int,
    folder: Path,
    reset_p: float | None = None,
    initial_reset: bool | None = None,
    power_on_seeds: Iterable[int] = (),
) -> tuple[str, tuple[int, ...], str]:
    """Replay Verilog ``text`` for each seed until one run fails.

    ``seeds`` run with ``initial_reset`` (default ``SC_COSIM_INITIAL_RESET``,
    else True); then ``power_on_seeds`` run without the initial reset (runs
    that start from the power-on state, :func:`record`), their failures
    named ``(no initial reset)``.

    Returns ``(status, seeds run, message)``: ``killed`` (message: the first
    mismatch of the failing seed), ``survived``, or ``not_compiled`` (message:
    the compiler's log; the caller decides whether that is a compile error).
    """
    seeds, power_on_seeds = tuple(seeds), tuple(power_on_seeds)
    if not seeds:
        raise ValueError("seeds must name at least one cosim seed, not ()")
    recs = [record(block, params, s, cycles, reset_p, initial_reset) for s in seeds]
    recs += [record(block, params, s, cycles, reset_p, False) for s in power_on_seeds]
    compiled: dict[int, Path] = {}  # one bench per row count (power-on row or not)
    ran: list[int] = []
    for s, rec in zip(seeds + power_on_seeds, recs, strict=True):
        if rec.rows not in compiled:
            sub = folder if not compiled else folder / f"rows_{rec.rows}"
            vvp_file, log = compile_replay(text, rec, sub)
            if vvp_file is None:
                return "not_compiled", tuple(ran), log
            compiled[rec.rows] = vvp_file
        ran.append(s)
        run = replay(compiled[rec.rows], rec)
        if not run.passed:
            return "killed", tuple(ran), run.message
    return "survived", tuple(ran), ""
