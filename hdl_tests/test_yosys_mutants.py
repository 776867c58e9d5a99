"""Yosys's ``mutate`` pass as a second mutant source (:mod:`sc_cosim.yosys_mutants`).

The netlist Yosys writes must pass the co-simulation un-mutated and fail it
with a mutation the model can see; the draw is deterministic; a sample of
the LFSR's Yosys mutants is killed or proved equivalent by the solver, none
left standing. Bad arguments name themselves.
"""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from sc_cosim import yosys_mutants
from sc_cosim.blocks import get_block
from sc_cosim.mutation import DEFAULT_CYCLES, _verilog, block_mutants, mutate_block
from sc_cosim.replay import run_verilog
from sc_cosim.yosys_mutants import MODES, YOSYS_FAILED, check_netlist, yosys_mutations
from sc_flow.cli import cli

pytestmark = pytest.mark.mutation

LFSR = {"width": 16, "seed": 44257, "form": "fibonacci"}


def _lfsr_draw(count: int, seed: int):
    return yosys_mutations(_verilog("lfsr", LFSR), get_block("lfsr").toplevel, count, seed)


def test_draw_is_deterministic_single_commands_of_known_modes() -> None:
    netlist, first = _lfsr_draw(12, 3)
    _, again = _lfsr_draw(12, 3)
    _, other = _lfsr_draw(12, 4)
    assert [m.command for m in first] == [m.command for m in again]
    assert [m.command for m in first] != [m.command for m in other]
    assert len(first) == 12
    assert {m.mode for m in first} <= set(MODES)
    for m in first:
        assert m.diff() == f"[yosys] {m.command}"
        assert m.operator == f"yosys:{m.mode}"
        assert m.netlist != netlist  # every mutation changes the written module
        assert "module sc_lfsr(" in m.netlist


def test_netlist_passes_and_a_feedback_mutant_fails_the_cosimulation() -> None:
    netlist, mutations = _lfsr_draw(12, 3)
    check_netlist(netlist, "lfsr", LFSR, (1,), DEFAULT_CYCLES)
    # the state register's input: every bit of it is seen at the port on the next cycle
    hit = next(m for m in mutations if m.mode == "inv" and "-port Y" in m.command)
    with pytest.raises(RuntimeError, match="does not pass the co-simulation"):
        check_netlist(hit.netlist, "lfsr", LFSR, (1,), DEFAULT_CYCLES)


def test_lfsr_sample_every_mutant_killed_or_proved_equivalent() -> None:
    report = mutate_block("lfsr", limit=20, seed=0, source="yosys", timeout=60)
    assert len(report.results) == 40  # 20 per parameter set, two sets
    assert report.compile_errors == 0
    left = [r.mutant.describe() for r in report.survivors]
    assert not left, f"Yosys mutants of lfsr neither killed nor proved (seed 0): {left}"
    assert report.killed >= 30


def test_bad_arguments_name_themselves() -> None:
    with pytest.raises(ValueError, match="source"):
        block_mutants("lfsr", source="verilog")
    with pytest.raises(ValueError, match="count"):
        block_mutants("lfsr", source="yosys")
    with pytest.raises(ValueError, match="limit must be a number of mutants per parameter set"):
        mutate_block("lfsr", limit=None, source="yosys")
    with pytest.raises(ValueError, match="count"):
        yosys_mutations("module m(); endmodule", "m", 0, 1)
    result = CliRunner().invoke(cli, ["mutate", "lfsr", "--source", "yosys", "--all"])
    assert result.exit_code == 2
    assert "--limit" in result.output and "--source" in result.output


def test_parallel_counter_stimulus_reaches_the_top_bit_of_every_partial_sum(tmp_path) -> None:
    """Found by the Yosys source: bit 4 of a 16-input node's sum tied to 0 survived the biased
    random stimulus (3 x 2000 cycles; 131 inputs, no pipeline). The extreme rows kill it."""
    params = {"n_inputs": 131, "pipeline": 0}
    where = {"wire": "pc_l4_n4", "wirebit": 4, "mode": "const0", "port": "A"}
    top = get_block("parallel_counter").toplevel
    _, found = yosys_mutations(_verilog("parallel_counter", params), top, 1, 0, where=where)
    assert len(found) == 1, found
    status, ran, message = run_verilog(
        found[0].netlist, "parallel_counter", params, (1,), DEFAULT_CYCLES, tmp_path
    )
    assert status == "killed", (status, ran, message)
    with pytest.raises(ValueError, match="unknown filter 'colour'"):
        yosys_mutations(_verilog("lfsr", LFSR), "sc_lfsr", 1, 0, where={"colour": "red"})
    with pytest.raises(ValueError, match="where\\['mode'\\]"):
        yosys_mutations(_verilog("lfsr", LFSR), "sc_lfsr", 1, 0, where={"mode": "flip"})


TINY_ROM = """module tiny(input clk, input a, output reg q);
  reg [1:0] rom [0:1];
  initial begin rom[0] = 2'b00; rom[1] = 2'b01; end
  always @(posedge clk) q <= rom[a][0];
endmodule
"""


def test_no_change_and_yosys_failures_are_skipped_and_named() -> None:
    """const0 on the ROM's power-on bits that are already 0 writes the same netlist ("no
    change"); a few const0 mutations of the ROM's read port make Yosys 0.70 stop on an
    internal assertion ("Yosys failed"): both are skipped, never run or counted as killed."""
    netlist, drawn = yosys_mutations(TINY_ROM, "tiny", 12, 1, where={"mode": "const0"})
    reasons = {m.skip for m in drawn}
    assert {"", "no change"} <= reasons <= {"", "no change", YOSYS_FAILED}, drawn
    assert all(m.netlist == netlist for m in drawn if m.skip == "no change")
    assert all(m.netlist not in ("", netlist) for m in drawn if not m.skip)
    assert all(m.netlist == "" for m in drawn if m.skip == YOSYS_FAILED)


def test_a_mutation_yosys_cannot_apply_is_skipped_alone(monkeypatch) -> None:
    """One failing mutation must not take the others down: one Yosys run each after the
    batch fails, and only the failing one is skipped (Yosys's failure simulated)."""
    real_run = yosys_mutants._run

    def failing_run(folder, script, what):
        if "-portbit 0" in script and script.count("design -load base") == 1:
            raise RuntimeError("simulated Yosys assertion")
        if script.count("design -load base") > 1 and "-portbit 0" in script:
            raise RuntimeError("simulated Yosys assertion in the batch")
        return real_run(folder, script, what)

    monkeypatch.setattr(yosys_mutants, "_run", failing_run)
    monkeypatch.setattr(yosys_mutants, "_CACHE", {})
    netlist, drawn = yosys_mutations(_verilog("lfsr", LFSR), "sc_lfsr", 12, 3)
    failed = [m for m in drawn if m.skip == YOSYS_FAILED]
    assert failed and all("-portbit 0 " in m.command + " " for m in failed)
    assert all(m.netlist and m.netlist != netlist for m in drawn if not m.skip)
    assert len(drawn) == 12
