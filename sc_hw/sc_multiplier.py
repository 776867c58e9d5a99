"""Amaranth twin of :mod:`sc_model.sc_multiplier` (contract and timing: see there)."""

from __future__ import annotations

from amaranth.hdl import Cat, Module, Signal
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from sc_model import sc_multiplier as model
from sc_model._validate import config_from

from .arith import AndMul, StreamCounter
from .sng import SNGBank


class SCMultiplier(wiring.Component):
    """SC multiplier core: 2 SNGs on one LFSR, an AND gate and a stream counter.

    Parameters
    ----------
    config : sc_model.sc_multiplier.MultiplierConfig
        The block's configuration (or its fields, positionally in field order
        or as keywords); the contract is the docstring of
        :mod:`sc_model.sc_multiplier`.

    Attributes
    ----------
    start : In(1)
        Latch ``a``, ``b`` and begin a product (ignored while ``busy``).
    a, b : In(value_width)
    busy, done : Out(1)
        Registers; ``done`` rises ``L + 1`` cycles after the accepted start.
    product : Out(length_log2 + 1)
        Count of ones of the product stream (the stream counter's register;
        final when ``done``).

    Built from tested blocks: :class:`sc_hw.sng.SNGBank` (2 streams),
    :class:`sc_hw.arith.AndMul` and :class:`sc_hw.arith.StreamCounter`.
    """

    def __init__(self, *args: object, **params: object) -> None:
        self.config = c = config_from(model.MultiplierConfig, args, params)
        self.width, self.seed, self.value_width = c.width, c.seed, c.value_width
        self.length_log2, self.taps, self.form = c.length_log2, c.taps, c.form
        super().__init__(
            {
                "start": In(1),
                "a": In(self.value_width),
                "b": In(self.value_width),
                "busy": Out(1),
                "done": Out(1),
                "product": Out(self.length_log2 + 1),
            }
        )

    def elaborate(self, platform):
        m = Module()
        m.submodules.sng = sng = SNGBank(
            self.width, self.seed, self.taps, self.form, n_streams=2, value_width=self.value_width
        )
        m.submodules.mul = mul = AndMul(lanes=1)
        m.submodules.counter = counter = StreamCounter(count_width=self.length_log2 + 1)
        a_reg = Signal(self.value_width)
        b_reg = Signal(self.value_width)
        remaining = Signal(self.length_log2)
        launch = self.start & ~self.busy
        m.d.comb += [
            sng.values.eq(Cat(a_reg, b_reg)),
            sng.en.eq(self.busy),
            sng.load.eq(launch),
            sng.load_value.eq(self.seed),
            mul.a.eq(sng.bits[0]),
            mul.b.eq(sng.bits[1]),
            counter.bit_in.eq(mul.y),
            counter.en.eq(self.busy),
            counter.clear.eq(launch),
            self.product.eq(counter.count),  # at most L: the counter never saturates
        ]
        with m.If(launch):
            m.d.sync += [
                a_reg.eq(self.a),
                b_reg.eq(self.b),
                self.done.eq(0),
                self.busy.eq(1),
                remaining.eq((1 << self.length_log2) - 1),
            ]
        with m.Elif(self.busy):
            with m.If(remaining == 0):
                m.d.sync += [self.busy.eq(0), self.done.eq(1)]
            with m.Else():
                m.d.sync += remaining.eq(remaining - 1)
        return m
