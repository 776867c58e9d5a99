"""Stochastic number generators (SNGs): an LFSR-fed comparator bank and a low-discrepancy SNG.

An SNG turns a binary value ``v`` into a bit stream whose fraction of ones
encodes ``v / 2**value_width``: on every cycle it draws a ``value_width``-bit
random (or quasi-random) number ``r`` and emits ``r < v`` (unsigned compare).

Comparator bank contract (block ``sng``; twin :class:`sc_hw.sng.SNGBank`)
--------------------------------------------------------------------------
Random source
    One LFSR with the contract of :mod:`sc_model.lfsr` (``width`` 3 .. 32,
    ``seed``, ``taps``, ``form``; ports ``en``, ``load``, ``load_value`` with
    the same timing and the same runtime-load-of-zero substitute).
Streams
    ``n_streams = K`` (1 .. 8) comparators share that one LFSR. Stream ``k``
    draws ``r_k``, a ``value_width``-bit number (``1 <= value_width <= width``)
    made of state bits through a per-stream *bit selection*:

    * rotation ``rot_k`` in ``[0, width - 1]``: ``r_k`` is the low
      ``value_width`` bits of the state rotated left by ``rot_k`` within
      ``width`` bits, i.e. bit ``i`` of ``r_k`` is state bit
      ``(i - rot_k) mod width``;
    * permutation ``perm_k`` (``value_width`` distinct indices in
      ``[0, width - 1]``): bit ``i`` of ``r_k`` is state bit ``perm_k[i]``.

    Exactly one of ``rotations`` / ``permutations`` may be given (one entry
    per stream). The default is ``rotations[k] = k * width // K``: the
    selections of any two streams are then disjoint whenever
    ``value_width <= width // K``.
Values and output
    ``values`` is ``K * value_width`` bits; stream ``k``'s value ``v_k`` in
    ``[0, 2**value_width - 1]`` is bits ``[k * value_width, (k + 1) * value_width)``.
    ``bits`` (``K`` bits, bit ``k`` = stream ``k``) is ``r_k < v_k``, unsigned.
    It is *combinational*: during cycle ``t`` it compares the state visible in
    cycle ``t`` (see :mod:`sc_model.lfsr`) with the values applied in cycle ``t``.
    ``state`` (``width`` bits) is the LFSR register.
Encoded probability and its bias
    Nominally ``P(bit_k = 1) = v_k / 2**value_width``. The LFSR never visits
    the all-zero state, so over one full period (``2**width - 1`` enabled
    cycles) each ``value_width``-bit pattern of a selection occurs
    ``2**(width - value_width)`` times except the zero pattern, which occurs
    once less. A stream with value ``v >= 1`` therefore emits exactly
    ``v * 2**(width - value_width) - 1`` ones per period, and ``v = 0`` none:

        ``p = (v * 2**(width - value_width) - 1) / (2**width - 1)``,
        ``p - v / 2**value_width = -(1 - v / 2**value_width) / (2**width - 1)``,

    a bias that is never positive and has magnitude below ``1 / (2**width - 1)``
    (e.g. 1.5e-5 for ``width = 16``). For two streams with *disjoint*
    selections (needs ``2 * value_width <= width``) and values ``a, b >= 1``
    the AND of the two emits exactly ``a * b * 2**(width - 2 * value_width) - 1``
    ones per period, so it encodes ``a * b / 2**(2 * value_width)`` with the
    same bound on the bias. The largest encodable probability is
    ``1 - 2**-value_width`` (``v = 2**value_width - 1``).
Correlation between streams
    Identical selections give SCC = +1 (``bit_i AND bit_j`` is the stream of
    ``min(v_i, v_j)``). Disjoint selections are independent up to the missing
    zero state: over a full period the stochastic cross-correlation (Alaghi &
    Hayes 2013) satisfies ``|SCC| <= 2**(2 * value_width - width) / (a * b)``
    (``a, b >= 1``; e.g. ``<= 3.4e-3`` for ``width = 16``, ``value_width = 8``
    and ``a, b >= 16``). Overlapping selections, e.g. the default rotations
    with ``value_width > width // K``, are *not* decorrelated in general: for
    ``width = value_width = 10`` and rotations ``(0, 5)`` the pair
    ``(a, b) = (512, 8)`` has SCC = +1.

Low-discrepancy SNG contract (block ``ldsng``; twin :class:`sc_hw.sng.LDSNG`)
------------------------------------------------------------------------------
Index counter
    ``index`` is a ``value_width``-bit register (``1 <= value_width <= 32``),
    reset 0, incremented on each rising edge with ``en`` high, wrapping modulo
    ``2**value_width``: the sequence *repeats* with that period.
Quasi-random number ``r = ld(index)``
    * ``kind="vdc"``: van der Corput in base 2: ``r`` is ``index``
      bit-reversed over ``value_width`` bits.
    * ``kind="sobol"``: one dimension (``dimension`` 1 .. 8) of the Sobol
      sequence in Gray-code order (Antonov & Saleev 1979):
      ``r = XOR of V_j over the set bits j - 1 of gray(index)``, where
      ``gray(i) = i ^ (i >> 1)`` and ``V_j = m_j << (value_width - j)``
      (``j = 1 .. value_width``). Dimension 1 has every ``m_j = 1`` (so it is
      the bit reversal of ``gray(index)``). Dimensions 2 .. 8 use the primitive
      polynomial of degree ``s``, coefficients ``a`` and initial ``m_1 .. m_s``
      from Joe & Kuo's table ``new-joe-kuo-6.21201`` (S. Joe and F. Y. Kuo,
      "Constructing Sobol sequences with better two-dimensional projections",
      SIAM J. Sci. Comput. 30 (2008) 2635-2654; table at
      https://web.maths.unsw.edu.au/~fkuo/sobol/), listed in
      :data:`JOE_KUO_6_21201`, extended by their recurrence
      ``m_k = 2 a_1 m_{k-1} ^ 4 a_2 m_{k-2} ^ ... ^ 2**(s-1) a_{s-1} m_{k-s+1}
      ^ 2**s m_{k-s} ^ m_{k-s}`` with ``a_1 .. a_{s-1}`` the bits of ``a``,
      most significant first.
Output
    ``bit_out = r < value`` (combinational: this cycle's ``index`` and ``value``).
Accuracy
    Over any aligned block of ``2**value_width`` indices ``r`` takes every
    value exactly once, so the encoded probability is exactly
    ``value / 2**value_width`` with no bias. More strongly, every aligned block
    of ``2**k`` indices (``k <= value_width``) puts exactly one ``r`` in each
    interval ``[j * 2**(value_width - k), (j + 1) * 2**(value_width - k))``,
    so after ``N`` enabled cycles from reset the count of ones differs from
    ``N * value / 2**value_width`` by at most ``popcount(N mod 2**value_width)
    <= log2(N) + 1``: the encoded value's error is at most
    ``C * log2(N) / N`` with ``C = 2`` for ``N >= 2``, against the
    ``~ 1 / sqrt(N)`` of a pseudo-random stream.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import NamedTuple

import numpy as np

from ._validate import (
    check_broadcast,
    check_broadcast_to,
    check_choice,
    check_int,
    check_int_array,
    config_from,
    settle,
)
from .lfsr import FORMS, LFSR, check_seed, check_taps, check_width, lfsr_sequence

MAX_STREAMS = 8
KINDS = ("vdc", "sobol")
MAX_LD_WIDTH = 32
MAX_SOBOL_DIMENSION = 8

#: ``dimension: (s, a, (m_1, .., m_s))`` for Sobol dimensions 2 .. 8, copied
#: from the first rows of Joe & Kuo's ``new-joe-kuo-6.21201`` (columns d, s,
#: a, m_i). Dimension 1 is not in the table: all its ``m_j`` are 1.
JOE_KUO_6_21201: dict[int, tuple[int, int, tuple[int, ...]]] = {
    2: (1, 0, (1,)),
    3: (2, 1, (1, 3)),
    4: (3, 1, (1, 3, 1)),
    5: (3, 2, (1, 1, 1)),
    6: (4, 1, (1, 1, 3, 3)),
    7: (4, 4, (1, 3, 5, 13)),
    8: (5, 2, (1, 1, 5, 5, 17)),
}


# --------------------------------------------------------------------------
# Comparator bank
# --------------------------------------------------------------------------


def check_value_width(width: int, value_width: object) -> int:
    """Validate ``value_width`` for an LFSR of ``width`` bits: ``1 .. width``."""
    return check_int("value_width", value_width, 1, width)


def default_rotations(width: int, n_streams: int) -> tuple[int, ...]:
    """``k * width // n_streams`` for each stream ``k``."""
    return tuple(k * width // n_streams for k in range(n_streams))


def rotation_indices(width: int, value_width: int, rotation: int) -> tuple[int, ...]:
    """State-bit index of each bit of ``r`` for a left rotation: ``(i - rotation) mod width``."""
    return tuple((i - rotation) % width for i in range(value_width))


def _check_permutation(name: str, perm: object, width: int, value_width: int) -> tuple[int, ...]:
    if isinstance(perm, (str, bytes)) or not isinstance(perm, Sequence | np.ndarray):
        raise TypeError(f"{name} must be a sequence of {value_width} bit indices, not {perm!r}")
    perm = tuple(perm)
    if len(perm) != value_width:
        raise ValueError(
            f"{name} must hold value_width={value_width} bit indices, not {len(perm)}: {perm}"
        )
    out = tuple(check_int(f"{name}[{i}]", p, 0, width - 1) for i, p in enumerate(perm))
    if len(set(out)) != len(out):
        raise ValueError(f"{name} must hold distinct bit indices, not {out}")
    return out


def check_selection(
    width: int,
    value_width: int,
    n_streams: int,
    rotations: Sequence[int] | None = None,
    permutations: Sequence[Sequence[int]] | None = None,
) -> tuple[tuple[int, ...], ...]:
    """Validate the per-stream bit selection; return it as state-bit indices.

    Returns one tuple per stream: entry ``i`` is the state bit that becomes
    bit ``i`` of that stream's random number. At most one of ``rotations``
    (``n_streams`` ints in ``[0, width - 1]``) and ``permutations``
    (``n_streams`` sequences of ``value_width`` distinct ints in
    ``[0, width - 1]``) may be given; neither means :func:`default_rotations`.
    """
    width = check_width(width)
    value_width = check_value_width(width, value_width)
    n_streams = check_int("n_streams", n_streams, 1, MAX_STREAMS)
    if rotations is not None and permutations is not None:
        raise ValueError("give at most one of rotations and permutations, not both")
    if permutations is not None:
        perms = tuple(permutations)
        if len(perms) != n_streams:
            raise ValueError(
                f"permutations must hold n_streams={n_streams} entries, not {len(perms)}"
            )
        return tuple(
            _check_permutation(f"permutations[{k}]", p, width, value_width)
            for k, p in enumerate(perms)
        )
    if rotations is None:
        rots = default_rotations(width, n_streams)
    else:
        rots = tuple(rotations)
        if len(rots) != n_streams:
            raise ValueError(f"rotations must hold n_streams={n_streams} entries, not {len(rots)}")
        rots = tuple(check_int(f"rotations[{k}]", r, 0, width - 1) for k, r in enumerate(rots))
    return tuple(rotation_indices(width, value_width, r) for r in rots)


def _gather(states: np.ndarray, indices: Sequence[int]) -> np.ndarray:
    """Bit ``i`` of the result is bit ``indices[i]`` of ``states`` (``uint64``)."""
    out = np.zeros(states.shape, dtype=np.uint64)
    one = np.uint64(1)
    for i, src in enumerate(indices):
        out |= ((states >> np.uint64(src)) & one) << np.uint64(i)
    return out


def select_bits(
    states: np.ndarray,
    width: int,
    value_width: int,
    rotation: int | None = None,
    permutation: Sequence[int] | None = None,
) -> np.ndarray:
    """Random numbers ``r`` of one stream from LFSR states (any shape; returns ``uint64``).

    ``rotation`` (default 0 when neither is given): low ``value_width`` bits
    of ``states`` rotated left by ``rotation`` within ``width`` bits.
    ``permutation``: bit ``i`` of ``r`` is state bit ``permutation[i]``.
    """
    width = check_width(width)
    value_width = check_value_width(width, value_width)
    s = check_int_array("states", states, 0, (1 << width) - 1).astype(np.uint64)
    if rotation is not None and permutation is not None:
        raise ValueError("give at most one of rotation and permutation, not both")
    if permutation is not None:
        return _gather(s, _check_permutation("permutation", permutation, width, value_width))
    rot = 0 if rotation is None else check_int("rotation", rotation, 0, width - 1)
    w = np.uint64(width)
    rotated = (s << np.uint64(rot)) | (s >> (w - np.uint64(rot)))
    return rotated & np.uint64((1 << value_width) - 1)


def comparator_bits(values: object, randoms: object) -> np.ndarray:
    """``randoms < values`` elementwise (broadcast), unsigned, as ``uint8`` 0/1."""
    v = check_int_array("values", values, 0)
    r = check_int_array("randoms", randoms, 0)
    check_broadcast(values=v, randoms=r)
    return (r < v).astype(np.uint8)


def lfsr_sng_streams(
    values: object,
    width: int,
    seed: int,
    n_cycles: int,
    value_width: int | None = None,
    rotations: Sequence[int] | None = None,
    permutations: Sequence[Sequence[int]] | None = None,
    taps: Sequence[int] | None = None,
    form: str = "fibonacci",
) -> np.ndarray:
    """The ``bits`` output of a comparator bank over ``n_cycles`` cycles, vectorised.

    Parameters
    ----------
    values : int array, shape ``(K,)`` or ``(n_cycles, K)``
        Stream values in ``[0, 2**value_width - 1]`` (held, or per cycle).
        ``K`` (1 .. 8) is the number of streams.
    width, seed, taps, form
        The LFSR (see :mod:`sc_model.lfsr`); ``en`` is held high, ``load`` low.
    n_cycles : int
        Number of cycles from reset (``>= 0``).
    value_width : int, optional
        Bits per value, ``1 .. width``; default ``width``.
    rotations, permutations
        Per-stream bit selection (see the module docstring); default
        rotations ``k * width // K``.

    Returns
    -------
    numpy.ndarray, ``uint8``, shape ``(n_cycles, K)``
        Row ``t`` is ``bits`` during cycle ``t``.
    """
    width = check_width(width)
    value_width = width if value_width is None else check_value_width(width, value_width)
    seed = check_seed(width, seed)
    n_cycles = check_int("n_cycles", n_cycles, 0)
    v = check_int_array("values", values, 0, (1 << value_width) - 1)
    if v.ndim not in (1, 2) or (v.ndim == 2 and v.shape[0] != n_cycles):
        raise ValueError(f"values must have shape (K,) or (n_cycles, K), not {v.shape}")
    n_streams = v.shape[-1]
    selection = check_selection(width, value_width, n_streams, rotations, permutations)
    states = lfsr_sequence(width, seed, n_cycles, taps, form)
    randoms = np.stack([_gather(states, sel) for sel in selection], axis=-1)
    return comparator_bits(v, randoms.reshape(n_cycles, n_streams))


def pack_values(values: object, value_width: int) -> int:
    """Pack per-stream values into the ``values`` port: stream ``k`` at bit ``k * value_width``."""
    value_width = check_int("value_width", value_width, 1, 32)
    v = check_int_array("values", values, 0, (1 << value_width) - 1, ndim=1)
    return sum(int(x) << (k * value_width) for k, x in enumerate(v))


def unpack_values(packed: int, n_streams: int, value_width: int) -> np.ndarray:
    """Inverse of :func:`pack_values`: ``int64`` array of ``n_streams`` values."""
    n_streams = check_int("n_streams", n_streams, 1, MAX_STREAMS)
    value_width = check_int("value_width", value_width, 1, 32)
    packed = check_int("packed", packed, 0, (1 << (n_streams * value_width)) - 1)
    mask = (1 << value_width) - 1
    return np.array([(packed >> (k * value_width)) & mask for k in range(n_streams)], np.int64)


@dataclass(frozen=True, kw_only=True)
class SNGConfig:
    """Every parameter of the ``sng`` block (module docstring), validated at construction.

    Taken by :class:`SNGBank` and :class:`sc_hw.sng.SNGBank`. ``taps`` and
    ``value_width`` are stored resolved; ``selection`` is the per-stream bit
    selection (:func:`check_selection`).
    """

    width: int
    seed: int = 1
    taps: Sequence[int] | None = None
    form: str = "fibonacci"
    n_streams: int = 1
    value_width: int | None = None
    rotations: Sequence[int] | None = None
    permutations: Sequence[Sequence[int]] | None = None

    def __post_init__(self) -> None:
        width = check_width(self.width)
        seed = check_seed(width, self.seed)
        taps = check_taps(width, self.taps)
        form = str(check_choice("form", self.form, FORMS))
        n_streams = check_int("n_streams", self.n_streams, 1, MAX_STREAMS)
        vw = width if self.value_width is None else check_value_width(width, self.value_width)
        selection = check_selection(width, vw, n_streams, self.rotations, self.permutations)
        rotations, permutations = self.rotations, self.permutations
        settle(
            self,
            width=width,
            seed=seed,
            taps=taps,
            form=form,
            n_streams=n_streams,
            value_width=vw,
            rotations=None if rotations is None else tuple(int(r) for r in rotations),
            permutations=None
            if permutations is None
            else tuple(tuple(int(b) for b in q) for q in permutations),
            _selection=selection,
        )

    @property
    def selection(self) -> tuple[tuple[int, ...], ...]:
        """Per stream, the state bit that becomes each bit of its random number."""
        return self._selection  # type: ignore[attr-defined]


class SNGOutputs(NamedTuple):
    """Outputs of :class:`SNGBank` during one cycle."""

    bits: np.ndarray  #: ``uint8`` shape ``(K,)``, bit of stream ``k``
    state: int  #: the LFSR register


class SNGBank:
    """Cycle model of the comparator bank (twin of :class:`sc_hw.sng.SNGBank`).

    Takes an :class:`SNGConfig` (or its fields, positionally in field order or
    as keywords); the contract is the module docstring. ``step`` returns the
    outputs *during* the current cycle, then applies the clock edge.
    """

    def __init__(self, *args: object, **params: object) -> None:
        self.config = c = config_from(SNGConfig, args, params)
        self.width, self.seed, self.taps, self.form = c.width, c.seed, c.taps, c.form
        self.n_streams, self.value_width, self.selection = c.n_streams, c.value_width, c.selection
        self._lfsr = LFSR(self.width, self.seed, self.taps, self.form)

    def reset(self) -> None:
        """Synchronous reset: the LFSR returns to ``seed``."""
        self._lfsr.reset()

    def step(
        self, en: object = 1, load: object = 0, load_value: object = 0, values: object = 0
    ) -> SNGOutputs:
        """Advance one cycle; return ``bits`` and ``state`` seen before the edge.

        ``values``: ``K`` stream values (or one broadcast to all), each in
        ``[0, 2**value_width - 1]``.
        """
        v = check_int_array("values", values, 0, (1 << self.value_width) - 1)
        check_broadcast_to("values", v, (self.n_streams,), f"the bank's {self.n_streams} streams")
        v = np.broadcast_to(v, (self.n_streams,))
        state = self._lfsr.step(en, load, load_value)
        s = np.asarray(state, dtype=np.uint64).reshape(1)
        randoms = np.array([_gather(s, sel)[0] for sel in self.selection], dtype=np.uint64)
        return SNGOutputs(comparator_bits(v, randoms), int(state))


# --------------------------------------------------------------------------
# Low-discrepancy SNG
# --------------------------------------------------------------------------


def check_ld_width(value_width: object) -> int:
    """Validate a low-discrepancy SNG's ``value_width`` (``1 .. 32``)."""
    return check_int("value_width", value_width, 1, MAX_LD_WIDTH)


def check_kind_dimension(kind: object, dimension: object) -> tuple[str, int | None]:
    """Validate ``kind`` and ``dimension``; return them with the default dimension filled in.

    ``dimension`` applies to ``kind="sobol"`` only (1 .. 8, default 1); for
    ``"vdc"`` it must be ``None``.
    """
    kind = str(check_choice("kind", kind, KINDS))
    if kind == "vdc":
        if dimension is not None:
            raise ValueError(f"dimension applies to kind='sobol' only; got {dimension!r} for 'vdc'")
        return kind, None
    if dimension is None:
        return kind, 1
    return kind, check_int("dimension", dimension, 1, MAX_SOBOL_DIMENSION)


@cache
def sobol_direction_numbers(dimension: int, n_bits: int) -> tuple[int, ...]:
    """``(m_1, .., m_n_bits)`` of Sobol ``dimension`` (each odd, ``m_j < 2**j``)."""
    dimension = check_int("dimension", dimension, 1, MAX_SOBOL_DIMENSION)
    n_bits = check_int("n_bits", n_bits, 0, MAX_LD_WIDTH)
    if dimension == 1:
        return (1,) * n_bits
    s, a, initial = JOE_KUO_6_21201[dimension]
    m = list(initial[:n_bits])
    for k in range(s, n_bits):  # 0-based: m[k] is m_{k+1}
        new = m[k - s] ^ (m[k - s] << s)
        for j in range(1, s):
            if (a >> (s - 1 - j)) & 1:
                new ^= m[k - j] << j
        m.append(new)
    return tuple(m)


def sobol_directions(dimension: int, value_width: int) -> tuple[int, ...]:
    """``(V_1, .., V_value_width)`` with ``V_j = m_j << (value_width - j)``."""
    value_width = check_ld_width(value_width)
    m = sobol_direction_numbers(dimension, value_width)
    return tuple(mj << (value_width - j) for j, mj in enumerate(m, start=1))


def bit_reverse(x: object, n_bits: int) -> np.ndarray:
    """Reverse the low ``n_bits`` bits of each element (higher bits are dropped)."""
    n_bits = check_int("n_bits", n_bits, 1, 64)
    xs = check_int_array("x", x, 0).astype(np.uint64)
    return _gather(xs, tuple(range(n_bits - 1, -1, -1)))


def ld_sequence(
    indices: object, value_width: int, kind: str = "vdc", dimension: int | None = None
) -> np.ndarray:
    """Quasi-random numbers ``r = ld(index mod 2**value_width)`` (``uint64``, same shape)."""
    value_width = check_ld_width(value_width)
    kind, dim = check_kind_dimension(kind, dimension)
    i = check_int_array("indices", indices, 0).astype(np.uint64)
    i = i & np.uint64((1 << value_width) - 1)
    if kind == "vdc":
        return bit_reverse(i, value_width)
    g = i ^ (i >> np.uint64(1))
    out = np.zeros(i.shape, dtype=np.uint64)
    for j, vj in enumerate(sobol_directions(dim, value_width)):
        out ^= ((g >> np.uint64(j)) & np.uint64(1)) * np.uint64(vj)
    return out


def ld_sng_stream(
    values: object,
    n_cycles: int,
    value_width: int,
    kind: str = "vdc",
    dimension: int | None = None,
) -> np.ndarray:
    """``bit_out`` of the LD SNG over ``n_cycles`` cycles from reset, ``en`` held high.

    ``values``: a scalar, or shape ``(K,)`` for ``K`` independent SNGs with
    the same sequence. Returns ``uint8`` of shape ``(n_cycles,)`` or
    ``(n_cycles, K)``.
    """
    value_width = check_ld_width(value_width)
    n_cycles = check_int("n_cycles", n_cycles, 0)
    v = check_int_array("values", values, 0, (1 << value_width) - 1)
    if v.ndim > 1:
        raise ValueError(f"values must be a scalar or 1-D, not shape {v.shape}")
    r = ld_sequence(np.arange(n_cycles), value_width, kind, dimension)
    return comparator_bits(v, r.reshape((n_cycles,) + (1,) * v.ndim))


@dataclass(frozen=True, kw_only=True)
class LDSNGConfig:
    """Every parameter of the ``ldsng`` block (module docstring), validated at construction.

    Taken by :class:`LDSNG` and :class:`sc_hw.sng.LDSNG`; ``dimension`` is
    stored resolved (1 by default for ``"sobol"``, None for ``"vdc"``).
    """

    value_width: int
    kind: str = "vdc"
    dimension: int | None = None

    def __post_init__(self) -> None:
        value_width = check_ld_width(self.value_width)
        kind, dimension = check_kind_dimension(self.kind, self.dimension)
        settle(self, value_width=value_width, kind=kind, dimension=dimension)


class LDOutputs(NamedTuple):
    """Outputs of :class:`LDSNG` during one cycle."""

    bit_out: int
    index: int


class LDSNG:
    """Cycle model of the low-discrepancy SNG (twin of :class:`sc_hw.sng.LDSNG`).

    Takes an :class:`LDSNGConfig` (or its fields, positionally or as keywords).
    """

    def __init__(self, *args: object, **params: object) -> None:
        self.config = c = config_from(LDSNGConfig, args, params)
        self.value_width, self.kind, self.dimension = c.value_width, c.kind, c.dimension
        self.index = 0

    def reset(self) -> None:
        """Synchronous reset: the index counter returns to 0."""
        self.index = 0

    def step(self, en: object = 1, value: object = 0) -> LDOutputs:
        """Advance one cycle; return ``bit_out`` and ``index`` seen before the edge."""
        v = check_int("value", value, 0, (1 << self.value_width) - 1)
        index = self.index
        r = int(ld_sequence(index, self.value_width, self.kind, self.dimension))
        if en:
            self.index = (index + 1) % (1 << self.value_width)
        return LDOutputs(int(r < v), index)
