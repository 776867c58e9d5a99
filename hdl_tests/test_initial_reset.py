"""Co-simulation runs without the initial reset (``initial_reset=False``).

Every run used to hold ``rst`` high in its first cycle, which overwrites the
power-on value of every register that has a reset before it can matter. A
run without it compares cycle 0 in the power-on state, so the contract that a
new model twin *is* the power-on state (and that the Amaranth ``init`` values
are the reset values) is checked here for every block, bit by bit. The option
must reach the RTL through both benches (cocotb and the mutation check's
replay), and kill the Yosys mutant of ``stp_unit`` that changes only a
power-on value (docs/mutation.md). Default run: 27 s in one process at load 4
on the 2-core machine (34 s at load 5), of which generating the 21 blocks'
default Verilog takes 15 s; the default run's mutation sample
(``test_mutation.py``, the same default sets) generates them too, and takes
them from the same per-process memo (``_verilog``) when it runs after.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from sc_cosim.blocks import all_blocks, get_block
from sc_cosim.harness import default_initial_reset, run_cosim
from sc_cosim.mutation import (
    DEFAULT_CYCLES,
    Mutant,
    TextMutant,
    _verilog,
    mutate_block,
    results_config,
    run_mutant,
)
from sc_cosim.mutation_runs import read_results
from sc_cosim.replay import record, run_verilog
from sc_flow.cli import main

pytestmark = pytest.mark.cosim

POWER_ON_CYCLES = 300  # per block, replay path: the model and every output, every cycle


@pytest.mark.parametrize("block", list(all_blocks()))
def test_every_block_is_bit_exact_from_the_power_on_state(block: str, tmp_path: Path) -> None:
    """No initial reset: cycle 0 is compared in the power-on state (``rst`` low) and every
    later cycle follows from it, so a power-on value that differs from the model twin's
    initial state, reset or not, fails here (the default parameters, seed 1)."""
    params = dict(get_block(block).default_params)
    rec = record(block, params, 1, POWER_ON_CYCLES, initial_reset=False)
    assert rec.rows == POWER_ON_CYCLES and not rec.resets[0]
    assert rec.row_name(0) == "cycle 0 (no initial reset)"
    status, ran, message = run_verilog(
        _verilog(block, params),
        block,
        params,
        (1,),
        POWER_ON_CYCLES,
        tmp_path,
        initial_reset=False,
    )
    assert status == "survived", f"{block} without the initial reset (seed 1): {message}"


def _lfsr_mutant(original: str, changed: str) -> Mutant:
    """The default LFSR's Verilog with ``original`` -> ``changed`` on its one line."""
    params = dict(get_block("lfsr").default_params)
    lines = _verilog("lfsr", params).splitlines()
    line_no = next(i for i, line in enumerate(lines, 1) if original in line)
    line = lines[line_no - 1].strip()
    change = TextMutant(
        line_no, "", "const", f"{original} -> {changed}", line, line.replace(original, changed), ""
    )
    return Mutant("lfsr", "default", params, 10_000, change)


def test_both_benches_start_from_power_on_without_the_initial_reset(monkeypatch) -> None:
    """SC_COSIM_INITIAL_RESET=0 reaches the cocotb bench and the replay bench alike: the
    LFSR's power-on value alone changed is seen in cycle 0 (no power-on row, no reset
    before it; with the reset it dies in the power-on row), its reset value alone changed
    is never loaded (no reset in 50 cycles; with the initial reset it dies in cycle 0)."""
    monkeypatch.setenv("SC_COSIM_INITIAL_RESET", "0")
    power_on = _lfsr_mutant("state = 16'hace1;", "state = 16'hace0;")
    reset_value = _lfsr_mutant("\\$5  = 16'hace1;", "\\$5  = 16'hace0;")
    replayed = run_mutant(power_on, (1,), 50, path="replay")
    cocotb = run_mutant(power_on, (1,), 50, path="cocotb")
    for r in (replayed, cocotb):
        assert (r.status, r.seeds) == ("killed", (1,)), r.message
    assert replayed.message.startswith(
        "cycle 0 (no initial reset): port 'state' RTL=44256 model=44257; inputs="
    ), replayed.message
    assert cocotb.message == replayed.message
    assert run_mutant(reset_value, (1,), 50, path="replay").status == "survived"
    monkeypatch.delenv("SC_COSIM_INITIAL_RESET")
    assert run_mutant(reset_value, (1,), 50, path="replay").status == "killed"
    killed = run_mutant(power_on, (1,), 50, path="replay")
    assert killed.message.startswith("power-on: port 'state'"), killed.message


STP_WHERE = {"mode": "cnot1", "wire": "eu_r_0", "wirebit": 12, "ctrlbit": 11, "port": "Q"}


