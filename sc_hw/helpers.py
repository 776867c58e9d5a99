"""Amaranth helpers shared by the blocks of :mod:`sc_hw` (no block imports one from another).

Each returns Amaranth values or adds statements to the module ``m`` it is
given; none is a block of its own. Widths are stated per function.
"""

from __future__ import annotations

from collections.abc import Sequence

from amaranth.hdl import Cat, ClockSignal, Const, Module, Mux, ResetSignal, Signal, Value, signed


def use_clock_and_reset(m: Module) -> None:
    """Give a register-free block the shared ``clk`` and ``rst`` ports (unused).

    Every block presents the same interface to the co-simulation harness,
    which drives ``clk`` and ``rst`` on all of them; a purely combinational
    design would otherwise be converted without those ports.
    """
    m.d.comb += [
        Signal(name="unused_clk").eq(ClockSignal()),
        Signal(name="unused_rst").eq(ResetSignal()),
    ]


def wire(m: Module, value: Value, width: int, name: str) -> Signal:
    """A named ``width``-bit wire driven by ``value`` (zero-extended or truncated).

    Adders and comparators built on such wires see operands of one width, so
    Yosys cannot narrow them and Verilator's WIDTHEXPAND stays silent.
    """
    sig = Signal(max(1, width), name=name)
    m.d.comb += sig.eq(value)
    return sig


def nonneg(v: Value) -> Value:
    """Unsigned ``v`` as a non-negative signed value (one zero bit on top).

    Adders, subtractors and comparators of unequal operand widths are built
    on such values: Yosys writes them ``$signed(...)`` and Verilog
    sign-extends them to the operator's width, exactly the arithmetic meant,
    where zero-extended unsigned operands would draw Verilator's WIDTHEXPAND.
    """
    return Cat(v, Const(0, 1)).as_signed()


def const_mul(m: Module, x: Value, c: int, name: str) -> Value:
    """``x * c`` for a constant ``c >= 0``: a sum of shifted copies of the unsigned ``x``.

    No multiplier is inferred: one adder per set bit of ``c`` beyond the first.
    The result has exactly ``len(x) + c.bit_length()`` bits (the product always
    fits, and so does every partial sum). The adders work on :func:`nonneg` terms.
    """
    width = max(1, len(x) + c.bit_length())
    if c == 0:
        return Const(0, width)
    xs = nonneg(x)
    shifts = [i for i in range(c.bit_length()) if c >> i & 1]
    total = xs << shifts[0]
    for i in shifts[1:]:
        total = total + (xs << i)
    return wire(m, total.as_unsigned(), width, name)


def trailing_zeros(c: int) -> int:
    """Number of low zero bits of ``c`` (a large number for 0: its products are all 0)."""
    return (c & -c).bit_length() - 1 if c else 64


def clamp(m: Module, v: Value, lo: int, hi: int, width: int, name: str) -> Value:
    """``min(max(v, lo), hi)`` as exactly ``width`` signed bits (``[lo, hi]`` must fit).

    ``v`` is computed once, into a wire at its full width, and both
    comparisons read it; the result mux is ``width`` bits wide (constants and
    ``v``'s low bits), so no bit of it is dropped later.
    """
    full = Signal(v.shape(), name=name)
    m.d.comb += full.eq(v)
    lo_c, hi_c = Const(lo, signed(width)), Const(hi, signed(width))
    return Mux(full < lo, lo_c, Mux(full > hi, hi_c, full[:width].as_signed()))


def decay_deficit(m: Module, d: Value, k: int, name: str, d_max: int | None = None) -> Value:
    """``D_k(d) = d - ((d + 2**k - 1) >> k) = floor(d (1 - 2**-k))`` for unsigned ``d``.

    ``d_max`` (default ``2**len(d) - 1``) bounds ``d``: the rounding sum gets
    just the bits it needs, so when ``d_max + 2**k - 1`` fits ``len(d)`` bits
    the shifted sum is exactly ``len(d)`` bits wide and no padding bit is
    dropped by a truncation. Both operands of the subtraction are
    ``len(d)``-bit wires.
    """
    w = len(d)
    d_max = (1 << w) - 1 if d_max is None else d_max
    rw = max(w, (d_max + (1 << k) - 1).bit_length())
    rounded = wire(m, d + ((1 << k) - 1), rw, f"{name}_round")
    ceil_part = wire(m, rounded >> k, w, f"{name}_ceil")
    return wire(m, d - ceil_part, w, f"{name}_dec")


def adder_tree(
    m: Module, bits: Sequence[Value], registered: Sequence[int] = (), name: str = "tree"
) -> Value:
    """Balanced adder tree over ``bits`` (popcount), as specified in :mod:`sc_model.arith`.

    Level ``l`` adds adjacent pairs of level ``l - 1`` (an odd last node
    passes through); the nodes of every level in ``registered`` are captured
    in ``sync`` registers (reset 0). A node covering ``m`` inputs is
    ``m.bit_length()`` bits. Returns the root.
    """
    nodes: list[tuple[Value, int]] = [(b, 1) for b in bits]  # (value, inputs covered)
    level = 0
    while len(nodes) > 1:
        level += 1
        paired: list[tuple[Value, int]] = []
        for i in range(0, len(nodes), 2):
            if i + 1 < len(nodes):
                (x, nx), (y, ny) = nodes[i], nodes[i + 1]
                paired.append((x + y, nx + ny))
            else:
                paired.append(nodes[i])
        nodes = []
        for i, (value, covered) in enumerate(paired):
            node = Signal(covered.bit_length(), name=f"{name}_l{level}_n{i}")
            domain = m.d.sync if level in registered else m.d.comb
            domain += node.eq(value)
            nodes.append((node, covered))
    return nodes[0][0]


def pick(options: list[Value], index: Value) -> Value:
    """``options[index]`` as a balanced tree of 2:1 muxes on the index bits.

    Continuous assignments, not a ``case`` process: Icarus leaves a process
    whose inputs do not change after time 0 at X (an index out of range picks
    the last option of its pair, never used here).
    """
    level = list(options)
    bit = 0
    while len(level) > 1:
        level = [
            Mux(index[bit], level[i + 1], level[i]) if i + 1 < len(level) else level[i]
            for i in range(0, len(level), 2)
        ]
        bit += 1
    return level[0]
