"""Amaranth twin of :mod:`sc_model.homeostasis_unit` (contract and timing: see there)."""

from __future__ import annotations

from amaranth.hdl import Const, Module, Mux, Signal, Value, signed
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from sc_model import homeostasis_unit as model
from sc_model._validate import take_config

from .helpers import wire


class HomeostasisUnit(wiring.Component):
    """Firing-rate EMA and homeostatic threshold for M neurons (block ``homeostasis_unit``).

    Parameters
    ----------
    config : sc_model.homeostasis_unit.HomeostasisConfig
        The block's configuration (or its fields as keywords, ``n_neurons``
        also positionally); the contract is the docstring of
        :mod:`sc_model.homeostasis_unit`.

    Attributes
    ----------
    spikes : In(M)
        The neurons' spike bits of the cycle.
    rate : Out(M (f + 1))
        Rate estimates (Q1.f spikes per cycle); registers.
    threshold : Out(M tw)
        Adaptive thresholds; registers.
    phase : Out(max(1, P))
        The update-period counter (0 for ``P = 0``).

    Cost per neuron: two adders for the rate (spike and no-spike branch, a
    mux), the threshold step (constant add/subtract with clamp for
    ``"sign"``, a subtract, a shift and an add with clamp for
    ``"proportional"``); no multiplier.
    """

    def __init__(
        self, config: model.HomeostasisConfig | int | None = None, **params: object
    ) -> None:
        self.config = p = take_config(model.HomeostasisConfig, config, params, "n_neurons")
        super().__init__(
            {
                "spikes": In(p.n_neurons),
                "rate": Out(p.n_neurons * p.rate_width),
                "threshold": Out(p.n_neurons * p.threshold_width),
                "phase": Out(p.phase_width),
            }
        )

    def elaborate(self, platform):
        m = Module()
        p = self.config
        rw, tw = p.rate_width, p.threshold_width
        tick = self._phase(m)
        for i in range(p.n_neurons):
            r = self._rate(m, i)
            theta = Signal(tw, init=p.threshold_init, name=f"theta_{i}")
            moved = self._threshold_step(m, i, r, theta)
            with m.If(tick):
                m.d.sync += theta.eq(moved)
            m.d.comb += [
                self.rate[i * rw : (i + 1) * rw].eq(r),
                self.threshold[i * tw : (i + 1) * tw].eq(theta),
            ]
        return m

    def _phase(self, m: Module) -> Value:
        """The update-period counter; returns the update tick."""
        P = self.config.update_period_log2
        if P:
            phase = Signal(P, name="phase_reg")
            m.d.sync += phase.eq(phase + 1)
            m.d.comb += self.phase.eq(phase)
            return phase == (1 << P) - 1
        m.d.comb += self.phase.eq(0)
        return Const(1, 1)

    def _rate(self, m: Module, i: int) -> Signal:
        """Rate EMA of neuron ``i``: ``r + floor((s 2**f - r) / 2**k)``, split on the spike bit."""
        p = self.config
        k, rw = p.rate_shift, p.rate_width
        r = Signal(rw, name=f"rate_{i}")
        up = wire(m, wire(m, (1 << p.rate_frac_bits) - r, rw, f"room_{i}") >> k, rw, f"up_{i}")
        down = wire(m, (r + ((1 << k) - 1)) >> k, rw, f"down_{i}")  # ceil(r / 2**k)
        r_spike = wire(m, r + up, rw, f"r_spike_{i}")
        r_quiet = wire(m, r - down, rw, f"r_quiet_{i}")
        m.d.sync += r.eq(Mux(self.spikes[i], r_spike, r_quiet))
        return r

    def _threshold_step(self, m: Module, i: int, r: Signal, theta: Signal) -> Value:
        """Threshold after an update tick (``update``: sign or proportional), clamped."""
        p = self.config
        tw = p.threshold_width
        if p.update == "sign":
            # theta + eta clamped at the top, theta - eta clamped at the bottom
            raised = wire(m, theta + p.eta, tw + 1, f"raised_{i}")
            up_sat = wire(m, Mux(raised > p.threshold_max, p.threshold_max, raised), tw, f"up_{i}")
            lowered = wire(m, theta - p.eta, tw, f"lowered_{i}")  # used when theta >= min + eta
            dn_sat = wire(
                m, Mux(theta < p.threshold_min + p.eta, p.threshold_min, lowered), tw, f"dn_{i}"
            )
            return wire(
                m, Mux(r > p.target, up_sat, Mux(r < p.target, dn_sat, theta)), tw, f"mv_{i}"
            )
        w = max(tw, p.rate_width) + 1  # signed width holding theta, r and r - target
        rs = Signal(signed(w), name=f"rate_s_{i}")
        ts = Signal(signed(w), name=f"theta_s_{i}")
        err = Signal(signed(w), name=f"err_{i}")
        delta = Signal(signed(w), name=f"delta_{i}")
        total = Signal(signed(w + 1), name=f"theta_sum_{i}")
        m.d.comb += [
            rs.eq(r),
            ts.eq(theta),
            err.eq(rs - Const(p.target, signed(w))),
            delta.eq(err >> p.eta_shift),  # arithmetic: floor
            total.eq(ts + delta),
        ]
        return Mux(
            total < p.threshold_min,
            p.threshold_min,
            Mux(total > p.threshold_max, p.threshold_max, total),
        )
