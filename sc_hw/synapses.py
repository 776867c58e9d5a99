"""Amaranth twin of :mod:`sc_model.synapses` (contract and timing: see there)."""

from __future__ import annotations

from amaranth.hdl import Cat, EnableInserter, Module, Mux, Signal, Value
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from sc_model import synapses as model
from sc_model._validate import take_config
from sc_model.sng import rotation_indices

from .arith import AndMul, Majority, MuxAdd, ParallelCounter, XnorMul
from .helpers import adder_tree, use_clock_and_reset
from .lfsr import LFSR


class _WideCounter(wiring.Component):
    """:class:`sc_hw.arith.ParallelCounter` beyond its 256 inputs (same tree, same
    register levels, :func:`sc_model.synapses.counter_register_levels`)."""

    def __init__(self, n_inputs: int, pipeline: int) -> None:
        self.n_inputs = n_inputs
        self.registered = model.counter_register_levels(n_inputs, pipeline)
        super().__init__({"inputs": In(n_inputs), "count": Out(n_inputs.bit_length())})

    def elaborate(self, platform):
        m = Module()
        root = adder_tree(m, list(self.inputs), self.registered, name="pc")
        if not self.registered:
            use_clock_and_reset(m)
        m.d.comb += self.count.eq(root)
        return m


def _counter(n_inputs: int, pipeline: int) -> wiring.Component:
    if n_inputs <= 256:
        return ParallelCounter(n_inputs, pipeline)
    return _WideCounter(n_inputs, pipeline)


