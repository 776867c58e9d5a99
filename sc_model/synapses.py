"""Stochastic synapses of a fully parallel SC layer: N inputs x M neurons (block ``synapses``).

Every neuron ``m`` sees every input ``j`` through a synapse of weight
``w[m][j]``. Each cycle the synapse turns the input bit and a random draw
against the weight into one bit, and the bits of each neuron are aggregated
into what its LIF neuron integrates (:mod:`sc_model.lif`, composed in
:mod:`sc_model.sc_layer`).

Contract (shared with :class:`sc_hw.synapses.Synapses`)
-------------------------------------------------------
Sizes
    ``n_inputs = N`` (1 .. 1024; at most 64 for ``aggregation="majority"`` and
    ``"mux"``, the sizes of :mod:`sc_model.arith`'s vote and MUX blocks),
    ``n_neurons = M`` (1 .. 1024). The block is parametric: the limits are
    those of the model and the generator, not of a device. The fully parallel
    layer needs ``M N`` weight registers and comparators; what fits and
    closes timing on iCE40UP5K and ECP5-25F is measured in
    ``docs/synthesis.md``; sizes like 256 x 256 are for the model
    (benchmarks) only.
Weights
    Sign-magnitude registers, one per synapse: a ``weight_width = wb`` (1 .. 16)
    bit magnitude and a sign bit (set = inhibitory), so
    ``w[m][j]`` is in ``[-(2**wb - 1), 2**wb - 1]`` and has no negative zero.
    The reset (and power-on) values are the ``weights`` parameter, an
    ``M x N`` nested list of ints (default all 0); a synchronous reset
    restores them.
Weight write port
    ``w_en`` (1), ``w_addr`` (``max(1, (M N - 1).bit_length())`` bits),
    ``w_data`` (``wb + 1`` bits, two's complement). At the rising edge ending
    a cycle with ``w_en`` high, synapse ``(m, j)`` with ``m N + j == w_addr``
    takes ``w_data``; it is visible from the next cycle on. ``w_addr >= M N``
    writes nothing. ``w_data = -2**wb`` (the one two's-complement value out of
    range) is written as ``-(2**wb - 1)`` (saturated). Writes act whatever
    ``en`` is (a paused layer can be reloaded). With ``write_register=True``
    (default False) the port is registered first: ``w_en``, ``w_addr`` and
    the decoded ``w_data`` of cycle ``t`` are captured at the edge ending
    cycle ``t`` (whatever ``en``; ``rst`` clears the captured ``w_en``) and
    written at the edge ending cycle ``t + 1``, so a write shows from cycle
    ``t + 2`` on. This cuts the path from the port through the decoder and
    the ``M N``-way fan-out to the weight registers (timing, see
    ``docs/synthesis.md``).
Weight random numbers
    ONE LFSR with the contract of :mod:`sc_model.lfsr` (``width`` 3 .. 32,
    ``seed``, ``taps``, ``form``), stepped on every rising edge with ``en``
    high, holding otherwise. Input ``j`` draws ``r_j``, the low ``rw`` bits of
    the state rotated left by ``rotations[j]`` (bit ``i`` of ``r_j`` is state
    bit ``(i - rot_j) mod width``, exactly :func:`sc_model.sng.select_bits`),
    where ``rw = wb`` for ``synapse="and"`` and ``rw = wb + 1`` for
    ``"xnor"`` (so ``width >= rw``). Default ``rotations[j] = j * width // N``
    (:func:`sc_model.sng.default_rotations`).
Inputs
    ``input_mode="spikes"``: ``spikes`` (N bits), input ``j`` is bit ``j``,
    an external bit stream. ``input_mode="values"``: ``values``
    (``N * value_width`` bits; input ``j`` is bits ``[j vw, (j + 1) vw)``,
    ``value_width = vw`` in 1 .. ``width``, default ``min(8, width)``) encoded
    on chip by comparator SNGs: ``x_j = q_j < values_j`` with ``q_j`` the low
    ``vw`` bits of a second LFSR's state rotated left by
    ``input_rotations[j]`` (default ``rotations``). That input LFSR has the
    weight LFSR's ``width``, ``taps`` and ``form``, steps with ``en`` too,
    and resets to ``input_seed``, by default :func:`jump_state` of ``seed`` by
    ``2**(width - 1)`` steps: with maximal taps its sequence is the weight
    sequence half a period ahead, as far from it as the cycle allows.
Synapse bit (``synapse``)
    * ``"and"`` (unipolar): ``s_mj = r_j < |w_mj|`` (unsigned), active bit
      ``a_mj = x_j AND s_mj``; excitatory ``e_mj = a_mj`` if ``w_mj >= 0``
      else 0, inhibitory ``i_mj = a_mj`` if ``w_mj < 0`` else 0. So
      ``P(s) = |w| / 2**wb`` up to the LFSR bias below, and the expected
      signed contribution is ``sign(w) P(x) |w| / 2**wb``.
    * ``"xnor"`` (bipolar): the offset-binary weight ``w'_mj = w_mj + 2**wb``
      (``wb + 1`` bits, in ``[1, 2**(wb + 1) - 1]``) gives
      ``s_mj = r_j < w'_mj`` (``r_j`` of ``wb + 1`` bits), a bipolar stream of
      value ``2 P(s) - 1 = w / 2**wb``; ``b_mj = NOT (x_j XOR s_mj)`` is the
      bipolar product ``x_bip * w / 2**wb`` (a silent input is -1). Every
      synapse contributes +1 or -1 each cycle: ``e_mj = b_mj``,
      ``i_mj = NOT b_mj``.
Aggregation per neuron (``aggregation``)
    * ``"counter"``: ``count`` (``M * cw`` bits, ``cw = N.bit_length() + 1``;
      neuron ``m`` in bits ``[m cw, (m + 1) cw)``, two's complement) is
      ``sum_j e_mj - sum_j i_mj`` in ``[-N, N]``: two
      :class:`sc_model.arith.ParallelCounter` balanced trees per neuron
      (excitatory and inhibitory; for ``N > 256``, beyond that block's size,
      the same balanced tree with the same register placement
      :func:`sc_model.arith.register_levels` rule), ``pipeline = P`` in
      ``0 .. ceil(log2 N)`` register stages each, and a combinational
      subtraction of the two roots. Latency ``P``: ``count`` in cycle ``t``
      belongs to the ``P``-th most recent enabled cycle before ``t``
      (combinational for ``P = 0``); the pipeline shifts only on edges with
      ``en`` high and is 0 until ``P`` enabled cycles have passed since reset.
    * ``"majority"``: ``up`` (M bits) = :class:`sc_model.arith.Majority` of
      neuron ``m``'s ``N`` excitatory bits, ``down`` = majority of its ``N``
      inhibitory bits (an inhibitory synapse counts as 0 in the excitatory
      vote and vice versa), each with the ``tie`` rule (default ``"zero"``);
      the ``"alternate"`` toggles (one per neuron and polarity) invert only on
      edges with ``en`` high. Combinational.
    * ``"mux"``: one :class:`sc_model.arith.MuxAdd` select source shared by all
      neurons (its own LFSR: ``width``, ``taps``, ``form`` of the weight LFSR,
      seed ``mux_seed``, default :func:`jump_state` of ``seed`` by
      ``2**(width - 2)`` steps, i.e. a quarter period from the weight
      sequence and from the input sequence; ``mux_sel_bits`` as the MUX
      adder's ``sel_bits``, default ``width``, needs ``width >=
      N.bit_length()``), stepped with ``en``. ``up_m = e_m[sel]``,
      ``down_m = i_m[sel]``: the scaled sums ``(1/N) sum_j e_mj`` and
      ``(1/N) sum_j i_mj`` as streams. For ``N = 1`` there is no select
      source and ``up``/``down`` are the one synapse's bits. Combinational.
    ``pipeline`` must be 0 unless ``aggregation="counter"``; ``tie`` must be
    None unless ``"majority"``; ``mux_seed`` and ``mux_sel_bits`` None
    unless ``"mux"``; ``value_width``, ``input_seed`` and ``input_rotations``
    None unless ``input_mode="values"``. Anything else is refused.
Enable and reset
    ``en`` high: every register that evolves (the LFSRs, the pipeline, the
    tie toggles) takes its next value at the edge; low: they hold. The
    weights are not gated (see above). ``rst`` returns the LFSRs to their
    seeds, the pipeline and toggles to 0, and the weights to ``weights``.
Bias of a synapse stream (from :mod:`sc_model.sng`)
    Over a full LFSR period (``2**width - 1`` enabled cycles) every
    ``rw``-bit pattern of ``r_j`` occurs ``2**(width - rw)`` times except 0,
    once less. An ``"and"`` synapse with ``x_j = 1`` and ``|w| >= 1`` is
    therefore active exactly ``|w| 2**(width - wb) - 1`` times per period
    (0 for ``w = 0``); an ``"xnor"`` weight stream is 1 exactly
    ``w' 2**(width - wb - 1) - 1`` times.
Correlation
    All synapses draw from one LFSR. The synapses of ONE neuron on different
    inputs use different selections (rotations): they are decorrelated in the
    sense of :mod:`sc_model.sng` when the selections are disjoint
    (``rw <= width // N`` with the default rotations) and only partially
    otherwise; inputs with equal rotations (unavoidable when ``N > width``)
    draw identical numbers (SCC = +1 between those weight streams). For the
    counter this changes only the variance of the count, never its mean
    (the mean of a sum is the sum of the means); majority, being non-linear,
    is affected in the mean too. The SAME input across neurons shares one
    random number ``r_j``: the weight streams of ``w[m][j]`` and
    ``w[m'][j]`` are maximally correlated, which is harmless because every
    neuron aggregates its own synapses only. External spike inputs are
    assumed independent of the LFSR.

Array conventions of the vectorised functions: time is axis 0; ``inputs``
has shape ``(n_cycles, *batch, N)``; outputs ``(n_cycles, *batch, M)``. Every
batch element is an independent run of the block from reset, with ``en``
held high and the weights held at their parameter values; all of them see
the same LFSR sequences. :func:`synapses_run` works through the neurons (and
the batch) in chunks of at most :data:`CHUNK_ELEMENTS` synapse bits per
array, so its memory stays ``O(CHUNK_ELEMENTS + n_cycles * batch * (M + N))``
whatever ``M N`` is (every neuron's aggregation is independent of the
others', so the results are those of one piece).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from . import _kernels, arith
from ._validate import (
    check_bits,
    check_choice,
    check_int,
    check_int_array,
    must_be_unset,
    settle,
    take_config,
)
from .lfsr import FORMS, LFSR, _apply, _power, check_seed, check_taps, check_width, lfsr_sequence
from .lfsr import transition_rows as lfsr_transition_rows
from .sng import comparator_bits, default_rotations

MAX_INPUTS = 1024
MAX_NEURONS = 1024
MAX_VOTE_INPUTS = min(arith.MAX_MAJORITY_INPUTS, arith.MAX_MUX_INPUTS)  # 64
CHUNK_ELEMENTS = 1 << 24  # synapse bits per intermediate array of synapses_run
MAX_WEIGHT_WIDTH = 16
SYNAPSES = ("and", "xnor")
INPUT_MODES = ("spikes", "values")
AGGREGATIONS = ("counter", "majority", "mux")
DEFAULT_TIE = "zero"


# --------------------------------------------------------------------------
# Parameters
# --------------------------------------------------------------------------


def jump_state(
    width: int, seed: int, steps: int, taps: Sequence[int] | None = None, form: str = "fibonacci"
) -> int:
    """The LFSR state ``steps`` enabled steps after ``seed`` (jump-ahead by a matrix power)."""
    width = check_width(width)
    taps = check_taps(width, taps)
    check_choice("form", form, FORMS)
    seed = check_seed(width, seed)
    steps = check_int("steps", steps, 0)
    rows = _power(lfsr_transition_rows(width, taps, form), steps)
    return int(_apply(rows, np.array([seed], dtype=np.uint64))[0])


def counter_depth(n_inputs: int) -> int:
    """Adder levels of an ``n_inputs`` balanced counter tree: ``ceil(log2 N)`` (any ``N``)."""
    return (check_int("n_inputs", n_inputs, 1) - 1).bit_length()


def counter_register_levels(n_inputs: int, pipeline: int) -> tuple[int, ...]:
    """Registered tree levels, ``ceil(j D / P)`` for ``j = 1 .. P``: the rule of
    :func:`sc_model.arith.register_levels`, for any ``N`` (not only up to 256)."""
    depth = counter_depth(n_inputs)
    pipeline = check_int("pipeline", pipeline, 0, depth)
    return tuple(-(-j * depth // pipeline) for j in range(1, pipeline + 1))


def _delayed_count(bits: np.ndarray, pipeline: int) -> np.ndarray:
    """Popcount over the last axis of ``(..., n_cycles, N)`` bits, delayed ``pipeline`` cycles.

    :func:`sc_model.arith.parallel_count` up to its 256 inputs; the same
    semantics (0 for the first ``pipeline`` cycles) written out beyond.
    """
    if bits.shape[-1] <= arith.MAX_COUNTER_INPUTS:
        return arith.parallel_count(bits, pipeline)
    counts = bits.sum(axis=-1, dtype=np.int64)
    out = np.zeros(counts.shape, dtype=np.int64)
    n_cycles = counts.shape[-1]
    if n_cycles > pipeline:
        out[..., pipeline:] = counts[..., : n_cycles - pipeline]
    return out


def check_weights(weights: object, n_neurons: int, n_inputs: int, weight_width: int) -> np.ndarray:
    """Validate an ``M x N`` weight matrix; return it as ``int64`` of shape ``(M, N)``."""
    hi = (1 << weight_width) - 1
    if isinstance(weights, (str, bytes)):
        raise TypeError(f"weights must be an M x N nested list of ints, not {weights!r}")
    try:
        arr = np.asarray(weights)
    except ValueError:
        arr = np.asarray(weights, dtype=object)  # ragged rows: reported as a bad shape below
    if arr.dtype == object or arr.ndim != 2 or arr.shape != (n_neurons, n_inputs):
        rows = len(weights) if isinstance(weights, Sequence) else "?"
        shape = arr.shape if arr.dtype != object else f"{rows} ragged rows"
        raise ValueError(
            f"weights must have shape (n_neurons, n_inputs) = ({n_neurons}, {n_inputs}), "
            f"not {shape}"
        )
    if arr.dtype == np.bool_ or not np.issubdtype(arr.dtype, np.integer):
        raise TypeError(f"weights must hold integers, not dtype {arr.dtype}")
    bad = np.argwhere((arr < -hi) | (arr > hi))
    if bad.size:
        m, j = (int(v) for v in bad[0])
        raise ValueError(
            f"weights[{m}][{j}] must be in [-(2**weight_width - 1), 2**weight_width - 1] = "
            f"[{-hi}, {hi}] for weight_width={weight_width}, not {int(arr[m, j])}"
        )
    return arr.astype(np.int64)


def _check_rotations(name: str, rotations: object, n_inputs: int, width: int) -> tuple[int, ...]:
    if isinstance(rotations, (str, bytes)) or not isinstance(rotations, Sequence | np.ndarray):
        raise TypeError(f"{name} must be a sequence of n_inputs={n_inputs} ints, not {rotations!r}")
    rots = tuple(rotations)
    if len(rots) != n_inputs:
        raise ValueError(f"{name} must hold n_inputs={n_inputs} entries, not {len(rots)}")
    return tuple(check_int(f"{name}[{j}]", r, 0, width - 1) for j, r in enumerate(rots))


@dataclass(frozen=True, kw_only=True)
class SynapseConfig:
    """Every parameter of the ``synapses`` block (module docstring), validated at construction.

    Built once and taken by :class:`Synapses`, :func:`synapses_run` and
    :class:`sc_hw.synapses.Synapses`. Defaults left at None are filled in;
    the parameters of a mode not chosen stay None (``tie`` unless
    ``aggregation="majority"``, ``mux_seed`` and ``mux_sel_bits`` unless
    ``"mux"``, ``value_width``, ``input_seed`` and ``input_rotations`` unless
    ``input_mode="values"``; ``pipeline`` is 0 unless ``"counter"``).
    Sequences are stored as tuples.
    """

    n_inputs: int
    n_neurons: int
    weight_width: int = 8
    weights: Sequence[Sequence[int]] | None = None
    synapse: str = "and"
    input_mode: str = "spikes"
    aggregation: str = "counter"
    pipeline: int = 0
    tie: str | None = None
    width: int = 16
    seed: int = 1
    taps: Sequence[int] | None = None
    form: str = "fibonacci"
    rotations: Sequence[int] | None = None
    value_width: int | None = None
    input_seed: int | None = None
    input_rotations: Sequence[int] | None = None
    mux_seed: int | None = None
    mux_sel_bits: int | None = None
    write_register: bool = False

    def __post_init__(self) -> None:
        n_inputs, n_neurons, weight_width = self.n_inputs, self.n_neurons, self.weight_width
        weights, synapse, input_mode = self.weights, self.synapse, self.input_mode
        aggregation, pipeline, tie, width = self.aggregation, self.pipeline, self.tie, self.width
        seed, taps, form, rotations = self.seed, self.taps, self.form, self.rotations
        value_width, input_seed = self.value_width, self.input_seed
        input_rotations, mux_seed = self.input_rotations, self.mux_seed
        mux_sel_bits, write_register = self.mux_sel_bits, self.write_register
        if not isinstance(write_register, bool | np.bool_):
            raise TypeError(
                f"write_register must be True or False, not {write_register!r} "
                f"({type(write_register).__name__})"
            )
        n = check_int("n_inputs", n_inputs, 1, MAX_INPUTS)
        m = check_int("n_neurons", n_neurons, 1, MAX_NEURONS)
        wb = check_int("weight_width", weight_width, 1, MAX_WEIGHT_WIDTH)
        synapse = str(check_choice("synapse", synapse, SYNAPSES))
        input_mode = str(check_choice("input_mode", input_mode, INPUT_MODES))
        aggregation = str(check_choice("aggregation", aggregation, AGGREGATIONS))
        width = check_width(width)
        rw = wb + (synapse == "xnor")
        if rw > width:
            bits = "weight_width + 1" if synapse == "xnor" else "weight_width"
            raise ValueError(
                f"weight_width must be in [1, {width - (rw - wb)}] for width={width} and "
                f"synapse={synapse!r} (random numbers of {bits} bits from the width-bit LFSR), "
                f"not {wb}"
            )
        seed = check_seed(width, seed)
        taps = check_taps(width, taps)
        form = str(check_choice("form", form, FORMS))
        w = weights if weights is not None else np.zeros((m, n), dtype=np.int64)
        w_arr = check_weights(w, m, n, wb)
        rots = (
            default_rotations(width, n)
            if rotations is None
            else _check_rotations("rotations", rotations, n, width)
        )
        if aggregation != "counter" and n > MAX_VOTE_INPUTS:
            raise ValueError(
                f"n_inputs must be in [1, {MAX_VOTE_INPUTS}] for aggregation={aggregation!r} "
                f"(only 'counter' goes up to {MAX_INPUTS}), not {n}"
            )
        if aggregation == "counter":
            pipeline = check_int("pipeline", pipeline, 0, counter_depth(n))
        else:
            must_be_unset("pipeline", pipeline, "aggregation='counter'", unset=0)
            pipeline = 0
        if aggregation == "majority":
            tie = arith.check_tie(DEFAULT_TIE if tie is None else tie)
        else:
            must_be_unset("tie", tie, "aggregation='majority'")
        if aggregation == "mux":
            arith.check_sel_bits(width, n, None)  # width >= N.bit_length()
            if mux_sel_bits is None:
                mux_sel_bits = width
            mux_sel_bits = check_int("mux_sel_bits", mux_sel_bits, n.bit_length(), width)
            mux_seed = (
                jump_state(width, seed, 1 << (width - 2), taps, form)
                if mux_seed is None
                else check_seed(width, mux_seed, "mux_seed")
            )
        else:
            must_be_unset("mux_seed", mux_seed, "aggregation='mux'")
            must_be_unset("mux_sel_bits", mux_sel_bits, "aggregation='mux'")
        if input_mode == "values":
            value_width = (
                min(8, width)
                if value_width is None
                else check_int("value_width", value_width, 1, width)
            )
            input_seed = (
                jump_state(width, seed, 1 << (width - 1), taps, form)
                if input_seed is None
                else check_seed(width, input_seed, "input_seed")
            )
            in_rots = (
                rots
                if input_rotations is None
                else _check_rotations("input_rotations", input_rotations, n, width)
            )
        else:
            must_be_unset("value_width", value_width, "input_mode='values'")
            must_be_unset("input_seed", input_seed, "input_mode='values'")
            must_be_unset("input_rotations", input_rotations, "input_mode='values'")
            in_rots = None
        settle(
            self,
            n_inputs=n,
            n_neurons=m,
            weight_width=wb,
            weights=tuple(tuple(int(v) for v in row) for row in w_arr),
            synapse=synapse,
            input_mode=input_mode,
            aggregation=aggregation,
            pipeline=pipeline,
            tie=None if tie is None else str(tie),
            width=width,
            seed=seed,
            taps=taps,
            form=form,
            rotations=rots,
            value_width=value_width,
            input_seed=input_seed,
            input_rotations=in_rots,
            mux_seed=mux_seed,
            mux_sel_bits=mux_sel_bits,
            write_register=bool(write_register),
        )

    @property
    def random_width(self) -> int:
        """``rw``: bits of each weight random number (``wb``, or ``wb + 1`` for xnor)."""
        return self.weight_width + (self.synapse == "xnor")

    @property
    def count_width(self) -> int:
        """``cw = N.bit_length() + 1``: bits of one neuron's signed count."""
        return self.n_inputs.bit_length() + 1

    @property
    def addr_width(self) -> int:
        """Bits of ``w_addr``: ``max(1, (M N - 1).bit_length())``."""
        return max(1, (self.n_inputs * self.n_neurons - 1).bit_length())

    @property
    def weight_array(self) -> np.ndarray:
        """The reset weights as ``int64`` ``(M, N)``."""
        return np.array(self.weights, dtype=np.int64).reshape(self.n_neurons, self.n_inputs)


