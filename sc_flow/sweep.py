"""Design-space sweeps: every point of a parameter grid, on a process pool or a Dask cluster.

A grid file (TOML, or JSON of the same shape) names a block, fixed parameters
and ranges; every combination of the ranges is one point::

    block = "multiplier"
    [fixed]                        # optional: parameters every point shares
    width = 16
    [ranges]                       # lists, or {start, stop, step} with stop included
    length_log2 = {start = 4, stop = 10, step = 2}
    value_width = [4, 8]
    # device = ["ice40-up5k", "ecp5-25f"]   # a range of devices (synthesis)
    [cosim]                        # optional: co-simulate each point
    sets = 1                       # seeds 0 .. sets-1 (default 1; 0 skips cosim)
    cycles = 1000                  # default 1000
    sim = "icarus"                 # default icarus
    [synth]                        # optional: synthesise each point
    device = "ice40-up5k"          # used when ranges has no device

Parameters a point does not set come from the block's defaults. List
parameters sized by ``n_inputs`` / ``n_neurons`` (``weights``, ``thresholds``)
that the grid does not set are the defaults tiled (or cut) to the point's size.

Each point yields one record: the point's parameters, ``status`` (``pass``,
``fail``: a cosim mismatch, ``error``: an exception, recorded with its
message), model accuracy where the block has one
(:data:`sc_flow.results.ACCURACY`), the cosim outcome and, when asked, the
synthesis record (:func:`sc_flow.results.synth_record`). A failing point is
recorded, never fatal. Finished points are cached in ``OUT/points/<key>.json``
(key: hash of block, full parameters, device and options), so an interrupted
sweep run again resumes where it stopped.

:func:`run_sweep` writes ``results.json``, ``results.csv`` and the plots that
the data supports (``accuracy_vs_length.png``, ``lut4_vs_synapses.png``,
``fmax_vs_size.png``) into ``OUT``. Points run on any
:class:`concurrent.futures.Executor`: a local process pool by default, or a
Dask cluster's (``distributed.Client(address).get_executor()``).
"""

from __future__ import annotations

import csv
import hashlib
import itertools
import json
import os
import time
import tomllib
import traceback
from collections.abc import Callable, Iterable
from concurrent.futures import Executor, Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sc_cosim.blocks import get_block
from sc_cosim.harness import SIMULATORS, run_cosim, signature_of
from sc_flow.results import model_accuracy, synapses_of, synth_record
from sc_flow.synth import DEVICES
from sc_model._validate import check_choice, check_int

SIZED_LISTS = {"weights": ("n_neurons", "n_inputs"), "thresholds": ("n_neurons",)}
PLOTS = ("accuracy_vs_length.png", "lut4_vs_synapses.png", "fmax_vs_size.png")


@dataclass(frozen=True)
class Grid:
    """A parsed grid file (see the module docstring)."""

    block: str
    fixed: dict[str, Any]
    ranges: dict[str, list[Any]]
    cosim_sets: int = 1
    cosim_cycles: int = 1000
    simulator: str = "icarus"
    synth_device: str | None = None
    source: dict[str, Any] = field(default_factory=dict)

    def points(self) -> list[dict[str, Any]]:
        """Every combination of the ranges: ``{"params": ..., "device": ...}`` per point."""
        spec = get_block(self.block)
        names = list(self.ranges)
        points = []
        for values in itertools.product(*(self.ranges[n] for n in names)):
            chosen = dict(zip(names, values, strict=True))
            device = chosen.pop("device", self.synth_device)
            params = {**spec.default_params, **self.fixed, **chosen}
            params = _resize_lists(params, set(self.fixed) | set(chosen), spec.default_params)
            points.append({"params": params, "device": device, "varied": chosen})
        return points


def _expand(name: str, value: Any) -> list[Any]:
    if isinstance(value, list):
        if not value:
            raise ValueError(f"range {name!r} must not be empty")
        return value
    if isinstance(value, dict):
        unknown = set(value) - {"start", "stop", "step"}
        if unknown or not {"start", "stop"} <= set(value):
            raise ValueError(
                f"range {name!r} must be a list or {{start, stop[, step]}}, not {value!r}"
            )
        start, stop = value["start"], value["stop"]
        step = value.get("step", 1)
        check_int(f"{name}.step", step, 1)
        if stop < start:
            raise ValueError(f"range {name!r}: stop {stop} is below start {start}")
        return list(range(start, stop + 1, step))
    raise ValueError(f"range {name!r} must be a list or {{start, stop[, step]}}, not {value!r}")


