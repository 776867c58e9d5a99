"""Import an example script of ``examples/`` by path, once per test process.

``examples/`` is not a package (each file is a script a user runs); tests that
check an example's functions import it with :func:`load_example`, which keeps
the module in ``sys.modules`` under its file's stem so that examples importing
each other (``core_stdp_pattern`` imports ``core_rtl``) find the same module.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent


def load_example(relative: str) -> ModuleType:
    """The module of ``ROOT / relative`` (e.g. ``"examples/core_rtl.py"``), loaded once."""
    name = Path(relative).stem
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, ROOT / relative)
    assert spec is not None and spec.loader is not None, relative
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module
