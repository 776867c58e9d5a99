"""The model twin of a board system description (:mod:`boards.system` builds the hardware).

:func:`build_model` gives :class:`sc_model.host_link.LinkModel` over the
core's model: the learning core's cycle twin (:class:`sc_model.learning_core.LearningCoreCycle`,
driven as the engine drives the core's ports) or the fixture's model. Hardware
and model come from one description, so the transports compare like with like.
"""

from __future__ import annotations

from boards.system import (
    Description,
    build_hw,
    core_params,
    learning_core_system,
    link_params,
)
from sc_cosim.link_fixture import FixtureModel
from sc_model import host_link as hl
from sc_model.learning_core import LearningCoreConfig, LearningCoreCycle

__all__ = ["Description", "build_hw", "build_model", "learning_core_system"]


def build_model(desc: Description) -> hl.LinkModel:
    """The model twin of ``desc``'s board system (the *model transport*'s engine)."""
    link = link_params(desc)
    if desc["core"] == "fixture":
        core: hl.HostCore = FixtureModel(**desc["params"])
    else:
        c = LearningCoreConfig(**core_params(desc))
        core = hl.CycleHostCore(
            LearningCoreCycle(c),
            link["n_inputs"],
            link["n_neurons"],
            link["data_width"],
            link["depths"],
            link["widths"],
            reward_width=c.reward_width if c.rstdp else None,
        )
    return hl.LinkModel(core, link["timeout"], link["core_id"], link.get("w_range"))
