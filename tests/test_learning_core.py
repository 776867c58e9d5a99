"""Tests of the learning layer core model (:mod:`sc_model.learning_core`).

Expected weights come from an independent per-synapse pure-Python reference
of the STDP rule (scalar loops over ticks, the contract's formulas), from
closed forms of a single pairing, or from properties (bounds, plasticity off
equals the plain TM layer, unbiased rounding). Failing randomised tests print
their seed.
"""

from __future__ import annotations

import numpy as np
import pytest
from core_outputs import check_presented

from sc_model.learning_core import (
    LearningCore,
    LearningCoreConfig,
    LearningCoreCycle,
    learning_core_params,
)
from sc_model.sc_layer_tm import SCLayerTM, SCLayerTMCycle, decode_weight_word, encode_weight_word
from sc_model.sng import select_bits


def _random_config(rng: np.random.Generator, **over: object) -> LearningCoreConfig:
    n = int(rng.integers(1, 11))
    m = int(rng.integers(1, 5))
    wb = int(rng.integers(2, 7))
    top = (1 << wb) - 1
    w_min = -int(rng.integers(0, top + 1))
    w_max = int(rng.integers(0, top + 1))
    tb = int(rng.integers(2, 9))
    rounding = str(rng.choice(["floor", "stochastic"]))
    params: dict[str, object] = dict(
        n_inputs=n,
        n_neurons=m,
        lanes=int(rng.integers(1, n + 1)),
        weight_width=wb,
        weights=rng.integers(w_min, w_max + 1, (m, n)).tolist(),
        thresholds=rng.integers(1, n + 2, m).tolist(),
        synapse=str(rng.choice(["and", "xnor"])),
        width=int(rng.integers(8, 17)),
        trace_width=tb,
        pre_increment=int(rng.integers(0, 1 << tb)),
        post_increment=int(rng.integers(0, 1 << tb)),
        decay_shift=int(rng.integers(1, tb + 1)),
        a_plus=int(rng.integers(0, 50)),
        a_minus=int(rng.integers(0, 50)),
        update_shift=int(rng.integers(1, 8)),
        rounding=rounding,
        w_min=w_min,
        w_max=w_max,
    )
    params.update(over)
    return LearningCoreConfig(**params)  # type: ignore[arg-type]


def _reference_weights(c: LearningCoreConfig, pre: np.ndarray, post: np.ndarray) -> np.ndarray:
    """Weights read by the layer in every tick, from scalar loops over the contract.

    Independent of the module: its own traces, rounding LFSR indexing (stepped
    through :func:`sc_model.lfsr.lfsr_sequence` only for the states) and
    bit selection via :func:`sc_model.sng.select_bits` per lane.
    """
    from sc_model.lfsr import lfsr_sequence

    n_ticks = pre.shape[0]
    n, m, p, ch = c.n_inputs, c.n_neurons, c.lanes, c.chunks
    t_cyc = m * ch + 8
    states = lfsr_sequence(c.width, c.stdp_seed, n_ticks * t_cyc + 3, c.taps, c.form)
    xmax = (1 << c.trace_width) - 1
    w = [[int(v) for v in row] for row in c.weights]
    xt, yt = [0] * n, [0] * m
    hist = []
    pending = None
    for t in range(n_ticks):
        hist.append([row[:] for row in w])
        if pending is not None:
            px, py, ppre, ppost = pending
            for mi in range(m):
                for j in range(n):
                    word, lane = mi * ch + j // p, j % p
                    r = 0
                    if c.rounding == "stochastic":
                        st = states[t * t_cyc + word + 3]
                        r = int(
                            select_bits(
                                np.array([st]),
                                c.width,
                                c.update_shift,
                                rotation=c.lane_rotations[lane],
                            )[0]
                        )
                    s = c.update_shift

                    def rnd(v: int, r: int = r, s: int = s) -> int:
                        up = c.rounding == "stochastic" and r < v % (1 << s)
                        return (v >> s) + int(up)

                    dw = (rnd(c.a_plus * px[j]) if ppost[mi] else 0) - (
                        rnd(c.a_minus * py[mi]) if ppre[j] else 0
                    )
                    w[mi][j] = min(max(w[mi][j] + dw, c.w_min), c.w_max)
        pending = (xt[:], yt[:], pre[t].tolist(), post[t].tolist())
        q = c.decay_shift
        xt = [
            min(v - (v >> q) + c.pre_increment, xmax) if s else v - (v >> q)
            for v, s in zip(xt, pre[t], strict=True)
        ]
        yt = [
            min(v - (v >> q) + c.post_increment, xmax) if s else v - (v >> q)
            for v, s in zip(yt, post[t], strict=True)
        ]
    return np.array(hist, dtype=np.int64)


