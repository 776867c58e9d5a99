"""sc_model.learning.homeostatic: synaptic scaling, closed form and convergence to the target."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from sc_model.learning import Network
from sc_model.learning.homeostatic import HomeostaticPlasticity, firing_rates

DOC = Path(__file__).resolve().parents[2] / "docs" / "learning_paradigms.md"


def doc_example(title: str) -> str:
    """The python block of the docs section whose heading starts with ``title``."""
    sections = re.split(r"^## ", DOC.read_text(), flags=re.M)
    (body,) = [s for s in sections if s.startswith(title)]
    (code,) = re.findall(r"```python\n(.*?)```", body, flags=re.S)
    return code


def two_layer(seed: int, scale: float) -> Network:
    rng = np.random.default_rng(seed)
    net = Network(20)
    net.add_population("h", 10, tau=10.0, threshold=1.0)
    net.add_population("o", 2, tau=10.0, threshold=1.0)
    net.connect("input", "h", scale * rng.uniform(0.5, 1.5, (10, 20)))
    net.connect("h", "h", -0.2 * rng.random((10, 10)), mask=~np.eye(10, dtype=bool))
    net.connect("h", "o", rng.random((2, 10)))
    return net


def test_rates_and_scaling_closed_form() -> None:
    net = two_layer(0, 0.2)
    spikes = np.zeros((50, 2, 10))
    counts = np.arange(10)  # neuron i fires i times per sample
    for i, c in enumerate(counts):
        spikes[:c, :, i] = 1.0
    dt, tau, target = 0.5, 40.0, 0.2
    rates, window = firing_rates(spikes, 10, dt)
    np.testing.assert_allclose(rates, counts / (50 * dt))
    assert window == 25.0
    w_in, w_rec, w_out = (p.to_dense() for p in net.projections)
    hp = HomeostaticPlasticity(
        target, tau, dt=dt, network=net, max_factor=3.0, inhibitory="inverse"
    )
    f = hp.update("h", spikes)
    want = np.clip(np.exp(25.0 / tau * (1 - counts / 25.0 / target)), 1 / 3, 3.0)
    np.testing.assert_allclose(f, want)
    np.testing.assert_allclose(net.projections[0].to_dense(), w_in * want[:, None])
    np.testing.assert_allclose(net.projections[1].to_dense(), w_rec / want[:, None])
    np.testing.assert_array_equal(net.projections[2].to_dense(), w_out)  # not incoming to h
    assert f[5] == pytest.approx(1.0)  # 5 spikes in 25 time units: exactly the target


def test_fixed_inhibition_and_integer_rounding() -> None:
    net = two_layer(1, 0.2)
    w_rec = net.projections[1].to_dense()
    hp = HomeostaticPlasticity(0.1, 10.0)  # default: inhibition fixed
    hp.update("h", np.zeros((10, 10)), network=net)
    np.testing.assert_array_equal(net.projections[1].to_dense(), w_rec)
    inet = Network(3, mode="int")
    inet.add_population("a", 2, v_width=10, threshold=100)
    inet.connect("input", "a", np.array([[10, -10, 3], [7, 0, -4]]))
    f = HomeostaticPlasticity(0.5, 10.0, max_factor=4.0, inhibitory="inverse").update(
        "a", np.ones((10, 2)), network=inet
    )
    assert f == pytest.approx(np.exp(-1.0))  # rate 1 = twice the target
    np.testing.assert_array_equal(
        inet.projections[0].to_dense(),
        np.rint(np.array([[10 * f[0], -10 / f[0], 3 * f[0]], [7 * f[1], 0, -4 / f[1]]])).astype(
            int
        ),
    )


@pytest.mark.parametrize(("seed", "scale"), [(0, 3.0), (1, 0.01), (2, 2.0), (3, 0.02)])
def test_rates_converge_to_target(seed: int, scale: float) -> None:
    """From above (scale 2-3: rates ~ 1/step) and from below (0.01-0.02: nearly silent)."""
    net = two_layer(seed, scale)
    rng = np.random.default_rng(seed + 10)
    target = 0.1
    hp = HomeostaticPlasticity(target, tau=400.0, network=net)
    history = []
    for _ in range(80):
        x = (rng.random((100, 4, 20)) < 0.2).astype(float)
        s = net.run(x).spikes["h"]
        history.append(s.mean())
        hp.update("h", s)
    x = (rng.random((400, 8, 20)) < 0.2).astype(float)
    final = net.run(x).spikes["h"].mean(axis=(0, 1))
    msg = f"seed={seed} scale={scale}: start {history[0]:.3f}, final {final.round(3)}"
    assert abs(history[0] - target) > 0.05, msg  # it really started far from the target
    assert abs(final.mean() - target) < 0.1 * target, msg
    assert np.all(np.abs(final - target) < 0.25 * target), msg


def test_errors() -> None:
    net = two_layer(0, 1.0)
    for kw, word in [
        ({"target_rate": 0.0, "tau": 1.0}, "target_rate"),
        ({"target_rate": -0.1, "tau": 1.0}, "target_rate"),
        ({"target_rate": 1.5, "tau": 1.0}, "target_rate"),
        ({"target_rate": 0.1, "tau": 0.0}, "tau"),
        ({"target_rate": 0.1, "tau": -5.0}, "tau"),
        ({"target_rate": 0.1, "tau": 5.0, "dt": 0.0}, "dt"),
        ({"target_rate": 0.1, "tau": 5.0, "max_factor": 1.0}, "max_factor"),
        ({"target_rate": 0.1, "tau": 5.0, "inhibitory": "x"}, "inhibitory"),
    ]:
        with pytest.raises(ValueError, match=word):
            HomeostaticPlasticity(**kw)
    hp = HomeostaticPlasticity(0.1, 5.0)
    with pytest.raises(TypeError, match="network"):
        hp.update("h", np.zeros((5, 10)))
    with pytest.raises(ValueError, match="population"):
        hp.update("nope", np.zeros((5, 10)), network=net)
    with pytest.raises(ValueError, match="spikes"):
        hp.update("h", np.zeros((5, 9)), network=net)
    with pytest.raises(ValueError, match="spikes"):
        hp.update("h", np.zeros((5, 0, 10)), network=net)
    lone = Network(2)
    lone.add_population("a", 2)
    lone.add_population("b", 2)
    lone.connect("input", "a")
    with pytest.raises(ValueError, match="no incoming"):
        hp.update("b", np.zeros((5, 2)), network=lone)


def test_doc_example_runs() -> None:
    ns: dict = {}
    exec(compile(doc_example("HomeostaticPlasticity"), "docs", "exec"), ns)
    assert abs(ns["rate"] - 0.05) < 0.01
