"""Command logic for boards and the host link (the CLI only parses arguments and calls these).

:func:`board` builds a board's bitstream (``sc-hw board``); :func:`host_run`
runs a user script's ``main(chip)`` against the model, the co-simulated
board system or a board on a serial port (``sc-hw host-run``), so a user
without a board sees what the board would answer.
"""

from __future__ import annotations

import os
import pprint
from pathlib import Path
from typing import Any

from boards.link_top import BAUD, system_description
from boards.registry import get_board
from sc_flow.board_build import BoardBuild, build_board, load_params
from sc_host.chip import Chip
from sc_host.cosim import load_function, run_on_cosim, run_on_model
from sc_host.transports import SerialTransport

TARGETS = ("model", "cosim", "serial")
#: the UART divisor and link timeout (cycles) of the co-simulation and the model
#: (12.5 Mbaud at 100 MHz, 41 us); on the board the divisor is ``round(core clock /
#: 115200)`` (208 on the iCEBreaker at 24 MHz) and the timeout 50 ms
COSIM_DIVISOR = 8
COSIM_TIMEOUT = 4096


def board(
    name: str,
    core: str = "learning_core",
    params_file: str | os.PathLike[str] | None = None,
    program: bool = False,
    build_dir: str | os.PathLike[str] | None = None,
) -> BoardBuild:
    """Build board ``name`` around ``core`` with the parameters in ``params_file``
    (in ``build_dir``; default ``build/boards/<name>/``, see :func:`build_board`)."""
    return build_board(
        get_board(name),
        core=core,
        params=load_params(params_file),
        do_program=program,
        build_dir=build_dir,
    )


def host_run(
    script: str | os.PathLike[str],
    target: str,
    board_name: str = "icebreaker",
    core: str = "learning_core",
    params_file: str | os.PathLike[str] | None = None,
    port: str | None = None,
    func: str = "main",
) -> Any:
    """Run ``main(chip)`` of ``script`` on ``target`` (``model``, ``cosim`` or ``serial``).

    The system is the one ``sc-hw board board_name --core core --params-file
    params_file`` builds; the model and the co-simulation use the board's
    core, and for speed :data:`COSIM_DIVISOR` and :data:`COSIM_TIMEOUT` (nothing
    the host sees depends on them but the timeout reported by ``IDENTIFY``).
    """
    if target not in TARGETS:
        raise ValueError(f"target must be one of {', '.join(TARGETS)}; not {target!r}")
    b = get_board(board_name)
    desc = system_description(core, load_params(params_file), b.clock.hz)
    if target == "serial":
        if port is None:
            raise ValueError("target 'serial' needs a port (e.g. /dev/ttyUSB1)")
        transport = SerialTransport(port, BAUD, b.clock.hz)
        try:
            return load_function(script, func)(Chip(transport))
        finally:
            transport.close()
    sim = {**desc, "divisor": COSIM_DIVISOR, "timeout": COSIM_TIMEOUT}
    if target == "model":
        return run_on_model(script, sim, func)
    return run_on_cosim(Path(script), sim, func)


def format_result(value: Any) -> str:
    """What ``host-run`` prints: the returned value, pretty-printed."""
    return pprint.pformat(value, width=100, sort_dicts=False)
