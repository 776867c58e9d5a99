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
import importlib.util
import io
import json
import struct
import sys
import zlib
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
SHORT = 400  # cycles of the short example runs
SEED = 7


def _load(relative: str) -> ModuleType:
    name = Path(relative).stem
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, ROOT / relative)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


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
    return _load("examples/sc_layer_raster.py")


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
    from hdl_tests.harness import generate_verilog
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
