"""pytest set-up for the co-simulation tests.

``SC_COSIM_SEED=random`` is resolved once here, in the controlling process,
so that every pytest-xdist worker collects the same cases; the drawn seed is
printed in the header so a failing run can be reproduced.
"""

from __future__ import annotations

import os
import secrets

import pytest


def pytest_configure(config) -> None:
    if os.environ.get("SC_COSIM_SEED") == "random":
        os.environ["SC_COSIM_SEED"] = str(secrets.randbits(31))


def pytest_report_header(config) -> list[str]:
    keys = ("SC_COSIM_SEED", "SC_COSIM_SETS", "SC_COSIM_CYCLES", "SC_COSIM_SIM")
    return ["cosim: " + " ".join(f"{k}={os.environ.get(k, 'default')}" for k in keys)]


@pytest.fixture(autouse=True)
def _restore_sc_environment_and_cwd():
    """Each co-simulation test starts from the same ``SC_*`` variables and working directory.

    Code run in-process by other tests (the CLI's ``--build-dir``, a sweep point, the host
    co-simulation) may set ``SC_BUILD_DIR`` or change directory; a later test in the same
    worker must not inherit that.
    """
    saved = {k: v for k, v in os.environ.items() if k.startswith("SC_")}
    cwd = os.getcwd()
    yield
    for key in [k for k in os.environ if k.startswith("SC_") and k not in saved]:
        del os.environ[key]
    os.environ.update(saved)
    if os.getcwd() != cwd:
        os.chdir(cwd)
