"""The worked example (examples/sc_layer_raster.py) and the layer benchmark's reference loop.

The example is run for a few hundred cycles: it must exit 0, write a valid
PNG, and save model and RTL rasters that are identical, non-trivial (some
spikes, not all) and respond to the stimulus the way the weights say. A run
against Verilog built from a *different* layer (one threshold moved) must
exit 1: the comparison can fail. The naive per-neuron loop of
bench/bench_layer.py must reproduce the vectorised model exactly, since
the benchmark's ratio compares the two.
"""

from __future__ import annotations

import contextlib
import io
import json
import struct
import zlib
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest
from example_import import load_example

ROOT = Path(__file__).resolve().parent.parent
SHORT = 400  # cycles of the short example runs
SEED = 7


def png_size(path: Path) -> tuple[int, int]:
    """Width and height of a PNG, after checking its signature and every chunk's CRC."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG signature"
    pos, chunks = 8, []
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])
        assert zlib.crc32(kind + body) == crc, f"bad CRC in chunk {kind!r}"
        chunks.append(kind)
        pos += 12 + length
    assert chunks[0] == b"IHDR" and chunks[-1] == b"IEND" and b"IDAT" in chunks, chunks
    return struct.unpack(">II", data[16:24])


@pytest.fixture(scope="module")
def example() -> ModuleType:
    return load_example("examples/sc_layer_raster.py")


@pytest.fixture(scope="module")
def short_run(example, tmp_path_factory) -> tuple[int, Path, str]:
    out = tmp_path_factory.mktemp("raster")
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        code = example.main(["--cycles", str(SHORT), "--seed", str(SEED), "--out", str(out)])
    return code, out, buf.getvalue()


@pytest.mark.cosim
def test_example_runs_and_writes_a_valid_png(short_run) -> None:
    code, out, text = short_run
    assert code == 0, text
    width, height = png_size(out / "sc_layer_raster.png")
    assert width >= 600 and height >= 400, (width, height)
    assert "-> identical" in text and "mismatches: spikes_out 0 / " in text, text
    params = json.loads((out / "params.json").read_text())
    assert params["n_inputs"] == 16 and params["n_neurons"] == 8
    assert (out / "rtl" / "sc_sc_layer.v").read_text().startswith("/*")  # generated Verilog


@pytest.mark.cosim
def test_rasters_identical_and_non_trivial(short_run) -> None:
    code, out, text = short_run
    d = np.load(out / "sc_layer_raster.npz")
    model, rtl = d["model_spikes"], d["rtl_spikes"]
    assert d["inputs"].shape == (SHORT, 16)
    assert model.shape == rtl.shape == (SHORT, 8)
    assert np.array_equal(model, rtl)
    assert np.array_equal(d["model_v"], d["rtl_v"])
    assert 0 < model.sum() < model.size // 2, model.sum()
    assert (model.sum(axis=0) > 0).sum() >= 4, model.sum(axis=0)  # most neurons fire
    assert 0 < d["inputs"].mean() < 1
    # registers: the reset state in row 0, and a spiking neuron's membrane is
    # never at or above its threshold (it fires and resets instead)
    assert model[0].sum() == 0 and (d["model_v"][0] == 0).all()
    assert (d["model_v"] < d["thresholds"]).all()


@pytest.mark.cosim
def test_raster_follows_the_stimulus(short_run) -> None:
    """Inputs rise with their index in the first half, fall in the second; neuron m
    prefers inputs near 2m, so high neurons fire more early and low ones later."""
    _, out, _ = short_run
    s = np.load(out / "sc_layer_raster.npz")["model_spikes"].astype(float)
    half = SHORT // 2
    early, late = s[:half].sum(axis=0), s[half:].sum(axis=0)
    assert early[4:].sum() > 2 * early[:4].sum(), (early, late)
    assert late[:4].sum() > 2 * late[4:].sum(), (early, late)


@pytest.mark.cosim
def test_example_detects_a_different_rtl(example, tmp_path) -> None:
    """Verilog of the same layer with neuron 0's threshold one higher must be caught."""
    from sc_cosim.harness import generate_verilog
    from sc_model.sc_layer import sc_layer_params

    config = example.build_config(np.random.default_rng(SEED))  # main's first draw
    params = sc_layer_params(config)
    params["thresholds"][0] += 1
    wrong = tmp_path / "wrong.v"
    wrong.write_text(generate_verilog("sc_layer", params))
    argv = ["--cycles", str(SHORT), "--seed", str(SEED), "--out", str(tmp_path / "o")]
    code = example.main(argv + ["--verilog", str(wrong)])
    assert code == 1
    d = np.load(tmp_path / "o" / "sc_layer_raster.npz")
    assert not np.array_equal(d["model_v"], d["rtl_v"])
    assert png_size(tmp_path / "o" / "sc_layer_raster.png")[0] > 0


