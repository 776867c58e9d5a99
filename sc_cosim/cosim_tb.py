"""The cocotb test bench every block shares (run by :func:`sc_cosim.harness.run_cosim`).

With the initial reset (``SC_INITIAL_RESET=1``, the default), before the
first clock edge the bench compares the power-on outputs (inputs 0, ``rst``
high) with a new twin's, so a power-on value that differs from the reset
state shows; the initial reset follows. Without it (``SC_INITIAL_RESET=0``)
there is no such row: cycle 0 is driven with its own inputs and ``rst`` low
and compared in the power-on state, with a new twin (whose state is the
power-on state, the model's contract), so the power-on value of every
register, reset or not, shapes the run; its messages name the cycle as
``cycle T (no initial reset)``. Per cycle ``t`` (10 ns
clock): after the falling edge the bench drives the
cycle's inputs (and ``rst``), waits for the read-only phase, reads every
output port and compares it with ``twin.step(inputs)``; the rising edge then
advances both sides. The first mismatch ends the run with a message that
names the cycle, the port, both values and this cycle's inputs.
"""

from __future__ import annotations

import json
import os

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge, ReadOnly, RisingEdge, Timer

from sc_cosim.blocks import get_block
from sc_cosim.harness import input_ports, output_ports, signature_of


def _read(handle) -> int:
    value = handle.value
    if not value.is_resolvable:
        raise ValueError(f"unresolved value {value}")
    # A 1-bit port reads as a Logic (no to_unsigned), a wider one as a LogicArray.
    return int(value.to_unsigned()) if hasattr(value, "to_unsigned") else int(value)


def _compare(handles_out: dict, expected: dict[str, int], when: str) -> str:
    """ "" if every output port equals ``expected``, else the first mismatch ``when``."""
    if set(expected) != set(handles_out):
        return f"twin outputs {sorted(expected)} != RTL output ports {sorted(handles_out)}"
    for n, h in handles_out.items():
        try:
            got = _read(h)
        except ValueError as exc:
            got = str(exc)
        if got != int(expected[n]):
            return f"{when}: port {n!r} RTL={got} model={int(expected[n])}"
    return ""


@cocotb.test()
async def rtl_matches_model(dut) -> None:
    spec = get_block(os.environ["SC_BLOCK"])
    params = json.loads(os.environ["SC_PARAMS"])
    seed = int(os.environ["SC_SEED"])
    cycles = int(os.environ["SC_CYCLES"])
    reset_p = float(os.environ["SC_RESET_P"])
    initial_reset = os.environ["SC_INITIAL_RESET"] == "1"
    result_path = os.environ["SC_RESULT"]

    stim, resets = spec.draw_run(params, seed, cycles, reset_p, initial_reset)
    twin = spec.twin(params)
    signature = signature_of(spec.name, params)
    in_ports, out_ports = input_ports(signature), output_ports(signature)
    if set(stim) != set(in_ports):
        raise AssertionError(f"stimulus ports {sorted(stim)} != input ports {sorted(in_ports)}")
    handles_in = {n: getattr(dut, n) for n in in_ports}
    handles_out = {n: getattr(dut, n) for n in out_ports}

    async def first_edge() -> None:
        """Start the clock 1 ns after time 0: its first rising edge ends the first row."""
        await Timer(1, unit="ns")
        cocotb.start_soon(Clock(dut.clk, 10, unit="ns").start())
        await RisingEdge(dut.clk)
        await FallingEdge(dut.clk)

    message = ""
    if initial_reset:
        dut.rst.value = 1
        for h in handles_in.values():
            h.value = 0
        await ReadOnly()
        message = _compare(handles_out, twin.step(dict.fromkeys(in_ports, 0)), "power-on")
        await first_edge()
        twin.reset()
    when = "" if initial_reset else " (no initial reset)"

    for t in range(0 if message else cycles):
        inputs = {n: int(stim[n][t]) for n in in_ports}
        for n, h in handles_in.items():
            h.value = inputs[n]
        dut.rst.value = int(resets[t])
        await ReadOnly()
        message = _compare(handles_out, twin.step(inputs), f"cycle {t}{when}")
        if message:
            message += f"; inputs={inputs} rst={int(resets[t])}"
            break
        if resets[t]:
            twin.reset()
        if t == 0 and not initial_reset:
            await first_edge()
        else:
            await FallingEdge(dut.clk)

    with open(result_path, "w") as fh:
        json.dump({"passed": not message, "message": message}, fh)
    assert not message, message
