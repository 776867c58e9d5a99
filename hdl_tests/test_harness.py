"""The harness itself: it checks outside Verilog and it fails on one bit."""

from __future__ import annotations

import re

import pytest

from sc_cosim.harness import generate_verilog, run_cosim, verilator_available

LFSR_PARAMS = {"width": 12, "seed": 0x5A5, "form": "fibonacci"}


@pytest.mark.cosim
def test_unmodified_outside_verilog_passes(tmp_path) -> None:
    path = tmp_path / "sc_lfsr.v"
    path.write_text(generate_verilog("lfsr", LFSR_PARAMS))
    result = run_cosim("lfsr", LFSR_PARAMS, seed=3, cycles=500, verilog_path=path)
    assert result.passed, result.report()


@pytest.mark.cosim
def test_one_bit_change_in_reset_value_is_caught(tmp_path) -> None:
    text = generate_verilog("lfsr", LFSR_PARAMS)
    # The seed 0x5a5 appears as the reset value; flip its lowest bit.
    mutated, count = re.subn(r"12'h5a5", "12'h5a4", text)
    assert count >= 1
    path = tmp_path / "sc_lfsr.v"
    path.write_text(mutated)
    result = run_cosim("lfsr", LFSR_PARAMS, seed=3, cycles=500, verilog_path=path)
    assert not result.passed
    assert "port 'state'" in result.message
    assert "--seed 3" in result.reproduce()


@pytest.mark.cosim
@pytest.mark.skipif(not verilator_available(), reason="verilator not on PATH")
def test_verilator_agrees_with_model() -> None:
    result = run_cosim("lfsr", LFSR_PARAMS, seed=5, cycles=1000, simulator="verilator")
    assert result.passed, result.report()
