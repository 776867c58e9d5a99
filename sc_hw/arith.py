"""Amaranth twins of :mod:`sc_model.arith` (contracts and timing: see there)."""

from __future__ import annotations

from amaranth.hdl import Module, Signal
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from sc_model import arith as model
from sc_model._validate import config_from

from .helpers import adder_tree, use_clock_and_reset
from .lfsr import LFSR


class AndMul(wiring.Component):
    """Unipolar multiplier: ``lanes`` AND gates (block ``and_mul``), combinational.

    Parameters
    ----------
    config : sc_model.arith.LanesConfig
        The block's configuration (or ``lanes``, positionally or as a
        keyword); the contract is the docstring of :mod:`sc_model.arith`.

    Attributes
    ----------
    a, b : In(lanes)
        Lane ``k`` is bit ``k``.
    y : Out(lanes)
        ``a & b``.

    Like every register-free block here it still has the shared ``clk`` and
    ``rst`` ports, unused (:func:`use_clock_and_reset`).
    """

    def __init__(self, *args: object, **params: object) -> None:
        self.config = config_from(model.LanesConfig, args, params)
        self.lanes = self.config.lanes
        super().__init__({"a": In(self.lanes), "b": In(self.lanes), "y": Out(self.lanes)})

    def elaborate(self, platform):
        m = Module()
        m.d.comb += self.y.eq(self.a & self.b)
        use_clock_and_reset(m)
        return m


class XnorMul(wiring.Component):
    """Bipolar multiplier: ``lanes`` XNOR gates (block ``xnor_mul``), combinational.

    Parameters and ports as :class:`AndMul`; ``y = ~(a ^ b)``.
    """

    def __init__(self, *args: object, **params: object) -> None:
        self.config = config_from(model.LanesConfig, args, params)
        self.lanes = self.config.lanes
        super().__init__({"a": In(self.lanes), "b": In(self.lanes), "y": Out(self.lanes)})

    def elaborate(self, platform):
        m = Module()
        m.d.comb += self.y.eq(~(self.a ^ self.b))
        use_clock_and_reset(m)
        return m


class MuxAdd(wiring.Component):
    """MUX scaled adder with its own LFSR select source (block ``mux_add``).

    Parameters
    ----------
    config : sc_model.arith.MuxAddConfig
        The block's configuration, or its fields ``n_inputs, width, seed,
        taps, form, sel_bits`` (positionally or as keywords); the contract
        is the docstring of :mod:`sc_model.arith`.

    Attributes
    ----------
    inputs : In(N)
        Input ``k`` is bit ``k``.
    en : In(1)
        Step the LFSR on the next rising edge.
    y : Out(1)
        ``inputs[sel]`` (combinational from ``inputs``).
    sel : Out((N - 1).bit_length())
        ``((state mod 2**b) * N) >> b`` (combinational from the register).
    state : Out(width)
        The LFSR register.
    """

    def __init__(self, *args: object, **params: object) -> None:
        self.config = c = config_from(model.MuxAddConfig, args, params)
        self.n_inputs, self.width, self.seed = c.n_inputs, c.width, c.seed
        self.taps, self.form, self.sel_bits = c.taps, c.form, c.sel_bits
        super().__init__(
            {
                "inputs": In(self.n_inputs),
                "en": In(1),
                "y": Out(1),
                "sel": Out(model.sel_width(self.n_inputs)),
                "state": Out(self.width),
            }
        )

    def elaborate(self, platform):
        m = Module()
        m.submodules.lfsr = lfsr = LFSR(self.width, self.seed, self.taps, self.form)
        b = self.sel_bits
        product = Signal(b + self.n_inputs.bit_length())
        m.d.comb += [
            lfsr.en.eq(self.en),
            lfsr.load.eq(0),
            lfsr.load_value.eq(0),
            self.state.eq(lfsr.state),
            product.eq(lfsr.state[:b] * self.n_inputs),
            self.sel.eq(product[b:]),
            self.y.eq(self.inputs.bit_select(self.sel, 1)),
        ]
        return m


