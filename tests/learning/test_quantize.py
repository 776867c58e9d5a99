"""sc_model.learning.quantize: float network -> integer formats of the SC layer core.

Rounding is checked on hand-computed values (half to even, the clipped
``p = 1``), the per-layer scale on percentiles, saturation and clamping
counts against an independent count (and a QuantizationWarning is issued:
never silent), the leak on a ``tau`` whose per-cycle factor is exactly
``1 - 2**-k``. The central claim of the mapping, "the core's expected count
per cycle is ``c W.p``", is checked by running the bit-exact core
(:class:`sc_model.sc_layer.SCLayer`) with thresholds out of reach: the
membrane after ``n`` cycles is the summed count, whose mean must match
``c W_q.p`` within 5 binomial standard deviations. The round trip
``dequantize_network`` returns the quantised parameters in float units.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sc_model.learning.network import INPUT, Network
from sc_model.learning.quantize import (
    NONE_TAU,
    QuantizationWarning,
    QuantReport,
    choose_weight_scale,
    decode_values,
    dequantize_network,
    encode_values,
    quantize_layer,
    quantize_weights,
    sc_values,
)
from sc_model.sc_layer import SCLayer


def layer(w: np.ndarray, tau: float = NONE_TAU, threshold: object = 1.0) -> Network:
    net = Network(w.shape[1])
    net.add_population("out", w.shape[0], tau=tau, threshold=threshold)
    net.connect(INPUT, "out", w, mask=np.ones(w.shape, dtype=bool))
    return net


def test_encode_values_rounding_and_the_clipped_one() -> None:
    assert encode_values([0.0, 3 / 16, 1.0], 4).tolist() == [0, 3, 15]
    # half to even: 2.5 -> 2, 3.5 -> 4
    assert encode_values([2.5 / 16, 3.5 / 16], 4).tolist() == [2, 4]
    q = encode_values(np.linspace(0, 1, 101), 8)
    assert q.min() == 0 and q.max() == 255
    assert np.all(np.abs(decode_values(q, 8) - np.linspace(0, 1, 101))[:-1] <= 0.5 / 256 + 1e-15)
    with pytest.raises(ValueError, match=r"p must be rates in \[0, 1\]"):
        encode_values([0.5, 1.2])
    with pytest.raises(ValueError, match=r"value_width must be in \[1, 32\], not 0"):
        encode_values([0.5], 0)


def test_weight_scale_and_rounding_by_hand() -> None:
    w = np.array([0.5, -1.0, 0.26, 0.0])
    assert choose_weight_scale(w, 2) == 3.0  # (2**2 - 1) / max |w|
    w_int, n_sat, err = quantize_weights(w, 2, 3.0)
    assert w_int.tolist() == [2, -3, 1, 0]  # 1.5 -> 2 (half to even), 0.78 -> 1
    assert n_sat == 0
    assert err == pytest.approx(max(abs(2 / 3 - 0.5), abs(1 / 3 - 0.26)))
    w_int, n_sat, _ = quantize_weights(w, 2, 6.0)  # 3, -6, 1.56, 0
    assert w_int.tolist() == [3, -3, 2, 0] and n_sat == 1
    assert choose_weight_scale(np.zeros(3), 4) == 1.0
    rng = np.random.default_rng(0)
    big = rng.normal(0, 1, 1000)
    s = choose_weight_scale(big, 8, percentile=90)
    assert s == pytest.approx(255 / np.percentile(np.abs(big), 90))
    assert quantize_weights(big, 8, s)[1] == int(np.sum(np.abs(np.rint(big * s)) > 255))
    with pytest.raises(ValueError, match=r"percentile must be in \(0, 100\]"):
        choose_weight_scale(big, 8, percentile=0)


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    wb=st.integers(1, 16),
    pct=st.floats(50.0, 100.0),
    vw=st.integers(1, 16),
)
def test_rounding_error_bounds(seed: int, wb: int, pct: float, vw: int) -> None:
    """Unsaturated weights within 1/(2s) of W, signs kept, range respected; values within
    half an LSB of the rate below the clipped top."""
    rng = np.random.default_rng(seed)
    w = rng.normal(0, rng.uniform(0.01, 10), 200)
    s = choose_weight_scale(w, wb, pct)
    w_int, n_sat, err = quantize_weights(w, wb, s)
    hi = (1 << wb) - 1
    assert np.abs(w_int).max() <= hi
    unsat = np.abs(w * s) <= hi
    assert n_sat == int(np.sum(np.abs(np.rint(w * s)) > hi))
    assert np.all(np.abs(w_int[unsat] / s - w[unsat]) <= 0.5 / s * (1 + 1e-12)), seed
    assert err <= 0.5 / s * (1 + 1e-12)
    assert np.all(np.sign(w_int) * np.sign(w) >= 0)  # never flips a sign
    if pct == 100.0:
        assert n_sat == 0
    p = rng.uniform(0, 1, 200)
    q = encode_values(p, vw)
    below = p < 1 - 2.0 ** -(vw + 1)
    assert np.all(np.abs(decode_values(q, vw)[below] - p[below]) <= 2.0 ** -(vw + 1) + 1e-15)
    assert np.all(q[~below] == (1 << vw) - 1)


def test_quantize_layer_parameters() -> None:
    rng = np.random.default_rng(3)
    w = rng.normal(0, 0.5, (5, 7))
    theta = rng.uniform(0.5, 2.0, 5)
    config, rep = quantize_layer(layer(w, threshold=theta), weight_width=6, cycles_per_step=8)
    s = 63 / np.abs(w).max()
    assert rep.weight_scale == pytest.approx(s)
    assert rep.current_scale == pytest.approx(s / 64)
    np.testing.assert_array_equal(np.array(config.weights), np.rint(w * s))
    np.testing.assert_array_equal(np.array(config.thresholds), np.rint(theta * s / 64 * 8))
    assert rep.n_saturated == 0 and rep.n_thresholds_clamped == 0
    assert config.leak_mode == "none" and rep.beta_effective == 1.0
    assert (config.synapse, config.aggregation, config.input_mode) == ("and", "counter", "values")
    assert config.reset_mode == "subtract"
    back = dequantize_network(config, rep)
    np.testing.assert_allclose(back.projections[0].to_dense(), np.rint(w * s) / s)
    np.testing.assert_allclose(back.populations["out"].threshold, np.rint(theta * s / 8) * 8 / s)
    assert "saturated weights: 0 of 35" in rep.summary()


def test_leak_shift_from_beta() -> None:
    k_cyc, k = 4, 5
    beta = (1 - 2.0**-k) ** k_cyc  # per step; exactly 1 - 2**-5 per cycle
    config, rep = quantize_layer(layer(np.ones((2, 3)), tau=-1.0 / np.log(beta)),
                                 cycles_per_step=k_cyc)
    assert (config.leak_mode, config.leak_shift, rep.leak_shift) == ("shift", k, k)
    assert rep.beta_effective == pytest.approx(beta, rel=1e-12)
    back = dequantize_network(config, rep)
    assert back.populations["out"].beta[()] == pytest.approx(beta, rel=1e-12)


def test_saturation_and_clamping_are_reported_and_warned() -> None:
    rng = np.random.default_rng(5)
    w = rng.normal(0, 1, (4, 20))
    with pytest.warns(QuantizationWarning, match="weights saturated"):
        config, rep = quantize_layer(layer(w), weight_width=4, percentile=80)
    s = 15 / np.percentile(np.abs(w), 80)
    assert rep.n_saturated == int(np.sum(np.abs(np.rint(w * s)) > 15)) > 0
    assert np.abs(np.array(config.weights)).max() == 15
    with pytest.warns(QuantizationWarning, match="4 thresholds clamped"):
        _, rep = quantize_layer(layer(w, threshold=1e-4), cycles_per_step=1)
    assert rep.thresholds_int == (1, 1, 1, 1) and rep.n_thresholds_clamped == 4


def test_expected_count_per_cycle_is_c_w_p_in_the_bit_exact_core() -> None:
    """Thresholds out of reach: v after n cycles is the summed count; mean = c W_q . p."""
    rng = np.random.default_rng(11)
    w = rng.uniform(-1, 1, (3, 4))
    k_cyc, n_steps = 8, 500  # 4000 cycles
    net = layer(w, threshold=1e6)
    config, rep = quantize_layer(net, weight_width=4, cycles_per_step=k_cyc, v_width=32,
                                 width=16, seed=0x1234)
    q = encode_values(rng.uniform(0.2, 0.9, (2, 4)), 8)
    out = SCLayer(config).run(sc_values(q, n_steps, k_cyc))
    n = n_steps * k_cyc
    assert out.spikes.sum() == 0
    mean_count = out.v[-1] / (n - 1)  # row t shows the counts of cycles 0 .. t - 1
    w_q = np.array(config.weights) / rep.weight_scale
    p = decode_values(q, 8)
    expected = rep.current_scale * p @ w_q.T
    prob = p[:, None, :] * (np.abs(np.array(config.weights)) / 16)[None]
    sd = np.sqrt((prob * (1 - prob)).sum(axis=-1) / (n - 1))
    assert np.all(np.abs(mean_count - expected) < 5 * sd + 1e-3), (mean_count, expected, sd)


def test_errors_name_the_argument() -> None:
    w = np.ones((2, 3))
    two = layer(w)
    two.add_population("more", 2)
    with pytest.raises(ValueError, match="exactly one population fed by one projection"):
        quantize_layer(two)
    with pytest.raises(ValueError, match="network must be in float mode"):
        quantize_layer(Network(3, mode="int"))
    net = Network(3)
    net.add_population("out", 2, reset="zero")  # NIR's reset to 0: the core's value reset
    net.connect(INPUT, "out", w)
    config, report = quantize_layer(net)
    assert (config.reset_mode, config.v_reset) == ("value", 0)
    assert dequantize_network(config, report).populations["out"].reset == "zero"
    with pytest.raises(ValueError, match="share one beta"):
        quantize_layer(layer(w, tau=np.array([5.0, 6.0])))
    with pytest.raises(ValueError, match=r"core must not set \['synapse'\]"):
        quantize_layer(layer(w), synapse="xnor")
    with pytest.raises(ValueError, match=r"cycles_per_step must be in \[1, inf\], not 0"):
        quantize_layer(layer(w), cycles_per_step=0)
    with pytest.raises(TypeError, match="network must be a Network"):
        quantize_layer("net")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"values must have shape \(batch, N\)"):
        sc_values(np.zeros(3, dtype=int), 2, 2)
    with pytest.raises(TypeError, match="report must be a QuantReport"):
        dequantize_network(quantize_layer(layer(w))[0], None)  # type: ignore[arg-type]
    assert QuantReport.__doc__


def test_docs_quantize_layer_example_runs() -> None:
    """The '## quantize_layer' block of docs/learning_meta_ewc_hardware.md runs."""
    import re
    from pathlib import Path

    doc = Path(__file__).resolve().parents[2] / "docs" / "learning_meta_ewc_hardware.md"
    section = doc.read_text().split("## quantize_layer\n", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", section, flags=re.S)
    assert len(blocks) == 1
    exec(compile(blocks[0], f"{doc}:quantize_layer", "exec"), {"__name__": "doc_example"})
