"""Every registered block: generated Verilog equals sc_model on every cycle.

``SC_COSIM_SETS`` random parameter sets per block (default 20), each run for
``SC_COSIM_CYCLES`` cycles (default 2000) with its own stimulus seed. A
failure prints the parameters, the seed and a command that reproduces it.
"""

from __future__ import annotations

import pytest

from sc_cosim.blocks import all_blocks
from sc_cosim.harness import base_seed, default_reset_p, default_sets, run_cosim

CASES = [(block, index) for block in all_blocks() for index in range(default_sets())]


@pytest.mark.cosim
@pytest.mark.parametrize(("block", "index"), CASES, ids=[f"{b}-{i}" for b, i in CASES])
def test_rtl_matches_model_every_cycle(block: str, index: int) -> None:
    result = run_cosim(block, seed=base_seed() + index)
    assert result.passed, result.report()


HIGH_RESET_P = 0.05
HIGH_RESET_CYCLES = 600


@pytest.mark.cosim
@pytest.mark.parametrize("block", list(all_blocks()))
def test_rtl_matches_model_under_frequent_resets(block: str) -> None:
    """One random parameter set per block with a mid-run reset in 5 % of the cycles.

    About 30 resets in 600 cycles: reset values of every register are compared
    again and again, also in the middle of a multi-cycle operation.
    """
    result = run_cosim(
        block, seed=base_seed() + 1000, cycles=HIGH_RESET_CYCLES, reset_p=HIGH_RESET_P
    )
    assert result.passed, result.report()


@pytest.mark.parametrize(
    ("raw", "error"),
    [("abc", ValueError), ("1", ValueError), ("-0.1", ValueError), ("nan", ValueError)],
)
def test_reset_p_env_is_validated(monkeypatch: pytest.MonkeyPatch, raw: str, error: type) -> None:
    monkeypatch.setenv("SC_COSIM_RESET_P", raw)
    with pytest.raises(error, match=f"SC_COSIM_RESET_P.*{raw!r}"):
        default_reset_p()


def test_reset_p_argument_is_validated(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SC_COSIM_RESET_P", "0.25")
    assert default_reset_p() == 0.25
    monkeypatch.delenv("SC_COSIM_RESET_P")
    assert default_reset_p() == 0.002
    with pytest.raises(ValueError, match=r"reset_p must be in \[0, 1\).*1.5"):
        run_cosim("lfsr", seed=0, cycles=10, reset_p=1.5)
    with pytest.raises(TypeError, match="reset_p must be a number.*'0.1'"):
        run_cosim("lfsr", seed=0, cycles=10, reset_p="0.1")  # type: ignore[arg-type]
