"""Build a board top (:class:`boards.Board`) with the YoWASP tools; report resources and Fmax.

``sc-hw board NAME [--core CORE] [--params-file FILE]`` calls :func:`build_board`
(through :mod:`sc_flow.board_cmd`): the board system around core ``CORE``
(default ``learning_core``) with the parameters in ``FILE`` (default
:data:`DEFAULT_PARAMS`). The bitstream, the Yosys
netlist, nextpnr's ``report.json`` and the logs stay in the build directory
(default ``build/boards/<board>/``).
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from boards import Board
from sc_flow.synth import (
    REPO_ROOT,
    SynthError,
    SynthReport,
    count_cells,
    dir_lock,
    huge_memories_rtlil,
    netlist_cells,
    parse_pnr_report,
    pick_clock,
    rel_path,
    spram_script,
    tool_env,
    warm_tool,
)

BOARD_ROOT = REPO_ROOT / "build" / "boards"
DEFAULT_PARAMS = REPO_ROOT / "configs" / "board_learning_core.json"


@dataclass(frozen=True)
class BoardBuild:
    """A built board top: the bitstream and what nextpnr reported."""

    board: str
    bitstream: Path
    report: SynthReport
    clock_mhz: float
    core: str = "learning_core"

    def __str__(self) -> str:
        fmax = self.report.fmax_mhz
        slack = "" if fmax is None else f" ({fmax / self.clock_mhz:.2f}x the core clock)"
        return (
            f"{self.board}: bitstream {rel_path(self.bitstream)} "
            f"({self.bitstream.stat().st_size} bytes)\n"
            f"  {self.report.device}: LUT4 {self.report.luts}, carry {self.report.carries}, "
            f"FF {self.report.ffs}, RAM blocks {self.report.ram_blocks}, DSP {self.report.dsps}, "
            f"{self.report.logic_cells} logic cells, {self.report.io} IO\n"
            f"  core {self.core}: Fmax {fmax:.1f} MHz at a {self.clock_mhz:g} MHz core clock{slack}"
        )


def load_params(path: str | Path | None = None) -> dict[str, Any]:
    """A core's parameters from a JSON file (default :data:`DEFAULT_PARAMS`)."""
    p = Path(path) if path is not None else DEFAULT_PARAMS
    params = json.loads(p.read_text())
    if not isinstance(params, dict):
        raise ValueError(
            f"{p} must hold a JSON object of core parameters, not {type(params).__name__}"
        )
    return params


def build_board(
    board: Board,
    *,
    core: str = "learning_core",
    params: dict[str, Any] | None = None,
    do_program: bool = False,
    build_dir: str | Path | None = None,
    seed: int = 1,
) -> BoardBuild:
    """Build ``board``'s top for its amaranth-boards platform with the YoWASP tools.

    nextpnr runs with ``--report report.json``; an Fmax of the core clock
    below the board's core clock (:attr:`boards.Board.clock`) fails the build; the report,
    the Yosys netlist and the logs stay in ``build_dir`` (default
    ``build/boards/<board>/``). ``core``/``params`` pick the board system's
    core (:mod:`boards.system`; ``params`` default :data:`DEFAULT_PARAMS`). The
    clock constraint is the board's core clock. ``do_program`` hands the bitstream to the
    platform's programmer (``iceprog`` / ``openFPGALoader``, which must be installed).
    """
    platform = board.platform()
    out = Path(build_dir).resolve() if build_dir is not None else BOARD_ROOT / board.name
    out.mkdir(parents=True, exist_ok=True)
    with dir_lock(out):
        name = f"{board.name}_link"
        env = tool_env()
        for var, exe in board.tools.items():
            env[var] = warm_tool(exe)
        (out / "report.json").unlink(missing_ok=True)
        core_params = load_params() if params is None else params
        nextpnr_opts = ["--report", "report.json", "--seed", str(seed)]
        plan = prepare_plan(board, core, core_params, name, nextpnr_opts)
        try:
            products = plan.execute_local(str(out), env=env)
        except subprocess.CalledProcessError as exc:
            logs = [p for p in (out / f"{name}.rpt", out / f"{name}.tim") if p.exists()]
            log = logs[-1] if logs else None
            raise SynthError(
                f"building {board.name} failed (exit {exc.returncode}); logs: "
                + ", ".join(map(str, logs)),
                log,
            ) from exc
        bitstream = out / f"{name}.{board.bitstream_ext}"
        if not bitstream.exists() or bitstream.stat().st_size == 0:
            raise SynthError(f"{board.name}: no bitstream at {bitstream}", out / f"{name}.tim")
        if do_program:
            platform.toolchain_program(products, name)

        cells = netlist_cells(json.loads((out / f"{name}.json").read_text()))
        counts = count_cells(cells, board.family)
        pnr = parse_pnr_report(json.loads((out / "report.json").read_text()), board.family)
        clock_hz = board.clock.hz
        fmax = core_clock_fmax(pnr["clocks"])
        report = SynthReport(
            design=board.name,
            device=board.device,
            params={},
            luts=counts["luts"],
            carries=counts["carries"],
            ffs=counts["ffs"],
            ram_blocks=counts["ram_blocks"],
            dsps=counts["dsps"],
            logic_cells=pnr["logic_cells"],
            io=pnr["io"],
            fmax_mhz=fmax,
            freq_mhz=clock_hz / 1e6,
            io_wrapper=False,
            port_bits=pnr["io"],
            build_dir=out,
            cells=cells,
            clocks=pnr["clocks"],
        )
        if fmax is None or fmax < clock_hz / 1e6:
            raise SynthError(
                f"{board.name}: the core clock is {clock_hz / 1e6:g} MHz but nextpnr's Fmax is "
                f"{fmax} MHz (timing not met)",
                out / f"{name}.tim",
            )
        return BoardBuild(board.name, bitstream, report, clock_hz / 1e6, core)


def prepare_plan(
    board: Board, core: str, params: dict[str, Any], name: str, nextpnr_opts: list[str]
) -> Any:
    """amaranth's build plan of ``board``'s top around ``core``/``params`` (nothing run yet).

    On iCE40, memories marked ``ram_style = "huge"`` (the learning core's
    weight banks under ``weight_ram="spram"``) go to ``SB_SPRAM256KA`` as in
    :func:`sc_flow.synth.synthesize`: the plan's Yosys script deletes their
    initial images (``$meminit_v2``; SPRAM has no power-on contents, and Yosys
    maps no memory with one to SPRAM) right after ``read_rtlil`` and runs
    ``synth_ice40 -spram``. A design without such a memory, and every ECP5
    design, gets amaranth's script unchanged.
    """
    plan = board.platform().build(
        board.top(core, params), name=name, do_build=False, nextpnr_opts=nextpnr_opts
    )
    huge = huge_memories_rtlil(plan.files[f"{name}.il"]) if board.family == "ice40" else []
    if not huge:
        return plan
    deletes, flag = spram_script(huge)
    return board.platform().build(  # (a platform prepares one design: a new one)
        board.top(core, params),
        name=name,
        do_build=False,
        nextpnr_opts=nextpnr_opts,
        script_after_read="\n".join(deletes),
        synth_opts=flag,
    )


def core_clock_fmax(clocks: dict[str, float]) -> float | None:
    """Fmax of the ``sync`` domain's clock (the PLL output, or the oscillator without one)."""
    for name, fmax in clocks.items():
        if "sync" in name or "PLLOUT" in name or "CLKOP" in name:
            return fmax
    return pick_clock(clocks, None)
