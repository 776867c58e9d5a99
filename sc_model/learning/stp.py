"""Short-term synaptic plasticity: the Tsodyks-Markram model, exact for any ``dt``.

Model (Markram, Wang & Tsodyks 1998, PNAS 95:5323; Tsodyks, Pawelzik &
Markram 1998, Neural Comput. 10:821)
--------------------------------------------------------------------
Every synapse holds two dimensionless state variables in ``[0, 1]``:

``x``
    the fraction of synaptic resources available (1 = fully recovered);
    between spikes it recovers towards 1 with time constant ``tau_d``:
    ``x(t + s) = 1 - (1 - x(t)) exp(-s / tau_d)``.
``u``
    the facilitation variable (running utilisation); between spikes it decays
    towards 0 with time constant ``tau_f``: ``u(t + s) = u(t) exp(-s / tau_f)``.

At a pre-synaptic spike, with ``u-`` and ``x-`` the values just before it and
``U = u_se`` the utilisation of synaptic efficacy:

* ``u+ = u- + U (1 - u-)``                       (facilitation jump),
* ``efficacy = u+ x-``                           (fraction of resources released;
  the post-synaptic current amplitude is ``A * efficacy`` for an absolute
  efficacy ``A`` that the caller applies),
* ``x+ = x- - u+ x-``                            (depletion).

A synapse at rest has ``u = 0``, ``x = 1``, so its first spike has efficacy
``U``. With ``tau_f -> 0`` (``u`` forgets between spikes) every spike uses
``u+ = U`` and the model is pure depression (Tsodyks & Markram 1997).

Regular train with inter-spike interval ``T`` (``e_f = exp(-T/tau_f)``,
``e_d = exp(-T/tau_d)``), spike ``n = 1, 2, ...``:
``u_1 = U``, ``x_1 = 1``, ``u_{n+1} = u_n e_f + U (1 - u_n e_f)``,
``x_{n+1} = x_n (1 - u_n) e_d + 1 - e_d``, ``efficacy_n = u_n x_n``; the
steady state is ``u* = U / (1 - (1 - U) e_f)``,
``x* = (1 - e_d) / (1 - (1 - u*) e_d)`` (:func:`steady_state`).

Discrete time (:class:`ShortTermPlasticity`)
--------------------------------------------
Units: ``tau_d``, ``tau_f`` and ``dt`` in the same time unit (e.g. ms);
step ``k`` is time ``k dt``. ``step(spikes)`` applies the spikes of the
current step at the current time (using the state reached by the exact
exponential relaxation since the previous step), returns the efficacy of each
synapse (0 where it did not spike), then advances the state by ``dt`` with the
exact exponential solution above. There is no Euler error: spike times on the
``dt`` grid see exactly the continuous-time state, whatever ``dt`` is.

Shapes: ``tau_d``, ``tau_f`` and ``u_se`` are scalars or arrays broadcasting
together with ``shape`` (e.g. ``(batch, n_synapses)``); the state ``u``, ``x``
and every ``spikes``/efficacy array have the broadcast shape.
"""

from __future__ import annotations

import numpy as np

from .._validate import check_bits

__all__ = ["ShortTermPlasticity", "regular_train", "steady_state"]


def _positive(name: str, value: object) -> np.ndarray:
    """Float array of finite values > 0; the error names the argument and value."""
    if isinstance(value, bool):
        raise TypeError(f"{name} must be a positive number, not {value!r}")
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a positive number, not {value!r}") from None
    bad = ~np.isfinite(arr) | (arr <= 0)
    if bad.any():
        raise ValueError(f"{name} must be > 0 and finite, not {arr.flat[int(np.argmax(bad))]!r}")
    return arr


def _utilisation(value: object) -> np.ndarray:
    if isinstance(value, bool):
        raise TypeError(f"u_se must be a number in (0, 1], not {value!r}")
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"u_se must be a number in (0, 1], not {value!r}") from None
    bad = ~np.isfinite(arr) | (arr <= 0) | (arr > 1)
    if bad.any():
        raise ValueError(f"u_se must be in (0, 1], not {arr.flat[int(np.argmax(bad))]!r}")
    return arr


