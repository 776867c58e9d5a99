"""sc_model.learning.bptt (+ surrogate, losses, optim): BPTT and truncated BPTT.

The gradient is checked against central finite differences of the *same*
network with the spike replaced by a smooth sigmoid (SmoothSigmoid: forward
sigmoid(k x), backward its exact derivative), in float64, on random weights
including recurrent and feedback ones. Learning is checked on tasks: a
two-layer network reproduces a target spike pattern, and classifies sequences
that differ only in the temporal order of their input (equal rates). Truncated
BPTT is checked to equal BPTT when k >= T, to carry the state across windows,
and to use memory independent of T (tracemalloc).
"""

from __future__ import annotations

import math
import tracemalloc

import numpy as np
import pytest

from sc_model.learning import INPUT, Network, feedforward
from sc_model.learning.bptt import BPTTLearner, TBPTTLearner, backward, forward
from sc_model.learning.losses import MSE, CrossEntropy, SpikeCount, get_loss
from sc_model.learning.optim import SGD, Adam
from sc_model.learning.surrogate import FastSigmoid, SmoothSigmoid

# ---------------------------------------------------------------------------
# Finite differences on the smooth model
# ---------------------------------------------------------------------------


def mixed_network(rng: np.random.Generator, reset: str) -> Network:
    """input -> h (recurrent) -> o, feedback o -> h, sparse input -> o; per-neuron tau."""
    net = Network(4)
    net.add_population("h", 6, tau=rng.uniform(2.0, 10.0, 6), threshold=0.7, reset=reset)
    net.add_population("o", 3, tau=4.0, threshold=rng.uniform(0.5, 1.0, 3), reset=reset)
    net.connect(INPUT, "h", rng=rng)
    net.connect("h", "h", rng=rng, scale=0.4)  # recurrent
    net.connect("h", "o", rng=rng)
    net.connect("o", "h", rng=rng, scale=0.4)  # feedback (delay 1)
    net.connect(INPUT, "o", rng=rng, density=0.4)  # sparse skip connection
    return net


def finite_differences(learner: BPTTLearner, x, y, eps: float = 1e-6) -> list[np.ndarray]:
    out = []
    for p in learner.network.projections:
        g = np.zeros_like(p.data)
        for i in range(p.data.size):
            old = p.data[i]
            p.data[i] = old + eps
            up, _ = learner.gradients(x, y)
            p.data[i] = old - eps
            down, _ = learner.gradients(x, y)
            p.data[i] = old
            g[i] = (up - down) / (2 * eps)
        out.append(g)
    return out


@pytest.mark.parametrize("reset", ["subtract", "zero"])
@pytest.mark.parametrize("loss", ["mse", "count", "ce"])
def test_gradient_equals_finite_differences_of_smooth_network(reset: str, loss: str) -> None:
    seed = 1000 + 10 * ["mse", "count", "ce"].index(loss) + (reset == "zero")
    rng = np.random.default_rng(seed)
    net = mixed_network(rng, reset)
    learner = BPTTLearner(net, loss, surrogate=SmoothSigmoid(4.0))
    x = rng.random((20, 2, 4))
    y = (rng.random((20, 2, 3)) < 0.3).astype(float)
    value, grads = learner.gradients(x, y)
    fd = finite_differences(learner, x, y)
    g, f = np.concatenate(grads), np.concatenate(fd)
    assert np.abs(f).max() > 1e-3, f"seed={seed}: gradient too small to test"
    for p, gp in zip(net.projections, grads, strict=True):  # every projection gets a gradient
        assert np.abs(gp).max() > 0, f"seed={seed}: no gradient on {p.source}->{p.target}"
    rel = np.linalg.norm(g - f) / np.linalg.norm(f)
    worst = np.abs(g - f).max() / np.abs(f).max()
    assert rel < 1e-5 and worst < 1e-5, f"seed={seed}: relative error {rel:.2e}, max {worst:.2e}"
    assert value > 0


