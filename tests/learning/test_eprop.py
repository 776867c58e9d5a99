"""sc_model.learning.eprop: eligibility traces, exactness on one step, learning vs BPTT.

Expected values are independent: explicit geometric sums for the traces, the
BPTT code and a hand-written dense forward pass (finite differences of the
smooth model) for the gradient, and held-out accuracy for learning.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from sc_model.learning import Network
from sc_model.learning.bptt import BPTTLearner
from sc_model.learning.eprop import EligibilityTrace, EPropLearner
from sc_model.learning.optim import SGD
from sc_model.learning.surrogate import SmoothSigmoid

DOC = Path(__file__).resolve().parents[2] / "docs" / "learning_paradigms.md"


def doc_example(title: str) -> str:
    """The python block of the docs section whose heading starts with ``title``."""
    text = DOC.read_text()
    sec = re.split(r"^## ", text, flags=re.M)
    (body,) = [s for s in sec if s.startswith(title)]
    (code,) = re.findall(r"```python\n(.*?)```", body, flags=re.S)
    return code


# ---------------------------------------------------------------------------
# EligibilityTrace: closed forms
# ---------------------------------------------------------------------------


def test_single_spike_trace_is_geometric() -> None:
    tr = EligibilityTrace(tau_e=4.0, dt=1.0)
    alpha = np.exp(-1 / 4)
    for t in range(8):
        pre = np.array([1.0 if t == 0 else 0.0])
        dw = tr.update(pre, np.ones(1), np.ones(1))
        assert tr.zbar[0, 0] == pytest.approx(alpha**t, rel=1e-12)
        assert dw[0, 0] == pytest.approx(alpha**t, rel=1e-12)


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_trace_matches_closed_form(seed: int) -> None:
    rng = np.random.default_rng(seed)
    t_steps, batch, n_pre, n_post = 25, 3, 4, 5
    tau_e, tau_out, dt = rng.uniform(2, 20), rng.uniform(2, 20), rng.uniform(0.5, 2)
    pre = (rng.random((t_steps, batch, n_pre)) < 0.3).astype(float)
    psi = rng.random((t_steps, batch, n_post))
    err = rng.normal(size=(t_steps, batch, n_post))
    tr = EligibilityTrace(tau_e, dt, tau_out)
    got = np.stack([tr.update(pre[t], psi[t], err[t]) for t in range(t_steps)])
    a, k = np.exp(-dt / tau_e), np.exp(-dt / tau_out)
    # zbar[t] = sum_{t'<=t} a^(t-t') pre[t'];  ebar[t] = sum_{t'<=t} k^(t-t') psi[t'] zbar[t']
    lag = np.subtract.outer(np.arange(t_steps), np.arange(t_steps))
    ga = np.where(lag >= 0, a ** np.maximum(lag, 0), 0.0)
    gk = np.where(lag >= 0, k ** np.maximum(lag, 0), 0.0)
    zbar = np.einsum("ts,sbi->tbi", ga, pre)
    e = psi[:, :, :, None] * zbar[:, :, None, :]
    ebar = np.einsum("ts,sbji->tbji", gk, e)
    want = np.einsum("tbj,tbji->tji", err, ebar)
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12, err_msg=f"seed={seed}")
    np.testing.assert_allclose(tr.zbar, zbar[-1], rtol=1e-10, err_msg=f"seed={seed}")


def test_trace_without_output_filter_is_instantaneous() -> None:
    tr = EligibilityTrace(10.0, 1.0)  # tau_out None: ebar = e
    tr.update([1.0, 0.0], [0.5], [1.0])
    dw = tr.update([0.0, 1.0], [2.0], [1.0])
    np.testing.assert_allclose(dw, [[2.0 * np.exp(-0.1), 2.0]])


# ---------------------------------------------------------------------------
# Gradient: exact on one step
# ---------------------------------------------------------------------------


def small_net(seed: int, recurrent: bool = False) -> Network:
    rng = np.random.default_rng(seed)
    net = Network(5)
    net.add_population("h", 7, tau=5.0, threshold=0.5)
    net.add_population("o", 3, tau=8.0, threshold=0.5)
    net.connect("input", "h", rng=rng, scale=1.0)
    if recurrent:
        net.connect("h", "h", rng=rng, scale=0.5)
    net.connect("h", "o", rng=rng, scale=1.0)
    net.connect("input", "o", rng=rng, scale=1.0)
    return net


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_one_step_symmetric_equals_bptt(seed: int) -> None:
    net = small_net(seed)
    rng = np.random.default_rng(seed + 50)
    x = rng.random((1, 6, 5)) * 1.5
    y = (rng.random((1, 6, 3)) < 0.5).astype(float)
    le, ge = EPropLearner(net).gradients(x, y)
    lb, gb = BPTTLearner(net).gradients(x, y)
    assert le == pytest.approx(lb)
    assert any(np.abs(g).max() > 0 for g in gb), f"seed={seed}: degenerate (zero) gradient"
    for a, b in zip(ge, gb, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-15, err_msg=f"seed={seed}")


def ref_smooth_loss(net: Network, x: np.ndarray, y: np.ndarray, slope: float) -> float:
    """One step of the smooth model, written out densely: m = W x (+ W h), s = sigmoid."""
    w_ih, w_ho, w_io = (p.to_dense() for p in net.projections)
    sig = lambda z: 1.0 / (1.0 + np.exp(-slope * z))  # noqa: E731
    h = sig(x @ w_ih.T - 0.5)
    o = sig(h @ w_ho.T + x @ w_io.T - 0.5)
    return float(np.mean((o - y) ** 2))


def test_one_step_equals_finite_differences_of_smooth_model() -> None:
    net = small_net(7)
    rng = np.random.default_rng(8)
    x, y = rng.random((1, 4, 5)), (rng.random((1, 4, 3)) < 0.5).astype(float)
    loss, grads = EPropLearner(net, surrogate=SmoothSigmoid(3.0)).gradients(x, y)
    assert loss == pytest.approx(ref_smooth_loss(net, x[0], y[0], 3.0), rel=1e-12)
    eps = 1e-6
    for p, g in zip(net.projections, grads, strict=True):
        for k in range(p.nnz):
            old = p.data[k]
            p.data[k] = old + eps
            up = ref_smooth_loss(net, x[0], y[0], 3.0)
            p.data[k] = old - eps
            down = ref_smooth_loss(net, x[0], y[0], 3.0)
            p.data[k] = old
            assert g[k] == pytest.approx((up - down) / (2 * eps), rel=1e-5, abs=1e-10)


def test_output_layer_gradient_same_for_random_feedback() -> None:
    net = small_net(3, recurrent=True)
    rng = np.random.default_rng(4)
    x, y = rng.random((12, 2, 5)), (rng.random((12, 2, 3)) < 0.3).astype(float)
    _, gs = EPropLearner(net, feedback="symmetric").gradients(x, y)
    _, gr = EPropLearner(net, feedback="random", rng=1).gradients(x, y)
    _, gr2 = EPropLearner(net, feedback="random", rng=1).gradients(x, y)
    for j, p in enumerate(net.projections):
        np.testing.assert_array_equal(gr[j], gr2[j])  # seeded
        if p.target == "o":
            np.testing.assert_array_equal(gs[j], gr[j])


def test_multi_step_gradient_aligned_with_bptt() -> None:
    """Over many steps e-prop is an approximation: it must point the same way as BPTT."""
    net = small_net(5, recurrent=True)
    rng = np.random.default_rng(6)
    x, y = rng.random((30, 8, 5)), (rng.random((30, 8, 3)) < 0.3).astype(float)
    _, ge = EPropLearner(net).gradients(x, y)
    _, gb = BPTTLearner(net).gradients(x, y)
    a, b = np.concatenate(ge), np.concatenate(gb)
    cos = a @ b / (np.linalg.norm(a) * np.linalg.norm(b))
    assert cos > 0.7, cos


def ref_eprop(net: Network, x: np.ndarray, y: np.ndarray, slope: float = 10.0):
    """The documented e-prop estimate from a recorded run, by explicit sums over time.

    Network h (recurrent) -> o, inputs to both; psi from the recorded membranes."""
    rec = net.run(x)
    s, v = rec.spikes, rec.voltages
    t_steps, batch, n_out = s["o"].shape
    pops = net.populations
    psi = {k: 1.0 / (1.0 + slope * np.abs(v[k] - pops[k].threshold)) ** 2 for k in pops}
    delta = 2.0 * (s["o"] - y) / (t_steps * batch * n_out) * psi["o"]
    w_out = [p for p in net.projections if p.source == "h" and p.target == "o"][0].to_dense()
    sig = delta @ w_out  # L_h[t] = sum_k W_out[k, j] delta_k[t]
    kappa = float(pops["o"].beta.flat[0])
    grads = []
    for p in net.projections:
        src = x if p.source == "input" else s[p.source]
        if net.delayed(p):
            src = np.concatenate([np.zeros_like(src[:1]), src[:-1]])
        beta = float(pops[p.target].beta.flat[0])
        g = np.zeros((p.n_target, p.n_source))
        for t in range(t_steps):
            for tp in range(t + 1):
                zbar = sum(beta ** (tp - u) * src[u] for u in range(tp + 1))
                if p.target == "o":
                    if tp == t:
                        g += delta[t].T @ zbar
                else:
                    w = kappa ** (t - tp)
                    g += w * np.einsum("bj,bj,bi->ji", sig[t], psi["h"][tp], zbar)
        grads.append(p.dense_to_data(g))
    return grads


def test_multi_step_recurrent_equals_documented_sums() -> None:
    net = small_net(11, recurrent=True)
    rng = np.random.default_rng(12)
    x, y = rng.random((9, 3, 5)), (rng.random((9, 3, 3)) < 0.3).astype(float)
    _, got = EPropLearner(net).gradients(x, y)
    want = ref_eprop(net, x, y)
    assert net.run(x).spikes["h"].sum() > 5  # the recurrent path is exercised
    for g, w in zip(got, want, strict=True):
        assert np.abs(w).max() > 0
        np.testing.assert_allclose(g, w, rtol=1e-9, atol=1e-14)


def test_train_step_applies_the_accumulated_gradient() -> None:
    net = small_net(2, recurrent=True)
    rng = np.random.default_rng(3)
    x, y = rng.random((10, 2, 5)), (rng.random((10, 2, 3)) < 0.3).astype(float)
    learner = EPropLearner(net, optimizer=SGD(0.5))
    before = [d.copy() for d in net.parameters()]
    loss, grads = learner.gradients(x, y)
    assert learner.train_step(x, y) == loss
    for b, g, d in zip(before, grads, net.parameters(), strict=True):
        np.testing.assert_allclose(d, b - 0.5 * g, rtol=1e-12, atol=1e-15)


def test_update_every() -> None:
    rng = np.random.default_rng(5)
    x, y = rng.random((10, 2, 5)), (rng.random((10, 2, 3)) < 0.3).astype(float)
    finals = {}
    for every in (None, 10, 1):
        net = small_net(4, recurrent=True)
        EPropLearner(net, optimizer=SGD(0.5), update_every=every).train_step(x, y)
        finals[every] = np.concatenate(net.parameters())
    np.testing.assert_array_equal(finals[None], finals[10])  # every T steps = once at the end
    assert not np.allclose(finals[None], finals[1])  # online updates change later steps
    with pytest.raises(ValueError, match="update_every"):
        EPropLearner(small_net(0), update_every=0)


def test_predict_equals_network_run() -> None:
    net = small_net(9, recurrent=True)
    x = np.random.default_rng(1).random((15, 3, 5))
    np.testing.assert_array_equal(EPropLearner(net).predict(x), net.run(x).spikes["o"])


# ---------------------------------------------------------------------------
# Learning: a temporal classification task, e-prop vs BPTT
# ---------------------------------------------------------------------------

T, CUE, RESP, N_CLASSES, CH = 30, 8, 18, 2, 4


def cue_task(rng: np.random.Generator, batch: int):
    """Class c: its 4 channels fire (p 0.6) in steps 0-7, noise (p 0.02) elsewhere;
    output c must spike in every step of the response window 18-29, the other stay silent."""
    lab = rng.integers(0, N_CLASSES, batch)
    p = np.full((T, batch, N_CLASSES * CH), 0.02)
    for c in range(N_CLASSES):
        p[:CUE, lab == c, c * CH : (c + 1) * CH] = 0.6
    x = (rng.random(p.shape) < p).astype(float)
    y = np.zeros((T, batch, N_CLASSES))
    y[RESP:, np.arange(batch), lab] = 1.0
    return x, y, lab


def cue_net(seed: int) -> Network:
    rng = np.random.default_rng(seed)
    net = Network(N_CLASSES * CH)
    net.add_population("h", 24, tau=20.0, threshold=1.0)
    net.add_population("o", N_CLASSES, tau=5.0, threshold=1.0)
    net.connect("input", "h", rng=rng, scale=1.0)
    net.connect("h", "h", rng=rng, scale=0.3)
    net.connect("h", "o", rng=rng, scale=0.5)
    return net


def accuracy(spikes: np.ndarray, lab: np.ndarray) -> float:
    counts = spikes[RESP:].sum(0)
    unique = (counts == counts.max(1, keepdims=True)).sum(1) == 1
    return float(np.mean(unique & (counts.argmax(1) == lab)))


def train(kind: str, seed: int, iters: int = 150) -> tuple[float, float, float]:
    net = cue_net(seed)
    learner = EPropLearner(net, lr=0.01) if kind == "eprop" else BPTTLearner(net, lr=0.01)
    xt, yt, lt = cue_task(np.random.default_rng(999), 200)
    init_loss = float(np.mean((learner.predict(xt) - yt) ** 2))
    rng = np.random.default_rng(seed + 100)
    for _ in range(iters):
        x, y, _ = cue_task(rng, 32)
        learner.train_step(x, y)
    out = learner.predict(xt)
    return accuracy(out, lt), float(np.mean((out - yt) ** 2)), init_loss


@pytest.mark.parametrize("seed", [0, 1])
def test_eprop_learns_cue_task_close_to_bptt(seed: int) -> None:
    acc_e, loss_e, init = train("eprop", seed)
    acc_b, loss_b, _ = train("bptt", seed)
    msg = f"seed={seed}: e-prop {acc_e} (loss {loss_e}), BPTT {acc_b} (loss {loss_b}), init {init}"
    assert acc_e >= 0.95 and acc_b >= 0.95, msg
    assert abs(acc_e - acc_b) <= 0.05, msg
    assert loss_e < 0.5 * init, msg


# ---------------------------------------------------------------------------
# Errors and the docs example
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "word"),
    [
        ({"tau_e": 0.0}, "tau_e"),
        ({"tau_e": -1.0}, "tau_e"),
        ({"tau_e": 1.0, "dt": 0}, "dt"),
        ({"tau_e": 1.0, "tau_out": -2.0}, "tau_out"),
    ],
)
def test_trace_bad_time_constants(kwargs: dict, word: str) -> None:
    with pytest.raises(ValueError, match=word):
        EligibilityTrace(**kwargs)


def test_trace_bad_shapes() -> None:
    tr = EligibilityTrace(5.0)
    with pytest.raises(ValueError, match="post .* and error"):
        tr.update(np.ones(3), np.ones(2), np.ones(4))
    with pytest.raises(ValueError, match="pre must have shape"):
        tr.update(np.ones(0), np.ones(2), np.ones(2))
    with pytest.raises(ValueError, match="batch"):
        tr.update(np.ones((2, 3)), np.ones((3, 2)), np.ones((3, 2)))
    tr.update(np.ones(3), np.ones(2), np.ones(2))
    with pytest.raises(ValueError, match="reset"):
        tr.update(np.ones(4), np.ones(2), np.ones(2))


def test_learner_errors() -> None:
    with pytest.raises(TypeError, match="network"):
        EPropLearner("net")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="float mode"):
        n = Network(2, mode="int")
        n.add_population("a", 2)
        n.connect("input", "a")
        EPropLearner(n)
    net = small_net(0)
    with pytest.raises(ValueError, match="feedback"):
        EPropLearner(net, feedback="bogus")
    learner = EPropLearner(net)
    with pytest.raises(ValueError, match="targets"):
        learner.gradients(np.zeros((4, 5)), np.zeros((3, 3)))
    with pytest.raises(ValueError, match="inputs"):
        learner.gradients(np.zeros((4, 6)), np.zeros((4, 3)))
    z = Network(2)
    z.add_population("h", 3, reset="zero")
    z.add_population("o", 2)
    z.connect("input", "h")
    z.connect("h", "o")
    with pytest.raises(ValueError, match="reset"):
        EPropLearner(z)
    nf = Network(2)
    nf.add_population("h", 3)
    nf.add_population("o", 2)
    nf.connect("input", "h")
    nf.connect("input", "o")
    with pytest.raises(ValueError, match="symmetric feedback"):
        EPropLearner(nf)
    EPropLearner(nf, feedback="random", rng=0)  # fine without a readout path


def test_doc_example_runs() -> None:
    ns: dict = {}
    exec(compile(doc_example("EligibilityTrace"), str(DOC), "exec"), ns)
    assert ns["acc"] >= 0.9