def check_synapse_params(**params: object) -> SynapseConfig:
    """``SynapseConfig(**params)`` (the older call shape)."""
    return SynapseConfig(**params)  # type: ignore[arg-type]


# --------------------------------------------------------------------------
# Combinational pieces (pure, vectorised)
# --------------------------------------------------------------------------


def select_randoms(states: object, width: int, n_bits: int, rotations: Sequence[int]) -> np.ndarray:
    """Random numbers of every input from LFSR states: ``int64`` ``states.shape + (N,)``.

    Entry ``[..., j]`` is :func:`sc_model.sng.select_bits` of the state with
    ``rotation=rotations[j]`` and ``value_width=n_bits``, for all ``j`` at once.
    """
    width = check_width(width)
    n_bits = check_int("n_bits", n_bits, 1, width)
    s = check_int_array("states", states, 0, (1 << width) - 1)
    # one vectorised check (a per-element check_int cost ~1 us per input per call: the
    # learning core's tick model calls this once per tick)
    rot = check_int_array("rotations", rotations, 0, width - 1, ndim=1).astype(np.uint64)
    return _select(s, width, n_bits, rot)


def _select(states: np.ndarray, width: int, n_bits: int, rot: np.ndarray) -> np.ndarray:
    """:func:`select_randoms` of already validated ``states`` and ``rot`` (``uint64``)."""
    s = states.astype(np.uint64)[..., None]
    rotated = (s << rot) | (s >> (np.uint64(width) - rot))
    return (rotated & np.uint64((1 << n_bits) - 1)).astype(np.int64)