def load_grid(path: str | os.PathLike[str]) -> Grid:
    """Parse a TOML (``.toml``) or JSON grid file; ValueError naming what is wrong."""
    file = Path(path)
    if not file.is_file():
        raise ValueError(f"grid file {str(path)!r} does not exist")
    try:
        if file.suffix == ".toml":
            data = tomllib.loads(file.read_text())
        elif file.suffix == ".json":
            data = json.loads(file.read_text())
        else:
            raise ValueError(f"grid file must end in .toml or .json, not {str(path)!r}")
    except (tomllib.TOMLDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"grid file {str(path)!r} is not valid: {exc}") from exc
    return grid_from_dict(data)


def grid_from_dict(data: dict[str, Any]) -> Grid:
    """A :class:`Grid` from the parsed file contents."""
    if not isinstance(data, dict):
        raise ValueError(f"grid must be a table/object, not {type(data).__name__}")
    unknown = set(data) - {"block", "fixed", "ranges", "cosim", "synth"}
    if unknown:
        raise ValueError(
            f"grid has unknown keys {sorted(unknown)}; allowed: block, fixed, ranges, cosim, synth"
        )
    if "block" not in data:
        raise ValueError('grid must name a block (block = "...")')
    spec = get_block(str(data["block"]))
    fixed = dict(data.get("fixed", {}))
    ranges = {str(k): _expand(str(k), v) for k, v in dict(data.get("ranges", {})).items()}
    if not ranges:
        raise ValueError("grid must have at least one range under [ranges]")
    known = set(spec.default_params) | set(signature_names(spec.name))
    for name in [*fixed, *ranges]:
        if name != "device" and name not in known:
            raise ValueError(
                f"{name!r} is not a parameter of block {spec.name!r}; "
                f"its parameters: {', '.join(sorted(known))}"
            )
    cosim = dict(data.get("cosim", {}))
    synth = dict(data.get("synth", {}))
    sets = check_int("cosim.sets", cosim.get("sets", 1), 0)
    cycles = check_int("cosim.cycles", cosim.get("cycles", 1000), 1)
    sim = str(check_choice("cosim.sim", cosim.get("sim", "icarus"), SIMULATORS))
    device = synth.get("device")
    for dev in ranges.get("device", []) + ([device] if device is not None else []):
        check_choice("device", dev, DEVICES)
    return Grid(spec.name, fixed, ranges, sets, cycles, sim, device, data)


def signature_names(block: str) -> list[str]:
    """Constructor parameter names of the block's model twin and hardware (for checking)."""
    import inspect

    spec = get_block(block)
    names: list[str] = []
    for thing in (spec.build, spec.twin):
        try:
            names += list(inspect.signature(thing).parameters)
        except (TypeError, ValueError):
            pass
    return [n for n in names if n not in ("p", "params", "self")]


def _resize_lists(
    params: dict[str, Any], set_by_grid: set[str], defaults: dict[str, Any]
) -> dict[str, Any]:
    """Tile (or cut) default sized lists to the point's ``n_neurons`` x ``n_inputs``."""
    out = dict(params)
    for name, dims in SIZED_LISTS.items():
        if name in set_by_grid or name not in defaults or not all(d in out for d in dims):
            continue
        value = defaults[name]
        if len(dims) == 2:
            rows, cols = int(out[dims[0]]), int(out[dims[1]])
            out[name] = [
                [value[r % len(value)][c % len(value[0])] for c in range(cols)] for r in range(rows)
            ]
        else:
            out[name] = [value[r % len(value)] for r in range(int(out[dims[0]]))]
    return out


def point_key(block: str, point: dict[str, Any], grid: Grid) -> str:
    """Hash of everything that decides a point's result (cache file name)."""
    blob = json.dumps(
        [
            block,
            point["params"],
            point["device"],
            grid.cosim_sets,
            grid.cosim_cycles,
            grid.simulator,
        ],
        sort_keys=True,
    )
    return hashlib.sha1(blob.encode()).hexdigest()[:16]


