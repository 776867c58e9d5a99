"""Co-simulation spec of the SC layer core (:mod:`sc_model.sc_layer`).

Synapse parameters as the ``synapses`` spec (N 1 .. 16, M 1 .. 6, set ``k``
takes mode combination ``k mod 12``), weights mostly excitatory so that
neurons fire; neuron parameters over every leak and reset mode, ``v_width``
from its smallest allowed value up (small widths saturate), ``v_reset``
mostly 0, sometimes negative or at the bottom of the range, thresholds a few
counts above ``v_reset`` (sometimes at the top of the range: fires only by
saturating), refractory periods 0, short or long; half the sets register the neuron
inputs (``input_register``), some the write port (``write_register``).
Stimulus: busy inputs, ``en`` low ~10 % of the cycles, weight writes during
the run (sparse ones, mostly excitatory, sweeping every address, and three
reload bursts with 10, 50 and 90 % inhibitory weights), after the power-on
phase of :mod:`sc_cosim.power_on` (up to 800 cycles, ``en`` high, no writes,
no mid-run reset; drawn weights moved to magnitudes whose LSB flip it draws)
and the saturation phase (:func:`saturation_phase`: every weight written to
the extremes, neuron by neuron of alternating sign, under full input, twice
with the signs swapped: narrow membranes reach both clamps).
``tests/test_sc_layer.py`` checks that these sets do fire.
"""

from __future__ import annotations

import numpy as np

from sc_cosim import power_on
from sc_cosim.blocks.synapses import random_synapse_params, synapse_inputs, synapse_stimulus
from sc_cosim.draw import edge_or_uniform
from sc_cosim.spec import BlockSpec, Params
from sc_hw.sc_layer import SCLayer as HwLayer
from sc_model import lif
from sc_model.arith import pack_fields
from sc_model.sc_layer import SCLayerConfig, SCLayerCycle, sc_layer_params
from sc_model.synapses import encode_w_data

MAX_COSIM_INPUTS = 16
MAX_COSIM_NEURONS = 6


class SCLayerTwin:
    def __init__(self, params: Params) -> None:
        self.config = SCLayerConfig(**params)
        self.model = SCLayerCycle(self.config)

    def reset(self) -> None:
        self.model.reset()

    def step(self, inputs: dict[str, int]) -> dict[str, int]:
        c = self.config
        out = self.model.step(
            synapse_inputs(c.synapse_params, inputs),
            inputs["en"],
            inputs["w_addr"],
            inputs["w_data"],
            inputs["w_en"],
        )
        mask = (1 << c.v_width) - 1
        return {
            "spikes_out": pack_fields(out.spikes, 1),
            "v_out": pack_fields(out.v & mask, c.v_width),
        }


