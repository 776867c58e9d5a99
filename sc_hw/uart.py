"""Amaranth twin of :mod:`sc_model.uart` (8N1 UART; contract and timing: see there)."""

from __future__ import annotations

from amaranth.hdl import Cat, Module, Signal
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from sc_model.uart import check_divisor, sample_offset


class UART(wiring.Component):
    """8N1 receiver and transmitter at ``divisor`` clock cycles per bit.

    Parameters
    ----------
    divisor : int
        Cycles per bit, 4 .. 65535 (refused otherwise, naming ``divisor``).

    Attributes
    ----------
    rx : In(1)
        The receive line (asynchronous; two synchroniser flip-flops, reset 1).
    rx_data : Out(8), rx_valid : Out(1), rx_error : Out(1)
        Registers: the last good byte; one-cycle pulses for a good frame and
        for a framing error (stop bit 0).
    tx_data : In(8), tx_valid : In(1), tx_ready : Out(1)
        Stream handshake; the byte is taken at an edge with valid and ready.
    tx : Out(1)
        The transmit line (register, reset 1).
    """

    def __init__(self, divisor: int) -> None:
        self.divisor = check_divisor(divisor)
        super().__init__(
            {
                "rx": In(1),
                "rx_data": Out(8),
                "rx_valid": Out(1),
                "rx_error": Out(1),
                "tx_data": In(8),
                "tx_valid": In(1),
                "tx_ready": Out(1, init=1),
                "tx": Out(1, init=1),
            }
        )

    def elaborate(self, platform):
        m = Module()
        d = self.divisor
        # two synchroniser flip-flops (reset to the idle level, as the model's)
        sync1, line = Signal(init=1, name="rx_s1"), Signal(init=1, name="rx_s2")
        m.d.sync += [sync1.eq(self.rx), line.eq(sync1)]

        # receiver
        cnt = Signal(range(d), name="rx_cnt")
        bit = Signal(range(10), name="rx_bit")
        shreg = Signal(8, name="rx_shreg")
        m.d.sync += [self.rx_valid.eq(0), self.rx_error.eq(0)]
        with m.FSM(name="rx_fsm"):
            with m.State("IDLE"):
                with m.If(~line):
                    # the start bit is sampled at t0 + S (model's contract)
                    m.d.sync += [cnt.eq(sample_offset(d) - 1), bit.eq(0)]
                    m.next = "RECV"
            with m.State("RECV"):
                with m.If(cnt != 0):
                    m.d.sync += cnt.eq(cnt - 1)
                with m.Elif(bit == 0):
                    with m.If(line):
                        m.next = "IDLE"
                    with m.Else():
                        m.d.sync += [cnt.eq(d - 1), bit.eq(1)]
                with m.Elif(bit <= 8):
                    m.d.sync += [shreg.eq(Cat(shreg[1:], line)), cnt.eq(d - 1), bit.eq(bit + 1)]
                with m.Elif(line):
                    m.d.sync += [self.rx_valid.eq(1), self.rx_data.eq(shreg)]
                    m.next = "IDLE"
                with m.Else():
                    m.d.sync += self.rx_error.eq(1)
                    m.next = "BREAK"
            with m.State("BREAK"):
                with m.If(line):
                    m.next = "IDLE"

        # transmitter
        tcnt = Signal(range(d), name="tx_cnt")
        tbit = Signal(range(10), name="tx_bit")
        tshreg = Signal(10, name="tx_shreg")
        with m.If(self.tx_ready):
            with m.If(self.tx_valid):
                m.d.sync += [
                    tshreg.eq(Cat(0, self.tx_data, 1)),
                    self.tx_ready.eq(0),
                    tcnt.eq(d - 1),
                    tbit.eq(0),
                    self.tx.eq(0),
                ]
        with m.Elif(tcnt != 0):
            m.d.sync += tcnt.eq(tcnt - 1)
        with m.Elif(tbit == 9):
            m.d.sync += self.tx_ready.eq(1)
        with m.Else():
            m.d.sync += [
                tbit.eq(tbit + 1),
                self.tx.eq(tshreg.bit_select(tbit + 1, 1)),
                tcnt.eq(d - 1),
            ]
        return m
