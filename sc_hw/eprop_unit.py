"""Amaranth twin of :mod:`sc_model.eprop_unit` (contract and timing: see there)."""

from __future__ import annotations

from amaranth.hdl import Const, Module, Mux, Signal, Value, signed
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from sc_model import eprop_unit as model
from sc_model._validate import take_config

from .helpers import decay_deficit, wire


class EpropUnit(wiring.Component):
    """e-prop eligibility traces and weight-change accumulators (block ``eprop_unit``).

    Parameters
    ----------
    config : sc_model.eprop_unit.EpropConfig
        The block's configuration (or its fields as keywords, ``n_pre`` and
        ``n_post`` also positionally); the contract is the docstring of
        :mod:`sc_model.eprop_unit`.

    Attributes
    ----------
    pre : In(N)
        Pre-synaptic spikes of the cycle.
    psi : In(M p)
        Pseudo-derivatives (Q0.p) of the cycle, neuron ``m`` in bits ``[m p, (m + 1) p)``.
    learning : In(M lw)
        Learning signals, two's complement; used when ``l_valid``.
    l_valid, dw_clear : In(1)
        Strobe of the learning signal; clear of every ``dW`` (priority).
    z_bar : Out(N zb), e_bar : Out(M N eb), dw : Out(M N dww)
        The registers (``dw`` two's complement).

    Pipelining: ``e = psi z_bar`` is registered before ``e_bar`` adds it
    (``e_bar`` two cycles behind its inputs); ``Delta = floor(L e_bar /
    2**s)`` is registered (the strobe and the clear travel beside it) and the
    saturating subtract into ``dW`` happens one edge later, so the ``L x
    e_bar`` multiplier and the clamp are in different cycles; ``dw`` shows a
    strobe two cycles after it (``sc_model.eprop_unit.DW_LATENCY``, model
    contract).

    Cost: per synapse a ``p x zb`` and an ``lw x eb`` multiplier, an
    add/shift/subtract decay, a subtract with clamp; per input one decay.
    """

    def __init__(
        self, config: model.EpropConfig | int | None = None, n_post: int | None = None, **params
    ) -> None:
        if n_post is not None:  # the older call shape EpropUnit(n_pre, n_post, ...)
            params["n_post"] = n_post
        self.config = p = take_config(model.EpropConfig, config, params, "n_pre")
        n, mm = p.n_pre, p.n_post
        super().__init__(
            {
                "pre": In(n),
                "psi": In(mm * p.psi_width),
                "learning": In(mm * p.learning_width),
                "l_valid": In(1),
                "dw_clear": In(1),
                "z_bar": Out(n * p.z_width),
                "e_bar": Out(mm * n * p.e_width),
                "dw": Out(mm * n * p.dw_width),
            }
        )

    def elaborate(self, platform):
        m = Module()
        p = self.config
        zs = self._presynaptic_traces(m)
        # the dW pipeline: strobe and clear go one register behind, beside each Delta
        valid_q, clear_q = Signal(name="l_valid_q"), Signal(name="dw_clear_q")
        m.d.sync += [valid_q.eq(self.l_valid), clear_q.eq(self.dw_clear)]
        pw, lw, n = p.psi_width, p.learning_width, p.n_pre
        for mi in range(p.n_post):
            psi = self.psi[mi * pw : (mi + 1) * pw]
            lsig = self.learning[mi * lw : (mi + 1) * lw].as_signed()
            for j in range(n):
                k = mi * n + j
                e_bar = self._eligibility(m, psi, zs[j], k, f"{mi}_{j}")
                self._weight_change(m, lsig, e_bar, valid_q, clear_q, k, f"{mi}_{j}")
        return m

    def _presynaptic_traces(self, m: Module) -> list[Signal]:
        """``z_bar[j]``: decayed every cycle, bumped by ``2**f`` on a pre spike."""
        p = self.config
        zb = p.z_width
        z_max = 1 << (p.trace_frac_bits + p.alpha_shift)  # contract: z_bar never exceeds it
        zs = []
        for j in range(p.n_pre):
            z = Signal(zb, name=f"z_bar_{j}")
            z_dec = decay_deficit(m, z, p.alpha_shift, f"zd_{j}", z_max)
            bumped = wire(m, z_dec + (1 << p.trace_frac_bits), zb, f"z_bumped_{j}")
            m.d.sync += z.eq(Mux(self.pre[j], bumped, z_dec))
            m.d.comb += self.z_bar[j * zb : (j + 1) * zb].eq(z)
            zs.append(z)
        return zs

    def _eligibility(self, m: Module, psi: Value, z: Signal, k: int, tag: str) -> Signal:
        """``e = psi z_bar`` into a pipeline register, then ``e_bar`` (decayed sum) of synapse k."""
        p = self.config
        zb, eb, pw = p.z_width, p.e_width, p.psi_width
        z_max = 1 << (p.trace_frac_bits + p.alpha_shift)
        e_max = (((1 << pw) - 1) * z_max) << p.kappa_shift  # contract: e_bar never exceeds it
        eb_reg = Signal(eb, name=f"e_bar_{tag}")
        # e = psi z_bar into a pipeline register (psi widened to eb - zb bits so
        # that the product is eb bits wide by itself: psi z_bar < 2**(p + zb - 1)
        # <= 2**eb, and the sum below has operands of one width)
        e_q = Signal(eb, name=f"e_{tag}")
        if p.kappa_shift:  # eb - zb = p + k_e - 1 >= p
            m.d.sync += e_q.eq(wire(m, psi, eb - zb, f"psi_{tag}") * z)
        else:  # the product fits eb bits (psi z_bar < 2**(p + f + k_a))
            m.d.sync += e_q.eq(psi * z)
        if p.kappa_shift:
            e_dec = decay_deficit(m, eb_reg, p.kappa_shift, f"ed_{tag}", e_max)
            m.d.sync += eb_reg.eq(wire(m, e_dec + e_q, eb, f"e_next_{tag}"))
        else:  # kappa = 0: e_bar is the registered e of the previous cycle
            m.d.sync += eb_reg.eq(e_q)
        m.d.comb += self.e_bar[k * eb : (k + 1) * eb].eq(eb_reg)
        return eb_reg

    def _weight_change(
        self,
        m: Module,
        lsig: Value,
        eb_reg: Signal,
        valid_q: Signal,
        clear_q: Signal,
        k: int,
        tag: str,
    ) -> None:
        """``dW`` of synapse k: stage 1 ``Delta`` registered, stage 2 the saturating subtract."""
        p = self.config
        eb, lw, dww = p.e_width, p.learning_width, p.dw_width
        dw = Signal(signed(dww), name=f"dw_{tag}")
        # stage 1: Delta = floor(L e_bar / 2**s), registered: the slice of the
        # product above bit s read as signed (for s beyond the top bit, the sign
        # bit alone: -1 or 0)
        e_s = Signal(signed(eb + 1), name=f"e_bar_s_{tag}")
        prod = Signal(signed(lw + eb + 1), name=f"l_e_{tag}")
        m.d.comb += [e_s.eq(eb_reg), prod.eq(lsig * e_s)]
        delta_c = prod[min(p.eta_shift, len(prod) - 1) :].as_signed()
        delta = Signal(signed(len(delta_c)), name=f"dw_delta_{tag}", reset_less=True)
        m.d.sync += delta.eq(delta_c)
        # stage 2: saturating subtract
        wd = max(dww, len(delta)) + 1
        diff = Signal(signed(wd), name=f"dw_diff_{tag}")
        m.d.comb += diff.eq(dw - delta)
        # saturate: diff fits dww bits when its bits dww - 1 .. wd - 1 are all equal
        top = diff.as_unsigned()[dww - 1 :]
        fits = (top == 0) | (top == (1 << len(top)) - 1)
        clamped = Mux(
            fits,
            diff[:dww].as_signed(),
            Mux(diff[wd - 1], Const(p.dw_min, signed(dww)), Const(p.dw_max, signed(dww))),
        )
        with m.If(clear_q):
            m.d.sync += dw.eq(0)
        with m.Elif(valid_q):
            m.d.sync += dw.eq(clamped)
        m.d.comb += self.dw[k * dww : (k + 1) * dww].eq(dw)
