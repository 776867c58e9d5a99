"""Losses on output spikes, each returning the loss and its gradient.

Every loss is called as ``loss(spikes, targets) -> (value, grad)`` with
``spikes`` of shape ``(T, batch, n_out)`` (float; 0/1 spikes, or sigmoid
values in the smooth model) and ``grad = d value / d spikes`` of the same
shape. ``targets`` is ``(T, batch, n_out)`` or ``(T, n_out)`` (broadcast over
the batch); :class:`CrossEntropy` also takes integer class labels of shape
``(batch,)``.

* :class:`MSE`: ``mean over (t, b, i) of (s[t,b,i] - y[t,b,i])**2``: match a
  spike pattern in time.
* :class:`SpikeCount`: with counts ``c[b,i] = sum_t s[t,b,i]`` and target
  counts ``n[b,i] = sum_t y[t,b,i]``: ``mean over (b, i) of (c - n)**2``.
* :class:`CrossEntropy`: logits ``z[b] = scale * c[b]`` (spike counts),
  class ``y[b]`` (labels, or ``argmax_i sum_t targets[t,b,i]``):
  ``mean over b of (logsumexp(z[b]) - z[b, y[b]])``.

:func:`get_loss` maps ``"mse"``, ``"count"`` and ``"ce"`` (or a callable)
to a loss.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .network import check_positive

LossFn = Callable[[np.ndarray, object], tuple[float, np.ndarray]]


def _time_targets(spikes: np.ndarray, targets: object) -> np.ndarray:
    y = np.asarray(targets, dtype=np.float64)
    t_steps, batch, n = spikes.shape
    if y.ndim == 2:
        y = y[:, None, :]
    if y.ndim != 3 or y.shape[0] != t_steps or y.shape[2] != n or y.shape[1] not in (1, batch):
        raise ValueError(
            f"targets must have shape (T, n_out) = ({t_steps}, {n}) or (T, batch, n_out) = "
            f"({t_steps}, {batch}, {n}), not {np.shape(targets)}"
        )
    return y


class MSE:
    """Mean squared error between spikes and a target pattern (module docstring)."""

    name = "mse"

    def __init__(self) -> None:
        self._squares: np.ndarray | None = None  # scratch reused from call to call

    def __call__(self, spikes: np.ndarray, targets: object) -> tuple[float, np.ndarray]:
        d = spikes - _time_targets(spikes, targets)  # the returned gradient: one new array
        if self._squares is None or self._squares.shape != d.shape:
            self._squares = np.empty(d.shape)
        loss = float(np.mean(np.square(d, out=self._squares)))
        d *= 2.0  # 2 d / size, in place: the same values as (2.0 * d) / d.size
        d /= d.size
        return loss, d


class SpikeCount:
    """Squared error of the spike counts over the window (module docstring)."""

    name = "count"

    def __call__(self, spikes: np.ndarray, targets: object) -> tuple[float, np.ndarray]:
        y = _time_targets(spikes, targets)
        d = spikes.sum(axis=0) - y.sum(axis=0)
        g = np.broadcast_to(2.0 * d / d.size, spikes.shape)
        return float(np.mean(d**2)), np.array(g)


class CrossEntropy:
    """Softmax cross-entropy of ``scale`` x spike counts (module docstring)."""

    name = "ce"

    def __init__(self, scale: float = 1.0) -> None:
        self.scale = float(check_positive("scale", scale))

    def labels(self, spikes: np.ndarray, targets: object) -> np.ndarray:
        """Class of every sample, shape ``(batch,)``."""
        t = np.asarray(targets)
        batch, n = spikes.shape[1:]
        if np.issubdtype(t.dtype, np.integer) and t.ndim <= 1:
            lab = np.broadcast_to(t, (batch,)) if t.ndim == 0 or t.shape == (1,) else t
            if lab.shape != (batch,) or lab.min() < 0 or lab.max() >= n:
                raise ValueError(
                    f"targets as labels must have shape (batch,) = ({batch},) with values in "
                    f"[0, {n - 1}], not shape {t.shape}"
                )
            return lab.astype(np.int64)
        y = _time_targets(spikes, targets)
        return np.broadcast_to(y.sum(axis=0).argmax(axis=-1), (batch,))

    def __call__(self, spikes: np.ndarray, targets: object) -> tuple[float, np.ndarray]:
        lab = self.labels(spikes, targets)
        z = self.scale * spikes.sum(axis=0)
        z = z - z.max(axis=-1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(axis=-1, keepdims=True)
        batch = z.shape[0]
        value = float(-np.mean(np.log(p[np.arange(batch), lab])))
        gz = p.copy()
        gz[np.arange(batch), lab] -= 1.0
        g = np.broadcast_to(self.scale * gz / batch, spikes.shape)
        return value, np.array(g)


LOSSES: dict[str, type] = {"mse": MSE, "count": SpikeCount, "ce": CrossEntropy}


def get_loss(loss: object) -> LossFn:
    """A loss from its name (``"mse"``, ``"count"``, ``"ce"``) or a callable as is."""
    if isinstance(loss, str):
        if loss not in LOSSES:
            raise ValueError(f"loss_fn must be one of {sorted(LOSSES)} or a callable; not {loss!r}")
        return LOSSES[loss]()
    if not callable(loss):
        raise TypeError(f"loss_fn must be a loss name or a callable, not {loss!r}")
    if isinstance(loss, MSE | SpikeCount | CrossEntropy | CallableLoss):
        return loss
    return CallableLoss(loss)


class CallableLoss:
    """A user's ``loss_fn``: returning ``(loss, dloss/dspikes)``, or only a scalar loss.

    A scalar loss (the call shape of the documented learning API,
    ``loss_fn(spikes, targets) -> float``) gets its gradient by central
    differences, ``(L(s + h e_k) - L(s - h e_k)) / 2h`` with ``h = 1e-4`` per
    spike entry (exact up to rounding for a quadratic loss such as the mean
    squared error; ``2 T batch n_out`` extra calls per step). With one sample
    (batch 1) and targets of shape ``(T, n_out)`` (or ``(T, 1, n_out)``) the
    callable receives ``spikes[T, n_out]`` and ``targets[T, n_out]``, as
    documented there; otherwise ``(T, batch, n_out)``.
    """

    H = 1e-4

    def __init__(self, fn: object) -> None:
        self.fn = fn

    def _call(self, spikes: np.ndarray, targets: object) -> object:
        tg = targets
        if (spikes.ndim == 3 and spikes.shape[1] == 1 and isinstance(tg, np.ndarray)
                and tg.ndim == 3 and tg.shape[1] == 1):
            return self.fn(spikes[:, 0], tg[:, 0])  # type: ignore[operator]
        return self.fn(spikes, tg)  # type: ignore[operator]

    @staticmethod
    def _scalar(value: object) -> float | None:
        arr = np.asarray(value) if not isinstance(value, tuple) else None
        if arr is not None and arr.shape == () and np.issubdtype(arr.dtype, np.number):
            return float(arr)
        return None

    def __call__(self, spikes: np.ndarray, targets: object) -> tuple[float, np.ndarray]:
        out = self._call(spikes, targets)
        if isinstance(out, tuple) and len(out) == 2:
            g = np.asarray(out[1], dtype=np.float64)
            if g.shape != spikes.shape and g.size == spikes.size:
                g = g.reshape(spikes.shape)  # the callable saw spikes[T, n_out]
            grad = np.broadcast_to(g, spikes.shape)
            return float(out[0]), np.array(grad)
        value = self._scalar(out)
        if value is None:
            raise TypeError(
                "loss_fn must return a scalar loss or a pair (loss, dloss/dspikes), not "
                f"{type(out).__name__} {np.shape(out) if not isinstance(out, tuple) else len(out)}"
            )
        grad = np.zeros(spikes.shape)
        probe = np.array(spikes, dtype=np.float64)
        flat, gflat = probe.reshape(-1), grad.reshape(-1)
        for k in range(flat.size):
            keep = flat[k]
            flat[k] = keep + self.H
            up = self._scalar(self._call(probe, targets))
            flat[k] = keep - self.H
            down = self._scalar(self._call(probe, targets))
            flat[k] = keep
            if up is None or down is None:
                raise TypeError("loss_fn must return a scalar loss on every call")
            gflat[k] = (up - down) / (2 * self.H)
        return value, grad
