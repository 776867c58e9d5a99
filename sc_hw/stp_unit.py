"""Amaranth twin of :mod:`sc_model.stp_unit` (contract and timing: see there)."""

from __future__ import annotations

from amaranth.hdl import Const, Module, Mux, Signal, Value
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from sc_model import stp_unit as model

from .arith import use_clock_and_reset


def wire(m: Module, value: Value, width: int, name: str) -> Signal:
    """A named ``width``-bit unsigned wire driven by ``value`` (zero-extended or truncated)."""
    sig = Signal(max(1, width), name=name)
    m.d.comb += sig.eq(value)
    return sig


def decay_deficit(m: Module, d: Value, k: int, name: str, d_max: int | None = None) -> Value:
    """``D_k(d) = d - ((d + 2**k - 1) >> k) = floor(d (1 - 2**-k))`` for unsigned ``d``.

    ``d_max`` (default ``2**len(d) - 1``) bounds ``d``: the rounding sum gets
    just the bits it needs, so when ``d_max + 2**k - 1`` fits ``len(d)`` bits
    the shifted sum is exactly ``len(d)`` bits wide and no padding bit is
    dropped by a truncation. Both operands of the subtraction are
    ``len(d)``-bit wires.
    """
    w = len(d)
    d_max = (1 << w) - 1 if d_max is None else d_max
    rw = max(w, (d_max + (1 << k) - 1).bit_length())
    rounded = wire(m, d + ((1 << k) - 1), rw, f"{name}_round")
    ceil_part = wire(m, rounded >> k, w, f"{name}_ceil")
    return wire(m, d - ceil_part, w, f"{name}_dec")


class STPUnit(wiring.Component):
    """Tsodyks-Markram short-term plasticity for N pre-synaptic channels (block ``stp_unit``).

    Parameters
    ----------
    Those of :func:`sc_model.stp_unit.check_stp_params`, validated here:
    ``n_channels`` (N, 1 .. 64), ``frac_bits`` (F, 2 .. 16), ``u_base``,
    ``u_rest`` (Q1.F, 0 .. 2**F), ``tau_d_shift``, ``tau_f_shift`` (1 .. 16).

    Attributes
    ----------
    spikes : In(N)
        Pre-synaptic spike bits of the cycle.
    release : Out(N (F + 1))
        Efficacy ``u+ x`` of this cycle's spike per channel (Q1.F, 0 without a
        spike); combinational from ``spikes`` and the registers.
    x, u : Out(N (F + 1))
        The resource and utilisation registers (Q1.F).

    Cost per channel: one ``(F + 1) x (F + 1)`` runtime multiplier
    (``u+ x``), one product by the constant ``u_base`` (partial products of
    its set bits only), two add/shift/subtract decays.
    """

    def __init__(
        self,
        n_channels: int,
        frac_bits: int = 12,
        u_base: int | None = None,
        u_rest: int | None = None,
        tau_d_shift: int = 5,
        tau_f_shift: int = 3,
    ) -> None:
        self.params = p = model.check_stp_params(
            n_channels, frac_bits, u_base, u_rest, tau_d_shift, tau_f_shift
        )
        vw = p.value_width
        super().__init__(
            {
                "spikes": In(p.n_channels),
                "release": Out(p.n_channels * vw),
                "x": Out(p.n_channels * vw),
                "u": Out(p.n_channels * vw),
            }
        )

    def elaborate(self, platform):
        m = Module()
        p = self.params
        vw, f, one = p.value_width, p.frac_bits, p.one
        # With u_base = 0 or u_rest = ONE a spike never moves u off u_rest: u is the
        # constant u_rest (no facilitation logic); if that is 0, nothing is released
        # and x stays ONE. Only the live logic is built.
        u_const = p.u_base == 0 or p.u_rest == one
        if u_const and p.u_rest == 0:
            use_clock_and_reset(m)  # no register at all; the block keeps its clock ports
        for j in range(p.n_channels):
            sl = slice(j * vw, (j + 1) * vw)
            s = self.spikes[j]
            if u_const and p.u_rest == 0:
                m.d.comb += [self.release[sl].eq(0), self.x[sl].eq(one), self.u[sl].eq(0)]
                continue
            x = Signal(vw, init=one, name=f"x_{j}")
            if u_const:
                u = u_p = Const(p.u_rest, vw)
            else:
                u = Signal(vw, init=p.u_rest, name=f"u_{j}")
                room = wire(m, one - u, vw, f"room_{j}")  # ONE - u >= 0
                # U (ONE - u): a product by a constant; Yosys keeps the partial products
                # of U's set bits (LUT adders; ECP5's flow may pick a MULT18X18D)
                scaled = wire(m, room * Const(p.u_base, vw), 2 * vw, f"uinc_{j}")
                inc = wire(m, scaled[f : f + vw], vw, f"inc_{j}")
                u_p = wire(m, Mux(s, wire(m, u + inc, vw, f"u_sum_{j}"), u), vw, f"u_p_{j}")
                u_e = wire(m, u_p - p.u_rest, vw, f"u_exc_{j}")
                u_exc = decay_deficit(m, u_e, p.tau_f_shift, f"ud_{j}", one)
                m.d.sync += u.eq(wire(m, u_exc + p.u_rest, vw, f"u_next_{j}"))
            prod = wire(m, u_p * x, 2 * vw, f"prod_{j}")
            prod_hi = wire(m, prod[f : f + vw], vw, f"prod_hi_{j}")  # floor(u_p x / ONE)
            rel = wire(m, Mux(s, prod_hi, 0), vw, f"release_{j}")
            x_s = wire(m, x - rel, vw, f"x_s_{j}")
            x_d = wire(m, one - x_s, vw, f"x_def_{j}")
            x_def = decay_deficit(m, x_d, p.tau_d_shift, f"xd_{j}", one)
            m.d.sync += x.eq(wire(m, one - x_def, vw, f"x_next_{j}"))
            m.d.comb += [self.release[sl].eq(rel), self.x[sl].eq(x), self.u[sl].eq(u)]
        return m
