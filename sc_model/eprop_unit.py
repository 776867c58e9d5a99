"""e-prop eligibility-trace unit for N pre x M post synapses (block ``eprop_unit``).

Implements the local part of e-prop (Bellec et al. 2020, "A solution to the
learning dilemma for recurrent networks of spiking neurons", Nat. Commun.
11:3625) for LIF neurons: a low-pass filtered pre-synaptic spike trace
``z_bar_j`` per input, the eligibility trace ``e_mj = psi_m z_bar_j`` with
the post-synaptic pseudo-derivative ``psi_m`` supplied per neuron and cycle,
its filtered version ``e_bar_mj`` (time constant of the readout, ``kappa``),
and the accumulation of ``dW_mj = -eta sum_t L_m^t e_bar_mj^t`` from a
learning signal ``L_m`` broadcast to the neuron.

Contract (shared with :class:`sc_hw.eprop_unit.EpropUnit`)
----------------------------------------------------------
Sizes
    ``n_pre = N`` (1 .. 32), ``n_post = M`` (1 .. 16); synapse ``(m, j)`` has
    index ``k = m N + j``.
Pre-synaptic trace ``z_bar_j``
    Unsigned **Q(k_a + 1).f** in ``zb = f + k_a + 1`` bits, ``f =
    trace_frac_bits`` (0 .. 12), ``k_a = alpha_shift`` (1 .. 12): a spike
    adds ``2**f`` (1.0). Each cycle ``z_bar' = D_ka(z_bar) + z_j 2**f`` with
    ``D_k(v) = v - ceil(v / 2**k) = floor(v (1 - 2**-k))`` (**floor**, the
    trace reaches exactly 0), i.e. ``alpha = 1 - 2**-k_a``. It never exceeds
    ``2**(f + k_a)`` (the fixed point of a spike every cycle), so no
    saturation. Reset 0.
Pseudo-derivative ``psi_m``
    Input, unsigned **Q0.p**, ``p = psi_width`` (1 .. 8) bits: ``psi / 2**p``.
Eligibility ``e_mj = psi_m z_bar_j``
    The exact product (``p + zb`` bits, Q(k_a + 1).(f + p)) of the ``psi``
    input of the cycle and the ``z_bar`` *register*, held in a pipeline
    register (``e_q``, reset 0) for one cycle before ``e_bar`` adds it.
Filtered eligibility ``e_bar_mj``
    Unsigned, ``eb = p + f + k_a + k_e`` bits (at most 40), same scale as
    ``e``; ``k_e = kappa_shift`` (0 .. 12), ``kappa = 1 - 2**-k_e``
    (``k_e = 0``: ``kappa = 0``, ``e_bar`` is the registered ``e_q``).
    Each cycle ``e_bar' = D_ke(e_bar) + e_q`` (**floor**), ``e_q`` the ``e``
    of the previous cycle; bounded by
    ``(2**p - 1) 2**(f + k_a + k_e) < 2**eb``. Reset 0.
Learning signal and weight change
    ``learning`` input: M signed two's-complement fields of ``lw =
    learning_width`` (2 .. 12) bits; ``l_valid`` (1 bit) strobes it. In a
    cycle ``c`` with ``l_valid`` high, from the *register* ``e_bar`` of that
    cycle: ``Delta_mj = floor(L_m e_bar_mj / 2**s)`` (arithmetic shift,
    **floor** toward minus infinity; ``s = eta_shift``, 0 .. 48), held in a
    pipeline register; at the *next* edge (end of cycle ``c + 1``)
    ``dW_mj' = sat(dW_mj - Delta_mj)`` with ``sat`` the clamp into the
    ``dw_width = dww`` (2 .. 24) bit two's-complement range (computed
    exactly, clamped once, never wrapped). ``dw_clear`` (1 bit) in cycle
    ``c`` sets every ``dW`` to 0 at the end of cycle ``c + 1``, with priority
    over a strobe of the same cycle ``c`` (both go through the same one-stage
    pipeline, so their order is kept). Reset 0 (pipeline empty).
Ports and timing
    Inputs ``pre`` (N bits), ``psi`` (``M p`` bits, neuron ``m`` in bits
    ``[m p, (m + 1) p)``), ``learning`` (``M lw`` bits), ``l_valid``,
    ``dw_clear``. Outputs, all registers (no combinational path):
    ``z_bar`` (``N zb`` bits), ``e_bar`` (``M N eb`` bits, synapse ``k`` in
    bits ``[k eb, (k + 1) eb)``), ``dw`` (``M N dww`` bits, two's
    complement). During cycle ``t``, ``z_bar`` reflects the inputs of cycles
    ``0 .. t - 1``, ``e_bar`` those of cycles ``0 .. t - 2`` (latency **two**:
    ``psi z_bar`` is registered before the add); ``dw`` reflects the strobes and clears
    of cycles ``0 .. t - 2`` (latency **two** cycles from strobe to ``dw``,
    ``DW_LATENCY``: the product ``L e_bar`` is registered before the
    saturating subtract).
    A strobe may come in every cycle.
Relation to the e-prop formulas (real values, time step = one cycle)
    With spikes ``z^t`` presented in cycle ``t`` and ``psi^t`` in cycle ``t``:
    ``z_bar`` shown in cycle ``t + 1`` is ``z_bar^t = sum_{s <= t}
    alpha^(t - s) z^s``; the cycle-``t`` eligibility uses the register
    ``z_bar^(t - 1)``, exactly e-prop's ``e^t = psi^t z_bar^(t - 1)``;
    ``e_bar`` shown in cycle ``t + 2`` is ``e_bar^t = kappa e_bar^(t - 1) +
    e^t``. Presenting ``L^t`` in cycle ``t + 2`` (when the register holds
    ``e_bar^t``) accumulates ``dW = -eta sum_t L^t e_bar^t`` with ``eta =
    2**-s`` (in units of ``L`` times ``e_bar``'s LSB), visible in ``dw`` from
    cycle ``t + 4`` on.
Rounding error (derived in :func:`trace_bounds`)
    ``z_bar`` is exact (equal to the geometric sum ``2**f sum alpha^n``) as
    long as every spike it holds is at most ``floor(f / k_a)`` cycles old
    (``(2**k_a - 1)**n 2**(f - n k_a)`` is then an integer); otherwise it is
    low by ``[0, 2**k_a)`` LSB. ``e_bar`` is low by
    ``[0, 2**k_e (psi_max 2**k_a + 1))`` LSB against the real formula
    with real ``z_bar``; each strobe's ``Delta`` is the real product floored.
Hardware cost per synapse
    Two runtime multipliers: ``psi_m z_bar_j`` (``p x zb`` bits: ``p``
    partial products, small for the usual 2 .. 4 bit ``psi``) and
    ``L_m e_bar_mj`` (``lw x eb``); the decays are add/shift/subtract. Per
    input the ``z_bar`` decay; no divider.

Array conventions: time is axis 0; ``pre`` ``(n_cycles, *batch, N)``,
``psi`` and ``learning`` ``(n_cycles, *batch, M)`` (ints, ``learning``
signed values), ``l_valid`` and ``dw_clear`` ``(n_cycles,)`` or
broadcasting to ``(n_cycles, *batch)``; ``e_bar`` and ``dw`` come out
``(n_cycles, *batch, M, N)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from ._validate import check_bits, check_int, check_int_array, settle, take_config

MAX_PRE = 32
MAX_POST = 16
MAX_TRACE_FRAC_BITS = 12
MAX_ALPHA_SHIFT = 12
MAX_KAPPA_SHIFT = 12
MAX_PSI_WIDTH = 8
MAX_E_BAR_WIDTH = 40
MIN_LEARNING_WIDTH = 2
MAX_LEARNING_WIDTH = 12
MAX_ETA_SHIFT = 48
MIN_DW_WIDTH = 2
MAX_DW_WIDTH = 24
DW_LATENCY = 2  # cycles from a strobe (or clear) to its effect on the dw output


@dataclass(frozen=True, kw_only=True)
class EpropConfig:
    """Every parameter of the ``eprop_unit`` block (module docstring), validated.

    Built once and taken by :class:`EpropUnit`, :func:`eprop_run` and
    :class:`sc_hw.eprop_unit.EpropUnit`.
    """

    n_pre: int
    n_post: int
    trace_frac_bits: int = 4
    alpha_shift: int = 3
    psi_width: int = 4
    kappa_shift: int = 2
    learning_width: int = 8
    eta_shift: int = 8
    dw_width: int = 16

    def __post_init__(self) -> None:
        n = check_int("n_pre", self.n_pre, 1, MAX_PRE)
        m = check_int("n_post", self.n_post, 1, MAX_POST)
        f = check_int("trace_frac_bits", self.trace_frac_bits, 0, MAX_TRACE_FRAC_BITS)
        ka = check_int("alpha_shift", self.alpha_shift, 1, MAX_ALPHA_SHIFT)
        pw = check_int("psi_width", self.psi_width, 1, MAX_PSI_WIDTH)
        ke = check_int("kappa_shift", self.kappa_shift, 0, MAX_KAPPA_SHIFT)
        eb = pw + f + ka + ke
        if eb > MAX_E_BAR_WIDTH:
            raise ValueError(
                f"psi_width + trace_frac_bits + alpha_shift + kappa_shift (the e_bar width) must "
                f"be in [2, {MAX_E_BAR_WIDTH}], not {pw} + {f} + {ka} + {ke} = {eb}"
            )
        lw = check_int(
            "learning_width", self.learning_width, MIN_LEARNING_WIDTH, MAX_LEARNING_WIDTH
        )
        settle(
            self,
            n_pre=n,
            n_post=m,
            trace_frac_bits=f,
            alpha_shift=ka,
            psi_width=pw,
            kappa_shift=ke,
            learning_width=lw,
            eta_shift=check_int("eta_shift", self.eta_shift, 0, MAX_ETA_SHIFT),
            dw_width=check_int("dw_width", self.dw_width, MIN_DW_WIDTH, MAX_DW_WIDTH),
        )

    @property
    def z_width(self) -> int:
        """Bits of a ``z_bar`` field: ``f + k_a + 1``."""
        return self.trace_frac_bits + self.alpha_shift + 1

    @property
    def e_width(self) -> int:
        """Bits of an ``e_bar`` field: ``p + f + k_a + k_e`` (at least 1)."""
        return max(1, self.psi_width + self.trace_frac_bits + self.alpha_shift + self.kappa_shift)

    @property
    def dw_min(self) -> int:
        return -(1 << (self.dw_width - 1))

    @property
    def dw_max(self) -> int:
        return (1 << (self.dw_width - 1)) - 1


def check_eprop_params(n_pre: int, n_post: int, **params: int) -> EpropConfig:
    """``EpropConfig(n_pre=n_pre, n_post=n_post, **params)`` (the older call shape)."""
    return EpropConfig(n_pre=n_pre, n_post=n_post, **params)


# --------------------------------------------------------------------------
# Combinational pieces (vectorised over any shape)
# --------------------------------------------------------------------------


def decay(v: object, k: int) -> np.ndarray:
    """``D_k(v) = v - ceil(v / 2**k) = floor(v (1 - 2**-k))`` for ``v >= 0`` (``int64``)."""
    v = np.asarray(v, dtype=np.int64)
    return v - ((v + (1 << k) - 1) >> k)


def eligibility(psi: object, z_bar: object) -> np.ndarray:
    """``e_mj = psi_m z_bar_j``: ``(..., M)`` x ``(..., N)`` -> ``(..., M, N)`` (``int64``)."""
    psi = np.asarray(psi, dtype=np.int64)
    z_bar = np.asarray(z_bar, dtype=np.int64)
    return psi[..., :, None] * z_bar[..., None, :]


def weight_delta(learning: object, e_bar: object, p: EpropConfig) -> np.ndarray:
    """``Delta = floor(L e_bar / 2**s)``: ``(..., M)``, ``(..., M, N)`` -> ``(..., M, N)``."""
    lm = np.asarray(learning, dtype=np.int64)[..., :, None]
    return (lm * np.asarray(e_bar, dtype=np.int64)) >> p.eta_shift


def weight_step(
    dw: object, delta: object, valid: object, clear: object, p: EpropConfig
) -> np.ndarray:
    """``dW'`` at one edge: clear, or on a (pipelined) strobe ``sat(dW - Delta)``."""
    dw = np.asarray(dw, dtype=np.int64)
    moved = np.clip(dw - np.asarray(delta, dtype=np.int64), p.dw_min, p.dw_max)
    valid = np.asarray(valid)[..., None, None] != 0
    clear = np.asarray(clear)[..., None, None] != 0
    return np.where(clear, 0, np.where(valid, moved, dw))


