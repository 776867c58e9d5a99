"""Amaranth twin of :mod:`sc_model.lfsr` (contract and timing: see there)."""

from __future__ import annotations

from amaranth.hdl import Cat, Module, Mux
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from sc_model import lfsr as model
from sc_model._validate import config_from


class LFSR(wiring.Component):
    """Fibonacci or Galois LFSR with a seed-load port and an enable.

    Parameters
    ----------
    config : sc_model.lfsr.LFSRConfig
        The block's configuration, or its fields ``width, seed=1, taps=None,
        form="fibonacci"`` (positionally or as keywords); the contract is the
        docstring of :mod:`sc_model.lfsr`.

    Attributes
    ----------
    en : In(1)
        Step on the next rising edge.
    load : In(1)
        Load ``load_value`` on the next rising edge (priority over ``en``);
        a value of 0 loads :data:`sc_model.lfsr.LOAD_ZERO_SUBSTITUTE`.
    load_value : In(width)
    state : Out(width)
        The register (no combinational path from any input).
    """

    def __init__(self, *args: object, **params: object) -> None:
        self.config = c = config_from(model.LFSRConfig, args, params)
        self.width, self.taps, self.form, self.seed = c.width, c.taps, c.form, c.seed
        super().__init__(
            {
                "en": In(1),
                "load": In(1),
                "load_value": In(self.width),
                "state": Out(self.width, init=self.seed),
            }
        )

    def next_state(self, state):
        """Combinational next-state expression for ``state`` (used by composed blocks)."""
        w = self.width
        mask = model.tap_mask(self.taps)
        if self.form == "fibonacci":
            fb = (state & mask).xor()
            return Cat(fb, state[: w - 1])
        return (state >> 1) ^ Mux(state[0], mask, 0)

    def elaborate(self, platform):
        m = Module()
        w = self.width
        with m.If(self.load):
            m.d.sync += self.state.eq(
                Mux(self.load_value == 0, model.LOAD_ZERO_SUBSTITUTE, self.load_value)
            )
        with m.Elif(self.en):
            m.d.sync += self.state.eq(self.next_state(self.state)[:w])
        return m
