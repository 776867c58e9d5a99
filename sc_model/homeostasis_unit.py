"""Homeostatic threshold unit: firing-rate estimate and threshold adaptation (block
``homeostasis_unit``).

Each of ``M`` neurons has a firing-rate estimate ``r``, an exponential moving
average of its actual spikes, and an adaptive threshold ``theta`` that is
moved toward the value giving a target rate: raised while the neuron fires
too often, lowered while it fires too rarely (intrinsic plasticity /
homeostatic threshold, e.g. Zenke, Hennequin & Gerstner 2013; Diehl & Cook
2015). The ``threshold`` output drives the neurons' threshold inputs.

Contract (shared with :class:`sc_hw.homeostasis_unit.HomeostasisUnit`)
----------------------------------------------------------------------
Sizes and formats
    ``n_neurons = M`` (1 .. 64). Rate ``r``: unsigned **Q1.f** in ``f + 1``
    bits, ``f = rate_frac_bits`` (1 .. 16), in spikes per cycle (``2**f`` is
    one spike every cycle); always in ``[0, 2**f]``. Threshold ``theta``:
    unsigned ``threshold_width = tw`` (2 .. 24) bit integer in the units of
    the neuron's membrane, always in ``[threshold_min, threshold_max]``
    (``0 <= min <= max <= 2**tw - 1``, defaults 1 and ``2**tw - 1``).
Rate estimate (every cycle; ``s`` the neuron's spike bit of the cycle)
    ``r' = r + floor((s 2**f - r) / 2**k)``, ``k = rate_shift`` (1 .. 16):
    the EMA ``r' = (1 - 2**-k) r + 2**-k s`` (time constant
    ``-1 / ln(1 - 2**-k)`` cycles) with **floor** rounding of the increment
    (arithmetic shift). Against the real-valued EMA of the same spikes from
    the same start, the register is low by ``[0, 2**k)`` LSB at every cycle
    (each cycle adds ``[0, 1)`` to an error that shrinks by ``1 - 2**-k``).
Update tick
    A ``P = update_period_log2`` (0 .. 16) bit counter ``phase`` (reset 0)
    counts every cycle modulo ``2**P``; a cycle is an update tick when
    ``phase = 2**P - 1`` (every cycle for ``P = 0``).
Threshold update (on a tick, from the *register* ``r`` of the cycle)
    ``err = r - target`` with ``target`` in ``[0, 2**f]`` (Q1.f, default
    ``2**f >> 4``), then ``delta`` by ``update``:

    * ``"sign"`` (default): ``delta = eta sign(err)``, ``eta`` in
      ``[1, 2**tw - 1]`` (default 1);
    * ``"proportional"``: ``delta = floor(err / 2**eta_shift)``
      (arithmetic shift, rounds toward minus infinity), ``eta_shift`` in
      ``[0, 24]`` (default 4).

    ``theta' = min(max(theta + delta, threshold_min), threshold_max)``,
    computed exactly and clamped once (saturation, never wrap). ``eta``
    must be None for ``"proportional"``, ``eta_shift`` None for ``"sign"``.
    A neuron firing too often (``r > target``) gets a higher threshold.
Reset
    ``r = 0``, ``theta = threshold_init`` (default ``threshold_min``, in
    ``[threshold_min, threshold_max]``), ``phase = 0``.
Ports and timing
    Input ``spikes`` (M bits). Outputs, all registers (no combinational
    path): ``rate`` (``M (f + 1)`` bits, neuron ``m`` in bits
    ``[m (f + 1), (m + 1) (f + 1))``), ``threshold`` (``M tw`` bits),
    ``phase`` (``max(1, P)`` bits; constant 0 for ``P = 0``). During cycle
    ``t`` they show the result of the spikes of cycles ``0 .. t - 1``; a
    tick in cycle ``t`` uses ``r`` of cycle ``t`` and shows in ``threshold``
    in cycle ``t + 1``.
Hardware cost per neuron
    Rate: one add/subtract with a constant shift (no multiplier). Threshold:
    a compare against the constant ``target``, one add of a constant (sign)
    or of a shifted difference (proportional), two constant compares for the
    clamp. Shared: the ``P``-bit counter.

Array conventions: time is axis 0; ``spikes`` ``(n_cycles, *batch, M)``;
outputs ``(n_cycles, *batch, M)`` (``phase`` ``(n_cycles,)``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from ._validate import check_bits, check_choice, check_int, must_be_unset, settle, take_config

MAX_NEURONS = 64
MAX_RATE_FRAC_BITS = 16
MAX_RATE_SHIFT = 16
MIN_THRESHOLD_WIDTH = 2
MAX_THRESHOLD_WIDTH = 24
MAX_PERIOD_LOG2 = 16
MAX_ETA_SHIFT = 24
UPDATES = ("sign", "proportional")


@dataclass(frozen=True, kw_only=True)
class HomeostasisConfig:
    """Every parameter of the ``homeostasis_unit`` block (module docstring), validated.

    Built once and taken by :class:`HomeostasisUnit`, :func:`homeostasis_run`
    and :class:`sc_hw.homeostasis_unit.HomeostasisUnit`. Defaults left at None
    are filled in at construction; ``eta`` stays None under
    ``update="proportional"`` and ``eta_shift`` under ``update="sign"``.
    """

    n_neurons: int
    rate_frac_bits: int = 10
    rate_shift: int = 6
    target: int | None = None
    threshold_width: int = 12
    threshold_min: int = 1
    threshold_max: int | None = None
    threshold_init: int | None = None
    update_period_log2: int = 4
    update: str = "sign"
    eta: int | None = None
    eta_shift: int | None = None

    def __post_init__(self) -> None:
        m = check_int("n_neurons", self.n_neurons, 1, MAX_NEURONS)
        f = check_int("rate_frac_bits", self.rate_frac_bits, 1, MAX_RATE_FRAC_BITS)
        k = check_int("rate_shift", self.rate_shift, 1, MAX_RATE_SHIFT)
        one = 1 << f
        target = one >> 4 if self.target is None else check_int("target", self.target, 0, one)
        tw = check_int(
            "threshold_width", self.threshold_width, MIN_THRESHOLD_WIDTH, MAX_THRESHOLD_WIDTH
        )
        top = (1 << tw) - 1
        t_min = check_int("threshold_min", self.threshold_min, 0, top)
        t_max = self.threshold_max
        t_max = top if t_max is None else check_int("threshold_max", t_max, t_min, top)
        if t_min > t_max:  # only when threshold_min was given above the default maximum
            raise ValueError(f"threshold_min must be in [0, threshold_max={t_max}], not {t_min}")
        t_init = t_min if self.threshold_init is None else self.threshold_init
        t_init = check_int("threshold_init", t_init, t_min, t_max)
        period = check_int("update_period_log2", self.update_period_log2, 0, MAX_PERIOD_LOG2)
        update = str(check_choice("update", self.update, UPDATES))
        eta, eta_shift = self.eta, self.eta_shift
        if update == "sign":
            must_be_unset("eta_shift", eta_shift, "update='proportional'")
            eta = 1 if eta is None else check_int("eta", eta, 1, top)
        else:
            must_be_unset("eta", eta, "update='sign'")
            eta_shift = 4 if eta_shift is None else eta_shift
            eta_shift = check_int("eta_shift", eta_shift, 0, MAX_ETA_SHIFT)
        settle(
            self,
            n_neurons=m,
            rate_frac_bits=f,
            rate_shift=k,
            target=target,
            threshold_width=tw,
            threshold_min=t_min,
            threshold_max=t_max,
            threshold_init=t_init,
            update_period_log2=period,
            update=update,
            eta=eta,
            eta_shift=eta_shift,
        )

    @property
    def rate_width(self) -> int:
        """Bits of a rate field: ``f + 1``."""
        return self.rate_frac_bits + 1

    @property
    def phase_width(self) -> int:
        """Bits of the ``phase`` port: ``max(1, P)``."""
        return max(1, self.update_period_log2)


def check_homeostasis_params(n_neurons: int, **params: object) -> HomeostasisConfig:
    """``HomeostasisConfig(n_neurons=n_neurons, **params)`` (the older call shape)."""
    return HomeostasisConfig(n_neurons=n_neurons, **params)  # type: ignore[arg-type]


# --------------------------------------------------------------------------
# Combinational pieces (vectorised over any shape)
# --------------------------------------------------------------------------


def rate_next(r: object, spikes: object, p: HomeostasisConfig) -> np.ndarray:
    """``r + floor((s 2**f - r) / 2**k)`` elementwise (``int64``)."""
    r = np.asarray(r, dtype=np.int64)
    s = (np.asarray(spikes) != 0).astype(np.int64)
    return r + (((s << p.rate_frac_bits) - r) >> p.rate_shift)


def threshold_delta(r: object, p: HomeostasisConfig) -> np.ndarray:
    """``delta`` of a tick from the rate registers (``int64``)."""
    err = np.asarray(r, dtype=np.int64) - p.target
    if p.update == "sign":
        return p.eta * np.sign(err)
    return err >> p.eta_shift


def threshold_next(theta: object, r: object, tick: object, p: HomeostasisConfig) -> np.ndarray:
    """``theta'``: clamped ``theta + delta`` on a tick, else ``theta``."""
    theta = np.asarray(theta, dtype=np.int64)
    moved = np.clip(theta + threshold_delta(r, p), p.threshold_min, p.threshold_max)
    return np.where(np.asarray(tick) != 0, moved, theta)


