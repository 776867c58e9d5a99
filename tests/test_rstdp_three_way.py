"""R-STDP, three implementations, one stimulus: the learning core, the ``rstdp`` unit, the learner.

Issue 10 asks that the learning core's R-STDP (``rule="rstdp"``) has exactly
the integer semantics of the ``rstdp`` unit (:mod:`sc_model.rstdp`) and of
:class:`RewardModulatedLearner`'s integer mode, shown by one stimulus giving
the same weights in all three. Here the core runs closed loop with its own SC
neurons (stepping API); its input spikes, its output spikes and the rewards
drive the other two:

* ``LearningCore`` tick ``t``: input ``x[t]``, reward ``(r[t], s[t])``;
* ``rstdp_run`` cycle ``t``: ``pre = x[t]``, ``post`` = the core's spikes of
  tick ``t``, the same reward and strobe (``reward_delay = 0``, prescalers 0);
* the learner: ``pair([x[t]], [post[t]])`` for a tick without strobe, and
  ``step(R)`` for a strobed tick.

Time alignment. The learner's ``step(R)`` is one unit cycle with *no spikes*
and the reward strobed, so a strobed tick has no input spikes, and the test
checks that the core's neurons are silent in it (with ``synapse="and"`` a
tick without input spikes gives every neuron a count of 0, and a LIF neuron
below threshold without input stays there). The reward the core and
the unit get is ``learner.applied[-1]`` (``R - round(Rbar)`` with the
baseline, ``R`` without). The unit applies a reward strobed in cycle ``t``
with the eligibility shown in cycle ``t`` (before that cycle's pairing); the
core's pass of tick ``t + 1`` applies tick ``t``'s reward with ``e_t``, the
same value. So after tick/cycle/call ``t`` (all updates of ``0 .. t``): the
core's weights after ``LearningCore.step`` number ``t + 1`` (its pass lags one
tick; one silent tick flushes the last update), the unit's registers shown in
cycle ``t + 1`` (a last disabled cycle shows those after the final edge), and
the learner's projection after its call ``t``. Weights and eligibility are
compared at every ``t``. Floor rounding: under stochastic rounding the three
draw their randoms differently by construction (the core per lane and word,
the unit per synapse). Each random configuration runs twice: as drawn
(``weight_ram="ebr"``) and with weights and eligibilities in SPRAM parity
banks (``"spram"``, one lane, the drawn weights loaded as the host port does).
"""

from __future__ import annotations

import numpy as np
import pytest

from sc_model.learning import Network
from sc_model.learning.reward import RewardModulatedLearner
from sc_model.learning_core import LearningCore, LearningCoreConfig, learning_core_params
from sc_model.rstdp import check_rstdp_params, rstdp_run


