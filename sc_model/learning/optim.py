"""Gradient optimisers updating parameter arrays in place.

``opt.step(params, grads)``: ``params`` and ``grads`` are lists of float64
arrays of equal shapes (e.g. :meth:`Network.parameters`, one ``data`` array
per projection); each parameter array is modified in place. State (momentum,
moments) is kept per position in the list and restarted when a shape changes
(e.g. after structural plasticity rewired a projection).

* :class:`SGD`: ``u = momentum * u + g``; ``p -= lr * u``.
* :class:`Adam` (Kingma & Ba 2015): ``m = b1 m + (1 - b1) g``,
  ``v = b2 v + (1 - b2) g**2``, ``p -= lr * m_hat / (sqrt(v_hat) + eps)`` with
  the bias corrections ``m_hat = m / (1 - b1**t)``, ``v_hat = v / (1 - b2**t)``.
"""

from __future__ import annotations

import numpy as np

from .network import check_positive


def _check_fraction(name: str, value: float) -> float:
    v = float(value)
    if not 0.0 <= v < 1.0:
        raise ValueError(f"{name} must be in [0, 1), not {value!r}")
    return v


class Optimizer:
    """Base class: ``lr`` > 0 and per-parameter state."""

    def __init__(self, lr: float) -> None:
        self.lr = float(check_positive("lr", lr))
        self.state: list[dict[str, np.ndarray]] = []

    def _slot(self, i: int, p: np.ndarray) -> dict[str, np.ndarray]:
        while len(self.state) <= i:
            self.state.append({})
        st = self.state[i]
        if st and next(iter(st.values())).shape != p.shape:
            st.clear()
        return st

    def step(self, params: list[np.ndarray], grads: list[np.ndarray]) -> None:
        if len(params) != len(grads):
            raise ValueError(f"params ({len(params)}) and grads ({len(grads)}) differ in length")
        for i, (p, g) in enumerate(zip(params, grads, strict=True)):
            if p.shape != g.shape:
                raise ValueError(f"grads[{i}] has shape {g.shape}, params[{i}] {p.shape}")
            self._update(self._slot(i, p), p, g)

    def _update(self, st: dict[str, np.ndarray], p: np.ndarray, g: np.ndarray) -> None:
        raise NotImplementedError


class SGD(Optimizer):
    """Stochastic gradient descent with optional (heavy-ball) momentum in [0, 1)."""

    def __init__(self, lr: float, momentum: float = 0.0) -> None:
        super().__init__(lr)
        self.momentum = _check_fraction("momentum", momentum)

    def _update(self, st: dict[str, np.ndarray], p: np.ndarray, g: np.ndarray) -> None:
        if self.momentum:
            u = st.setdefault("u", np.zeros_like(p))
            u *= self.momentum
            u += g
            g = u
        p -= self.lr * g


class Adam(Optimizer):
    """Adam with bias correction (module docstring); ``b1``, ``b2`` in [0, 1), ``eps`` > 0."""

    def __init__(self, lr: float, b1: float = 0.9, b2: float = 0.999, eps: float = 1e-8) -> None:
        super().__init__(lr)
        self.b1 = _check_fraction("b1", b1)
        self.b2 = _check_fraction("b2", b2)
        self.eps = float(check_positive("eps", eps))

    def _update(self, st: dict[str, np.ndarray], p: np.ndarray, g: np.ndarray) -> None:
        m = st.setdefault("m", np.zeros_like(p))
        v = st.setdefault("v", np.zeros_like(p))
        t = st.setdefault("t", np.zeros(()))
        t += 1
        m *= self.b1
        m += (1 - self.b1) * g
        v *= self.b2
        v += (1 - self.b2) * g * g
        m_hat = m / (1 - self.b1**t)
        v_hat = v / (1 - self.b2**t)
        p -= self.lr * m_hat / (np.sqrt(v_hat) + self.eps)


OPTIMIZERS: dict[str, type[Optimizer]] = {"sgd": SGD, "adam": Adam}


def get_optimizer(optimizer: object, lr: float) -> Optimizer:
    """An optimiser from its name (``"sgd"``, ``"adam"``) with ``lr``, or an instance as is."""
    if isinstance(optimizer, Optimizer):
        return optimizer
    if optimizer not in OPTIMIZERS:
        raise ValueError(
            f"optimizer must be one of {sorted(OPTIMIZERS)} or an Optimizer; not {optimizer!r}"
        )
    return OPTIMIZERS[optimizer](lr)  # type: ignore[index]
