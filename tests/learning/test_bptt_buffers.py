"""BPTT with reused buffers (issue 14): the same numbers, and no large allocations per step.

:class:`sc_model.learning.bptt.Workspace` holds the trace, drives, adjoints
and scratch arrays; :class:`BPTTLearner` keeps one. The buffered path must give
bit-identical traces and gradients to fresh arrays (no workspace), however
often the workspace is reused, and a training step must not allocate arrays
the size of the trace any more (tracemalloc sees NumPy's data allocations).
"""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

from sc_model.learning import Network, feedforward
from sc_model.learning.bptt import BPTTLearner, TBPTTLearner, Workspace, backward, forward
from sc_model.learning.losses import get_loss
from sc_model.learning.network import INPUT
from sc_model.learning.surrogate import FastSigmoid, SmoothSigmoid


def mixed(rng: np.random.Generator, reset: str) -> Network:
    """Recurrent, feedback and sparse skip projections, per-neuron tau and threshold."""
    net = Network(4)
    net.add_population("h", 6, tau=rng.uniform(2.0, 10.0, 6), threshold=0.7, reset=reset)
    net.add_population("o", 3, tau=4.0, threshold=rng.uniform(0.5, 1.0, 3), reset=reset)
    net.connect(INPUT, "h", rng=rng)
    net.connect("h", "h", rng=rng, scale=0.4)
    net.connect("h", "o", rng=rng)
    net.connect("o", "h", rng=rng, scale=0.4)
    net.connect(INPUT, "o", rng=rng, density=0.4)
    return net


@pytest.mark.parametrize("reset", ["subtract", "zero"])
@pytest.mark.parametrize("surrogate", [FastSigmoid(7.0), SmoothSigmoid(4.0)], ids=repr)
@pytest.mark.parametrize("kind", ["mixed", "layered"])
def test_workspace_gives_the_numbers_of_fresh_arrays(reset, surrogate, kind) -> None:
    rng = np.random.default_rng(11)
    if kind == "mixed":
        net = mixed(rng, reset)
    else:
        net = feedforward(4, [9, 5], recurrent=[True, False], rng=3, threshold=0.5)
    loss = get_loss("mse")
    ws = Workspace()
    for call in range(3):  # the same workspace, reused, also for a shorter carried window
        x = (rng.random((30, 3, 4)) < 0.5) * 1.3
        y = rng.random((30, 3, net.populations[net.output].n)) < 0.2
        fresh = forward(net, x, surrogate)
        buf = forward(net, x, surrogate, workspace=ws)
        for k in fresh.m:
            assert np.array_equal(fresh.m[k], buf.m[k]) and np.array_equal(fresh.s[k], buf.s[k])
        _, g = loss(fresh.s[net.output], y)
        g_fresh = backward(net, fresh, g, surrogate)
        g_buf = backward(net, buf, g, surrogate, workspace=ws)
        for a, b in zip(g_fresh, g_buf, strict=True):
            assert np.array_equal(a, b), f"call {call}: gradients differ"
        assert any(np.abs(a).max() > 0 for a in g_fresh), "zero gradient: weak test"
        carried = forward(net, x[:7], surrogate, buf.final, workspace=ws)
        again = forward(net, x[:7], surrogate, fresh.final)
        for k in again.m:
            assert np.array_equal(carried.m[k], again.m[k]), f"call {call}: carried state"


def test_surrogate_into_methods_equal_forward_and_grad() -> None:
    x = np.random.default_rng(2).normal(size=(40, 7)) * 3
    x[0, :3] = [0.0, -0.0, 1e-300]
    for sur in (FastSigmoid(9.0), SmoothSigmoid(3.0)):
        out = np.empty_like(x)
        assert np.array_equal(sur.forward_into(x, out), sur.forward(x))
        assert np.array_equal(sur.grad_into(x, out), sur.grad(x))
        y = x.copy()
        assert np.array_equal(sur.grad_into(y, y), sur.grad(x))  # in place


def test_tbptt_with_uneven_windows_equals_fresh_learner() -> None:
    """Windows of 8 over 30 steps (last window 6): buffers of two shapes, same result."""
    rng = np.random.default_rng(5)
    x = (rng.random((30, 2, 4)) < 0.5) * 1.4
    y = (rng.random((30, 2, 3)) < 0.2).astype(float)
    losses, weights = [], []
    for reuse in (True, False):
        net = mixed(np.random.default_rng(1), "subtract")
        learner = TBPTTLearner(net, "mse", lr=1e-2, k=8)
        out = []
        for _ in range(3):
            if not reuse:
                learner._workspace = Workspace()  # fresh buffers every step
            out.append(learner.train_step(x, y))
        losses.append(out)
        weights.append([p.data.copy() for p in net.projections])
    assert losses[0] == losses[1]
    for a, b in zip(*weights, strict=True):
        assert np.array_equal(a, b)


def peak_bytes(fn) -> int:  # type: ignore[no-untyped-def]
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_train_step_allocates_no_trace_sized_arrays() -> None:
    t_steps, batch, n = 40, 8, 24
    rng = np.random.default_rng(0)
    x = (rng.random((t_steps, batch, n)) < 0.3) * 1.5
    y = (rng.random((t_steps, batch, n)) < 0.1).astype(float)
    learner = BPTTLearner(feedforward(n, [n, n], rng=0, threshold=1.0), "mse", lr=1e-3)
    learner.train_step(x, y)  # warm-up: the workspace and the optimiser state
    buffered = peak_bytes(lambda: learner.train_step(x, y))

    def fresh_step() -> None:
        learner._workspace = Workspace()
        learner.train_step(x, y)

    unbuffered = peak_bytes(fresh_step)
    trace_array = t_steps * batch * n * 8
    # a buffered step holds the loss gradient (one trace-sized array) and small arrays only;
    # allocating the trace, drives and adjoints anew costs ten trace-sized arrays
    assert buffered < 2 * trace_array, (buffered, trace_array)
    assert unbuffered > 6 * trace_array, (unbuffered, trace_array)
