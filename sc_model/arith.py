"""Bit-stream arithmetic: multipliers, scaled adder, majority, parallel and stream counters.

A unipolar stream encodes ``p = P(bit = 1)`` in ``[0, 1]``; a bipolar stream
encodes ``x = 2 p - 1`` in ``[-1, 1]``. All ports are unsigned; a port of
``K`` lanes or inputs packs lane/input ``k`` into bit ``k``. Timing follows
``docs/contract.md``: combinational outputs reflect the register state and the
inputs of the current cycle, registered outputs the inputs of earlier cycles;
``rst`` is synchronous and returns every register to its reset value.

Array conventions of the vectorised functions: single-stream arguments
(``a``, ``b``, ``bit_in``, ``en``, ``clear``) have time on the *last* axis,
shape ``(..., n_cycles)``; multi-input arguments (``inputs``) have shape
``(..., n_cycles, n_inputs)`` (one row per cycle, as the packed port) and
give results of shape ``(..., n_cycles)``. ``n_cycles = 0`` is allowed.

Unipolar multiplier (block ``and_mul``; twin :class:`sc_hw.arith.AndMul`)
-------------------------------------------------------------------------
``y = a & b`` on ``lanes`` (``>= 1``) independent lanes, combinational.
For *independent* streams ``P(y) = p_a p_b``; for identical streams
(SCC = +1) it is ``min(p_a, p_b)``. No register, nothing to reset.

Bipolar multiplier (block ``xnor_mul``; twin :class:`sc_hw.arith.XnorMul`)
--------------------------------------------------------------------------
``y = ~(a ^ b)`` per lane, combinational. For independent streams
``P(y) = p_a p_b + (1 - p_a)(1 - p_b)``, i.e. ``x_y = x_a x_b`` in bipolar.

MUX scaled adder (block ``mux_add``; twin :class:`sc_hw.arith.MuxAdd`)
---------------------------------------------------------------------
Select source
    The block's own LFSR with the contract of :mod:`sc_model.lfsr`
    (``width`` 3 .. 32, ``seed``, ``taps``, ``form``), stepped on each rising
    edge with ``en`` high, holding otherwise (no load port). ``state`` is the
    LFSR register.
Selection
    ``n_inputs = N`` (2 .. 64). ``r`` is the low ``sel_bits`` bits of the
    state (``sel_bits = b`` in ``[N.bit_length(), width]``, default
    ``width``; i.e. ``2**b > N``) and ``sel = (r * N) >> b``, a
    multiply-shift range reduction onto ``0 .. N - 1`` that needs no divider
    and works for any ``N``. ``sel`` (``(N - 1).bit_length()`` bits) is
    combinational from the register.
Output
    ``y = inputs[sel]``, combinational: the state of cycle ``t`` selects among
    the inputs of cycle ``t``. Its unipolar (or bipolar) value estimates the
    mean of the ``N`` input values: the scaled sum ``(1/N) sum_k p_k``.
Bias of the selection (exact, over one LFSR period of ``2**width - 1`` enabled cycles)
    Write ``2**b = q N + s`` (``0 <= s < N``). Exactly ``c_k`` values of
    ``r`` in ``[0, 2**b)`` map to ``sel = k``, ``c_k = ceil((k + 1) 2**b / N)
    - ceil(k 2**b / N)``, which is ``q + 1`` for ``s`` of the ``k`` and ``q``
    for the others. Every ``b``-bit pattern of the state occurs
    ``2**(width - b)`` times per period except ``r = 0`` (which has
    ``sel = 0``), once less because the LFSR skips the zero state. Hence

        ``P(sel = k) = (c_k 2**(width - b) - [k == 0]) / (2**width - 1)``

    (:func:`mux_sel_counts` gives the numerators), and the total-variation
    distance from uniform satisfies

        ``TV = (1/2) sum_k |P(sel = k) - 1/N| <= s (N - s) / (N 2**b) + 1/(2**width - 1)
        <= N / 2**(b + 2) + 1/(2**width - 1)``

    (:func:`mux_bias_bound`). With inputs independent of the LFSR the output
    mean over a period differs from ``mean(p_k)`` by at most ``TV`` (every
    ``p_k`` lies in ``[0, 1]`` and the deviations sum to zero). For ``N`` a
    power of two ``s = 0``: only the missing zero state remains
    (``< 1.6e-5`` for ``width = 16``); with ``b = width = 16`` the worst
    ``N`` in 2 .. 64 is 61, bound ``2.3e-4`` (exact ``TV = 2.1e-4``).
    Cycles with ``en`` low repeat the held selection and are not covered by
    this statement. Consecutive selections are not independent (either LFSR
    form shifts its state by one bit per step); that raises the variance of
    a finite-window estimate, not its bias.

Majority (block ``majority``; twin :class:`sc_hw.arith.Majority`)
-----------------------------------------------------------------
``n_inputs = N`` (1 .. 64) bits per cycle; ``c`` = number of ones. ``y = 1``
when ``2 c > N`` and ``0`` when ``2 c < N`` (combinational). A *tie*
``2 c == N`` (even ``N`` only) gives, by ``tie``:

* ``"zero"``: 0; ``"one"``: 1;
* ``"alternate"``: the value of a toggle register (reset 0); on every rising
  edge ending a tie cycle the register inverts, otherwise it holds. Ties
  therefore output ``0, 1, 0, 1, ...`` in order (counted from reset), so over
  any run of ``n`` ties the fraction of ones differs from 1/2 by at most
  ``1 / (2 n)``: ties are resolved without bias. The register seen in cycle
  ``t`` is the parity of the number of ties in cycles ``0 .. t - 1``.

For odd ``N`` there are no ties and ``tie`` has no effect (it is still validated).

Parallel counter (block ``parallel_counter``; twin :class:`sc_hw.arith.ParallelCounter`)
----------------------------------------------------------------------------------------
``count`` (``N.bit_length()`` = ``ceil(log2(N + 1))`` bits) is the number of
ones among ``n_inputs = N`` (1 .. 256) bits. Adder tree: level 0 is the
``N`` input bits; level ``l`` adds the nodes of level ``l - 1`` in adjacent
pairs ``(0, 1), (2, 3), ...`` and passes an odd last node through, so level
``l`` has ``ceil(N / 2**l)`` nodes and the root is level
``D = ceil(log2 N)`` (:func:`tree_depth`; 0 for ``N = 1``). A node covering
``m`` inputs is ``m.bit_length()`` bits wide.
Pipelining
    ``pipeline = P`` in ``[0, D]`` register stages. The stage registers
    capture *all* nodes of levels ``ceil(j D / P)`` for ``j = 1 .. P``
    (:func:`register_levels`): strictly increasing, the last is the root (so
    for ``P >= 1`` ``count`` is a register), and every stage holds
    ``floor(D / P)`` or ``ceil(D / P)`` adder levels. ``P = D`` registers every
    level. Each stage is a full cut of the tree, so the latency is exactly
    ``P`` cycles: ``count`` in cycle ``t`` is the popcount of the inputs of
    cycle ``t - P``. Every pipeline register resets to 0, so ``count`` is 0
    for the ``P`` cycles after reset (power-on or ``rst``): the model is a
    delay line of ``P`` counts, all set to 0 by reset.

Stream counter (block ``stream_counter``; twin :class:`sc_hw.arith.StreamCounter`)
---------------------------------------------------------------------------------
Decodes a stream to binary. ``count`` is a ``count_width``-bit register
(``count_width`` 1 .. 32), reset 0. On each rising edge: ``clear`` high ->
0 (priority); else ``en`` and ``bit_in`` high -> ``count + 1``, *saturating*
at ``2**count_width - 1`` (it never wraps); otherwise hold. ``count`` seen in
cycle ``t`` reflects the inputs of cycles ``0 .. t - 1``. ``saturated``
(1 bit) is ``count == 2**count_width - 1``, derived from the register only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from ._validate import check_bits, check_broadcast, check_choice, check_int, config_from, settle
from .lfsr import FORMS, LFSR, check_seed, check_taps, check_width, lfsr_sequence

MAX_MUX_INPUTS = 64
MAX_MAJORITY_INPUTS = 64
MAX_COUNTER_INPUTS = 256
MAX_COUNT_WIDTH = 32
TIES = ("zero", "one", "alternate")


# --------------------------------------------------------------------------
# Shared helpers
# --------------------------------------------------------------------------


def pack_bits(bits: object) -> int:
    """Pack a 1-D bit array into a port value: element ``k`` becomes bit ``k``."""
    arr = check_bits("bits", bits)
    if arr.ndim != 1:
        raise ValueError(f"bits must have 1 dimension, not shape {arr.shape}")
    return int.from_bytes(np.packbits(arr, bitorder="little").tobytes(), "little")


def unpack_bits(value: object, n_bits: int) -> np.ndarray:
    """Inverse of :func:`pack_bits`: ``uint8`` array of ``n_bits`` bits of ``value``."""
    n_bits = check_int("n_bits", n_bits, 1)
    value = check_int("value", value, 0, (1 << n_bits) - 1)
    raw = np.frombuffer(value.to_bytes((n_bits + 7) // 8, "little"), dtype=np.uint8)
    return np.unpackbits(raw, bitorder="little")[:n_bits]


def pack_fields(values: object, field_width: int) -> int:
    """Pack ints into one port value: element ``k`` (two's complement if
    negative, its low ``fw`` bits) in bits ``[k fw, (k + 1) fw)``, ``fw = field_width``."""
    v = np.asarray(values, dtype=np.int64).ravel()
    mask = (1 << field_width) - 1
    return sum((int(x) & mask) << (k * field_width) for k, x in enumerate(v))


def unpack_fields(value: int, n_fields: int, field_width: int) -> np.ndarray:
    """Inverse of :func:`pack_fields` (unsigned fields), ``int64`` ``(n_fields,)``."""
    mask = (1 << field_width) - 1
    return np.array([(value >> (k * field_width)) & mask for k in range(n_fields)], np.int64)


def _check_lane_bits(name: str, value: object, n: int) -> np.ndarray:
    """Bits broadcast to shape ``(n,)`` (one per lane/input) for a cycle step."""
    arr = check_bits(name, value)
    try:
        return np.broadcast_to(arr, (n,))
    except ValueError:
        raise ValueError(
            f"{name} must hold {n} bits (or one, broadcast), not shape {arr.shape}"
        ) from None


def _check_inputs(name: str, inputs: object, lo: int, hi: int) -> np.ndarray:
    """``inputs`` of shape ``(..., n_cycles, n_inputs)`` with ``n_inputs`` in ``[lo, hi]``."""
    arr = check_bits(name, inputs)
    if arr.ndim < 2:
        raise ValueError(
            f"{name} must have shape (..., n_cycles, n_inputs) (>= 2 dimensions), "
            f"not shape {arr.shape}"
        )
    check_int("n_inputs (inputs.shape[-1])", arr.shape[-1], lo, hi)
    return arr


def _exclusive_cumsum(x: np.ndarray) -> np.ndarray:
    """``out[..., t] = sum(x[..., :t])`` along the last axis (``int64``)."""
    out = np.zeros(x.shape, dtype=np.int64)
    if x.shape[-1] > 1:
        np.cumsum(x[..., :-1], axis=-1, dtype=np.int64, out=out[..., 1:])
    return out


# --------------------------------------------------------------------------
# Multipliers
# --------------------------------------------------------------------------


def check_lanes(lanes: object) -> int:
    """Validate a lane count (``>= 1``)."""
    return check_int("lanes", lanes, 1)


def and_mul(a: object, b: object) -> np.ndarray:
    """Unipolar multiply: ``a & b`` elementwise (broadcast), ``uint8`` 0/1."""
    a_bits, b_bits = check_bits("a", a), check_bits("b", b)
    check_broadcast(a=a_bits, b=b_bits)
    return a_bits & b_bits


def xnor_mul(a: object, b: object) -> np.ndarray:
    """Bipolar multiply: ``~(a ^ b)`` elementwise (broadcast), ``uint8`` 0/1."""
    a_bits, b_bits = check_bits("a", a), check_bits("b", b)
    check_broadcast(a=a_bits, b=b_bits)
    return (a_bits ^ b_bits) ^ np.uint8(1)


@dataclass(frozen=True, kw_only=True)
class LanesConfig:
    """Parameters of ``and_mul`` and ``xnor_mul`` (:class:`AndMul`, :class:`XnorMul`)."""

    lanes: int = 1

    def __post_init__(self) -> None:
        settle(self, lanes=check_lanes(self.lanes))


@dataclass(frozen=True, kw_only=True)
class MuxAddConfig:
    """Parameters of ``mux_add`` (:class:`MuxAdd`); ``taps``, ``sel_bits`` stored resolved."""

    n_inputs: int
    width: int = 16
    seed: int = 1
    taps: Sequence[int] | None = None
    form: str = "fibonacci"
    sel_bits: int | None = None

    def __post_init__(self) -> None:
        n = check_mux_inputs(self.n_inputs)
        width = check_width(self.width)
        seed = check_seed(width, self.seed)
        taps = check_taps(width, self.taps)
        form = str(check_choice("form", self.form, FORMS))
        sel_bits = check_sel_bits(width, n, self.sel_bits)
        settle(self, n_inputs=n, width=width, seed=seed, taps=taps, form=form, sel_bits=sel_bits)


@dataclass(frozen=True, kw_only=True)
class MajorityConfig:
    """Parameters of ``majority`` (:class:`Majority`)."""

    n_inputs: int
    tie: str = "zero"

    def __post_init__(self) -> None:
        settle(self, n_inputs=check_majority_inputs(self.n_inputs), tie=check_tie(self.tie))


@dataclass(frozen=True, kw_only=True)
class ParallelCounterConfig:
    """Parameters of ``parallel_counter`` (:class:`ParallelCounter`)."""

    n_inputs: int
    pipeline: int = 0

    def __post_init__(self) -> None:
        n = check_counter_inputs(self.n_inputs)
        settle(self, n_inputs=n, pipeline=check_pipeline(n, self.pipeline))


@dataclass(frozen=True, kw_only=True)
class StreamCounterConfig:
    """Parameters of ``stream_counter`` (:class:`StreamCounter`)."""

    count_width: int = 8

    def __post_init__(self) -> None:
        settle(self, count_width=check_count_width(self.count_width))


class AndMul:
    """Cycle model of ``lanes`` AND gates (twin of :class:`sc_hw.arith.AndMul`).

    Takes a :class:`LanesConfig` (or ``lanes``, positionally or as a keyword).
    """

    def __init__(self, *args: object, **params: object) -> None:
        self.config = config_from(LanesConfig, args, params)
        self.lanes = self.config.lanes

    def reset(self) -> None:
        """Nothing to reset: the block is combinational."""

    def step(self, a: object, b: object) -> np.ndarray:
        """``y`` (``uint8``, shape ``(lanes,)``) for this cycle's lane bits ``a``, ``b``."""
        return and_mul(_check_lane_bits("a", a, self.lanes), _check_lane_bits("b", b, self.lanes))