def test_gradient_of_unbatched_input_equals_batch_of_one() -> None:
    rng = np.random.default_rng(7)
    net = mixed_network(rng, "subtract")
    learner = BPTTLearner(net, "mse", surrogate=SmoothSigmoid())
    x, y = rng.random((15, 4)), rng.random((15, 3))
    a = learner.gradients(x, y)
    b = learner.gradients(x[:, None], y[:, None])
    assert a[0] == b[0]
    for ga, gb in zip(a[1], b[1], strict=True):
        np.testing.assert_array_equal(ga, gb)


def test_batch_gradient_is_mean_of_sample_gradients_for_mse() -> None:
    """MSE averages over the batch, so the gradient of a batch is the mean of the samples'."""
    rng = np.random.default_rng(8)
    net = mixed_network(rng, "zero")
    learner = BPTTLearner(net, "mse", surrogate=SmoothSigmoid())
    x, y = rng.random((12, 3, 4)), rng.random((12, 3, 3))
    _, gb = learner.gradients(x, y)
    per = [learner.gradients(x[:, b], y[:, b])[1] for b in range(3)]
    for j, g in enumerate(gb):
        np.testing.assert_allclose(g, np.mean([p[j] for p in per], axis=0), atol=1e-14)


# ---------------------------------------------------------------------------
# Forward model, surrogates, losses, optimisers
# ---------------------------------------------------------------------------


def test_layer_and_step_schedules_agree() -> None:
    """Whole-population-at-a-time (one product per projection) and step-by-step give the same."""
    rng = np.random.default_rng(6)
    net = feedforward(5, [9, 7, 3], recurrent=[True, False, True], rng=rng, threshold=0.5)
    x = rng.random((25, 4, 5))
    y = rng.random((25, 4, 3))
    sur = SmoothSigmoid(3.0)
    res = {}
    for schedule in ("step", "layer"):
        tr = forward(net, x, sur, schedule=schedule)
        _, g = MSE()(tr.s["L2"], y)
        res[schedule] = (tr, backward(net, tr, g, sur, schedule=schedule))
    for k in ("L0", "L1", "L2"):
        np.testing.assert_allclose(res["step"][0].m[k], res["layer"][0].m[k], rtol=1e-12)
    for a, b in zip(res["step"][1], res["layer"][1], strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-15)
    with pytest.raises(ValueError, match="schedule='layer' needs a network without feedback"):
        forward(mixed_network(rng, "zero"), x[:, :, :4], sur, schedule="layer")


def test_forward_with_heaviside_equals_network_run() -> None:
    rng = np.random.default_rng(5)
    net = mixed_network(rng, "subtract")
    x = (rng.random((50, 3, 4)) < 0.5).astype(float) * 1.5
    learner = BPTTLearner(net, "mse")
    spikes = learner.predict(x)
    assert spikes.sum() > 10
    np.testing.assert_array_equal(spikes, net.run(x).spikes["o"])
    ff = feedforward(4, [12, 5], recurrent=True, rng=rng, threshold=0.4)  # layer schedule
    spikes = BPTTLearner(ff, "mse").predict(x)
    assert spikes.sum() > 10
    np.testing.assert_array_equal(spikes, ff.run(x).spikes["L1"])


def test_surrogate_derivatives() -> None:
    x = np.linspace(-2, 2, 41) + 0.013
    k, h = 3.0, 1e-6
    fast = FastSigmoid(k)
    assert np.array_equal(fast.forward(np.array([-1e-9, 0.0, 1e-9])), [0.0, 1.0, 1.0])
    fs = lambda z: z / (1 + k * np.abs(z))  # noqa: E731 - the fast sigmoid itself
    np.testing.assert_allclose(fast.grad(x), (fs(x + h) - fs(x - h)) / (2 * h), rtol=1e-6)
    smooth = SmoothSigmoid(k)
    np.testing.assert_allclose(smooth.forward(x), 1 / (1 + np.exp(-k * x)), rtol=1e-12)
    np.testing.assert_allclose(
        smooth.grad(x), (smooth.forward(x + h) - smooth.forward(x - h)) / (2 * h), rtol=1e-6
    )
    assert smooth.forward(np.array([-1e4, 1e4])).tolist() == [0.0, 1.0]  # no overflow


