"""Amaranth twin of :mod:`sc_model.host_link`: the board's command engine.

Protocol, commands, error codes and their order: the contract in
:mod:`sc_model.host_link` (and ``docs/host_link.md``).
"""

from __future__ import annotations

from typing import Any

from amaranth.hdl import Array, Cat, Const, Module, Mux, Signal, Value
from amaranth.lib import wiring
from amaranth.lib.memory import Memory
from amaranth.lib.wiring import In, Out

from sc_model import host_link as proto
from sc_model.host_link import LinkConfig, identify_payload


def crc8_next(crc: Value, byte: Value) -> Value:
    """CRC-8/SMBUS of one more byte: an XOR network (8 bits) equal to :func:`crc8`."""
    # each bit as the set of (crc ^ byte) bits it XORs, shifted through 8 steps
    bits: list[set[int]] = [{i} for i in range(8)]
    for _ in range(8):
        top = bits[7]
        shifted = [set()] + bits[:7]
        for tap in (0, 1, 2):  # polynomial 0x07
            shifted[tap] = shifted[tap] ^ top
        bits = shifted
    x = crc ^ byte
    out = []
    for terms in bits:
        v: Value = Const(0, 1)
        for i in sorted(terms):
            v = v ^ x[i]
        out.append(v)
    return Cat(*out)


