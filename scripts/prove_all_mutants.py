"""Solver verdict on every live mutant of a block, without co-simulation.

Usage: ``.venv/bin/python scripts/prove_all_mutants.py BLOCK [--seed S] [--set LABEL]
[--index N ...] [--pdr-only] [--timeout T] [--pdr-timeout T] [--out FILE]``

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

from sc_cosim.blocks import get_block
from sc_cosim.equivalence import DEFAULT_PDR_TIMEOUT, prove_by_pdr
from sc_cosim.mutation import _verilog, block_mutants, prove_mutant


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("block")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument(
        "--timeout", type=float, default=120.0, help="seconds per mutant (correspondence, k-ind.)"
    )
    ap.add_argument(
        "--pdr-timeout",
        type=float,
        default=DEFAULT_PDR_TIMEOUT,
        help="CPU seconds of the PDR stage per mutant (0: none)",
    )
    ap.add_argument("--set", dest="label", help="only the parameter set whose label starts so")
    ap.add_argument("--index", type=int, nargs="+", help="only these mutant numbers")
    ap.add_argument(
        "--pdr-only",
        action="store_true",
        help="only the PDR stage (prove_by_pdr, --pdr-timeout CPU seconds), no k-induction",
    )
    ap.add_argument("--out", help="also write the lines to this file")
    args = ap.parse_args(argv)
    mutants, _, _ = block_mutants(args.block, args.seed)
    if args.label is not None:
        mutants = [m for m in mutants if m.label.startswith(args.label)]
    if args.index is not None:
        mutants = [m for m in mutants if m.index in args.index]
    counts: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    out = open(args.out, "w") if args.out else None  # noqa: SIM115
    start = time.perf_counter()
    for m in mutants:
        if args.pdr_only:
            original = _verilog(args.block, m.params)
            toplevel = get_block(args.block).toplevel
            proof = prove_by_pdr(original, m.text(), toplevel, args.pdr_timeout)
        else:
            proof = prove_mutant(m, timeout=args.timeout, pdr_timeout=args.pdr_timeout)
        counts[m.label][proof.status] += 1
        cex = f" ({proof.cycles} cycles)" if proof.cycles else ""
        line = f"{proof.status:10s} {proof.seconds:6.1f}s {m.describe()} | {proof.detail}{cex}"
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