@pytest.mark.parametrize("loss", [MSE(), SpikeCount(), CrossEntropy(0.7)])
def test_loss_gradients_equal_finite_differences(loss) -> None:
    rng = np.random.default_rng(3)
    s = rng.random((6, 4, 5))
    y = (rng.random((6, 4, 5)) < 0.4).astype(float)
    y[:, :, 0] += 0.01  # unique argmax for the labels
    value, g = loss(s, y)
    h = 1e-6
    for idx in [(0, 0, 0), (3, 2, 1), (5, 3, 4), (2, 1, 2)]:
        sp, sm = s.copy(), s.copy()
        sp[idx] += h
        sm[idx] -= h
        fd = (loss(sp, y)[0] - loss(sm, y)[0]) / (2 * h)
        assert g[idx] == pytest.approx(fd, rel=1e-6, abs=1e-9)


def test_loss_closed_forms() -> None:
    s = np.zeros((10, 2, 4))
    assert CrossEntropy()(s, np.array([1, 3]))[0] == pytest.approx(math.log(4))
    y = np.zeros((10, 2, 4))
    y[:3, :, 0] = 1  # target count 3 on one of 4 outputs
    assert SpikeCount()(s, y)[0] == pytest.approx(9 / 4)
    assert MSE()(s, y)[0] == pytest.approx(6 / 80)
    s[:, 0, 2] = 1.0  # 10 spikes on output 2 for sample 0, scale 0.5: logits (0, 0, 5, 0)
    value = CrossEntropy(0.5)(s, np.array([2, 0]))[0]
    assert value == pytest.approx(
        0.5 * (math.log(3 + math.exp(5)) - 5) + 0.5 * math.log(4), rel=1e-12
    )
    assert CrossEntropy()(s, y)[0] == CrossEntropy()(s, np.array([0, 0]))[0]


def test_optimisers_closed_forms() -> None:
    # SGD with momentum on f(p) = p^2/2 (g = p): u1 = p0, p1 = p0 - lr p0; u2 = m u1 + p1 ...
    p = np.array([2.0])
    opt = SGD(0.1, momentum=0.5)
    p0 = 2.0
    u1 = p0
    p1 = p0 - 0.1 * u1
    u2 = 0.5 * u1 + p1
    p2 = p1 - 0.1 * u2
    for _ in range(2):
        opt.step([p], [p.copy()])
    assert p[0] == pytest.approx(p2, rel=1e-15)
    # Adam's first step is lr * sign(g) whatever the gradient's size (up to eps)
    q = np.array([1.0, -1.0, 5.0])
    Adam(0.01, eps=1e-12).step([q], [np.array([1e-3, -7.0, 300.0])])
    np.testing.assert_allclose(q, [0.99, -0.99, 4.99], rtol=1e-9)
    # plain SGD converges on a quadratic to its minimum
    w = np.array([3.0, -4.0])
    sgd = SGD(0.3)
    for _ in range(100):
        sgd.step([w], [w - np.array([1.0, 2.0])])
    np.testing.assert_allclose(w, [1.0, 2.0], atol=1e-12)


def test_gradient_clipping_bounds_the_update_norm() -> None:
    rng = np.random.default_rng(9)
    net = mixed_network(rng, "subtract")
    x, y = rng.random((15, 2, 4)), rng.random((15, 2, 3))
    _, g = BPTTLearner(net, "mse", surrogate=SmoothSigmoid()).gradients(x, y)
    norm = float(np.sqrt(sum(float(np.sum(gj**2)) for gj in g)))
    before = [p.copy() for p in net.parameters()]
    clip = norm / 4
    learner = BPTTLearner(net, "mse", 0.5, "sgd", SmoothSigmoid(), clip=clip)
    learner.train_step(x, y)
    for b, a, gj in zip(before, net.parameters(), g, strict=True):  # same direction, 1/4 length
        np.testing.assert_allclose(b - a, 0.5 * gj / 4, rtol=1e-12, atol=1e-16)


