"""Amaranth twin of :mod:`sc_model.rstdp` (contract and timing: see there)."""

from __future__ import annotations

from amaranth.hdl import Module, Mux, Signal, signed
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from sc_model import rstdp as model

from .helpers import clamp
from .stdp import TraceBank, stdp_ports


class RSTDP(wiring.Component):
    """Reward-modulated STDP unit for N pre x M post synapses (block ``rstdp``).

    Parameters
    ----------
    elig_width, elig_decay_shift, elig_decay_period_log2, reward_width, reward_shift, reward_delay
        The reward path (:func:`sc_model.rstdp.check_rstdp_params`).
    **stdp_params
        The shared front end, every parameter of :class:`sc_hw.stdp.STDP`
        (``n_pre``, ``n_post``, weights, traces, amplitudes, rounding, LFSR).
        Everything is validated here at construction.

    Attributes
    ----------
    pre, post, en, w_en, w_addr, w_data, weights, pre_trace, post_trace
        As in :class:`sc_hw.stdp.STDP`.
    reward : In(reward_width)
        Two's complement reward, taken with ``reward_strobe`` in an enabled cycle.
    reward_strobe : In(1)
    eligibility : Out(M N elig_width)
        Synapse ``k = m N + j`` two's complement in bits ``[k eb, (k + 1) eb)``; registers.

    Cost: per synapse one ``reward_width x elig_width`` signed multiplier
    (the runtime product ``reward x eligibility``), the eligibility register
    with its decay (an adder, a subtractor) and clamp, and the STDP pairing
    logic of :class:`sc_hw.stdp.STDP`; the delay line is
    ``reward_delay x (reward_width + 1)`` flip-flops.
    """

    def __init__(
        self,
        elig_width: int = 12,
        elig_decay_shift: int | None = None,
        elig_decay_period_log2: int = 0,
        reward_width: int = 8,
        reward_shift: int = 6,
        reward_delay: int = 0,
        **stdp_params: object,
    ) -> None:
        self.params = r = model.check_rstdp_params(
            elig_width=elig_width,
            elig_decay_shift=elig_decay_shift,
            elig_decay_period_log2=elig_decay_period_log2,
            reward_width=reward_width,
            reward_shift=reward_shift,
            reward_delay=reward_delay,
            **stdp_params,
        )
        ports = stdp_ports(r.stdp)
        ports.update(
            reward=In(r.reward_width),
            reward_strobe=In(1),
            eligibility=Out(r.stdp.n_synapses * r.elig_width),
        )
        super().__init__(ports)

    def elaborate(self, platform):
        m = Module()
        r = self.params
        p = r.stdp
        bank = TraceBank(p)
        tick = bank.tick(m, self.en, p.decay_period_log2, "prescaler")
        e_tick = bank.tick(m, self.en, r.elig_decay_period_log2, "elig_prescaler")
        x = bank.traces(m, self.pre, self.en, tick, p.pre_increment, "x")
        y = bank.traces(m, self.post, self.en, tick, p.post_increment, "y")
        pots, deps = bank.pair_updates(m, self.pre, self.post, x, y, self.en)
        w = bank.weights(m)

        # Reward delay line: stage i holds the pair entered i + 1 enabled cycles ago.
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

        wb, eb, n, ke = p.weight_width, r.elig_width, p.n_pre, r.elig_decay_shift
        written = Signal(signed(wb), name="w_written")
        m.d.comb += written.eq(bank.write_value(m, self.w_data))
        for mi in range(p.n_post):
            for j in range(n):
                k = mi * n + j
                e = Signal(signed(eb), name=f"e_{mi}_{j}")
                # E(e) = e - trunc(e / 2**ke): bias a negative e by 2**ke - 1 before >>
                biased = Signal(signed(eb + 1), name=f"e_b_{mi}_{j}")
                m.d.comb += biased.eq(e + Mux(e[-1], (1 << ke) - 1, 0))
                quot = Signal(signed(eb + 1 - ke), name=f"e_q_{mi}_{j}")  # exact width
                m.d.comb += quot.eq(biased[ke:].as_signed())
                decayed = Signal(signed(eb), name=f"e_dec_{mi}_{j}")
                m.d.comb += decayed.eq(Mux(e_tick, e - quot, e))
                e_sum = decayed + pots[mi][j] - deps[mi][j]
                e_next = clamp(m, e_sum, -r.elig_max, r.elig_max, eb, f"e_sum_{mi}_{j}")
                with m.If(self.en):
                    m.d.sync += e.eq(e_next)
                # (reward * e) >> reward_shift: the product's high bits, no sign-extension copies
                product = Signal(signed(rb + eb), name=f"re_{mi}_{j}")
                m.d.comb += product.eq(reward_s * e)
                dw = Signal(signed(max(1, rb + eb - r.reward_shift)), name=f"dw_{mi}_{j}")
                m.d.comb += dw.eq(product[min(r.reward_shift, rb + eb - 1) :])
                w_next = clamp(m, w[mi][j] + dw, p.w_min, p.w_max, wb, f"w_sum_{mi}_{j}")
                with m.If(self.w_en & (self.w_addr == k)):
                    m.d.sync += w[mi][j].eq(written)
                with m.Elif(apply):
                    m.d.sync += w[mi][j].eq(w_next)
                m.d.comb += [
                    self.weights[k * wb : (k + 1) * wb].eq(w[mi][j]),
                    self.eligibility[k * eb : (k + 1) * eb].eq(e),
                ]
        tb = p.trace_width
        for j, xj in enumerate(x):
            m.d.comb += self.pre_trace[j * tb : (j + 1) * tb].eq(xj)
        for mi, ym in enumerate(y):
            m.d.comb += self.post_trace[mi * tb : (mi + 1) * tb].eq(ym)
        return m
