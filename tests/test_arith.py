"""sc_model.arith / sc_hw.arith: bit-stream multipliers, MUX adder, majority, counters.

Expected values come from the definitions (pure-Python loops per cycle,
enumeration of every LFSR state, probability arithmetic for independent
streams) or from properties, never from the code under test.
"""

from __future__ import annotations

import gc
import math
import warnings
from fractions import Fraction

import numpy as np
import pytest
from amaranth.hdl._ir import UnusedElaboratable
from amaranth.sim import Simulator
from hypothesis import given, settings
from hypothesis import strategies as st

from sc_cosim.blocks.arith import EXTREME_ROW_PERIOD, SPECS
from sc_cosim.harness import params_for
from sc_cosim.pysim import pysim_against_twin
from sc_hw import arith as hw
from sc_model import arith as A
from sc_model.lfsr import FORMS, lfsr_sequence, next_state

# ---------------------------------------------------------------------------
# Independent references
# ---------------------------------------------------------------------------


def comparator_stream(width: int, seed: int, n: int, value: int, shift: int = 0) -> np.ndarray:
    """Unipolar stream of ``value / 256``: 8 LFSR state bits from ``shift``, ``r < value``."""
    r = (lfsr_sequence(width, seed, n) >> np.uint64(shift)) & np.uint64(0xFF)
    return (r.astype(np.int64) < value).astype(np.uint8)


def ref_majority(rows: np.ndarray, tie: str) -> list[int]:
    """Per cycle: more than half ones -> 1; fewer -> 0; a tie by the rule (toggle in Python)."""
    out, toggle = [], 0
    for row in rows.tolist():
        ones, n = sum(row), len(row)
        if 2 * ones > n:
            out.append(1)
        elif 2 * ones < n:
            out.append(0)
        elif tie == "zero":
            out.append(0)
        elif tie == "one":
            out.append(1)
        else:
            out.append(toggle)
            toggle = 1 - toggle
    return out


def ref_stream_counter(bits, en, clear, count_width: int) -> list[int]:
    """The register seen in each cycle, stepped by the contract's edge rule."""
    top, count, seen = 2**count_width - 1, 0, []
    for b, e, c in zip(bits, en, clear, strict=True):
        seen.append(count)
        if c:
            count = 0
        elif e and b and count != top:
            count += 1
    return seen


def ref_sel(state: int, n_inputs: int, sel_bits: int) -> int:
    """Multiply-shift range reduction in Python integers."""
    return (state % 2**sel_bits) * n_inputs // 2**sel_bits


def run_hw(dut, rows: list[dict[str, int]], outputs: list[str]) -> list[dict[str, int]]:
    """Drive ``rows`` (inputs per cycle) in Amaranth's simulator; read outputs before the edge."""
    seen: list[dict[str, int]] = []

    async def bench(ctx) -> None:
        for row in rows:
            for name, value in row.items():
                ctx.set(getattr(dut, name), value)
            seen.append({name: int(ctx.get(getattr(dut, name))) for name in outputs})
            await ctx.tick()

    sim = Simulator(dut)
    sim.add_clock(1e-8)
    sim.add_testbench(bench)
    sim.run()
    return seen


def random_rows(seed: int, n_cycles: int, n_inputs: int) -> np.ndarray:
    """Bits with a random probability per input, some exactly 0 or 1."""
    rng = np.random.default_rng(seed)
    p = rng.random(n_inputs)
    p[rng.random(n_inputs) < 0.2] = 0.0
    p[rng.random(n_inputs) < 0.2] = 1.0
    return (rng.random((n_cycles, n_inputs)) < p).astype(np.uint8)


# ---------------------------------------------------------------------------
# Multipliers
# ---------------------------------------------------------------------------

N_MUL = 2 * ((1 << 15) - 1)  # two full periods of the 15-bit LFSR, ~one of the 16-bit one
VALUE_PAIRS = [(128, 128), (64, 192), (1, 255), (200, 30), (0, 100), (256, 77), (255, 256)]


def _independent_pair(va: int, vb: int) -> tuple[np.ndarray, np.ndarray]:
    a = comparator_stream(16, 0xACE1, N_MUL, va)
    b = comparator_stream(15, 0x1234, N_MUL, vb, shift=7)
    return a, b


