"""Checks shared by the learning core's cycle-twin tests (imported by name, like
``example_import``)."""

from __future__ import annotations

from sc_model.learning_core import LearningCycleOutputs, LearningRun


def check_presented(o: LearningCycleOutputs, run: LearningRun, t: int, where: str) -> int:
    """1 if ``o`` presents a neuron's update (``out_valid``), after asserting that its
    spike and membrane are tick ``t``'s of the tick model ``run``; else 0. ``where``
    names the case in the failure message (seed, tick)."""
    if not o.out_valid:
        return 0
    want = (run.spikes[t, o.out_neuron], run.v[t, o.out_neuron])
    assert (o.out_spike, o.out_v) == want, f"{where}: neuron {o.out_neuron}"
    return 1
