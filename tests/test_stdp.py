"""sc_model.stdp / sc_hw.stdp: the pair-based STDP unit.

Expected values come from closed forms (geometric trace decay, the sampled
exponential window, the LFSR's exact pattern counts over a period), from an
independent per-synapse transcription of the contract in Python ints
(:class:`RefSTDP`), or from properties, never from the code under test.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sc_cosim.blocks.stdp import SPEC, random_stdp_params
from sc_cosim.harness import generate_verilog
from sc_cosim.pysim import pysim_against_twin
from sc_hw.stdp import STDP as HwSTDP
from sc_model import stdp as S
from sc_model.lfsr import MAXIMAL_TAPS

# ---------------------------------------------------------------------------
# Independent reference
# ---------------------------------------------------------------------------


def ref_lfsr_next(state: int, width: int, taps: tuple[int, ...], form: str) -> int:
    if form == "fibonacci":
        fb = 0
        for t in taps:
            fb ^= (state >> (t - 1)) & 1
        return ((state << 1) | fb) & ((1 << width) - 1)
    toggle = sum(1 << (t - 1) for t in taps)
    return (state >> 1) ^ (toggle if state & 1 else 0)


def ref_decay(x: int, kw: dict) -> int:
    if kw.get("decay", "shift") == "shift":
        k = kw.get("decay_shift") or min(3, kw.get("trace_width", 8))
        return x - x // 2**k
    q = kw.get("decay_mult_shift") or 8
    c = kw.get("decay_mult")
    c = (2**q - max(1, 2**q // 8)) if c is None else c
    return x * c // 2**q


class RefSTDP:
    """Synapse by synapse, in Python ints, from the contract's words."""

    def __init__(self, kw: dict) -> None:
        self.kw = kw
        self.n, self.m = kw["n_pre"], kw["n_post"]
        self.wb = kw.get("weight_width", 8)
        self.w_min = kw.get("w_min", 0)
        self.w_max = kw.get("w_max", 2 ** (self.wb - 1) - 1)
        self.tb = kw.get("trace_width", 8)
        self.xmax = 2**self.tb - 1
        self.ax = kw.get("pre_increment", 2 ** (self.tb - 1))
        self.ay = kw.get("post_increment", 2 ** (self.tb - 1))
        self.nearest = kw.get("pairing", "all_to_all") == "nearest"
        self.period = 2 ** kw.get("decay_period_log2", 0)
        self.ap, self.am = kw.get("a_plus", 3), kw.get("a_minus", 3)
        self.s = kw.get("update_shift", 4)
        self.stochastic = kw.get("rounding", "floor") == "stochastic"
        self.width = kw.get("width", 16)
        self.taps = tuple(kw.get("taps") or MAXIMAL_TAPS[self.width])
        self.form = kw.get("form", "fibonacci")
        mn = self.m * self.n
        self.rot = kw.get("rotations") or [k * self.width // mn for k in range(mn)]
        self.reset()

    def reset(self) -> None:
        w0 = min(max(0, self.w_min), self.w_max)
        self.w = (
            [list(r) for r in self.kw["weights"]]
            if "weights" in self.kw
            else [[w0] * self.n for _ in range(self.m)]
        )
        self.x, self.y = [0] * self.n, [0] * self.m
        self.count = 0
        self.state = self.kw.get("seed") or 1

    def r(self, k: int) -> int:
        return sum(
            ((self.state >> ((i - self.rot[k]) % self.width)) & 1) << i for i in range(self.s)
        )

    def rnd(self, v: int, k: int) -> int:
        out = v // 2**self.s
        if self.stochastic and self.r(k) < v % 2**self.s:
            out += 1
        return out

    def trace(self, t: int, spike: int, tick: bool, a: int) -> int:
        d = ref_decay(t, self.kw) if tick else t
        if not spike:
            return d
        return a if self.nearest else min(d + a, self.xmax)

    def step(self, pre, post, en=1, w_en=0, w_addr=0, w_data=0):
        out = ([r[:] for r in self.w], self.x[:], self.y[:])
        if en:
            tick = self.count % self.period == self.period - 1
            self.count += 1
            for mi in range(self.m):
                for j in range(self.n):
                    k = mi * self.n + j
                    dw = 0
                    if post[mi]:
                        dw += self.rnd(self.ap * self.x[j], k)
                    if pre[j]:
                        dw -= self.rnd(self.am * self.y[mi], k)
                    self.w[mi][j] = min(max(self.w[mi][j] + dw, self.w_min), self.w_max)
            self.x = [self.trace(self.x[j], pre[j], tick, self.ax) for j in range(self.n)]
            self.y = [self.trace(self.y[i], post[i], tick, self.ay) for i in range(self.m)]
            self.state = ref_lfsr_next(self.state, self.width, self.taps, self.form)
        if w_en and w_addr < self.m * self.n:
            value = w_data - 2**self.wb if w_data >> (self.wb - 1) else w_data
            self.w[w_addr // self.n][w_addr % self.n] = min(max(value, self.w_min), self.w_max)
        return out


def random_run(seed: int, n_cycles: int):
    rng = np.random.default_rng(seed)
    kw = random_stdp_params(rng)
    n, m = kw["n_pre"], kw["n_post"]
    rate_pre, rate_post = rng.uniform(0, 0.4, n), rng.uniform(0, 0.4, m)
    pre = (rng.random((n_cycles, n)) < rate_pre).astype(np.uint8)
    post = (rng.random((n_cycles, m)) < rate_post).astype(np.uint8)
    en = (rng.random(n_cycles) < 0.85).astype(np.uint8)
    return kw, pre, post, en, rng


# ---------------------------------------------------------------------------
# Agreement with the reference (random parameters of every kind)
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(24))
def test_run_and_cycle_model_match_the_reference(seed: int) -> None:
    kw, pre, post, en, rng = random_run(seed, 150)
    p = S.check_stdp_params(**kw)
    ref = RefSTDP(kw)
    run = S.stdp_run(p, pre, post, en)
    twin = S.STDP(**kw)
    wb = p.weight_width
    for t in range(len(en)):
        w_en = int(rng.random() < 0.05)
        w_addr = int(rng.integers(0, 2**p.addr_width))
        w_data = int(rng.integers(0, 2**wb))
        ew, ex, ey = ref.step(pre[t], post[t], en[t], w_en, w_addr, w_data)
        got = twin.step(pre[t], post[t], int(en[t]), w_en, w_addr, w_data)
        msg = f"seed={seed} cycle={t} params={kw}"
        assert got.weights.tolist() == ew, msg
        assert got.pre_trace.tolist() == ex and got.post_trace.tolist() == ey, msg
    # the vectorised run has no writes: compare it to a write-free reference
    ref = RefSTDP(kw)
    for t in range(len(en)):
        ew, ex, ey = ref.step(pre[t], post[t], en[t])
        assert run.weights[t].tolist() == ew, f"seed={seed} cycle={t} params={kw}"
        assert run.pre_trace[t].tolist() == ex and run.post_trace[t].tolist() == ey


def test_batch_elements_are_independent_runs() -> None:
    kw, pre, post, en, _ = random_run(3, 80)
    p = S.check_stdp_params(**kw)
    rng = np.random.default_rng(11)
    pre_b = (rng.random((80, 5, p.n_pre)) < 0.2).astype(np.uint8)
    post_b = (rng.random((80, 5, p.n_post)) < 0.2).astype(np.uint8)
    batch = S.stdp_run(p, pre_b, post_b, en)
    for b in range(5):
        one = S.stdp_run(p, pre_b[:, b], post_b[:, b], en)
        assert np.array_equal(batch.weights[:, b], one.weights)
        assert np.array_equal(batch.pre_trace[:, b], one.pre_trace)


# ---------------------------------------------------------------------------
# Trace decay: closed forms of the recurrences
# ---------------------------------------------------------------------------


def single_spike_trace(n_cycles: int, **kw) -> np.ndarray:
    p = S.check_stdp_params(n_pre=1, n_post=1, **kw)
    pre = np.zeros((n_cycles, 1), np.uint8)
    pre[0] = 1
    return S.stdp_run(p, pre, np.zeros((n_cycles, 1), np.uint8)).pre_trace[:, 0]


def n_ticks(n_cycles: int, period_log2: int) -> list[int]:
    """Entry ``t``: decay ticks in enabled cycles 1 .. t - 1 (cycle 0, the spike's, decays 0)."""
    per, out, n = 2**period_log2, [0, 0], 0
    for c in range(1, n_cycles - 1):
        n += c % per == per - 1
        out.append(n)
    return out


@pytest.mark.parametrize("k", [1, 2, 3, 5])
@pytest.mark.parametrize("period_log2", [0, 2])
def test_shift_decay_follows_the_geometric_closed_form(k: int, period_log2: int) -> None:
    a, tb, n_cycles = 1000, 12, 400 * 2**period_log2
    x = single_spike_trace(
        n_cycles, trace_width=tb, pre_increment=a, decay_shift=k, decay_period_log2=period_log2
    )
    assert x[0] == 0 and x[1] == a
    q = 1 - 2.0**-k
    ticks = n_ticks(n_cycles, period_log2)
    for t in range(1, n_cycles):
        n = ticks[t]
        # ceil(x q) = x q + e with 0 <= e < 1 each step: a q^n <= x_n < a q^n + 1/(1-q)
        assert a * q**n - 1e-9 <= x[t] < a * q**n + 2**k, (t, n, x[t])
    assert x[-1] < 2**k and x[-1] == ref_decay(int(x[-1]), {"decay_shift": k})  # dead zone


@pytest.mark.parametrize(("c", "q"), [(230, 8), (3, 2), (61, 6), (1, 1)])
def test_multiplicative_decay_follows_the_geometric_closed_form(c: int, q: int) -> None:
    a = 4000
    kw = {"trace_width": 12, "pre_increment": a, "decay": "mult"}
    x = single_spike_trace(300, decay_mult=c, decay_mult_shift=q, **kw)
    f = c / 2**q
    for t in range(1, 300):
        n = t - 1
        # floor(x f) = x f - e with 0 <= e < 1: a f^n - 1/(1-f) < x_n <= a f^n
        assert a * f**n - 1 / (1 - f) - 1e-9 < x[t] <= a * f**n + 1e-9, (t, x[t])
    assert x[-1] == 0  # the floor reaches zero


def test_all_to_all_sums_and_saturates_nearest_replaces() -> None:
    n_cycles = 6
    pre = np.zeros((n_cycles, 1), np.uint8)
    pre[1] = pre[2] = pre[3] = 1
    post = np.zeros((n_cycles, 1), np.uint8)
    kw = {"n_pre": 1, "n_post": 1, "trace_width": 6, "pre_increment": 20, "decay_shift": 2}
    a2a = S.stdp_run(S.check_stdp_params(**kw), pre, post).pre_trace[:, 0]
    near = S.stdp_run(S.check_stdp_params(pairing="nearest", **kw), pre, post).pre_trace[:, 0]
    # all-to-all: 20, 20 - 5 + 20 = 35, 35 - 8 + 20 = 47, then decay only
    assert a2a.tolist() == [0, 0, 20, 35, 47, 47 - 11]
    assert near.tolist() == [0, 0, 20, 20, 20, 15]
    kw["pre_increment"] = 50
    sat = S.stdp_run(S.check_stdp_params(**kw), pre, post).pre_trace[:, 0]
    assert sat.tolist() == [0, 0, 50, 63, 63, 48]  # 38 + 50 and 48 + 50 clamp at 2**6 - 1


# ---------------------------------------------------------------------------
# The STDP window
# ---------------------------------------------------------------------------


def window(dts: list[int], **kw) -> np.ndarray:
    """Weight change of one pre/post pair at each lag ``dt = t_post - t_pre``, as a batch."""
    t0, n_cycles = 40, 100
    b = len(dts)
    pre = np.zeros((n_cycles, b, 1), np.uint8)
    post = np.zeros((n_cycles, b, 1), np.uint8)
    for i, dt in enumerate(dts):
        pre[t0, i] = 1
        post[t0 + dt, i] = 1
    w0 = 1000
    p = S.check_stdp_params(
        n_pre=1, n_post=1, weight_width=12, w_min=0, w_max=2047, weights=[[w0]], **kw
    )
    return S.stdp_run(p, pre, post).weights[-1, :, 0, 0] - w0


@pytest.mark.parametrize("pairing", S.PAIRINGS)
@pytest.mark.parametrize(
    "decay", [{"decay_shift": 3}, {"decay": "mult", "decay_mult": 225, "decay_mult_shift": 8}]
)
def test_weight_change_follows_the_sampled_exponential_window(pairing: str, decay: dict) -> None:
    ap, am, ax, ay, s = 5, 4, 200, 160, 3
    kw = {"trace_width": 8, "pre_increment": ax, "post_increment": ay, "a_plus": ap}
    kw.update(a_minus=am, update_shift=s, pairing=pairing, **decay)
    dts = list(range(-30, 31))
    dw = dict(zip(dts, window(dts, **kw).tolist(), strict=True))
    if "decay_mult" in decay:
        f = 225 / 256
        err = 1 / (1 - f)  # the floor's accumulated loss, in trace units
        lo_bound, hi_bound = -err, 0.0
    else:
        f = 1 - 2**-3
        lo_bound, hi_bound = 0.0, 2**3
    tau = -1 / math.log(f)
    assert dw[0] == 0  # a coincident pair pairs with neither side
    for dt in range(1, 31):
        # pre before post: potentiation A+ exp(-(dt - 1) / tau), floored
        env = ax * math.exp(-(dt - 1) / tau)
        lo = math.floor(ap * (env + lo_bound) / 2**s)
        hi = math.floor(ap * (env + hi_bound) / 2**s)
        assert lo <= dw[dt] <= hi, (dt, dw[dt], lo, hi)
        env = ay * math.exp(-(dt - 1) / tau)
        lo = math.floor(am * (env + lo_bound) / 2**s)
        hi = math.floor(am * (env + hi_bound) / 2**s)
        assert lo <= -dw[-dt] <= hi, (-dt, dw[-dt], lo, hi)
    pos = [dw[d] for d in range(1, 31)]
    neg = [-dw[-d] for d in range(1, 31)]
    assert pos[0] > 0 and neg[0] > 0
    assert all(a >= b >= 0 for a, b in zip(pos, pos[1:], strict=False))  # falls with |dt|
    assert all(a >= b >= 0 for a, b in zip(neg, neg[1:], strict=False))
    assert pos[0] == ap * ax // 2**s and neg[0] == am * ay // 2**s  # lag 1: undecayed


def test_same_cycle_pre_and_post_apply_both_earlier_pairings() -> None:
    # pre at 0, post at 2, then pre and post together at 5
    n = 8
    pre = np.zeros((n, 1), np.uint8)
    post = np.zeros((n, 1), np.uint8)
    pre[0] = post[2] = pre[5] = post[5] = 1
    kw = {"n_pre": 1, "n_post": 1, "weight_width": 12, "w_max": 2047, "weights": [[500]]}
    kw.update(trace_width=8, pre_increment=128, post_increment=64, decay_shift=2)
    kw.update(a_plus=1, a_minus=1, update_shift=0)
    w = S.stdp_run(S.check_stdp_params(**kw), pre, post).weights[:, 0, 0]
    # x: 128 from cycle 1, 96 in cycle 2, then 72, 54, 41 in cycle 5
    # y: 64 from cycle 3, 48, 36 in cycle 5
    assert w[3] == 500 + 96
    assert w[6] == 500 + 96 + 41 - 36


# ---------------------------------------------------------------------------
# Stochastic rounding
# ---------------------------------------------------------------------------


def test_stochastic_rounding_is_unbiased_over_seeds() -> None:
    rng = np.random.default_rng(2026)
    ap, ax, s = 7, 45, 5  # exact update 7 * 45 / 32 = 9.84375: floor 9, fraction 27/32
    kw = {"n_pre": 1, "n_post": 1, "weight_width": 12, "w_max": 2047, "weights": [[100]]}
    kw.update(pre_increment=ax, a_plus=ap, a_minus=0, update_shift=s, rounding="stochastic")
    pre = np.array([[1], [0]], np.uint8)
    post = np.array([[0], [1]], np.uint8)
    n_seeds = 3000
    seeds = rng.integers(1, 2**16, n_seeds)
    changes = []
    for seed in seeds:
        p = S.check_stdp_params(seed=int(seed), **kw)
        w = S.stdp_run(p, np.vstack([pre, [[0]]]), np.vstack([post, [[0]]])).weights
        changes.append(int(w[-1, 0, 0]) - 100)
    changes = np.array(changes)
    assert set(changes.tolist()) <= {9, 10}
    exact = ap * ax / 2**s
    frac = exact - 9
    bound = 4 * math.sqrt(frac * (1 - frac) / n_seeds)  # binomial, 4 sigma
    assert abs(changes.mean() - exact) < bound, (changes.mean(), exact, bound)


@pytest.mark.parametrize(("width", "s", "ap", "ax"), [(8, 3, 5, 13), (10, 6, 3, 50), (7, 7, 1, 77)])
def test_stochastic_rounding_over_one_lfsr_period_counts_exactly(
    width: int, s: int, ap: int, ax: int
) -> None:
    period = 2**width - 1
    n_cycles = 1 + period
    kw = {"n_pre": 1, "n_post": 1, "weight_width": 16, "w_max": 32767, "weights": [[0]]}
    kw.update(trace_width=8, pre_increment=ax, pairing="nearest", a_plus=ap, a_minus=0)
    kw.update(update_shift=s, rounding="stochastic", width=width, seed=5)
    p = S.check_stdp_params(**kw)
    ones = np.ones((n_cycles + 1, 1), np.uint8)  # pre and post every cycle: x = ax from cycle 1
    w = S.stdp_run(p, ones, ones).weights[:, 0, 0]
    v = ap * ax
    f = v % 2**s
    # cycles 1 .. period see every LFSR state once: f * 2**(width - s) - 1 round-ups
    ups = f * 2 ** (width - s) - (1 if f else 0)
    assert int(w[-1]) == period * (v >> s) + ups


# ---------------------------------------------------------------------------
# Saturation and the write port
# ---------------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_weights_stay_in_range_and_clamp_never_wraps(seed: int) -> None:
    rng = np.random.default_rng(seed)
    wb = int(rng.integers(2, 8))
    lo, hi = -(2 ** (wb - 1)), 2 ** (wb - 1) - 1
    w_min = int(rng.integers(lo, hi + 1))
    w_max = int(rng.integers(w_min, hi + 1))
    kw = {"n_pre": 3, "n_post": 2, "weight_width": wb, "w_min": w_min, "w_max": w_max}
    kw.update(a_plus=int(rng.integers(0, 500)), a_minus=int(rng.integers(0, 500)))
    kw.update(update_shift=int(rng.integers(0, 4)), trace_width=6)
    pre = (rng.random((120, 3)) < 0.3).astype(np.uint8)
    post = (rng.random((120, 2)) < 0.3).astype(np.uint8)
    run = S.stdp_run(S.check_stdp_params(**kw), pre, post)
    w = run.weights
    assert w.min() >= w_min and w.max() <= w_max, f"seed={seed}"
    ref = RefSTDP(kw)
    for t in range(120):
        assert w[t].tolist() == ref.step(pre[t], post[t])[0], f"seed={seed} cycle={t}"


def test_potentiation_past_w_max_clamps_instead_of_wrapping() -> None:
    kw = {"n_pre": 1, "n_post": 1, "weight_width": 4, "weights": [[6]], "a_plus": 40}
    kw.update(update_shift=0, trace_width=4, pre_increment=15)
    pre = np.array([[1], [0], [0]], np.uint8)
    post = np.array([[0], [1], [0]], np.uint8)
    w = S.stdp_run(S.check_stdp_params(**kw), pre, post).weights[:, 0, 0]
    assert w.tolist() == [6, 6, 7]  # 6 + 600 would wrap to a negative 4-bit value
    kw.update(w_min=-8, weights=[[-5]], a_minus=40, a_plus=0, post_increment=15)
    w = S.stdp_run(S.check_stdp_params(**kw), post, pre).weights[:, 0, 0]
    assert w.tolist() == [-5, -5, -8]


def test_write_port_clamps_overrides_learning_and_ignores_bad_addresses() -> None:
    twin = S.STDP(n_pre=3, n_post=2, weight_width=6, w_min=-4, w_max=20, a_plus=8, update_shift=0)
    p = twin.params
    z3, z2 = [0, 0, 0], [0, 0]
    twin.step([1, 1, 1], z2)
    twin.step(z3, [1, 1], w_en=1, w_addr=1, w_data=S.encode_w_data(7, p))
    out = twin.step(z3, z2, w_en=1, w_addr=3, w_data=S.encode_w_data(-30, p))
    assert out.weights.tolist() == [[20, 7, 20], [20, 20, 20]]  # the write beats learning
    out = twin.step(z3, z2, en=0, w_en=1, w_addr=5, w_data=S.encode_w_data(31, p))
    assert out.weights.tolist() == [[20, 7, 20], [-4, 20, 20]]  # -30 clamped to w_min
    out = twin.step(z3, z2, w_en=1, w_addr=2, w_data=S.encode_w_data(-1, p))
    assert out.weights.tolist() == [[20, 7, 20], [-4, 20, 20]]  # 31 clamped, en low
    for bad in (6, 7):  # addresses >= M N write nothing
        twin.step(z3, z2, w_en=1, w_addr=bad, w_data=0)
    assert twin.step(z3, z2).weights.tolist() == [[20, 7, -1], [-4, 20, 20]]


def test_disabled_cycles_freeze_everything() -> None:
    kw, pre, post, _, _ = random_run(5, 60)
    p = S.check_stdp_params(**kw)
    en = np.ones(60, np.uint8)
    en[20:30] = 0
    run = S.stdp_run(p, pre, post, en)
    for t in range(21, 31):
        assert np.array_equal(run.weights[t], run.weights[20])
        assert np.array_equal(run.pre_trace[t], run.pre_trace[20])
    keep = np.r_[0:20, 30:60]
    short = S.stdp_run(p, pre[keep], post[keep])
    assert np.array_equal(short.weights[20:], run.weights[30:])


# ---------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kw", "match"),
    [
        ({"n_pre": 0}, r"n_pre must be in \[1, 64\], not 0"),
        ({"n_post": 33}, r"n_post must be in \[1, 32\], not 33"),
        ({"weight_width": 1}, r"weight_width must be in \[2, 16\], not 1"),
        ({"w_min": -200}, r"w_min must be in \[-128, 127\], not -200"),
        ({"w_min": 5, "w_max": 3}, r"w_max must be in \[5, 127\], not 3"),
        ({"weights": [[0, 200]]}, r"weights\[0\]\[1\] must be in \[w_min, w_max\] = \[0, 127\]"),
        ({"weights": [[0]]}, r"weights must have shape \(n_post, n_pre\) = \(1, 2\)"),
        ({"pre_increment": 256}, r"pre_increment must be in \[0, 255\], not 256"),
        ({"pairing": "triplet"}, r"pairing must be one of 'all_to_all', 'nearest'"),
        ({"decay_shift": 9}, r"decay_shift must be in \[1, 8\], not 9"),
        ({"decay_mult": 3}, r"decay_mult applies to decay='mult' only"),
        ({"decay": "mult", "decay_mult": 256}, r"decay_mult must be in \[0, 255\], not 256"),
        ({"decay": "mult", "decay_shift": 2}, r"decay_shift applies to decay='shift' only"),
        ({"decay_period_log2": 17}, r"decay_period_log2 must be in \[0, 16\], not 17"),
        ({"a_plus": -1}, r"a_plus must be in \[0, 65535\], not -1"),
        ({"update_shift": 25}, r"update_shift must be in \[0, 24\], not 25"),
        ({"rounding": "stochastic", "update_shift": 0}, r"update_shift must be in \[1, width=16\]"),
        ({"seed": 3}, r"seed applies to rounding='stochastic' only"),
        ({"rounding": "stochastic", "seed": 0}, r"seed must be non-zero"),
        ({"rounding": "stochastic", "rotations": [0]}, r"rotations must hold M N = 2 entries"),
        ({"rounding": "stochastic", "rotations": [0, 16]}, r"rotations\[1\] must be in \[0, 15\]"),
        ({"a_plus": 1.5}, r"a_plus must be an integer, not 1.5"),
    ],
)
def test_bad_parameters_are_refused_by_both_twins(kw: dict, match: str) -> None:
    full = {"n_pre": 2, "n_post": 1, **kw}
    with pytest.raises((ValueError, TypeError), match=match):
        S.check_stdp_params(**full)
    with pytest.raises((ValueError, TypeError), match=match):
        HwSTDP(**full)


