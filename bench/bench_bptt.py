"""BPTT training step against snnTorch on CPU, and its independence from the allocator (issue 14).

Run from the repository root::

    .venv/bin/python bench/bench_bptt.py [--repeats 10] [--no-subprocess]

Work: one training step (forward over T = 100 steps, backward through time,
Adam update) of 128 inputs -> 128 LIF -> 128 LIF, feed-forward, batch 32,
MSE loss on the output spikes, fast-sigmoid surrogate (slope 10),
subtractive reset, ``beta = exp(-1/5)``, threshold 1: the network of
``bench/bench_learning.py`` case (a).

Columns
    * **ours**: :meth:`sc_model.learning.bptt.BPTTLearner.train_step` (float64).
    * **snnTorch, same maths (float64)**: ``snntorch.Leaky``, two bias-free
      ``nn.Linear``, ``torch.optim.Adam``, with two changes so that the maths
      is ours: the reset term is *not* detached (snnTorch detaches it by
      default; this model differentiates through it), and the surrogate is
      snnTorch's fast sigmoid (slope 10) returning spikes in the input's dtype
      (snnTorch's casts them to float32, which would round the float64
      gradients to float32 precision). Before timing the
      script asserts equal output spikes and gradients equal within 1e-9
      (relative) on the benchmark's own data.
    * **snnTorch default (float32)**: the stock ``Leaky`` (detached reset) in
      float32, the usual way it is run; timed for reference, not compared.
    Both libraries single-threaded (``torch.set_num_threads(1)``, BLAS 1
    thread), best of ``--repeats`` steps after a warm-up. Without torch or
    snntorch installed the snnTorch columns are skipped.
Allocator
    Unless ``--no-subprocess``, the script times our step again in fresh child
    processes (no torch loaded), alternately with glibc's default settings and
    with ``MALLOC_MMAP_THRESHOLD_=1000000000`` (glibc then keeps large blocks
    instead of returning them to the system on every free), three times each,
    and prints the best of each: a step that reuses its buffers takes the same
    time either way.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sc_model.learning import feedforward  # noqa: E402
from sc_model.learning.bptt import BPTTLearner  # noqa: E402
from sc_model.learning.surrogate import FastSigmoid  # noqa: E402

N_IN = N_HIDDEN = N_OUT = 128
T_STEPS, BATCH = 100, 32
TAU, THETA, SLOPE, LR = 5.0, 1.0, 10.0, 1e-3
MMAP_ENV = {"MALLOC_MMAP_THRESHOLD_": "1000000000"}


def data(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Inputs ``(T, batch, 128)`` (spikes of height 1.5, rate 0.2) and targets (rate 0.05)."""
    rng = np.random.default_rng(seed)
    x = (rng.random((T_STEPS, BATCH, N_IN)) < 0.2).astype(float) * 1.5
    y = (rng.random((T_STEPS, BATCH, N_OUT)) < 0.05).astype(float)
    return x, y


def our_learner(seed: int = 0) -> BPTTLearner:
    net = feedforward(N_IN, [N_HIDDEN, N_OUT], rng=seed, tau=TAU, threshold=THETA)
    return BPTTLearner(net, "mse", lr=LR, optimizer="adam", surrogate=FastSigmoid(SLOPE))


def best_time(fn: Callable[[], object], repeats: int) -> tuple[float, float]:
    """Best wall-clock and best CPU time (this process) of ``fn`` over ``repeats`` calls.

    On a shared machine the CPU time is the steadier figure: it leaves out the
    time the process waits for a core.
    """
    fn()  # warm-up
    wall = cpu = float("inf")
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        wall = min(wall, time.perf_counter() - t0)
        cpu = min(cpu, time.process_time() - c0)
    return wall, cpu


def time_ours(repeats: int) -> tuple[float, float]:
    x, y = data()
    learner = our_learner()
    return best_time(lambda: learner.train_step(x, y), repeats)


# ---------------------------------------------------------------------------
# snnTorch
# ---------------------------------------------------------------------------