@pytest.mark.mutation
def test_stp_unit_power_on_mutant_dies_only_in_a_power_on_run(tmp_path: Path) -> None:
    """The Yosys mutant of docs/mutation.md (``cnot1`` on bit 12 of ``eu_r_0``, default
    set): its netlist's power-on value of that bit differs (``x`` where the original has
    0), its reset value does not. The three normal runs cannot see it; the power-on runs
    beside them (``sc-hw mutate --power-on-runs``) kill it in the first one, seed 1,
    whose cycle 0 reads ``eu_r_0`` (channel 0 without a spike)."""
    from sc_cosim.yosys_mutants import yosys_mutations

    params = dict(get_block("stp_unit").default_params)
    text = _verilog("stp_unit", params)
    _, found = yosys_mutations(text, "sc_stp_unit", 1, 0, where=STP_WHERE)
    assert len(found) == 1 and "-wire eu_r_0 -wirebit 12" in found[0].command, found
    mutant = Mutant("stp_unit", "default", params, 0, found[0])
    seeds = (1, 2, 3)
    normal = run_mutant(mutant, seeds, DEFAULT_CYCLES, path="replay")
    assert (normal.status, normal.seeds) == ("survived", seeds), normal.message
    with_power_on = run_mutant(mutant, seeds, DEFAULT_CYCLES, path="replay", power_on=True)
    assert (with_power_on.status, with_power_on.seeds) == ("killed", (1, 2, 3, 1))
    assert with_power_on.message.startswith("cycle 1 (no initial reset): port 'u' RTL="), (
        with_power_on.message
    )
    # the un-mutated design passes power-on runs of both parities
    status, _, message = run_verilog(
        text, "stp_unit", params, (1,), POWER_ON_CYCLES, tmp_path, power_on_seeds=(1, 2)
    )
    assert status == "survived", message


def test_stp_unit_power_on_stimulus_reads_both_excess_registers_over_two_seeds() -> None:
    """Without the initial reset, cycle 0 spikes on channels j with j + seed even (a spike
    reads ef_r, a silent channel eu_r); every other cycle, and every run with the initial
    reset, keeps the drawn stimulus."""
    spec = get_block("stp_unit")
    params = dict(spec.default_params, n_channels=3)
    for seed, bits in ((1, 0b010), (2, 0b101)):
        with_reset, resets = spec.draw_run(params, seed, 40, 0.9)
        without, no_reset = spec.draw_run(params, seed, 40, 0.9, initial_reset=False)
        assert with_reset["spikes"][0] == 0b111 and without["spikes"][0] == bits
        assert np.array_equal(with_reset["spikes"][1:], without["spikes"][1:])
        assert resets.sum() > 20 and not no_reset[0]
        assert np.array_equal(resets[1:], no_reset[1:])


@pytest.mark.parametrize("raw", ["no", "true", "2", ""])
def test_a_bad_initial_reset_value_names_the_variable(monkeypatch, capsys, raw: str) -> None:
    monkeypatch.setenv("SC_COSIM_INITIAL_RESET", raw)
    with pytest.raises(ValueError, match=f"SC_COSIM_INITIAL_RESET must be 1 .* or 0 .*{raw!r}"):
        default_initial_reset()
    with pytest.raises(ValueError, match="SC_COSIM_INITIAL_RESET"):
        record("lfsr", dict(get_block("lfsr").default_params), 1, 10)
    assert main(["cosim", "lfsr", "--cycles", "10"]) == 2  # before any simulator starts
    assert "sc-hw: error: SC_COSIM_INITIAL_RESET must be 1" in capsys.readouterr().err


def test_a_bad_initial_reset_argument_names_itself() -> None:
    with pytest.raises(TypeError, match="initial_reset must be True .* or False .*'no'"):
        run_cosim("lfsr", seed=0, cycles=10, initial_reset="no")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="initial_reset must be True"):
        record("lfsr", dict(get_block("lfsr").default_params), 1, 10, initial_reset=0)  # type: ignore[arg-type]


def test_power_on_runs_and_the_env_value_go_into_the_results_config_only_when_set(
    tmp_path: Path, monkeypatch
) -> None:
    """The committed results files carry neither key, so their verdicts stay valid, and a
    power-on run never resumes a normal record (nor the other way round)."""
    assert results_config("lfsr", 0, (1,), 50) == {"seed": 0, "seeds": [1], "cycles": 50}
    results = tmp_path / "lfsr.jsonl"
    for power_on, env in ((False, None), (True, None), (False, "0"), (True, "0")):
        if env is not None:
            monkeypatch.setenv("SC_COSIM_INITIAL_RESET", env)
        report = mutate_block(
            "lfsr",
            limit=1,
            n_seeds=1,
            cycles=50,
            results_file=results,
            prove=False,
            power_on=power_on,
        )
        assert len(report.results) == 1 and report.missing == 0
    configs = [json.loads(line)["config"] for line in results.read_text().splitlines()]
    assert len(configs) == 4, "a run reused a verdict recorded under another config"
    assert [(c.get("power_on"), c.get("initial_reset")) for c in configs] == [
        (None, None),
        (True, None),
        (None, False),
        (True, False),
    ]
    assert len(read_results(results)) == 4