def run_point(
    block: str,
    point: dict[str, Any],
    sets: int,
    cycles: int,
    simulator: str,
    build_dir: str,
) -> dict[str, Any]:
    """Evaluate one point; every exception becomes ``status="error"`` in the record.

    Runs in a worker process (pool or Dask): ``build_dir`` becomes its
    ``SC_BUILD_DIR`` so generated files land under the sweep's output.
    """
    os.environ["SC_BUILD_DIR"] = build_dir
    params, device = point["params"], point["device"]
    record: dict[str, Any] = {
        "block": block,
        "varied": point["varied"],
        "params": params,
        "device": device,
        "status": "pass",
    }
    synapses = synapses_of(params)
    if synapses is not None:
        record["synapses"] = synapses
    start = time.perf_counter()
    try:
        signature_of(block, params)  # bad parameters: one clear error, nothing run
        accuracy = model_accuracy(block, params)
        if accuracy is not None:
            accuracy.pop("examples", None)
            record["accuracy"] = accuracy
        if sets:
            results = [
                run_cosim(block, params, seed=s, cycles=cycles, simulator=simulator)
                for s in range(sets)
            ]
            record["cosim"] = {
                "passed": sum(r.passed for r in results),
                "runs": len(results),
                "cycles": cycles,
                "simulator": simulator,
                "failures": [r.message + "\n" + r.reproduce() for r in results if not r.passed],
            }
            if not all(r.passed for r in results):
                record["status"] = "fail"
        if device is not None:
            from sc_flow.synth import synthesize

            record["synth"] = synth_record(synthesize(block, params, device))
    except Exception as exc:  # recorded, never fatal: the sweep goes on
        record["status"] = "error"
        record["error"] = f"{type(exc).__name__}: {exc}"
        record["traceback"] = traceback.format_exc(limit=-3)
    record["seconds"] = round(time.perf_counter() - start, 3)
    return record


def run_sweep(
    grid: Grid,
    out: str | os.PathLike[str],
    executor: Executor | None = None,
    jobs: int = 1,
    progress: Callable[[int, int, dict[str, Any]], None] | None = None,
) -> list[dict[str, Any]]:
    """Run every point of ``grid`` not yet cached in ``out``; write results and plots.

    ``executor``: any :class:`concurrent.futures.Executor` (a Dask client's
    ``get_executor()``, say); default a local process pool of ``jobs`` workers.
    ``progress(done, total, record)`` is called as each point finishes
    (cached points first). Returns the records in grid order.
    """
    out_dir = Path(out).resolve()
    points_dir = out_dir / "points"
    points_dir.mkdir(parents=True, exist_ok=True)
    build_dir = str(out_dir / "build")
    points = grid.points()
    keys = [point_key(grid.block, p, grid) for p in points]
    records: dict[str, dict[str, Any]] = {}
    total = len(points)
    for key in keys:
        cached = points_dir / f"{key}.json"
        if cached.exists() and key not in records:
            records[key] = json.loads(cached.read_text())
            records[key]["cached"] = True
            if progress is not None:
                progress(len(records), total, records[key])
    todo = [(k, p) for k, p in zip(keys, points, strict=True) if k not in records]
    own = executor is None and todo
    pool = ProcessPoolExecutor(max_workers=jobs) if own else executor
    try:
        futures: dict[Future[Any], str] = {}
        for key, point in todo:
            assert pool is not None
            future = pool.submit(
                run_point,
                grid.block,
                point,
                grid.cosim_sets,
                grid.cosim_cycles,
                grid.simulator,
                build_dir,
            )
            futures[future] = key
        for future in as_completed(futures):
            key = futures[future]
            try:
                record = future.result()
            except Exception as exc:  # the worker itself died: still recorded
                point = points[keys.index(key)]
                record = {
                    "block": grid.block,
                    "varied": point["varied"],
                    "params": point["params"],
                    "device": point["device"],
                    "status": "error",
                    "error": f"{type(exc).__name__}: {exc}",
                }
            record["key"] = key
            (points_dir / f"{key}.json").write_text(json.dumps(record, indent=1))
            record["cached"] = False
            records[key] = record
            if progress is not None:
                progress(len(records), total, record)
    finally:
        if own and pool is not None:
            pool.shutdown()
    ordered = [dict(records[k], key=k) for k in dict.fromkeys(keys)]
    write_results(ordered, grid, out_dir)
    return ordered


# --- outputs ---------------------------------------------------------------------------


CSV_SYNTH = ("lut4", "carry", "ff", "dsp", "fmax_mhz", "logic_cells")