def snntorch_step(dtype: str, attached: bool, weights: list[np.ndarray]):  # type: ignore[no-untyped-def]
    """A closure running one snnTorch training step; returns (spikes, grads) of that step."""
    import snntorch as snn
    import torch
    from snntorch import surrogate

    torch.set_num_threads(1)
    tdt = {"float64": torch.float64, "float32": torch.float32}[dtype]

    class AttachedLeaky(snn.Leaky):
        """``Leaky`` differentiating through the reset, as our model does."""

        def mem_reset(self, mem):  # type: ignore[no-untyped-def]
            return self.spike_grad(mem - self.threshold)

    class FastSigmoid64(torch.autograd.Function):
        """snnTorch's ``FastSigmoid`` keeping the input's dtype (it casts spikes to float32)."""

        @staticmethod
        def forward(ctx, input_, slope):  # type: ignore[no-untyped-def]
            ctx.save_for_backward(input_)
            ctx.slope = slope
            return (input_ > 0).to(input_.dtype)

        @staticmethod
        def backward(ctx, grad_output):  # type: ignore[no-untyped-def]
            (input_,) = ctx.saved_tensors
            return grad_output.clone() / (ctx.slope * torch.abs(input_) + 1.0) ** 2, None

    cls = AttachedLeaky if attached else snn.Leaky
    beta = torch.tensor(float(np.exp(-1.0 / TAU)), dtype=tdt)  # a float would become float32
    fc1 = torch.nn.Linear(N_IN, N_HIDDEN, bias=False).to(tdt)
    fc2 = torch.nn.Linear(N_HIDDEN, N_OUT, bias=False).to(tdt)
    with torch.no_grad():
        fc1.weight.copy_(torch.from_numpy(weights[0]))
        fc2.weight.copy_(torch.from_numpy(weights[1]))
    if dtype == "float64":
        grad = lambda v: FastSigmoid64.apply(v, SLOPE)  # noqa: E731
    else:
        grad = surrogate.fast_sigmoid(slope=SLOPE)
    lif1 = cls(beta=beta, threshold=THETA, spike_grad=grad).to(tdt)
    lif2 = cls(beta=beta, threshold=THETA, spike_grad=grad).to(tdt)
    opt = torch.optim.Adam(list(fc1.parameters()) + list(fc2.parameters()), lr=LR)
    xn, yn = data()
    x, y = torch.from_numpy(xn).to(tdt), torch.from_numpy(yn).to(tdt)

    def step() -> tuple[np.ndarray, list[np.ndarray]]:
        opt.zero_grad()
        mem1 = torch.zeros(BATCH, N_HIDDEN, dtype=tdt)
        mem2 = torch.zeros(BATCH, N_OUT, dtype=tdt)
        out = []
        for t in range(T_STEPS):
            spk1, mem1 = lif1(fc1(x[t]), mem1)
            spk2, mem2 = lif2(fc2(spk1), mem2)
            out.append(spk2)
        spikes = torch.stack(out)
        loss = ((spikes - y) ** 2).mean()
        loss.backward()
        grads = [fc1.weight.grad.numpy().copy(), fc2.weight.grad.numpy().copy()]
        opt.step()
        return spikes.detach().numpy(), grads

    return step


def check_snntorch_equal() -> float:
    """Assert snnTorch (float64, attached reset) gives our spikes and gradients; the error."""
    x, y = data()
    learner = our_learner()
    tr_spikes = learner.predict(x)
    _, grads = learner.gradients(x, y)
    weights = [p.to_dense() for p in learner.network.projections]
    spikes, tgrads = snntorch_step("float64", True, weights)()
    assert np.array_equal(spikes, tr_spikes), "snnTorch output spikes differ from ours"
    assert tr_spikes.sum() > 0, "no output spikes: the check proves nothing"
    worst = 0.0
    for g, tg in zip(grads, tgrads, strict=True):
        err = float(np.linalg.norm(g - tg.ravel()) / max(np.linalg.norm(g), 1e-300))
        worst = max(worst, err)
    assert worst < 1e-9, f"snnTorch gradients differ from ours (relative {worst:.2e})"
    assert all(np.abs(g).max() > 0 for g in grads), "zero gradient: the check proves nothing"
    return worst


