"""sc_model.lif / sc_hw.lif: the bitstream LIF neuron.

Expected values come from closed forms (firing periods, exact long-run
rates, geometric decay), from an independent per-cycle Python transcription
of the contract (:func:`ref_lif`, Python ints and ``//``), or from
properties, never from the code under test.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from amaranth.hdl import Shape, signed
from amaranth.sim import Simulator
from hypothesis import given, settings
from hypothesis import strategies as st

from sc_cosim.blocks.lif import SPEC, random_lif_params, to_signed
from sc_cosim.harness import params_for
from sc_hw.lif import LIFNeuron
from sc_model import lif as L

# ---------------------------------------------------------------------------
# Independent reference
# ---------------------------------------------------------------------------


def ref_lif(xs, en=None, **params) -> dict[str, list[int]]:
    """One neuron, cycle by cycle, in Python ints, from the contract's words.

    Returns the outputs seen in every cycle (``spike``, ``v``, ``rc``) and,
    per cycle, whether the exact sum ``L(v) + x`` left the range (``low``,
    ``high``: the clamp acted) or equalled the threshold (``hit``).
    """
    w = params["v_width"]
    thr = params["threshold"]
    v_reset = params.get("v_reset", 0)
    leak_mode = params.get("leak_mode", "none")
    k = params.get("leak_shift") or min(4, w - 1)
    c = params.get("leak_const")
    c = 1 if c is None else c
    subtract = params.get("reset_mode", "value") == "subtract"
    refractory = params.get("refractory", 0)
    registered = params.get("input_register", False)
    lo, hi = -(2 ** (w - 1)), 2 ** (w - 1) - 1
    v, spike, rc, held = v_reset, 0, 0, 0
    out: dict[str, list[int]] = {"spike": [], "v": [], "rc": [], "low": [], "high": [], "hit": []}
    for t, x in enumerate(xs):
        out["spike"].append(spike)
        out["v"].append(v)
        out["rc"].append(rc)
        low = high = hit = False
        if en is None or en[t]:
            if registered:  # integrate the input of the previous enabled cycle
                x, held = held, x
            if rc > 0:
                rc -= 1
                spike = 0
            else:
                if leak_mode == "shift":
                    lv = v - v // 2**k  # floor division: the arithmetic shift
                elif leak_mode == "constant":
                    lv = max(v - c, 0) if v > 0 else min(v + c, 0)
                else:
                    lv = v
                exact = lv + x
                low, high, hit = exact < lo, exact > hi, exact == thr
                v1 = min(max(exact, lo), hi)
                if v1 >= thr:
                    spike, rc = 1, refractory
                    v = v1 - thr if subtract else v_reset
                else:
                    spike, v = 0, v1
        out["low"].append(low)
        out["high"].append(high)
        out["hit"].append(hit)
    return out


def run_model(xs, en=None, **params) -> dict[str, list[int]]:
    """One neuron through the vectorised model, as lists."""
    x = np.asarray(xs, dtype=np.int64).reshape(-1, 1, 1)
    e = None if en is None else np.asarray(en, dtype=np.uint8)
    tr = L.lif_trace(x, en=e, **params)
    return {
        "spike": tr.spike[:, 0, 0].tolist(),
        "v": tr.v[:, 0, 0].tolist(),
        "rc": tr.refractory_count[:, 0, 0].tolist(),
    }


def run_hw(params: dict, xs, en=None) -> dict[str, list[int]]:
    """The Amaranth twin in Amaranth's simulator; outputs read before each edge."""
    dut = LIFNeuron(**params)
    seen: dict[str, list[int]] = {"spike": [], "v": [], "rc": []}

    async def bench(ctx) -> None:
        for t, x in enumerate(xs):
            if dut.config.input_mode == "count":
                ctx.set(dut.in_count, int(x))
            else:
                ctx.set(dut.up, int(x > 0))
                ctx.set(dut.down, int(x < 0))
            ctx.set(dut.en, 1 if en is None else int(en[t]))
            seen["spike"].append(int(ctx.get(dut.spike)))
            seen["v"].append(int(ctx.get(dut.v)))  # a signed port reads as a signed int
            seen["rc"].append(int(ctx.get(dut.refractory_count)) if dut.config.refractory else 0)
            await ctx.tick()

    sim = Simulator(dut)
    sim.add_clock(1e-8)
    sim.add_testbench(bench)
    sim.run()
    return seen


