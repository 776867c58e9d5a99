"""Short-term plasticity (Tsodyks-Markram) unit in fixed point (block ``stp_unit``).

Every pre-synaptic channel ``j`` carries the two variables of the
Tsodyks-Markram model (Tsodyks & Markram 1997, PNAS 94:719; with
facilitation: Tsodyks, Pawelzik & Markram 1998, Neural Comput. 10:821):
the fraction of available resources ``x`` (recovers toward 1 with ``tau_d``)
and the utilisation ``u`` (decays toward its resting value with ``tau_f``).
A spike facilitates ``u`` and releases the fraction ``u x`` of the
resources; the release is the channel's *efficacy*, the factor that scales
the synaptic weight of that spike.

Contract (shared with :class:`sc_hw.stp_unit.STPUnit`)
------------------------------------------------------
Sizes and formats
    ``n_channels = N`` (1 .. 64) channels; ``frac_bits = F`` (2 .. 16).
    ``x``, ``u`` and the release are unsigned **Q1.F** numbers in
    ``F + 1``-bit registers/ports: integer ``v`` means ``v / 2**F``, ``ONE =
    2**F`` is 1.0. ``x`` and ``u`` always lie in ``[0, ONE]``, the release in
    ``[0, x]`` (no saturation is ever needed; proofs in the formulas below).
Parameters (all Q1.F integers unless said otherwise)
    ``u_base = U`` in ``[0, ONE]`` (default ``round(0.2 ONE)``), the
    utilisation increment; ``u_rest`` in ``[0, ONE]`` (default ``U``), the
    value ``u`` relaxes to and its reset value (``u_rest = U`` is the
    depressing synapse of Tsodyks-Markram 1997 with ``U`` used from the
    first spike on when ``u_rest = 0``, the 1998 facilitating form);
    ``tau_d_shift = k_d`` and ``tau_f_shift = k_f`` in ``1 .. 16``: per-cycle
    factors ``a_d = 1 - 2**-k_d`` and ``a_f = 1 - 2**-k_f``, i.e. time
    constants ``tau = -1 / ln(1 - 2**-k)`` cycles (``~ 2**k - 1/2``).
One cycle (all arithmetic exact on integers, then the stated rounding)
    With the registers ``x``, ``u`` and the spike bit ``s_j`` of the cycle:

    * ``u_p = u + floor(U (ONE - u) / ONE)`` if ``s_j`` else ``u``
      (facilitation ``u+ = u + U (1 - u)``, **floor**; ``u_p <= ONE``
      because ``U (ONE - u) / ONE <= ONE - u``);
    * ``release = floor(u_p x / ONE)`` if ``s_j`` else 0 (**floor**;
      ``release <= x``);
    * ``x_s = x - release``;
    * decay, applied in every cycle (spike or not) to the *deficit* of ``x``
      and the *excess* of ``u``: ``D_k(d) = d - ceil(d / 2**k) =
      floor(d (1 - 2**-k))`` (**floor**, so a deficit reaches exactly 0)::

          x' = ONE - D_kd(ONE - x_s)
          u' = u_rest + D_kf(u_p - u_rest)

      (``u_p >= u >= u_rest`` always, since ``u`` starts at ``u_rest``, a
      spike never lowers it and the decay stops at ``u_rest``).
Reset
    ``x = ONE``, ``u = u_rest``, ``release = 0`` for every channel (synchronous reset).
Ports and timing
    Input ``spikes`` (N bits, channel ``j`` is bit ``j``). Outputs, all
    registers (no combinational path from ``spikes``): ``release`` (``N (F +
    1)`` bits, channel ``j`` in bits ``[j (F + 1), (j + 1) (F + 1))``) shows
    during cycle ``t + 1`` the efficacy of the spike of cycle ``t`` (0 if
    channel ``j`` had no spike in cycle ``t``; 0 in cycle 0): a latency of
    **one cycle** from spike to efficacy, so scale a spike's weight with the
    spike delayed by one register. ``x`` and ``u`` (same packing) are the
    state registers, showing during cycle ``t`` the result of the spikes of
    cycles ``0 .. t - 1``. The recurrence itself keeps a one-cycle update:
    a spike may arrive in every cycle on every channel (no minimum
    inter-spike interval).
Pipelining (hardware only; the arithmetic above is unchanged)
    Besides ``x`` and ``u`` the hardware keeps per channel the deficit
    ``ONE - x``, the facilitated ``u_f`` of a spike in the *next* cycle
    (``u + floor(U (ONE - u) / ONE) = U + floor((ONE - U) u / ONE)``,
    computed from ``u'`` before the edge), and the deficit and the excesses
    ``u - u_rest``, ``u_f - u_rest`` plus ``2**k - 1`` (so each decay's ceil
    is a shift). The runtime multiplier therefore reads its operands straight
    from registers, and the product by the constant ``ONE - U`` sits in the
    loop of ``u`` only: the loop of ``x`` is multiplier -> spike mux -> add
    -> subtract, that of ``u`` spike mux -> subtract -> constant product ->
    constant add. Both loops stay one cycle long, so no minimum inter-spike
    interval.
Hardware cost per channel
    ``(ONE - U) u'`` is a product by a constant (Yosys keeps the partial
    products of its set bits only: LUT adders on iCE40; the ECP5 flow places
    it in a ``MULT18X18D``); ``u_p x`` is the one runtime multiplier (``(F +
    1) x (F + 1)`` bits, a DSP block where available); the decays are an add,
    a shift and a subtract each. No divider. Registers: ``5 (F + 1)`` bits
    (``release``, ``x``, ``u``, ``u_f``, ``ONE - x``) plus three rounding
    sums.

Closed form (regular train, real arithmetic)
    Spikes every ``Delta`` cycles; ``A_d = a_d**Delta``, ``A_f = a_f**Delta``.
    The decays are exact exponentials (``D`` without rounding multiplies by
    ``a`` per cycle, ``a**t = exp(-t / tau)``), so the real-valued recursion
    between spike ``n`` (values just before it: ``x_n``, ``u_n``) and
    ``n + 1`` is that of Tsodyks-Markram::

        u+_n = u_n + U (1 - u_n),  r_n = u+_n x_n
        u_{n+1} = u_rest + (u+_n - u_rest) A_f
        x_{n+1} = 1 - (1 - x_n + r_n) A_d

    with the steady state (fixed point)
    ``u+* = (U + (1 - U) u_rest (1 - A_f)) / (1 - (1 - U) A_f)``,
    ``x* = (1 - A_d) / (1 - (1 - u+*) A_d)``, ``r* = u+* x*``
    (for ``u_rest = 0`` the formulas of Tsodyks et al. 1998; for ``A_f = 0``
    or ``U = u+*`` the depression-only ``R* = (1 - e^{-Delta/tau}) / (1 -
    (1 - U) e^{-Delta/tau})`` of Tsodyks & Markram 1997).
Fixed-point error (LSB = ``2**-F``; derived in :func:`error_bounds`)
    Per interval, from the same fixed-point state: ``u`` is low by
    ``[0, L_u)``, ``L_u = A_f + (1 - A_f) 2**k_f``; ``x`` is high by
    ``[0, L_x)``, ``L_x = 2 A_d + (1 - A_d) 2**k_d``; the release is low by
    ``[0, 2)``. Over a whole train from reset these add up through the
    contracting recursion to at most ``E_u = L_u / (1 - (1 - U) A_f)`` on
    ``u``, ``E_x = (L_x + A_d (1 + (1 - U) E_u)) / (1 - (1 - U + 2**-F)
    A_d)`` on ``x`` and ``max(E_x, 2 + (1 - U) E_u)`` on the release.

Array conventions: time is axis 0; ``spikes`` ``(n_cycles, *batch, N)``;
outputs have the same shape. Batch elements are independent runs from reset.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from ._validate import check_bits, check_int, settle, take_config

MAX_CHANNELS = 64
MIN_FRAC_BITS = 2
MAX_FRAC_BITS = 16
MAX_TAU_SHIFT = 16


@dataclass(frozen=True, kw_only=True)
class STPConfig:
    """Every parameter of the ``stp_unit`` block (module docstring), validated at construction.

    Built once and taken by :class:`STPUnit`, :func:`stp_run` and
    :class:`sc_hw.stp_unit.STPUnit`. The defaults left at None are filled in
    (``u_base = round(0.2 ONE)``, ``u_rest = u_base``).
    """

    n_channels: int
    frac_bits: int = 12
    u_base: int | None = None
    u_rest: int | None = None
    tau_d_shift: int = 5
    tau_f_shift: int = 3

    def __post_init__(self) -> None:
        n = check_int("n_channels", self.n_channels, 1, MAX_CHANNELS)
        f = check_int("frac_bits", self.frac_bits, MIN_FRAC_BITS, MAX_FRAC_BITS)
        one = 1 << f
        u_b = round(0.2 * one) if self.u_base is None else check_int("u_base", self.u_base, 0, one)
        settle(
            self,
            n_channels=n,
            frac_bits=f,
            u_base=u_b,
            u_rest=u_b if self.u_rest is None else check_int("u_rest", self.u_rest, 0, one),
            tau_d_shift=check_int("tau_d_shift", self.tau_d_shift, 1, MAX_TAU_SHIFT),
            tau_f_shift=check_int("tau_f_shift", self.tau_f_shift, 1, MAX_TAU_SHIFT),
        )

    @property
    def one(self) -> int:
        """``ONE = 2**F`` (1.0 in Q1.F)."""
        return 1 << self.frac_bits

    @property
    def value_width(self) -> int:
        """Bits of ``x``, ``u`` and ``release``: ``F + 1``."""
        return self.frac_bits + 1


def check_stp_params(n_channels: int, **params: int | None) -> STPConfig:
    """``STPConfig(n_channels=n_channels, **params)`` (the older call shape)."""
    return STPConfig(n_channels=n_channels, **params)


# --------------------------------------------------------------------------
# Combinational pieces (vectorised over any shape)
# --------------------------------------------------------------------------


def decay_deficit(d: object, k: int) -> np.ndarray:
    """``D_k(d) = d - ceil(d / 2**k) = floor(d (1 - 2**-k))`` for ``d >= 0`` (``int64``)."""
    d = np.asarray(d, dtype=np.int64)
    return d - ((d + (1 << k) - 1) >> k)


def spike_cycle(
    x: object, u: object, spikes: object, p: STPConfig
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(release, x', u')`` of one cycle from registers ``x``, ``u`` and spike bits."""
    x = np.asarray(x, dtype=np.int64)
    u = np.asarray(u, dtype=np.int64)
    s = np.asarray(spikes) != 0
    u_p = np.where(s, u + ((p.u_base * (p.one - u)) >> p.frac_bits), u)
    release = np.where(s, (u_p * x) >> p.frac_bits, 0)
    x_s = x - release
    x_new = p.one - decay_deficit(p.one - x_s, p.tau_d_shift)
    u_new = p.u_rest + decay_deficit(u_p - p.u_rest, p.tau_f_shift)
    return release.astype(np.int64), x_new, u_new