def test_bad_run_inputs_are_refused() -> None:
    p = S.check_stdp_params(n_pre=2, n_post=1)
    with pytest.raises(ValueError, match=r"pre must have last axis n_pre=2"):
        S.stdp_run(p, np.zeros((3, 3), np.uint8), np.zeros((3, 1), np.uint8))
    with pytest.raises(ValueError, match=r"pre must hold only 0 and 1"):
        S.stdp_run(p, np.full((3, 2), 2), np.zeros((3, 1), np.uint8))
    with pytest.raises(ValueError, match=r"en must have shape \(n_cycles,\) = \(3,\)"):
        S.stdp_run(p, np.zeros((3, 2), np.uint8), np.zeros((3, 1), np.uint8), en=[1, 1])


# ---------------------------------------------------------------------------
# Hardware twin
# ---------------------------------------------------------------------------


def test_hardware_ports_and_widths() -> None:
    hw = HwSTDP(n_pre=5, n_post=3, weight_width=7, trace_width=6)
    members = hw.signature.members
    widths = {name: len(getattr(hw, name)) for name in members}
    assert widths == {
        "pre": 5, "post": 3, "en": 1, "w_en": 1, "w_addr": 4, "w_data": 7,
        "weights": 15 * 7, "pre_trace": 30, "post_trace": 18,
    }  # fmt: skip


