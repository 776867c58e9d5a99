"""Reward-modulated STDP (R-STDP) for N pre x M post synapses (block ``rstdp``).

The STDP pairings of :mod:`sc_model.stdp` do not change the weights here:
they accumulate in a signed, decaying *eligibility trace* per synapse. A
reward (a signed value with a strobe) turns eligibility into weight change:
``w += (reward x eligibility) >> reward_shift``. This is the three-factor rule
of Izhikevich (2007) and Florian (2007) in integer hardware.

Contract (shared with :class:`sc_hw.rstdp.RSTDP`)
--------------------------------------------------
Shared front end
    Every parameter of :func:`sc_model.stdp.check_stdp_params` with the same
    meaning and range: sizes, weights ``[w_min, w_max]`` and their reset
    values, the pre/post traces (increments, pairing, decay, prescaler), the
    amplitudes ``a_plus``/``a_minus``, ``update_shift``, ``rounding`` and the
    LFSR. The pairing terms ``P[m][j]`` (post spike, pre trace) and
    ``Q[m][j]`` (pre spike, post trace) of an enabled cycle are exactly those
    of the STDP contract, rounding included.
Eligibility ``e[m][j]``
    Signed register of ``elig_width = eb`` (2 .. 24, default 12) bits, reset
    0, kept in the symmetric range ``[-E_MAX, E_MAX]``, ``E_MAX =
    2**(eb - 1) - 1`` (``esat`` clamps, never wraps). Decay ``E`` toward zero:
    ``E(e) = e - trunc(e / 2**ke)`` = ``sign(e) (|e| - (|e| >> ke))``,
    ``ke = elig_decay_shift`` (1 .. eb - 1, default ``min(4, eb - 1)``),
    applied on eligibility ticks: an ``elig_decay_period_log2`` (0 .. 16)
    bit prescaler of its own, same rule as the trace prescaler. So the trace
    time constant is ``tau_e = -2**Pe / ln(1 - 2**-ke)`` enabled cycles
    (about ``2**(ke + Pe)``); ``|e|`` stops decaying below ``2**ke``.
    Enabled cycle: ``e := esat(E(e) + P - Q)`` (``E`` only on a tick).
Reward
    Ports ``reward`` (``reward_width = rb`` bits, 2 .. 16, two's complement,
    default 8) and ``reward_strobe`` (1). A strobe in an enabled cycle
    enters a delay line of ``reward_delay = D`` (0 .. 64, default 0) stages
    that shifts on enabled edges only; strobes in disabled cycles are
    ignored. The (strobe, reward) pair entered in enabled cycle ``t`` is
    *applied* in the ``D``-th enabled cycle after it (cycle ``t`` itself for
    ``D = 0``): in that cycle, with ``e`` the eligibility register value of
    the cycle,
    ``w[m][j] := sat(w[m][j] + ((reward * e[m][j]) >> reward_shift))`` for
    every synapse, ``reward_shift`` 0 .. 40 (default 6), ``>>`` the
    arithmetic shift (floor: a negative product rounds toward minus
    infinity). The product is exact (``rb + eb`` bits); the sum is clamped
    once. Eligibility is not consumed by a reward.
Weights, write port, enable, reset
    As in :mod:`sc_model.stdp`: a write overrides the reward update of its
    synapse in its cycle and acts whatever ``en`` is; ``en`` low freezes
    traces, eligibility, prescalers, LFSR and delay line; ``rst`` clears
    traces, eligibility, prescalers and the delay line, reloads the LFSR seed
    and the reset weights.
Ports and timing
    Inputs ``pre``, ``post``, ``en``, ``w_en``, ``w_addr``, ``w_data``,
    ``reward``, ``reward_strobe``. Outputs, all registers: ``weights``,
    ``pre_trace``, ``post_trace`` (as in :mod:`sc_model.stdp`) and
    ``eligibility`` (``M N eb`` bits, synapse ``k = m N + j`` two's
    complement at ``[k eb, (k + 1) eb)``). A reward strobed in enabled cycle
    ``t`` shows in ``weights`` from the cycle after its ``D``-th following
    enabled cycle (cycle ``t + D + 1`` with ``en`` held high), computed from
    the eligibility shown in cycle ``t + D``.
Cost
    One ``rb x eb`` signed multiplier per synapse (``M N`` of them: 8 x 12
    bits at the defaults; a 64 x 32 array would need 2048, beyond a small
    FPGA's DSPs, where a time-multiplexed reward sweep would be the
    alternative).

Array conventions of :func:`rstdp_run`: time is axis 0; ``pre``
``(n_cycles, *batch, N)``, ``post`` ``(n_cycles, *batch, M)``, ``reward`` and
``reward_strobe`` ``(n_cycles, *batch)``; ``en`` ``(n_cycles,)`` shared.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from . import stdp
from ._validate import check_bits, check_int, check_int_array, settle, take_config

MIN_ELIG_WIDTH = 2
MAX_ELIG_WIDTH = 24
MIN_REWARD_WIDTH = 2
MAX_REWARD_WIDTH = 16
MAX_REWARD_SHIFT = 40
MAX_REWARD_DELAY = 64


@dataclass(frozen=True, kw_only=True)
class RSTDPConfig(stdp.STDPConfig):
    """Every parameter of the ``rstdp`` block (module docstring), validated at construction.

    The STDP front end's fields (:class:`sc_model.stdp.STDPConfig`, validated
    first) plus the reward path. Built once and taken by :class:`RSTDP`,
    :func:`rstdp_run` and :class:`sc_hw.rstdp.RSTDP`.
    """

    elig_width: int = 12
    elig_decay_shift: int | None = None
    elig_decay_period_log2: int = 0
    reward_width: int = 8
    reward_shift: int = 6
    reward_delay: int = 0

    def __post_init__(self) -> None:
        super().__post_init__()
        eb = check_int("elig_width", self.elig_width, MIN_ELIG_WIDTH, MAX_ELIG_WIDTH)
        ke = min(4, eb - 1) if self.elig_decay_shift is None else self.elig_decay_shift
        period = self.elig_decay_period_log2
        rb, rs, d = self.reward_width, self.reward_shift, self.reward_delay
        settle(
            self,
            elig_width=eb,
            elig_decay_shift=check_int("elig_decay_shift", ke, 1, eb - 1),
            elig_decay_period_log2=check_int(
                "elig_decay_period_log2", period, 0, stdp.MAX_PERIOD_LOG2
            ),
            reward_width=check_int("reward_width", rb, MIN_REWARD_WIDTH, MAX_REWARD_WIDTH),
            reward_shift=check_int("reward_shift", rs, 0, MAX_REWARD_SHIFT),
            reward_delay=check_int("reward_delay", d, 0, MAX_REWARD_DELAY),
        )

    @property
    def stdp(self) -> stdp.STDPConfig:
        """The STDP front end: this object (an ``RSTDPConfig`` is an ``STDPConfig``)."""
        return self

    @property
    def elig_max(self) -> int:
        return (1 << (self.elig_width - 1)) - 1

    @property
    def reward_range(self) -> tuple[int, int]:
        return -(1 << (self.reward_width - 1)), (1 << (self.reward_width - 1)) - 1


def check_rstdp_params(**params: object) -> RSTDPConfig:
    """``RSTDPConfig(**params)`` (the older call shape)."""
    return RSTDPConfig(**params)  # type: ignore[arg-type]


# --------------------------------------------------------------------------
# Combinational pieces
# --------------------------------------------------------------------------


def decay_eligibility(e: object, p: RSTDPConfig) -> np.ndarray:
    """``E(e) = sign(e) (|e| - (|e| >> ke))``: decay toward zero, symmetric in sign."""
    e = np.asarray(e, dtype=np.int64)
    return e - np.sign(e) * (np.abs(e) >> p.elig_decay_shift)


def eligibility_next(
    e: object, pot: object, dep: object, tick: object, p: RSTDPConfig
) -> np.ndarray:
    """``esat(E(e) + P - Q)`` (``E`` only where ``tick``) after an enabled cycle."""
    e = np.asarray(e, dtype=np.int64)
    d = np.where(np.asarray(tick) != 0, decay_eligibility(e, p), e)
    return np.clip(d + pot - dep, -p.elig_max, p.elig_max).astype(np.int64)


def reward_update(
    w: object, e: object, reward: object, strobe: object, p: RSTDPConfig
) -> np.ndarray:
    """``sat(w + ((reward * e) >> reward_shift))`` where ``strobe``; ``w`` elsewhere.

    ``reward`` and ``strobe`` broadcast against the batch axes of ``w``/``e``
    ``(*batch, M, N)``.
    """
    w = np.asarray(w, dtype=np.int64)
    r = np.asarray(reward, dtype=np.int64)[..., None, None]
    dw = (r * np.asarray(e, dtype=np.int64)) >> p.reward_shift
    new = stdp.saturate(w + dw, p.stdp)
    return np.where(np.asarray(strobe)[..., None, None] != 0, new, w).astype(np.int64)


def delayed_rewards(
    reward: np.ndarray, strobe: np.ndarray, en: np.ndarray, delay: int
) -> tuple[np.ndarray, np.ndarray]:
    """The (reward, strobe) applied in each cycle: the input of ``delay`` enabled cycles before.

    Zero in disabled cycles and before ``delay`` enabled cycles have passed.
    """
    en_idx = np.flatnonzero(en)
    out_r, out_s = np.zeros_like(reward), np.zeros_like(strobe)
    if en_idx.size > delay:
        src, dst = en_idx[: en_idx.size - delay], en_idx[delay:]
        out_r[dst], out_s[dst] = reward[src], strobe[src]
    return out_r, out_s


# --------------------------------------------------------------------------
# Vectorised run from reset
# --------------------------------------------------------------------------


class RSTDPState(NamedTuple):
    """Register values: ``weights`` and ``eligibility`` ``(..., M, N)``,
    ``pre_trace`` ``(..., N)``, ``post_trace`` ``(..., M)``, all ``int64``."""

    weights: np.ndarray
    pre_trace: np.ndarray
    post_trace: np.ndarray
    eligibility: np.ndarray


def _check_reward(
    p: RSTDPConfig, reward: object, strobe: object, shape: tuple[int, ...]
) -> tuple[np.ndarray, np.ndarray]:
    lo, hi = p.reward_range
    r = check_int_array("reward", reward, lo, hi)
    s = check_bits("reward_strobe", strobe)
    if r.shape != shape or s.shape != shape:
        raise ValueError(
            f"reward and reward_strobe must have shape (n_cycles, *batch) = {shape}, "
            f"not {r.shape} and {s.shape}"
        )
    return r, s


def rstdp_run(
    p: RSTDPConfig,
    pre: object,
    post: object,
    reward: object,
    reward_strobe: object,
    en: object = None,
) -> RSTDPState:
    """Register values during every cycle of a run from reset (no weight writes).

    Entry ``t`` of each output is what the block shows during cycle ``t``.
    Loop over time only; ticks, LFSR states and the reward delay are
    computed up front.
    """
    q = p.stdp
    pre_b, post_b, en_b = stdp._check_run(q, pre, post, en)
    n_cycles, batch = pre_b.shape[0], pre_b.shape[1:-1]
    rew, stb = _check_reward(p, reward, reward_strobe, pre_b.shape[:-1])
    rew, stb = delayed_rewards(rew, stb, en_b, p.reward_delay)
    ticks = stdp.decay_ticks(en_b, q.decay_period_log2)
    e_ticks = stdp.decay_ticks(en_b, p.elig_decay_period_log2)
    states = (
        stdp.lfsr_states_run(en_b, q.width, q.seed, q.taps, q.form)
        if q.rounding == "stochastic"
        else np.ones(n_cycles, np.uint64)
    )
    w = np.broadcast_to(q.weight_array, batch + (q.n_post, q.n_pre)).copy()
    e = np.zeros_like(w)
    x = np.zeros(batch + (q.n_pre,), np.int64)
    y = np.zeros(batch + (q.n_post,), np.int64)
    out = RSTDPState(
        np.empty((n_cycles,) + w.shape, np.int64),
        np.empty((n_cycles,) + x.shape, np.int64),
        np.empty((n_cycles,) + y.shape, np.int64),
        np.empty((n_cycles,) + e.shape, np.int64),
    )
    for t in range(n_cycles):
        out.weights[t], out.pre_trace[t], out.post_trace[t], out.eligibility[t] = w, x, y, e
        if not en_b[t]:
            continue
        w = reward_update(w, e, rew[t], stb[t], p)
        rnd = stdp.synapse_randoms(states[t], q)
        pot, dep = stdp.pair_updates(x, y, pre_b[t], post_b[t], rnd, q)
        e = eligibility_next(e, pot, dep, e_ticks[t], p)
        x = stdp.trace_next(x, pre_b[t], ticks[t], q.pre_increment, q)
        y = stdp.trace_next(y, post_b[t], ticks[t], q.post_increment, q)
    return out


# --------------------------------------------------------------------------
# Cycle model
# --------------------------------------------------------------------------


class RSTDP(stdp.STDP):
    """Cycle model of the block (twin of :class:`sc_hw.rstdp.RSTDP`).

    Takes an :class:`RSTDPConfig` (or its fields as keywords). ``step`` returns the
    register values *during* the current cycle, then applies the clock edge.
    """

    def __init__(self, config: RSTDPConfig | None = None, **params: object) -> None:
        self.rparams = take_config(RSTDPConfig, config, params)
        super().__init__(self.rparams)

    def reset(self) -> None:
        """Synchronous reset (see the contract)."""
        super().reset()
        p = self.params
        self.eligibility = np.zeros((p.n_post, p.n_pre), np.int64)
        self.elig_prescaler = 0
        self.delay_line: deque[tuple[int, int]] = deque(
            [(0, 0)] * self.rparams.reward_delay, maxlen=max(1, self.rparams.reward_delay)
        )

    def step(  # type: ignore[override]
        self,
        pre: object,
        post: object,
        en: int = 1,
        w_en: int = 0,
        w_addr: int = 0,
        w_data: int = 0,
        reward: int = 0,
        reward_strobe: int = 0,
    ) -> RSTDPState:
        """Advance one cycle (ports as in :meth:`sc_model.stdp.STDP.step` plus the reward).

        Returns the registers seen before the edge (copies).
        """
        p, r = self.params, self.rparams
        pre_b, post_b, en, w_en, w_addr, value = self._check_step(
            pre, post, en, w_en, w_addr, w_data
        )
        lo, hi = r.reward_range
        reward = check_int("reward", reward, lo, hi)
        reward_strobe = check_int("reward_strobe", reward_strobe, 0, 1)
        out = RSTDPState(
            self.weights.copy(),
            self.pre_trace.copy(),
            self.post_trace.copy(),
            self.eligibility.copy(),
        )
        e_mask = (1 << r.elig_decay_period_log2) - 1
        e_tick = int(en and self.elig_prescaler == e_mask)
        tick, rnd = self._tick_and_randoms(en)
        if en:
            self.elig_prescaler = (self.elig_prescaler + 1) & e_mask
            if r.reward_delay:
                strobe_d, reward_d = self.delay_line[-1]
                self.delay_line.appendleft((reward_strobe, reward))
            else:
                strobe_d, reward_d = reward_strobe, reward
            if strobe_d:
                self.weights = reward_update(self.weights, self.eligibility, reward_d, 1, r)
            pot, dep = stdp.pair_updates(self.pre_trace, self.post_trace, pre_b, post_b, rnd, p)
            self.eligibility = eligibility_next(self.eligibility, pot, dep, e_tick, r)
            self.pre_trace = stdp.trace_next(self.pre_trace, pre_b, tick, p.pre_increment, p)
            self.post_trace = stdp.trace_next(self.post_trace, post_b, tick, p.post_increment, p)
        self._write(w_en, w_addr, value)
        return out
