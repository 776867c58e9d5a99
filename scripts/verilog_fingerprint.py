"""Fingerprint the generated Verilog of every block: defaults plus N random parameter sets.

Run before and after a refactoring that must not change the hardware, then
compare the two JSON files::

    .venv/bin/python scripts/verilog_fingerprint.py --out before.json
    ... refactor ...
    .venv/bin/python scripts/verilog_fingerprint.py --out after.json --compare before.json

Each entry is the SHA-256 of the Verilog text that ``generate_verilog`` writes
(``emit_src=False``: no source attributes). Random sets come from the block's
own ``random_params`` with ``numpy.random.default_rng([seed, k])``, so both
runs draw the same sets as long as ``random_params`` is unchanged. Exits 1 on
any difference and names the block and set.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

import numpy as np

from sc_cosim.blocks import all_blocks
from sc_cosim.harness import generate_verilog


def fingerprints(n_random: int, seed: int, blocks: list[str] | None = None) -> dict[str, dict]:
    """``{block: {"default": {params, sha256}, "random_k": {...}}}``."""
    out: dict[str, dict] = {}
    for name, spec in all_blocks().items():
        if blocks and name not in blocks:
            continue
        sets = {"default": dict(spec.default_params)}
        for k in range(n_random):
            sets[f"random_{k}"] = spec.random_params(np.random.default_rng([seed, k]))
        entry = {}
        for label, params in sets.items():
            text = generate_verilog(name, params)
            entry[label] = {
                "params": json.loads(json.dumps(params, default=repr)),
                "sha256": hashlib.sha256(text.encode()).hexdigest(),
            }
        out[name] = entry
        print(f"{name}: {len(entry)} sets", file=sys.stderr, flush=True)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", required=True, help="JSON file to write")
    parser.add_argument("--compare", help="earlier JSON file; exit 1 on any difference")
    parser.add_argument("--random", type=int, default=10, help="random sets per block (10)")
    parser.add_argument("--seed", type=int, default=2026, help="seed of the random sets (2026)")
    parser.add_argument("--block", action="append", help="only these blocks (repeatable)")
    args = parser.parse_args(argv)
    now = fingerprints(args.random, args.seed, args.block)
    Path(args.out).write_text(json.dumps(now, indent=1, sort_keys=True))
    if not args.compare:
        return 0
    before = json.loads(Path(args.compare).read_text())
    bad = []
    for name in sorted(set(before) | set(now)):
        for label in sorted(set(before.get(name, {})) | set(now.get(name, {}))):
            a = before.get(name, {}).get(label)
            b = now.get(name, {}).get(label)
            if a is None or b is None or a != b:
                bad.append(f"{name} {label}: before {a} after {b}")
    total = sum(len(v) for v in now.values())
    if bad:
        print("\n".join(bad))
        print(f"{len(bad)} of {total} designs differ")
        return 1
    print(f"identical: {total} designs ({len(now)} blocks x default + {args.random} random sets)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
