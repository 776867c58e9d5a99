"""Homeostatic synaptic scaling (Turrigiano 2008) of a population's incoming weights.

Each neuron ``i`` of a population measures its firing rate over a window of
``T`` network steps of length ``dt`` (in spikes per unit time, the unit of
``dt``) and scales *all* its incoming synapses by one factor (multiplicative
scaling keeps the relative strengths, hence what the synapses have learned):

    ``r_i = (spikes of i in the window, summed over the batch) / (batch * T * dt)``
    ``f_i = exp((T * dt / tau) * (1 - r_i / target_rate))``, clipped to
    ``[1 / max_factor, max_factor]``
    excitatory weights (``w > 0``): ``w *= f_i``; inhibitory weights (``w < 0``):
    unchanged (``inhibitory="fixed"``, default) or ``w /= f_i``
    (``inhibitory="inverse"``: a silent neuron also gets less inhibition).
    Measured: with recurrent inhibition between the neurons of the population,
    ``"inverse"`` can lock into winner-take-all oscillations starting from high
    rates (the winners' incoming inhibition grows too), ``"fixed"`` converges.

This is the Euler step of ``dw/dt = w (1 - r / target_rate) / tau`` in its
exponential form (always positive, exact for a constant rate); ``tau`` (same
unit as ``dt``) is the time constant of the scaling, ``target_rate`` at most
one spike per step (``<= 1 / dt``). A neuron firing above the target is
scaled down, below the target up, so the rates converge to ``target_rate``
(from above and from below) for inputs whose rate grows with the weights.

The incoming projections of population ``name`` are
``network.incoming(name)`` (every projection whose target it is, the
recurrent one included); :meth:`HomeostaticPlasticity.update` scales their
``data`` in place. Integer mode: the scaled weights are rounded to the nearest
integer (a weight of magnitude 1 then only changes with factors beyond 1.5 or 0.5).
"""

from __future__ import annotations

import numpy as np

from .._validate import check_choice
from .network import Network, check_positive

INHIBITORY = ("fixed", "inverse")


def firing_rates(spikes: object, n: int, dt: float = 1.0) -> tuple[np.ndarray, float]:
    """Rates ``(n,)`` (spikes per unit time) of ``spikes`` ``(T, [batch,] n)``, and ``T * dt``."""
    s = np.asarray(spikes, dtype=np.float64)
    if s.ndim not in (2, 3) or s.shape[-1] != n or s.shape[0] < 1 or 0 in s.shape:
        raise ValueError(
            f"spikes must have shape (T, {n}) or (T, batch, {n}) with T, batch >= 1, not {s.shape}"
        )
    if not np.isfinite(s).all() or s.min() < 0:
        raise ValueError("spikes must be finite counts >= 0")
    s3 = s if s.ndim == 3 else s[:, None, :]
    window = s3.shape[0] * float(dt)
    return s3.sum(axis=(0, 1)) / (s3.shape[1] * window), window


class HomeostaticPlasticity:
    """Synaptic scaling toward ``target_rate`` (module docstring).

    Parameters
    ----------
    target_rate : float, ``0 < target_rate <= 1 / dt``, spikes per unit time.
    tau : float > 0, time constant of the scaling (unit of ``dt``).
    dt : float > 0, the network step.
    network : Network or None; the default network of :meth:`update`.
    max_factor : float > 1, bound of one update's factor (default 2).
    inhibitory : ``"fixed"`` (default) or ``"inverse"``, what happens to negative weights.
    """

    def __init__(
        self,
        target_rate: float,
        tau: float,
        dt: float = 1.0,
        network: Network | None = None,
        max_factor: float = 2.0,
        inhibitory: str = "fixed",
    ) -> None:
        self.dt = float(check_positive("dt", dt))
        self.target_rate = float(check_positive("target_rate", target_rate))
        if self.target_rate > 1.0 / self.dt:
            raise ValueError(
                f"target_rate must be <= 1 / dt = {1.0 / self.dt} (one spike per step), "
                f"not {target_rate!r}"
            )
        self.tau = float(check_positive("tau", tau))
        self.max_factor = float(check_positive("max_factor", max_factor))
        if self.max_factor <= 1.0:
            raise ValueError(f"max_factor must be > 1, not {max_factor!r}")
        self.inhibitory = str(check_choice("inhibitory", inhibitory, INHIBITORY))
        if network is not None and not isinstance(network, Network):
            raise TypeError(f"network must be a Network or None, not {type(network).__name__}")
        self.network = network

    def factors(self, rates: object, window: float) -> np.ndarray:
        """``f_i`` of the module docstring for ``rates`` ``(n,)`` measured over ``window``."""
        r = np.asarray(rates, dtype=np.float64)
        f = np.exp(float(window) / self.tau * (1.0 - r / self.target_rate))
        return np.clip(f, 1.0 / self.max_factor, self.max_factor)

    def update(self, population: str, spikes: object, network: Network | None = None) -> np.ndarray:
        """Scale the incoming weights of ``population`` from its ``spikes`` ``(T, [batch,] n)``.

        ``network``: default the one given at construction. Returns the factors ``(n,)``.
        """
        net = self.network if network is None else network
        if not isinstance(net, Network):
            raise TypeError("network must be given (here or at construction) as a Network")
        if population not in net.populations:
            raise ValueError(
                f"population must be one of {list(net.populations)}, not {population!r}"
            )
        n = net.populations[population].n
        rates, window = firing_rates(spikes, n, self.dt)
        f = self.factors(rates, window)
        projs = net.incoming(population)
        if not projs:
            raise ValueError(f"population {population!r} has no incoming projection to scale")
        for p in projs:
            fr = f[p.rows]
            w = p.data.astype(np.float64)
            if self.inhibitory == "inverse":
                new = np.where(w >= 0, w * fr, w / fr)
            else:
                new = np.where(w >= 0, w * fr, w)
            p.data[...] = np.rint(new).astype(np.int64) if p.integer else new
        return f
