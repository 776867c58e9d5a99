"""Mutation check of the co-simulation harness: does it notice a wrong gate?

The generated Verilog of a block is mutated at one point at a time, and each
mutant is co-simulated against the (unchanged) model twin with
:func:`sc_cosim.harness.run_cosim`. A mutant is *killed* when any run fails;
a *survivor* is either equivalent to the original (no stimulus could tell
them apart) or a sign that the stimulus or the harness is too weak.

What is mutated
---------------
Only the logic of module bodies: the right-hand sides of ``assign`` and
procedural assignments, ``if``/``case`` conditions and ``casez`` patterns.
Never comments, attribute lines ``(* ... *)``, ``module``/port/``input``/
``output``/``wire``/``reg`` declarations (nor their initialisers), ``initial``
blocks or instance port lists. Operators, each applied at one place:

``binop``
    a binary operator swapped: ``&``<->``|``, ``^``<->``~^``, ``+``<->``-``,
    ``<``-> ``<=``/``>=``, ``<=``-> ``<``/``>``, ``>``-> ``>=``/``<=``,
    ``>=``-> ``>``/``<``, ``==``<->``!=``, ``<<``<->``>>``, ``&&``<->``||``.
``unary``
    a reduction operator swapped (``^x``->``~^x``, ``&x``<->``|x``) or a
    negation dropped (``~ x``->``x``, ``! x``->``x``).
``const``
    the lowest and the highest bit of a sized literal flipped (``12'h5a5``->
    ``12'h5a4`` and ``12'hda5``); in a ``casez`` pattern only non-``?`` bits.
``invert``
    a 1-bit term (a 1-bit signal or a one-bit select ``x[3]``) inverted,
    ``if (load)``->``if (~load)``; a composite condition becomes ``!(...)``.
``ternary``
    the arms of ``c ? a : b`` swapped.
``index``
    a constant bit select moved by one, keeping its width and staying inside
    the declared range: ``state[14:0]``->``state[15:1]``, ``x[3]``->``x[2]``.

Provably equivalent mutants are enumerated but not run, and counted apart:
those on dead code, lines whose targets reach no output port, register or
sub-module (a cone-of-influence walk over each module, e.g. Amaranth's
``assign unused_clk = clk;``); Yosys's empty trigger ``if (\\$auto$...)
begin end``; and a flipped constant bit in a ``casez`` selector that every
item pattern ignores (``casez ({ en, 1'h0 })`` with the only item ``2'b1?``). A mutant that fails to
compile (``iverilog -g2012``) is counted as a compile error and excluded from
the kill rate.

Survivors go to a solver
------------------------
Every mutant that no co-simulation run killed is compared with the original
by :func:`sc_cosim.equivalence.prove_equivalent` (register correspondence,
then a Yosys miter and ``sat -tempinduct``, then ABC's PDR on the same
miter; every input including ``rst`` free, registers from their power-on
values): ``equivalent`` when proved, ``survived`` when the solver finds a
distinguishing input sequence (the stimulus is too weak), ``unknown`` when
neither (k-induction fails up to ``max_steps`` and PDR runs out of time). The kill
rate is ``killed / (killed + survived + unknown)``: only what the solver
proves is excluded. In full runs the skipped mutants above are given to the
solver too and its verdicts are reported beside the hand-coded reasons.

Enumeration is deterministic (module, line, position, operator order); a
sample of at most ``limit`` mutants is drawn with ``numpy.random.default_rng
(seed)``. Each block is mutated under two parameter sets: its default
parameters and the random set :func:`sc_cosim.harness.params_for` draws from
``seed``. Each sampled mutant runs cosim stimulus seeds ``seed + 1 ..
seed + n_seeds`` (stopping at the first kill) for ``cycles`` cycles.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from sc_cosim.blocks import get_block
from sc_cosim.equivalence import (
    DEFAULT_MAX_STEPS,
    DEFAULT_PDR_TIMEOUT,
    DEFAULT_TIMEOUT,
    SOLVER_RULE,
    Proof,
    prove_equivalent,
)
from sc_cosim.harness import (
    build_root,
    default_initial_reset,
    default_reset_p,
    generate_verilog,
    params_for,
    run_cosim,
)
from sc_cosim.mutation_runs import (
    append_result,
    config_of,
    in_shard,
    is_stale,
    key_of,
    read_results,
    solver_verdicts,
)
from sc_cosim.replay import run_verilog
from sc_cosim.spec import Params
from sc_cosim.yosys_mutants import YOSYS_FAILED, YosysMutation, check_netlist, yosys_mutations
from sc_model._validate import check_choice, check_int

OPERATORS = ("binop", "unary", "const", "invert", "ternary", "index", "init")
SOURCES = ("text", "yosys")  # the text mutator here; Yosys's mutate pass (sc_cosim.yosys_mutants)
DEFAULT_LIMIT = 12
DEFAULT_CYCLES = 2000
DEFAULT_SEEDS = 3

# ---------------------------------------------------------------------------
# Tokens
# ---------------------------------------------------------------------------

_TOKEN = re.compile(
    r"(?P<esc>\\\S+)"
    r"|(?P<lit>\d+\s*'[sS]?[bBoOdDhH][0-9a-fA-FxXzZ?_]+)"
    r"|(?P<num>\d+)"
    r"|(?P<sys>\$[A-Za-z_][\w$]*)"
    r"|(?P<id>[A-Za-z_][\w$]*)"
    r"|(?P<str>\"(?:[^\"\\]|\\.)*\")"
    r"|(?P<op>===|!==|<<<|>>>|~\^|\^~|~&|~\||==|!=|<=|>=|<<|>>|&&|\|\||\(\*|\*\)"
    r"|[~!&|^+\-*/%<>?:(){}\[\],;=@#.])"
    r"|(?P<space>\s+)"
)

KEYWORDS = frozenset(
    "module endmodule input output inout wire reg integer assign always initial begin end "
    "if else case casez casex endcase default posedge negedge or signed function endfunction "
    "generate endgenerate localparam parameter for while".split()
)


@dataclass(frozen=True)
class Token:
    kind: str  # esc, lit, num, sys, id, kw, str, op
    text: str
    start: int
    end: int

    @property
    def is_name(self) -> bool:
        return self.kind in ("id", "esc")

    @property
    def ends_operand(self) -> bool:
        return self.kind in ("id", "esc", "lit", "num") or self.text in (")", "]", "}")


def tokenize(line: str) -> list[Token]:
    """Tokens of one Verilog line with their character spans (whitespace dropped)."""
    tokens: list[Token] = []
    pos = 0
    while pos < len(line):
        m = _TOKEN.match(line, pos)
        if m is None:
            raise ValueError(f"cannot tokenize Verilog at column {pos}: {line!r}")
        kind = m.lastgroup or "op"
        if kind != "space":
            text = m.group()
            if kind == "id" and text in KEYWORDS:
                kind = "kw"
            tokens.append(Token(kind, text, m.start(), m.end()))
        pos = m.end()
    return tokens


def _names(tokens: Iterable[Token]) -> set[str]:
    return {t.text for t in tokens if t.is_name}


# ---------------------------------------------------------------------------
# Parsing the Yosys/Amaranth output, one line per statement
# ---------------------------------------------------------------------------


@dataclass
class _Module:
    name: str
    outputs: set[str] = field(default_factory=set)
    ranges: dict[str, tuple[int, int]] = field(default_factory=dict)  # name -> (msb, lsb)
    roots: set[str] = field(default_factory=set)  # names that are live whatever happens
    # (targets, sources, line numbers) of every statement group
    groups: list[tuple[set[str], set[str], list[int]]] = field(default_factory=list)
    # line number -> (tokens, first index of the mutable region, end index, kind)
    regions: dict[int, tuple[list[Token], int, int, str]] = field(default_factory=dict)
    dummy_lines: set[int] = field(default_factory=set)
    # line of a case statement -> the patterns of its items (None: a ``default``)
    case_items: dict[int, list[str | None]] = field(default_factory=dict)


_DECL = re.compile(
    r"^\s*(input|output|inout|wire|reg)\s+(?:signed\s+)?(?:\[(\d+):(\d+)\]\s*)?"
    r"(\\\S+|[A-Za-z_][\w$]*)\s*(?:=.*)?;\s*$"
)


def _split_assignment(tokens: list[Token], first: int) -> int | None:
    """Index of the ``=``/``<=`` that ends the target of a statement, if any."""
    depth = 0
    for i in range(first, len(tokens)):
        t = tokens[i].text
        if t in ("(", "[", "{"):
            depth += 1
        elif t in (")", "]", "}"):
            depth -= 1
        elif depth == 0 and t in ("=", "<="):
            return i
    return None


def _parse(text: str) -> list[_Module]:
    """Split generated Verilog into modules; record declarations, statements, regions."""
    lines = text.split("\n")
    modules: list[_Module] = []
    mod: _Module | None = None
    block: tuple[set[str], set[str], list[int]] | None = None  # open always block
    depth = 0  # begin/end depth inside an always block
    single = False  # always block without begin: one statement
    instance = False
    skip_initial = False
    cases: list[int] = []  # open case statements (line numbers)
    for no, line in enumerate(lines, start=1):
        s = line.strip()
        if not s or s.startswith("//") or s.startswith("/*") or s.startswith("(*"):
            continue
        if mod is None:
            m = re.match(r"module\s+(\\\S+|\w+)", s)
            if m:
                mod = _Module(m.group(1))
            continue
        if s == "endmodule":
            modules.append(mod)
            mod = None
            continue
        decl = _DECL.match(line)
        if decl:
            kind, msb, lsb, name = decl.groups()
            mod.ranges[name] = (int(msb), int(lsb)) if msb is not None else (0, 0)
            if kind in ("output", "inout"):
                mod.outputs.add(name)
            continue
        tokens = tokenize(line)
        if skip_initial:
            depth += sum(t.text == "begin" for t in tokens) - sum(t.text == "end" for t in tokens)
            skip_initial = depth > 0
            continue
        if instance:
            # ``.port(expr)``: the names in ``expr`` (not the sub-module's port names)
            mod.roots |= {
                t.text for k, t in enumerate(tokens) if t.is_name and tokens[k - 1].text != "."
            }
            instance = not s.startswith(");")
            continue
        head = tokens[0].text
        if head == "initial":
            depth = sum(t.text == "begin" for t in tokens) - sum(t.text == "end" for t in tokens)
            skip_initial = depth > 0
            continue
        if head == "always":
            block = (set(), _names(tokens), [no])
            mod.groups.append(block)
            single = tokens[-1].text != "begin"
            depth = 0 if single else 1
            continue
        if head == "assign":
            eq = _split_assignment(tokens, 1)
            if eq is None:
                raise ValueError(f"line {no}: cannot parse assignment {s!r}")
            mod.groups.append((_names(tokens[1:eq]), _names(tokens[eq + 1 :]), [no]))
            mod.regions[no] = (tokens, eq + 1, len(tokens) - 1, "rhs")
            continue
        if block is not None:
            block[1].update(_names(tokens))
            block[2].append(no)
            opens = sum(t.text == "begin" for t in tokens)
            closes = sum(t.text == "end" for t in tokens)
            texts = [t.text for t in tokens]
            if any(t.text.startswith("\\$auto$") for t in tokens) and texts[-2:] == [
                "begin",
                "end",
            ]:
                mod.dummy_lines.add(no)
            elif "if" in texts:
                i = texts.index("if")
                close = _matching(tokens, i + 1)
                mod.regions[no] = (tokens, i + 2, close, "if")
            elif head in ("case", "casez", "casex"):
                mod.regions[no] = (tokens, 2, _matching(tokens, 1), head)
                mod.case_items[no] = []
                cases.append(no)
            elif head == "endcase":
                cases.pop()
            elif texts[-1] == ":" and head == "default":
                mod.case_items[cases[-1]].append(None)
            elif texts[-1] == ":":
                mod.regions[no] = (tokens, 0, len(tokens) - 1, "pattern")
                mod.case_items[cases[-1]] += [t.text for t in tokens if t.kind == "lit"]
            elif texts[-1] == ";":
                eq = _split_assignment(tokens, 0)
                if eq is None:
                    raise ValueError(f"line {no}: cannot parse statement {s!r}")
                block[0].update(_names(tokens[:eq]))
                mod.regions[no] = (tokens, eq + 1, len(tokens) - 1, "rhs")
            depth += opens - closes
            if single and texts[-1] == ";" or not single and depth <= 0:
                block = None
            continue
        if tokens[-1].text == "(" and tokens[0].is_name and len(tokens) >= 3:
            instance = True  # sub-module instance: every connected name is live
            continue
        # Anything else is not mutated; to stay conservative its names are live.
        mod.roots |= _names(tokens)
    return modules


def _matching(tokens: list[Token], open_index: int) -> int:
    """Index of the bracket closing the one at ``open_index``."""
    pairs = {"(": ")", "[": "]", "{": "}"}
    opener = tokens[open_index].text
    depth = 0
    for i in range(open_index, len(tokens)):
        if tokens[i].text == opener:
            depth += 1
        elif tokens[i].text == pairs[opener]:
            depth -= 1
            if depth == 0:
                return i
    raise ValueError(f"unbalanced {opener!r} in {' '.join(t.text for t in tokens)!r}")


def _dead_lines(mod: _Module) -> set[int]:
    """Lines of statements whose targets reach no output, register or instance."""
    live = set(mod.outputs) | mod.roots
    changed = True
    while changed:
        changed = False
        for targets, sources, _ in mod.groups:
            if targets & live and not sources <= live:
                live |= sources
                changed = True
    dead = set(mod.dummy_lines)
    for targets, _, nos in mod.groups:
        if not targets & live:
            dead.update(nos)
    return dead


# ---------------------------------------------------------------------------
# Mutation operators on one region of one line
# ---------------------------------------------------------------------------

_BINOP_SWAPS = {
    "&": ("|",),
    "|": ("&",),
    "^": ("~^",),
    "~^": ("^",),
    "^~": ("^",),
    "+": ("-",),
    "-": ("+",),
    "<": ("<=", ">="),
    "<=": ("<", ">"),
    ">": (">=", "<="),
    ">=": (">", "<"),
    "==": ("!=",),
    "!=": ("==",),
    "<<": (">>",),
    ">>": ("<<",),
    "&&": ("||",),
    "||": ("&&",),
}
_REDUCE_SWAPS = {"&": "|", "|": "&", "^": "~^", "~^": "^", "^~": "^", "~&": "&", "~|": "|"}

Edit = tuple[int, int, str]  # replace line[start:end] with text


def _apply(line: str, edits: list[Edit]) -> str:
    out, pos = [], 0
    for start, end, text in sorted(edits):
        out.append(line[pos:start])
        out.append(text)
        if text.split() and text.split()[-1].startswith("\\") and not line[end : end + 1].isspace():
            out.append(" ")  # an escaped identifier ends at white space
        pos = end
    out.append(line[pos:])
    return "".join(out)


def _literal_bits(text: str) -> str | None:
    """A sized literal as a string of its bits, MSB first (``?``/``x``/``z`` kept)."""
    m = re.fullmatch(r"(\d+)\s*'[sS]?([bBoOdDhH])([0-9a-fA-FxXzZ?_]+)", text)
    if m is None:
        return None
    width, base, digits = int(m.group(1)), m.group(2).lower(), m.group(3).replace("_", "")
    per = {"b": 1, "o": 3, "h": 4}.get(base)
    if per is None:
        if re.search(r"[xXzZ?]", digits):
            return None
        return format(int(digits), "b").rjust(width, "0")[-width:]
    bits = "".join(
        c * per if c in "xXzZ?" else format(int(c, 16), "b").rjust(per, "0") for c in digits
    )
    return bits.rjust(width, "0")[-width:].lower()


def _literal_flips(text: str) -> list[tuple[int, str]]:
    """(bit, literal) with its lowest, then its highest non-wildcard bit flipped."""
    m = re.fullmatch(r"(\d+)(\s*'[sS]?)([bBoOdDhH])([0-9a-fA-FxXzZ?_]+)", text)
    if m is None:
        return []
    width, quote, base, digits = int(m.group(1)), m.group(2), m.group(3).lower(), m.group(4)
    digits = digits.replace("_", "")
    if base == "b":
        bits = digits.rjust(width, "0")[-width:]
        fixed = [i for i, c in enumerate(reversed(bits)) if c in "01"]
        out = []
        for k in dict.fromkeys([fixed[0], fixed[-1]] if fixed else []):
            pos = width - 1 - k
            flipped = bits[:pos] + ("1" if bits[pos] == "0" else "0") + bits[pos + 1 :]
            out.append((k, f"{width}{quote}{m.group(3)}{flipped}"))
        return out
    if re.search(r"[xXzZ?]", digits):
        return []
    value = int(digits, {"o": 8, "d": 10, "h": 16}[base])
    out = []
    for k in dict.fromkeys([0, width - 1]):
        v = value ^ (1 << k)
        if base == "d":
            body = str(v)
        else:
            body = format(v, "o" if base == "o" else "x").rjust(len(digits), "0")
        out.append((k, f"{width}{quote}{m.group(3)}{body}"))
    return out


def _width(mod: _Module, tokens: list[Token], a: int, b: int) -> int | None:
    """Width of the operand ``tokens[a:b]`` if it is a literal, a name or a constant select."""
    if b - a == 1 and tokens[a].kind == "lit":
        return len(_literal_bits(tokens[a].text) or "") or None
    if not tokens[a].is_name or tokens[a].text not in mod.ranges:
        return None
    if b - a == 1:
        msb, lsb = mod.ranges[tokens[a].text]
        return abs(msb - lsb) + 1
    sel = _select(tokens, a + 1, b)
    if sel is None or sel[1] != b:
        return None
    return abs(int(sel[0][0].text) - int(sel[0][-1].text)) + 1


def _dont_care_bits(mod: _Module, tokens: list[Token], lo: int, hi: int, items) -> dict[int, set]:
    """For a ``casez ({ ..., literal, ... })`` selector: token index of each literal
    -> its bits (0 = LSB) that every item pattern ignores (``?``/``z``, no default)."""
    if not items or None in items or tokens[lo].text != "{" or _matching(tokens, lo) != hi - 1:
        return {}
    parts, depth, start = [], 0, lo + 1
    for k in range(lo + 1, hi):
        t = tokens[k].text
        if t in ("(", "[", "{"):
            depth += 1
        elif t in (")", "]", "}") and depth:
            depth -= 1
        elif depth == 0 and t in (",", "}"):
            parts.append((start, k))
            start = k + 1
    widths = [_width(mod, tokens, a, b) for a, b in parts]
    patterns = [_literal_bits(p) for p in items]
    if None in widths or None in patterns:
        return {}
    total = sum(widths)
    if any(len(p) != total for p in patterns):
        return {}
    out: dict[int, set] = {}
    offset = total  # bits left of (above) the current part
    for (a, b), w in zip(parts, widths, strict=True):
        offset -= w
        if b - a == 1 and tokens[a].kind == "lit":
            out[a] = {
                k for k in range(w) if all(p[total - 1 - (offset + k)] in "?z" for p in patterns)
            }
    return out


Found = tuple[str, str, list[Edit], str]  # operator, description, edits, skip reason


def _region_edits(
    mod: _Module, tokens: list[Token], lo: int, hi: int, kind: str, items=None
) -> list[Found]:
    """Every (operator, description, edits, skip reason) of the region ``tokens[lo:hi]``."""
    found: list[Found] = []
    if kind == "pattern":
        for t in tokens[lo:hi]:
            if t.kind == "lit":
                for _, new in _literal_flips(t.text):
                    found.append(("const", f"{t.text} -> {new}", [(t.start, t.end, new)], ""))
        return found
    ignored = _dont_care_bits(mod, tokens, lo, hi, items) if kind == "casez" else {}
    region = tokens[lo:hi]
    for j, t in enumerate(region):
        i = lo + j
        prev = tokens[i - 1] if j > 0 else None
        nxt = tokens[i + 1] if i + 1 < hi else None
        binary = prev is not None and prev.ends_operand
        if t.kind == "op" and binary and t.text in _BINOP_SWAPS:
            for new in _BINOP_SWAPS[t.text]:
                found.append(("binop", f"{t.text} -> {new}", [(t.start, t.end, new)], ""))
        elif t.kind == "op" and not binary and nxt is not None:
            if t.text in _REDUCE_SWAPS:
                new = _REDUCE_SWAPS[t.text]
                found.append(("unary", f"{t.text}x -> {new}x", [(t.start, t.end, new)], ""))
            elif t.text in ("~", "!"):
                found.append(("unary", f"drop {t.text}", [(t.start, nxt.start, "")], ""))
        elif t.kind == "lit":
            for k, new in _literal_flips(t.text):
                skip = "casez don't-care" if k in ignored.get(i, ()) else ""
                found.append(("const", f"{t.text} -> {new}", [(t.start, t.end, new)], skip))
        elif t.is_name and t.text in mod.ranges:
            negated = prev is not None and prev.text in ("~", "!")
            msb, lsb = mod.ranges[t.text]
            sel = _select(tokens, i + 1, hi)
            if msb < lsb:
                pass  # ascending ranges are not generated; leave them alone
            elif sel is not None:
                nums, end = sel
                a, b = (nums[0].text, nums[-1].text)
                top, bot = max(int(a), int(b)), min(int(a), int(b))
                shift = -1 if bot - 1 >= lsb else (1 if top + 1 <= msb else 0)
                if shift:
                    edits = [(n.start, n.end, str(int(n.text) + shift)) for n in nums]
                    old = line_text(tokens, i, end)
                    found.append(("index", f"{old} -> shifted by {shift:+d}", edits, ""))
                if len(nums) == 1 and not negated:
                    old = line_text(tokens, i, end)
                    found.append(("invert", f"{old} -> ~{old}", [(t.start, t.start, "~")], ""))
            elif msb == lsb and not negated:
                found.append(("invert", f"{t.text} -> ~{t.text}", [(t.start, t.start, "~")], ""))
    # ternary arms
    for j, t in enumerate(region):
        if t.text == "?" and t.kind == "op":
            swap = _ternary(tokens, lo + j, hi)
            if swap is not None:
                (a0, a1), (b0, b1) = swap
                line_a = line_text(tokens, a0, a1)
                line_b = line_text(tokens, b0, b1)
                found.append(
                    (
                        "ternary",
                        f"swap arms {line_a!r} / {line_b!r}",
                        [
                            (tokens[a0].start, tokens[a1 - 1].end, line_b),
                            (tokens[b0].start, tokens[b1 - 1].end, line_a),
                        ],
                        "",
                    )
                )
    # a composite condition negated as a whole (a single term is covered by invert)
    if kind == "if" and hi - lo > 1:
        found.append(
            (
                "invert",
                "negate condition",
                [
                    (tokens[lo].start, tokens[lo].start, "!("),
                    (tokens[hi - 1].end, tokens[hi - 1].end, ")"),
                ],
                "",
            )
        )
    return found


def line_text(tokens: list[Token], a: int, b: int) -> str:
    """Source text of ``tokens[a:b]`` (tokens joined as written, one space kept)."""
    out = []
    for k in range(a, b):
        if k > a and tokens[k].start > tokens[k - 1].end:
            out.append(" ")
        out.append(tokens[k].text)
    return "".join(out)


def _select(tokens: list[Token], i: int, hi: int) -> tuple[list[Token], int] | None:
    """Constant select ``[n]`` or ``[m:n]`` at ``tokens[i]``: (number tokens, end index)."""
    if i + 2 < hi and tokens[i].text == "[" and tokens[i + 1].kind == "num":
        if tokens[i + 2].text == "]":
            return [tokens[i + 1]], i + 3
        if (
            i + 4 < hi
            and tokens[i + 2].text == ":"
            and tokens[i + 3].kind == "num"
            and tokens[i + 4].text == "]"
        ):
            return [tokens[i + 1], tokens[i + 3]], i + 5
    return None


def _ternary(
    tokens: list[Token], q: int, hi: int
) -> tuple[tuple[int, int], tuple[int, int]] | None:
    """Token spans of the two arms of the ``?`` at index ``q``."""
    depth, nested, colon = 0, 0, None
    for k in range(q + 1, hi):
        t = tokens[k].text
        if t in ("(", "[", "{"):
            depth += 1
        elif t in (")", "]", "}"):
            if depth == 0:
                break
            depth -= 1
        elif depth == 0 and t == "?":
            nested += 1
        elif depth == 0 and t == ":":
            if nested == 0:
                colon = k
                break
            nested -= 1
    if colon is None or colon == q + 1:
        return None
    depth, end = 0, hi
    for k in range(colon + 1, hi):
        t = tokens[k].text
        if t in ("(", "[", "{"):
            depth += 1
        elif t in (")", "]", "}"):
            if depth == 0:
                end = k
                break
            depth -= 1
        elif depth == 0 and t in (",", "?", ":"):
            end = k
            break
    if end == colon + 1:
        return None
    return (q + 1, colon), (colon + 1, end)


# ---------------------------------------------------------------------------
# Enumeration
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class TextMutant:
    """One single-point change of a Verilog text."""

    line_no: int  # 1-based line in the generated Verilog
    module: str
    operator: str  # one of OPERATORS
    description: str
    original: str  # the line as generated (stripped)
    mutated: str  # the line as mutated (stripped)
    skip: str  # why the mutant is provably equivalent and not run ("" = run it)

    def apply(self, text: str) -> str:
        lines = text.split("\n")
        old = lines[self.line_no - 1]
        indent = old[: len(old) - len(old.lstrip())]
        if old.strip() != self.original:
            raise ValueError(f"line {self.line_no} is not {self.original!r}: {old!r}")
        lines[self.line_no - 1] = indent + self.mutated
        return "\n".join(lines)

    def diff(self) -> str:
        return f"L{self.line_no} [{self.operator}] - {self.original}  + {self.mutated}"


def enumerate_mutants(text: str) -> list[TextMutant]:
    """Every single-point mutant of ``text``, in a deterministic order.

    Includes provably equivalent mutants with ``skip`` set to the reason
    (``dead code``, ``Yosys trigger``, ``casez don't-care``); the caller counts
    and skips them. Mutants that produce the same line are kept once.
    """
    lines = text.split("\n")
    mutants: list[TextMutant] = []
    for mod in _parse(text):
        dead = _dead_lines(mod)
        for no in sorted(set(mod.regions) | mod.dummy_lines):
            line = lines[no - 1]
            if no in mod.dummy_lines:
                mutants.append(
                    TextMutant(
                        no,
                        mod.name,
                        "invert",
                        "Yosys trigger",
                        line.strip(),
                        line.strip().replace("if (", "if (~", 1),
                        "Yosys trigger",
                    )
                )
                continue
            tokens, lo, hi, kind = mod.regions[no]
            items = mod.case_items.get(no)
            seen = {line.strip()}
            for operator, description, edits, skip in _region_edits(
                mod, tokens, lo, hi, kind, items
            ):
                new = _apply(line, edits).strip()
                if new in seen:
                    continue
                seen.add(new)
                skip = "dead code" if no in dead else skip
                mutants.append(
                    TextMutant(no, mod.name, operator, description, line.strip(), new, skip)
                )
    return mutants


_INIT_WORD = re.compile(r"(\S+)\[(\d+)\] = (\d+)'h([0-9a-fA-F]+);")


def init_word_mutants(text: str) -> list[TextMutant]:
    """One mutant per memory word initialised in an ``initial`` block: its LSB flipped.

    Operator ``init``: the power-on contents of a RAM or ROM (weights,
    thresholds, state), which :func:`enumerate_mutants` never touches. Only
    full runs add them (:func:`block_mutants` with ``init_words``), after the
    logic mutants, so samples and mutant numbers stay as they were.
    """
    mutants: list[TextMutant] = []
    module, inside = "", False
    for no, line in enumerate(text.split("\n"), 1):
        stripped = line.strip()
        if stripped.startswith("module "):
            module = stripped.split()[1].split("(")[0]
        elif stripped == "initial begin":
            inside = True
        elif inside and stripped == "end":
            inside = False
        elif inside and (m := _INIT_WORD.fullmatch(stripped)):
            name, index, width, digits = m.groups()
            flipped = f"{int(digits, 16) ^ 1:0{len(digits)}x}"
            new = f"{name}[{index}] = {width}'h{flipped};"
            what = f"LSB of power-on word {name}[{index}] flipped"
            mutants.append(TextMutant(no, module, "init", what, stripped, new, ""))
    return mutants


# ---------------------------------------------------------------------------
# Running mutants of a block
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Mutant:
    """A text mutant of one block under one parameter set."""

    block: str
    label: str  # "default" or "random(seed=N)"
    params: Params
    index: int  # position in the enumeration of this parameter set's live mutants
    change: TextMutant | YosysMutation

    def text(self) -> str:
        return self.change.apply(_verilog(self.block, self.params))

    def describe(self) -> str:
        return f"[{self.label} #{self.index}] {self.change.diff()}"


@dataclass(frozen=True)
class MutantResult:
    mutant: Mutant
    status: str  # "killed", "survived", "equivalent", "unknown" or "compile_error"
    seeds: tuple[int, ...]  # cosim seeds run
    message: str  # first mismatch, or the compiler's complaint, or the solver's verdict
    seconds: float


@dataclass
class BlockReport:
    """Outcome of the mutation check of one block."""

    block: str
    param_sets: list[tuple[str, Params]]
    enumerated: int  # mutants to run (not provably equivalent) over all parameter sets
    skipped: dict[str, int]  # provably equivalent mutants not run, by reason
    results: list[MutantResult]
    cycles: int
    seeds: tuple[int, ...]
    simulator: str
    sample_seed: int
    seconds: float = 0.0
    proved: bool = True  # survivors were given to the solver
    # reason -> (solver verdict -> count) for the skipped mutants checked by the solver
    skipped_proofs: dict[str, dict[str, int]] = field(default_factory=dict)
    missing: int = 0  # mutants neither run nor in the results file (``run=False``)
    unproved: int = 0  # of ``survived``: recorded without the solver (``run=False``)
    path: str = "cocotb"  # how mutants were co-simulated (``replay`` or ``cocotb``)
    power_on: bool = False  # each seed also ran without the initial reset (``power_on``)
    stale: int = 0  # records of the results file made on another design (not reused)

    def count(self, status: str) -> int:
        return sum(r.status == status for r in self.results)

    @property
    def compile_errors(self) -> int:
        return self.count("compile_error")

    @property
    def killed(self) -> int:
        return self.count("killed")

    @property
    def survived(self) -> int:
        return self.count("survived")

    @property
    def equivalent(self) -> int:
        """Survivors the solver proved equivalent to the original."""
        return self.count("equivalent")

    @property
    def unknown(self) -> int:
        """Survivors the solver could neither prove equivalent nor refute."""
        return self.count("unknown")

    @property
    def kill_rate(self) -> float:
        """Killed over the compiling mutants not proved equivalent (1.0 when none).

        ``killed / (killed + survived + unknown)``: a survivor counts against
        the harness unless the solver proved it equivalent.
        """
        n = self.killed + self.survived + self.unknown
        return self.killed / n if n else 1.0

    @property
    def survivors(self) -> list[MutantResult]:
        """Survivors not proved equivalent (refuted by the solver, or unknown)."""
        return [r for r in self.results if r.status in ("survived", "unknown")]

    def summary(self) -> str:
        proved = (
            f"{self.equivalent} proved equivalent, {self.survived} survived "
            f"(solver counterexample), {self.unknown} unknown"
            if self.proved
            else f"{self.survived} survived (not given to the solver)"
        )
        failed = self.skipped.get(YOSYS_FAILED, 0)
        return (
            f"{self.block}: {len(self.results)} of {self.enumerated} mutants run "
            f"(+{sum(self.skipped.values()) - failed} provably equivalent skipped"
            + (f", {failed} not run: Yosys failed on the mutation" if failed else "")
            + "), "
            f"{self.compile_errors} compile errors, {self.killed} killed, {proved}; "
            f"kill rate {100 * self.kill_rate:.1f} % of the non-equivalent"
            + (f"; {self.missing} not run yet" if self.missing else "")
            + (f"; {self.unproved} survivors not given to the solver yet" if self.unproved else "")
            + (
                f"; {self.stale} recorded verdicts of another design ignored (the block's "
                "Verilog changed since they were recorded)"
                if self.stale
                else ""
            )
        )

    def format(self, verbose: bool = False) -> str:
        seeds = ",".join(map(str, self.seeds))
        lines = [
            self.summary(),
            f"  cosim: seeds {seeds}"
            + (", then each again without the initial reset" if self.power_on else "")
            + f" (stop at first kill), {self.cycles} cycles, "
            f"{self.simulator} ({self.path} path); sample seed {self.sample_seed}; "
            f"{self.seconds:.1f} s",
        ]
        lines += [f"  params {label}: {json.dumps(p)}" for label, p in self.param_sets]
        if set(self.skipped) - {YOSYS_FAILED}:
            why = ", ".join(
                f"{n} {reason}"
                for reason, n in sorted(self.skipped.items())
                if reason != YOSYS_FAILED
            )
            lines.append(f"  skipped as provably equivalent: {why}")
        for reason, verdicts in sorted(self.skipped_proofs.items()):
            got = ", ".join(f"{n} {v}" for v, n in sorted(verdicts.items()))
            lines.append(f"  solver on skipped '{reason}': {got}")
        for r in self.results:
            if r.status == "survived":
                lines.append(f"  SURVIVED {r.mutant.describe()}\n    {r.message}")
            elif r.status == "unknown":
                lines.append(f"  UNKNOWN {r.mutant.describe()}\n    {r.message}")
            elif r.status == "equivalent" and verbose:
                lines.append(f"  equivalent {r.mutant.describe()}\n    {r.message}")
            elif r.status == "compile_error":
                lines.append(f"  COMPILE ERROR {r.mutant.describe()}\n    {r.message}")
            elif verbose:
                lines.append(f"  killed {r.mutant.describe()}\n    seed {r.seeds[-1]}: {r.message}")
        return "\n".join(lines)


_VERILOG: dict[str, str] = {}


def _verilog(block: str, params: Params) -> str:
    """:func:`generate_verilog`, remembered (every mutant of a set starts from it)."""
    key = json.dumps([block, params], sort_keys=True)
    if key not in _VERILOG:
        _VERILOG[key] = generate_verilog(block, params)
    return _VERILOG[key]


def design_of(block: str, params: Params) -> str:
    """The first 16 hex digits of the SHA-256 of the set's generated Verilog: the design a
    results record's verdict was reached on (``design`` in :mod:`sc_cosim.mutation_runs`)."""
    return hashlib.sha256(_verilog(block, params).encode()).hexdigest()[:16]


def mutation_param_sets(block: str, seed: int = 0) -> list[tuple[str, Params]]:
    """The block's default parameters and the random set drawn from ``seed``."""
    spec = get_block(block)
    sets: list[tuple[str, Params]] = [("default", dict(spec.default_params))]
    random_set = params_for(block, seed)
    if random_set != spec.default_params:
        sets.append((f"random(seed={seed})", random_set))
    return sets


def block_mutants(
    block: str,
    seed: int = 0,
    init_words: bool = False,
    source: str = "text",
    count: int | None = None,
) -> tuple[list[Mutant], dict[str, int], list[tuple[str, Params]]]:
    """Mutants of ``block`` to run over :func:`mutation_param_sets`; skipped counts; the sets.

    ``init_words`` adds :func:`init_word_mutants` after each set's logic mutants.
    ``source="yosys"`` draws ``count`` mutants per set with Yosys's ``mutate -list``
    instead (:mod:`sc_cosim.yosys_mutants`, seed ``seed``; its ``no change`` and
    ``Yosys failed`` mutations are counted in the skipped counts, not run).
    """
    check_choice("source", source, SOURCES)
    sets = mutation_param_sets(block, seed)
    mutants: list[Mutant] = []
    skipped: dict[str, int] = {}
    if source == "yosys":
        if count is None:
            raise ValueError("count (mutants per parameter set) is required with source 'yosys'")
        toplevel = get_block(block).toplevel
        for label, params in sets:
            _, drawn = yosys_mutations(_verilog(block, params), toplevel, count, seed)
            for i, m in enumerate(drawn):  # numbered in draw order, skips included
                if m.skip:
                    skipped[m.skip] = skipped.get(m.skip, 0) + 1
                else:
                    mutants.append(Mutant(block, label, params, i, m))
        return mutants, skipped, sets
    for label, params in sets:
        every = enumerate_mutants(_verilog(block, params))
        for m in every:
            if m.skip:
                skipped[m.skip] = skipped.get(m.skip, 0) + 1
        live = [m for m in every if not m.skip]
        if init_words:
            live += init_word_mutants(_verilog(block, params))
        mutants += [Mutant(block, label, params, i, m) for i, m in enumerate(live)]
    return mutants, skipped, sets


def sample(mutants: list[Mutant], limit: int | None, seed: int) -> list[Mutant]:
    """At most ``limit`` of ``mutants`` (all when None), drawn with ``seed``, in order."""
    if limit is None or check_int("limit", limit, 0) >= len(mutants):
        return list(mutants)
    keep = np.random.default_rng(seed).choice(len(mutants), size=limit, replace=False)
    return [mutants[i] for i in sorted(int(k) for k in keep)]


def run_list(
    block: str, seed: int, limit: int | None, source: str = "text"
) -> tuple[list[Mutant], int, dict[str, int], list[tuple[str, Params]]]:
    """The mutants a :func:`mutate_block` run takes, in run-list order; the live count;
    skipped counts; the parameter sets.

    Text source: :func:`block_mutants` (full runs, ``limit`` None, add the
    ``init`` operator) sampled to ``limit``. Yosys source: ``limit`` drawn per
    parameter set (required: Yosys samples, there is no "all").
    """
    check_choice("source", source, SOURCES)
    if source == "yosys":
        if limit is None:
            raise ValueError(
                "limit must be a number of mutants per parameter set with source 'yosys' "
                "(Yosys's mutate -list samples; there is no 'all'), not None"
            )
        mutants, skipped, sets = block_mutants(block, seed, source="yosys", count=limit)
        return mutants, len(mutants), skipped, sets
    mutants, skipped, sets = block_mutants(block, seed, init_words=limit is None)
    return sample(mutants, limit, seed), len(mutants), skipped, sets


def results_config(
    block: str, seed: int, seeds: tuple[int, ...], cycles: int, power_on: bool = False
) -> dict:
    """The config a results-file record of ``block`` carries (:func:`config_of`): seed, cosim
    seeds, cycles, the block's stimulus version, ``SC_COSIM_RESET_P``,
    ``SC_COSIM_INITIAL_RESET`` and ``power_on`` (each only when not the default)."""
    version = get_block(block).stimulus_version
    return config_of(
        seed, seeds, cycles, version, default_reset_p(), default_initial_reset(), power_on
    )


def compile_error(text: str, toplevel: str) -> str:
    """Icarus's complaint about ``text`` ("" when it compiles)."""
    iverilog = shutil.which("iverilog")
    if iverilog is None:
        raise RuntimeError("iverilog not on PATH: the mutation check needs it")
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / f"{toplevel}.v"
        src.write_text(text)
        proc = subprocess.run(
            [iverilog, "-g2012", "-s", toplevel, "-o", str(Path(tmp) / "a.vvp"), str(src)],
            capture_output=True,
            text=True,
        )
    if proc.returncode == 0:
        return ""
    return (proc.stderr or proc.stdout).strip().replace(str(src), "mutant.v")


PATHS = ("replay", "cocotb")
DEFAULT_PATH = "replay"


def run_mutant(
    mutant: Mutant,
    seeds: Iterable[int],
    cycles: int,
    simulator: str | None = None,
    path: str = "cocotb",
    power_on: bool = False,
) -> MutantResult:
    """Compile ``mutant``; co-simulate it for each seed until one run fails.

    ``path="cocotb"`` runs :func:`sc_cosim.harness.run_cosim` per seed;
    ``path="replay"`` replays the model's recorded run in plain Icarus
    (:mod:`sc_cosim.replay`: the same verdict, seed, cycle and port; Icarus
    only, so ``simulator`` must be None or ``"icarus"``). ``power_on`` adds,
    after those runs, one run per seed without the initial reset (from the
    power-on state, ``initial_reset=False``); a kill there names the cycle
    ``(no initial reset)``.
    """
    check_choice("path", path, PATHS)
    if path == "replay":
        if simulator not in (None, "icarus"):
            raise ValueError(
                f"path 'replay' runs Icarus only; simulator must be 'icarus', not {simulator!r}"
            )
        return run_mutant_replay(mutant, seeds, cycles, power_on)
    spec = get_block(mutant.block)
    start = time.perf_counter()
    text = mutant.text()
    error = compile_error(text, spec.toplevel)
    if error:
        return MutantResult(mutant, "compile_error", (), error.splitlines()[0], 0.0)
    folder = _mutant_folder(mutant)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{spec.toplevel}.v"
    path.write_text(text)
    ran: list[int] = []
    status, message = "survived", ""
    seeds = tuple(seeds)
    runs = [(s, None) for s in seeds] + [(s, False) for s in (seeds if power_on else ())]
    for s, initial_reset in runs:
        ran.append(s)
        result = run_cosim(
            mutant.block,
            mutant.params,
            seed=s,
            cycles=cycles,
            simulator=simulator,
            verilog_path=path,
            initial_reset=initial_reset,
        )
        # run_cosim keeps a simulator build per distinct Verilog text; one per mutant adds up
        # (about 0.3 MB each), and the mutant is rebuilt from its description at will.
        shutil.rmtree(result.verilog.parent, ignore_errors=True)
        if not result.passed:
            status, message = "killed", result.message
            break
    if status == "killed":
        _discard(folder)  # survivors' files stay for inspection
    return MutantResult(mutant, status, tuple(ran), message, time.perf_counter() - start)


def run_mutant_replay(
    mutant: Mutant, seeds: Iterable[int], cycles: int, power_on: bool = False
) -> MutantResult:
    """:func:`run_mutant` by :mod:`sc_cosim.replay`: no cocotb, the model run once per seed.

    A survivor's Verilog and replay bench stay in its folder
    (:func:`_mutant_folder`) for inspection.
    """
    start = time.perf_counter()
    folder = _mutant_folder(mutant)
    text = mutant.text()
    seeds = tuple(seeds)
    status, ran, message = run_verilog(
        text,
        mutant.block,
        mutant.params,
        seeds,
        cycles,
        folder,
        power_on_seeds=seeds if power_on else (),
    )
    if status == "not_compiled":
        # the cocotb path's compile test is -g2012 alone; a text that passes it but not the
        # harness's -g2005 build makes run_cosim raise, and so does this path
        error = compile_error(text, get_block(mutant.block).toplevel)
        if not error:
            raise ValueError(
                f"mutant {mutant.describe()} compiles with -g2012 but not -g2005:\n{message}"
            )
        status, message = "compile_error", error.splitlines()[0]
    if status != "survived":
        _discard(folder)
    return MutantResult(mutant, status, ran, message, time.perf_counter() - start)


def _mutant_folder(mutant: Mutant) -> Path:
    """``<build>/mutation/<block>/<set>_<index>/<pid>/``: a mutant's co-simulation files,
    per process, so that two processes running the same mutant (parallel test workers
    do) never build into, or delete, each other's files."""
    name = f"{_slug(mutant.label)}_{mutant.index}"
    return build_root() / "mutation" / mutant.block / name / str(os.getpid())


def _discard(folder: Path) -> None:
    """Delete a killed mutant's :func:`_mutant_folder`, and its parent once no process's
    folder is left in it."""
    shutil.rmtree(folder, ignore_errors=True)
    with contextlib.suppress(OSError):  # another process's folder is still there
        folder.parent.rmdir()


def _slug(label: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", label).strip("_")


def skipped_mutants(block: str, seed: int = 0) -> list[Mutant]:
    """The mutants :func:`block_mutants` skips as provably equivalent (``change.skip`` set)."""
    out: list[Mutant] = []
    for label, params in mutation_param_sets(block, seed):
        every = enumerate_mutants(_verilog(block, params))
        out += [Mutant(block, label, params, i, m) for i, m in enumerate(every) if m.skip]
    return out


def prove_mutant(
    mutant: Mutant,
    max_steps: int = DEFAULT_MAX_STEPS,
    timeout: float = DEFAULT_TIMEOUT,
    full: bool = True,
    pdr_timeout: float = DEFAULT_PDR_TIMEOUT,
) -> Proof:
    """:func:`sc_cosim.equivalence.prove_equivalent` of ``mutant`` against its original
    (``full=False``: register correspondence only, seconds per mutant; ``pdr_timeout=0``:
    no PDR stage after k-induction)."""
    spec = get_block(mutant.block)
    original = _verilog(mutant.block, mutant.params)
    return prove_equivalent(
        original, mutant.text(), spec.toplevel, max_steps, timeout, full, pdr_timeout
    )


def judge_survivor(
    result: MutantResult,
    max_steps: int = DEFAULT_MAX_STEPS,
    timeout: float = DEFAULT_TIMEOUT,
    full: bool = True,
    pdr_timeout: float = DEFAULT_PDR_TIMEOUT,
) -> MutantResult:
    """A survivor after the solver: ``equivalent``, ``survived`` (refuted) or ``unknown``."""
    if result.status != "survived":
        return result
    proof = prove_mutant(result.mutant, max_steps, timeout, full, pdr_timeout)
    status = {"equivalent": "equivalent", "different": "survived", "unknown": "unknown"}
    return MutantResult(
        result.mutant,
        status[proof.status],
        result.seeds,
        f"solver: {proof.detail}",
        result.seconds + proof.seconds,
    )


def mutate_block(
    block: str,
    limit: int | None = DEFAULT_LIMIT,
    seed: int = 0,
    n_seeds: int = DEFAULT_SEEDS,
    cycles: int = DEFAULT_CYCLES,
    simulator: str | None = None,
    progress: Callable[[MutantResult], None] | None = None,
    prove: bool = True,
    check_skipped: bool | None = None,
    max_steps: int = DEFAULT_MAX_STEPS,
    full_proof: bool = True,
    path: str | None = None,
    shard: tuple[int, int] | None = None,
    results_file: str | os.PathLike[str] | None = None,
    run: bool = True,
    timeout: float = DEFAULT_TIMEOUT,
    source: str = "text",
    pdr_timeout: float = DEFAULT_PDR_TIMEOUT,
    reprove: bool = False,
    power_on: bool = False,
) -> BlockReport:
    """Mutation check of ``block``.

    Parameters
    ----------
    block : str
        Registered block name.
    limit : int or None
        Mutants sampled (with ``seed``) from all live mutants; None runs all,
        and adds the ``init`` mutants (:func:`init_word_mutants`).
    seed : int
        Draws the random parameter set, the sample, and the first cosim seed
        (runs use stimulus seeds ``seed + 1 .. seed + n_seeds``).
    n_seeds : int
        Cosim runs per mutant at most (a run that fails kills it).
    cycles : int
        Cycles per cosim run.
    simulator : ``"icarus"`` or ``"verilator"``, optional
    progress : callable, optional
        Called with each co-simulation result as it is known (status
        ``killed``, ``survived`` or ``compile_error``; before the solver).
    prove : bool
        Give every survivor to the solver (:mod:`sc_cosim.equivalence`): it
        becomes ``equivalent`` (proved), ``survived`` (counterexample found)
        or ``unknown``.
    check_skipped : bool, optional
        Also give the mutants skipped as provably equivalent to the solver and
        count its verdicts in ``skipped_proofs``; default: only in full runs
        (``limit=None``) with ``prove``.
    max_steps : int
        Largest induction length of the solver.
    full_proof : bool
        With ``prove``: ``False`` gives survivors only the register-correspondence
        proof (seconds; what it cannot prove stays ``unknown``, counted against
        the kill rate), not the miter's k-induction (up to its 300 s timeout).
    path : ``"replay"`` or ``"cocotb"``, optional
        How each mutant is co-simulated (:func:`run_mutant`); default
        ``replay`` (same verdicts, about 40x less time per mutant in
        ``bench/bench_mutation.py``, :mod:`sc_cosim.replay`)
        unless ``simulator`` is ``"verilator"``.
    shard : (I, N), optional
        Run only the mutants whose position in the run list is ``I`` mod ``N``
        (:mod:`sc_cosim.mutation_runs`); the report holds those.
    results_file : path, optional
        JSON lines (:mod:`sc_cosim.mutation_runs`): each verdict is appended as
        it is known; mutants already recorded there (same config) are not run
        again but taken from the file.
    timeout : float
        Seconds the solver's correspondence and k-induction stages may spend
        on one mutant (its verdict is ``unknown`` when they run out).
    pdr_timeout : float
        Seconds (ABC's CPU time) of the PDR stage that follows an ``unknown``
        of k-induction (:func:`sc_cosim.equivalence.prove_by_pdr`); 0: none.
    reprove : bool
        With ``prove`` and ``results_file``: run only the solver, on the
        mutants recorded as ``unknown`` and on survivors recorded without
        the solver, and append the new verdict, which the reader takes (the
        last record of a mutant wins). Nothing is co-simulated, and mutants
        not in the file are not run (``missing`` counts them). For
        re-judging a file written before a solver stage was added.
    run : bool
        ``False`` runs nothing: the report holds what ``results_file`` has,
        ``missing`` counts the rest (a summary of a run in progress).
    source : ``"text"`` or ``"yosys"``
        Where the mutants come from: this module's text mutator, or Yosys's
        ``mutate`` pass (:mod:`sc_cosim.yosys_mutants`), which draws ``limit``
        mutants *per parameter set* (``limit`` is required: Yosys samples,
        there is no "all") after checking that its un-mutated netlist passes.
    power_on : bool
        Power-on runs beside the normal ones: after the ``n_seeds`` runs (with
        the initial reset unless ``SC_COSIM_INITIAL_RESET=0``), each seed runs
        again without it, from the power-on state, so a mutant that changes
        only the power-on value of a register with a reset can be killed
        (:func:`run_mutant`). Recorded in the results config (``"power_on":
        true``), so these verdicts never mix with a normal run's.
    """
    seed = check_int("seed", seed, 0)
    n_seeds = check_int("n_seeds", n_seeds, 1)
    cycles = check_int("cycles", cycles, 1)
    max_steps = check_int("max_steps", max_steps, 1)
    if shard is not None and not (
        isinstance(shard, tuple)
        and len(shard) == 2
        and all(isinstance(x, int) and not isinstance(x, bool) for x in shard)
        and 0 <= shard[0] < shard[1]
    ):
        raise ValueError(f"shard must be a pair (I, N) of ints with 0 <= I < N, not {shard!r}")
    if path is None:
        path = "cocotb" if simulator == "verilator" else DEFAULT_PATH
    check_choice("path", path, PATHS)
    if path == "replay" and simulator not in (None, "icarus"):
        raise ValueError(
            f"path 'replay' runs Icarus only; simulator must be 'icarus', not {simulator!r}"
        )
    if limit is not None:
        limit = check_int("limit", limit, 1)
    if reprove and not (prove and results_file is not None):
        raise ValueError(
            "reprove re-runs the solver on recorded verdicts: it needs prove=True and a "
            f"results_file, not prove={prove!r}, results_file={results_file!r}"
        )
    if check_skipped is None:
        check_skipped = prove and limit is None
    start = time.perf_counter()
    seeds = tuple(range(seed + 1, seed + 1 + n_seeds))
    chosen, n_live, skipped, sets = run_list(block, seed, limit, source)
    if source == "yosys":
        check_skipped = False
        if run and not reprove:  # reprove co-simulates nothing
            toplevel = get_block(block).toplevel
            for _, params in sets:
                netlist, _ = yosys_mutations(_verilog(block, params), toplevel, limit, seed)
                check_netlist(
                    netlist, block, params, seeds, cycles, power_on_seeds=seeds if power_on else ()
                )
    config = results_config(block, seed, seeds, cycles, power_on)
    done = read_results(results_file)
    designs = {label: design_of(block, params) for label, params in sets}
    # solver verdicts recorded under other configs (another stimulus): reused, not re-run
    solved = solver_verdicts(done, SOLVER_RULE)
    missing = 0
    report_unproved = 0  # survivors recorded without the solver, reported with run=False
    stale = 0

    def recorded(m: Mutant) -> dict | None:
        nonlocal stale
        rec = done.get(key_of(block, m.label, m.index, m.change.diff(), config))
        # a record made on another design (the block's Verilog changed) is not reused
        if rec is not None and is_stale(rec, designs[m.label]):
            stale += 1
            return None
        return rec

    def keep(m: Mutant, position: int, skip: str | None, r: MutantResult, proved: bool) -> None:
        if results_file is None:
            return
        append_result(
            results_file,
            {
                "block": block,
                "set": m.label,
                "index": m.index,
                "change": m.change.diff(),
                "config": config,
                "position": position,
                "skip": skip,
                "status": r.status,
                "proved": proved,
                "seeds": list(r.seeds),
                "message": r.message,
                "seconds": round(r.seconds, 3),
                "path": path,
                "design": designs[m.label],
            }
            | ({"solver": SOLVER_RULE} if proved else {}),
        )

    def judge(m: Mutant, r: MutantResult) -> MutantResult:
        """``r`` after the solver: a verdict recorded for this mutant and design under
        another config when the file has one (mutation_runs.solver_verdicts), else a run."""
        rec = solved.get((block, m.label, m.index, m.change.diff(), designs[m.label]))
        if r.status != "survived" or rec is None or rec["config"] == config or reprove:
            return judge_survivor(r, max_steps, timeout, full=full_proof, pdr_timeout=pdr_timeout)
        cfg = json.dumps(rec["config"], sort_keys=True)
        message = f"{rec['message']} (solver verdict recorded under config {cfg})"
        return MutantResult(m, rec["status"], r.seeds, message, r.seconds)

    results = []
    for position, m in enumerate(chosen):
        if not in_shard(position, shard):
            continue
        rec = recorded(m)
        if rec is not None:
            r = MutantResult(m, rec["status"], tuple(rec["seeds"]), rec["message"], rec["seconds"])
            unproved = prove and r.status == "survived" and not rec.get("proved")
            again = reprove and r.status == "unknown"
            if not ((unproved or again) and run):
                results.append(r)
                report_unproved += unproved
                continue
            # a survivor recorded by a run without the solver (or, with reprove, one the
            # solver left unknown): only the solver runs now
            r = MutantResult(m, "survived", r.seeds, r.message, r.seconds)
        elif not run or reprove:
            missing += 1
            continue
        else:
            r = run_mutant(m, seeds, cycles, simulator, path, power_on)
            if progress is not None:
                progress(r)
        if prove:
            r = judge(m, r)
        keep(m, position, None, r, prove)
        results.append(r)
    skipped_proofs: dict[str, dict[str, int]] = {}
    if check_skipped:
        for j, m in enumerate(skipped_mutants(block, seed)):
            if not in_shard(len(chosen) + j, shard):
                continue
            rec = recorded(m)
            if rec is None and (not run or reprove):
                missing += 1
                continue
            if rec is None or run and reprove and rec["status"] == "unknown":
                proof = prove_mutant(m, max_steps, timeout, pdr_timeout=pdr_timeout)
                detail = f"solver: {proof.detail}"
                keep(
                    m,
                    len(chosen) + j,
                    m.change.skip,
                    MutantResult(m, proof.status, (), detail, proof.seconds),
                    True,
                )
                status = proof.status
            else:
                status = rec["status"]
            verdicts = skipped_proofs.setdefault(m.change.skip, {})
            verdicts[status] = verdicts.get(status, 0) + 1
    sim = simulator or os.environ.get("SC_COSIM_SIM", "icarus")
    report = BlockReport(block, sets, n_live, skipped, results, cycles, seeds, sim, seed)
    report.proved = prove
    report.skipped_proofs = skipped_proofs
    report.missing = missing
    report.unproved = report_unproved
    report.path = path
    report.power_on = power_on
    report.stale = stale
    report.seconds = time.perf_counter() - start
    return report


def limit_from_env(default: int = DEFAULT_LIMIT) -> int | None:
    """``SC_MUTANTS``: a number of mutants per block, or ``all`` (None)."""
    raw = os.environ.get("SC_MUTANTS", str(default)).strip().lower()
    if raw == "all":
        return None
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"SC_MUTANTS must be a positive integer or 'all', not {raw!r}") from None
    return check_int("SC_MUTANTS", value, 1)
