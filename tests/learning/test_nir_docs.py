"""The runnable block of docs/nir.md runs as written and prints what the page says."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import nir
import numpy as np

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "nir.md"


def test_docs_nir_block_runs_and_its_numbers_hold(tmp_path: Path, monkeypatch) -> None:
    text = DOC.read_text()
    block = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert len(block) == 1, "docs/nir.md must keep one python block"
    monkeypatch.chdir(ROOT)
    scope = {"__name__": "nir_doc", "out_dir": str(tmp_path)}
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        exec(compile(block[0], f"{DOC}:python", "exec"), scope)
    printed = buf.getvalue()
    assert "['1'] 1" in printed
    # the numbers the page states
    stated = re.search(r"float `\[(.*?)\]` for the seed above", text)
    assert stated is not None
    want = [int(v) for v in stated.group(1).split(",")]
    np.testing.assert_array_equal(scope["float_counts"], want)
    report = scope["report"]
    assert report.thresholds_int == (37,) * 4 and report.leak_shift == 7
    assert report.n_saturated == 0 and round(report.beta_effective, 3) == 0.882
    core = re.search(r"about 1.4 times as many \(`\[(.*?)\]`\)", text)
    assert core is not None
    np.testing.assert_array_equal(scope["core_counts"], [int(v) for v in core.group(1).split(",")])
    ratio = scope["core_counts"].sum() / scope["float_counts"].sum()
    assert 1.3 <= ratio <= 1.5, ratio  # "about 1.4 times as many"
    assert np.array_equal(np.argsort(scope["core_counts"], kind="stable"),
                          np.argsort(scope["float_counts"], kind="stable"))
    verilog = (tmp_path / "core" / "sc_layer.v").read_text()
    assert "module sc_sc_layer" in verilog
    back = nir.read(tmp_path / "roundtrip.nir")
    np.testing.assert_array_equal(back.nodes["0"].weight, scope["graph"].nodes["0"].weight)