def ticks(n_cycles: int, period_log2: int) -> np.ndarray:
    """Update tick (0/1) of each cycle of a run from reset."""
    mask = (1 << period_log2) - 1
    return ((np.arange(n_cycles) & mask) == mask).astype(np.uint8)


class HomeostasisOutputs(NamedTuple):
    """``rate`` and ``threshold`` (``int64``, ``(..., M)``) and ``phase`` (``int64``)."""

    rate: np.ndarray
    threshold: np.ndarray
    phase: np.ndarray


def homeostasis_run(p: HomeostasisConfig, spikes: object) -> HomeostasisOutputs:
    """Every output during every cycle of a run from reset (open loop).

    ``spikes``: bits ``(n_cycles, *batch, M)``. Entry ``t`` of each output is
    what the block shows during cycle ``t``. The loop runs over time only.
    """
    s = check_bits("spikes", spikes)
    if s.ndim < 2 or s.shape[-1] != p.n_neurons:
        raise ValueError(
            f"spikes must have shape (n_cycles, *batch, n_neurons={p.n_neurons}), not {s.shape}"
        )
    n = s.shape[0]
    tick = ticks(n, p.update_period_log2)
    r = np.zeros(s.shape[1:], np.int64)
    theta = np.full(s.shape[1:], p.threshold_init, np.int64)
    out_r = np.empty(s.shape, np.int64)
    out_t = np.empty(s.shape, np.int64)
    for t in range(n):
        out_r[t], out_t[t] = r, theta
        theta = threshold_next(theta, r, tick[t], p)
        r = rate_next(r, s[t], p)
    phase = np.arange(n, dtype=np.int64) & ((1 << p.update_period_log2) - 1)
    return HomeostasisOutputs(out_r, out_t, phase)