def weight_stream_bits(
    randoms: np.ndarray, weights: np.ndarray, weight_width: int, synapse: str
) -> np.ndarray:
    """Weight stream bits ``s`` (``uint8``) of ``randoms (..., 1, N)`` and ``weights (..., M, N)``.

    ``"and"``: ``r < |w|``; ``"xnor"``: ``r < w + 2**weight_width`` (offset binary).
    """
    w = np.asarray(weights, dtype=np.int64)
    target = np.abs(w) if synapse == "and" else w + (1 << weight_width)
    return comparator_bits(target, randoms)


def polarity_bits(
    x: np.ndarray, s: np.ndarray, weights: np.ndarray, synapse: str
) -> tuple[np.ndarray, np.ndarray]:
    """Excitatory and inhibitory bits ``(e, i)`` of every synapse (``uint8``, broadcast shape).

    ``x``: input bits ``(..., 1, N)``; ``s``: weight stream bits ``(..., M, N)``.
    Uses the tested gates of :mod:`sc_model.arith` (AND for unipolar, XNOR for bipolar).
    """
    if synapse == "and":
        active = arith.and_mul(x, s)
        negative = (np.asarray(weights) < 0).astype(np.uint8)
        return active & (negative ^ np.uint8(1)), active & negative
    b = arith.xnor_mul(x, s)
    return b, b ^ np.uint8(1)


