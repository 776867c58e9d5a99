"""Speed of the learning rules against straightforward loop implementations.

Run from the repository root::

    .venv/bin/python bench/bench_learning.py [--quick]

Cases (one run measures them all and prints one table):

(a) BPTT training step (:class:`sc_model.learning.bptt.BPTTLearner`, Adam,
    MSE loss, fast-sigmoid surrogate): 128 inputs -> 128 LIF -> 128 LIF,
    feed-forward, T = 100 steps, batch 32; forward, backward and update.
(a2) The same with a recurrent first layer (128 x 128 recurrent weights).

The loop version computes the same maths (forward, back-propagation through
time through both layers, the membrane, the reset and the recurrence, Adam)
on Python lists with explicit loops over steps, samples, neurons and
synapses. It is far too slow for the full batch: its gradient is timed on
one sample of the batch (and a short prefix of the sequence under
``--quick``) and scaled per sample-step; the time of one loop Adam update of
all weights is added once (it does not grow with the batch). Before any
timing the loop and the vectorised path must give the same gradient on that
slice (relative error < 1e-9).

(b) R-STDP network step (:class:`sc_model.learning.reward.RewardModulatedLearner`,
    float mode): 128 inputs -> 128 LIF -> 128 LIF, both projections plastic,
    batch 32. One network step advances the network one step and updates the
    traces and eligibility of every synapse; a reward (one per sample) comes
    once per trial of T = 100 steps, and its time is amortised over the trial.
    The reported time is (trial of 100 steps + its reward step) / 100.
(b2) The same in integer mode (hardware R-STDP unit semantics, 12-bit LIF),
    batch 1 (the integer learner's limit) at 64 inputs -> 32 -> 32 LIF, the
    largest projections the units take (``n_pre <= 64``, ``n_post <= 32``).
    The learner runs a trial in one compiled call (floor rounding, no reward
    delay: :mod:`sc_model.learning._reward_compiled`).

The R-STDP loops step one sample through the LIF layers, traces, eligibility
and reward on Python lists. Before timing they must reproduce the learner on
a slice (float: every spike equal, weights, eligibility, traces, membranes and
baseline within 1e-12; integer: all identical). The float loop is timed on one
sample and scaled to the batch; its reward step runs on the whole batch.
(:func:`check_rstdp_float` and :func:`check_rstdp_int` are those checks;
``tests/learning/test_bench_learning.py`` runs them at small sizes.)
Each time is the best of several repeats (``time.perf_counter``); ``--case``
runs a subset.

Both paths run on one core: BLAS threads are limited to 1 (set before NumPy
is imported, unless the environment sets them), because the loop is
single-threaded and because on a shared 2-core machine threaded BLAS on these
small ``32 x 128`` products oversubscribes the cores (measured: 0.76 s per
step with 2 OpenBLAS threads under load, 0.05 s with 1).
"""

from __future__ import annotations

import argparse
import datetime
import math
import os
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sc_model.learning import Network, feedforward  # noqa: E402
from sc_model.learning.bptt import BPTTLearner  # noqa: E402
from sc_model.learning.network import INPUT  # noqa: E402
from sc_model.learning.reward import RewardModulatedLearner  # noqa: E402
from sc_model.learning.surrogate import FastSigmoid  # noqa: E402

N_IN = N_HIDDEN = N_OUT = 128
CASES = ("a", "a2", "b", "b2")
T_STEPS = 100
BATCH = 32
TAU, THETA, SLOPE = 5.0, 1.0, 10.0


class Row(NamedTuple):
    name: str
    work: int  # sample-steps of the fast path
    fast_s: float
    loop_work: int  # sample-steps of the loop path's gradient
    loop_s: float  # its time
    loop_fixed_s: float  # loop time that does not scale with the work (the update)
    note: str = ""  # printed under the table

    @property
    def loop_scaled_s(self) -> float:
        return self.loop_s / self.loop_work * self.work + self.loop_fixed_s


