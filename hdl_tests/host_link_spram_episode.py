"""A learning episode on a core shaped like the UP5K 65,536-synapse core, small enough to cosim.

The core is ``configs/board_learning_core_spram.json``: the structure of
``configs/learning_core_up5k.json`` (256 inputs, 3 lanes of 9-bit
sign-magnitude weights = 27-bit words, weights in SPRAM, registered host
access, STDP) with 2 neurons instead of 256 (172 weight words instead of
22,016). SPRAM has no power-on contents, so ``main`` loads the image over the
link first, then runs bursts of 8 ticks (a 256-input tick is 32 bytes, so a
``RUN`` frame carries at most 7 ticks: each burst takes two frames) and reads
every word back.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from sc_host import Chip, LinkError
from sc_model.sc_layer_tm import SCLayerTMConfig

CONFIG = Path(__file__).resolve().parent.parent / "configs" / "board_learning_core_spram.json"
LAYER_FIELDS = ("n_inputs", "n_neurons", "lanes", "weight_width", "v_width", "leak_mode")


def network(seed: int = 2027) -> SCLayerTMConfig:
    """The layer loaded: the core's sizes, random weights in [w_min, w_max], random thresholds."""
    core = json.loads(CONFIG.read_text())
    rng = np.random.default_rng(seed)
    n, m = core["n_inputs"], core["n_neurons"]
    return SCLayerTMConfig(
        **{k: core[k] for k in LAYER_FIELDS},
        leak_shift=core["leak_shift"],
        weights=rng.integers(core["w_min"], core["w_max"] + 1, (m, n)).tolist(),
        thresholds=rng.integers(40, 90, m).tolist(),
    )


def main(chip: Chip) -> dict:
    chip.load(network())
    loaded = chip.read_weights().tolist()
    rng = np.random.default_rng(12)
    out, rewards = [], []
    for burst in range(2):
        spikes = (rng.random((8, chip.info.n_inputs)) < 0.25 + 0.1 * burst).astype(np.uint8)
        out.append(chip.run(spikes).tolist())
        try:
            chip.reward(1)
            rewards.append("ok")
        except LinkError as exc:  # the STDP core has no reward input: UNSUPPORTED
            rewards.append(exc.code)
    return {
        "info": chip.info,
        "weights_loaded": loaded,
        "spikes_out": out,
        "rewards": rewards,
        "weights": chip.read_weights().tolist(),
        "thresholds": chip.read_thresholds(),
        "state": chip.read_words(2, 0, chip.info.n_neurons),
        "pre_traces": chip.read_words(3, 0, 86),
        "status": chip.status(),
    }
