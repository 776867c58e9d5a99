"""Back-propagation through time (BPTT) and truncated BPTT on a float-mode :class:`Network`.

Forward model (float mode of :mod:`.network`, spike function of a surrogate)
    For every step ``t`` and population (in network order), with
    ``I[t] = sum over incoming projections of W @ pre`` (``pre`` = input
    ``x[t]``, the source's ``s[t]`` for a feed-forward projection, its
    ``s[t-1]`` for a recurrent/feedback one)::

        subtract: m[t] = beta * m[t-1] + I[t] - theta * s[t-1]
        zero:     m[t] = beta * m[t-1] * (1 - s[t-1]) + I[t]
        s[t] = f(m[t] - theta)

    ``f`` is ``surrogate.forward``: the Heaviside step for
    :class:`~.surrogate.FastSigmoid` (then this is exactly
    :meth:`Network.run`), ``sigmoid(k x)`` for :class:`~.surrogate.SmoothSigmoid`.
Backward pass (exact reverse-mode differentiation of the above, with ``f'``
replaced by ``surrogate.grad``)
    With ``gs[t] = dL/ds[t]`` (loss, plus downstream ``W^T dI`` of the same
    step, plus recurrent ``W^T dI[t+1]``, plus the reset path) and
    ``gm[t+1]`` the adjoint of the next membrane::

        subtract: gs[t] += -theta * gm[t+1];       gm[t] = gs[t] f'(m[t]-theta) + beta gm[t+1]
        zero:     gs[t] += -beta m[t] gm[t+1];     gm[t] = gs[t] f'(...) + beta (1 - s[t]) gm[t+1]
        dL/dW = sum over t, batch of gm_target[t] (outer) pre[t]

    Every layer, the membrane leak, the reset and the recurrent weights are
    differentiated through; nothing is detached. The loop runs over time
    (and populations) only; each step is a few matrix products over
    ``(batch, n)`` arrays, and ``dL/dW`` is one matrix product over all steps.
    Gradients are taken on the dense ``W`` and gathered at the synapses
    (``Projection.dense_to_data``), so absent synapses stay absent.
Memory
    :class:`BPTTLearner` keeps ``m`` and ``s`` of every step: ``O(T batch N)``.
    :class:`TBPTTLearner` splits the sequence into windows of ``k`` steps;
    the state (``m``, ``s`` of every population) is carried from one window
    to the next but no gradient flows across the boundary, the loss of each
    window (on its slice of the targets) is back-propagated and the weights
    are updated after each window: ``O(k batch N)`` memory whatever ``T``.
    With ``k >= T`` it is exactly :class:`BPTTLearner`. A learner keeps its
    trace, adjoint and scratch arrays in a :class:`Workspace` and reuses them
    every step (the same operations in the same order, so the same numbers),
    so a step allocates only small arrays and the loss gradient.
Shapes
    ``inputs``: ``(T, n_in)`` or ``(T, batch, n_in)``; ``targets``:
    ``(T, n_out)`` or ``(T, batch, n_out)`` (or class labels ``(batch,)`` for
    cross-entropy). Every train step starts from the reset state.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .._validate import check_finite, check_int
from .losses import get_loss
from .network import INPUT, Network, as_time_batch
from .optim import get_optimizer
from .surrogate import FastSigmoid, Surrogate


class State(NamedTuple):
    """Membrane ``v`` and spikes ``s`` (``(batch, n)`` per population) between steps."""

    v: dict[str, np.ndarray]
    s: dict[str, np.ndarray]


class Trace(NamedTuple):
    """A forward pass: inputs, weights, ``m``/``s`` ``(T, batch, n)`` per population, states."""

    x: np.ndarray
    weights: list[np.ndarray]
    m: dict[str, np.ndarray]
    s: dict[str, np.ndarray]
    initial: State
    final: State


def check_float_network(network: object) -> Network:
    """The network, if it is a float-mode :class:`Network` with populations and projections."""
    if not isinstance(network, Network):
        raise TypeError(f"network must be a Network, not {type(network).__name__}")
    if network.mode != "float":
        raise ValueError(
            f"network must be in float mode to train by gradient, not {network.mode!r}"
        )
    if not network.populations or not network.projections:
        raise ValueError("network must have at least one population and one projection")
    for pop in network.populations.values():
        pop.check_plain("gradient training (BPTT, TBPTT, e-prop, meta-learning)")
    return network


def _incoming(net: Network) -> dict[str, list[tuple[int, str, bool]]]:
    return {
        name: [
            (j, p.source, net.delayed(p)) for j, p in enumerate(net.projections) if p.target == name
        ]
        for name in net.populations
    }


def zero_state(net: Network, batch: int) -> State:
    """The reset state: ``v = 0``, ``s = 0`` for every population."""
    return State(
        {k: np.zeros((batch, p.n)) for k, p in net.populations.items()},
        {k: np.zeros((batch, p.n)) for k, p in net.populations.items()},
    )


SCHEDULES = ("auto", "step", "layer")


def _groups(net: Network, schedule: str) -> tuple[list[list[str]], bool]:
    """Populations processed together, and whether whole populations go one at a time.

    ``"layer"`` (possible when the only delayed projections are self-recurrent):
    each population is run over the whole sequence before the next, so every
    feed-forward current is one product over all steps. ``"step"``: all
    populations advance together step by step (needed for feedback projections).
    Both compute the same maths; ``"auto"`` takes ``"layer"`` when possible.
    """
    if schedule not in SCHEDULES:
        raise ValueError(f"schedule must be one of {SCHEDULES}; not {schedule!r}")
    names = list(net.populations)
    can = all(p.source == p.target for p in net.projections if net.delayed(p))
    if schedule == "layer" and not can:
        raise ValueError("schedule='layer' needs a network without feedback projections")
    layer = can and schedule != "step"
    return ([[k] for k in names] if layer else [names]), layer


class Workspace:
    """Arrays reused by :func:`forward` and :func:`backward` from one call to the next.

    The trace (``m``, ``s`` ``(T, batch, n)`` per population), the drives, the
    adjoints and the per-step ``(batch, n)`` scratch arrays are taken from
    here: with the same shapes the same memory serves every call, so a
    training step allocates only its small outputs and its time does not
    depend on how the allocator treats large blocks (glibc returns blocks
    above ``MALLOC_MMAP_THRESHOLD_`` to the system on every free). A trace
    computed with a workspace is valid until the next call that uses it.
    """

    MAX_ARRAYS = 256  # beyond this many (key, shape) pairs the workspace starts afresh

    def __init__(self) -> None:
        self._arrays: dict[tuple[object, ...], np.ndarray] = {}

    def get(self, key: tuple[str, ...], shape: tuple[int, ...], zero: bool = False) -> np.ndarray:
        """The float64 array of ``key`` and ``shape`` (allocated on first use), zeroed if asked.

        Keyed by shape too, so alternating shapes (a last, shorter TBPTT window)
        do not reallocate.
        """
        full = (*key, *shape)
        a = self._arrays.get(full)
        if a is None:
            if len(self._arrays) >= self.MAX_ARRAYS:
                self._arrays.clear()
            a = self._arrays[full] = np.empty(shape)
        if zero:
            a.fill(0.0)
        return a


def _membrane_into(
    mt: np.ndarray, v: np.ndarray, s: np.ndarray, cur: np.ndarray, pop: object, tmp: np.ndarray
) -> None:
    """:func:`.network.float_membrane` written into ``mt``: the same operations in its order."""
    if pop.reset == "subtract":  # beta * v + i - theta * s
        np.multiply(pop.beta, v, out=mt)
        mt += cur
        np.multiply(pop.threshold, s, out=tmp)
        mt -= tmp
    else:  # beta * v * (1 - s) + i
        np.multiply(pop.beta, v, out=mt)
        np.subtract(1.0, s, out=tmp)
        mt *= tmp
        mt += cur


def forward(
    net: Network,
    x: np.ndarray,
    surrogate: Surrogate,
    state: State | None = None,
    schedule: str = "auto",
    workspace: Workspace | None = None,
) -> Trace:
    """Run ``x`` (``(T, batch, n_in)`` float64) from ``state`` (default reset); keep the trace.

    With a ``workspace`` the trace arrays are its buffers (valid until its next use).
    """
    ws = Workspace() if workspace is None else workspace
    t_steps, batch, _ = x.shape
    weights = [p.to_dense() for p in net.projections]
    inc = _incoming(net)
    groups, layer = _groups(net, schedule)
    state = zero_state(net, batch) if state is None else state
    initial = State(
        {k: np.array(v) for k, v in state.v.items()}, {k: np.array(v) for k, v in state.s.items()}
    )
    v_prev, s_prev = dict(initial.v), dict(initial.s)
    m: dict[str, np.ndarray] = {}
    s: dict[str, np.ndarray] = {}
    for group in groups:
        drive: dict[str, np.ndarray] = {}
        for name in group:
            pop = net.populations[name]
            shape = (t_steps, batch, pop.n)
            m[name] = ws.get(("m", name), shape)
            s[name] = ws.get(("s", name), shape)
            cur = ws.get(("drive", name), shape, zero=True)
            for j, src, delayed in inc[name]:
                if src == INPUT or (layer and not delayed):  # whole sequence known: one product
                    prod = ws.get(("prod", name), shape)
                    np.matmul(x if src == INPUT else s[src], weights[j].T, out=prod)
                    cur += prod
            drive[name] = cur
        scratch = {
            k: [ws.get(("step", k, str(i)), (batch, net.populations[k].n)) for i in range(3)]
            for k in group
        }
        for t in range(t_steps):  # sequential: each step depends on the last
            for name in group:
                pop = net.populations[name]
                acc, tmp, prod = scratch[name]
                cur = drive[name][t]
                for j, src, delayed in inc[name]:
                    if src != INPUT and (delayed or not layer):
                        pre = s_prev[src] if delayed else s[src][t]
                        np.matmul(pre, weights[j].T, out=prod)
                        np.add(cur, prod, out=acc)
                        cur = acc
                mt = m[name][t]
                _membrane_into(mt, v_prev[name], s_prev[name], cur, pop, tmp)
                np.subtract(mt, pop.threshold, out=tmp)
                surrogate.forward_into(tmp, s[name][t])
                v_prev[name], s_prev[name] = mt, s[name][t]
    final = State(
        {k: v.copy() for k, v in v_prev.items()}, {k: v.copy() for k, v in s_prev.items()}
    )
    return Trace(x, weights, m, s, initial, final)


def backward(
    net: Network,
    tr: Trace,
    grad_out: np.ndarray,
    surrogate: Surrogate,
    schedule: str = "auto",
    workspace: Workspace | None = None,
) -> list[np.ndarray]:
    """``dL/d data`` of every projection from ``grad_out = dL/ds`` of the output population."""
    ws = Workspace() if workspace is None else workspace
    t_steps, batch, _ = tr.x.shape
    inc = _incoming(net)
    groups, layer = _groups(net, schedule)
    names = list(net.populations)
    gs = {k: ws.get(("gs", k), tr.s[k].shape, zero=True) for k in names}
    gs[net.output] += grad_out
    dI = {k: ws.get(("dI", k), tr.m[k].shape) for k in names}
    for group in reversed(groups):
        gm_next = {k: ws.get(("gm0", k), tr.s[k][0].shape, zero=True) for k in group}
        scratch = {
            k: [ws.get(("bstep", k, str(i)), tr.s[k][0].shape) for i in range(3)] for k in group
        }
        pops = [(k, net.populations[k]) for k in reversed(group)]
        for t in range(t_steps - 1, -1, -1):
            for name, pop in pops:
                mt, st, gn = tr.m[name][t], tr.s[name][t], gm_next[name]
                g_s, carry, sg = scratch[name]
                if pop.reset == "subtract":  # g_s = gs - theta gn; carry = beta gn
                    np.multiply(pop.threshold, gn, out=g_s)
                    np.subtract(gs[name][t], g_s, out=g_s)
                    np.multiply(pop.beta, gn, out=carry)
                else:  # g_s = gs - beta m gn; carry = beta (1 - s) gn
                    np.multiply(pop.beta, mt, out=g_s)
                    g_s *= gn
                    np.subtract(gs[name][t], g_s, out=g_s)
                    np.subtract(1.0, st, out=carry)
                    np.multiply(pop.beta, carry, out=carry)
                    carry *= gn
                np.subtract(mt, pop.threshold, out=sg)
                surrogate.grad_into(sg, sg)
                gm = dI[name][t]  # gm = g_s f'(m - theta) + carry
                np.multiply(g_s, sg, out=gm)
                gm += carry
                gm_next[name] = gm
                for j, src, delayed in inc[name]:
                    if src == INPUT or (layer and not delayed):
                        continue
                    if delayed and t == 0:
                        continue
                    back = ws.get(("back", src), gs[src][0].shape)
                    np.matmul(gm, tr.weights[j], out=back)
                    gs[src][t - 1 if delayed else t] += back
        if layer:  # feed-forward sources: one product over all steps
            for name in group:
                for j, src, delayed in inc[name]:
                    if src != INPUT and not delayed:
                        prod = ws.get(("bprod", src), gs[src].shape)
                        np.matmul(dI[name], tr.weights[j], out=prod)
                        gs[src] += prod
    grads = []
    rows = t_steps * batch
    for p in net.projections:
        if p.source == INPUT:
            pre = tr.x
        elif net.delayed(p):
            pre = ws.get(("pre", p.source), tr.s[p.source].shape)
            pre[0] = tr.initial.s[p.source]
            pre[1:] = tr.s[p.source][:-1]
        else:
            pre = tr.s[p.source]
        g = dI[p.target].reshape(rows, -1).T @ pre.reshape(rows, -1)
        grads.append(p.dense_to_data(g))
    return grads


class BPTTLearner:
    """Full BPTT with a surrogate gradient (module docstring).

    Parameters
    ----------
    network : Network in float mode; its projections' ``data`` are trained in place.
    loss_fn : ``"mse"``, ``"count"``, ``"ce"`` (:mod:`.losses`) or a callable
        ``(spikes[T, batch, n_out], targets) -> (loss, dloss/dspikes)``.
    lr : float > 0, learning rate.
    optimizer : ``"adam"`` (default), ``"sgd"`` or an :class:`~.optim.Optimizer`.
    surrogate : default ``FastSigmoid(10)``; ``SmoothSigmoid`` trains the smooth model.
    clip : optional maximum global gradient norm (> 0).
    """

    def __init__(
        self,
        network: Network,
        loss_fn: object = "mse",
        lr: float = 1e-3,
        optimizer: object = "adam",
        surrogate: Surrogate | None = None,
        clip: float | None = None,
    ) -> None:
        self.network = check_float_network(network)
        self.loss_fn = get_loss(loss_fn)
        self.optimizer = get_optimizer(optimizer, lr)
        self.surrogate = FastSigmoid() if surrogate is None else surrogate
        if not isinstance(self.surrogate, Surrogate):
            raise TypeError(f"surrogate must be a Surrogate, not {surrogate!r}")
        if clip is not None and not float(clip) > 0:
            raise ValueError(f"clip must be > 0 or None, not {clip!r}")
        self.clip = None if clip is None else float(clip)
        self._workspace = Workspace()  # forward/backward buffers reused by every step

    # -- shapes -----------------------------------------------------------

    def _prepare(self, inputs: object, targets: object) -> tuple[np.ndarray, object]:
        x, _ = as_time_batch("inputs", inputs, self.network.n_in)
        t_steps, batch, _ = x.shape
        n_out = self.network.populations[self.network.output].n
        tg = np.asarray(targets)
        if np.issubdtype(tg.dtype, np.integer) and tg.ndim <= 1:  # class labels
            if tg.shape not in ((), (1,), (batch,)):
                raise ValueError(
                    f"targets as class labels must have shape (batch,) = ({batch},), "
                    f"not {tg.shape}"
                )
            return x, tg
        if tg.ndim == 2:
            tg = tg[:, None, :]
        if tg.ndim != 3 or tg.shape[0] != t_steps or tg.shape[2] != n_out or tg.shape[1] not in (
            1,
            batch,
        ):
            raise ValueError(
                f"targets must have shape (T, n_out) = ({t_steps}, {n_out}) or "
                f"(T, batch, n_out) = ({t_steps}, {batch}, {n_out}), not {np.shape(targets)}"
            )
        tg = tg.astype(np.float64, copy=False)
        check_finite("targets", tg)
        return x, tg

    # -- gradient and update ---------------------------------------------------

    def _window(
        self, x: np.ndarray, targets: object, state: State | None
    ) -> tuple[float, list[np.ndarray], Trace]:
        ws = self._workspace
        tr = forward(self.network, x, self.surrogate, state, workspace=ws)
        loss, g = self.loss_fn(tr.s[self.network.output], targets)
        return float(loss), backward(self.network, tr, g, self.surrogate, workspace=ws), tr

    def gradients(self, inputs: object, targets: object) -> tuple[float, list[np.ndarray]]:
        """Loss and ``dloss/d data`` per projection (no update), from the reset state."""
        x, tg = self._prepare(inputs, targets)
        loss, grads, _ = self._window(x, tg, None)
        return loss, grads

    def _apply(self, grads: list[np.ndarray]) -> None:
        if self.clip is not None:
            norm = float(np.sqrt(sum(float(np.sum(g * g)) for g in grads)))
            if norm > self.clip:
                grads = [g * (self.clip / norm) for g in grads]
        self.optimizer.step(self.network.parameters(), grads)

    def train_step(self, inputs: object, targets: object) -> float:
        """One gradient step on a sequence (batch); returns the loss before the update."""
        loss, grads = self.gradients(inputs, targets)
        self._apply(grads)
        return loss

    def predict(self, inputs: object) -> np.ndarray:
        """Output spikes ``(T, [batch,] n_out)`` of the forward model (from reset)."""
        x, had_batch = as_time_batch("inputs", inputs, self.network.n_in)
        out = forward(self.network, x, self.surrogate).s[self.network.output]
        return out if had_batch else out[:, 0]


class TBPTTLearner(BPTTLearner):
    """Truncated BPTT: windows of ``k`` steps, state carried, update per window (module docstring).

    Parameters as :class:`BPTTLearner`, plus ``k`` (int >= 1), the window length.
    """

    def __init__(
        self,
        network: Network,
        loss_fn: object = "mse",
        lr: float = 1e-3,
        k: int = 50,
        optimizer: object = "adam",
        surrogate: Surrogate | None = None,
        clip: float | None = None,
    ) -> None:
        super().__init__(network, loss_fn, lr, optimizer, surrogate, clip)
        self.k = check_int("k", k, 1)

    def train_step(self, inputs: object, targets: object) -> float:
        """Windows of ``k`` steps in order; returns the step-weighted mean of the window losses.

        Each window's loss is taken before that window's update.
        """
        x, tg = self._prepare(inputs, targets)
        t_steps = x.shape[0]
        state: State | None = None
        total = 0.0
        for t0 in range(0, t_steps, self.k):
            t1 = min(t0 + self.k, t_steps)
            tw = tg if isinstance(tg, np.ndarray) and tg.ndim <= 1 else tg[t0:t1]  # type: ignore[index]
            loss, grads, tr = self._window(x[t0:t1], tw, state)
            self._apply(grads)
            state = tr.final
            del tr, grads
            total += loss * (t1 - t0)
        return total / t_steps