@pytest.mark.parametrize("seed", range(12))
def test_weights_follow_the_per_synapse_reference(seed: int) -> None:
    rng = np.random.default_rng(seed)
    c = _random_config(rng)
    x = (rng.random((25, c.n_inputs)) < rng.uniform(0.2, 0.8)).astype(np.uint8)
    run = LearningCore(c).run(x)
    ref = _reference_weights(c, x, run.spikes)
    assert np.array_equal(run.weights, ref), f"seed {seed}: {learning_core_params(c)}"


@pytest.mark.parametrize("seed", range(8))
def test_cycle_twin_equals_tick_model(seed: int) -> None:
    rng = np.random.default_rng(100 + seed)
    c = _random_config(rng)
    ticks = 10
    x = (rng.random((ticks, c.n_inputs)) < 0.5).astype(np.uint8)
    run = LearningCore(c).run(x)
    cyc = LearningCoreCycle(c)
    for t in range(ticks):
        assert np.array_equal(cyc.weights[:, : c.n_inputs], run.weights[t]), f"seed {seed} t {t}"
        seen = 0
        k = 0
        if t > 0:  # the memories' trace fields at the tick's start: x_{t-1}, pre[t-1], ...
            xm, pre, ym, post = cyc.traces()
            assert np.array_equal(xm, run.pre_trace[t - 1]), f"seed {seed} t {t}"
            assert np.array_equal(pre, x[t - 1]), f"seed {seed} t {t}"
            assert np.array_equal(ym, run.post_trace[t - 1]), f"seed {seed} t {t}"
            assert np.array_equal(post, run.spikes[t - 1]), f"seed {seed} t {t}"
        while k < c.tick_cycles:
            en = int(rng.random() < 0.85)
            o = cyc.step(x[t], en)
            if en:
                seen += check_presented(o, run, t, f"seed {seed} tick {t}")
            k += en
        assert seen == c.n_neurons


def test_update_writes_every_word_six_cycles_after_its_read() -> None:
    c = LearningCoreConfig(n_inputs=5, n_neurons=3, lanes=2, thresholds=[2, 2, 2])
    cyc = LearningCoreCycle(c)
    x = np.ones(5, np.uint8)
    for _ in range(2):
        addrs = []
        for k in range(c.tick_cycles):
            o = cyc.step(x)
            if o.upd_en:
                addrs.append((k, o.upd_addr))
        assert addrs == [(a + 6, a) for a in range(c.words)]


@pytest.mark.parametrize("seed", range(6))
def test_plasticity_off_equals_the_tm_layer_cycle_for_cycle(seed: int) -> None:
    rng = np.random.default_rng(200 + seed)
    c = _random_config(rng, a_plus=0, a_minus=0)
    layer = SCLayerTMCycle(c.layer_config())
    core = LearningCoreCycle(c)
    for cycle in range(6 * c.tick_cycles):
        x = (rng.random(c.n_inputs) < 0.6).astype(np.uint8)
        en = int(rng.random() < 0.9)
        if rng.random() < 0.01:
            layer.reset()
            core.reset()
        a, b = layer.step(x, en), core.step(x, en)
        assert tuple(a) == tuple(b)[:6], f"seed {seed} cycle {cycle}"
    ticks = (rng.random((20, c.n_inputs)) < 0.5).astype(np.uint8)
    ref = SCLayerTM(c.layer_config()).run(ticks)
    run = LearningCore(c).run(ticks)
    assert np.array_equal(ref.spikes, run.spikes) and np.array_equal(ref.v, run.v)
    assert (run.weights == np.asarray(c.weights)).all()