class Synapses(wiring.Component):
    """N x M stochastic synapses with sign-magnitude weight registers (block ``synapses``).

    Parameters
    ----------
    config : sc_model.synapses.SynapseConfig
        The block's configuration (or its fields as keywords); the contract
        is the docstring of :mod:`sc_model.synapses`.

    Attributes
    ----------
    spikes : In(N)
        Input bit streams (``input_mode="spikes"``).
    values : In(N * value_width)
        Input values, encoded on chip (``input_mode="values"``).
    en : In(1)
        Step enable of every evolving register (LFSRs, pipeline, tie toggles).
    w_en : In(1), w_addr : In(max(1, (M N - 1).bit_length())), w_data : In(weight_width + 1)
        Weight write port: synapse ``(m, j)`` at address ``m N + j`` takes
        the two's-complement ``w_data`` at the edge (``-2**wb`` saturates);
        one edge later with ``write_register=True`` (a register stage in
        front of the decoded write's fan-out).
    count : Out(M * (N.bit_length() + 1))
        ``"counter"``: per neuron, ``exc - inh`` two's complement, latency ``pipeline``.
    up, down : Out(M)
        ``"majority"``/``"mux"``: per neuron, combinational.

    Built from tested blocks: :class:`sc_hw.lfsr.LFSR` (weights, inputs),
    :class:`sc_hw.arith.AndMul`/:class:`~sc_hw.arith.XnorMul` (one per
    neuron), and per neuron two :class:`~sc_hw.arith.ParallelCounter` or two
    :class:`~sc_hw.arith.Majority` (clock-enabled by ``en``), or one shared
    :class:`~sc_hw.arith.MuxAdd` as the select source.
    """

    def __init__(self, config: model.SynapseConfig | None = None, **params: object) -> None:
        self.config = p = take_config(model.SynapseConfig, config, params)
        ports: dict[str, object] = {}
        if p.input_mode == "spikes":
            ports["spikes"] = In(p.n_inputs)
        else:
            ports["values"] = In(p.n_inputs * p.value_width)
        ports.update(
            en=In(1),
            w_en=In(1),
            w_addr=In(p.addr_width),
            w_data=In(p.weight_width + 1),
        )
        if p.aggregation == "counter":
            ports["count"] = Out(p.n_neurons * p.count_width)
        else:
            ports.update(up=Out(p.n_neurons), down=Out(p.n_neurons))
        super().__init__(ports)

    def _input_bits(self, m: Module) -> Value:
        p = self.config
        if p.input_mode == "spikes":
            return self.spikes
        m.submodules.input_lfsr = lfsr = LFSR(p.width, p.input_seed, p.taps, p.form)
        m.d.comb += [lfsr.en.eq(self.en), lfsr.load.eq(0), lfsr.load_value.eq(0)]
        x = Signal(p.n_inputs, name="x")
        vw = p.value_width
        for j, rot in enumerate(p.input_rotations):
            q = Cat(*(lfsr.state[i] for i in rotation_indices(p.width, vw, rot)))
            m.d.comb += x[j].eq(q < self.values[j * vw : (j + 1) * vw])
        return x

    def elaborate(self, platform):
        m = Module()
        p = self.config
        m.submodules.lfsr = lfsr = LFSR(p.width, p.seed, p.taps, p.form)
        m.d.comb += [lfsr.en.eq(self.en), lfsr.load.eq(0), lfsr.load_value.eq(0)]
        randoms = [
            Cat(*(lfsr.state[i] for i in rotation_indices(p.width, p.random_width, rot)))
            for rot in p.rotations
        ]
        x = self._input_bits(m)
        write = self._write_port(m)
        mux = None
        if p.aggregation == "mux" and p.n_inputs > 1:
            m.submodules.mux_select = mux = MuxAdd(
                p.n_inputs, p.width, p.mux_seed, p.taps, p.form, p.mux_sel_bits
            )
            m.d.comb += [mux.inputs.eq(0), mux.en.eq(self.en)]  # only its selection is used
        for mi, row in enumerate(p.weights):
            s, neg = self._weight_stream(m, mi, row, randoms, write)
            e, i = self._polarity(m, mi, x, s, neg)
            self._aggregate(m, mi, e, i, mux)
        return m

    def _write_port(self, m: Module) -> tuple[Signal, Signal, Signal, Signal]:
        """Decode ``w_data`` into sign and magnitude (``-2**wb`` saturates).

        With ``write_register`` the decoded write is captured (not gated by
        ``en``) and lands at the next edge; only ``w_en`` needs a reset.
        """
        p = self.config
        wb = p.weight_width
        w_low = self.w_data[:wb]
        w_mag_in = Mux(self.w_data[wb], Mux(w_low == 0, (1 << wb) - 1, (-w_low)[:wb]), w_low)
        w_en, w_addr = Signal(name="w_en_now"), Signal(p.addr_width, name="w_addr_now")
        w_neg, w_mag = Signal(name="w_neg_new"), Signal(wb, name="w_mag_new")
        domain = m.d.sync if p.write_register else m.d.comb
        domain += [
            w_en.eq(self.w_en),
            w_addr.eq(self.w_addr),
            w_neg.eq(self.w_data[wb]),
            w_mag.eq(w_mag_in),
        ]
        return w_en, w_addr, w_neg, w_mag

    def _weight_stream(
        self, m: Module, mi: int, row: tuple[int, ...], randoms: list[Value], write: tuple
    ) -> tuple[Signal, Value]:
        """Neuron ``mi``'s weight registers and weight stream bits ``s``; returns ``s``, signs."""
        p = self.config
        n, wb = p.n_inputs, p.weight_width
        w_en, w_addr, w_neg, w_mag = write
        mags = [Signal(wb, init=abs(w), name=f"w_mag_{mi}_{j}") for j, w in enumerate(row)]
        negs = [Signal(init=int(w < 0), name=f"w_neg_{mi}_{j}") for j, w in enumerate(row)]
        for j in range(n):
            with m.If(w_en & (w_addr == mi * n + j)):
                m.d.sync += [mags[j].eq(w_mag), negs[j].eq(w_neg)]
        s = Signal(n, name=f"s_{mi}")
        for j in range(n):
            if p.synapse == "and":
                m.d.comb += s[j].eq(randoms[j] < mags[j])
            else:  # r' < w + 2**wb, with r' = (r_hi, r_lo) and sign-magnitude w
                r_lo, r_hi = randoms[j][:wb], randoms[j][wb]
                c = Mux(negs[j], ~r_lo, r_lo) < mags[j]
                m.d.comb += s[j].eq(Mux(negs[j], ~r_hi & ~c, ~r_hi | c))
        return s, Cat(*negs)

    def _polarity(
        self, m: Module, mi: int, x: Value, s: Value, neg: Value
    ) -> tuple[Signal, Signal]:
        """Excitatory and inhibitory bits ``e``, ``i`` of neuron ``mi`` (AND or XNOR gates)."""
        n = self.config.n_inputs
        e = Signal(n, name=f"e_{mi}")
        i = Signal(n, name=f"i_{mi}")
        if self.config.synapse == "and":
            m.submodules[f"mul_{mi}"] = mul = AndMul(n)
            m.d.comb += [e.eq(mul.y & ~neg), i.eq(mul.y & neg)]
        else:
            m.submodules[f"mul_{mi}"] = mul = XnorMul(n)
            m.d.comb += [e.eq(mul.y), i.eq(~mul.y)]
        m.d.comb += [mul.a.eq(x), mul.b.eq(s)]
        return e, i

    def _aggregate(self, m: Module, mi: int, e: Value, i: Value, mux: MuxAdd | None) -> None:
        """Neuron ``mi``'s output: ``exc - inh`` counts, majority votes or the MUX selection."""
        p = self.config
        n = p.n_inputs
        if p.aggregation == "counter":
            cw = p.count_width
            exc, inh = _counter(n, p.pipeline), _counter(n, p.pipeline)
            m.submodules[f"exc_{mi}"] = EnableInserter(self.en)(exc)
            m.submodules[f"inh_{mi}"] = EnableInserter(self.en)(inh)
            m.d.comb += [
                exc.inputs.eq(e),
                inh.inputs.eq(i),
                self.count[mi * cw : (mi + 1) * cw].eq(exc.count - inh.count),
            ]
        elif p.aggregation == "majority":
            up, down = Majority(n, p.tie), Majority(n, p.tie)
            m.submodules[f"up_{mi}"] = EnableInserter(self.en)(up)
            m.submodules[f"down_{mi}"] = EnableInserter(self.en)(down)
            m.d.comb += [
                up.inputs.eq(e),
                down.inputs.eq(i),
                self.up[mi].eq(up.y),
                self.down[mi].eq(down.y),
            ]
        elif mux is not None:
            m.d.comb += [
                self.up[mi].eq(e.bit_select(mux.sel, 1)),
                self.down[mi].eq(i.bit_select(mux.sel, 1)),
            ]
        else:
            m.d.comb += [self.up[mi].eq(e[0]), self.down[mi].eq(i[0])]
