"""The replay path of the mutation check gives the cocotb path's verdicts.

:mod:`sc_cosim.replay` records the model side of a cosim run once and replays
it into each mutant in plain Icarus. These tests run mutants through both
paths and require the same status, the same seeds run and the same first
mismatch message (cycle, port, both values, the cycle's inputs); they check
that the bench passes every block's unmutated Verilog, reports an X as a
mismatch, and that results files resume and shards partition a run. Default
run, about 25 s (the cocotb runs dominate).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sc_cosim.blocks import all_blocks, get_block
from sc_cosim.harness import params_for
from sc_cosim.mutation import Mutant, TextMutant, _verilog, block_mutants, mutate_block, run_mutant
from sc_cosim.mutation_runs import append_result, parse_shard, read_results, table_row
from sc_cosim.replay import record, run_verilog

pytestmark = pytest.mark.cosim


def _both(mutant: Mutant, seeds: tuple[int, ...], cycles: int):
    replayed = run_mutant(mutant, seeds, cycles, path="replay")
    cocotb = run_mutant(mutant, seeds, cycles, path="cocotb")
    verdict = (replayed.status, replayed.seeds, replayed.message)
    assert verdict == (cocotb.status, cocotb.seeds, cocotb.message), (
        f"{mutant.describe()}: replay {verdict} != cocotb "
        f"{(cocotb.status, cocotb.seeds, cocotb.message)}"
    )
    return replayed


def _one_bit(block: str, label: str, original: str, changed: str) -> Mutant:
    """A hand-made mutant of ``block``'s default Verilog: ``original`` -> ``changed`` once."""
    params = dict(get_block(block).default_params)
    text = _verilog(block, params)
    lines = text.splitlines()
    line_no = next(i for i, line in enumerate(lines, 1) if original in line)
    line = lines[line_no - 1].strip()
    change = TextMutant(
        line_no, "", "const", f"{original} -> {changed}", line, line.replace(original, changed), ""
    )
    return Mutant(block, label, params, 10_000, change)


def test_both_paths_catch_the_same_one_bit_mutant_at_the_same_cycle_and_port() -> None:
    # the LFSR's reset value with its LSB flipped (16'hace1 -> 16'hace0): seen right after
    # the initial reset, so both paths must name the same cycle, port and values
    reset_value = _one_bit("lfsr", "default", "\\$5  = 16'hace1;", "\\$5  = 16'hace0;")
    result = _both(reset_value, (1,), 50)
    assert result.status == "killed"
    assert result.message.startswith("cycle 0: port 'state' RTL=44256 model=44257")
    # the same flip in the power-on value only: seen before the first edge
    power_on = _one_bit("lfsr", "default", "state = 16'hace1;", "state = 16'hace0;")
    result = _both(power_on, (1,), 50)
    assert result.message == "power-on: port 'state' RTL=44256 model=44257"