@pytest.mark.parametrize(("va", "vb"), VALUE_PAIRS)
def test_and_of_independent_lfsr_streams_estimates_the_product(va: int, vb: int) -> None:
    a, b = _independent_pair(va, vb)
    pa, pb = va / 256, vb / 256
    p = pa * pb
    # Bernoulli standard error of the mean plus the comparators' quantisation
    # bias (< 2**-15 per stream, see sc_model.sng); 4 sigma.
    tol = 4 * math.sqrt(p * (1 - p) / N_MUL) + 2 * 2**-15
    assert abs(A.and_mul(a, b).mean() - p) <= tol
    if pa in (0.0, 1.0) or pb in (0.0, 1.0):  # a constant stream: exact, no sampling at all
        assert np.array_equal(A.and_mul(a, b), a if pb == 1.0 else b if pa == 1.0 else a & b)


@pytest.mark.parametrize(("va", "vb"), VALUE_PAIRS)
def test_xnor_of_independent_lfsr_streams_estimates_the_bipolar_product(va: int, vb: int) -> None:
    a, b = _independent_pair(va, vb)
    xa, xb = 2 * va / 256 - 1, 2 * vb / 256 - 1
    q = (1 + xa * xb) / 2  # P(y = 1)
    y = A.xnor_mul(a, b)
    tol = 2 * (4 * math.sqrt(q * (1 - q) / N_MUL) + 2 * 2**-15)
    assert abs((2 * y.mean() - 1) - xa * xb) <= tol


def test_correlated_streams_break_the_and_product() -> None:
    # Same LFSR, same bits: SCC = +1, AND gives min(p_a, p_b), not p_a p_b.
    n = (1 << 12) - 1
    a = comparator_stream(12, 1, n, 64)
    b = comparator_stream(12, 1, n, 192)
    assert np.array_equal(A.and_mul(a, b), a)
    assert abs(A.and_mul(a, b).mean() - 64 / 256) < 1e-3


@given(a=st.lists(st.integers(0, 1), max_size=33), data=st.data())
def test_gates_truth_tables_and_edge_streams(a, data) -> None:
    b = data.draw(st.lists(st.integers(0, 1), min_size=len(a), max_size=len(a)))
    a_arr, b_arr = np.array(a, dtype=np.uint8), np.array(b, dtype=np.uint8)
    assert A.and_mul(a_arr, b_arr).tolist() == [x * y for x, y in zip(a, b, strict=True)]
    assert A.xnor_mul(a_arr, b_arr).tolist() == [int(x == y) for x, y in zip(a, b, strict=True)]
    ones, zeros = np.ones_like(a_arr), np.zeros_like(a_arr)
    assert np.array_equal(A.and_mul(a_arr, ones), a_arr)  # x * 1 = x
    assert not A.and_mul(a_arr, zeros).any()  # x * 0 = 0
    assert np.array_equal(A.xnor_mul(a_arr, ones), a_arr)  # bipolar x * (+1) = x
    assert np.array_equal(A.xnor_mul(a_arr, zeros), 1 - a_arr)  # bipolar x * (-1) = -x
    lanes = max(len(a), 1)
    if a:
        assert A.AndMul(lanes).step(a_arr, b_arr).tolist() == A.and_mul(a_arr, b_arr).tolist()
        assert A.XnorMul(lanes).step(a_arr, b_arr).tolist() == A.xnor_mul(a_arr, b_arr).tolist()


def test_gates_broadcast_over_lanes_and_cycles() -> None:
    a = random_rows(1, 50, 4)
    b = random_rows(2, 1, 4)  # one row held for every cycle
    assert A.and_mul(a, b).shape == (50, 4)
    assert np.array_equal(A.and_mul(a, b), a & b[0])


# ---------------------------------------------------------------------------
# MUX scaled adder
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize(
    ("n_inputs", "width", "sel_bits"),
    [(2, 3, 3), (3, 3, 2), (3, 8, 8), (5, 8, 4), (10, 10, 6), (64, 7, 7), (63, 12, 9), (7, 11, 3)],
)
def test_sel_over_one_period_matches_enumeration_of_all_states(n_inputs, width, sel_bits, form):
    period = 2**width - 1
    expected = np.zeros(n_inputs, dtype=np.int64)
    for state in range(1, period + 1):  # a maximal LFSR visits each non-zero state once
        expected[ref_sel(state, n_inputs, sel_bits)] += 1
    sel = A.mux_sel_sequence(n_inputs, period, width, 1, sel_bits, form=form)
    assert np.array_equal(np.bincount(sel, minlength=n_inputs), expected)
    assert np.array_equal(A.mux_sel_counts(n_inputs, width, sel_bits), expected)
    assert expected.min() >= 1  # 2**sel_bits > n_inputs: every input is reachable


