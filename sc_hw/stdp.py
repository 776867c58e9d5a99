"""Amaranth twin of :mod:`sc_model.stdp` (contract and timing: see there)."""

from __future__ import annotations

from collections.abc import Sequence

from amaranth.hdl import Cat, Const, Module, Mux, Signal, Value, signed
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from sc_model import stdp as model
from sc_model.sng import rotation_indices

from .helpers import clamp, const_mul, nonneg, trailing_zeros, wire
from .lfsr import LFSR


class TraceBank:
    """Shared elaboration of the STDP front end: prescaler, LFSR, traces, per-synapse updates.

    Used by :class:`STDP` and :class:`sc_hw.rstdp.RSTDP`; ``p`` is an
    :class:`sc_model.stdp.STDPParams`.
    """

    def __init__(self, p: model.STDPParams) -> None:
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

    def write_value(self, m: Module, w_data: Value) -> Value:
        """``sat(w_data)`` as a signed value."""
        p = self.p
        return clamp(m, w_data.as_signed(), p.w_min, p.w_max, p.weight_width, "w_data_s")


def stdp_ports(p: model.STDPParams) -> dict[str, object]:
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


class STDP(wiring.Component):
    """Pair-based STDP unit for N pre x M post synapses (block ``stdp``).

    Parameters
    ----------
    Those of :func:`sc_model.stdp.check_stdp_params`, validated here at
    construction: ``n_pre`` (N, 1 .. 64), ``n_post`` (M, 1 .. 32),
    ``weight_width``, ``w_min``, ``w_max``, ``weights``, ``trace_width``,
    ``pre_increment``, ``post_increment``, ``pairing``, ``decay``,
    ``decay_shift``, ``decay_mult``, ``decay_mult_shift``,
    ``decay_period_log2``, ``a_plus``, ``a_minus``, ``update_shift``,
    ``rounding``, the LFSR ``width``/``seed``/``taps``/``form`` and ``rotations``.

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

    Cost: the products ``a_plus x[j]`` (N) and ``a_minus y[m]`` (M) are
    shift-and-add by constants, shared along rows and columns; per synapse
    two ``update_shift``-bit comparators (stochastic rounding), two muxes and
    one add/subtract with a clamp.
    """

    def __init__(
        self,
        n_pre: int,
        n_post: int,
        weight_width: int = 8,
        w_min: int | None = None,
        w_max: int | None = None,
        weights: Sequence[Sequence[int]] | None = None,
        trace_width: int = 8,
        pre_increment: int | None = None,
        post_increment: int | None = None,
        pairing: str = "all_to_all",
        decay: str = "shift",
        decay_shift: int | None = None,
        decay_mult: int | None = None,
        decay_mult_shift: int | None = None,
        decay_period_log2: int = 0,
        a_plus: int = 3,
        a_minus: int = 3,
        update_shift: int = 4,
        rounding: str = "floor",
        width: int = 16,
        seed: int | None = None,
        taps: Sequence[int] | None = None,
        form: str = "fibonacci",
        rotations: Sequence[int] | None = None,
    ) -> None:
        self.params = p = model.check_stdp_params(
            n_pre=n_pre,
            n_post=n_post,
            weight_width=weight_width,
            w_min=w_min,
            w_max=w_max,
            weights=weights,
            trace_width=trace_width,
            pre_increment=pre_increment,
            post_increment=post_increment,
            pairing=pairing,
            decay=decay,
            decay_shift=decay_shift,
            decay_mult=decay_mult,
            decay_mult_shift=decay_mult_shift,
            decay_period_log2=decay_period_log2,
            a_plus=a_plus,
            a_minus=a_minus,
            update_shift=update_shift,
            rounding=rounding,
            width=width,
            seed=seed,
            taps=taps,
            form=form,
            rotations=rotations,
        )
        super().__init__(stdp_ports(p))

    def elaborate(self, platform):
        m = Module()
        p = self.params
        bank = TraceBank(p)
        tick = bank.tick(m, self.en, p.decay_period_log2, "prescaler")
        x = bank.traces(m, self.pre, self.en, tick, p.pre_increment, "x")
        y = bank.traces(m, self.post, self.en, tick, p.post_increment, "y")
        pots, deps = bank.pair_updates(m, self.pre, self.post, x, y, self.en)
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
        tb = p.trace_width
        for j, xj in enumerate(x):
            m.d.comb += self.pre_trace[j * tb : (j + 1) * tb].eq(xj)
        for mi, ym in enumerate(y):
            m.d.comb += self.post_trace[mi * tb : (mi + 1) * tb].eq(ym)
        return m
