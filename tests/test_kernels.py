"""The compiled (Numba) kernels give the integers of the pure-NumPy paths they replace.

:mod:`sc_model._kernels` is used by default; every caller keeps its NumPy
path (``SC_MODEL_NO_NUMBA=1`` or :func:`sc_model._kernels.use_compiled`).
The other test modules check the default (compiled) path against the cycle
twins and the hardware; these tests pin the two vectorised paths to each
other over random parameter sets, batch shapes and enable patterns.
"""

from __future__ import annotations

import numpy as np
import pytest

from sc_cosim.blocks.lif import random_lif_params
from sc_cosim.blocks.synapses import random_synapse_params
from sc_model import _kernels
from sc_model.lif import lif_trace, v_range
from sc_model.synapses import check_synapse_params, synapses_run

pytestmark = pytest.mark.skipif(not _kernels.AVAILABLE, reason="numba is not installed")


def both_paths(fn):  # type: ignore[no-untyped-def]
    """``fn()`` with the compiled kernels, then with pure NumPy."""
    with _kernels.use_compiled(True):
        assert _kernels.enabled()
        fast = fn()
    with _kernels.use_compiled(False):
        assert not _kernels.enabled()
        slow = fn()
    return fast, slow


@pytest.mark.parametrize("index", range(24))
def test_compiled_synapse_counter_equals_numpy(index: int) -> None:
    # combinations 0..3 of the harness are the counter ones (and/xnor x spikes/values)
    k = 12 * (index // 4) + index % 4
    rng = np.random.default_rng([k, 0])
    params = random_synapse_params(rng, 256 if index % 6 == 5 else 40, 24)
    p = check_synapse_params(**params)
    assert p.aggregation == "counter"
    n_cycles = 1 if index == 7 else int(rng.integers(20, 120))  # 1: shorter than the pipeline
    batch = [(), (3,), (2, 2)][index % 3]
    shape = (n_cycles, *batch, p.n_inputs)
    if p.input_mode == "spikes":
        x = (rng.random(shape) < rng.uniform(0.1, 1.0)).astype(np.uint8)
    else:
        x = rng.integers(0, 1 << p.value_width, shape)
    fast, slow = both_paths(lambda: synapses_run(p, x))
    assert fast.count.dtype == slow.count.dtype == np.int64
    assert np.array_equal(fast.count, slow.count), f"index {index}, params {params}"
    assert np.abs(slow.count).max() > 0 or n_cycles <= p.pipeline, f"index {index}: all zero"


@pytest.mark.parametrize("index", range(8))
def test_compiled_counter_with_shared_cycle_terms_equals_numpy(index: int) -> None:
    """From ``SHARED_BATCH`` batch elements on, the kernel computes each cycle's synapse
    terms once for the batch: the same integers as NumPy (every counter combination)."""
    k = 12 * (index // 4) + index % 4
    rng = np.random.default_rng([k, 1])
    params = random_synapse_params(rng, 40, 24)
    p = check_synapse_params(**params)
    batch = [(_kernels.SHARED_BATCH,), (3, 5)][index % 2]
    shape = (int(rng.integers(20, 80)), *batch, p.n_inputs)
    if p.input_mode == "spikes":
        x = (rng.random(shape) < rng.uniform(0.1, 1.0)).astype(np.uint8)
    else:
        x = rng.integers(0, 1 << p.value_width, shape)
    fast, slow = both_paths(lambda: synapses_run(p, x))
    assert np.array_equal(fast.count, slow.count), f"index {index}, params {params}"
    assert np.abs(slow.count).max() > 0, f"index {index}: all zero"


@pytest.mark.parametrize("synapse", ["and", "xnor"])
def test_compiled_counter_beyond_256_inputs_and_16_bit_weights(synapse: str) -> None:
    rng = np.random.default_rng(5)
    n, m, wb = 300, 7, 16  # N beyond the arith counter's 256; int32 thresholds
    hi = (1 << wb) - 1
    p = check_synapse_params(
        n_inputs=n,
        n_neurons=m,
        weight_width=wb,
        weights=rng.integers(-hi, hi + 1, (m, n)),
        synapse=synapse,
        width=17 + (synapse == "xnor"),
        seed=99,
        pipeline=4,
    )
    x = (rng.random((64, 2, n)) < 0.5).astype(np.uint8)
    fast, slow = both_paths(lambda: synapses_run(p, x))
    assert np.array_equal(fast.count, slow.count) and np.abs(slow.count).max() > 10


@pytest.mark.parametrize("index", range(24))
def test_compiled_lif_equals_numpy(index: int) -> None:
    rng = np.random.default_rng([index, 0])
    params = random_lif_params(rng)
    batch, n = 2, 5
    if index % 2:  # per-neuron thresholds, resets and refractory periods
        lo, hi = v_range(params["v_width"])
        t = params["threshold"]
        params["threshold"] = np.clip(t - rng.integers(0, 3, n), params["v_reset"] + 1, hi)
        if params["reset_mode"] == "subtract":
            params["threshold"] = np.maximum(params["threshold"], 1)
        params["refractory"] = rng.integers(0, 4, n)
    n_steps = 200
    if params["input_mode"] == "count":
        half = 1 << (params["in_width"] - 1)
        x = rng.integers(-half, half, (n_steps, batch, n))
        x[n_steps // 2 :] = np.abs(x[n_steps // 2 :]) % half  # a drive upward: spikes
    else:
        x = rng.integers(-1, 2, (n_steps, batch, n))
        x[n_steps // 2 :] = 1
    en = None if index % 3 == 0 else (rng.random((n_steps, batch, n)) < 0.8).astype(np.uint8)
    if index % 3 == 1 and en is not None:
        en = en[:, 0, 0]  # one enable for all
    fast, slow = both_paths(lambda: lif_trace(x, en=en, **params))
    for name in ("spike", "v", "refractory_count"):
        a, b = getattr(fast, name), getattr(slow, name)
        assert a.dtype == b.dtype and np.array_equal(a, b), f"{name}: index {index}, {params}"


def test_compiled_lif_fires_and_clamps() -> None:
    """A check that can fail: the compared runs above include firing and saturation."""
    x = np.full((50, 1, 2), 7)
    fast, slow = both_paths(
        lambda: lif_trace(x, v_width=5, threshold=np.array([15, 12]), in_width=4, refractory=2)
    )
    assert np.array_equal(fast.v, slow.v) and np.array_equal(fast.spike, slow.spike)
    assert fast.spike.sum() > 5 and fast.v.max() <= 15
