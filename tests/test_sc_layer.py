"""sc_model.sc_layer / sc_hw.sc_layer: the SC layer core (synapses + LIF neurons).

Behaviour (firing rises with weight and input rate, inhibition suppresses),
the vectorised run against the cycle twin, the hardware (Amaranth simulator)
against the vectorised run for a configuration exported with
sc_layer_params, timing, the enable, and parameter errors.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from amaranth.sim import Simulator

from sc_cosim.blocks import get_block
from sc_cosim.blocks.sc_layer import SPEC, random_layer_params
from sc_cosim.harness import base_seed, default_sets, params_for
from sc_cosim.pysim import pysim_against_twin
from sc_hw.sc_layer import SCLayer as HwLayer
from sc_model.lfsr import lfsr_sequence
from sc_model.sc_layer import SCLayer, SCLayerConfig, SCLayerCycle, sc_layer_params


def spike_inputs(rng: np.random.Generator, n_steps: int, batch: int, rates) -> np.ndarray:
    """``(n_steps, batch, N)`` Bernoulli spike bits with per-input ``rates``."""
    rates = np.asarray(rates, dtype=float)
    return (rng.random((n_steps, batch, rates.size)) < rates).astype(np.uint8)


def rate(config: SCLayerConfig, inputs: np.ndarray) -> np.ndarray:
    """Mean spikes per step and neuron over the run and the batch."""
    return SCLayer(config).run(inputs).spikes.mean(axis=(0, 1))


# ---------------------------------------------------------------------------
# Vectorised run == cycle twin == hardware
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("index", range(12))  # the 12 synapse/input/aggregation combinations
def test_vectorised_run_equals_cycle_twin(index) -> None:
    params = random_layer_params(np.random.default_rng([index, 0]))
    config = SCLayerConfig(**params)
    rng = np.random.default_rng(index)
    n, batch, n_steps = config.n_inputs, 3, 300
    if config.input_mode == "spikes":
        x = spike_inputs(rng, n_steps, batch, rng.uniform(0.2, 1.0, n))
    else:
        x = rng.integers(0, 2**config.synapse_params.value_width, (n_steps, batch, n))
    run = SCLayer(config).run(x)
    assert run.spikes.shape == run.v.shape == (n_steps, batch, config.n_neurons)
    for b in range(batch):
        twin = SCLayerCycle(config)
        for t in range(n_steps):
            out = twin.step(x[t, b])
            assert out.spikes.tolist() == run.spikes[t, b].tolist(), (params, t, b)
            assert out.v.tolist() == run.v[t, b].tolist(), (params, t, b)


def _simulate_hw(params: dict, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """spikes_out and v_out (signed) of the Amaranth core, one row per cycle from reset."""
    dut = HwLayer(**params)
    m, vw = params["n_neurons"], params.get("v_width", 16)
    spikes, v = [], []

    async def bench(ctx) -> None:
        ctx.set(dut.en, 1)
        for row in x:
            ctx.set(dut.spikes, int(sum(int(b) << j for j, b in enumerate(row))))
            s, raw = ctx.get(dut.spikes_out), ctx.get(dut.v_out)
            spikes.append([(s >> k) & 1 for k in range(m)])
            fields = [(raw >> (k * vw)) & ((1 << vw) - 1) for k in range(m)]
            v.append([f - (1 << vw) if f >> (vw - 1) else f for f in fields])
            await ctx.tick()

    sim = Simulator(dut)
    sim.add_clock(1e-8)
    sim.add_testbench(bench)
    sim.run()
    return np.array(spikes), np.array(v)


@pytest.mark.parametrize("registers", [False, True])
@pytest.mark.parametrize("aggregation", ["counter", "majority", "mux"])
def test_hardware_built_from_exported_params_equals_model_run(aggregation, registers) -> None:
    rng = np.random.default_rng(4)
    weights = rng.integers(-40, 256, (3, 6))
    extra = {"pipeline": 2} if aggregation == "counter" else {}
    config = SCLayerConfig(
        n_inputs=6,
        n_neurons=3,
        weight_width=8,
        weights=weights.tolist(),
        aggregation=aggregation,
        width=14,
        seed=0x1ACE,
        v_width=10,
        thresholds=[6, 9, 3] if aggregation == "counter" else [2, 3, 1],
        leak_mode="shift",
        leak_shift=3,
        refractory=1,
        input_register=registers,
        write_register=registers,
        **extra,
    )
    params = sc_layer_params(config)
    assert json.loads(json.dumps(params)) == params  # plain JSON: lists and ints
    x = spike_inputs(rng, 250, 1, [0.9, 0.8, 1.0, 0.5, 0.95, 0.7])
    run = SCLayer(config).run(x)
    spikes, v = _simulate_hw(params, x[:, 0])
    np.testing.assert_array_equal(spikes, run.spikes[:, 0])
    np.testing.assert_array_equal(v, run.v[:, 0])
    assert run.spikes.sum() > 10


def test_cosim_parameter_sets_and_default_fire() -> None:
    """Every co-simulated set (and the default) makes neurons fire under its stimulus."""
    spec = get_block("sc_layer")
    seeds = [base_seed() + i for i in range(default_sets())]
    cases = [(params_for("sc_layer", seed), seed) for seed in seeds]
    cases.append((spec.default_params, 0))
    fired, neurons = 0, 0
    for params, seed in cases:
        rng = np.random.default_rng([seed, 1])
        stim = spec.stimulus(params, rng, 2000)
        twin = spec.twin(params)
        twin.reset()
        counts = np.zeros(params["n_neurons"], dtype=np.int64)
        for t in range(2000):
            out = twin.step({k: int(v[t]) for k, v in stim.items()})
            counts += [(out["spikes_out"] >> k) & 1 for k in range(params["n_neurons"])]
        assert counts.sum() > 0, params
        fired += int((counts > 0).sum())
        neurons += counts.size
    assert fired >= 0.8 * neurons


@pytest.mark.parametrize("aggregation", ["counter", "majority", "mux"])
def test_pysim_larger_layer(aggregation) -> None:
    rng = np.random.default_rng(9)
    params = {
        "n_inputs": 24,
        "n_neurons": 8,
        "weight_width": 7,
        "weights": rng.integers(-20, 128, (8, 24)).tolist(),
        "aggregation": aggregation,
        "width": 20,
        "seed": 0x5EED,
        "v_width": 9,
        "thresholds": rng.integers(1, 8, 8).tolist(),
        "leak_mode": "constant",
        "refractory": 2,
    }
    if aggregation == "counter":
        params["pipeline"] = 5
    if aggregation == "majority":
        params["tie"] = "alternate"
        params["weights"] = rng.integers(100, 128, (8, 24)).tolist()
        params["leak_const"] = 0
    if aggregation == "mux":
        params.update(input_mode="values", value_width=6, synapse="xnor", leak_const=0)
    assert pysim_against_twin(SPEC, params, seed=3, cycles=300) == ""


# ---------------------------------------------------------------------------
# Behaviour
# ---------------------------------------------------------------------------


def _layer(weights, aggregation="counter", thresholds=None, **kw) -> SCLayerConfig:
    weights = np.asarray(weights)
    m, n = weights.shape
    base = {
        "n_inputs": n,
        "n_neurons": m,
        "weight_width": 8,
        "weights": weights.tolist(),
        "aggregation": aggregation,
        "width": 16,
        "seed": 0xBEEF,
        "v_width": 12,
        "thresholds": thresholds or [24] * m,
        "leak_mode": "shift",
        "leak_shift": 3,
    }
    base.update(kw)
    return SCLayerConfig(**base)


@pytest.mark.parametrize("aggregation", ["counter", "mux"])
def test_firing_rate_rises_with_the_weight(aggregation) -> None:
    # Neuron k has every weight equal to levels[k]; same inputs for all.
    levels = [0, 40, 90, 160, 255]
    weights = np.repeat(np.array(levels)[:, None], 8, axis=1)
    thr = [24] * 5 if aggregation == "counter" else [3] * 5
    config = _layer(weights, aggregation, thresholds=thr)
    rng = np.random.default_rng(1)
    r = rate(config, spike_inputs(rng, 3000, 4, [0.7] * 8))
    assert r[0] == 0
    assert np.all(np.diff(r) > 0), r


def test_majority_firing_rate_rises_with_the_input_rate() -> None:
    config = _layer(np.full((1, 9), 255), "majority", thresholds=[4], tie="zero")
    rng = np.random.default_rng(2)
    rates = [rate(config, spike_inputs(rng, 3000, 4, [p] * 9))[0] for p in (0.3, 0.5, 0.7, 0.9)]
    assert rates[0] < 0.25 * rates[-1], rates  # a vote: far from linear in the rate
    assert np.all(np.diff(rates) > 0), rates


@pytest.mark.parametrize("aggregation", ["counter", "mux"])
def test_firing_rate_rises_with_the_input_rate(aggregation) -> None:
    weights = np.full((2, 8), 200)
    weights[1] = 120
    thr = [24, 24] if aggregation == "counter" else [3, 3]
    config = _layer(weights, aggregation, thresholds=thr)
    rng = np.random.default_rng(3)
    rates = np.array(
        [rate(config, spike_inputs(rng, 3000, 4, [p] * 8)) for p in (0.1, 0.4, 0.7, 1.0)]
    )
    assert np.all(np.diff(rates, axis=0) > 0), rates


@pytest.mark.parametrize(
    ("aggregation", "synapse"),
    [("counter", "and"), ("majority", "and"), ("mux", "and"), ("counter", "xnor")],
)
def test_inhibitory_weights_suppress_firing(aggregation, synapse) -> None:
    n = 8
    excite = np.full(n, 255)
    half = excite.copy()
    half[: n // 2] = -255  # half the inputs inhibitory
    weights = np.stack([excite, half, -excite])
    thr = [24] * 3 if aggregation == "counter" else [3] * 3
    config = _layer(
        weights,
        aggregation,
        thresholds=thr,
        synapse=synapse,
        **({"tie": "zero"} if aggregation == "majority" else {}),
    )
    rng = np.random.default_rng(4)
    r = rate(config, spike_inputs(rng, 3000, 4, [0.9] * n))
    assert r[0] > 0.02
    assert r[1] < 0.5 * r[0], r
    assert r[2] == 0, r


def test_latency_is_one_plus_pipeline() -> None:
    t0 = 20
    for pipeline in range(4):
        config = _layer(np.full((2, 8), 255), thresholds=[200, 200], pipeline=pipeline)
        x = np.zeros((60, 1, 8), dtype=np.uint8)
        x[t0:] = 1
        v = SCLayer(config).run(x).v[:, 0, 0]
        first = int(np.flatnonzero(v)[0])
        assert first == t0 + pipeline + 1, (pipeline, v[: t0 + 8])
        # The step is the count of cycle t0: inputs j with r_j != 255 (weights 255).
        states = lfsr_sequence(16, 0xBEEF, t0 + 1)[t0]
        r = [
            ((int(states) << rot | int(states) >> (16 - rot)) & 255)
            for rot in (0, 2, 4, 6, 8, 10, 12, 14)
        ]
        assert v[first] == sum(1 for rj in r if rj != 255)


def test_input_register_adds_one_cycle_of_latency() -> None:
    """2 + pipeline with input_register: the same membrane trace, one cycle later."""
    t0 = 20
    for pipeline in (0, 3):
        kw = {"thresholds": [200, 200], "pipeline": pipeline, "leak_mode": "none"}
        plain = _layer(np.full((2, 8), 255), leak_shift=None, **kw)
        registered = _layer(np.full((2, 8), 255), leak_shift=None, input_register=True, **kw)
        x = np.zeros((60, 1, 8), dtype=np.uint8)
        x[t0:] = 1
        a = SCLayer(plain).run(x).v[:, 0]
        b = SCLayer(registered).run(x).v[:, 0]
        assert int(np.flatnonzero(b[:, 0])[0]) == t0 + pipeline + 2
        np.testing.assert_array_equal(b[1:], a[:-1])
        assert b[0].tolist() == [0, 0]


def test_enable_low_freezes_the_layer_and_resumes_seamlessly() -> None:
    config = _layer(np.full((2, 6), 200), thresholds=[10, 20], pipeline=2, refractory=3)
    rng = np.random.default_rng(6)
    x = spike_inputs(rng, 200, 1, [0.8] * 6)[:, 0]
    a, b = SCLayerCycle(config), SCLayerCycle(config)
    plain = [a.step(row) for row in x]
    gated = []
    for row in x:
        held = None
        while rng.random() < 0.4:  # disabled cycles: the registers hold, nothing advances
            out = b.step(rng.integers(0, 2, 6).astype(np.uint8), en=0)
            if held is not None:
                assert out.v.tolist() == held.v.tolist()
                assert out.spikes.tolist() == held.spikes.tolist()
            held = out
        out = b.step(row)
        if held is not None:  # the enabled cycle still shows the held registers
            assert out.v.tolist() == held.v.tolist()
            assert out.spikes.tolist() == held.spikes.tolist()
        gated.append(out)
    for p, g in zip(plain, gated, strict=True):
        assert p.v.tolist() == g.v.tolist() and p.spikes.tolist() == g.spikes.tolist()


def test_weight_write_takes_effect_from_the_next_cycle() -> None:
    config = _layer(
        np.zeros((1, 4), dtype=int), thresholds=[100], leak_mode="none", leak_shift=None
    )
    twin = SCLayerCycle(config)
    ones = np.ones(4, dtype=np.uint8)
    for _ in range(5):
        assert twin.step(ones).v.tolist() == [0]
    for j in range(4):  # write 255 to every synapse, one per cycle
        twin.step(ones, w_addr=j, w_data=255, w_en=1)
    # The last write's own cycle still used weight 0 for input 3.
    vs = [int(twin.step(ones).v[0]) for _ in range(4)]
    assert vs[0] > 0 and vs[-1] > vs[0]
    twin.reset()
    assert twin.synapses.weights.tolist() == [[0, 0, 0, 0]]


def test_registered_weight_write_lands_one_edge_later_and_reset_drops_it() -> None:
    config = _layer(
        np.zeros((1, 4), dtype=int),
        thresholds=[100],
        leak_mode="none",
        leak_shift=None,
        write_register=True,
    )
    twin = SCLayerCycle(config)
    ones = np.ones(4, dtype=np.uint8)
    twin.step(ones, w_addr=2, w_data=200, w_en=1)
    assert twin.synapses.weights.tolist() == [[0, 0, 0, 0]]  # captured, not yet written
    twin.step(ones, en=0)  # lands at this edge, whatever en
    assert twin.synapses.weights.tolist() == [[0, 0, 200, 0]]
    twin.step(ones, w_addr=1, w_data=511, w_en=1)  # -1
    twin.reset()  # the captured write is dropped
    twin.step(ones)
    assert twin.synapses.weights.tolist() == [[0, 0, 0, 0]]


# ---------------------------------------------------------------------------
# Configuration and errors
# ---------------------------------------------------------------------------


def test_config_round_trips_through_the_exported_params() -> None:
    config = _layer(
        np.arange(12).reshape(3, 4),
        "mux",
        thresholds=[1, 2, 3],
        synapse="xnor",
        rotations=(0, 5, 9, 12),
        mux_seed=77,
    )
    params = sc_layer_params(config)
    assert SCLayerConfig(**params) == config
    assert hash(SCLayerConfig(**params)) == hash(config)
    hw = HwLayer(**params)
    assert len(hw.spikes_out) == 3 and len(hw.v_out) == 3 * 12
    assert "tie" not in params and "pipeline" in params


BAD = [
    (
        {"thresholds": [5, 5]},
        ValueError,
        r"thresholds must hold 3 entries \(one per neuron\), not 2",
    ),
    ({"thresholds": 5}, TypeError, r"thresholds must be a list of 3 ints"),
    ({"thresholds": [5, 5.0, 5]}, TypeError, r"thresholds\[1\] must be an integer"),
    ({"thresholds": [5, 0, 5]}, ValueError, r"thresholds\[1\] must be in \[1, 2047\], not 0"),
    ({"thresholds": [5, 5, 2048]}, ValueError, r"thresholds\[2\] must be in \[1, 2047\], not 2048"),
    (
        {"v_reset": -10, "thresholds": [5, -10, 5]},
        ValueError,
        r"thresholds\[1\] must be in \[-9, 2047\], not -10",
    ),
    (
        {"reset_mode": "subtract", "v_reset": -10, "thresholds": [5, 0, 5]},
        ValueError,
        r"thresholds\[1\] must be in \[1, 2047\]",
    ),
    (
        {"weights": [[256] * 4] * 3},
        ValueError,
        r"weights\[0\]\[0\] must be in .*\[-255, 255\].*not 256",
    ),
    (
        {"weights": [[0] * 4] * 2},
        ValueError,
        r"weights must have shape \(n_neurons, n_inputs\) = \(3, 4\)",
    ),
    ({"v_width": 3}, ValueError, r"v_width must be in \[4, 32\], not 3"),
    (
        {"n_inputs": 64, "weights": None, "v_width": 7},
        ValueError,
        r"v_width must be in \[8, 32\] for n_inputs=64",
    ),
    (
        {"leak_mode": "none", "leak_shift": 2},
        ValueError,
        r"leak_shift applies to leak_mode='shift' only",
    ),
    ({"leak_shift": 12}, ValueError, r"leak_shift must be in \[1, 11\]"),
    ({"leak_mode": "decay"}, ValueError, r"leak_mode must be one of"),
    ({"refractory": 256}, ValueError, r"refractory must be in \[0, 255\]"),
    ({"pipeline": 3}, ValueError, r"pipeline must be in \[0, 2\], not 3"),
    (
        {"aggregation": "mux", "tie": "one"},
        ValueError,
        r"tie applies to aggregation='majority' only",
    ),
    ({"seed": 0}, ValueError, r"seed must be non-zero"),
]


@pytest.mark.parametrize(("extra", "exc", "match"), BAD)
@pytest.mark.parametrize("build", [lambda kw: SCLayerConfig(**kw), lambda kw: HwLayer(**kw)])
def test_bad_parameters_are_refused(build, extra, exc, match) -> None:
    kw = {
        "n_inputs": 4,
        "n_neurons": 3,
        "v_width": 12,
        "thresholds": [5, 5, 5],
        "leak_mode": "shift",
        **extra,
    }
    with pytest.raises(exc, match=match):
        build(kw)


def test_model_entry_points_refuse_other_objects() -> None:
    with pytest.raises(TypeError, match="config must be an SCLayerConfig"):
        SCLayer({"n_inputs": 2})
    with pytest.raises(TypeError, match="config must be an SCLayerConfig"):
        sc_layer_params({"n_inputs": 2})
    config = _layer(np.zeros((1, 3), dtype=int))
    with pytest.raises(
        ValueError, match=r"inputs must have shape \(n_cycles, \*batch, n_inputs=3\)"
    ):
        SCLayer(config).run(np.zeros((10, 4), dtype=np.uint8))


def test_a_256_by_256_layer_runs_1024_cycles_in_bounded_memory() -> None:
    """The benchmark size: chunked synapses keep the peak far below the 64 M synapse bits
    per array a one-piece run would hold (several such arrays, > 500 MB)."""
    import tracemalloc

    rng = np.random.default_rng(256)
    n = m = 256
    config = SCLayerConfig(
        n_inputs=n,
        n_neurons=m,
        thresholds=[64] * m,
        weights=rng.integers(-255, 256, (m, n)).tolist(),
        pipeline=8,
    )
    x = (rng.random((1024, 1, n)) < 0.5).astype(np.uint8)
    tracemalloc.start()
    try:
        out = SCLayer(config).run(x)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert out.spikes.shape == out.v.shape == (1024, 1, m)
    assert peak < 250e6, peak
    assert 0 < out.spikes.mean() < 1
    # the first neurons against the cycle twin (a few hundred cycles)
    small = SCLayerCycle(config)
    for t in range(200):
        got = small.step(x[t, 0])
        np.testing.assert_array_equal(got.v, out.v[t, 0])
