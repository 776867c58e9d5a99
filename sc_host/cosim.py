"""The co-simulation transport: the board system's generated Verilog under cocotb, its UART
pins driven and read by cocotbext-uart.

:func:`run_on_cosim` builds the board system of a description
(:mod:`sc_host.systems`), simulates it (Icarus by default) and runs a user
function ``main(chip)`` inside the simulation, where ``chip`` is a
:class:`sc_host.chip.Chip` over :class:`CosimTransport`; it returns what
``main`` returns. :func:`run_on_model` runs the same function on the model
transport. The clock is 10 ns; the UART runs at the description's divisor
(``baud = 1e8 / divisor``).
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import runpy
from collections.abc import Callable
from pathlib import Path
from typing import Any

from amaranth.back import verilog
from cocotb.triggers import ClockCycles

from sc_cosim.harness import BUILD_ROOT, run_bench
from sc_cosim.uart_line import cocotbext_baud
from sc_host.chip import Chip
from sc_host.systems import Description, build_hw, build_model
from sc_host.transports import ModelTransport

TOPLEVEL = "sc_board_system"
CLOCK_NS = 10


def load_function(script: str | os.PathLike[str], func: str = "main") -> Callable[[Chip], Any]:
    """``func`` of the Python file ``script`` (run as a script, not imported as a module)."""
    namespace = runpy.run_path(str(script), run_name="sc_host_script")
    if not callable(namespace.get(func)):
        raise ValueError(f"script {script} must define a function {func}(chip)")
    return namespace[func]


def run_on_model(script: str | os.PathLike[str], desc: Description, func: str = "main") -> Any:
    """``main(chip)`` of ``script`` with ``chip`` on the model transport of ``desc``."""
    return load_function(script, func)(Chip(ModelTransport(build_model(desc))))


class CosimTransport:
    """Frames over the simulated UART pins (created inside a cocotb test)."""

    def __init__(self, dut: Any, divisor: int, reply_limit_cycles: int = 2_000_000) -> None:
        from cocotbext.uart import UartSink, UartSource

        baud = cocotbext_baud(divisor, CLOCK_NS)
        self.dut = dut
        self.source = UartSource(dut.rx, baud=baud, bits=8, stop_bits=1)
        self.sink = UartSink(dut.tx, baud=baud, bits=8, stop_bits=1)
        self.limit_ns = reply_limit_cycles * CLOCK_NS

    async def _exchange(self, frame: bytes) -> bytes:
        await self.source.write(frame)
        reply = bytearray()
        while len(reply) < 2 or len(reply) < reply[1] + 4:
            await self.sink.wait(timeout=self.limit_ns, timeout_unit="ns")
            if self.sink.empty():
                raise TimeoutError(f"no reply to {frame.hex()} (received {reply.hex()})")
            reply += self.sink.read_nowait()
        return bytes(reply)

    async def _idle(self, cycles: int) -> None:
        await ClockCycles(self.dut.clk, cycles)

    def exchange(self, frame: bytes) -> bytes:
        from cocotb.task import resume

        return resume(self._exchange)(frame)

    def idle(self, cycles: int) -> None:
        from cocotb.task import resume

        resume(self._idle)(cycles)

    async def send_raw(self, data: bytes) -> None:
        """Put ``data`` on the line as it is (for bad-input tests)."""
        await self.source.write(data)
        await self.source.wait()


def build_verilog(desc: Description) -> Path:
    """Write the board system's Verilog (cached by description); return the file."""
    text = verilog.convert(build_hw(desc), name=TOPLEVEL, emit_src=False)
    key = hashlib.sha1(json.dumps([desc, text], sort_keys=True).encode()).hexdigest()[:12]
    case = BUILD_ROOT / "host_cosim" / key
    case.mkdir(parents=True, exist_ok=True)
    vfile = case / f"{TOPLEVEL}.v"
    if not vfile.exists():
        vfile.write_text(text)
    return vfile


def run_on_cosim(
    script: str | os.PathLike[str],
    desc: Description,
    func: str = "main",
    test: str = "run_script",
    simulator: str = "icarus",
) -> Any:
    """``main(chip)`` of ``script`` inside a co-simulation of ``desc``'s board system.

    ``test`` picks the bench in :mod:`sc_host.cosim_bench` (``run_script``, or
    ``raw_script`` whose ``main(link)`` gets the raw line for bad-input tests).
    Returns what the function returned; raises ``RuntimeError`` with the log
    when the simulation fails.
    """

    vfile = build_verilog(desc)
    case = vfile.parent
    tag = hashlib.sha1(f"{Path(script).resolve()}:{func}:{test}".encode()).hexdigest()[:8]
    result = case / f"result_{tag}.pkl"
    result.unlink(missing_ok=True)
    log = case / f"sim_{tag}.log"
    env = {
        "SC_HOST_SYSTEM": json.dumps(desc),
        "SC_HOST_SCRIPT": str(Path(script).resolve()),
        "SC_HOST_FUNC": func,
        "SC_HOST_CWD": os.getcwd(),
        "SC_HOST_RESULT": str(result),
    }
    run_bench(vfile, TOPLEVEL, "sc_host.cosim_bench", case, env, log, test, simulator)
    if not result.exists():
        raise RuntimeError(f"co-simulation of {script}:{func} failed; see {log}")
    outcome = pickle.loads(result.read_bytes())
    if "error" in outcome:
        raise RuntimeError(f"{script}:{func} raised in the co-simulation: {outcome['error']}")
    return outcome["value"]
