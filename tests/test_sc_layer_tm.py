"""Time-multiplexed SC layer (sc_model.sc_layer_tm, sc_hw.sc_layer_tm, sc_model.export).

Expected values come from an independent per-synapse, per-neuron reference
written from the module docstring's contract (plain Python loops, own
rotation, comparator and LIF arithmetic; only the LFSR sequence is taken
from the tested sc_model.lfsr), or from properties (timing formulas, enable
and reset invariance). Randomised tests print the seed that reproduces them.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sc_model.lfsr import lfsr_sequence
from sc_model.sc_layer_tm import (
    LATENCY,
    SCLayerTM,
    SCLayerTMConfig,
    SCLayerTMCycle,
    decode_weight_word,
    encode_weight_word,
    sc_layer_tm_params,
)

# --------------------------------------------------------------------------
# Independent reference (the contract, written out per synapse and neuron)
# --------------------------------------------------------------------------


def _leak(v: int, c: SCLayerTMConfig) -> int:
    if c.leak_mode == "none":
        return v
    if c.leak_mode == "shift":
        k = 4 if c.leak_shift is None else c.leak_shift
        k = min(k, c.v_width - 1)
        return v - (v >> k)  # Python's >> is floor division by 2**k
    lc = 1 if c.leak_const is None else c.leak_const
    return max(v - lc, 0) if v > 0 else min(v + lc, 0)


def reference(
    c: SCLayerTMConfig, x: np.ndarray, weights: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Spikes and membranes ``(n_ticks, M)``; ``weights`` optionally per tick."""
    n_ticks = x.shape[0]
    if weights is None:
        weights = np.broadcast_to(np.array(c.weights), (n_ticks, c.n_neurons, c.n_inputs))
    states = lfsr_sequence(c.width, c.seed, n_ticks, c.taps, c.form)
    wb, width = c.weight_width, c.width
    rw = wb + (c.synapse == "xnor")
    lo, hi = -(1 << (c.v_width - 1)), (1 << (c.v_width - 1)) - 1
    v = [c.v_reset] * c.n_neurons
    rc = [0] * c.n_neurons
    spikes = np.zeros((n_ticks, c.n_neurons), np.uint8)
    vs = np.zeros((n_ticks, c.n_neurons), np.int64)
    for t in range(n_ticks):
        s = int(states[t])
        for m in range(c.n_neurons):
            count = 0
            for j in range(c.n_inputs):
                rot = c.lane_rotations[j % c.lanes]
                rotated = ((s << rot) | (s >> (width - rot))) & ((1 << width) - 1)
                r = rotated & ((1 << rw) - 1)
                w = int(weights[t, m, j])
                if c.synapse == "and":
                    if x[t, j] and r < abs(w):
                        count += 1 if w > 0 else -1
                else:
                    bit = int(r < w + (1 << wb))
                    count += 1 if bit == x[t, j] else -1
            if rc[m] > 0:
                rc[m] -= 1
                fire = 0
            else:
                v1 = min(max(_leak(v[m], c) + count, lo), hi)
                fire = int(v1 >= c.thresholds[m])
                if fire:
                    v[m] = c.v_reset if c.reset_mode == "value" else v1 - c.thresholds[m]
                    rc[m] = c.refractory
                else:
                    v[m] = v1
            spikes[t, m], vs[t, m] = fire, v[m]
    return spikes, vs


def random_config(rng: np.random.Generator, max_n: int = 20, max_m: int = 6) -> SCLayerTMConfig:
    n = int(rng.integers(1, max_n + 1))
    nm = int(rng.integers(1, max_m + 1))
    lanes = int(rng.integers(1, n + 1))
    wb = int(rng.integers(1, 7))
    top = (1 << wb) - 1
    w = rng.integers(-top, top + 1, (nm, n))
    w = np.where(rng.random(w.shape) < 0.7, np.abs(w), w)
    leak = str(rng.choice(["none", "shift", "constant"]))
    reset = str(rng.choice(["value", "subtract"]))
    v_width = int(rng.integers(max(4, n.bit_length() + 1), 13))
    kw: dict = {}
    if leak == "shift":
        kw["leak_shift"] = int(rng.integers(1, v_width))
    if leak == "constant":
        kw["leak_const"] = int(rng.integers(0, 3))
    return SCLayerTMConfig(
        n_inputs=n,
        n_neurons=nm,
        lanes=lanes,
        thresholds=[int(rng.integers(1, max(2, n) + 1)) for _ in range(nm)],
        weight_width=wb,
        weights=w.tolist(),
        synapse=str(rng.choice(["and", "xnor"])),
        width=int(rng.integers(max(8, wb + 1), 21)),
        seed=int(rng.integers(1, 255)),
        form=str(rng.choice(["fibonacci", "galois"])),
        lane_rotations=None if rng.random() < 0.5 else rng.integers(0, 8, lanes).tolist(),
        v_width=v_width,
        leak_mode=leak,
        reset_mode=reset,
        refractory=int(rng.integers(0, 3)),
        **kw,
    )


