"""sc_model.learning.ewc: elastic weight consolidation.

The Fisher is checked against a direct per-sample computation: central
finite differences of each sample's own loss (smooth sigmoid spike, so the
loss is differentiable), squared and averaged; it differs from the square of
the mean gradient (it is per sample). The penalty gradient is
``lam F (w - w*)`` (formula and finite differences of the penalty value), one
``apply_ewc_penalty`` step contracts ``w - w*`` by ``1 - step lam F``. On two
sequential classification tasks (6 random rate patterns each, 4 classes, one
16 -> 4 LIF layer), training the second task with EWC forgets less than half
of what plain training forgets (increase of task A's loss), for 3 seeds, while
task B is learned as well; with a negligible lambda EWC forgets like plain
training (the control).
"""

from __future__ import annotations

import copy

import numpy as np
import pytest

from sc_model.learning.bptt import BPTTLearner
from sc_model.learning.ewc import EWCLearner
from sc_model.learning.losses import CrossEntropy
from sc_model.learning.network import INPUT, Network
from sc_model.learning.surrogate import SmoothSigmoid

T = 20


def tiny(seed: int) -> Network:
    rng = np.random.default_rng(seed)
    net = Network(3)
    net.add_population("o", 2, tau=4.0, threshold=0.6)
    net.connect(INPUT, "o", rng.normal(0.3, 0.4, (2, 3)), mask=np.ones((2, 3), dtype=bool))
    return net


@pytest.mark.parametrize("labels", [True, False])
def test_fisher_equals_mean_squared_per_sample_finite_differences(labels: bool) -> None:
    rng = np.random.default_rng(21)
    sur = SmoothSigmoid(3.0)
    x = rng.uniform(0, 1, (6, 5, 3))
    if labels:
        loss, tg = CrossEntropy(0.7), rng.integers(0, 2, 5)
    else:
        loss, tg = "mse", rng.uniform(0, 1, (6, 5, 2))
    ewc = EWCLearner(tiny(2), 1.0, loss_fn=loss, surrogate=sur)
    fisher = ewc.fisher(x, tg)[0]
    # direct: each sample's own loss, central differences per weight
    h = 1e-6
    per = np.empty((5, 6))
    for b in range(5):
        tb = tg[b : b + 1] if labels else tg[:, b : b + 1]
        for k in range(6):
            vals = []
            for sgn in (1, -1):
                net = tiny(2)
                net.parameters()[0][k] += sgn * h
                vals.append(BPTTLearner(net, loss, surrogate=sur).gradients(x[:, b : b + 1], tb)[0])
            per[b, k] = (vals[0] - vals[1]) / (2 * h)
    np.testing.assert_allclose(fisher, np.mean(per**2, axis=0), rtol=1e-5, atol=1e-12)
    assert not np.allclose(fisher, np.mean(per, axis=0) ** 2, rtol=0.05)


def test_penalty_gradient_is_lambda_f_times_displacement() -> None:
    rng = np.random.default_rng(4)
    x, tg = rng.uniform(0, 1, (6, 8, 3)), rng.integers(0, 2, 8)
    net = tiny(3)
    ewc = EWCLearner(net, 2.5, loss_fn=CrossEntropy(0.5), surrogate=SmoothSigmoid(3.0))
    assert ewc.penalty() == 0.0
    f = ewc.consolidate_task(x, tg)[0]
    anchor = net.parameters()[0].copy()
    assert ewc.penalty() == 0.0 and np.all(f > 0)
    net.parameters()[0][:] += rng.normal(0, 0.3, 6)
    d = net.parameters()[0] - anchor
    np.testing.assert_allclose(ewc.penalty_gradients()[0], 2.5 * f * d, rtol=1e-12)
    assert ewc.penalty() == pytest.approx(0.5 * 2.5 * np.sum(f * d * d), rel=1e-12)
    h = 1e-5
    fd = np.empty(6)
    for k in range(6):
        vals = []
        for sgn in (1, -1):
            net.parameters()[0][k] += sgn * h
            vals.append(ewc.penalty())
            net.parameters()[0][k] -= sgn * h
        fd[k] = (vals[0] - vals[1]) / (2 * h)
    np.testing.assert_allclose(ewc.penalty_gradients()[0], fd, rtol=1e-6, atol=1e-12)
    # one plain step of the penalty alone contracts w - w* by (1 - step lam F)
    step = 0.1 / (2.5 * f.max())
    ewc.apply_ewc_penalty(step)
    np.testing.assert_allclose(net.parameters()[0] - anchor, (1 - step * 2.5 * f) * d, rtol=1e-10)
    # a second task adds a second term
    f2 = ewc.consolidate_task(x[:, :4], tg[:4])[0]
    a2 = net.parameters()[0].copy()
    net.parameters()[0][:] += 0.1
    expected = 2.5 * (f * (net.parameters()[0] - anchor) + f2 * (net.parameters()[0] - a2))
    np.testing.assert_allclose(ewc.penalty_gradients()[0], expected, rtol=1e-12)


