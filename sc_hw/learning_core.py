"""Amaranth twin of :mod:`sc_model.learning_core` (contract and timing: see there)."""

from __future__ import annotations

from typing import Any

from amaranth.hdl import Cat, Const, Module, Mux, Signal, Value, signed
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from sc_model.learning_core import HOST_SPACES, LearningCoreConfig
from sc_model.sc_layer_tm import sc_layer_tm_params
from sc_model.sng import rotation_indices

from .helpers import clamp, const_mul, nonneg, pick, trailing_zeros, wire
from .lfsr import LFSR
from .sc_layer_tm import BANK_WORDS, MemoryTap, SCLayerTM


class LearningCore(wiring.Component):
    """The time-multiplexed SC layer with an STDP pass over its weight RAM (``learning_core``).

    Parameters
    ----------
    **params
        The fields of :class:`sc_model.learning_core.LearningCoreConfig`,
        validated there at construction
        (:func:`sc_model.learning_core.learning_core_params` gives this dict).

    Attributes
    ----------
    spikes : In(N), en : In(1)
        As :class:`sc_hw.sc_layer_tm.SCLayerTM`.
    out_valid, out_neuron, out_spike, out_v, tick_done, in_ready : Out
        The layer's outputs, unchanged.
    upd_en : Out(1), upd_addr : Out(addr_width), upd_data : Out(P (wb + 1))
        The pass's weight write (registers), performed at the edge ending the
        cycle they are shown in.
    pre_trace : Out(N tb), post_trace : Out(M tb)
        The trace registers used by the running pass.

    Structure: the layer (:class:`sc_hw.sc_layer_tm.SCLayerTM`) is elaborated
    here and its weight RAM banks' read ports are shared: the layer reads word
    ``k`` in cycle ``k``, which is the word the pass needs, so the weights are
    stored once and the RAM keeps one read and one write port (EBR / DP16KD).
    The pass pipeline: E1 the RAM read register, E2 a register per bank (no
    logic after a RAM output) and the word's traces and spike bits (muxes by
    chunk and neuron), E3 the constant shift-and-add products, E4 the rounded
    ``P``, ``Q`` per lane (the LFSR comparators), E5 ``w + P - Q``, E6 its
    clamp in sign-magnitude on ``upd_*``, which drive the layer's write port.
    """

    def __init__(self, **params: Any) -> None:
        self.config = c = LearningCoreConfig(**params)
        tb = c.trace_width
        super().__init__(
            {
                "spikes": In(c.n_inputs),
                "en": In(1),
                "out_valid": Out(1),
                "out_neuron": Out(c.neuron_width),
                "out_spike": Out(1),
                "out_v": Out(c.v_width),
                "tick_done": Out(1),
                "in_ready": Out(1, init=1),
                "upd_en": Out(1),
                "upd_addr": Out(c.addr_width),
                "upd_data": Out(c.word_width),
                "pre_trace": Out(c.n_inputs * tb),  # type: ignore[operator]
                "post_trace": Out(c.n_neurons * tb),  # type: ignore[operator]
                "host_req": In(1),
                "host_we": In(1),
                "host_space": In(3),
                "host_addr": In(c.host_addr_width),
                "host_wdata": In(c.host_data_width),
                "host_ack": Out(1),
                "host_rvalid": Out(1),
                "host_rdata": Out(c.host_data_width),
            }
        )
        self.host_addr_width = c.host_addr_width
        self.host_data_width = c.host_data_width

    def _decay(self, m: Module, x: Value, name: str) -> Value:
        """``x - (x >> q)`` in ``tb`` bits (as :class:`sc_hw.stdp.TraceBank`)."""
        c = self.config
        tb, q = c.trace_width, c.decay_shift
        if q == tb:
            return x
        not_shifted = Cat(~x[q:], Const((1 << q) - 1, q))  # type: ignore[operator]
        return wire(m, x + not_shifted + 1, tb, name)

    def _trace_next(self, m: Module, x: Value, spike: Value, inc: int, name: str) -> Value:
        c = self.config
        tb = c.trace_width
        d = self._decay(m, x, f"{name}_dec")
        total = wire(m, d + inc, tb + 1, f"{name}_sum")
        return Mux(spike, Mux(total[tb], Const(c.trace_max, tb), total[:tb]), d)

    def _rounded(self, m: Module, prod: Value, r: Value | None, tz: int, name: str) -> Value:
        s = self.config.update_shift
        n = max(1, len(prod) - s)
        floor = wire(m, prod[s:], n, f"{name}_floor")
        if r is None or s <= tz:
            return floor
        up = wire(m, nonneg(r) < nonneg(prod[:s]), n, f"{name}_up")
        return wire(m, floor + up, n + 1, f"{name}_r")

    def _host_port(self, m, layer, lm, tap, k_zero, tick_end, n_banks, low) -> None:
        """Host port: served in the tick's last cycle, or at ``k = 0`` with ``en`` low.

        Drives the layer's weight write port (the pass's ``upd_*`` or a host
        write), the layer's memory tap and the read pipeline: the RAM read at
        the ack edge, ``host_rdata`` registered from the RAM outputs at the
        next edge (``host_rvalid`` two cycles after ``host_ack``).
        """
        c = self.config
        words, nm, ww = c.words, c.n_neurons, c.word_width
        aw = c.host_addr_width
        ack = wire(m, self.host_req & (tick_end | (k_zero & ~self.en)), 1, "host_ack_now")
        m.d.comb += self.host_ack.eq(ack)
        addr = self.host_addr
        in_w = addr < words if words < 1 << aw else Const(1)
        in_n = addr < nm if nm < 1 << aw else Const(1)
        space = self.host_space
        hit_w = wire(m, ack & (space == HOST_SPACES["weights"]) & in_w, 1, "host_hit_w")
        hit_t = wire(m, ack & (space == HOST_SPACES["thresholds"]) & in_n, 1, "host_hit_t")
        hit_s = wire(m, ack & (space == HOST_SPACES["state"]) & in_n, 1, "host_hit_s")
        we = self.host_we
        host_ww = wire(m, hit_w & we, 1, "host_write_w")
        m.d.comb += [
            tap.addr.eq(addr),
            tap.wdata.eq(self.host_wdata),
            tap.read_weights.eq(hit_w & ~we),
            tap.read_thresholds.eq(hit_t & ~we),
            tap.write_thresholds.eq(hit_t & we),
            tap.read_state.eq(hit_s & ~we),
            tap.write_state.eq(hit_s & we),
            layer.w_en.eq(self.upd_en | host_ww),
            layer.w_addr.eq(Mux(host_ww, addr[: c.addr_width], self.upd_addr)),
            layer.w_data.eq(Mux(host_ww, self.host_wdata[:ww], self.upd_data)),
        ]
        # read pipeline (not gated by en)
        h_valid = Signal(name="host_read1")
        h_kind = Signal(2, name="host_kind1")  # 0 nothing, 1 weights, 2 thresholds, 3 state
        h_bank = Signal(range(max(2, n_banks)), name="host_bank1")
        kind = Mux(hit_w, 1, Mux(hit_t, 2, Mux(hit_s, 3, 0)))
        m.d.sync += [h_valid.eq(ack & ~we), h_kind.eq(Mux(we, 0, kind))]
        if n_banks > 1:
            m.d.sync += h_bank.eq(addr[low:])
        banks = [lm.submodules[f"weight_mem_{b}"].read_ports[0].data for b in range(n_banks)]
        t_data = lm.submodules.threshold_mem.read_ports[0].data
        s_data = lm.submodules.state_mem.read_ports[0].data
        w_data = banks[0] if n_banks == 1 else pick(banks, h_bank)
        data = Mux(h_kind == 1, w_data, Mux(h_kind == 2, t_data, Mux(h_kind == 3, s_data, 0)))
        m.d.sync += [self.host_rvalid.eq(h_valid), self.host_rdata.eq(data)]

    def elaborate(self, platform):
        m = Module()
        c = self.config
        n, nm, lanes, chunks = c.n_inputs, c.n_neurons, c.lanes, c.chunks
        assert isinstance(lanes, int)
        wb, tb = c.weight_width, c.trace_width
        words, tick = c.words, c.tick_cycles
        en = self.en

        # --- the layer, its weight RAM read ports shared with the pass ---------
        layer = SCLayerTM(**sc_layer_tm_params(c.layer_config()))
        tap = MemoryTap(
            addr=Signal(c.host_addr_width, name="tap_addr"),
            wdata=Signal(c.host_data_width, name="tap_wdata"),
            read_weights=Signal(name="tap_read_weights"),
            read_thresholds=Signal(name="tap_read_thresholds"),
            write_thresholds=Signal(name="tap_write_thresholds"),
            read_state=Signal(name="tap_read_state"),
            write_state=Signal(name="tap_write_state"),
        )
        layer.tap = tap
        lm = layer.elaborate(platform)
        layer._MustUse__silence = True  # elaborated here, so that its RAMs can be shared
        m.submodules.layer = lm
        n_banks = -(-words // BANK_WORDS)
        low = (min(words, BANK_WORDS) - 1).bit_length()
        rds = [lm.submodules[f"weight_mem_{b}"].read_ports[0] for b in range(n_banks)]
        m.d.comb += [
            layer.spikes.eq(self.spikes),
            layer.en.eq(en),
            self.out_valid.eq(layer.out_valid),
            self.out_neuron.eq(layer.out_neuron),
            self.out_spike.eq(layer.out_spike),
            self.out_v.eq(layer.out_v),
            self.tick_done.eq(layer.tick_done),
            self.in_ready.eq(layer.in_ready),
        ]

        # --- sequencer (a copy of the layer's tick counter) -------------------
        k = Signal(range(tick), name="pk")
        k_zero = Signal(init=1, name="pk_zero")
        tick_end = Signal(name="pk_end")
        reading = Signal(init=1, name="p_reading")
        ch = Signal(range(max(2, chunks)), name="p_chunk")
        ch_last = Signal(init=int(chunks == 1), name="p_chunk_last")
        neuron = Signal(range(max(2, nm)), name="p_neuron")
        with m.If(en):
            m.d.sync += [
                k.eq(Mux(tick_end, 0, k + 1)),
                k_zero.eq(tick_end),
                tick_end.eq(~tick_end & (k == tick - 2)),
            ]
            with m.If(tick_end):
                m.d.sync += [reading.eq(1), ch.eq(0), ch_last.eq(int(chunks == 1)), neuron.eq(0)]
            with m.Elif(reading):
                with m.If(ch_last):
                    m.d.sync += [ch.eq(0), ch_last.eq(int(chunks == 1)), neuron.eq(neuron + 1)]
                    m.d.sync += reading.eq(neuron != nm - 1)
                with m.Else():
                    m.d.sync += [ch.eq(ch + 1), ch_last.eq(ch == max(chunks - 2, 0))]

        self._host_port(m, layer, lm, tap, k_zero, tick_end, n_banks, low)

        # --- spikes of the previous tick, traces --------------------------------
        x_in = Signal(n, name="x_in")
        pre = Signal(n, name="pre_pass")
        post_acc = Signal(nm, name="post_acc")
        post = Signal(nm, name="post_pass")
        acc_next = Signal(nm, name="post_acc_next")
        for mi in range(nm):
            hit = layer.out_valid & (layer.out_neuron == mi)
            m.d.comb += acc_next[mi].eq(Mux(hit, layer.out_spike, post_acc[mi]))
        xt = [Signal(tb, name=f"x_{j}") for j in range(n)]
        yt = [Signal(tb, name=f"y_{i}") for i in range(nm)]
        with m.If(en):
            m.d.sync += post_acc.eq(acc_next)
            with m.If(k_zero):
                m.d.sync += x_in.eq(self.spikes)
            with m.If(tick_end):
                m.d.sync += [pre.eq(x_in), post.eq(acc_next)]
                for j, x in enumerate(xt):
                    nxt = self._trace_next(m, x, pre[j], c.pre_increment, f"x_{j}")  # type: ignore[arg-type]
                    m.d.sync += x.eq(nxt)
                for i, y in enumerate(yt):
                    nxt = self._trace_next(m, y, post[i], c.post_increment, f"y_{i}")  # type: ignore[arg-type]
                    m.d.sync += y.eq(nxt)
        m.d.comb += [self.pre_trace.eq(Cat(*xt)), self.post_trace.eq(Cat(*yt))]

        # --- pass pipeline -------------------------------------------------------
        aw = c.addr_width
        v1, v2, v3 = (Signal(name=f"pv{i}") for i in (1, 2, 3))
        a1, a2, a3 = (Signal(aw, name=f"pa{i}", reset_less=True) for i in (1, 2, 3))
        n1 = Signal.like(neuron, name="pn1", reset_less=True)
        c1 = Signal.like(ch, name="pc1", reset_less=True)
        ww = c.word_width
        words2 = [Signal(ww, name=f"pword2_{b}", reset_less=True) for b in range(n_banks)]
        with m.If(en):
            m.d.sync += [v1.eq(reading), a1.eq(k), n1.eq(neuron), c1.eq(ch)]
            m.d.sync += [v2.eq(v1), a2.eq(a1), v3.eq(v2), a3.eq(a2)]
            m.d.sync += [r.eq(rd.data) for r, rd in zip(words2, rds, strict=True)]
        if n_banks == 1:
            word = words2[0]
        else:
            word = Signal(ww, name="pword")
            m.d.comb += word.eq(pick(words2, a2[low:]))

        # the rounding LFSR (steps on every enabled edge)
        m.submodules.stdp_lfsr = lfsr = LFSR(c.width, c.stdp_seed, c.taps, c.form)
        m.d.comb += [lfsr.en.eq(en), lfsr.load.eq(0), lfsr.load_value.eq(0)]
        # the word's traces and spike bits are selected in stage 2 (from n1, c1) and
        # registered beside the word, so E3 starts from registers
        y_sel = Signal(tb, name="y_sel", reset_less=True)
        post_sel = Signal(name="post_sel", reset_less=True)
        with m.If(en):
            m.d.sync += [y_sel.eq(pick(yt, n1)), post_sel.eq(pick(list(post), n1))]
        # E3: the products a_plus x (per lane) and a_minus y (shared), the signed weights
        py3 = Signal(tb + c.a_minus.bit_length(), name="py3", reset_less=True)
        post3 = Signal(name="post3", reset_less=True)
        with m.If(en):
            m.d.sync += [py3.eq(const_mul(m, y_sel, c.a_minus, "prod_y")), post3.eq(post_sel)]
        tz_p, tz_m = trailing_zeros(c.a_plus), trailing_zeros(c.a_minus)
        v4, v5 = Signal(name="pv4"), Signal(name="pv5")
        a4, a5 = (Signal(aw, name=f"pa{i}", reset_less=True) for i in (4, 5))
        with m.If(en):
            m.d.sync += [v4.eq(v3), a4.eq(a3), v5.eq(v4), a5.eq(a4)]
        fields_new = []
        for lane, rot in enumerate(c.lane_rotations):  # type: ignore[arg-type]
            cols = [cc * lanes + lane for cc in range(chunks)]
            x_opts = [xt[j] if j < n else Const(0, tb) for j in cols]
            pre_opts = [pre[j] if j < n else Const(0, 1) for j in cols]
            x_sel = Signal(tb, name=f"x_sel_{lane}", reset_less=True)
            pre_sel = Signal(name=f"pre_sel_{lane}", reset_less=True)
            with m.If(en):
                m.d.sync += [x_sel.eq(pick(x_opts, c1)), pre_sel.eq(pick(pre_opts, c1))]
            field = word[lane * (wb + 1) : (lane + 1) * (wb + 1)]
            mag, neg = field[:wb], field[wb]
            w_s = Signal(signed(wb + 1), name=f"w_lane_{lane}")
            mag_x = wire(m, mag, wb + 1, f"mag_{lane}")
            neg_x = wire(m, ~mag_x + 1, wb + 1, f"neg_mag_{lane}")  # two's complement
            m.d.comb += w_s.eq(Mux(neg, neg_x, mag_x))
            px3 = Signal(tb + c.a_plus.bit_length(), name=f"px3_{lane}", reset_less=True)
            pre3 = Signal(name=f"pre3_{lane}", reset_less=True)
            w3 = Signal(signed(wb + 1), name=f"w3_{lane}", reset_less=True)
            with m.If(en):
                m.d.sync += [
                    px3.eq(const_mul(m, x_sel, c.a_plus, f"prod_x_{lane}")),
                    pre3.eq(pre_sel),
                    w3.eq(w_s),
                ]
            # E4: rounded P and Q (this cycle's LFSR state)
            r = None
            if c.rounding == "stochastic":
                r = Cat(*(lfsr.state[i] for i in rotation_indices(c.width, c.update_shift, rot)))
            pot = self._rounded(m, px3, r, tz_p, f"pot_{lane}")
            dep = self._rounded(m, py3, r, tz_m, f"dep_{lane}")
            w4 = Signal(signed(wb + 1), name=f"w4_{lane}", reset_less=True)
            p4 = Signal(len(pot), name=f"p4_{lane}", reset_less=True)
            q4 = Signal(len(dep), name=f"q4_{lane}", reset_less=True)
            with m.If(en):
                m.d.sync += [
                    w4.eq(w3),
                    p4.eq(Mux(post3, pot, 0)),
                    q4.eq(Mux(pre3, dep, 0)),
                ]
            # E5: w + P - Q at full width; E6: sat() in sign-magnitude on upd_*
            sum_now = w4 + nonneg(p4) - nonneg(q4)
            total = Signal(sum_now.shape(), name=f"sum5_{lane}", reset_less=True)
            with m.If(en):
                m.d.sync += total.eq(sum_now)
            v = Signal(signed(wb + 1), name=f"w_new_{lane}")
            m.d.comb += v.eq(clamp(m, total, c.w_min, c.w_max, wb + 1, f"w_sum_{lane}"))  # type: ignore[arg-type]
            mag_new = Signal(wb, name=f"mag_new_{lane}")
            m.d.comb += mag_new.eq(Mux(v[wb], -v, v)[:wb])
            fields_new.append(Cat(mag_new, v[wb]))
        with m.If(en):
            m.d.sync += self.upd_en.eq(v5)
            with m.If(v5):
                m.d.sync += [self.upd_addr.eq(a5), self.upd_data.eq(Cat(*fields_new))]
        return m
