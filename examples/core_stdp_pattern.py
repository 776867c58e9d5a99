"""The hidden-pattern STDP demo closed-loop on the learning core (block ``learning_core``).

The task of :mod:`stdp_pattern` (after Masquelier, Guyonneau & Thorpe 2008,
PLoS ONE 3:e1377), run entirely by the core's model
(:class:`sc_model.learning_core.LearningCore`, bit-exact with its Verilog):
the core's own LIF neuron integrates its stochastic synapse counts (input
``j`` adds 1 in a tick when it spikes AND its weight stream bit,
``r < w_j`` with ``r`` an 8-bit LFSR draw, is 1), fires, and its spikes
drive the core's in-place STDP pass over its weight memory. One *tick* of
the core is one time step. ``N_INPUTS`` afferents fire Poisson spikes at
``RATE`` per tick throughout; in a quarter of the ``SLOT``-tick slots they
replay one frozen Poisson realisation (the pattern) instead of fresh noise,
so rates are equal everywhere and only spike timing tells pattern from noise.

Input coding (the host's): afferent ``a`` drives the ``GAIN`` core inputs
``a GAIN .. a GAIN + GAIN - 1`` (:func:`encode`), each with its own weight and
its own lane's random draw, so one afferent spike adds 0 .. ``GAIN`` to the
membrane instead of 0 or 1: a synaptic gain the core's count does not have.

Selectivity is measured with learning off (the same core with
``a_plus = a_minus = 0``, which :mod:`sc_model.learning_core` states equals
the plain TM layer) on fresh test stimulus, before and after training: the
hit rate (pattern slots with at least one output spike), the false-alarm
rate (noise slots with one) and their difference.

Why these parameters (differences from :mod:`stdp_pattern`): the core adds
at most 1 per synapse and tick; with ``GAIN = 4`` copies per afferent the
threshold (40) is about 10 full-weight afferent spikes, as in the unit demo
(2400 / 255), and the shift leak's dead zone (``v < 8``) is a fifth of it
rather than most of it (threshold 10 with one input per afferent);
``rounding = "floor"`` because a shift-decayed trace never falls below
``2**q - 1`` and stochastic rounding would turn that floor into a steady
drift of every weight (with ``a * 7 < 2**s`` floor rounding makes it
exactly 0). The STDP parameters are unchanged; floor rounding gives the
``GAIN`` copies of an afferent exactly the same updates (they see the same
pre and post spikes), so they keep their initial differences.

Run: ``python examples/core_stdp_pattern.py [--ticks N] [--seed S [S ...]]``.
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

# The task is stdp_pattern's (a cycle there is a tick here): N_INPUTS afferents, SLOT ticks
# per slot, RATE spikes per input per tick, the pattern in a P_PATTERN share of the slots.
from stdp_pattern import (  # noqa: E402, F401
    N_INPUTS,
    P_PATTERN,
    RATE,
    SLOT,
    Stimulus,
    make_pattern,
    make_stimulus,
)

from sc_model.learning_core import LearningCore, LearningCoreConfig, LearningRun  # noqa: E402

GAIN = 4  # core inputs per afferent (the host's input coding)
N_CORE = N_INPUTS * GAIN  # the core's inputs
W_INIT = (100, 200)  # initial weights uniform in [100, 200), one per core input
CORE_PARAMS = {
    "n_inputs": N_CORE,
    "n_neurons": 1,
    "lanes": 16,
    "weight_width": 8,
    "synapse": "and",
    "width": 16,
    "seed": 0xACE1,
    "v_width": 12,
    "thresholds": [40],
    "leak_mode": "shift",
    "leak_shift": 3,
    "refractory": 5,
    "trace_width": 8,
    "pre_increment": 255,
    "post_increment": 255,
    "decay_shift": 3,
    "a_plus": 8,
    "a_minus": 9,
    "update_shift": 8,
    "rounding": "floor",
    "w_min": 0,
    "w_max": 255,
    "stdp_seed": 0x1D2B,
}


def encode(spikes: np.ndarray) -> np.ndarray:
    """Afferent spikes ``(n, N_INPUTS)`` as the core's input spikes ``(n, N_CORE)``.

    Afferent ``a``'s bit goes to core inputs ``a GAIN .. a GAIN + GAIN - 1``
    (``GAIN`` neighbouring lanes, each with its own weight and random draw).
    """
    x = np.asarray(spikes)
    if x.ndim != 2 or x.shape[1] != N_INPUTS:
        raise ValueError(f"spikes must have shape (n_ticks, N_INPUTS={N_INPUTS}), not {x.shape}")
    return np.repeat(x.astype(np.uint8), GAIN, axis=1)


def core_config(weights: np.ndarray, learn: bool = True, **over: object) -> LearningCoreConfig:
    """The core of the demo with ``weights`` (``(N,)`` or ``(1, N)``) as its power-on image."""
    params = {**CORE_PARAMS, **over, "weights": np.asarray(weights).reshape(1, -1).tolist()}
    if not learn:
        params.update(a_plus=0, a_minus=0)
    return LearningCoreConfig(**params)


def test_run(weights: np.ndarray, stim: Stimulus, **over: object) -> LearningRun:
    """The core from reset over ``stim`` (one tick per row, encoded) with plasticity off."""
    return LearningCore(core_config(weights, learn=False, **over)).run(encode(stim.spikes))


def selectivity(spikes: np.ndarray, stim: Stimulus) -> dict[str, float]:
    """Hit rate (pattern slots with a spike), false-alarm rate (noise slots with one)."""
    fired = spikes.reshape(-1, SLOT).max(axis=1).astype(bool)
    hit = float(fired[stim.is_pattern].mean())
    fa = float(fired[~stim.is_pattern].mean())
    return {"hit": hit, "false_alarm": fa, "selectivity": hit - fa}


@dataclass
class Result:
    """One seed of the demo: selectivity before/after, weights, the training run."""

    seed: int
    before: dict[str, float]
    after: dict[str, float]
    w0: np.ndarray  # (N_CORE,)
    w1: np.ndarray  # (N_CORE,) the learned weights (every update of the training applied)
    pattern: np.ndarray
    train: Stimulus
    trained: LearningRun  # training ticks plus core_rtl.TAIL_TICKS silent ticks
    test: Stimulus
    test_spikes: np.ndarray  # (test ticks,) the neuron's spikes in the test run after training


def draw(
    seed: int, ticks: int, test_ticks: int
) -> tuple[np.ndarray, np.ndarray, Stimulus, Stimulus]:
    """(pattern, initial weights, test stimulus, training stimulus) of ``seed``, in this order."""
    rng = np.random.default_rng(seed)
    pattern = make_pattern(rng)
    w0 = rng.integers(*W_INIT, N_CORE)
    test = make_stimulus(rng, pattern, test_ticks // SLOT)
    train = make_stimulus(rng, pattern, ticks // SLOT)
    return pattern, w0, test, train


def experiment(seed: int, ticks: int, test_ticks: int, **over: object) -> Result:
    """One seed: selectivity before and after ``ticks`` training ticks (rounded to slots).

    ``over``: core parameters replacing :data:`CORE_PARAMS` entries (e.g. ``thresholds``).
    """
    pattern, w0, test, train = draw(seed, ticks, test_ticks)
    before = selectivity(test_run(w0, test, **over).spikes[:, 0], test)
    trained, w1 = core_rtl.learn(core_config(w0, **over), encode(train.spikes))
    spikes = test_run(w1[0], test, **over).spikes[:, 0]
    after = selectivity(spikes, test)
    return Result(seed, before, after, w0, w1[0], pattern, train, trained, test, spikes)


def pattern_offsets(spikes: np.ndarray, stim: Stimulus) -> np.ndarray:
    """Tick offsets (0 .. SLOT - 1) within their slot of the spikes that fall in pattern slots."""
    slots = np.asarray(spikes).reshape(-1, SLOT)
    return np.flatnonzero(slots[stim.is_pattern]) % SLOT


def record_training(ticks: int, seed: int = 1, test_ticks: int = 20000) -> core_rtl.Case:
    """The first ``ticks`` training ticks of ``main(["--ticks", ticks, "--seed", seed])``.

    Draws from the seeded Generator exactly as :func:`experiment` does, so it
    is that run's training (shortened), ready for :func:`core_rtl.replay`.
    """
    _, w0, _, train = draw(seed, ticks, test_ticks)
    return core_rtl.make_case(core_config(w0), encode(train.spikes))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ticks", type=int, default=40000, help="training ticks")
    parser.add_argument("--test-ticks", type=int, default=20000)
    parser.add_argument("--seed", type=int, nargs="+", default=[1])
    parser.add_argument(
        "--threshold", type=int, default=None, help="the neuron's threshold (default 40)"
    )
    args = parser.parse_args(argv)
    over = {} if args.threshold is None else {"thresholds": [args.threshold]}
    print(f"{N_INPUTS} afferents x {GAIN} core inputs, slot {SLOT} ticks, {args.ticks} "
          f"training ticks, {args.test_ticks} test ticks, learning core model")  # fmt: skip
    print("seed | hit before | false alarm before | hit after | false alarm after | "
          "hit - false alarm after")  # fmt: skip
    for seed in args.seed:
        r = experiment(seed, args.ticks, args.test_ticks, **over)
        b, a = r.before, r.after
        hi, lo, n_spikes = (r.w1 > 200).sum(), (r.w1 < 50).sum(), r.trained.spikes.sum()
        print(
            f"{seed} | {b['hit']:.3f} | {b['false_alarm']:.3f} | {a['hit']:.3f} | "
            f"{a['false_alarm']:.3f} | {a['selectivity']:+.3f}   (core weights > 200: {hi}, "
            f"< 50: {lo} of {N_CORE}; {n_spikes} training spikes)"
        )
        offs = pattern_offsets(r.test_spikes, r.test)
        where = (
            f"offsets in the slot: quartiles {np.percentile(offs, [25, 50, 75]).tolist()}"
            if offs.size
            else "none"
        )
        print(
            f"    after training: {int(r.test_spikes.sum())} test spikes in "
            f"{r.test.is_pattern.size} slots, {offs.size} in pattern slots ({where})",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
