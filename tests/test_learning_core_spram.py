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

from sc_model.learning_core import (
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
            if en and o.out_valid:
                assert (o.out_spike, o.out_v) == (
                    run.spikes[t, o.out_neuron],
                    run.v[t, o.out_neuron],
                ), f"seed {seed} t {t}"
                seen += 1
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
        ({"rule": "rstdp"}, "weight_ram='spram' supports rule='stdp' only"),
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