def stream(
    c: SCLayerTMConfig, x: np.ndarray, en: np.ndarray | None = None, writes=None
) -> tuple[np.ndarray, np.ndarray, list[tuple[int, int, int]]]:
    """Drive the cycle twin tick by tick; collect outputs counted at ``out_valid & en``.

    Returns spikes and membranes ``(n_ticks, M)`` and the events ``(cycle, k, kind)``.
    ``writes``: {cycle: (w_addr, w_data)}.
    """
    tw = SCLayerTMCycle(c)
    n_ticks = x.shape[0]
    spikes = np.full((n_ticks, c.n_neurons), 9, np.int64)
    vs = np.zeros((n_ticks, c.n_neurons), np.int64)
    tick, cycle, seen = -1, 0, 0
    writes = writes or {}
    events = []
    while seen < n_ticks * c.n_neurons:
        e = 1 if en is None else int(en[cycle % len(en)])
        k = tw.k
        if tw._out.in_ready and e:
            tick += 1
        addr, data = writes.get(cycle, (0, 0))
        o = tw.step(x[min(max(tick, 0), n_ticks - 1)], e, int(cycle in writes), addr, data)
        if o.out_valid and e:
            spikes[tick, o.out_neuron], vs[tick, o.out_neuron] = o.out_spike, o.out_v
            seen += 1
            events.append((cycle, k, o.out_neuron))
            assert o.tick_done == int(o.out_neuron == c.n_neurons - 1)
        cycle += 1
        assert cycle < 100000
    return spikes, vs, events


# --------------------------------------------------------------------------
# Model behaviour
# --------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(12))
def test_run_equals_independent_reference(seed: int) -> None:
    rng = np.random.default_rng([seed, 31])
    c = random_config(rng)
    x = (rng.random((15, c.n_inputs)) < rng.uniform(0.2, 0.9)).astype(np.uint8)
    ref_s, ref_v = reference(c, x)
    out = SCLayerTM(c).run(x)
    assert np.array_equal(out.spikes, ref_s), f"seed={seed} config={c}"
    assert np.array_equal(out.v, ref_v), f"seed={seed} config={c}"


def test_reference_fires_in_most_configs() -> None:
    """The random configurations exercise firing, so the equalities above can fail."""
    fired = 0
    for seed in range(12):
        rng = np.random.default_rng([seed, 31])
        c = random_config(rng)
        x = (rng.random((15, c.n_inputs)) < rng.uniform(0.2, 0.9)).astype(np.uint8)
        fired += bool(reference(c, x)[0].any())
    assert fired >= 9


def test_run_batch_elements_are_independent_runs() -> None:
    rng = np.random.default_rng(5)
    c = random_config(rng)
    x = (rng.random((10, 3, c.n_inputs)) < 0.6).astype(np.uint8)
    out = SCLayerTM(c).run(x)
    assert out.spikes.shape == (10, 3, c.n_neurons)
    for b in range(3):
        assert np.array_equal(out.spikes[:, b], SCLayerTM(c).run(x[:, b]).spikes)


@pytest.mark.parametrize("seed", range(8))
def test_cycle_twin_streams_the_ticks_at_the_contract_cycles(seed: int) -> None:
    rng = np.random.default_rng([seed, 32])
    c = random_config(rng)
    x = (rng.random((6, c.n_inputs)) < 0.7).astype(np.uint8)
    spikes, vs, events = stream(c, x)
    ref_s, ref_v = reference(c, x)
    assert np.array_equal(spikes, ref_s) and np.array_equal(vs, ref_v), f"seed={seed}"
    # every update shows in cycle (m + 1) C + 7 of its tick, ticks are T cycles long
    big_t = c.n_neurons * c.chunks + 8
    for cycle, _, m in events:
        assert cycle % big_t == (m + 1) * c.chunks + 7, f"seed={seed}"
    assert len(events) == 6 * c.n_neurons


