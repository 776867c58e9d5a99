"""Structural plasticity: prune weak synapses, grow new ones where activity is correlated.

:meth:`StructuralPlasticity.update` rewires one :class:`Projection` through
:meth:`Projection.set_csr` (the sparsity pattern itself changes):

Pruning
    every synapse with ``|w| < prune_threshold`` is removed.
Growth (activity dependent)
    candidates are the source/target pairs that had *no* synapse before this
    update (a synapse pruned now is not regrown in the same update), each with
    probability ``p_ij = min(1, growth_rate * post_i * pre_j)`` where ``pre``
    ``(n_source,)`` and ``post`` ``(n_target,)`` are activities, e.g. firing
    probabilities per step (:func:`activity` of a spike record). Correlated
    activity (both sides active) is what makes a pair grow.
    ``balance=False``: independent Bernoulli draws with ``p_ij``.
    ``balance=True``: exactly as many synapses grow as were pruned (fewer only if
    fewer candidates have ``p_ij > 0``), drawn without replacement with
    probabilities proportional to ``p_ij``: ``nnz`` is conserved.
    A new synapse starts at ``init_weight`` (default ``2 * prune_threshold``;
    rounded in integer mode) so it is not pruned by the next update unchanged.
Randomness
    One Generator (``rng``, a seed or a Generator) drives all draws: the same
    seed and the same inputs give the same rewiring.
"""

from __future__ import annotations

import numbers
from typing import NamedTuple

import numpy as np

from .network import Projection, check_positive


class Rewiring(NamedTuple):
    """What one update did: number of synapses pruned and grown, and the new nnz."""

    pruned: int
    grown: int
    nnz: int


def activity(spikes: object, n: int) -> np.ndarray:
    """Mean spikes per step ``(n,)`` of ``spikes`` ``(T, [batch,] n)`` (over time and batch)."""
    s = np.asarray(spikes, dtype=np.float64)
    if s.ndim not in (2, 3) or s.shape[-1] != n or 0 in s.shape:
        raise ValueError(f"spikes must have shape (T, {n}) or (T, batch, {n}), not {s.shape}")
    return s.reshape(-1, n).mean(axis=0)


def _activity_vector(name: str, value: object, n: int) -> np.ndarray:
    a = np.asarray(value, dtype=np.float64)
    if a.shape != (n,):
        raise ValueError(f"{name} must have shape ({n},), not {a.shape}")
    if not np.isfinite(a).all() or (a < 0).any():
        raise ValueError(f"{name} must be finite and >= 0")
    return a


class StructuralPlasticity:
    """Prune and grow synapses of a projection (module docstring).

    Parameters
    ----------
    growth_rate : float > 0, scale of the growth probability ``growth_rate * post * pre``.
    prune_threshold : float >= 0, synapses with ``|w|`` below it are removed.
    rng : Generator or seed (None: fresh entropy; pass one for reproducibility).
    init_weight : weight of a new synapse (default ``2 * prune_threshold``).
    balance : grow as many as pruned (``nnz`` conserved) instead of independent draws.
    """

    def __init__(
        self,
        growth_rate: float,
        prune_threshold: float,
        rng: np.random.Generator | int | None = None,
        init_weight: float | None = None,
        balance: bool = False,
    ) -> None:
        self.growth_rate = float(check_positive("growth_rate", growth_rate))
        if (
            isinstance(prune_threshold, bool)
            or not isinstance(prune_threshold, numbers.Real)
            or not 0 <= float(prune_threshold) < np.inf
        ):
            raise ValueError(
                f"prune_threshold must be a finite number >= 0, not {prune_threshold!r}"
            )
        self.prune_threshold = float(prune_threshold)
        self.init_weight = 2.0 * self.prune_threshold if init_weight is None else float(init_weight)
        if not np.isfinite(self.init_weight):
            raise ValueError(f"init_weight must be finite, not {init_weight!r}")
        self.rng = np.random.default_rng(rng)
        self.balance = bool(balance)

    def growth_probability(self, pre: np.ndarray, post: np.ndarray) -> np.ndarray:
        """``p[i, j] = min(1, growth_rate * post_i * pre_j)``, shape ``(n_target, n_source)``."""
        return np.minimum(1.0, self.growth_rate * post[:, None] * pre[None, :])

    def update(self, projection: Projection, pre: object, post: object) -> Rewiring:
        """Rewire ``projection`` from the activities ``pre`` (n_source,), ``post`` (n_target,)."""
        if not isinstance(projection, Projection):
            raise TypeError(f"projection must be a Projection, not {type(projection).__name__}")
        p = projection
        pre_a = _activity_vector("pre", pre, p.n_source)
        post_a = _activity_vector("post", post, p.n_target)
        old = p.mask()
        w = p.to_dense()
        keep = old & (np.abs(w) >= self.prune_threshold)
        pruned = int(old.sum() - keep.sum())
        prob = np.where(old, 0.0, self.growth_probability(pre_a, post_a))
        u = self.rng.random(prob.shape)  # one draw per pair, whatever the mode: reproducible
        if self.balance:
            cand = np.flatnonzero(prob > 0)
            k = min(pruned, cand.size)
            grow = np.zeros(prob.shape, dtype=bool)
            if k:
                # weighted sampling without replacement: the k largest u**(1/p)
                # (Efraimidis & Spirakis 2006), compared as log(u) / p
                keys = np.log(u.ravel()[cand]) / prob.ravel()[cand]
                chosen = cand[np.argpartition(-keys, k - 1)[:k]]
                grow.ravel()[chosen] = True
        else:
            grow = u < prob
        new_mask = keep | grow
        init = round(self.init_weight) if p.integer else self.init_weight
        w_new = np.where(grow, init, w)
        rows, cols = np.nonzero(new_mask)  # row-major: columns sorted within each row
        indptr = np.concatenate(([0], np.cumsum(np.bincount(rows, minlength=p.n_target))))
        p.set_csr(indptr.astype(np.int64), cols.astype(np.int64), w_new[rows, cols])
        return Rewiring(pruned, int(grow.sum()), p.nnz)