def decode_w_data(w_data: int, weight_width: int) -> int:
    """The weight written by ``w_data`` (``wb + 1`` bit two's complement, -2**wb saturated)."""
    w_data = check_int("w_data", w_data, 0, (1 << (weight_width + 1)) - 1)
    value = w_data - (1 << (weight_width + 1)) if w_data >> weight_width else w_data
    return max(value, -((1 << weight_width) - 1))


def encode_w_data(weight: int, weight_width: int) -> int:
    """The ``w_data`` port value (two's complement, ``wb + 1`` bits) that writes ``weight``."""
    hi = (1 << weight_width) - 1
    weight = check_int("weight", weight, -hi - 1, hi)
    return weight & ((1 << (weight_width + 1)) - 1)


# --------------------------------------------------------------------------
# Vectorised run from reset
# --------------------------------------------------------------------------


class SynapseOutputs(NamedTuple):
    """Aggregated outputs: ``count`` (counter) or ``up``/``down`` (majority, mux); others None."""

    count: np.ndarray | None
    up: np.ndarray | None
    down: np.ndarray | None


def _check_run_inputs(p: SynapseConfig, inputs: object) -> np.ndarray:
    if p.input_mode == "spikes":
        x = check_bits("inputs", inputs)
    else:
        x = check_int_array("inputs", inputs, 0, (1 << p.value_width) - 1)
    if x.ndim < 2 or x.shape[-1] != p.n_inputs:
        raise ValueError(
            f"inputs must have shape (n_cycles, *batch, n_inputs={p.n_inputs}), not {x.shape}"
        )
    return x