def test_example_refuses_too_few_cycles(example, capsys) -> None:
    with pytest.raises(SystemExit):
        example.main(["--cycles", "1"])
    assert "--cycles must be >= 2, not 1" in capsys.readouterr().err


# ---------------------------------------------------------------------------
# bench/bench_layer.py: the naive reference the benchmark's ratio is taken against
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    return load_example("bench/bench_layer.py")


def test_naive_loop_counts_a_full_lfsr_period(bench) -> None:
    """Closed form (synapses contract): over one period of an 8-bit LFSR, an AND synapse
    with weight_width = width = 8 and a spike every cycle is active exactly |w| - 1 times;
    with no leak and an unreachable threshold the membrane is the signed sum of those."""
    from sc_model.sc_layer import SCLayerConfig

    weights = [[200, 37, -90], [1, 255, -255]]
    config = SCLayerConfig(
        n_inputs=3,
        n_neurons=2,
        weight_width=8,
        weights=weights,
        width=8,
        seed=0x5A,
        v_width=16,
        thresholds=[32767, 32767],
    )
    period = 255
    _, v = bench.naive_layer_run(config, [[1, 1, 1]] * (period + 1))
    expected = [sum((abs(w) - 1) * (1 if w > 0 else -1) for w in row) for row in weights]
    assert v[period] == expected


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_naive_loop_equals_model_over_all_modes(bench, seed) -> None:
    # asserts spikes and membranes equal in every cycle (messages name the case and seed)
    assert bench.check_naive_matches_model(seed=seed, n_cycles=200) >= 5 * 200 * 3


def test_naive_loop_equals_model_on_the_bench_layer(bench) -> None:
    from sc_model.sc_layer import SCLayer

    rng = np.random.default_rng(5)
    config = bench.bench_config(40, 24, rng)
    spikes = (rng.random((150, 40)) < bench.INPUT_RATE).astype(np.uint8)
    model = SCLayer(config).run(spikes)
    ref_s, ref_v = bench.naive_layer_run(config, spikes.tolist())
    assert 0 < model.spikes.sum() < model.spikes.size
    assert np.array_equal(model.spikes, np.array(ref_s))
    assert np.array_equal(model.v, np.array(ref_v))


def test_naive_loop_refuses_what_it_does_not_model(bench) -> None:
    from sc_model.sc_layer import SCLayerConfig

    config = SCLayerConfig(n_inputs=4, n_neurons=2, thresholds=[3, 3], synapse="xnor")
    with pytest.raises(ValueError, match="and/spikes/counter/fibonacci"):
        bench.naive_layer_run(config, [[0, 0, 0, 0]])


def test_bench_main_prints_rates_and_ratio(bench, capsys) -> None:
    args = ["--quick", "--inputs", "24", "--neurons", "8", "--cycles", "64"]
    assert bench.main(args) == 0
    text = capsys.readouterr().out
    assert "24 inputs x 8 neurons, 64 cycles" in text
    assert "identical on the 16 timed cycles x 8 neurons" in text
    assert "| naive Python loop | 16 cycles x 8 x 24 |" in text
    assert "**ratio model / naive**" in text