def test_in_ready_marks_the_first_cycle_of_each_tick() -> None:
    c = SCLayerTMConfig(n_inputs=5, n_neurons=3, lanes=2, thresholds=[2, 2, 2])
    tw = SCLayerTMCycle(c)
    ready = [tw.step(np.ones(5, np.uint8)).in_ready for _ in range(3 * c.tick_cycles)]
    assert c.tick_cycles == 3 * 3 + LATENCY
    assert np.flatnonzero(ready).tolist() == [0, c.tick_cycles, 2 * c.tick_cycles]


def test_inputs_are_latched_only_in_the_first_cycle() -> None:
    """Changing ``spikes`` after the tick's first cycle changes nothing."""
    rng = np.random.default_rng(9)
    c = random_config(rng)
    x = (rng.random((4, c.n_inputs)) < 0.7).astype(np.uint8)
    base = stream(c, x)[:2]
    tw = SCLayerTMCycle(c)
    got = []
    for cycle in range(4 * c.tick_cycles):
        tick, k = divmod(cycle, c.tick_cycles)
        drive = x[tick] if k == 0 else rng.integers(0, 2, c.n_inputs).astype(np.uint8)
        o = tw.step(drive)
        if o.out_valid:
            got.append(o.out_spike)
    assert np.array_equal(np.array(got).reshape(4, c.n_neurons), base[0])


@pytest.mark.parametrize("seed", range(6))
def test_enable_low_cycles_change_nothing(seed: int) -> None:
    rng = np.random.default_rng([seed, 33])
    c = random_config(rng)
    x = (rng.random((5, c.n_inputs)) < 0.7).astype(np.uint8)
    en = (rng.random(97) < 0.7).astype(np.uint8)
    s_en, v_en, _ = stream(c, x, en)
    s_hi, v_hi, _ = stream(c, x)
    assert np.array_equal(s_en, s_hi) and np.array_equal(v_en, v_hi), f"seed={seed}"


@pytest.mark.parametrize("seed", range(10))
def test_weight_write_is_seen_by_reads_after_its_edge(seed: int) -> None:
    """A write in cycle ``kw`` of tick 0 to word ``a`` counts in tick 0 iff ``kw < a``."""
    rng = np.random.default_rng([seed, 34])
    c = random_config(rng)
    a = int(rng.integers(0, c.words))
    kw = int(rng.integers(0, c.words + 2))
    top = (1 << c.weight_width) - 1
    new = rng.integers(-top, top + 1, c.lanes)
    m, ch = divmod(a, c.chunks)
    x = (rng.random((3, c.n_inputs)) < 0.8).astype(np.uint8)
    w_old = np.array(c.weights)
    w_new = w_old.copy()
    lanes_used = min(c.lanes, c.n_inputs - ch * c.lanes)
    w_new[m, ch * c.lanes : ch * c.lanes + lanes_used] = new[:lanes_used]
    per_tick = np.stack([w_new if kw < a else w_old, w_new, w_new])
    ref_s, ref_v = reference(c, x, per_tick)
    word = encode_weight_word(new, c.weight_width)
    s, v, _ = stream(c, x, writes={kw: (a, word)})
    assert np.array_equal(s, ref_s) and np.array_equal(v, ref_v), f"seed={seed} a={a} kw={kw}"


def test_write_past_the_memory_changes_nothing() -> None:
    c = SCLayerTMConfig(
        n_inputs=6, n_neurons=3, lanes=4, thresholds=[1, 2, 3], weights=[[3] * 6] * 3
    )
    assert c.words == 6 and c.addr_width == 3
    x = np.ones((3, 6), np.uint8)
    full = (1 << c.word_width) - 1
    assert np.array_equal(stream(c, x, writes={1: (7, full)})[0], reference(c, x)[0])


def test_negative_zero_acts_as_zero() -> None:
    for synapse in ("and", "xnor"):
        c = SCLayerTMConfig(
            n_inputs=4,
            n_neurons=1,
            lanes=4,
            thresholds=[3],
            weight_width=3,
            synapse=synapse,
            weights=[[5, 5, 5, 5]],
        )
        x = (np.random.default_rng(1).random((6, 4)) < 0.5).astype(np.uint8)
        zero_word = encode_weight_word([0, 0, 0, 0], 3) | (1 << 3) | (1 << 7)  # two -0 lanes
        got = stream(c, x, writes={0: (0, zero_word)})
        w = np.zeros((6, 1, 4), np.int64)
        w[0] = 5  # the write at cycle 0 is not seen by tick 0's read of word 0
        assert np.array_equal(got[1], reference(c, x, w)[1]), synapse


