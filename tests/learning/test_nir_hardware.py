"""From a NIR file written by snnTorch to generated Verilog that spikes like the core model.

``tests/data/snntorch_leaky.nir`` was written by ``scripts/make_snntorch_nir.py``
(and ``norse_lifbox.nir`` by ``scripts/make_norse_nir.py``)
from a real snnTorch network (``Linear(16, 4, bias=False)`` -> ``snn.Leaky``,
``export_to_nir``, ``nir.write``); ``snntorch_leaky_run.npz`` holds an input and
the spikes snnTorch's forward pass produced for it. Torch is not needed here.
The path: ``nir.read`` -> :func:`from_nir` (dt = 1e-4, snnTorch's export step)
-> :func:`quantize_layer` -> bit-exact core model (:class:`SCLayer`) ->
:func:`export_sc_layer` / :func:`load_sc_layer` -> Verilog of the loaded
parameters in Icarus, whose ``spikes_out`` must equal the model's in every cycle.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import warnings
from pathlib import Path

import nir
import numpy as np
import pytest

from sc_model.export import export_sc_layer, load_sc_layer
from sc_model.learning.nir_io import from_nir, to_nir, with_bias_input
from sc_model.learning.quantize import (
    QuantizationWarning,
    decode_values,
    dequantize_network,
    encode_values,
    quantize_layer,
)
from sc_model.sc_layer import SCLayer, SCLayerConfig

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
K = 16  # core cycles per float step
SNNTORCH_DT = 1e-4


def imported():
    graph = nir.read(DATA / "snntorch_leaky.nir")
    assert sorted(graph.nodes) == ["0", "1", "input", "output"]  # as snnTorch names them
    assert [type(graph.nodes[k]).__name__ for k in ("0", "1")] == ["Linear", "LIF"]
    return from_nir(graph, dt=SNNTORCH_DT), np.load(DATA / "snntorch_leaky_run.npz")


def test_imported_snntorch_network_spikes_like_snntorch() -> None:
    net, run = imported()
    ours = net.run(run["rates"]).spikes["1"]
    np.testing.assert_array_equal(ours, run["spikes"])
    assert 0 < run["spikes"].sum() < run["spikes"].size  # neither silent nor saturated
    # and the graph we write back is the one snnTorch wrote
    back = to_nir(net)
    np.testing.assert_array_equal(back.nodes["0"].weight, nir.read(DATA / "snntorch_leaky.nir")
                                  .nodes["0"].weight)


def test_imported_norse_network_spikes_like_norse() -> None:
    """Norse 1.1's LIFBoxCell export writes tau = dt * tau_mem: refused, then fixed (docs)."""
    graph = nir.read(DATA / "norse_lifbox.nir")
    assert [type(graph.nodes[k]).__name__ for k in ("0", "1")] == ["Affine", "LIF"]
    with pytest.raises(ValueError, match="LIF node '1': tau must be > dt = 0.001 .*Norse 1.1"):
        from_nir(graph, dt=1e-3)
    graph.nodes["1"].tau = graph.nodes["1"].tau / 1e-3  # the workaround of docs/nir.md
    run = np.load(DATA / "norse_lifbox_run.npz")
    ours = from_nir(graph, dt=1e-3).run(run["rates"]).spikes["1"]
    np.testing.assert_array_equal(ours, run["spikes"])
    assert run["spikes"].sum() > 30


def quantised():
    net, run = imported()
    q = encode_values(run["rates"], 8)  # rates as the chip's 8-bit SNG values
    with warnings.catch_warnings():
        warnings.simplefilter("error", QuantizationWarning)  # nothing saturates or clamps
        config, report = quantize_layer(net, weight_width=8, cycles_per_step=K, value_width=8,
                                        v_width=16, width=16, seed=77)
    values = np.repeat(q, K, axis=0)  # (T K, 16): each step's values held for K cycles
    model = SCLayer(config).run(values[:, None, :]).spikes[:, 0]
    return net, q, config, report, values, model


def test_quantised_core_model_follows_the_float_network() -> None:
    net, q, config, report, _, model = quantised()
    assert (config.reset_mode, config.v_reset, config.leak_mode) == ("value", 0, "shift")
    assert report.n_saturated == 0 and report.n_thresholds_clamped == 0
    fl = net.run(decode_values(q, 8)).spikes["1"].sum(axis=0)
    dq = dequantize_network(config, report).run(decode_values(q, 8)).spikes["out"].sum(axis=0)
    core = model.sum(axis=0)
    info = f"float {fl}, dequantised {dq}, core {core}"
    assert np.abs(dq - fl).max() <= 2, info  # quantisation alone changes little
    # the core may fire more than once per float step; the neurons keep their order
    assert np.array_equal(np.argsort(core, kind="stable"), np.argsort(fl, kind="stable")), info
    assert np.corrcoef(core, fl)[0, 1] > 0.95, info


