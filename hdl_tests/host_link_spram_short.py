"""A short exchange on the core of ``configs/board_learning_core_spram.json`` (default run).

The first 16 weight words of each neuron (inputs 0 .. 47) from the episode's
network, thresholds 50, one burst of 8 ticks (two ``RUN`` frames: 7 ticks of
32-byte spike groups, then 1), and those words read back. The full episode is
``host_link_spram_episode.py`` (``-m long``).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np

from sc_host import Chip

_spec = importlib.util.spec_from_file_location(
    "host_link_spram_episode", Path(__file__).resolve().parent / "host_link_spram_episode.py"
)
_episode = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_episode)

CHUNKS = 86  # ceil(256 / 3)
USED = 16  # words written per neuron


def main(chip: Chip) -> dict:
    words = _episode.network().weight_words()
    m = chip.info.n_neurons
    for n in range(m):
        chip.write_words(0, n * CHUNKS, words[n * CHUNKS : n * CHUNKS + USED])
    chip.write_words(1, 0, [50] * m)
    rng = np.random.default_rng(7)
    spikes = (rng.random((8, chip.info.n_inputs)) < 0.5).astype(np.uint8)
    return {
        "written": [words[n * CHUNKS : n * CHUNKS + USED] for n in range(m)],
        "spikes_out": chip.run(spikes).tolist(),
        "words": [chip.read_words(0, n * CHUNKS, USED) for n in range(m)],
        "state": chip.read_words(2, 0, m),
        "status": chip.status(),
    }