E_LATENCY = 2  # cycles from the inputs psi, pre of a cycle to their effect on e_bar


class _Pending(NamedTuple):
    """The ``dW`` pipeline register: ``delta`` ``(..., M, N)``, ``valid``/``clear`` ``(...)``."""

    delta: np.ndarray
    valid: np.ndarray
    clear: np.ndarray


def _no_pending(batch: tuple[int, ...], p: EpropConfig) -> tuple[_Pending, ...]:
    """The empty ``dW`` pipeline: ``DW_LATENCY - 1`` stages, oldest first."""
    empty = _Pending(
        np.zeros(batch + (p.n_post, p.n_pre), np.int64),
        np.zeros(batch, bool),
        np.zeros(batch, bool),
    )
    return (empty,) * (DW_LATENCY - 1)


class EpropOutputs(NamedTuple):
    """Registers: ``z_bar`` ``(..., N)``, ``e_bar`` and ``dw`` ``(..., M, N)``, ``int64``."""

    z_bar: np.ndarray
    e_bar: np.ndarray
    dw: np.ndarray


def _edge(
    state: EpropOutputs,
    e_q: np.ndarray,
    pending: tuple[_Pending, ...],
    pre: np.ndarray,
    psi: np.ndarray,
    learning: np.ndarray,
    valid: object,
    clear: object,
    p: EpropConfig,
) -> tuple[EpropOutputs, np.ndarray, tuple[_Pending, ...]]:
    z_bar, e_bar, dw = state
    e = eligibility(psi, z_bar)  # into the e_q register
    oldest = pending[0]
    new = EpropOutputs(
        decay(z_bar, p.alpha_shift) + (pre.astype(np.int64) << p.trace_frac_bits),
        decay(e_bar, p.kappa_shift) + e_q,
        weight_step(dw, oldest.delta, oldest.valid, oldest.clear, p),
    )
    shape = np.shape(oldest.valid)
    nxt = _Pending(
        weight_delta(learning, e_bar, p),
        np.broadcast_to(np.asarray(valid) != 0, shape).copy(),
        np.broadcast_to(np.asarray(clear) != 0, shape).copy(),
    )
    return new, e, pending[1:] + (nxt,)