def test_pre_before_post_pairing_closed_form() -> None:
    """One pre spike (input 0, tick 2) and the post spikes driven by input 2.

    With a_minus = 0 and floor rounding, synapse (m, 0) gains
    sum over m's post ticks t > 2 of (a_plus D^(t-3)(a_x)) >> s; input 1 never
    spikes so (m, 1) never changes; a neuron that never fires keeps its weights.
    """
    a_x, q, a_plus, s = 200, 2, 3, 3
    c = LearningCoreConfig(
        n_inputs=3,
        n_neurons=2,
        lanes=2,
        weight_width=8,
        weights=[[0, 0, 255], [0, 0, 255]],
        thresholds=[1, 32000],
        trace_width=8,
        pre_increment=a_x,
        decay_shift=q,
        a_plus=a_plus,
        a_minus=0,
        update_shift=s,
    )
    n_ticks = 14
    x = np.zeros((n_ticks, 3), np.uint8)
    x[2, 0] = 1
    x[:, 2] = 1  # the driver; its pre spikes only depress (a_minus = 0: nothing)
    run = LearningCore(c).run(x)
    assert run.spikes[:, 1].sum() == 0
    assert run.spikes[3:, 0].sum() >= 3  # the scenario pairs several times
    decayed = [a_x]
    for _ in range(n_ticks):
        decayed.append(decayed[-1] - (decayed[-1] >> q))
    for t in range(n_ticks):
        # the update of tick u's spikes is visible from tick u + 2
        expected = sum((a_plus * decayed[u - 3]) >> s for u in range(3, t - 1) if run.spikes[u, 0])
        expected = min(expected, 255)  # potentiation only: one clamp at w_max
        assert run.weights[t, 0, 0] == expected, t
        assert run.weights[t, 0, 1] == 0 and run.weights[t, 1, 1] == 0
        assert run.weights[t, 1, 0] == 0
    # the driver (pre every tick) pairs with every earlier post spike too: potentiated only
    assert (np.diff(run.weights[:, 0, 2]) >= 0).all()


def test_post_before_pre_depresses_by_the_closed_form() -> None:
    a_y, q, a_minus, s = 160, 1, 9, 2
    c = LearningCoreConfig(
        n_inputs=2,
        n_neurons=1,
        lanes=1,
        weight_width=8,
        weights=[[100, 255]],
        thresholds=[1],
        refractory=0,
        trace_width=8,
        post_increment=a_y,
        decay_shift=q,
        a_plus=0,
        a_minus=a_minus,
        update_shift=s,
    )
    n_ticks = 12
    x = np.zeros((n_ticks, 2), np.uint8)
    x[:, 1] = 1  # drives the neuron
    x[6, 0] = 1  # probe pre spike at tick 6
    run = LearningCore(c).run(x)
    post = run.spikes[:, 0]
    y = 0
    for t in range(6):  # post trace before tick 6's spikes
        y = y - (y >> q)
        if post[t]:
            y = min(y + a_y, 255)
    assert run.weights[7, 0, 0] == 100  # not yet visible
    assert run.weights[8, 0, 0] == max(100 - ((a_minus * y) >> s), -255)
    assert y > 0


@pytest.mark.parametrize("seed", range(6))
def test_weights_never_leave_the_bounds(seed: int) -> None:
    rng = np.random.default_rng(300 + seed)
    c = _random_config(
        rng,
        a_plus=int(rng.integers(500, 5000)),
        a_minus=int(rng.integers(500, 5000)),
        update_shift=1,
    )
    x = (rng.random((40, c.n_inputs)) < 0.5).astype(np.uint8)
    run = LearningCore(c).run(x)
    assert run.weights.min() >= c.w_min and run.weights.max() <= c.w_max, f"seed {seed}"
    assert run.pre_trace.max() <= (1 << c.trace_width) - 1