def test_reset_restarts_neurons_from_v_reset_and_keeps_weights() -> None:
    rng = np.random.default_rng(12)
    c = SCLayerTMConfig(
        n_inputs=7,
        n_neurons=3,
        lanes=3,
        thresholds=[4, 6, 9],
        weight_width=4,
        weights=rng.integers(-5, 16, (3, 7)).tolist(),
        leak_mode="shift",
        v_reset=-2,
        refractory=1,
    )
    x = (rng.random((8, 7)) < 0.8).astype(np.uint8)
    tw = SCLayerTMCycle(c)
    new = rng.integers(0, 16, c.lanes)
    for cycle in range(2 * c.tick_cycles + 5):  # two ticks and a bit, one write
        tw.step(
            x[cycle // c.tick_cycles],
            w_en=int(cycle == 3),
            w_addr=4,
            w_data=int(encode_weight_word(new, 4)),
        )
    tw.reset()
    got = []
    for cycle in range(3 * c.tick_cycles):
        o = tw.step(x[cycle // c.tick_cycles])
        if o.out_valid:
            got.append((o.out_spike, o.out_v))
    w = np.array(c.weights)
    w[1, 3:6] = new
    ref_s, ref_v = reference(
        SCLayerTMConfig(**{**sc_layer_tm_params(c), "weights": w.tolist()}), x[:3]
    )
    assert [g[0] for g in got] == ref_s.ravel().tolist()
    assert [g[1] for g in got] == ref_v.ravel().tolist()


def test_sizes_up_to_1024_by_1024() -> None:
    c = SCLayerTMConfig(
        n_inputs=1024,
        n_neurons=1024,
        lanes=64,
        thresholds=[40] * 1024,
        weight_width=4,
        weights=np.full((1024, 1024), 3).tolist(),
        v_width=16,
    )
    assert (c.chunks, c.words, c.word_width, c.tick_cycles) == (16, 16384, 320, 16384 + 8)
    x = np.ones((3, 1024), np.uint8)
    out = SCLayerTM(c).run(x)
    assert out.spikes.shape == (3, 1024)
    # every synapse has |w| = 3 of 16: the count's mean is 1024 * 3 / 16 = 192 > 40
    assert out.spikes[0].all()


# --------------------------------------------------------------------------
# Word format and parameters
# --------------------------------------------------------------------------


def test_word_layout_by_hand() -> None:
    # wb = 2: lane 0 = +1 -> 0b001, lane 1 = -2 -> 0b110, lane 2 = 0 -> 0b000
    assert encode_weight_word([1, -2, 0], 2) == 0b000_110_001
    assert decode_weight_word(0b000_110_001, 3, 2).tolist() == [1, -2, 0]
    assert decode_weight_word(0b100, 1, 2).tolist() == [0]  # negative zero


@settings(max_examples=50, deadline=None)
@given(st.integers(1, 16), st.data())
def test_word_round_trip(wb: int, data) -> None:
    top = (1 << wb) - 1
    lanes = data.draw(st.lists(st.integers(-top, top), min_size=1, max_size=64))
    word = encode_weight_word(lanes, wb)
    assert 0 <= word < 1 << (len(lanes) * (wb + 1))
    assert decode_weight_word(word, len(lanes), wb).tolist() == lanes


def test_weight_words_order_and_padding() -> None:
    w = [[1, 2, 3, 4, 5], [-1, -2, -3, -4, -5]]
    c = SCLayerTMConfig(
        n_inputs=5, n_neurons=2, lanes=2, thresholds=[1, 1], weight_width=3, weights=w
    )
    words = c.weight_words()
    assert len(words) == 6
    assert [decode_weight_word(wd, 2, 3).tolist() for wd in words] == [
        [1, 2],
        [3, 4],
        [5, 0],
        [-1, -2],
        [-3, -4],
        [-5, 0],
    ]


def test_params_round_trip() -> None:
    c = random_config(np.random.default_rng(3))
    p = sc_layer_tm_params(c)
    json.dumps(p)
    assert SCLayerTMConfig(**p) == c


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"lanes": 0}, ValueError, r"lanes must be in \[1, 10\], not 0"),
        ({"lanes": 11}, ValueError, r"lanes must be in \[1, 10\], not 11"),
        ({"lanes": 2.0}, TypeError, "lanes must be an integer"),
        ({"lanes": 2, "lane_rotations": [0]}, ValueError, "lane_rotations must hold lanes=2"),
        (
            {"lanes": 2, "lane_rotations": [0, 16]},
            ValueError,
            r"lane_rotations\[1\] must be in \[0, 15\]",
        ),
        ({"lane_rotations": "ab"}, TypeError, "lane_rotations must be a sequence"),
        ({"n_inputs": 1025}, ValueError, r"n_inputs must be in \[1, 1024\], not 1025"),
        ({"v_width": 4}, ValueError, "v_width must be in"),
        ({"thresholds": [1]}, ValueError, "thresholds must hold 2 entries"),
        ({"weights": [[300] * 10] * 2}, ValueError, r"weights\[0\]\[0\] must be in"),
        ({"weight_width": 17}, ValueError, r"weight_width must be in \[1, 16\], not 17"),
    ],
)
def test_errors_name_the_parameter(kwargs: dict, error: type, match: str) -> None:
    base = {"n_inputs": 10, "n_neurons": 2, "thresholds": [3, 3]}
    with pytest.raises(error, match=match):
        SCLayerTMConfig(**{**base, **kwargs})