@pytest.mark.cosim
def test_exported_core_verilog_equals_core_model(tmp_path: Path) -> None:
    _, _, config, _, values, model = quantised()
    export_sc_layer(config, tmp_path / "core")
    loaded = SCLayerConfig(**load_sc_layer(tmp_path / "core"))
    assert loaded == config
    spec = importlib.util.spec_from_file_location("digits_rtl", ROOT / "examples" /
                                                  "digits_end_to_end.py")
    assert spec is not None and spec.loader is not None
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    with contextlib.redirect_stdout(io.StringIO()):
        rtl, _ = example.run_rtl(loaded, values, tmp_path / "rtl")
    assert rtl.shape == model.shape == (values.shape[0], 4)
    mismatch = np.argwhere(rtl != model)
    assert mismatch.size == 0, f"first mismatches (cycle, neuron): {mismatch[:5].tolist()}"
    assert model.sum() > 50  # identical and not trivially silent


@pytest.mark.cosim
def test_snntorch_linear_with_bias_through_the_bias_input_to_verilog(tmp_path: Path) -> None:
    """torch.nn.Linear's default bias (an Affine node): bias='input', then the same path."""
    graph = nir.read(DATA / "snntorch_leaky_bias.nir")
    assert type(graph.nodes["0"]).__name__ == "Affine" and (graph.nodes["0"].bias != 0).any()
    net = from_nir(graph, dt=SNNTORCH_DT, bias="input")
    run = np.load(DATA / "snntorch_leaky_bias_run.npz")
    np.testing.assert_array_equal(net.run(with_bias_input(run["rates"])).spikes["1"],
                                  run["spikes"])
    # on the chip the bias input is the SNG value 255 (probability 255/256)
    q = encode_values(with_bias_input(run["rates"]), 8)
    assert (q[:, -1] == 255).all()
    with warnings.catch_warnings():
        warnings.simplefilter("error", QuantizationWarning)
        config, _ = quantize_layer(net, weight_width=8, cycles_per_step=K, value_width=8,
                                   v_width=16, width=16, seed=78)
    assert config.n_inputs == 17
    values = np.repeat(q, K, axis=0)
    model = SCLayer(config).run(values[:, None, :]).spikes[:, 0]
    fl = net.run(decode_values(q, 8)).spikes["1"].sum(axis=0)
    info = f"float {fl}, core {model.sum(axis=0)}"
    assert np.corrcoef(model.sum(axis=0), fl)[0, 1] > 0.9, info
    spec = importlib.util.spec_from_file_location("digits_rtl2", ROOT / "examples" /
                                                  "digits_end_to_end.py")
    assert spec is not None and spec.loader is not None
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    export_sc_layer(config, tmp_path / "core")
    with contextlib.redirect_stdout(io.StringIO()):
        rtl, _ = example.run_rtl(SCLayerConfig(**load_sc_layer(tmp_path / "core")), values,
                                 tmp_path / "rtl")
    assert np.array_equal(rtl, model), np.argwhere(rtl != model)[:5].tolist()
    assert model.sum() > 50


def test_graphs_the_core_cannot_hold_are_refused_at_quantisation() -> None:
    rng = np.random.default_rng(3)
    lif = nir.LIF(tau=np.full(4, 1e-3), r=np.full(4, 10.0), v_leak=np.zeros(4),
                  v_threshold=np.ones(4), v_reset=np.zeros(4))
    two_layers = nir.NIRGraph.from_list(nir.Linear(weight=rng.normal(size=(4, 16))), lif,
                                        nir.Linear(weight=rng.normal(size=(4, 4))), lif)
    with pytest.raises(ValueError, match="exactly one population fed by one projection"):
        quantize_layer(from_nir(two_layers, dt=SNNTORCH_DT))
    recurrent = nir.NIRGraph(
        nodes={"input": nir.Input(input_type={"input": np.array([16])}),
               "w": nir.Linear(weight=rng.normal(size=(4, 16))), "lif": lif,
               "w_rec": nir.Linear(weight=rng.normal(size=(4, 4))),
               "output": nir.Output(output_type={"output": np.array([4])})},
        edges=[("input", "w"), ("w", "lif"), ("lif", "w_rec"), ("w_rec", "lif"),
               ("lif", "output")])
    with pytest.raises(ValueError, match="not 1 populations and 2 projections"):
        quantize_layer(from_nir(recurrent, dt=SNNTORCH_DT))
    mixed = nir.NIRGraph.from_list(
        nir.Linear(weight=rng.normal(size=(2, 16))),
        nir.LIF(tau=np.array([1e-3, 2e-3]), r=np.ones(2), v_leak=np.zeros(2),
                v_threshold=np.ones(2), v_reset=np.zeros(2)))
    with pytest.raises(ValueError, match="share one beta"):
        quantize_layer(from_nir(mixed, dt=SNNTORCH_DT))