def two_tasks(seed: int) -> tuple[Network, tuple, tuple]:
    """A 16 -> 4 LIF layer and two tasks of 6 random rate patterns with random class labels."""
    rng = np.random.default_rng(seed)

    def task() -> tuple[np.ndarray, np.ndarray]:
        patterns = (rng.random((6, 16)) < 0.3) * rng.uniform(0.5, 1, (6, 16))
        return np.broadcast_to(patterns, (T, 6, 16)), rng.integers(0, 4, 6)

    a, b = task(), task()
    net = Network(16)
    net.add_population("out", 4, tau=10.0, threshold=1.0)
    net.connect(INPUT, "out", rng.normal(0, 0.3, (4, 16)), mask=np.ones((4, 16), dtype=bool))
    return net, a, b


def forgetting(seed: int, lam: float) -> tuple[float, float, float, float]:
    """(forgetting with EWC, plain forgetting, B loss with EWC, plain B loss) after 300 steps."""
    net, a, b = two_tasks(seed)
    ce = CrossEntropy(0.3)
    first = BPTTLearner(net, ce, lr=0.02)
    for _ in range(60):
        first.train_step(*a)
    loss_a = first.gradients(*a)[0]
    plain_net = copy.deepcopy(net)
    ewc = EWCLearner(net, lam, loss_fn=ce, lr=0.02)
    ewc.consolidate_task(*a)
    plain = BPTTLearner(plain_net, ce, lr=0.02)
    for _ in range(300):
        ewc.train_step(*b)
        plain.train_step(*b)
    return (
        ewc.learner.gradients(*a)[0] - loss_a,
        plain.gradients(*a)[0] - loss_a,
        ewc.learner.gradients(*b)[0],
        plain.gradients(*b)[0],
    )


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_ewc_forgets_less_than_plain_training(seed: int) -> None:
    f_ewc, f_plain, b_ewc, b_plain = forgetting(seed, 1e5)
    info = f"seed={seed}: forgetting EWC {f_ewc:.3f} plain {f_plain:.3f}; " \
           f"task B loss EWC {b_ewc:.3f} plain {b_plain:.3f}"
    assert f_plain > 0.5, info  # the tasks interfere
    assert f_ewc < 0.5 * f_plain, info
    assert b_ewc < max(0.3, 2 * b_plain), info  # B still learned (chance: log 4 = 1.39)


def test_negligible_lambda_forgets_like_plain_training() -> None:
    f_ewc, f_plain, _, _ = forgetting(1, 1e-9)
    assert f_ewc == pytest.approx(f_plain, rel=1e-6), (f_ewc, f_plain)


def test_errors_name_the_argument() -> None:
    net = tiny(0)
    with pytest.raises(ValueError, match="lam must be > 0"):
        EWCLearner(net, 0.0)
    ewc = EWCLearner(net, 1.0, loss_fn="ce")
    x = np.zeros((4, 3, 3))
    with pytest.raises(ValueError, match=r"targets as class labels must have shape \(batch,\)"):
        ewc.consolidate_task(x, np.array([0, 1]))
    with pytest.raises(ValueError, match=r"inputs must have shape \(T, 3\)"):
        ewc.fisher(np.zeros((4, 3, 2)), np.array([0, 1, 0]))
    with pytest.raises(ValueError, match="targets must have batch 3"):
        EWCLearner(net, 1.0).fisher(x, np.zeros((4, 2, 2)))
    with pytest.raises(ValueError, match="step_size must be > 0"):
        ewc.apply_ewc_penalty(-1.0)


def test_docs_ewclearner_example_runs() -> None:
    """The '## EWCLearner' block of docs/learning_meta_ewc_hardware.md runs."""
    import re
    from pathlib import Path

    doc = Path(__file__).resolve().parents[2] / "docs" / "learning_meta_ewc_hardware.md"
    section = doc.read_text().split("## EWCLearner\n", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", section, flags=re.S)
    assert len(blocks) == 1
    exec(compile(blocks[0], f"{doc}:EWCLearner", "exec"), {"__name__": "doc_example"})
