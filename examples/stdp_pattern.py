"""A LIF neuron learns, by on-chip STDP, to spot a spatio-temporal spike pattern hidden in noise.

After Masquelier, Guyonneau & Thorpe (2008, PLoS ONE 3:e1377): ``n_inputs``
afferents fire Poisson spikes at one rate throughout; in a quarter of the
``slot``-cycle slots they replay one frozen Poisson realisation (the
pattern) instead of fresh noise. Rates are equal everywhere, so only spike
*timing* tells pattern from noise. One integer LIF neuron
(:class:`sc_model.lif.LIFPopulation`, shift leak) integrates
``sum_j w_j pre_j`` and its output spikes drive the STDP unit
(:class:`sc_model.stdp.STDP`, nearest pairing, depression-dominated,
stochastic rounding) that updates the 64 weights, every cycle bit-exact with
the ``stdp`` hardware block.

Selectivity is measured with learning off on fresh test stimulus, before
and after training: the hit rate (pattern slots with at least one output
spike) and the false-alarm rate (noise slots with one), and their difference.

Run: ``python examples/stdp_pattern.py [--cycles N] [--seed S] [--png out.png]``.
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
from sc_model.stdp import STDP, STDPState  # noqa: E402

N_INPUTS = 64
SLOT = 50  # cycles per slot
RATE = 0.03  # spikes per input per cycle
P_PATTERN = 0.25
STDP_PARAMS = {
    "n_pre": N_INPUTS,
    "n_post": 1,
    "weight_width": 9,
    "w_min": 0,
    "w_max": 255,
    "trace_width": 8,
    "pre_increment": 255,
    "post_increment": 255,
    "pairing": "nearest",
    "decay_shift": 3,
    "a_plus": 3,
    "a_minus": 4,
    "update_shift": 7,
    "rounding": "stochastic",
    "width": 16,
    "seed": 0xACE1,
}
LIF_PARAMS = {"v_width": 18, "threshold": 2400, "in_width": 16, "leak_mode": "shift",
              "leak_shift": 3, "refractory": 5}  # fmt: skip


@dataclass
class Stimulus:
    spikes: np.ndarray  # (n_cycles, N) uint8
    is_pattern: np.ndarray  # (n_slots,) bool


def make_pattern(rng: np.random.Generator) -> np.ndarray:
    """The frozen pattern: one Poisson realisation of ``SLOT`` cycles, ``(SLOT, N)``."""
    return (rng.random((SLOT, N_INPUTS)) < RATE).astype(np.uint8)


def make_stimulus(rng: np.random.Generator, pattern: np.ndarray, n_slots: int) -> Stimulus:
    """Poisson noise with the pattern pasted into a random quarter of the slots."""
    spikes = (rng.random((n_slots * SLOT, N_INPUTS)) < RATE).astype(np.uint8)
    is_pattern = rng.random(n_slots) < P_PATTERN
    for s in np.flatnonzero(is_pattern):
        spikes[s * SLOT : (s + 1) * SLOT] = pattern
    return Stimulus(spikes, is_pattern)


def run(
    weights: np.ndarray,
    stim: Stimulus,
    learn: bool,
    stdp_seed: int = 0xACE1,
    record: list[STDPState] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Neuron + STDP over ``stim``; returns (output spikes per cycle, final weights).

    With ``learn`` and a list ``record``, appends the STDP unit's registers
    *during* every cycle (what ``step`` returns), then one last entry: the
    registers after the final edge (``n_cycles + 1`` entries in all).
    """
    params = {**STDP_PARAMS, "weights": weights.reshape(1, -1).tolist(), "seed": stdp_seed}
    stdp = STDP(**params)
    neuron = LIFPopulation(1, **LIF_PARAMS)
    n_cycles = stim.spikes.shape[0]
    out = np.zeros(n_cycles, np.uint8)
    w = weights.astype(np.int64).reshape(1, -1)
    top = (1 << (LIF_PARAMS["in_width"] - 1)) - 1
    for t in range(n_cycles):
        pre = stim.spikes[t]
        x = min(int(w[0] @ pre), top)
        spike = neuron.step(np.array([[x]])).spike[0, 0]
        out[t] = spike
        if learn:
            state = stdp.step(pre, [spike])
            w = state.weights
            if record is not None:
                record.append(state)
    if learn:
        w = stdp.weights
        if record is not None:
            record.append(STDPState(stdp.weights.copy(), stdp.pre_trace.copy(),
                                    stdp.post_trace.copy()))  # fmt: skip
    return out, w[0].copy()


