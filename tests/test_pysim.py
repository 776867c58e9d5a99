"""Every registered block in Amaranth's simulator against its model twin."""

from __future__ import annotations

import pytest

from sc_cosim.blocks import all_blocks
from sc_cosim.harness import params_for

CASES = [(block, index) for block in all_blocks() for index in range(3)]


@pytest.mark.parametrize(("block", "index"), CASES, ids=[f"{b}-{i}" for b, i in CASES])
def test_amaranth_sim_matches_model(block: str, index: int) -> None:
    from sc_cosim.pysim import pysim_against_twin

    seed = 7000 + index
    assert pysim_against_twin(block, params_for(block, seed), seed, 400) == ""
