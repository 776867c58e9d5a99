"""Learning core: export to files, build from them, load the weights over the host port.

A random configuration is exported (:func:`sc_model.export.export_learning_core`);
the hardware is built from the files *without* its weights
(:meth:`sc_hw.learning_core.LearningCore.from_export` with
``with_weights=False``: the memory starts at zero, as a memory without
power-on contents), the image ``weights.hex`` is written word by word over
the host port while ``en`` is held low at ``k = 0``, then the core runs with
learning on (Amaranth simulation of the Amaranth twin). Every tick's output
spikes and the whole weight memory at the end, read back over the host port,
must equal :meth:`sc_model.learning_core.LearningCore.run` from the same image.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from amaranth.sim import Simulator

from sc_cosim.blocks.learning_core import random_learning_params
from sc_hw.learning_core import LearningCore as HwLearningCore
from sc_model.export import export_learning_core, load_image_words
from sc_model.learning_core import LearningCore, LearningCoreConfig
from sc_model.sc_layer_tm import decode_weight_word


@pytest.mark.parametrize("seed", range(3))
def test_host_loads_the_exported_image_and_the_core_learns_like_the_model(
    seed: int, tmp_path
) -> None:
    rng = np.random.default_rng(700 + seed)
    config = LearningCoreConfig(**random_learning_params(rng))
    export_learning_core(config, tmp_path / "export")
    image = load_image_words(tmp_path / "export")
    dut = HwLearningCore.from_export(tmp_path / "export", with_weights=False)
    c = dut.config
    assert not np.asarray(c.weights).any()
    ticks = 8
    x = (rng.random((ticks, c.n_inputs)) < 0.5).astype(np.uint8)
    rew = rng.integers(-(1 << (c.reward_width - 1)), 1 << (c.reward_width - 1), ticks)
    stb = (rng.random(ticks) < 0.5).astype(np.int64)
    run = LearningCore(config).run(
        np.concatenate([x, np.zeros((1, c.n_inputs), np.uint8)]),
        reward=np.append(rew, 0),
        reward_strobe=np.append(stb, 0),
    )
    spikes: list[list[int]] = [[] for _ in range(ticks)]
    readback: list[int] = []

    async def host(ctx, space: int, addr: int, we: int, data: int = 0) -> None:
        ctx.set(dut.host_req, 1)
        ctx.set(dut.host_we, we)
        ctx.set(dut.host_space, space)
        ctx.set(dut.host_addr, addr)
        ctx.set(dut.host_wdata, data)
        assert ctx.get(dut.host_ack) == 1, f"seed {seed}: not served with en low at k = 0"
        await ctx.tick()
        ctx.set(dut.host_req, 0)

    async def bench(ctx) -> None:
        ctx.set(dut.en, 0)
        for addr, word in enumerate(image):
            await host(ctx, 0, addr, 1, word)
        if c.host_access == "registered":  # the cycle performing the last write (held)
            await ctx.tick()
        ctx.set(dut.en, 1)
        for t in range(ticks):
            ctx.set(dut.spikes, int(sum(int(b) << j for j, b in enumerate(x[t]))))
            if c.rstdp:
                ctx.set(dut.reward, int(rew[t]) & ((1 << c.reward_width) - 1))
                ctx.set(dut.reward_strobe, int(stb[t]))
            for _ in range(c.tick_cycles):
                if ctx.get(dut.out_valid):
                    spikes[t].append(ctx.get(dut.out_spike))
                await ctx.tick()
        # held at k = 0 of the next tick: the pass of tick `ticks` has not run yet
        ctx.set(dut.en, 0)
        for addr in range(c.words):
            await host(ctx, 0, addr, 0)
            if ctx.get(dut.host_rvalid):  # three (registered: four) cycles after each ack
                readback.append(ctx.get(dut.host_rdata))
        for _ in range(4):
            await ctx.tick()
            if ctx.get(dut.host_rvalid):
                readback.append(ctx.get(dut.host_rdata))

    sim = Simulator(dut)
    sim.add_clock(1e-6)
    sim.add_testbench(bench)
    sim.run()
    # every neuron's update of tick t is presented within tick t, in order
    assert spikes == run.spikes[:ticks].tolist(), f"seed {seed}"
    lanes, wb = int(c.lanes), c.weight_width
    assert len(readback) == c.words, f"seed {seed}"
    got = np.array([decode_weight_word(w, lanes, wb) for w in readback])
    got = got.reshape(c.n_neurons, -1)[:, : c.n_inputs]
    # after `ticks` ticks the memory holds the weights the layer reads in tick `ticks`
    assert np.array_equal(got, run.weights[ticks]), f"seed {seed}"


CONFIGS = Path(__file__).resolve().parents[1] / "configs"
FULL_SIZE = CONFIGS / "learning_core_ecp5.json"
FULL_SIZE_SPRAM = CONFIGS / "learning_core_up5k.json"


@pytest.mark.long
def test_full_size_core_on_verilog_equals_the_model_weight_for_weight(tmp_path) -> None:
    """256 x 256 (65,536 synapses) from configs/, image loaded over the host port,
    ticks with learning on in the generated Verilog (the capture path, Verilator when
    available), every weight read back and compared with the tick model."""
    _full_size_run(FULL_SIZE, tmp_path)


@pytest.mark.long
def test_full_size_spram_core_on_verilog_equals_the_model_weight_for_weight(tmp_path) -> None:
    """The same for the UP5K's SPRAM core (configs/learning_core_up5k.json: 3 lanes,
    22,016 words in two parity banks, pass latency 7, host access registered): its file
    has no weights (SPRAM has no power-on contents), so the image exists only as the
    host loads it."""
    _full_size_run(FULL_SIZE_SPRAM, tmp_path)


def _capture(dut: HwLearningCore, stim: dict, tmp_path: Path) -> tuple[dict, str, float]:
    """Run ``stim`` (one value per cycle and input port) through ``dut``'s Verilog by the
    capture path (Verilator when available): the host port's and the spike outputs per
    cycle, the simulator, and the seconds of build plus simulation."""
    from amaranth.back import verilog

    from sc_cosim.capture_tb import run_capture
    from sc_cosim.harness import verilator_available

    text = verilog.convert(dut, name="sc_learning_core", emit_src=False)
    sim = "verilator" if verilator_available() else "icarus"
    out, seconds = run_capture(
        text,
        "sc_learning_core",
        {k: [int(v) for v in a] for k, a in stim.items()},
        ["host_ack", "host_rvalid", "host_rdata", "out_valid", "out_spike"],
        tmp_path / "sim",
        simulator=sim,
    )
    return out, sim, seconds


def _full_size_run(path: Path, tmp_path: Path) -> None:
    rng = np.random.default_rng(2026)
    params = json.loads(path.read_text())
    config = LearningCoreConfig(**params)
    image_w = rng.integers(0, 256, (config.n_neurons, config.n_inputs))
    imaged = LearningCoreConfig(**{**params, "weight_ram": "ebr", "weights": image_w.tolist()})
    spram = config.weight_ram == "spram"  # (else the exported image is the loaded one)
    if not spram:
        config = imaged
    export_learning_core(config, tmp_path / "export")
    image = imaged.weight_words() if spram else load_image_words(tmp_path / "export")
    dut = HwLearningCore.from_export(tmp_path / "export", with_weights=False)
    c = dut.config
    ticks = 3
    x = (rng.random((ticks, c.n_inputs)) < 0.2).astype(np.uint8)
    run = LearningCore(config).run(
        np.concatenate([x, np.zeros((1, c.n_inputs), np.uint8)]), weights=image_w
    )
    words, t_cyc = c.words, c.tick_cycles
    gap = int(c.host_access == "registered")  # the cycle performing the last write
    n_cycles = words + gap + ticks * t_cyc + words + c.host_read_latency
    stim = {
        name: np.zeros(n_cycles, dtype=object)
        for name in ("spikes", "en", "host_req", "host_we", "host_space", "host_addr")
    }
    stim["host_wdata"] = np.zeros(n_cycles, dtype=object)
    load = slice(0, words)
    stim["host_req"][load], stim["host_we"][load] = 1, 1
    stim["host_addr"][load] = np.arange(words)
    stim["host_wdata"][load] = image
    start = words + gap
    for t in range(ticks):
        span = slice(start + t * t_cyc, start + (t + 1) * t_cyc)
        stim["en"][span] = 1
        stim["spikes"][span] = int(sum(int(b) << j for j, b in enumerate(x[t])))
    read = start + ticks * t_cyc
    stim["host_req"][read : read + words] = 1
    stim["host_addr"][read : read + words] = np.arange(words)
    out, sim, seconds = _capture(dut, stim, tmp_path)
    print(f"full-size run: {n_cycles} cycles, {sim}, {seconds:.1f} s (build + simulation)")
    assert all(out["host_ack"][a] for a in range(words)), "image load not served every cycle"
    spikes = [
        s
        for cyc, (v, s) in enumerate(zip(out["out_valid"], out["out_spike"], strict=True))
        if v and start <= cyc < read
    ]
    assert spikes == run.spikes[:ticks].ravel().tolist()
    back = [d for v, d in zip(out["host_rvalid"], out["host_rdata"], strict=True) if v]
    assert len(back) == words
    lanes, wb = int(c.lanes), c.weight_width
    got = np.array([decode_weight_word(w, lanes, wb) for w in back]).reshape(c.n_neurons, -1)
    assert np.array_equal(got[:, : c.n_inputs], run.weights[ticks])


FULL_SIZE_RSTDP = CONFIGS / "learning_core_up5k_rstdp.json"


@pytest.mark.long
def test_full_size_spram_rstdp_core_on_verilog_equals_the_model_word_for_word(tmp_path) -> None:
    """The UP5K's R-STDP SPRAM core (configs/learning_core_up5k_rstdp.json: 256 x 128,
    one lane, 32,768 weight and 32,768 eligibility words in four parity banks) in the
    generated Verilog: a random weight image loaded over the host port, tick 0 (its pass
    rewrites every eligibility word from 0), a random eligibility image loaded over the
    port, three ticks with learning and strobed random rewards, then every weight and
    every eligibility word read back over the port: equal to the tick model, every
    output spike equal (docs/learning_core.md, "R-STDP in SPRAM", gives its time)."""

    rng = np.random.default_rng(2027)
    params = json.loads(FULL_SIZE_RSTDP.read_text())
    config = LearningCoreConfig(**params)
    assert (config.weight_ram, config.rule, config.spram_blocks) == ("spram", "rstdp", 4)
    m, n, words, t_cyc = config.n_neurons, config.n_inputs, config.words, config.tick_cycles
    image_w = rng.integers(0, 256, (m, n))
    imaged = LearningCoreConfig(**{**params, "weight_ram": "ebr", "weights": image_w.tolist()})
    elig = rng.integers(-config.elig_max, config.elig_max + 1, (m, n))
    eb = config.elig_width
    assert config.lanes == 1 and words == m * n  # word m C + c = synapse (m, c)
    elig_words = [int(v) & ((1 << eb) - 1) for v in elig.ravel()]
    export_learning_core(config, tmp_path / "export")
    dut = HwLearningCore.from_export(tmp_path / "export", with_weights=False)
    ticks = 4
    x = (rng.random((ticks, n)) < 0.2).astype(np.uint8)
    half = 1 << (config.reward_width - 1)
    rew = rng.integers(-half, half, ticks)
    stb = np.array([1, 1, 0, 1])
    model = LearningCore(config)
    model.reset()
    model.set_weights(image_w)
    want_spikes = []
    for t in range(ticks):
        if t == 1:
            model.set_eligibility(elig)
        want_spikes += model.step(x[t], int(rew[t]), int(stb[t])).spikes.tolist()
    want = model.host_words()  # the memories at k = 0 of tick `ticks`
    # stimulus: weights, tick 0, eligibilities, ticks 1 .. 3, read both spaces back
    # (host_access="registered": a cycle after each load performs its last write)
    gap = int(config.host_access == "registered")
    n_cycles = 2 * words + 2 * gap + ticks * t_cyc + 2 * words + config.host_read_latency
    names = ("spikes", "en", "host_req", "host_we", "host_space", "host_addr", "host_wdata")
    stim = {name: np.zeros(n_cycles, dtype=object) for name in names}
    stim["reward"] = np.zeros(n_cycles, dtype=object)
    stim["reward_strobe"] = np.zeros(n_cycles, dtype=object)

    def host(at: int, space: int, we: int, data: list[int] | None = None) -> None:
        span = slice(at, at + words)
        stim["host_req"][span], stim["host_we"][span], stim["host_space"][span] = 1, we, space
        stim["host_addr"][span] = np.arange(words)
        if data is not None:
            stim["host_wdata"][span] = data

    def tick(at: int, t: int) -> None:
        span = slice(at, at + t_cyc)
        stim["en"][span] = 1
        stim["spikes"][span] = int(sum(int(b) << j for j, b in enumerate(x[t])))
        stim["reward"][span] = int(rew[t]) & ((1 << config.reward_width) - 1)
        stim["reward_strobe"][span] = int(stb[t])

    host(0, 0, 1, imaged.weight_words())
    tick(words + gap, 0)
    loads = [0, words + gap + t_cyc]  # the cycles the two images start
    host(loads[1], 4, 1, elig_words)
    start = loads[1] + words + gap
    for t in range(1, ticks):
        tick(start + (t - 1) * t_cyc, t)
    read = start + (ticks - 1) * t_cyc
    host(read, 0, 0)
    host(read + words, 4, 0)
    out, sim, seconds = _capture(dut, stim, tmp_path)
    print(f"full-size R-STDP SPRAM run: {n_cycles} cycles, {sim}, {seconds:.1f} s")
    acked = [a for a in range(n_cycles) if out["host_ack"][a]]
    for at in loads + [read, read + words]:
        assert all(out["host_ack"][at + a] for a in range(words)), f"load at {at} not served"
    assert len(acked) == 4 * words, "the host was served outside its loads and reads"
    spikes = [
        s for cyc, (v, s) in enumerate(zip(out["out_valid"], out["out_spike"], strict=True)) if v
    ]
    assert spikes == want_spikes
    assert sum(want_spikes) > 0, "no neuron fired: the pairing terms were never exercised"
    back = [d for v, d in zip(out["host_rvalid"], out["host_rdata"], strict=True) if v]
    assert len(back) == 2 * words
    assert back[:words] == want[0], "weights differ from the tick model"
    assert back[words:] == want[4], "eligibilities differ from the tick model"
    assert want[0] != list(imaged.weight_words()), "no weight moved: the test would be vacuous"
