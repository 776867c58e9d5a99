"""rstdp's clamp phase (:func:`sc_cosim.blocks.rstdp.clamp_phase`) reaches every clamp.

Model side: over the phase of the default set and of the mutation check's
random set (seed 0), the model twin shows every eligibility at ``+E_MAX`` and
at ``-E_MAX``, and every weight at ``w_max`` right after the positive reward
and at ``w_min`` right after the negative one. RTL side: the mutants that
change a clamp *value* (the ones the partial full run of the old stimulus
left alive, docs/mutation.md) die on cosim seed 1 inside the phase.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from sc_cosim.blocks import get_block
from sc_cosim.blocks import rstdp as blk
from sc_cosim.mutation import block_mutants, mutation_param_sets, run_mutant
from sc_cosim.mutation_runs import config_of, key_of, read_results
from sc_model import arith
from sc_model import rstdp as model

ROOT = Path(__file__).resolve().parents[1]
SETS = dict(mutation_param_sets("rstdp", 0))


def _run_phase(params: dict) -> tuple[model.RSTDPConfig, dict, np.ndarray, np.ndarray]:
    """Model registers during each phase cycle and the one after: weights, eligibility."""
    r = model.RSTDPConfig(**params)
    rows = blk.clamp_phase_rows(params)
    twin = model.RSTDP(r)
    rb = r.reward_width
    w, e = [], []
    length = len(rows["en"])
    for t in range(length + 1):
        get = {port: int(v[t]) if t < length else 0 for port, v in rows.items()}.__getitem__
        raw = get("reward")
        out = twin.step(
            arith.unpack_bits(get("pre"), r.n_pre),
            arith.unpack_bits(get("post"), r.n_post),
            get("en"),
            get("w_en"),
            get("w_addr"),
            get("w_data"),
            raw - (1 << rb) if raw >> (rb - 1) else raw,
            get("reward_strobe"),
        )
        w.append(out.weights.reshape(-1))
        e.append(out.eligibility.reshape(-1))
    return r, rows, np.array(w), np.array(e)


@pytest.mark.parametrize("label", list(SETS))
def test_clamp_phase_reaches_every_clamp_in_the_model(label: str) -> None:
    r, rows, w, e = _run_phase(SETS[label])
    length = len(rows["en"])
    assert length == blk.clamp_phase_cycles(SETS[label])
    assert (e == r.elig_max).any(axis=0).all(), f"{label}: some eligibility never at +E_MAX"
    assert (e == -r.elig_max).any(axis=0).all(), f"{label}: some eligibility never at -E_MAX"
    strobes = np.flatnonzero(rows["reward_strobe"])
    assert strobes.size == 2, f"{label}: the phase strobes twice, not {strobes.size} times"
    # applied in the D-th enabled cycle after the strobe, shown in the next row
    en = np.flatnonzero(rows["en"])
    shown = [en[np.searchsorted(en, s) + r.reward_delay] + 1 for s in strobes]
    assert (w[shown[0]] == r.w_max).all(), f"{label}: weights after the positive reward"
    assert (w[shown[1]] == r.w_min).all(), f"{label}: weights after the negative reward"
    # the updates past the clamps: (reward x eligibility) >> shift of the applying cycle
    lo, hi = r.reward_range
    assert rows["reward"][strobes[0]] == hi
    assert rows["reward"][strobes[1]] == lo & ((1 << r.reward_width) - 1)
    up = (hi * e[shown[0] - 1]) >> r.reward_shift
    down = (lo * e[shown[1] - 1]) >> r.reward_shift
    assert (down <= -1).all(), f"{label}: the negative reward does not pass w_min: {down}"
    if label == "default":
        assert (up >= 1).all(), f"{label}: the positive reward does not pass w_max: {up}"
    else:  # 63 x E_MAX 1 < 2**12: w_max is out of reach of any reward (clamp_phase)
        assert (up == 0).all()


# (set, index in its enumeration, the constant change); synapse 0_0's clamp values
CLAMP_VALUE_MUTANTS = [
    ("default", 1044, r"\? 9'h0ff : e_sum_0_0\[8:0\];  \+ .*\? 9'h0fe"),
    ("default", 1049, r"\$359  = \\\$356  \? 9'h101 : .*\? 9'h100"),
    ("default", 1065, r"\? 10'h1ff : w_sum_0_0\[9:0\];  \+ .*\? 10'h1fe"),
    ("default", 1070, r"\$365  = \\\$362  \? 10'h200 : .*\? 10'h201"),
    ("random(seed=0)", 65, r"\? 2'h1 : e_sum_0_0\[1:0\];  \+ .*\? 2'h0"),
    ("random(seed=0)", 70, r"\$18  = \\\$15  \? 2'h3 : .*\? 2'h2"),
    ("random(seed=0)", 91, r"\$24  = \\\$21  \? 2'h2 : .*\? 2'h3"),
]


@pytest.mark.mutation
def test_clamp_value_mutants_die_inside_the_phase() -> None:
    mutants, _, _ = block_mutants("rstdp", 0)
    by_key = {(m.label, m.index): m for m in mutants}
    cycles = 400
    for label, index, pattern in CLAMP_VALUE_MUTANTS:
        m = by_key[(label, index)]
        assert re.search(pattern, m.change.diff()), (
            f"the enumeration changed: {m.describe()} is not {pattern!r}"
        )
        result = run_mutant(m, (1,), cycles, path="replay")
        assert result.status == "killed", f"{m.describe()}: {result.status}"
        cycle = int(re.match(r"cycle (\d+):", result.message).group(1))
        length = blk.clamp_phase_cycles(SETS[label])
        assert cycle <= length, f"{m.describe()} died at cycle {cycle}, after the phase ({length})"


def test_results_of_the_old_stimulus_are_never_reused() -> None:
    """A results file's config carries rstdp's stimulus version, so a resumed run reruns all."""
    spec = get_block("rstdp")
    assert spec.stimulus_version == blk.STIMULUS_VERSION == 2
    now = config_of(0, (1, 2, 3), 2000, spec.stimulus_version)
    assert now["stimulus"] == 2
    assert "stimulus" not in config_of(0, (1, 2, 3), 2000)  # version 1: the older files' config
    old = read_results(ROOT / "docs" / "mutation_runs" / "rstdp_stimulus1.jsonl")
    assert old and all(
        rec["config"] == {"seed": 0, "seeds": [1, 2, 3], "cycles": 2000} for rec in old.values()
    )
    m = block_mutants("rstdp", 0)[0][0]
    assert key_of("rstdp", m.label, m.index, m.change.diff(), now) not in old
