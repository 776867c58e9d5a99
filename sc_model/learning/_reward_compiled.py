"""Compiled trial of :class:`~sc_model.learning.reward.RewardModulatedLearner`, integer mode.

:meth:`RewardModulatedLearner.run` in integer mode at batch 1 advances the
network and steps one :class:`sc_model.rstdp.RSTDP` unit per plastic
projection in every network step. Done per step in NumPy that is about 600
Python-level calls per step (validation, copies, the weight write-back); here
the whole ``(T, n_in)`` input runs in one call of
:func:`sc_model._kernels.rstdp_network_run` on flat copies of the registers,
which are written back afterwards. Same integers: the populations' LIF
registers, the units' traces, eligibility and prescalers, the spikes of every
step (``tests/learning/test_reward.py`` runs both paths and compares them).

Applies when every unit uses ``rounding="floor"`` and ``reward_delay=0`` (the
LFSR and the delay line are not modelled here) and each plastic projection
appears once; :func:`supported` says so, and the learner falls back to the
per-step path otherwise. Within a run no reward is applied, so the weights do
not change: propagation uses each projection's dense weights as they are.
"""

from __future__ import annotations

import numpy as np

from .. import _kernels
from ..lif import LEAK_MODES
from ..rstdp import RSTDP
from .network import INPUT, Network, Projection


def supported(units: list[RSTDP], plastic: list[Projection]) -> bool:
    """Whether :func:`run_trial` models these units exactly (module docstring)."""
    if not _kernels.enabled() or len({id(p) for p in plastic}) != len(plastic):
        return False
    return all(u.params.rounding == "floor" and u.rparams.reward_delay == 0 for u in units)


def rule_array(unit: RSTDP) -> np.ndarray:
    """The constants of :func:`sc_model._kernels.rstdp_cycle` (``int64`` ``(15,)``)."""
    q, r = unit.params, unit.rparams
    mult = q.decay_mult if q.decay == "mult" else 0
    return np.array(
        [
            q.a_plus,
            q.a_minus,
            q.update_shift,
            mult,
            q.decay_shift or 0,  # None in the mode that does not use it
            q.decay_mult_shift or 0,
            q.pairing == "all_to_all",
            q.pre_increment,
            q.post_increment,
            q.trace_max,
            (1 << q.decay_period_log2) - 1,
            (1 << r.elig_decay_period_log2) - 1,
            r.elig_decay_shift,
            r.elig_max,
            0,
        ],
        dtype=np.int64,
    )


