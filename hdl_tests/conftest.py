"""pytest set-up for the co-simulation tests.

``SC_COSIM_SEED=random`` is resolved once here, in the controlling process,
so that every pytest-xdist worker collects the same cases; the drawn seed is
printed in the header so a failing run can be reproduced.
"""

from __future__ import annotations

import os
import secrets


def pytest_configure(config) -> None:
    if os.environ.get("SC_COSIM_SEED") == "random":
        os.environ["SC_COSIM_SEED"] = str(secrets.randbits(31))


def pytest_report_header(config) -> list[str]:
    keys = ("SC_COSIM_SEED", "SC_COSIM_SETS", "SC_COSIM_CYCLES", "SC_COSIM_SIM")
    return ["cosim: " + " ".join(f"{k}={os.environ.get(k, 'default')}" for k in keys)]