def test_max_lanes_is_64() -> None:
    with pytest.raises(ValueError, match=r"lanes must be in \[1, 64\], not 65"):
        SCLayerTMConfig(n_inputs=100, n_neurons=1, thresholds=[3], lanes=65)


def test_word_errors() -> None:
    with pytest.raises(ValueError, match=r"weights must be <= 3"):
        encode_weight_word([4], 2)
    with pytest.raises(ValueError, match=r"word must be in \[0, 7\]"):
        decode_weight_word(8, 1, 2)


# --------------------------------------------------------------------------
# Hardware twin (construction; behaviour is checked by cosim and pysim)
# --------------------------------------------------------------------------


def test_hw_ports_follow_the_config() -> None:
    from sc_hw.sc_layer_tm import SCLayerTM as Hw

    c = SCLayerTMConfig(
        n_inputs=10, n_neurons=5, lanes=4, thresholds=[3] * 5, weight_width=5, v_width=9
    )
    hw = Hw(**sc_layer_tm_params(c))
    hw._MustUse__silence = True
    widths = {name: len(getattr(hw, name)) for name in hw.signature.members}
    assert widths == {
        "spikes": 10,
        "en": 1,
        "w_en": 1,
        "w_addr": 4,
        "w_data": 24,
        "out_valid": 1,
        "out_neuron": 3,
        "out_spike": 1,
        "out_v": 9,
        "tick_done": 1,
        "in_ready": 1,
    }
    with pytest.raises(ValueError, match="lanes must be in"):
        Hw(**{**sc_layer_tm_params(c), "lanes": 11})


def test_hw_long_pysim_run() -> None:
    """A core larger than the cosim draws (N 40, P 8) over 600 cycles in Amaranth's simulator."""
    from sc_cosim.blocks.sc_layer_tm import SPEC
    from sc_cosim.pysim import pysim_against_twin

    rng = np.random.default_rng(77)
    c = random_config(rng, max_n=40)
    p = {
        **sc_layer_tm_params(c),
        "n_inputs": 40,
        "lanes": 8,
        "weights": rng.integers(0, 1 << c.weight_width, (c.n_neurons, 40)).tolist(),
    }
    p.pop("lane_rotations", None)
    p["v_width"] = max(p["v_width"], 7)
    assert pysim_against_twin(SPEC, p, 77, 600) == ""


# --------------------------------------------------------------------------
# Export
# --------------------------------------------------------------------------


