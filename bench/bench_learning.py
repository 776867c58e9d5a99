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
Each time is the best of several repeats (``time.perf_counter``).

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
from sc_model.learning.surrogate import FastSigmoid  # noqa: E402

N_IN = N_HIDDEN = N_OUT = 128
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


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="shorter loop slice, fewer repeats")
    args = ap.parse_args(argv)
    t_loop = 20 if args.quick else T_STEPS
    repeats = 3 if args.quick else 10
    print(
        f"# bench_learning {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC, "
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, NumPy {np.__version__}"
    )
    print(
        f"# BPTT: {N_IN} inputs -> {N_HIDDEN} -> {N_OUT} LIF, T = {T_STEPS}, batch {BATCH}, "
        f"Adam, MSE; loop gradient timed on 1 sample x {t_loop} steps, scaled per "
        f"sample-step, plus one loop Adam update"
    )
    rows = [case_bptt(False, t_loop, repeats), case_bptt(True, t_loop, repeats)]
    hdr = f"{'case':34} {'fast step':>11} {'loop (scaled)':>14} {'speed-up':>9}"
    print(hdr)
    print("-" * len(hdr))
    for r in rows:
        loop_scaled = r.loop_scaled_s
        print(
            f"{r.name:34} {r.fast_s * 1e3:9.1f} ms {loop_scaled:12.1f} s "
            f"{loop_scaled / r.fast_s:8.0f}x"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