def test_optimiser_state_restarts_when_connectivity_changes() -> None:
    p = np.zeros(3)
    opt = Adam(0.1)
    opt.step([p], [np.ones(3)])
    q = np.zeros(5)  # the projection was rewired: 5 synapses now
    opt.step([q], [np.full(5, -2.0)])
    np.testing.assert_allclose(q, 0.1, rtol=1e-6)  # a first Adam step again: lr * sign(g)


def test_training_keeps_absent_synapses_absent() -> None:
    rng = np.random.default_rng(4)
    net = Network(10)
    net.add_population("o", 5, tau=5.0, threshold=0.5)
    proj = net.connect(INPUT, "o", rng=rng, density=0.3)
    mask = proj.mask()
    learner = BPTTLearner(net, "mse", lr=0.05)
    x = (rng.random((20, 10)) < 0.5).astype(float)
    for _ in range(5):
        learner.train_step(x, np.ones((20, 5)))
    assert np.array_equal(proj.mask() | (proj.to_dense() == 0), mask | (proj.to_dense() == 0))
    assert np.array_equal(proj.to_dense()[~mask], np.zeros((~mask).sum()))


# ---------------------------------------------------------------------------
# Learning tasks
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_two_layer_network_learns_target_spike_pattern(seed: int) -> None:
    rng = np.random.default_rng(seed)
    t_steps, n_in = 50, 20
    x = (rng.random((t_steps, n_in)) < 0.2).astype(float)
    y = (rng.random((t_steps, 4)) < 0.1).astype(float)
    net = feedforward(n_in, [40, 4], rng=rng, tau=5.0, threshold=1.0)
    learner = BPTTLearner(net, "mse", lr=0.01, surrogate=FastSigmoid(2.0))
    before = int((learner.predict(x) != y).sum())
    for _ in range(500):
        learner.train_step(x, y)
    after = int((learner.predict(x) != y).sum())
    assert before >= 10, f"seed={seed}: the task is trivial ({before} wrong bins)"
    assert after <= 1, f"seed={seed}: {after} of {t_steps * 4} bins wrong after training"


