"""Amaranth twin of :mod:`sc_model.stp_unit` (contract and timing: see there)."""

from __future__ import annotations

from amaranth.hdl import Const, Module, Mux, Signal, Value
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from sc_model import stp_unit as model
from sc_model._validate import take_config

from .helpers import use_clock_and_reset, wire


class STPUnit(wiring.Component):
    """Tsodyks-Markram short-term plasticity for N pre-synaptic channels (block ``stp_unit``).

    Parameters
    ----------
    config : sc_model.stp_unit.STPConfig
        The block's configuration (or its fields as keywords, ``n_channels``
        also positionally); the contract is the docstring of :mod:`sc_model.stp_unit`.

    Attributes
    ----------
    spikes : In(N)
        Pre-synaptic spike bits of the cycle.
    release : Out(N (F + 1))
        Register: during cycle ``t + 1`` the efficacy ``u+ x`` of the spike of
        cycle ``t`` per channel (Q1.F, 0 without a spike).
    x, u : Out(N (F + 1))
        The resource and utilisation registers (Q1.F).

    Pipelining (see the model's contract): beside ``x`` and ``u`` the
    registers hold the deficit ``ONE - x``, the facilitated ``u`` for a spike
    in the next cycle, and the deficit and the excesses ``u - u_rest``,
    ``u_f - u_rest`` plus their decay's rounding addend ``2**k - 1`` (so each
    decay's ceil is a shift). Loop of ``x``: multiplier on
    registers -> spike mux -> add -> shift -> subtract. Loop of ``u``: spike
    mux -> subtract -> product by the constant ``ONE - U`` -> constant add
    (``u + floor(U (ONE - u) / ONE) = U + floor((ONE - U) u / ONE)``).

    Cost per channel: one ``(F + 1) x (F + 1)`` runtime multiplier
    (``u+ x``), one product by the constant ``u_base`` (partial products of
    its set bits only), two add/shift/subtract decays.
    """

    def __init__(self, config: model.STPConfig | int | None = None, **params: object) -> None:
        self.config = p = take_config(model.STPConfig, config, params, "n_channels")
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
        p = self.config
        vw, one = p.value_width, p.one
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
            if u_const:
                u = u_f = Const(p.u_rest, vw)
            else:
                u, u_f = self._utilisation(m, j, s)
            rel_q, x = self._resources(m, j, s, u_f)
            m.d.comb += [self.release[sl].eq(rel_q), self.x[sl].eq(x), self.u[sl].eq(u)]
        return m

    def _utilisation(self, m: Module, j: int, s: Value) -> tuple[Signal, Signal]:
        """Loop of ``u``: spike mux, subtract, product by the constant ``ONE - U``, add.

        Returns ``u`` and ``u_f``, the facilitated ``u`` for a spike in this
        cycle, both registers.
        """
        p = self.config
        vw, f, one = p.value_width, p.frac_bits, p.one
        kf = p.tau_f_shift
        rf = (1 << kf) - 1  # the decay's rounding addend
        span = one - p.u_rest  # the excess e = u - u_rest lies in [0, span]
        # facilitated u: u + floor(U (ONE - u) / ONE) = U + floor((ONE - U) u / ONE):
        # one product by the constant ONE - U, then a constant add (no subtract before)
        v_u = one - p.u_base
        # width of the excess plus its rounding addend; every operand of a
        # subtraction is a wire of one common width (at least F + 1)
        ew = max(vw, (span + rf).bit_length())
        u = Signal(vw, init=p.u_rest, name=f"u_{j}")
        # u_f: the facilitated u for a spike in this cycle, kept in a register;
        # eu_r, ef_r: the excesses u - u_rest, u_f - u_rest plus 2**kf - 1 (the
        # decay's rounding sums, so that its ceil is a plain shift)
        f0 = p.u_base + ((v_u * p.u_rest) >> f)
        u_f = Signal(vw, init=f0, name=f"u_f_{j}")
        eu_r = Signal(ew, init=rf, name=f"eu_r_{j}")
        ef_r = Signal(ew, init=f0 - p.u_rest + rf, name=f"ef_r_{j}")
        u_p = wire(m, Mux(s, u_f, u), ew, f"u_p_{j}")
        e_pr = wire(m, Mux(s, ef_r, eu_r), ew, f"e_pr_{j}")
        c_p = wire(m, e_pr >> kf, ew, f"e_ceil_{j}")
        # u' = u_rest + D(u_p - u_rest) = u_p - ceil((u_p - u_rest) / 2**kf)
        u_n = wire(m, u_p - c_p, vw, f"u_next_{j}")
        pw = (v_u * one).bit_length() + 1
        prod_u = wire(m, u_n * Const(v_u, vw), pw, f"uprod_{j}")
        inc = wire(m, prod_u[f:], ew, f"uinc_{j}")  # floor(V u' / ONE)
        # ef_r' = u_f' - u_rest + 2**kf - 1 >= 0: the constant taken modulo 2**ew
        # (it may be negative), the sum truncated to ew bits
        c_ef = (p.u_base - p.u_rest + rf) % (1 << ew)
        m.d.sync += [
            u.eq(u_n),
            eu_r.eq(e_pr - c_p),
            u_f.eq(wire(m, inc + p.u_base, vw, f"u_f_next_{j}")),
            ef_r.eq(wire(m, inc + c_ef, ew, f"ef_r_next_{j}")),
        ]
        return u, u_f

    def _resources(self, m: Module, j: int, s: Value, u_f: Value) -> tuple[Signal, Signal]:
        """Loop of ``x``: multiplier on registers, spike mux, add, shift, subtract.

        Returns the registered release ``floor(u_f x / ONE)`` of a spike and ``x``.
        """
        p = self.config
        vw, f, one = p.value_width, p.frac_bits, p.one
        kd = p.tau_d_shift
        rd = (1 << kd) - 1  # the decay's rounding addend
        xw = max(vw, (one + rd).bit_length())  # the deficit plus its rounding addend
        x = Signal(vw, init=one, name=f"x_{j}")
        dx = Signal(vw, name=f"dx_{j}")  # deficit ONE - x
        dx_r = Signal(xw, init=rd, name=f"dx_r_{j}")  # deficit + 2**kd - 1
        rel_q = Signal(vw, name=f"release_q_{j}")
        prod = wire(m, u_f * x, 2 * vw, f"prod_{j}")
        prod_hi = wire(m, prod[f : f + vw], vw, f"prod_hi_{j}")
        rel = wire(m, Mux(s, prod_hi, 0), vw, f"release_{j}")
        # deficit after the release d = dx + rel <= ONE; decay D(d) = d - ceil(d / 2**kd)
        d = wire(m, dx + rel, xw, f"x_def_{j}")
        d_r = wire(m, dx_r + rel, xw, f"x_def_r_{j}")
        c = wire(m, d_r >> kd, xw, f"xd_ceil_{j}")
        x_s = wire(m, x - rel, xw, f"x_s_{j}")
        m.d.sync += [
            dx.eq(d - c),
            dx_r.eq(d_r - c),
            x.eq(x_s + c),  # ONE - D(d) = x_s + ceil(d / 2**kd)
            rel_q.eq(rel),
        ]
        return rel_q, x