class XnorMul:
    """Cycle model of ``lanes`` XNOR gates (twin of :class:`sc_hw.arith.XnorMul`).

    Takes a :class:`LanesConfig` (or ``lanes``, positionally or as a keyword).
    """

    def __init__(self, *args: object, **params: object) -> None:
        self.config = config_from(LanesConfig, args, params)
        self.lanes = self.config.lanes

    def reset(self) -> None:
        """Nothing to reset: the block is combinational."""

    def step(self, a: object, b: object) -> np.ndarray:
        """``y`` (``uint8``, shape ``(lanes,)``) for this cycle's lane bits ``a``, ``b``."""
        return xnor_mul(_check_lane_bits("a", a, self.lanes), _check_lane_bits("b", b, self.lanes))


# --------------------------------------------------------------------------
# MUX scaled adder
# --------------------------------------------------------------------------


def check_mux_inputs(n_inputs: object) -> int:
    """Validate the MUX adder's ``n_inputs`` (2 .. 64)."""
    return check_int("n_inputs", n_inputs, 2, MAX_MUX_INPUTS)


def check_sel_bits(width: int, n_inputs: int, sel_bits: object | None) -> int:
    """Validate ``sel_bits`` (``n_inputs.bit_length() .. width``; default ``width``).

    ``2**sel_bits > n_inputs`` guarantees every input is selected at least once
    per LFSR period even when ``sel_bits == width`` (the zero state is skipped).
    """
    lo = n_inputs.bit_length()
    if width < lo:
        raise ValueError(
            f"width must be >= n_inputs.bit_length() = {lo} for n_inputs={n_inputs} "
            f"(2**sel_bits > n_inputs with sel_bits <= width), not {width}"
        )
    if sel_bits is None:
        return width
    return check_int("sel_bits", sel_bits, lo, width)


