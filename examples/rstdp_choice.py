"""Two neurons learn a two-choice task by on-chip reward-modulated STDP (R-STDP).

Each trial shows one of two stimuli for ``TRIAL`` cycles: inputs 0 .. 7 fire
at a high rate and 8 .. 15 at a low rate (stimulus A) or the reverse
(stimulus B); ``GAP`` silent cycles follow. Two integer LIF neurons
(:class:`sc_model.lif.LIFPopulation`) integrate ``sum_j w_mj pre_j`` minus a
lateral inhibition from the other neuron's last spike, plus independent
input noise (which breaks the symmetry of the two equal starting neurons).
The network chooses
the neuron that spiked more in the trial (a tie is decided by a coin flip);
A asks for neuron 0, B for neuron 1. Two cycles after the trial the reward
``R = +REWARD`` (right) or ``-REWARD`` (wrong) minus its running mean
``Rbar`` (the reward prediction error, computed by the controller: without
it a well-performing network keeps rewarding the losing neuron's firing too)
is strobed into the R-STDP unit (:class:`sc_model.rstdp.RSTDP`, bit-exact
with the ``rstdp`` hardware block), which turns each synapse's eligibility
(its recent pre-before-post pairings) into
``w += (reward x eligibility) >> reward_shift`` after ``reward_delay``
cycles. Weights start equal (plus a little noise): the network starts at
chance and must learn from the reward alone.

Run: ``python examples/rstdp_choice.py [--trials N] [--seed S] [--png curve.png]``;
prints the accuracy per block of trials and the accuracy with learning off
on fresh trials, and with ``--png`` plots the learning curve.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sc_model.lif import LIFPopulation  # noqa: E402
from sc_model.rstdp import RSTDP, RSTDPState  # noqa: E402

N_INPUTS, N_OUT = 16, 2
TRIAL, GAP = 30, 30  # cycles
RATE_HI, RATE_LO = 0.25, 0.03
REWARD = 64  # +REWARD for a right answer, -REWARD for a wrong one
BASELINE_RATE = 1 / 8  # the strobed reward is R - Rbar, Rbar a running mean of R
INHIBITION = 3000
NOISE = 400  # independent uniform input noise per neuron and cycle, [-NOISE, NOISE]
RSTDP_PARAMS = {
    "n_pre": N_INPUTS,
    "n_post": N_OUT,
    "weight_width": 10,
    "w_min": 0,
    "w_max": 511,
    "trace_width": 8,
    "pre_increment": 128,
    "post_increment": 128,
    "pairing": "nearest",
    "decay_shift": 3,
    "a_plus": 4,
    "a_minus": 2,
    "update_shift": 3,
    "rounding": "stochastic",
    "width": 16,
    "seed": 0xACE1,
    "elig_width": 12,
    "elig_decay_shift": 5,
    "reward_width": 8,
    "reward_shift": 8,
    "reward_delay": 5,
}
LIF_PARAMS = {"v_width": 16, "threshold": 900, "in_width": 14, "leak_mode": "shift",
              "leak_shift": 2, "refractory": 2}  # fmt: skip


def trial_inputs(rng: np.random.Generator, stimulus: int) -> np.ndarray:
    """Spike bits of one trial plus its gap, ``(TRIAL + GAP, N_INPUTS)``."""
    rate = np.full(N_INPUTS, RATE_LO)
    half = N_INPUTS // 2
    rate[stimulus * half : (stimulus + 1) * half] = RATE_HI
    bits = np.zeros((TRIAL + GAP, N_INPUTS), np.uint8)
    bits[:TRIAL] = rng.random((TRIAL, N_INPUTS)) < rate
    return bits


def run_trials(
    weights: np.ndarray,
    n_trials: int,
    rng: np.random.Generator,
    learn: bool,
    record: dict[str, list] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """``n_trials`` trials from ``weights``; returns (correct per trial, final weights).

    With ``learn`` and a dict ``record``, appends to its lists ``"pre"``,
    ``"post"``, ``"reward"`` (signed), ``"reward_strobe"`` the R-STDP unit's
    inputs of every cycle and to ``"states"`` its registers during every
    cycle, plus one last entry after the final edge.
    """
    unit = RSTDP(**{**RSTDP_PARAMS, "weights": weights.tolist()})
    neurons = LIFPopulation(N_OUT, **LIF_PARAMS)
    top = (1 << (LIF_PARAMS["in_width"] - 1)) - 1
    w = weights.astype(np.int64)
    last = np.zeros(N_OUT, np.int64)
    correct = np.zeros(n_trials, bool)
    r_bar = 0.0
    for k in range(n_trials):
        stimulus = int(rng.integers(2))
        bits = trial_inputs(rng, stimulus)
        counts = np.zeros(N_OUT, np.int64)
        for t in range(TRIAL + GAP):
            x = w @ bits[t] - INHIBITION * last[::-1] + rng.integers(-NOISE, NOISE + 1, N_OUT)
            spikes = neurons.step(np.clip(x, -top - 1, top)[None, :]).spike[0].astype(np.int64)
            last = spikes
            if t < TRIAL + 2:  # spikes still caused by the trial's inputs
                counts += spikes
            reward, strobe = 0, 0
            if t == TRIAL + 2:  # decision made: reward strobed (applied reward_delay later)
                choice = int(np.argmax(counts)) if counts[0] != counts[1] else int(rng.integers(2))
                right = choice == stimulus
                correct[k] = right
                r = REWARD if right else -REWARD
                reward, strobe = int(np.clip(round(r - r_bar), -128, 127)), int(learn)
                r_bar += BASELINE_RATE * (r - r_bar)
            if learn:
                state = unit.step(bits[t], spikes, reward=reward, reward_strobe=strobe)
                w = unit.weights
                if record is not None:
                    for key, value in (("pre", bits[t]), ("post", spikes), ("reward", reward),
                                       ("reward_strobe", strobe), ("states", state)):  # fmt: skip
                        record.setdefault(key, []).append(value)
    if learn and record is not None:
        last = (unit.weights, unit.pre_trace, unit.post_trace, unit.eligibility)
        record.setdefault("states", []).append(RSTDPState(*(a.copy() for a in last)))
    return correct, w.copy()


@dataclass
class TrainingRecord:
    """A training run of the demo as the R-STDP unit saw it (``n`` cycles, en high throughout).

    ``params``: the unit's parameters (reset weights included); ``pre``
    ``(n, N)`` and ``post`` ``(n, 2)`` ``uint8`` spike bits (``post`` are the
    LIF neurons' outputs), ``reward`` ``(n,)`` signed and ``reward_strobe``
    ``(n,)`` of every cycle; ``states``: the unit's registers during every
    cycle plus after the last edge (``n + 1`` entries); ``final_weights``
    ``(2, N)``: what :func:`run_trials` returned.
    """

    params: dict
    pre: np.ndarray
    post: np.ndarray
    reward: np.ndarray
    reward_strobe: np.ndarray
    states: list[RSTDPState]
    final_weights: np.ndarray


def record_training(trials: int = 12, seed: int = 1, test_trials: int = 200) -> TrainingRecord:
    """The training of ``main(["--trials", trials, "--seed", seed])``, recorded.

    Draws from the seeded Generator exactly as :func:`main` does (initial
    weights, the ``test_trials`` trials before training, then training).
    """
    rng = np.random.default_rng(seed)
    w0 = rng.integers(140, 160, (N_OUT, N_INPUTS))
    run_trials(w0, test_trials, rng, learn=False)
    rec: dict[str, list] = {}
    _, w1 = run_trials(w0, trials, rng, learn=True, record=rec)
    return TrainingRecord(
        params={**RSTDP_PARAMS, "weights": w0.tolist()},
        pre=np.array(rec["pre"], np.uint8),
        post=np.array(rec["post"], np.uint8),
        reward=np.array(rec["reward"], np.int64),
        reward_strobe=np.array(rec["reward_strobe"], np.int64),
        states=rec["states"],
        final_weights=w1,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=600, help="training trials")
    parser.add_argument("--test-trials", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--png", type=Path, default=None, help="learning-curve figure")
    args = parser.parse_args(argv)
    rng = np.random.default_rng(args.seed)
    w0 = rng.integers(140, 160, (N_OUT, N_INPUTS))
    before, _ = run_trials(w0, args.test_trials, rng, learn=False)
    correct, w1 = run_trials(w0, args.trials, rng, learn=True)
    after, _ = run_trials(w1, args.test_trials, rng, learn=False)
    block = max(1, args.trials // 10)
    curve = [float(correct[i : i + block].mean()) for i in range(0, args.trials, block)]
    print(f"seed {args.seed}: {args.trials} training trials of {TRIAL} + {GAP} cycles")
    print("training accuracy per block of", block, "trials:", " ".join(f"{c:.2f}" for c in curve))
    print(f"test accuracy (learning off): before {before.mean():.3f}, after {after.mean():.3f}")
    half = N_INPUTS // 2
    print(
        "weights after: neuron 0 from A inputs "
        f"{w1[0, :half].mean():.0f}, from B {w1[0, half:].mean():.0f}; "
        f"neuron 1 from A {w1[1, :half].mean():.0f}, from B {w1[1, half:].mean():.0f}"
    )
    if args.png is not None:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        window = 25
        smooth = np.convolve(correct.astype(float), np.ones(window) / window, "valid")
        fig, ax = plt.subplots(figsize=(6, 3.5))
        ax.plot(np.arange(window, args.trials + 1), smooth, label=f"moving mean ({window})")
        ax.axhline(0.5, color="0.6", ls=":", label="chance")
        ax.axhline(0.9, color="C3", ls="--", label="90 %")
        ax.set(xlabel="trial", ylabel="fraction correct", ylim=(0, 1.02),
               title="R-STDP two-choice task (integer model of the rstdp block)")  # fmt: skip
        ax.legend(loc="lower right")
        fig.tight_layout()
        fig.savefig(args.png, dpi=100)
        print(f"wrote {args.png}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
