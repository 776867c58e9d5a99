"""Print default weights whose bit-0 and bit-1 flips show in the power-on phase.

Usage: ``python scripts/choose_power_on_weights.py [BLOCK ...]`` (default: the
three blocks with power-on weights). Starts from the formulas the default
sets used before issue 15 and runs :func:`sc_cosim.power_on.showing_weights`;
the output is what ``sc_cosim/blocks/{synapses,sc_layer,sc_layer_tm}.py``
hold as ``default_params["weights"]``.
"""

from __future__ import annotations

import sys

import numpy as np

from sc_cosim import power_on
from sc_cosim.blocks import get_block

FORMULAS = {
    "synapses": [[(37 * (m + 1) * (j + 3)) % 511 - 255 for j in range(8)] for m in range(4)],
    "sc_layer": [[(53 * (k + 1) * (j + 5)) % 300 - 44 for j in range(16)] for k in range(4)],
    "sc_layer_tm": [[(53 * (k + 1) * (j + 5)) % 300 - 44 for j in range(16)] for k in range(2)]
    + [[255 - 7 * j for j in range(16)], [-255 + 5 * j for j in range(16)]],
}
BITS = (0, 1)


def main(blocks: list[str]) -> None:
    for block in blocks:
        params = dict(get_block(block).default_params, weights=FORMULAS[block])
        run, p, inputs = power_on.phase_model(block, params)
        _, randoms, active = power_on.synapse_phase(p, len(inputs))
        w = power_on.showing_weights(
            params["weights"], run, randoms, active, p.weight_width, p.synapse, BITS
        )
        shown = [power_on.flips_shown(w, run, b) for b in BITS]
        print(f"{block}: bits {BITS} shown for {[round(float(s.mean()), 3) for s in shown]}")
        print(np.array2string(w, separator=", ", max_line_width=100))


if __name__ == "__main__":
    main(sys.argv[1:] or list(power_on.PHASE_BLOCKS))
