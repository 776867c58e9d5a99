"""Amaranth twin of :mod:`sc_model.lif` (contract and timing: see there)."""

from __future__ import annotations

from dataclasses import replace

from amaranth.hdl import Cat, Const, Module, Mux, Signal, Value, signed
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from sc_model import lif as model
from sc_model._validate import take_config


class LIFNeuron(wiring.Component):
    """One bitstream LIF neuron (block ``lif``): shifts and adds only, saturating.

    Parameters
    ----------
    config : sc_model.lif.LIFConfig
        The block's configuration, scalar parameters (or its fields as
        keywords, ``v_width`` and ``threshold`` also positionally); the
        contract is the docstring of :mod:`sc_model.lif`.

    Attributes
    ----------
    en : In(1)
        Update on the next rising edge; low: every register holds.
    in_count : In(signed(in_width))
        This cycle's signed count (``input_mode="count"``).
    up, down : In(1)
        Up/down counter inputs, ``x = up - down`` (``input_mode="updown"``).
    v : Out(signed(W))
        Membrane register, reset ``v_reset``.
    spike : Out(1)
        Register: the firing decision of the most recent enabled cycle (reset 0).
    refractory_count : Out(refractory.bit_length())
        Refractory counter register, reset 0; only when ``refractory > 0``.

    Every output is a register (latency 1 cycle). Datapath, adders only (no
    multiplier): one for the leak (shift: ``v - (v >>> k)``; constant:
    ``v -/+ c`` and a sign test) and ``total = L(v) + x``, clamped by a test of
    its two top bits. The firing test and the subtract-mode ``v1 - threshold``
    come, with ``leak_mode="shift"``, from a comparator and a subtractor after
    the clamp; otherwise from ``diff = L(v) + (x - threshold)`` (sign bit:
    fire; value: ``v1 - threshold``), whose carry chain runs beside
    ``total``'s because ``x - threshold`` does not depend on ``v``.

    With ``input_register=True`` what depends on the input alone is computed
    before the input register and stored: ``x - threshold`` always, and per
    leak mode ``x`` (none), ``x + 1`` and ``x + 1 - threshold`` (shift: then
    ``L(v) + x = v + ~(v >>> k) + (x + 1)`` is a three-operand sum, reduced
    by one LUT level of carry-save bits to a single carry chain), or
    ``x``, ``x +- c`` and ``x +- c - threshold`` (constant: ``total`` and
    ``diff`` are ``v`` plus the register chosen by ``v``'s sign, beside the
    ``v -/+ c`` chain that tells whether the leak would cross 0, in which
    case they are ``x`` and ``x - threshold``). The loop through ``v`` is then
    one carry chain of ``W + 2`` bits and a few LUT levels in every mode.

    Measured cells and Fmax of the variants: ``docs/synthesis.md``.
    """

    def __init__(
        self, config: model.LIFConfig | int | None = None, threshold: int | None = None, **params
    ) -> None:
        if threshold is not None:  # the older call shape LIFNeuron(v_width, threshold, ...)
            params["threshold"] = threshold
        p = take_config(model.LIFConfig, config, params, "v_width")
        if p.per_neuron:  # one neuron: scalar parameters, checked as such
            p = replace(p, per_neuron=False)
        self.config = p
        members: dict[str, object] = {"en": In(1)}
        if p.input_mode == "count":
            members["in_count"] = In(signed(p.in_width))
        else:
            members["up"] = In(1)
            members["down"] = In(1)
        members["v"] = Out(signed(p.v_width), init=p.v_reset)
        members["spike"] = Out(1)
        if p.refractory:
            members["refractory_count"] = Out(p.refractory_width)
        super().__init__(members)

    def elaborate(self, platform):
        if self.config.input_register:
            return self._elaborate_registered()
        m = Module()
        p = self.config
        w = p.v_width
        leaked = self._leak(m)
        x = self._input(m)
        total = Signal(signed(w + 1), name="total")  # L(v) + x, exact: in_width <= w
        m.d.comb += total.eq(leaked + x)
        v1 = self._clamp(m, total)
        reach, v_sub = self._fire_test(m, leaked, x, total, v1)
        self._update(m, reach, v1, v_sub)
        return m

    def _leak(self, m: Module) -> Signal:
        """``L(v)`` of the contract: always in range."""
        p = self.config
        w = p.v_width
        v = self.v
        leaked = Signal(signed(w), name="leaked")
        if p.leak_mode == "none":
            m.d.comb += leaked.eq(v)
        elif p.leak_mode == "shift":
            m.d.comb += leaked.eq(v - (v >> p.leak_shift))  # >> of a signed value: arithmetic
        else:
            # s = v - c for v >= 0, v + c for v < 0, modulo 2**w: the true value lies
            # between -c and v (or v and c - 1), in range, so bit w - 1 is its sign.
            # Keep s if it has v's sign (it did not cross 0), else 0.
            c = p.leak_const
            step = Mux(v[w - 1], Const(c, w), Const(-c % (1 << w), w))
            s = Signal(w, name="leak_sum")
            m.d.comb += s.eq(v.as_unsigned() + step)
            with m.If(s[w - 1] == v[w - 1]):
                m.d.comb += leaked.eq(s)
            with m.Else():
                m.d.comb += leaked.eq(0)
        return leaked

    def _clamp(self, m: Module, total: Value) -> Signal:
        """``v1``: ``total`` (``w + 1`` bits) saturated into the ``w``-bit range.

        ``total`` left the range iff its bits ``w`` and ``w - 1`` differ,
        downward iff bit ``w`` is set.
        """
        p = self.config
        w = p.v_width
        v1 = Signal(signed(w), name="v1")
        with m.If(total[w] == total[w - 1]):
            m.d.comb += v1.eq(total)
        with m.Elif(total[w]):
            m.d.comb += v1.eq(p.v_min)
        with m.Else():
            m.d.comb += v1.eq(p.v_max)
        return v1

    def _fire_test(
        self, m: Module, leaked: Value, x: Value, total: Value, v1: Value
    ) -> tuple[Value, Value]:
        """The firing test ``v1 >= threshold``, and ``v1 - threshold`` for subtract mode."""
        p = self.config
        w = p.v_width
        if p.leak_mode == "shift":
            # Compare after the clamp: smallest; here the leak's own carry chain
            # dominates the delay, the alternative below is larger and no faster.
            reach = v1 >= Const(p.threshold, signed(w))
            v_sub = v1 - Const(p.threshold, signed(w))  # in [0, V_MAX - threshold] on a spike
            return reach, v_sub
        # v1 >= threshold  <=>  total >= threshold (the clamp keeps the order, the
        # threshold is in range)  <=>  diff = L(v) + (x - threshold) >= 0, where
        # x - threshold does not depend on v: diff's carry chain runs beside
        # total's instead of a comparator after the clamp (faster, see the class
        # docstring). On a spike v1 - threshold is diff, or V_MAX - threshold
        # when the sum clamped at the top.
        x_minus_t = Signal(signed(w + 1), name="x_minus_threshold")
        diff = Signal(signed(w + 2), name="diff")  # total - threshold
        m.d.comb += [
            x_minus_t.eq(x - Const(p.threshold, signed(w))),
            diff.eq(leaked + x_minus_t),
        ]
        reach = ~diff[w + 1]
        high = ~total[w] & total[w - 1]  # total > V_MAX: v1 clamped at the top
        return reach, Mux(high, p.v_max - p.threshold, diff)

    def _input(self, m: Module) -> Value:
        if self.config.input_mode == "count":
            return self.in_count
        x = Signal(signed(2), name="updown")
        m.d.comb += x.eq(self.up - self.down)
        return x

    def _elaborate_registered(self) -> Module:
        """The ``input_register`` datapath (class docstring): one carry chain per loop."""
        m = Module()
        p = self.config
        w = p.v_width
        total, diff = self._registered_sums(m)
        v1 = self._clamp(m, total)
        reach = ~diff[w + 1]
        high = ~total[w] & total[w - 1]
        v_sub = Mux(high, Const(p.v_max - p.threshold, w), diff[:w])  # w bits: nothing dead above
        self._update_registered(m, reach, v1, v_sub)
        return m

    def _registered_sums(self, m: Module) -> tuple[Signal, Signal]:
        """``total = L(v) + x_reg`` and ``diff = total - threshold`` from the stored input terms.

        Exact widths: ``total`` is in ``[-2**w, 2**w - 2]`` (``w + 1`` bits),
        ``diff`` in ``w + 2`` bits; every sum is computed modulo 2**(its
        width), which is exact for these values.
        """
        p = self.config
        w = p.v_width
        wt, wd = w + 1, w + 2
        v = self.v
        x = self._input(m)
        t = p.threshold

        def stored(name: str, offset: int, width: int) -> Signal:
            """A register of ``x + offset`` (modulo 2**width), loaded on enabled edges;
            its reset value is that of x = 0."""
            reg = Signal(signed(width), name=name, init=_wrap(offset, width))
            with m.If(self.en):
                m.d.sync += reg.eq(x + offset)
            return reg

        total = Signal(signed(wt), name="total")  # L(v) + x_reg
        diff = Signal(signed(wd), name="diff")  # L(v) + x_reg - threshold
        if p.leak_mode == "none":
            xr, xt = stored("x_reg", 0, wt), stored("x_minus_threshold", -t, wd)
            m.d.comb += [total.eq(v + xr), diff.eq(v + xt)]
        elif p.leak_mode == "shift":
            # L(v) + x = v + ~(v >>> k) + (x + 1): carry-save, then one adder.
            x1, xt1 = stored("x_plus_1", 1, wt), stored("x_plus_1_minus_threshold", 1 - t, wd)
            a = Signal(wd, name="leak_a")  # both sums share v and ~(v >>> k), sign-extended
            b = Signal(wd, name="leak_b")
            m.d.comb += [a.eq(v), b.eq(~(v >> p.leak_shift))]
            for name, c, out, n in (("total", x1, total, wt), ("diff", xt1, diff, wd)):
                s = Signal(n, name=f"{name}_csa_sum")
                k = Signal(n, name=f"{name}_csa_carry")
                an, bn, cu = a[:n], b[:n], c.as_unsigned()
                m.d.comb += [
                    s.eq(an ^ bn ^ cu),
                    k.eq((an & bn) | (an & cu) | (bn & cu)),
                    out.eq((s + Cat(Const(0, 1), k[: n - 1]))[:n].as_signed()),
                ]
        else:
            c = p.leak_const
            xr, xt = stored("x_reg", 0, wt), stored("x_minus_threshold", -t, wd)
            xp, xm = stored("x_plus_c", c, wt), stored("x_minus_c", -c, wt)
            xpt = stored("x_plus_c_minus_t", c - t, wd)
            xmt = stored("x_minus_c_minus_t", -c - t, wd)
            neg = v[w - 1]
            # v -/+ c modulo 2**w: it crossed 0 (the leak gives 0) iff its sign differs
            # from v's (as in the unregistered datapath).
            s = Signal(w, name="leak_sum")
            m.d.comb += s.eq(v.as_unsigned() + Mux(neg, Const(c, w), Const(-c % (1 << w), w)))
            crossed = Signal(name="leak_crossed")
            m.d.comb += crossed.eq(s[w - 1] != neg)
            near_total = Signal(signed(wt), name="total_uncrossed")  # v -/+ c + x
            near_diff = Signal(signed(wd), name="diff_uncrossed")
            m.d.comb += [
                near_total.eq(v + Mux(neg, xp, xm)),
                near_diff.eq(v + Mux(neg, xpt, xmt)),
                total.eq(Mux(crossed, xr, near_total)),
                diff.eq(Mux(crossed, xt, near_diff)),
            ]
        return total, diff

    def _update_registered(self, m: Module, reach: Value, v1: Value, v_sub: Value) -> None:
        """The register updates of an edge (``input_register``).

        The late signal, ``reach`` (the end of diff's carry chain), only selects
        D inputs: ``v`` is enabled by ``en`` and the refractory state alone (a
        spike needs rc = 0), and the refractory counter's next value is a mux
        too, not a fire-dependent enable.
        """
        p = self.config
        v = self.v
        v_fire = Const(p.v_reset, signed(p.v_width)) if p.reset_mode == "value" else v_sub
        with m.If(self.en):
            if p.refractory:
                rc = self.refractory_count
                idle = Signal(name="refractory_idle")
                m.d.comb += idle.eq(rc == 0)
                m.d.sync += [
                    self.spike.eq(reach & idle),
                    rc.eq(Mux(idle, Mux(reach, p.refractory, 0), rc - 1)),
                ]
                with m.If(idle):
                    m.d.sync += v.eq(Mux(reach, v_fire, v1))
            else:
                m.d.sync += [self.spike.eq(reach), v.eq(Mux(reach, v_fire, v1))]

    def _update(self, m: Module, reach: Value, v1: Value, v_sub: Value) -> None:
        """The register updates of an edge from the firing test and the candidates."""
        p = self.config
        v = self.v
        fire = Signal(name="fire")
        if p.refractory:
            rc = self.refractory_count
            m.d.comb += fire.eq(reach & (rc == 0))
        else:
            m.d.comb += fire.eq(reach)

        with m.If(self.en):
            m.d.sync += self.spike.eq(fire)
            if p.refractory:
                with m.If(rc != 0):
                    m.d.sync += rc.eq(rc - 1)  # v holds
                with m.Elif(fire):
                    m.d.sync += rc.eq(p.refractory)
            with m.If(fire):
                if p.reset_mode == "value":
                    m.d.sync += v.eq(p.v_reset)
                else:  # v1 - threshold, in [0, V_MAX - threshold]: no clamp needed
                    m.d.sync += v.eq(v_sub)
            if p.refractory:
                with m.Elif(rc == 0):
                    m.d.sync += v.eq(v1)
            else:
                with m.Else():
                    m.d.sync += v.eq(v1)


def _wrap(value: int, width: int) -> int:
    """``value`` modulo ``2**width`` as a signed ``width``-bit int."""
    value &= (1 << width) - 1
    return value - (1 << width) if value >> (width - 1) else value