def test_stochastic_rounding_is_unbiased_over_seeds() -> None:
    """pre at tick 0, post at tick 1: the weight gains R(a_plus a_x) in tick 3, mean 2.5."""
    a_plus, a_x, s = 5, 128, 8  # 640 / 256 = 2.5
    deltas = []
    for stdp_seed in range(1, 2001):
        c = LearningCoreConfig(
            n_inputs=2,
            n_neurons=1,
            lanes=2,
            weight_width=6,
            weights=[[10, 63]],
            thresholds=[1],
            trace_width=8,
            pre_increment=a_x,
            a_plus=a_plus,
            a_minus=0,
            update_shift=s,
            rounding="stochastic",
            stdp_seed=stdp_seed,
            seed=0xACE1,
        )
        x = np.array([[1, 0], [0, 1], [0, 0], [0, 0]], np.uint8)
        run = LearningCore(c).run(x)
        assert run.spikes[1, 0] == 1 and run.spikes[0, 0] == 0
        deltas.append(run.weights[3, 0, 0] - 10)
    d = np.array(deltas)
    assert set(d.tolist()) == {2, 3}
    assert abs(d.mean() - 2.5) < 4 * 0.5 / np.sqrt(d.size)


def test_cycle_twin_writes_are_the_layers_weights() -> None:
    rng = np.random.default_rng(7)
    c = _random_config(rng, a_plus=30, a_minus=20)
    cyc = LearningCoreCycle(c)
    shadow = np.array(cyc.weights)
    for _ in range(5 * c.tick_cycles):
        o = cyc.step((rng.random(c.n_inputs) < 0.5).astype(np.uint8), int(rng.random() < 0.9))
        if o.upd_en:
            mm, cc = divmod(o.upd_addr, c.chunks)
            shadow[mm, cc * c.lanes : (cc + 1) * c.lanes] = decode_weight_word(
                o.upd_data, c.lanes, c.weight_width
            )
        assert np.array_equal(shadow, cyc.weights)


@pytest.mark.parametrize(
    ("over", "message"),
    [
        ({"trace_width": 0}, "trace_width must be in [1, 16], not 0"),
        ({"a_plus": -1}, "a_plus must be in [0, 65535], not -1"),
        ({"w_min": 3}, "w_min must be in [-255, 0], not 3"),
        ({"w_max": 300}, "w_max must be in [0, 255], not 300"),
        ({"weights": [[5, 0]], "w_max": 4}, "weights[0][0] = 5 is outside [w_min, w_max]"),
        ({"rounding": "up"}, "rounding"),
        ({"rounding": "stochastic", "update_shift": 0}, "update_shift must be in [1, 16], not 0"),
        ({"decay_shift": 9}, "decay_shift must be in [1, 8], not 9"),
        ({"stdp_seed": 0}, "stdp_seed"),
    ],
)
def test_errors_name_parameter_value_and_range(over: dict, message: str) -> None:
    params = dict(n_inputs=2, n_neurons=1, thresholds=[1]) | over
    with pytest.raises((ValueError, TypeError)) as err:
        LearningCoreConfig(**params)
    assert message in str(err.value)


@pytest.mark.parametrize("seed", range(4))
def test_learns_the_causal_order_of_a_sequence(seed: int) -> None:
    """A (inputs 0-3) fires a tick before the drivers (12-19) make the neuron fire,
    B (4-7) a tick after, C (8-11) at random with the same rate: STDP ranks the
    weights A > C > B (pre-before-post potentiates, post-before-pre depresses)."""
    n = 20
    c = LearningCoreConfig(
        n_inputs=n,
        n_neurons=1,
        lanes=4,
        weights=[[64] * 12 + [255] * 8],
        thresholds=[7],
        leak_mode="shift",
        leak_shift=1,
        trace_width=8,
        a_plus=10,
        a_minus=10,
        update_shift=5,
        rounding="stochastic",
        w_min=0,
        w_max=255,
        seed=0xACE1,
        stdp_seed=1 + seed,
    )
    rng = np.random.default_rng(seed)
    ticks = 600
    x = np.zeros((ticks, n), np.uint8)
    for t0 in range(0, ticks - 3, 6):
        x[t0, 0:4] = 1
        x[t0 + 1, 12:] = 1
        x[t0 + 2, 4:8] = 1
    x[:, 8:12] = rng.random((ticks, 4)) < 1 / 6
    run = LearningCore(c).run(x)
    w = run.weights[-1, 0]
    a, b, r = w[0:4].mean(), w[4:8].mean(), w[8:12].mean()
    assert a > r > b and a - b > 200, f"seed {seed}: A {w[0:4]} B {w[4:8]} C {w[8:12]}"
    assert run.spikes[1::6, 0].mean() > 0.8, f"seed {seed}: the drivers stop driving"