def _config(rng: np.random.Generator) -> LearningCoreConfig:
    """A random floor-rounding R-STDP core whose neurons fire often enough to pair."""
    n, m = int(rng.integers(3, 25)), int(rng.integers(1, 7))
    wb = int(rng.integers(3, 8))
    top = (1 << wb) - 1
    w_min, w_max = -int(rng.integers(1, top + 1)), int(rng.integers(top // 2, top + 1))
    tb, eb = int(rng.integers(3, 9)), int(rng.integers(6, 15))
    leak = str(rng.choice(["shift", "none"]))
    return LearningCoreConfig(
        n_inputs=n,
        n_neurons=m,
        lanes=int(rng.integers(1, n + 1)),
        weight_width=wb,
        weights=rng.integers(w_min // 4, w_max + 1, (m, n)).tolist(),
        thresholds=rng.integers(1, max(2, n // 3), m).tolist(),
        synapse="and",  # under "xnor" (bipolar) a 0 input bit is not silence
        width=int(rng.integers(8, 17)),
        seed=int(rng.integers(1, 255)),
        leak_mode=leak,
        leak_shift=int(rng.integers(1, 4)) if leak == "shift" else None,
        trace_width=tb,
        pre_increment=int(rng.integers(1, 1 << tb)),
        post_increment=int(rng.integers(1, 1 << tb)),
        decay_shift=int(rng.integers(1, tb + 1)),
        a_plus=int(rng.integers(5, 60)),
        a_minus=int(rng.integers(5, 60)),
        update_shift=int(rng.integers(0, 5)),
        rounding="floor",
        w_min=w_min,
        w_max=w_max,
        rule="rstdp",
        elig_width=eb,
        elig_decay_shift=int(rng.integers(1, eb)),
        reward_width=int(rng.integers(3, 9)),
        reward_shift=int(rng.integers(0, 5)),
    )


def _spram(c: LearningCoreConfig) -> LearningCoreConfig:
    """``c`` with weights and eligibilities in SPRAM parity banks (``weight_ram="spram"``):
    lanes cut so that both words fit one 16-bit SPRAM each, power-on weights 0 (the
    test loads the drawn weights between ticks, as the host port does)."""
    params = learning_core_params(c)
    params.pop("lane_rotations", None)
    params.update(
        lanes=max(1, min(c.lanes, 16 // (c.weight_width + 1), 16 // c.elig_width)),
        weight_ram="spram",
        weights=np.zeros((c.n_neurons, c.n_inputs), np.int64).tolist(),
    )
    return LearningCoreConfig(**params)


@pytest.mark.parametrize("weight_ram", ["ebr", "spram"])
@pytest.mark.parametrize("seed", range(8))
def test_core_unit_and_learner_give_the_same_weights_every_tick(seed: int, weight_ram: str) -> None:
    rng = np.random.default_rng(9000 + seed)
    c = _config(rng)
    n, m = c.n_inputs, c.n_neurons
    w0 = np.array(c.weights, np.int64)
    if weight_ram == "spram":
        c = _spram(c)
        assert (c.weight_ram, c.spram_blocks) == ("spram", 4)
    baseline = bool(seed % 2)
    # the learner: an integer network whose only use is to hold the plastic projection
    net = Network(n, mode="int")
    net.add_population("out", m)
    net.connect("input", "out", w0, mask=np.ones((m, n), bool))  # every synapse present
    learner = RewardModulatedLearner(
        net, tau_reward=4.0, projections=[0], baseline=baseline, rstdp_params=c.rstdp_unit_params()
    )
    core = LearningCore(c)
    core.reset()
    core.set_weights(w0)  # (under "spram" the image the host loads before the first tick)
    half = 1 << (c.reward_width - 1)
    ticks = 60
    xs, posts, rews, stbs = [], [], [], []
    core_w, core_e, learn_w, learn_e = [], [], [], []
    for t in range(ticks + 1):  # the last tick is silent: its pass applies tick ticks-1
        strobe = t < ticks and t % 6 == 5
        x = np.zeros(n, np.uint8)
        reward = 0
        if strobe:
            learner.step(np.int64(rng.integers(-half, half)))
            reward = int(learner.applied[-1])
        elif t < ticks:
            x = (rng.random(n) < 0.5).astype(np.uint8)
        spikes, _ = core.step(x, reward=reward, reward_strobe=int(strobe))
        if t >= 1:  # the core now holds every update of ticks 0 .. t-1
            core_w.append(core.weights.copy())
            core_e.append(core.eligibility.copy())
        if t == ticks:
            break
        if not strobe:
            learner.pair([x], [spikes])
        else:
            assert not spikes.any(), f"seed {seed} tick {t}: a neuron fired without input"
        learn_w.append(net.projections[0].to_dense())
        learn_e.append(learner.units[0].eligibility.copy())
        xs.append(x)
        posts.append(spikes)
        rews.append(reward)
        stbs.append(int(strobe))
    # the unit on the core's spikes, one disabled cycle more to show the final registers
    p = check_rstdp_params(n_pre=n, n_post=m, weights=w0.tolist(), **c.rstdp_unit_params())
    en = np.ones(ticks + 1, np.uint8)
    en[-1] = 0
    unit = rstdp_run(
        p,
        np.array(xs + [np.zeros(n, np.uint8)]),
        np.array(posts + [np.zeros(m, np.uint8)]),
        np.array(rews + [0]),
        np.array(stbs + [0], np.uint8),
        en,
    )
    unit_w, unit_e = unit.weights[1:], unit.eligibility[1:]
    for t in range(ticks):
        where = f"seed {seed} (baseline={baseline}) after tick {t}"
        np.testing.assert_array_equal(core_w[t], unit_w[t], err_msg=f"core != unit, {where}")
        np.testing.assert_array_equal(learn_w[t], unit_w[t], err_msg=f"learner != unit, {where}")
        np.testing.assert_array_equal(core_e[t], unit_e[t], err_msg=f"core e != unit, {where}")
        np.testing.assert_array_equal(learn_e[t], unit_e[t], err_msg=f"learner e != unit, {where}")
    # not a vacuous agreement: pairs formed, rewards moved weights, neurons fired
    assert np.array(posts).sum() >= 5, f"seed {seed}: the core's neurons hardly fired"
    assert (unit_e != 0).any(), f"seed {seed}: nothing paired"
    assert not np.array_equal(unit_w[-1], w0), f"seed {seed}: no reward changed a weight"
    strobed = np.flatnonzero(stbs)
    moved = [t for t in strobed if t > 0 and not np.array_equal(unit_w[t], unit_w[t - 1])]
    assert moved, f"seed {seed}: no strobed tick changed the weights"
