"""Linear-feedback shift registers (LFSRs): the random source of the toolkit.

Contract (shared with :class:`sc_hw.lfsr.LFSR`)
-----------------------------------------------
State
    ``width`` bits, ``3 <= width <= 32``, unsigned. The all-zero state is the
    lock-up state of an XOR LFSR and is never entered.
Taps
    1-based bit positions in the notation of Xilinx XAPP052 (Alfke, 1996,
    table 3); tap ``n`` is state bit ``n - 1``. The tap set must contain
    ``width``. :data:`MAXIMAL_TAPS` holds one maximal-length set per width.
Fibonacci form (``form="fibonacci"``)
    ``fb = XOR of state[t - 1] for t in taps``;
    ``next = ((state << 1) | fb) mod 2**width`` (shift towards the MSB).
Galois form (``form="galois"``)
    ``next = (state >> 1) ^ (toggle if state & 1 else 0)`` with
    ``toggle = sum(1 << (t - 1) for t in taps)`` (shift towards the LSB).
Reset and seed
    The reset value is the ``seed`` parameter, an integer in
    ``[1, 2**width - 1]``; a zero seed is refused (at elaboration in hardware).
Cycle timing
    The ``state`` output is the register itself. On each rising clock edge:
    if ``load`` is high the register takes ``load_value`` (a *runtime* load of
    0 takes :data:`LOAD_ZERO_SUBSTITUTE` instead, so the LFSR can never lock
    up); otherwise if ``en`` is high it takes ``next(state)``; otherwise it
    holds. ``load`` has priority over ``en``. The state visible during cycle
    ``t`` therefore reflects the inputs of cycles ``0 .. t - 1``.

Both forms with the taps of :data:`MAXIMAL_TAPS` visit all ``2**width - 1``
non-zero states; :func:`is_maximal` proves it for any tap set from the
order of the transition matrix over GF(2).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np

from ._validate import (
    check_bits,
    check_broadcast_to,
    check_choice,
    check_int,
    check_int_array,
    settle,
)

MIN_WIDTH = 3
MAX_WIDTH = 32
FORMS = ("fibonacci", "galois")
LOAD_ZERO_SUBSTITUTE = 1

#: One maximal-length tap set per width, from Xilinx application note XAPP052
#: "Efficient Shift Registers, LFSR Counters, and Long Pseudo-Random Sequence
#: Generators" (P. Alfke, 1996), table 3. Verified by :func:`is_maximal`.
MAXIMAL_TAPS: dict[int, tuple[int, ...]] = {
    3: (3, 2),
    4: (4, 3),
    5: (5, 3),
    6: (6, 5),
    7: (7, 6),
    8: (8, 6, 5, 4),
    9: (9, 5),
    10: (10, 7),
    11: (11, 9),
    12: (12, 6, 4, 1),
    13: (13, 4, 3, 1),
    14: (14, 5, 3, 1),
    15: (15, 14),
    16: (16, 15, 13, 4),
    17: (17, 14),
    18: (18, 11),
    19: (19, 6, 2, 1),
    20: (20, 17),
    21: (21, 19),
    22: (22, 21),
    23: (23, 18),
    24: (24, 23, 22, 17),
    25: (25, 22),
    26: (26, 6, 2, 1),
    27: (27, 5, 2, 1),
    28: (28, 25),
    29: (29, 27),
    30: (30, 6, 4, 1),
    31: (31, 28),
    32: (32, 22, 2, 1),
}


def check_width(width: object) -> int:
    """Validate an LFSR width (``3 <= width <= 32``)."""
    return check_int("width", width, MIN_WIDTH, MAX_WIDTH)


def check_taps(width: int, taps: Sequence[int] | None) -> tuple[int, ...]:
    """Return the tap set to use: ``taps`` checked, or the maximal default.

    Taps must be distinct integers in ``[1, width]`` and include ``width``
    (without it the register would not depend on the bit it shifts out, and
    the sequence would not be invertible).
    """
    width = check_width(width)
    if taps is None:
        return MAXIMAL_TAPS[width]
    taps = tuple(taps)
    if not taps:
        raise ValueError("taps must name at least one bit position, not an empty set")
    for t in taps:
        check_int("taps[i]", t, 1, width)
    if len(set(taps)) != len(taps):
        raise ValueError(f"taps must be distinct, not {taps}")
    if width not in taps:
        raise ValueError(f"taps must include the width ({width}), not {taps}")
    return tuple(sorted(taps, reverse=True))


def check_seed(width: int, seed: object, name: str = "seed") -> int:
    """Validate a reset seed: an integer in ``[1, 2**width - 1]`` (zero locks up)."""
    seed = check_int(name, seed, 0, (1 << width) - 1)
    if seed == 0:
        raise ValueError(
            f"{name} must be non-zero: 0 is the lock-up state of an XOR LFSR "
            f"(allowed: 1 .. {(1 << width) - 1})"
        )
    return seed


@dataclass(frozen=True, kw_only=True)
class LFSRConfig:
    """Every parameter of the ``lfsr`` block (module docstring), validated at construction.

    Taken by :class:`LFSR` and :class:`sc_hw.lfsr.LFSR`; ``taps`` is stored
    resolved (the maximal default filled in, sorted descending).
    """

    width: int
    seed: int = 1
    taps: Sequence[int] | None = None
    form: str = "fibonacci"

    def __post_init__(self) -> None:
        width = check_width(self.width)
        settle(
            self,
            width=width,
            taps=check_taps(width, self.taps),
            form=str(check_choice("form", self.form, FORMS)),
            seed=check_seed(width, self.seed),
        )


def _unpack_config(
    width: int | LFSRConfig, seed: object, taps: object, form: object
) -> tuple[object, object, object, object]:
    """``(width, seed, taps, form)`` of an :class:`LFSRConfig` or of the separate arguments."""
    if not isinstance(width, LFSRConfig):
        return width, seed, taps, form
    if (seed, taps, form) != (1, None, "fibonacci"):
        raise TypeError("pass either an LFSRConfig or its fields, not both")
    return width.width, width.seed, width.taps, width.form


def tap_mask(taps: Sequence[int]) -> int:
    """Bit mask with bit ``t - 1`` set for every tap ``t``."""
    mask = 0
    for t in taps:
        mask |= 1 << (t - 1)
    return mask


@cache
def transition_rows(width: int, taps: tuple[int, ...], form: str) -> tuple[int, ...]:
    """The one-step transition as a GF(2) matrix: ``rows[i]`` is the mask of
    current-state bits whose XOR gives next-state bit ``i``."""
    width = check_width(width)
    taps = check_taps(width, taps)
    check_choice("form", form, FORMS)
    mask = tap_mask(taps)
    if form == "fibonacci":
        return (mask,) + tuple(1 << (i - 1) for i in range(1, width))
    rows = []
    for i in range(width):
        row = (1 << (i + 1)) if i + 1 < width else 0
        if mask >> i & 1:
            row ^= 1
        rows.append(row)
    return tuple(rows)


def _compose(a: tuple[int, ...], b: tuple[int, ...]) -> tuple[int, ...]:
    """Rows of the matrix product ``a @ b`` over GF(2) (apply ``b`` then ``a``)."""
    out = []
    for row in a:
        acc = 0
        j = 0
        while row:
            if row & 1:
                acc ^= b[j]
            row >>= 1
            j += 1
        out.append(acc)
    return tuple(out)


def _power(rows: tuple[int, ...], k: int) -> tuple[int, ...]:
    result = tuple(1 << i for i in range(len(rows)))
    base = rows
    while k:
        if k & 1:
            result = _compose(base, result)
        base = _compose(base, base)
        k >>= 1
    return result


def _apply(rows: tuple[int, ...], states: np.ndarray) -> np.ndarray:
    """Apply a GF(2) matrix (as rows) to an array of ``uint64`` states."""
    out = np.zeros_like(states)
    for i, row in enumerate(rows):
        parity = np.bitwise_count(states & np.uint64(row)) & np.uint8(1)
        out |= parity.astype(np.uint64) << np.uint64(i)
    return out


@cache
def recurrence_lags(width: int, taps: tuple[int, ...], form: str) -> tuple[int, ...]:
    """Lags ``c`` (ascending) with ``s[n] = XOR_c s[n - c]`` for every state
    sequence of this LFSR: the exponents ``w - e`` of the characteristic
    polynomial ``sum_e a_e x**e`` of the transition matrix, ``e < w``.

    For the Fibonacci form they are the taps. The characteristic polynomial
    is computed for both forms with the Berlekamp-Massey algorithm on the
    low bit of a ``2 w``-state sequence from seed 1 under the exact
    transition; for a maximal LFSR that sequence's minimal polynomial is the
    characteristic polynomial.
    """
    rows = transition_rows(width, taps, form)
    state = np.array([1], dtype=np.uint64)
    bits = []
    for _ in range(2 * width):
        bits.append(int(state[0]) & 1)
        state = _apply(rows, state)
    # Berlekamp-Massey over GF(2): connection polynomial c (c[0] = 1).
    c, b = [1] + [0] * (2 * width), [1] + [0] * (2 * width)
    length, m = 0, 1
    for n, bit in enumerate(bits):
        d = bit
        for i in range(1, length + 1):
            d ^= c[i] & bits[n - i]
        if d == 0:
            m += 1
        elif 2 * length <= n:
            t = c[:]
            for i in range(len(b) - m):
                c[i + m] ^= b[i]
            length, b, m = n + 1 - length, t, 1
        else:
            for i in range(len(b) - m):
                c[i + m] ^= b[i]
            m += 1
    return tuple(i for i in range(1, length + 1) if c[i])


def _recurrence_holds(states: np.ndarray, lags: tuple[int, ...]) -> bool:
    """Whether ``states[n] == XOR_c states[n - c]`` for every ``n >= max(c)``.

    Checking it at ``n = max(c)`` for every column is enough: the relation is
    ``P(A) s[0] = 0`` for a polynomial ``P``, and ``P(A)`` commutes with ``A``.
    """
    if not lags or states.shape[0] <= lags[-1]:
        return False
    top = lags[-1]
    rhs = np.zeros_like(states[top:])
    for lag in lags:
        rhs ^= states[top - lag : states.shape[0] - lag]
    return bool(np.array_equal(rhs, states[top:]))


def _prime_factors(n: int) -> list[int]:
    factors, p = [], 2
    while p * p <= n:
        if n % p == 0:
            factors.append(p)
            while n % p == 0:
                n //= p
        p += 1
    if n > 1:
        factors.append(n)
    return factors


def is_maximal(width: int, taps: Sequence[int] | None = None, form: str = "fibonacci") -> bool:
    """True when the LFSR visits all ``2**width - 1`` non-zero states.

    Proof by matrix order: the transition matrix ``A`` satisfies
    ``A**(2**w - 1) == I`` and ``A**((2**w - 1) / q) != I`` for every prime
    ``q`` dividing ``2**w - 1``. Then the characteristic polynomial (the
    matrix is a companion matrix) has order ``2**w - 1``, so it is primitive
    and every non-zero state lies on the one cycle of that length.
    """
    width = check_width(width)
    rows = transition_rows(width, check_taps(width, taps), form)
    period = (1 << width) - 1
    identity = tuple(1 << i for i in range(width))
    if _power(rows, period) != identity:
        return False
    return all(_power(rows, period // q) != identity for q in _prime_factors(period))


def next_state(
    states: np.ndarray, width: int, taps: Sequence[int] | None = None, form: str = "fibonacci"
) -> np.ndarray:
    """One enabled step of many LFSRs at once (any shape; returns ``uint64``)."""
    width = check_width(width)
    taps = check_taps(width, taps)
    check_choice("form", form, FORMS)
    return _next(np.asarray(states, dtype=np.uint64), width, taps, form)


def _next(s: np.ndarray, width: int, taps: tuple[int, ...], form: str) -> np.ndarray:
    """:func:`next_state` of already validated arguments (``s`` ``uint64``)."""
    mask = np.uint64(tap_mask(taps))
    if form == "fibonacci":
        fb = (np.bitwise_count(s & mask) & np.uint8(1)).astype(np.uint64)
        return ((s << np.uint64(1)) | fb) & np.uint64((1 << width) - 1)
    return (s >> np.uint64(1)) ^ (mask * (s & np.uint64(1)))


def lfsr_sequence(
    width: int,
    seeds: int | Sequence[int] | np.ndarray,
    n_steps: int,
    taps: Sequence[int] | None = None,
    form: str = "fibonacci",
) -> np.ndarray:
    """States of many free-running LFSRs, vectorised over time and instances.

    Parameters
    ----------
    width : int
        Register width in bits, 3 .. 32.
    seeds : int or array of int, shape ``(n,)``
        Non-zero start states, each in ``[1, 2**width - 1]``.
    n_steps : int
        Number of states to return per LFSR (``>= 0``).

    Returns
    -------
    numpy.ndarray, ``uint64``, shape ``(n_steps, n)`` (or ``(n_steps,)`` for a scalar seed)
        Row ``t`` is the state after ``t`` enabled steps; row 0 is the seed.
        This is the ``state`` output of the hardware LFSR during cycle ``t``
        when ``en`` is held high and ``load`` low from reset.

    Method: no loop over time steps. Every bit of the state obeys the
    linear recurrence of the transition matrix ``A``'s characteristic
    polynomial ``x**w + sum_c x**(w - c)`` (Cayley-Hamilton), so whole
    states do: ``s[n] = XOR_c s[n - c]``. Squaring over GF(2) gives
    ``p(x)**(2**k) = p(x**(2**k))``, so also ``s[n] = XOR_c s[n - c 2**k]``
    for ``n >= w 2**k``: once ``K`` states are known, the next
    ``2**k min(c)`` (with ``w 2**k <= K``) are XORs of earlier slices, and the
    known prefix grows geometrically. The first ``2 w`` states come from
    matrix doubling (rows ``[k, 2k)`` are ``A**k`` applied to rows
    ``[0, k)``), which is also the whole method when the recurrence does not
    hold (it always holds; the check guards the derivation).
    """
    width = check_width(width)
    taps = check_taps(width, taps)
    check_choice("form", form, FORMS)
    n_steps = check_int("n_steps", n_steps, 0)
    scalar = np.ndim(seeds) == 0
    seed_arr = check_int_array("seeds", np.atleast_1d(seeds), 0, (1 << width) - 1, ndim=1)
    if np.any(seed_arr == 0):
        raise ValueError(
            f"seeds must be non-zero (0 is the lock-up state); allowed: 1 .. {(1 << width) - 1}"
        )
    rows = transition_rows(width, taps, form)
    out = np.empty((n_steps, seed_arr.size), dtype=np.uint64)
    if n_steps:
        out[0] = seed_arr.astype(np.uint64)
    # the first 2 w states one step at a time (a tick-level model asks for a few dozen
    # states per call, where the matrix doubling's Python loops over rows cost ~10x more)
    prefix = min(n_steps, 2 * width)
    for t in range(1, prefix):
        out[t] = _next(out[t - 1], width, taps, form)
    filled = max(prefix, 1)
    lags = recurrence_lags(width, taps, form)
    if filled < n_steps and not _recurrence_holds(out[:filled], lags):  # pragma: no cover
        jump = _power(rows, filled)
        while filled < n_steps:
            k = min(filled, n_steps - filled)
            out[filled : filled + k] = _apply(jump, out[:k])
            filled += k
            jump = _compose(jump, jump)
    scale = 1
    while filled < n_steps:
        while width * scale * 2 <= filled:
            scale *= 2
        stop = min(n_steps, filled + scale * lags[0])
        block = out[filled:stop]  # a view: the sources all lie before ``filled``
        block[...] = out[filled - scale * lags[0] : stop - scale * lags[0]]
        for lag in lags[1:]:
            block ^= out[filled - scale * lag : stop - scale * lag]
        filled = stop
    return out[:, 0] if scalar else out


class LFSR:
    """Cycle model of a bank of identical-form LFSRs (one per element of ``seed``).

    The twin of :class:`sc_hw.lfsr.LFSR`; see the module docstring for the
    contract. Takes an :class:`LFSRConfig`, or its fields (``seed`` may then
    be an array: one register per element). ``step`` returns the ``state``
    output *during* the current cycle, then applies the clock edge.
    """

    def __init__(
        self,
        width: int | LFSRConfig,
        seed: int | Sequence[int] | np.ndarray = 1,
        taps: Sequence[int] | None = None,
        form: str = "fibonacci",
    ) -> None:
        width, seed, taps, form = _unpack_config(width, seed, taps, form)  # type: ignore[assignment]
        self.width = check_width(width)
        self.taps = check_taps(self.width, taps)
        self.form = check_choice("form", form, FORMS)
        seeds = np.atleast_1d(seed)
        for s in seeds.ravel():
            check_seed(self.width, s)
        self.seed = np.asarray(seed, dtype=np.uint64)
        self.state = self.seed.copy()

    def reset(self) -> None:
        """Return every register to its seed (the hardware's synchronous reset)."""
        self.state = self.seed.copy()

    def step(self, en: object = 1, load: object = 0, load_value: object = 0) -> np.ndarray:
        """Advance one clock cycle; return the state seen before the edge.

        ``en`` and ``load`` are 0/1 (scalars or arrays broadcast against the
        bank); ``load_value`` is ``0 .. 2**width - 1`` (0 loads
        :data:`LOAD_ZERO_SUBSTITUTE`).
        """
        en_a = check_bits("en", en)
        load_a = check_bits("load", load)
        value = check_int_array("load_value", load_value, 0, (1 << self.width) - 1)
        bank = f"the bank of {self.state.size} LFSR(s)"
        for name, arr in (("en", en_a), ("load", load_a), ("load_value", value)):
            check_broadcast_to(name, arr, self.state.shape, bank)
        value = np.where(value == 0, LOAD_ZERO_SUBSTITUTE, value).astype(np.uint64)
        current = self.state
        stepped = next_state(current, self.width, self.taps, self.form)
        self.state = np.where(load_a != 0, value, np.where(en_a != 0, stepped, current)).astype(
            np.uint64
        )
        return current
