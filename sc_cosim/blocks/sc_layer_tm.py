"""Co-simulation spec of the time-multiplexed SC layer core (:mod:`sc_model.sc_layer_tm`).

Small random sizes (N 1 .. 12, M 1 .. 5, any lane count, so a tick is at most
``5 * 12 + 8 = 68`` cycles and 2000 cycles cover 29 ticks or more), both
synapse types, every leak and reset mode, short refractory periods and
thresholds within reach of the count, as :mod:`sc_cosim.blocks.sc_layer`
draws them. Stimulus: busy spike inputs, ``en`` low in ~10 % of the cycles,
whole-word weight writes in ~2 % (addresses sometimes past the memory),
after the power-on phase of :mod:`sc_cosim.power_on`: whole ticks up to 800
cycles with ``en`` high, no writes and no mid-run reset (the weight RAM keeps
its power-on words through ``rst``, so this is where they are checked), each
tick latching spikes of :func:`~sc_cosim.power_on.phase_spike_bits`; drawn
weights are moved to magnitudes whose LSB flip the phase's random numbers meet.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from sc_cosim import power_on
from sc_cosim.blocks.arith import _edge_or_uniform
from sc_cosim.spec import BlockSpec, Params
from sc_hw.sc_layer_tm import SCLayerTM as HwLayerTM
from sc_model import arith, lif
from sc_model.sc_layer_tm import (
    SCLayerTMConfig,
    SCLayerTMCycle,
    encode_weight_word,
    sc_layer_tm_params,
)

MAX_COSIM_INPUTS = 12
MAX_COSIM_NEURONS = 5


def layer_ports(out: Any, v_width: int) -> dict[str, int]:
    """The layer's output ports from a cycle-twin result (``out_v`` as its bits)."""
    return {
        "out_valid": out.out_valid,
        "out_neuron": out.out_neuron,
        "out_spike": out.out_spike,
        "out_v": out.out_v & ((1 << v_width) - 1),
        "tick_done": out.tick_done,
        "in_ready": out.in_ready,
    }


class SCLayerTMTwin:
    def __init__(self, params: Params) -> None:
        self.config = SCLayerTMConfig(**params)
        self.model = SCLayerTMCycle(self.config)

    def reset(self) -> None:
        self.model.reset()

    def step(self, inputs: dict[str, int]) -> dict[str, int]:
        c = self.config
        spikes = arith.unpack_bits(inputs["spikes"], c.n_inputs)
        out = self.model.step(
            spikes, inputs["en"], inputs["w_en"], inputs["w_addr"], inputs["w_data"]
        )
        return layer_ports(out, c.v_width)


def random_tm_params(rng: np.random.Generator) -> Params:
    """One random, valid (and mostly firing) parameter set."""
    n = _edge_or_uniform(rng, 1, MAX_COSIM_INPUTS, 0.2)
    nm = _edge_or_uniform(rng, 1, MAX_COSIM_NEURONS, 0.2)
    lanes = _edge_or_uniform(rng, 1, n, 0.3)
    synapse = str(rng.choice(["and", "xnor"]))
    width = int(rng.integers(8, 21))
    wb = _edge_or_uniform(rng, 1, min(8, width - 1), 0.2)
    top = (1 << wb) - 1
    w = rng.integers(-top, top + 1, (nm, n))
    w = np.where(rng.random(w.shape) < 0.7, np.abs(w), w)  # mostly excitatory
    lo = max(4, n.bit_length() + 1)
    v_width = _edge_or_uniform(rng, lo, 16, 0.25)
    v_min, v_max = lif.v_range(v_width)
    leak_mode = str(rng.choice(lif.LEAK_MODES))
    reset_mode = str(rng.choice(lif.RESET_MODES))
    v_reset = 0 if rng.random() < 0.7 else max(v_min, -int(rng.integers(1, 9)))
    thresholds = []
    for _ in range(nm):
        t = v_reset + _edge_or_uniform(rng, 1, max(2, n), 0.2)
        if reset_mode == "subtract":
            t = max(t, 1)
        thresholds.append(min(t, v_max))
    params: Params = {
        "n_inputs": n,
        "n_neurons": nm,
        "lanes": lanes,
        "thresholds": thresholds,
        "weight_width": wb,
        "weights": w.tolist(),
        "synapse": synapse,
        "width": width,
        "seed": int(rng.integers(1, 1 << width)),
        "form": str(rng.choice(["fibonacci", "galois"])),
        "v_width": v_width,
        "leak_mode": leak_mode,
        "reset_mode": reset_mode,
        "v_reset": v_reset,
    }
    if rng.random() < 0.3:
        params["lane_rotations"] = rng.integers(0, width, lanes).tolist()
    if leak_mode == "shift" and rng.random() < 0.7:
        params["leak_shift"] = _edge_or_uniform(rng, 1, v_width - 1, 0.2)
    if leak_mode == "constant" and rng.random() < 0.7:
        params["leak_const"] = int(rng.integers(0, 3))
    if rng.random() < 0.5:
        params["refractory"] = int(rng.integers(1, 4))
    config = SCLayerTMConfig(**params)
    params["weights"] = power_on.phase_weights(
        config.parallel_config().synapse_params, power_on.POWER_ON_CYCLES // config.tick_cycles
    )
    return sc_layer_tm_params(SCLayerTMConfig(**params))