class STPOutputs(NamedTuple):
    """``release`` (of the previous cycle's spikes), ``x`` and ``u``: registers, ``int64`` Q1.F."""

    release: np.ndarray
    x: np.ndarray
    u: np.ndarray


def stp_run(p: STPConfig, spikes: object) -> STPOutputs:
    """Every output during every cycle of a run from reset.

    ``spikes``: bits of shape ``(n_cycles, *batch, N)``. Returns
    :class:`STPOutputs` of that shape: entry ``t`` is what the block outputs
    during cycle ``t`` (``release`` of the spikes of cycle ``t - 1``, 0 in
    cycle 0; ``x``, ``u`` before its edge). The loop runs over time only.
    """
    s = check_bits("spikes", spikes)
    if s.ndim < 2 or s.shape[-1] != p.n_channels:
        raise ValueError(
            f"spikes must have shape (n_cycles, *batch, n_channels={p.n_channels}), not {s.shape}"
        )
    shape = s.shape[1:]
    x = np.full(shape, p.one, np.int64)
    u = np.full(shape, p.u_rest, np.int64)
    release = np.zeros(shape, np.int64)
    out = STPOutputs(*(np.empty(s.shape, np.int64) for _ in range(3)))
    for t in range(s.shape[0]):
        out.release[t], out.x[t], out.u[t] = release, x, u
        release, x, u = spike_cycle(x, u, s[t], p)
    return out


