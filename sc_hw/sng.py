"""Amaranth twins of :mod:`sc_model.sng` (contracts and timing: see there)."""

from __future__ import annotations

from collections.abc import Sequence

from amaranth.hdl import Cat, Module, Signal
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from sc_model import lfsr as lfsr_model
from sc_model import sng as model
from sc_model._validate import check_choice, check_int

from .lfsr import LFSR


class SNGBank(wiring.Component):
    """``n_streams`` comparator SNGs sharing one LFSR (block ``sng``).

    Parameters
    ----------
    width, seed, taps, form
        The LFSR, as :class:`sc_hw.lfsr.LFSR` (``width`` 3 .. 32).
    n_streams : int
        ``K``, 1 .. 8.
    value_width : int, optional
        Bits per value and per random number, 1 .. ``width``; default ``width``.
    rotations : sequence of int, optional
        ``K`` left rotations in ``[0, width - 1]``; default ``k * width // K``.
    permutations : sequence of sequences of int, optional
        ``K`` selections of ``value_width`` distinct state-bit indices.
        At most one of ``rotations`` and ``permutations``.

    Attributes
    ----------
    en, load, load_value
        The LFSR's ports (same timing and zero-load substitute).
    values : In(K * value_width)
        Stream ``k``'s value in bits ``[k * value_width, (k + 1) * value_width)``.
    bits : Out(K)
        ``r_k < v_k`` for the current state and the current values
        (combinational from ``values``; from ``state``, a register).
    state : Out(width)
        The LFSR register.
    """

    def __init__(
        self,
        width: int,
        seed: int = 1,
        taps: Sequence[int] | None = None,
        form: str = "fibonacci",
        n_streams: int = 1,
        value_width: int | None = None,
        rotations: Sequence[int] | None = None,
        permutations: Sequence[Sequence[int]] | None = None,
    ) -> None:
        self.width = lfsr_model.check_width(width)
        self.seed = lfsr_model.check_seed(self.width, seed)
        self.taps = lfsr_model.check_taps(self.width, taps)
        self.form = check_choice("form", form, lfsr_model.FORMS)
        self.n_streams = check_int("n_streams", n_streams, 1, model.MAX_STREAMS)
        self.value_width = (
            self.width if value_width is None else model.check_value_width(self.width, value_width)
        )
        self.selection = model.check_selection(
            self.width, self.value_width, self.n_streams, rotations, permutations
        )
        super().__init__(
            {
                "en": In(1),
                "load": In(1),
                "load_value": In(self.width),
                "values": In(self.n_streams * self.value_width),
                "bits": Out(self.n_streams),
                "state": Out(self.width),
            }
        )

    def elaborate(self, platform):
        m = Module()
        m.submodules.lfsr = lfsr = LFSR(self.width, self.seed, self.taps, self.form)
        m.d.comb += [
            lfsr.en.eq(self.en),
            lfsr.load.eq(self.load),
            lfsr.load_value.eq(self.load_value),
            self.state.eq(lfsr.state),
        ]
        vw = self.value_width
        for k, sel in enumerate(self.selection):
            r_k = Cat(*(lfsr.state[i] for i in sel))
            m.d.comb += self.bits[k].eq(r_k < self.values[k * vw : (k + 1) * vw])
        return m


class LDSNG(wiring.Component):
    """Low-discrepancy SNG: index counter, van der Corput / Sobol number, comparator.

    Parameters
    ----------
    value_width : int
        Counter, random-number and value width, 1 .. 32.
    kind : ``"vdc"`` or ``"sobol"``
    dimension : int, optional
        Sobol dimension 1 .. 8 (default 1); only with ``kind="sobol"``.

    Attributes
    ----------
    en : In(1)
        Advance the index on the next rising edge (wraps modulo ``2**value_width``).
    value : In(value_width)
    bit_out : Out(1)
        ``ld(index) < value`` (combinational from ``value``).
    index : Out(value_width)
        The counter register, reset 0.
    """

    def __init__(self, value_width: int, kind: str = "vdc", dimension: int | None = None) -> None:
        self.value_width = model.check_ld_width(value_width)
        self.kind, self.dimension = model.check_kind_dimension(kind, dimension)
        super().__init__(
            {
                "en": In(1),
                "value": In(self.value_width),
                "bit_out": Out(1),
                "index": Out(self.value_width),
            }
        )

    def elaborate(self, platform):
        m = Module()
        n = self.value_width
        with m.If(self.en):
            m.d.sync += self.index.eq(self.index + 1)  # truncated: wraps mod 2**n
        r = Signal(n)
        if self.kind == "vdc":
            m.d.comb += r.eq(Cat(*(self.index[n - 1 - i] for i in range(n))))
        else:
            gray = Signal(n)
            m.d.comb += gray.eq(self.index ^ (self.index >> 1))
            directions = model.sobol_directions(self.dimension, n)
            for b in range(n):
                sources = [gray[j] for j, vj in enumerate(directions) if vj >> b & 1]
                m.d.comb += r[b].eq(Cat(*sources).xor())
        m.d.comb += self.bit_out.eq(r < self.value)
        return m
