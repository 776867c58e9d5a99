"""Compared cycles per second: the batch co-simulation against the cocotb bench.

Both paths compare the generated Verilog with the model on every cycle they
count (a run that finds a difference aborts the benchmark), in the same
process, on the same machine:

* cocotb: :func:`sc_cosim.harness.run_cosim` (Icarus, Python twin per cycle),
  ``--cocotb-cycles`` cycles of one run, build included in its time (Icarus
  builds in ~0.01 s);
* batch: :func:`sc_cosim.batch.run_cycle_level` (Verilator, stimulus and
  capture files, vectorised model), ``--runs`` x ``--cycles`` cycles; the
  Verilator build is timed apart (cached by hash: 0 on a second run).

Then the learning core at its largest iCE40 size (64 x 32), ``--ticks`` ticks
with learning on, compared tick by tick. Usage::

    .venv/bin/python bench/bench_batch.py            # 1e7 lif, 1e6 sc_layer, 100 ticks
    .venv/bin/python bench/bench_batch.py --quick    # 10x smaller batch runs
"""

from __future__ import annotations

import argparse
import platform
import sys
import time

from sc_cosim.batch import run_cycle_level, run_learning_core
from sc_cosim.batch_blocks import learning_core_ice40
from sc_cosim.batch_sim import build
from sc_cosim.blocks import get_block
from sc_cosim.harness import run_cosim


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--cocotb-cycles", type=int, default=2000)
    parser.add_argument("--ticks", type=int, default=100)
    args = parser.parse_args()
    scale = 10 if args.quick else 1
    sizes = {"lif": (1000 // scale, 10_000), "sc_layer": (100 // scale, 10_000)}
    print(f"bench_batch, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    print(f"python {platform.python_version()}, {platform.machine()}, load {_load()}")
    print("| block | path | cycles compared | seconds | compared cycles/s | vs cocotb |")
    print("| --- | --- | ---: | ---: | ---: | ---: |")
    ok = True
    for block, (runs, cycles) in sizes.items():
        params = dict(get_block(block).default_params)
        t0 = time.perf_counter()
        b = build(block, params)
        build_s = b.build_seconds or 0.0
        ref = run_cosim(block, params, seed=1, cycles=args.cocotb_cycles, simulator="icarus")
        ref_rate = args.cocotb_cycles / ref.seconds
        res = run_cycle_level(block, params, seed=1, batch=runs, cycles=cycles)
        ok &= ref.passed and res.passed
        if not (ref.passed and res.passed):
            print(ref.report(), res.report(), sep="\n", file=sys.stderr)
            return 1
        rate = res.compared / res.seconds
        print(
            f"| {block} | cocotb+Icarus | {args.cocotb_cycles:,} | {ref.seconds:.2f} | "
            f"{ref_rate:,.0f} | 1x |"
        )
        print(
            f"| {block} | batch (Verilator) | {res.compared:,} | {res.seconds:.2f} | "
            f"{rate:,.0f} | {rate / ref_rate:,.0f}x |"
        )
        print(
            f"|  | (Verilator build {build_s:.1f} s, 0 if cached; simulator process "
            f"{res.sim_seconds:.2f} s beside stimulus+model+compare {res.model_seconds:.2f} s;"
            f" total with build {time.perf_counter() - t0 - ref.seconds:.1f} s) | | | | |"
        )
    params = learning_core_ice40()
    b = build("learning_core", params, strobes=("out_valid", "upd_en"))
    res = run_learning_core(params, seed=0, ticks=args.ticks)
    if not res.passed:
        print(res.report(), file=sys.stderr)
        return 1
    print(
        f"\nlearning_core 64 x 32 (iCE40UP5K size), {args.ticks} ticks, learning on: "
        f"{res.cycles:,} cycles simulated, {res.compared:,} rows compared "
        f"in {res.seconds:.2f} s (build {b.build_seconds:.1f} s, 0 if cached)"
    )
    return 0 if ok else 1


def _load() -> str:
    try:
        with open("/proc/loadavg") as f:
            return f.read().split()[0]
    except OSError:
        return "?"


if __name__ == "__main__":
    sys.exit(main())
