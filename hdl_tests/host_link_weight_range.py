"""A load refused for one weight outside the core's range, then a valid load and a run.

The core is ``configs/board_learning_core.json`` with ``w_min = -20``, ``w_max = 20``
(:data:`W_RANGE`; the test builds it). ``main(chip)`` tries to load the layer with
the weight (neuron 2, input 5) set to 21, records the error, then loads the
valid layer, runs 12 ticks and reads the weights and the link's counters back.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from sc_host import Chip
from sc_model.sc_layer_tm import SCLayerTMConfig

CONFIG = Path(__file__).resolve().parent.parent / "configs" / "board_learning_core.json"
W_RANGE = (-20, 20)
BAD = (2, 5)  # (neuron, input) of the weight set outside the range
LAYER_FIELDS = ("n_inputs", "n_neurons", "lanes", "weight_width", "width", "seed", "v_width")
LAYER_FIELDS += ("leak_mode", "leak_shift")


def core_params() -> dict:
    """The board core with the narrower weight range."""
    return {**json.loads(CONFIG.read_text()), "w_min": W_RANGE[0], "w_max": W_RANGE[1]}


def network(bad: bool = False) -> SCLayerTMConfig:
    """Random weights inside :data:`W_RANGE` (seeded); with ``bad``, the weight at
    :data:`BAD` is ``w_max + 1`` (still inside the 6-bit word's +-63)."""
    core = core_params()
    rng = np.random.default_rng(7)
    m, n = core["n_neurons"], core["n_inputs"]
    w = rng.integers(W_RANGE[0], W_RANGE[1] + 1, (m, n))
    if bad:
        w[BAD] = W_RANGE[1] + 1
    return SCLayerTMConfig(
        **{k: core[k] for k in LAYER_FIELDS},
        weights=w.tolist(),
        thresholds=rng.integers(3, 9, m).tolist(),
    )


def main(chip: Chip) -> dict:
    try:
        chip.load(network(bad=True))
        refused = None
    except ValueError as e:
        refused = str(e)
    chip.load(network())
    spikes = np.random.default_rng(8).integers(0, 2, (12, chip.info.n_inputs))
    out = chip.run(spikes)
    return {
        "refused": refused,
        "w_range": chip.info.w_range,
        "spikes_out": out.tolist(),
        "weights": chip.read_weights().tolist(),
        "status": chip.status(),
    }
