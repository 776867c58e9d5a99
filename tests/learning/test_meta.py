"""sc_model.learning.meta: first-order MAML (MetaLearner) and Reptile.

The update rules are checked against their definitions composed by hand
from BPTT gradients (BPTTLearner.gradients, itself checked against finite
differences in test_bptt.py) on an independent copy of the network: the
FOMAML meta-gradient is the query gradient *at the adapted weights* (and
differs from the one at theta), Reptile moves theta by outer_lr times the
mean adaptation. Learning: after meta-training on a family of spike-count
regression tasks (target count of one neuron as a function of a scalar,
``T (0.5 + 0.3 sin(pi x) + A sin(pi x + phase))``, A and phase per task),
three adaptation steps on 10 support points from the meta-trained start
reach less than half the query loss of three steps from the start it was
meta-trained from, averaged over 10 held-out tasks, for 3 seeds and both
methods.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest

from sc_model.learning.bptt import BPTTLearner
from sc_model.learning.meta import MetaLearner, Reptile
from sc_model.learning.network import INPUT, Network
from sc_model.learning.surrogate import SmoothSigmoid

T = 20
CENTRES = np.linspace(-1.0, 1.0, 12)


def features(x: np.ndarray) -> np.ndarray:
    """12 Gaussian bumps of width 0.15 on [-1, 1] and a constant 1: ``(n, 13)``."""
    f = np.exp(-((x[:, None] - CENTRES) ** 2) / (2 * 0.15**2))
    return np.concatenate([f, np.ones((len(x), 1))], axis=1)


def sine_task(rng: np.random.Generator, n_support: int = 10, n_query: int = 20) -> tuple:
    """One task of the family (module docstring); inputs held for T steps, count targets."""
    phase, amp = rng.uniform(0, 2 * np.pi), rng.uniform(0.05, 0.2)

    def sample(n: int) -> tuple[np.ndarray, np.ndarray]:
        x = rng.uniform(-1, 1, n)
        count = T * (0.5 + 0.3 * np.sin(np.pi * x) + amp * np.sin(np.pi * x + phase))
        inputs = np.broadcast_to(features(x), (T, n, 13))
        return inputs, np.broadcast_to((count / T)[None, :, None], (T, n, 1))

    return (*sample(n_support), *sample(n_query))


def start_network(seed: int) -> Network:
    """13 -> 1 LIF (tau 5, threshold 1); weights N(0, 0.1), bias weight 0.4 (fires ~8 of 20)."""
    rng = np.random.default_rng(seed)
    net = Network(13)
    net.add_population("out", 1, tau=5.0, threshold=1.0)
    w = rng.normal(0, 0.1, (1, 13))
    w[0, -1] = 0.4
    net.connect(INPUT, "out", w, mask=np.ones((1, 13), dtype=bool))
    return net


def small_task(rng: np.random.Generator, n_in: int = 4, n_out: int = 2) -> tuple:
    """Random float inputs and MSE spike-pattern targets, support batch 3, query batch 5."""
    return (
        rng.uniform(0, 1, (8, 3, n_in)),
        (rng.random((8, 3, n_out)) < 0.4).astype(float),
        rng.uniform(0, 1, (8, 5, n_in)),
        (rng.random((8, 5, n_out)) < 0.4).astype(float),
    )


def small_network(seed: int) -> Network:
    rng = np.random.default_rng(seed)
    net = Network(4)
    net.add_population("h", 5, tau=4.0, threshold=0.8)
    net.add_population("o", 2, tau=4.0, threshold=0.8)
    net.connect(INPUT, "h", rng=rng)
    net.connect("h", "o", rng=rng)
    return net


def sgd_adapt(net: Network, task: tuple, lr: float, n: int, surrogate) -> None:
    """Reference inner loop, written out: n plain SGD steps on the support set (in place)."""
    ref = BPTTLearner(net, "mse", lr, "sgd", surrogate)
    for _ in range(n):
        _, grads = ref.gradients(task[0], task[1])
        for p, g in zip(net.parameters(), grads, strict=True):
            p -= lr * g


@pytest.mark.parametrize("n_steps", [0, 1, 3])
def test_fomaml_gradient_is_query_gradient_at_adapted_weights(n_steps: int) -> None:
    rng = np.random.default_rng(5)
    sur = SmoothSigmoid(4.0)
    tasks = [small_task(rng) for _ in range(3)]
    net = small_network(1)
    theta = [p.copy() for p in net.parameters()]
    ml = MetaLearner(net, inner_lr=0.5, outer_lr=0.1, n_steps=n_steps, surrogate=sur)
    expected = [np.zeros_like(p) for p in theta]
    at_theta = [np.zeros_like(p) for p in theta]
    losses = []
    for task in tasks:
        ref = copy.deepcopy(small_network(1))
        sgd_adapt(ref, task, 0.5, n_steps, sur)
        loss, g = BPTTLearner(ref, "mse", 1.0, "sgd", sur).gradients(task[2], task[3])
        losses.append(loss)
        _, g0 = BPTTLearner(small_network(1), "mse", 1.0, "sgd", sur).gradients(task[2], task[3])
        for e, a, gi, g0i in zip(expected, at_theta, g, g0, strict=True):
            e += gi / len(tasks)
            a += g0i / len(tasks)
    loss = ml.outer_step(tasks)
    assert loss == pytest.approx(np.mean(losses), rel=1e-12)
    for p, t, e, a in zip(net.parameters(), theta, expected, at_theta, strict=True):
        np.testing.assert_allclose(p, t - 0.1 * e, rtol=1e-10, atol=1e-13)
        if n_steps:
            assert not np.allclose(e, a, rtol=1e-3), "gradient must be taken at the adapted weights"


def test_reptile_moves_theta_by_the_mean_adaptation() -> None:
    rng = np.random.default_rng(8)
    sur = SmoothSigmoid(4.0)
    tasks = [small_task(rng) for _ in range(2)]
    net = small_network(2)
    theta = [p.copy() for p in net.parameters()]
    Reptile(net, inner_lr=0.3, outer_lr=0.25, n_steps=2, surrogate=sur).outer_step(tasks)
    shift = [np.zeros_like(p) for p in theta]
    for task in tasks:
        ref = small_network(2)
        sgd_adapt(ref, task, 0.3, 2, sur)
        for s, p, t in zip(shift, ref.parameters(), theta, strict=True):
            s += (p - t) / 2
    for p, t, s in zip(net.parameters(), theta, shift, strict=True):
        np.testing.assert_allclose(p, t + 0.25 * s, rtol=1e-10, atol=1e-13)


def test_reptile_one_step_one_task_closed_form() -> None:
    """n_steps = 1, one task: theta - outer_lr * inner_lr * grad L_support(theta)."""
    rng = np.random.default_rng(3)
    task = small_task(rng)
    net = small_network(4)
    theta = [p.copy() for p in net.parameters()]
    _, g = BPTTLearner(small_network(4), "mse").gradients(task[0], task[1])
    Reptile(net, inner_lr=0.2, outer_lr=0.5, n_steps=1).outer_step([task])
    for p, t, gi in zip(net.parameters(), theta, g, strict=True):
        np.testing.assert_allclose(p, t - 0.5 * 0.2 * gi, rtol=1e-10, atol=1e-14)


def test_inner_loop_restores_theta_and_adapt_keeps_phi() -> None:
    rng = np.random.default_rng(4)
    task = small_task(rng)
    net = small_network(6)
    theta = [p.copy() for p in net.parameters()]
    ml = MetaLearner(net, 0.5, 0.1)
    phi = ml.inner_loop(task, 2)
    for p, t in zip(net.parameters(), theta, strict=True):
        np.testing.assert_array_equal(p, t)
    ref = small_network(6)
    sgd_adapt(ref, task, 0.5, 2, None)
    for a, b in zip(phi, ref.parameters(), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12)
    assert ml.query_loss(task, phi) == pytest.approx(
        BPTTLearner(ref, "mse").gradients(task[2], task[3])[0], rel=1e-12
    )
    back = ml.adapt(task, 2)
    for p, a, t, b in zip(net.parameters(), phi, theta, back, strict=True):
        np.testing.assert_array_equal(p, a)
        np.testing.assert_array_equal(b, t)


def _meta_train(cls: type, seed: int) -> tuple[float, float, float]:
    """(meta start, 3 steps), (meta start, 0 steps), (plain start, 3 steps): mean query losses."""
    rng = np.random.default_rng(seed)
    net = start_network(seed)
    if cls is MetaLearner:
        ml: MetaLearner = MetaLearner(net, 0.003, 0.003, loss_fn="count", n_steps=3)
    else:
        ml = Reptile(net, 0.003, 0.5, loss_fn="count", n_steps=5)
    for _ in range(120):
        ml.outer_step([sine_task(rng) for _ in range(5)])
    held_out = [sine_task(np.random.default_rng(1000 + seed + i)) for i in range(10)]
    base = MetaLearner(start_network(seed), 0.003, 0.003, loss_fn="count")
    meta3 = np.mean([ml.query_loss(t, ml.inner_loop(t, 3)) for t in held_out])
    meta0 = np.mean([ml.query_loss(t) for t in held_out])
    base3 = np.mean([base.query_loss(t, base.inner_loop(t, 3)) for t in held_out])
    return float(meta3), float(meta0), float(base3)


@pytest.mark.parametrize("cls", [MetaLearner, Reptile])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_meta_trained_start_adapts_better_than_plain_start(cls: type, seed: int) -> None:
    meta3, meta0, base3 = _meta_train(cls, seed)
    info = f"{cls.__name__} seed={seed}: meta 3 steps {meta3:.3f}, 0 steps {meta0:.3f}, " \
           f"plain start 3 steps {base3:.3f}"
    assert meta3 < 0.5 * base3, info
    assert meta3 < meta0, info  # the adaptation itself helps


def test_errors_name_the_argument() -> None:
    net = small_network(0)
    ml = MetaLearner(net, 0.1, 0.1)
    rng = np.random.default_rng(0)
    good = small_task(rng)
    with pytest.raises(ValueError, match="tasks must hold at least one task"):
        ml.outer_step([])
    with pytest.raises(ValueError, match="tasks must hold at least one task"):
        Reptile(net, 0.1, 0.1).outer_step([])
    with pytest.raises(ValueError, match=r"tasks\[1\] must be a 4-tuple"):
        ml.outer_step([good, good[:3]])
    bad_q = (good[0], good[1], rng.uniform(0, 1, (8, 5, 3)), good[3])
    with pytest.raises(ValueError, match=r"tasks\[0\] query_inputs must have shape \(T, 4\)"):
        ml.outer_step([bad_q])
    bad_t = (good[0], good[1][:, :, :1], good[2], good[3])
    with pytest.raises(ValueError, match=r"tasks\[0\] support: targets must have shape"):
        ml.outer_step([bad_t])
    with pytest.raises(ValueError, match=r"n_steps must be in \[0, inf\], not -1"):
        ml.inner_loop(good, -1)
    with pytest.raises(ValueError, match=r"n_steps must be in \[1, inf\], not 0"):
        Reptile(net, 0.1, 0.1, n_steps=0)
    with pytest.raises(ValueError, match="inner_lr must be > 0"):
        MetaLearner(net, 0.0, 0.1)
    with pytest.raises(TypeError, match="tasks must be a list"):
        ml.outer_step(None)


def test_docs_metalearner_example_runs() -> None:
    """The '## MetaLearner' block of docs/learning_meta_ewc_hardware.md runs."""
    import re
    from pathlib import Path

    doc = Path(__file__).resolve().parents[2] / "docs" / "learning_meta_ewc_hardware.md"
    section = doc.read_text().split("## MetaLearner\n", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", section, flags=re.S)
    assert len(blocks) == 1
    exec(compile(blocks[0], f"{doc}:MetaLearner", "exec"), {"__name__": "doc_example"})


def test_docs_reptile_example_runs() -> None:
    """The '## Reptile' block of docs/learning_meta_ewc_hardware.md runs."""
    import re
    from pathlib import Path

    doc = Path(__file__).resolve().parents[2] / "docs" / "learning_meta_ewc_hardware.md"
    section = doc.read_text().split("## Reptile\n", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", section, flags=re.S)
    assert len(blocks) == 1
    exec(compile(blocks[0], f"{doc}:Reptile", "exec"), {"__name__": "doc_example"})