def best_time(fn: Callable[[], object], repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


# ---------------------------------------------------------------------------
# Loop reference: BPTT of a layered network (optional self-recurrence), one sample
# ---------------------------------------------------------------------------


def loop_bptt_grads(
    x: list[list[float]],
    y: list[list[float]],
    w_ff: list[list[list[float]]],
    w_rec: list[list[list[float]] | None],
    beta: float,
    theta: float,
    slope: float,
    norm: float,
) -> tuple[list[list[list[float]]], list[list[list[float]] | None]]:
    """Gradients of ``sum (s_out - y)^2 / norm`` for one sample, all loops in Python.

    Subtract reset, ``m[t] = beta m[t-1] + I[t] - theta s[t-1]``, ``s = H(m - theta)``,
    backward with ``f' = 1 / (1 + slope |m - theta|)^2``.
    """
    t_steps, n_layers = len(x), len(w_ff)
    sizes = [len(w) for w in w_ff]
    m = [[[0.0] * sizes[k] for _ in range(t_steps)] for k in range(n_layers)]
    s = [[[0.0] * sizes[k] for _ in range(t_steps)] for k in range(n_layers)]
    for t in range(t_steps):
        pre = x[t]
        for k in range(n_layers):
            w, r = w_ff[k], w_rec[k]
            for i in range(sizes[k]):
                cur = 0.0
                row = w[i]
                for j in range(len(pre)):
                    cur += row[j] * pre[j]
                if r is not None and t > 0:
                    for j in range(sizes[k]):
                        cur += r[i][j] * s[k][t - 1][j]
                mp = m[k][t - 1][i] if t > 0 else 0.0
                sp = s[k][t - 1][i] if t > 0 else 0.0
                v = beta * mp + cur - theta * sp
                m[k][t][i] = v
                s[k][t][i] = 1.0 if v >= theta else 0.0
            pre = s[k][t]
    g_ff = [[[0.0] * len(w[0]) for _ in w] for w in w_ff]
    g_rec = [None if r is None else [[0.0] * len(r[0]) for _ in r] for r in w_rec]
    gs = [[[0.0] * sizes[k] for _ in range(t_steps)] for k in range(n_layers)]
    for t in range(t_steps):
        for i in range(sizes[-1]):
            gs[-1][t][i] = 2.0 * (s[-1][t][i] - y[t][i]) / norm
    gm_next = [[0.0] * sizes[k] for k in range(n_layers)]
    for t in range(t_steps - 1, -1, -1):
        for k in range(n_layers - 1, -1, -1):
            gm = [0.0] * sizes[k]
            for i in range(sizes[k]):
                g = gs[k][t][i] - theta * gm_next[k][i]
                d = 1.0 / (1.0 + slope * abs(m[k][t][i] - theta)) ** 2
                gm[i] = g * d + beta * gm_next[k][i]
            gm_next[k] = gm
            pre = x[t] if k == 0 else s[k - 1][t]
            w, gw = w_ff[k], g_ff[k]
            for i in range(sizes[k]):
                gi = gm[i]
                row, grow = w[i], gw[i]
                for j in range(len(pre)):
                    grow[j] += gi * pre[j]
                    if k > 0:
                        gs[k - 1][t][j] += gi * row[j]
            r = w_rec[k]
            if r is not None and t > 0:
                gr = g_rec[k]
                for i in range(sizes[k]):
                    for j in range(sizes[k]):
                        gr[i][j] += gm[i] * s[k][t - 1][j]
                        gs[k][t - 1][j] += gm[i] * r[i][j]
    return g_ff, g_rec


def loop_adam(p: list[list[float]], g: list[list[float]], lr: float) -> None:
    """One first Adam step (b1 = 0.9, b2 = 0.999, eps = 1e-8) element by element."""
    for i in range(len(p)):
        for j in range(len(p[i])):
            m = 0.1 * g[i][j]
            v = 0.001 * g[i][j] * g[i][j]
            p[i][j] -= lr * (m / 0.1) / (math.sqrt(v / 0.001) + 1e-8)


def loop_update(w_ff, w_rec, g_ff, g_rec) -> None:
    for w, g in zip(w_ff + w_rec, g_ff + g_rec, strict=True):
        if w is not None:
            loop_adam(w, g, 1e-3)


# ---------------------------------------------------------------------------
# Loop reference: R-STDP network step, float mode, one sample
# ---------------------------------------------------------------------------


class LoopState:
    """One sample's state as lists: per layer ``v``, ``s``; per projection ``x``, ``y``, ``e``.

    Layer ``k`` is fed by projection ``k`` (``input -> L0 -> L1 -> ...``).
    """

    def __init__(self, n_in: int, sizes: list[int], integer: bool = False) -> None:
        zero = 0 if integer else 0.0
        n_src = [n_in, *sizes[:-1]]
        self.v = [[zero] * n for n in sizes]
        self.s = [[zero] * n for n in sizes]
        self.x = [[zero] * m for m in n_src]
        self.y = [[zero] * n for n in sizes]
        self.e = [[[zero] * m for _ in range(n)] for n, m in zip(sizes, n_src, strict=True)]


class FloatRule(NamedTuple):
    """Constants of the float rule: membrane ``beta``, ``theta``; trace decays; amplitudes."""

    beta: float
    theta: float
    decay_plus: float
    decay_minus: float
    decay_e: float
    a_plus: float
    a_minus: float
    lr: float
    w_min: float
    w_max: float
    rate: float  # baseline rate 1 - exp(-1 / tau_reward)


def loop_rstdp_float_step(
    xin: list[float], w: list[list[list[float]]], st: LoopState, c: FloatRule
) -> None:
    """One network step of one sample: LIF layers (subtract reset), then traces and eligibility.

    ``v = beta v + W pre - theta s_prev``, ``s = H(v - theta)``;
    ``e = de e + a_plus post x - a_minus y pre``, ``x = dp x + pre``, ``y = dm y + post``.
    """
    pre = xin
    for k in range(len(w)):
        wk, v, s_prev = w[k], st.v[k], st.s[k]
        n_post, n_pre = len(wk), len(pre)
        post = [0.0] * n_post
        for i in range(n_post):
            cur = 0.0
            row = wk[i]
            for j in range(n_pre):
                cur += row[j] * pre[j]
            vi = c.beta * v[i] + cur - c.theta * s_prev[i]
            v[i] = vi
            post[i] = 1.0 if vi >= c.theta else 0.0
        st.s[k] = post
        x, y, e = st.x[k], st.y[k], st.e[k]
        for i in range(n_post):
            ei, pi, yi = e[i], post[i], y[i]
            for j in range(n_pre):
                ei[j] = c.decay_e * ei[j] + c.a_plus * pi * x[j] - c.a_minus * yi * pre[j]
        for j in range(n_pre):
            x[j] = c.decay_plus * x[j] + pre[j]
        for i in range(n_post):
            y[i] = c.decay_minus * y[i] + post[i]
        pre = post


def loop_rstdp_float_reward(
    w: list[list[list[float]]],
    states: list[LoopState],
    reward: list[float],
    r_bar: float,
    c: FloatRule,
) -> float:
    """``W += lr sum_b (R_b - Rbar) e_b``, clipped, at every synapse; returns the new ``Rbar``."""
    adv = [r - r_bar for r in reward]
    for k in range(len(w)):
        wk = w[k]
        for i in range(len(wk)):
            row = wk[i]
            for j in range(len(row)):
                acc = 0.0
                for b in range(len(states)):
                    acc += adv[b] * states[b].e[k][i][j]
                row[j] = min(max(row[j] + c.lr * acc, c.w_min), c.w_max)
    return r_bar + c.rate * (sum(reward) / len(reward) - r_bar)


# ---------------------------------------------------------------------------
# Loop reference: R-STDP network step, integer mode (hardware semantics), batch 1
# ---------------------------------------------------------------------------


class IntRule(NamedTuple):
    """Integer constants: LIF (shift leak, subtract reset) and R-STDP unit (floor rounding)."""

    leak_shift: int
    threshold: int
    v_min: int
    v_max: int
    in_min: int
    in_max: int
    trace_max: int
    pre_inc: int
    post_inc: int
    decay_shift: int
    a_plus: int
    a_minus: int
    update_shift: int
    elig_max: int
    elig_shift: int
    w_min: int
    w_max: int
    reward_lo: int
    reward_hi: int
    reward_shift: int
    rate: float


def _clamp(v: int, lo: int, hi: int) -> int:
    return lo if v < lo else hi if v > hi else v


def _int_plasticity(pre: list[int], post: list[int], st: LoopState, k: int, c: IntRule) -> None:
    """One enabled R-STDP cycle of projection ``k`` without reward: eligibility and traces."""
    x, y, e = st.x[k], st.y[k], st.e[k]
    for i in range(len(post)):
        ei, pi = e[i], post[i]
        dep_i = (c.a_minus * y[i]) >> c.update_shift
        for j in range(len(pre)):
            old = ei[j]
            dec = old - (old >> c.elig_shift) if old >= 0 else old + ((-old) >> c.elig_shift)
            pot = (c.a_plus * x[j]) >> c.update_shift if pi else 0
            dep = dep_i if pre[j] else 0
            ei[j] = _clamp(dec + pot - dep, -c.elig_max, c.elig_max)
    for j in range(len(pre)):
        d = x[j] - (x[j] >> c.decay_shift)
        x[j] = min(d + c.pre_inc, c.trace_max) if pre[j] else d
    for i in range(len(post)):
        d = y[i] - (y[i] >> c.decay_shift)
        y[i] = min(d + c.post_inc, c.trace_max) if post[i] else d


def loop_rstdp_int_step(
    xin: list[int], w: list[list[list[int]]], st: LoopState, c: IntRule
) -> None:
    """One network step: integer LIF layers, then one enabled R-STDP cycle per projection.

    ``I = sat_in(W pre)``, ``v1 = sat(v - (v >> k) + I)``, fire when ``v1 >= threshold``,
    then ``v = v1 - threshold`` (else ``v1``); pairing terms
    ``P = (a_plus x) >> s`` (post spike), ``Q = (a_minus y) >> s`` (pre spike),
    ``e = esat(E(e) + P - Q)``, traces ``x = min(D(x) + a_x, X_MAX)`` on a spike else ``D(x)``.
    """
    pre = xin
    for k in range(len(w)):
        wk, v = w[k], st.v[k]
        post = [0] * len(wk)
        for i in range(len(wk)):
            cur = 0
            row = wk[i]
            for j in range(len(pre)):
                cur += row[j] * pre[j]
            cur = _clamp(cur, c.in_min, c.in_max)
            v1 = _clamp(v[i] - (v[i] >> c.leak_shift) + cur, c.v_min, c.v_max)
            if v1 >= c.threshold:
                v[i], post[i] = v1 - c.threshold, 1
            else:
                v[i] = v1
        st.s[k] = post
        _int_plasticity(pre, post, st, k, c)
        pre = post


def loop_rstdp_int_reward(
    w: list[list[list[int]]], st: LoopState, reward: int, r_bar: float, c: IntRule
) -> float:
    """The reward cycle: ``w = sat(w + ((R - round(Rbar)) e >> reward_shift))`` (value clamped
    to the reward range), then an enabled cycle without spikes; returns the new ``Rbar``."""
    value = _clamp(reward - round(r_bar), c.reward_lo, c.reward_hi)
    for k in range(len(w)):
        wk, e = w[k], st.e[k]
        for i in range(len(wk)):
            row, ei = wk[i], e[i]
            for j in range(len(row)):
                row[j] = _clamp(row[j] + ((value * ei[j]) >> c.reward_shift), c.w_min, c.w_max)
        _int_plasticity([0] * len(wk[0]), [0] * len(wk), st, k, c)
    return r_bar + c.rate * (reward - r_bar)


# ---------------------------------------------------------------------------
# Cases
# ---------------------------------------------------------------------------


def build(recurrent: bool, seed: int) -> Network:
    return feedforward(
        N_IN, [N_HIDDEN, N_OUT], recurrent=[recurrent, False], rng=seed, tau=TAU, threshold=THETA
    )


def case_bptt(recurrent: bool, t_loop: int, repeats: int, seed: int = 0) -> Row:
    rng = np.random.default_rng(seed)
    x = (rng.random((T_STEPS, BATCH, N_IN)) < 0.2).astype(float) * 1.5
    y = (rng.random((T_STEPS, BATCH, N_OUT)) < 0.05).astype(float)
    net = build(recurrent, seed)
    names = ["L0", "L1"]
    ff = [next(p for p in net.incoming(k) if not net.delayed(p)) for k in names]
    rec = [next((p for p in net.incoming(k) if net.delayed(p)), None) for k in names]
    beta = float(net.populations["L0"].beta)
    # the loop's gradient on one sample and t_loop steps equals the vectorised one
    norm = t_loop * N_OUT
    check = BPTTLearner(net, "mse", surrogate=FastSigmoid(SLOPE))
    _, grads = check.gradients(x[:t_loop, 0], y[:t_loop, 0])
    xs, ys = x[:t_loop, 0].tolist(), y[:t_loop, 0].tolist()
    w_ff = [p.to_dense().tolist() for p in ff]
    w_rec = [None if p is None else p.to_dense().tolist() for p in rec]
    g_ff, g_rec = loop_bptt_grads(xs, ys, w_ff, w_rec, beta, THETA, SLOPE, norm)
    for j, p in enumerate(net.projections):
        k = names.index(p.target)
        g_loop = np.array(g_rec[k] if net.delayed(p) else g_ff[k])
        g_fast = np.zeros((p.n_target, p.n_source))
        g_fast[p.rows, p.indices] = grads[j]
        err = np.linalg.norm(g_loop - g_fast) / max(np.linalg.norm(g_fast), 1e-300)
        assert err < 1e-9, f"loop and vectorised gradients differ ({err:.2e})"
    assert any(np.abs(g).max() > 0 for g in grads), "zero gradient: the check proves nothing"
    learner = BPTTLearner(net, "mse", lr=1e-3, optimizer="adam", surrogate=FastSigmoid(SLOPE))
    fast = best_time(lambda: learner.train_step(x, y), repeats)
    loop = best_time(lambda: loop_bptt_grads(xs, ys, w_ff, w_rec, beta, THETA, SLOPE, norm), 1)
    update = best_time(lambda: loop_update(w_ff, w_rec, g_ff, g_rec), 1)
    name = "(a2) BPTT step, recurrent L0" if recurrent else "(a) BPTT step, feed-forward"
    return Row(name, T_STEPS * BATCH, fast, t_loop, loop, update)


# ---------------------------------------------------------------------------
# R-STDP cases
# ---------------------------------------------------------------------------

# float: 128 inputs -> 128 LIF -> 128 LIF (both projections plastic), batch 32
RS_SIZES = [128, 128]
RS_GAIN = 2.5  # initial weights: normal(0, 1/sqrt(n_source)) times this (about 20 % firing)
RS_P_IN = 0.2  # input spike probability per step
RS_KW = dict(
    tau_plus=20.0,
    tau_minus=20.0,
    tau_e=50.0,
    a_plus=1.0,
    a_minus=1.05,
    lr=1e-3,
    w_min=-1.0,
    w_max=1.0,
)
RS_TAU_REWARD = 5.0
# integer: the largest the hardware unit takes (n_pre <= 64, n_post <= 32): 64 -> 32 -> 32
RI_N_IN, RI_SIZES = 64, [32, 32]
RI_LIF = dict(v_width=12, threshold=100, leak_mode="shift", leak_shift=3, reset_mode="subtract")
RI_PARAMS = dict(
    weight_width=8,
    w_min=-100,
    w_max=100,
    a_plus=4,
    a_minus=3,
    update_shift=3,
    elig_width=14,
    elig_decay_shift=4,
    reward_width=8,
    reward_shift=8,
)
RI_W = (-20, 24)  # initial weights uniform in this range
RI_REWARD = 60  # rewards uniform integers in [-RI_REWARD, RI_REWARD]


def rstdp_float_setup(
    n_in: int, sizes: list[int], batch: int, t_steps: int, trials: int, seed: int
) -> tuple[RewardModulatedLearner, np.ndarray, np.ndarray, FloatRule]:
    """Learner on a fresh float network, inputs ``(trials, T, batch, n_in)`` 0/1, rewards
    ``(trials, batch)`` normal, and the rule's constants for the loop."""
    rng = np.random.default_rng(seed)
    net = feedforward(n_in, sizes, rng=rng, tau=TAU, threshold=THETA)
    for p in net.projections:
        p.data *= RS_GAIN
    learner = RewardModulatedLearner(net, RS_TAU_REWARD, **RS_KW)  # type: ignore[arg-type]
    x = (rng.random((trials, t_steps, batch, n_in)) < RS_P_IN).astype(np.float64)
    r = rng.normal(0.0, 1.0, (trials, batch))
    pop = net.populations["L0"]
    rule = FloatRule(
        float(pop.beta[0]) if pop.beta.ndim else float(pop.beta),
        THETA,
        learner.decay_plus,
        learner.decay_minus,
        learner.decay_e,
        learner.a_plus,
        learner.a_minus,
        learner.lr,
        float(RS_KW["w_min"]),
        float(RS_KW["w_max"]),
        learner.rate,
    )
    return learner, x, r, rule


def check_rstdp_float(
    n_in: int = N_IN,
    sizes: list[int] | None = None,
    batch: int = 2,
    t_steps: int = 30,
    trials: int = 2,
    seed: int = 0,
    loop_rule: dict[str, float] | None = None,
) -> float:
    """Run ``trials`` trials (``t_steps`` network steps, then one reward per sample) with the
    vectorised learner and the loop; assert equal spikes and ``allclose`` (1e-12) weights,
    eligibility, traces, membranes and baseline. Returns the largest absolute difference.

    ``loop_rule``: replace constants of the loop's rule (to show the check can fail).
    """
    sizes = list(RS_SIZES if sizes is None else sizes)
    learner, x, r, rule = rstdp_float_setup(n_in, sizes, batch, t_steps, trials, seed)
    if loop_rule:
        rule = rule._replace(**loop_rule)
    net = learner.network
    w0 = [p.to_dense() for p in net.projections]
    w = [a.tolist() for a in w0]
    states = [LoopState(n_in, sizes) for _ in range(batch)]
    r_bar = 0.0
    worst = 0.0
    n_spikes = [0.0] * len(sizes)

    def close(name: str, loop: object, fast: np.ndarray) -> None:
        nonlocal worst
        a = np.asarray(loop, dtype=np.float64)
        assert a.shape == fast.shape, f"{name}: shapes {a.shape} and {fast.shape}"
        worst = max(worst, float(np.abs(a - fast).max()))
        assert np.allclose(a, fast, rtol=1e-12, atol=1e-12), (
            f"seed={seed}: {name} differs between loop and vectorised "
            f"(max |diff| {np.abs(a - fast).max():.3e})"
        )

    for trial in range(trials):
        out = learner.run(x[trial])
        n_spikes = [n + out[f"L{k}"].sum() for k, n in enumerate(n_spikes)]
        for st in states:  # run() starts the neurons from reset; traces carry on
            st.v = [[0.0] * n for n in sizes]
            st.s = [[0.0] * n for n in sizes]
        for t in range(t_steps):
            for b in range(batch):
                loop_rstdp_float_step(x[trial, t, b].tolist(), w, states[b], rule)
                for k in range(len(sizes)):
                    got = np.array(states[b].s[k])
                    assert np.array_equal(got, out[f"L{k}"][t, b]), (
                        f"seed={seed}: spikes of L{k} differ at trial {trial}, step {t}, sample {b}"
                    )
        learner.step(r[trial])
        r_bar = loop_rstdp_float_reward(w, states, r[trial].tolist(), r_bar, rule)
    for k in range(len(sizes)):
        pop = net.populations[f"L{k}"]
        close(f"weights L{k}", w[k], net.projections[k].to_dense())
        close(f"eligibility L{k}", [st.e[k] for st in states], learner.e[k])
        close(f"pre trace L{k}", [st.x[k] for st in states], learner.x[k])
        close(f"post trace L{k}", [st.y[k] for st in states], learner.y[k])
        close(f"membrane L{k}", [st.v[k] for st in states], pop.v)
        assert n_spikes[k] > 0, f"seed={seed}: L{k} never spiked: the check proves nothing"
        assert not np.allclose(w0[k], net.projections[k].to_dense()), (
            f"seed={seed}: weights of L{k} never changed: the check proves nothing"
        )
    close("reward baseline", r_bar, np.array(learner.r_bar))
    return worst


def rstdp_int_setup(
    n_in: int, sizes: list[int], t_steps: int, trials: int, seed: int
) -> tuple[RewardModulatedLearner, np.ndarray, np.ndarray, IntRule]:
    """Learner on a fresh integer network (every synapse present, weights uniform in
    ``RI_W``), inputs ``(trials, T, n_in)`` 0/1, integer rewards ``(trials,)``, the constants."""
    rng = np.random.default_rng(seed)
    net = Network(n_in, mode="int")
    src = INPUT
    for k, n in enumerate(sizes):
        net.add_population(f"L{k}", n, **RI_LIF)  # type: ignore[arg-type]
        n_src = net.size(src)
        w = rng.integers(RI_W[0], RI_W[1] + 1, (n, n_src))
        net.connect(src, f"L{k}", w, mask=np.ones((n, n_src), bool))
        src = f"L{k}"
    learner = RewardModulatedLearner(net, RS_TAU_REWARD, rstdp_params=dict(RI_PARAMS))
    x = (rng.random((trials, t_steps, n_in)) < RS_P_IN).astype(np.int64)
    r = rng.integers(-RI_REWARD, RI_REWARD + 1, trials)
    lif = net.populations["L0"].lif_params
    q, rp = learner.rparams.stdp, learner.rparams
    assert lif is not None and lif.leak_mode == "shift" and lif.reset_mode == "subtract"
    assert q.decay == "shift" and q.pairing == "all_to_all" and q.rounding == "floor"
    assert q.decay_period_log2 == rp.elig_decay_period_log2 == rp.reward_delay == 0
    rule = IntRule(
        int(np.asarray(lif.leak_shift).max()),
        int(np.asarray(lif.threshold).max()),
        lif.v_min,
        lif.v_max,
        lif.in_min,
        lif.in_max,
        q.trace_max,
        q.pre_increment,
        q.post_increment,
        q.decay_shift,
        q.a_plus,
        q.a_minus,
        q.update_shift,
        rp.elig_max,
        rp.elig_decay_shift,
        q.w_min,
        q.w_max,
        *rp.reward_range,
        rp.reward_shift,
        learner.rate,
    )
    return learner, x, r, rule


def check_rstdp_int(
    n_in: int = RI_N_IN,
    sizes: list[int] | None = None,
    t_steps: int = 100,
    trials: int = 3,
    seed: int = 0,
    loop_rule: dict[str, int] | None = None,
) -> int:
    """Integer mode: the loop and the learner (hardware R-STDP units) give *identical*
    spikes, membranes, traces, eligibility and weights after ``trials`` trials of
    ``t_steps`` steps and one reward each. Returns the number of weight changes."""
    sizes = list(RI_SIZES if sizes is None else sizes)
    learner, x, r, rule = rstdp_int_setup(n_in, sizes, t_steps, trials, seed)
    if loop_rule:
        rule = rule._replace(**loop_rule)
    net = learner.network
    w0 = [p.to_dense() for p in net.projections]
    w = [a.tolist() for a in w0]
    st = LoopState(n_in, sizes, integer=True)
    r_bar = 0.0
    n_spikes = [0] * len(sizes)
    for trial in range(trials):
        out = learner.run(x[trial])
        n_spikes = [n + int(out[f"L{k}"].sum()) for k, n in enumerate(n_spikes)]
        st.v = [[0] * n for n in sizes]
        st.s = [[0] * n for n in sizes]
        for t in range(t_steps):
            loop_rstdp_int_step(x[trial, t].tolist(), w, st, rule)
            for k in range(len(sizes)):
                assert np.array_equal(np.array(st.s[k]), out[f"L{k}"][t]), (
                    f"seed={seed}: spikes of L{k} differ at trial {trial}, step {t}"
                )
        learner.step(np.int64(r[trial]))
        r_bar = loop_rstdp_int_reward(w, st, int(r[trial]), r_bar, rule)
    changed = 0
    for k in range(len(sizes)):
        unit, pop = learner.units[k], net.populations[f"L{k}"]
        for name, loop, fast in (
            ("weights", w[k], net.projections[k].to_dense()),
            ("eligibility", st.e[k], unit.eligibility),
            ("pre trace", st.x[k], unit.pre_trace),
            ("post trace", st.y[k], unit.post_trace),
            ("membrane", st.v[k], pop.v[0]),
        ):
            assert np.array_equal(np.array(loop), fast), (
                f"seed={seed}: {name} of L{k} differs between loop and vectorised"
            )
        assert n_spikes[k] > 0, f"seed={seed}: L{k} never spiked: the check proves nothing"
        n = int((w0[k] != net.projections[k].to_dense()).sum())
        assert n > 0, f"seed={seed}: no weight of L{k} changed: the check proves nothing"
        changed += n
    assert r_bar == learner.r_bar, f"seed={seed}: baseline {r_bar} != {learner.r_bar}"
    return changed


def case_rstdp_float(t_loop: int, repeats: int, seed: int = 0) -> Row:
    """(b): per network step, batch 32, one reward per sample every T_STEPS steps (amortised)."""
    check_rstdp_float(seed=seed, t_steps=min(t_loop, 30))
    learner, x, r, rule = rstdp_float_setup(N_IN, RS_SIZES, BATCH, T_STEPS, 1, seed)
    learner.run(x[0])  # warm-up: allocates the eligibility arrays
    learner.step(r[0])

    def trial() -> None:
        learner.run(x[0])
        learner.step(r[0])

    fast = best_time(trial, repeats) / T_STEPS
    w = [p.to_dense().tolist() for p in learner.network.projections]
    st = LoopState(N_IN, RS_SIZES)
    xs = x[0, :t_loop, 0].tolist()

    def loop_steps() -> None:
        for t in range(t_loop):
            loop_rstdp_float_step(xs[t], w, st, rule)

    loop = best_time(loop_steps, 1)
    states = [LoopState(N_IN, RS_SIZES) for _ in range(BATCH)]
    for b, s in enumerate(states):
        s.e = [e[b].tolist() for e in learner.e]
    rewards = r[0].tolist()
    reward = best_time(lambda: loop_rstdp_float_reward(w, states, rewards, 0.0, rule), 1)
    fast_reward = best_time(lambda: learner.step(r[0]), repeats)
    note = (
        f"vectorised: {fmt_time(fast * T_STEPS)} per trial of {T_STEPS} steps, of which the "
        f"reward step {fmt_time(fast_reward)}; loop: {fmt_time(loop / t_loop)} per "
        f"sample-step, reward step {fmt_time(reward)} (batch {BATCH})"
    )
    return Row("(b) R-STDP step, float", BATCH, fast, t_loop, loop, reward / T_STEPS, note)


def case_rstdp_int(repeats: int, seed: int = 0) -> Row:
    """(b2): integer mode (hardware R-STDP units), 64 -> 32 -> 32, batch 1, reward every T."""
    check_rstdp_int(seed=seed, trials=2)
    learner, x, r, rule = rstdp_int_setup(RI_N_IN, RI_SIZES, T_STEPS, 1, seed)
    reward = np.int64(r[0])

    def trial() -> None:
        learner.run(x[0])
        learner.step(reward)

    fast = best_time(trial, repeats) / T_STEPS
    w = [p.to_dense().tolist() for p in learner.network.projections]
    st = LoopState(RI_N_IN, RI_SIZES, integer=True)
    xs = x[0].tolist()

    def loop_trial() -> None:
        for t in range(T_STEPS):
            loop_rstdp_int_step(xs[t], w, st, rule)
        loop_rstdp_int_reward(w, st, int(reward), 0.0, rule)

    loop = best_time(loop_trial, 1)
    fast_reward = best_time(lambda: learner.step(reward), repeats)
    note = (
        f"vectorised: {fmt_time(fast * T_STEPS)} per trial of {T_STEPS} steps, of which the "
        f"reward step {fmt_time(fast_reward)}; loop: {fmt_time(loop)} per trial"
    )
    return Row("(b2) R-STDP step, integer", 1, fast, T_STEPS, loop, 0.0, note)


def fmt_time(seconds: float) -> str:
    """``seconds`` with a unit, 3 significant digits."""
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("us", 1e-6)):
        if seconds >= scale or unit == "us":
            return f"{seconds / scale:.3g} {unit}"
    raise AssertionError


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="shorter loop slice, fewer repeats")
    ap.add_argument(
        "--case", action="append", choices=CASES, help="run only these cases (default: all)"
    )
    args = ap.parse_args(argv)
    cases = args.case or list(CASES)
    t_loop = 20 if args.quick else T_STEPS
    repeats = 3 if args.quick else 10
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"# bench_learning {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC, "
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, NumPy {np.__version__}, load average {load:.1f}"
    )
    if {"a", "a2"} & set(cases):
        print(
            f"# BPTT: {N_IN} inputs -> {N_HIDDEN} -> {N_OUT} LIF, T = {T_STEPS}, "
            f"batch {BATCH}, Adam, MSE; loop gradient timed on 1 sample x {t_loop} steps, "
            f"scaled per sample-step, plus one loop Adam update"
        )
    if "b" in cases:
        print(
            f"# R-STDP float: {N_IN} inputs -> {RS_SIZES[0]} -> {RS_SIZES[1]} LIF, both "
            f"projections plastic, batch {BATCH}, one reward per sample every {T_STEPS} steps; "
            f"time per network step incl. the amortised reward; loop timed on 1 sample x "
            f"{t_loop} steps, scaled to the batch, plus its reward step (whole batch) / {T_STEPS}"
        )
    if "b2" in cases:
        print(
            f"# R-STDP integer (hardware units, largest size they take): {RI_N_IN} inputs -> "
            f"{RI_SIZES[0]} -> {RI_SIZES[1]} LIF, batch 1, one reward every {T_STEPS} steps; "
            f"loop timed on the whole trial"
        )
    rows = []
    if "a" in cases:
        rows.append(case_bptt(False, t_loop, repeats))
    if "a2" in cases:
        rows.append(case_bptt(True, t_loop, repeats))
    if "b" in cases:
        rows.append(case_rstdp_float(t_loop, max(2, repeats // 3)))
    if "b2" in cases:
        rows.append(case_rstdp_int(repeats))
    hdr = f"{'case':34} {'fast step':>11} {'loop (scaled)':>14} {'speed-up':>9}"
    print(hdr)
    print("-" * len(hdr))
    for r in rows:
        loop_scaled = r.loop_scaled_s
        print(
            f"{r.name:34} {fmt_time(r.fast_s):>11} {fmt_time(loop_scaled):>14} "
            f"{loop_scaled / r.fast_s:8.1f}x"
        )
    for r in rows:
        if r.note:
            print(f"# {r.name}: {r.note}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
