"""Amaranth twin of :mod:`sc_model.sc_layer_tm` (contract and timing: see there)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from amaranth.hdl import Array, Cat, Const, Module, Mux, Signal, Value, signed, unsigned
from amaranth.lib import wiring
from amaranth.lib.memory import Memory
from amaranth.lib.wiring import In, Out

from sc_model.export import load_sc_layer_tm
from sc_model.sc_layer_tm import SCLayerTMConfig
from sc_model.sng import rotation_indices

from .arith import ParallelCounter
from .lfsr import LFSR

BANK_WORDS = 1024  # weight words per RAM bank (structure only, no effect on behaviour)


@dataclass(frozen=True)
class MemoryTap:
    """Access to the layer's memories for an enclosing core (set :attr:`SCLayerTM.tap`).

    The enclosing core asserts a strobe only in cycles its contract leaves
    that memory free (no read or write of the layer's pipeline needs it), and
    ``free`` in every such cycle: the memories' address and data inputs
    follow ``addr``/``wdata`` whenever ``free`` is high (a fast select; the
    pipeline neither uses a read nor writes in those cycles); the write
    ports' address and data follow them whenever ``free_write`` is high (a
    superset of ``free`` in which the layer writes nothing, e.g. a register).
    ``read_weights`` points every weight bank's read port at ``addr``;
    ``read_thresholds``/``read_state`` point that memory's read port at
    ``addr`` (data one cycle later on the port, as any read);
    ``write_thresholds``/``write_state`` write ``wdata`` there at the edge.
    With a tap the threshold memory gets a write port (else it is a ROM).

    ``extra_width`` (default 0) widens every state word by a field the
    enclosing core owns, stored after the membrane and refractory count:
    when neuron ``m`` is updated the layer writes ``Cat(extra_next(m, old),
    fire)``, ``old`` the field it read (0 in the first tick after reset) and
    ``extra_next`` a function building ``extra_width - 1`` bits of logic
    (registered in stage E7).

    ``weight_ram="spram"`` (default ``"ebr"``) stores the weight words in two
    *parity banks* instead of blocks of :data:`BANK_WORDS`: ``weight_mem_0``
    holds the even words, ``weight_mem_1`` the odd ones (local address
    ``addr >> 1``), each with one read and one write port driven by ONE
    address signal (``weight_addr_<b>``), no power-on contents (zeros in
    simulation) and the attribute ``ram_style = "huge"``, so Yosys maps each
    bank to SB_SPRAM256KA (:mod:`sc_flow.synth`). A bank's address is
    ``addr`` when ``free`` (bank 1: ``free_write``; it is not read at ``k =
    0``), else the pipeline's write address when ``pass_we[b]`` writes bank
    ``b`` (``pass_we``: one strobe per bank and ``pass_addr``, registers: the
    enclosing core's weight write), else the layer's read address ``k``. A bank is
    written when ``pass_we[b]`` or when ``write_weights`` (a host
    write in a free cycle, no range check: words past the last one are never
    read) writes ``addr`` in it, with ``w_data`` (``w_en``/``w_addr`` are
    unused); its read enable, ``en | read_weights``, is low in the cycles it
    is written (``read_weights`` may then also be high in a cycle that is
    ``free_write`` but not ``free``: ``en`` reads there anyway). The
    enclosing core must never read and write one bank in a cycle (the
    learning core's odd pass latency).
    """

    addr: Signal
    wdata: Signal
    free: Signal
    free_write: Signal
    read_weights: Signal
    read_thresholds: Signal
    write_thresholds: Signal
    read_state: Signal
    write_state: Signal
    extra_width: int = 0
    extra_next: Callable[[Module, Value], Value] | None = None
    weight_ram: str = "ebr"
    pass_we: tuple[Value, Value] | None = None
    pass_addr: Value | None = None
    write_weights: Value | None = None


def _half(value: Value, width: int) -> Value:
    """``value >> 1`` in ``width`` bits (zero-extended): a parity bank's local address."""
    return Cat(value, Const(0, width + 1))[1 : 1 + width]


class SCLayerTM(wiring.Component):
    """Time-multiplexed SC layer: a P-lane datapath over weight, state and threshold
    memories (block ``sc_layer_tm``).

    Parameters
    ----------
    **params
        The fields of :class:`sc_model.sc_layer_tm.SCLayerTMConfig`, validated
        there at construction; :func:`sc_model.sc_layer_tm.sc_layer_tm_params`
        of a model configuration gives exactly this dict, and
        :meth:`from_export` builds the core from exported files.

    Attributes
    ----------
    spikes : In(N)
        Input bits, latched in the tick's first cycle (``in_ready`` high).
    en : In(1)
        Global enable: low, no register or state word changes (weight writes aside).
    w_en : In(1), w_addr : In(max(1, (M C - 1).bit_length())), w_data : In(P (wb + 1))
        Word write port of the weight memory (sign-magnitude lanes).
    out_valid, out_neuron, out_spike, out_v : Out
        One neuron's update per pulse of ``out_valid`` (registers).
    tick_done : Out(1)
        High with the last neuron's update (the tick's last cycle).
    in_ready : Out(1)
        High in the tick's first cycle (tick counter 0).

    Pipeline (enabled edges E1 .. E8 after the cycle ``k`` that reads word
    ``k``): E1 the weight memory's read register, E2 a register right
    after each RAM bank (no logic between a RAM output and a flip-flop, which
    the placer can put beside the RAM), E3 the word of the addressed bank,
    E4 the lanes' excitatory/inhibitory bits, E5 the chunk's signed popcount
    (:class:`sc_hw.arith.ParallelCounter`), E6 the accumulated count and
    the state/threshold memory words (read a cycle ahead, registered as read),
    E7 the leak and ``count - threshold``,
    E8 the LIF decision, the state write and the output registers (one method
    per stage: :meth:`_memories`, :meth:`_sequencer`, :meth:`_stage_control`,
    :meth:`_e2_e3_word`, :meth:`_e4_lanes`, :meth:`_e5_popcount`,
    :meth:`_e6_accumulate`, :meth:`_e7_leak`, :meth:`_e8_decision`, sharing
    their signals through a namespace). Memories
    are :class:`amaranth.lib.memory.Memory` with synchronous read ports, so
    Yosys maps them to EBR (iCE40) or DP16KD (ECP5).
    """

    def __init__(self, **params: Any) -> None:
        self.config = c = SCLayerTMConfig(**params)
        self.tap: MemoryTap | None = None
        super().__init__(
            {
                "spikes": In(c.n_inputs),
                "en": In(1),
                "w_en": In(1),
                "w_addr": In(c.addr_width),
                "w_data": In(c.word_width),
                "out_valid": Out(1),
                "out_neuron": Out(c.neuron_width),
                "out_spike": Out(1),
                "out_v": Out(c.v_width),
                "tick_done": Out(1),
                "in_ready": Out(1, init=1),
            }
        )

    @classmethod
    def from_export(cls, directory: str | Path) -> SCLayerTM:
        """Build the core from the files of :func:`sc_model.export.export_sc_layer_tm`."""
        return cls(**load_sc_layer_tm(directory))

    def elaborate(self, platform):
        m = Module()
        c = self.config
        n, nm, lanes, chunks = c.n_inputs, c.n_neurons, c.lanes, c.chunks
        wb, vw, rcw = c.weight_width, c.v_width, c.refractory_width
        assert isinstance(lanes, int)
        words, tick = c.words, c.tick_cycles
        en = self.en
        lif = c.parallel_config().neuron_params
        v_min, v_max = lif.v_min, lif.v_max
        vmask = (1 << vw) - 1

        ns = SimpleNamespace(
            c=c,
            en=en,
            lif=lif,
            vmask=vmask,
            n=n,
            nm=nm,
            lanes=lanes,
            chunks=chunks,
            wb=wb,
            vw=vw,
            rcw=rcw,
            words=words,
            tick=tick,
            v_min=v_min,
            v_max=v_max,
        )
        self._memories(m, ns)
        self._sequencer(m, ns)
        self._stage_control(m, ns)
        self._e2_e3_word(m, ns)
        self._e4_lanes(m, ns)
        self._e5_popcount(m, ns)
        self._e6_accumulate(m, ns)
        self._e7_leak(m, ns)
        self._e8_decision(m, ns)
        return m

    def _memories(self, m: Module, ns: SimpleNamespace) -> None:
        """Weight banks (E1 read registers), state and threshold memories."""
        c, words, vw, rcw, nm, vmask = ns.c, ns.words, ns.vw, ns.rcw, ns.nm, ns.vmask
        # --- memories ------------------------------------------------------
        # The weight memory is split into banks of BANK_WORDS words, each with its
        # own read register and a register right after it (E2), so no multiplexer
        # sits between a RAM output and a flip-flop; the bank is chosen at E3.
        init = c.weight_words()
        n_banks = -(-words // BANK_WORDS)
        low = (min(words, BANK_WORDS) - 1).bit_length()  # BANK_WORDS: a power of two
        in_range = self.w_addr < words if words < 1 << c.addr_width else Const(1)
        w_rds = []
        tap = self.tap
        ns.spram = tap is not None and tap.weight_ram == "spram"
        ns.bank_of = lambda a: a[low:]
        if ns.spram:
            self._parity_banks(m, ns)
            n_banks, w_rds = 2, ns.w_rds
            ns.bank_of = lambda a: a[0]
        for b in range(0 if ns.spram else n_banks):
            depth = min(BANK_WORDS, words - b * BANK_WORDS)
            m.submodules[f"weight_mem_{b}"] = wmem = Memory(
                shape=unsigned(c.word_width),
                depth=depth,
                init=init[b * BANK_WORDS : b * BANK_WORDS + depth],
            )
            w_rd, w_wr = wmem.read_port(), wmem.write_port()
            w_rds.append(w_rd)
            hit = in_range if n_banks == 1 else in_range & (self.w_addr[low:] == b)
            m.d.comb += [
                w_wr.addr.eq(self.w_addr[:low]),
                w_wr.data.eq(self.w_data),
                w_wr.en.eq(self.w_en & hit),
            ]
        extra_w = 0 if tap is None else tap.extra_width
        state_w = vw + rcw + extra_w
        m.submodules.state_mem = smem = Memory(
            shape=unsigned(state_w), depth=nm, init=[c.v_reset & vmask] * nm
        )
        s_rd = smem.read_port()
        s_wr = smem.write_port()
        m.submodules.threshold_mem = tmem = Memory(
            shape=unsigned(vw), depth=nm, init=[t & vmask for t in c.thresholds]
        )
        t_rd = tmem.read_port()
        if tap is not None:
            t_wr = tmem.write_port()
            m.d.comb += [
                t_wr.addr.eq(tap.addr[: len(t_wr.addr)]),
                t_wr.data.eq(tap.wdata[:vw]),
                t_wr.en.eq(tap.write_thresholds),
            ]

        ns.n_banks = n_banks
        ns.low = low
        ns.w_rds = w_rds
        ns.tap = tap
        ns.extra_w = extra_w
        ns.state_w = state_w
        ns.s_rd = s_rd
        ns.s_wr = s_wr
        ns.t_rd = t_rd

    def _parity_banks(self, m: Module, ns: SimpleNamespace) -> None:
        """``weight_ram="spram"``: two single-address banks by word parity (:class:`MemoryTap`).

        Sets ``ns.w_rds`` (read ports), ``ns.w_wes`` (per-bank write enables),
        ``ns.w_addrs`` (the banks' address signals, driven in :meth:`_sequencer`)
        and ``ns.local`` (bits of a bank address).
        """
        c, tap = ns.c, self.tap
        assert tap is not None and tap.pass_we is not None and tap.pass_addr is not None
        assert tap.write_weights is not None
        depth = -(-ns.words // 2)
        local = max(1, (depth - 1).bit_length())
        ns.w_rds, ns.w_wes, ns.w_addrs, ns.local = [], [], [], local
        for b in range(2):
            m.submodules[f"weight_mem_{b}"] = wmem = Memory(
                shape=unsigned(c.word_width),
                depth=max(2, depth),
                init=[],
                attrs={"ram_style": "huge"},
            )
            w_rd, w_wr = wmem.read_port(), wmem.write_port()
            addr = Signal(len(w_rd.addr), name=f"weight_addr_{b}")
            we = Signal(name=f"weight_we_{b}")
            m.d.comb += [
                # the pass's write (registers) or the host's (free cycles): never both
                we.eq(tap.pass_we[b] | (tap.write_weights & (tap.addr[0] == b))),
                w_rd.addr.eq(addr),
                w_wr.addr.eq(addr),
                w_wr.data.eq(self.w_data),
                w_wr.en.eq(we),
            ]
            ns.w_rds.append(w_rd)
            ns.w_wes.append(we)
            ns.w_addrs.append(addr)

    def _sequencer(self, m: Module, ns: SimpleNamespace) -> None:
        """Tick counter, chunk/neuron counters and flags; weight read addresses; the LFSR."""
        w_rds, c, tick, en, tap, chunks, nm, low = (
            ns.w_rds,
            ns.c,
            ns.tick,
            ns.en,
            ns.tap,
            ns.chunks,
            ns.nm,
            ns.low,
        )
        # --- tick sequencer ------------------------------------------------
        nw = c.neuron_width
        # Every decision is a flag register computed a cycle ahead (compare with
        # the value one below the end), so no comparator drives an enable.
        k = Signal(range(tick), name="tick_k")
        k_zero = Signal(init=1, name="tick_k_zero")  # k == 0
        tick_end = Signal(name="tick_end")  # k == T - 1 (T >= 8)
        ch = Signal(max(1, (chunks - 1).bit_length()), name="chunk")
        ch_first = Signal(init=1, name="chunk_first")  # ch == 0
        ch_last = Signal(init=int(chunks == 1), name="chunk_last")  # ch == C - 1
        neuron = Signal(nw, name="neuron")
        n_last = Signal(init=int(nm == 1), name="neuron_last")  # neuron == M - 1
        reading = Signal(init=1, name="reading")  # k < M C
        fresh = Signal(init=1, name="fresh")  # first tick after reset: state from v_reset
        m.d.comb += self.in_ready.eq(k_zero)
        with m.If(en):
            m.d.sync += [
                k.eq(Mux(tick_end, 0, k + 1)),
                k_zero.eq(tick_end),
                tick_end.eq(~tick_end & (k == tick - 2)),
            ]
            with m.If(tick_end):
                m.d.sync += [reading.eq(1), fresh.eq(0)]
            with m.If(reading):
                with m.If(ch_last):
                    m.d.sync += [ch.eq(0), ch_first.eq(1), ch_last.eq(int(chunks == 1))]
                    with m.If(n_last):
                        m.d.sync += [neuron.eq(0), n_last.eq(int(nm == 1)), reading.eq(0)]
                    with m.Else():
                        m.d.sync += [neuron.eq(neuron + 1), n_last.eq(neuron == max(nm - 2, 0))]
                with m.Else():
                    m.d.sync += [
                        ch.eq(ch + 1),
                        ch_first.eq(0),
                        ch_last.eq(ch == max(chunks - 2, 0)),
                    ]
        if ns.spram:
            assert tap is not None and tap.pass_we is not None and tap.pass_addr is not None
            width = len(ns.w_addrs[0])
            for b, (w_rd, we, addr) in enumerate(zip(w_rds, ns.w_wes, ns.w_addrs, strict=True)):
                # the write address when the pass writes this bank (registers), else k
                pass_here = tap.pass_we[b]
                m.d.comb += [
                    addr.eq(
                        Mux(
                            tap.free if b == 0 else tap.free_write,  # (k = 0 reads bank 0)
                            _half(tap.addr, width),
                            Mux(pass_here, _half(tap.pass_addr, width), _half(k, width)),
                        )
                    ),
                    w_rd.en.eq((en | tap.read_weights) & ~we),  # no read while written
                ]
        for w_rd in [] if ns.spram else w_rds:
            if tap is None:
                m.d.comb += [w_rd.addr.eq(k[:low]), w_rd.en.eq(en)]
            else:
                m.d.comb += [
                    w_rd.addr.eq(Mux(tap.free, tap.addr[:low], k[:low])),
                    w_rd.en.eq(en | tap.read_weights),
                ]

        m.submodules.lfsr = lfsr = LFSR(c.width, c.seed, c.taps, c.form)
        m.d.comb += [lfsr.en.eq(en & tick_end), lfsr.load.eq(0), lfsr.load_value.eq(0)]

        ns.nw = nw
        ns.k = k
        ns.k_zero = k_zero
        ns.ch_first = ch_first
        ns.ch_last = ch_last
        ns.neuron = neuron
        ns.reading = reading
        ns.fresh = fresh
        ns.lfsr = lfsr

    def _stage_control(self, m: Module, ns: SimpleNamespace) -> None:
        """Per-stage (valid, neuron, first, last) registers of the pipeline."""
        en, nw, reading, neuron, ch_first, ch_last = (
            ns.en,
            ns.nw,
            ns.reading,
            ns.neuron,
            ns.ch_first,
            ns.ch_last,
        )

        # --- pipeline control: (valid, neuron, first chunk, last chunk) per stage
        def stage(name: str):
            return (
                Signal(name=f"{name}_valid"),
                Signal(nw, name=f"{name}_neuron", reset_less=True),
                Signal(name=f"{name}_first", reset_less=True),
                Signal(name=f"{name}_last", reset_less=True),
            )

        st1, st2, st3, st4, st5 = (stage(f"st{i}") for i in range(1, 6))
        with m.If(en):
            m.d.sync += [
                a.eq(b) for a, b in zip(st1, (reading, neuron, ch_first, ch_last), strict=True)
            ]
            m.d.sync += [a.eq(b) for a, b in zip(st2, st1, strict=True)]
            m.d.sync += [a.eq(b) for a, b in zip(st3, st2, strict=True)]
            m.d.sync += [a.eq(b) for a, b in zip(st4, st3, strict=True)]
            m.d.sync += [a.eq(b) for a, b in zip(st5, st4, strict=True)]

        ns.st3 = st3
        ns.st4 = st4
        ns.st5 = st5

    def _e2_e3_word(self, m: Module, ns: SimpleNamespace) -> None:
        """E2 a register after each weight bank; E3 the addressed bank's word."""
        n_banks, c, en, w_rds, k = ns.n_banks, ns.c, ns.en, ns.w_rds, ns.k
        # E2: each bank's word registered right after the RAM; E3: the addressed bank's
        words2 = [Signal(c.word_width, name=f"word2_{b}", reset_less=True) for b in range(n_banks)]
        word3 = Signal(c.word_width, name="word3", reset_less=True)
        with m.If(en):
            m.d.sync += [r.eq(w_rd.data) for r, w_rd in zip(words2, w_rds, strict=True)]
            if n_banks == 1:
                m.d.sync += word3.eq(words2[0])
        if n_banks > 1:
            bank1 = Signal(range(n_banks), name="bank1", reset_less=True)
            bank2 = Signal(range(n_banks), name="bank2", reset_less=True)
            with m.If(en):
                m.d.sync += [
                    bank1.eq(ns.bank_of(k)),
                    bank2.eq(bank1),
                    word3.eq(Array(words2)[bank2]),
                ]

        ns.word3 = word3

    def _e4_lanes(self, m: Module, ns: SimpleNamespace) -> None:
        """The input chunk register and E4 the lanes' excitatory/inhibitory bits."""
        lanes, c, n, chunks, en, word3, k_zero, wb, st3, lfsr = (
            ns.lanes,
            ns.c,
            ns.n,
            ns.chunks,
            ns.en,
            ns.word3,
            ns.k_zero,
            ns.wb,
            ns.st3,
            ns.lfsr,
        )
        # Input chunks: a circular shift register, loaded at k = 0, rotated by P
        # after each chunk is used, so its low P bits are always the chunk of stage 2.
        xs = Signal(chunks * lanes, name="x_chunks", reset_less=True)
        with m.If(en):
            with m.If(k_zero):
                m.d.sync += xs.eq(self.spikes)
            with m.Elif(st3[0]):
                m.d.sync += xs.eq(Cat(xs[lanes:], xs[:lanes]))

        # E4: lane bits
        e3 = Signal(lanes, name="exc3", reset_less=True)
        i3 = Signal(lanes, name="inh3", reset_less=True)
        rw = c.random_width
        tail = n - (chunks - 1) * lanes  # lanes in use in the last chunk
        e_now, i_now = Signal(lanes, name="exc_now"), Signal(lanes, name="inh_now")
        for lane, rot in enumerate(c.lane_rotations):
            r = Cat(*(lfsr.state[i] for i in rotation_indices(c.width, rw, rot)))
            field = word3[lane * (wb + 1) : (lane + 1) * (wb + 1)]
            mag, neg = field[:wb], field[wb]
            x = xs[lane]
            used = Const(1) if lane < tail else ~st3[3]
            if c.synapse == "and":
                active = x & (r < mag)
                m.d.comb += [
                    e_now[lane].eq(active & ~neg & used),
                    i_now[lane].eq(active & neg & used),
                ]
            else:  # r' < w + 2**wb for sign-magnitude w (as sc_hw.synapses)
                r_lo, r_hi = r[:wb], r[wb]
                below = Mux(neg, ~r_lo, r_lo) < mag
                s = Mux(neg, ~r_hi & ~below, ~r_hi | below)
                b = ~(x ^ s)
                m.d.comb += [e_now[lane].eq(b & used), i_now[lane].eq(~b & used)]
        with m.If(en):
            m.d.sync += [e3.eq(e_now), i3.eq(i_now)]

        ns.e3 = e3
        ns.i3 = i3

    def _e5_popcount(self, m: Module, ns: SimpleNamespace) -> None:
        """E5 the chunk's signed popcount."""
        lanes, e3, i3, en = ns.lanes, ns.e3, ns.i3, ns.en
        # E5: signed popcount of the chunk
        m.submodules.exc_count = exc = ParallelCounter(lanes, 0)
        m.submodules.inh_count = inh = ParallelCounter(lanes, 0)
        partial = Signal(signed(lanes.bit_length() + 1), name="partial4", reset_less=True)
        m.d.comb += [exc.inputs.eq(e3), inh.inputs.eq(i3)]
        with m.If(en):
            m.d.sync += partial.eq(exc.count - inh.count)

        ns.partial = partial

    def _e6_accumulate(self, m: Module, ns: SimpleNamespace) -> None:
        """E6 the accumulated count; the state and threshold words read."""
        c, nw, tap, vw, partial, en, s_rd, st5, st4, t_rd = (
            ns.c,
            ns.nw,
            ns.tap,
            ns.vw,
            ns.partial,
            ns.en,
            ns.s_rd,
            ns.st5,
            ns.st4,
            ns.t_rd,
        )
        # E6: accumulate over the chunks; after the last one, read state and threshold
        cw = c.count_width
        acc = Signal(signed(cw), name="acc", reset_less=True)
        acc_new = Signal(signed(cw), name="acc_new")
        count5 = Signal(signed(cw), name="count5", reset_less=True)
        valid5 = Signal(name="valid5")
        neuron5 = Signal(nw, name="neuron5", reset_less=True)
        m.d.comb += acc_new.eq(Mux(st5[2], 0, acc) + partial)
        with m.If(en):
            m.d.sync += [
                acc.eq(acc_new),
                count5.eq(acc_new),
                valid5.eq(st5[0] & st5[3]),
                neuron5.eq(st5[1]),
            ]
        # State and threshold of the neuron in the accumulator stage, read a cycle
        # ahead (its neuron index one stage earlier) into the RAMs' read registers,
        # then registered as they are, so no logic follows a RAM output.
        if tap is None:
            m.d.comb += [
                s_rd.addr.eq(st4[1]),
                s_rd.en.eq(en),
                t_rd.addr.eq(st4[1]),
                t_rd.en.eq(en),
            ]
        else:
            m.d.comb += [
                s_rd.addr.eq(Mux(tap.free, tap.addr[:nw], st4[1])),
                s_rd.en.eq(en | tap.read_state),
                t_rd.addr.eq(Mux(tap.free, tap.addr[:nw], st4[1])),
                t_rd.en.eq(en | tap.read_thresholds),
            ]
        s_data = Signal(len(s_rd.data), name="state5", reset_less=True)
        t_data = Signal(vw, name="threshold5", reset_less=True)
        with m.If(en):
            m.d.sync += [s_data.eq(s_rd.data), t_data.eq(t_rd.data)]

        ns.cw = cw
        ns.count5 = count5
        ns.valid5 = valid5
        ns.neuron5 = neuron5
        ns.s_data = s_data
        ns.t_data = t_data

    def _e7_leak(self, m: Module, ns: SimpleNamespace) -> None:
        """E7 the leak, count - threshold, V_MAX - threshold."""
        t_data, rcw, nw, vw, fresh, c, cw, en, s_data, count5, valid5, neuron5, lif, v_max = (
            ns.t_data,
            ns.rcw,
            ns.nw,
            ns.vw,
            ns.fresh,
            ns.c,
            ns.cw,
            ns.en,
            ns.s_data,
            ns.count5,
            ns.valid5,
            ns.neuron5,
            ns.lif,
            ns.v_max,
        )
        # E7: leak of the stored membrane, count - threshold, V_MAX - threshold
        v_now = Signal(signed(vw), name="v_now")
        rc_now = Signal(max(1, rcw), name="rc_now")
        thr = Signal(signed(vw), name="threshold")
        m.d.comb += thr.eq(t_data)
        # the first tick after reset starts from v_reset and refractory 0
        m.d.comb += v_now.eq(Mux(fresh, c.v_reset, s_data[:vw]))
        m.d.comb += rc_now.eq(Mux(fresh, 0, s_data[vw:] if rcw else 0))
        leaked_now = Signal(signed(vw), name="leaked_now")
        if c.leak_mode == "none":
            m.d.comb += leaked_now.eq(v_now)
        elif c.leak_mode == "shift":
            m.d.comb += leaked_now.eq(v_now - (v_now >> int(lif.leak_shift)))
        else:  # as sc_hw.lif: step toward 0 unless it crosses it
            lc = int(lif.leak_const)
            step = Mux(v_now[vw - 1], Const(lc, vw), Const(-lc % (1 << vw), vw))
            s = Signal(vw, name="leak_sum")
            m.d.comb += s.eq(v_now.as_unsigned() + step)
            m.d.comb += leaked_now.eq(Mux(s[vw - 1] == v_now[vw - 1], s, 0))
        leaked6 = Signal(signed(vw), name="leaked6", reset_less=True)
        v6 = Signal(signed(vw), name="v6", reset_less=True)
        rc6 = Signal(max(1, rcw), name="rc6", reset_less=True)
        count6 = Signal(signed(cw), name="count6", reset_less=True)
        xmt6 = Signal(signed(vw + 1), name="x_minus_threshold6", reset_less=True)
        vmt6 = Signal(signed(vw + 1), name="vmax_minus_threshold6", reset_less=True)
        valid6 = Signal(name="valid6")
        neuron6 = Signal(nw, name="neuron6", reset_less=True)
        with m.If(en):
            m.d.sync += [
                leaked6.eq(leaked_now),
                v6.eq(v_now),
                rc6.eq(rc_now),
                count6.eq(count5),
                xmt6.eq(count5 - thr),
                vmt6.eq(v_max - thr),
                valid6.eq(valid5),
                neuron6.eq(neuron5),
            ]

        ns.leaked6 = leaked6
        ns.v6 = v6
        ns.rc6 = rc6
        ns.count6 = count6
        ns.xmt6 = xmt6
        ns.vmt6 = vmt6
        ns.valid6 = valid6
        ns.neuron6 = neuron6

    def _e8_decision(self, m: Module, ns: SimpleNamespace) -> None:
        """E8 the LIF decision, the state write and the output registers."""
        (
            extra_w,
            vmt6,
            rcw,
            tap,
            vw,
            v_min,
            v_max,
            rc6,
            fresh,
            en,
            leaked6,
            count6,
            xmt6,
            v6,
            s_data,
            neuron6,
            valid6,
            c,
            s_wr,
            nw,
            state_w,
            nm,
        ) = (
            ns.extra_w,
            ns.vmt6,
            ns.rcw,
            ns.tap,
            ns.vw,
            ns.v_min,
            ns.v_max,
            ns.rc6,
            ns.fresh,
            ns.en,
            ns.leaked6,
            ns.count6,
            ns.xmt6,
            ns.v6,
            ns.s_data,
            ns.neuron6,
            ns.valid6,
            ns.c,
            ns.s_wr,
            ns.nw,
            ns.state_w,
            ns.nm,
        )
        # E8: the LIF decision (sc_hw.lif's diff form), state write, outputs
        total = Signal(signed(vw + 1), name="total")
        diff = Signal(signed(vw + 2), name="diff")
        v1 = Signal(signed(vw), name="v1")
        m.d.comb += [total.eq(leaked6 + count6), diff.eq(leaked6 + xmt6)]
        with m.If(total[vw] == total[vw - 1]):
            m.d.comb += v1.eq(total)
        with m.Elif(total[vw]):
            m.d.comb += v1.eq(v_min)
        with m.Else():
            m.d.comb += v1.eq(v_max)
        high = ~total[vw] & total[vw - 1]
        v_sub = Mux(high, vmt6, diff)
        fire = Signal(name="fire")
        v_new = Signal(signed(vw), name="v_new")
        rc_new = Signal(max(1, rcw), name="rc_new")
        refractory = rc6 != 0 if rcw else Const(0)
        m.d.comb += fire.eq(~diff[vw + 1] & ~refractory)
        with m.If(refractory):
            m.d.comb += [v_new.eq(v6), rc_new.eq(rc6 - 1)]
        with m.Elif(fire):
            m.d.comb += [
                v_new.eq(c.v_reset if c.reset_mode == "value" else v_sub),
                rc_new.eq(c.refractory),
            ]
        with m.Else():
            m.d.comb += [v_new.eq(v1), rc_new.eq(0)]
        state_new = Cat(v_new, rc_new[:rcw]) if rcw else v_new
        if extra_w:
            assert tap is not None and tap.extra_next is not None
            old = Mux(fresh, 0, s_data[vw + rcw :])
            extra6 = Signal(extra_w - 1, name="extra6", reset_less=True)
            with m.If(en):
                m.d.sync += extra6.eq(tap.extra_next(m, old))
            state_new = Cat(state_new, extra6, fire)
        if tap is None:
            m.d.comb += [s_wr.addr.eq(neuron6), s_wr.data.eq(state_new), s_wr.en.eq(en & valid6)]
        else:
            m.d.comb += [
                s_wr.addr.eq(Mux(tap.free_write, tap.addr[:nw], neuron6)),
                s_wr.data.eq(Mux(tap.free_write, tap.wdata[:state_w], state_new)),
                s_wr.en.eq((en & valid6) | tap.write_state),
            ]
        with m.If(en):
            m.d.sync += [
                self.out_valid.eq(valid6),
                self.tick_done.eq(valid6 & (neuron6 == nm - 1)),
            ]
            with m.If(valid6):
                m.d.sync += [
                    self.out_neuron.eq(neuron6),
                    self.out_spike.eq(fire),
                    self.out_v.eq(v_new),
                ]
