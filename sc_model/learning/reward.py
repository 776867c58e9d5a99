"""Reward-modulated STDP (R-STDP) on a :class:`Network`, driven by its actual spikes.

A three-factor rule (Izhikevich 2007; Florian 2007; Fremaux & Gerstner 2016):
STDP pairings of the network's *spikes* (not a voltage threshold) accumulate
in a decaying eligibility trace per synapse; a reward turns eligibility into
a weight change. :class:`RewardModulatedLearner` advances the network one step
at a time (:meth:`~RewardModulatedLearner.advance`, :meth:`~RewardModulatedLearner.run`)
and applies a reward with :meth:`~RewardModulatedLearner.step`;
:meth:`~RewardModulatedLearner.pair` applies the rule to spikes given from
outside (e.g. a hardware core's own neurons) instead of the network's.

Float mode (``Network(mode="float")``); time in units of ``dt`` (one network step)
    Per plastic projection ``source -> target`` (``pre[t]``: the source spikes
    the projection delivers in step ``t``, i.e. the input, ``s_src[t]`` or
    ``s_src[t-1]`` for a recurrent/feedback projection; ``post[t] = s_tgt[t]``),
    traces ``x`` ``(batch, n_source)`` and ``y`` ``(batch, n_target)``, eligibility
    ``e`` ``(batch, n_target, n_source)``, all 0 at the start::

        e[t] = exp(-dt/tau_e) e[t-1] + a_plus post_j[t] x_i[t-1] - a_minus y_j[t-1] pre_i[t]
        x[t] = exp(-dt/tau_plus) x[t-1] + pre[t]
        y[t] = exp(-dt/tau_minus) y[t-1] + post[t]

    (traces *before* the step's spikes pair with them: spikes of the same
    step are not paired, as in the hardware unit). ``step(R)`` with reward
    ``R`` (scalar or one per batch sample) and baseline ``Rbar``::

        W_ji += lr * sum_b (R_b - Rbar) e_bji     (at existing synapses; clipped to
                                                   [w_min, w_max] if given)
        Rbar += (1 - exp(-1/tau_reward)) (mean_b R_b - Rbar)   (after the update; Rbar = 0 first)

    ``tau_reward`` counts :meth:`step` calls (rewards), not network steps.
    Eligibility is not consumed by a reward.
Integer mode (``Network(mode="int")``): the hardware R-STDP unit, bit for bit
    Each plastic projection gets one :class:`sc_model.rstdp.RSTDP` cycle model
    (``n_pre = n_source <= 64``, ``n_post = n_target <= 32``, the parameters
    ``rstdp_params`` of :func:`sc_model.rstdp.check_rstdp_params`, its reset
    weights the projection's dense weights, 0 at absent synapses). One network
    step is one enabled cycle with ``pre``/``post`` the spike bits (a projection
    from ``"input"`` needs 0/1 inputs). :meth:`step` is one more enabled cycle
    with no spikes and the reward strobed: the applied integer reward is
    ``R - round(Rbar)`` (``baseline=True``; ``R`` an integer) or ``R``
    (``baseline=False``), clamped to the reward range; ``Rbar`` as above.
    Before each cycle the projection's ``data`` is written into the unit's weight
    registers at the synapses (as a controller's weight writes would), after it the
    unit's weights are read back into ``data``; absent synapses are never used.
    Batch must be 1. The whole sequence of cycles therefore equals
    :func:`sc_model.rstdp.rstdp_run` on the recorded spike bits and rewards.
    :meth:`~RewardModulatedLearner.run` and :meth:`~RewardModulatedLearner.step`
    compute the same integers in one compiled call
    (:mod:`sc_model.learning._reward_compiled`) when Numba is available and
    every unit uses ``rounding="floor"`` and ``reward_delay=0``; otherwise,
    and in :meth:`~RewardModulatedLearner.advance`, cycle by cycle as above.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable, Sequence

import numpy as np

from .. import rstdp
from . import _reward_compiled
from .network import INPUT, Network, Projection, check_positive

#: Float mode: pending network steps after which the eligibility is brought up to date.
MAX_PENDING = 128


class RewardModulatedLearner:
    """R-STDP on the plastic projections of ``network`` (module docstring).

    Parameters
    ----------
    network : Network (float or integer mode).
    tau_reward : float > 0, time constant of the reward baseline, in rewards.
    lr : float > 0 (float mode), learning rate.
    projections : the plastic projections (Projection objects or indices into
        ``network.projections``); default all.
    tau_plus, tau_minus, tau_e : float > 0, trace and eligibility time constants
        (float mode), in the unit of ``dt``.
    a_plus, a_minus : float >= 0, pairing amplitudes (float mode).
    dt : float > 0, network step (float mode).
    w_min, w_max : optional weight bounds (float mode).
    baseline : subtract the baseline ``Rbar`` (default True).
    rstdp_params : integer mode: keyword arguments of
        :func:`sc_model.rstdp.check_rstdp_params` other than ``n_pre``, ``n_post``
        and ``weights`` (e.g. ``weight_width``, ``w_min``, ``a_plus``, ``reward_shift``).
    """

    def __init__(
        self,
        network: Network,
        tau_reward: float,
        lr: float = 0.01,
        *,
        projections: Iterable[Projection | int] | None = None,
        tau_plus: float = 20.0,
        tau_minus: float = 20.0,
        tau_e: float = 50.0,
        a_plus: float = 1.0,
        a_minus: float = 1.0,
        dt: float = 1.0,
        w_min: float | None = None,
        w_max: float | None = None,
        baseline: bool = True,
        rstdp_params: dict[str, object] | None = None,
    ) -> None:
        if not isinstance(network, Network):
            raise TypeError(f"network must be a Network, not {type(network).__name__}")
        if not network.populations or not network.projections:
            raise ValueError("network must have at least one population and one projection")
        self.network = network
        self.tau_reward = float(check_positive("tau_reward", tau_reward))
        self.lr = float(check_positive("lr", lr))
        self.rate = 1.0 - float(np.exp(-1.0 / self.tau_reward))
        dt = float(check_positive("dt", dt))
        self.decay_plus = float(np.exp(-dt / float(check_positive("tau_plus", tau_plus))))
        self.decay_minus = float(np.exp(-dt / float(check_positive("tau_minus", tau_minus))))
        self.decay_e = float(np.exp(-dt / float(check_positive("tau_e", tau_e))))
        for name, a in (("a_plus", a_plus), ("a_minus", a_minus)):
            if isinstance(a, bool) or not isinstance(a, numbers.Real) or not a >= 0:
                raise ValueError(f"{name} must be a number >= 0, not {a!r}")
        self.a_plus, self.a_minus = float(a_plus), float(a_minus)
        if w_min is not None and w_max is not None and not w_min <= w_max:
            raise ValueError(f"w_min ({w_min!r}) must be <= w_max ({w_max!r})")
        self.w_min, self.w_max = w_min, w_max
        self.baseline = bool(baseline)
        self.plastic = self._select(projections)
        self.r_bar = 0.0
        self.rewards: list[float] = []  # learning curve: every reward given to step()
        self.applied: list[float] = []  # the modulating value used (R - Rbar, or R)
        self.integer = network.integer
        if self.integer:
            params = dict(rstdp_params or {})
            for key in ("n_pre", "n_post", "weights"):
                if key in params:
                    raise ValueError(
                        f"rstdp_params must not set {key!r} (taken from the projection)"
                    )
            self.units = [
                rstdp.RSTDP(
                    n_pre=p.n_source, n_post=p.n_target, weights=p.to_dense().tolist(), **params
                )
                for p in self.plastic
            ]
            self.rparams = self.units[0].rparams if self.units else None
        elif rstdp_params:
            raise ValueError("rstdp_params apply to an integer-mode network only")
        self.reset_traces()

    # -- set-up -------------------------------------------------------------------

    def _select(self, projections: Iterable[Projection | int] | None) -> list[Projection]:
        all_p = self.network.projections
        if projections is None:
            return list(all_p)
        out = []
        for p in projections:
            if isinstance(p, Projection):
                if not any(p is q for q in all_p):
                    raise ValueError("projections must belong to the network")
                out.append(p)
            else:
                if (
                    isinstance(p, bool)
                    or not isinstance(p, numbers.Integral)
                    or not (0 <= int(p) < len(all_p))
                ):
                    raise ValueError(
                        f"projections entries must be Projections or indices in "
                        f"[0, {len(all_p) - 1}], not {p!r}"
                    )
                out.append(all_p[int(p)])
        if not out:
            raise ValueError("projections must name at least one projection")
        return out

    def reset_traces(self) -> None:
        """Clear traces and eligibility (float mode: zeros; integer mode: the unit's reset).

        In integer mode the unit's reset also reloads its reset weights; they are
        then overwritten with the projection's current weights.
        """
        if self.integer:
            for u, p in zip(self.units, self.plastic, strict=True):
                u.reset()
                self._write(u, p)
            return
        self.x: list[np.ndarray | None] = [None] * len(self.plastic)
        self.y: list[np.ndarray | None] = [None] * len(self.plastic)
        self._e: list[np.ndarray | None] = [None] * len(self.plastic)
        # pairings not yet added to _e: per step (post, x before, y before, pre)
        self._pending: list[list[tuple[np.ndarray, ...]]] = [[] for _ in self.plastic]

    @property
    def e(self) -> list[np.ndarray | None]:
        """Eligibility ``(batch, n_target, n_source)`` per plastic projection.

        Float mode: ``float64`` (``None`` before the first step). Integer mode
        (batch 1): the ``rstdp`` unit's eligibility registers, ``int64`` two's
        complement values in ``[-2**(elig_width-1), 2**(elig_width-1) - 1]``
        (a copy, as the unit holds them after the last step).
        """
        if self.integer:
            return [u.eligibility[None].copy() for u in self.units]
        for k in range(len(self.plastic)):
            self._flush(k)
        return self._e

    def _flush(self, k: int) -> None:
        """Add the pending steps' pairings to ``_e[k]`` in one batched product.

        Over ``n`` pending steps ``t = 0 .. n-1`` the recurrence of the module
        docstring sums to ``e := de^n e + sum_t de^(n-1-t) (a_plus post[t] x[t-1]^T
        - a_minus y[t-1] pre[t]^T)`` (per sample).
        """
        pending = self._pending[k]
        if not pending:
            return
        n = len(pending)
        c = (self.decay_e ** np.arange(n - 1, -1, -1.0))[:, None, None]
        post, x, y, pre = (np.stack(a) for a in zip(*pending, strict=True))  # (n, batch, .)
        e = self._e[k]
        e *= self.decay_e**n
        if self.a_plus:
            e += np.matmul((self.a_plus * c * post).transpose(1, 2, 0), x.transpose(1, 0, 2))
        if self.a_minus:
            e -= np.matmul((self.a_minus * c * y).transpose(1, 2, 0), pre.transpose(1, 0, 2))
        pending.clear()

    def _write(self, unit: rstdp.RSTDP, p: Projection) -> None:
        q = unit.params
        d = p.data
        if d.size and (d.min() < q.w_min or d.max() > q.w_max):
            raise ValueError(
                f"projection {p.source!r} -> {p.target!r} has weights outside "
                f"[w_min, w_max] = [{q.w_min}, {q.w_max}] of the R-STDP unit"
            )
        unit.weights[p.rows, p.indices] = d

    # -- running ----------------------------------------------------------------

    def advance(self, x: object) -> dict[str, np.ndarray]:
        """One network step with input ``x``, pairing its spikes; returns spikes per population."""
        net = self.network
        prev = {k: pop.spikes for k, pop in net.populations.items()}
        now = net.step(x)
        xin = np.broadcast_to(np.asarray(x), next(iter(now.values())).shape[:1] + (net.n_in,))
        for k, p in enumerate(self.plastic):
            if p.source == INPUT:
                pre = xin
            else:
                pre = prev[p.source] if net.delayed(p) else now[p.source]
            post = now[p.target]
            if self.integer:
                self._cycle(k, pre, post, 0, 0)
            else:
                self._pair(k, np.asarray(pre, np.float64), np.asarray(post, np.float64))
        return now

    def pair(self, pre: Sequence[object], post: Sequence[object]) -> None:
        """One step of the rule on *given* spikes, without stepping the network.

        ``pre[k]`` and ``post[k]`` are the source and target spikes of plastic
        projection ``k`` (the order of :attr:`plastic`) in this step, shaped
        ``(n_source,)``/``(n_target,)`` or ``(batch, n_source)``/``(batch, n_target)``
        (integer mode: batch 1, 0/1 bits). Exactly what :meth:`advance` does with
        the spikes the network produced (traces before the step pair with its
        spikes; integer mode: one enabled cycle of each unit with no strobe), but
        with spikes from elsewhere: a hardware core's own neurons, or a recorded
        run (teacher forcing). The network's state is not touched; :meth:`step`
        applies rewards as after :meth:`advance`.
        """
        n = len(self.plastic)
        if not isinstance(pre, Sequence) or not isinstance(post, Sequence):
            raise TypeError("pre and post must be sequences, one array per plastic projection")
        if len(pre) != n or len(post) != n:
            raise ValueError(
                f"pre and post must hold one array per plastic projection ({n}), "
                f"not {len(pre)} and {len(post)}"
            )
        arrays = []
        for k, p in enumerate(self.plastic):
            a, b = np.asarray(pre[k]), np.asarray(post[k])
            a2, b2 = np.atleast_2d(a), np.atleast_2d(b)
            if (
                a.ndim not in (1, 2)
                or a.ndim != b.ndim
                or a2.shape[1:] != (p.n_source,)
                or b2.shape != (a2.shape[0], p.n_target)
            ):
                raise ValueError(
                    f"pre[{k}] and post[{k}] must have shapes ([batch,] {p.n_source}) and "
                    f"([batch,] {p.n_target}) with the same batch, not {a.shape} and {b.shape}"
                )
            if not (np.isfinite(a2).all() and np.isfinite(b2).all()):
                raise ValueError(f"pre[{k}] and post[{k}] must be finite")
            arrays.append((a2, b2))
        for k, (a2, b2) in enumerate(arrays):
            if self.integer:
                self._cycle(k, a2, b2, 0, 0)
            else:
                self._pair(k, np.asarray(a2, np.float64), np.asarray(b2, np.float64))

    def _pair(self, k: int, pre: np.ndarray, post: np.ndarray) -> None:
        if self._e[k] is None or self._e[k].shape[0] != pre.shape[0]:
            self._pending[k].clear()
            self.x[k] = np.zeros(pre.shape)
            self.y[k] = np.zeros(post.shape)
            self._e[k] = np.zeros(post.shape + pre.shape[-1:])
        x, y = self.x[k], self.y[k]
        # traces before this step's spikes; copies: the caller may reuse its input buffer
        self._pending[k].append((post.copy(), x, y, pre.copy()))
        self.x[k] = self.decay_plus * x + pre
        self.y[k] = self.decay_minus * y + post
        if len(self._pending[k]) >= MAX_PENDING:
            self._flush(k)

    def _cycle(self, k: int, pre: object, post: object, reward: int, strobe: int) -> None:
        unit, p = self.units[k], self.plastic[k]
        pre_b, post_b = np.asarray(pre), np.asarray(post)
        if pre_b.ndim == 2:
            if pre_b.shape[0] != 1:
                raise ValueError(f"integer mode needs batch 1, not {pre_b.shape[0]}")
            pre_b, post_b = pre_b[0], post_b[0]
        self._write(unit, p)
        unit.step(pre_b, post_b, en=1, reward=reward, reward_strobe=strobe)
        p.data[...] = unit.weights[p.rows, p.indices]

    def run(self, inputs: object, reset: bool = True) -> dict[str, np.ndarray]:
        """:meth:`advance` over ``inputs`` ``(T, [batch,] n_in)``; spikes ``(T, [batch,] n)``.

        ``reset``: start the neurons from their reset state (traces and eligibility carry on).
        """
        x = np.asarray(inputs)
        if x.ndim not in (2, 3) or x.shape[-1] != self.network.n_in or x.shape[0] < 1:
            raise ValueError(
                f"inputs must have shape (T, {self.network.n_in}) or (T, batch, "
                f"{self.network.n_in}), not {x.shape}"
            )
        if reset:
            self.network.reset_all(1 if x.ndim == 2 else x.shape[1])
        if self._compiled(x):  # the same integers in one compiled call (_reward_compiled)
            for u, p in zip(self.units, self.plastic, strict=True):
                self._write(u, p)
            spikes = _reward_compiled.run_trial(
                self.network, self.units, self.plastic, x.reshape(x.shape[0], -1)
            )
            return {k: s[:, None] if x.ndim == 3 else s for k, s in spikes.items()}
        out: dict[str, list[np.ndarray]] = {k: [] for k in self.network.populations}
        for t in range(x.shape[0]):
            for k, s in self.advance(x[t]).items():
                out[k].append(s)
        return {k: np.stack(v) if x.ndim == 3 else np.stack(v)[:, 0] for k, v in out.items()}

    def _compiled(self, x: np.ndarray) -> bool:
        """Integer mode, batch 1, 0/1 inputs where a unit sees them, units the kernel models."""
        net = self.network
        if not self.integer or not self.units or (x.ndim == 3 and x.shape[1] != 1):
            return False
        if any(p.batch != 1 for p in net.populations.values()):
            return False
        if not (np.issubdtype(x.dtype, np.integer) or x.dtype == np.bool_):
            return False
        if any(p.source == INPUT for p in self.plastic) and x.size and (x.min() < 0 or x.max() > 1):
            return False  # the per-step path raises the unit's error
        return _reward_compiled.supported(self.units, self.plastic)

    # -- reward -------------------------------------------------------------------

    def step(self, reward: object) -> list[np.ndarray]:
        """Apply ``reward`` (module docstring); returns each plastic ``data``'s weight change."""
        r = np.asarray(reward, dtype=np.float64 if not self.integer else None)
        if r.ndim > 1 or not np.isfinite(np.asarray(r, np.float64)).all():
            raise ValueError(f"reward must be a finite scalar or a (batch,) array, not {reward!r}")
        mean_r = float(np.mean(r))
        before = [p.data.copy() for p in self.plastic]
        if self.integer:
            if not np.issubdtype(r.dtype, np.integer) or r.ndim != 0:
                raise TypeError(f"reward must be one integer in integer mode, not {reward!r}")
            lo, hi = self.rparams.reward_range
            value = int(r) - (round(self.r_bar) if self.baseline else 0)
            value = min(max(value, lo), hi)
            self.applied.append(float(value))
            compiled = _reward_compiled.supported(self.units, self.plastic)
            for k, p in enumerate(self.plastic):
                if compiled:  # the same cycle without the per-call validation and copies
                    self._write(self.units[k], p)
                    _reward_compiled.reward_cycle(self.units[k], value)
                    p.data[...] = self.units[k].weights[p.rows, p.indices]
                    continue
                self._cycle(
                    k, np.zeros(p.n_source, np.uint8), np.zeros(p.n_target, np.uint8), value, 1
                )
        else:
            adv = r - (self.r_bar if self.baseline else 0.0)
            self.applied.append(float(np.mean(adv)))
            for k, p in enumerate(self.plastic):
                if self.e[k] is None:
                    continue
                if adv.ndim and adv.shape != (self.e[k].shape[0],):
                    raise ValueError(
                        f"reward must be a scalar or have shape (batch,) = "
                        f"({self.e[k].shape[0]},), not {adv.shape}"
                    )
                a = np.broadcast_to(adv, (self.e[k].shape[0],))
                dw = self.lr * np.einsum("b,bji->ji", a, self.e[k])
                p.data += p.dense_to_data(dw)
                if self.w_min is not None or self.w_max is not None:
                    np.clip(p.data, self.w_min, self.w_max, out=p.data)
        self.rewards.append(mean_r)
        self.r_bar += self.rate * (mean_r - self.r_bar)
        return [p.data - b for p, b in zip(self.plastic, before, strict=True)]
