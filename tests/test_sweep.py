"""Design-space sweeps (``sc-hw sweep``) on a process pool and on a Dask LocalCluster.

Also: a Dask client's executor drives :class:`SNNGeneticEvolver` exactly as a
local pool does (same seed, same result).
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

import cloudpickle
import numpy as np
import pytest
from test_cli import sc_hw

from sc_cosim.blocks import get_block
from sc_flow.sweep import grid_from_dict, load_grid
from sc_model.learning.evolution import SNNGeneticEvolver

# Dask worker processes cannot import this test module: send its functions by value.
cloudpickle.register_pickle_by_value(sys.modules[__name__])


def write_grid(path: Path, grid: dict) -> Path:
    path.write_text(json.dumps(grid))
    return path


@pytest.fixture(scope="module")
def cluster():
    from distributed import LocalCluster

    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as local:
        yield local


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle))


def test_sweep_on_a_process_pool_records_failures_and_resumes_from_its_cache(
    tmp_path: Path,
) -> None:
    write_grid(
        tmp_path / "grid.json",
        {
            "block": "multiplier",
            "ranges": {"length_log2": {"start": 2, "stop": 3}, "value_width": [4, 9]},
            "cosim": {"sets": 1, "cycles": 120},
        },
    )
    out = sc_hw("sweep", "grid.json", "--out", "sw", "--jobs", "2", cwd=tmp_path)
    # value_width 9 > width // 2 = 8: two points fail with the model's message, not fatally
    assert out.returncode == 1, out.stderr
    assert "4 points: 2 passed, 0 failed, 2 errors (0 from the cache)" in out.stdout
    assert "value_width must be in [1, 8], not 9" in out.stdout
    assert "sweep multiplier" in out.stderr and "4/4" in out.stderr  # progress bar
    rows = read_csv(tmp_path / "sw" / "results.csv")
    assert [(r["length_log2"], r["value_width"], r["status"]) for r in rows] == [
        ("2", "4", "pass"),
        ("2", "9", "error"),
        ("3", "4", "pass"),
        ("3", "9", "error"),
    ]
    assert [r["stream_length"] for r in rows if r["status"] == "pass"] == ["4", "8"]
    assert all(r["cosim_passed"] == "1" for r in rows if r["status"] == "pass")
    data = json.loads((tmp_path / "sw" / "results.json").read_text())
    assert data["grid"]["block"] == "multiplier" and len(data["points"]) == 4
    params = data["points"][0]["params"]
    assert params == {**get_block("multiplier").default_params, "length_log2": 2, "value_width": 4}
    png = (tmp_path / "sw" / "accuracy_vs_length.png").read_bytes()
    assert png.startswith(b"\x89PNG")

    # interrupted or re-run: finished points come from the cache, a lost one is redone
    cache = sorted((tmp_path / "sw" / "points").glob("*.json"))
    assert len(cache) == 4
    next(c for c in cache if json.loads(c.read_text())["status"] == "pass").unlink()
    again = sc_hw("sweep", "grid.json", "--out", "sw", "--json", cwd=tmp_path)
    assert again.returncode == 1
    summary = json.loads(again.stdout)
    assert summary["points"] == 4 and summary["pass"] == 2 and summary["error"] == 2
    again_rows = read_csv(tmp_path / "sw" / "results.csv")
    assert [r["key"] for r in again_rows] == [r["key"] for r in rows]
    assert [r["mean_abs_error"] for r in again_rows] == [r["mean_abs_error"] for r in rows]
    cached = [
        p.get("cached")
        for p in json.loads((tmp_path / "sw" / "results.json").read_text())["points"]
    ]
    assert sorted(cached) == [False, True, True, True]


def test_sweep_on_a_dask_cluster_synapse_sizes(tmp_path: Path, cluster) -> None:
    write_grid(
        tmp_path / "grid.json",
        {
            "block": "synapses",
            "fixed": {"pipeline": 0, "aggregation": "majority"},
            "ranges": {"n_inputs": [2, 3]},
            "cosim": {"sets": 1, "cycles": 80},
        },
    )
    out = sc_hw(
        "sweep",
        "grid.json",
        "--out",
        "dask",
        "--scheduler",
        cluster.scheduler_address,
        cwd=tmp_path,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "2 points: 2 passed, 0 failed, 0 errors" in out.stdout
    data = json.loads((tmp_path / "dask" / "results.json").read_text())
    for point in data["points"]:
        p = point["params"]
        # sized lists follow the point's n_inputs: the defaults tiled
        assert len(p["weights"]) == p["n_neurons"] == 4
        assert all(len(row) == p["n_inputs"] for row in p["weights"])
        assert point["synapses"] == p["n_inputs"] * 4
        assert point["cosim"] == {
            "passed": 1,
            "runs": 1,
            "cycles": 80,
            "simulator": "icarus",
            "failures": [],
        }
    assert (tmp_path / "dask" / "results.csv").exists()


def test_bad_grids_are_refused_with_the_reason(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="'nope' is not a parameter of block 'lfsr'"):
        grid_from_dict({"block": "lfsr", "ranges": {"nope": [1]}})
    with pytest.raises(ValueError, match="at least one range"):
        grid_from_dict({"block": "lfsr"})
    with pytest.raises(ValueError, match="device must be one of"):
        grid_from_dict({"block": "lfsr", "ranges": {"device": ["gw1n"]}})
    with pytest.raises(ValueError, match="stop 1 is below start 3"):
        grid_from_dict({"block": "lfsr", "ranges": {"width": {"start": 3, "stop": 1}}})
    (tmp_path / "g.toml").write_text('block = "lfsr"\n[ranges]\nwidth = [3, 5]\n')
    grid = load_grid(tmp_path / "g.toml")
    assert [p["params"]["width"] for p in grid.points()] == [3, 5]
    (tmp_path / "bad.toml").write_text("block = \n")
    out = sc_hw("sweep", "bad.toml", "--out", "o", cwd=tmp_path)
    assert out.returncode == 2 and "is not valid" in out.stderr


def sphere_fitness(genome: np.ndarray) -> float:
    return -float(np.sum((genome - 1.5) ** 2))


def sphere_factory(rng: np.random.Generator) -> np.ndarray:
    return rng.uniform(-3, 3, 6)


def test_dask_client_executor_drives_the_genetic_evolver(cluster) -> None:
    from distributed import Client

    def run(executor=None):
        ev = SNNGeneticEvolver(
            sphere_factory,
            sphere_fitness,
            16,
            0.2,
            0.1,
            rng=np.random.default_rng(8),
            executor=executor,
        )
        return ev.evolve(4), ev.history

    serial = run()
    with Client(cluster) as client:
        on_dask = run(client.get_executor())
    np.testing.assert_array_equal(on_dask[0], serial[0])
    assert on_dask[1] == serial[1]
    assert serial[1][-1][0] > serial[1][0][0]  # it does evolve: the best fitness improves
