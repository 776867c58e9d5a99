"""The learning core with its weights in two parity banks (``weight_ram="spram"``).

The model side of the SPRAM structure (docs/learning_core.md, "Weights in
SPRAM"): the pass writes each word seven cycles after its read (an odd
latency), so the read and the write of every cycle hit different parity banks;
the tick model is that of ``"ebr"``; the configuration checks. The RTL equals
the cycle twin in the learning_core co-simulation (its random parameter sets
include this option); the synthesis flow's SPRAM commands are in
tests/test_synth.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from core_outputs import check_presented

from sc_model.learning_core import (
    HOST_READ_LATENCY,
    PASS_LATENCY_SPRAM,
    LearningCore,
    LearningCoreConfig,
    LearningCoreCycle,
    learning_core_params,
)

REPO = Path(__file__).resolve().parents[1]


def _spram_config(rng: np.random.Generator, **over: object) -> LearningCoreConfig:
    """A small random STDP core with parity banks (weights 0, word <= 32 bits)."""
    n = int(rng.integers(1, 11))
    m = int(rng.integers(1, 5))
    wb = int(rng.integers(2, 8))
    lanes = int(rng.integers(1, min(n, 32 // (wb + 1)) + 1))
    tb = int(rng.integers(2, 9))
    params: dict[str, object] = dict(
        n_inputs=n,
        n_neurons=m,
        lanes=lanes,
        weight_width=wb,
        thresholds=rng.integers(1, n + 2, m).tolist(),
        synapse=str(rng.choice(["and", "xnor"])),
        width=int(rng.integers(8, 17)),
        trace_width=tb,
        decay_shift=int(rng.integers(1, tb + 1)),
        a_plus=int(rng.integers(0, 60)),
        a_minus=int(rng.integers(0, 60)),
        update_shift=int(rng.integers(1, 8)),
        rounding=str(rng.choice(["floor", "stochastic"])),
        w_min=-int(rng.integers(0, 1 << wb)),
        w_max=int(rng.integers(0, 1 << wb)),
        weight_ram="spram",
    )
    params.update(over)
    return LearningCoreConfig(**params)  # type: ignore[arg-type]


def _load(cyc: LearningCoreCycle, image: np.ndarray) -> None:
    """The host writes ``image`` (M x N) word by word with en low at k = 0."""
    c = cyc.config
    ebr = LearningCoreConfig(**{**learning_core_params(c), "weight_ram": "ebr"})
    words = LearningCoreConfig(
        **{**learning_core_params(ebr), "weights": image.tolist()}
    ).weight_words()
    zeros = np.zeros(c.n_inputs, np.uint8)
    for addr, word in enumerate(words):
        o = cyc.step(zeros, 0, host_req=1, host_we=1, host_space=0, host_addr=addr, host_wdata=word)
        assert o.host_ack == 1


def test_each_word_is_written_seven_cycles_after_its_read_in_the_other_bank() -> None:
    c = LearningCoreConfig(
        n_inputs=5, n_neurons=3, lanes=2, thresholds=[2, 2, 2], weight_ram="spram"
    )
    assert c.pass_latency == PASS_LATENCY_SPRAM == 7
    cyc = LearningCoreCycle(c)
    x = np.ones(5, np.uint8)
    for _ in range(3):
        writes, reads = [], []
        for k in range(c.tick_cycles):
            o = cyc.step(x)
            read, write = cyc.weight_access
            if o.upd_en:
                writes.append((k, o.upd_addr))
                assert write == o.upd_addr
            if read is not None:
                reads.append((k, read))
            if None not in (read, write):
                assert (read - write) % 2 == 1, (k, read, write)  # type: ignore[operator]
        assert reads == [(a, a) for a in range(c.words)]
        assert writes == [(a + 7, a) for a in range(c.words)]
        assert writes[-1][0] == c.tick_cycles - 2  # the host's cycle T - 1 stays free


def test_the_cycle_twin_refuses_a_read_and_a_write_of_one_bank() -> None:
    """The check every cycle runs (so the co-simulation's twin would stop on a clash)."""
    spram = LearningCoreCycle(
        LearningCoreConfig(n_inputs=4, n_neurons=2, lanes=2, thresholds=[1, 1], weight_ram="spram")
    )
    with pytest.raises(AssertionError, match="word 2 read and word 4 written in one SPRAM bank"):
        spram._check_banks(2, 4)
    spram._check_banks(2, 5)
    spram._check_banks(None, 4)
    ebr = LearningCoreCycle(LearningCoreConfig(n_inputs=4, n_neurons=2, thresholds=[1, 1]))
    ebr._check_banks(2, 4)  # two ports: no constraint


@pytest.mark.parametrize("seed", range(6))
def test_spram_cycle_twin_equals_the_tick_model_from_a_loaded_image(seed: int) -> None:
    """Image over the host port, random en and host reads while running: every spike,
    membrane and the weights at every tick start equal the tick model; no bank clash."""
    rng = np.random.default_rng([11, seed])
    c = _spram_config(rng)
    image = rng.integers(c.w_min, c.w_max + 1, (c.n_neurons, c.n_inputs))
    cyc = LearningCoreCycle(c)
    _load(cyc, image)
    ticks = 8
    x = (rng.random((ticks, c.n_inputs)) < 0.5).astype(np.uint8)
    run = LearningCore(c).run(x, weights=image)
    for t in range(ticks):
        assert np.array_equal(cyc.weights[:, : c.n_inputs], run.weights[t]), f"seed {seed} t {t}"
        k = seen = 0
        while k < c.tick_cycles:
            en = int(rng.random() < 0.85)
            o = cyc.step(x[t], en, host_req=int(rng.random() < 0.5), host_space=0)
            if en:
                seen += check_presented(o, run, t, f"seed {seed} t {t}")
            k += en
        assert seen == c.n_neurons


@pytest.mark.parametrize(
    ("over", "message"),
    [
        ({"weight_ram": "bram"}, "weight_ram must be one of"),
        (
            {"weights": [[0, 3]]},
            "weights must all be 0 with weight_ram='spram' (SPRAM has no power-on contents; "
            "load the image over the host port), not weights[0][1] = 3",
        ),
        (
            {"n_inputs": 256, "n_neurons": 128, "lanes": 2, "rule": "rstdp", "elig_width": 8},
            "needs 6 SB_SPRAM256KA for 16384 words of 18 bits and as many eligibility words "
            "of 16 bits (2 parity banks of 8192 words each",
        ),
        (
            {"n_inputs": 256, "n_neurons": 256, "lanes": 1, "rule": "rstdp", "elig_width": 8},
            "needs 8 SB_SPRAM256KA for 65536 words of 9 bits and as many eligibility words of "
            "8 bits (2 parity banks of 32768 words each, 16384 x 16 bits per block); the "
            "iCE40UP5K has 4: reduce lanes, weight_width, elig_width, n_inputs or n_neurons",
        ),
        (
            {"n_inputs": 2, "n_neurons": 1, "lanes": 1, "rule": "rstdp", "elig_width": 17},
            "needs 6 SB_SPRAM256KA for 2 words of 9 bits and as many eligibility words of 17",
        ),
        (
            {"n_inputs": 256, "n_neurons": 256, "lanes": 8, "thresholds": [1] * 256},
            "weight_ram='spram' needs 10 SB_SPRAM256KA for 8192 words of 72 bits",
        ),
        (
            {"n_inputs": 256, "n_neurons": 512, "lanes": 3, "thresholds": [1] * 512},
            "needs 8 SB_SPRAM256KA for 44032 words of 27 bits (2 parity banks of 22016 words",
        ),
    ],
)
def test_spram_errors_name_parameter_value_and_limit(over: dict, message: str) -> None:
    params = dict(n_inputs=2, n_neurons=1, thresholds=[1], weight_ram="spram") | over
    params["thresholds"] = [1] * params["n_neurons"]
    if "weights" not in over:
        params["weights"] = [[0] * params["n_inputs"]] * params["n_neurons"]
    with pytest.raises(ValueError) as err:
        LearningCoreConfig(**params)
    assert message in str(err.value)


def test_the_up5k_parameter_file_is_the_65536_synapse_spram_core() -> None:
    c = LearningCoreConfig(**json.loads((REPO / "configs/learning_core_up5k.json").read_text()))
    assert (c.n_inputs, c.n_neurons, c.lanes, c.weight_width, c.rule) == (256, 256, 3, 8, "stdp")
    assert (c.weight_ram, c.word_width, c.chunks, c.words) == ("spram", 27, 86, 22016)
    assert (c.bank_depth, c.spram_blocks, c.pass_latency) == (11008, 4, 7)
    assert (c.host_access, c.host_read_latency) == ("registered", 4)  # what closes 48 MHz
    assert c.tick_cycles == 22024 and 48e6 / c.tick_cycles > 2179
    ecp5 = json.loads((REPO / "configs/learning_core_ecp5.json").read_text())
    rule = ("trace_width", "a_plus", "a_minus", "update_shift", "rounding", "w_min", "w_max")
    assert {k: getattr(c, k) for k in rule} == {k: ecp5[k] for k in rule}


# --------------------------------------------------------------------------
# R-STDP: the eligibility memory in parity banks as well
# --------------------------------------------------------------------------


def _rstdp_spram_config(rng: np.random.Generator) -> LearningCoreConfig:
    """A small random R-STDP core with weight and eligibility parity banks (both words
    at most 16 bits: one SPRAM per bank, four in all), neurons that fire."""
    wb = int(rng.integers(2, 8))
    eb = int(rng.integers(3, 13))
    n = int(rng.integers(2, 11))
    lanes = int(rng.integers(1, min(n, 16 // (wb + 1), 16 // eb) + 1))
    tb = int(rng.integers(2, 9))
    m = int(rng.integers(1, 5))
    return _spram_config(
        rng,
        n_inputs=n,
        n_neurons=m,
        lanes=lanes,
        weight_width=wb,
        thresholds=rng.integers(1, 3, m).tolist(),
        synapse="and",
        trace_width=tb,
        decay_shift=int(rng.integers(1, tb + 1)),
        w_min=-int(rng.integers(0, 1 << wb)),
        w_max=int(rng.integers(1, 1 << wb)),
        rule="rstdp",
        elig_width=eb,
        elig_decay_shift=int(rng.integers(1, eb)),
        reward_width=int(rng.integers(2, 9)),
        reward_shift=int(rng.integers(0, 5)),
    )


def _elig_words(e: np.ndarray, c: LearningCoreConfig) -> list[int]:
    """The eligibility space's words of ``e`` (M x N): word ``m C + c``, lane ``l`` two's
    complement in bits ``[l eb, (l + 1) eb)``, padding lanes 0 (the contract's layout)."""
    eb, lanes = c.elig_width, c.lanes
    padded = np.zeros((c.n_neurons, c.chunks * lanes), np.int64)  # type: ignore[operator]
    padded[:, : c.n_inputs] = e
    words = []
    for row in padded.reshape(c.words, lanes):
        words.append(sum((int(v) & ((1 << eb) - 1)) << (lane * eb) for lane, v in enumerate(row)))
    return words


def _host_write_words(cyc: LearningCoreCycle, space: int, words: list[int]) -> None:
    """The host writes ``words`` to ``space`` from address 0, en low (k = 0)."""
    zeros = np.zeros(cyc.config.n_inputs, np.uint8)
    for addr, word in enumerate(words):
        o = cyc.step(zeros, 0, host_req=1, host_we=1, host_space=space, host_addr=addr,
                     host_wdata=word)  # fmt: skip
        assert o.host_ack == 1


def _host_read_words(cyc: LearningCoreCycle, space: int, depth: int) -> list[int]:
    """Every word of ``space`` read over the host port (en low at k = 0)."""
    zeros = np.zeros(cyc.config.n_inputs, np.uint8)
    got = []
    for i in range(depth + HOST_READ_LATENCY):
        o = cyc.step(zeros, 0, host_req=int(i < depth), host_space=space,
                     host_addr=min(i, depth - 1))  # fmt: skip
        if i >= HOST_READ_LATENCY:  # (the data of read i - 3; earlier: reads before these)
            assert o.host_rvalid == 1
            got.append(o.host_rdata)
    return got


def test_rstdp_eligibility_words_are_read_with_their_weight_word_and_written_in_the_other_bank():
    c = LearningCoreConfig(
        n_inputs=5, n_neurons=3, lanes=1, thresholds=[1, 1, 1], rule="rstdp", elig_width=8,
        a_plus=30, a_minus=20, weight_ram="spram",
    )  # fmt: skip
    assert c.spram_blocks == 4  # 9-bit weight word and 8-bit eligibility word: one block each
    cyc = LearningCoreCycle(c)
    _load(cyc, np.full((3, 5), 7))
    x = np.ones(5, np.uint8)
    for t in range(3):
        reads, writes = [], []
        for k in range(c.tick_cycles):
            o = cyc.step(x, reward=5, reward_strobe=1)
            read, write = cyc.elig_access
            assert (read, write if o.upd_en else None) == cyc.weight_access  # with its word
            if read is not None:
                reads.append((k, read))
            if write is not None:
                writes.append((k, write))
                assert read is None or (read - write) % 2 == 1, (t, k, read, write)
        assert reads == [(a, a) for a in range(c.words)]
        assert writes == [(a + 7, a) for a in range(c.words)]
    assert any(w != 0 for w in cyc.elig_words)  # (pairings happened: not a vacuous check)


def test_the_cycle_twin_refuses_an_eligibility_read_and_write_of_one_bank() -> None:
    cyc = LearningCoreCycle(
        LearningCoreConfig(n_inputs=4, n_neurons=2, thresholds=[1, 1], rule="rstdp",
                           lanes=1, weight_ram="spram")
    )  # fmt: skip
    with pytest.raises(AssertionError, match="eligibility word 3 read and word 5 written"):
        cyc._check_banks(3, 5, "eligibility")
    cyc._check_banks(3, 4, "eligibility")
    assert cyc.elig_access == (3, 4) and cyc.weight_access == (None, None)


@pytest.mark.parametrize("seed", range(6))
def test_rstdp_spram_cycle_twin_equals_the_tick_model_from_images_loaded_over_the_port(
    seed: int,
) -> None:
    """Weights loaded before tick 0, a random eligibility image after tick 0 (the first
    pass rewrites every eligibility word), both over the host port; then ticks with
    random en, host reads of both spaces and strobed rewards: spikes, membranes, every
    weight and every eligibility word at every tick start equal the tick model; reading
    the banks back over the port at the end gives the same words; no bank clash."""
    rng = np.random.default_rng([12, seed])
    c = _rstdp_spram_config(rng)
    image = rng.integers(0, c.w_max + 1, (c.n_neurons, c.n_inputs))  # (excitatory: fires)
    elig = rng.integers(-c.elig_max, c.elig_max + 1, (c.n_neurons, c.n_inputs))
    ticks = 10
    x = (rng.random((ticks, c.n_inputs)) < 0.5).astype(np.uint8)
    rew = rng.integers(-(1 << (c.reward_width - 1)), 1 << (c.reward_width - 1), ticks)
    stb = (rng.random(ticks) < 0.5).astype(np.int64)
    cyc = LearningCoreCycle(c)
    _load(cyc, image)
    core = LearningCore(c)
    core.reset()
    core.set_weights(image)
    fired = 0
    for t in range(ticks):
        if t == 1:
            _host_write_words(cyc, 4, _elig_words(elig, c))
            core.set_eligibility(elig)
        where = f"seed {seed} t {t}"
        assert np.array_equal(cyc.weights[:, : c.n_inputs], core.weights), where
        if t >= 1:
            assert cyc.elig_words == core.host_words()[4], where
        spikes, v = core.step(x[t], int(rew[t]), int(stb[t]))
        fired += int(spikes.sum())
        k = seen = 0
        while k < c.tick_cycles:
            en = int(rng.random() < 0.85)
            o = cyc.step(x[t], en, host_req=int(rng.random() < 0.5),
                         host_space=int(rng.choice([0, 4])),
                         host_addr=int(rng.integers(0, c.words)),
                         reward=int(rew[t]), reward_strobe=int(stb[t]))  # fmt: skip
            if en and o.out_valid:
                assert (o.out_spike, o.out_v) == (spikes[o.out_neuron], v[o.out_neuron]), where
                seen += 1
            k += en
        assert seen == c.n_neurons
    assert cyc.elig_words == core.host_words()[4]
    assert _host_read_words(cyc, 4, c.words) == core.host_words()[4]
    assert _host_read_words(cyc, 0, c.words) == core.host_words()[0]
    assert fired > 0 and not np.array_equal(core.weights, image), f"seed {seed}: nothing learnt"


def test_the_first_pass_after_reset_clears_an_eligibility_loaded_before_it() -> None:
    """On silicon the eligibility SPRAMs power on undefined: the hardware defines them,
    since the first tick after reset reads every e as 0 and writes every word."""
    rng = np.random.default_rng(5)
    c = _rstdp_spram_config(rng)
    cyc = LearningCoreCycle(c)
    junk = rng.integers(1, 1 << c.elig_word_width, c.words).tolist()  # "undefined"
    _host_write_words(cyc, 4, junk)
    assert _host_read_words(cyc, 4, c.words) == junk
    for _ in range(c.tick_cycles):
        cyc.step(np.ones(c.n_inputs, np.uint8), reward=1, reward_strobe=1)
    assert _host_read_words(cyc, 4, c.words) == [0] * c.words


def test_set_eligibility_checks_rule_tick_range_and_shape() -> None:
    c = LearningCoreConfig(n_inputs=2, n_neurons=1, thresholds=[1], rule="rstdp", elig_width=4)
    core = LearningCore(c)
    with pytest.raises(ValueError, match="set_eligibility needs tick >= 1.*tick = 0"):
        core.set_eligibility([[0, 0]])
    core.step([0, 0])
    with pytest.raises(ValueError, match="eligibility"):
        core.set_eligibility([[8, 0]])  # E_MAX = 7
    with pytest.raises(ValueError, match=r"eligibility must have shape \(1, 2\), not \(2, 1\)"):
        core.set_eligibility([[0], [0]])
    core.set_eligibility([[-7, 7]])
    assert core.eligibility.tolist() == [[-7, 7]]
    stdp = LearningCore(LearningCoreConfig(n_inputs=2, n_neurons=1, thresholds=[1]))
    with pytest.raises(ValueError, match="set_eligibility needs rule='rstdp', not rule='stdp'"):
        stdp.set_eligibility([[0, 0]])


def test_the_up5k_rstdp_parameter_file_is_the_32768_synapse_spram_core() -> None:
    c = LearningCoreConfig(
        **json.loads((REPO / "configs/learning_core_up5k_rstdp.json").read_text())
    )
    assert (c.n_inputs, c.n_neurons, c.lanes, c.weight_width, c.rule) == (256, 128, 1, 8, "rstdp")
    assert (c.weight_ram, c.word_width, c.elig_word_width, c.words) == ("spram", 9, 8, 32768)
    assert (c.bank_depth, c.spram_blocks, c.pass_latency) == (16384, 4, 7)
    assert c.host_access == "registered"  # what closes 48 MHz (with --dsp)
    assert c.tick_cycles == 32776 and 48e6 / c.tick_cycles > 1464
    ebr = json.loads((REPO / "configs/learning_core_up5k_rstdp_ebr.json").read_text())
    assert ebr.get("weight_ram", "ebr") == "ebr" and ebr["n_inputs"] * ebr["n_neurons"] == 5120
    rule = ("trace_width", "a_plus", "a_minus", "update_shift", "rounding", "w_min", "w_max",
            "elig_width", "elig_decay_shift", "reward_width", "reward_shift")  # fmt: skip
    assert {k: getattr(c, k) for k in rule} == {k: ebr[k] for k in rule}
    # one lane more would not fit: weights 18 bits (2 blocks per bank) + eligibilities
    with pytest.raises(ValueError, match="needs 6 SB_SPRAM256KA"):
        LearningCoreConfig(**{**learning_core_params(c), "lanes": 2, "lane_rotations": [0, 1]})
