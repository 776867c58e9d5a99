"""Board systems by description: the hardware (for a board or the co-simulation) and its model.

A description is a JSON-friendly dict::

    {"core": "learning_core" | "fixture", "params": {...}, "divisor": D, "timeout": T}

``params`` are the core's parameters (:class:`sc_model.learning_core.LearningCoreConfig`
fields, or those of :class:`sc_cosim.link_fixture.FixtureCore`), ``divisor``
the UART's cycles per bit and ``timeout`` the link's idle timeout in cycles.
:func:`build_hw` gives the :class:`sc_hw.board_system.BoardSystem`,
:func:`build_model` its model twin (:class:`sc_model.host_link.LinkModel`
over the core's model), so the two are built from one description.
"""

from __future__ import annotations

from typing import Any

from sc_cosim.link_fixture import FixtureCore, FixtureModel
from sc_hw.board_system import BoardSystem
from sc_hw.learning_core import LearningCore as HwLearningCore
from sc_model import host_link as hl
from sc_model._validate import check_choice
from sc_model.learning_core import LearningCoreConfig, LearningCoreCycle

CORES = ("learning_core", "fixture")
Description = dict[str, Any]


def learning_core_sizes(c: LearningCoreConfig) -> dict[str, Any]:
    """The host spaces of the learning core (its model docstring's host port)."""
    return {
        "n_inputs": c.n_inputs,
        "n_neurons": c.n_neurons,
        "data_width": c.host_data_width,
        "addr_width": c.host_addr_width,
        "depths": (c.words, c.n_neurons, c.n_neurons),
        "widths": (c.word_width, c.v_width, c.v_width + c.refractory_width),
    }


def learning_core_system(
    params: dict[str, Any], divisor: int = 8, timeout: int = 4096
) -> Description:
    """The description of a board system around a learning core with ``params``."""
    return {"core": "learning_core", "params": params, "divisor": divisor, "timeout": timeout}


def link_params(desc: Description) -> dict[str, Any]:
    """The :class:`sc_model.host_link.LinkConfig` fields of the system ``desc``."""
    core = check_choice("core", desc.get("core"), CORES)
    params = desc["params"]
    if core == "learning_core":
        sizes = learning_core_sizes(LearningCoreConfig(**params))
        core_id = hl.CORE_IDS["learning_core"]
    else:
        fx = FixtureModel(**params)
        sizes = {
            "n_inputs": fx.n_inputs,
            "n_neurons": fx.n_neurons,
            "data_width": fx.data_width,
            "addr_width": max(1, (max(fx.depths) - 1).bit_length()),
            "depths": fx.depths,
            "widths": fx.widths,
        }
        core_id = hl.CORE_IDS["test"]
    return {**sizes, "timeout": desc["timeout"], "core_id": core_id, "has_reward": False}


def build_hw(desc: Description) -> BoardSystem:
    """The Amaranth board system of ``desc``."""
    core = desc["core"]
    link = link_params(desc)
    hw = (
        HwLearningCore(**desc["params"])
        if core == "learning_core"
        else FixtureCore(**desc["params"])
    )
    return BoardSystem(hw, desc["divisor"], link)


def build_model(desc: Description) -> hl.LinkModel:
    """The model twin of ``desc``'s board system (the *model transport*'s engine)."""
    link = link_params(desc)
    if desc["core"] == "learning_core":
        c = LearningCoreConfig(**desc["params"])
        core: hl.HostCore = hl.CycleHostCore(
            LearningCoreCycle(c),
            link["n_inputs"],
            link["n_neurons"],
            link["data_width"],
            link["depths"],
            link["widths"],
        )
    else:
        core = FixtureModel(**desc["params"])
    return hl.LinkModel(core, link["timeout"], link["core_id"])
