"""Fully parallel SC layer core: N x M SC synapses feeding M LIF neurons (block ``sc_layer``).

The object a user builds is :class:`SCLayerConfig` (every parameter, validated
at construction). :class:`SCLayer` runs it bit-exactly, vectorised over a
batch and the neurons; :class:`SCLayerCycle` is its cycle twin;
:func:`sc_layer_params` exports the configuration as the parameter dict of
the Amaranth core, so ``sc_hw.sc_layer.SCLayer(**sc_layer_params(config))``
is the hardware of exactly this model layer.

Contract (shared with :class:`sc_hw.sc_layer.SCLayer`)
------------------------------------------------------
Composition
    One ``synapses`` block (:mod:`sc_model.synapses`; all its parameters:
    ``n_inputs`` N, ``n_neurons`` M, ``weight_width``, ``weights``,
    ``synapse``, ``input_mode``, ``aggregation``, ``pipeline``, ``tie``,
    ``width``, ``seed``, ``taps``, ``form``, ``rotations``, ``value_width``,
    ``input_seed``, ``input_rotations``, ``mux_seed``, ``mux_sel_bits``,
    ``write_register``) and
    M LIF neurons (:mod:`sc_model.lif`) sharing ``v_width`` (default 16),
    ``leak_mode``, ``leak_shift``, ``leak_const``, ``reset_mode``,
    ``v_reset``, ``refractory`` and ``input_register`` (default False), with
    ``thresholds`` a list of M ints
    (neuron ``m`` fires when its ``v1 >= thresholds[m]``; each in the range
    :mod:`sc_model.lif` allows). Neuron ``m`` is driven by synapse output ``m``:
    ``aggregation="counter"`` uses the neurons' ``"count"`` input mode with
    ``in_width = N.bit_length() + 1`` (the synapse block's count width, so
    ``v_width >= in_width``), ``"majority"`` and ``"mux"`` the ``"updown"``
    mode on ``up``/``down``.
Ports
    In: the synapse block's ``spikes`` (N) or ``values`` (``N * value_width``),
    ``en``, ``w_en``, ``w_addr``, ``w_data`` (same meaning and timing).
    Out: ``spikes_out`` (M; neuron ``m``'s ``spike`` register at bit ``m``)
    and ``v_out`` (``M * v_width``; neuron ``m``'s membrane register,
    two's complement, in bits ``[m v_width, (m + 1) v_width)``). Both are
    registers: no combinational path from any input.
Enable
    ``en`` is the synapse block's ``en`` and every neuron's ``en``: with ``en``
    low nothing changes at the edge (LFSRs, pipeline, tie toggles, membranes,
    spike registers, refractory counters all hold), except that weight writes
    still act.
Latency
    ``1 + pipeline`` cycles from reset with ``en`` high: the synapse output
    of cycle ``t`` (the count of cycle ``t - pipeline`` for the counter) is
    integrated at the edge ending cycle ``t`` and seen in ``v_out`` and
    ``spikes_out`` during cycle ``t + 1``. With ``input_register=True`` every
    neuron registers its input first (:mod:`sc_model.lif`): the synapse
    output of cycle ``t`` is integrated one enabled cycle later, and the
    latency is ``2 + pipeline``. With ``en`` toggling, the latency counts
    enabled cycles.
Timing
    The path from the synapses' last counter stage through the subtraction
    ``exc - inh`` into the neuron's leak, add, clamp and threshold test is the
    critical one unless it is cut: with ``aggregation="counter"``,
    ``pipeline = ceil(log2 N)`` (every tree level registered) and
    ``input_register=True``, and ``write_register=True`` (the weight write
    port's decoder and fan-out); the sizes that close timing on iCE40UP5K and
    ECP5-25F are measured in ``docs/synthesis.md``. Larger ``N``/``M`` (up to
    1024 each) are valid model and generator parameters, not device fits.
Reset
    The synapse block's reset (LFSRs to their seeds, pipeline and toggles 0,
    weights back to ``weights``) and the neurons' (``v = v_reset``, spike 0,
    refractory counter 0).
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from dataclasses import dataclass, fields, replace
from typing import Any, NamedTuple

import numpy as np

from ._validate import check_int
from .lif import LIFConfig, LIFPopulation, lif_run, updown_input, v_range
from .synapses import SynapseConfig, Synapses, synapses_run

SYNAPSE_FIELDS = (
    "n_inputs",
    "n_neurons",
    "weight_width",
    "weights",
    "synapse",
    "input_mode",
    "aggregation",
    "pipeline",
    "tie",
    "width",
    "seed",
    "taps",
    "form",
    "rotations",
    "value_width",
    "input_seed",
    "input_rotations",
    "mux_seed",
    "mux_sel_bits",
    "write_register",
)
NEURON_FIELDS = (
    "v_width",
    "thresholds",
    "leak_mode",
    "leak_shift",
    "leak_const",
    "reset_mode",
    "v_reset",
    "refractory",
    "input_register",
)


def _int_tuple(name: str, value: object, length: int, what: str) -> tuple[int, ...]:
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence | np.ndarray):
        raise TypeError(f"{name} must be a list of {length} ints ({what}), not {value!r}")
    items = tuple(value)
    if len(items) != length:
        raise ValueError(f"{name} must hold {length} entries ({what}), not {len(items)}")
    for k, v in enumerate(items):
        if isinstance(v, bool) or not isinstance(v, numbers.Integral):
            raise TypeError(f"{name}[{k}] must be an integer, not {v!r} ({type(v).__name__})")
    return tuple(int(v) for v in items)


@dataclass(frozen=True, kw_only=True)
class SCLayerConfig:
    """Every parameter of an SC layer (module docstring), validated at construction.

    Synapse parameters as :class:`sc_model.synapses.SynapseConfig`;
    neuron parameters as :class:`sc_model.lif.LIFConfig`, shared by all
    neurons, except ``thresholds``: one int per neuron. Sequences are stored
    as tuples (the config is hashable); ``weights`` defaults to all 0.
    """

    n_inputs: int
    n_neurons: int
    thresholds: Sequence[int]
    weight_width: int = 8
    weights: Sequence[Sequence[int]] | None = None
    synapse: str = "and"
    input_mode: str = "spikes"
    aggregation: str = "counter"
    pipeline: int = 0
    tie: str | None = None
    width: int = 16
    seed: int = 1
    taps: Sequence[int] | None = None
    form: str = "fibonacci"
    rotations: Sequence[int] | None = None
    value_width: int | None = None
    input_seed: int | None = None
    input_rotations: Sequence[int] | None = None
    mux_seed: int | None = None
    mux_sel_bits: int | None = None
    write_register: bool = False
    v_width: int = 16
    leak_mode: str = "none"
    leak_shift: int | None = None
    leak_const: int | None = None
    reset_mode: str = "value"
    v_reset: int = 0
    refractory: int = 0
    input_register: bool = False

    def __post_init__(self) -> None:
        syn = SynapseConfig(**{f: getattr(self, f) for f in SYNAPSE_FIELDS})
        counter = syn.aggregation == "counter"
        v_width = check_int("v_width", self.v_width, 4, 32)
        if counter and v_width < syn.count_width:
            raise ValueError(
                f"v_width must be in [{max(4, syn.count_width)}, 32] for n_inputs={syn.n_inputs} "
                f"with aggregation='counter' (the membrane must hold the signed count of "
                f"n_inputs.bit_length() + 1 = {syn.count_width} bits), not {v_width}"
            )
        neuron = {
            "v_width": v_width,
            "input_mode": "count" if counter else "updown",
            "in_width": syn.count_width if counter else None,
            "leak_mode": self.leak_mode,
            "leak_shift": self.leak_shift,
            "leak_const": self.leak_const,
            "reset_mode": self.reset_mode,
            "v_reset": self.v_reset,
            "refractory": self.refractory,
            "input_register": self.input_register,
        }
        v_max = v_range(v_width)[1]
        base = LIFConfig(threshold=v_max, **neuron)  # all but the thresholds
        lo = max(base.v_reset + 1, 1 if base.reset_mode == "subtract" else base.v_min + 1)
        thresholds = _int_tuple("thresholds", self.thresholds, syn.n_neurons, "one per neuron")
        for k, t in enumerate(thresholds):
            check_int(f"thresholds[{k}]", t, lo, v_max)
        lif = LIFConfig(threshold=np.array(thresholds), per_neuron=True, **neuron)
        put = object.__setattr__  # frozen: store the canonical (hashable) forms
        put(self, "weights", syn.weights)
        put(self, "thresholds", thresholds)
        put(self, "input_register", lif.input_register)
        put(self, "write_register", syn.write_register)
        for name in ("taps", "rotations", "input_rotations"):
            if getattr(self, name) is not None:
                put(self, name, tuple(int(v) for v in getattr(self, name)))
        put(self, "_synapse_params", syn)
        put(self, "_neuron_params", lif)

    @property
    def synapse_params(self) -> SynapseConfig:
        """The resolved parameters of the synapse block (defaults filled in)."""
        return self._synapse_params  # type: ignore[attr-defined]

    @property
    def neuron_params(self) -> LIFConfig:
        """The resolved neuron parameters, ``threshold`` an ``int64`` array ``(M,)``."""
        return self._neuron_params  # type: ignore[attr-defined]

    def neuron_config(self, neuron: int) -> LIFConfig:
        """Neuron ``neuron`` alone (scalar parameters), for :class:`sc_hw.lif.LIFNeuron`."""
        neuron = check_int("neuron", neuron, 0, self.n_neurons - 1)
        return replace(self.neuron_params, threshold=self.thresholds[neuron], per_neuron=False)


def _jsonable(value: object) -> object:
    if isinstance(value, tuple | list | np.ndarray):
        return [_jsonable(v) for v in value]
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return int(value)
    return value


def sc_layer_params(config: SCLayerConfig) -> dict[str, Any]:
    """The parameter dict of the Amaranth core (JSON-friendly: lists and ints).

    ``sc_hw.sc_layer.SCLayer(**params)`` builds the hardware of ``config``;
    ``SCLayerConfig(**params) == config``. Parameters left at None are omitted.
    """
    if not isinstance(config, SCLayerConfig):
        raise TypeError(f"config must be an SCLayerConfig, not {type(config).__name__}")
    out: dict[str, Any] = {}
    for f in fields(config):
        value = getattr(config, f.name)
        if value is not None:
            out[f.name] = _jsonable(value)
    return out


class LayerOutputs(NamedTuple):
    """``spikes`` (``uint8``) and ``v`` (``int64``): per cycle and neuron."""

    spikes: np.ndarray
    v: np.ndarray


def _drive(config: SCLayerConfig, out: Any) -> np.ndarray:
    """What the neurons integrate: the count, or ``up - down``."""
    if config.synapse_params.aggregation == "counter":
        return out.count
    return updown_input(out.up, out.down)


class SCLayer:
    """Bit-exact vectorised model of the layer core (see the module docstring)."""

    def __init__(self, config: SCLayerConfig) -> None:
        if not isinstance(config, SCLayerConfig):
            raise TypeError(f"config must be an SCLayerConfig, not {type(config).__name__}")
        self.config = config

    def run(self, inputs: object) -> LayerOutputs:
        """Run ``n_steps`` cycles from reset with ``en`` high and no weight writes.

        Parameters
        ----------
        inputs : array ``(n_steps, batch, N)`` (any ``(n_steps, *batch, N)``)
            Spike bits (``input_mode="spikes"``) or input values in
            ``[0, 2**value_width - 1]``; every batch element is an
            independent run of the core from reset.

        Returns
        -------
        LayerOutputs
            ``spikes`` (``uint8``) and ``v`` (``int64``), ``(n_steps, *batch, M)``:
            row ``t`` is ``spikes_out`` / ``v_out`` *during* cycle ``t`` (row 0
            the reset state); the inputs of row ``t`` show from row
            ``t + 1 + pipeline`` on (``t + 2 + pipeline`` with
            ``input_register``). Vectorised over the batch, the neurons
            and the synapses; the only loop is the neurons' over time.
        """
        c = self.config
        drive = _drive(c, synapses_run(c.synapse_params, inputs))
        out = lif_run(drive, c.neuron_params)
        return LayerOutputs(out.spike, out.v)


class SCLayerCycle:
    """Cycle twin of :class:`sc_hw.sc_layer.SCLayer`: the synapse cycle model and a
    :class:`sc_model.lif.LIFPopulation` of the M neurons."""

    def __init__(self, config: SCLayerConfig) -> None:
        if not isinstance(config, SCLayerConfig):
            raise TypeError(f"config must be an SCLayerConfig, not {type(config).__name__}")
        self.config = config
        self.synapses = Synapses(config.synapse_params)
        self.neurons = LIFPopulation.from_params((config.n_neurons,), config.neuron_params)

    def reset(self) -> None:
        """Synchronous reset of the synapse block and the neurons."""
        self.synapses.reset()
        self.neurons.reset()

    def step(
        self, inputs: object, en: int = 1, w_addr: int = 0, w_data: int = 0, w_en: int = 0
    ) -> LayerOutputs:
        """Advance one cycle; return ``spikes`` and ``v`` (``(M,)``) seen before the edge.

        Arguments as :meth:`sc_model.synapses.Synapses.step`.
        """
        syn = self.synapses.step(inputs, en, w_addr, w_data, w_en)
        out = self.neurons.step(_drive(self.config, syn), en)
        return LayerOutputs(out.spike, out.v)