def random_layer_params(rng: np.random.Generator) -> Params:
    """One random, valid and (by design) firing parameter set of the layer."""
    params = random_synapse_params(rng, MAX_COSIM_INPUTS, MAX_COSIM_NEURONS)
    w = np.array(params["weights"])
    w = np.where(rng.random(w.shape) < 0.7, np.abs(w), w)  # mostly excitatory
    if params["aggregation"] == "majority":  # a vote needs most synapses active
        top = (1 << params["weight_width"]) - 1
        strong = top - rng.integers(0, top // 4 + 1, w.shape)
        w = np.where(rng.random(w.shape) < 0.8, strong, w)
    params["weights"] = np.abs(w).tolist() if rng.random() < 0.2 else w.tolist()
    n, m = params["n_inputs"], params["n_neurons"]
    counter = params["aggregation"] == "counter"
    lo = max(4, n.bit_length() + 1) if counter else 4
    v_width = edge_or_uniform(rng, lo, 16, 0.25)
    if rng.random() < 0.1:
        v_width = int(rng.integers(17, 33))
    v_min, v_max = lif.v_range(v_width)
    leak_mode = str(rng.choice(lif.LEAK_MODES))
    leak_const = int(rng.integers(0, 3 if counter else 2)) if rng.random() < 0.7 else None
    if leak_mode == "constant" and leak_const is not None:
        params["leak_const"] = leak_const
    reset_mode = str(rng.choice(lif.RESET_MODES))
    u = rng.random()
    if u < 0.6:
        v_reset = 0
    elif u < 0.8:
        v_reset = max(v_min, -int(rng.integers(1, 9)))
    elif u < 0.9 and v_width <= 8:
        v_reset = v_min  # climbs out within the run only for small widths
    else:
        v_reset = int(rng.integers(max(v_min, -64), min(v_max - 1, 16) + 1))
    reach = max(2, n) if counter else 6  # thresholds within reach of the drive
    thresholds = []
    for _ in range(m):
        t = v_reset + edge_or_uniform(rng, 1, reach, 0.2)
        if rng.random() < 0.1 and v_width <= 8:
            t = v_max  # fires only by saturating
        if not counter and leak_mode == "constant" and leak_const != 0:
            # +1 per cycle against a leak of 1: v never passes 1 (but a threshold
            # must stay above v_reset, which can be 1 .. 16 here)
            t = min(t, max(1, v_reset + 1))
        if reset_mode == "subtract":
            t = max(t, 1)
        thresholds.append(min(t, v_max))
    params.update(
        v_width=v_width,
        thresholds=thresholds,
        leak_mode=leak_mode,
        reset_mode=reset_mode,
        v_reset=v_reset,
    )
    if leak_mode == "shift" and rng.random() < 0.7:
        params["leak_shift"] = edge_or_uniform(rng, 1, v_width - 1, 0.2)
    u = rng.random()
    if u < 0.4:
        params["refractory"] = int(rng.integers(1, 6))
    elif u < 0.5:
        params["refractory"] = int(rng.integers(6, lif.MAX_REFRACTORY + 1))
    if rng.random() < 0.5:
        params["input_register"] = True
    params["weights"] = power_on.phase_weights(SCLayerConfig(**params).synapse_params)
    return sc_layer_params(SCLayerConfig(**params))  # validated, canonical


SATURATION_HOLD = 24  # cycles of full input after each polarity's writes


def saturation_phase(c: SCLayerConfig, n: int) -> list[tuple[int, int] | None]:
    """The saturation phase that follows the power-on phase, per cycle.

    Every cycle has ``en`` high and every input at its maximum (spikes all
    ones, values at ``2**value_width - 1``); an entry ``(w_addr, w_data)`` also
    writes a weight, None writes nothing. Twice, with the polarities swapped:
    every weight of neuron ``m`` written (one per cycle, in address order) as
    ``-(2**wb - 1)`` for even ``m`` and ``2**wb - 1`` for odd ``m``, then
    :data:`SATURATION_HOLD` cycles of full input. A counter layer with narrow
    membranes (the default set: 8 bits, counts down to -16 per cycle) takes its
    inhibited membranes into the negative clamp, which the random phase's
    inhibitory bursts reach only in some runs. The random phase rewrites the
    weights after it (sparse writes and reload bursts). Empty when the power-on
    phase and this phase would take more than 60 % of an ``n``-cycle run.
    """
    p = c.synapse_params
    top = (1 << p.weight_width) - 1
    plan: list[tuple[int, int] | None] = []
    for polarity in (0, 1):
        for m in range(p.n_neurons):
            w = encode_w_data(-top if (m + polarity) % 2 == 0 else top, p.weight_width)
            plan += [(m * p.n_inputs + j, w) for j in range(p.n_inputs)]
        plan += [None] * SATURATION_HOLD
    return plan if power_on.phase_cycles(n) + len(plan) <= 0.6 * n else []


def quiet_cycles(params: Params, n: int) -> int:
    """Cycles kept free of mid-run resets: the power-on and the saturation phase."""
    return power_on.phase_cycles(n) + len(saturation_phase(SCLayerConfig(**params), n))


def layer_stimulus(params: Params, rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    c = SCLayerConfig(**params)
    stim = synapse_stimulus(c.synapse_params, rng, n, p_write=0.04, p_negative=0.25, busy=True)
    p = c.synapse_params
    if p.input_mode == "spikes":
        port, full = "spikes", (1 << p.n_inputs) - 1
    else:
        port = "values"
        full = pack_fields([(1 << p.value_width) - 1] * p.n_inputs, p.value_width)
    start = power_on.phase_cycles(n)
    for t, write in enumerate(saturation_phase(c, n), start):  # no draws: the rest unchanged
        stim[port][t], stim["en"][t] = full, 1
        stim["w_en"][t] = int(write is not None)
        if write is not None:
            stim["w_addr"][t], stim["w_data"][t] = write
    return stim


SPEC = BlockSpec(
    name="sc_layer",
    build=lambda p: HwLayer(SCLayerConfig(**p)),
    twin=SCLayerTwin,
    random_params=random_layer_params,
    stimulus=layer_stimulus,
    stimulus_version=2,  # the saturation phase
    default_params={
        "n_inputs": 16,
        "n_neurons": 4,
        "weight_width": 8,
        # (53 (k + 1) (j + 5)) % 300 - 44, moved by scripts/choose_power_on_weights.py
        # so that the power-on phase shows a flip of bit 0 or 1 of any weight
        "weights": [
            [221, -26, 27, 80, 133, 185, 239, -7, 47, 98, 154, 204, -43, 11, 64, 118],
            [186, -7, 98, 204, 9, 116, 220, 27, 134, 240, 46, 151, -42, 64, 170, -24],
            [149, 10, 169, 28, 187, 46, 205, 64, 223, 82, 241, 100, -42, 118, -23, 136],
            [116, 28, 240, 151, 64, -24, 188, 99, 12, 224, 135, 48, -39, 172, 84, -4],
        ],
        "aggregation": "counter",
        "pipeline": 4,
        "width": 16,
        "seed": 0xACE1,
        "v_width": 8,
        "thresholds": [12, 20, 28, 36],
        "leak_mode": "shift",
        "leak_shift": 4,
        "refractory": 2,
        "input_register": True,
        "write_register": True,
    },
    description="SC layer core: N x M synapses (shared LFSR, AND/XNOR, counter/majority/MUX) "
    "feeding M LIF neurons; registered spikes and membranes",
    latency="1 + pipeline enabled cycles from synapse output to v_out/spikes_out "
    "(2 + pipeline with input_register)",
    quiet_cycles=quiet_cycles,
)
