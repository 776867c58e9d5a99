"""Spike functions and their (surrogate) derivatives for gradient training.

A surrogate maps ``x = v - theta`` (membrane minus threshold, float64 arrays
of any shape) to a spike value with :meth:`forward` and gives the derivative
used by back-propagation with :meth:`grad`.

* :class:`FastSigmoid` (the default): forward is the true spike
  ``H(x) = 1.0 if x >= 0 else 0.0`` (the rule of the float population); the
  backward pass uses the derivative of the fast sigmoid ``x / (1 + k|x|)``,
  ``1 / (1 + k|x|)**2`` (SuperSpike, Zenke & Ganguli 2018; Neftci, Mostafa &
  Zenke 2019, "Surrogate gradient learning in spiking neural networks").
  ``k = slope`` > 0 (per unit of membrane potential).
* :class:`SmoothSigmoid`: a *smooth* model, forward ``sigmoid(k x)`` and its
  exact derivative ``k sigmoid(k x) (1 - sigmoid(k x))``. With it the
  back-propagated gradient is the true gradient of a differentiable network,
  which is how the BPTT code is checked against finite differences.
"""

from __future__ import annotations

import numpy as np

from .network import check_positive


class Surrogate:
    """Base class: ``forward(x)`` spike values, ``grad(x)`` their derivative for backprop."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def grad(self, x: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def forward_into(self, x: np.ndarray, out: np.ndarray) -> np.ndarray:
        """``forward(x)`` written into ``out`` (float64, ``x``'s shape); subclasses avoid
        the temporaries. Same values as :meth:`forward`."""
        out[...] = self.forward(x)
        return out

    def grad_into(self, x: np.ndarray, out: np.ndarray) -> np.ndarray:
        """``grad(x)`` written into ``out`` (may be ``x`` itself). Same values as :meth:`grad`."""
        out[...] = self.grad(x)
        return out


class FastSigmoid(Surrogate):
    """Heaviside forward, ``1 / (1 + slope |x|)**2`` backward (``slope`` > 0, default 10)."""

    def __init__(self, slope: float = 10.0) -> None:
        self.slope = float(check_positive("slope", slope))

    def forward(self, x: np.ndarray) -> np.ndarray:
        return (x >= 0).astype(np.float64)

    def grad(self, x: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + self.slope * np.abs(x)) ** 2

    def forward_into(self, x: np.ndarray, out: np.ndarray) -> np.ndarray:
        return np.greater_equal(x, 0.0, out=out)

    def grad_into(self, x: np.ndarray, out: np.ndarray) -> np.ndarray:
        np.abs(x, out=out)  # the operations of grad, in its order, without temporaries
        np.multiply(self.slope, out, out=out)
        np.add(1.0, out, out=out)
        np.square(out, out=out)
        return np.divide(1.0, out, out=out)

    def __repr__(self) -> str:
        return f"FastSigmoid(slope={self.slope})"


class SmoothSigmoid(Surrogate):
    """Smooth spikes ``sigmoid(slope x)`` and their exact derivative (``slope`` > 0, default 5)."""

    def __init__(self, slope: float = 5.0) -> None:
        self.slope = float(check_positive("slope", slope))

    def forward(self, x: np.ndarray) -> np.ndarray:
        z = self.slope * np.asarray(x, dtype=np.float64)
        # 0.5 (1 + tanh(z / 2)) is sigmoid(z) without overflow
        return 0.5 * (1.0 + np.tanh(0.5 * z))

    def grad(self, x: np.ndarray) -> np.ndarray:
        s = self.forward(x)
        return self.slope * s * (1.0 - s)

    def __repr__(self) -> str:
        return f"SmoothSigmoid(slope={self.slope})"
