"""Solver verdict on every live mutant of a block, without co-simulation.

Usage: ``.venv/bin/python scripts/prove_all_mutants.py BLOCK [--seed S] [--out FILE]``

Gives each mutant of :func:`sc_cosim.mutation.block_mutants` (both parameter
sets of ``seed``) to :func:`sc_cosim.mutation.prove_mutant` and prints one
line per mutant (verdict, seconds, mutant, the solver's line) and a count per
parameter set. Used in docs/mutation.md to compare the solver with the
co-simulation: no killed mutant may be proved equivalent.
"""

from __future__ import annotations

import argparse
import collections
import sys
import time

from sc_cosim.mutation import block_mutants, prove_mutant


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("block")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--timeout", type=float, default=120.0, help="seconds per mutant")
    ap.add_argument("--out", help="also write the lines to this file")
    args = ap.parse_args(argv)
    mutants, _, _ = block_mutants(args.block, args.seed)
    counts: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    out = open(args.out, "w") if args.out else None  # noqa: SIM115
    start = time.perf_counter()
    for m in mutants:
        proof = prove_mutant(m, timeout=args.timeout)
        counts[m.label][proof.status] += 1
        line = f"{proof.status:10s} {proof.seconds:6.1f}s {m.describe()} | {proof.detail}"
        for fh in (sys.stdout, out):
            if fh is not None:
                print(line, file=fh, flush=True)
    for label, c in counts.items():
        print(f"{args.block} {label}: {sum(c.values())} mutants, {dict(sorted(c.items()))}")
    print(f"{time.perf_counter() - start:.0f} s")
    if out is not None:
        out.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
