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
        Register: during cycle ``t + 1`` the efficacy ``u+ x`` of the spike of
        cycle ``t`` per channel (Q1.F, 0 without a spike).
    x, u : Out(N (F + 1))
        The resource and utilisation registers (Q1.F).

    Pipelining (see the model's contract): the registers ``ONE - x``, ``u -
    u_rest`` and the facilitated excess for a spike in the next cycle are
    kept beside ``x`` and ``u``, so the loop of ``x`` is: multiplier on
    registers -> spike mux -> add to the deficit -> decay subtract; the
    product by the constant ``U`` is in the loop of ``u`` only.

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
        kd, kf = p.tau_d_shift, p.tau_f_shift
        # With u_base = 0 or u_rest = ONE a spike never moves u off u_rest: u is the
        # constant u_rest (no facilitation logic); if that is 0, nothing is released
        # and x stays ONE. Only the live logic is built.
        u_const = p.u_base == 0 or p.u_rest == one
        if u_const and p.u_rest == 0:
            use_clock_and_reset(m)  # no register at all; the block keeps its clock ports
        span = one - p.u_rest  # the excess u - u_rest lies in [0, span]
        # floor(U (ONE - u) / ONE) with u = u_rest + e: floor((U span - U e) / ONE)
        u_span = p.u_base * span
        for j in range(p.n_channels):
            sl = slice(j * vw, (j + 1) * vw)
            s = self.spikes[j]
            if u_const and p.u_rest == 0:
                m.d.comb += [self.release[sl].eq(0), self.x[sl].eq(one), self.u[sl].eq(0)]
                continue
            x = Signal(vw, init=one, name=f"x_{j}")
            dx = Signal(vw, name=f"dx_{j}")  # ONE - x
            rel_q = Signal(vw, name=f"release_q_{j}")
            if u_const:
                u = u_f = Const(p.u_rest, vw)
            else:
                u = Signal(vw, init=p.u_rest, name=f"u_{j}")
                # facilitated u for a spike in this cycle, registered: u + floor(U (ONE - u) / ONE)
                u_f = Signal(vw, init=p.u_rest + (u_span >> f), name=f"u_f_{j}")
                eu = Signal(vw, name=f"eu_{j}")  # u - u_rest
                ef = Signal(vw, init=u_span >> f, name=f"ef_{j}")  # u_f - u_rest
                # decay of the excess, D(e) = e - ceil(e / 2**kf), for both candidates; the
                # rounding sums come straight from the registers
                ceils = []
                for cand, tag in ((eu, "eu"), (ef, "ef")):
                    rw = (span + (1 << kf) - 1).bit_length()
                    rnd = wire(m, cand + ((1 << kf) - 1), rw, f"{tag}_round_{j}")
                    ceils.append(wire(m, rnd >> kf, vw, f"{tag}_ceil_{j}"))
                e_p = wire(m, Mux(s, ef, eu), vw, f"e_p_{j}")
                c_p = wire(m, Mux(s, ceils[1], ceils[0]), vw, f"e_ceil_{j}")
                eu_n = wire(m, e_p - c_p, vw, f"eu_next_{j}")
                # U (span - e'): a product by a constant (partial products of U's set bits)
                room = wire(m, span - eu_n, vw, f"room_{j}")
                scaled = wire(m, room * Const(p.u_base, vw), 2 * vw, f"uinc_{j}")
                inc = wire(m, scaled[f : f + vw], vw, f"inc_{j}")
                ef_n = wire(m, eu_n + inc, vw, f"ef_next_{j}")
                m.d.sync += [
                    eu.eq(eu_n),
                    ef.eq(ef_n),
                    u.eq(eu_n + p.u_rest),
                    u_f.eq(ef_n + p.u_rest),
                ]
            # release = floor(u_f x / ONE) if spike: multiplier operands are registers
            prod = wire(m, u_f * x, 2 * vw, f"prod_{j}")
            prod_hi = wire(m, prod[f : f + vw], vw, f"prod_hi_{j}")
            rel = wire(m, Mux(s, prod_hi, 0), vw, f"release_{j}")
            # deficit after the release, d = dx + rel <= ONE, and its decay
            # D(d) = d - ceil(d / 2**kd), with dx + 2**kd - 1 formed beside the multiplier
            rw = (one + (1 << kd) - 1).bit_length()
            dx_rnd = wire(m, dx + ((1 << kd) - 1), rw, f"dx_round_{j}")
            d = wire(m, dx + rel, vw, f"x_def_{j}")
            d_ceil = wire(m, wire(m, dx_rnd + rel, rw, f"xd_round_{j}") >> kd, vw, f"xd_ceil_{j}")
            dx_n = wire(m, d - d_ceil, vw, f"dx_next_{j}")
            m.d.sync += [dx.eq(dx_n), x.eq(one - dx_n), rel_q.eq(rel)]
            m.d.comb += [self.release[sl].eq(rel_q), self.x[sl].eq(x), self.u[sl].eq(u)]
        return m
