"""Power-on phase of the co-simulation stimulus: every initial weight read, and seen.

A weight memory or register bank holds its ``weights`` parameter at power-on
(the RAM of ``sc_layer_tm`` keeps it through ``rst``; the registers of
``synapses`` and ``sc_layer`` take it again at every reset). Random writes
during a run overwrite those words early, so a wrong initial word could hide.
The stimulus of those blocks therefore starts with a *power-on phase*:
:func:`phase_cycles` cycles with ``en`` high, no weight writes and (the
harness's part, :attr:`sc_cosim.spec.BlockSpec.quiet_cycles`) no mid-run
reset, inputs from :func:`phase_spike_bits` (a function of the parameter
set's LFSR ``seed`` only, so the parameter draw can look ahead at them).

The comparison is bit-exact, but a stochastic synapse turns a one-LSB change
of a magnitude ``a`` into a different stream bit only in a cycle (tick, for
``sc_layer_tm``) whose random number ``r`` lies in :func:`flip_range`
(``r = a & ~1`` alone for ``"and"``: ``r < a`` and ``r < a ^ 1`` differ
exactly there) while the input is active. An 8-bit weight meets a given
``r`` once in 256 draws on average, more than the phase holds, so the
parameter draws choose the initial values too: :func:`visible_weights` moves
each magnitude to the nearest one whose LSB flip the weight's random stream
meets during the phase (same sign; over 20 random sets per block 50 to 70 %
keep their value and three quarters move by at most 3; wide weights, which
meet few of their values in the phase, move further). A drawn flip can
still be absorbed by a neuron (refractory, clamped, firing either way with a
value reset) or a vote; :func:`showing_weights` searches with model runs
against that and chose the default sets' weights
(``scripts/choose_power_on_weights.py``; bits 0 and 1), which
``hdl_tests/test_power_on.py`` checks with :func:`flips_shown`.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from sc_model.lfsr import lfsr_sequence
from sc_model.sc_layer import SCLayer, SCLayerConfig
from sc_model.sc_layer_tm import SCLayerTM, SCLayerTMConfig
from sc_model.synapses import SynapseConfig, input_stream_bits, select_randoms, synapses_run

POWER_ON_CYCLES = 800  # the phase of a 2,000-cycle run (at most half of any run)
PHASE_DENSITY = 0.75  # chance per cycle (tick) that an input spikes in the phase


def phase_cycles(n_cycles: int, step: int = 1) -> int:
    """Cycles of the phase in a run of ``n_cycles``: whole ``step``s (ticks),
    at most :data:`POWER_ON_CYCLES` and at most half the run."""
    return min(POWER_ON_CYCLES, n_cycles // 2) // step * step


def phase_spike_bits(seed: int, n_steps: int, n_inputs: int) -> np.ndarray:
    """Input bits of the phase, ``uint8`` ``(n_steps, n_inputs)``, from ``seed`` alone."""
    rng = np.random.default_rng([int(seed), 15])
    return (rng.random((n_steps, n_inputs)) < PHASE_DENSITY).astype(np.uint8)


def flip_range(
    weights: object, weight_width: int, synapse: str, bit: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Random numbers ``[lo, hi)`` at which flipping ``bit`` of ``|w|`` changes the stream bit.

    ``"and"`` compares ``r < |w|``: ``a = |w|`` and ``a ^ 2**bit`` differ for
    ``min <= r < max`` of the two (for the LSB, ``r = a & ~1`` alone).
    ``"xnor"`` compares ``r < w + 2**wb`` with the sign kept, likewise.
    """
    w = np.asarray(weights, dtype=np.int64)
    mag = np.abs(w)
    other = mag ^ (1 << bit)
    if synapse == "xnor":
        sign = np.where(w < 0, -1, 1)
        mag, other = w + (1 << weight_width), sign * other + (1 << weight_width)
    return np.minimum(mag, other), np.maximum(mag, other)


def _shown_magnitudes(
    drawn: np.ndarray, sign: int, weight_width: int, synapse: str, bits: tuple[int, ...]
) -> np.ndarray:
    """Bool per magnitude ``0 .. 2**wb - 1``: is every flip in ``bits`` drawn?"""
    mags = sign * np.arange(1 << weight_width)
    seen = np.concatenate([[0], np.cumsum(drawn)])  # seen[v] = values < v drawn
    ok = np.ones(len(mags), bool)
    for bit in bits:
        lo, hi = flip_range(mags, weight_width, synapse, bit)
        ok &= seen[hi] > seen[lo]
    return ok


def _drawn(randoms: np.ndarray, on: np.ndarray, j: int, weight_width: int) -> np.ndarray:
    drawn = np.zeros(1 << (weight_width + 1), bool)
    drawn[randoms[on[:, j], j]] = True
    return drawn


