"""Amaranth twin of :mod:`sc_model.stdp` (contract and timing: see there)."""

from __future__ import annotations

from amaranth.hdl import Module, Signal, signed
from amaranth.lib import wiring

from sc_model import stdp as model
from sc_model._validate import take_config

from .helpers import clamp
from .stdp_front import TraceBank, stdp_ports


class STDP(wiring.Component):
    """Pair-based STDP unit for N pre x M post synapses (block ``stdp``).

    Parameters
    ----------
    config : sc_model.stdp.STDPConfig
        The block's configuration (or its fields as keywords); the contract
        is the docstring of :mod:`sc_model.stdp`.

    Attributes
    ----------
    pre : In(N), post : In(M)
        Spike bits of the cycle (used only when ``en``).
    en : In(1)
        Clock enable of traces, weights' learning, prescaler and LFSR.
    w_en : In(1), w_addr : In(max(1, (M N - 1).bit_length())), w_data : In(weight_width)
        Weight write port (two's complement, clamped into ``[w_min, w_max]``).
    weights : Out(M N weight_width)
        Synapse ``k = m N + j`` two's complement in bits ``[k wb, (k + 1) wb)``; registers.
    pre_trace : Out(N trace_width), post_trace : Out(M trace_width)
        The trace registers.

    Structure: the products ``a_plus x[j]`` (N) and ``a_minus y[m]`` (M) are
    shift-and-add by constants, shared along rows and columns; per synapse
    two ``update_shift``-bit comparators (stochastic rounding), two muxes and
    one add/subtract with a clamp.
    """

    def __init__(self, config: model.STDPConfig | None = None, **params: object) -> None:
        self.config = p = take_config(model.STDPConfig, config, params)
        super().__init__(stdp_ports(p))

    def elaborate(self, platform):
        m = Module()
        p = self.config
        bank = TraceBank(p)
        tick = bank.tick(m, self.en, p.decay_period_log2, "prescaler")
        x = bank.traces(m, self.pre, self.en, tick, p.pre_increment, "x")
        y = bank.traces(m, self.post, self.en, tick, p.post_increment, "y")
        pots, deps = bank.pair_updates(m, self.pre, self.post, x, y, self.en)
        self._weights(m, bank, pots, deps)
        bank.trace_outputs(m, x, y, self.pre_trace, self.post_trace)
        return m

    def _weights(self, m: Module, bank: TraceBank, pots: list, deps: list) -> None:
        """Weight update: ``sat(w + P - Q)`` when enabled, a write overriding it."""
        p = self.config
        w = bank.weights(m)
        wb, n = p.weight_width, p.n_pre
        written = Signal(signed(wb), name="w_written")
        m.d.comb += written.eq(bank.write_value(m, self.w_data))
        for mi in range(p.n_post):
            for j in range(n):
                k = mi * n + j
                total = w[mi][j] + pots[mi][j] - deps[mi][j]
                learned = clamp(m, total, p.w_min, p.w_max, wb, f"w_sum_{mi}_{j}")
                with m.If(self.w_en & (self.w_addr == k)):
                    m.d.sync += w[mi][j].eq(written)
                with m.Elif(self.en):
                    m.d.sync += w[mi][j].eq(learned)
                m.d.comb += self.weights[k * wb : (k + 1) * wb].eq(w[mi][j])