def run_trial(
    net: Network, units: list[RSTDP], plastic: list[Projection], x: np.ndarray
) -> dict[str, np.ndarray]:
    """Advance ``net`` (batch 1) over ``x`` ``int64`` ``(T, n_in)``; spikes ``uint8`` ``(T, n)``.

    The units' weights must already hold the projections' weights (the caller
    writes them, with its range check). Updates the populations' registers and
    the units' traces, eligibility and prescalers in place.
    """
    names = list(net.populations)
    order = {name: k for k, name in enumerate(names)}
    sizes = [net.populations[k].n for k in names]
    offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    n_total = int(offsets[-1])
    pops = np.empty((len(names), 9), np.int64)
    neuron = np.empty((5, n_total), np.int64)
    state = np.empty((4, n_total), np.int64)
    for k, name in enumerate(names):
        pop = net.populations[name]
        lp, lif = pop.lif_params, pop._lif
        assert lp is not None
        sl = slice(int(offsets[k]), int(offsets[k + 1]))
        pops[k] = (
            offsets[k],
            pop.n,
            LEAK_MODES.index(lp.leak_mode),
            lp.reset_mode == "subtract",
            bool(lp.input_register),
            lp.v_min,
            lp.v_max,
            lp.in_min,
            lp.in_max,
        )
        for row, value in enumerate(
            (lp.threshold, lp.v_reset, lp.leak_shift, lp.leak_const, lp.refractory)
        ):
            value = np.asarray(0 if value is None else value)
            neuron[row, sl] = np.broadcast_to(value, (1, pop.n))[0]
        for row, reg in enumerate((lif.v, lif.spike, lif.refractory_count, lif.x_reg)):
            state[row, sl] = reg[0]
    unit_of = {id(p): k for k, p in enumerate(plastic)}
    e_offs = np.concatenate([[0], np.cumsum([u.eligibility.size for u in units])])
    projs = np.empty((len(net.projections), 6), np.int64)
    dense, w_off = [], 0
    for q, p in enumerate(net.projections):
        u = unit_of.get(id(p), -1)
        src = -1 if p.source == INPUT else order[p.source]
        projs[q] = (src, order[p.target], net.delayed(p), w_off, u, e_offs[u] if u >= 0 else 0)
        dense.append(p.to_dense().astype(np.int64).ravel())
        w_off += p.n_source * p.n_target
    weights = np.concatenate(dense)
    elig = np.concatenate([u.eligibility.ravel() for u in units])
    traces = np.concatenate([u.pre_trace for u in units] + [u.post_trace for u in units])
    n_pre = np.array([u.params.n_pre for u in units], np.int64)
    n_post = np.array([u.params.n_post for u in units], np.int64)
    pre_off = np.concatenate([[0], np.cumsum(n_pre)[:-1]])
    post_off = n_pre.sum() + np.concatenate([[0], np.cumsum(n_post)[:-1]])
    plastic_off = np.stack([pre_off, post_off], axis=1).astype(np.int64)
    presc = np.array([[u.prescaler, u.elig_prescaler] for u in units], np.int64)
    out = np.empty((x.shape[0], n_total), np.uint8)
    _kernels.rstdp_network_run(
        x, pops, neuron, state, projs, weights, plastic_off, elig, traces, presc,
        rule_array(units[0]), out,
    )  # fmt: skip
    for k, name in enumerate(names):
        lif = net.populations[name]._lif
        sl = slice(int(offsets[k]), int(offsets[k + 1]))
        lif.v = state[0, sl][None].copy()
        lif.spike = state[1, sl][None].astype(np.uint8)
        lif.refractory_count = state[2, sl][None].copy()
        lif.x_reg = state[3, sl][None].copy()
    e0 = 0
    for u, (a, b), m, n, ps in zip(units, plastic_off, n_post, n_pre, presc, strict=True):
        u.eligibility = elig[e0 : e0 + m * n].reshape(m, n).copy()
        e0 += m * n
        u.pre_trace = traces[a : a + n].copy()
        u.post_trace = traces[b : b + m].copy()
        u.prescaler, u.elig_prescaler = int(ps[0]), int(ps[1])
    return {name: out[:, offsets[k] : offsets[k + 1]] for k, name in enumerate(names)}


def reward_cycle(unit: RSTDP, value: int) -> None:
    """The enabled cycle of :meth:`RSTDP.step` with ``reward=value``, the strobe and no
    spikes (``reward_delay=0``): the reward update of the weights from the eligibility,
    then the eligibility and trace cycle. In place on ``unit``'s registers."""
    q, r = unit.params, unit.rparams
    unit.weights = np.ascontiguousarray(unit.weights, dtype=np.int64)
    _kernels.rstdp_reward(unit.weights, unit.eligibility, value, r.reward_shift, q.w_min, q.w_max)
    presc = np.array([unit.prescaler, unit.elig_prescaler], np.int64)
    pre, post = np.zeros(q.n_pre, np.uint8), np.zeros(q.n_post, np.uint8)
    _kernels.rstdp_cycle(
        unit.eligibility, unit.pre_trace, unit.post_trace, pre, post, presc, rule_array(unit)
    )
    unit.prescaler, unit.elig_prescaler = int(presc[0]), int(presc[1])