def _candidates(ok: np.ndarray, current: int) -> np.ndarray:
    """Magnitudes with ``ok``, nearest to ``current`` first (the smaller on a tie)."""
    mags = np.flatnonzero(ok)
    return mags[np.argsort(np.abs(mags - current), kind="stable")]


def _bits(bits: tuple[int, ...], weight_width: int) -> tuple[int, ...]:
    return tuple(b for b in bits if b < weight_width)


def visible_weights(
    weights: object,
    randoms: np.ndarray,
    active: np.ndarray,
    weight_width: int,
    synapse: str,
    bits: tuple[int, ...] = (0,),
) -> np.ndarray:
    """``weights`` with each magnitude moved to the nearest one whose bit flips are drawn.

    Parameters
    ----------
    weights : (M, N) ints in ``[-(2**wb - 1), 2**wb - 1]``
    randoms : (T, N) ints
        Each input's random number in each cycle (tick) of the phase.
    active : (T, N) 0/1
        Whether the input is 1 then (ignored for ``"xnor"``, whose synapse
        output follows the weight stream whatever the input).
    weight_width, synapse
        As in :class:`sc_model.synapses.SynapseConfig`.
    bits : tuple of int
        The magnitude bits whose flips must be drawn (0 = LSB; bits at or
        above ``weight_width`` are ignored).

    Returns
    -------
    int64 array (M, N)
        The same signs; a magnitude for which some active step draws a
        random number in every :func:`flip_range` of ``bits`` is kept, else
        the nearest such magnitude is taken (the smaller on a tie); a weight
        none of whose magnitudes qualifies is kept.
    """
    w = np.array(weights, dtype=np.int64)
    r = np.asarray(randoms, dtype=np.int64)
    on = np.ones(r.shape, bool) if synapse == "xnor" else np.asarray(active, bool)
    bits = _bits(bits, weight_width)
    for j in range(w.shape[1]):
        drawn = _drawn(r, on, j, weight_width)
        for m in range(w.shape[0]):
            sign = -1 if w[m, j] < 0 else 1
            ok = _shown_magnitudes(drawn, sign, weight_width, synapse, bits)
            if ok.any() and not ok[abs(w[m, j])]:
                w[m, j] = sign * int(_candidates(ok, abs(w[m, j]))[0])
    return w


