"""Time per mutant of the mutation check: the cocotb path against the replay path.

The same mutant sample (``sc_cosim.mutation.sample`` of each block's live
mutants over both parameter sets, seed 0) runs through both paths of
:func:`sc_cosim.mutation.run_mutant`, in the same process:

* cocotb: :func:`sc_cosim.harness.run_cosim` per seed (cocotb start-up and the
  Python model twin per cycle, every mutant);
* replay: :mod:`sc_cosim.replay` (the model run recorded once per parameter set
  and seed, timed apart as "recording": a full run pays it once per set and
  seed, a sample of a few mutants pays it for each; each mutant compiled with
  a plain Verilog bench and run by ``vvp``).

First every verdict is compared: status, the seeds run and the first-mismatch
message (cycle, port, both values, the cycle's inputs) must be identical; any
difference is printed and the script exits 1 without timing figures. Then it
prints, per block, the wall and CPU time per mutant of each path and the
ratios (CPU: this process plus the simulator processes it waited for; on the
shared machine the sturdier figure). No solver runs here. Usage::

    .venv/bin/python bench/bench_mutation.py                      # 3 blocks x 10 mutants
    .venv/bin/python bench/bench_mutation.py --blocks stdp --limit 20
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import sys
import time

from sc_cosim.mutation import MutantResult, block_mutants, mutation_param_sets, run_mutant, sample
from sc_cosim.replay import record

DEFAULT_BLOCKS = ("lfsr", "stream_counter", "lif")


def _cpu() -> float:
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def _timed(mutants, path: str, seeds, cycles) -> tuple[list[MutantResult], float, float]:
    wall, cpu = time.perf_counter(), _cpu()
    results = [run_mutant(m, seeds, cycles, path=path) for m in mutants]
    return results, time.perf_counter() - wall, _cpu() - cpu


def _load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--blocks", nargs="+", default=list(DEFAULT_BLOCKS))
    parser.add_argument("--limit", type=int, default=10, help="mutants sampled per block")
    parser.add_argument("--seed", type=int, default=0, help="sample seed (cosim seeds seed+1..)")
    parser.add_argument("--seeds", type=int, default=3, help="cosim seeds per mutant at most")
    parser.add_argument("--cycles", type=int, default=2000)
    args = parser.parse_args(argv)
    seeds = tuple(range(args.seed + 1, args.seed + 1 + args.seeds))
    print(f"bench_mutation, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    print(f"python {platform.python_version()}, {platform.machine()}, load {_load()}")
    print(f"seeds {seeds}, {args.cycles} cycles, {args.limit} mutants per block, Icarus")
    rows, differ = [], []
    for block in args.blocks:
        mutants = sample(block_mutants(block, args.seed)[0], args.limit, args.seed)
        cocotb, c_wall, c_cpu = _timed(mutants, "cocotb", seeds, args.cycles)
        rec_wall = time.perf_counter()
        for _, params in mutation_param_sets(block, args.seed):
            for s in seeds:
                record(block, params, s, args.cycles)
        rec_wall = time.perf_counter() - rec_wall
        replay, r_wall, r_cpu = _timed(mutants, "replay", seeds, args.cycles)
        for a, b in zip(cocotb, replay, strict=True):
            if (a.status, a.seeds, a.message) != (b.status, b.seeds, b.message):
                differ.append(
                    f"{block} {a.mutant.describe()}\n  cocotb {a.status} seeds {a.seeds}: "
                    f"{a.message}\n  replay {b.status} seeds {b.seeds}: {b.message}"
                )
        statuses = {s: sum(r.status == s for r in cocotb) for s in ("killed", "survived")}
        rows.append((block, len(mutants), statuses, c_wall, c_cpu, r_wall, r_cpu, rec_wall))
    if differ:
        print(f"VERDICTS DIFFER ({len(differ)}); no timing figures:")
        print("\n".join(differ))
        return 1
    n_all = sum(r[1] for r in rows)
    print(f"verdicts identical: {n_all} of {n_all} (status, seeds run, first-mismatch message)")
    print(
        "| block | mutants | killed / survived | cocotb s/mutant (wall, CPU) "
        "| replay s/mutant (wall, CPU) | ratio wall | ratio CPU | replay recording s (wall) |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for block, n, st, c_wall, c_cpu, r_wall, r_cpu, rec in rows:
        print(
            f"| {block} | {n} | {st['killed']} / {st['survived']} | {c_wall / n:.2f}, "
            f"{c_cpu / n:.2f} | {r_wall / n:.3f}, {r_cpu / n:.3f} | {c_wall / r_wall:.0f}x | "
            f"{c_cpu / r_cpu:.0f}x | {rec:.1f} |"
        )
    tot = [sum(r[k] for r in rows) for k in (3, 4, 5, 6, 7)]
    print(
        f"| all | {n_all} | | {tot[0] / n_all:.2f}, {tot[1] / n_all:.2f} | "
        f"{tot[2] / n_all:.3f}, {tot[3] / n_all:.3f} | {tot[0] / tot[2]:.0f}x | "
        f"{tot[1] / tot[3]:.0f}x | {tot[4]:.1f} |"
    )
    print(f"load at the end {_load()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
