"""``sc-hw``: write Verilog for a block, co-simulate it against sc_model, report.

    sc-hw list                                   # registered blocks and defaults
    sc-hw generate lfsr --param width=16 -o lfsr.v
    sc-hw cosim lfsr --seed 3 --cycles 5000      # random params drawn from the seed
    sc-hw cosim lfsr --params '{"width": 9, "seed": 5}' --verilog my_lfsr.v
    sc-hw demo                                   # the README's main job
    sc-hw mutate lfsr --all                      # mutation check (docs/mutation.md)
    sc-hw synth lfsr --device all                # resources and Fmax (docs/synthesis.md)
    sc-hw board icebreaker                       # the board's bitstream (UART link + core)
    sc-hw host-run SCRIPT --target cosim         # a script's main(chip): model, cosim, serial
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

from boards.registry import BOARDS
from boards.system import CORES
from sc_cosim.blocks import all_blocks, get_block
from sc_cosim.harness import BUILD_ROOT, generate_verilog, run_cosim
from sc_cosim.mutation import DEFAULT_CYCLES, DEFAULT_LIMIT, DEFAULT_SEEDS, mutate_block
from sc_flow import board_cmd
from sc_flow.synth import SynthError, run_synth_cli
from sc_model.sc_multiplier import sc_multiply


def _parse_params(
    args: argparse.Namespace, default: dict[str, Any] | None
) -> dict[str, Any] | None:
    params: dict[str, Any] | None = None
    if args.params:
        params = json.loads(args.params)
        if not isinstance(params, dict):
            raise SystemExit(f"--params must be a JSON object, not {args.params!r}")
    for item in args.param or []:
        if "=" not in item:
            raise SystemExit(f"--param must look like name=value, not {item!r}")
        key, raw = item.split("=", 1)
        try:
            value = json.loads(raw)
        except json.JSONDecodeError:
            value = raw
        params = dict(default or {}) if params is None else params
        params[key] = value
    return params


def _cmd_list(args: argparse.Namespace) -> int:

    for name, spec in all_blocks().items():
        print(f"{name:16s} {spec.description}\n{'':16s} default: {json.dumps(spec.default_params)}")
    return 0


def _cmd_generate(args: argparse.Namespace) -> int:

    spec = get_block(args.block)
    params = _parse_params(args, spec.default_params) or spec.default_params
    text = generate_verilog(args.block, params)
    if args.output:
        Path(args.output).write_text(text)
        print(f"wrote {args.output} (top module {spec.toplevel}, params {json.dumps(params)})")
    else:
        sys.stdout.write(text)
    return 0


def _cmd_cosim(args: argparse.Namespace) -> int:

    get_block(args.block)
    params = _parse_params(args, get_block(args.block).default_params)
    failures = 0
    for k in range(args.sets):
        result = run_cosim(
            args.block,
            params,
            seed=args.seed + k,
            cycles=args.cycles,
            simulator=args.sim,
            verilog_path=args.verilog,
        )
        print(result.report())
        failures += not result.passed
    print(f"{args.sets - failures} passed, {failures} failed")
    return 1 if failures else 0


def _cmd_demo(args: argparse.Namespace) -> int:

    spec = get_block(args.block)
    params = spec.default_params
    out = BUILD_ROOT / "demo" / f"{spec.toplevel}.v"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(generate_verilog(args.block, params))
    print(f"[1/3] generated {out.relative_to(BUILD_ROOT.parent)} from sc_hw ({json.dumps(params)})")
    print(
        f"[2/3] co-simulating {args.sets} seeds x {args.cycles} cycles "
        f"in {args.sim} against sc_model"
    )
    results = [
        run_cosim(args.block, params, seed=s, cycles=args.cycles, simulator=args.sim)
        for s in range(args.sets)
    ]
    for r in results:
        print("      " + r.report())
    passed = sum(r.passed for r in results)
    cycles = sum(r.cycles for r in results)
    seconds = sum(r.seconds for r in results)
    print(
        f"[3/3] report: {passed}/{len(results)} runs bit-exact, {cycles} cycles compared "
        f"on every output port, {cycles / seconds:.0f} cycles/s"
    )
    if args.block == "multiplier":
        _report_multiplier_accuracy(params)
    return 0 if passed == len(results) else 1


def _report_multiplier_accuracy(params: dict[str, Any]) -> None:
    """What the (bit-exact) core computes: its products against a * b, all operand pairs."""


    vw, k = params["value_width"], params["length_log2"]
    a, b = np.meshgrid(np.arange(1 << vw), np.arange(1 << vw), indexing="ij")
    estimate = sc_multiply(a, b, **params) / 2**k
    error = np.abs(estimate - (a / 2**vw) * (b / 2**vw))
    print(
        f"      accuracy over all {a.size} operand pairs ({2**k}-cycle streams): "
        f"mean |error| {error.mean():.4f}, max {error.max():.4f} "
        f"(binomial bound on the std: {0.5 / np.sqrt(2**k):.4f})"
    )
    for x, y in ((128, 128), (64, 192), (255, 255), (17, 200)):
        if x < 1 << vw and y < 1 << vw:
            print(
                f"      {x:3d}/{2**vw} x {y:3d}/{2**vw}: exact {x * y / 4**vw:.4f}, "
                f"core {int(estimate[x, y] * 2**k)}/{2**k} = {estimate[x, y]:.4f}"
            )


def _cmd_mutate(args: argparse.Namespace) -> int:
    """Mutation check: single-point mutants of the generated Verilog must fail cosim."""

    for block in args.block:
        get_block(block)  # unknown names fail before any simulation
    low = 0
    for block in args.block:
        report = mutate_block(
            block,
            limit=None if args.all else args.limit or DEFAULT_LIMIT,
            seed=args.seed,
            n_seeds=args.seeds or DEFAULT_SEEDS,
            cycles=args.cycles or DEFAULT_CYCLES,
            simulator=args.sim,
            progress=lambda r: print(
                {"killed": ".", "survived": "S", "compile_error": "C"}[r.status],
                end="",
                flush=True,
                file=sys.stderr,
            ),
        )
        print(file=sys.stderr)
        print(report.format(verbose=args.verbose))
        low += report.kill_rate < args.min_kill_rate
    return 1 if low else 0


def _cmd_synth(args: argparse.Namespace) -> int:
    """Synthesise, place and route a block with the YoWASP tools; print resources, Fmax."""

    params = _parse_params(args, get_block(args.block).default_params)
    try:
        return run_synth_cli(
            args.block, params, args.device, args.freq, args.pnr_seed, wrap=not args.pins
        )
    except SynthError as exc:
        print(f"sc-hw: {exc}", file=sys.stderr)
        return 1


def _cmd_board(args: argparse.Namespace) -> int:
    """Build a board top's bitstream (boards/); print resources and Fmax."""


    try:
        print(board_cmd.board(args.board, args.core, args.params_file, args.program))
    except SynthError as exc:
        print(f"sc-hw: {exc}", file=sys.stderr)
        return 1
    return 0