def _same(a: dict, b: dict) -> bool:
    return all(a[key] == b[key] for key in ("spike", "v", "rc"))


# ---------------------------------------------------------------------------
# Firing: periods and rates
# ---------------------------------------------------------------------------


@given(
    c=st.integers(1, 127),
    threshold=st.integers(1, 2047),
    v_width=st.sampled_from([12, 20, 32]),
)
@settings(max_examples=50, deadline=None)
def test_constant_input_fires_with_period_ceil_threshold_over_c(c, threshold, v_width) -> None:
    period = -(-threshold // c)
    n = 5 * period + 3
    spike, v = L.lif_run(np.full((n, 1, 1), c), v_width, threshold, in_width=8)
    times = np.flatnonzero(spike[:, 0, 0])
    # spikes of the inputs of cycles period - 1, 2 period - 1, ... seen one cycle later
    assert times.tolist() == list(range(period, n, period))
    assert v[period, 0, 0] == 0  # value reset to v_reset = 0, together with the spike
    assert v[:period, 0, 0].tolist() == [c * t for t in range(period)]


@given(c=st.integers(1, 127), extra=st.integers(0, 5000), n=st.integers(1, 3000))
@settings(max_examples=50, deadline=None)
def test_subtract_reset_fires_exactly_floor_of_n_c_over_threshold(c, extra, n) -> None:
    threshold = c + extra  # c <= threshold: at most one spike per cycle is needed
    spike, v = L.lif_run(
        np.full((n + 1, 1, 1), c), 16, threshold, in_width=8, reset_mode="subtract"
    )
    # Nothing is lost: n inputs of c give floor(n c / threshold) spikes, remainder in v.
    assert int(spike[1:].sum()) == n * c // threshold
    assert int(v[n, 0, 0]) == n * c % threshold


def test_subtract_reset_long_run_rate_is_c_over_threshold() -> None:
    n, c, threshold = 100_000, 7, 20
    spike, _ = L.lif_run(
        np.full((n + 1, 1, 1), c), 12, threshold, in_width=5, reset_mode="subtract"
    )
    rate = spike[1:].sum() / n
    assert rate == 7 * n // 20 / n and abs(rate - c / threshold) <= 1 / n
    # value reset drops the remainder: period ceil(20 / 7) = 3 gives rate 1/3 < 7/20
    spike, _ = L.lif_run(np.full((n + 1, 1, 1), c), 12, threshold, in_width=5)
    assert spike[1:].sum() == n // 3


# ---------------------------------------------------------------------------
# Leak
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("k", [1, 2, 3, 5, 8])
def test_shift_leak_decays_geometrically_to_the_closed_form(k: int) -> None:
    w, v0, n = 24, 5_000_000, 4000
    # start from v_reset = v0 and let it leak without input
    out = L.lif_run(
        np.zeros((n, 1, 1), np.int64), w, 2**23 - 1, leak_mode="shift", leak_shift=k, v_reset=v0
    )
    v = out.v[:, 0, 0].tolist()
    ratio = 1 - 2.0**-k
    expect = [v0]
    for _ in range(n - 1):
        expect.append(-((-expect[-1] * (2**k - 1)) // 2**k))  # ceil(v (1 - 2**-k))
    assert v == expect
    for t, vt in enumerate(v):  # rounding up adds < 1 per step, decayed: < 2**k in total
        assert v0 * ratio**t - 1e-6 <= vt < v0 * ratio**t + 2**k
    assert 0 < v[-1] < 2**k  # stalled in the dead zone, where v >>> k = 0
    assert all(vt == v[-1] for vt in v[v.index(v[-1]) :])


@pytest.mark.parametrize("k", [1, 3, 7])
def test_shift_leak_brings_negative_v_to_exactly_zero(k: int) -> None:
    n = 3000
    out = L.lif_run(
        np.zeros((n, 1, 1), np.int64), 16, 100, leak_mode="shift", leak_shift=k, v_reset=-30000
    )
    v = out.v[:, 0, 0]
    first_zero = int(np.flatnonzero(v == 0)[0])
    assert np.all(np.diff(v[: first_zero + 1]) > 0)  # strictly increasing until 0
    assert np.all(v[first_zero:] == 0)
    p = L.check_lif_params(8, 10, leak_mode="shift", leak_shift=k)
    assert int(L.leak(np.array([-1]), p)[0]) == 0  # -1 - (-1 >>> k) = -1 - (-1) = 0


def test_shift_leak_small_values_by_hand() -> None:
    p = L.check_lif_params(8, 10, leak_mode="shift", leak_shift=1)
    # v - floor(v / 2): 5 - 2 = 3, 1 - 0 = 1, -1 + 1 = 0, -3 + 2 = -1, -4 + 2 = -2
    assert L.leak(np.array([5, 1, 0, -1, -3, -4]), p).tolist() == [3, 1, 0, 0, -1, -2]


@pytest.mark.parametrize(("v0", "c"), [(100, 7), (-100, 7), (99, 100), (-128, 127), (50, 0)])
def test_constant_leak_reaches_zero_and_stops(v0: int, c: int) -> None:
    n = 40
    out = L.lif_run(
        np.zeros((n, 1, 1), np.int64), 8, 127, leak_mode="constant", leak_const=c, v_reset=v0
    )
    v = out.v[:, 0, 0].tolist()
    if c == 0:
        assert v == [v0] * n
        return
    steps = -(-abs(v0) // c)
    sign = 1 if v0 > 0 else -1
    expect = [sign * max(abs(v0) - c * t, 0) for t in range(n)]
    assert v == expect and v[steps] == 0 and v[steps - 1] != 0


# ---------------------------------------------------------------------------
# Saturation
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("v_width", [4, 5, 16, 32])
def test_negative_drive_saturates_at_v_min_never_wraps(v_width: int) -> None:
    iw = min(16, v_width)
    lo, hi = -(2 ** (v_width - 1)), 2 ** (v_width - 1) - 1
    n = 2 ** (v_width - iw) + 10 if v_width - iw < 12 else 40
    v_reset = lo + 5 * 2 ** (iw - 1) + 3  # a few steps above the bottom ...
    if v_reset >= hi - 1:  # ... or, for narrow membranes, 0
        v_reset = 0
    out = L.lif_run(np.full((n, 1, 1), -(2 ** (iw - 1))), v_width, 1, in_width=iw, v_reset=v_reset)
    v = out.v[:, 0, 0]
    assert np.all(np.diff(v) <= 0) and v[-1] == lo and v.min() == lo
    assert not out.spike.any()


@pytest.mark.parametrize("v_width", [4, 8, 16])
def test_positive_drive_clamps_at_v_max_and_fires_never_wraps(v_width: int) -> None:
    hi = 2 ** (v_width - 1) - 1
    x = np.full((30, 1, 1), 2 ** (v_width - 1) - 1)  # in_width = v_width: max input
    # subtract with threshold 1: v1 = sat(v + x) = V_MAX every cycle, v = V_MAX - 1
    out = L.lif_run(x, v_width, 1, in_width=v_width, reset_mode="subtract")
    assert out.spike[2:].all() and np.all(out.v[2:] == hi - 1)
    # threshold at V_MAX: the first input lands just below it, the next one clamps and fires
    thr = hi
    out = L.lif_run(x, v_width, thr, in_width=v_width, reset_mode="subtract", v_reset=-1)
    v = out.v[:, 0, 0].tolist()
    ref = ref_lif(
        x[:, 0, 0].tolist(), v_width=v_width, threshold=thr, reset_mode="subtract", v_reset=-1
    )
    assert v == ref["v"] and any(ref["high"])
    assert min(v) >= -1  # a wrapped sum would have gone negative


def test_saturation_at_both_ends_for_32_bits() -> None:
    lo, hi = -(2**31), 2**31 - 1
    p = {"v_width": 32, "threshold": hi, "in_width": 16}
    xs = [-(2**15)] * 5 + [2**15 - 1] * 5
    model = run_model(xs, v_reset=lo + 3, **p)
    ref = ref_lif(xs, v_reset=lo + 3, **p)
    assert model["v"] == ref["v"] and model["v"][1:6] == [lo] * 5 and any(ref["low"])
    model = run_model([2**15 - 1] * 4, v_reset=hi - 2**15, **p)
    assert model["spike"] == [0, 0, 1, 0] and model["v"][2] == hi - 2**15  # clamped, fired


# ---------------------------------------------------------------------------
# Refractory period and enable
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("refractory", [1, 2, 5, 255])
@pytest.mark.parametrize("reset_mode", ["value", "subtract"])
def test_refractory_ignores_input_for_exactly_refractory_cycles(refractory, reset_mode) -> None:
    n = refractory + 20
    x = [12] + [127] * (n - 1)  # L(-5) = -2, -2 + 12 = 10 fires, then inputs it must ignore
    out = run_model(
        x,
        v_width=12,
        threshold=10,
        in_width=8,
        reset_mode=reset_mode,
        refractory=refractory,
        leak_mode="shift",
        leak_shift=1,
        v_reset=-5,
    )
    after = 0 if reset_mode == "subtract" else -5  # post-spike value, then held (no leak)
    assert out["spike"][1] == 1
    assert out["spike"][2 : 2 + refractory] == [0] * refractory
    assert out["v"][1 : 2 + refractory] == [after] * (refractory + 1)
    assert out["rc"][1 : 2 + refractory] == list(range(refractory, -1, -1))
    assert out["spike"][2 + refractory] == 1  # the first cycle after integrates (and fires)


def test_disabled_cycles_hold_everything_and_do_not_count_down() -> None:
    x = [10, 0, 0, 0, 0, 0, 0, 3, 3]
    en = [1, 0, 0, 1, 0, 1, 1, 0, 1]
    out = run_model(x, en=en, v_width=8, threshold=10, in_width=5, refractory=2, v_reset=1)
    assert out["spike"] == [0, 1, 1, 1, 0, 0, 0, 0, 0]  # spike holds through en = 0
    assert out["rc"] == [0, 2, 2, 2, 1, 1, 0, 0, 0]  # counts down on enabled cycles only
    assert out["v"] == [1, 1, 1, 1, 1, 1, 1, 1, 1]  # x = 3 at t = 7 is disabled
    assert out == {
        k: ref_lif(x, en, v_width=8, threshold=10, in_width=5, refractory=2, v_reset=1)[k]
        for k in ("spike", "v", "rc")
    }


# ---------------------------------------------------------------------------
# Model against the reference; population against stepping
# ---------------------------------------------------------------------------


def _draw_params(data, v_width: int) -> dict:
    """Random valid parameters with the range limits over-represented."""
    lo, hi = -(2 ** (v_width - 1)), 2 ** (v_width - 1) - 1
    input_mode = data.draw(st.sampled_from(L.INPUT_MODES))
    leak_mode = data.draw(st.sampled_from(L.LEAK_MODES))
    reset_mode = data.draw(st.sampled_from(L.RESET_MODES))
    edge = st.sampled_from
    params: dict = {
        "v_width": v_width,
        "input_mode": input_mode,
        "leak_mode": leak_mode,
        "reset_mode": reset_mode,
    }
    if input_mode == "count":
        top = min(16, v_width)
        params["in_width"] = data.draw(edge([1, top]) | st.integers(1, top))
    if leak_mode == "shift":
        params["leak_shift"] = data.draw(edge([1, v_width - 1]) | st.integers(1, v_width - 1))
    if leak_mode == "constant":
        params["leak_const"] = data.draw(edge([0, 1, hi]) | st.integers(0, hi))
    v_reset = data.draw(edge([lo, 0, hi - 1]) | st.integers(lo, hi - 1))
    t_lo = max(v_reset + 1, 1 if reset_mode == "subtract" else lo + 1)
    params["v_reset"] = v_reset
    params["threshold"] = data.draw(edge([t_lo, hi]) | st.integers(t_lo, hi))
    params["refractory"] = data.draw(edge([0, 1, 255]) | st.integers(0, 6))
    params["input_register"] = data.draw(st.booleans())
    return params


def _draw_inputs(data, params: dict, n: int) -> list[int]:
    p = L.check_lif_params(**params)
    lo, hi = p.in_min, p.in_max
    return data.draw(
        st.lists(st.sampled_from([lo, hi, 0]) | st.integers(lo, hi), min_size=n, max_size=n)
    )


@given(v_width=st.sampled_from([4, 5, 8, 16, 31, 32]) | st.integers(4, 32), data=st.data())
@settings(max_examples=300, deadline=None)
def test_model_equals_the_reference_everywhere(v_width, data) -> None:
    params = _draw_params(data, v_width)
    n = 60
    xs = _draw_inputs(data, params, n)
    en = data.draw(st.lists(st.integers(0, 1), min_size=n, max_size=n) | st.just([1] * n))
    ref = ref_lif(xs, en, **params)
    assert run_model(xs, en, **params) == {k: ref[k] for k in ("spike", "v", "rc")}


def test_population_run_equals_stepping_each_neuron() -> None:
    rng = np.random.default_rng(11)
    n_steps, batch, m = 300, 3, 5
    kw = {
        "v_width": 12,
        "threshold": np.array([5, 40, 200, 2047, 1]),
        "in_width": 6,
        "leak_mode": "constant",
        "leak_const": np.array([0, 1, 3, 7, 2]),
        "reset_mode": "value",
        "v_reset": np.array([0, -10, 3, -2048, 0]),
        "refractory": np.array([0, 1, 4, 0, 255]),
    }
    x = rng.integers(-32, 32, (n_steps, batch, m))
    x[:, 1] = np.minimum(np.abs(x[:, 1]), 31)  # one batch row with a positive drive: many spikes
    en = (rng.random((n_steps, batch, m)) < 0.9).astype(np.uint8)
    run = L.lif_trace(x, en=en, **kw)
    pop = L.LIFPopulation(m, batch=batch, **kw)
    for t in range(n_steps):
        rc = pop.refractory_count.copy()
        out = pop.step(x[t], en[t])
        assert np.array_equal(out.spike, run.spike[t]) and np.array_equal(out.v, run.v[t])
        assert np.array_equal(rc, run.refractory_count[t])
    assert run.spike[:, 1].sum() > 50
    for j in range(m):  # and each neuron alone, with its own scalar parameters
        scalar = {k: (int(v[j]) if isinstance(v, np.ndarray) else v) for k, v in kw.items()}
        for b in range(batch):
            ref = ref_lif(x[:, b, j].tolist(), en[:, b, j].tolist(), **scalar)
            assert run.v[:, b, j].tolist() == ref["v"]
            assert run.spike[:, b, j].tolist() == ref["spike"]
    pop.reset()
    assert np.array_equal(pop.v, np.broadcast_to(kw["v_reset"], (batch, m)))
    assert not pop.spike.any() and not pop.refractory_count.any()


@pytest.mark.parametrize("leak_mode", L.LEAK_MODES)
@pytest.mark.parametrize("reset_mode", L.RESET_MODES)
def test_input_register_is_the_input_one_enabled_cycle_later(leak_mode, reset_mode) -> None:
    """Registered = unregistered fed with the input of the previous enabled cycle (0 first),
    one cycle later; the v -> v' recurrence itself is unchanged."""
    rng = np.random.default_rng([7, L.LEAK_MODES.index(leak_mode), reset_mode == "value"])
    n_steps, m = 400, 4
    kw = {
        "v_width": 10,
        "threshold": np.array([1, 30, 200, 511]),
        "in_width": 7,
        "leak_mode": leak_mode,
        "reset_mode": reset_mode,
        "refractory": np.array([0, 2, 0, 5]),
    }
    if leak_mode == "shift":
        kw["leak_shift"] = np.array([1, 2, 3, 9])
    if leak_mode == "constant":
        kw["leak_const"] = np.array([0, 1, 5, 63])
    x = rng.integers(-64, 64, (n_steps, 1, m))
    x[100:200] = np.minimum(np.abs(x[100:200]), 63)  # a positive drive: spikes, clamps
    en = (rng.random(n_steps) < 0.85).astype(np.uint8)
    delayed = np.zeros_like(x)
    held = np.zeros((1, m), np.int64)
    for t in range(n_steps):
        delayed[t] = held
        if en[t]:
            held = x[t]
    a = L.lif_trace(x, en=en, input_register=True, **kw)
    b = L.lif_trace(delayed, en=en, **kw)
    for name in ("spike", "v", "refractory_count"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
    assert a.spike.sum() > 20
    # latency 2 with en high: an input shows in v two cycles later
    one = np.zeros((6, 1, 1), np.int64)
    one[1] = 5
    v = L.lif_run(one, 8, 100, input_register=True).v[:, 0, 0].tolist()
    assert v == [0, 0, 0, 5, 5, 5]


def test_input_register_must_be_a_bool() -> None:
    with pytest.raises(TypeError, match=r"input_register must be True or False, not 1 \(int\)"):
        L.check_lif_params(8, 5, input_register=1)
    with pytest.raises(TypeError, match=r"input_register must be True or False"):
        LIFNeuron(8, 5, input_register="yes")


def test_updown_mode_is_count_mode_with_plus_minus_one() -> None:
    rng = np.random.default_rng(5)
    up = rng.random((500, 2, 3)) < 0.6
    down = rng.random((500, 2, 3)) < 0.3
    x = L.updown_input(up, down)
    assert set(np.unique(x).tolist()) <= {-1, 0, 1}
    assert np.array_equal(x[up & down], np.zeros(int((up & down).sum()), np.int64))
    a = L.lif_run(x, 8, 6, input_mode="updown", leak_mode="shift", leak_shift=3)
    b = L.lif_run(x, 8, 6, input_mode="count", in_width=2, leak_mode="shift", leak_shift=3)
    assert np.array_equal(a.spike, b.spike) and np.array_equal(a.v, b.v)
    assert a.spike.sum() > 100


# ---------------------------------------------------------------------------
# Hardware twin
# ---------------------------------------------------------------------------

HW_CASES = [
    {"v_width": 4, "threshold": 7, "in_width": 4, "reset_mode": "subtract"},
    {
        "v_width": 4,
        "threshold": -7,
        "in_width": 1,
        "leak_mode": "constant",
        "leak_const": 7,
        "v_reset": -8,
        "refractory": 1,
    },
    {
        "v_width": 32,
        "threshold": 2**31 - 1,
        "in_width": 16,
        "leak_mode": "shift",
        "leak_shift": 31,
        "v_reset": -(2**31),
    },
    {
        "v_width": 32,
        "threshold": 1,
        "input_mode": "updown",
        "leak_mode": "constant",
        "leak_const": 2**31 - 1,
        "reset_mode": "subtract",
        "refractory": 255,
    },
    {
        "v_width": 10,
        "threshold": 100,
        "in_width": 10,
        "leak_mode": "shift",
        "leak_shift": 1,
        "refractory": 3,
        "v_reset": -512,
    },
    {
        "v_width": 16,
        "threshold": 1000,
        "in_width": 8,
        "leak_mode": "shift",
        "leak_shift": 4,
        "refractory": 2,
    },
]


@pytest.mark.parametrize("registered", [False, True])
@pytest.mark.parametrize("params", HW_CASES)
def test_hardware_matches_the_reference(params: dict, registered: bool) -> None:
    params = {**params, "input_register": registered}
    rng = np.random.default_rng(len(str(params)))
    p = L.check_lif_params(**params)
    n = 400
    xs = rng.integers(p.in_min, p.in_max + 1, n)
    xs[:100] = p.in_max  # drive up (fire, clamp at the top)
    xs[200:300] = p.in_min  # drive down (clamp at the bottom)
    en = (rng.random(n) < 0.9).astype(int).tolist()
    ref = ref_lif(xs.tolist(), en, **params)
    assert _same(run_hw(params, xs.tolist(), en), ref)


def test_hardware_ports() -> None:
    dut = LIFNeuron(16, 100, in_width=6, refractory=5, v_reset=-3)
    sig = dut.signature.members
    assert sig["in_count"].shape == signed(6) and sig["v"].shape == signed(16)
    assert sig["v"].init == -3 and Shape.cast(sig["refractory_count"].shape).width == 3
    assert "up" not in sig and Shape.cast(sig["spike"].shape) == Shape(1)
    dut = LIFNeuron(8, 10, input_mode="updown")
    sig = dut.signature.members
    assert "refractory_count" not in sig and "in_count" not in sig and "up" in sig


@pytest.mark.slow
@pytest.mark.parametrize(
    ("params", "ffs"),
    [
        (
            {
                "v_width": 16,
                "threshold": 1000,
                "in_width": 8,
                "leak_mode": "shift",
                "refractory": 2,
            },
            16 + 1 + 2,
        ),
        (
            {
                "v_width": 16,
                "threshold": 1000,
                "in_width": 8,
                "leak_mode": "constant",
                "reset_mode": "subtract",
            },
            16 + 1,
        ),
    ],
)
def test_synthesised_neuron_is_small_and_uses_no_dsp(params: dict, ffs: int) -> None:
    from sc_flow.synth import synthesize

    report = synthesize("lif", params, "ice40-up5k")
    assert report.dsps == 0 and report.ram_blocks == 0
    assert report.ffs == ffs  # v, spike and the refractory counter: nothing else is stored
    assert report.luts + report.carries < 200


# ---------------------------------------------------------------------------
# The co-simulation spec's parameter sets do what they are for
# ---------------------------------------------------------------------------


def test_default_cosim_sets_fire_saturate_and_cover_every_mode() -> None:
    fired = often = low = high = refr = hits = 0
    combos = set()
    for index in range(20):  # the harness's default: base seed 2026, 20 sets
        seed = 2026 + index
        params = params_for("lif", seed)
        p = L.check_lif_params(**params)
        combos.add((p.input_mode, p.leak_mode, p.reset_mode))
        stim = SPEC.stimulus(params, np.random.default_rng([seed, 1]), 2000)
        if p.input_mode == "count":
            xs = [to_signed(int(r), p.in_width) for r in stim["in_count"]]
        else:
            xs = (stim["up"] - stim["down"]).tolist()
        ref = ref_lif(xs, stim["en"].tolist(), **params)
        spikes = sum(ref["spike"])
        fired += spikes > 0
        often += spikes >= 100
        low += any(ref["low"])
        high += any(ref["high"])
        refr += any(ref["rc"])
        hits += any(ref["hit"])
    assert len(combos) == 12
    assert fired >= 14 and often >= 5, (fired, often)
    # a clamp at the top needs a count input (+1 steps stop below the threshold)
    assert low >= 6 and high >= 1 and refr >= 8 and hits >= 10, (low, high, refr, hits)


def test_random_params_are_valid_for_any_generator() -> None:
    for seed in range(200):
        params = random_lif_params(np.random.default_rng(seed))
        L.check_lif_params(**params)
        LIFNeuron(**params)


# ---------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------

BAD = [
    ({"v_width": 3, "threshold": 1}, r"v_width must be in \[4, 32\], not 3"),
    ({"v_width": 33, "threshold": 1}, r"v_width must be in \[4, 32\], not 33"),
    ({"v_width": 8.0, "threshold": 1}, "v_width must be an integer"),
    ({"v_width": 8, "threshold": 1, "in_width": 9}, r"in_width must be in \[1, 8\] .*not 9"),
    ({"v_width": 20, "threshold": 1, "in_width": 17}, r"in_width must be in \[1, 16\] .*not 17"),
    ({"v_width": 8, "threshold": 1, "in_width": 0}, r"in_width must be in \[1, 8\]"),
    (
        {"v_width": 8, "threshold": 1, "input_mode": "updown", "in_width": 2},
        "in_width applies to input_mode='count' only",
    ),
    (
        {"v_width": 8, "threshold": 1, "input_mode": "spikes"},
        "input_mode must be one of 'count', 'updown'",
    ),
    ({"v_width": 8, "threshold": 128}, r"threshold must be in \[-127, 127\] .*not 128"),
    ({"v_width": 8, "threshold": -128}, r"threshold must be in \[-127, 127\] .*not -128"),
    ({"v_width": 8, "threshold": 5, "v_reset": 5}, r"threshold must be > v_reset .*5 <= .*5"),
    (
        {"v_width": 8, "threshold": 0, "reset_mode": "subtract", "v_reset": -5},
        r"threshold must be in \[1, 127\] .*subtract.*not 0",
    ),
    ({"v_width": 8, "threshold": 10, "v_reset": 127}, r"v_reset must be in \[-128, 126\]"),
    ({"v_width": 8, "threshold": 10, "v_reset": -129}, r"v_reset must be in \[-128, 126\]"),
    (
        {"v_width": 8, "threshold": 10, "leak_mode": "exp"},
        "leak_mode must be one of 'none', 'shift', 'constant'",
    ),
    (
        {"v_width": 8, "threshold": 10, "leak_mode": "shift", "leak_shift": 8},
        r"leak_shift must be in \[1, 7\] .*not 8",
    ),
    (
        {"v_width": 8, "threshold": 10, "leak_mode": "shift", "leak_shift": 0},
        r"leak_shift must be in \[1, 7\]",
    ),
    ({"v_width": 8, "threshold": 10, "leak_shift": 2}, "leak_shift applies to leak_mode='shift'"),
    (
        {"v_width": 8, "threshold": 10, "leak_mode": "constant", "leak_const": 128},
        r"leak_const must be in \[0, 127\] .*not 128",
    ),
    (
        {"v_width": 8, "threshold": 10, "leak_mode": "constant", "leak_const": -1},
        r"leak_const must be in \[0, 127\]",
    ),
    (
        {"v_width": 8, "threshold": 10, "leak_mode": "shift", "leak_const": 1},
        "leak_const applies to leak_mode='constant'",
    ),
    (
        {"v_width": 8, "threshold": 10, "reset_mode": "zero"},
        "reset_mode must be one of 'value', 'subtract'",
    ),
    ({"v_width": 8, "threshold": 10, "refractory": 256}, r"refractory must be in \[0, 255\]"),
    ({"v_width": 8, "threshold": 10, "refractory": -1}, r"refractory must be in \[0, 255\]"),
    ({"v_width": 8, "threshold": 10, "refractory": True}, "refractory must be an integer"),
    ({"v_width": 8, "threshold": 2.5}, "threshold must be an integer"),
]


def _population(**kw):
    return L.LIFPopulation(1, **kw)


def _run(**kw):
    return L.lif_run(np.zeros((2, 1, 1), np.int64), **kw)


@pytest.mark.parametrize(("kwargs", "match"), BAD)
@pytest.mark.parametrize("build", [LIFNeuron, L.check_lif_params, _population, _run])
def test_bad_parameters_are_refused_with_a_clear_message(build, kwargs, match) -> None:
    with pytest.raises((ValueError, TypeError), match=match):
        build(**kwargs)


def test_hardware_refuses_per_neuron_arrays() -> None:
    with pytest.raises(TypeError, match="threshold must be an integer"):
        LIFNeuron(8, np.array([3, 4]))


def test_per_neuron_arrays_are_checked_element_by_element() -> None:
    with pytest.raises(ValueError, match=r"threshold\[2\] must be in \[-127, 127\] .*not 300"):
        L.LIFPopulation(3, 8, np.array([1, 2, 300]))
    with pytest.raises(ValueError, match=r"threshold\[1\] must be > v_reset\[1\]"):
        L.LIFPopulation(3, 8, np.array([5, 5, 5]), v_reset=np.array([0, 5, 0]))
    with pytest.raises(ValueError, match=r"must broadcast to the state shape \(1, 3\)"):
        L.LIFPopulation(3, 8, np.array([5, 6]))
    with pytest.raises(TypeError, match="threshold must be an integer or an integer array"):
        L.LIFPopulation(3, 8, np.array([5.0, 6.0, 7.0]))


def test_inputs_and_enables_are_checked() -> None:
    pop = L.LIFPopulation(2, 8, 100, in_width=4)
    with pytest.raises(ValueError, match="input_counts must be <= 7; found 8"):
        pop.step(8)
    with pytest.raises(ValueError, match="input_counts must be >= -8; found -9"):
        pop.step(np.array([0, -9]))
    with pytest.raises(ValueError, match=r"must broadcast to the state shape \(1, 2\)"):
        pop.step(np.zeros(3, np.int64))
    with pytest.raises(ValueError, match="en must hold only 0 and 1"):
        pop.step(0, en=2)
    with pytest.raises(ValueError, match="inputs must be <= 1; found 2"):
        L.lif_run(np.full((3, 1), 2), 8, 10, input_mode="updown")
    with pytest.raises(ValueError, match=r"en must have shape \(n_steps,\) = \(3,\)"):
        L.lif_run(np.zeros((3, 2), np.int64), 8, 10, en=np.ones(4, np.uint8))
    with pytest.raises(TypeError, match="inputs must hold integers"):
        L.lif_run(np.zeros((3, 2)), 8, 10)
    assert L.lif_run(np.zeros((0, 2, 3), np.int64), 8, 10).v.shape == (0, 2, 3)


def test_math_of_the_docstring_examples() -> None:
    # ceil(v (1 - 2**-k)) == v - floor(v / 2**k) for all v in a 10-bit range and every k
    p = {k: L.check_lif_params(10, 10, leak_mode="shift", leak_shift=k) for k in range(1, 10)}
    vs = np.arange(-512, 512)
    for k, pk in p.items():
        expect = [math.ceil(v * (2**k - 1) / 2**k) for v in vs.tolist()]
        assert L.leak(vs, pk).tolist() == expect
