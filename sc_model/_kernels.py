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

import functools
import importlib.util
import os
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np

# Numba is imported when a kernel first runs, not with the model: importing it costs
# about 2 s, which every simulator process of the co-simulation (it imports the model
# for its twins, and never runs a kernel) would pay again.
AVAILABLE = importlib.util.find_spec("numba") is not None
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


class _Kernel:
    """A kernel before its first call; the first call of any kernel compiles them all.

    Compiling replaces every ``_Kernel`` among this module's globals by its Numba
    dispatcher (``njit(cache=True, nogil=True)``), so kernels calling kernels see
    dispatchers and later calls (``_kernels.name(...)``) go straight to the
    compiled code. Without Numba the plain Python function stays.
    """

    def __init__(self, fn) -> None:  # type: ignore[no-untyped-def]
        self.py_func = fn
        functools.update_wrapper(self, fn)

    def __call__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        _compile_all()
        return globals()[self.py_func.__name__](*args, **kwargs)


def _compile_all() -> None:
    names = [k for k, v in globals().items() if isinstance(v, _Kernel)]
    if AVAILABLE:
        import numba

        jit = numba.njit(cache=True, nogil=True)
    else:  # pragma: no cover
        jit = lambda fn: fn  # noqa: E731
    for name in names:
        globals()[name] = jit(globals()[name].py_func)


def _jit(fn):  # type: ignore[no-untyped-def]
    return _Kernel(fn)