class STPUnit:
    """Cycle model of the block (twin of :class:`sc_hw.stp_unit.STPUnit`).

    State ``x``, ``u`` and the ``release`` register of shape ``(*batch, N)``;
    ``step`` returns the outputs during the current cycle, then applies the
    rising edge.
    """

    def __init__(
        self, config: STPConfig | int | None = None, batch: tuple[int, ...] = (), **params: int
    ) -> None:
        self.config = self.params = take_config(STPConfig, config, params, "n_channels")
        self.shape = tuple(batch) + (self.params.n_channels,)
        self.reset()

    def reset(self) -> None:
        """Synchronous reset: ``x = ONE``, ``u = u_rest``, ``release = 0``."""
        self.release = np.zeros(self.shape, np.int64)
        self.x = np.full(self.shape, self.params.one, np.int64)
        self.u = np.full(self.shape, self.params.u_rest, np.int64)

    def step(self, spikes: object) -> STPOutputs:
        """One cycle with spike bits broadcasting to ``(*batch, N)``."""
        s = np.broadcast_to(check_bits("spikes", spikes), self.shape)
        out = STPOutputs(self.release, self.x, self.u)
        self.release, self.x, self.u = spike_cycle(self.x, self.u, s, self.params)
        return out


# --------------------------------------------------------------------------
# Fixed-point error bounds against the real-valued Tsodyks-Markram recursion
# --------------------------------------------------------------------------