# --------------------------------------------------------------------------
# Host port (contract: module docstring "Host port", "Host arbitration")
# --------------------------------------------------------------------------


def _host_cycle(cyc: LearningCoreCycle, en: int, **host: int) -> object:
    """One cycle with no input spikes and the given host request."""
    return cyc.step(np.zeros(cyc.config.n_inputs, np.uint8), en, host_req=1, **host)


@pytest.mark.parametrize("seed", range(6))
def test_host_loads_an_image_at_k0_then_the_run_equals_the_tick_model(seed: int) -> None:
    """An image written with en held low after reset is the one the run starts from."""
    rng = np.random.default_rng(300 + seed)
    c = _random_config(rng)
    image = rng.integers(c.w_min, c.w_max + 1, (c.n_neurons, c.n_inputs))
    target = LearningCoreConfig(**{**learning_core_params(c), "weights": image.tolist()})
    words = target.weight_words()
    cyc = LearningCoreCycle(c)
    for addr, word in enumerate(words):  # served every cycle while en is low at k = 0
        o = _host_cycle(cyc, 0, host_we=1, host_space=0, host_addr=addr, host_wdata=word)
        assert o.host_ack == 1
    # read back every word: rvalid exactly three cycles after each ack, data as written
    got = []
    for addr in range(c.words + 3):
        o = _host_cycle(cyc, 0, host_we=0, host_space=0, host_addr=min(addr, c.words - 1))
        assert o.host_ack == 1
        assert o.host_rvalid == int(addr >= 3)
        if o.host_rvalid:
            got.append(o.host_rdata)
    assert got == words, f"seed {seed}"
    ticks = 6
    x = (rng.random((ticks, c.n_inputs)) < 0.5).astype(np.uint8)
    run = LearningCore(c).run(x, weights=image)
    for t in range(ticks):
        assert np.array_equal(cyc.weights[:, : c.n_inputs], run.weights[t]), f"seed {seed} t {t}"
        for _ in range(c.tick_cycles):
            o = cyc.step(x[t], 1)
            if o.out_valid:
                assert o.out_spike == run.spikes[t, o.out_neuron], f"seed {seed} t {t}"


def test_host_is_served_only_in_the_ticks_last_cycle_while_running() -> None:
    c = LearningCoreConfig(n_inputs=6, n_neurons=3, lanes=2, thresholds=[2, 2, 2], a_plus=9)
    cyc = LearningCoreCycle(c)
    acks = []
    for cycle in range(3 * c.tick_cycles):
        o = _host_cycle(cyc, 1, host_we=0, host_space=1, host_addr=cycle % 3)
        if o.host_ack:
            acks.append(cycle)
    t = c.tick_cycles
    assert acks == [t - 1, 2 * t - 1, 3 * t - 1]  # worst wait T - 1 cycles


def test_host_write_is_read_by_the_next_tick_and_updated_by_its_pass() -> None:
    """Learning off: the written word is what the next tick's layer uses and keeps."""
    c = LearningCoreConfig(
        n_inputs=4, n_neurons=2, lanes=2, thresholds=[3, 3], weights=[[0] * 4, [0] * 4]
    )
    cyc = LearningCoreCycle(c)
    ones = np.ones(4, np.uint8)
    for _ in range(c.tick_cycles - 1):
        o = cyc.step(ones, 1)
        assert o.out_spike == 0
    word = encode_weight_word([255, 255], 8)
    for addr in range(c.words):
        o = cyc.step(ones, 1 if addr == 0 else 0, 1, 1, 0, addr, word)
        assert o.host_ack == 1
    spikes = []
    for _ in range(c.tick_cycles):
        o = cyc.step(ones, 1)
        if o.out_valid:
            spikes.append(o.out_spike)
    assert spikes == [1, 1]  # the layer saw the host's weights in the tick after the write
    assert cyc.weights.tolist() == [[255] * 4, [255] * 4]


