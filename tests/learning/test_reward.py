"""sc_model.learning.reward: R-STDP on network spikes, float closed forms, hardware equality.

Expected values: float mode from an explicit sum over spike pairs (written from
the docstring); integer mode from sc_model.rstdp.rstdp_run (the hardware unit's
vectorised model) on the recorded spike bits; behaviour from a two-choice task.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from sc_model import rstdp
from sc_model.learning import Network
from sc_model.learning.reward import RewardModulatedLearner

DOC = Path(__file__).resolve().parents[2] / "docs" / "learning_paradigms.md"


def doc_example(title: str) -> str:
    """The python block of the docs section whose heading starts with ``title``."""
    sections = re.split(r"^## ", DOC.read_text(), flags=re.M)
    (body,) = [s for s in sections if s.startswith(title)]
    (code,) = re.findall(r"```python\n(.*?)```", body, flags=re.S)
    return code


# ---------------------------------------------------------------------------
# Float mode: closed form of the eligibility and of the reward update
# ---------------------------------------------------------------------------


def ref_eligibility(pre, post, de, dp, dm, a_plus, a_minus):
    """e[T-1] by explicit pair sums: pre (T, n_pre), post (T, n_post)."""
    t_steps = pre.shape[0]
    e = np.zeros((post.shape[1], pre.shape[1]))
    for t in range(t_steps):
        for tp in range(t):
            e += de ** (t_steps - 1 - t) * (
                a_plus * dp ** (t - 1 - tp) * np.outer(post[t], pre[tp])
                - a_minus * dm ** (t - 1 - tp) * np.outer(post[tp], pre[t])
            )
    return e


def float_net(seed: int, n_in: int = 6, n_out: int = 3) -> Network:
    rng = np.random.default_rng(seed)
    net = Network(n_in)
    net.add_population("out", n_out, tau=5.0, threshold=1.0)
    net.connect("input", "out", rng.uniform(0.2, 0.9, (n_out, n_in)))
    net.connect("out", "out", -0.5 * (1 - np.eye(n_out)))
    return net


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_float_eligibility_and_update_closed_form(seed: int) -> None:
    rng = np.random.default_rng(seed)
    net = float_net(seed)
    taus = rng.uniform(3, 30, 3)
    a_plus, a_minus = rng.uniform(0.2, 2, 2)
    lr = rng.uniform(0.002, 0.01)  # small: the weights stay in the firing regime
    learner = RewardModulatedLearner(
        net,
        tau_reward=4.0,
        lr=lr,
        projections=[0],
        tau_plus=taus[0],
        tau_minus=taus[1],
        tau_e=taus[2],
        a_plus=a_plus,
        a_minus=a_minus,
    )
    rewards, rbar = [1.0, -0.5, 2.0], 0.0
    for r in rewards:
        learner.reset_traces()
        x = (rng.random((40, 6)) < 0.3).astype(float)
        post = learner.run(x)["out"]
        assert post.sum() > 5, f"seed={seed}: too few spikes for a meaningful test"
        e = ref_eligibility(x, post, *np.exp(-1 / taus[[2, 0, 1]]), a_plus, a_minus)
        np.testing.assert_allclose(learner.e[0][0], e, rtol=1e-10, atol=1e-12)
        before = net.projections[0].data.copy()
        dw = learner.step(r)[0]
        np.testing.assert_allclose(dw, lr * (r - rbar) * e.ravel(), rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(net.projections[0].data, before + dw)
        rbar += (1 - np.exp(-1 / 4.0)) * (r - rbar)
        assert learner.r_bar == pytest.approx(rbar)
    assert learner.rewards == rewards


def test_driven_by_spikes_not_by_voltage() -> None:
    """A target that never crosses threshold learns nothing, however high its membrane."""
    net = Network(4)
    net.add_population("out", 2, tau=20.0, threshold=1e6)
    net.connect("input", "out", np.full((2, 4), 50.0))
    learner = RewardModulatedLearner(net, tau_reward=5.0, lr=1.0, a_minus=0.0)
    x = (np.random.default_rng(0).random((50, 4)) < 0.5).astype(float)
    learner.run(x)
    assert net.populations["out"].v.max() > 100  # a high membrane, no spike
    dw = learner.step(1.0)[0]
    assert not dw.any()


def test_batch_rewards_and_weight_bounds() -> None:
    net = float_net(4)
    learner = RewardModulatedLearner(net, 3.0, lr=5.0, projections=[0], w_min=0.0, w_max=1.0)
    x = (np.random.default_rng(1).random((30, 4, 6)) < 0.4).astype(float)
    learner.run(x)
    e = learner.e[0].copy()
    before = net.projections[0].data.copy()
    r = np.array([1.0, -1.0, 0.5, 0.0])
    learner.step(r)
    want = np.clip(before + 5.0 * np.einsum("b,bji->ji", r, e).ravel(), 0.0, 1.0)
    np.testing.assert_allclose(net.projections[0].data, want)
    assert learner.r_bar == pytest.approx((1 - np.exp(-1 / 3)) * r.mean())


# ---------------------------------------------------------------------------
# Integer mode: equal to the hardware unit's model
# ---------------------------------------------------------------------------

RPARAMS = dict(
    weight_width=8,
    a_plus=5,
    a_minus=3,
    update_shift=2,
    rounding="stochastic",
    seed=77,
    elig_width=12,
    elig_decay_shift=3,
    reward_width=8,
    reward_shift=4,
)


def int_net(seed: int) -> Network:
    rng = np.random.default_rng(seed)
    net = Network(10, mode="int")
    net.add_population("out", 3, v_width=12, threshold=150, leak_mode="shift", leak_shift=3)
    net.connect("input", "out", rng.integers(0, 80, (3, 10)))
    net.connect("out", "out", -60 * (1 - np.eye(3, dtype=np.int64)))
    return net


@pytest.mark.parametrize(
    ("seed", "delay", "baseline"), [(0, 0, False), (1, 3, False), (2, 0, True)]
)
def test_integer_mode_equals_rstdp_run(seed: int, delay: int, baseline: bool) -> None:
    rng = np.random.default_rng(seed)
    net = int_net(seed)
    learner = RewardModulatedLearner(
        net,
        tau_reward=3.0,
        projections=[0],
        baseline=baseline,
        rstdp_params={**RPARAMS, "reward_delay": delay},
    )
    w0 = net.projections[0].to_dense()
    pre, post, rew, stb = [], [], [], []
    rbar = 0.0
    for _ in range(6):
        x = (rng.random((25, 10)) < 0.35).astype(np.int64)
        s = learner.run(x)["out"]
        pre.append(x)
        post.append(s)
        r = int(rng.integers(-60, 61))
        applied = r - (round(rbar) if baseline else 0)
        rbar += (1 - np.exp(-1 / 3.0)) * (r - rbar)
        learner.step(np.int64(r))
        pre.append(np.zeros((1, 10), np.int64))
        post.append(np.zeros((1, 3), np.int64))
        rew += [0] * 25 + [applied]
        stb += [0] * 25 + [1]
    assert learner.applied == [float(v) for v in np.array(rew)[np.array(stb) == 1]]
    pre_a, post_a = np.concatenate(pre), np.concatenate(post)
    assert post_a.sum() > 10, f"seed={seed}: too few spikes"
    # one more, disabled cycle shows the registers after the last edge
    pre_a = np.concatenate([pre_a, np.zeros((1, 10), np.int64)])
    post_a = np.concatenate([post_a, np.zeros((1, 3), np.int64)])
    en = np.ones(len(pre_a), np.uint8)
    en[-1] = 0
    p = rstdp.check_rstdp_params(
        n_pre=10, n_post=3, weights=w0.tolist(), reward_delay=delay, **RPARAMS
    )
    want = rstdp.rstdp_run(
        p,
        pre_a.astype(np.uint8),
        post_a.astype(np.uint8),
        np.array(rew + [0]),
        np.array(stb + [0], np.uint8),
        en,
    )
    assert not np.array_equal(want.weights[-1], w0), "weights never changed: weak test"
    np.testing.assert_array_equal(net.projections[0].to_dense(), want.weights[-1])
    np.testing.assert_array_equal(learner.units[0].eligibility, want.eligibility[-1])


# ---------------------------------------------------------------------------
# Behaviour: a two-choice task
# ---------------------------------------------------------------------------


def two_choice(seed: int, trials: int = 200) -> list[bool]:
    """Stimulus A (inputs 0-7) -> choose neuron 0, B (8-15) -> neuron 1; inputs 16-19 are
    noise for both (exploration). Choice: the neuron with more spikes (tie: random).
    Reward +1 when right, -1 when wrong."""
    rng = np.random.default_rng(seed)
    net = Network(20)
    net.add_population("out", 2, tau=10.0, threshold=1.0)
    net.connect("input", "out", rng.uniform(0.1, 0.4, (2, 20)))
    net.connect("out", "out", np.array([[0.0, -3.0], [-3.0, 0.0]]))  # mutual inhibition
    learner = RewardModulatedLearner(
        net,
        tau_reward=10.0,
        lr=0.01,
        projections=[0],
        tau_plus=10.0,
        tau_minus=10.0,
        tau_e=20.0,
        a_minus=0.5,
        w_min=0.0,
        w_max=2.0,
    )
    correct = []
    for _ in range(trials):
        c = int(rng.integers(0, 2))
        p = np.full((30, 20), 0.02)
        p[:, c * 8 : (c + 1) * 8] = 0.25
        p[:, 16:] = 0.3
        s = learner.run((rng.random(p.shape) < p).astype(float))["out"].sum(0)
        choice = int(np.argmax(s)) if s[0] != s[1] else int(rng.integers(0, 2))
        correct.append(choice == c)
        learner.step(1.0 if choice == c else -1.0)
    assert len(learner.rewards) == trials  # the learning curve is recorded
    return correct


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_two_choice_task_learned(seed: int) -> None:
    correct = two_choice(seed)
    first, last = np.mean(correct[:20]), np.mean(correct[-50:])
    assert last >= 0.9, f"seed={seed}: last 50 trials {last:.2f} correct (first 20: {first:.2f})"
    assert first < last, f"seed={seed}: no improvement ({first:.2f} -> {last:.2f})"


def two_choice_int(seed: int, trials: int = 200) -> list[bool]:
    """The same task on the integer network with the hardware R-STDP unit (rewards +-32)."""
    rng = np.random.default_rng(seed)
    net = Network(20, mode="int")
    net.add_population("out", 2, v_width=12, threshold=100, leak_mode="shift", leak_shift=3)
    net.connect("input", "out", rng.integers(10, 40, (2, 20)))
    net.connect("out", "out", np.array([[0, -300], [-300, 0]]))
    learner = RewardModulatedLearner(
        net,
        tau_reward=10.0,
        projections=[0],
        rstdp_params=dict(
            weight_width=8,
            a_plus=4,
            a_minus=2,
            update_shift=3,
            elig_width=14,
            elig_decay_shift=4,
            reward_width=8,
            reward_shift=10,
        ),
    )
    correct = []
    for _ in range(trials):
        c = int(rng.integers(0, 2))
        p = np.full((30, 20), 0.02)
        p[:, c * 8 : (c + 1) * 8] = 0.25
        p[:, 16:] = 0.3
        s = learner.run((rng.random(p.shape) < p).astype(np.int64))["out"].sum(0)
        choice = int(np.argmax(s)) if s[0] != s[1] else int(rng.integers(0, 2))
        correct.append(choice == c)
        learner.step(np.int64(32 if choice == c else -32))
    return correct


@pytest.mark.parametrize("seed", [0, 2])
def test_two_choice_task_learned_in_integer_mode(seed: int) -> None:
    correct = two_choice_int(seed)
    first, last = np.mean(correct[:20]), np.mean(correct[-50:])
    assert last >= 0.9, f"seed={seed}: last 50 trials {last:.2f} correct (first 20: {first:.2f})"
    assert first < last, f"seed={seed}: no improvement ({first:.2f} -> {last:.2f})"


# ---------------------------------------------------------------------------
# Errors and the docs example
# ---------------------------------------------------------------------------


def test_errors() -> None:
    net = float_net(0)
    for kw, word in [
        ({"tau_reward": 0.0}, "tau_reward"),
        ({"tau_reward": -1.0}, "tau_reward"),
        ({"tau_reward": 1.0, "tau_e": 0.0}, "tau_e"),
        ({"tau_reward": 1.0, "tau_plus": -3.0}, "tau_plus"),
        ({"tau_reward": 1.0, "dt": 0.0}, "dt"),
        ({"tau_reward": 1.0, "a_plus": -1.0}, "a_plus"),
        ({"tau_reward": 1.0, "projections": [5]}, "projections"),
        ({"tau_reward": 1.0, "w_min": 1.0, "w_max": 0.0}, "w_min"),
        ({"tau_reward": 1.0, "rstdp_params": {"a_plus": 1}}, "integer-mode"),
    ]:
        with pytest.raises(ValueError, match=word):
            RewardModulatedLearner(net, **kw)
    learner = RewardModulatedLearner(net, 2.0)
    learner.run(np.zeros((5, 3, 6)))
    with pytest.raises(ValueError, match="batch"):
        learner.step(np.ones(2))
    with pytest.raises(ValueError, match="inputs"):
        learner.run(np.zeros((5, 7)))
    inet = int_net(0)
    with pytest.raises(ValueError, match="n_pre"):
        RewardModulatedLearner(inet, 2.0, rstdp_params={"n_pre": 3})
    with pytest.raises(ValueError, match=r"\[w_min, w_max\]"):  # inhibitory weights < w_min = 0
        RewardModulatedLearner(inet, 2.0)
    il = RewardModulatedLearner(inet, 2.0, projections=[0])
    with pytest.raises(ValueError, match="batch 1"):
        il.run(np.zeros((3, 2, 10), np.int64))
    with pytest.raises(TypeError, match="integer"):
        il.step(0.5)


def test_doc_example_runs() -> None:
    ns: dict = {}
    exec(compile(doc_example("RewardModulatedLearner"), "docs", "exec"), ns)
    assert ns["last"] >= 0.9
