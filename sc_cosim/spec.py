"""What the co-simulation harness needs to know about one hardware block.

A block is registered by a module in :mod:`sc_cosim.blocks` that defines
``SPEC = BlockSpec(...)``. The spec ties the three parts of the co-design
contract together: how to build the Amaranth twin from a parameter dict,
how to build the model twin from the same dict, how to draw random
parameters and random stimulus.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
from amaranth.lib import wiring


class Twin(Protocol):
    """Cycle interface of a model twin as the harness drives it.

    ``step(inputs)`` returns every output port's value *during* the current
    cycle (given the register state and this cycle's inputs), then applies
    the rising clock edge. ``reset()`` applies the synchronous reset.
    """

    def step(self, inputs: dict[str, int]) -> dict[str, int]: ...

    def reset(self) -> None: ...


Params = dict[str, Any]


@dataclass(frozen=True)
class BlockSpec:
    """How to build, model and stimulate one block.

    Attributes
    ----------
    name : str
        Block name, used on the command line and as the Verilog top name
        ``sc_<name>``.
    build : params -> wiring.Component
        Construct the Amaranth twin.
    twin : params -> Twin
        Construct the cycle model twin (wrapping the vectorised sc_model code).
    random_params : Generator -> params
        Draw one random, valid parameter set.
    stimulus : (params, Generator, n_cycles) -> {port: int64 array (n_cycles,)}
        Random values for every input port on every cycle.
    default_params : params
        The parameter set used by ``sc-hw generate`` without ``--param``.
    description : str
        One line for ``sc-hw list``.
    param_ranges : {name: str}
        Optional: the valid range of a parameter as the model checks it
        (``"[3, 32]"``, ``"1 .. width // 2"``), shown by ``sc-hw info``.
    latency : str
        Optional: when each output appears, in cycles (from the model's
        contract), shown by ``sc-hw info``.
    quiet_cycles : (params, n_cycles) -> int
        Optional: how many cycles at the start of a run the harness keeps
        free of mid-run resets (the stimulus's power-on phase,
        :mod:`sc_cosim.power_on`, whose random numbers must run from the
        initial reset undisturbed). Default: none.
    power_on_stimulus : (params, stimulus, seed) -> None
        Optional: edits, in place, the stimulus of a run *without* the initial
        reset (``run_cosim(..., initial_reset=False)``) of run ``seed``, for a
        stimulus whose first cycles were designed for the state after the
        initial reset and would hide some power-on values (``stp_unit``: a
        register read only in a cycle without a spike). Default: none (the
        same stimulus either way). Runs with the initial reset never see it.
    stimulus_version : int
        Raised when ``stimulus`` changes what it draws; mutation results files
        record it (when above 1) so verdicts of two stimuli are never mixed
        (:func:`sc_cosim.mutation_runs.config_of`). Default 1.
    """

    name: str
    build: Callable[[Params], wiring.Component]
    twin: Callable[[Params], Twin]
    random_params: Callable[[np.random.Generator], Params]
    stimulus: Callable[[Params, np.random.Generator, int], dict[str, np.ndarray]]
    default_params: Params = field(default_factory=dict)
    description: str = ""
    param_ranges: dict[str, str] = field(default_factory=dict)
    latency: str = ""
    quiet_cycles: Callable[[Params, int], int] | None = None
    power_on_stimulus: Callable[[Params, dict[str, np.ndarray], int], None] | None = None
    stimulus_version: int = 1

    @property
    def toplevel(self) -> str:
        return f"sc_{self.name}"

    def draw_run(
        self,
        params: Params,
        seed: int,
        cycles: int,
        reset_p: float,
        initial_reset: bool = True,
    ) -> tuple[dict[str, np.ndarray], np.ndarray]:
        """The stimulus of one co-simulation run and its mid-run resets (bool per cycle).

        The one draw of run ``seed``: the cocotb bench and the mutation check's
        replay path both take it from here, so they drive the same cycles.
        ``initial_reset=False`` (a run that starts from the power-on state)
        keeps ``rst`` low in cycle 0 and applies :attr:`power_on_stimulus`
        (when the block has one) to the same draw.
        """
        rng = np.random.default_rng([seed, 1])
        stim = self.stimulus(params, rng, cycles)
        resets = rng.random(cycles) < reset_p
        if self.quiet_cycles is not None:
            resets[: self.quiet_cycles(params, cycles)] = False  # the power-on phase
        if not initial_reset:
            resets[0] = False  # the first cycle sees the power-on state, not a reset
            if self.power_on_stimulus is not None:
                self.power_on_stimulus(params, stim, seed)
        return stim, resets
