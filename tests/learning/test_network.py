"""sc_model.learning.network: populations, CSR projections, network timing.

Expected values come from closed forms, from independent per-neuron Python
references written from the module docstring, or from sc_model.lif (the
hardware neuron's model, which integer mode must equal bit for bit).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sc_model.learning import INPUT, Network, Population, Projection, feedforward
from sc_model.lif import lif_run

# ---------------------------------------------------------------------------
# Independent references
# ---------------------------------------------------------------------------


def ref_float_neuron(currents, beta, theta, reset):
    """One float-mode neuron, step by step, in Python floats."""
    v, s = 0.0, 0.0
    vs, ss = [], []
    for i in currents:
        if reset == "subtract":
            v = beta * v + i - theta * s
        else:
            v = beta * v * (1 - s) + i
        s = 1.0 if v >= theta else 0.0
        vs.append(v)
        ss.append(s)
    return vs, ss


def ref_network(x, layers, rec, thetas, betas):
    """Dense feed-forward + self-recurrent layers, written from the docstring."""
    t_steps, batch, _ = x.shape
    out = []
    v = [np.zeros((batch, w.shape[0])) for w in layers]
    s = [np.zeros((batch, w.shape[0])) for w in layers]
    for t in range(t_steps):
        pre = x[t]
        row = []
        for k, w in enumerate(layers):
            cur = pre @ w.T
            if rec[k] is not None:
                cur = cur + s[k] @ rec[k].T  # previous step's own spikes
            v[k] = betas[k] * v[k] + cur - thetas[k] * s[k]
            s[k] = (v[k] >= thetas[k]).astype(float)
            row.append(s[k])
            pre = s[k]  # same step
        out.append(row)
    return [np.stack([r[k] for r in out]) for k in range(len(layers))]


# ---------------------------------------------------------------------------
# Float population
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("reset", ["subtract", "zero"])
def test_float_population_matches_per_neuron_reference(reset: str) -> None:
    rng = np.random.default_rng(3)
    n, t_steps = 6, 80
    tau = rng.uniform(2.0, 30.0, n)
    theta = rng.uniform(0.5, 2.0, n)
    cur = rng.normal(0.3, 0.6, (t_steps, 1, n))
    pop = Population(n, tau=tau, dt=1.0, threshold=theta, reset=reset)
    spikes, volts = [], []
    for t in range(t_steps):
        spikes.append(pop.step_all(cur[t]))
        volts.append(pop.voltages)
    spikes, volts = np.stack(spikes)[:, 0], np.stack(volts)[:, 0]
    assert spikes.sum() > 10
    for j in range(n):
        vs, ss = ref_float_neuron(cur[:, 0, j], math.exp(-1.0 / tau[j]), theta[j], reset)
        np.testing.assert_allclose(volts[:, j], vs, rtol=1e-12, atol=1e-12)
        np.testing.assert_array_equal(spikes[:, j], ss)


def test_float_subthreshold_closed_form_and_beta() -> None:
    tau, dt, cur = 8.0, 0.5, 0.1
    beta = math.exp(-dt / tau)
    pop = Population(1, tau=tau, dt=dt, threshold=100.0)
    assert pop.beta == pytest.approx(beta)
    for t in range(50):
        pop.step_all(cur)
        assert pop.voltages[0, 0] == pytest.approx(cur * (1 - beta ** (t + 1)) / (1 - beta))


@pytest.mark.parametrize("cur", [0.3, 0.45, 0.8, 1.5])
def test_float_zero_reset_firing_period(cur: float) -> None:
    """Constant drive: the period is the first k with cur (1 - beta^k) / (1 - beta) >= theta."""
    tau, theta = 5.0, 1.0
    beta = math.exp(-1 / tau)
    k = 1
    while cur * (1 - beta**k) / (1 - beta) < theta:
        k += 1
    pop = Population(1, tau=tau, threshold=theta, reset="zero")
    s = np.array([pop.step_all(cur)[0, 0] for _ in range(10 * k + 3)])
    assert np.array_equal(np.flatnonzero(s), np.arange(k - 1, 10 * k + 3, k))


def test_float_subtract_reset_long_run_rate() -> None:
    """Without leak (large tau) subtract reset conserves charge: rate -> cur / theta."""
    pop = Population(1, tau=1e12, threshold=1.0)
    cur = 0.37
    total = sum(pop.step_all(cur)[0, 0] for _ in range(1000))
    assert abs(total - cur * 1000) <= 1.0


# ---------------------------------------------------------------------------
# Integer population: bit-exact with sc_model.lif
# ---------------------------------------------------------------------------

LIF_CASES = [
    {"v_width": 8, "threshold": 20},
    {"v_width": 10, "threshold": 50, "leak_mode": "shift", "leak_shift": 3},
    {"v_width": 12, "threshold": 100, "leak_mode": "constant", "leak_const": 2,
     "reset_mode": "subtract", "refractory": 3},
    {"v_width": 6, "threshold": 9, "in_width": 4, "v_reset": -3, "refractory": 1},
]


@pytest.mark.parametrize("params", LIF_CASES)
def test_integer_population_equals_lif_bit_for_bit(params: dict) -> None:
    rng = np.random.default_rng(5)
    pop = Population(7, "int", batch=3, **params)
    lo, hi = pop.in_range
    x = rng.integers(lo, hi + 1, (300, 3, 7))
    x = np.where(rng.random(x.shape) < 0.6, np.minimum(np.abs(x), hi), x)  # mostly excitatory
    spikes, volts = [], []
    for t in range(x.shape[0]):
        spikes.append(pop.step_all(x[t]))
        volts.append(pop.voltages)
    ref = lif_run(np.concatenate([x, x[:1]]), **params)
    assert ref.spike.sum() > 5
    np.testing.assert_array_equal(np.stack(spikes), ref.spike[1:])
    np.testing.assert_array_equal(np.stack(volts), ref.v[1:])


def test_integer_network_saturates_currents_and_matches_lif() -> None:
    params = {"v_width": 8, "threshold": 30, "in_width": 4, "leak_mode": "shift"}
    net = Network(5, "int")
    net.add_population("a", 3, **params)
    w = np.array([[3, 3, 3, 3, 3], [1, -1, 0, 2, 0], [-3, -3, -3, -3, -3]])
    net.connect(INPUT, "a", w)
    rng = np.random.default_rng(9)
    x = rng.integers(0, 2, (200, 2, 5))
    rec = net.run(x)
    cur = np.clip(np.einsum("tbj,ij->tbi", x, w), -8, 7)  # in_width 4
    assert (np.einsum("tbj,ij->tbi", x, w) > 7).any()  # the clamp acted
    ref = lif_run(np.concatenate([cur, cur[:1]]), **params)
    np.testing.assert_array_equal(rec.spikes["a"], ref.spike[1:])
    np.testing.assert_array_equal(rec.voltages["a"], ref.v[1:])


def test_two_layer_integer_network_equals_lif_layer_by_layer() -> None:
    """Layer 2 sees layer 1's spikes of the same step (the register after that step's edge)."""
    p1 = {"v_width": 8, "threshold": 6, "in_width": 5, "leak_mode": "shift", "leak_shift": 2}
    p2 = {"v_width": 10, "threshold": 5, "in_width": 6, "refractory": 2}
    rng = np.random.default_rng(17)
    w1 = rng.integers(-2, 4, (9, 6))
    w2 = rng.integers(-2, 4, (4, 9))
    net = Network(6, "int")
    net.add_population("a", 9, **p1)
    net.add_population("b", 4, **p2)
    net.connect(INPUT, "a", w1)
    net.connect("a", "b", w2)
    x = rng.integers(0, 2, (150, 3, 6))
    rec = net.run(x)
    c1 = np.clip(np.einsum("tbj,ij->tbi", x, w1), -16, 15)
    s1 = lif_run(np.concatenate([c1, c1[:1]]), **p1).spike[1:].astype(np.int64)
    c2 = np.clip(np.einsum("tbj,ij->tbi", s1, w2), -32, 31)
    s2 = lif_run(np.concatenate([c2, c2[:1]]), **p2).spike[1:]
    assert s1.sum() > 20 and s2.sum() > 10
    np.testing.assert_array_equal(rec.spikes["a"], s1)
    np.testing.assert_array_equal(rec.spikes["b"], s2)


# ---------------------------------------------------------------------------
# Projection
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("density", [0.01, 0.04, 0.3, 1.0])
def test_projection_sparse_and_dense_paths_equal_dense_product(density: float) -> None:
    rng = np.random.default_rng(int(density * 100))
    proj = Projection.random("a", "b", 60, 40, density=density, rng=rng)
    w = proj.to_dense()
    assert np.array_equal(w != 0, proj.mask())
    pre = rng.random((3, 5, 60))
    np.testing.assert_allclose(proj.propagate(pre), pre @ w.T, atol=1e-12)
    # rows of the CSR: the gather equals the dense entries
    g = rng.random((40, 60))
    assert np.array_equal(proj.dense_to_data(g), g[w != 0])


def test_projection_integer_propagate_is_exact() -> None:
    rng = np.random.default_rng(2)
    for density in (0.02, 0.5):
        proj = Projection.random("a", "b", 50, 30, density, rng=rng, integer=True, w_max=3)
        pre = rng.integers(0, 2, (4, 50))
        out = proj.propagate(pre)
        assert out.dtype == np.int64
        assert np.array_equal(out, pre @ proj.to_dense().T)


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 12), st.integers(1, 12), st.integers(0, 2**32 - 1))
def test_projection_from_dense_round_trip(n_t: int, n_s: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    w = rng.normal(size=(n_t, n_s)) * (rng.random((n_t, n_s)) < 0.4)
    proj = Projection.from_dense("a", "b", w)
    assert np.array_equal(proj.to_dense(), w), f"seed={seed}"
    assert proj.nnz == int((w != 0).sum())
    assert np.array_equal(proj.rows, np.nonzero(w)[0])
    # and the CSR slices are the rows
    for i in range(n_t):
        cols = proj.indices[proj.indptr[i] : proj.indptr[i + 1]]
        assert np.array_equal(cols, np.flatnonzero(w[i]))


def test_projection_random_density_and_scale() -> None:
    proj = Projection.random("a", "b", 400, 300, density=0.2, rng=1)
    assert abs(proj.density - 0.2) < 0.01
    assert proj.data.std() == pytest.approx(1 / math.sqrt(0.2 * 400), rel=0.05)


def test_projection_bad_csr_is_refused() -> None:
    with pytest.raises(ValueError, match="indptr"):
        Projection("a", "b", 3, 2, [0, 1], [0], [1.0])
    with pytest.raises(ValueError, match="indices must be in"):
        Projection("a", "b", 3, 2, [0, 1, 1], [3], [1.0])
    with pytest.raises(ValueError, match="sorted and unique"):
        Projection("a", "b", 3, 2, [0, 2, 2], [1, 1], [1.0, 2.0])
    with pytest.raises(ValueError, match="data must have shape"):
        Projection("a", "b", 3, 2, [0, 1, 1], [1], [1.0, 2.0])
    with pytest.raises(ValueError, match="n_source"):
        Projection("a", "b", 0, 2, [0, 0, 0], [], [])
    with pytest.raises(ValueError, match="density"):
        Projection.random("a", "b", 3, 3, density=0.0)


# ---------------------------------------------------------------------------
# Network timing and batching
# ---------------------------------------------------------------------------


def test_network_equals_dense_reference_feedforward_and_recurrent() -> None:
    rng = np.random.default_rng(21)
    net = feedforward(6, [10, 8, 4], recurrent=[True, False, True], rng=rng, tau=4.0,
                      threshold=0.6)
    x = (rng.random((60, 5, 6)) < 0.4).astype(float)
    rec = net.run(x)
    layers, recs = [], []
    for name in ("L0", "L1", "L2"):
        inc = net.incoming(name)
        layers.append(next(p for p in inc if not net.delayed(p)).to_dense())
        r = [p for p in inc if net.delayed(p)]
        recs.append(r[0].to_dense() if r else None)
    ref = ref_network(x, layers, recs, [0.6] * 3, [math.exp(-1 / 4.0)] * 3)
    for k, name in enumerate(("L0", "L1", "L2")):
        assert rec.spikes[name].sum() > 0
        np.testing.assert_array_equal(rec.spikes[name], ref[k])


def test_network_delays_feedforward_zero_recurrent_one() -> None:
    net = Network(1)
    net.add_population("a", 1, tau=1e-3, threshold=1.0)  # beta ~ 0: memoryless
    net.add_population("b", 1, tau=1e-3, threshold=1.0, reset="zero")
    net.connect(INPUT, "a", [[1.0]])
    net.connect("a", "b", [[1.0]])
    net.connect("b", "a", [[2.0]])  # feedback: previous step
    x = np.zeros((6, 1))
    x[1] = 1.0
    rec = net.run(x)
    # a fires at 1 (input), b at 1 (same step); at 2 a gets b's spike of step 1 (2.0) minus
    # its own reset (1.0): v = 1 >= 1, fires again, and so on every step.
    assert rec.spikes["a"][:, 0].tolist() == [0, 1, 1, 1, 1, 1]
    assert rec.spikes["b"][:, 0].tolist() == [0, 1, 1, 1, 1, 1]
    x[1] = 0.0
    x[3] = 1.0
    assert net.run(x).spikes["b"][:, 0].tolist() == [0, 0, 0, 1, 1, 1]
    net2 = Network(1)
    net2.add_population("a", 1, tau=1e-3, threshold=1.0, reset="zero")
    net2.connect(INPUT, "a", [[1.0]])
    net2.connect("a", "a", [[1.0]])  # self-excitation keeps it going, one step later each time
    rec2 = net2.run(x)
    assert rec2.spikes["a"][:, 0].tolist() == [0, 0, 0, 1, 1, 1]


def test_network_batch_equals_separate_runs_and_unbatched_shape() -> None:
    net = feedforward(4, [7, 3], recurrent=True, rng=4, threshold=0.5)
    x = np.random.default_rng(8).random((40, 3, 4))
    rec = net.run(x)
    for b in range(3):
        one = net.run(x[:, b])
        assert one.spikes["L1"].shape == (40, 3)
        np.testing.assert_array_equal(one.spikes["L1"], rec.spikes["L1"][:, b])
        np.testing.assert_allclose(one.voltages["L0"], rec.voltages["L0"][:, b])


# ---------------------------------------------------------------------------
# Bad input
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("name, kwargs", [
    ("tau", {"tau": 0.0}),
    ("tau", {"tau": -3.0}),
    ("tau", {"tau": [1.0, -1.0, 2.0]}),
    ("dt", {"dt": 0}),
    ("threshold", {"threshold": -1.0}),
    ("tau", {"tau": float("nan")}),
])
def test_bad_float_parameters_name_the_argument(name: str, kwargs: dict) -> None:
    with pytest.raises(ValueError, match=rf"^{name}"):
        Population(3, **kwargs)


def test_bad_sizes_and_shapes_name_the_argument() -> None:
    with pytest.raises(ValueError, match=r"^n must be in \[1, inf\], not 0"):
        Population(0)
    with pytest.raises(ValueError, match="^batch"):
        Population(3, batch=0)
    with pytest.raises(ValueError, match=r"^tau \(shape \(2,\)\)"):
        Population(3, tau=[1.0, 2.0])
    with pytest.raises(ValueError, match="^n_in"):
        Network(0)
    net = Network(3)
    with pytest.raises(ValueError, match="^n must be"):
        net.add_population("a", 0)
    net.add_population("a", 2)
    with pytest.raises(ValueError, match=r"weights must have shape .* = \(2, 3\)"):
        net.connect(INPUT, "a", np.ones((3, 2)))
    with pytest.raises(ValueError, match="unknown population 'z'"):
        net.connect("z", "a")
    net.connect(INPUT, "a", rng=0)
    with pytest.raises(ValueError, match=r"inputs must have shape \(T, 3\) or \(T, batch, 3\)"):
        net.run(np.zeros((10, 4)))
    with pytest.raises(ValueError, match="currents"):
        net.populations["a"].step_all(np.zeros((1, 5)))
    with pytest.raises(ValueError, match="^mode"):
        Network(3, mode="fixed")
    with pytest.raises(ValueError, match="^reset"):
        Population(2, reset="hard")


def test_integer_mode_errors_come_from_lif_checks() -> None:
    with pytest.raises(ValueError, match="^threshold"):
        Population(2, "int", v_width=8, threshold=200)
    with pytest.raises(TypeError, match="float mode takes tau"):
        Population(2, v_width=8)
    pop = Population(2, "int", v_width=8, threshold=10, in_width=4)
    with pytest.raises(ValueError, match="input_counts must be <= 7"):
        pop.step_all(np.array([8, 0]))
    net = Network(2, "int")
    net.add_population("a", 2, v_width=8, threshold=10)
    with pytest.raises(TypeError, match="inputs must hold integers"):
        net.run(np.zeros((5, 2)))
