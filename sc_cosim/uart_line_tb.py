"""cocotb bench of :func:`sc_cosim.uart_line.run_uart_line` (runs inside the simulator).

Sends the bytes in bursts of 1 .. 8 frames, 0 .. 3 bits of idle line apart,
in the mode given (see :mod:`sc_cosim.uart_line`; in ``phase`` mode each burst
has its own phase and a bit time up to :data:`RATE_ERROR` off the divisor, so
its edges drift across the clock edges within the burst); every received byte is
handed to the transmitter (queued, sent back to back as ``tx_ready``
allows) and read from ``tx`` by cocotbext-uart's ``UartSink``.
"""

from __future__ import annotations

import json
import os

import cocotb
import numpy as np
from cocotb.clock import Clock
from cocotb.triggers import ClockCycles, ReadOnly, RisingEdge, Timer

from sc_cosim.uart_line import CLOCK_NS, cocotbext_baud
from sc_model.uart import frame_bits

#: the ``phase`` mode's transmitter runs up to this much faster or slower than the divisor
RATE_ERROR = 0.005


async def _phase_burst(dut, burst: bytes, phase_ps: int, bit_ps: int) -> None:
    """Frames back to back, the first edge ``phase_ps`` after a clock edge, ``bit_ps`` per bit."""
    await RisingEdge(dut.clk)
    if phase_ps:
        await Timer(phase_ps, "ps")
    for byte in burst:
        for level in frame_bits(byte):
            dut.rx.value = level
            await Timer(bit_ps, "ps")


@cocotb.test()
async def uart_line(dut) -> None:
    from cocotbext.uart import UartSink, UartSource

    cfg = json.loads(os.environ["SC_UART_LINE"])
    d, mode, data = cfg["divisor"], cfg["mode"], bytes.fromhex(cfg["data"])
    rng = np.random.default_rng(cfg["seed"])
    dut.rx.value = 1
    dut.tx_valid.value = 0
    dut.tx_data.value = 0
    cocotb.start_soon(Clock(dut.clk, CLOCK_NS, unit="ns").start())
    dut.rst.value = 1
    await ClockCycles(dut.clk, 4)
    dut.rst.value = 0
    await ClockCycles(dut.clk, 4)
    baud = cocotbext_baud(d)
    sink = UartSink(dut.tx, baud=baud, bits=8, stop_bits=1)
    source = UartSource(dut.rx, baud=baud, bits=8, stop_bits=1) if mode == "cocotbext" else None
    received: list[int] = []
    errors = 0

    async def receive_and_echo() -> None:
        """After each edge: collect ``rx_valid`` bytes and ``rx_error`` pulses; keep
        ``tx_valid`` up while bytes wait, the next one on ``tx_data`` after each take
        (the edge where ``tx_ready`` falls)."""
        nonlocal errors
        pending: list[int] = []
        ready_before = 1
        while True:
            await RisingEdge(dut.clk)
            await ReadOnly()
            ready = int(dut.tx_ready.value)
            taken = ready_before == 1 and ready == 0
            ready_before = ready
            if int(dut.rx_valid.value):
                received.append(int(dut.rx_data.value))
                pending.append(int(dut.rx_data.value))
            errors += int(dut.rx_error.value)
            await Timer(1, "ns")  # out of the read-only phase, well before the next edge
            if taken:
                pending.pop(0)
            dut.tx_valid.value = int(bool(pending))
            dut.tx_data.value = pending[0] if pending else 0

    cocotb.start_soon(receive_and_echo())
    k = 0
    while k < len(data):
        burst = data[k : k + int(rng.integers(1, 9))]
        k += len(burst)
        if source is not None:
            await source.write(burst)
            await source.wait()
        else:
            phase = int(rng.integers(0, CLOCK_NS * 1000))
            bit_ps = round(d * CLOCK_NS * 1000 * (1 + rng.uniform(-RATE_ERROR, RATE_ERROR)))
            await _phase_burst(dut, burst, phase, bit_ps)
            dut.rx.value = 1
        await ClockCycles(dut.clk, int(rng.integers(0, 4)) * d + 1)
    await ClockCycles(dut.clk, 12 * d * 3 + 20)
    echoed = bytes(sink.read_nowait())
    with open(os.environ["SC_UART_RESULT"], "w") as fh:
        json.dump({"received": bytes(received).hex(), "errors": errors, "echoed": echoed.hex()}, fh)
