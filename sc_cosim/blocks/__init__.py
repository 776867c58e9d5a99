"""Registry of co-simulated blocks: every module here defines ``SPEC``."""

from __future__ import annotations

import importlib
import pkgutil

from sc_cosim.spec import BlockSpec


def all_blocks() -> dict[str, BlockSpec]:
    """Every registered block, by name, in a stable order."""
    specs: dict[str, BlockSpec] = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        for spec in getattr(module, "SPECS", (getattr(module, "SPEC", None),)):
            if spec is not None:
                specs[spec.name] = spec
    return specs


def get_block(name: str) -> BlockSpec:
    """The spec of block ``name``; a clear error lists the known names."""
    blocks = all_blocks()
    if name not in blocks:
        raise ValueError(f"block must be one of {', '.join(sorted(blocks))}; not {name!r}")
    return blocks[name]