def _check_inputs(
    p: EpropConfig, pre: object, psi: object, learning: object
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    pre_b = check_bits("pre", pre)
    if pre_b.ndim < 1 or pre_b.shape[-1] != p.n_pre:
        raise ValueError(f"pre must have last axis n_pre={p.n_pre}, not shape {pre_b.shape}")
    psi_a = check_int_array("psi", psi, 0, (1 << p.psi_width) - 1)
    half = 1 << (p.learning_width - 1)
    l_a = check_int_array("learning", learning, -half, half - 1)
    for name, arr in (("psi", psi_a), ("learning", l_a)):
        if arr.shape != pre_b.shape[:-1] + (p.n_post,):
            raise ValueError(
                f"{name} must have shape {pre_b.shape[:-1] + (p.n_post,)} (pre's leading axes, "
                f"n_post), not {arr.shape}"
            )
    return pre_b, psi_a, l_a


def eprop_run(
    p: EpropConfig,
    pre: object,
    psi: object,
    learning: object,
    l_valid: object = 0,
    dw_clear: object = 0,
) -> EpropOutputs:
    """Every register during every cycle of a run from reset.

    ``pre`` bits ``(n_cycles, *batch, N)``; ``psi`` ``(n_cycles, *batch, M)``
    in ``[0, 2**p - 1]``; ``learning`` ``(n_cycles, *batch, M)`` signed in
    ``[-2**(lw - 1), 2**(lw - 1) - 1]``; ``l_valid``, ``dw_clear`` bits
    broadcasting to ``(n_cycles, *batch)`` (a ``(n_cycles,)`` array applies
    to every batch element). Entry ``t`` of each output is what the block
    shows during cycle ``t``. The loop runs over time only.
    """
    pre_b, psi_a, l_a = _check_inputs(p, pre, psi, learning)
    lead = pre_b.shape[:-1]
    n = lead[0]
    valid, clear = (
        check_bits(name, v) for name, v in (("l_valid", l_valid), ("dw_clear", dw_clear))
    )
    if valid.ndim == 1 and valid.shape == (n,):
        valid = valid.reshape((n,) + (1,) * (len(lead) - 1))
    if clear.ndim == 1 and clear.shape == (n,):
        clear = clear.reshape((n,) + (1,) * (len(lead) - 1))
    valid = np.broadcast_to(valid, lead)
    clear = np.broadcast_to(clear, lead)
    batch = lead[1:]
    state = EpropOutputs(
        np.zeros(batch + (p.n_pre,), np.int64),
        np.zeros(batch + (p.n_post, p.n_pre), np.int64),
        np.zeros(batch + (p.n_post, p.n_pre), np.int64),
    )
    pending = _no_pending(batch, p)
    e_q = np.zeros(batch + (p.n_post, p.n_pre), np.int64)
    out = EpropOutputs(*(np.empty((n,) + a.shape, np.int64) for a in state))
    for t in range(n):
        out.z_bar[t], out.e_bar[t], out.dw[t] = state
        state, e_q, pending = _edge(
            state, e_q, pending, pre_b[t], psi_a[t], l_a[t], valid[t], clear[t], p
        )
    return out


class EpropUnit:
    """Cycle model (twin of :class:`sc_hw.eprop_unit.EpropUnit`), batch shape ``batch``.

    ``step`` returns the registers during the current cycle, then applies the
    rising edge. ``e_q`` is the registered eligibility ``psi z_bar``;
    ``pending`` is the ``dW`` pipeline (per stage a strobe's
    ``Delta``, its ``l_valid`` and ``dw_clear``; oldest first), applied to
    ``dW`` ``DW_LATENCY - 1`` edges after the strobe's own.
    """

    def __init__(
        self,
        config: EpropConfig | int | None = None,
        n_post: int | None = None,
        batch: tuple[int, ...] = (),
        **params: int,
    ) -> None:
        if n_post is not None:  # the older call shape EpropUnit(n_pre, n_post, ...)
            params["n_post"] = n_post
        self.config = self.params = take_config(EpropConfig, config, params, "n_pre")
        self.batch = tuple(batch)
        self.reset()

    def reset(self) -> None:
        """Synchronous reset: every trace and every ``dW`` 0, the ``dW`` pipeline empty."""
        p, b = self.params, self.batch
        self.pending = _no_pending(b, p)
        self.e_q = np.zeros(b + (p.n_post, p.n_pre), np.int64)
        self.state = EpropOutputs(
            np.zeros(b + (p.n_pre,), np.int64),
            np.zeros(b + (p.n_post, p.n_pre), np.int64),
            np.zeros(b + (p.n_post, p.n_pre), np.int64),
        )

    def step(
        self, pre: object, psi: object, learning: object, l_valid: object = 0, dw_clear: object = 0
    ) -> EpropOutputs:
        """One cycle; inputs broadcast to the batch shape (``pre`` ``(..., N)``,
        ``psi``/``learning`` ``(..., M)``)."""
        p, b = self.params, self.batch
        pre_b = np.broadcast_to(check_bits("pre", pre), b + (p.n_pre,))
        psi_a = np.broadcast_to(
            check_int_array("psi", psi, 0, (1 << p.psi_width) - 1), b + (p.n_post,)
        )
        half = 1 << (p.learning_width - 1)
        l_a = np.broadcast_to(
            check_int_array("learning", learning, -half, half - 1), b + (p.n_post,)
        )
        valid = np.broadcast_to(check_bits("l_valid", l_valid), b)
        clear = np.broadcast_to(check_bits("dw_clear", dw_clear), b)
        out = self.state
        self.state, self.e_q, self.pending = _edge(
            out, self.e_q, self.pending, pre_b, psi_a, l_a, valid, clear, p
        )
        return out


def trace_bounds(p: EpropConfig, psi_max: int) -> tuple[float, float]:
    """``(z_bar, e_bar)`` bounds (LSB): real formula minus register lies in ``[0, b)``.

    ``z_bar``: each ``D`` adds a floor error in ``[0, 1)`` to an error that
    the next decays shrink by ``alpha``, so the error stays below
    ``1 / (1 - alpha) = 2**k_a``. Then ``e = psi z_bar`` is low by less than
    ``psi_max 2**k_a``; each ``e_bar`` step adds that and its own floor error
    (``[0, 1)``) to an error shrunk by ``kappa``: below
    ``2**k_e (psi_max 2**k_a + 1)`` (``k_e = 0``: no floor, one cycle's ``e``).
    ``psi_max`` is the largest ``psi`` input of the run.
    """
    z = float(1 << p.alpha_shift)
    e = float(1 << p.kappa_shift) * (psi_max * (1 << p.alpha_shift) + 1)
    return z, e
