"""A learning episode over the board link: the same code on the model, the co-simulation
and a board (``sc-hw host-run examples/host_link_episode.py --target model|cosim|serial``).

``network()`` stands for a trained layer (here: random, seeded) of the size of
``configs/board_learning_core.json``; ``python examples/host_link_episode.py DIR``
exports it to ``DIR`` (:func:`sc_model.export.export_sc_layer_tm`). ``main(chip)``
loads the export directory named by ``SC_NET`` (or exports ``network()`` to a
temporary one), runs three bursts of input spikes with a reward after each,
and reads every weight, threshold and state word back. It returns plain
values, so the runs on the three transports can be compared with ``==``.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

import numpy as np

from sc_host import Chip, LinkError
from sc_model.export import export_sc_layer_tm
from sc_model.sc_layer_tm import SCLayerTMConfig

CONFIG = Path(__file__).resolve().parent.parent / "configs" / "board_learning_core.json"
LAYER_FIELDS = (
    "n_inputs",
    "n_neurons",
    "lanes",
    "weight_width",
    "width",
    "seed",
    "v_width",
    "leak_mode",
    "leak_shift",
)


def network(seed: int = 2026) -> SCLayerTMConfig:
    """The layer to load: the board core's layer parameters, random weights and thresholds."""
    core = json.loads(CONFIG.read_text())
    rng = np.random.default_rng(seed)
    n, m, wb = core["n_inputs"], core["n_neurons"], core["weight_width"]
    top = (1 << wb) - 1
    return SCLayerTMConfig(
        **{k: core[k] for k in LAYER_FIELDS},
        weights=rng.integers(-top // 2, top + 1, (m, n)).tolist(),
        thresholds=rng.integers(3, 9, m).tolist(),
    )


def main(chip: Chip) -> dict:
    if os.environ.get("SC_NET"):
        chip.load(os.environ["SC_NET"])
    else:
        with tempfile.TemporaryDirectory() as d:
            export_sc_layer_tm(network(), d)
            chip.load(d)
    rng = np.random.default_rng(11)
    out, rewards = [], []
    for burst in range(3):
        spikes = (rng.random((10, chip.info.n_inputs)) < 0.4 + 0.1 * burst).astype(np.uint8)
        out.append(chip.run(spikes).tolist())
        try:
            chip.reward(1 if burst % 2 == 0 else -1)
            rewards.append("ok")
        except LinkError as exc:  # a core without a reward input answers UNSUPPORTED
            rewards.append(exc.code)
    return {
        "info": chip.info,
        "spikes_out": out,
        "rewards": rewards,
        "weights": chip.read_weights().tolist(),
        "weight_words": chip.read_weight_words(),
        "thresholds": chip.read_thresholds(),
        "state": chip.read_words(2, 0, chip.info.n_neurons),
        "status": chip.status(),
    }


if __name__ == "__main__":
    out = sys.argv[1] if len(sys.argv) > 1 else "build/net"
    export_sc_layer_tm(network(), out)
    print(f"exported the layer to {out}")
