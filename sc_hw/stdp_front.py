"""The STDP front end shared by :class:`sc_hw.stdp.STDP` and :class:`sc_hw.rstdp.RSTDP`.

A sub-component, not a block: the prescaler, the LFSR, the pre- and
post-synaptic traces, the per-synapse pair updates ``P``/``Q`` and the weight
registers with their write port, per the contract of :mod:`sc_model.stdp`.
Both blocks compose it and differ only in what the pair updates drive (the
weights, or the eligibility traces of :mod:`sc_model.rstdp`).
"""

from __future__ import annotations

from amaranth.hdl import Cat, Const, Module, Mux, Signal, Value, signed
from amaranth.lib.wiring import In, Out

from sc_model import stdp as model
from sc_model.sng import rotation_indices

from .helpers import clamp, const_mul, nonneg, trailing_zeros, wire
from .lfsr import LFSR


class TraceBank:
    """Shared elaboration of the STDP front end: prescaler, LFSR, traces, per-synapse updates.

    Used by :class:`sc_hw.stdp.STDP` and :class:`sc_hw.rstdp.RSTDP`; ``p`` is an
    :class:`sc_model.stdp.STDPConfig`.
    """

    def __init__(self, p: model.STDPConfig) -> None:
        self.p = p

    def decay(self, m: Module, x: Value, name: str) -> Value:
        p = self.p
        tb = p.trace_width
        if p.decay == "shift":
            # x - (x >> k) as x + ~(x >> k) + 1 in tb bits: equal operand widths
            k = p.decay_shift
            if k == tb:  # x >> tb is 0: no decay at this width
                return x
            not_shifted = Cat(~x[k:], Const((1 << k) - 1, k))
            return wire(m, x + not_shifted + 1, tb, name)
        prod = const_mul(m, x, p.decay_mult, f"{name}_mul")
        return wire(m, prod[p.decay_mult_shift :], tb, name)

    def tick(self, m: Module, en: Value, period_log2: int, name: str) -> Value:
        """Decay tick: ``en`` and a ``period_log2``-bit prescaler at its maximum."""
        if period_log2 == 0:
            return en
        count = Signal(period_log2, name=name)
        with m.If(en):
            m.d.sync += count.eq(count + 1)
        return en & (count == (1 << period_log2) - 1)

    def traces(
        self, m: Module, spikes: Value, en: Value, tick: Value, increment: int, name: str
    ) -> list[Signal]:
        """One trace register per spike bit, updated per the contract when ``en``."""
        p = self.p
        out = []
        for i in range(len(spikes)):
            x = Signal(p.trace_width, name=f"{name}_{i}")
            d = Signal(p.trace_width, name=f"{name}_dec_{i}")
            m.d.comb += d.eq(Mux(tick, self.decay(m, x, f"{name}_decay_{i}"), x))
            if p.pairing == "all_to_all":
                # d, increment <= X_MAX, so the sum exceeds X_MAX exactly when it carries
                tb = p.trace_width
                total = wire(m, d + increment, tb + 1, f"{name}_sum_{i}")
                bumped = Mux(total[tb], Const(p.trace_max, tb), total[:tb])
            else:
                bumped = Const(increment, p.trace_width)
            with m.If(en):
                m.d.sync += x.eq(Mux(spikes[i], bumped, d))
            out.append(x)
        return out

    def randoms(self, m: Module, en: Value) -> list[list[Value]] | None:
        """``r_mj`` of every synapse (stochastic rounding), else None."""
        p = self.p
        if p.rounding == "floor":
            return None
        m.submodules.lfsr = lfsr = LFSR(p.width, p.seed, p.taps, p.form)
        m.d.comb += [lfsr.en.eq(en), lfsr.load.eq(0), lfsr.load_value.eq(0)]
        rows = []
        for mi in range(p.n_post):
            row = []
            for j in range(p.n_pre):
                rot = p.rotations[mi * p.n_pre + j]
                idx = rotation_indices(p.width, p.update_shift, rot)
                row.append(Cat(*(lfsr.state[i] for i in idx)))
            rows.append(row)
        return rows

    def rounded(
        self, m: Module, prod: Value, r: Value | None, trailing_zeros: int, name: str
    ) -> Value:
        """``R(prod, r)``: drop ``update_shift`` bits, stochastically rounded if ``r``.

        ``prod`` is a multiple of ``2**trailing_zeros``.
        """
        s = self.p.update_shift
        n = max(1, len(prod) - s)
        floor = wire(m, prod[s:], n, f"{name}_floor")
        if r is None or s <= trailing_zeros:  # the dropped fraction is always 0
            return floor
        up = wire(m, nonneg(r) < nonneg(prod[:s]), n, f"{name}_up")
        return floor + up

    def pair_updates(
        self, m: Module, pre: Value, post: Value, x: list[Signal], y: list[Signal], en: Value
    ) -> tuple[list[list[Signal]], list[list[Signal]]]:
        """``P[m][j]`` and ``Q[m][j]`` of the cycle (0 without the spike)."""
        p = self.p
        r = self.randoms(m, en)
        # shared by every neuron / every input:
        prod_x = [const_mul(m, xj, p.a_plus, f"px_{j}") for j, xj in enumerate(x)]
        prod_y = [const_mul(m, ym, p.a_minus, f"py_{i}") for i, ym in enumerate(y)]
        tz_p, tz_m = trailing_zeros(p.a_plus), trailing_zeros(p.a_minus)
        pots, deps = [], []
        for mi in range(p.n_post):
            prow, drow = [], []
            for j in range(p.n_pre):
                rr = None if r is None else r[mi][j]
                pot_r = self.rounded(m, prod_x[j], rr, tz_p, f"p_{mi}_{j}")
                dep_r = self.rounded(m, prod_y[mi], rr, tz_m, f"d_{mi}_{j}")
                pot = Signal(len(pot_r), name=f"pot_{mi}_{j}")
                dep = Signal(len(dep_r), name=f"dep_{mi}_{j}")
                m.d.comb += [pot.eq(Mux(post[mi], pot_r, 0)), dep.eq(Mux(pre[j], dep_r, 0))]
                prow.append(pot)
                drow.append(dep)
            pots.append(prow)
            deps.append(drow)
        return pots, deps

    def weights(self, m: Module) -> list[list[Signal]]:
        p = self.p
        wb = p.weight_width
        return [
            [
                Signal(signed(wb), init=int(p.weights[mi][j]), name=f"w_{mi}_{j}")
                for j in range(p.n_pre)
            ]
            for mi in range(p.n_post)
        ]

    def trace_outputs(
        self, m: Module, x: list[Signal], y: list[Signal], pre_trace: Value, post_trace: Value
    ) -> None:
        """Drive the ``pre_trace`` and ``post_trace`` ports from the trace registers."""
        tb = self.p.trace_width
        for j, xj in enumerate(x):
            m.d.comb += pre_trace[j * tb : (j + 1) * tb].eq(xj)
        for mi, ym in enumerate(y):
            m.d.comb += post_trace[mi * tb : (mi + 1) * tb].eq(ym)

    def write_value(self, m: Module, w_data: Value) -> Value:
        """``sat(w_data)`` as a signed value."""
        p = self.p
        return clamp(m, w_data.as_signed(), p.w_min, p.w_max, p.weight_width, "w_data_s")


def stdp_ports(p: model.STDPConfig) -> dict[str, object]:
    """Ports shared by STDP and R-STDP."""
    return {
        "pre": In(p.n_pre),
        "post": In(p.n_post),
        "en": In(1),
        "w_en": In(1),
        "w_addr": In(p.addr_width),
        "w_data": In(p.weight_width),
        "weights": Out(p.n_synapses * p.weight_width),
        "pre_trace": Out(p.n_pre * p.trace_width),
        "post_trace": Out(p.n_post * p.trace_width),
    }
