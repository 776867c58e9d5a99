"""Compiled (Numba) inner loops of the vectorised models, with a NumPy fallback switch.

The NumPy models loop over time only, but a cycle of a layer or a learning
step is a few dozen small array operations, each paying ~1 us of call
overhead and a temporary; at the benchmark sizes that overhead, not the
arithmetic, is the time. These kernels compute the same integers in one
compiled loop. Every caller keeps its pure-NumPy path and takes it when
:data:`COMPILED` is False (Numba missing, or ``SC_MODEL_NO_NUMBA=1`` in the
environment, or :func:`use_compiled` set False); the tests run both paths
and require identical outputs.

All kernels work on ``int64``/``int32``/``uint8`` arrays with integer
arithmetic only (no floats), so the results are bit-exact by construction:
the same sums, comparisons, shifts and clamps as the NumPy code they replace.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np

try:  # pragma: no cover - exercised by the environment, not by a branch test
    import numba as _numba
except ImportError:  # pragma: no cover
    _numba = None

AVAILABLE = _numba is not None
COMPILED = AVAILABLE and os.environ.get("SC_MODEL_NO_NUMBA", "") not in ("1", "true", "yes")


def enabled() -> bool:
    """Whether the models use the compiled kernels now."""
    return COMPILED


@contextmanager
def use_compiled(flag: bool) -> Iterator[None]:
    """Run a block with the compiled kernels on (if available) or off (pure NumPy)."""
    global COMPILED
    old = COMPILED
    COMPILED = bool(flag) and AVAILABLE
    try:
        yield
    finally:
        COMPILED = old


def _jit(fn):  # type: ignore[no-untyped-def]
    if _numba is None:  # pragma: no cover
        return fn
    return _numba.njit(cache=True, nogil=True)(fn)


@_jit
def synapse_count(r, x, pos, neg, bipolar, out):  # type: ignore[no-untyped-def]  # pragma: no cover
    """The signed synapse count of every cycle, batch element and neuron.

    ``r``: weight random numbers ``(T, N)``; ``x``: input bits ``uint8``
    ``(T, K, N)``; ``pos``, ``neg``: thresholds ``(N, M)`` (same integer
    dtype as ``r``; inputs major, so the neuron loop is contiguous);
    ``out``: ``int64`` ``(T, K, M)``.

    Unipolar (``bipolar`` False): ``out = sum_{j: x_j = 1} [r_j < pos_jm] -
    [r_j < neg_jm]`` (silent inputs contribute nothing and are skipped).
    Bipolar (``neg`` all 0): ``b_jm = [r_j < pos_jm]`` if ``x_j`` else
    ``NOT [r_j < pos_jm]``, ``out = 2 sum_j b_jm - N``.
    """
    n_t, n_k, n = x.shape
    m_count = pos.shape[1]
    acc = np.empty(m_count, pos.dtype)  # |count| <= N <= 1024 fits int16
    for t in range(n_t):
        for k in range(n_k):
            acc[:] = 0
            n_off = 0
            for j in range(n):
                rj = r[t, j]
                pj = pos[j]
                if x[t, k, j]:
                    nj = neg[j]
                    for m in range(m_count):
                        acc[m] += (rj < pj[m]) - (rj < nj[m])
                elif bipolar:
                    n_off += 1
                    for m in range(m_count):
                        acc[m] -= rj < pj[m]
            if bipolar:
                for m in range(m_count):
                    out[t, k, m] = 2 * (acc[m] + n_off) - n
            else:
                for m in range(m_count):
                    out[t, k, m] = acc[m]


@_jit
def lif_loop(  # type: ignore[no-untyped-def]  # pragma: no cover
    x,
    en,
    thr,
    v_reset,
    shift,
    const,
    refr,
    leak_mode,
    subtract,
    input_register,
    v_min,
    v_max,
    spikes,
    vs,
    rcs,
):
    """The LIF recurrence of :func:`sc_model.lif.lif_trace` over ``(T, K)`` neurons.

    ``x``: ``int64`` ``(T, K)`` inputs; ``en``: ``uint8`` ``(T, K)``;
    per-neuron ``int64`` ``(K,)`` ``thr``, ``v_reset``, ``shift``, ``const``,
    ``refr``; ``leak_mode`` 0 none, 1 shift, 2 constant; ``subtract`` the
    reset mode. Writes the registers *during* each cycle into ``spikes``
    (``uint8``), ``vs`` and ``rcs`` (``int64``), all ``(T, K)``.
    """
    n_t, n_k = x.shape
    v = v_reset.copy()
    spike = np.zeros(n_k, np.uint8)
    rc = np.zeros(n_k, np.int64)
    xreg = np.zeros(n_k, np.int64)
    for t in range(n_t):  # sequential in time; the neuron loop is branch-free selects
        spikes[t] = spike
        vs[t] = v
        rcs[t] = rc
        for k in range(n_k):
            on = en[t, k] != 0
            used = xreg[k] if input_register else x[t, k]
            if input_register and on:
                xreg[k] = x[t, k]
            vk = v[k]
            if leak_mode == 1:
                lv = vk - (vk >> shift[k])
            elif leak_mode == 2:
                lv = max(vk - const[k], 0) if vk > 0 else min(vk + const[k], 0)
            else:
                lv = vk
            v1 = min(max(lv + used, v_min), v_max)
            active = rc[k] > 0
            fire = (not active) and v1 >= thr[k]
            v_fire = v1 - thr[k] if subtract else v_reset[k]
            v_new = vk if active else (v_fire if fire else v1)
            rc_new = rc[k] - 1 if active else (refr[k] if fire else 0)
            if on:
                v[k] = v_new
                rc[k] = rc_new
                spike[k] = fire