def sel_width(n_inputs: int) -> int:
    """Width of the ``sel`` port: ``(n_inputs - 1).bit_length()`` bits."""
    return (check_mux_inputs(n_inputs) - 1).bit_length()


def mux_select(states: object, n_inputs: int, sel_bits: int) -> np.ndarray:
    """``sel = ((states mod 2**sel_bits) * n_inputs) >> sel_bits`` (any shape, ``int64``)."""
    n_inputs = check_mux_inputs(n_inputs)
    sel_bits = check_int("sel_bits", sel_bits, n_inputs.bit_length(), 32)
    s = np.asarray(states)
    if not np.issubdtype(s.dtype, np.integer) or s.dtype == np.bool_:
        raise TypeError(f"states must hold integers, not dtype {s.dtype}")
    r = s.astype(np.uint64) & np.uint64((1 << sel_bits) - 1)
    return ((r * np.uint64(n_inputs)) >> np.uint64(sel_bits)).astype(np.int64)


def mux_sel_counts(n_inputs: int, width: int, sel_bits: int | None = None) -> np.ndarray:
    """How often each ``sel`` occurs in one LFSR period (``2**width - 1`` enabled cycles).

    ``c_k * 2**(width - sel_bits) - [k == 0]`` with ``c_k`` the number of
    ``r`` in ``[0, 2**sel_bits)`` mapping to ``k`` (see the module docstring).
    """
    n_inputs = check_mux_inputs(n_inputs)
    width = check_width(width)
    b = check_sel_bits(width, n_inputs, sel_bits)
    k = np.arange(n_inputs + 1, dtype=np.int64)
    edges = -((-k << b) // n_inputs)  # ceil(k 2**b / N)
    counts = np.diff(edges) << (width - b)
    counts[0] -= 1
    return counts


def mux_bias_bound(n_inputs: int, width: int, sel_bits: int | None = None) -> float:
    """Upper bound on the selection's total-variation distance from uniform.

    ``s (N - s) / (N 2**b) + 1 / (2**width - 1)`` with ``s = 2**b mod N``;
    it bounds ``|mean output - mean(p_k)|`` over one period (module docstring).
    """
    n_inputs = check_mux_inputs(n_inputs)
    width = check_width(width)
    b = check_sel_bits(width, n_inputs, sel_bits)
    s = (1 << b) % n_inputs
    return s * (n_inputs - s) / (n_inputs * 2.0**b) + 1.0 / ((1 << width) - 1)


def mux_sel_sequence(
    n_inputs: int,
    n_cycles: int,
    width: int,
    seed: int = 1,
    sel_bits: int | None = None,
    taps: Sequence[int] | None = None,
    form: str = "fibonacci",
    en: object = None,
) -> np.ndarray:
    """``sel`` during cycles ``0 .. n_cycles - 1`` from reset (``int64``, ``(n_cycles,)``).

    ``en`` (``(n_cycles,)`` bits, default all high): the LFSR steps after each
    cycle with ``en`` high, so cycle ``t`` sees state number
    ``sum(en[:t])`` of the free-running sequence.
    """
    n_inputs = check_mux_inputs(n_inputs)
    width = check_width(width)
    seed = check_seed(width, seed)
    taps = check_taps(width, taps)
    check_choice("form", form, FORMS)
    b = check_sel_bits(width, n_inputs, sel_bits)
    n_cycles = check_int("n_cycles", n_cycles, 0)
    if en is None:
        states = lfsr_sequence(width, seed, n_cycles, taps, form)
    else:
        en_a = check_bits("en", en)
        if en_a.shape != (n_cycles,):
            raise ValueError(f"en must have shape (n_cycles,) = ({n_cycles},), not {en_a.shape}")
        index = _exclusive_cumsum(en_a)
        n_states = int(index[-1]) + 1 if n_cycles else 0
        states = lfsr_sequence(width, seed, n_states, taps, form)[index]
    return mux_select(states, n_inputs, b)


def mux_add(
    inputs: object,
    width: int,
    seed: int = 1,
    sel_bits: int | None = None,
    taps: Sequence[int] | None = None,
    form: str = "fibonacci",
    en: object = None,
) -> np.ndarray:
    """``y`` of the MUX adder for ``inputs`` of shape ``(..., n_cycles, n_inputs)``.

    All leading instances share one LFSR started from reset (``seed``);
    ``en`` as in :func:`mux_sel_sequence`. Returns ``uint8`` ``(..., n_cycles)``.
    """
    x = _check_inputs("inputs", inputs, 2, MAX_MUX_INPUTS)
    n_cycles, n_inputs = x.shape[-2:]
    sel = mux_sel_sequence(n_inputs, n_cycles, width, seed, sel_bits, taps, form, en)
    index = np.broadcast_to(sel[:, None], x.shape[:-1] + (1,))
    return np.take_along_axis(x, index, axis=-1)[..., 0]


class MuxOutputs(NamedTuple):
    """Outputs of :class:`MuxAdd` during one cycle."""

    y: int  #: the selected input bit
    sel: int  #: the selection, ``0 .. n_inputs - 1``
    state: int  #: the LFSR register


class MuxAdd:
    """Cycle model of the MUX scaled adder (twin of :class:`sc_hw.arith.MuxAdd`).

    Takes a :class:`MuxAddConfig` (or its fields, positionally or as keywords).
    """

    def __init__(self, *args: object, **params: object) -> None:
        self.config = c = config_from(MuxAddConfig, args, params)
        self.n_inputs, self.width, self.seed = c.n_inputs, c.width, c.seed
        self.taps, self.form, self.sel_bits = c.taps, c.form, c.sel_bits
        self._lfsr = LFSR(self.width, self.seed, self.taps, self.form)

    def reset(self) -> None:
        """Synchronous reset: the LFSR returns to ``seed``."""
        self._lfsr.reset()

    def step(self, inputs: object, en: object = 1) -> MuxOutputs:
        """Advance one cycle; return ``y``, ``sel``, ``state`` seen before the edge.

        ``inputs``: ``n_inputs`` bits of this cycle; ``en``: 0/1.
        """
        x = _check_lane_bits("inputs", inputs, self.n_inputs)
        en = check_int("en", en, 0, 1)
        state = int(self._lfsr.step(en))
        sel = int(mux_select(state, self.n_inputs, self.sel_bits))
        return MuxOutputs(int(x[sel]), sel, state)


# --------------------------------------------------------------------------
# Majority
# --------------------------------------------------------------------------


def check_majority_inputs(n_inputs: object) -> int:
    """Validate the majority gate's ``n_inputs`` (1 .. 64)."""
    return check_int("n_inputs", n_inputs, 1, MAX_MAJORITY_INPUTS)


def check_tie(tie: object) -> str:
    """Validate the tie rule: ``"zero"``, ``"one"`` or ``"alternate"``."""
    return str(check_choice("tie", tie, TIES))


def majority(inputs: object, tie: str = "zero") -> np.ndarray:
    """``y`` of a majority gate for ``inputs`` of shape ``(..., n_cycles, n_inputs)``.

    Each leading instance starts from reset (toggle 0). Returns ``uint8``
    ``(..., n_cycles)``.
    """
    tie = check_tie(tie)
    x = _check_inputs("inputs", inputs, 1, MAX_MAJORITY_INPUTS)
    n = x.shape[-1]
    twice = 2 * x.sum(axis=-1, dtype=np.int64)
    ties = twice == n
    if tie == "zero":
        tie_value = np.zeros(ties.shape, dtype=np.int64)
    elif tie == "one":
        tie_value = np.ones(ties.shape, dtype=np.int64)
    else:
        tie_value = _exclusive_cumsum(ties) & 1
    return np.where(twice > n, 1, np.where(ties, tie_value, 0)).astype(np.uint8)


class Majority:
    """Cycle model of the majority gate (twin of :class:`sc_hw.arith.Majority`).

    Takes a :class:`MajorityConfig` (or its fields, positionally or as keywords).
    """

    def __init__(self, *args: object, **params: object) -> None:
        self.config = config_from(MajorityConfig, args, params)
        self.n_inputs, self.tie = self.config.n_inputs, self.config.tie
        self.toggle = 0

    def reset(self) -> None:
        """Synchronous reset: the tie toggle returns to 0."""
        self.toggle = 0

    def step(self, inputs: object) -> int:
        """Advance one cycle; return ``y`` for this cycle's ``n_inputs`` bits."""
        x = _check_lane_bits("inputs", inputs, self.n_inputs)
        twice = 2 * int(x.sum())
        if twice != self.n_inputs:
            return int(twice > self.n_inputs)
        if self.tie == "zero":
            return 0
        if self.tie == "one":
            return 1
        y, self.toggle = self.toggle, self.toggle ^ 1
        return y


# --------------------------------------------------------------------------
# Parallel counter
# --------------------------------------------------------------------------


def check_counter_inputs(n_inputs: object) -> int:
    """Validate the parallel counter's ``n_inputs`` (1 .. 256)."""
    return check_int("n_inputs", n_inputs, 1, MAX_COUNTER_INPUTS)


def count_width(n_inputs: int) -> int:
    """Width of the ``count`` port: ``n_inputs.bit_length()`` = ``ceil(log2(n_inputs + 1))``."""
    return check_counter_inputs(n_inputs).bit_length()


def tree_depth(n_inputs: int) -> int:
    """Adder levels of the balanced tree: ``ceil(log2 n_inputs)`` (0 for one input)."""
    return (check_counter_inputs(n_inputs) - 1).bit_length()


def check_pipeline(n_inputs: int, pipeline: object) -> int:
    """Validate ``pipeline`` (``0 .. tree_depth(n_inputs)``)."""
    return check_int("pipeline", pipeline, 0, tree_depth(n_inputs))


def register_levels(n_inputs: int, pipeline: int) -> tuple[int, ...]:
    """Tree levels whose nodes are registered: ``ceil(j D / P)`` for ``j = 1 .. P``."""
    depth = tree_depth(n_inputs)
    p = check_pipeline(n_inputs, pipeline)
    return tuple(-(-j * depth // p) for j in range(1, p + 1))


def parallel_count(inputs: object, pipeline: int = 0) -> np.ndarray:
    """``count`` of the parallel counter for ``inputs`` of shape ``(..., n_cycles, n_inputs)``.

    The popcount of each cycle's row, delayed by ``pipeline`` cycles; the
    first ``pipeline`` cycles after reset show 0. Returns ``int64`` ``(..., n_cycles)``.
    """
    x = _check_inputs("inputs", inputs, 1, MAX_COUNTER_INPUTS)
    p = check_pipeline(x.shape[-1], pipeline)
    counts = x.sum(axis=-1, dtype=np.int64)
    out = np.zeros(counts.shape, dtype=np.int64)
    n_cycles = counts.shape[-1]
    if n_cycles > p:
        out[..., p:] = counts[..., : n_cycles - p]
    return out


class ParallelCounter:
    """Cycle model of the parallel counter (twin of :class:`sc_hw.arith.ParallelCounter`).

    Takes a :class:`ParallelCounterConfig` (or its fields, positionally or as keywords).
    """

    def __init__(self, *args: object, **params: object) -> None:
        self.config = config_from(ParallelCounterConfig, args, params)
        self.n_inputs, self.pipeline = self.config.n_inputs, self.config.pipeline
        self._line = [0] * self.pipeline  # _line[j]: the count held by stage j + 1

    def reset(self) -> None:
        """Synchronous reset: every pipeline register returns to 0."""
        self._line = [0] * self.pipeline

    def step(self, inputs: object) -> int:
        """Advance one cycle; return ``count`` seen before the edge."""
        x = _check_lane_bits("inputs", inputs, self.n_inputs)
        now = int(x.sum())
        if not self.pipeline:
            return now
        out = self._line[-1]
        self._line = [now] + self._line[:-1]
        return out


# --------------------------------------------------------------------------
# Stream counter
# --------------------------------------------------------------------------


def check_count_width(count_width: object) -> int:
    """Validate the stream counter's ``count_width`` (1 .. 32)."""
    return check_int("count_width", count_width, 1, MAX_COUNT_WIDTH)


class StreamCounterOutputs(NamedTuple):
    """Outputs of the stream counter (ints per cycle, or arrays over cycles)."""

    count: int | np.ndarray  #: the counter register
    saturated: int | np.ndarray  #: ``count == 2**count_width - 1``


def stream_count(
    bit_in: object, count_width: int, en: object = 1, clear: object = 0
) -> StreamCounterOutputs:
    """``count`` and ``saturated`` during each cycle from reset, vectorised.

    ``bit_in`` has shape ``(..., n_cycles)``; ``en`` and ``clear`` broadcast
    against it. Between clears the count is ``min(increments so far, max)``
    (a saturating sum of 0/1 steps never exceeds that and reaches it
    monotonically), so no loop over time is needed. Returns ``int64`` and
    ``uint8`` arrays of ``bit_in``'s shape.
    """
    top = (1 << check_count_width(count_width)) - 1
    x = check_bits("bit_in", bit_in)
    if x.ndim < 1:
        raise ValueError(f"bit_in must have shape (..., n_cycles), not shape {x.shape}")
    try:
        en_a = np.broadcast_to(check_bits("en", en), x.shape)
        clear_a = np.broadcast_to(check_bits("clear", clear), x.shape)
    except ValueError:
        raise ValueError(f"en and clear must broadcast to bit_in's shape {x.shape}") from None
    inc = x & en_a & (clear_a ^ np.uint8(1))
    before = _exclusive_cumsum(inc)  # increments in cycles 0 .. t - 1
    t = np.arange(x.shape[-1], dtype=np.int64)
    mark = np.where(clear_a != 0, t + 1, 0)  # a clear in cycle t restarts from cycle t + 1
    start = np.zeros(x.shape, dtype=np.int64)
    if x.shape[-1] > 1:
        start[..., 1:] = np.maximum.accumulate(mark[..., :-1], axis=-1)
    count = np.minimum(before - np.take_along_axis(before, start, axis=-1), top)
    return StreamCounterOutputs(count, (count == top).astype(np.uint8))


class StreamCounter:
    """Cycle model of the stream counter (twin of :class:`sc_hw.arith.StreamCounter`).

    Takes a :class:`StreamCounterConfig` (or ``count_width``, positionally or as a keyword).
    """

    def __init__(self, *args: object, **params: object) -> None:
        self.config = config_from(StreamCounterConfig, args, params)
        self.count_width = self.config.count_width
        self.top = (1 << self.count_width) - 1
        self.count = 0

    def reset(self) -> None:
        """Synchronous reset: the counter returns to 0."""
        self.count = 0

    def step(self, bit_in: object, en: object = 1, clear: object = 0) -> StreamCounterOutputs:
        """Advance one cycle; return ``count`` and ``saturated`` seen before the edge."""
        bit_in = check_int("bit_in", bit_in, 0, 1)
        en = check_int("en", en, 0, 1)
        clear = check_int("clear", clear, 0, 1)
        count = self.count
        if clear:
            self.count = 0
        elif en and bit_in and count < self.top:
            self.count = count + 1
        return StreamCounterOutputs(count, int(count == self.top))