def test_host_reads_thresholds_and_state_and_writes_them() -> None:
    c = LearningCoreConfig(
        n_inputs=4,
        n_neurons=3,
        lanes=2,
        thresholds=[3, 5, 7],
        v_width=8,
        refractory=2,
        weights=[[20] * 4] * 3,
    )
    cyc = LearningCoreCycle(c)
    reads = []
    for space, addr in [(1, 0), (1, 1), (1, 2), (2, 1), (5, 0), (1, 3), (0, c.words)]:
        o = _host_cycle(cyc, 0, host_we=0, host_space=space, host_addr=addr)
        reads.append(o)
    for _ in range(3):
        reads.append(cyc.step(np.zeros(4, np.uint8), 0))
    data = [o.host_rdata for o in reads[3:] if o.host_rvalid]
    # thresholds, state of neuron 1 (v_reset 0, refractory 0), ignored reads give 0
    assert data == [3, 5, 7, 0, 0, 0, 0]
    # write neuron 1's threshold to 100 and neuron 2's state to v = -5 with refractory 2
    _host_cycle(cyc, 0, host_we=1, host_space=1, host_addr=1, host_wdata=100)
    _host_cycle(cyc, 0, host_we=1, host_space=2, host_addr=2, host_wdata=(-5 & 0xFF) | 2 << 8)
    assert cyc.layer.thresholds.tolist() == [3, 100, 7]
    assert (cyc.layer.state_v[2], cyc.layer.state_rc[2]) == (-5, 2)
    with pytest.raises(ValueError, match="threshold word .* outside the allowed"):
        _host_cycle(cyc, 0, host_we=1, host_space=1, host_addr=0, host_wdata=0)


def test_host_inputs_are_checked() -> None:
    c = LearningCoreConfig(n_inputs=4, n_neurons=2, lanes=2, thresholds=[3, 3])
    cyc = LearningCoreCycle(c)
    with pytest.raises(ValueError, match="host_space"):
        cyc.step(np.zeros(4, np.uint8), 1, 1, 0, 8, 0, 0)
    with pytest.raises(ValueError, match="host_addr"):
        cyc.step(np.zeros(4, np.uint8), 1, 1, 0, 0, 1 << c.host_addr_width, 0)


@pytest.mark.parametrize("seed", range(4))
def test_traces_live_in_memory_and_the_host_reads_them(seed: int) -> None:
    """Pre-trace words and state words hold x_{t-1}, pre[t-1], y_{t-1}, post[t-1] at tick t."""
    rng = np.random.default_rng(400 + seed)
    c = _random_config(rng)
    ticks = 5
    x = (rng.random((ticks, c.n_inputs)) < 0.5).astype(np.uint8)
    run = LearningCore(c).run(x)
    cyc = LearningCoreCycle(c)
    for t in range(ticks):
        for _ in range(c.tick_cycles):
            cyc.step(x[t], 1)
    # held at k = 0 of tick `ticks`: read every pre-trace word and every state word
    requests = [(3, a) for a in range(c.chunks)] + [(2, a) for a in range(c.n_neurons)]
    data = []
    for space, addr in requests + [(7, 0)] * 3:  # two more cycles: the last data
        o = _host_cycle(cyc, 0, host_we=0, host_space=space, host_addr=addr)
        if o.host_rvalid:
            data.append(o.host_rdata)
    tb, lanes = c.trace_width, c.lanes
    pre_words, state_words = data[: c.chunks], data[c.chunks :]
    xs = [(w >> (lane * tb)) & c.trace_max for w in pre_words for lane in range(lanes)]
    bits = [(w >> (lanes * tb + lane)) & 1 for w in pre_words for lane in range(lanes)]
    assert xs[: c.n_inputs] == run.pre_trace[-1].tolist(), f"seed {seed}"
    assert bits[: c.n_inputs] == x[-1].tolist(), f"seed {seed}"
    base = c.v_width + c.refractory_width
    ys = [(w >> base) & c.trace_max for w in state_words]
    posts = [(w >> (base + tb)) & 1 for w in state_words]
    vs = [w & ((1 << c.v_width) - 1) for w in state_words]
    assert ys == run.post_trace[-1].tolist(), f"seed {seed}"
    assert posts == run.spikes[-1].tolist(), f"seed {seed}"
    assert vs == (run.v[-1] & ((1 << c.v_width) - 1)).tolist(), f"seed {seed}"


# --------------------------------------------------------------------------
# R-STDP (rule="rstdp"): the rstdp unit's integer semantics, one unit cycle per tick
# --------------------------------------------------------------------------