def tm_phase_cycles(params: Params, n: int) -> int:
    """Cycles of the power-on phase of an ``n``-cycle run: whole ticks."""
    return power_on.phase_cycles(n, SCLayerTMConfig(**params).tick_cycles)


def tm_stimulus(params: Params, rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    c = SCLayerTMConfig(**params)
    density = rng.uniform(0.3, 0.9)
    bits = rng.random((n, c.n_inputs)) < density
    spikes = (bits.astype(np.int64) << np.arange(c.n_inputs, dtype=np.int64)).sum(axis=1)
    top = (1 << c.weight_width) - 1
    w_en = (rng.random(n) < 0.02).astype(np.int64)
    w_addr = rng.integers(0, 1 << c.addr_width, n, dtype=np.int64)
    w_data = np.zeros(n, dtype=object)
    for t in np.flatnonzero(w_en):
        lanes = rng.integers(0, top + 1, c.lanes) * np.where(rng.random(c.lanes) < 0.25, -1, 1)
        word = encode_weight_word(lanes, c.weight_width)
        if rng.random() < 0.05:  # a negative zero in lane 0
            word |= 1 << c.weight_width
            word &= ~top
        w_data[t] = word
    stim = {
        "spikes": spikes,
        "en": (rng.random(n) < 0.9).astype(np.int64),
        "w_en": w_en,
        "w_addr": w_addr,
        "w_data": w_data,
    }
    k = tm_phase_cycles(params, n)
    ticks = power_on.phase_spike_bits(c.seed, k // c.tick_cycles, c.n_inputs).astype(np.int64)
    held = np.repeat(ticks, c.tick_cycles, axis=0)  # latched in each tick's first cycle
    phase = {
        "spikes": (held << np.arange(c.n_inputs, dtype=np.int64)).sum(axis=1),
        "en": np.ones(k, np.int64),
        "w_en": np.zeros(k, np.int64),
    }
    power_on.overwrite_start(stim, phase)
    return stim


SPEC = BlockSpec(
    name="sc_layer_tm",
    build=lambda p: HwLayerTM(**p),
    twin=SCLayerTMTwin,
    random_params=random_tm_params,
    stimulus=tm_stimulus,
    default_params={
        "n_inputs": 16,
        "n_neurons": 4,
        "lanes": 4,
        "weight_width": 8,
        # neuron 2 strongly excitatory with its threshold at V_MAX (fires by reaching the
        # top, sometimes clamped), neuron 3 strongly inhibitory (clamps at V_MIN); moved by
        # scripts/choose_power_on_weights.py from (53 (k + 1) (j + 5)) % 300 - 44, 255 - 7 j
        # and -255 + 5 j so that the 33-tick power-on phase shows a flip of bit 0 or 1 of
        # any weight
        "weights": [
            [135, -27, 56, 56, 135, 171, 168, -12, 84, 64, 168, 168, -84, 27, 56, 135],
            [164, -27, 107, 207, 27, 75, 112, 24, 135, 175, 56, 156, -99, 60, 168, -27],
            [212, 171, 212, 207, 168, 199, 212, 207, 211, 171, 168, 156, 168, 168, 156, 156],
            [-135, -140, -207, -207, -135, -199, -207, -207, -139, -175, -156, -156, -139]
            + [-199, -172, -156],
        ],
        "width": 16,
        "seed": 0xACE1,
        "v_width": 7,
        "thresholds": [12, 20, 63, 30],
        "leak_mode": "shift",
        "leak_shift": 4,
        "refractory": 2,
    },
    description="Time-multiplexed SC layer: P synapse lanes over weight/state/threshold "
    "memories, one LIF update per neuron per tick, streamed (neuron, spike, v) outputs",
    quiet_cycles=tm_phase_cycles,
)