def _cmd_host_run(args: argparse.Namespace) -> int:
    """Run a user script against the model, the co-simulation or a board."""
    value = board_cmd.host_run(
        args.script, args.target, args.board, args.core, args.params_file, args.port
    )
    print(board_cmd.format_result(value))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="sc-hw", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("list", help="list registered blocks")
    p.set_defaults(func=_cmd_list)

    def add_params(p: argparse.ArgumentParser) -> None:
        p.add_argument("block")
        p.add_argument("--param", action="append", metavar="NAME=VALUE", help="one parameter")
        p.add_argument("--params", metavar="JSON", help="all parameters as a JSON object")

    p = sub.add_parser("generate", help="write Verilog for a block")
    add_params(p)
    p.add_argument("-o", "--output", help="output file (default: stdout)")
    p.set_defaults(func=_cmd_generate)

    p = sub.add_parser("cosim", help="co-simulate a block's Verilog against sc_model")
    add_params(p)
    p.add_argument("--seed", type=int, default=0, help="stimulus (and parameter) seed")
    p.add_argument("--sets", type=int, default=1, help="run seeds seed .. seed+sets-1")
    p.add_argument("--cycles", type=int, default=2000)
    p.add_argument("--sim", choices=("icarus", "verilator"), default="icarus")
    p.add_argument("--verilog", help="check this Verilog file instead of the generated one")
    p.set_defaults(func=_cmd_cosim)

    p = sub.add_parser("demo", help="generate, co-simulate and report the default core")
    p.add_argument("--block", default="multiplier")
    p.add_argument("--sets", type=int, default=4)
    p.add_argument("--cycles", type=int, default=2000)
    p.add_argument("--sim", choices=("icarus", "verilator"), default="icarus")
    p.set_defaults(func=_cmd_demo)

    p = sub.add_parser("mutate", help="mutation check of a block's generated Verilog")
    p.add_argument("block", nargs="+", help="registered block name(s)")
    p.add_argument("--all", action="store_true", help="run every mutant, not a sample")
    p.add_argument("--limit", type=int, help="mutants sampled per block (default 12)")
    p.add_argument("--seed", type=int, default=0, help="random params, sample, cosim seeds")
    p.add_argument("--seeds", type=int, help="cosim runs per mutant at most (default 3)")
    p.add_argument("--cycles", type=int, help="cycles per cosim run (default 2000)")
    p.add_argument("--sim", choices=("icarus", "verilator"), default="icarus")
    p.add_argument("--min-kill-rate", type=float, default=0.9, help="exit 1 below this")
    p.add_argument("-v", "--verbose", action="store_true", help="list killed mutants too")
    p.set_defaults(func=_cmd_mutate)

    p = sub.add_parser("synth", help="synthesise a block (YoWASP): resources and Fmax")
    add_params(p)
    p.add_argument("--device", default="ice40-up5k", help="ice40-up5k, ecp5-25f or all")
    p.add_argument("--freq", type=float, help="nextpnr target in MHz (default per device)")
    p.add_argument("--pnr-seed", type=int, default=1, help="nextpnr placer seed")
    p.add_argument("--pins", action="store_true", help="ports on pins, no register wrapper")
    p.set_defaults(func=_cmd_synth)

    p = sub.add_parser("board", help="build a board's bitstream: UART link + core (YoWASP)")
    p.add_argument("board", choices=tuple(BOARDS))
    p.add_argument("--core", choices=CORES[:2], default="learning_core")
    p.add_argument("--params-file", default=None, help="core parameters (JSON)")
    p.add_argument("--program", action="store_true", help="also program the board")
    p.set_defaults(func=_cmd_board)

    p = sub.add_parser("host-run", help="run a script's main(chip) on model, cosim or a board")
    p.add_argument("script")
    p.add_argument("--target", choices=board_cmd.TARGETS, default="model")
    p.add_argument("--port", default=None, help="serial port of the board (--target serial)")
    p.add_argument("--board", choices=tuple(BOARDS), default="icebreaker")
    p.add_argument("--core", choices=CORES[:2], default="learning_core")
    p.add_argument("--params-file", default=None, help="core parameters (JSON)")
    p.set_defaults(func=_cmd_host_run)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except (ValueError, TypeError) as exc:
        print(f"sc-hw: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