def flat_row(record: dict[str, Any], varied: Iterable[str]) -> dict[str, Any]:
    """One CSV row: key, status, the varied parameters, accuracy, cosim, synthesis."""
    row: dict[str, Any] = {"key": record.get("key"), "status": record["status"]}
    for name in varied:
        row[name] = record["varied"].get(name, record["params"].get(name))
    row["device"] = record.get("device")
    row["synapses"] = record.get("synapses")
    accuracy = record.get("accuracy") or {}
    row["stream_length"] = accuracy.get("stream_length")
    row["mean_abs_error"] = accuracy.get("mean_abs_error")
    row["max_abs_error"] = accuracy.get("max_abs_error")
    cosim = record.get("cosim") or {}
    row["cosim_passed"] = cosim.get("passed")
    row["cosim_runs"] = cosim.get("runs")
    synth = record.get("synth") or {}
    for name in CSV_SYNTH:
        row[name] = synth.get(name)
    for kind, n in (synth.get("ram") or {}).items():
        row[f"ram_{kind}"] = n
    row["error"] = record.get("error")
    row["seconds"] = record.get("seconds")
    return row


def write_results(records: list[dict[str, Any]], grid: Grid, out_dir: Path) -> list[Path]:
    """``results.json``, ``results.csv`` and the plots the data supports; their paths."""
    varied = [n for n in grid.ranges if n != "device"]
    (out_dir / "results.json").write_text(
        json.dumps({"grid": grid.source, "points": records}, indent=1, default=str)
    )
    rows = [flat_row(r, varied) for r in records]
    columns = list(dict.fromkeys(c for row in rows for c in row))
    with open(out_dir / "results.csv", "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        for row in rows:
            writer.writerow({c: "" if row.get(c) is None else row.get(c) for c in columns})
    return [out_dir / "results.json", out_dir / "results.csv", *write_plots(rows, varied, out_dir)]


def _series(rows: list[dict[str, Any]], x: str, y: str, group: list[str]):
    """{label: ([x], [y])} for rows with both values, grouped by the other parameters."""
    series: dict[str, tuple[list[float], list[float]]] = {}
    for row in rows:
        if row.get(x) is None or row.get(y) is None:
            continue
        label = ", ".join(f"{g}={row[g]}" for g in group if row.get(g) is not None) or y
        xs, ys = series.setdefault(label, ([], []))
        xs.append(float(row[x]))
        ys.append(float(row[y]))
    return {k: tuple(zip(*sorted(zip(*v, strict=True)), strict=True)) for k, v in series.items()}


def write_plots(rows: list[dict[str, Any]], varied: list[str], out_dir: Path) -> list[Path]:
    """Accuracy vs stream length, LUT4 vs synapses, Fmax vs size (where there is data)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    size = "synapses" if any(r.get("synapses") is not None for r in rows) else None
    if size is None:
        numeric = [v for v in varied if all(isinstance(r.get(v), int | float) for r in rows)]
        size = numeric[0] if numeric else None
    plans = [
        (
            "accuracy_vs_length.png",
            "stream_length",
            "mean_abs_error",
            "stream length (cycles)",
            "mean |error| over all operand pairs",
            True,
        ),
        ("lut4_vs_synapses.png", "synapses", "lut4", "synapses", "LUT4", False),
        ("fmax_vs_size.png", size, "fmax_mhz", size or "", "Fmax (MHz)", False),
    ]
    written = []
    for name, x, y, xlabel, ylabel, log in plans:
        if x is None:
            continue
        # one line per combination of the other varied parameters; those that
        # make the x value (length_log2 -> stream length, sizes -> synapses) are not others
        made_of = {"stream_length": ("length_log2",), "synapses": ("n_inputs", "n_neurons")}
        others = [
            v
            for v in [*varied, "device"]
            if v != x and v not in made_of.get(x, ()) and len({str(r.get(v)) for r in rows}) > 1
        ]
        series = _series(rows, x, y, others)
        if not series:
            continue
        fig, ax = plt.subplots(figsize=(6, 4))
        for label, (xs, ys) in series.items():
            ax.plot(xs, ys, marker="o", label=label)
        if x == "stream_length":
            lengths = sorted({v for xs, _ in series.values() for v in xs})
            ax.plot(
                lengths,
                [0.5 / v**0.5 for v in lengths],
                "k--",
                linewidth=1,
                label="0.5 / sqrt(L): binomial bound on the std",
            )
        if log:
            ax.set_xscale("log", base=2)
            ax.set_yscale("log")
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        ax.grid(True, alpha=0.3)
        if len(series) > 1 or list(series) != [y]:
            ax.legend(fontsize=8)
        fig.tight_layout()
        fig.savefig(out_dir / name, dpi=100)
        plt.close(fig)
        written.append(out_dir / name)
    return written