class ErrorBounds(NamedTuple):
    """Fixed-point error bounds in LSB (``2**-F``), see :func:`error_bounds`."""

    local_u: float
    local_x: float
    local_release: float
    global_u: float
    global_x: float
    global_release: float


def error_bounds(delta: int, p: STPConfig) -> ErrorBounds:
    """Bounds (LSB) of fixed point minus real Tsodyks-Markram for a regular train.

    *Local* (one interval from the same fixed-point state): ``u_p`` is low by
    ``[0, 1)`` (one floor); the release ``floor(u_p x)`` is low by ``[0, 2)``
    (the floor plus the low ``u_p`` times ``x <= 1``), so ``x_s`` is high by
    ``[0, 2)``; each of the ``Delta`` decays ``d -> floor(a d)`` adds
    ``[0, 1)`` to an error that the next decays shrink by ``a``:
    ``e_Delta < a**Delta e_0 + (1 - a**Delta) / (1 - a)``. Hence ``u`` low by
    ``< L_u = A_f + (1 - A_f) 2**k_f`` and ``x`` high by
    ``< L_x = 2 A_d + (1 - A_d) 2**k_d``.

    *Global* (the whole train from reset against the real recursion from the
    same reset): the real ``u`` map is increasing with slope ``(1 - U) A_f <
    1``, so ``u`` stays low by ``< E_u = L_u / (1 - (1 - U) A_f)``; ``u+`` is
    then low by ``< 1 + (1 - U) E_u``. The ``x`` map is increasing in ``x``
    (slope ``<= (1 - U) A_d``) and decreasing in ``u+`` (slope ``<= A_d``),
    so ``x`` stays high by ``< E_x = (L_x + A_d (1 + (1 - U) E_u)) / (1 - (1
    - U + 2**-F) A_d)`` (the fixed ``u+`` can sit one LSB below ``U``). As
    ``u+ x`` is off by ``[-(1 + (1 - U) E_u), E_x]`` and the floor takes
    ``[0, 1)``, the release differs by less than
    ``max(E_x, 2 + (1 - U) E_u)`` either way.
    """
    big_u = p.u_base / p.one
    a_d = (1.0 - 2.0**-p.tau_d_shift) ** delta
    a_f = (1.0 - 2.0**-p.tau_f_shift) ** delta
    local_u = a_f + (1.0 - a_f) * 2.0**p.tau_f_shift
    local_x = 2.0 * a_d + (1.0 - a_d) * 2.0**p.tau_d_shift
    global_u = local_u / (1.0 - (1.0 - big_u) * a_f)
    u_plus_err = 1.0 + (1.0 - big_u) * global_u
    slope_x = (1.0 - big_u + 2.0**-p.frac_bits) * a_d  # the fixed u+ may be 1 LSB below U
    global_x = (local_x + a_d * u_plus_err) / (1.0 - slope_x)
    return ErrorBounds(local_u, local_x, 2.0, global_u, global_x, max(global_x, u_plus_err + 1.0))
