"""bench/bench_bptt.py: its snnTorch comparison computes our maths, and it runs without torch.

The speed ratio against snnTorch only means something if the snnTorch step it
times is the same computation: the benchmark's own check (identical output
spikes, gradients equal within 1e-9) runs here when torch and snntorch are
installed, and is shown able to fail (snnTorch's default detached reset gives
other gradients). Without torch the script must still run and skip the column.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_bptt", ROOT / "bench" / "bench_bptt.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_bptt"] = module
    spec.loader.exec_module(module)
    return module


def test_snntorch_step_equals_ours(bench: ModuleType) -> None:
    pytest.importorskip("snntorch")
    assert bench.check_snntorch_equal() < 1e-9


def test_snntorch_default_detached_reset_is_caught(bench: ModuleType) -> None:
    pytest.importorskip("snntorch")
    x, y = bench.data()
    learner = bench.our_learner()
    _, grads = learner.gradients(x, y)
    weights = [p.to_dense() for p in learner.network.projections]
    _, detached = bench.snntorch_step("float64", False, weights)()
    pairs = zip(grads, detached, strict=True)
    err = max(np.linalg.norm(g - d.ravel()) / np.linalg.norm(g) for g, d in pairs)
    assert err > 1e-6, "the detached reset should change the gradients: the check could not fail"


def test_runs_and_skips_the_column_without_torch(
    bench: ModuleType, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "torch", None)
    monkeypatch.setitem(sys.modules, "snntorch", None)
    assert bench.main(["--no-subprocess", "--repeats", "1"]) == 0
    out = capsys.readouterr().out
    assert "snnTorch columns skipped" in out and "ours, BPTTLearner.train_step" in out
    assert "snnTorch, same maths" not in out