def synapse_phase(p: SynapseConfig, n_steps: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(inputs, randoms, active)`` of ``n_steps`` phase cycles of a synapse bank.

    ``inputs``: the port values of the phase, ``(n_steps, N)``: spike bits of
    :func:`phase_spike_bits`, or every value at its maximum (its SNG bit is
    then 1 unless the input's random number is all ones). ``randoms``: the
    weight random numbers (the LFSR steps every enabled cycle from
    ``seed``); ``active``: the input bits the synapses see.
    """
    if p.input_mode == "spikes":
        inputs = phase_spike_bits(p.seed, n_steps, p.n_inputs).astype(np.int64)
    else:
        inputs = np.full((n_steps, p.n_inputs), (1 << p.value_width) - 1, np.int64)
    states = lfsr_sequence(p.width, p.seed, n_steps, p.taps, p.form)
    randoms = select_randoms(states, p.width, p.random_width, p.rotations)
    return inputs, randoms, input_stream_bits(p, inputs)


def flipped(weights: object, m: int, j: int, bit: int = 0) -> np.ndarray:
    """``weights`` (M x N) with ``bit`` of ``|w[m][j]|`` flipped, its sign kept."""
    w = np.array(weights, dtype=np.int64)
    sign = -1 if w[m, j] < 0 else 1
    w[m, j] = sign * (abs(int(w[m, j])) ^ (1 << bit))
    return w


Run = Callable[[np.ndarray], list[np.ndarray]]


def _differs(a: list[np.ndarray], b: list[np.ndarray]) -> bool:
    return any(not np.array_equal(x, y) for x, y in zip(a, b, strict=True))


def flips_shown(weights: object, run: Run, bit: int = 0) -> np.ndarray:
    """``(M, N)`` bool: does flipping ``bit`` of ``|w[m][j]|`` change ``run``'s outputs?

    ``run(weights)`` returns the model's compared outputs over the phase.
    """
    w = np.asarray(weights, dtype=np.int64)
    ref = run(w)
    shown = np.zeros(w.shape, bool)
    for m, j in np.ndindex(*w.shape):
        shown[m, j] = _differs(run(flipped(w, m, j, bit)), ref)
    return shown


def showing_weights(
    weights: object,
    run: Run,
    randoms: np.ndarray,
    active: np.ndarray,
    weight_width: int,
    synapse: str,
    bits: tuple[int, ...] = (0,),
    tries: int = 32,
    passes: int = 4,
) -> np.ndarray:
    """:func:`visible_weights`, then a search with model runs against absorption.

    A drawn flip changes one count by one (or two); a neuron can still absorb
    it (refractory, clamped at a bound of its membrane, or firing either way
    with a value reset). For each weight with a flip in ``bits`` that ``run``
    does not show, up to ``tries`` other magnitudes whose flips are drawn are
    tried, nearest first, and the first whose flips all show is kept; a
    change moves the neuron's trajectory, so the pass repeats (at most
    ``passes`` times) until nothing changes. Chooses the default parameter
    sets' weights (``hdl_tests/test_power_on.py`` checks them); costs model
    runs per weight, bit and try, too many for every random draw.
    """
    w = visible_weights(weights, randoms, active, weight_width, synapse, bits)
    r = np.asarray(randoms, dtype=np.int64)
    on = np.ones(r.shape, bool) if synapse == "xnor" else np.asarray(active, bool)
    bits = _bits(bits, weight_width)

    def all_show(trial: np.ndarray, ref: list[np.ndarray], m: int, j: int) -> bool:
        return all(_differs(run(flipped(trial, m, j, b)), ref) for b in bits)

    for _ in range(passes):
        changed = False
        ref = run(w)
        for m, j in np.ndindex(*w.shape):
            if all_show(w, ref, m, j):
                continue
            sign = -1 if w[m, j] < 0 else 1
            ok = _shown_magnitudes(
                _drawn(r, on, j, weight_width), sign, weight_width, synapse, bits
            )
            for a in _candidates(ok, abs(w[m, j]))[:tries]:
                trial = w.copy()
                trial[m, j] = sign * int(a)
                trial_ref = run(trial)
                if all_show(trial, trial_ref, m, j):
                    w, ref, changed = trial, trial_ref, True
                    break
        if not changed:
            break
    return w


def phase_weights(p: SynapseConfig, n_steps: int = POWER_ON_CYCLES) -> list[list[int]]:
    """:func:`visible_weights` of ``p``'s weights over ``n_steps`` phase cycles (ticks)."""
    _, randoms, active = synapse_phase(p, n_steps)
    return visible_weights(p.weights, randoms, active, p.weight_width, p.synapse).tolist()


def overwrite_start(stim: dict[str, np.ndarray], phase: dict[str, np.ndarray]) -> None:
    """Replace the first ``len(phase[port])`` values of each port of ``stim`` in place."""
    for port, values in phase.items():
        stim[port][: len(values)] = values


PHASE_BLOCKS = ("synapses", "sc_layer", "sc_layer_tm")


def phase_model(
    block: str, params: dict, n_cycles: int = 2000
) -> tuple[Run, SynapseConfig, np.ndarray]:
    """The vectorised model over ``block``'s power-on phase of an ``n_cycles`` run.

    Returns ``(run, synapse_config, inputs)``: ``run(weights)`` gives the
    compared outputs (``count`` or ``up``/``down``; ``spikes``/``v`` per cycle;
    per tick for ``sc_layer_tm``) of ``params`` with those weights over the
    phase; ``synapse_config`` is the synapse bank whose random numbers the
    weights meet (per tick for ``sc_layer_tm``), ``inputs`` the phase's inputs.
    """
    if block == "synapses":
        p = SynapseConfig(**params)
        steps = phase_cycles(n_cycles)

        def outputs(w: np.ndarray, x: np.ndarray) -> list[np.ndarray]:
            out = synapses_run(SynapseConfig(**dict(params, weights=w.tolist())), x)
            return [a for a in out if a is not None]

    elif block == "sc_layer":
        p = SCLayerConfig(**params).synapse_params
        steps = phase_cycles(n_cycles)

        def outputs(w: np.ndarray, x: np.ndarray) -> list[np.ndarray]:
            return list(SCLayer(SCLayerConfig(**dict(params, weights=w.tolist()))).run(x))

    elif block == "sc_layer_tm":
        c = SCLayerTMConfig(**params)
        p = c.parallel_config().synapse_params
        steps = phase_cycles(n_cycles, c.tick_cycles) // c.tick_cycles

        def outputs(w: np.ndarray, x: np.ndarray) -> list[np.ndarray]:
            return list(SCLayerTM(SCLayerTMConfig(**dict(params, weights=w.tolist()))).run(x))

    else:
        raise ValueError(f"block must be one of {PHASE_BLOCKS}, not {block!r}")
    inputs = synapse_phase(p, steps)[0]
    return (lambda w: outputs(w, inputs)), p, inputs