class HostLink(wiring.Component):
    """Framed command engine between a byte stream (a UART) and a core's ports.

    Parameters
    ----------
    **params
        The fields of :class:`sc_model.host_link.LinkConfig`, validated there.

    Attributes
    ----------
    rx_data : In(8), rx_valid : In(1), rx_error : In(1)
        Received bytes and framing errors (:class:`sc_hw.uart.UART`'s outputs). Pulses
        must be at least 4 cycles apart (the UART's are 10 bit times, >= 40 cycles): the
        WRITE/RUN value check is computed ahead of each byte in registers (``elaborate``).
    tx_data : Out(8), tx_valid : Out(1), tx_ready : In(1)
        Reply bytes (stream handshake into the UART's transmitter).
    spikes : Out(N), en : Out(1), core_rst : Out(1)
        The core's input spikes (held during a tick), enable (high for one
        whole tick at a time) and a one-cycle reset (``RESET``).
    out_valid, out_neuron, out_spike, tick_done : In
        The core's outputs (counted when ``en`` is high).
    host_req, host_we, host_space, host_addr, host_wdata : Out
    host_ack, host_rvalid, host_rdata : In
        The core's host port (:mod:`sc_model.learning_core`); requests only while ``en`` is low.
    reward : Out(reward_width), reward_strobe : Out(1)
        The reward of the last ``REWARD`` (two's complement) and its strobe,
        high while ``en`` is high during the next tick (the core latches both
        with the spikes at the tick's first cycle), then cleared.
    busy : Out(1), fault : Out(1)
        For LEDs: inside a frame or its execution; the last reply was an error.
    """

    def __init__(self, **params: Any) -> None:
        self.config = c = LinkConfig(**params)
        super().__init__(
            {
                "rx_data": In(8),
                "rx_valid": In(1),
                "rx_error": In(1),
                "tx_data": Out(8),
                "tx_valid": Out(1),
                "tx_ready": In(1),
                "spikes": Out(c.n_inputs),
                "en": Out(1),
                "core_rst": Out(1),
                "out_valid": In(1),
                "out_neuron": In(max(1, (c.n_neurons - 1).bit_length())),
                "out_spike": In(1),
                "tick_done": In(1),
                "host_req": Out(1),
                "host_we": Out(1),
                "host_space": Out(3),
                "host_addr": Out(c.addr_width),
                "host_wdata": Out(c.data_width),
                "host_ack": In(1),
                "host_rvalid": In(1),
                "host_rdata": In(c.data_width),
                "reward": Out(c.reward_width),
                "reward_strobe": Out(1),
                "busy": Out(1),
                "fault": Out(1),
            }
        )

    def elaborate(self, platform):
        m = Module()
        c = self.config
        w, bi, bo = c.word_bytes, c.in_bytes, c.out_bytes
        err = proto.ERRORS

        # --- the frame buffer (payload bytes) -------------------------------------
        m.submodules.buf = buf = Memory(shape=8, depth=256, init=[])
        wr = buf.write_port()
        rd = buf.read_port(transparent_for=())
        rd_ptr = Signal(8)
        m.d.comb += rd.addr.eq(rd_ptr)

        # --- registers -------------------------------------------------------------
        crc = Signal(8)
        length = Signal(8)
        cmd = Signal(8)
        idx = Signal(8)
        hdr = [Signal(8, name=f"hdr{i}") for i in range(4)]
        tmo = Signal(range(c.timeout + 1))
        overrun = Signal()
        status = Signal(8)
        rlen = Signal(8)
        bcnt = Signal(8)
        count = Signal(8)
        addr = Signal(16)
        wide = max(w, bi, 1) * 8
        sh = Signal(wide)  # words and spike groups are shifted in and out here
        out_bits = Signal(c.n_neurons)
        osh = Signal(bo * 8)
        ticks = Signal(32)
        frames_ok = Signal(16)
        frames_bad = Signal(16)
        last_error = Signal(8)
        # value check of WRITE words / RUN spike groups while receiving
        g_active = Signal()
        g_pos = Signal(range(max(w, bi) + 1))
        g_left = Signal(range(max(c.data_width, c.n_inputs) + 1))
        bad_value = Signal()

        rw_value = Signal(8)
        rw_pending = Signal()
        space = hdr[0][:3]
        m.d.comb += [
            self.reward.eq(rw_value.as_signed()),
            self.reward_strobe.eq(rw_pending & self.en),
            self.spikes.eq(sh[: c.n_inputs]),
            self.host_space.eq(space),
            self.host_addr.eq(addr[: c.addr_width]),
            self.host_wdata.eq(sh[: c.data_width]),
        ]
        byte_in = self.rx_valid | self.rx_error
        sent = self.tx_valid & self.tx_ready
        with m.If(sent):
            m.d.sync += crc.eq(crc8_next(crc, self.tx_data))

        def send(value: Value | int):
            m.d.comb += [self.tx_valid.eq(1), self.tx_data.eq(value)]
            return m.If(self.tx_ready)

        def fail(code: int) -> None:
            m.d.sync += [status.eq(code), rlen.eq(1)]
            m.next = "R_SYNC"

        # collect the core's output spikes during a tick
        bits_next = Signal(c.n_neurons)
        m.d.comb += bits_next.eq(out_bits)
        with m.If(self.en & self.out_valid):
            m.d.comb += bits_next.bit_select(self.out_neuron, 1).eq(self.out_spike)
        m.d.sync += out_bits.eq(bits_next)

        receiving = Signal()
        # ``tmo == timeout - 1``, kept as a register beside ``tmo`` (every assignment of
        # ``tmo`` below goes through ``set_tmo``), so the wide comparison is not in front
        # of the state machine (seed 2's critical path on the iCEBreaker)
        timed_out = Signal()

        def set_tmo(count_up: Value | None) -> None:
            """``tmo`` := 0, or ``Mux(count_up, tmo + 1, 0)``; ``timed_out`` follows it."""
            if count_up is None:
                m.d.sync += [tmo.eq(0), timed_out.eq(0)]
            else:
                m.d.sync += [
                    tmo.eq(Mux(count_up, tmo + 1, 0)),
                    timed_out.eq(count_up & (tmo == c.timeout - 2)),
                ]

        # the value check (one byte of a WRITE word or a RUN spike group), computed
        # ahead of the byte in three registered steps (start_r, then left_r, then
        # mask_r): its inputs (cmd, idx, hdr0, g_*) change only when a byte arrives,
        # and the UART delivers one per 10 bit times (>= 40 cycles), so the steps have
        # settled to this byte's values when it arrives; the byte then meets one
        # registered mask and a registered enable. In one cycle, cmd -> start -> left
        # -> mask -> bad_value was the iCEBreaker's critical path.
        first = Mux(cmd == proto.CMD_WRITE, 4, 1)
        glen = Mux(cmd == proto.CMD_WRITE, w, bi)
        full = Mux(cmd == proto.CMD_WRITE, Array(Const(v, 16) for v in c.widths)[space], c.n_inputs)
        checked = (cmd == proto.CMD_WRITE) | (cmd == proto.CMD_RUN)
        start_r = Signal()  # the next byte starts a word / group
        check_r = Signal()  # the next byte is checked
        left_r = Signal.like(g_left)  # bits of the word / group from the next byte on
        mask_r = Signal(8)  # the next byte's allowed bits
        masks = Array(Const((1 << min(k, 8)) - 1, 8) for k in range(9))
        m.d.sync += [
            start_r.eq((idx == first) | (g_active & (g_pos == glen - 1))),
            check_r.eq(checked & ((idx == first) | g_active)),
            left_r.eq(Mux(start_r, full, Mux(g_left > 8, g_left - 8, 0))),
            mask_r.eq(masks[Mux(left_r > 8, 8, left_r)]),
        ]

        with m.FSM(name="link") as fsm:
            # ---- receiving --------------------------------------------------------
            with m.State("HUNT"):
                with m.If(self.rx_valid & (self.rx_data == proto.SYNC_REQUEST)):
                    m.d.sync += [crc.eq(0), cmd.eq(0), bad_value.eq(0)]
                    set_tmo(None)
                    m.d.sync += g_active.eq(0)
                    m.next = "LEN"
            for st in ("LEN", "CMD", "DATA", "CRC"):
                with m.State(st):
                    m.d.comb += receiving.eq(1)
                    set_tmo(~byte_in)
                    with m.If(self.rx_error):
                        fail(err["FRAMING"])
                    with m.Elif(self.rx_valid):
                        d = self.rx_data
                        if st != "CRC":
                            m.d.sync += crc.eq(crc8_next(crc, d))
                        if st == "LEN":
                            m.d.sync += length.eq(d)
                            m.next = "CMD"
                        elif st == "CMD":
                            m.d.sync += [cmd.eq(d), idx.eq(0)]
                            m.next = "DATA"
                            with m.If(length == 0):
                                m.next = "CRC"
                        elif st == "DATA":
                            m.d.comb += [wr.addr.eq(idx), wr.data.eq(d), wr.en.eq(1)]
                            for i in range(4):
                                with m.If(idx == i):
                                    m.d.sync += hdr[i].eq(d)
                            with m.If(check_r):
                                m.d.sync += [
                                    g_active.eq(1),
                                    g_left.eq(left_r),
                                    g_pos.eq(Mux(start_r, 0, g_pos + 1)),
                                ]
                                with m.If((d & ~mask_r) != 0):
                                    m.d.sync += bad_value.eq(1)
                            m.d.sync += idx.eq(idx + 1)
                            with m.If(idx == length - 1):
                                m.next = "CRC"
                        else:
                            with m.If(d != crc):
                                fail(err["BAD_CRC"])
                            with m.Else():
                                m.d.sync += overrun.eq(0)
                                m.next = "CHECK"
                    with m.Elif(timed_out):
                        fail(err["TIMEOUT"])

            # ---- checking (the contract's order) ------------------------------------
            with m.State("CHECK"):
                n = length
                p0, count_in = hdr[0], hdr[3]
                a16 = Cat(hdr[1], hdr[2])
                depth = Array(Const(v, 17) for v in c.depths)[space]
                in_range = (p0 < proto.N_SPACES) & (a16 + count_in <= depth)
                known = Signal()
                m.d.comb += known.eq((cmd >= proto.CMD_IDENTIFY) & (cmd <= proto.CMD_STATUS))
                code = Signal(8)
                with m.If(~known):
                    m.d.comb += code.eq(err["UNKNOWN_COMMAND"])
                no_payload = (cmd == proto.CMD_IDENTIFY) | (cmd == proto.CMD_RESET)
                no_payload |= cmd == proto.CMD_STATUS
                with m.Elif(no_payload):
                    m.d.comb += code.eq(Mux(n != 0, err["BAD_LENGTH"], 0))
                with m.Elif(cmd == proto.CMD_REWARD):
                    half = 1 << (c.reward_width - 1)
                    r = p0.as_signed()
                    fits = (r >= -half) & (r < half) if c.reward_width < 8 else Const(1)
                    if c.has_reward:
                        ok = Mux(fits, 0, err["BAD_VALUE"])
                    else:
                        ok = Const(err["UNSUPPORTED"], 8)
                    m.d.comb += code.eq(Mux(n != 1, err["BAD_LENGTH"], ok))
                with m.Elif(cmd == proto.CMD_RUN):
                    bad_len = (n < 1) | (p0 == 0) | (n != 1 + p0 * bi) | (p0 * bo > 255)
                    m.d.comb += code.eq(
                        Mux(bad_len, err["BAD_LENGTH"], Mux(bad_value, err["BAD_VALUE"], 0))
                    )
                with m.Else():  # WRITE, READ
                    bad_len = (n < 4) | (count_in == 0)
                    bad_len |= Mux(
                        cmd == proto.CMD_READ,
                        (n != 4) | (count_in * w > 255),
                        n != 4 + count_in * w,
                    )
                    m.d.comb += code.eq(
                        Mux(
                            bad_len,
                            err["BAD_LENGTH"],
                            Mux(
                                ~in_range,
                                err["OUT_OF_RANGE"],
                                Mux((cmd == proto.CMD_WRITE) & bad_value, err["BAD_VALUE"], 0),
                            ),
                        )
                    )
                m.d.sync += [
                    addr.eq(a16),
                    count.eq(count_in),
                    bcnt.eq(0),
                    status.eq(code),
                ]
                m.next = "DISPATCH"
            # the check's result is registered first (the iCE40's critical path was
            # fields -> checks -> next state in one cycle)
            with m.State("DISPATCH"):
                p0, count_in = hdr[0], hdr[3]
                code = status
                with m.If(code != 0):
                    m.d.sync += rlen.eq(1)
                    m.next = "R_SYNC"
                with m.Elif(cmd == proto.CMD_IDENTIFY):
                    m.d.sync += rlen.eq(proto.IDENTIFY_LEN)
                    m.next = "R_SYNC"
                with m.Elif(cmd == proto.CMD_STATUS):
                    m.d.sync += rlen.eq(proto.STATUS_LEN)
                    m.next = "R_SYNC"
                with m.Elif(cmd == proto.CMD_RESET):
                    m.d.sync += rlen.eq(0)
                    m.next = "DO_RESET"
                with m.Elif(cmd == proto.CMD_REWARD):
                    m.d.sync += rlen.eq(0)
                    m.next = "DO_REWARD"
                with m.Elif(cmd == proto.CMD_WRITE):
                    m.d.sync += [rlen.eq(0), rd_ptr.eq(4)]
                    m.next = "WR_LOAD"
                with m.Elif(cmd == proto.CMD_READ):
                    m.d.sync += rlen.eq(count_in * w)
                    m.next = "R_SYNC"
                with m.Else():  # RUN
                    m.d.sync += [rlen.eq(p0 * bo), rd_ptr.eq(1), count.eq(p0)]
                    m.next = "R_SYNC"

            # ---- actions before the reply -------------------------------------------
            with m.State("DO_RESET"):
                m.d.comb += self.core_rst.eq(1)
                m.next = "R_SYNC"
            with m.State("DO_REWARD"):  # presented with the next tick's spikes
                m.d.sync += [rw_value.eq(hdr[0]), rw_pending.eq(1)]
                m.next = "R_SYNC"
            # a word of W payload bytes into sh (2 cycles per byte: address, data)
            with m.State("WR_LOAD"):
                m.next = "WR_TAKE"
            with m.State("WR_TAKE"):
                m.d.sync += [sh.eq(Cat(sh[8:], rd.data)), rd_ptr.eq(rd_ptr + 1)]
                m.d.sync += bcnt.eq(bcnt + 1)
                m.next = "WR_LOAD"
                with m.If(bcnt == w - 1):
                    m.d.sync += bcnt.eq(0)
                    m.next = "WR_REQ"
            with m.State("WR_REQ"):
                m.d.comb += [self.host_req.eq(1), self.host_we.eq(1)]
                if w < max(w, bi):
                    m.d.comb += self.host_wdata.eq(sh[(wide - 8 * w) :][: c.data_width])
                with m.If(self.host_ack):
                    m.d.sync += [addr.eq(addr + 1), count.eq(count - 1)]
                    m.next = "WR_LOAD"
                    with m.If(count == 1):
                        m.next = "R_SYNC"

            # ---- the reply: header, body, CRC -----------------------------------------
            with m.State("R_SYNC"):
                with send(proto.SYNC_REPLY):
                    m.d.sync += crc.eq(0)
                    m.next = "R_LEN"
            with m.State("R_LEN"):
                with send(rlen):
                    m.next = "R_STATUS"
            with m.State("R_STATUS"):
                with send(status):
                    with m.If(status != 0):
                        m.next = "B_ERR"
                    with m.Elif(cmd == proto.CMD_IDENTIFY):
                        m.next = "B_IDENT"
                    with m.Elif(cmd == proto.CMD_STATUS):
                        m.next = "B_STATUS"
                    with m.Elif(cmd == proto.CMD_READ):
                        m.next = "RD_REQ"
                    with m.Elif(cmd == proto.CMD_RUN):
                        m.next = "RUN_LOAD"
                    with m.Else():
                        m.next = "R_CRC"
            with m.State("B_ERR"):
                with send(cmd):
                    m.next = "R_CRC"
            ident = identify_payload(c)
            with m.State("B_IDENT"):
                rom = Const(int.from_bytes(ident, "little"), 8 * len(ident))
                with send(rom.word_select(bcnt[:6], 8)):
                    m.d.sync += bcnt.eq(bcnt + 1)
                    with m.If(bcnt == len(ident) - 1):
                        m.next = "R_CRC"
            with m.State("B_STATUS"):
                st_bytes = Cat(ticks, frames_ok, frames_bad, last_error)
                with send(st_bytes.word_select(bcnt[:4], 8)):
                    m.d.sync += bcnt.eq(bcnt + 1)
                    with m.If(bcnt == proto.STATUS_LEN - 1):
                        m.next = "R_CRC"
            # READ: request, wait for the data, send its W bytes
            with m.State("RD_REQ"):
                m.d.comb += self.host_req.eq(1)
                with m.If(self.host_ack):
                    m.next = "RD_WAIT"
            with m.State("RD_WAIT"):
                with m.If(self.host_rvalid):
                    m.d.sync += [sh.eq(self.host_rdata), bcnt.eq(0)]
                    m.next = "RD_SEND"
            with m.State("RD_SEND"):
                with send(sh[:8]):
                    m.d.sync += [sh.eq(sh >> 8), bcnt.eq(bcnt + 1)]
                    with m.If(bcnt == w - 1):
                        m.d.sync += [addr.eq(addr + 1), count.eq(count - 1)]
                        m.next = "RD_REQ"
                        with m.If(count == 1):
                            m.next = "R_CRC"
            # RUN: load a tick's spike group, run the tick, send its output bytes
            with m.State("RUN_LOAD"):
                m.next = "RUN_TAKE"
            with m.State("RUN_TAKE"):
                m.d.sync += [sh.eq(Cat(sh[8:], rd.data)), rd_ptr.eq(rd_ptr + 1)]
                m.d.sync += bcnt.eq(bcnt + 1)
                m.next = "RUN_LOAD"
                with m.If(bcnt == bi - 1):
                    m.d.sync += bcnt.eq(0)
                    m.next = "RUN_ALIGN"
            with m.State("RUN_ALIGN"):  # the group's first byte to bit 0
                if bi < max(w, bi):
                    m.d.sync += sh.eq(sh >> (wide - 8 * bi))
                m.d.sync += [self.en.eq(1), out_bits.eq(0)]
                m.next = "RUN_TICK"
            with m.State("RUN_TICK"):
                with m.If(self.tick_done):
                    m.d.sync += [self.en.eq(0), osh.eq(bits_next), ticks.eq(ticks + 1)]
                    m.d.sync += rw_pending.eq(0)
                    m.next = "RUN_SEND"
            with m.State("RUN_SEND"):
                with send(osh[:8]):
                    m.d.sync += [osh.eq(osh >> 8), bcnt.eq(bcnt + 1)]
                    with m.If(bcnt == bo - 1):
                        m.d.sync += [bcnt.eq(0), count.eq(count - 1)]
                        m.next = "RUN_LOAD"
                        with m.If(count == 1):
                            m.next = "R_CRC"
            with m.State("R_CRC"):
                with send(crc):
                    m.next = "FINISH"
            with m.State("FINISH"):
                with m.If(status == 0):
                    m.d.sync += [frames_ok.eq(frames_ok + 1), self.fault.eq(0)]
                    with m.If(overrun):
                        m.d.sync += [status.eq(err["OVERRUN"]), rlen.eq(1), overrun.eq(0)]
                        m.next = "R_SYNC"
                    with m.Else():
                        m.next = "HUNT"
                with m.Else():
                    m.d.sync += [
                        frames_bad.eq(frames_bad + 1),
                        last_error.eq(status),
                        self.fault.eq(1),
                    ]
                    set_tmo(None)
                    m.next = "DRAIN"
            with m.State("DRAIN"):  # after an error: wait for an idle line
                set_tmo(~byte_in)
                with m.If(~byte_in & timed_out):
                    m.next = "HUNT"

        # bytes while a frame is executed or answered are lost: OVERRUN after its reply
        with m.If(byte_in & ~receiving & ~fsm.ongoing("HUNT") & ~fsm.ongoing("DRAIN")):
            m.d.sync += overrun.eq(1)
        m.d.comb += self.busy.eq(~fsm.ongoing("HUNT"))
        return m