def test_constant_amplitudes_need_no_multiplier() -> None:
    kw = {"n_pre": 2, "n_post": 2, "a_plus": 13, "a_minus": 7, "decay": "mult"}
    text = generate_verilog("stdp", {**kw, "decay_mult": 201, "rounding": "stochastic"})
    assert not re.search(r"[\w)\]]\s*\*\s*[\w(]", text)


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4, 5, 6, 7])
def test_amaranth_simulation_matches_the_model(seed: int) -> None:
    params = SPEC.random_params(np.random.default_rng([seed, 0]))
    assert pysim_against_twin(SPEC, params, seed, 300) == ""


def test_default_params_simulate() -> None:
    assert pysim_against_twin(SPEC, SPEC.default_params, 1, 300) == ""


# ---------------------------------------------------------------------------
# Behaviour demo (examples/stdp_pattern.py), shortened
# ---------------------------------------------------------------------------


def load_example(name: str):
    """Import ``examples/<name>.py`` as module ``example_<name>``.

    The module is registered in ``sys.modules`` before it runs: dataclasses
    with string annotations look their module up there.
    """
    import importlib.util
    import sys
    from pathlib import Path

    module_name = f"example_{name}"
    if module_name in sys.modules:
        return sys.modules[module_name]
    path = Path(__file__).resolve().parent.parent / "examples" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(module_name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[module_name]
        raise
    return module


def test_pattern_demo_learns_to_tell_the_pattern_from_noise() -> None:
    demo = load_example("stdp_pattern")
    seed = 2
    rng = np.random.default_rng(seed)
    pattern = demo.make_pattern(rng)
    w0 = rng.integers(100, 200, demo.N_INPUTS)
    test = demo.make_stimulus(rng, pattern, 100)
    before = demo.selectivity(demo.run(w0, test, learn=False)[0], test)
    train = demo.make_stimulus(rng, pattern, 25000 // demo.SLOT)
    _, w1 = demo.run(w0, train, learn=True)
    after = demo.selectivity(demo.run(w1, test, learn=False)[0], test)
    # before: fires in (nearly) every slot, pattern or not; after: in pattern slots only
    assert before["false_alarm"] > 0.8 and before["selectivity"] < 0.2, (seed, before)
    assert after["hit"] > 0.9 and after["false_alarm"] < 0.15, (seed, after)
    assert w1.min() >= 0 and w1.max() <= 255