def input_stream_bits(p: SynapseConfig, inputs: object) -> np.ndarray:
    """Input bits ``x`` (``uint8``, ``inputs``' shape): the spikes, or the SNG-encoded values."""
    x = _check_run_inputs(p, inputs)
    if p.input_mode == "spikes":
        return x
    n_cycles = x.shape[0]
    states = lfsr_sequence(p.width, p.input_seed, n_cycles, p.taps, p.form)
    q = select_randoms(states, p.width, p.value_width, p.input_rotations)
    return comparator_bits(x, q.reshape((n_cycles,) + (1,) * (x.ndim - 2) + (p.n_inputs,)))


def _weight_randoms(p: SynapseConfig, n_cycles: int) -> np.ndarray:
    """``r`` of every cycle and input, ``int64`` ``(n_cycles, N)``."""
    states = lfsr_sequence(p.width, p.seed, n_cycles, p.taps, p.form)
    return _select(states, p.width, p.random_width, np.asarray(p.rotations, np.uint64))


def _polarity_chunk(
    p: SynapseConfig, x: np.ndarray, r: np.ndarray, rows: slice
) -> tuple[np.ndarray, np.ndarray]:
    """``(e, i)`` of the neurons ``rows``: ``uint8`` ``(n_cycles, *batch, rows, N)`` each."""
    n_cycles = x.shape[0]
    r = r.reshape((n_cycles,) + (1,) * (x.ndim - 2) + (1, p.n_inputs))
    w = p.weight_array[rows]
    s = weight_stream_bits(r, w, p.weight_width, p.synapse)
    return polarity_bits(x[..., None, :], s, w, p.synapse)


