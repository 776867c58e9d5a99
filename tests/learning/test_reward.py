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

from sc_model import _kernels, rstdp
from sc_model.learning import Network, _reward_compiled
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
    ("seed", "delay", "baseline", "rounding"),
    [
        (0, 0, False, "stochastic"),
        (1, 3, False, "stochastic"),
        (2, 0, True, "stochastic"),
        (3, 0, False, "floor"),  # floor, no delay: the compiled trial (_reward_compiled)
        (4, 0, True, "floor"),
    ],
)
def test_integer_mode_equals_rstdp_run(seed: int, delay: int, baseline: bool, rounding) -> None:
    rng = np.random.default_rng(seed)
    net = int_net(seed)
    rparams = {**RPARAMS, "reward_delay": delay, "rounding": rounding}
    if rounding == "floor":
        del rparams["seed"]  # floor rounding has no LFSR
    learner = RewardModulatedLearner(
        net, tau_reward=3.0, projections=[0], baseline=baseline, rstdp_params=rparams
    )
    assert _reward_compiled.supported(learner.units, learner.plastic) == (
        rounding == "floor" and _kernels.enabled()
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
    p = rstdp.check_rstdp_params(n_pre=10, n_post=3, weights=w0.tolist(), **rparams)
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
    np.testing.assert_array_equal(learner.e[0][0], want.eligibility[-1])  # the public view


def random_int_learner(seed: int) -> tuple[RewardModulatedLearner, np.random.Generator]:
    """A 3-population integer network with every kind of projection and LIF option."""
    rng = np.random.default_rng(seed)
    net = Network(12, mode="int")
    lifs = [
        dict(v_width=12, threshold=rng.integers(60, 120, 8), leak_mode="shift", leak_shift=3,
             reset_mode="subtract", refractory=int(rng.integers(0, 3))),
        dict(v_width=10, threshold=90, leak_mode="constant", leak_const=2, v_reset=-5,
             input_register=bool(seed % 2), refractory=rng.integers(0, 3, 6)),
        dict(v_width=11, threshold=70, in_width=8),
    ]  # fmt: skip
    for k, (n, lif) in enumerate(zip([8, 6, 5], lifs, strict=True)):
        net.add_population(f"p{k}", n, **lif)
    net.connect("input", "p0", rng.integers(-10, 60, (8, 12)), mask=rng.random((8, 12)) < 0.7)
    net.connect("p0", "p1", rng.integers(-20, 90, (6, 8)))
    net.connect("p1", "p0", rng.integers(-40, 40, (8, 6)))  # feedback: previous step
    net.connect("p1", "p2", rng.integers(-10, 80, (5, 6)), mask=rng.random((5, 6)) < 0.8)
    net.connect("p2", "p2", -30 * (1 - np.eye(5, dtype=np.int64)))  # recurrent, static
    rparams = dict(
        weight_width=8, w_min=-100, w_max=100, a_plus=int(rng.integers(1, 6)), a_minus=3,
        update_shift=2, elig_width=12, elig_decay_shift=3, reward_width=8, reward_shift=5,
        pairing=["all_to_all", "nearest"][seed % 2],
        decay_period_log2=seed % 3, elig_decay_period_log2=(seed + 1) % 3,
    )  # fmt: skip
    if seed % 3 == 2:
        rparams.update(decay="mult", decay_mult=13, decay_mult_shift=4)
    learner = RewardModulatedLearner(
        net, tau_reward=4.0, projections=[0, 2, 3], rstdp_params=rparams
    )
    return learner, rng


@pytest.mark.parametrize("seed", range(6))
def test_integer_compiled_trial_equals_per_step_path(seed: int) -> None:
    """The compiled trial and reward cycle give the registers of the per-step NumPy path."""
    if not _kernels.AVAILABLE:
        pytest.skip("numba is not installed")
    runs = []
    for flag in (True, False):
        with _kernels.use_compiled(flag):
            learner, rng = random_int_learner(seed)
            w0 = [p.to_dense() for p in learner.plastic]
            assert _reward_compiled.supported(learner.units, learner.plastic) == flag
            record = []
            for trial in range(4):
                x = (rng.random((30, 12)) < 0.4).astype(np.int64)
                if trial == 2:  # a (T, 1, n_in) input, continuing without reset
                    spikes = learner.run(x[:, None], reset=False)
                    spikes = {k: v[:, 0] for k, v in spikes.items()}
                else:
                    spikes = learner.run(x)
                learner.step(np.int64(rng.integers(-50, 51)))
                record.append(spikes)
            net = learner.network
            regs = [p.to_dense() for p in net.projections]
            for u in learner.units:
                regs += [u.eligibility, u.pre_trace, u.post_trace, u.weights]
                regs += [np.array([u.prescaler, u.elig_prescaler])]
            for pop in net.populations.values():
                regs += [pop.v, pop.spikes, pop.refractory, pop._lif.x_reg]
            runs.append((record, regs))
    (rec_c, regs_c), (rec_n, regs_n) = runs
    for t, (a, b) in enumerate(zip(rec_c, rec_n, strict=True)):
        for k in a:
            assert a[k].dtype == b[k].dtype, f"seed={seed}, trial {t}, {k}: dtype"
            np.testing.assert_array_equal(a[k], b[k], err_msg=f"seed={seed}, trial {t}, {k}")
    for k, (a, b) in enumerate(zip(regs_c, regs_n, strict=True)):
        np.testing.assert_array_equal(a, b, err_msg=f"seed={seed}, register {k}")
    assert all(s.sum() > 5 for s in rec_n[0].values()), f"seed={seed}: too few spikes"
    final = [p.to_dense() for p in learner.plastic]
    changed = [not np.array_equal(a, b) for a, b in zip(w0, final, strict=True)]
    assert all(changed), f"seed={seed}: weights of some plastic projection never changed"


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


def _given_spikes(net: Network, plastic, x, prev, now) -> tuple[list, list]:
    """What each plastic projection delivers (module docstring): input, s_src[t] or s_src[t-1]."""
    pre, post = [], []
    for p in plastic:
        if p.source == "input":
            pre.append(np.broadcast_to(x, now[p.target].shape[:1] + (net.n_in,)))
        else:
            pre.append(prev[p.source] if net.delayed(p) else now[p.source])
        post.append(now[p.target])
    return pre, post


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_pair_on_given_spikes_equals_advance(seed: int) -> None:
    """pair() fed with the spikes the network produced is advance() (both modes, rewards too)."""
    for integer in (True, False):
        if integer:
            (a, rng), (b, _) = random_int_learner(seed), random_int_learner(seed)
            xs = (rng.random((40, 12)) < 0.4).astype(np.int64)
            a.network.reset_all(1)
            b.network.reset_all(1)
        else:
            rng = np.random.default_rng(seed)
            a, b = (RewardModulatedLearner(float_net(seed), 3.0, lr=0.05) for _ in range(2))
            xs = (rng.random((40, 2, 6)) < 0.4).astype(np.float64)
            a.network.reset_all(2)
            b.network.reset_all(2)
        for t, x in enumerate(xs):
            a.advance(x)
            prev = {k: pop.spikes for k, pop in b.network.populations.items()}
            now = b.network.step(x)
            b.pair(*_given_spikes(b.network, b.plastic, x, prev, now))
            if t % 10 == 9:
                r = rng.integers(-40, 41)
                a.step(np.int64(r) if integer else float(r))
                b.step(np.int64(r) if integer else float(r))
            for pa, pb in zip(a.plastic, b.plastic, strict=True):
                np.testing.assert_array_equal(pa.data, pb.data, err_msg=f"seed {seed} t {t}")
        for ea, eb in zip(a.e, b.e, strict=True):
            np.testing.assert_array_equal(ea, eb, err_msg=f"seed {seed} integer={integer}")
        assert any((e != 0).any() for e in a.e), f"seed {seed}: nothing paired"
        assert a.applied and any(v != 0 for v in a.applied), f"seed {seed}: no reward"


def test_pair_errors() -> None:
    learner = RewardModulatedLearner(int_net(0), 2.0, projections=[0])
    with pytest.raises(TypeError, match="sequences"):
        learner.pair(np.zeros((1, 10)), np.zeros((1, 3)))
    with pytest.raises(ValueError, match="one array per plastic projection"):
        learner.pair([np.zeros(10)] * 2, [np.zeros(3)])
    with pytest.raises(ValueError, match=r"pre\[0\] and post\[0\] must have shapes"):
        learner.pair([np.zeros(9)], [np.zeros(3)])
    with pytest.raises(ValueError, match="same batch"):
        learner.pair([np.zeros((2, 10))], [np.zeros((1, 3))])
    with pytest.raises(ValueError, match="batch 1"):
        learner.pair([np.zeros((2, 10), np.uint8)], [np.zeros((2, 3), np.uint8)])
    with pytest.raises(ValueError, match="finite"):
        RewardModulatedLearner(float_net(0), 2.0, projections=[0]).pair(
            [np.full(6, np.nan)], [np.zeros(3)]
        )


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


def test_integer_mode_eligibility_reads_the_units_registers() -> None:
    """``.e`` in integer mode (an AttributeError before): zeros at the start, (1, M, N)."""
    learner = RewardModulatedLearner(
        int_net(0), tau_reward=3.0, projections=[0], rstdp_params=RPARAMS
    )
    e = learner.e
    assert len(e) == 1 and e[0].shape == (1, 3, 10) and e[0].dtype == np.int64
    assert not e[0].any()
