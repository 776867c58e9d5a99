"""SC multiplier core: the toolkit's default composed core (block ``multiplier``).

Composed of tested blocks: two comparator SNGs sharing one LFSR
(:class:`sc_model.sng.SNGBank`, default rotations ``(0, width // 2)``), an
AND gate (:class:`sc_model.arith.AndMul`) and a stream counter
(:class:`sc_model.arith.StreamCounter`) that decodes the product stream to
binary. It multiplies two ``value_width``-bit fractions ``a / 2**value_width``
and ``b / 2**value_width`` in ``L = 2**length_log2`` clock cycles.

Contract (shared with :class:`sc_hw.sc_multiplier.SCMultiplier`)
----------------------------------------------------------------
Parameters
    ``width`` (LFSR, 3 .. 32), ``seed``, ``taps``, ``form`` as :mod:`sc_model.lfsr`;
    ``value_width`` in ``[1, width // 2]`` so that the two streams' bit
    selections are disjoint (decorrelated, see :mod:`sc_model.sng`);
    ``length_log2`` in ``[1, 24]``.
Ports
    ``start`` (1), ``a``, ``b`` (``value_width`` each) in; ``busy`` (1), ``done``
    (1), ``product`` (``length_log2 + 1`` bits, holds up to ``L``) out, all registers.
Registers and reset
    ``busy = 0``, ``done = 0``, ``product = 0``, latched ``a``/``b`` = 0,
    cycle counter = 0, LFSR = ``seed``.
Cycle timing
    A cycle with ``start = 1`` and ``busy = 0`` latches ``a`` and ``b``,
    clears ``product`` and ``done``, sets ``busy`` and loads the LFSR with
    ``seed``. ``start`` while ``busy`` is ignored. During each of the next
    ``L`` cycles (``busy = 1``) the SNGs compare the LFSR state of that cycle
    with the latched values, the LFSR steps, and at the edge ``product``
    increments when both stream bits are 1 (it cannot overflow: at most
    ``L``). The edge that ends the ``L``-th busy cycle clears ``busy`` and
    sets ``done``; ``product`` and ``done`` then hold until the next start.
    So a start in cycle ``s`` gives ``done = 1`` and the result from cycle
    ``s + L + 1`` on.
Result
    Because the LFSR restarts from ``seed`` at every start, ``product`` is a
    pure function of ``(a, b)`` (:func:`sc_multiply`): the number of cycles
    ``t < L`` of the LFSR sequence from ``seed`` with ``r0[t] < a`` and
    ``r1[t] < b``. ``product / L`` estimates ``a * b / 4**value_width``; with
    ``L = 2**width - 1`` cycles it would equal it up to the LFSR's missing-zero
    bias, with shorter ``L`` the error falls roughly as ``1 / sqrt(L)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ._validate import check_choice, check_int, check_int_array, config_from, settle
from .arith import AndMul, StreamCounter
from .lfsr import FORMS, check_seed, check_taps, check_width, lfsr_sequence
from .sng import SNGBank, default_rotations, select_bits

MAX_LENGTH_LOG2 = 24


@dataclass(frozen=True, kw_only=True)
class MultiplierConfig:
    """Every parameter of the ``multiplier`` block (module docstring), validated.

    Built once and taken by :class:`SCMultiplier`, :func:`sc_multiply` and
    :class:`sc_hw.sc_multiplier.SCMultiplier`; ``taps`` is stored resolved
    (the maximal default filled in).
    """

    width: int = 16
    seed: int = 1
    value_width: int = 8
    length_log2: int = 8
    taps: Sequence[int] | None = None
    form: str = "fibonacci"

    def __post_init__(self) -> None:
        width = check_width(self.width)
        seed = check_seed(width, self.seed)
        value_width = check_int("value_width", self.value_width, 1, max(1, width // 2))
        settle(
            self,
            width=width,
            seed=seed,
            value_width=value_width,
            length_log2=check_int("length_log2", self.length_log2, 1, MAX_LENGTH_LOG2),
            taps=check_taps(width, self.taps),
            form=str(check_choice("form", self.form, FORMS)),
        )


def multiplier_randoms(*args: object, **params: object) -> np.ndarray:
    """The two streams' random numbers over one product: ``uint64 (L, 2)``.

    Arguments: a :class:`MultiplierConfig`, or its fields (positionally in
    field order or as keywords).
    """
    c = config_from(MultiplierConfig, args, params)
    states = lfsr_sequence(c.width, c.seed, 1 << c.length_log2, c.taps, c.form)
    rotations = default_rotations(c.width, 2)
    return np.stack(
        [select_bits(states, c.width, c.value_width, rotation=r) for r in rotations], -1
    )


def sc_multiply(
    a: object, b: object, *args: object, chunk: int = 4096, **params: object
) -> np.ndarray:
    """``product`` of the core for every pair ``(a, b)`` (broadcast), ``int64``.

    ``args``/``params``: a :class:`MultiplierConfig`, or its fields
    (positionally in field order, ``width, seed, value_width, length_log2,
    taps, form``, or as keywords). Vectorised over the pairs (in chunks of
    ``chunk`` pairs) and over the ``L`` cycles of one product; no Python loop
    over either.
    """
    c = config_from(MultiplierConfig, args, params)
    hi = (1 << c.value_width) - 1
    a_arr, b_arr = np.broadcast_arrays(
        check_int_array("a", a, 0, hi), check_int_array("b", b, 0, hi)
    )
    r = multiplier_randoms(c).astype(np.int64)
    flat_a, flat_b = a_arr.ravel(), b_arr.ravel()
    out = np.empty(flat_a.size, dtype=np.int64)
    for lo in range(0, flat_a.size, chunk):
        sa, sb = flat_a[lo : lo + chunk, None], flat_b[lo : lo + chunk, None]
        out[lo : lo + chunk] = np.count_nonzero((r[:, 0] < sa) & (r[:, 1] < sb), axis=1)
    return out.reshape(a_arr.shape)


class SCMultiplier:
    """Cycle model of the core (twin of :class:`sc_hw.sc_multiplier.SCMultiplier`).

    Takes a :class:`MultiplierConfig` (or its fields, positionally or as
    keywords). ``step(start, a, b)`` returns ``{"busy", "done", "product"}`` seen during
    the current cycle, then applies the clock edge.
    """

    def __init__(self, *args: object, **params: object) -> None:
        self.config = c = config_from(MultiplierConfig, args, params)
        self.width, self.seed = c.width, c.seed
        self.value_width, self.length_log2 = c.value_width, c.length_log2
        self._sng = SNGBank(c.width, c.seed, c.taps, c.form, n_streams=2, value_width=c.value_width)
        self._mul = AndMul(lanes=1)
        self._counter = StreamCounter(count_width=c.length_log2 + 1)
        self.reset()

    def reset(self) -> None:
        self._sng.reset()
        self._counter.reset()
        self.busy = self.done = 0
        self.a = self.b = self.remaining = 0

    def step(self, start: int, a: int, b: int) -> dict[str, int]:
        hi = (1 << self.value_width) - 1
        check_int("a", a, 0, hi)
        check_int("b", b, 0, hi)
        launch = bool(start) and not self.busy
        bits = self._sng.step(
            en=self.busy, load=int(launch), load_value=self.seed, values=[self.a, self.b]
        ).bits
        y = int(self._mul.step(int(bits[0]), int(bits[1]))[0])
        count = self._counter.step(y, en=self.busy, clear=int(launch)).count
        out = {"busy": self.busy, "done": self.done, "product": int(count)}
        if launch:
            self.a, self.b = a, b
            self.done, self.busy = 0, 1
            self.remaining = (1 << self.length_log2) - 1
        elif self.busy:
            if self.remaining == 0:
                self.busy, self.done = 0, 1
            else:
                self.remaining -= 1
        return out
