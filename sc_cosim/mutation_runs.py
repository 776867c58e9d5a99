"""Results files, shards and summaries of long mutation runs (``sc-hw mutate --results``).

A results file is JSON lines, one object per finished mutant, appended (and
flushed) as each verdict is known, after the solver:

``{"block", "set", "index", "change", "config", "position", "skip",
"status", "proved", "seeds", "message", "seconds", "path", "design"}``

``set``/``index``/``change`` identify the mutant (its parameter-set label, its
number in that set's enumeration and its one-line diff, so a changed
enumerator cannot be mistaken for the recorded one); ``config`` is what the
co-simulation verdict depends on (sample seed, cosim seeds, cycles, and,
only when not the default, the block's stimulus version, ``reset_p``,
``initial_reset`` and ``power_on``);
``design`` is the first 16 hex digits of the SHA-256 of the parameter set's
generated Verilog (:func:`sc_cosim.mutation.design_of`): a record whose
design is not the block's current one (its RTL changed after the verdict)
is not reused, and the report counts it as *stale*; records written before
December 2026 carry no design and are taken as of the current one;
``proved`` says whether a survivor has been given to the solver (its
``status`` is then the solver's: ``equivalent``, ``survived`` or ``unknown``).
A run without the solver (``--no-prove``) records survivors with ``proved``
false; a later run with the solver takes their co-simulation verdict from the
file and only runs the solver on them (a full run in two passes: every
co-simulation first, the slow proofs after);
A run with ``--reprove`` runs only the solver, on the mutants recorded as
``unknown`` (a file written before the solver's PDR stage existed) and on
survivors recorded without it, and appends the new verdict: a mutant may
then have several records, and the reader takes the last one;
``solver`` (records the solver judged since 2026-12-07's fifth session) is the
solver's rule for what Verilog leaves undefined
(:data:`sc_cosim.equivalence.SOLVER_RULES`), absent before;
``position`` is the mutant's place in the run list (the shard rule below);
``skip`` is the enumerator's reason for a mutant it skips as provably
equivalent (only the solver ran on it), else null. A rerun with the same
file skips every mutant already recorded under the same config, so a run can
stop and resume across sessions, and files written by shards on several
machines can simply be concatenated (a mutant recorded twice counts once,
the last line wins).

A solver verdict does not depend on the co-simulation: it is a fact about the
mutant's Verilog and the original's. So a run under a new config (another
stimulus version, more cycles) takes a survivor's solver verdict from a
record of the same mutant and design under any config
(:func:`solver_verdicts`) instead of running the solver again: every
``equivalent``; a counterexample (``survived`` with ``proved``) and an
``unknown`` only when made under the current rule for undefined values
(``solver`` 2: a counterexample made while those were free in each design
may have been spurious, and such an ``unknown`` may be provable now). An
``unknown`` taken over stays one (``--reprove`` gives it the solver again,
with a longer budget).

Shards: with ``--shard I/N`` the mutant at position ``i`` of the run list is
run by shard ``i mod N`` (positions count the run list of
:func:`sc_cosim.mutation.mutate_block`, the skipped mutants after the live
ones), so N processes with ``0/N .. N-1/N`` cover every mutant once.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sc_cosim.harness import DEFAULT_INITIAL_RESET, DEFAULT_RESET_P
from sc_cosim.yosys_mutants import YOSYS_FAILED

Key = tuple[str, str, int, str, str]


def parse_shard(text: str, option: str = "--shard") -> tuple[int, int]:
    """``"I/N"`` -> ``(I, N)`` with ``0 <= I < N``; else ValueError naming ``option``."""
    parts = str(text).split("/")
    try:
        i, n = (int(p) for p in parts) if len(parts) == 2 else (None, None)
    except ValueError:
        i, n = None, None
    if i is None or n is None or n < 1 or not 0 <= i < n:
        raise ValueError(
            f"{option} must be I/N with whole numbers 0 <= I < N (this process runs the "
            f"mutants whose position mod N is I), not {text!r}"
        )
    return i, n


def in_shard(position: int, shard: tuple[int, int] | None) -> bool:
    """Whether the mutant at ``position`` belongs to ``shard`` (None: every mutant does)."""
    return shard is None or position % shard[1] == shard[0]


def config_of(
    seed: int,
    seeds: tuple[int, ...],
    cycles: int,
    stimulus: int = 1,
    reset_p: float = DEFAULT_RESET_P,
    initial_reset: bool = DEFAULT_INITIAL_RESET,
    power_on: bool = False,
) -> dict[str, Any]:
    """What a recorded co-simulation verdict depends on, besides the mutant.

    ``stimulus`` is the block's :attr:`~sc_cosim.spec.BlockSpec.stimulus_version`,
    recorded only above 1 (the files written before it existed stay valid), so a
    run resumed after a stimulus change runs every mutant again. ``reset_p``, the
    chance per cycle of a mid-run reset (``SC_COSIM_RESET_P``), is recorded only
    when it is not the harness's default 0.002, so a high-reset run and a normal
    one never share verdicts. Likewise ``initial_reset`` (``SC_COSIM_INITIAL_RESET``),
    recorded only when False, and ``power_on`` (the power-on runs of
    ``sc-hw mutate --power-on-runs``), recorded only when True.
    """
    config: dict[str, Any] = {"seed": seed, "seeds": list(seeds), "cycles": cycles}
    if stimulus > 1:
        config["stimulus"] = stimulus
    if reset_p != DEFAULT_RESET_P:
        config["reset_p"] = reset_p
    if initial_reset != DEFAULT_INITIAL_RESET:
        config["initial_reset"] = bool(initial_reset)
    if power_on:
        config["power_on"] = True
    return config


def key_of(block: str, label: str, index: int, change: str, config: Mapping[str, Any]) -> Key:
    return (block, label, int(index), change, json.dumps(dict(config), sort_keys=True))


def is_stale(record: Mapping[str, Any], design: str) -> bool:
    """Whether ``record`` was made on another design than ``design`` (module docstring:
    a record without ``design``, written before the field existed, is not stale)."""
    return record.get("design", design) != design


def solver_verdicts(
    done: Mapping[Key, Mapping[str, Any]], rule: int
) -> dict[tuple[str, str, int, str, str], dict[str, Any]]:
    """The solver verdicts of ``done`` that hold under any co-simulation config, by
    ``(block, set, index, change, design)`` (module docstring): ``equivalent``
    whatever its ``solver`` rule, a counterexample or an ``unknown`` only under
    ``rule``; never a record without ``design``."""
    out: dict[tuple[str, str, int, str, str], dict[str, Any]] = {}
    for key, rec in done.items():
        if not rec.get("proved") or "design" not in rec or rec.get("skip"):
            continue
        # (a killed record of a run with the solver has proved true: not a solver verdict)
        judged = rec["status"] in ("survived", "unknown") and rec.get("solver") == rule
        if rec["status"] == "equivalent" or judged:
            out[key[:4] + (rec["design"],)] = dict(rec)
    return out


def read_results(path: str | os.PathLike[str] | None) -> dict[Key, dict[str, Any]]:
    """Records of a results file by mutant and config (an absent file: none).

    A last line without its newline (a run stopped while writing it) is
    ignored. Raises ValueError naming the file and line for any other line
    that is not a record.
    """
    if path is None or not Path(path).exists():
        return {}
    done: dict[Key, dict[str, Any]] = {}
    lines = Path(path).read_text().split("\n")
    # the last piece is "" after a complete file; else a line cut off by a stopped run
    # (no newline yet): its mutant is simply run again
    for number, line in enumerate(lines[:-1], 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
            key = key_of(rec["block"], rec["set"], rec["index"], rec["change"], rec["config"])
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise ValueError(
                f"results file {str(path)!r} line {number} is not a mutation record ({exc}): "
                f"{line[:120]!r}"
            ) from None
        done[key] = rec
    return done


def append_result(path: str | os.PathLike[str], record: Mapping[str, Any]) -> None:
    """Append one record as a JSON line and flush it to disk.

    A last line without its newline (a run stopped while writing it) is
    dropped first, so the file stays one record per line.
    """
    file = Path(path)
    file.parent.mkdir(parents=True, exist_ok=True)
    with open(file, "r+b" if file.exists() else "w+b") as fh:
        if fh.seek(0, os.SEEK_END) > 0:
            fh.seek(-1, os.SEEK_END)
            if fh.read(1) != b"\n":  # a line cut off by a stopped run: drop it
                fh.seek(0)
                text = fh.read()
                fh.seek(text.rfind(b"\n") + 1)
                fh.truncate()
        fh.seek(0, os.SEEK_END)
        fh.write((json.dumps(dict(record), sort_keys=True) + "\n").encode())
        fh.flush()
        os.fsync(fh.fileno())


def table_row(report: Any) -> str:
    """The row of docs/mutation.md's full-run table for a :class:`BlockReport`.

    Columns: block, mutants run, skipped (enumerator) / solver-confirmed,
    killed, proved equivalent, survived (counterexample), unknown, kill rate of
    the non-equivalent, summed mutant time (not wall time: shards run apart).
    """
    failed = report.skipped.get(YOSYS_FAILED, 0)
    skipped = sum(report.skipped.values()) - failed
    confirmed = sum(v.get("equivalent", 0) for v in report.skipped_proofs.values())
    solver = f"{confirmed}" if report.skipped_proofs else "not run"
    missing = f" ({report.missing} not run yet)" if report.missing else ""
    if failed:
        missing += f" ({failed} not run: Yosys failed on the mutation)"
    if report.unproved:
        missing += f" ({report.unproved} survivors without the solver yet)"
    seconds = sum(r.seconds for r in report.results)
    return (
        f"| {report.block}{missing} | {len(report.results)} | {skipped} / {solver} | "
        f"{report.killed} | {report.equivalent} | {report.survived} | {report.unknown} | "
        f"{100 * report.kill_rate:.1f} % | {seconds:.0f} s |"
    )