SHARED_BATCH = 8  # batch elements from which a cycle's synapse terms are computed once


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

    The random numbers are shared by the batch, so from :data:`SHARED_BATCH`
    batch elements on the terms ``c_jm = [r_j < pos_jm] - [r_j < neg_jm]`` of
    a cycle are computed once and summed over the active inputs of each
    element (bipolar: ``sum_j b_jm = 2 sum_{x_j = 1} c_jm + (N - n_on) -
    sum_j c_jm``, the same integer); below it, per element as above.
    """
    n_t, n_k, n = x.shape
    m_count = pos.shape[1]
    acc = np.empty(m_count, np.int64)
    if n_k >= SHARED_BATCH:
        terms = np.empty((n, m_count), np.int64)
        total = np.empty(m_count, np.int64)
        for t in range(n_t):
            total[:] = 0
            for j in range(n):
                rj = r[t, j]
                pj = pos[j]
                nj = neg[j]
                for m in range(m_count):
                    v = np.int64(rj < pj[m]) - np.int64(rj < nj[m])
                    terms[j, m] = v
                    total[m] += v
            for k in range(n_k):
                acc[:] = 0
                n_on = 0
                for j in range(n):
                    if x[t, k, j]:
                        n_on += 1
                        for m in range(m_count):
                            acc[m] += terms[j, m]
                if bipolar:
                    for m in range(m_count):
                        out[t, k, m] = 2 * (2 * acc[m] + (n - n_on) - total[m]) - n
                else:
                    for m in range(m_count):
                        out[t, k, m] = acc[m]
        return
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


# --------------------------------------------------------------------------
# Integer R-STDP on a network (sc_model.learning.reward, hardware semantics)
# --------------------------------------------------------------------------


@_jit
def rstdp_cycle(  # type: ignore[no-untyped-def]  # pragma: no cover
    e, xt, yt, pre, post, presc, rule
):
    """One enabled cycle of an :class:`sc_model.rstdp.RSTDP` unit without reward, floor rounding.

    ``e`` ``(M, N)``, ``xt`` ``(N,)``, ``yt`` ``(M,)``: eligibility and traces
    (``int64``, updated in place); ``pre`` ``(N,)``, ``post`` ``(M,)``: spike
    bits; ``presc`` ``int64`` ``(2,)``: the trace and eligibility prescalers
    (updated). ``rule`` ``int64`` ``(15,)``: ``a_plus, a_minus, update_shift,
    decay_mult (0: shift decay), decay_shift, decay_mult_shift, all_to_all,
    pre_increment, post_increment, trace_max, trace period mask, eligibility
    period mask, elig_decay_shift, elig_max, unused``.
    """
    a_plus, a_minus, us = rule[0], rule[1], rule[2]
    mult, dshift, mshift, all_to_all = rule[3], rule[4], rule[5], rule[6]
    pre_inc, post_inc, tmax = rule[7], rule[8], rule[9]
    mask, emask, ke, emax = rule[10], rule[11], rule[12], rule[13]
    tick = presc[0] == mask
    presc[0] = (presc[0] + 1) & mask
    etick = presc[1] == emask
    presc[1] = (presc[1] + 1) & emask
    n_post, n_pre = e.shape
    for m in range(n_post):
        dep = (a_minus * yt[m]) >> us
        pm = post[m] != 0
        for j in range(n_pre):
            old = e[m, j]
            if etick:
                if old >= 0:
                    old = old - (old >> ke)
                else:
                    old = old + ((-old) >> ke)
            if pm:
                old += (a_plus * xt[j]) >> us
            if pre[j] != 0:
                old -= dep
            e[m, j] = min(max(old, -emax), emax)
    for j in range(n_pre):
        xt[j] = _trace_next(xt[j], pre[j], tick, pre_inc, mult, dshift, mshift, all_to_all, tmax)
    for m in range(n_post):
        yt[m] = _trace_next(yt[m], post[m], tick, post_inc, mult, dshift, mshift, all_to_all, tmax)


@_jit
def _trace_next(x, spike, tick, inc, mult, dshift, mshift, all_to_all, tmax):  # type: ignore[no-untyped-def]  # pragma: no cover
    """:func:`sc_model.stdp.trace_next` of one trace register."""
    d = x
    if tick:
        d = (x * mult) >> mshift if mult else x - (x >> dshift)
    if spike == 0:
        return d
    return min(d + inc, tmax) if all_to_all else inc


@_jit
def rstdp_reward(w, e, reward, shift, w_min, w_max):  # type: ignore[no-untyped-def]  # pragma: no cover
    """``w := sat(w + ((reward * e) >> shift))`` in place (:func:`sc_model.rstdp.reward_update`)."""
    n_post, n_pre = w.shape
    for m in range(n_post):
        for j in range(n_pre):
            w[m, j] = min(max(w[m, j] + ((reward * e[m, j]) >> shift), w_min), w_max)


@_jit
def rstdp_network_run(  # type: ignore[no-untyped-def]  # pragma: no cover
    x, pops, neuron, state, projs, weights, plastic, elig, traces, presc, rule, out
):
    """``T`` steps of an integer network with R-STDP units on its plastic projections.

    ``x`` ``int64`` ``(T, n_in)``. ``pops`` ``int64`` ``(P, 9)``: per population in
    network order ``offset, n, leak_mode, subtract, input_register, v_min, v_max,
    in_min, in_max``. ``neuron`` ``int64`` ``(5, n_total)``:
    threshold, v_reset, leak_shift, leak_const, refractory. ``state`` ``int64``
    ``(4, n_total)``: v, spike, refractory count, x_reg (updated in place).
    ``projs`` ``int64`` ``(Q, 6)``: source population (-1: the input), target,
    delayed, offset into ``weights`` (dense ``(n_target, n_source)``, row major),
    plastic unit index (-1: none), offset into ``elig``. ``traces``: the pre
    traces then the post traces of every unit at the offsets ``plastic``
    ``(U, 2)``. ``out`` ``uint8`` ``(T, n_total)``: spikes after each step.
    Same integers as :meth:`Network.step` + :func:`rstdp_cycle` per unit.
    """
    n_t = x.shape[0]
    n_pop = pops.shape[0]
    n_total = state.shape[1]
    prev = np.zeros(n_total, np.uint8)
    cur = np.zeros(n_total, np.int64)
    for t in range(n_t):
        for i in range(n_total):
            prev[i] = state[1, i]
        for p in range(n_pop):
            off, n = pops[p, 0], pops[p, 1]
            for i in range(n):
                cur[off + i] = 0
            for q in range(projs.shape[0]):
                if projs[q, 1] != p:
                    continue
                src, w0 = projs[q, 0], projs[q, 3]
                n_src = x.shape[1] if src < 0 else pops[src, 1]
                s_off = 0 if src < 0 else pops[src, 0]
                for i in range(n):
                    acc = 0
                    row = w0 + i * n_src
                    for j in range(n_src):
                        s = x[t, j] if src < 0 else state[1, s_off + j]
                        if s != 0:
                            acc += weights[row + j] * s
                    cur[off + i] += acc
            leak_mode, subtract, inreg = pops[p, 2], pops[p, 3], pops[p, 4]
            v_min, v_max, in_min, in_max = pops[p, 5], pops[p, 6], pops[p, 7], pops[p, 8]
            for i in range(off, off + n):
                c = min(max(cur[i], in_min), in_max)
                used = state[3, i] if inreg else c
                if inreg:
                    state[3, i] = c
                vk = state[0, i]
                if state[2, i] > 0:
                    state[2, i] -= 1
                    state[1, i] = 0
                    continue
                if leak_mode == 1:
                    lv = vk - (vk >> neuron[2, i])
                elif leak_mode == 2:
                    lv = max(vk - neuron[3, i], 0) if vk > 0 else min(vk + neuron[3, i], 0)
                else:
                    lv = vk
                v1 = min(max(lv + used, v_min), v_max)
                if v1 >= neuron[0, i]:
                    state[1, i] = 1
                    state[0, i] = v1 - neuron[0, i] if subtract else neuron[1, i]
                    state[2, i] = neuron[4, i]
                else:
                    state[1, i] = 0
                    state[0, i] = v1
        for i in range(n_total):
            out[t, i] = state[1, i]
        for q in range(projs.shape[0]):
            u = projs[q, 4]
            if u < 0:
                continue
            src, tgt = projs[q, 0], projs[q, 1]
            n_post, t_off = pops[tgt, 1], pops[tgt, 0]
            if src < 0:
                pre = x[t].astype(np.uint8)
            else:
                s_off, n_src = pops[src, 0], pops[src, 1]
                pre = (prev if projs[q, 2] else out[t])[s_off : s_off + n_src].copy()
            n_pre = pre.shape[0]
            e = elig[projs[q, 5] : projs[q, 5] + n_post * n_pre].reshape((n_post, n_pre))
            xt = traces[plastic[u, 0] : plastic[u, 0] + n_pre]
            yt = traces[plastic[u, 1] : plastic[u, 1] + n_post]
            rstdp_cycle(e, xt, yt, pre, out[t, t_off : t_off + n_post], presc[u], rule)
