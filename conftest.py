"""Every test starts from the session's ``SC_*`` environment and working directory.

Code run in-process by some tests (the CLI's ``--build-dir``, a sweep point, the
host co-simulation) may set ``SC_BUILD_DIR`` or change directory; a later test in
the same pytest-xdist worker must not inherit that. The snapshot is taken at the
first test, after the conftests' ``pytest_configure`` hooks have run.
"""

from __future__ import annotations

import os

import pytest

_SNAPSHOT: dict[str, object] = {}


@pytest.fixture(autouse=True)
def _session_sc_environment_and_cwd():
    if not _SNAPSHOT:
        _SNAPSHOT["env"] = {k: v for k, v in os.environ.items() if k.startswith("SC_")}
        _SNAPSHOT["cwd"] = os.getcwd()
    env: dict[str, str] = _SNAPSHOT["env"]  # type: ignore[assignment]
    for key in [k for k in os.environ if k.startswith("SC_") and k not in env]:
        del os.environ[key]
    os.environ.update(env)
    if os.getcwd() != _SNAPSHOT["cwd"]:
        os.chdir(str(_SNAPSHOT["cwd"]))
    yield


#: markers of the tests that run first, in this order: the longest single tests (a
#: block's mutation sample runs dozens of co-simulations) must not be the last ones
#: left, or one pytest-xdist worker finishes them alone while the other is idle
FIRST = ("mutation", "slow", "host_link")


def pytest_collection_modifyitems(session, config, items) -> None:
    """Order the collected tests: :data:`FIRST` markers first, otherwise as collected."""

    def rank(item) -> int:
        for k, name in enumerate(FIRST):
            if item.get_closest_marker(name) is not None:
                return k
        return len(FIRST)

    items.sort(key=rank)  # stable: collection order within each rank