def _rstdp_config(rng: np.random.Generator, **over: object) -> LearningCoreConfig:
    eb = int(rng.integers(4, 13))
    return _random_config(
        rng,
        rule="rstdp",
        elig_width=eb,
        elig_decay_shift=int(rng.integers(1, eb)),
        reward_width=int(rng.integers(3, 9)),
        reward_shift=int(rng.integers(0, 4)),
        **over,
    )


def _rewards(rng: np.random.Generator, c: LearningCoreConfig, ticks: int):
    half = 1 << (c.reward_width - 1)
    return rng.integers(-half, half, ticks), (rng.random(ticks) < 0.4).astype(np.int64)


@pytest.mark.parametrize("seed", range(6))
def test_rstdp_core_equals_the_rstdp_unit_on_the_cores_spikes(seed: int) -> None:
    """Tick t of the core is cycle t of sc_model.rstdp (floor rounding, period 0, no delay)."""
    from sc_model.rstdp import check_rstdp_params, rstdp_run

    rng = np.random.default_rng(500 + seed)
    c = _rstdp_config(
        rng,
        rounding="floor",
        a_plus=int(rng.integers(20, 60)),
        a_minus=int(rng.integers(20, 60)),
        update_shift=int(rng.integers(0, 4)),
        weight_width=6,
        w_min=-63,
        w_max=63,
        synapse="and",
    )
    # busy neurons (low thresholds, mostly excitatory weights), so that pairs form
    busy = rng.integers(-10, 64, (c.n_neurons, c.n_inputs)).tolist()
    c = LearningCoreConfig(
        **{**learning_core_params(c), "weights": busy, "thresholds": [1] * c.n_neurons}
    )
    ticks = 30
    x = (rng.random((ticks, c.n_inputs)) < 0.5).astype(np.uint8)
    rew, stb = _rewards(rng, c, ticks)
    run = LearningCore(c).run(x, reward=rew, reward_strobe=stb)
    p = check_rstdp_params(
        n_pre=c.n_inputs,
        n_post=c.n_neurons,
        weights=np.asarray(c.weights).tolist(),
        **c.rstdp_unit_params(),
    )
    unit = rstdp_run(p, x, run.spikes, rew, stb)
    # the layer of tick t reads the weights after the updates of ticks 0 .. t-2
    assert np.array_equal(run.weights[1:], unit.weights[:-1]), f"seed {seed}"
    assert np.array_equal(run.eligibility[1:], unit.eligibility[:-1]), f"seed {seed}"
    assert np.array_equal(run.pre_trace, unit.pre_trace), f"seed {seed}"
    assert np.array_equal(run.post_trace, unit.post_trace), f"seed {seed}"
    assert (run.eligibility != 0).any(), f"seed {seed}: nothing paired"


@pytest.mark.parametrize("seed", range(6))
def test_rstdp_cycle_twin_equals_tick_model(seed: int) -> None:
    rng = np.random.default_rng(600 + seed)
    c = _rstdp_config(rng)
    ticks = 10
    x = (rng.random((ticks, c.n_inputs)) < 0.5).astype(np.uint8)
    rew, stb = _rewards(rng, c, ticks)
    run = LearningCore(c).run(x, reward=rew, reward_strobe=stb)
    cyc = LearningCoreCycle(c)
    for t in range(ticks):
        assert np.array_equal(cyc.weights[:, : c.n_inputs], run.weights[t]), f"seed {seed} t {t}"
        if t > 0:
            e = np.array([cyc.elig_lanes(a) for a in range(c.words)]).reshape(c.n_neurons, -1)
            assert np.array_equal(e[:, : c.n_inputs], run.eligibility[t]), f"seed {seed} t {t}"
        k = 0
        while k < c.tick_cycles:
            en = int(rng.random() < 0.85)
            o = cyc.step(x[t], en, reward=int(rew[t]), reward_strobe=int(stb[t]))
            if en and o.out_valid:
                assert o.out_spike == run.spikes[t, o.out_neuron], f"seed {seed} tick {t}"
            k += en


