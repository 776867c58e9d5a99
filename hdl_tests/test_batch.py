"""Batch co-simulation (:mod:`sc_cosim.batch`): Verilator, whole stimulus in, outputs out.

The packing tests compare with Python integers built bit by bit. The block
tests run the generated Verilog of ``lif``, ``sc_layer`` and the learning
core at their default parameters, ``sc_layer_tm`` at tick level over many
runs, the learning core at its largest iCE40 size (64 x 128, 100 ticks) and
under R-STDP with a reward (each Verilator
build is cached by hash in ``build/batch/``: ~10-40 s the first time on the
2-core machine, nothing after). The mutant tests take one one-bit mutant of
``lif`` (its threshold constant 2000 -> 2001: only an exact hit of the
threshold tells them apart) and one of the learning core (the sign bit of
one lane's stochastic-rounding comparison), and require both the cocotb
bench (as the mutation check runs it) and the batch path to fail on each,
and the unmutated design to pass the same batch run.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from sc_cosim import batch
from sc_cosim.batch_blocks import (
    LAYER_TM_STROBES,
    LEARNING_STROBES,
    layer_tm_plan,
    learning_core_ice40,
    learning_core_plan,
)
from sc_cosim.batch_sim import Port, as_int, build, pack_array, render_main, unpack_array
from sc_cosim.blocks import get_block
from sc_cosim.harness import params_for, verilator_available
from sc_cosim.mutation import (
    DEFAULT_CYCLES,
    DEFAULT_SEEDS,
    block_mutants,
    compile_error,
    run_mutant,
    sample,
)
from sc_model.learning_core import LearningCore, LearningCoreConfig
from sc_model.sc_layer_tm import SCLayerTMConfig

CONFIGS = Path(__file__).resolve().parents[1] / "configs"

needs_verilator = pytest.mark.skipif(not verilator_available(), reason="verilator not on PATH")


@pytest.mark.parametrize("width, n_fields", [(1, 16), (1, 72), (8, 4), (6, 64), (9, 8), (13, 5)])
def test_pack_unpack_match_python_ints(width: int, n_fields: int) -> None:
    rng = np.random.default_rng([width, n_fields])
    values = rng.integers(0, 1 << width, (7, n_fields))
    port = Port("p", width * n_fields)
    packed = pack_array(values, width, port)
    for row, raw in zip(values, packed, strict=True):
        want = sum(int(v) << (k * width) for k, v in enumerate(row))
        assert as_int(raw) == want
    assert np.array_equal(unpack_array(packed, width, n_fields, port), values)


def test_port_layout_and_rendered_main() -> None:
    ports = [Port("a", 1), Port("b", 12), Port("c", 33), Port("d", 72)]
    assert [p.nbytes for p in ports] == [1, 2, 8, 12]
    assert ports[3].words == 3
    main = render_main("sc_x", ports[:2], ports[2:], ("c",))
    assert "Vsc_x top(&ctx);" in main and "|| top.c" in main
    assert "static const size_t IN_BYTES = 11;" in main  # 8 header + 1 + 2
    assert "static const size_t OUT_BYTES = 28;" in main  # 8 cycle + 8 + 12
    with pytest.raises(ValueError, match="strobe 'd'"):
        render_main("sc_x", ports[:2], ports[2:], ("d",))


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ValueError, match="block must be one of"):
        batch.run_cycle_level("sng")
    with pytest.raises(ValueError, match="cycles"):
        batch.run_cycle_level("lif", cycles=0)


@needs_verilator
@pytest.mark.parametrize("block, runs, cycles", [("lif", 40, 2000), ("sc_layer", 20, 1000)])
def test_cycle_level_default_params(block: str, runs: int, cycles: int) -> None:
    result = batch.run_cycle_level(block, seed=1, batch=runs, cycles=cycles)
    assert result.passed, result.report()
    assert result.compared == runs * cycles
    assert result.cycles == runs * (cycles + 1)


@needs_verilator
def test_learning_core_ticks_with_learning_on() -> None:
    result = batch.run_learning_core(seed=1, ticks=40)
    assert result.passed, result.report()
    c = LearningCoreConfig(**result.params)
    reads = c.words + 2 * c.n_neurons + c.chunks + 2  # the host readout (below)
    # the reset cycle, one host write per threshold, 40 ticks, the readout
    assert result.cycles == 1 + c.n_neurons + 40 * c.tick_cycles + reads + 3
    # recorded every tick (contract schedule): the tick start k = 0, the word writes
    # k = 6 .. M C + 5 and the neuron updates k = (m + 1) C + 7 (some coincide)
    ks = {0} | set(range(6, 6 + c.words)) | {(m + 1) * c.chunks + 7 for m in range(c.n_neurons)}
    # then the host readout: every word of spaces 0-3, one address past the thresholds,
    # reserved space 5, and the read latency
    assert result.compared == 40 * len(ks) + reads + 3
    # learning is on in these parameters: under random input the weights do move
    rng = np.random.default_rng(1)
    run = LearningCore(c).run(rng.random((40, c.n_inputs)) < 0.5)
    assert not np.array_equal(run.weights[0], run.weights[-1])


@needs_verilator
def test_learning_core_with_registered_host_access() -> None:
    """``host_access="registered"``: the threshold writes need one more cycle (the last
    one's perform cycle, the core held at ``k = 0``), the readout's words come 4 cycles
    after their acks with ``in_ready`` low while reads are performed; every tick, weight
    and word still equal to the tick model."""
    params = {**get_block("learning_core").default_params, "host_access": "registered"}
    result = batch.run_learning_core(params, seed=2, ticks=20)
    assert result.passed, result.report()
    c = LearningCoreConfig(**result.params)
    reads = c.words + 2 * c.n_neurons + c.chunks + 2
    assert result.cycles == 1 + c.n_neurons + 1 + 20 * c.tick_cycles + reads + 4


def test_ice40_learning_core_is_the_kept_up5k_config() -> None:
    """``--ice40`` runs ``configs/learning_core_up5k_ebr.json`` (its weights drawn apart:
    the file has none) and learning is on in it."""
    kept = json.loads((CONFIGS / "learning_core_up5k_ebr.json").read_text())
    params = learning_core_ice40()
    assert {k: params[k] for k in kept} == kept
    assert set(params) - set(kept) == {"weights"}
    c = LearningCoreConfig(**params)
    assert c.n_inputs * c.n_neurons == 8192 and c.a_plus > 0 and c.a_minus > 0
    assert c.rounding == "stochastic"


@needs_verilator
def test_learning_core_largest_ice40_100_ticks() -> None:
    """64 x 128 (1,032 cycles a tick), 100 ticks with STDP and stochastic rounding:
    spikes and membranes every tick, every weight word every tick (the last pass
    included), in about a second once built."""
    params = learning_core_ice40()
    result = batch.run_learning_core(params, seed=0, ticks=100)
    assert result.passed, result.report()
    c = LearningCoreConfig(**params)
    # reset, 128 threshold writes, the ticks, then 1,024 + 128 + 128 + 8 + 1 + 1 host
    # reads and 3 cycles of read latency
    assert result.cycles == 1 + 128 + 100 * c.tick_cycles + 1290 + 3 == 104_622
    # per tick: k = 0, the 1,024 word writes k = 6 .. 1029 and the last neuron at k = 1031
    assert result.compared == 100 * 1026 + 1293
    # what was compared has neurons firing and weights moving (the same plan, in the model)
    sim_like = build("learning_core", params, None, LEARNING_STROBES)
    plan = learning_core_plan(sim_like, params, np.random.default_rng([0, 0]), 100)
    run = LearningCore(LearningCoreConfig(**plan.params(params))).run(plan.inputs)
    assert run.spikes.sum() > 100, run.spikes.sum()
    moved = run.weights[-1] != run.weights[0]
    assert moved.mean() > 0.5, moved.mean()


@needs_verilator
def test_learning_core_rstdp_with_reward() -> None:
    """The board's R-STDP core (configs/board_learning_core_rstdp.json, random initial
    weights in [0, 63]: the file has none), 100 ticks with a random reward strobed in
    30 % of the ticks; the reward does change the weights."""
    params = json.loads((CONFIGS / "board_learning_core_rstdp.json").read_text())
    params["weights"] = np.random.default_rng(3).integers(0, 64, (4, 8)).tolist()
    result = batch.run_learning_core(params, seed=0, ticks=100)
    assert result.passed, result.report()
    sim_like = build("learning_core", params, None, LEARNING_STROBES)
    plan = learning_core_plan(sim_like, params, np.random.default_rng([0, 0]), 100)
    c = LearningCoreConfig(**plan.params(params))
    assert plan.reward_strobe.sum() > 10 and plan.reward.min() < 0 < plan.reward.max()
    with_reward = LearningCore(c).run(plan.inputs, None, plan.reward, plan.reward_strobe)
    without = LearningCore(c).run(plan.inputs)
    assert not np.array_equal(with_reward.weights[-1], without.weights[-1])


@needs_verilator
def test_layer_tm_ticks_over_many_runs() -> None:
    """sc_layer_tm at its default parameters: 40 runs x 30 ticks from reset, en low for
    1-3 cycles in 30 % of the ticks; every tick's k = 0 row and its out_valid rows
    (disabled ones included) compared with SCLayerTM.run (runs as its batch)."""
    result = batch.run_layer_tm(seed=1, batch=40, ticks=30)
    assert result.passed, result.report()
    c = SCLayerTMConfig(**result.params)
    sim_like = build("sc_layer_tm", result.params, None, LAYER_TM_STROBES)
    plan = layer_tm_plan(sim_like, result.params, np.random.default_rng([1, 0]), 40, 30)
    assert 40 * 30 * 0.3 < plan.disabled < 40 * 30 * 0.3 * 3  # about 30 % of ticks, 1-3 each
    assert result.cycles == 40 * (1 + 30 * c.tick_cycles) + plan.disabled
    # k = 0 and the M out_valid cycles of every tick, plus disabled cycles during out_valid
    assert 40 * 30 * (1 + c.n_neurons) < result.compared < 40 * 30 * (1 + c.n_neurons) + 360


def _threshold_mutant():
    mutants, _, _ = block_mutants("lif")
    found = [
        m for m in mutants if m.label == "default" and m.change.diff().endswith("$signed(12'h7d1);")
    ]
    assert len(found) == 1, [m.describe() for m in found]
    return found[0]


@needs_verilator
def test_one_bit_mutant_fails_both_paths() -> None:
    mutant = _threshold_mutant()
    text = mutant.text()
    result = batch.run_cycle_level(
        "lif", mutant.params, seed=0, batch=20, cycles=2000, verilog_text=text
    )
    assert not result.passed, result.report()
    assert result.message.startswith(("v:", "spike:", "refractory_count:")), result.message
    original = batch.run_cycle_level("lif", mutant.params, seed=0, batch=20, cycles=2000)
    assert original.passed, original.report()
    # the cocotb bench as the mutation check runs it: seeds 1 .. 3, stop at the first kill
    cocotb = run_mutant(mutant, range(1, 1 + DEFAULT_SEEDS), DEFAULT_CYCLES, "icarus")
    assert cocotb.status == "killed", (cocotb.seeds, cocotb.message)


def _rounding_mutant():
    """Lane 0's stochastic rounding of the depression term compares ``{1, r}`` (negative,
    signed) instead of ``{0, r}``: that lane always rounds ``Q`` up."""
    mutants, _, _ = block_mutants("learning_core")
    compared = "state[5:0] }) < $signed({ 1'h0, py3[5:0] });"
    found = [
        m
        for m in mutants
        if m.label == "default"
        and m.change.original.endswith(f"$signed({{ 1'h0, {compared}")
        and m.change.mutated.endswith(f"$signed({{ 1'h1, {compared}")
    ]
    assert len(found) == 1, [m.describe() for m in found]
    return found[0]


@needs_verilator
def test_one_bit_learning_core_mutant_fails_both_paths() -> None:
    mutant = _rounding_mutant()
    text = mutant.text()
    result = batch.run_learning_core(mutant.params, seed=0, ticks=40, verilog_text=text)
    assert not result.passed, result.report()
    # the first difference is a weight word written by the plasticity pass
    assert result.message.startswith("upd_data in tick "), result.message
    original = batch.run_learning_core(mutant.params, seed=0, ticks=40)
    assert original.passed, original.report()
    cocotb = run_mutant(mutant, range(1, 1 + DEFAULT_SEEDS), DEFAULT_CYCLES, "icarus")
    assert cocotb.status == "killed", (cocotb.seeds, cocotb.message)


@needs_verilator
@pytest.mark.long
def test_learning_core_mutants_fail_the_tick_level_check() -> None:
    """A sample of 4 mutants of the default learning core (one Verilator build each,
    ~40 s): the tick-level comparison (host readout included) must kill every one that
    compiles and that the cocotb bench kills (as the mutation check runs it). A mutant
    neither kills is the mutation check's to judge: in this sample #1203, the positive
    saturation constant of the membrane (8'h7f -> 8'h7e), which no reachable state
    selects (a total above V_MAX always fires, thresholds being at most V_MAX)."""
    mutants, _, _ = block_mutants("learning_core")
    live = [m for m in mutants if m.label == "default"]
    missed, both = [], []
    for mutant in sample(live, 4, seed=5):
        text = mutant.text()
        if compile_error(text, "sc_learning_core"):
            continue
        result = batch.run_learning_core(mutant.params, seed=0, ticks=40, verilog_text=text)
        if result.passed:
            cocotb = run_mutant(mutant, range(1, 1 + DEFAULT_SEEDS), DEFAULT_CYCLES, "icarus")
            (missed if cocotb.status == "killed" else both).append(mutant.describe())
    assert not missed, f"killed by cocotb, not by the batch path: {missed}"
    assert len(both) <= 1, f"survive both paths: {both}"


@needs_verilator
@pytest.mark.long
def test_layer_tm_mutants_fail_the_tick_level_check() -> None:
    """A sample of 4 mutants of the default sc_layer_tm (one Verilator build each,
    ~20 s): the tick-level comparison over 40 runs x 30 ticks must kill every one that
    compiles."""
    mutants, _, _ = block_mutants("sc_layer_tm")
    live = [m for m in mutants if m.label == "default"]
    survivors = []
    for mutant in sample(live, 4, seed=5):
        text = mutant.text()
        if compile_error(text, "sc_sc_layer_tm"):
            continue
        result = batch.run_layer_tm(mutant.params, seed=0, batch=40, ticks=30, verilog_text=text)
        if result.passed:
            survivors.append(mutant.describe())
    assert not survivors, survivors


@needs_verilator
@pytest.mark.long
@pytest.mark.parametrize("block", ["lif", "sc_layer", "synapses"])
@pytest.mark.parametrize("seed", [1, 2, 5])
def test_cycle_level_random_params(block: str, seed: int) -> None:
    """The harness's random parameter set ``seed`` (every mode over the sets; one
    Verilator build each)."""
    result = batch.run_cycle_level(block, params_for(block, seed), seed=seed, batch=50, cycles=1000)
    assert result.passed, result.report()
