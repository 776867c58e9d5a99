"""From a trained float network to the integer formats of the SC layer core (:mod:`..sc_layer`).

A one-layer float-mode :class:`~.network.Network` (``input -> out``, one
projection, ``reset="subtract"`` or ``"zero"``) maps onto one fully parallel SC layer
(:class:`sc_model.sc_layer.SCLayerConfig`, ``synapse="and"``,
``aggregation="counter"``, ``input_mode="values"``). The maths of the mapping:

Inputs
    A float input ``p_j`` in ``[0, 1]`` (a rate) is sent to the core as the
    ``value_width = vw`` bit value ``q_j = encode_values(p_j) =
    min(rint(p_j 2**vw), 2**vw - 1)``; the on-chip SNG emits a 1 with
    probability ``q_j / 2**vw`` per cycle (:mod:`sc_model.synapses`). So the
    float network should be trained on ``decode_values(q) = q / 2**vw``, the
    probabilities the chip really uses (:func:`encode_values` documents the
    one clipped value, ``p = 1``).
Weights (per-layer scale, sign-magnitude ``weight_width = wb`` bits)
    ``w_int = clip(rint(s W), -(2**wb - 1), 2**wb - 1)`` with ``rint`` numpy's
    round-half-to-even and the scale ``s = (2**wb - 1) / a`` where ``a`` is the
    ``percentile``-th percentile of ``|W|`` (default 100: the maximum, so no
    weight saturates). A smaller percentile buys resolution for the bulk of
    the weights at the price of saturating the largest ones; the number of
    saturated weights is in the :class:`QuantReport` (and a
    :class:`QuantizationWarning` is issued when it is not 0): never silent.
Currents and time
    An ``"and"`` synapse on input ``j`` is active with probability
    ``(q_j / 2**vw) (|w_int| / 2**wb)``, so the expected count per cycle is
    ``c W.p`` with ``c = s / 2**wb``: the float current times ``c``. One float
    time step is mapped onto ``K = cycles_per_step`` hardware cycles, so in a
    step the membrane gains ``K c`` times the float current, and
    ``threshold_int = clip(rint(K c theta), 1, V_MAX)`` (clamped thresholds
    are counted in the report). The float network's ``T`` steps become
    ``T K`` cycles; spike counts are compared directly (the float network
    fires at most once per step, the core at most once per cycle, so a
    spike count of the core is about that of the float network when the
    current per step stays below ``theta``).
Leak
    ``beta`` per float step is ``b = beta**(1/K)`` per cycle. If
    ``1 - b < 2**-(v_width - 1)`` (a leak the register cannot resolve) the
    core gets ``leak_mode="none"``; otherwise ``leak_mode="shift"`` with
    ``k = clip(rint(-log2(1 - b)), 1, v_width - 1)``, i.e. ``L(v) = v - (v >>> k)``,
    ``beta_effective = (1 - 2**-k)**K`` per step (reported next to ``beta``;
    the shift leak's dead zone ``[0, 2**k - 1]`` is described in
    :mod:`sc_model.lif`). All neurons must share one ``beta``.
Reset
    The float ``"subtract"`` reset (``m[t] = beta m + I - theta s[t-1]``) is the
    core's ``reset_mode="subtract"`` (``v <= v1 - threshold``); the float
    ``"zero"`` reset (``m[t] = beta m (1 - s[t-1]) + I``, NIR's reset to
    ``v_reset = 0``, see :mod:`.nir_io`) is the core's ``reset_mode="value"``
    with ``v_reset = 0`` (``v <= 0`` after a spike). The membrane register is
    ``v_width`` bits (default 16) and saturates, where the float membrane does not.

:func:`dequantize_network` builds the float network of the *quantised*
parameters (``W_q = w_int / s``, ``theta_q = threshold_int / (K c)``,
``beta_effective``): the accuracy change of quantisation alone, before the
stochastic computing of :class:`sc_model.sc_layer.SCLayer`.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._validate import check_int
from ..sc_layer import SCLayerConfig
from .network import INPUT, Network

NONE_TAU = 1e12  # tau of a float population that stands for "no leak"
#: float reset -> the core's reset_mode
RESET_MODES = {"subtract": "subtract", "zero": "value"}


class QuantizationWarning(UserWarning):
    """Issued when weights saturate or thresholds are clamped during quantisation."""


@dataclass(frozen=True)
class QuantReport:
    """What the quantisation did (module docstring): scales, rounding errors, saturation.

    ``weight_scale`` ``s`` (``w_int = rint(s W)``), ``current_scale`` ``c = s / 2**wb``
    (expected count per cycle per unit of float current), ``cycles_per_step`` ``K``,
    ``n_weights``, ``n_saturated`` (weights clipped to ``+-(2**wb - 1)``),
    ``max_weight_error`` (max ``|w_int / s - W|`` over the unsaturated weights, float
    units, at most ``1 / (2 s)``), ``thresholds_float``, ``thresholds_int``,
    ``n_thresholds_clamped``, ``leak_mode``, ``leak_shift`` (or None), ``beta`` (float,
    per step) and ``beta_effective`` (the core's, per step).
    """

    weight_scale: float
    current_scale: float
    cycles_per_step: int
    n_weights: int
    n_saturated: int
    max_weight_error: float
    thresholds_float: tuple[float, ...]
    thresholds_int: tuple[int, ...]
    n_thresholds_clamped: int
    leak_mode: str
    leak_shift: int | None
    beta: float
    beta_effective: float

    def summary(self) -> str:
        """One line per item, for logs and the docs."""
        return "\n".join(
            [
                f"weight scale s = {self.weight_scale:.4g} (w_int = rint(s W)), current scale "
                f"c = {self.current_scale:.4g} counts/cycle per unit current, "
                f"K = {self.cycles_per_step} cycles/step",
                f"saturated weights: {self.n_saturated} of {self.n_weights}; max rounding error "
                f"{self.max_weight_error:.3g} (float units)",
                f"thresholds: float {min(self.thresholds_float):.4g}.."
                f"{max(self.thresholds_float):.4g}"
                f" -> int {min(self.thresholds_int)}..{max(self.thresholds_int)}, "
                f"{self.n_thresholds_clamped} clamped",
                f"leak: {self.leak_mode}"
                + (f" (k = {self.leak_shift})" if self.leak_shift is not None else "")
                + f", beta {self.beta:.6g} -> {self.beta_effective:.6g} per step",
            ]
        )


def encode_values(p: object, value_width: int = 8) -> np.ndarray:
    """Rates ``p`` in ``[0, 1]`` as ``value_width``-bit SNG values ``min(rint(p 2**vw), 2**vw-1)``.

    ``rint`` rounds half to even; ``p = 1`` (and anything rounding to
    ``2**vw``) becomes ``2**vw - 1``, the largest value (probability
    ``1 - 2**-vw``). Returns ``int64`` of the shape of ``p``.
    """
    vw = check_int("value_width", value_width, 1, 32)
    arr = np.asarray(p, dtype=np.float64)
    if arr.size and not (np.isfinite(arr).all() and arr.min() >= 0.0 and arr.max() <= 1.0):
        raise ValueError(f"p must be rates in [0, 1], found values in [{arr.min()}, {arr.max()}]")
    return np.minimum(np.rint(arr * (1 << vw)), (1 << vw) - 1).astype(np.int64)


def decode_values(q: object, value_width: int = 8) -> np.ndarray:
    """The SNG's probability of a 1 per cycle for value ``q``: ``q / 2**vw`` (float64)."""
    vw = check_int("value_width", value_width, 1, 32)
    return np.asarray(q, dtype=np.float64) / (1 << vw)


def choose_weight_scale(weights: object, weight_width: int, percentile: float = 100.0) -> float:
    """``s = (2**wb - 1) / percentile(|W|)`` (module docstring); all-zero weights give ``s = 1``."""
    wb = check_int("weight_width", weight_width, 1, 16)
    if not 0.0 < float(percentile) <= 100.0:
        raise ValueError(f"percentile must be in (0, 100], not {percentile!r}")
    w = np.abs(np.asarray(weights, dtype=np.float64))
    if w.size == 0 or not np.isfinite(w).all():
        raise ValueError("weights must be a non-empty finite array")
    a = float(np.percentile(w, percentile))
    if a == 0.0:
        a = float(w.max())
    return 1.0 if a == 0.0 else ((1 << wb) - 1) / a


def quantize_weights(
    weights: object, weight_width: int, scale: float
) -> tuple[np.ndarray, int, float]:
    """``(w_int, n_saturated, max_error)``: ``clip(rint(scale W), +-(2**wb - 1))`` (``int64``).

    ``max_error`` is ``max |w_int / scale - W|`` over the weights that did not saturate.
    """
    wb = check_int("weight_width", weight_width, 1, 16)
    if not float(scale) > 0:
        raise ValueError(f"scale must be > 0, not {scale!r}")
    w = np.asarray(weights, dtype=np.float64)
    hi = (1 << wb) - 1
    r = np.rint(w * scale)
    sat = np.abs(r) > hi
    w_int = np.clip(r, -hi, hi).astype(np.int64)
    err = np.abs(w_int / scale - w)[~sat]
    return w_int, int(sat.sum()), float(err.max()) if err.size else 0.0


def check_one_layer(network: object) -> tuple[Network, str]:
    """The network and its output population's name if it is ``input -> out`` in float mode."""
    if not isinstance(network, Network):
        raise TypeError(f"network must be a Network, not {type(network).__name__}")
    if network.mode != "float":
        raise ValueError(f"network must be in float mode, not {network.mode!r}")
    if len(network.populations) != 1 or len(network.projections) != 1:
        raise ValueError(
            "network must have exactly one population fed by one projection from the input "
            f"(one SC layer), not {len(network.populations)} populations and "
            f"{len(network.projections)} projections"
        )
    name = next(iter(network.populations))
    proj = network.projections[0]
    if proj.source != INPUT or proj.target != name:
        raise ValueError(f"network's projection must be input -> {name!r}, not "
                         f"{proj.source!r} -> {proj.target!r}")
    pop = network.populations[name]
    pop.check_plain("the SC core (quantize_layer: its neuron is the hardware LIF)")
    if pop.reset not in RESET_MODES:
        raise ValueError(
            f"network's population must use reset='subtract' or 'zero', not {pop.reset!r}"
        )
    beta = np.broadcast_to(pop.beta, (pop.n,))
    if not np.allclose(beta, beta[0], rtol=0, atol=1e-12):
        raise ValueError("network's neurons must share one beta (one leak_shift for the core)")
    return network, name


def quantize_layer(
    network: Network,
    *,
    weight_width: int = 8,
    cycles_per_step: int = 16,
    v_width: int = 16,
    value_width: int = 8,
    percentile: float = 100.0,
    **core: Any,
) -> tuple[SCLayerConfig, QuantReport]:
    """Map a trained one-layer float network onto an SC layer core (module docstring).

    ``core`` passes further :class:`~sc_model.sc_layer.SCLayerConfig` parameters
    (``width``, ``seed``, ``pipeline``, ``rotations``, ``input_register`` ...);
    ``synapse="and"``, ``aggregation="counter"``, ``input_mode="values"`` and the
    neuron parameters are set here. Returns the config and the :class:`QuantReport`;
    warns (:class:`QuantizationWarning`) when weights saturate or thresholds clamp.
    """
    net, name = check_one_layer(network)
    wb = check_int("weight_width", weight_width, 1, 16)
    k_cyc = check_int("cycles_per_step", cycles_per_step, 1)
    vwid = check_int("v_width", v_width, 4, 32)
    fixed = {"synapse", "aggregation", "input_mode", "weights", "thresholds", "leak_mode",
             "leak_shift", "reset_mode", "n_inputs", "n_neurons"}
    clash = sorted(fixed & set(core))
    if clash:
        raise ValueError(f"core must not set {clash}: quantize_layer chooses them")
    pop = net.populations[name]
    w = net.projections[0].to_dense()
    s = choose_weight_scale(w, wb, percentile)
    w_int, n_sat, max_err = quantize_weights(w, wb, s)
    c = s / (1 << wb)
    v_max = (1 << (vwid - 1)) - 1
    theta = np.broadcast_to(pop.threshold, (pop.n,)).astype(np.float64)
    raw = np.rint(theta * c * k_cyc)
    thr = np.clip(raw, 1, v_max).astype(np.int64)
    n_clamped = int((raw != thr).sum())
    beta = float(np.broadcast_to(pop.beta, (pop.n,))[0])
    per_cycle = 1.0 - beta ** (1.0 / k_cyc)
    if per_cycle < 2.0 ** -(vwid - 1):
        leak: dict[str, Any] = {"leak_mode": "none"}
        shift, beta_eff = None, 1.0
    else:
        shift = int(np.clip(np.rint(-np.log2(per_cycle)), 1, vwid - 1))
        leak = {"leak_mode": "shift", "leak_shift": shift}
        beta_eff = (1.0 - 2.0**-shift) ** k_cyc
    config = SCLayerConfig(
        n_inputs=net.n_in,
        n_neurons=pop.n,
        weight_width=wb,
        weights=w_int.tolist(),
        thresholds=thr.tolist(),
        synapse="and",
        aggregation="counter",
        input_mode="values",
        value_width=value_width,
        v_width=vwid,
        reset_mode=RESET_MODES[pop.reset],
        v_reset=0,
        **leak,
        **core,
    )
    report = QuantReport(
        weight_scale=s,
        current_scale=c,
        cycles_per_step=k_cyc,
        n_weights=int(w.size),
        n_saturated=n_sat,
        max_weight_error=max_err,
        thresholds_float=tuple(float(t) for t in theta),
        thresholds_int=tuple(int(t) for t in thr),
        n_thresholds_clamped=n_clamped,
        leak_mode=leak["leak_mode"],
        leak_shift=shift,
        beta=beta,
        beta_effective=beta_eff,
    )
    if n_sat or n_clamped:
        warnings.warn(
            f"quantize_layer: {n_sat} of {w.size} weights saturated at +-{(1 << wb) - 1}, "
            f"{n_clamped} thresholds clamped to [1, {v_max}]",
            QuantizationWarning,
            stacklevel=2,
        )
    return config, report


def dequantize_network(config: SCLayerConfig, report: QuantReport) -> Network:
    """The float network of the quantised parameters (``W_q``, ``theta_q``, ``beta_effective``)."""
    if not isinstance(config, SCLayerConfig):
        raise TypeError(f"config must be an SCLayerConfig, not {type(config).__name__}")
    if not isinstance(report, QuantReport):
        raise TypeError(f"report must be a QuantReport, not {type(report).__name__}")
    scale = report.current_scale * report.cycles_per_step
    tau = NONE_TAU if report.beta_effective >= 1.0 else -1.0 / np.log(report.beta_effective)
    net = Network(config.n_inputs)
    net.add_population(
        "out",
        config.n_neurons,
        tau=tau,
        threshold=np.asarray(config.thresholds, dtype=np.float64) / scale,
        reset="zero" if config.reset_mode == "value" else "subtract",
    )
    net.connect(INPUT, "out", np.asarray(config.weights, dtype=np.float64) / report.weight_scale,
                mask=np.ones((config.n_neurons, config.n_inputs), dtype=bool))
    return net


def sc_values(values: object, n_steps: int, cycles_per_step: int) -> np.ndarray:
    """SNG values ``(batch, N)`` held for ``n_steps K`` cycles: ``(n_steps K, batch, N)``."""
    q = np.asarray(values, dtype=np.int64)
    if q.ndim != 2:
        raise ValueError(f"values must have shape (batch, N), not {q.shape}")
    n = check_int("n_steps", n_steps, 1) * check_int("cycles_per_step", cycles_per_step, 1)
    return np.broadcast_to(q, (n, *q.shape))
