"""Which registers' power-on values do the co-simulation runs see? (issue 15)

The text mutator never touches a declaration, so a register's power-on value
(its Verilog initialiser, ``reg [12:0] eu_r_0 = 13'h0007;``) is never mutated
by it; Amaranth declares the reset value there too. This script flips the
LSB of one register's initialiser at a time (the reset value in the logic
kept), in each block's generated Verilog (default parameters), and replays
each such design (:func:`sc_cosim.replay.run_verilog`) with the mutation
check's runs: ``--seeds`` normal runs, then as many runs without the initial
reset (``sc-hw mutate --power-on-runs``). Per block it prints how many flips
the normal runs kill, how many only the power-on runs kill, and the names of the
registers whose flip survives both (a power-on value that no run reads
before it is overwritten, or one no output depends on). ``--prove`` gives
each survivor to the mutation check's solver
(:func:`sc_cosim.equivalence.prove_equivalent`, registers from their power-on
values, ``rst`` free) and prints its verdicts (minutes per survivor).

    python scripts/power_on_register_flips.py [BLOCK ...] [--seeds 3] [--cycles 2000]
        [--prove [--solver-timeout 60] [--pdr-timeout 60]]
"""

from __future__ import annotations

import argparse
import re
import tempfile
import time
from pathlib import Path

from sc_cosim.blocks import all_blocks, get_block
from sc_cosim.equivalence import prove_equivalent
from sc_cosim.mutation import _verilog
from sc_cosim.replay import run_verilog

_DECL = re.compile(r"^(\s*reg (?:\[\d+:0\] )?(\S+) = \d+'h)([0-9a-fA-F]+);$", re.M)


def flips(text: str) -> list[tuple[str, str]]:
    """``(register name, text with the LSB of its initialiser flipped)`` per register."""
    out = []
    for m in _DECL.finditer(text):
        digits = m.group(3)
        flipped = f"{int(digits, 16) ^ 1:0{len(digits)}x}"
        out.append((m.group(2), text[: m.start()] + f"{m.group(1)}{flipped};" + text[m.end() :]))
    return out


def survey(
    block: str, seeds: tuple[int, ...], cycles: int
) -> tuple[dict[str, object], dict[str, str]]:
    """Counts of ``block``'s flips by verdict, and each survivor's mutated text by name."""
    params = dict(get_block(block).default_params)
    original = _verilog(block, params)
    normal = power_on = 0
    survivors: dict[str, str] = {}
    with tempfile.TemporaryDirectory() as tmp:
        status, _, message = run_verilog(
            original, block, params, seeds, cycles, Path(tmp), power_on_seeds=seeds
        )
        if status != "survived":
            raise RuntimeError(f"{block}: the un-mutated Verilog fails: {message}")
        for name, text in flips(original):
            status, _, message = run_verilog(
                text, block, params, seeds, cycles, Path(tmp), power_on_seeds=seeds
            )
            if status == "survived":
                survivors[name] = text
            elif "(no initial reset)" in message:
                power_on += 1
            else:
                normal += 1
    counts = {"flips": normal + power_on + len(survivors), "normal": normal, "power_on": power_on}
    return counts, survivors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("blocks", nargs="*", help="blocks (default: every registered one)")
    parser.add_argument("--seeds", type=int, default=3, help="normal runs (and power-on runs)")
    parser.add_argument("--cycles", type=int, default=2000, help="cycles per run")
    parser.add_argument("--prove", action="store_true", help="give the survivors to the solver")
    parser.add_argument("--solver-timeout", type=float, default=60.0, help="seconds, k-induction")
    parser.add_argument("--pdr-timeout", type=float, default=60.0, help="CPU seconds of PDR")
    args = parser.parse_args()
    seeds = tuple(range(1, args.seeds + 1))
    print(
        "| block | registers | killed by the normal runs | killed only by the power-on "
        "runs | survived both |"
    )
    print("| --- | ---: | ---: | ---: | --- |")
    for block in args.blocks or list(all_blocks()):
        start = time.perf_counter()
        r, survivors = survey(block, seeds, args.cycles)
        left = ", ".join(f"`{n}`" for n in survivors) or "0"
        print(
            f"| {block} | {r['flips']} | {r['normal']} | {r['power_on']} | {left} |"
            f" <!-- {time.perf_counter() - start:.0f} s -->",
            flush=True,
        )
        if args.prove:
            original = _verilog(block, dict(get_block(block).default_params))
            toplevel = get_block(block).toplevel
            for name, text in survivors.items():
                proof = prove_equivalent(
                    original,
                    text,
                    toplevel,
                    timeout=args.solver_timeout,
                    pdr_timeout=args.pdr_timeout,
                )
                print(f"  {block} {name}: {proof.status} ({proof.detail}; {proof.seconds:.0f} s)")


if __name__ == "__main__":
    main()
