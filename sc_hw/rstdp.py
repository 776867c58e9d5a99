"""Amaranth twin of :mod:`sc_model.rstdp` (contract and timing: see there)."""

from __future__ import annotations

from amaranth.hdl import Module, Mux, Signal, Value, signed
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from sc_model import rstdp as model
from sc_model._validate import take_config

from .helpers import clamp
from .stdp_front import TraceBank, stdp_ports


class RSTDP(wiring.Component):
    """Reward-modulated STDP unit for N pre x M post synapses (block ``rstdp``).

    Parameters
    ----------
    config : sc_model.rstdp.RSTDPConfig
        The block's configuration (or its fields as keywords): the STDP front
        end's and the reward path's; the contract is the docstring of
        :mod:`sc_model.rstdp`.

    Attributes
    ----------
    pre, post, en, w_en, w_addr, w_data, weights, pre_trace, post_trace
        As in :class:`sc_hw.stdp.STDP`.
    reward : In(reward_width)
        Two's complement reward, taken with ``reward_strobe`` in an enabled cycle.
    reward_strobe : In(1)
    eligibility : Out(M N elig_width)
        Synapse ``k = m N + j`` two's complement in bits ``[k eb, (k + 1) eb)``; registers.

    Structure: per synapse one ``reward_width x elig_width`` signed multiplier
    (the runtime product ``reward x eligibility``), the eligibility register
    with its decay (an adder, a subtractor) and clamp, and the STDP pairing
    logic of :class:`sc_hw.stdp.STDP`; the delay line is
    ``reward_delay x (reward_width + 1)`` flip-flops.
    """

    def __init__(self, config: model.RSTDPConfig | None = None, **params: object) -> None:
        self.config = r = take_config(model.RSTDPConfig, config, params)
        ports = stdp_ports(r)
        ports.update(
            reward=In(r.reward_width),
            reward_strobe=In(1),
            eligibility=Out(r.n_synapses * r.elig_width),
        )
        super().__init__(ports)

    def elaborate(self, platform):
        m = Module()
        r = self.config
        bank = TraceBank(r)
        tick = bank.tick(m, self.en, r.decay_period_log2, "prescaler")
        e_tick = bank.tick(m, self.en, r.elig_decay_period_log2, "elig_prescaler")
        x = bank.traces(m, self.pre, self.en, tick, r.pre_increment, "x")
        y = bank.traces(m, self.post, self.en, tick, r.post_increment, "y")
        pots, deps = bank.pair_updates(m, self.pre, self.post, x, y, self.en)
        w = bank.weights(m)
        apply, reward_s = self._delayed_reward(m)
        wb, n = r.weight_width, r.n_pre
        written = Signal(signed(wb), name="w_written")
        m.d.comb += written.eq(bank.write_value(m, self.w_data))
        for mi in range(r.n_post):
            for j in range(n):
                k = mi * n + j
                e = self._eligibility(m, e_tick, pots[mi][j], deps[mi][j], f"{mi}_{j}")
                dw = self._reward_step(m, reward_s, e, f"{mi}_{j}")
                w_next = clamp(m, w[mi][j] + dw, r.w_min, r.w_max, wb, f"w_sum_{mi}_{j}")
                with m.If(self.w_en & (self.w_addr == k)):
                    m.d.sync += w[mi][j].eq(written)
                with m.Elif(apply):
                    m.d.sync += w[mi][j].eq(w_next)
                eb = r.elig_width
                m.d.comb += [
                    self.weights[k * wb : (k + 1) * wb].eq(w[mi][j]),
                    self.eligibility[k * eb : (k + 1) * eb].eq(e),
                ]
        bank.trace_outputs(m, x, y, self.pre_trace, self.post_trace)
        return m

    def _delayed_reward(self, m: Module) -> tuple[Value, Value]:
        """Reward delay line: stage i holds the pair entered i + 1 enabled cycles ago.

        Returns the strobe gated by ``en`` and the (signed) reward it applies.
        """
        r = self.config
        rb = r.reward_width
        strobe_d, reward_d = self.reward_strobe, self.reward
        for i in range(r.reward_delay):
            s_reg = Signal(name=f"strobe_d{i}")
            r_reg = Signal(rb, name=f"reward_d{i}")
            with m.If(self.en):
                m.d.sync += [s_reg.eq(strobe_d), r_reg.eq(reward_d)]
            strobe_d, reward_d = s_reg, r_reg
        apply = Signal(name="apply_reward")
        reward_s = Signal(signed(rb), name="reward_applied")
        m.d.comb += [apply.eq(self.en & strobe_d), reward_s.eq(reward_d)]
        return apply, reward_s

    def _eligibility(self, m: Module, e_tick: Value, pot: Value, dep: Value, tag: str) -> Signal:
        """Eligibility register ``e := clamp(E(e) + P - Q)`` of one synapse (when ``en``)."""
        r = self.config
        eb, ke = r.elig_width, r.elig_decay_shift
        e = Signal(signed(eb), name=f"e_{tag}")
        # E(e) = e - trunc(e / 2**ke): bias a negative e by 2**ke - 1 before >>
        biased = Signal(signed(eb + 1), name=f"e_b_{tag}")
        m.d.comb += biased.eq(e + Mux(e[-1], (1 << ke) - 1, 0))
        quot = Signal(signed(eb + 1 - ke), name=f"e_q_{tag}")  # exact width
        m.d.comb += quot.eq(biased[ke:].as_signed())
        decayed = Signal(signed(eb), name=f"e_dec_{tag}")
        m.d.comb += decayed.eq(Mux(e_tick, e - quot, e))
        e_next = clamp(m, decayed + pot - dep, -r.elig_max, r.elig_max, eb, f"e_sum_{tag}")
        with m.If(self.en):
            m.d.sync += e.eq(e_next)
        return e

    def _reward_step(self, m: Module, reward_s: Value, e: Value, tag: str) -> Signal:
        """``(reward * e) >> reward_shift``: the product's high bits, no sign-extension copies."""
        r = self.config
        rb, eb = r.reward_width, r.elig_width
        product = Signal(signed(rb + eb), name=f"re_{tag}")
        m.d.comb += product.eq(reward_s * e)
        dw = Signal(signed(max(1, rb + eb - r.reward_shift)), name=f"dw_{tag}")
        m.d.comb += dw.eq(product[min(r.reward_shift, rb + eb - 1) :])
        return dw
