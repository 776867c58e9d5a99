"""bench/bench_learning.py: the loop references its speed-ups are taken against stay correct.

The benchmark's ratios only mean something if its loop versions compute the
same maths as the vectorised learners. These tests run the benchmark's own
equality checks (not its timings) at small sizes and once at the benchmark's
sizes: R-STDP float mode (spikes equal, weights, eligibility, traces, membranes
and baseline within 1e-12), R-STDP integer mode (everything identical to the
hardware R-STDP units), and the BPTT loop gradient (relative error < 1e-9).
Each check is also shown able to fail: changing any one constant of the loop's
rule must make it raise.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

from sc_model.learning import feedforward
from sc_model.learning.bptt import BPTTLearner
from sc_model.learning.surrogate import FastSigmoid

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    name = "bench_learning"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, ROOT / "bench" / "bench_learning.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


# ---------------------------------------------------------------------------
# (b) R-STDP, float mode
# ---------------------------------------------------------------------------

TINY_FLOAT = dict(n_in=10, sizes=[8, 6], batch=3, t_steps=15, trials=2)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_rstdp_float_loop_equals_learner_small(bench: ModuleType, seed: int) -> None:
    worst = bench.check_rstdp_float(seed=seed, **TINY_FLOAT)
    assert worst <= 1e-12, f"seed={seed}"


def test_rstdp_float_loop_equals_learner_at_bench_size(bench: ModuleType) -> None:
    # 128 -> 128 -> 128, batch 2, two trials of 10 steps with a reward each
    bench.check_rstdp_float(batch=2, t_steps=10, trials=2, seed=3)


@pytest.mark.parametrize(
    ("name", "factor"),
    [
        ("beta", 0.99),
        ("decay_plus", 0.99),
        ("decay_minus", 0.99),
        ("decay_e", 0.99),
        ("a_plus", 1.01),
        ("a_minus", 1.01),
        ("lr", 1.01),
        ("rate", 1.5),
    ],
)
def test_rstdp_float_check_can_fail(bench: ModuleType, name: str, factor: float) -> None:
    """Every constant of the rule reaches a compared quantity: changing it is detected."""
    _, _, _, rule = bench.rstdp_float_setup(10, [8, 6], 3, 15, 2, 0)
    with pytest.raises(AssertionError, match="differ"):
        bench.check_rstdp_float(
            seed=0, loop_rule={name: getattr(rule, name) * factor}, **TINY_FLOAT
        )


# ---------------------------------------------------------------------------
# (b2) R-STDP, integer mode (hardware R-STDP units)
# ---------------------------------------------------------------------------

TINY_INT = dict(n_in=24, sizes=[12, 10], t_steps=30, trials=2)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_rstdp_int_loop_equals_learner_small(bench: ModuleType, seed: int) -> None:
    assert bench.check_rstdp_int(seed=seed, **TINY_INT) > 0


def test_rstdp_int_loop_equals_learner_at_bench_size(bench: ModuleType) -> None:
    # 64 -> 32 -> 32 (the largest the units take), two trials of 100 steps
    assert bench.check_rstdp_int(trials=2, seed=4) > 0


@pytest.mark.parametrize(
    ("name", "delta"),
    [
        ("leak_shift", 1),
        ("threshold", 7),
        ("in_max", -60),
        ("pre_inc", -9),
        ("post_inc", -9),
        ("decay_shift", 1),
        ("a_plus", 1),
        ("a_minus", 1),
        ("update_shift", 1),
        ("elig_shift", 1),
        ("reward_shift", -1),
    ],
)
def test_rstdp_int_check_can_fail(bench: ModuleType, name: str, delta: int) -> None:
    """Every constant of the integer rule reaches a compared quantity: changing it is detected."""
    _, _, _, rule = bench.rstdp_int_setup(24, [12, 10], 30, 2, 0)
    with pytest.raises(AssertionError, match="differ"):
        bench.check_rstdp_int(seed=0, loop_rule={name: getattr(rule, name) + delta}, **TINY_INT)


# ---------------------------------------------------------------------------
# (a) BPTT: the loop gradient of case_bptt on a small network
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(("seed", "recurrent"), [(0, False), (1, True), (2, True)])
def test_bptt_loop_gradient_equals_learner(bench: ModuleType, seed: int, recurrent: bool) -> None:
    rng = np.random.default_rng(seed)
    t_steps, n_in, sizes = 12, 7, [6, 5]
    net = feedforward(
        n_in, sizes, recurrent=[recurrent, False], rng=seed, tau=bench.TAU, threshold=bench.THETA
    )
    x = (rng.random((t_steps, n_in)) < 0.4).astype(float) * 1.5
    y = (rng.random((t_steps, sizes[-1])) < 0.2).astype(float)
    names = ["L0", "L1"]
    ff = [next(p for p in net.incoming(k) if not net.delayed(p)) for k in names]
    rec = [next((p for p in net.incoming(k) if net.delayed(p)), None) for k in names]
    _, grads = BPTTLearner(net, "mse", surrogate=FastSigmoid(bench.SLOPE)).gradients(x, y)
    g_ff, g_rec = bench.loop_bptt_grads(
        x.tolist(),
        y.tolist(),
        [p.to_dense().tolist() for p in ff],
        [None if p is None else p.to_dense().tolist() for p in rec],
        float(net.populations["L0"].beta),
        bench.THETA,
        bench.SLOPE,
        t_steps * sizes[-1],
    )
    assert any(np.abs(g).max() > 0 for g in grads), f"seed={seed}: zero gradient, weak test"
    for j, p in enumerate(net.projections):
        k = names.index(p.target)
        g_loop = np.array(g_rec[k] if net.delayed(p) else g_ff[k])
        g_fast = np.zeros((p.n_target, p.n_source))
        g_fast[p.rows, p.indices] = grads[j]
        err = np.linalg.norm(g_loop - g_fast) / max(np.linalg.norm(g_fast), 1e-300)
        assert err < 1e-9, f"seed={seed}: projection {j}: relative error {err:.2e}"