def test_export_files_by_hand(tmp_path) -> None:
    from sc_model.export import export_sc_layer_tm

    c = SCLayerTMConfig(
        n_inputs=3,
        n_neurons=2,
        lanes=2,
        weight_width=2,
        weights=[[1, -2, 3], [0, -3, -1]],
        thresholds=[5, 1],
        v_width=4,
        v_reset=-2,
        refractory=2,
    )
    out = export_sc_layer_tm(c, tmp_path)
    # words (3-bit lanes, lane 0 low): [1, -2] -> 110_001, [3, pad] -> 000_011,
    # [0, -3] -> 111_000, [-1, pad] -> 000_101
    assert (tmp_path / "weights.hex").read_text() == "31\n03\n38\n05\n"
    assert (tmp_path / "thresholds.hex").read_text() == "5\n1\n"  # 4-bit two's complement
    assert (tmp_path / "state_init.hex").read_text() == "0e\n0e\n"  # v_reset -2, rc 0 above
    params = json.loads((tmp_path / "params.json").read_text())
    assert params == out["params"]
    assert "weights" not in params and "thresholds" not in params
    assert params["memories"]["weights"] == {"file": "weights.hex", "depth": 4, "width": 6}
    assert params["memories"]["state_init"]["width"] == 4 + 2


@pytest.mark.parametrize("seed", range(5))
def test_export_load_round_trip(seed: int, tmp_path) -> None:
    from sc_hw.sc_layer_tm import SCLayerTM as Hw
    from sc_model.export import export_sc_layer_tm, load_sc_layer_tm

    c = random_config(np.random.default_rng([seed, 35]))
    export_sc_layer_tm(c, tmp_path)
    assert SCLayerTMConfig(**load_sc_layer_tm(tmp_path)) == c, f"seed={seed}"
    hw = Hw.from_export(tmp_path)
    hw._MustUse__silence = True
    assert hw.config == c


def test_load_sees_an_edited_file(tmp_path) -> None:
    from sc_model.export import export_sc_layer_tm, load_sc_layer_tm

    c = SCLayerTMConfig(n_inputs=4, n_neurons=2, lanes=4, thresholds=[3, 4], weight_width=3)
    export_sc_layer_tm(c, tmp_path)
    (tmp_path / "thresholds.hex").write_text("0003\n0007\n")
    assert load_sc_layer_tm(tmp_path)["thresholds"] == [3, 7]
    (tmp_path / "weights.hex").write_text("0000\n")
    with pytest.raises(ValueError, match="must hold depth=2 words, one per line, not 1"):
        load_sc_layer_tm(tmp_path)
    (tmp_path / "weights.hex").write_text("10000\n0\n")
    with pytest.raises(ValueError, match="does not fit width=16 bits"):
        load_sc_layer_tm(tmp_path)
    (tmp_path / "weights.hex").write_text("zz\n0\n")
    with pytest.raises(ValueError, match="line 1 must be a hex number"):
        load_sc_layer_tm(tmp_path)


def test_parallel_export_round_trip(tmp_path) -> None:
    from sc_model.export import export_sc_layer, load_sc_layer, load_sc_layer_tm
    from sc_model.sc_layer import SCLayerConfig

    c = SCLayerConfig(
        n_inputs=5,
        n_neurons=2,
        thresholds=[3, 4],
        weights=[[1, 2, 3, 4, 5], [-1] * 5],
        leak_mode="shift",
    )
    export_sc_layer(c, tmp_path)
    assert SCLayerConfig(**load_sc_layer(tmp_path)) == c
    with pytest.raises(ValueError, match="must describe block 'sc_layer_tm', not 'sc_layer'"):
        load_sc_layer_tm(tmp_path)
    with pytest.raises(TypeError, match="config must be an SCLayerConfig"):
        export_sc_layer(SCLayerTMConfig(n_inputs=2, n_neurons=1, thresholds=[1]), tmp_path)


@pytest.mark.parametrize("bank_words", [1, 2, 4, 8])
def test_hw_banked_weight_memory(bank_words: int, monkeypatch) -> None:
    """Weight memories deeper than a bank (1024 words on a device) split into banks:
    the same behaviour with tiny banks, including writes to every bank."""
    import sc_hw.sc_layer_tm as hw_module
    from sc_cosim.blocks.sc_layer_tm import SPEC
    from sc_cosim.pysim import pysim_against_twin

    monkeypatch.setattr(hw_module, "BANK_WORDS", bank_words)
    rng = np.random.default_rng(bank_words)
    c = SCLayerTMConfig(
        n_inputs=10,
        n_neurons=4,
        lanes=2,
        thresholds=[2, 3, 4, 5],
        weight_width=3,
        weights=rng.integers(-3, 8, (4, 10)).tolist(),
        v_width=6,
        leak_mode="constant",
    )
    assert c.words == 20
    assert pysim_against_twin(SPEC, sc_layer_tm_params(c), bank_words, 500) == ""
