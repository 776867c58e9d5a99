"""Amaranth twin of :mod:`sc_model.lfsr` (contract and timing: see there)."""

from __future__ import annotations

from collections.abc import Sequence

from amaranth.hdl import Cat, Module, Mux
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from sc_model import lfsr as model
from sc_model._validate import check_choice


class LFSR(wiring.Component):
    """Fibonacci or Galois LFSR with a seed-load port and an enable.

    Parameters
    ----------
    width : int
        Register width, 3 .. 32.
    seed : int
        Reset value, 1 .. 2**width - 1. Zero is refused here, at elaboration.
    taps : sequence of int, optional
        1-based tap positions (XAPP052 notation) including ``width``;
        default :data:`sc_model.lfsr.MAXIMAL_TAPS` ``[width]``.
    form : ``"fibonacci"`` or ``"galois"``

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

    def __init__(
        self,
        width: int,
        seed: int = 1,
        taps: Sequence[int] | None = None,
        form: str = "fibonacci",
    ) -> None:
        self.width = model.check_width(width)
        self.taps = model.check_taps(self.width, taps)
        self.form = check_choice("form", form, model.FORMS)
        self.seed = model.check_seed(self.width, seed)
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