def order_task(rng: np.random.Generator, n: int, t_steps: int = 40, n_in: int = 20):
    """Class 0: channels 0-9 fire in the first half, 10-19 in the second; class 1 reversed.

    Every channel has the same expected count in both classes: only timing tells them apart.
    """
    lab = rng.integers(0, 2, n)
    first = np.where(lab[:, None] == 0, np.arange(n_in) < n_in // 2, np.arange(n_in) >= n_in // 2)
    rate = np.full((t_steps, n, n_in), 0.02)
    rate[: t_steps // 2] += 0.2 * first
    rate[t_steps // 2 :] += 0.2 * ~first
    return (rng.random(rate.shape) < rate).astype(float), lab


@pytest.mark.parametrize("seed", [0, 1])
def test_network_learns_temporal_order_classification(seed: int) -> None:
    rng = np.random.default_rng(seed)
    net = feedforward(20, [30, 2], recurrent=[True, False], rng=rng, tau=5.0, threshold=1.0)
    learner = BPTTLearner(net, CrossEntropy(0.5), lr=0.01, surrogate=FastSigmoid(5.0))
    xt, lt = order_task(rng, 400)
    acc = lambda: float((learner.predict(xt).sum(0).argmax(1) == lt).mean())  # noqa: E731
    before = acc()
    for _ in range(100):
        learner.train_step(*order_task(rng, 32))
    after = acc()
    assert before < 0.7, f"seed={seed}: untrained accuracy {before}"
    assert after >= 0.95, f"seed={seed}: accuracy {after} after 100 steps"


# ---------------------------------------------------------------------------
# Truncated BPTT
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_tbptt_with_k_at_least_t_equals_bptt(optimizer: str) -> None:
    rng = np.random.default_rng(12)
    nets = [mixed_network(np.random.default_rng(12), "subtract") for _ in range(2)]
    full = BPTTLearner(nets[0], "mse", lr=0.02, optimizer=optimizer)
    trunc = TBPTTLearner(nets[1], "mse", lr=0.02, k=40, optimizer=optimizer)
    for _ in range(5):
        x = (rng.random((30, 4, 4)) < 0.5).astype(float)
        y = (rng.random((30, 4, 3)) < 0.2).astype(float)
        assert full.train_step(x, y) == trunc.train_step(x, y)
    for a, b in zip(nets[0].parameters(), nets[1].parameters(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_tbptt_first_window_is_bptt_on_the_prefix_and_state_is_carried() -> None:
    rng = np.random.default_rng(13)
    x = rng.random((30, 2, 4))
    y = rng.random((30, 2, 3))
    # weights frozen by a vanishing learning rate: the weighted mean of the window losses
    # equals the full-sequence MSE only if every window starts from the carried state
    net = mixed_network(np.random.default_rng(13), "zero")
    full_loss = BPTTLearner(net, "mse").gradients(x, y)[0]
    tb = TBPTTLearner(net, "mse", lr=1e-300, k=7, optimizer="sgd")
    assert tb.train_step(x, y) == pytest.approx(full_loss, rel=1e-12)
    reset_each = np.mean([
        BPTTLearner(net, "mse").gradients(x[t0 : t0 + 7], y[t0 : t0 + 7])[0] * len(x[t0 : t0 + 7])
        for t0 in range(0, 30, 7)
    ]) * 5 / 30
    assert abs(reset_each - full_loss) > 1e-3  # so the check above can fail
    # with SGD the first window's update is the BPTT gradient of the prefix
    a = mixed_network(np.random.default_rng(13), "zero")
    b = mixed_network(np.random.default_rng(13), "zero")
    _, g = BPTTLearner(a, "mse").gradients(x[:7], y[:7])
    TBPTTLearner(b, "mse", lr=0.1, k=7, optimizer="sgd").train_step(x[:7], y[:7])
    for pa, pb, gj in zip(a.parameters(), b.parameters(), g, strict=True):
        np.testing.assert_allclose(pb, pa - 0.1 * gj, rtol=1e-13, atol=1e-15)


def test_tbptt_learns_a_long_spike_pattern() -> None:
    """T = 200 in windows of 25: the wrong bins more than halve in 150 passes."""
    seed = 0
    rng = np.random.default_rng(seed)
    x = (rng.random((200, 20)) < 0.2).astype(float)
    y = (rng.random((200, 4)) < 0.1).astype(float)
    net = feedforward(20, [40, 4], rng=rng, tau=5.0, threshold=1.0)
    learner = TBPTTLearner(net, "mse", lr=0.01, k=25, surrogate=FastSigmoid(2.0))
    before = int((learner.predict(x) != y).sum())
    for _ in range(150):
        learner.train_step(x, y)
    after = int((learner.predict(x) != y).sum())
    assert before > 50 and after < 0.5 * before, f"seed={seed}: {before} -> {after} wrong bins"


def peak_bytes(learner: BPTTLearner, x: np.ndarray, y: np.ndarray) -> int:
    tracemalloc.start()
    tracemalloc.reset_peak()
    base = tracemalloc.get_traced_memory()[0]
    learner.train_step(x, y)
    peak = tracemalloc.get_traced_memory()[1] - base
    tracemalloc.stop()
    return peak


def test_tbptt_memory_is_independent_of_t_and_bptt_grows() -> None:
    """Peak traced memory of a train step (inputs allocated before): TBPTT flat, BPTT ~ T."""
    rng = np.random.default_rng(14)
    peaks = {}
    for cls, kw, lengths in (
        (TBPTTLearner, {"k": 25}, (500, 4000)),
        (BPTTLearner, {}, (500, 2000)),
    ):
        for t_steps in lengths:
            x = (rng.random((t_steps, 8, 20)) < 0.2).astype(float)
            y = (rng.random((t_steps, 8, 10)) < 0.1).astype(float)
            net = feedforward(20, [50, 10], recurrent=True, rng=1, tau=5.0)
            peaks[cls.__name__, t_steps] = peak_bytes(cls(net, "mse", **kw), x, y)
    tb = peaks["TBPTTLearner", 4000] / peaks["TBPTTLearner", 500]
    full = peaks["BPTTLearner", 2000] / peaks["BPTTLearner", 500]
    assert tb < 1.1, f"TBPTT peak grew {tb:.2f}x for 8x T: {peaks}"
    assert full > 3.5, f"BPTT peak grew only {full:.2f}x for 4x T: {peaks}"
    assert peaks["BPTTLearner", 2000] > 20 * peaks["TBPTTLearner", 4000]


# ---------------------------------------------------------------------------
# Bad input
# ---------------------------------------------------------------------------


def test_bad_arguments_name_the_argument() -> None:
    net = feedforward(3, [4, 2], rng=0)
    learner = BPTTLearner(net)
    with pytest.raises(ValueError, match=r"^inputs must have shape \(T, 3\)"):
        learner.train_step(np.zeros((10, 5)), np.zeros((10, 2)))
    with pytest.raises(ValueError, match=r"^targets must have shape \(T, n_out\) = \(10, 2\)"):
        learner.train_step(np.zeros((10, 3)), np.zeros((9, 2)))
    with pytest.raises(ValueError, match=r"^targets must have shape"):
        learner.train_step(np.zeros((10, 4, 3)), np.zeros((10, 3, 2)))
    with pytest.raises(ValueError, match=r"^targets as class labels must have shape \(batch,\)"):
        BPTTLearner(net, "ce").train_step(np.zeros((10, 4, 3)), np.array([0, 1]))
    with pytest.raises(ValueError, match=r"^targets as labels .* values in \[0, 1\]"):
        BPTTLearner(net, "ce").train_step(np.zeros((10, 2, 3)), np.array([0, 2]))
    with pytest.raises(ValueError, match=r"^inputs must be finite"):
        learner.train_step(np.full((10, 3), np.nan), np.zeros((10, 2)))
    with pytest.raises(ValueError, match=r"^lr must be > 0"):
        BPTTLearner(net, lr=0.0)
    with pytest.raises(ValueError, match=r"^lr must be > 0"):
        BPTTLearner(net, lr=-1e-3, optimizer="sgd")
    with pytest.raises(ValueError, match=r"^k must be in \[1, inf\], not 0"):
        TBPTTLearner(net, k=0)
    with pytest.raises(ValueError, match=r"^loss_fn must be one of"):
        BPTTLearner(net, "hinge")
    with pytest.raises(ValueError, match=r"^optimizer must be one of"):
        BPTTLearner(net, optimizer="rmsprop")
    with pytest.raises(ValueError, match=r"^momentum must be in \[0, 1\)"):
        SGD(0.1, momentum=1.0)
    with pytest.raises(ValueError, match=r"^slope must be > 0"):
        FastSigmoid(0.0)
    with pytest.raises(ValueError, match=r"^clip"):
        BPTTLearner(net, clip=-1.0)
    int_net = Network(3, "int")
    int_net.add_population("a", 2, v_width=8, threshold=10)
    int_net.connect(INPUT, "a", rng=0)
    with pytest.raises(ValueError, match=r"^network must be in float mode"):
        BPTTLearner(int_net)
    assert isinstance(get_loss("count"), SpikeCount)
