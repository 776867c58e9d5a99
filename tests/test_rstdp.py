"""sc_model.rstdp / sc_hw.rstdp: the reward-modulated STDP unit.

Expected values come from an independent per-synapse transcription of the
contract in Python ints (:class:`RefRSTDP`, built on the STDP reference of
``test_stdp``), from closed forms (eligibility decay) or from properties
(no reward, no change; sign of the change; the delay as a pure time shift).
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from test_stdp import RefSTDP, ref_lfsr_next

from sc_cosim.blocks.rstdp import SPEC
from sc_cosim.harness import generate_verilog
from sc_cosim.pysim import pysim_against_twin
from sc_hw.rstdp import RSTDP as HwRSTDP
from sc_model import rstdp as R

# ---------------------------------------------------------------------------
# Independent reference
# ---------------------------------------------------------------------------

STDP_KEYS = {
    "elig_width", "elig_decay_shift", "elig_decay_period_log2",
    "reward_width", "reward_shift", "reward_delay",
}  # fmt: skip


class RefRSTDP(RefSTDP):
    """The STDP reference with the pairings routed into eligibility, from the contract."""

    def __init__(self, kw: dict) -> None:
        self.eb = kw.get("elig_width", 12)
        self.ke = kw.get("elig_decay_shift") or min(4, self.eb - 1)
        self.e_period = 2 ** kw.get("elig_decay_period_log2", 0)
        self.rs = kw.get("reward_shift", 6)
        self.delay = kw.get("reward_delay", 0)
        super().__init__({k: v for k, v in kw.items() if k not in STDP_KEYS})

    def reset(self) -> None:
        super().reset()
        self.e = [[0] * self.n for _ in range(self.m)]
        self.e_count = 0
        self.line = [(0, 0)] * self.delay  # line[0]: newest

    def e_decay(self, e: int) -> int:
        mag = abs(e) - abs(e) // 2**self.ke
        return mag if e >= 0 else -mag

    def step(self, pre, post, en=1, w_en=0, w_addr=0, w_data=0, reward=0, strobe=0):
        out = ([r[:] for r in self.w], self.x[:], self.y[:], [r[:] for r in self.e])
        if en:
            if self.delay:
                s_d, r_d = self.line[-1]
                self.line = [(strobe, reward)] + self.line[:-1]
            else:
                s_d, r_d = strobe, reward
            tick = self.count % self.period == self.period - 1
            e_tick = self.e_count % self.e_period == self.e_period - 1
            self.count += 1
            self.e_count += 1
            emax = 2 ** (self.eb - 1) - 1
            for mi in range(self.m):
                for j in range(self.n):
                    k = mi * self.n + j
                    e = self.e[mi][j]
                    if s_d:
                        w = self.w[mi][j] + (r_d * e) // 2**self.rs  # floor division = >>
                        self.w[mi][j] = min(max(w, self.w_min), self.w_max)
                    de = 0
                    if post[mi]:
                        de += self.rnd(self.ap * self.x[j], k)
                    if pre[j]:
                        de -= self.rnd(self.am * self.y[mi], k)
                    e = (self.e_decay(e) if e_tick else e) + de
                    self.e[mi][j] = min(max(e, -emax), emax)
            self.x = [self.trace(self.x[j], pre[j], tick, self.ax) for j in range(self.n)]
            self.y = [self.trace(self.y[i], post[i], tick, self.ay) for i in range(self.m)]
            self.state = ref_lfsr_next(self.state, self.width, self.taps, self.form)
        if w_en and w_addr < self.m * self.n:
            value = w_data - 2**self.wb if w_data >> (self.wb - 1) else w_data
            self.w[w_addr // self.n][w_addr % self.n] = min(max(value, self.w_min), self.w_max)
        return out


def random_case(seed: int, n_cycles: int):
    rng = np.random.default_rng([seed, 0])
    kw = SPEC.random_params(rng)
    r = R.check_rstdp_params(**kw)
    n, m = kw["n_pre"], kw["n_post"]
    pre = (rng.random((n_cycles, n)) < rng.uniform(0, 0.4, n)).astype(np.uint8)
    post = (rng.random((n_cycles, m)) < rng.uniform(0, 0.4, m)).astype(np.uint8)
    en = (rng.random(n_cycles) < 0.85).astype(np.uint8)
    lo, hi = r.reward_range
    reward = rng.integers(lo, hi + 1, n_cycles)
    strobe = (rng.random(n_cycles) < 0.15).astype(np.uint8)
    return kw, r, pre, post, en, reward, strobe, rng


# ---------------------------------------------------------------------------
# Agreement with the reference
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(20))
def test_run_and_cycle_model_match_the_reference(seed: int) -> None:
    kw, r, pre, post, en, reward, strobe, rng = random_case(seed, 150)
    p = r.stdp
    twin, ref = R.RSTDP(**kw), RefRSTDP(kw)
    for t in range(len(en)):
        w_en = int(rng.random() < 0.05)
        w_addr = int(rng.integers(0, 2**p.addr_width))
        w_data = int(rng.integers(0, 2**p.weight_width))
        args = (pre[t], post[t], int(en[t]), w_en, w_addr, w_data, int(reward[t]), int(strobe[t]))
        ew, ex, ey, ee = ref.step(*args)
        got = twin.step(*args)
        msg = f"seed={seed} cycle={t} params={kw}"
        assert got.weights.tolist() == ew and got.eligibility.tolist() == ee, msg
        assert got.pre_trace.tolist() == ex and got.post_trace.tolist() == ey, msg
    run = R.rstdp_run(r, pre, post, reward, strobe, en)
    ref = RefRSTDP(kw)
    for t in range(len(en)):
        ew, ex, ey, ee = ref.step(pre[t], post[t], en[t], 0, 0, 0, int(reward[t]), strobe[t])
        msg = f"seed={seed} cycle={t} params={kw}"
        assert run.weights[t].tolist() == ew and run.eligibility[t].tolist() == ee, msg
        assert run.pre_trace[t].tolist() == ex and run.post_trace[t].tolist() == ey, msg


def test_batch_rewards_are_per_element() -> None:
    kw, r, pre, post, en, reward, strobe, _ = random_case(4, 100)
    b = 3
    pre_b = np.repeat(pre[:, None], b, axis=1)
    post_b = np.repeat(post[:, None], b, axis=1)
    lo, hi = r.reward_range
    rew_b = np.stack([reward, np.full_like(reward, hi), np.full_like(reward, lo)], axis=1)
    stb_b = np.repeat(strobe[:, None], b, axis=1)
    batch = R.rstdp_run(r, pre_b, post_b, rew_b, stb_b, en)
    for i in range(b):
        one = R.rstdp_run(r, pre, post, rew_b[:, i], strobe, en)
        assert np.array_equal(batch.weights[:, i], one.weights)
        assert np.array_equal(batch.eligibility[:, i], one.eligibility)


# ---------------------------------------------------------------------------
# Behaviour
# ---------------------------------------------------------------------------

BASE = {
    "n_pre": 1, "n_post": 1, "weight_width": 12, "w_min": -2047, "w_max": 2047,
    "weights": [[0]], "trace_width": 8, "pre_increment": 128, "post_increment": 128,
    "decay_shift": 3, "a_plus": 4, "a_minus": 4, "update_shift": 2,
    "elig_width": 14, "elig_decay_shift": 5, "reward_width": 8, "reward_shift": 4,
}  # fmt: skip


def pairing_run(order: str, reward: int | None, n_cycles: int = 60, **extra) -> R.RSTDPState:
    """One pre/post pair (``"pre_post"``: pre at 5, post at 8; ``"post_pre"``: reversed),
    then a reward strobed at cycle 20 (none if ``reward`` is None)."""
    kw = {**BASE, **extra}
    r = R.check_rstdp_params(**kw)
    pre = np.zeros((n_cycles, 1), np.uint8)
    post = np.zeros((n_cycles, 1), np.uint8)
    a, b = (pre, post) if order == "pre_post" else (post, pre)
    a[5] = 1
    b[8] = 1
    rew = np.zeros(n_cycles, np.int64)
    stb = np.zeros(n_cycles, np.uint8)
    if reward is not None:
        rew[20], stb[20] = reward, 1
    return R.rstdp_run(r, pre, post, rew, stb)


@pytest.mark.parametrize("order", ["pre_post", "post_pre"])
def test_eligibility_without_reward_leaves_weights_unchanged(order: str) -> None:
    run = pairing_run(order, None)
    assert np.abs(run.eligibility[:, 0, 0]).max() > 0  # the pairing was recorded
    assert (run.weights == 0).all()
    kw, r, pre, post, en, reward, _, _ = random_case(9, 300)
    busy = R.rstdp_run(r, pre, post, reward, np.zeros(300, np.uint8), en)
    assert np.abs(busy.eligibility).max() > 0
    assert (busy.weights == busy.weights[0]).all()


def test_reward_sign_times_pairing_order_sets_the_sign_of_the_change() -> None:
    x_at_post = 98  # pre trace 3 cycles after its spike, two decays: 128 -> 112 -> 98
    expected_e = 4 * x_at_post // 4  # a_plus x >> update_shift, floor rounding
    for order, e_sign in (("pre_post", 1), ("post_pre", -1)):
        for reward, r_sign in ((100, 1), (-100, -1)):
            run = pairing_run(order, reward)
            e = run.eligibility[:, 0, 0]
            w = run.weights[:, 0, 0]
            assert e[9] == e_sign * expected_e  # the pairing lands in cycle 8 -> shown in 9
            assert np.sign(e[20]) == e_sign
            assert (w[:21] == 0).all()
            # applied in cycle 20 from e[20], visible from cycle 21, then constant
            assert w[21] == (reward * int(e[20])) >> 4
            assert np.sign(w[21]) == e_sign * r_sign
            assert (w[21:] == w[21]).all()


@pytest.mark.parametrize("delay", [0, 1, 3, 7])
def test_reward_delay_shifts_the_change_by_exactly_that_many_cycles(delay: int) -> None:
    run = pairing_run("pre_post", 90, reward_delay=delay)
    w = run.weights[:, 0, 0]
    changed = np.flatnonzero(w != 0)
    assert changed[0] == 21 + delay  # strobed in cycle 20, applied in 20 + delay
    assert w[-1] == (90 * int(run.eligibility[20 + delay, 0, 0])) >> 4
    # delay as a pure time shift: an undelayed reward strobed `delay` cycles later
    rew = np.zeros(60, np.int64)
    stb = np.zeros(60, np.uint8)
    rew[20 + delay], stb[20 + delay] = 90, 1
    pre = np.zeros((60, 1), np.uint8)
    post = np.zeros((60, 1), np.uint8)
    pre[5], post[8] = 1, 1
    later = R.rstdp_run(R.check_rstdp_params(**BASE), pre, post, rew, stb)
    assert np.array_equal(later.weights, run.weights)


def test_reward_delay_counts_enabled_cycles_and_ignores_disabled_strobes() -> None:
    kw = {**BASE, "reward_delay": 2}
    twin = R.RSTDP(**kw)
    twin.step([1], [0])
    twin.step([0], [1])  # pairing: eligibility > 0 from here on
    twin.step([0], [0], en=0, reward=50, reward_strobe=1)  # ignored
    twin.step([0], [0], reward=50, reward_strobe=1)  # enters the line
    twin.step([0], [0], en=0)
    w = [int(twin.step([0], [0]).weights[0, 0])]  # 1st enabled cycle after the strobe
    w += [int(twin.step([0], [0]).weights[0, 0]) for _ in range(3)]
    assert w[:2] == [0, 0] and w[2] > 0 and w[3] == w[2]  # applied in the 2nd: one update


@pytest.mark.parametrize("ke", [1, 3, 6])
def test_eligibility_decays_toward_zero_symmetrically_as_the_closed_form(ke: int) -> None:
    n = 120
    runs = {order: pairing_run(order, None, n_cycles=n, elig_decay_shift=ke)
            for order in ("pre_post", "post_pre")}  # fmt: skip
    pos = runs["pre_post"].eligibility[:, 0, 0]
    neg = runs["post_pre"].eligibility[:, 0, 0]
    assert np.array_equal(pos, -neg)  # same magnitudes (a_plus = a_minus, equal traces)
    e0 = int(pos[9])
    q = 1 - 2.0**-ke
    for t in range(9, n):
        k = t - 9  # decay ticks since the pairing's cycle
        # |e| - (|e| >> ke) = ceil(|e| q): e0 q^k <= |e_k| < e0 q^k + 2**ke
        assert e0 * q**k - 1e-9 <= pos[t] < e0 * q**k + 2**ke, (t, pos[t])
    assert pos[-1] < 2**ke  # ends in the dead zone


def test_eligibility_and_weights_saturate_without_wrapping() -> None:
    kw = {**BASE, "elig_width": 6, "a_plus": 200, "a_minus": 0, "update_shift": 0,
          "weight_width": 6, "w_min": -20, "w_max": 25, "reward_shift": 0}  # fmt: skip
    r = R.check_rstdp_params(**kw)
    n = 30
    pre = np.ones((n, 1), np.uint8)  # pre and post every cycle: potentiation only
    post = np.ones((n, 1), np.uint8)
    rew = np.full(n, 127)
    stb = np.zeros(n, np.uint8)
    stb[10] = 1
    run = R.rstdp_run(r, pre, post, rew, stb)
    assert run.eligibility.max() == 31 and run.eligibility.min() >= -31
    assert run.weights[-1, 0, 0] == 25
    rew[:] = -128
    run = R.rstdp_run(r, pre, post, rew, stb)
    assert run.weights[-1, 0, 0] == -20


def test_negative_products_round_toward_minus_infinity() -> None:
    kw = {**BASE, "a_plus": 1, "update_shift": 7, "reward_shift": 3}  # e = 1 after the pair
    r = R.check_rstdp_params(**kw)
    pre = np.zeros((12, 1), np.uint8)
    post = np.zeros((12, 1), np.uint8)
    pre[0], post[1] = 1, 1
    rew, stb = np.zeros(12, np.int64), np.zeros(12, np.uint8)
    rew[5], stb[5] = -1, 1
    run = R.rstdp_run(r, pre, post, rew, stb)
    assert run.eligibility[5, 0, 0] == 1
    assert run.weights[-1, 0, 0] == -1  # floor(-1 / 8) = -1; +1 would give 0


# ---------------------------------------------------------------------------
# Errors and hardware
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kw", "match"),
    [
        ({"elig_width": 1}, r"elig_width must be in \[2, 24\], not 1"),
        ({"elig_decay_shift": 12}, r"elig_decay_shift must be in \[1, 11\], not 12"),
        ({"elig_decay_period_log2": -1}, r"elig_decay_period_log2 must be in \[0, 16\], not -1"),
        ({"reward_width": 17}, r"reward_width must be in \[2, 16\], not 17"),
        ({"reward_shift": 41}, r"reward_shift must be in \[0, 40\], not 41"),
        ({"reward_delay": 65}, r"reward_delay must be in \[0, 64\], not 65"),
        ({"n_pre": 65}, r"n_pre must be in \[1, 64\], not 65"),
        ({"decay_mult": 3}, r"decay_mult applies to decay='mult' only"),
    ],
)
def test_bad_parameters_are_refused_by_both_twins(kw: dict, match: str) -> None:
    full = {"n_pre": 2, "n_post": 1, **kw}
    with pytest.raises((ValueError, TypeError), match=match):
        R.check_rstdp_params(**full)
    with pytest.raises((ValueError, TypeError), match=match):
        HwRSTDP(**full)


def test_bad_rewards_are_refused() -> None:
    r = R.check_rstdp_params(n_pre=1, n_post=1, reward_width=4)
    z = np.zeros((3, 1), np.uint8)
    with pytest.raises(ValueError, match=r"reward must be <= 7; found 8"):
        R.rstdp_run(r, z, z, np.array([0, 8, 0]), np.zeros(3, np.uint8))
    with pytest.raises(ValueError, match=r"reward and reward_strobe must have shape"):
        R.rstdp_run(r, z, z, np.zeros(2, np.int64), np.zeros(3, np.uint8))
    with pytest.raises(ValueError, match=r"reward must be in \[-8, 7\], not -9"):
        R.RSTDP(n_pre=1, n_post=1, reward_width=4).step([0], [0], reward=-9)


def test_hardware_ports_and_one_multiplier_per_synapse() -> None:
    hw = HwRSTDP(n_pre=3, n_post=2, weight_width=7, trace_width=5, elig_width=9, reward_width=6)
    widths = {name: len(getattr(hw, name)) for name in hw.signature.members}
    assert widths == {
        "pre": 3, "post": 2, "en": 1, "w_en": 1, "w_addr": 3, "w_data": 7, "weights": 42,
        "pre_trace": 15, "post_trace": 10, "reward": 6, "reward_strobe": 1, "eligibility": 54,
    }  # fmt: skip
    text = generate_verilog("rstdp", {"n_pre": 3, "n_post": 2, "a_plus": 5, "a_minus": 3})
    assert len(re.findall(r"\)\s*\*\s*\$signed", text)) == 6


@pytest.mark.parametrize("seed", range(8))
def test_amaranth_simulation_matches_the_model(seed: int) -> None:
    params = SPEC.random_params(np.random.default_rng([seed, 0]))
    assert pysim_against_twin(SPEC, params, seed, 300) == ""


EDGES = [(2, 2, 3), (2, 2, 5), (3, 4, 0), (16, 24, 39), (16, 24, 40)]


@pytest.mark.parametrize(("rb", "eb", "rs"), EDGES)
def test_amaranth_simulation_matches_at_the_reward_shift_edges(rb: int, eb: int, rs: int) -> None:
    # reward_shift at and beyond the product width (rb + eb): the change is 0 or -1
    params = {"n_pre": 3, "n_post": 2, "weight_width": 4, "w_min": -8, "w_max": 7, "a_plus": 7,
              "a_minus": 5, "update_shift": 0, "trace_width": 3, "reward_width": rb,
              "elig_width": eb, "reward_shift": rs}  # fmt: skip
    assert pysim_against_twin(SPEC, params, 5, 400) == ""


def test_default_params_simulate() -> None:
    assert pysim_against_twin(SPEC, SPEC.default_params, 1, 300) == ""


# ---------------------------------------------------------------------------
# Behaviour demo (examples/rstdp_choice.py), shortened
# ---------------------------------------------------------------------------


def test_choice_demo_learns_the_task_from_reward_alone() -> None:
    from test_stdp import load_example

    demo = load_example("rstdp_choice")
    seed = 1
    rng = np.random.default_rng(seed)
    w0 = rng.integers(140, 160, (demo.N_OUT, demo.N_INPUTS))
    before, _ = demo.run_trials(w0, 100, rng, learn=False)
    _, w1 = demo.run_trials(w0, 250, rng, learn=True)
    after, _ = demo.run_trials(w1, 100, rng, learn=False)
    assert before.mean() < 0.7, (seed, before.mean())  # chance level (binomial, n = 100)
    assert after.mean() >= 0.9, (seed, after.mean())
    half = demo.N_INPUTS // 2  # each neuron now prefers the inputs of its own stimulus
    assert w1[0, :half].mean() > w1[0, half:].mean() and w1[1, half:].mean() > w1[1, :half].mean()