@pytest.mark.parametrize("seed", range(5))
def test_export_then_load_gives_back_every_parameter(seed: int, tmp_path) -> None:
    """The files of ``export_learning_core`` load back to the same core (weights decoded
    from the host-port image, negative thresholds sign-extended)."""
    from sc_model.export import export_learning_core, load_image_words, load_learning_core

    rng = np.random.default_rng(900 + seed)
    config = _random_config(rng)
    thresholds = rng.integers(-7, 5, config.n_neurons).tolist()  # some negative
    params = {**learning_core_params(config), "v_reset": -8, "thresholds": thresholds}
    config = LearningCoreConfig(**params)
    export_learning_core(config, tmp_path)
    assert load_learning_core(tmp_path) == learning_core_params(config), f"seed {seed}"
    assert load_image_words(tmp_path) == list(config.weight_words()), f"seed {seed}"
    without = load_learning_core(tmp_path, with_weights=False)
    assert "weights" not in without or not any(any(r) for r in without["weights"])


@pytest.mark.parametrize(
    ("name", "n", "m", "lanes", "rule", "ticks_cycles", "elig_width"),
    [
        ("learning_core_ecp5.json", 256, 256, 8, "stdp", 8200, None),
        ("learning_core_ecp5_rstdp.json", 256, 128, 8, "rstdp", 4104, 8),
        ("learning_core_ecp5_rstdp_65k.json", 256, 256, 8, "rstdp", 8200, 4),
        ("learning_core_up5k_ebr.json", 64, 128, 8, "stdp", 1032, None),
        ("learning_core_up5k_rstdp_ebr.json", 64, 80, 4, "rstdp", 1288, 8),
        ("learning_core_up5k_rstdp.json", 256, 128, 1, "rstdp", 32776, 8),
    ],
)
def test_parameter_files_are_the_cores_the_docs_measure(
    name, n, m, lanes, rule, ticks_cycles, elig_width
):
    """configs/*.json load as the sizes, rules and tick lengths docs/learning_core.md quotes."""
    import json
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "configs" / name
    c = LearningCoreConfig(**json.loads(path.read_text()))
    assert (c.n_inputs, c.n_neurons, c.lanes, c.rule) == (n, m, lanes, rule)
    assert c.tick_cycles == c.n_neurons * c.chunks + 8 == ticks_cycles
    assert (c.weight_width, c.rounding) == (8, "stochastic")
    if rule == "rstdp":
        assert (c.elig_width, c.reward_width, c.reward_shift) == (elig_width, 8, 6)


@pytest.mark.parametrize("rule", ["stdp", "rstdp"])
def test_host_words_between_ticks_equal_the_cycle_twins_memories(rule: str) -> None:
    """LearningCore.host_words (what the batch path's end-of-run readout expects) equals
    what the cycle twin's host port reads after the same ticks, in every space."""
    rng = np.random.default_rng([7, len(rule)])
    params: dict[str, object] = dict(  # 10 inputs on 4 lanes: two padding lanes
        n_inputs=10,
        n_neurons=3,
        lanes=4,
        weight_width=6,
        weights=rng.integers(-40, 64, (3, 10)).tolist(),
        thresholds=[5, 8, 12],
        v_width=8,
        refractory=2,
        trace_width=6,
        a_plus=20,
        a_minus=12,
        update_shift=4,
        rounding="stochastic",
    )
    if rule == "rstdp":
        params |= {"rule": "rstdp", "elig_width": 10, "reward_shift": 4}
    c = LearningCoreConfig(**params)
    n = 12
    x = (rng.random((n, c.n_inputs)) < 0.5).astype(np.uint8)
    reward, strobe = rng.integers(-100, 100, n), (rng.random(n) < 0.5).astype(int)
    core = LearningCore(c)
    with pytest.raises(ValueError, match="after the first tick"):
        core.host_words()
    twin = LearningCoreCycle(c)
    for t in range(n):
        core.step(x[t], int(reward[t]), int(strobe[t]))
        for _ in range(c.tick_cycles):
            twin.step(x[t], 1, reward=int(reward[t]), reward_strobe=int(strobe[t]))
    words = core.host_words()
    assert sorted(words) == ([0, 1, 2, 3, 4] if rule == "rstdp" else [0, 1, 2, 3])
    for space, got in words.items():
        assert got == [twin.host_read(space, a) for a in range(len(got))], space
        assert any(got), f"space {space} all zero: not a useful check"
