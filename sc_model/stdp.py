"""On-chip pair-based STDP for N pre x M post synapses (block ``stdp``).

Every synapse ``(m, j)`` (post-synaptic neuron ``m``, pre-synaptic input
``j``) holds a weight. Each input ``j`` has a pre-synaptic trace ``x[j]`` and
each neuron ``m`` a post-synaptic trace ``y[m]``: integer registers bumped on
a spike and decayed geometrically. A post spike of ``m`` potentiates every
``w[m][j]`` by an amount proportional to ``x[j]`` (pre before post); a pre
spike of ``j`` depresses every ``w[m][j]`` by an amount proportional to
``y[m]`` (post before pre). Integer arithmetic only: constant amplitudes are
elaboration parameters (shift-and-add in hardware), fractional learning rates
come from stochastic rounding against an LFSR.

Contract (shared with :class:`sc_hw.stdp.STDP`)
------------------------------------------------
Sizes
    ``n_pre = N`` (1 .. 64) pre-synaptic inputs, ``n_post = M`` (1 .. 32)
    post-synaptic neurons, ``M N`` synapses; synapse ``(m, j)`` has index
    ``k = m N + j``.
Weights
    Signed two's-complement registers of ``weight_width = wb`` (2 .. 16) bits,
    always inside ``[w_min, w_max]`` with
    ``-2**(wb - 1) <= w_min <= w_max <= 2**(wb - 1) - 1`` (defaults ``0`` and
    ``2**(wb - 1) - 1``). Reset (and power-on) values: ``weights``, an
    ``M x N`` nested list inside ``[w_min, w_max]`` (default: 0 clamped into
    the range). ``sat(v) = min(max(v, w_min), w_max)``: every update is
    computed exactly and clamped once, never wrapped.
Traces
    Unsigned ``trace_width = tb`` (1 .. 16) bit registers, reset 0,
    ``X_MAX = 2**tb - 1``. ``pre_increment`` and ``post_increment``
    (``a_x``, ``a_y``, 0 .. X_MAX, default ``2**(tb - 1)``) are what a spike
    adds (``pairing="all_to_all"``: ``x := min(D(x) + a_x, X_MAX)``, the
    trace sums the contributions of all earlier spikes) or sets
    (``pairing="nearest"``: ``x := a_x``, only the most recent spike counts).
Decay ``D`` (``decay``), applied on *decay ticks* only
    * ``"shift"``: ``D(x) = x - (x >> k)``, ``k = decay_shift`` (1 .. tb,
      default ``min(3, tb)``); equals ``ceil(x (1 - 2**-k))``, so a trace
      stops decaying below ``2**k``.
    * ``"mult"``: ``D(x) = (x * c) >> q``, ``c = decay_mult`` in
      ``[0, 2**q - 1]``, ``q = decay_mult_shift`` (1 .. 16, default 8),
      default ``c = 2**q - max(1, 2**q >> 3)``; equals ``floor(x c / 2**q)``
      and reaches 0.
    ``decay_shift`` must be None unless ``"shift"``; ``decay_mult`` and
    ``decay_mult_shift`` None unless ``"mult"``. The decay tick: a
    ``P = decay_period_log2`` (0 .. 16) bit prescaler counter (reset 0)
    counts enabled cycles; an enabled cycle is a tick when the counter is
    ``2**P - 1`` (every enabled cycle for ``P = 0``), so traces decay once
    every ``2**P`` enabled cycles, the first time in enabled cycle ``2**P - 1``.
Trace update of an enabled cycle (``t`` the current register value)
    ``d = D(t)`` on a tick else ``t``; spike: ``t := min(d + a, X_MAX)``
    (all-to-all) or ``a`` (nearest); no spike: ``t := d``.
Weight update of an enabled cycle
    From the *register* values of the cycle (traces before this cycle's
    spikes; the LFSR state ``S`` of the cycle):
    ``P[m][j] = R(a_plus * x[j], r_mj)`` if ``post[m]`` else 0,
    ``Q[m][j] = R(a_minus * y[m], r_mj)`` if ``pre[j]`` else 0,
    ``w[m][j] := sat(w[m][j] + P[m][j] - Q[m][j])``, where ``a_plus`` and
    ``a_minus`` are 0 .. 65535 and ``R`` drops ``s = update_shift``
    (0 .. 24) fraction bits. A pre and a post spike in the same cycle are
    therefore *not* paired with each other (lag 0 counts for neither); each
    pairs with the earlier spikes on the other side, both changes apply, and
    the sum is clamped once.
Rounding ``R(v, r)`` (``rounding``)
    * ``"floor"`` (default): ``v >> s``.
    * ``"stochastic"``: ``(v >> s) + (r < (v mod 2**s))``: the dropped
      fraction ``f = v mod 2**s`` rounds up with probability ``f / 2**s``
      (needs ``1 <= s <= width``). ``r_mj`` is the low ``s`` bits of the
      LFSR state rotated left by ``rotations[k]`` (bit ``i`` is state bit
      ``(i - rot) mod width``; :func:`sc_model.sng.select_bits`), default
      ``rotations[k] = k * width // (M N)``
      (:func:`sc_model.sng.default_rotations`). Potentiation and depression
      of one synapse in one cycle use the same ``r_mj``. One LFSR with the
      contract of :mod:`sc_model.lfsr` (``width`` 3 .. 32 default 16,
      ``seed`` default 1, ``taps``, ``form``), stepped on every enabled edge.
      Over a full LFSR period every ``s``-bit pattern occurs ``2**(width - s)``
      times except 0, once less, so a fraction ``f >= 1`` rounds up
      ``f 2**(width - s) - 1`` times per ``2**width - 1`` cycles (bias
      ``-1 / (2**width - 1)`` of one weight step). ``seed``, ``taps`` and
      ``rotations`` must be None under ``"floor"`` (there is no LFSR).
Weight write port
    ``w_en`` (1), ``w_addr`` (``max(1, (M N - 1).bit_length())`` bits),
    ``w_data`` (``wb`` bits, two's complement). At the edge ending a cycle
    with ``w_en`` high, synapse ``k = w_addr`` takes ``sat(w_data)``
    (clamped into ``[w_min, w_max]``), overriding that synapse's learning
    update of the cycle; ``w_addr >= M N`` writes nothing. Writes act
    whatever ``en`` is.
Enable and reset
    ``en`` low: traces, weights (except writes), prescaler and LFSR hold and
    the spikes of the cycle are ignored. ``rst``: traces and prescaler 0,
    LFSR to ``seed``, weights to ``weights``.
Ports and timing
    Inputs ``pre`` (N bits, input ``j`` is bit ``j``), ``post`` (M bits),
    ``en``, the write port. Outputs, all registers (no combinational path):
    ``weights`` (``M N wb`` bits, synapse ``k`` two's complement in bits
    ``[k wb, (k + 1) wb)``), ``pre_trace`` (``N tb`` bits), ``post_trace``
    (``M tb`` bits). The values shown during cycle ``t`` reflect the inputs
    of cycles ``0 .. t - 1``: a spike in cycle ``t`` shows in the traces in
    cycle ``t + 1``, and pairs with a spike of the other side in cycle
    ``t + 1`` or later.
Sampled STDP window (all-to-all or nearest, one pair, ``P = 0``)
    A pre spike at cycle ``t0`` and a post spike at ``t0 + dt``, ``dt >= 1``,
    change the weight by ``+R(a_plus D^(dt-1)(a_x))``; the reverse order
    by ``-R(a_minus D^(dt-1)(a_y))``: the exponential window
    ``A exp(-|dt| / tau)`` with ``tau = -1 / ln(1 - 2**-k)`` (shift) or
    ``-1 / ln(c / 2**q)`` (mult) cycles (times ``2**P``), sampled in integers.

Array conventions of the vectorised functions: time is axis 0; ``pre`` has
shape ``(n_cycles, *batch, N)``, ``post`` ``(n_cycles, *batch, M)``; weights
come out as ``(n_cycles, *batch, M, N)``. Batch elements are independent runs
from reset that share the LFSR sequence (same ``seed``); a run over seeds is
a loop over parameter sets.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from ._validate import check_bits, check_choice, check_int, must_be_unset, settle, take_config
from .lfsr import FORMS, LFSR, check_seed, check_taps, check_width, lfsr_sequence
from .sng import default_rotations

MAX_PRE = 64
MAX_POST = 32
MIN_WEIGHT_WIDTH = 2
MAX_WEIGHT_WIDTH = 16
MAX_TRACE_WIDTH = 16
MAX_AMPLITUDE = (1 << 16) - 1
MAX_UPDATE_SHIFT = 24
MAX_MULT_SHIFT = 16
MAX_PERIOD_LOG2 = 16
PAIRINGS = ("all_to_all", "nearest")
DECAYS = ("shift", "mult")
ROUNDINGS = ("floor", "stochastic")


# --------------------------------------------------------------------------
# Parameters
# --------------------------------------------------------------------------


def check_weight_matrix(
    name: str, weights: object, m: int, n: int, lo: int, hi: int, lo_name: str, hi_name: str
) -> np.ndarray:
    """Validate an ``M x N`` matrix of ints in ``[lo, hi]``; return ``int64`` ``(M, N)``."""
    if isinstance(weights, (str, bytes)):
        raise TypeError(f"{name} must be an M x N nested list of ints, not {weights!r}")
    try:
        arr = np.asarray(weights)
    except ValueError:
        arr = np.asarray(weights, dtype=object)
    if arr.dtype == object or arr.shape != (m, n):
        shape = "ragged rows" if arr.dtype == object else arr.shape
        raise ValueError(f"{name} must have shape (n_post, n_pre) = ({m}, {n}), not {shape}")
    if arr.dtype == np.bool_ or not np.issubdtype(arr.dtype, np.integer):
        raise TypeError(f"{name} must hold integers, not dtype {arr.dtype}")
    bad = np.argwhere((arr < lo) | (arr > hi))
    if bad.size:
        i, j = (int(v) for v in bad[0])
        raise ValueError(
            f"{name}[{i}][{j}] must be in [{lo_name}, {hi_name}] = [{lo}, {hi}], "
            f"not {int(arr[i, j])}"
        )
    return arr.astype(np.int64)


@dataclass(frozen=True, kw_only=True)
class STDPConfig:
    """Every parameter of the ``stdp`` block (module docstring), validated at construction.

    Built once and taken by :class:`STDP`, :func:`stdp_run` and
    :class:`sc_hw.stdp.STDP`. Defaults left at None are filled in; the
    parameters of the mode not chosen stay None (``decay_shift`` under
    ``decay="mult"``, ``decay_mult`` and ``decay_mult_shift`` under
    ``"shift"``, ``seed``, ``taps`` and ``rotations`` under
    ``rounding="floor"``). Sequences are stored as tuples.
    """

    n_pre: int
    n_post: int
    weight_width: int = 8
    w_min: int | None = None
    w_max: int | None = None
    weights: Sequence[Sequence[int]] | None = None
    trace_width: int = 8
    pre_increment: int | None = None
    post_increment: int | None = None
    pairing: str = "all_to_all"
    decay: str = "shift"
    decay_shift: int | None = None
    decay_mult: int | None = None
    decay_mult_shift: int | None = None
    decay_period_log2: int = 0
    a_plus: int = 3
    a_minus: int = 3
    update_shift: int = 4
    rounding: str = "floor"
    width: int = 16
    seed: int | None = None
    taps: Sequence[int] | None = None
    form: str = "fibonacci"
    rotations: Sequence[int] | None = None

    def __post_init__(self) -> None:
        n = check_int("n_pre", self.n_pre, 1, MAX_PRE)
        m = check_int("n_post", self.n_post, 1, MAX_POST)
        wb = check_int("weight_width", self.weight_width, MIN_WEIGHT_WIDTH, MAX_WEIGHT_WIDTH)
        lo, hi = -(1 << (wb - 1)), (1 << (wb - 1)) - 1
        w_min = 0 if self.w_min is None else check_int("w_min", self.w_min, lo, hi)
        w_max = hi if self.w_max is None else check_int("w_max", self.w_max, w_min, hi)
        if w_min > w_max:  # only when w_min was given above the default w_max
            raise ValueError(f"w_min must be in [{lo}, w_max={w_max}], not {w_min}")
        w = self.weights
        w = np.full((m, n), min(max(0, w_min), w_max)) if w is None else w
        w_arr = check_weight_matrix("weights", w, m, n, w_min, w_max, "w_min", "w_max")
        tb = check_int("trace_width", self.trace_width, 1, MAX_TRACE_WIDTH)
        x_max = (1 << tb) - 1
        default_inc = 1 << (tb - 1)
        pre_inc = default_inc if self.pre_increment is None else self.pre_increment
        post_inc = default_inc if self.post_increment is None else self.post_increment
        pre_inc = check_int("pre_increment", pre_inc, 0, x_max)
        post_inc = check_int("post_increment", post_inc, 0, x_max)
        pairing = str(check_choice("pairing", self.pairing, PAIRINGS))
        decay = str(check_choice("decay", self.decay, DECAYS))
        k, c, q = self.decay_shift, self.decay_mult, self.decay_mult_shift
        if decay == "shift":
            must_be_unset("decay_mult", c, "decay='mult'")
            must_be_unset("decay_mult_shift", q, "decay='mult'")
            k = min(3, tb) if k is None else check_int("decay_shift", k, 1, tb)
        else:
            must_be_unset("decay_shift", k, "decay='shift'")
            q = check_int("decay_mult_shift", 8 if q is None else q, 1, MAX_MULT_SHIFT)
            c = (1 << q) - max(1, (1 << q) >> 3) if c is None else c
            c = check_int("decay_mult", c, 0, (1 << q) - 1)
        period = check_int("decay_period_log2", self.decay_period_log2, 0, MAX_PERIOD_LOG2)
        a_plus = check_int("a_plus", self.a_plus, 0, MAX_AMPLITUDE)
        a_minus = check_int("a_minus", self.a_minus, 0, MAX_AMPLITUDE)
        s = check_int("update_shift", self.update_shift, 0, MAX_UPDATE_SHIFT)
        rounding = str(check_choice("rounding", self.rounding, ROUNDINGS))
        width = check_width(self.width)
        form = str(check_choice("form", self.form, FORMS))
        seed, taps, rotations = self.seed, self.taps, self.rotations
        if rounding == "stochastic":
            if not 1 <= s <= width:
                raise ValueError(
                    f"update_shift must be in [1, width={width}] for rounding='stochastic' "
                    f"(an s-bit random fraction from the width-bit LFSR), not {s}"
                )
            seed = check_seed(width, 1 if seed is None else seed)
            taps = check_taps(width, taps)
            rotations = _check_rotations(rotations, m * n, width)
        else:
            must_be_unset("seed", seed, "rounding='stochastic'")
            must_be_unset("taps", taps, "rounding='stochastic'")
            must_be_unset("rotations", rotations, "rounding='stochastic'")
        settle(
            self,
            n_pre=n,
            n_post=m,
            weight_width=wb,
            w_min=w_min,
            w_max=w_max,
            weights=tuple(tuple(int(v) for v in row) for row in w_arr),
            trace_width=tb,
            pre_increment=pre_inc,
            post_increment=post_inc,
            pairing=pairing,
            decay=decay,
            decay_shift=k,
            decay_mult=c,
            decay_mult_shift=q,
            decay_period_log2=period,
            a_plus=a_plus,
            a_minus=a_minus,
            update_shift=s,
            rounding=rounding,
            width=width,
            seed=seed,
            taps=taps,
            form=form,
            rotations=rotations,
        )

    @property
    def n_synapses(self) -> int:
        return self.n_pre * self.n_post

    @property
    def addr_width(self) -> int:
        """Bits of ``w_addr``: ``max(1, (M N - 1).bit_length())``."""
        return max(1, (self.n_synapses - 1).bit_length())

    @property
    def trace_max(self) -> int:
        return (1 << self.trace_width) - 1

    @property
    def weight_array(self) -> np.ndarray:
        """The reset weights as ``int64`` ``(M, N)``."""
        return np.array(self.weights, dtype=np.int64).reshape(self.n_post, self.n_pre)

    @property
    def rotation_array(self) -> np.ndarray:
        """Rotations as ``uint64`` ``(M, N)`` (synapse ``k = m N + j``; stochastic rounding)."""
        return np.array(self.rotations, dtype=np.uint64).reshape(self.n_post, self.n_pre)


def _check_rotations(rotations: object, n_synapses: int, width: int) -> tuple[int, ...]:
    """``rotations`` checked, or the default spread (:func:`sc_model.sng.default_rotations`)."""
    if rotations is None:
        return default_rotations(width, n_synapses)
    if isinstance(rotations, (str, bytes)) or not isinstance(rotations, Sequence | np.ndarray):
        raise TypeError(f"rotations must be a sequence of M N = {n_synapses} ints")
    rots = tuple(rotations)
    if len(rots) != n_synapses:
        raise ValueError(f"rotations must hold M N = {n_synapses} entries, not {len(rots)}")
    return tuple(check_int(f"rotations[{i}]", r, 0, width - 1) for i, r in enumerate(rots))


def check_stdp_params(**params: object) -> STDPConfig:
    """``STDPConfig(**params)`` (the older call shape)."""
    return STDPConfig(**params)  # type: ignore[arg-type]


# --------------------------------------------------------------------------
# Combinational pieces (pure, vectorised over any shape)
# --------------------------------------------------------------------------


def decay_traces(x: object, p: STDPConfig) -> np.ndarray:
    """``D(x)`` of the contract for every element (``int64``)."""
    x = np.asarray(x, dtype=np.int64)
    if p.decay == "shift":
        return x - (x >> p.decay_shift)
    return (x * p.decay_mult) >> p.decay_mult_shift


def trace_next(
    x: object, spikes: object, tick: object, increment: int, p: STDPConfig
) -> np.ndarray:
    """Next trace value after an *enabled* cycle (``spikes``, ``tick`` 0/1 broadcast)."""
    x = np.asarray(x, dtype=np.int64)
    d = np.where(np.asarray(tick) != 0, decay_traces(x, p), x)
    bumped = np.minimum(d + increment, p.trace_max) if p.pairing == "all_to_all" else increment
    return np.where(np.asarray(spikes) != 0, bumped, d).astype(np.int64)


def synapse_randoms(state: object, p: STDPConfig) -> np.ndarray:
    """``r_mj`` of every synapse from LFSR states: ``int64`` ``state.shape + (M, N)``."""
    if p.rounding == "floor":
        return np.zeros(np.shape(state) + (p.n_post, p.n_pre), dtype=np.int64)
    s = np.asarray(state, dtype=np.uint64)[..., None, None]
    rot, w = p.rotation_array, np.uint64(p.width)
    rotated = (s << rot) | (s >> (w - rot))
    return (rotated & np.uint64((1 << p.update_shift) - 1)).astype(np.int64)


def round_shift(v: object, r: object, shift: int, rounding: str) -> np.ndarray:
    """``R(v, r)``: ``v >> shift``, +1 if ``rounding="stochastic"`` and ``r < v mod 2**shift``."""
    v = np.asarray(v, dtype=np.int64)
    out = v >> shift
    if rounding == "stochastic":
        out = out + (np.asarray(r) < (v & ((1 << shift) - 1)))
    return out.astype(np.int64)


def pair_updates(
    x_pre: object, y_post: object, pre: object, post: object, r: object, p: STDPConfig
) -> tuple[np.ndarray, np.ndarray]:
    """``(P, Q)`` of the contract, ``int64`` ``(*batch, M, N)`` each.

    ``x_pre`` ``(*batch, N)`` and ``y_post`` ``(*batch, M)`` are the trace
    registers, ``pre``/``post`` the spike bits of the cycle, ``r`` the
    random numbers ``(..., M, N)`` of :func:`synapse_randoms`.
    """
    x = np.asarray(x_pre, np.int64)[..., None, :]
    y = np.asarray(y_post, np.int64)[..., :, None]
    pot = round_shift(p.a_plus * x, r, p.update_shift, p.rounding)
    dep = round_shift(p.a_minus * y, r, p.update_shift, p.rounding)
    pot = np.where(np.asarray(post)[..., :, None] != 0, pot, 0)
    dep = np.where(np.asarray(pre)[..., None, :] != 0, dep, 0)
    return pot, dep


def saturate(w: object, p: STDPConfig) -> np.ndarray:
    """``sat(w) = min(max(w, w_min), w_max)``."""
    return np.clip(np.asarray(w, dtype=np.int64), p.w_min, p.w_max)


def decode_w_data(w_data: int, p: STDPConfig) -> int:
    """The weight written by ``w_data`` (``wb`` bits two's complement), clamped into range."""
    wb = p.weight_width
    w_data = check_int("w_data", w_data, 0, (1 << wb) - 1)
    value = w_data - (1 << wb) if w_data >> (wb - 1) else w_data
    return int(min(max(value, p.w_min), p.w_max))


def encode_w_data(weight: int, p: STDPConfig) -> int:
    """The ``w_data`` port value that writes ``weight`` (``wb`` bits two's complement)."""
    wb = p.weight_width
    weight = check_int("weight", weight, -(1 << (wb - 1)), (1 << (wb - 1)) - 1)
    return weight & ((1 << wb) - 1)


def decay_ticks(en: np.ndarray, period_log2: int) -> np.ndarray:
    """Decay tick of every cycle of a run from reset (``en`` 0/1 of shape ``(n_cycles,)``)."""
    en = np.asarray(en, dtype=np.int64)
    before = np.cumsum(en) - en  # enabled cycles before this one = prescaler count
    mask = (1 << period_log2) - 1
    return ((en != 0) & ((before & mask) == mask)).astype(np.uint8)


def lfsr_states_run(
    en: np.ndarray, width: int, seed: int, taps: Sequence[int], form: str
) -> np.ndarray:
    """LFSR state during each cycle of a run from reset, stepping on enabled edges."""
    en = np.asarray(en, dtype=np.int64)
    before = np.cumsum(en) - en
    seq = lfsr_sequence(width, seed, int(before[-1]) + 1 if en.size else 0, taps, form)
    return seq[before] if en.size else seq


# --------------------------------------------------------------------------
# Vectorised run from reset
# --------------------------------------------------------------------------


class STDPState(NamedTuple):
    """Register values: ``weights`` ``(..., M, N)``, ``pre_trace`` ``(..., N)``,
    ``post_trace`` ``(..., M)``, all ``int64``."""

    weights: np.ndarray
    pre_trace: np.ndarray
    post_trace: np.ndarray


def _check_spikes(name: str, spikes: object, size: int, size_name: str) -> np.ndarray:
    bits = check_bits(name, spikes)
    if bits.ndim < 1 or bits.shape[-1] != size:
        raise ValueError(f"{name} must have last axis {size_name}={size}, not shape {bits.shape}")
    return bits


def _check_run(
    p: STDPConfig, pre: object, post: object, en: object
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    pre_b = _check_spikes("pre", pre, p.n_pre, "n_pre")
    post_b = _check_spikes("post", post, p.n_post, "n_post")
    if pre_b.ndim < 1 or pre_b.shape[:-1] != post_b.shape[:-1]:
        raise ValueError(f"pre {pre_b.shape} and post {post_b.shape} must share (n_cycles, *batch)")
    n_cycles = pre_b.shape[0]
    en_b = np.ones(n_cycles, np.uint8) if en is None else check_bits("en", en)
    if en_b.shape != (n_cycles,):
        raise ValueError(f"en must have shape (n_cycles,) = ({n_cycles},), not {en_b.shape}")
    return pre_b, post_b, en_b


def stdp_run(p: STDPConfig, pre: object, post: object, en: object = None) -> STDPState:
    """Register values during every cycle of a run from reset (no weight writes).

    ``pre`` ``(n_cycles, *batch, N)`` and ``post`` ``(n_cycles, *batch, M)``
    spike bits; ``en`` ``(n_cycles,)`` 0/1 shared by the batch (default all 1).
    Returns :class:`STDPState` with a leading time axis: entry ``t`` is what
    the block outputs during cycle ``t``. The loop runs over time only; the
    decay ticks and LFSR states are computed up front.
    """
    pre_b, post_b, en_b = _check_run(p, pre, post, en)
    n_cycles, batch = pre_b.shape[0], pre_b.shape[1:-1]
    ticks = decay_ticks(en_b, p.decay_period_log2)
    states = (
        lfsr_states_run(en_b, p.width, p.seed, p.taps, p.form)
        if p.rounding == "stochastic"
        else np.ones(n_cycles, np.uint64)
    )
    w = np.broadcast_to(p.weight_array, batch + (p.n_post, p.n_pre)).copy()
    x = np.zeros(batch + (p.n_pre,), np.int64)
    y = np.zeros(batch + (p.n_post,), np.int64)
    out_w = np.empty((n_cycles,) + w.shape, np.int64)
    out_x = np.empty((n_cycles,) + x.shape, np.int64)
    out_y = np.empty((n_cycles,) + y.shape, np.int64)
    for t in range(n_cycles):
        out_w[t], out_x[t], out_y[t] = w, x, y
        if not en_b[t]:
            continue
        r = synapse_randoms(states[t], p)
        pot, dep = pair_updates(x, y, pre_b[t], post_b[t], r, p)
        w = saturate(w + pot - dep, p)
        x = trace_next(x, pre_b[t], ticks[t], p.pre_increment, p)
        y = trace_next(y, post_b[t], ticks[t], p.post_increment, p)
    return STDPState(out_w, out_x, out_y)


# --------------------------------------------------------------------------
# Cycle model
# --------------------------------------------------------------------------


class STDP:
    """Cycle model of the block (twin of :class:`sc_hw.stdp.STDP`).

    Takes an :class:`STDPConfig` (or its fields as keywords). ``step`` returns
    the register values *during* the current cycle, then applies the clock edge.
    """

    def __init__(self, config: STDPConfig | None = None, **params: object) -> None:
        self.config = self.params = p = take_config(STDPConfig, config, params)
        stochastic = p.rounding == "stochastic"  # no LFSR in the contract otherwise
        self._lfsr = LFSR(p.width, p.seed, p.taps, p.form) if stochastic else None
        self.reset()

    def reset(self) -> None:
        """Synchronous reset: traces and prescaler 0, LFSR to its seed, weights restored."""
        if self._lfsr is not None:
            self._lfsr.reset()
        p = self.params
        self.weights = p.weight_array.copy()
        self.pre_trace = np.zeros(p.n_pre, np.int64)
        self.post_trace = np.zeros(p.n_post, np.int64)
        self.prescaler = 0
        self._zero_randoms = np.zeros((p.n_post, p.n_pre), np.int64)

    def _tick_and_randoms(self, en: int) -> tuple[int, np.ndarray]:
        p = self.params
        mask = (1 << p.decay_period_log2) - 1
        tick = int(en and self.prescaler == mask)
        if en:
            self.prescaler = (self.prescaler + 1) & mask
        if self._lfsr is None:  # rounding="floor": r is unused
            return tick, self._zero_randoms
        state = int(self._lfsr.step(en))
        return tick, synapse_randoms(np.uint64(state), p)

    def _check_step(
        self, pre: object, post: object, en: int, w_en: int, w_addr: int, w_data: int
    ) -> tuple[np.ndarray, np.ndarray, int, int, int, int]:
        p = self.params
        pre_b = check_bits("pre", pre)
        post_b = check_bits("post", post)
        if pre_b.shape != (p.n_pre,) or post_b.shape != (p.n_post,):
            raise ValueError(
                f"pre and post must have shapes ({p.n_pre},) and ({p.n_post},), "
                f"not {pre_b.shape} and {post_b.shape}"
            )
        en = check_int("en", en, 0, 1)
        w_en = check_int("w_en", w_en, 0, 1)
        w_addr = check_int("w_addr", w_addr, 0, (1 << p.addr_width) - 1)
        return pre_b, post_b, en, w_en, w_addr, decode_w_data(w_data, p)

    def _write(self, w_en: int, w_addr: int, value: int) -> None:
        p = self.params
        if w_en and w_addr < p.n_synapses:
            self.weights[w_addr // p.n_pre, w_addr % p.n_pre] = value

    def step(
        self,
        pre: object,
        post: object,
        en: int = 1,
        w_en: int = 0,
        w_addr: int = 0,
        w_data: int = 0,
    ) -> STDPState:
        """Advance one cycle: ``pre`` (N bits), ``post`` (M bits), ``en``, the write port.

        Returns the registers seen before the edge (copies).
        """
        p = self.params
        pre_b, post_b, en, w_en, w_addr, value = self._check_step(
            pre, post, en, w_en, w_addr, w_data
        )
        out = STDPState(self.weights.copy(), self.pre_trace.copy(), self.post_trace.copy())
        tick, r = self._tick_and_randoms(en)
        if en:
            pot, dep = pair_updates(self.pre_trace, self.post_trace, pre_b, post_b, r, p)
            self.weights = saturate(self.weights + pot - dep, p)
            self.pre_trace = trace_next(self.pre_trace, pre_b, tick, p.pre_increment, p)
            self.post_trace = trace_next(self.post_trace, post_b, tick, p.post_increment, p)
        self._write(w_en, w_addr, value)
        return out
