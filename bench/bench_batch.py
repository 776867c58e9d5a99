"""Compared cycles per second: the batch co-simulation against the cocotb bench.

Both paths compare the generated Verilog with the model on every cycle they
count (a run that finds a difference aborts the benchmark), in the same
process, on the same machine:

* cocotb: :func:`sc_cosim.harness.run_cosim` (Icarus, Python twin per cycle),
  ``--cocotb-cycles`` cycles (default 20,000) of one run, build and start-up
  included in its time (Icarus builds in ~0.01 s);
* batch: :func:`sc_cosim.batch.run_cycle_level` (Verilator, stimulus and
  capture files, vectorised model), ``--runs`` x ``--cycles`` cycles; the
  Verilator build is timed apart (cached by hash: 0 on a second run).

Wall and CPU time are both printed: on the shared 2-core machine the load
average (printed) slows the wall rates of both paths; the CPU rates (this
process and the simulator processes it waits for) are the sturdier figure.

Then the learning core at its largest iCE40 size (64 x 128,
``configs/learning_core_up5k_ebr.json``), ``--ticks`` ticks with learning on,
compared tick by tick, beside cocotb on the same design for
``--core-cocotb-cycles`` cycles (2.6 ticks' worth; its time for 100 ticks is
extrapolated from that rate and printed as such). Usage::

    .venv/bin/python bench/bench_batch.py            # 1e7 lif, 1e7 sc_layer, 100 ticks
    .venv/bin/python bench/bench_batch.py --quick    # 10x smaller batch runs
"""

from __future__ import annotations

import argparse
import platform
import resource
import sys
import time

from sc_cosim.batch import run_cycle_level, run_learning_core
from sc_cosim.batch_blocks import learning_core_ice40
from sc_cosim.batch_sim import build
from sc_cosim.blocks import get_block
from sc_cosim.harness import run_cosim
from sc_model.learning_core import LearningCoreConfig


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--cocotb-cycles", type=int, default=20_000)
    parser.add_argument("--ticks", type=int, default=100)
    parser.add_argument("--core-cocotb-cycles", type=int, default=2640)
    args = parser.parse_args()
    scale = 10 if args.quick else 1
    sizes = {"lif": (5000 // scale, 2000), "sc_layer": (5000 // scale, 2000)}
    print(f"bench_batch, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    print(f"python {platform.python_version()}, {platform.machine()}, load {_load()}")
    print(
        "| block | path | cycles compared | wall s | compared cycles/s | vs cocotb "
        "| CPU s | compared cycles per CPU s | vs cocotb |"
    )
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    ok = True
    for block, (runs, cycles) in sizes.items():
        params = dict(get_block(block).default_params)
        t0 = time.perf_counter()
        b = build(block, params)
        build_s = b.build_seconds or 0.0
        cpu0 = _cpu()
        ref = run_cosim(block, params, seed=1, cycles=args.cocotb_cycles, simulator="icarus")
        ref_cpu = _cpu() - cpu0
        ref_rate = args.cocotb_cycles / ref.seconds
        ref_cpu_rate = args.cocotb_cycles / ref_cpu
        res = run_cycle_level(block, params, seed=1, batch=runs, cycles=cycles)
        ok &= ref.passed and res.passed
        if not (ref.passed and res.passed):
            print(ref.report(), res.report(), sep="\n", file=sys.stderr)
            return 1
        rate = res.compared / res.seconds
        cpu_rate = res.compared / res.cpu_seconds
        print(
            f"| {block} | cocotb+Icarus | {args.cocotb_cycles:,} | {ref.seconds:.2f} | "
            f"{ref_rate:,.0f} | 1x | {ref_cpu:.2f} | {ref_cpu_rate:,.0f} | 1x |"
        )
        print(
            f"| {block} | batch (Verilator) | {res.compared:,} | {res.seconds:.2f} | "
            f"{rate:,.0f} | {rate / ref_rate:,.0f}x | {res.cpu_seconds:.2f} | {cpu_rate:,.0f} "
            f"| {cpu_rate / ref_cpu_rate:,.0f}x |"
        )
        print(
            f"|  | (Verilator build {build_s:.1f} s, 0 if cached; simulator process "
            f"{res.sim_seconds:.2f} s beside stimulus+model+compare {res.model_seconds:.2f} s;"
            f" total with build {time.perf_counter() - t0 - ref.seconds:.1f} s; simulator CPU "
            f"{res.sim_cpu_seconds:.2f} s) | | | | | | | |"
        )
    params = learning_core_ice40()
    size = f"{len(params['weights'][0])} x {len(params['weights'])}"
    b = build("learning_core", params, strobes=("out_valid", "upd_en"))
    res = run_learning_core(params, seed=0, ticks=args.ticks)
    cpu0 = _cpu()
    ref = run_cosim("learning_core", params, seed=1, cycles=args.core_cocotb_cycles)
    ref_cpu = _cpu() - cpu0
    if not (res.passed and ref.passed):
        print(res.report(), ref.report(), sep="\n", file=sys.stderr)
        return 1
    per_tick = LearningCoreConfig(**params).tick_cycles
    print(
        f"\nlearning_core {size} (iCE40UP5K size, {per_tick} cycles per tick), learning on:\n"
        f"  batch: {args.ticks} ticks with the host writes and readout = {res.cycles:,} "
        f"cycles simulated, {res.compared:,} rows "
        f"compared tick by tick in {res.seconds:.2f} s wall, {res.cpu_seconds:.2f} s CPU "
        f"(build {b.build_seconds:.1f} s, 0 if cached): "
        f"{res.cycles / res.seconds:,.0f} cycles/s\n"
        f"  cocotb+Icarus (every port every cycle, random en): {args.core_cocotb_cycles:,} cycles "
        f"in {ref.seconds:.2f} s wall, {ref_cpu:.2f} s CPU: "
        f"{args.core_cocotb_cycles / ref.seconds:,.0f} cycles/s, so {args.ticks} ticks would "
        f"take about {res.cycles / (args.core_cocotb_cycles / ref.seconds):,.0f} s "
        f"(extrapolated)\n"
        f"  ratio batch / cocotb (cycles/s, wall): "
        f"{(res.cycles / res.seconds) / (args.core_cocotb_cycles / ref.seconds):,.0f}x"
    )
    return 0 if ok else 1


def _cpu() -> float:
    """CPU seconds of this process and its waited-for children (the simulators)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def _load() -> str:
    try:
        with open("/proc/loadavg") as f:
            return f.read().split()[0]
    except OSError:
        return "?"


if __name__ == "__main__":
    sys.exit(main())
