"""The tables of docs/synthesis.md, measured afresh: ``python -m sc_flow.synth_tables``."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from typing import Any

from boards.registry import BOARDS
from sc_cosim.blocks import all_blocks
from sc_flow.board_build import build_board
from sc_flow.synth import DEVICES, SynthReport, format_table, synthesize
from sc_model._validate import check_choice

#: The LFSR widths measured in docs/synthesis.md (seed 1, Fibonacci form).
LFSR_WIDTHS = (8, 16, 32)


def doc_cases() -> list[tuple[str, dict[str, Any]]]:
    """The designs of docs/synthesis.md: LFSR 8/16/32, then every other block at its defaults."""

    cases: list[tuple[str, dict[str, Any]]] = [
        ("lfsr", {"width": w, "seed": 1, "form": "fibonacci"}) for w in LFSR_WIDTHS
    ]
    for name, spec in all_blocks().items():
        if name != "lfsr":
            cases.append((name, dict(spec.default_params)))
    return cases


def main(argv: list[str] | None = None) -> int:
    """``python -m sc_flow.synth_tables``: the tables of docs/synthesis.md, measured afresh."""

    parser = argparse.ArgumentParser(
        prog="python -m sc_flow.synth_tables", description=main.__doc__
    )
    parser.add_argument("--device", default="all", help="ice40-up5k, ecp5-25f or all")
    parser.add_argument("--no-boards", action="store_true", help="skip the board tops")
    args = parser.parse_args(argv)
    check_choice("device", args.device, (*DEVICES, "all"))
    devices = list(DEVICES) if args.device == "all" else [args.device]
    reports = []
    for block, params in doc_cases():
        for dev in devices:
            report = synthesize(block, params, dev)
            print(f"{block} {json.dumps(params)} {dev}: done", file=sys.stderr, flush=True)
            if block == "lfsr":
                report = _relabel(report, f"lfsr w={params['width']}")
            reports.append(report)
    print(format_table(reports, markdown=True))
    if not args.no_boards:
        boards = [build_board(b) for b in BOARDS.values()]
        print()
        print(format_table([b.report for b in boards], markdown=True))
        for b in boards:
            print(f"\n{b}")
    return 0


def _relabel(report: SynthReport, design: str) -> SynthReport:

    return replace(report, design=design)


if __name__ == "__main__":
    sys.exit(main())
