"""Every input bit of every block toggles in the harness's stimulus.

For each registered block, its default parameters and random parameter sets
(the first cosim sets ``SC_COSIM_SEED + 0..4`` and the mutation check's sets
0..3), the stimulus the co-simulation drives (``spec.stimulus`` with the
generator ``default_rng([seed, 1])`` of :mod:`sc_cosim.cosim_tb`, 2000
cycles) must give every bit of every input port both values. A failure names
the block, the seed, the port and the bits.
"""

from __future__ import annotations

import numpy as np
import pytest
from amaranth.hdl import Shape

from sc_cosim.blocks import all_blocks, get_block
from sc_cosim.harness import base_seed, input_ports, params_for, signature_of
from sc_cosim.toggles import toggle_every_bit, untoggled_bits

CYCLES = 2000


def _sets(block: str) -> list[tuple[str, int, dict]]:
    spec = get_block(block)
    out = [("default", 0, dict(spec.default_params))]
    for seed in [base_seed() + i for i in range(5)] + list(range(4)):
        out.append((f"random(seed={seed})", seed, params_for(block, seed)))
    return out


@pytest.mark.parametrize("block", list(all_blocks()))
def test_every_input_bit_toggles(block: str) -> None:
    spec = get_block(block)
    missing = []
    for label, seed, params in _sets(block):
        stim = spec.stimulus(params, np.random.default_rng([seed, 1]), CYCLES)
        signature = signature_of(block, params)
        for port in input_ports(signature):
            width = Shape.cast(signature.members[port].shape).width
            bits = untoggled_bits(stim[port], width)
            if bits:
                missing.append(f"{block} {label} (stimulus seed {seed}) port {port!r}: bits {bits}")
    assert not missing, "input bits that never toggle:\n" + "\n".join(missing)


def test_untoggled_bits_and_the_fix() -> None:
    values = np.array([0b0101, 0b0111, 0b0101], dtype=np.int64)
    assert untoggled_bits(values, 4) == [0, 2, 3]
    fixed = toggle_every_bit(values, 4, np.random.default_rng(0))
    assert untoggled_bits(fixed, 4) == []
    assert ((fixed ^ values) & 0b0010).sum() == 0  # a toggling bit is untouched
    wide = np.array([1 << 70, 1 << 70], dtype=object)
    assert untoggled_bits(toggle_every_bit(wide, 72, np.random.default_rng(1)), 72) == []
    assert untoggled_bits(np.array([-1, -1], dtype=np.int64), 3) == [0, 1, 2]
    with pytest.raises(ValueError, match="at least 2 cycles"):
        toggle_every_bit(values[:1], 4, np.random.default_rng(0))