class HomeostasisUnit:
    """Cycle model (twin of :class:`sc_hw.homeostasis_unit.HomeostasisUnit`).

    Registers ``rate`` and ``threshold`` of shape ``(*batch, M)`` and the
    scalar ``phase``. ``step`` returns the outputs during the current cycle,
    then applies the rising edge; use it to close the loop with a neuron
    model (:mod:`sc_model.lif`).
    """

    def __init__(
        self,
        config: HomeostasisConfig | int | None = None,
        batch: tuple[int, ...] = (),
        **params: object,
    ) -> None:
        self.config = self.params = take_config(HomeostasisConfig, config, params, "n_neurons")
        self.shape = tuple(batch) + (self.params.n_neurons,)
        self.reset()

    def reset(self) -> None:
        """Synchronous reset: ``r = 0``, ``theta = threshold_init``, ``phase = 0``."""
        self.rate = np.zeros(self.shape, np.int64)
        self.threshold = np.full(self.shape, self.params.threshold_init, np.int64)
        self.phase = 0

    def step(self, spikes: object) -> HomeostasisOutputs:
        """One cycle with spike bits broadcasting to ``(*batch, M)``."""
        p = self.params
        s = np.broadcast_to(check_bits("spikes", spikes), self.shape)
        out = HomeostasisOutputs(self.rate, self.threshold, np.int64(self.phase))
        mask = (1 << p.update_period_log2) - 1
        tick = self.phase == mask
        self.threshold = threshold_next(self.threshold, self.rate, tick, p)
        self.rate = rate_next(self.rate, s, p)
        self.phase = (self.phase + 1) & mask
        return out