def synapse_polarity_run(p: SynapseConfig, inputs: object) -> tuple[np.ndarray, np.ndarray]:
    """``(e, i)`` over a run from reset: ``uint8`` ``(n_cycles, *batch, M, N)`` each.

    Memory ``O(n_cycles * batch * M * N)``: for large layers use
    :func:`synapses_run`, which never holds these whole.
    """
    x = input_stream_bits(p, inputs)
    return _polarity_chunk(p, x, _weight_randoms(p, x.shape[0]), slice(None))


def _aggregate(p: SynapseConfig, e: np.ndarray, i: np.ndarray) -> tuple[np.ndarray, ...]:
    """Aggregate ``(n_cycles, *batch, M', N)`` bits; outputs ``(n_cycles, *batch, M')``."""
    e_t, i_t = np.moveaxis(e, 0, -2), np.moveaxis(i, 0, -2)  # (*batch, M', n_cycles, N)
    if p.aggregation == "counter":
        count = _delayed_count(e_t, p.pipeline) - _delayed_count(i_t, p.pipeline)
        return (np.moveaxis(count, -1, 0),)
    if p.aggregation == "majority":
        up, down = arith.majority(e_t, p.tie), arith.majority(i_t, p.tie)
    elif p.n_inputs == 1:
        up, down = e_t[..., 0], i_t[..., 0]
    else:
        mux = {"width": p.width, "seed": p.mux_seed, "sel_bits": p.mux_sel_bits}
        mux.update(taps=p.taps, form=p.form)
        up, down = arith.mux_add(e_t, **mux), arith.mux_add(i_t, **mux)
    return np.moveaxis(up, -1, 0), np.moveaxis(down, -1, 0)


def _kernel_thresholds(p: SynapseConfig) -> tuple[np.ndarray, np.ndarray]:
    """``pos``, ``neg`` ``(N, M)`` of :func:`_counter_compiled`, built once per parameter set.

    ``int16`` when every random number and threshold is below ``2**15``, else ``int32``.
    Cached on ``p`` (frozen, so the weights cannot change under the cache).
    """
    cached = p.__dict__.get("_kernel_thresholds")
    if cached is None:
        dtype = np.int16 if p.random_width < 16 else np.int32  # r and thresholds < 2**rw
        w = p.weight_array
        if p.synapse == "and":
            pos, neg = np.where(w >= 0, np.abs(w), 0), np.where(w < 0, np.abs(w), 0)
        else:
            pos, neg = w + (1 << p.weight_width), np.zeros_like(w)  # r < 0 never holds
        cached = (np.ascontiguousarray(pos.T, dtype), np.ascontiguousarray(neg.T, dtype))
        for a in cached:
            a.flags.writeable = False
        object.__setattr__(p, "_kernel_thresholds", cached)
    return cached


