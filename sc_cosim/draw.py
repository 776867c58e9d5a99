"""Drawing helpers shared by the blocks' random parameter sets and stimuli.

Random sets hit the edges of every range more often than a uniform draw
would, because that is where width and overflow faults live.
"""

from __future__ import annotations

import numpy as np


def edge_or_uniform(rng: np.random.Generator, lo: int, hi: int, p_edge: float) -> int:
    """``lo`` or ``hi`` with probability ``p_edge`` each, else uniform in ``[lo, hi]``."""
    u = rng.random()
    if u < p_edge:
        return lo
    if u < 2 * p_edge:
        return hi
    return int(rng.integers(lo, hi + 1))


def n_with_edges(rng: np.random.Generator, lo: int, hi: int) -> int:
    """A size in ``[lo, hi]``: ``lo``, ``lo + 1`` and ``hi`` 15 % each, else uniform."""
    u = rng.random()
    if u < 0.45:
        return (lo, lo + 1, hi)[int(u / 0.15)]
    return int(rng.integers(lo, hi + 1))