@pytest.mark.parametrize(("width", "sel_bits"), [(7, 7), (8, 7), (12, 8), (12, 12), (16, 16)])
def test_selection_bias_is_within_the_stated_bound_for_every_n(width, sel_bits) -> None:
    worst = (0.0, 0)
    for n in range(2, 65):
        if n.bit_length() > sel_bits:
            continue
        counts = [0] * n
        for r in range(2**sel_bits):  # the c_k by counting, in Python integers
            counts[r * n // 2**sel_bits] += 2 ** (width - sel_bits)
        counts[0] -= 1  # the zero state never occurs
        period = 2**width - 1
        tv = sum(abs(Fraction(c, period) - Fraction(1, n)) for c in counts) / 2
        bound = A.mux_bias_bound(n, width, sel_bits)
        assert float(tv) <= bound * (1 + 1e-12), (n, width, sel_bits)
        assert bound <= n / 2 ** (sel_bits + 2) + 1 / period + 1e-15
        if n & (n - 1) == 0:  # power of two: only the missing zero state
            assert float(tv) <= 1 / period
        worst = max(worst, (float(tv), n))
    if (width, sel_bits) == (16, 16):  # the figures quoted in the module docstring
        assert worst[1] == 61 and 2.05e-4 < worst[0] < 2.15e-4
        assert 2.2e-4 < A.mux_bias_bound(61, 16, 16) < 2.3e-4


@pytest.mark.parametrize(("n_inputs", "width", "sel_bits"), [(3, 10, 3), (10, 12, 5), (63, 9, 6)])
def test_constant_inputs_give_the_exact_subset_probability(n_inputs, width, sel_bits) -> None:
    # Inputs held at 1 for a subset S: over one period the mean of y is
    # P(sel in S), within TV of |S| / N -- deterministic, no sampling error.
    rng = np.random.default_rng(n_inputs)
    period = 2**width - 1
    for _ in range(5):
        subset = rng.random(n_inputs) < 0.5
        rows = np.broadcast_to(subset.astype(np.uint8), (period, n_inputs))
        y = A.mux_add(rows, width, seed=5, sel_bits=sel_bits)
        bound = A.mux_bias_bound(n_inputs, width, sel_bits)
        assert abs(y.mean() - subset.mean()) <= bound


@pytest.mark.parametrize("n_inputs", [2, 3, 7, 16, 64])
def test_mux_output_mean_is_the_mean_of_the_inputs(n_inputs) -> None:
    width, periods = 12, 20
    n = periods * (2**width - 1)
    rng = np.random.default_rng(100 + n_inputs)
    p = rng.random(n_inputs)
    p[:2] = (0.0, 1.0)
    rows = (rng.random((n, n_inputs)) < p).astype(np.uint8)
    y = A.mux_add(rows, width, seed=0x5A5)
    # Selection bias bound plus 4 standard errors of a mean of n Bernoulli bits (var <= 1/4).
    tol = A.mux_bias_bound(n_inputs, width) + 4 * 0.5 / math.sqrt(n)
    assert abs(y.mean() - p.mean()) <= tol


@settings(max_examples=60, deadline=None)
@given(
    n_inputs=st.integers(2, 64),
    width=st.integers(7, 32),
    form=st.sampled_from(FORMS),
    n=st.integers(0, 40),
    seed=st.integers(1, 2**32 - 1),
    data=st.data(),
)
def test_mux_vectorised_equals_cycle_model_and_reference(n_inputs, width, form, n, seed, data):
    seed = seed % (2**width - 1) + 1
    b = data.draw(st.integers(n_inputs.bit_length(), width))
    rows = random_rows(seed, n, n_inputs)
    en = np.random.default_rng(seed + 1).integers(0, 2, n).astype(np.uint8)
    twin = A.MuxAdd(n_inputs, width, seed, form=form, sel_bits=b)
    stepped = [twin.step(rows[t], int(en[t])) for t in range(n)]
    state, ref = seed, []
    for t in range(n):  # reference: step the LFSR only after enabled cycles
        sel = ref_sel(state, n_inputs, b)
        ref.append((int(rows[t, sel]), sel, state))
        if en[t]:
            state = int(next_state(np.uint64(state), width, form=form))
    assert [tuple(o) for o in stepped] == ref
    y = A.mux_add(rows, width, seed, sel_bits=b, form=form, en=en)
    assert y.tolist() == [r[0] for r in ref]
    # leading instances share the one LFSR
    stacked = A.mux_add(np.stack([rows, 1 - rows]), width, seed, sel_bits=b, form=form, en=en)
    assert stacked.shape == (2, n) and stacked[1].tolist() == [1 - r[0] for r in ref]


# ---------------------------------------------------------------------------
# Majority
# ---------------------------------------------------------------------------


@settings(max_examples=80, deadline=None)
@given(
    n_inputs=st.integers(1, 64),
    tie=st.sampled_from(A.TIES),
    n=st.integers(0, 40),
    seed=st.integers(0, 2**32 - 1),
    near_half=st.booleans(),
)
def test_majority_equals_brute_force_definition(n_inputs, tie, n, seed, near_half) -> None:
    if near_half:  # every input at 1/2: ties are frequent for even N
        rows = (np.random.default_rng(seed).random((n, n_inputs)) < 0.5).astype(np.uint8)
    else:
        rows = random_rows(seed, n, n_inputs)
    expected = ref_majority(rows, tie)
    assert A.majority(rows, tie).tolist() == expected
    twin = A.Majority(n_inputs, tie)
    assert [twin.step(row) for row in rows] == expected
    stacked = A.majority(np.stack([rows, rows[::-1]]), tie)
    assert stacked.shape == (2, n) and stacked[1].tolist() == ref_majority(rows[::-1], tie)


def test_majority_hand_cases_and_n_1() -> None:
    assert A.majority(np.array([[0], [1]]), "one").tolist() == [0, 1]  # N = 1 is the identity
    rows = np.array([[1, 1, 0], [1, 0, 0], [0, 0, 0], [1, 1, 1]])
    for tie in A.TIES:  # odd N: no tie, the rule does not matter
        assert A.majority(rows, tie).tolist() == [1, 0, 0, 1]
    ties = np.array([[1, 0, 1, 0], [0, 1, 1, 0], [1, 1, 1, 0], [0, 0, 1, 1], [1, 1, 0, 0]])
    assert A.majority(ties, "zero").tolist() == [0, 0, 1, 0, 0]
    assert A.majority(ties, "one").tolist() == [1, 1, 1, 1, 1]
    assert A.majority(ties, "alternate").tolist() == [0, 1, 1, 0, 1]  # non-tie 3 skips the toggle
    assert A.majority(np.zeros((0, 4), np.uint8), "alternate").shape == (0,)


@pytest.mark.parametrize("n_inputs", [2, 4, 64])
def test_alternate_ties_are_unbiased(n_inputs) -> None:
    rng = np.random.default_rng(n_inputs)
    rows = (rng.random((5001, n_inputs)) < 0.5).astype(np.uint8)
    y = A.majority(rows, "alternate")
    is_tie = 2 * rows.sum(axis=1) == n_inputs
    n_ties = int(is_tie.sum())
    assert n_ties > 100
    assert y[is_tie].tolist() == [k % 2 for k in range(n_ties)]
    assert abs(2 * int(y[is_tie].sum()) - n_ties) <= 1  # |fraction - 1/2| <= 1 / (2 n)
    # "zero" and "one" are biased by the whole tie mass; "alternate" sits between
    lo, hi = A.majority(rows, "zero").mean(), A.majority(rows, "one").mean()
    assert math.isclose(hi - lo, n_ties / rows.shape[0])
    assert abs(y.mean() - (lo + hi) / 2) <= 1 / rows.shape[0]


def test_alternate_toggle_register_resets() -> None:
    twin = A.Majority(2, "alternate")
    assert [twin.step([1, 0]) for _ in range(3)] == [0, 1, 0]
    twin.reset()
    assert twin.step([0, 1]) == 0


# ---------------------------------------------------------------------------
# Parallel counter
# ---------------------------------------------------------------------------


def test_register_levels_hand_examples_and_properties() -> None:
    assert A.tree_depth(1) == 0 and A.tree_depth(2) == 1 and A.tree_depth(64) == 6
    assert A.tree_depth(65) == 7 and A.tree_depth(256) == 8
    assert A.register_levels(64, 0) == ()
    assert A.register_levels(64, 1) == (6,)
    assert A.register_levels(64, 2) == (3, 6)
    assert A.register_levels(64, 4) == (2, 3, 5, 6)
    assert A.register_levels(64, 6) == (1, 2, 3, 4, 5, 6)
    assert A.register_levels(5, 2) == (2, 3)
    for n in range(1, 257):
        depth = math.ceil(math.log2(n)) if n > 1 else 0
        assert A.tree_depth(n) == depth
        assert A.count_width(n) == math.ceil(math.log2(n + 1))
        for p in range(depth + 1):
            levels = A.register_levels(n, p)
            assert len(levels) == p
            if p:
                assert levels[-1] == depth  # the root is registered: count is a register
                gaps = np.diff((0,) + levels)
                assert set(gaps.tolist()) <= {depth // p, -(-depth // p)}  # balanced stages


@settings(max_examples=80, deadline=None)
@given(n_inputs=st.integers(1, 256), n=st.integers(0, 30), seed=st.integers(0, 2**32 - 1))
def test_parallel_count_is_the_row_sum_delayed_by_the_pipeline(n_inputs, n, seed) -> None:
    rows = random_rows(seed, n, n_inputs)
    sums = [int(sum(r)) for r in rows.tolist()]
    for p in {0, 1, A.tree_depth(n_inputs) // 2, A.tree_depth(n_inputs)}:
        if p > A.tree_depth(n_inputs):
            continue
        expected = [0] * min(p, n) + sums[: max(n - p, 0)]
        assert A.parallel_count(rows, p).tolist() == expected
        twin = A.ParallelCounter(n_inputs, p)
        assert [twin.step(r) for r in rows] == expected


def test_parallel_count_edges() -> None:
    assert A.parallel_count(np.ones((3, 256), np.uint8), 8).tolist() == [0, 0, 0]  # n < latency
    assert A.parallel_count(np.ones((10, 256), np.uint8), 8).tolist() == [0] * 8 + [256] * 2
    assert A.parallel_count(np.zeros((0, 7), np.uint8), 3).shape == (0,)
    assert A.parallel_count(np.array([[1], [0], [1]])).tolist() == [1, 0, 1]  # N = 1
    stacked = A.parallel_count(np.stack([np.eye(4, dtype=np.uint8), 1 - np.eye(4, dtype=np.uint8)]))
    assert stacked.tolist() == [[1, 1, 1, 1], [3, 3, 3, 3]]
    twin = A.ParallelCounter(4, 2)
    assert [twin.step([1, 1, 1, 1]) for _ in range(3)] == [0, 0, 4]
    twin.reset()  # every pipeline register back to 0
    assert [twin.step([1, 0, 0, 0]) for _ in range(3)] == [0, 0, 1]


@pytest.mark.parametrize(("n_inputs", "pipeline"), [(1, 0), (2, 1), (5, 3), (64, 0), (64, 6)])
def test_hardware_latency_is_the_pipeline_depth(n_inputs, pipeline) -> None:
    # An impulse: all ones in cycle 1, zeros otherwise; count shows N in cycle 1 + P only.
    rows = [{"inputs": 0}, {"inputs": 2**n_inputs - 1}] + [{"inputs": 0}] * 8
    seen = [o["count"] for o in run_hw(hw.ParallelCounter(n_inputs, pipeline), rows, ["count"])]
    assert seen == [n_inputs if t == 1 + pipeline else 0 for t in range(len(rows))]


# ---------------------------------------------------------------------------
# Stream counter
# ---------------------------------------------------------------------------


def test_stream_counter_saturates_and_clears() -> None:
    ones = np.ones(12, np.uint8)
    clear = np.zeros(12, np.uint8)
    clear[9] = 1
    out = A.stream_count(ones, 3, clear=clear)
    assert out.count.tolist() == [0, 1, 2, 3, 4, 5, 6, 7, 7, 7, 0, 1]  # never wraps to 0
    assert out.saturated.tolist() == [0] * 7 + [1, 1, 1] + [0, 0]
    both = A.stream_count(ones[:3], 1, clear=np.array([0, 1, 0]))
    assert both.count.tolist() == [0, 1, 0]  # clear beats en & bit_in
    held = A.stream_count(ones[:4], 4, en=np.array([1, 0, 0, 1]))
    assert held.count.tolist() == [0, 1, 1, 1]
    assert A.stream_count(np.zeros(5, np.uint8), 1).count.tolist() == [0] * 5
    assert A.stream_count(np.zeros(0, np.uint8), 32).count.shape == (0,)
    twin = A.StreamCounter(2)
    assert [tuple(twin.step(1)) for _ in range(5)] == [(0, 0), (1, 0), (2, 0), (3, 1), (3, 1)]
    twin.reset()
    assert tuple(twin.step(1)) == (0, 0)


@settings(max_examples=80, deadline=None)
@given(
    count_width=st.one_of(st.integers(1, 5), st.integers(1, 32)),
    n=st.integers(0, 70),
    seed=st.integers(0, 2**32 - 1),
    p_clear=st.sampled_from([0.0, 0.05, 0.3]),
)
def test_stream_counter_equals_the_edge_rule(count_width, n, seed, p_clear) -> None:
    rng = np.random.default_rng(seed)
    bits = (rng.random((3, n)) < rng.random((3, 1))).astype(np.uint8)
    en = (rng.random((3, n)) < 0.8).astype(np.uint8)
    clear = (rng.random((3, n)) < p_clear).astype(np.uint8)
    out = A.stream_count(bits, count_width, en, clear)
    top = 2**count_width - 1
    for i in range(3):
        expected = ref_stream_counter(bits[i], en[i], clear[i], count_width)
        assert out.count[i].tolist() == expected
        assert out.saturated[i].tolist() == [int(c == top) for c in expected]
        twin = A.StreamCounter(count_width)
        cycles = zip(bits[i], en[i], clear[i], strict=True)
        steps = [twin.step(int(b), int(e), int(c)) for b, e, c in cycles]
        assert [s.count for s in steps] == expected


def test_stream_counter_hardware_saturates_and_clears() -> None:
    rows = [{"bit_in": 1, "en": 1, "clear": 0}] * 6 + [{"bit_in": 1, "en": 1, "clear": 1}] * 1
    rows += [{"bit_in": 1, "en": 0, "clear": 0}, {"bit_in": 1, "en": 1, "clear": 0}] * 2
    seen = run_hw(hw.StreamCounter(2), rows, ["count", "saturated"])
    assert [o["count"] for o in seen] == [0, 1, 2, 3, 3, 3, 3, 0, 0, 1, 1]
    assert [o["saturated"] for o in seen] == [0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0]


# ---------------------------------------------------------------------------
# Bits packing, hardware twins, cosim spec coverage
# ---------------------------------------------------------------------------


@given(n=st.integers(1, 300), data=st.data())
def test_pack_unpack_round_trip(n, data) -> None:
    bits = data.draw(st.lists(st.integers(0, 1), min_size=n, max_size=n))
    value = A.pack_bits(np.array(bits, dtype=np.uint8))
    assert value == sum(b << k for k, b in enumerate(bits))
    assert A.unpack_bits(value, n).tolist() == bits


EDGE_PARAMS = [
    ("and_mul", {"lanes": 1}),
    ("xnor_mul", {"lanes": 300}),
    ("mux_add", {"n_inputs": 2, "width": 3, "seed": 5, "form": "galois"}),
    ("mux_add", {"n_inputs": 64, "width": 32, "seed": 2**32 - 1, "sel_bits": 7}),
    ("majority", {"n_inputs": 1, "tie": "alternate"}),
    ("majority", {"n_inputs": 2, "tie": "alternate"}),
    ("majority", {"n_inputs": 64, "tie": "one"}),
    ("parallel_counter", {"n_inputs": 1, "pipeline": 0}),
    ("parallel_counter", {"n_inputs": 3, "pipeline": 2}),
    ("parallel_counter", {"n_inputs": 256, "pipeline": 8}),
    ("stream_counter", {"count_width": 1}),
    ("stream_counter", {"count_width": 32}),
]


@pytest.mark.parametrize(("block", "params"), EDGE_PARAMS, ids=[b for b, _ in EDGE_PARAMS])
def test_hardware_edge_parameters_match_the_model_in_amaranth_sim(block, params) -> None:
    assert pysim_against_twin(block, params, seed=11, cycles=300) == ""


def test_cosim_parameter_sets_cover_the_edges() -> None:
    # The 20 default cosim sets (seeds 2026..2045) of each block.
    def sets(block):
        return [params_for(block, 2026 + i) for i in range(20)]

    assert {1, 2, 256} <= {p["lanes"] for p in sets("and_mul")}
    mux = sets("mux_add")
    assert {2, 3, 64} <= {p["n_inputs"] for p in mux}
    assert any(p.get("sel_bits") == p["n_inputs"].bit_length() for p in mux)
    maj = sets("majority")
    assert {1, 2, 64} <= {p["n_inputs"] for p in maj}
    assert any(p["tie"] == "alternate" and p["n_inputs"] % 2 == 0 for p in maj)
    pc = sets("parallel_counter")
    assert {1, 2, 256} <= {p["n_inputs"] for p in pc}
    assert any(p["pipeline"] == 0 and p["n_inputs"] > 1 for p in pc)
    assert any(p["pipeline"] == A.tree_depth(p["n_inputs"]) > 0 for p in pc)
    assert {1, 32} <= {p["count_width"] for p in sets("stream_counter")}


def test_cosim_stimulus_saturates_the_stream_counter_and_makes_ties() -> None:
    spec = {s.name: s for s in SPECS}

    def run(block, seed):
        params = params_for(block, seed)
        stim = spec[block].stimulus(params, np.random.default_rng([seed, 1]), 2000)
        return params, stim

    saturated_then_cleared = 0
    for seed in range(2026, 2046):
        params, stim = run("stream_counter", seed)
        out = A.stream_count(stim["bit_in"], params["count_width"], stim["en"], stim["clear"])
        sat = np.flatnonzero(out.saturated)
        if sat.size and (out.count[sat[0] :] == 0).any():
            saturated_then_cleared += 1
    assert saturated_then_cleared >= 3
    alternate_ties = 0
    for seed in range(2026, 2046):
        params, stim = run("majority", seed)
        n = params["n_inputs"]
        if params["tie"] == "alternate" and n % 2 == 0:
            rows = np.array([A.unpack_bits(int(v), n) for v in stim["inputs"]])
            alternate_ties += int((2 * rows.sum(axis=1) == n).sum())
    assert alternate_ties >= 100
    # biased stimulus: across the sets, inputs silent or saturated for the whole run but
    # for the one-cycle burst that sc_cosim.toggles gives every constant bit and the
    # extreme rows (counter_bits: at most 2000 // EXTREME_ROW_PERIOD rows of all ones,
    # all zeros, all but one, one only)
    extreme = 2000 // EXTREME_ROW_PERIOD + 1
    ones_per_input = []
    for seed in range(2026, 2046):
        params, stim = run("parallel_counter", seed)
        rows = np.array([A.unpack_bits(int(v), params["n_inputs"]) for v in stim["inputs"]])
        ones_per_input.extend(rows.sum(axis=0).tolist())
    assert min(ones_per_input) <= extreme and max(ones_per_input) >= 2000 - extreme
    assert any(100 < k < 1900 for k in ones_per_input)
    assert 0 not in ones_per_input and 2000 not in ones_per_input  # every bit toggles


# ---------------------------------------------------------------------------
# Bad parameters
# ---------------------------------------------------------------------------

BAD_MODEL = [
    (lambda: A.AndMul(0), ValueError, r"lanes must be in \[1, inf\], not 0"),
    (lambda: A.XnorMul(2.0), TypeError, "lanes must be an integer"),
    (lambda: A.and_mul([0, 2], [1, 1]), ValueError, "a must hold only 0 and 1"),
    (lambda: A.xnor_mul([0, 1], [0.5, 1]), TypeError, "b must hold bits"),
    (lambda: A.AndMul(3).step([1, 0], [1, 0, 1]), ValueError, "a must hold 3 bits"),
    (lambda: A.MuxAdd(1), ValueError, r"n_inputs must be in \[2, 64\], not 1"),
    (lambda: A.MuxAdd(65), ValueError, r"n_inputs must be in \[2, 64\], not 65"),
    (lambda: A.MuxAdd(64, width=6), ValueError, "width must be >= n_inputs.bit_length"),
    (lambda: A.MuxAdd(8, width=12, sel_bits=3), ValueError, r"sel_bits must be in \[4, 12\]"),
    (lambda: A.MuxAdd(8, width=12, sel_bits=13), ValueError, r"sel_bits must be in \[4, 12\]"),
    (lambda: A.MuxAdd(4, width=33), ValueError, r"width must be in \[3, 32\], not 33"),
    (lambda: A.MuxAdd(4, width=8, seed=0), ValueError, "seed must be non-zero"),
    (lambda: A.MuxAdd(4, form="ring"), ValueError, "form must be one of"),
    (lambda: A.MuxAdd(4).step([1, 0, 1, 0], en=2), ValueError, r"en must be in \[0, 1\], not 2"),
    (lambda: A.mux_add(np.zeros((5, 1), int), 8), ValueError, r"n_inputs .* must be in \[2, 64\]"),
    (lambda: A.mux_add(np.zeros(5, int), 8), ValueError, r"inputs must have shape"),
    (
        lambda: A.mux_add(np.zeros((5, 2), int), 8, en=[1, 1]),
        ValueError,
        r"en must have shape \(n_cycles,\)",
    ),
    (lambda: A.mux_sel_counts(4, 8, 2), ValueError, r"sel_bits must be in \[3, 8\], not 2"),
    (lambda: A.Majority(0), ValueError, r"n_inputs must be in \[1, 64\], not 0"),
    (lambda: A.Majority(65), ValueError, r"n_inputs must be in \[1, 64\], not 65"),
    (lambda: A.Majority(4, tie="random"), ValueError, "tie must be one of 'zero', 'one'"),
    (lambda: A.majority(np.zeros((2, 4), int), "half"), ValueError, "tie must be one of"),
    (lambda: A.majority(np.zeros((2, 65), int)), ValueError, r"must be in \[1, 64\], not 65"),
    (lambda: A.Majority(3).step([1, 1]), ValueError, "inputs must hold 3 bits"),
    (lambda: A.ParallelCounter(0), ValueError, r"n_inputs must be in \[1, 256\], not 0"),
    (lambda: A.ParallelCounter(257), ValueError, r"n_inputs must be in \[1, 256\], not 257"),
    (lambda: A.ParallelCounter(64, 7), ValueError, r"pipeline must be in \[0, 6\], not 7"),
    (lambda: A.ParallelCounter(1, 1), ValueError, r"pipeline must be in \[0, 0\], not 1"),
    (lambda: A.ParallelCounter(8, -1), ValueError, r"pipeline must be in \[0, 3\], not -1"),
    (lambda: A.parallel_count(np.zeros((2, 8), int), 4), ValueError, r"pipeline must be in"),
    (lambda: A.parallel_count(np.zeros((2, 0), int)), ValueError, r"must be in \[1, 256\], not 0"),
    (lambda: A.StreamCounter(0), ValueError, r"count_width must be in \[1, 32\], not 0"),
    (lambda: A.StreamCounter(33), ValueError, r"count_width must be in \[1, 32\], not 33"),
    (lambda: A.StreamCounter(True), TypeError, "count_width must be an integer"),
    (lambda: A.StreamCounter(4).step(2), ValueError, r"bit_in must be in \[0, 1\], not 2"),
    (lambda: A.stream_count([0, 1], 40), ValueError, r"count_width must be in \[1, 32\]"),
    (lambda: A.stream_count([0, 1], 4, en=[1, 1, 1]), ValueError, "en and clear must broadcast"),
    (lambda: A.stream_count([0, 3], 4), ValueError, "bit_in must hold only 0 and 1"),
    (lambda: A.unpack_bits(8, 3), ValueError, r"value must be in \[0, 7\], not 8"),
]


@pytest.mark.parametrize(("call", "exc", "match"), BAD_MODEL)
def test_model_refuses_bad_parameters_with_a_clear_message(call, exc, match) -> None:
    with pytest.raises(exc, match=match):
        call()


BAD_HW = [
    (lambda: hw.AndMul(0), ValueError, r"lanes must be in \[1, inf\], not 0"),
    (lambda: hw.XnorMul("4"), TypeError, "lanes must be an integer"),
    (lambda: hw.MuxAdd(65), ValueError, r"n_inputs must be in \[2, 64\], not 65"),
    (lambda: hw.MuxAdd(40, width=5), ValueError, "width must be >= n_inputs.bit_length"),
    (lambda: hw.MuxAdd(4, width=8, sel_bits=9), ValueError, r"sel_bits must be in \[3, 8\]"),
    (lambda: hw.MuxAdd(4, width=8, seed=256), ValueError, r"seed must be in \[0, 255\]"),
    (lambda: hw.MuxAdd(4, width=8, taps=(7, 5)), ValueError, "taps must include the width"),
    (lambda: hw.Majority(0), ValueError, r"n_inputs must be in \[1, 64\], not 0"),
    (lambda: hw.Majority(4, tie="coin"), ValueError, "tie must be one of"),
    (lambda: hw.ParallelCounter(300), ValueError, r"n_inputs must be in \[1, 256\], not 300"),
    (lambda: hw.ParallelCounter(100, 8), ValueError, r"pipeline must be in \[0, 7\], not 8"),
    (lambda: hw.StreamCounter(0), ValueError, r"count_width must be in \[1, 32\], not 0"),
    (lambda: hw.StreamCounter(64), ValueError, r"count_width must be in \[1, 32\], not 64"),
]


@pytest.mark.parametrize(("call", "exc", "match"), BAD_HW)
def test_hardware_refuses_bad_parameters_at_construction(call, exc, match) -> None:
    with warnings.catch_warnings():
        # The half-built component is never elaborated, by design: collect it quietly.
        warnings.simplefilter("ignore", UnusedElaboratable)
        with pytest.raises(exc, match=match) as info:
            call()
        del info
        gc.collect()


def _port_width(component, port: str) -> int:
    component._MustUse__silence = True  # built for its signature only
    return len(getattr(component, port))


def test_port_widths() -> None:
    assert _port_width(hw.ParallelCounter(256), "count") == 9
    assert _port_width(hw.ParallelCounter(255), "count") == 8
    assert _port_width(hw.ParallelCounter(1), "count") == 1
    assert _port_width(hw.MuxAdd(2, width=4), "sel") == 1
    assert _port_width(hw.MuxAdd(64, width=7), "sel") == 6
    assert _port_width(hw.MuxAdd(33, width=7), "sel") == 6
    assert _port_width(hw.StreamCounter(32), "count") == 32
    assert _port_width(hw.AndMul(5), "y") == 5
