"""Amaranth twin of :mod:`sc_model.sc_layer` (contract and timing: see there)."""

from __future__ import annotations

from amaranth.hdl import Module
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from sc_model._validate import take_config
from sc_model.sc_layer import SCLayerConfig

from .lif import LIFNeuron
from .synapses import Synapses


class SCLayer(wiring.Component):
    """Fully parallel SC layer core: :class:`sc_hw.synapses.Synapses` feeding M
    :class:`sc_hw.lif.LIFNeuron` (block ``sc_layer``).

    Parameters
    ----------
    config : sc_model.sc_layer.SCLayerConfig
        The block's configuration (or its fields as keywords;
        :func:`sc_model.sc_layer.sc_layer_params` of a configuration gives
        exactly that dict); the contract is the docstring of
        :mod:`sc_model.sc_layer`.

    Attributes
    ----------
    spikes : In(N) or values : In(N * value_width)
        The synapse inputs (``input_mode``).
    en : In(1)
        Global step enable: low, no register changes (weight writes aside).
    w_en, w_addr, w_data
        The synapse block's weight write port.
    spikes_out : Out(M)
        Bit ``m``: neuron ``m``'s spike register.
    v_out : Out(M * v_width)
        Neuron ``m``'s membrane register, two's complement, bits
        ``[m v_width, (m + 1) v_width)``.

    Latency ``1 + pipeline`` cycles (enabled ones), ``2 + pipeline`` with
    ``input_register`` (each neuron registers its input; the configuration
    that closes timing, see the model contract and ``docs/synthesis.md``).
    """

    def __init__(self, config: SCLayerConfig | None = None, **params: object) -> None:
        self.config = c = take_config(SCLayerConfig, config, params)
        p = c.synapse_params
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
            spikes_out=Out(p.n_neurons),
            v_out=Out(p.n_neurons * c.v_width),
        )
        super().__init__(ports)

    def elaborate(self, platform):
        m = Module()
        c = self.config
        p = c.synapse_params
        m.submodules.synapses = syn = Synapses(p)
        source = self.spikes if p.input_mode == "spikes" else self.values
        sink = syn.spikes if p.input_mode == "spikes" else syn.values
        m.d.comb += [
            sink.eq(source),
            syn.en.eq(self.en),
            syn.w_en.eq(self.w_en),
            syn.w_addr.eq(self.w_addr),
            syn.w_data.eq(self.w_data),
        ]
        cw, vw = p.count_width, c.v_width
        for k in range(p.n_neurons):
            m.submodules[f"neuron_{k}"] = neuron = LIFNeuron(c.neuron_config(k))
            m.d.comb += neuron.en.eq(self.en)
            if p.aggregation == "counter":
                m.d.comb += neuron.in_count.eq(syn.count[k * cw : (k + 1) * cw])
            else:
                m.d.comb += [neuron.up.eq(syn.up[k]), neuron.down.eq(syn.down[k])]
            m.d.comb += [
                self.spikes_out[k].eq(neuron.spike),
                self.v_out[k * vw : (k + 1) * vw].eq(neuron.v),
            ]
        return m
