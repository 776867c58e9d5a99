"""The two-choice R-STDP task learned closed-loop by the learning core (``rule="rstdp"``).

The task of :mod:`rstdp_choice`, run by the core's model
(:class:`sc_model.learning_core.LearningCore`, bit-exact with its Verilog):
each trial shows one of two stimuli for ``TRIAL`` ticks (inputs 0 .. 7 fire
at ``RATE_HI`` per tick and 8 .. 15 at ``RATE_LO``: stimulus A; or the
reverse: B), then ``GAP`` silent ticks. Two of the core's own LIF neurons
integrate their stochastic synapse counts; the network chooses the neuron
that spiked more in the trial (a tie is decided by a coin flip from the
seeded Generator); A asks for neuron 0, B for neuron 1. Two ticks after
the trial the controller (the host) presents the reward ``R - Rbar``
(``R = +REWARD`` right, ``-REWARD`` wrong, ``Rbar`` its running mean, the
reward prediction error) with a strobe on the core's reward port; the next
tick's pass applies ``w += (reward x e) >> reward_shift`` to every synapse
from its eligibility ``e`` (its recent pre-before-post pairings). Weights
start equal up to a little noise, so the network starts at chance and
learns from the reward alone. Lateral inhibition, as in :mod:`rstdp_choice`,
is made of the core's own synapses: the host feeds each neuron's spike of
the last tick back on ``FEEDBACK`` extra inputs, whose weights start at
``-INHIBIT`` onto the other neuron and 0 onto the neuron itself. They are
plastic like every synapse (one rule for the whole core); the runs show
where they go. Without it both neurons learn the same preference: the two
neurons draw the same random number for the same input, so their counts
are strongly correlated and the reward cannot tell them apart.

Accuracy is measured with learning off (the same core with ``a_plus =
a_minus = 0``: no eligibility, so no weight change) on fresh trials.

Run: ``python examples/core_rstdp_choice.py [--trials N] [--seed S [S ...]]``.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
for _path in (ROOT, ROOT / "examples"):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

import core_rtl  # noqa: E402

# The trials are rstdp_choice's: its 16 inputs are the stimulus lanes here (a cycle there is a
# tick here), half of them at RATE_HI for the stimulus shown, the rest at RATE_LO.
from rstdp_choice import GAP, RATE_HI, RATE_LO, TRIAL, trial_inputs  # noqa: E402, F401
from rstdp_choice import N_INPUTS as N_STIM  # noqa: E402

from sc_model.learning_core import LearningCore, LearningCoreConfig  # noqa: E402

N_OUT = 2
FEEDBACK = 4  # copies of each neuron's last-tick spike fed back as inputs (lateral inhibition)
N_INPUTS = N_STIM + N_OUT * FEEDBACK
REWARD = 64  # +REWARD for a right answer, -REWARD for a wrong one
BASELINE_RATE = 1 / 8  # the strobed reward is R - Rbar, Rbar a running mean of R
W_INIT = (112, 145)  # initial weights uniform in [112, 145): equal up to a little noise
INHIBIT = 255
CORE_PARAMS = {
    "n_inputs": N_INPUTS,
    "n_neurons": N_OUT,
    "lanes": 8,
    "weight_width": 8,
    "synapse": "and",
    "width": 16,
    "seed": 0xACE1,
    "v_width": 10,
    "thresholds": [6, 6],
    "leak_mode": "shift",
    "leak_shift": 2,
    "refractory": 2,
    "rule": "rstdp",
    "trace_width": 8,
    "pre_increment": 128,
    "post_increment": 128,
    "decay_shift": 3,
    "a_plus": 4,
    "a_minus": 2,
    "update_shift": 3,
    "rounding": "floor",
    "w_min": -255,
    "w_max": 255,
    "stdp_seed": 0x1D2B,
    "elig_width": 12,
    "elig_decay_shift": 5,
    "reward_width": 8,
    "reward_shift": 7,
}


def core_config(weights: np.ndarray, learn: bool = True) -> LearningCoreConfig:
    """The demo's core with ``weights`` ``(M, N)`` as its power-on image."""
    params = {**CORE_PARAMS, "weights": np.asarray(weights).tolist()}
    if not learn:
        params.update(a_plus=0, a_minus=0)
    return LearningCoreConfig(**params)


