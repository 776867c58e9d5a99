"""The digits end-to-end example (examples/digits_end_to_end.py), quick version.

Trains the 64 -> 10 LIF layer on scikit-learn's 8x8 digits with BPTT,
quantises it, evaluates 200 test digits in the bit-exact SC model and
exports the core. Thresholds (chance is 0.10): float and quantised test
accuracy >= 0.80, SC model >= 0.75, the quantised network within 0.05 of the
float one and the SC model within 0.10 of the float network on the same
digits; no weight saturated; the exported params.json rebuilds a 64 x 10
core config; both PNGs are valid images; the numbers are the ones printed.
The run is the code block of the docs page's example section, executed.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import struct
import zlib
from pathlib import Path

from sc_model.export import load_sc_layer
from sc_model.sc_layer import SCLayerConfig

ROOT = Path(__file__).resolve().parent.parent


def png_size(path: Path) -> tuple[int, int]:
    """Width and height of a PNG, after checking its signature and every chunk's CRC."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG signature"
    pos, chunks = 8, []
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])
        assert zlib.crc32(kind + body) == crc, f"bad CRC in chunk {kind!r}"
        chunks.append(kind)
        pos += 12 + length
    assert chunks[0] == b"IHDR" and chunks[-1] == b"IEND" and b"IDAT" in chunks, chunks
    return struct.unpack(">II", data[16:24])


DOC = ROOT / "docs" / "learning_meta_ewc_hardware.md"
TITLE = "Digits end to end (`examples/digits_end_to_end.py`)"


def _doc_block() -> str:
    section = DOC.read_text().split(f"## {TITLE}\n", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", section, flags=re.S)
    assert len(blocks) == 1
    return blocks[0]


def test_quick_run_accuracies_export_and_plots(tmp_path: Path, monkeypatch) -> None:
    """Runs the docs page's block (the quick example, seed 0) and checks what it wrote."""
    monkeypatch.chdir(ROOT)
    buf = io.StringIO()
    scope = {"__name__": "doc_example", "out_dir": str(tmp_path)}
    with contextlib.redirect_stdout(buf):
        exec(compile(_doc_block(), f"{DOC}:digits", "exec"), scope)
    assert scope["status"] == 0
    m = json.loads((tmp_path / "metrics.json").read_text())
    info = json.dumps({k: m[k] for k in ("float_acc", "quantized_acc", "sc_acc", "seed")})
    assert m["n_test"] == 540 and m["n_test_sc"] == 200, info
    assert m["float_acc"] >= 0.80, info
    assert m["quantized_acc"] >= 0.80, info
    assert m["sc_acc"] >= 0.75, info
    assert abs(m["quantized_acc"] - m["float_acc"]) <= 0.05, info
    assert m["sc_acc"] >= m["float_acc_on_sc_digits"] - 0.10, info
    assert m["n_saturated_weights"] == 0 and not m["quantization_warnings"], info
    assert m["learning_curve"]["loss"][-1] < m["learning_curve"]["loss"][0], info
    assert f"SC model {m['sc_acc']:.4f} on 200 digits" in buf.getvalue()
    assert m["seed"] == 0 and scope["metrics"] == m
    params = load_sc_layer(tmp_path)
    config = SCLayerConfig(**params)
    assert (config.n_inputs, config.n_neurons, config.input_mode) == (64, 10, "values")
    for png in ("learning_curve.png", "spike_raster.png"):
        width, height = png_size(tmp_path / png)
        assert width > 300 and height > 200, (png, width, height)


def test_rtl_cosimulation_of_one_digit_is_identical(tmp_path: Path) -> None:
    """--rtl 1: the Verilog of the exported core (Icarus) spikes exactly like the model."""
    import importlib.util

    path = ROOT / "examples" / "digits_end_to_end.py"
    spec = importlib.util.spec_from_file_location("digits_rtl", path)
    assert spec is not None and spec.loader is not None
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    with contextlib.redirect_stdout(io.StringIO()):
        status = example.main(
            ["--epochs", "15", "--sc-digits", "3", "--rtl", "1", "--out", str(tmp_path)]
        )
    m = json.loads((tmp_path / "metrics.json").read_text())
    assert m["rtl_digits"] == 1 and m["rtl_spike_mismatches"] == 0, m
    assert m["rtl_spikes"] > 5, m  # identical and not trivially silent
    assert status == 0
    assert (tmp_path / "rtl" / "digit0").is_dir()
