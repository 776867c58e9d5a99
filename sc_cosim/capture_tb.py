"""Capture-mode cocotb bench: drive given inputs, record every output port on every cycle.

Where :mod:`sc_cosim.cosim_tb` compares the RTL with a model twin inside the
simulation, this bench only records, so the comparison (and any plotting) can
happen afterwards in ordinary Python. :func:`run_capture` builds a Verilog
text with cocotb's Python runner and runs :func:`capture_outputs` on it.

Timing is that of :mod:`sc_cosim.cosim_tb`: ``rst`` is held high over one
rising edge, then for each cycle ``t`` (10 ns clock) the bench drives the
inputs of cycle ``t`` after the falling edge, waits for the read-only phase
and reads every requested output port; the rising edge then ends the cycle.
Row ``t`` of a captured port is therefore its value *during* cycle ``t``:
row 0 is the state right after reset, and a registered output shows the
inputs of earlier cycles. ``rst`` stays low after the initial reset.

Files (paths in the environment, set by :func:`run_capture`):
``SC_CAPTURE_IN`` is JSON ``{"inputs": {port: [int, ...]}, "outputs": [port, ...]}``
with one unsigned int per cycle and input port (all lists of equal length);
``SC_CAPTURE_OUT`` receives JSON ``{port: [int, ...]}`` (unsigned, any width:
JSON ints are arbitrary precision).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import cocotb
import numpy as np
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge, ReadOnly, RisingEdge

from sc_cosim.harness import run_bench
from sc_model._validate import check_choice

SIMULATORS = ("icarus", "verilator")


def _read(handle) -> int:
    value = handle.value
    if not value.is_resolvable:
        raise ValueError(f"unresolved value {value} on {handle._name}")
    return int(value.to_unsigned()) if hasattr(value, "to_unsigned") else int(value)


@cocotb.test()
async def capture_outputs(dut) -> None:
    spec = json.loads(Path(os.environ["SC_CAPTURE_IN"]).read_text())
    inputs: dict[str, list[int]] = spec["inputs"]
    out_names: list[str] = spec["outputs"]
    n_cycles = len(next(iter(inputs.values()))) if inputs else 0
    handles_in = {n: getattr(dut, n) for n in inputs}
    handles_out = {n: getattr(dut, n) for n in out_names}

    cocotb.start_soon(Clock(dut.clk, 10, unit="ns").start())
    dut.rst.value = 1
    for h in handles_in.values():
        h.value = 0
    await RisingEdge(dut.clk)
    await FallingEdge(dut.clk)
    dut.rst.value = 0

    record: dict[str, list[int]] = {n: [] for n in out_names}
    for t in range(n_cycles):
        for n, h in handles_in.items():
            h.value = inputs[n][t]
        await ReadOnly()
        for n, h in handles_out.items():
            record[n].append(_read(h))
        await FallingEdge(dut.clk)
    Path(os.environ["SC_CAPTURE_OUT"]).write_text(json.dumps(record))


def run_capture(
    verilog_text: str,
    toplevel: str,
    inputs: Mapping[str, Sequence[int] | np.ndarray],
    outputs: Sequence[str],
    build_dir: str | os.PathLike[str],
    simulator: str = "icarus",
) -> tuple[dict[str, list[int]], float]:
    """Simulate ``verilog_text`` with the given inputs; return the outputs of every cycle.

    Parameters
    ----------
    verilog_text : str
        Verilog source whose top module ``toplevel`` has ``clk``, ``rst``, the
        ``inputs`` ports and the ``outputs`` ports.
    inputs : {port: ints (n_cycles,)}
        Unsigned value of each input port in each cycle.
    outputs : port names to record.
    build_dir : directory for the Verilog file, the simulator build and the logs.
    simulator : ``"icarus"`` or ``"verilator"``.

    Returns
    -------
    ({port: [int] * n_cycles}, seconds)
        Unsigned value of each output port *during* each cycle (module
        docstring), and the wall time of build plus simulation.
    """

    simulator = str(check_choice("simulator", simulator, SIMULATORS))
    lengths = {len(v) for v in inputs.values()}
    if len(lengths) != 1:
        raise ValueError(f"inputs must all have one length (cycles), not lengths {sorted(lengths)}")
    build = Path(build_dir).resolve()
    build.mkdir(parents=True, exist_ok=True)
    vfile = build / f"{toplevel}.v"
    vfile.write_text(verilog_text)
    stim_file, out_file = build / "capture_in.json", build / "capture_out.json"
    stim = {"inputs": {n: [int(x) for x in v] for n, v in inputs.items()}, "outputs": list(outputs)}
    stim_file.write_text(json.dumps(stim))
    out_file.unlink(missing_ok=True)

    start = time.perf_counter()
    env = {"SC_CAPTURE_IN": str(stim_file), "SC_CAPTURE_OUT": str(out_file)}
    run_bench(
        vfile, toplevel, "sc_cosim.capture_tb", build, env, build / "sim.log", None, simulator, True
    )
    seconds = time.perf_counter() - start
    if not out_file.exists():
        raise RuntimeError(f"the capture simulation wrote no outputs; see {build / 'sim.log'}")
    return json.loads(out_file.read_text()), seconds
