"""The power-on phase of the stimulus checks every initial weight (issue 15).

A wrong initial weight word used to survive the co-simulation: random writes
overwrite the initial words early, and the RAM of ``sc_layer_tm`` keeps its
words through ``rst``. The stimulus of ``synapses``, ``sc_layer`` and
``sc_layer_tm`` now starts with a phase without writes or resets
(:mod:`sc_cosim.power_on`). Here: model runs show that flipping bit 0 or
bit 1 (the issue's ``241 -> 243``) of any weight of the default sets changes
a compared output within that phase; the random sets' weights meet their LSB
flip's random number in it; the co-simulation of the default set kills such
mutants of the generated Verilog (the issue's ``sc_layer_tm`` mutant and the
``synapses`` and ``sc_layer`` reset-value survivors of ``docs/mutation.md``);
and the bench's power-on comparison kills a changed power-on value. The learning
core's phase is host reads of every power-on word before the first tick
(:func:`sc_cosim.blocks.learning_core.power_on_reads`): a flipped bit of any
memory word is seen on ``host_rdata``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from sc_cosim import power_on
from sc_cosim.blocks import get_block
from sc_cosim.harness import generate_verilog, params_for, run_cosim
from sc_model.sc_layer_tm import SCLayerTMConfig
from sc_model.synapses import SynapseConfig

BLOCKS = power_on.PHASE_BLOCKS


@pytest.mark.parametrize("bit", [0, 1])
@pytest.mark.parametrize("block", BLOCKS)
def test_flipping_bit_0_or_1_of_any_default_weight_changes_an_output_in_the_power_on_phase(
    block: str, bit: int
) -> None:
    params = get_block(block).default_params
    run, _, _ = power_on.phase_model(block, params)
    shown = power_on.flips_shown(params["weights"], run, bit)
    assert shown.all(), f"{block}: bit {bit} flips of {np.argwhere(~shown).tolist()} hidden"


def _flip_differs(
    p: SynapseConfig, randoms: np.ndarray, active: np.ndarray, w: int, j: int
) -> bool:
    """Does some phase step give weight ``w`` and its LSB flip different synapse bits?"""
    flip = (-1 if w < 0 else 1) * (abs(w) ^ 1)
    if p.synapse == "and":
        differs = (randoms[:, j] < abs(w)) != (randoms[:, j] < abs(flip))
        return bool((differs & (active[:, j] == 1)).any())
    offset = 1 << p.weight_width
    return bool(((randoms[:, j] < w + offset) != (randoms[:, j] < flip + offset)).any())


@pytest.mark.parametrize("block", BLOCKS)
def test_random_sets_draw_every_weights_flip_boundary_while_its_input_is_active(
    block: str,
) -> None:
    """The necessary condition, by brute force over the phase, for the first 5 cosim sets:
    every weight's flip changes its synapse bit in some phase step, unless no magnitude of
    its sign would."""
    for seed in range(2026, 2031):
        params = params_for(block, seed)
        _, p, inputs = power_on.phase_model(block, params)
        _, randoms, active = power_on.synapse_phase(p, len(inputs))
        top = (1 << p.weight_width) - 1
        for (m, j), w in np.ndenumerate(np.array(params["weights"])):
            if _flip_differs(p, randoms, active, int(w), j):
                continue
            sign = -1 if w < 0 else 1
            some = [a for a in range(top + 1) if _flip_differs(p, randoms, active, sign * a, j)]
            assert not some, f"{block} set {seed}: weight ({m}, {j}) = {w}; {some} would show"


def tm_word_mutant(params: dict, neuron: int, inp: int, bit: int) -> tuple[str, str]:
    """The generated Verilog of ``sc_layer_tm`` with one bit of one initial weight flipped.

    ``bit`` counts within the weight's lane field (0 = magnitude LSB).
    Returns ``(text, description)``.
    """
    c = SCLayerTMConfig(**params)
    text = generate_verilog("sc_layer_tm", params)
    word = neuron * c.chunks + inp // c.lanes
    lane = inp % c.lanes
    value = c.weight_words()[word]
    hexw = f"{c.word_width}'h{value:0{-(-c.word_width // 4)}x}"
    pattern = re.compile(rf"(\w+)\[{word}\] = {re.escape(hexw)};")
    assert len(pattern.findall(text)) == 1, f"word {word} ({hexw}) not found once"
    new = value ^ (1 << (lane * (c.weight_width + 1) + bit))
    new_hex = f"{c.word_width}'h{new:0{-(-c.word_width // 4)}x}"
    mutated = pattern.sub(lambda mo: f"{mo.group(1)}[{word}] = {new_hex};", text)
    w = c.weights[neuron][inp]  # type: ignore[index]
    return mutated, f"weight ({neuron}, {inp}) = {w}: word {word} {hexw} -> {new_hex}"


def register_mutant(block: str, params: dict, neuron: int, inp: int) -> tuple[str, str]:
    """``synapses``/``sc_layer`` Verilog with the LSB of one weight's magnitude flipped in
    its power-on value and its reset value (what a different ``weights`` entry gives)."""
    text = generate_verilog(block, params)
    wb = params["weight_width"]
    mag = abs(params["weights"][neuron][inp])
    old = f"{wb}'h{mag:0{-(-wb // 4)}x}"
    new = f"{wb}'h{mag ^ 1:0{-(-wb // 4)}x}"
    decl = re.compile(rf"(reg \[{wb - 1}:0\] w_mag_{neuron}_{inp} = ){re.escape(old)};")
    assert len(decl.findall(text)) == 1
    text = decl.sub(lambda mo: mo.group(1) + new + ";", text)
    # the reset value: `if (rst) \$N <= ...` is written by Yosys as `\$N = <literal>;` in the
    # process that computes the register's next value; find the one that feeds w_mag_n_i
    reg = re.search(rf"w_mag_{neuron}_{inp} <= (\\\$\d+) ;", text)
    assert reg is not None
    name = re.escape(reg.group(1))
    resets = re.findall(rf"{name}\s+= {re.escape(old)};", text)
    assert len(resets) == 1, resets
    text = re.sub(rf"({name}\s+= ){re.escape(old)};", lambda mo: mo.group(1) + new + ";", text)
    return text, f"weight ({neuron}, {inp}) = {params['weights'][neuron][inp]}: {old} -> {new}"


MUTANTS = [
    # the mutant: sc_layer_tm neuron 2, input 2, at the new default weight
    # (its 241 -> 243 flips bit 1; the default weight is 212 now)
    ("sc_layer_tm", lambda p: tm_word_mutant(p, 2, 2, 1)),
    # docs/mutation.md's survivors: synapses weight (1, 5) = -174, sc_layer (2, 14) = -23
    ("synapses", lambda p: register_mutant("synapses", p, 1, 5)),
    ("sc_layer", lambda p: register_mutant("sc_layer", p, 2, 14)),
]


@pytest.mark.cosim
@pytest.mark.parametrize(("block", "make"), MUTANTS, ids=[b for b, _ in MUTANTS])
def test_default_cosim_kills_a_changed_initial_weight_in_the_power_on_phase(
    block: str, make: Callable, tmp_path: Path
) -> None:
    spec = get_block(block)
    params = spec.default_params
    text, what = make(params)
    path = tmp_path / f"{spec.toplevel}.v"
    path.write_text(text)
    result = run_cosim(block, params, seed=1, cycles=2000, verilog_path=path)
    assert not result.passed, f"{block} mutant {what} survived 2000 cycles"
    cycle = int(re.match(r"cycle (\d+)", result.message).group(1))  # type: ignore[union-attr]
    assert cycle < spec.quiet_cycles(params, 2000), f"killed at {cycle}, after the phase"
    print(f"{block}: {what} killed at cycle {cycle}")


@pytest.mark.cosim
def test_a_power_on_value_that_differs_from_the_reset_value_is_killed_before_the_reset(
    tmp_path: Path,
) -> None:
    """The bench compares the outputs before the initial reset: a register whose
    declaration initialiser (power-on value) differs from its reset value is seen at
    power-on, although the initial reset would hide it from every later cycle."""
    params = {"width": 16, "seed": 0xACE1}
    text = generate_verilog("lfsr", params)
    decl = "reg [15:0] state = 16'hace1;"
    assert text.count(decl) == 1 and "16'hace1" in text.replace(decl, "")  # reset value too
    path = tmp_path / "sc_lfsr.v"
    path.write_text(text.replace(decl, "reg [15:0] state = 16'hace0;"))
    result = run_cosim("lfsr", params, seed=1, cycles=50, verilog_path=path)
    assert not result.passed
    assert result.message.startswith("power-on: port"), result.message


# --- learning core: the host reads every power-on word before the first tick ---------


def _learning_core_init_mutants(memory: str | None = None) -> list:
    """The ``init`` mutants (LSB of one power-on memory word flipped) of the default
    learning core, of every memory or of the one named ``memory``."""
    from sc_cosim.mutation import init_word_mutants

    text = generate_verilog("learning_core", get_block("learning_core").default_params)
    mutants = init_word_mutants(text)
    memories = {m.original.split("[")[0] for m in mutants}
    # every memory of the core holds power-on words: weights, thresholds, state, pre traces
    assert memories == {"weight_mem_0", "threshold_mem", "state_mem", "pre_trace_mem"}, memories
    return [m for m in mutants if memory is None or m.original.startswith(memory + "[")]


def _killed_by_a_power_on_read(mutant, tmp_path: Path) -> None:
    spec = get_block("learning_core")
    params = spec.default_params
    path = tmp_path / f"{spec.toplevel}.v"
    path.write_text(mutant.apply(generate_verilog("learning_core", params)))
    result = run_cosim("learning_core", params, seed=1, cycles=100, verilog_path=path)
    what = f"{mutant.description}: {mutant.original} -> {mutant.mutated}"
    assert not result.passed, f"survived: {what}"
    found = re.match(r"cycle (\d+): port 'host_rdata'", result.message)
    assert found is not None, f"{what}: killed by {result.message!r}, not by a power-on read"
    assert int(found.group(1)) < spec.quiet_cycles(params, 100), f"{what}: after the phase"


@pytest.mark.cosim
@pytest.mark.parametrize("memory", ["weight_mem_0", "threshold_mem", "state_mem", "pre_trace_mem"])
def test_learning_core_power_on_reads_kill_a_flipped_word_of_each_memory(
    memory: str, tmp_path: Path
) -> None:
    """The last word of each memory (the full list: the ``long`` test below)."""
    _killed_by_a_power_on_read(_learning_core_init_mutants(memory)[-1], tmp_path)


@pytest.mark.long
def test_learning_core_power_on_reads_kill_every_flipped_power_on_word(tmp_path: Path) -> None:
    for mutant in _learning_core_init_mutants():
        _killed_by_a_power_on_read(mutant, tmp_path)
