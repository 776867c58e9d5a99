"""The UART's RTL on an asynchronous line: bytes sent by a transmitter on an independent clock.

The block co-simulation (:mod:`sc_cosim.blocks.uart`) drives ``rx`` with one
level per clock cycle, so every edge meets the synchroniser in the same
phase. Here the line changes at times of its own (:mod:`sc_cosim.uart_line_tb`):

* ``cocotbext``: cocotbext-uart's ``UartSource`` at :func:`cocotbext_baud`,
  the host link's co-simulation transport (:mod:`sc_host.cosim`), in bursts
  started from the bench's coroutine (their first edge lands just after a
  clock edge, the later ones from timers, on it);
* ``phase``: frames back to back, each burst at a random phase to the clock
  in picoseconds (0 = on the clock edge, where the simulator's event order
  decides the side) and a bit time up to 0.5 % off ``divisor`` clock periods
  (:data:`sc_cosim.uart_line_tb.RATE_ERROR`), so that its edges drift
  across the clock edges: each edge reaches the receiver in the first or
  the second cycle after it, independently.

Either way the transmitter sends back the bytes received, back to back, to
cocotbext-uart's ``UartSink``. :func:`run_uart_line` returns what arrived
at both ends; the test wants exactly the bytes sent and no framing error.
The clock is 10 ns.
"""

from __future__ import annotations

import hashlib
import json

from amaranth.back import verilog

from sc_cosim.harness import build_root, run_bench
from sc_hw.uart import UART
from sc_model._validate import check_choice, check_int
from sc_model.uart import check_divisor

TOPLEVEL = "sc_uart_line"
CLOCK_NS = 10
MODES = ("cocotbext", "phase")


def cocotbext_baud(divisor: int, clock_ns: int = CLOCK_NS) -> float:
    """The baud rate that makes cocotbext-uart wait exactly ``divisor`` clock periods per
    bit: it waits ``int(1e9 / baud)`` ns, so the rate is a hair below ``1e9 / (divisor
    clock_ns)`` to keep that integer exact."""
    return 1e9 / (clock_ns * check_divisor(divisor) + 1e-3)


def run_uart_line(divisor: int, mode: str, data: bytes, seed: int = 0) -> dict[str, object]:
    """Send ``data`` to the UART's RTL (Icarus) in ``mode``; return ``received`` (bytes out of
    ``rx_data``), ``errors`` (``rx_error`` pulses) and ``echoed`` (bytes the sink read from
    ``tx``). ``seed`` draws the burst lengths and phases."""
    divisor = check_divisor(divisor)
    check_choice("mode", mode, MODES)
    seed = check_int("seed", seed, 0)
    if not isinstance(data, bytes | bytearray) or not data:
        raise ValueError(f"data must be non-empty bytes, got {data!r}")

    text = verilog.convert(UART(divisor), name=TOPLEVEL, emit_src=False)
    # one directory per Verilog, mode, seed and data: parallel test workers never share one
    tag = f"{mode}_{seed}_{hashlib.sha1(bytes(data)).hexdigest()[:8]}"
    key = hashlib.sha1(f"{text}{tag}".encode()).hexdigest()[:12]
    case = build_root() / "uart_line" / key
    case.mkdir(parents=True, exist_ok=True)
    vfile = case / f"{TOPLEVEL}.v"
    if not vfile.exists():
        vfile.write_text(text)
    result = case / f"result_{tag}.json"
    result.unlink(missing_ok=True)
    log = case / f"sim_{tag}.log"
    env = {
        "SC_UART_LINE": json.dumps(
            {"divisor": divisor, "mode": mode, "data": bytes(data).hex(), "seed": seed}
        ),
        "SC_UART_RESULT": str(result),
    }
    run_bench(vfile, TOPLEVEL, "sc_cosim.uart_line_tb", case, env, log, "uart_line")
    if not result.exists():
        raise RuntimeError(f"the UART line co-simulation failed; see {log}")
    out = json.loads(result.read_text())
    return {
        "received": bytes.fromhex(out["received"]),
        "errors": out["errors"],
        "echoed": bytes.fromhex(out["echoed"]),
    }


__all__ = ["CLOCK_NS", "MODES", "cocotbext_baud", "run_uart_line"]