class ShortTermPlasticity:
    """Tsodyks-Markram synapses, vectorised, integrated exactly (module docstring).

    ``tau_d`` (recovery from depression) and ``tau_f`` (decay of facilitation)
    are > 0 in the unit of ``dt`` (> 0); ``u_se`` is in ``(0, 1]``; ``shape``
    is the shape of the synapse array (default: the broadcast shape of the
    parameters). State: ``u`` and ``x`` (float64, ``shape``), at rest
    ``u = 0``, ``x = 1`` after :meth:`reset`.
    """

    def __init__(
        self,
        tau_d: float | np.ndarray,
        tau_f: float | np.ndarray,
        u_se: float | np.ndarray,
        dt: float = 1.0,
        shape: int | tuple[int, ...] | None = None,
    ) -> None:
        self.tau_d = _positive("tau_d", tau_d)
        self.tau_f = _positive("tau_f", tau_f)
        self.u_se = _utilisation(u_se)
        self.dt = float(_positive("dt", dt))
        if shape is None:
            shape = ()
        elif isinstance(shape, int | np.integer) and not isinstance(shape, bool):
            shape = (int(shape),)
        try:
            self.shape = np.broadcast_shapes(
                tuple(shape), self.tau_d.shape, self.tau_f.shape, self.u_se.shape
            )
        except (TypeError, ValueError):
            raise ValueError(
                f"shape {shape!r} and the shapes of tau_d {self.tau_d.shape}, tau_f "
                f"{self.tau_f.shape}, u_se {self.u_se.shape} do not broadcast"
            ) from None
        # Exact one-step relaxation factors.
        self.decay_d = np.broadcast_to(np.exp(-self.dt / self.tau_d), self.shape)
        self.decay_f = np.broadcast_to(np.exp(-self.dt / self.tau_f), self.shape)
        self._u_se = np.broadcast_to(self.u_se, self.shape)
        self.reset()

    def reset(self) -> None:
        """All synapses at rest: ``u = 0``, ``x = 1``."""
        self.u = np.zeros(self.shape)
        self.x = np.ones(self.shape)

    def step(self, spikes: np.ndarray | int | bool) -> np.ndarray:
        """Apply this step's spikes (0/1 or bool, broadcasting to ``shape``), then advance ``dt``.

        Returns the efficacy ``u+ x-`` of each synapse (float64, ``shape``; 0
        where no spike arrived).
        """
        bits = check_bits("spikes", spikes)
        try:
            s = np.broadcast_to(bits, self.shape).astype(bool)
        except ValueError:
            raise ValueError(
                f"spikes of shape {bits.shape} do not broadcast to the synapses' {self.shape}"
            ) from None
        u_plus = np.where(s, self.u + self._u_se * (1.0 - self.u), self.u)
        eff = np.where(s, u_plus * self.x, 0.0)
        x_plus = self.x - eff
        # exact exponential relaxation over dt
        self.u = u_plus * self.decay_f
        self.x = 1.0 - (1.0 - x_plus) * self.decay_d
        return eff

    def run(self, spikes: np.ndarray) -> np.ndarray:
        """``step`` over the first axis of ``spikes[T, *shape]``; returns ``efficacy[T, *shape]``.

        Continues from the current state (call :meth:`reset` first for a fresh run).
        """
        s = check_bits("spikes", spikes)
        if s.ndim < 1:
            raise ValueError(f"spikes must have a leading time axis, not shape {s.shape}")
        return np.stack([self.step(row) for row in s]) if len(s) else np.zeros((0, *self.shape))


def _train_params(isi: object, tau_d: object, tau_f: object, u_se: object):
    return (
        _positive("isi", isi),
        _positive("tau_d", tau_d),
        _positive("tau_f", tau_f),
        _utilisation(u_se),
    )


def regular_train(
    n_spikes: int, isi: float, tau_d: float, tau_f: float, u_se: float
) -> np.ndarray:
    """Efficacies ``efficacy_1 .. efficacy_n`` of a regular train from rest (module docstring).

    Evaluates the per-spike recursion (not the time-stepped model), so it is a
    reference for :class:`ShortTermPlasticity` on a ``dt`` grid dividing ``isi``.
    Parameters may be arrays; the result has shape ``(n_spikes, *broadcast)``.
    """
    if isinstance(n_spikes, bool) or not isinstance(n_spikes, int | np.integer) or n_spikes < 0:
        raise ValueError(f"n_spikes must be an integer >= 0, not {n_spikes!r}")
    isi_a, td, tf, big_u = _train_params(isi, tau_d, tau_f, u_se)
    e_f, e_d = np.exp(-isi_a / tf), np.exp(-isi_a / td)
    shape = np.broadcast_shapes(e_f.shape, e_d.shape, big_u.shape)
    u = np.broadcast_to(big_u, shape).astype(np.float64)
    x = np.ones(shape)
    out = np.empty((int(n_spikes), *shape))
    for n in range(int(n_spikes)):
        out[n] = u * x
        u, x = u * e_f + big_u * (1.0 - u * e_f), x * (1.0 - u) * e_d + 1.0 - e_d
    return out


def steady_state(
    isi: float, tau_d: float, tau_f: float, u_se: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(u*, x*, efficacy*)`` of a regular train with interval ``isi`` (module docstring)."""
    isi_a, td, tf, big_u = _train_params(isi, tau_d, tau_f, u_se)
    e_f, e_d = np.exp(-isi_a / tf), np.exp(-isi_a / td)
    u_star = big_u / (1.0 - (1.0 - big_u) * e_f)
    x_star = (1.0 - e_d) / (1.0 - (1.0 - u_star) * e_d)
    return u_star, x_star, u_star * x_star
