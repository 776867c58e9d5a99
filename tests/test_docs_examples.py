"""The worked example of docs/contract.md runs and its twins agree.

The three code blocks of the example are executed as the modules they claim
to be (``sc_model.toggle``, ``sc_hw.toggle``, ``sc_cosim.blocks.toggle``,
installed only for this test), then the model is checked against its own
closed form and the Amaranth twin against the model, cycle by cycle.
"""

from __future__ import annotations

import re
import sys
import types
from pathlib import Path

import numpy as np
import pytest

DOC = Path(__file__).resolve().parent.parent / "docs" / "contract.md"


def _load_example_modules(monkeypatch) -> dict[str, types.ModuleType]:
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(), flags=re.S)
    names = ["sc_model.toggle", "sc_hw.toggle", "sc_cosim.blocks.toggle_example"]
    assert len(blocks) == len(names), "docs/contract.md must keep its three example blocks"
    modules = {}
    for name, code in zip(names, blocks, strict=True):
        module = types.ModuleType(name)
        monkeypatch.setitem(sys.modules, name, module)
        exec(compile(code, f"{DOC}:{name}", "exec", dont_inherit=True), module.__dict__)
        modules[name] = module
    return modules


def test_contract_example_model_matches_its_closed_form(monkeypatch) -> None:
    model = _load_example_modules(monkeypatch)["sc_model.toggle"]
    rng = np.random.default_rng(11)
    t_in = rng.integers(0, 2, (3, 200))
    for row, seq in zip(t_in, model.toggle_sequence(t_in), strict=True):
        twin = model.Toggle()
        assert [twin.step(int(x)) for x in row] == seq.tolist()
    # q after k cycles is the parity of the ones seen so far (from init)
    assert model.toggle_sequence(np.array([1, 1, 0, 1, 0]))[-1] == 1
    one = model.ToggleConfig(init=1)
    assert model.toggle_sequence(np.array([1, 1, 0, 1, 0]), one).tolist() == [1, 0, 1, 1, 0]
    twin = model.Toggle(one)
    assert [twin.step(x) for x in (1, 1, 0, 1, 0)] == [1, 0, 1, 1, 0]
    with pytest.raises(ValueError, match=r"init must be in \[0, 1\], not 2"):
        model.ToggleConfig(init=2)


def test_contract_example_rtl_matches_model(monkeypatch) -> None:
    from sc_cosim.pysim import pysim_against_twin

    spec = _load_example_modules(monkeypatch)["sc_cosim.blocks.toggle_example"].SPEC
    assert pysim_against_twin(spec, {}, seed=4, cycles=300) == ""
    assert pysim_against_twin(spec, {"init": 1}, seed=5, cycles=300) == ""
