"""cocotb benches of :func:`sc_host.cosim.run_on_cosim` (run inside the simulator).

``run_script``: 10 ns clock, reset, then the user's ``main(chip)`` in a bridge
thread with ``chip`` on :class:`sc_host.cosim.CosimTransport`.
``raw_script``: the user's ``async main(link)`` gets the transport itself
(raw bytes on the line, waits in cycles), for the link's bad-input tests.
"""

from __future__ import annotations

import json
import os
import pickle
import traceback

import cocotb
from cocotb.clock import Clock
from cocotb.task import bridge
from cocotb.triggers import ClockCycles

from sc_host.chip import Chip
from sc_host.cosim import CLOCK_NS, CosimTransport, load_function


async def _start(dut) -> CosimTransport:
    desc = json.loads(os.environ["SC_HOST_SYSTEM"])
    os.chdir(os.environ["SC_HOST_CWD"])  # the user's script sees the caller's directory
    dut.rx.value = 1
    cocotb.start_soon(Clock(dut.clk, CLOCK_NS, unit="ns").start())
    dut.rst.value = 1
    await ClockCycles(dut.clk, 4)
    dut.rst.value = 0
    await ClockCycles(dut.clk, 4)
    return CosimTransport(dut, desc["divisor"])


def _store(outcome: dict) -> None:
    with open(os.environ["SC_HOST_RESULT"], "wb") as fh:
        pickle.dump(outcome, fh)


@cocotb.test()
async def run_script(dut) -> None:
    link = await _start(dut)
    fn = load_function(os.environ["SC_HOST_SCRIPT"], os.environ["SC_HOST_FUNC"])

    def body():
        return fn(Chip(link))

    try:
        _store({"value": await bridge(body)()})
    except Exception:
        _store({"error": traceback.format_exc()})
        raise


@cocotb.test()
async def raw_script(dut) -> None:
    link = await _start(dut)
    fn = load_function(os.environ["SC_HOST_SCRIPT"], os.environ["SC_HOST_FUNC"])
    try:
        _store({"value": await fn(link)})
    except Exception:
        _store({"error": traceback.format_exc()})
        raise