class Majority(wiring.Component):
    """Majority vote over ``n_inputs`` bits per cycle with a tie rule (block ``majority``).

    Parameters
    ----------
    config : sc_model.arith.MajorityConfig
        The block's configuration, or its fields ``n_inputs, tie``
        (positionally or as keywords); the contract is the docstring of
        :mod:`sc_model.arith`.

    Attributes
    ----------
    inputs : In(N)
    y : Out(1)
        Combinational from ``inputs`` (and the toggle register).
    """

    def __init__(self, *args: object, **params: object) -> None:
        self.config = config_from(model.MajorityConfig, args, params)
        self.n_inputs, self.tie = self.config.n_inputs, self.config.tie
        super().__init__({"inputs": In(self.n_inputs), "y": Out(1)})

    def elaborate(self, platform):
        m = Module()
        n = self.n_inputs
        count = adder_tree(m, list(self.inputs), name="maj")
        if n % 2 or self.tie != "alternate":
            use_clock_and_reset(m)  # no register in this variant
        if n % 2:
            m.d.comb += self.y.eq(count > n // 2)
            return m
        is_tie = Signal()
        m.d.comb += is_tie.eq(count == n // 2)
        if self.tie == "alternate":
            toggle = Signal(name="tie_toggle")
            with m.If(is_tie):
                m.d.sync += toggle.eq(~toggle)
            tie_value = toggle
        else:
            tie_value = int(self.tie == "one")
        m.d.comb += self.y.eq((count > n // 2) | (is_tie & tie_value))
        return m


class ParallelCounter(wiring.Component):
    """Popcount of ``n_inputs`` bits through a pipelined balanced adder tree (block
    ``parallel_counter``).

    Parameters
    ----------
    config : sc_model.arith.ParallelCounterConfig
        The block's configuration, or its fields ``n_inputs, pipeline``
        (positionally or as keywords); registers after the tree levels
        :func:`sc_model.arith.register_levels`; the contract is the docstring
        of :mod:`sc_model.arith`.

    Attributes
    ----------
    inputs : In(N)
    count : Out(N.bit_length())
        Popcount of the inputs of ``P`` cycles ago (0 for ``P`` cycles after
        reset); combinational for ``P = 0``, a register otherwise.
    """

    def __init__(self, *args: object, **params: object) -> None:
        self.config = config_from(model.ParallelCounterConfig, args, params)
        self.n_inputs, self.pipeline = self.config.n_inputs, self.config.pipeline
        self.registered = model.register_levels(self.n_inputs, self.pipeline)
        super().__init__(
            {"inputs": In(self.n_inputs), "count": Out(model.count_width(self.n_inputs))}
        )

    def elaborate(self, platform):
        m = Module()
        root = adder_tree(m, list(self.inputs), self.registered, name="pc")
        if not self.pipeline:
            use_clock_and_reset(m)
        m.d.comb += self.count.eq(root)
        return m


class StreamCounter(wiring.Component):
    """Saturating counter of a stream's ones (block ``stream_counter``).

    Parameters
    ----------
    config : sc_model.arith.StreamCounterConfig
        The block's configuration (or ``count_width``, positionally or as a
        keyword); the contract is the docstring of :mod:`sc_model.arith`.

    Attributes
    ----------
    bit_in, en, clear : In(1)
        On the rising edge: ``clear`` -> 0 (priority); else ``en & bit_in`` ->
        ``count + 1`` unless already ``2**count_width - 1``.
    count : Out(count_width)
        The register, reset 0.
    saturated : Out(1)
        ``count == 2**count_width - 1`` (from the register only).
    """

    def __init__(self, *args: object, **params: object) -> None:
        self.config = config_from(model.StreamCounterConfig, args, params)
        self.count_width = self.config.count_width
        super().__init__(
            {
                "bit_in": In(1),
                "en": In(1),
                "clear": In(1),
                "count": Out(self.count_width),
                "saturated": Out(1),
            }
        )

    def elaborate(self, platform):
        m = Module()
        top = (1 << self.count_width) - 1
        m.d.comb += self.saturated.eq(self.count == top)
        with m.If(self.clear):
            m.d.sync += self.count.eq(0)
        with m.Elif(self.en & self.bit_in & ~self.saturated):
            m.d.sync += self.count.eq(self.count + 1)
        return m
