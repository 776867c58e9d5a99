"""Amaranth twin of :mod:`sc_model.learning_core` (contract and timing: see there)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from amaranth.hdl import Cat, Const, Module, Mux, Signal, Value, signed, unsigned
from amaranth.lib import wiring
from amaranth.lib.memory import Memory
from amaranth.lib.wiring import In, Out

from sc_model.export import load_learning_core
from sc_model.learning_core import HOST_SPACES, LearningCoreConfig
from sc_model.sc_layer_tm import sc_layer_tm_params
from sc_model.sng import rotation_indices

from .helpers import clamp, const_mul, nonneg, pick, trailing_zeros, wire
from .lfsr import LFSR
from .sc_layer_tm import BANK_WORDS, MemoryTap, SCLayerTM


class LearningCore(wiring.Component):
    """The time-multiplexed SC layer with an STDP pass over its weight RAM (``learning_core``).

    Behaviour, widths and cycle timing: the contract in :mod:`sc_model.learning_core`.

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
    host_req, host_we : In(1), host_space : In(3), host_addr : In(host_addr_width),
    host_wdata : In(host_data_width)
        The host port's request (served when ``host_ack`` is high).
    host_ack : Out(1), host_rvalid : Out(1), host_rdata : Out(host_data_width)
        Its answer. With ``host_access="registered"`` the acked request is
        held in registers (no reset) and performed in the next cycle, which
        holds the core when it falls on ``k = 0`` (``in_ready`` low, ``en``
        ignored; :meth:`_host_port`, :meth:`_weights_read`).

    Structure: the layer (:class:`sc_hw.sc_layer_tm.SCLayerTM`) is elaborated
    here and its weight RAM banks' read ports are shared: the layer reads word
    ``k`` in cycle ``k``, which is the word the pass needs, so the weights are
    stored once and the RAM keeps one read and one write port (with
    ``weight_ram="spram"``: two parity banks of one address each, mapped to
    SB_SPRAM256KA, and one more pass stage before ``upd_*``; see
    :class:`sc_hw.sc_layer_tm.MemoryTap`; under R-STDP the eligibility
    memory in two parity banks as well, :meth:`_elig_parity_banks`). The pre traces
    live in their own RAM (``C`` words), the post traces in the layer's state
    words (a second read port serves the pass). Methods, one per stage:
    :meth:`_sequencer`, :meth:`_host_port`, :meth:`_pass_read` (E1 the RAM
    read registers, E2 a register per bank and the traces), :meth:`_pass_products`
    (E3), :meth:`_pass_round` (E4), :meth:`_pass_write` (E5 ``w + P - Q``,
    E6 the clamp on ``upd_*`` and the pre-trace write of the last row).
    """

    def __init__(self, **params: Any) -> None:
        self.config = c = LearningCoreConfig(**params)
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
                "host_req": In(1),
                "host_we": In(1),
                "host_space": In(3),
                "host_addr": In(c.host_addr_width),
                "host_wdata": In(c.host_data_width),
                "host_ack": Out(1),
                "host_rvalid": Out(1),
                "host_rdata": Out(c.host_data_width),
            }
            | ({"reward": In(c.reward_width), "reward_strobe": In(1)} if c.rstdp else {})
        )
        self.host_addr_width = c.host_addr_width
        self.host_data_width = c.host_data_width

    @classmethod
    def from_export(cls, directory, with_weights: bool = True) -> LearningCore:
        """Build the core from :func:`sc_model.export.export_learning_core`'s files.

        ``with_weights=False``: the weight memory starts at zero and the image
        is loaded over the host port (:func:`sc_model.export.load_image_words`).
        """
        return cls(**load_learning_core(directory, with_weights))

    # -- trace arithmetic ---------------------------------------------------------

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

    def _post_next(self, m: Module, old: Value) -> Value:
        """The layer's state-word hook: the new post trace from the field read (y, spike)."""
        tb = self.config.trace_width
        return self._trace_next(m, old[:tb], old[tb], self.config.post_increment, "y")  # type: ignore[arg-type]

    def _rounded(self, m: Module, prod: Value, r: Value | None, tz: int, name: str) -> Value:
        s = self.config.update_shift
        n = max(1, len(prod) - s)
        floor = wire(m, prod[s:], n, f"{name}_floor")
        if r is None or s <= tz:
            return floor
        up = wire(m, nonneg(r) < nonneg(prod[:s]), n, f"{name}_up")
        return wire(m, floor + up, n + 1, f"{name}_r")

    # -- stages ---------------------------------------------------------------------

    def _layer(self, m: Module, platform) -> tuple[SCLayerTM, Module, MemoryTap]:
        """The layer, elaborated here so that its memories can be shared."""
        c = self.config
        spram = c.weight_ram == "spram"
        layer = SCLayerTM(**sc_layer_tm_params(c.layer_config()))
        tap = MemoryTap(
            addr=Signal(c.host_addr_width, name="tap_addr"),
            wdata=Signal(c.host_data_width, name="tap_wdata"),
            free=Signal(name="tap_free"),
            free_write=Signal(name="tap_free_write"),
            read_weights=Signal(name="tap_read_weights"),
            read_thresholds=Signal(name="tap_read_thresholds"),
            write_thresholds=Signal(name="tap_write_thresholds"),
            read_state=Signal(name="tap_read_state"),
            write_state=Signal(name="tap_write_state"),
            extra_width=c.trace_width + 1,
            extra_next=self._post_next,
            weight_ram=c.weight_ram,
            pass_we=(Signal(name="upd_we_0"), Signal(name="upd_we_1")) if spram else None,
            pass_addr=self.upd_addr,
            write_weights=Signal(name="tap_write_weights") if spram else None,
        )
        layer.tap = tap
        lm = layer.elaborate(platform)
        layer._MustUse__silence = True  # elaborated here, so that its RAMs can be shared
        m.submodules.layer = lm
        m.d.comb += [
            layer.spikes.eq(self.spikes),
            layer.en.eq(self._en),
            self.out_valid.eq(layer.out_valid),
            self.out_neuron.eq(layer.out_neuron),
            self.out_spike.eq(layer.out_spike),
            self.out_v.eq(layer.out_v),
            self.tick_done.eq(layer.tick_done),
            self.in_ready.eq(layer.in_ready & ~self._held),
        ]
        return layer, lm, tap

    def _sequencer(self, m: Module) -> SimpleNamespace:
        """A copy of the layer's tick counter: the word read in this cycle and the flags."""
        c = self.config
        chunks, nm, tick, en = c.chunks, c.n_neurons, c.tick_cycles, self._en
        q = SimpleNamespace(
            k=Signal(range(tick), name="pk"),
            k_zero=Signal(init=1, name="pk_zero"),
            tick_end=Signal(name="pk_end"),
            reading=Signal(init=1, name="p_reading"),
            ch=Signal(range(max(2, chunks)), name="p_chunk"),
            ch_first=Signal(init=1, name="p_chunk_first"),
            ch_last=Signal(init=int(chunks == 1), name="p_chunk_last"),
            neuron=Signal(range(max(2, nm)), name="p_neuron"),
            row_last=Signal(init=int(nm == 1), name="p_row_last"),
            fresh=Signal(init=1, name="p_fresh"),  # first tick after reset: traces read 0
        )
        with m.If(en):
            m.d.sync += [
                q.k.eq(Mux(q.tick_end, 0, q.k + 1)),
                q.k_zero.eq(q.tick_end),
                q.tick_end.eq(~q.tick_end & (q.k == tick - 2)),
            ]
            with m.If(q.tick_end):
                m.d.sync += [
                    q.reading.eq(1),
                    q.ch.eq(0),
                    q.ch_first.eq(1),
                    q.ch_last.eq(int(chunks == 1)),
                    q.neuron.eq(0),
                    q.row_last.eq(int(nm == 1)),
                    q.fresh.eq(0),
                ]
            with m.Elif(q.reading):
                with m.If(q.ch_last):
                    m.d.sync += [
                        q.ch.eq(0),
                        q.ch_first.eq(1),
                        q.ch_last.eq(int(chunks == 1)),
                        q.neuron.eq(q.neuron + 1),
                        q.row_last.eq(q.neuron == max(nm - 2, 0)),
                        q.reading.eq(~q.row_last),
                    ]
                with m.Else():
                    m.d.sync += [
                        q.ch.eq(q.ch + 1),
                        q.ch_first.eq(0),
                        q.ch_last.eq(q.ch == max(chunks - 2, 0)),
                    ]
        return q

    def _weights_read(self, read: Value, we: Value, free_w: Value) -> Value:
        """The weight banks' read strobe besides the core's enable.

        SPRAM banks read in every cycle with ``en`` high, whether the core runs or
        is held: a held cycle (``host_access="registered"``, ``k = 0``) consumes no
        read, so the strobe needs only ``en`` and registers, not the hold logic
        (the bank's chip select is a short function of registers and ``en``).
        With direct access the host read strobe is ``host_req & ~we`` in the free
        write cycles (a read in ``k = 0`` with ``en`` high changes nothing).
        """
        c = self.config
        if c.weight_ram != "spram":
            return read
        if c.host_access == "registered":
            return read | self.en
        return self.host_req & ~we & free_w

    def _host_port(self, m, layer, lm, tap, q, pre_rd, e_rds, n_banks, bank_of) -> tuple:
        """Host port: acked in the tick's last cycle, or at ``k = 0`` with ``en`` low.

        Drives the layer's weight write port (the pass's ``upd_*`` or a host
        write), the layer's memory tap, the pre-trace RAM's ports when the
        host is served, and the read pipeline: the RAM read at the ack edge,
        the RAM outputs registered at the next edge, ``host_rdata`` at the one after
        (``host_rvalid`` three cycles after ``host_ack``). With
        ``host_access="registered"`` all of this happens one cycle later, in the
        perform cycle (``host_perform``), from the request's registers and its
        registered space decode (``host_in_*_r``). Returns the host's
        pre-trace write and read strobes and eligibility write and read strobes.
        """
        c = self.config
        words, nm, ww = c.words, c.n_neurons, c.word_width
        aw = c.host_addr_width

        def decode(addr: Value, space: Value) -> dict[str, Value]:
            """Which space the request hits (in range), and "weights at any address"."""

            def below(limit: int) -> Value:
                return addr < limit if limit < 1 << aw else Const(1)

            hits = {
                "w": (space == HOST_SPACES["weights"]) & below(words),
                "t": (space == HOST_SPACES["thresholds"]) & below(nm),
                "s": (space == HOST_SPACES["state"]) & below(nm),
                "x": (space == HOST_SPACES["pre_traces"]) & below(c.chunks),
                "e": (space == HOST_SPACES["eligibility"]) & below(words) if c.rstdp else Const(0),
                "w_any": space == HOST_SPACES["weights"],
                "e_any": space == HOST_SPACES["eligibility"],
            }
            return hits

        if c.host_access == "registered":
            # acked in the windows of "direct" (T - 1, k = 0 with en low), performed in
            # the next cycle from the request's registers: only registers drive the
            # memories' host selects (a core at k = 0 holds in that cycle)
            ack_out = wire(
                m, self.host_req & (q.tick_end | (q.k_zero & ~self.en)), 1, "host_ack_now"
            )
            req = SimpleNamespace(
                addr=Signal(aw, name="host_addr_r", reset_less=True),
                wdata=Signal(c.host_data_width, name="host_wdata_r", reset_less=True),
                we=Signal(name="host_we_r", reset_less=True),
            )
            # the space decode registered with the request: its compares sit before the
            # register, so the memories' enables are a gate of registers
            hit_regs = {
                key: Signal(name=f"host_in_{key}_r", reset_less=True)
                for key in ("w", "t", "s", "x", "e", "w_any", "e_any")
            }
            # (every cycle: only the perform cycle, right after the ack, reads them)
            m.d.sync += [
                self._perf.eq(ack_out),
                req.addr.eq(self.host_addr),
                req.wdata.eq(self.host_wdata),
                req.we.eq(self.host_we),
            ]
            m.d.sync += [
                hit_regs[k].eq(v) for k, v in decode(self.host_addr, self.host_space).items()
            ]
            m.d.comb += self.host_ack.eq(ack_out)
            free = free_w = ack = self._perf
            addr, we, wdata = req.addr, req.we, req.wdata
            hits: dict[str, Value] = dict(hit_regs)
        else:
            free = wire(m, q.tick_end | (q.k_zero & ~self.en), 1, "host_free")
            # write ports: the host's address and data at k = 0 and T - 1 whatever en (no
            # pipeline write then): a select straight from registers
            free_w = wire(m, q.tick_end | q.k_zero, 1, "host_free_write")
            ack = wire(m, self.host_req & free, 1, "host_ack_now")
            m.d.comb += self.host_ack.eq(ack)
            addr, we, wdata = self.host_addr, self.host_we, self.host_wdata
            hits = decode(addr, self.host_space)
        self._free, self._free_w = free, free_w
        self._haddr, self._hwdata = addr, wdata
        hit_w = wire(m, ack & hits["w"], 1, "host_hit_w")
        hit_t = wire(m, ack & hits["t"], 1, "host_hit_t")
        hit_s = wire(m, ack & hits["s"], 1, "host_hit_s")
        hit_x = wire(m, ack & hits["x"], 1, "host_hit_x")
        hit_e = wire(m, ack & hits["e"], 1, "host_hit_e") if c.rstdp else Const(0)
        host_ww = wire(m, hit_w & we, 1, "host_write_w")
        # the SPRAM banks' host write: no range compare in front of their enables (a
        # word past the last is stored where nothing reads it; reads of it give 0)
        if tap.write_weights is not None:
            m.d.comb += tap.write_weights.eq(ack & hits["w_any"] & we)
        # reads need no decode (a read of any memory at any address is harmless in a
        # free cycle; the registered kind picks the word), so only write enables wait
        # for the range compare; addresses and data follow the host whenever free
        read = wire(m, ack & ~we, 1, "host_read_now")
        m.d.comb += [
            tap.addr.eq(addr),
            tap.wdata.eq(wdata),
            tap.free.eq(free),
            tap.free_write.eq(free_w),
            # (SPRAM banks: a read in k = 0 with en high changes nothing, en reads anyway)
            tap.read_weights.eq(self._weights_read(read, we, free_w)),
            tap.read_thresholds.eq(read),
            tap.write_thresholds.eq(hit_t & we),
            tap.read_state.eq(read),
            tap.write_state.eq(hit_s & we),
            layer.w_en.eq(self.upd_en | host_ww),
            layer.w_addr.eq(Mux(free_w, addr[: c.addr_width], self.upd_addr)),
            layer.w_data.eq(Mux(free_w, wdata[:ww], self.upd_data)),
        ]
        # read pipeline (not gated by en): stage 1 the RAM read at the ack edge
        h = SimpleNamespace(
            valid=Signal(name="host_read1"),
            kind=Signal(3, name="host_kind1"),  # 0 none, 1 w, 2 thresholds, 3 state, 4 pre, 5 e
            bank=Signal(range(max(2, n_banks)), name="host_bank1"),
        )
        kind = Mux(hit_w, 1, Mux(hit_t, 2, Mux(hit_s, 3, Mux(hit_x, 4, Mux(hit_e, 5, 0)))))
        m.d.sync += [h.valid.eq(ack & ~we), h.kind.eq(Mux(we, 0, kind))]
        if n_banks > 1:
            m.d.sync += h.bank.eq(bank_of(addr))
        self._host_pipe = h
        if c.rstdp and c.weight_ram == "spram":
            # the eligibility banks: written without a range compare (as the weight
            # banks) and read in every free cycle (a read there changes no register the
            # pass uses, so the bank's read enable needs no host input)
            e_write = ack & hits["e_any"] & we
            return (
                wire(m, hit_x & we, 1, "host_write_x"),
                read,
                wire(m, e_write, 1, "host_write_e"),
                free_w,
            )
        return (
            wire(m, hit_x & we, 1, "host_write_x"),
            read,
            wire(m, hit_e & we, 1, "host_write_e"),
            read,
        )

    def elaborate(self, platform):
        m = Module()
        c = self.config
        lanes, chunks = c.lanes, c.chunks
        assert isinstance(lanes, int)
        tb, words = c.trace_width, c.words
        # the core's enable: en, except in a cycle at k = 0 that performs a host access
        # (host_access="registered": the core holds there, in_ready low)
        self._en = en = Signal(name="en_core")
        # registered: the access of this cycle (no reset: an access acked in a reset cycle
        # is still performed, as with host_access="direct")
        self._perf = Signal(name="host_perform", reset_less=True)
        self._held = Signal(name="host_held")

        layer, lm, tap = self._layer(m, platform)
        n_banks = -(-words // BANK_WORDS)
        low = (min(words, BANK_WORDS) - 1).bit_length()
        spram = c.weight_ram == "spram"
        n_wbanks = 2 if spram else n_banks  # weight banks: by parity under "spram"

        def bank_of(a: Value) -> Value:
            return a[0] if spram else a[low:]

        q = self._sequencer(m)
        held = self._perf & q.k_zero if c.host_access == "registered" else Const(0)
        m.d.comb += [self._held.eq(held), self._en.eq(self.en & ~self._held)]

        # the pre-trace memory: word c holds lanes' traces then their last-tick spike bits
        depth = max(2, chunks)  # (a word more when C = 1: no zero-width address)
        m.submodules.pre_trace_mem = pmem = Memory(
            shape=unsigned(c.pre_word_width), depth=depth, init=[0] * depth
        )
        pre_rd, pre_wr = pmem.read_port(), pmem.write_port()
        # the eligibility memory (R-STDP): banked and addressed like the weight memory
        e_rds, e_wrs = [], []
        if c.rstdp:
            for b in range(n_wbanks):  # (under "spram": two parity banks, as the weights)
                depth = c.bank_depth if spram else min(BANK_WORDS, words - b * BANK_WORDS)
                m.submodules[f"elig_mem_{b}"] = emem = Memory(
                    shape=unsigned(c.elig_word_width),
                    depth=max(2, depth),
                    init=[],
                    attrs={"ram_style": "huge"} if spram else {},
                )
                e_rds.append(emem.read_port())
                e_wrs.append(emem.write_port())
        host_wx, host_rx, host_we_, host_re = self._host_port(
            m, layer, lm, tap, q, pre_rd, e_rds, n_wbanks, bank_of
        )
        cw = max(1, (chunks - 1).bit_length())
        pt_en = Signal(name="pre_wen")
        pt_addr = Signal(cw, name="pre_waddr", reset_less=True)
        pt_data = Signal(c.pre_word_width, name="pre_wdata", reset_less=True)
        m.d.comb += [
            pre_rd.addr.eq(Mux(self._free, self._haddr[:cw], q.ch[:cw])),
            pre_rd.en.eq(en | host_rx),
            pre_wr.addr.eq(Mux(self._free_w, self._haddr[:cw], pt_addr)),
            pre_wr.data.eq(Mux(self._free_w, self._hwdata[: c.pre_word_width], pt_data)),
            pre_wr.en.eq(pt_en | host_wx),
        ]
        # the post trace and last spike of the row's neuron: a second read port of the
        # state memory, read with the row's first word and held through the row
        s_rd2 = lm.submodules.state_mem.read_port()
        m.d.comb += [s_rd2.addr.eq(q.neuron), s_rd2.en.eq(en & q.reading & q.ch_first)]
        base = c.v_width + c.refractory_width

        # --- E1/E2: the word (RAM read register, then one register per bank) and traces
        aw = c.addr_width
        v1, v2, v3 = (Signal(name=f"pv{i}") for i in (1, 2, 3))
        a1, a2, a3 = (Signal(aw, name=f"pa{i}", reset_less=True) for i in (1, 2, 3))
        r1, r2, r3 = (Signal(name=f"prow{i}", reset_less=True) for i in (1, 2, 3))
        ww = c.word_width
        rds = [lm.submodules[f"weight_mem_{b}"].read_ports[0] for b in range(n_wbanks)]
        words2 = [Signal(ww, name=f"pword2_{b}", reset_less=True) for b in range(n_wbanks)]
        with m.If(en):
            m.d.sync += [v1.eq(q.reading), a1.eq(q.k), r1.eq(q.row_last)]
            m.d.sync += [v2.eq(v1), a2.eq(a1), r2.eq(r1), v3.eq(v2), a3.eq(a2), r3.eq(r2)]
        with m.If(en | self._host_pipe.valid):  # (also after a host read: stage 2 of it)
            m.d.sync += [r.eq(rd.data) for r, rd in zip(words2, rds, strict=True)]
        if n_wbanks == 1:
            word = words2[0]
        else:
            word = Signal(ww, name="pword")
            m.d.comb += word.eq(pick(words2, bank_of(a2)))
        fresh = q.fresh
        y_sel = Signal(tb, name="y_sel", reset_less=True)
        post_sel = Signal(name="post_sel", reset_less=True)
        with m.If(en):
            m.d.sync += [
                y_sel.eq(Mux(fresh, 0, s_rd2.data[base : base + tb])),
                post_sel.eq(~fresh & s_rd2.data[base + tb]),
            ]

        # the rounding LFSR (steps on every enabled edge)
        m.submodules.stdp_lfsr = lfsr = LFSR(c.width, c.stdp_seed, c.taps, c.form)
        m.d.comb += [lfsr.en.eq(en), lfsr.load.eq(0), lfsr.load_value.eq(0)]

        # --- E3: products a_plus x (per lane), a_minus y (shared), next pre traces
        py3 = Signal(tb + c.a_minus.bit_length(), name="py3", reset_less=True)
        post3 = Signal(name="post3", reset_less=True)
        with m.If(en):
            m.d.sync += [py3.eq(const_mul(m, y_sel, c.a_minus, "prod_y")), post3.eq(post_sel)]
        tz_p, tz_m = trailing_zeros(c.a_plus), trailing_zeros(c.a_minus)
        v4, v5 = Signal(name="pv4"), Signal(name="pv5")
        a4, a5 = (Signal(aw, name=f"pa{i}", reset_less=True) for i in (4, 5))
        r4, r5 = (Signal(name=f"prow{i}", reset_less=True) for i in (4, 5))
        with m.If(en):
            m.d.sync += [v4.eq(v3), a4.eq(a3), r4.eq(r3), v5.eq(v4), a5.eq(a4), r5.eq(r4)]
        fields_new = []
        xn5s = []
        e_fields = []
        e2s: list[Signal] = []
        if c.rstdp:
            ew = c.elig_word_width
            e_en = Signal(name="elig_wen")
            e_addr = Signal(aw, name="elig_waddr", reset_less=True)
            e_wdata = Signal(ew, name="elig_wdata", reset_less=True)
            if spram:
                self._elig_parity_banks(m, q, tap, e_rds, e_wrs, e_wdata, host_we_, host_re)
            else:
                eaddr = Mux(self._free, self._haddr[:aw], q.k)
                for b, (rd, wr) in enumerate(zip(e_rds, e_wrs, strict=True)):
                    waddr = Mux(self._free_w, self._haddr[:aw], e_addr)
                    whit = Const(1) if n_banks == 1 else (waddr[low:] == b)
                    m.d.comb += [
                        rd.addr.eq(eaddr[:low]),
                        rd.en.eq(en | host_re),
                        wr.addr.eq(waddr[:low]),
                        wr.data.eq(Mux(self._free_w, self._hwdata[:ew], e_wdata)),
                        wr.en.eq((host_we_ | e_en) & whit),
                    ]
            e2s = [Signal(ew, name=f"eword2_{b}", reset_less=True) for b in range(n_wbanks)]
            with m.If(en | self._host_pipe.valid):
                m.d.sync += [r.eq(rd.data) for r, rd in zip(e2s, e_rds, strict=True)]
            eword = e2s[0] if n_wbanks == 1 else pick(e2s, bank_of(a2))
            # the reward of the previous tick (latched with the spikes, moved at the tick's end)
            rb = c.reward_width
            r_in = Signal(signed(rb), name="reward_in")
            s_in = Signal(name="reward_strobe_in")
            r_pass = Signal(signed(rb), name="reward_pass")
            s_pass = Signal(name="reward_strobe_pass")
            with m.If(en):
                with m.If(q.k_zero):
                    m.d.sync += [r_in.eq(self.reward), s_in.eq(self.reward_strobe)]
                with m.If(q.tick_end):
                    m.d.sync += [r_pass.eq(r_in), s_pass.eq(s_in)]
        for lane, rot in enumerate(c.lane_rotations):  # type: ignore[arg-type]
            x_sel = Signal(tb, name=f"x_sel_{lane}", reset_less=True)
            pre_sel = Signal(name=f"pre_sel_{lane}", reset_less=True)
            with m.If(en):
                m.d.sync += [
                    x_sel.eq(Mux(fresh, 0, pre_rd.data[lane * tb : (lane + 1) * tb])),
                    pre_sel.eq(~fresh & pre_rd.data[lanes * tb + lane]),
                ]
            field = word[lane * (c.weight_width + 1) : (lane + 1) * (c.weight_width + 1)]
            w3, px3, pre3, xn3 = self._pass_products(m, lane, field, x_sel, pre_sel)
            # E4: rounded P and Q (this cycle's LFSR state)
            r = None
            if c.rounding == "stochastic":
                r = Cat(*(lfsr.state[i] for i in rotation_indices(c.width, c.update_shift, rot)))
            w4, p4, q4 = self._pass_round(m, lane, w3, px3, py3, pre3, post3, r, tz_p, tz_m)
            if c.rstdp:
                eb = c.elig_width
                e_lane = Signal(signed(eb), name=f"e_lane_{lane}")
                m.d.comb += e_lane.eq(eword[lane * eb : (lane + 1) * eb])
                w5, e_new = self._elig_lane(m, lane, e_lane, r_pass, s_pass, w4, p4, q4, fresh)
                e_fields.append(e_new)
                fields_new.append(self._clamp_weight(m, lane, w5))
            else:
                fields_new.append(self._pass_write(m, lane, w4, p4, q4))
            xn4 = Signal(tb, name=f"xn4_{lane}", reset_less=True)
            xn5 = Signal(tb, name=f"xn5_{lane}", reset_less=True)
            with m.If(en):
                m.d.sync += [xn4.eq(xn3), xn5.eq(xn4)]
            xn5s.append(xn5)
        word_w: Value = Cat(*fields_new)
        if spram:  # E6': one register more before the write (pass latency 7, odd)
            v6, a6 = Signal(name="pv6"), Signal(aw, name="pa6", reset_less=True)
            r6 = Signal(name="prow6", reset_less=True)
            word6 = Signal(ww, name="pword6", reset_less=True)
            xn6s = [Signal(tb, name=f"xn6_{lane}", reset_less=True) for lane in range(lanes)]
            with m.If(en):
                m.d.sync += [v6.eq(v5), a6.eq(a5), r6.eq(r5), word6.eq(word_w)]
                m.d.sync += [x6.eq(x5) for x6, x5 in zip(xn6s, xn5s, strict=True)]
            if c.rstdp:  # the eligibility word with its weight word
                eword6 = Signal(c.elig_word_width, name="peword6", reset_less=True)
                with m.If(en):
                    m.d.sync += eword6.eq(Cat(*e_fields))
                e_fields = [eword6]
            v5, a5, r5, word_w, xn5s = v6, a6, r6, word6, xn6s  # (the write stage's inputs)
        # E6 (E7 under "spram"): the weight write on upd_*, the last row's pre-trace
        # write (spike bits of this tick from a register of the chunks, rotated by P per write)
        xr = Signal(chunks * lanes, name="x_rot", reset_less=True)
        with m.If(en):
            m.d.sync += self.upd_en.eq(v5)
            if spram:  # upd_en per parity bank (the banks' write strobes, registers)
                m.d.sync += [we_b.eq(v5 & (a5[0] == b)) for b, we_b in enumerate(tap.pass_we)]
            with m.If(v5):
                m.d.sync += [self.upd_addr.eq(a5), self.upd_data.eq(word_w)]
            if c.rstdp and spram:  # (the parity banks use the weight write's registers)
                with m.If(v5):
                    m.d.sync += e_wdata.eq(Cat(*e_fields))
            elif c.rstdp:
                m.d.sync += e_en.eq(v5)
                with m.If(v5):
                    m.d.sync += [e_addr.eq(a5), e_wdata.eq(Cat(*e_fields))]
            m.d.sync += pt_en.eq(v5 & r5)
            with m.If(q.k_zero):
                m.d.sync += xr.eq(self.spikes)
            with m.Elif(v5 & r5):
                m.d.sync += [
                    pt_addr.eq(a5 - (c.n_neurons - 1) * chunks),
                    pt_data.eq(Cat(*xn5s, xr[:lanes])),
                    xr.eq(Cat(xr[lanes:], xr[:lanes])),
                ]
        self._host_read(m, lm, pre_rd, words2, e2s)
        return m

    def _elig_parity_banks(self, m, q, tap, e_rds, e_wrs, e_wdata, host_we_, host_re) -> None:
        """``weight_ram="spram"`` under R-STDP: the eligibility words in two parity banks
        (word ``a`` in bank ``a mod 2`` at ``a >> 1``), each with ONE address signal for
        its read and write port, as the weight banks (:class:`MemoryTap`): the host's
        address when free (bank 1: ``free_write``; bank 0 is read at ``k = 0``), else the
        pass's write address (``upd_addr``) when the pass writes this bank (the weight
        write's per-bank strobes ``pass_we``, registers: the eligibility word is written
        with its weight word), else ``k``; read enable ``en`` or a free cycle
        (``host_re``), low while the bank is written."""
        width = len(e_rds[0].addr)
        ew = self.config.elig_word_width

        def half(value: Value) -> Value:  # value >> 1 in width bits (zero-extended)
            return Cat(value, Const(0, width + 1))[1 : 1 + width]

        for b, (rd, wr) in enumerate(zip(e_rds, e_wrs, strict=True)):
            addr = Signal(width, name=f"elig_addr_{b}")
            we = Signal(name=f"elig_we_{b}")
            m.d.comb += [
                we.eq(tap.pass_we[b] | (host_we_ & (self._haddr[0] == b))),
                addr.eq(
                    Mux(
                        self._free if b == 0 else self._free_w,
                        half(self._haddr),
                        Mux(tap.pass_we[b], half(self.upd_addr), half(q.k)),
                    )
                ),
                rd.addr.eq(addr),
                wr.addr.eq(addr),
                wr.data.eq(Mux(self._free_w, self._hwdata[:ew], e_wdata)),
                wr.en.eq(we),
                rd.en.eq((self.en | host_re) & ~we),
            ]

    def _host_read(self, m, lm, pre_rd, words2, e2s) -> None:
        """Stages 2 and 3 of a host read: every RAM output registered (the weight and
        eligibility banks in the pass's own E2 registers, which also load in a cycle
        after a host read; small registers for the threshold, state and pre-trace
        words), then the word of the space on ``host_rdata`` with ``host_rvalid``."""
        c = self.config
        h = self._host_pipe
        valid2 = Signal(name="host_read2")
        kind2 = Signal(3, name="host_kind2")
        bank2 = Signal.like(h.bank, name="host_bank2")
        t_reg = Signal(c.v_width, name="host_threshold2")
        s_reg = Signal(c.state_width, name="host_state2")
        x_reg = Signal(c.pre_word_width, name="host_pre2")
        m.d.sync += [valid2.eq(h.valid), kind2.eq(h.kind), bank2.eq(h.bank)]
        with m.If(h.valid):
            m.d.sync += [
                t_reg.eq(lm.submodules.threshold_mem.read_ports[0].data),
                s_reg.eq(lm.submodules.state_mem.read_ports[0].data),
                x_reg.eq(pre_rd.data),
            ]
        w_data = words2[0] if len(words2) == 1 else pick(words2, bank2)
        e_data: Value = Const(0)
        if e2s:
            e_data = e2s[0] if len(e2s) == 1 else pick(e2s, bank2)
        data = Mux(
            kind2 == 1,
            w_data,
            Mux(
                kind2 == 2,
                t_reg,
                Mux(kind2 == 3, s_reg, Mux(kind2 == 4, x_reg, Mux(kind2 == 5, e_data, 0))),
            ),
        )
        m.d.sync += [self.host_rvalid.eq(valid2), self.host_rdata.eq(data)]

    def _pass_products(self, m, lane, field, x_sel, pre_sel):
        """E3 of one lane: the signed weight, ``a_plus x``, the spike bit, the next trace."""
        c = self.config
        wb, tb = c.weight_width, c.trace_width
        mag, neg = field[:wb], field[wb]
        w_s = Signal(signed(wb + 1), name=f"w_lane_{lane}")
        mag_x = wire(m, mag, wb + 1, f"mag_{lane}")
        neg_x = wire(m, ~mag_x + 1, wb + 1, f"neg_mag_{lane}")  # two's complement
        m.d.comb += w_s.eq(Mux(neg, neg_x, mag_x))
        px3 = Signal(tb + c.a_plus.bit_length(), name=f"px3_{lane}", reset_less=True)
        pre3 = Signal(name=f"pre3_{lane}", reset_less=True)
        w3 = Signal(signed(wb + 1), name=f"w3_{lane}", reset_less=True)
        xn3 = Signal(tb, name=f"xn3_{lane}", reset_less=True)
        xn = self._trace_next(m, x_sel, pre_sel, c.pre_increment, f"x_{lane}")  # type: ignore[arg-type]
        with m.If(self._en):
            m.d.sync += [
                px3.eq(const_mul(m, x_sel, c.a_plus, f"prod_x_{lane}")),
                pre3.eq(pre_sel),
                w3.eq(w_s),
                xn3.eq(xn),
            ]
        return w3, px3, pre3, xn3

    def _pass_round(self, m, lane, w3, px3, py3, pre3, post3, r, tz_p, tz_m):
        """E4 of one lane: ``P``, ``Q`` rounded with this cycle's randoms, gated by the spikes."""
        pot = self._rounded(m, px3, r, tz_p, f"pot_{lane}")
        dep = self._rounded(m, py3, r, tz_m, f"dep_{lane}")
        wb = self.config.weight_width
        w4 = Signal(signed(wb + 1), name=f"w4_{lane}", reset_less=True)
        p4 = Signal(len(pot), name=f"p4_{lane}", reset_less=True)
        q4 = Signal(len(dep), name=f"q4_{lane}", reset_less=True)
        with m.If(self._en):
            m.d.sync += [w4.eq(w3), p4.eq(Mux(post3, pot, 0)), q4.eq(Mux(pre3, dep, 0))]
        return w4, p4, q4

    def _elig_lane(self, m, lane, e_lane, r_pass, s_pass, w4, p4, q4, fresh):
        """R-STDP lane: E3 ``e`` (0 in the first tick), E4 ``R e`` and ``E(e)`` beside the
        rounded ``P``, ``Q``, E5 ``w + ((R e) >> rs)`` and ``E(e) + P - Q``; returns the E5
        weight sum and the E6 eligibility field (``esat``, ``eb`` bits)."""
        c = self.config
        eb, ke, en = c.elig_width, c.elig_decay_shift, self._en
        e2 = Signal(signed(eb), name=f"e2_{lane}", reset_less=True)
        with m.If(en):
            m.d.sync += e2.eq(Mux(fresh, 0, e_lane))
        prod3 = Signal(signed(c.reward_width + eb), name=f"re3_{lane}", reset_less=True)
        ed3 = Signal(signed(eb), name=f"ed3_{lane}", reset_less=True)
        # E(e) = e - trunc(e / 2**ke): the arithmetic shift of e + (2**ke - 1 if e < 0)
        bias = Mux(e2[eb - 1], (1 << ke) - 1, 0)  # type: ignore[operator]
        biased = Signal(signed(eb + 1), name=f"e_biased_{lane}")
        m.d.comb += biased.eq(e2 + bias)
        with m.If(en):
            m.d.sync += [prod3.eq(r_pass * e2), ed3.eq(e2 - (biased >> ke))]
        # E5: from the E4 registers (w4, P, Q) and the product registered beside them
        dw = Signal(signed(max(1, len(prod3) - c.reward_shift) + 1), name=f"dw_{lane}")
        m.d.comb += dw.eq(Mux(s_pass, prod3 >> c.reward_shift, 0))
        w_sum = w4 + dw
        e_sum = ed3 + nonneg(p4) - nonneg(q4)
        w5 = Signal(w_sum.shape(), name=f"wsum5_{lane}", reset_less=True)
        e5 = Signal(e_sum.shape(), name=f"esum5_{lane}", reset_less=True)
        with m.If(en):
            m.d.sync += [w5.eq(w_sum), e5.eq(e_sum)]
        e_new = Signal(signed(eb), name=f"e_new_{lane}")
        m.d.comb += e_new.eq(clamp(m, e5, -c.elig_max, c.elig_max, eb, f"e_sat_{lane}"))
        return w5, e_new

    def _pass_write(self, m, lane, w4, p4, q4) -> Value:
        """E5 ``w + P - Q`` at full width; the clamp in sign-magnitude for E6's ``upd_data``."""
        sum_now = w4 + nonneg(p4) - nonneg(q4)
        total = Signal(sum_now.shape(), name=f"sum5_{lane}", reset_less=True)
        with m.If(self._en):
            m.d.sync += total.eq(sum_now)
        return self._clamp_weight(m, lane, total)

    def _clamp_weight(self, m, lane, total) -> Value:
        """E6: ``sat(total)`` into ``[w_min, w_max]``, as a sign-magnitude lane field."""
        c = self.config
        wb = c.weight_width
        v = Signal(signed(wb + 1), name=f"w_new_{lane}")
        m.d.comb += v.eq(clamp(m, total, c.w_min, c.w_max, wb + 1, f"w_sum_{lane}"))  # type: ignore[arg-type]
        mag_new = Signal(wb, name=f"mag_new_{lane}")
        m.d.comb += mag_new.eq(Mux(v[wb], -v, v)[:wb])
        return Cat(mag_new, v[wb])