def snntorch_available() -> str | None:
    """None if torch and snntorch import, else why not."""
    try:
        import snntorch  # noqa: F401
        import torch  # noqa: F401
    except ImportError as exc:
        return str(exc)
    return None


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=10, help="timed steps per column (best)")
    ap.add_argument("--no-subprocess", action="store_true", help="skip the allocator re-run")
    ap.add_argument("--ours-only", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.ours_only:  # the child of the allocator check: wall and CPU seconds
        print("{:.6f} {:.6f}".format(*time_ours(args.repeats)))
        return 0
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"# bench_bptt {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC, "
        f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"NumPy {np.__version__}, load average {load:.1f}"
    )
    print(
        f"# BPTT training step: {N_IN} -> {N_HIDDEN} -> {N_OUT} LIF, feed-forward, "
        f"T = {T_STEPS}, batch {BATCH}, MSE, Adam; best of {args.repeats}, single-threaded"
    )
    missing = snntorch_available()
    rows: list[tuple[str, tuple[float, float]]] = []
    if missing is None:
        import snntorch
        import torch

        err = check_snntorch_equal()
        print(
            f"# snnTorch {snntorch.__version__}, torch {torch.__version__}: spikes identical, "
            f"gradients equal to ours within {err:.1e} (relative), before timing"
        )
    else:
        print(f"# snnTorch columns skipped: {missing}")
    ours = time_ours(args.repeats)
    rows.append(("ours, BPTTLearner.train_step (float64)", ours))
    if missing is None:
        learner = our_learner()
        weights = [p.to_dense() for p in learner.network.projections]
        same = best_time(snntorch_step("float64", True, weights), args.repeats)
        stock = best_time(snntorch_step("float32", False, weights), args.repeats)
        rows.append(("snnTorch, same maths (float64)", same))
        rows.append(("snnTorch, stock Leaky (float32)", stock))
    print(f"{'path':40} {'wall':>9} {'ratio':>7} {'CPU':>9} {'ratio':>7}")
    print("-" * 76)
    for name, (wall, cpu) in rows:
        print(
            f"{name:40} {wall * 1e3:6.1f} ms {wall / ours[0]:6.2f}x "
            f"{cpu * 1e3:6.1f} ms {cpu / ours[1]:6.2f}x"
        )
    print("# ratio: that path's time / ours (how many times faster ours is)")
    if not args.no_subprocess:
        plain, mmap = allocator_check(args.repeats)
        print(
            f"# allocator: ours in fresh processes without torch, best of 3 alternating runs: "
            f"glibc defaults {plain[0] * 1e3:.1f} ms wall / {plain[1] * 1e3:.1f} ms CPU, "
            f"MALLOC_MMAP_THRESHOLD_=1000000000 {mmap[0] * 1e3:.1f} ms / {mmap[1] * 1e3:.1f} ms "
            f"(CPU ratio {mmap[1] / plain[1]:.2f})"
        )
    return 0


def allocator_check(
    repeats: int, rounds: int = 3
) -> tuple[tuple[float, float], tuple[float, float]]:
    """Our step in child processes with the default allocator settings and with a high mmap
    threshold, alternated ``rounds`` times (so a change in machine load hits both); the best
    time of each."""
    cmd = [sys.executable, __file__, "--ours-only", "--repeats", str(repeats)]
    env = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")}
    best = [[float("inf")] * 2 for _ in range(2)]
    for _ in range(rounds):
        for k, extra in enumerate(({}, MMAP_ENV)):
            out = subprocess.run(
                cmd, env=env | extra, check=True, capture_output=True, text=True
            ).stdout.split()
            best[k] = [min(b, float(v)) for b, v in zip(best[k], out, strict=True)]
    return (best[0][0], best[0][1]), (best[1][0], best[1][1])


if __name__ == "__main__":
    raise SystemExit(main())