def initial_weights(rng: np.random.Generator) -> np.ndarray:
    """``(M, N)``: stimulus synapses uniform in ``W_INIT``; each neuron's feedback synapses
    from the other neuron at ``-INHIBIT``, from itself 0."""
    w = np.zeros((N_OUT, N_INPUTS), np.int64)
    w[:, :N_STIM] = rng.integers(*W_INIT, (N_OUT, N_STIM))
    for m in range(N_OUT):
        for other in range(N_OUT):
            if other != m:
                w[m, N_STIM + other * FEEDBACK : N_STIM + (other + 1) * FEEDBACK] = -INHIBIT
    return w


@dataclass
class Session:
    """Trials on the core: ``correct`` per trial, the weights after, and every tick's
    input spikes, reward and strobe (what the RTL replay is given)."""

    correct: np.ndarray
    weights: np.ndarray
    spikes: np.ndarray
    reward: np.ndarray
    reward_strobe: np.ndarray


def run_trials(
    weights: np.ndarray, n_trials: int, rng: np.random.Generator, learn: bool
) -> Session:
    """``n_trials`` trials from reset on the core with ``weights``, closed loop."""
    core = LearningCore(core_config(weights, learn))
    core.reset()
    correct = np.zeros(n_trials, bool)
    ticks = n_trials * (TRIAL + GAP)
    spikes = np.zeros((ticks, N_INPUTS), np.uint8)
    rewards = np.zeros(ticks, np.int64)
    strobes = np.zeros(ticks, np.int64)
    r_bar = 0.0
    last = np.zeros(N_OUT, np.uint8)
    for k in range(n_trials):
        stimulus = int(rng.integers(2))
        bits = np.zeros((TRIAL + GAP, N_INPUTS), np.uint8)
        bits[:, :N_STIM] = trial_inputs(rng, stimulus)
        counts = np.zeros(N_OUT, np.int64)
        for t in range(TRIAL + GAP):
            bits[t, N_STIM:] = np.repeat(last, FEEDBACK)
            tick = k * (TRIAL + GAP) + t
            reward, strobe = 0, 0
            if t == TRIAL + 2:  # decision made: the reward goes in with this tick
                choice = int(np.argmax(counts)) if counts[0] != counts[1] else int(rng.integers(2))
                right = choice == stimulus
                correct[k] = right
                r = REWARD if right else -REWARD
                reward, strobe = int(np.clip(round(r - r_bar), -128, 127)), int(learn)
                r_bar += BASELINE_RATE * (r - r_bar)
            out = core.step(bits[t], reward, strobe)
            last = out.spikes
            if t < TRIAL + 2:  # spikes still caused by the trial's inputs
                counts += out.spikes
            spikes[tick], rewards[tick], strobes[tick] = bits[t], reward, strobe
    return Session(correct, core.weights.copy(), spikes, rewards, strobes)


@dataclass
class Result:
    seed: int
    before: float
    after: float
    train: Session
    curve: np.ndarray  # accuracy per block of 20 training trials


def experiment(seed: int, trials: int, test_trials: int = 200) -> Result:
    """One seed: held-out accuracy before and after ``trials`` training trials."""
    rng = np.random.default_rng(seed)
    w0 = initial_weights(rng)
    before = float(run_trials(w0, test_trials, rng, learn=False).correct.mean())
    train = run_trials(w0, trials, rng, learn=True)
    after = float(run_trials(train.weights, test_trials, rng, learn=False).correct.mean())
    blocks = train.correct[: trials // 20 * 20].reshape(-1, 20).mean(axis=1)
    return Result(seed, before, after, train, blocks)


def record_training(trials: int, seed: int = 1, test_trials: int = 200) -> core_rtl.Case:
    """The first ``trials`` training trials of :func:`experiment` (same draws), as a replay case."""
    rng = np.random.default_rng(seed)
    w0 = initial_weights(rng)
    run_trials(w0, test_trials, rng, learn=False)
    train = run_trials(w0, trials, rng, learn=True)
    return core_rtl.make_case(core_config(w0), train.spikes, train.reward, train.reward_strobe)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=400, help="training trials")
    parser.add_argument("--test-trials", type=int, default=200)
    parser.add_argument("--seed", type=int, nargs="+", default=[1])
    args = parser.parse_args(argv)
    print(f"{args.trials} training trials, {args.test_trials} test trials, learning core (R-STDP)")
    print("seed | accuracy before | accuracy after | per 20 training trials")
    for seed in args.seed:
        r = experiment(seed, args.trials, args.test_trials)
        curve = " ".join(f"{a:.2f}" for a in r.curve)
        fb = r.train.weights[:, N_STIM:].reshape(N_OUT, N_OUT, FEEDBACK).mean(axis=2)
        print(f"{seed} | {r.before:.3f} | {r.after:.3f} | {curve}")
        print(f"    feedback weights after (row: neuron, column: source) {fb.tolist()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
