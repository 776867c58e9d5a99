"""Amaranth twins of :mod:`sc_model.sng` (contracts and timing: see there)."""

from __future__ import annotations

from amaranth.hdl import Cat, Module, Signal
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from sc_model import sng as model
from sc_model._validate import config_from

from .lfsr import LFSR


class SNGBank(wiring.Component):
    """``n_streams`` comparator SNGs sharing one LFSR (block ``sng``).

    Parameters
    ----------
    config : sc_model.sng.SNGConfig
        The block's configuration, or its fields ``width, seed, taps, form,
        n_streams, value_width, rotations, permutations`` (positionally or as
        keywords); the contract is the docstring of :mod:`sc_model.sng`.

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

    def __init__(self, *args: object, **params: object) -> None:
        self.config = c = config_from(model.SNGConfig, args, params)
        self.width, self.seed, self.taps, self.form = c.width, c.seed, c.taps, c.form
        self.n_streams, self.value_width, self.selection = c.n_streams, c.value_width, c.selection
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
    config : sc_model.sng.LDSNGConfig
        The block's configuration, or its fields ``value_width, kind,
        dimension`` (positionally or as keywords); the contract is the
        docstring of :mod:`sc_model.sng`.

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

    def __init__(self, *args: object, **params: object) -> None:
        self.config = c = config_from(model.LDSNGConfig, args, params)
        self.value_width, self.kind, self.dimension = c.value_width, c.kind, c.dimension
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