def test_both_paths_agree_on_a_sample_with_a_survivor() -> None:
    # the clamp value of lif's default set is never stored (docs/mutation.md: equivalent,
    # proved by the solver): both paths run it to the end and let it survive
    clamp = _one_bit("lif", "default", "12'h7ff", "12'h7fe")
    assert _both(clamp, (1,), 300).status == "survived"
    mutants, _, _ = block_mutants("stream_counter", seed=0)
    for m in (mutants[len(mutants) // 2], mutants[-1]):
        assert _both(m, (1, 2), 300).status == "killed"


def _own_verilog_passes(block: str, folder: Path, sets: int) -> None:
    for params in [dict(get_block(block).default_params), params_for(block, 0)][:sets]:
        status, seeds, message = run_verilog(
            _verilog(block, params), block, params, (1,), 200, folder
        )
        assert (status, message) == ("survived", ""), f"{block} {json.dumps(params)}: {message}"


@pytest.mark.parametrize("block", ["stp_unit", "learning_core"])
def test_the_replay_bench_passes_its_blocks_own_verilog(block: str, tmp_path: Path) -> None:
    """The recording is right: the unmutated Verilog matches it on every row. ``stp_unit``
    has a port named like a Verilog keyword (``release``), ``learning_core`` wide ports;
    every block and both sets: the ``long`` test below (about 40 s)."""
    _own_verilog_passes(block, tmp_path, 1)


@pytest.mark.long
@pytest.mark.parametrize("block", sorted(all_blocks()))
def test_the_replay_bench_passes_every_blocks_own_verilog(block: str, tmp_path: Path) -> None:
    _own_verilog_passes(block, tmp_path, 2)


def test_an_x_on_an_output_is_a_mismatch(tmp_path: Path) -> None:
    params = dict(get_block("lfsr").default_params)
    text = _verilog("lfsr", params).replace("16'hace1;", "16'hxxxx;")  # power-on and reset
    status, seeds, message = run_verilog(text, "lfsr", params, (1,), 20, tmp_path)
    assert status == "killed"
    assert message.startswith("power-on: port 'state' RTL=unresolved value xxxx")


def test_the_recording_draws_the_cocotb_benchs_stimulus() -> None:
    rec = record("lfsr", dict(get_block("lfsr").default_params), 1, 100)
    assert rec.expected[0] == rec.expected[1]  # power-on value = value after the reset
    assert len(rec.expected) == 101 and rec.stim_file.read_text().count("\n") == 101
    first = int(rec.stim_file.read_text().splitlines()[0], 16)
    assert first == 1 << (1 + 1 + 1 + 16 - 1)  # rst high, inputs 0 at power-on ({rst, ...})


def test_a_bad_shard_pair_is_refused_by_mutate_block() -> None:
    with pytest.raises(ValueError, match=r"shard must be a pair \(I, N\) .* not \(2, 2\)"):
        mutate_block("lfsr", limit=1, shard=(2, 2))


@pytest.mark.parametrize("text", ["1", "2/2", "-1/3", "a/b", "1/0", "0/1/2", ""])
def test_a_bad_shard_names_the_option(text: str) -> None:
    with pytest.raises(ValueError, match=f"--shard must be I/N .* not {text!r}"):
        parse_shard(text)


def test_shards_partition_a_run_and_a_results_file_resumes_it(tmp_path: Path) -> None:
    results = tmp_path / "r.jsonl"
    common = {"limit": 6, "seed": 0, "n_seeds": 1, "cycles": 200, "prove": False}
    ran: list[str] = []
    a = mutate_block("lfsr", shard=(0, 2), results_file=results, **common)
    b = mutate_block("lfsr", shard=(1, 2), results_file=results, **common)
    names = [r.mutant.describe() for r in a.results + b.results]
    assert len(a.results) == len(b.results) == 3 and len(set(names)) == 6
    assert len(read_results(results)) == 6
    # a line cut off by a stopped run is ignored (its mutant runs again), not an error
    with open(results, "a") as fh:
        fh.write('{"block": "lfsr", "set": "defa')
    assert len(read_results(results)) == 6
    cut = tmp_path / "cut.jsonl"  # and the next record replaces the cut-off line
    cut.write_text(results.read_text())
    append_result(cut, json.loads(results.read_text().splitlines()[0]) | {"index": 99})
    assert len(read_results(cut)) == 7
    # a rerun without a shard takes all six from the file and runs nothing
    again = mutate_block("lfsr", results_file=results, progress=ran.append, **common)
    assert ran == [] and again.killed == 6 and again.missing == 0
    assert table_row(again).startswith("| lfsr | 6 | 2 / not run | 6 | 0 | 0 | 0 | 100.0 % |")
    # a summary of shard 0's file alone: three recorded, three not run yet
    half = tmp_path / "half.jsonl"
    half.write_text("".join(line + "\n" for line in results.read_text().splitlines()[:3]))
    summary = mutate_block("lfsr", results_file=half, run=False, **common)
    assert (len(summary.results), summary.missing) == (3, 3)
    assert table_row(summary).startswith("| lfsr (3 not run yet) | 3 |")


def test_a_later_run_with_the_solver_only_proves_the_recorded_survivors(tmp_path: Path) -> None:
    """Two passes: --no-prove records co-simulation verdicts, --prove adds the solver's."""
    results = tmp_path / "r.jsonl"
    common = {"limit": 1, "seed": 0, "n_seeds": 1, "cycles": 100, "results_file": results}
    mutate_block("lfsr", prove=False, **common)
    (rec,) = [json.loads(line) for line in results.read_text().splitlines()]
    assert rec["status"] == "killed" and rec["proved"] is False
    # pretend the co-simulation had let it survive: the solver alone judges it now
    results.write_text(json.dumps({**rec, "status": "survived", "message": ""}) + "\n")
    ran: list[str] = []
    report = mutate_block("lfsr", prove=True, progress=ran.append, **common)
    assert ran == []  # no co-simulation
    (result,) = report.results
    assert result.status == "survived" and result.message.startswith("solver:")  # refuted
    last = json.loads(results.read_text().splitlines()[-1])
    assert (last["status"], last["proved"]) == ("survived", True)
