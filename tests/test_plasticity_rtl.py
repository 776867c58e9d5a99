"""Shortened STDP and R-STDP demos replayed on the generated RTL (examples/plasticity_rtl.py).

Both demos' shortened training runs must give, in cocotb + Icarus, the
model's weights, traces and eligibility in every cycle and the demo's final
weights, with many weight changes on the way (so the comparison is not
vacuous). The recorded streams are the demos' own: replaying the recorded
inputs through the demo's ``run``/``run_trials`` gives the returned weights.
The check can fail: a single post spike flipped in the RTL's stream gives a
mismatch from exactly the next cycle on, in the weights (the flipped spike
potentiates synapses whose pre trace is large) and the post trace, and the
command line exits 1 when the run has fewer weight changes than required.
"""

from __future__ import annotations

import contextlib
import io
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest
from example_import import load_example

ROOT = Path(__file__).resolve().parent.parent
STDP_CYCLES = 3000
RSTDP_TRIALS = 12
SEED = 1


@pytest.fixture(scope="module")
def demo() -> ModuleType:
    return load_example("examples/plasticity_rtl.py")


@pytest.fixture(scope="module")
def stdp_case(demo):
    return demo.stdp_case(STDP_CYCLES, SEED)


@pytest.fixture(scope="module")
def rstdp_case(demo):
    return demo.rstdp_case(RSTDP_TRIALS, SEED)


def _assert_bit_exact(report, case) -> None:
    assert all(n == 0 for n in report.mismatches.values()), "\n".join(report.lines())
    assert set(report.mismatches) == set(case.fields)
    assert report.final_weights_equal, "\n".join(report.lines())
    assert report.cycles == case.n_cycles
    assert report.weight_changes >= report.min_changes, "\n".join(report.lines())
    assert report.ok


def test_stdp_demo_bit_exact_on_rtl(demo, stdp_case, tmp_path) -> None:
    report = demo.run_case(stdp_case, tmp_path)
    _assert_bit_exact(report, stdp_case)
    assert stdp_case.n_cycles == STDP_CYCLES
    # learning happened on every synapse, and the neuron fired (post is the LIF output)
    assert report.synapses_changed == 64
    assert report.weight_changes >= 1000
    assert sum(stdp_case.inputs["post"]) >= 20
    assert not np.array_equal(stdp_case.final_weights, stdp_case.weights[0])


def test_rstdp_demo_bit_exact_on_rtl(demo, rstdp_case, tmp_path) -> None:
    report = demo.run_case(rstdp_case, tmp_path)
    _assert_bit_exact(report, rstdp_case)
    rs = load_example("examples/rstdp_choice.py")
    trial = rs.TRIAL + rs.GAP
    assert rstdp_case.n_cycles == RSTDP_TRIALS * trial
    # one reward strobe per trial, two cycles after the stimulus, of both signs
    strobes = np.flatnonzero(rstdp_case.inputs["reward_strobe"])
    np.testing.assert_array_equal(strobes, np.arange(RSTDP_TRIALS) * trial + rs.TRIAL + 2)
    rewards = np.array(rstdp_case.inputs["reward"])[strobes]
    assert (rewards >= 128).any() and (rewards < 128).any()  # 8-bit two's complement
    # the weights change only at the edge ending the cycle a strobe reaches after the delay,
    # so every compared weight change was caused by a reward
    delay = rstdp_case.params["reward_delay"]
    changed_at = np.flatnonzero(np.diff(rstdp_case.weights, axis=0).any(axis=(1, 2)))
    assert set(changed_at) <= set(strobes + delay), (changed_at, strobes)
    assert len(changed_at) >= RSTDP_TRIALS // 2
    assert report.weight_changes >= 100


def test_recorded_streams_are_the_demos(demo) -> None:
    """Replaying the recorded pre spikes through the demo's own loop gives the same weights."""
    sp = load_example("examples/stdp_pattern.py")
    rec = sp.record_training(500, SEED)
    stim = sp.Stimulus(rec.pre, np.zeros(500 // sp.SLOT, bool))
    w0 = np.array(rec.params["weights"][0])
    out, w1 = sp.run(w0, stim, learn=True)
    np.testing.assert_array_equal(out, rec.post[:, 0])
    np.testing.assert_array_equal(w1, rec.final_weights[0])
    np.testing.assert_array_equal(rec.states[-1].weights, rec.final_weights)
    assert len(rec.states) == 501


def _flip_cycle(case, w_max: int) -> int:
    """A cycle without a post spike where some silent input's pre trace is large enough that
    a post spike would potentiate it by at least one step (``3 x >> 7 >= 1``), below ``w_max``."""
    post, pre = case.inputs["post"], case.inputs["pre"]  # Python ints (64-bit pre fields)
    packed = case.expected["pre_trace"]
    traces = np.array([[(v >> (8 * j)) & 0xFF for j in range(64)] for v in packed])
    for t in range(100, case.n_cycles):
        silent = np.array([(pre[t] >> j) & 1 == 0 for j in range(64)])
        ok = silent & (traces[t] >= 43) & (case.weights[t, 0] < w_max)
        if post[t] == 0 and ok.any():
            return t
    raise AssertionError("no cycle to flip")


def test_one_flipped_post_spike_is_detected(demo, tmp_path) -> None:
    case = demo.stdp_case(1000, SEED)
    t = _flip_cycle(case, case.params["w_max"])
    report = demo.run_case(demo.flip_post_spike(case, t), tmp_path)
    assert not report.ok
    # everything equal up to the flipped cycle, different from the next one on
    assert report.first_mismatch["weights"] == t + 1, report.lines()
    assert report.first_mismatch["post_trace"] == t + 1, report.lines()
    assert report.first_mismatch["pre_trace"] is None  # pre spikes were not touched
    assert report.mismatches["weights"] >= 1


def test_rstdp_flipped_post_spike_is_detected(demo, tmp_path) -> None:
    case = demo.rstdp_case(3, SEED)
    t = 5  # inside the first trial
    assert (case.inputs["post"][t] >> 1) & 1 == 0
    report = demo.run_case(demo.flip_post_spike(case, t, neuron=1), tmp_path, min_changes=0)
    assert not report.ok
    assert report.first_mismatch["post_trace"] == t + 1, report.lines()
    assert report.first_mismatch["eligibility"] == t + 1, report.lines()
    # the weights first differ when the first reward is applied: strobe in cycle TRIAL + 2,
    # applied reward_delay enabled cycles later, shown from the cycle after that
    rs = load_example("examples/rstdp_choice.py")
    applied = rs.TRIAL + 2 + case.params["reward_delay"]
    assert report.first_mismatch["weights"] == applied + 1, report.lines()
    assert not report.final_weights_equal


def test_cli_exits_1_without_enough_weight_changes(demo, tmp_path) -> None:
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        args = ["--demo", "rstdp", "--trials", "2", "--out", str(tmp_path)]
        status = demo.main([*args, "--min-changes", "1000000"])
    text = buf.getvalue()
    assert status == 1, text
    assert "FAILED" in text and "mismatching cycles 0" in text
    assert (tmp_path / "rstdp" / "report.json").exists()
