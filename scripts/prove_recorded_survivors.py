"""Solver on chosen survivors of a results file, recorded as ``sc-hw mutate``'s solver pass does.

Usage: ``.venv/bin/python scripts/prove_recorded_survivors.py BLOCK FILE SET INDEX...
[--seed S] [--solver-timeout T] [--pdr-timeout T] [--reprove]``

A full run's solver pass (``sc-hw mutate BLOCK --all --results FILE``) takes the
survivors in run-list order; this gives the solver the named ones first (``SET``
the parameter-set label, ``default`` or ``random(seed=N)``, and each ``INDEX``
a mutant's number in that set), for instance one per category of a long
list. Each must be recorded in FILE as a co-simulation survivor not yet given
to the solver (under the config ``sc-hw mutate`` uses, ``results_config``:
cosim seeds ``S+1 .. S+3``, 2000 cycles, the block's stimulus version,
``SC_COSIM_RESET_P``). The verdict is appended to FILE (same record,
``proved`` true), so a later ``sc-hw mutate`` resumes past it, and printed:
index, verdict, seconds, the solver's line, the mutant.

With ``--reprove`` the named mutants must instead be recorded as ``unknown``
(the solver's earlier verdict), as ``sc-hw mutate --reprove`` takes them: a
longer PDR stage (``--pdr-timeout``) can aim at the ones a long list would
reach last.
"""

from __future__ import annotations

import argparse
import sys
import time

from sc_cosim.equivalence import SOLVER_RULE
from sc_cosim.mutation import (
    DEFAULT_CYCLES,
    DEFAULT_MAX_STEPS,
    DEFAULT_PDR_TIMEOUT,
    DEFAULT_SEEDS,
    DEFAULT_TIMEOUT,
    MutantResult,
    block_mutants,
    design_of,
    judge_survivor,
    results_config,
)
from sc_cosim.mutation_runs import append_result, is_stale, key_of, read_results


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("block")
    ap.add_argument("file")
    ap.add_argument("set")
    ap.add_argument("indices", type=int, nargs="+")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--solver-timeout", type=float, default=DEFAULT_TIMEOUT)
    ap.add_argument("--pdr-timeout", type=float, default=DEFAULT_PDR_TIMEOUT)
    ap.add_argument(
        "--reprove", action="store_true", help="re-judge mutants recorded as unknown instead"
    )
    args = ap.parse_args(argv)
    seeds = tuple(range(args.seed + 1, args.seed + 1 + DEFAULT_SEEDS))
    config = results_config(args.block, args.seed, seeds, DEFAULT_CYCLES)
    done = read_results(args.file)
    mutants, _, _ = block_mutants(args.block, args.seed, init_words=True)
    by_key = {(m.label, m.index): m for m in mutants}
    for index in args.indices:
        m = by_key.get((args.set, index))
        if m is None:
            raise ValueError(f"no mutant {index} in set {args.set!r} of {args.block}")
        rec = done.get(key_of(args.block, m.label, m.index, m.change.diff(), config))
        wanted = "unknown" if args.reprove else "survived"
        if rec is None or rec["status"] != wanted or (rec.get("proved") and not args.reprove):
            what = "an unknown verdict" if args.reprove else "an unproved survivor"
            raise ValueError(f"{m.describe()} is not {what} in {args.file} (record: {rec})")
        design = design_of(args.block, m.params)
        if is_stale(rec, design):
            raise ValueError(
                f"{m.describe()} was recorded on another design ({rec['design']}, now "
                f"{design}): the block's Verilog changed since; run it again"
            )
        start = time.perf_counter()
        result = MutantResult(m, "survived", tuple(rec["seeds"]), rec["message"], rec["seconds"])
        result = judge_survivor(
            result, DEFAULT_MAX_STEPS, args.solver_timeout, full=True, pdr_timeout=args.pdr_timeout
        )
        append_result(
            args.file,
            dict(
                rec,
                status=result.status,
                proved=True,
                message=result.message,
                seconds=round(result.seconds, 3),
                design=design,
                solver=SOLVER_RULE,
            ),
        )
        print(
            f"{index} {result.status} {time.perf_counter() - start:.1f}s "
            f"{result.message[:100]} {m.change.diff()[:110]}",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