def _counter_compiled(p: SynapseConfig, x: np.ndarray, r: np.ndarray) -> np.ndarray:
    """``count`` ``(n_cycles, batch, M)`` of the counter through one compiled loop.

    :func:`sc_model._kernels.synapse_count` with ``"and"``: ``pos = |w|`` on
    excitatory synapses (else 0), ``neg = |w|`` on inhibitory ones (else 0),
    so ``[r < pos] - [r < neg]`` is ``e - i`` of an active input;
    ``"xnor"``: ``pos = w + 2**wb`` (offset binary), ``neg = 0``. Then the
    ``pipeline``-cycle delay of :func:`_delayed_count`. Same integers as
    :func:`_polarity_chunk` + :func:`_aggregate`.
    """
    pos, neg = _kernel_thresholds(p)
    out = np.empty(x.shape[:2] + (p.n_neurons,), dtype=np.int64)
    _kernels.synapse_count(
        r.astype(pos.dtype),
        np.ascontiguousarray(x, dtype=np.uint8),
        pos,
        neg,
        p.synapse == "xnor",
        out,
    )
    if p.pipeline:
        delayed = np.zeros_like(out)
        delayed[p.pipeline :] = out[: max(0, out.shape[0] - p.pipeline)]
        out = delayed
    return out