def selectivity(out: np.ndarray, stim: Stimulus) -> dict[str, float]:
    """Hit rate (pattern slots with a spike), false-alarm rate (noise slots with one)."""
    fired = out.reshape(-1, SLOT).max(axis=1).astype(bool)
    hit = float(fired[stim.is_pattern].mean())
    fa = float(fired[~stim.is_pattern].mean())
    return {"hit": hit, "false_alarm": fa, "selectivity": hit - fa}


@dataclass
class TrainingRecord:
    """A training run of the demo as the STDP unit saw it (``n`` cycles, en high throughout).

    ``params``: the unit's parameters (reset weights included); ``pre``
    ``(n, N)`` and ``post`` ``(n, 1)`` ``uint8`` spike bits of every cycle
    (``post`` is the LIF neuron's output); ``states``: the unit's registers
    during every cycle plus after the last edge (``n + 1`` entries);
    ``final_weights`` ``(1, N)``: what :func:`run` returned.
    """

    params: dict
    pre: np.ndarray
    post: np.ndarray
    states: list[STDPState]
    final_weights: np.ndarray


def record_training(cycles: int = 3000, seed: int = 1, test_cycles: int = 20000) -> TrainingRecord:
    """The training run of ``main(["--cycles", cycles, "--seed", seed])``, recorded.

    Draws from the seeded Generator exactly as :func:`main` does (pattern,
    initial weights, test stimulus, then the training stimulus of
    ``cycles // SLOT`` slots), so it is that run's training, not a look-alike.
    """
    rng = np.random.default_rng(seed)
    pattern = make_pattern(rng)
    w0 = rng.integers(100, 200, N_INPUTS)
    make_stimulus(rng, pattern, test_cycles // SLOT)  # drawn by main before training
    train = make_stimulus(rng, pattern, cycles // SLOT)
    states: list[STDPState] = []
    out, w1 = run(w0, train, learn=True, record=states)
    params = {**STDP_PARAMS, "weights": w0.reshape(1, -1).tolist()}
    return TrainingRecord(params, train.spikes.copy(), out[:, None].copy(), states, w1[None, :])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cycles", type=int, default=40000, help="training cycles")
    parser.add_argument("--test-cycles", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--png", type=Path, default=None, help="weight/raster figure")
    args = parser.parse_args(argv)
    rng = np.random.default_rng(args.seed)
    pattern = make_pattern(rng)
    w0 = rng.integers(100, 200, N_INPUTS)
    test = make_stimulus(rng, pattern, args.test_cycles // SLOT)
    before = selectivity(run(w0, test, learn=False)[0], test)
    train = make_stimulus(rng, pattern, args.cycles // SLOT)
    train_out, w1 = run(w0, train, learn=True)
    after = selectivity(run(w1, test, learn=False)[0], test)
    print(f"seed {args.seed}: {args.cycles} training cycles, {N_INPUTS} inputs, slot {SLOT}")
    for name, s in (("before", before), ("after", after)):
        print(
            f"{name:>6}: hit {s['hit']:.3f}  false alarm {s['false_alarm']:.3f}  "
            f"selectivity {s['selectivity']:+.3f}"
        )
    active = pattern.any(axis=0)
    print(
        f"weights after: pattern inputs mean {w1[active].mean():.1f}, "
        f"inputs silent in the pattern mean {w1[~active].mean():.1f}"
        if (~active).any()
        else f"weights after: mean {w1.mean():.1f}"
    )
    if args.png is not None:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig, axes = plt.subplots(1, 2, figsize=(10, 3.5))
        axes[0].bar(range(N_INPUTS), w0, color="0.7", label="before")
        axes[0].bar(range(N_INPUTS), w1, color="C0", alpha=0.7, label="after")
        axes[0].set(xlabel="input", ylabel="weight", title="weights")
        axes[0].legend()
        fired = train_out.reshape(-1, SLOT).max(axis=1).astype(float)
        pat = train.is_pattern.astype(float)
        kern = np.ones(50)

        def smooth(values: np.ndarray, weights: np.ndarray) -> np.ndarray:
            den = np.convolve(weights, kern, "valid")
            return np.convolve(values * weights, kern, "valid") / np.maximum(den, 1e-9)

        axes[1].plot(smooth(fired, pat), label="pattern slots with a spike")
        axes[1].plot(smooth(fired, 1 - pat), label="noise slots with a spike")
        axes[1].set(xlabel="training slot", ylabel="fraction", title="during training")
        axes[1].legend()
        fig.tight_layout()
        fig.savefig(args.png, dpi=100)
        print(f"wrote {args.png}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
