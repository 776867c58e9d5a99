"""The two-choice R-STDP task learned closed-loop by the learning core, and its RTL replay.

examples/core_rstdp_choice.py runs the task on the core's model with
``rule="rstdp"`` (its own LIF neurons, stochastic synapses, eligibility
memory and reward port; the host only computes the reward from the spikes
and feeds the last tick's output spikes back as the inhibitory inputs);
examples/core_rtl.py replays a shortened closed-loop run on the core's
Verilog (cocotb + Icarus) and compares every weight, spike and membrane of
every tick. Full runs: docs/learning_core_demos.md.
"""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import numpy as np
import pytest
from example_import import load_example

from sc_model.learning_core import LearningCore

ROOT = Path(__file__).resolve().parent.parent
SEED = 1
TRAIN_TRIALS = 400
TEST_TRIALS = 100
REPLAY_TRIALS = 6


@pytest.fixture(scope="module")
def rtl() -> ModuleType:
    return load_example("examples/core_rtl.py")


@pytest.fixture(scope="module")
def demo(rtl) -> ModuleType:
    return load_example("examples/core_rstdp_choice.py")


@pytest.fixture(scope="module")
def replay_case(demo):
    return demo.record_training(REPLAY_TRIALS, SEED, test_trials=TEST_TRIALS)


def test_core_learns_the_choice_task(demo) -> None:
    r = demo.experiment(SEED, TRAIN_TRIALS, TEST_TRIALS)
    msg = f"seed {SEED}: before {r.before}, after {r.after}, curve {r.curve}"
    assert r.before < 0.7, msg  # starts near chance
    assert r.after >= 0.9, msg  # held-out trials, learning off
    assert r.curve[-3:].mean() >= 0.8, msg  # and it was right during the late training too
    # the rewards were computed from the core's own choices: both signs occurred
    strobed = r.train.reward[r.train.reward_strobe == 1]
    assert len(strobed) == TRAIN_TRIALS and (strobed > 0).any() and (strobed < 0).any()


def test_learning_off_changes_no_weight(demo) -> None:
    rng = np.random.default_rng(SEED)
    w0 = demo.initial_weights(rng)
    session = demo.run_trials(w0, 5, rng, learn=False)
    np.testing.assert_array_equal(session.weights, w0)
    assert not session.reward_strobe.any()


def test_shortened_run_bit_exact_on_rtl(rtl, demo, replay_case, tmp_path) -> None:
    case = replay_case
    report = rtl.replay(case, tmp_path, min_changes=20)
    assert report.ok, "\n".join(report.lines())
    trial = demo.TRIAL + demo.GAP
    assert report.ticks == REPLAY_TRIALS * trial + rtl.TAIL_TICKS
    # one strobe per trial, two ticks after the stimulus; the weights change only in the
    # tick two after a strobe (the next tick's pass applies it), so every compared weight
    # change was made by a reward
    strobes = np.flatnonzero(case.reward_strobe)
    np.testing.assert_array_equal(strobes, np.arange(REPLAY_TRIALS) * trial + demo.TRIAL + 2)
    changed_at = np.flatnonzero(np.diff(case.run.weights, axis=0).any(axis=(1, 2))) + 1
    assert set(changed_at) <= set(strobes + 2), (changed_at, strobes)
    assert len(changed_at) >= REPLAY_TRIALS // 2
    assert report.post_spikes >= 10, report.lines()


def _flip_with_effect(demo, case) -> tuple[int, int, int]:
    """A silent stimulus input in a tick of the first trial whose flip changes the model's
    weights; returns (tick, input, first tick whose weights differ in the model)."""
    for t in range(3, demo.TRIAL):
        for j in np.flatnonzero(case.spikes[t, : demo.N_STIM] == 0):
            spikes = case.spikes.copy()
            spikes[t, j] = 1
            run = LearningCore(case.config).run(
                spikes, reward=case.reward, reward_strobe=case.reward_strobe
            )
            diff = np.flatnonzero((run.weights != case.run.weights).any(axis=(1, 2)))
            if diff.size:
                return t, int(j), int(diff[0])
    raise AssertionError("no flip changes the weights")


def test_one_flipped_input_spike_is_caught(rtl, demo, replay_case, tmp_path) -> None:
    t, j, first = _flip_with_effect(demo, replay_case)
    report = rtl.replay(rtl.flip_input_spike(replay_case, t, j), tmp_path)
    assert not report.ok
    # the RTL departs from the unflipped model exactly where the flipped model does
    assert report.first_mismatch["weights"] == first, (t, j, report.lines())
    assert all(f is None or f >= t for f in report.first_mismatch.values()), report.lines()
