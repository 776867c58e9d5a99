"""The packages form layers, bottom to top, and no import runs upward.

    sc_model  <-  sc_hw  <-  sc_cosim  <-  boards  <-  sc_host  <-  sc_flow

``sc_model`` is NumPy and the standard library only (plus Numba for the
compiled kernels, each with a pure-NumPy twin; the NIR bridge
``sc_model/learning/nir_io.py`` also reads the ``nir`` package); ``sc_hw``
adds Amaranth only. The graph is read from the installed packages' source (``ast``, every
import at any depth). Failing: an import of a higher layer; an import of
another project package inside a function or class (a function-level import
is how an upward or circular import hides); loading a module by name
(``importlib.import_module`` / ``__import__``) except a package's registry
loading its own submodules (``f"{__name__}.{...}"``).
"""

from __future__ import annotations

import ast
import importlib.util
import sys
from pathlib import Path

import pytest

LAYERS = ("sc_model", "sc_hw", "sc_cosim", "boards", "sc_host", "sc_flow")
RANK = {name: k for k, name in enumerate(LAYERS)}
#: Third-party top-level modules each layer may import (the standard library is always allowed).
THIRD_PARTY = {
    # Numba compiles the hot loops (sc_model/_kernels.py, learning/_reward_compiled.py);
    # every kernel has a pure-NumPy twin (SC_MODEL_NO_NUMBA=1) tested equal to it.
    "sc_model": {"numpy", "numba"},
    "sc_hw": {"amaranth"},
}
#: Single modules allowed one more third-party package, with the reason.
THIRD_PARTY_FILES = {
    # The NIR bridge reads and writes the format through its reference package
    # (imported on use, so `import sc_model.learning` needs NumPy only).
    "sc_model/learning/nir_io.py": {"nir"},
}
STDLIB = set(sys.stdlib_module_names) | {"__future__"}


def package_files(package: str) -> list[Path]:
    spec = importlib.util.find_spec(package)
    assert spec is not None and spec.submodule_search_locations, f"{package} is not installed"
    root = Path(next(iter(spec.submodule_search_locations)))
    return sorted(root.rglob("*.py"))


def imports_of(path: Path, package: str) -> list[tuple[int, str, bool]]:
    """``(line, absolute module, inside a function or class)`` for every import in ``path``."""
    tree = ast.parse(path.read_text(), filename=str(path))
    parts = [package, *path.relative_to(package_root(package)).with_suffix("").parts]
    if parts[-1] == "__init__":
        parts = parts[:-1]
    found: list[tuple[int, str, bool]] = []

    def visit(node: ast.AST, nested: bool) -> None:
        for child in ast.iter_child_nodes(node):
            inner = nested or isinstance(
                child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)
            )
            if isinstance(child, ast.Import):
                found.extend((child.lineno, a.name, nested) for a in child.names)
            elif isinstance(child, ast.ImportFrom):
                if child.level:
                    is_pkg = path.name == "__init__.py"
                    base = parts if is_pkg else parts[:-1]
                    base = base[: len(base) - (child.level - 1)]
                    module = ".".join([*base, *([child.module] if child.module else [])])
                else:
                    module = child.module or ""
                found.append((child.lineno, module, nested))
            visit(child, inner)

    visit(tree, False)
    return found


def package_root(package: str) -> Path:
    spec = importlib.util.find_spec(package)
    return Path(next(iter(spec.submodule_search_locations)))


def dynamic_loads(path: Path) -> list[int]:
    """Lines calling ``import_module``/``__import__`` with anything but ``f"{__name__}...``."""
    bad = []
    for node in ast.walk(ast.parse(path.read_text())):
        if not isinstance(node, ast.Call):
            continue
        f = node.func
        name = f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", "")
        if name not in ("import_module", "__import__"):
            continue
        arg = node.args[0] if node.args else None
        own = (
            isinstance(arg, ast.JoinedStr)
            and arg.values
            and isinstance(arg.values[0], ast.FormattedValue)
            and isinstance(arg.values[0].value, ast.Name)
            and arg.values[0].value.id == "__name__"
        )
        if not own:
            bad.append(node.lineno)
    return bad


def violations(package: str) -> list[str]:
    out = []
    for path in package_files(package):
        rel = f"{package}/{path.relative_to(package_root(package))}"
        for line, module, nested in imports_of(path, package):
            top = module.split(".")[0]
            if top in RANK:
                if RANK[top] > RANK[package]:
                    out.append(f"{rel}:{line} imports {module} (a higher layer)")
                elif nested and top != package:
                    out.append(f"{rel}:{line} imports {module} inside a function or class")
            elif top not in STDLIB and package in THIRD_PARTY:
                allowed_here = THIRD_PARTY[package] | THIRD_PARTY_FILES.get(rel, set())
                if top not in allowed_here:
                    allowed = ", ".join(sorted(allowed_here))
                    out.append(f"{rel}:{line} imports {module} (allowed here: {allowed})")
        out.extend(f"{rel}:{line} loads a module by name" for line in dynamic_loads(path))
    return out


@pytest.mark.parametrize("package", LAYERS)
def test_no_upward_import(package: str) -> None:
    bad = violations(package)
    assert not bad, "layering violated:\n" + "\n".join(bad)


def test_checker_catches_upward_and_hidden_imports(tmp_path, monkeypatch) -> None:
    """The checker itself fails on each kind of violation (written to a scratch package)."""
    pkg = tmp_path / "sc_hw"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "bad.py").write_text(
        "import importlib\n"
        "from sc_cosim.harness import run_cosim\n"  # upward
        "def f():\n"
        "    from sc_model import lif\n"  # hidden in a function
        "    return importlib.import_module('boards.icebreaker')\n"  # by name
        "import scipy\n"  # not NumPy/Amaranth
    )
    monkeypatch.setattr(sys, "path", [str(tmp_path), *sys.path])
    for name in [m for m in sys.modules if m == "sc_hw" or m.startswith("sc_hw.")]:
        monkeypatch.delitem(sys.modules, name)
    importlib.invalidate_caches()
    bad = violations("sc_hw")
    assert any("sc_cosim.harness (a higher layer)" in b for b in bad), bad
    assert any("imports sc_model inside a function" in b for b in bad), bad
    assert any("loads a module by name" in b for b in bad), bad
    assert any("scipy (allowed here: amaranth)" in b for b in bad), bad
