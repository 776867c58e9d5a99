"""Board systems by description (the hardware half; :mod:`sc_host.systems` adds the model).

A description is a JSON-friendly dict::

    {"core": "learning_core" | "fixture", "params": {...}, "divisor": D, "timeout": T}

``params`` are the core's parameters (:class:`sc_model.learning_core.LearningCoreConfig`
fields, or those of :class:`sc_cosim.link_fixture.FixtureCore`), ``divisor``
the UART's clock cycles per bit and ``timeout`` the link's idle timeout in
cycles. The plain time-multiplexed layer is the learning core with
``a_plus = a_minus = 0`` (its model then equals ``sc_layer_tm`` cycle for
cycle): :func:`plain_layer_params`.
"""

from __future__ import annotations

from typing import Any

from sc_cosim.link_fixture import FixtureCore, FixtureModel
from sc_hw.board_system import BoardSystem
from sc_hw.learning_core import LearningCore
from sc_model import host_link as hl
from sc_model._validate import check_choice
from sc_model.learning_core import LearningCoreConfig

CORES = ("learning_core", "sc_layer_tm", "fixture")
Description = dict[str, Any]


def plain_layer_params(params: dict[str, Any]) -> dict[str, Any]:
    """``params`` with plasticity off (the plain TM layer's behaviour)."""
    return {**params, "a_plus": 0, "a_minus": 0}


def core_params(desc: Description) -> dict[str, Any]:
    """The core's parameters of ``desc`` (plasticity removed for ``sc_layer_tm``)."""
    core = check_choice("core", desc.get("core"), CORES)
    return plain_layer_params(desc["params"]) if core == "sc_layer_tm" else desc["params"]


def learning_core_sizes(c: LearningCoreConfig) -> dict[str, Any]:
    """The host spaces of the learning core (its model docstring's host port)."""
    return {
        "n_inputs": c.n_inputs,
        "n_neurons": c.n_neurons,
        "data_width": c.host_data_width,
        "addr_width": c.host_addr_width,
        "depths": (c.words, c.n_neurons, c.n_neurons, c.chunks, c.words if c.rstdp else 0),
        "widths": (
            c.word_width,
            c.v_width,
            c.state_width,
            c.pre_word_width,
            c.elig_word_width if c.rstdp else 0,
        ),
        "has_reward": bool(c.rstdp),
        "reward_width": c.reward_width,
        "w_range": (c.w_min, c.w_max),
    }


def link_params(desc: Description) -> dict[str, Any]:
    """The :class:`sc_model.host_link.LinkConfig` fields of the system ``desc``."""
    core = check_choice("core", desc.get("core"), CORES)
    if core == "fixture":
        fx = FixtureModel(**desc["params"])
        sizes = {
            "n_inputs": fx.n_inputs,
            "n_neurons": fx.n_neurons,
            "data_width": fx.data_width,
            "addr_width": max(1, (max(fx.depths) - 1).bit_length()),
            "depths": fx.depths,
            "widths": fx.widths,
        }
        sizes["has_reward"] = fx.has_reward
    else:
        sizes = learning_core_sizes(LearningCoreConfig(**core_params(desc)))
    core_id = hl.CORE_IDS["test" if core == "fixture" else core]
    return {**sizes, "timeout": desc["timeout"], "core_id": core_id}


def build_hw(desc: Description) -> BoardSystem:
    """The Amaranth board system of ``desc``."""
    link = link_params(desc)
    if desc["core"] == "fixture":
        hw: Any = FixtureCore(**desc["params"])
    else:
        hw = LearningCore(**core_params(desc))
    return BoardSystem(hw, desc["divisor"], link)


def learning_core_system(
    params: dict[str, Any], divisor: int = 8, timeout: int = 4096, core: str = "learning_core"
) -> Description:
    """The description of a board system around a learning core with ``params``."""
    return {"core": core, "params": params, "divisor": divisor, "timeout": timeout}