def synapses_run(p: SynapseConfig, inputs: object) -> SynapseOutputs:
    """Outputs of the block in every cycle of a run from reset (``en`` high, no writes).

    ``inputs``: ``(n_cycles, *batch, N)`` spike bits or input values. Returns
    ``count`` ``int64`` or ``up``/``down`` ``uint8``, each ``(n_cycles, *batch, M)``.
    The aggregation calls the vectorised :mod:`sc_model.arith` models
    (:func:`~sc_model.arith.parallel_count`, :func:`~sc_model.arith.majority`,
    :func:`~sc_model.arith.mux_add`) with time moved to their axis ``-2``.
    Neurons are independent, so they are processed in chunks (and, if one
    neuron's bits alone exceed :data:`CHUNK_ELEMENTS`, the batch elements
    too): at most about :data:`CHUNK_ELEMENTS` synapse bits per array, with
    results identical to one piece.
    """
    x = input_stream_bits(p, inputs)
    n_cycles, batch_shape = x.shape[0], x.shape[1:-1]
    r = _weight_randoms(p, n_cycles)
    xb = x.reshape((n_cycles, -1, p.n_inputs))  # one batch axis
    if p.aggregation == "counter" and _kernels.enabled():
        count = _counter_compiled(p, xb, r).reshape((n_cycles, *batch_shape, p.n_neurons))
        return SynapseOutputs(count, None, None)
    n_batch = xb.shape[1]
    per_neuron = max(1, n_cycles * p.n_inputs)
    b_step = max(1, min(n_batch, CHUNK_ELEMENTS // per_neuron))
    m_step = max(1, min(p.n_neurons, CHUNK_ELEMENTS // (per_neuron * b_step)))
    dtype = np.int64 if p.aggregation == "counter" else np.uint8
    n_out = 1 if p.aggregation == "counter" else 2
    outs = [np.empty((n_cycles, n_batch, p.n_neurons), dtype) for _ in range(n_out)]
    for b0 in range(0, n_batch, b_step):
        for m0 in range(0, p.n_neurons, m_step):
            rows = slice(m0, m0 + m_step)
            e, i = _polarity_chunk(p, xb[:, b0 : b0 + b_step], r, rows)
            for out, part in zip(outs, _aggregate(p, e, i), strict=True):
                out[:, b0 : b0 + b_step, rows] = part
    shaped = [o.reshape((n_cycles, *batch_shape, p.n_neurons)) for o in outs]
    if p.aggregation == "counter":
        return SynapseOutputs(shaped[0], None, None)
    return SynapseOutputs(None, shaped[0], shaped[1])


# --------------------------------------------------------------------------
# Cycle model
# --------------------------------------------------------------------------


class Synapses:
    """Cycle model of the block (twin of :class:`sc_hw.synapses.Synapses`).

    Takes a :class:`SynapseConfig` (or its fields as keywords). ``step`` returns the
    outputs *during* the current cycle, then applies the clock edge. The
    register semantics (pipeline delay line, tie toggles, enable) are written
    out here, vectorised over neurons; :func:`synapses_run` computes the same
    outputs through the :mod:`sc_model.arith` vector models instead.
    """

    def __init__(self, config: SynapseConfig | None = None, **params: object) -> None:
        self.config = self.params = p = take_config(SynapseConfig, config, params)
        self._lfsr = LFSR(p.width, p.seed, p.taps, p.form)
        # the input SNGs' and the select LFSRs exist in their modes only
        values, mux = p.input_mode == "values", p.aggregation == "mux"
        self._in_lfsr = LFSR(p.width, p.input_seed, p.taps, p.form) if values else None
        self._mux_lfsr = LFSR(p.width, p.mux_seed, p.taps, p.form) if mux else None
        self.reset()

    def reset(self) -> None:
        """Synchronous reset: LFSRs to their seeds, pipeline and toggles to 0, weights restored."""
        p = self.params
        for lfsr in (self._lfsr, self._in_lfsr, self._mux_lfsr):
            if lfsr is not None:
                lfsr.reset()
        self.weights = p.weight_array.copy()
        self._line = [np.zeros(p.n_neurons, np.int64) for _ in range(p.pipeline)]
        self._toggle = np.zeros((2, p.n_neurons), np.int64)  # up, down
        self._pending: tuple[int, int] | None = None  # write_register: (address, weight)

    def _input_bits(self, inputs: object, state_in: int) -> np.ndarray:
        p = self.params
        if p.input_mode == "spikes":
            x = check_bits("spikes", inputs)
        else:
            x = check_int_array("values", inputs, 0, (1 << p.value_width) - 1)
        if x.shape != (p.n_inputs,):
            raise ValueError(f"{p.input_mode} must have shape ({p.n_inputs},), not {x.shape}")
        if p.input_mode == "values":
            q = select_randoms(np.int64(state_in), p.width, p.value_width, p.input_rotations)
            x = comparator_bits(x, q)
        return x

    def step(
        self,
        inputs: object,
        en: int = 1,
        w_addr: int = 0,
        w_data: int = 0,
        w_en: int = 0,
    ) -> SynapseOutputs:
        """Advance one cycle.

        ``inputs``: ``N`` spike bits or ``N`` values; ``en``, ``w_en``: 0/1;
        ``w_addr``, ``w_data``: port values. Returns ``count`` (``int64``
        ``(M,)``) or ``up``/``down`` (``uint8`` ``(M,)``) seen before the edge.
        """
        p = self.params
        en = check_int("en", en, 0, 1)
        w_en = check_int("w_en", w_en, 0, 1)
        w_addr = check_int("w_addr", w_addr, 0, (1 << p.addr_width) - 1)
        new_weight = decode_w_data(w_data, p.weight_width)
        state = int(self._lfsr.step(en))
        x = self._input_bits(inputs, 0 if self._in_lfsr is None else int(self._in_lfsr.step(en)))
        mux_state = 0 if self._mux_lfsr is None else int(self._mux_lfsr.step(en))
        r = select_randoms(np.int64(state), p.width, p.random_width, p.rotations)
        s = weight_stream_bits(r[None, :], self.weights, p.weight_width, p.synapse)
        e, i = polarity_bits(x[None, :], s, self.weights, p.synapse)
        exc, inh = e.sum(axis=1, dtype=np.int64), i.sum(axis=1, dtype=np.int64)
        out: SynapseOutputs
        if p.aggregation == "counter":
            now = exc - inh
            if p.pipeline:
                out = SynapseOutputs(self._line[-1].copy(), None, None)
                if en:
                    self._line = [now] + self._line[:-1]
            else:
                out = SynapseOutputs(now, None, None)
        elif p.aggregation == "majority":
            twice = 2 * np.stack([exc, inh])
            tie = twice == p.n_inputs
            tie_value = {"zero": 0, "one": 1}.get(p.tie, self._toggle)
            bits = np.where(twice > p.n_inputs, 1, np.where(tie, tie_value, 0)).astype(np.uint8)
            out = SynapseOutputs(None, bits[0], bits[1])
            if en and p.tie == "alternate":
                self._toggle = self._toggle ^ tie
        else:
            sel = (
                int(arith.mux_select(mux_state, p.n_inputs, p.mux_sel_bits))
                if p.n_inputs > 1
                else 0
            )
            out = SynapseOutputs(None, e[:, sel].copy(), i[:, sel].copy())
        write = (w_addr, new_weight) if w_en else None
        if p.write_register:
            write, self._pending = self._pending, write
        if write is not None and write[0] < p.n_inputs * p.n_neurons:
            self.weights[write[0] // p.n_inputs, write[0] % p.n_inputs] = write[1]
        return out


def pack_signed(values: object, field_width: int) -> int:
    """Pack signed ints into one port: element ``k`` two's complement at bit ``k * field_width``."""
    field_width = check_int("field_width", field_width, 1, 64)
    v = check_int_array(
        "values", values, -(1 << (field_width - 1)), (1 << (field_width - 1)) - 1, ndim=1
    )
    mask = (1 << field_width) - 1
    return sum((int(x) & mask) << (k * field_width) for k, x in enumerate(v))


def unpack_signed(packed: int, n_fields: int, field_width: int) -> np.ndarray:
    """Inverse of :func:`pack_signed`: ``int64`` array of ``n_fields`` values."""
    n_fields = check_int("n_fields", n_fields, 1)
    field_width = check_int("field_width", field_width, 1, 64)
    packed = check_int("packed", packed, 0, (1 << (n_fields * field_width)) - 1)
    mask, top = (1 << field_width) - 1, 1 << (field_width - 1)
    out = [((packed >> (k * field_width)) & mask) for k in range(n_fields)]
    return np.array([v - (1 << field_width) if v & top else v for v in out], dtype=np.int64)
