"""sc_model.learning.stp: Tsodyks-Markram short-term plasticity.

Expected values come from closed forms (geometric series of the per-spike
maps in the pure-depression and pure-facilitation limits, the fixed point of
the regular-train map), from an independent event-driven reference written
from the equations, and from a fine-grid ODE integration.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sc_model.learning.stp import ShortTermPlasticity, regular_train, steady_state


def train(n_spikes: int, period_steps: int, first: int = 0) -> np.ndarray:
    s = np.zeros(first + n_spikes * period_steps, dtype=np.uint8)
    s[first::period_steps] = 1
    return s


def ref_event_driven(spike_times, tau_d, tau_f, big_u):
    """Continuous-time reference in Python floats: relax exactly between events."""
    u, x, last, out = 0.0, 1.0, None, []
    for t in spike_times:
        if last is not None:
            gap = t - last
            u = u * math.exp(-gap / tau_f)
            x = 1.0 - (1.0 - x) * math.exp(-gap / tau_d)
        u = u + big_u * (1.0 - u)
        out.append(u * x)
        x = x - u * x
        last = t
    return out


# ---------------------------------------------------------------------------
# Closed forms
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("dt", [1.0, 0.25, 5.0, 0.1])
def test_pure_depression_matches_geometric_closed_form(dt: float) -> None:
    # tau_f << dt: u forgets between spikes, every spike uses u = U; then
    # x_{n+1} = (1-U) e_d x_n + 1 - e_d, a linear map with fixed point x* and
    # ratio (1-U) e_d: x_n = x* + (1 - x*) ((1-U) e_d)**(n-1).
    big_u, tau_d, isi = 0.5, 800.0, 50.0
    stp = ShortTermPlasticity(tau_d=tau_d, tau_f=1e-3, u_se=big_u, dt=dt)
    eff = stp.run(train(30, round(isi / dt)))
    got = eff[eff > 0]
    e_d = math.exp(-isi / tau_d)
    x_star = (1 - e_d) / (1 - (1 - big_u) * e_d)
    n = np.arange(30)
    want = big_u * (x_star + (1 - x_star) * ((1 - big_u) * e_d) ** n)
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-10)
    assert np.all(np.diff(got) < 0)  # depression: every PSC smaller than the one before


@pytest.mark.parametrize("dt", [1.0, 0.5, 2.0])
def test_pure_facilitation_matches_geometric_closed_form(dt: float) -> None:
    # tau_d << dt: x is back to 1 at every spike; u_{n+1} = U + (1-U) e_f u_n:
    # u_n = u* + (U - u*) ((1-U) e_f)**(n-1), u* = U / (1 - (1-U) e_f).
    big_u, tau_f, isi = 0.03, 530.0, 20.0
    stp = ShortTermPlasticity(tau_d=1e-3, tau_f=tau_f, u_se=big_u, dt=dt)
    got = stp.run(train(40, round(isi / dt)))
    got = got[got > 0]
    e_f = math.exp(-isi / tau_f)
    u_star = big_u / (1 - (1 - big_u) * e_f)
    want = u_star + (big_u - u_star) * ((1 - big_u) * e_f) ** np.arange(40)
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-10)
    assert np.all(np.diff(got) > 0)


@pytest.mark.parametrize(
    ("tau_d", "tau_f", "big_u", "isi"),
    [(130.0, 530.0, 0.03, 20.0), (800.0, 5.0, 0.5, 50.0), (200.0, 300.0, 0.2, 13.0)],
)
def test_steady_state_is_the_fixed_point_and_is_reached(tau_d, tau_f, big_u, isi) -> None:
    u_s, x_s, e_s = (float(v) for v in steady_state(isi, tau_d, tau_f, big_u))
    # fixed point of the per-spike maps (written out here, not taken from the module)
    e_f, e_d = math.exp(-isi / tau_f), math.exp(-isi / tau_d)
    assert u_s * e_f + big_u * (1 - u_s * e_f) == pytest.approx(u_s, abs=1e-14)
    assert x_s * (1 - u_s) * e_d + 1 - e_d == pytest.approx(x_s, abs=1e-14)
    assert e_s == pytest.approx(u_s * x_s, abs=1e-15)
    stp = ShortTermPlasticity(tau_d, tau_f, big_u, dt=isi)  # one step per spike
    eff = stp.run(np.ones(3000, dtype=np.uint8))
    assert eff[-1] == pytest.approx(e_s, abs=1e-10)


@settings(max_examples=40, deadline=None)
@given(
    tau_d=st.floats(1.0, 2000.0),
    tau_f=st.floats(1.0, 2000.0),
    big_u=st.floats(0.01, 1.0),
    period=st.integers(1, 40),
    dt=st.sampled_from([0.1, 0.5, 1.0, 3.0]),
    n=st.integers(1, 25),
)
def test_regular_train_matches_event_driven_reference(tau_d, tau_f, big_u, period, dt, n):
    isi = period * dt
    ref = ref_event_driven([k * isi for k in range(n)], tau_d, tau_f, big_u)
    stp = ShortTermPlasticity(tau_d, tau_f, big_u, dt=dt)
    got = stp.run(train(n, period))
    np.testing.assert_allclose(got[got > 0], ref, rtol=0, atol=1e-10)
    np.testing.assert_allclose(regular_train(n, isi, tau_d, tau_f, big_u), ref, atol=1e-10)


def test_any_dt_is_exact_at_spike_times() -> None:
    # irregular spike times on a 0.5 grid; simulated with dt 0.5, 0.25 and 0.1
    times = [0.0, 3.5, 4.0, 11.5, 12.0, 12.5, 40.0, 41.5]
    ref = ref_event_driven(times, 120.0, 60.0, 0.25)
    for dt in (0.5, 0.25, 0.1):
        s = np.zeros(round(times[-1] / dt) + 1, dtype=np.uint8)
        s[[round(t / dt) for t in times]] = 1
        got = ShortTermPlasticity(120.0, 60.0, 0.25, dt=dt).run(s)
        np.testing.assert_allclose(got[s == 1], ref, rtol=0, atol=1e-12)


def test_relaxation_solves_the_ode() -> None:
    # Between spikes dx/dt = (1 - x)/tau_d, du/dt = -u/tau_f: RK4 with a fine step
    # from the post-spike state reproduces the model's state after 37 time units.
    tau_d, tau_f, big_u = 90.0, 40.0, 0.4
    stp = ShortTermPlasticity(tau_d, tau_f, big_u, dt=37.0)
    stp.step(1)
    u, x = big_u, 1.0 - big_u  # just after the first spike from rest

    def f(y):
        return np.array([-y[0] / tau_f, (1 - y[1]) / tau_d])

    y, h = np.array([u, x]), 0.01
    for _ in range(3700):
        k1 = f(y)
        k2 = f(y + h / 2 * k1)
        k3 = f(y + h / 2 * k2)
        k4 = f(y + h * k3)
        y = y + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
    np.testing.assert_allclose([stp.u, stp.x], y, rtol=0, atol=1e-10)


# ---------------------------------------------------------------------------
# Regimes of the papers
# ---------------------------------------------------------------------------


def test_facilitating_and_depressing_regimes_at_20_hz() -> None:
    # Markram, Wang & Tsodyks 1998: facilitating (U = 0.03, tau_f = 530 ms,
    # tau_d = 130 ms) grows over the first spikes of a 20 Hz train; depressing
    # (U = 0.5, tau_d = 800 ms, tau_f ~ 0) shrinks monotonically.
    # Both synapses side by side in one vectorised instance.
    stp = ShortTermPlasticity(
        tau_d=np.array([130.0, 800.0]), tau_f=np.array([530.0, 1e-3]),
        u_se=np.array([0.03, 0.5]), dt=1.0,
    )
    s = np.repeat(train(10, 50)[:, None], 2, axis=1)
    eff = stp.run(s)
    amp = eff[s[:, 0] == 1]
    fac, dep = amp[:, 0], amp[:, 1]
    assert np.all(np.diff(fac[:5]) > 0) and fac[4] > 2.5 * fac[0]
    assert np.all(np.diff(dep) < 0) and dep[-1] < 0.25 * dep[0]
    # after a long pause both synapses recover: first-spike efficacy is U again
    stp.run(np.zeros((20000, 2), dtype=np.uint8))
    np.testing.assert_allclose(stp.step(np.ones(2, dtype=np.uint8)), [0.03, 0.5], atol=1e-9)


def test_depressing_steady_state_falls_as_one_over_rate() -> None:
    # Tsodyks & Markram 1997: at high rates the steady-state PSC of a depressing
    # synapse ~ 1/(rate tau_d): efficacy* * rate tends to 1/tau_d.
    tau_d = 800.0
    rates = np.array([50.0, 100.0, 200.0]) / 1000.0  # per ms
    eff = steady_state(1 / rates, tau_d, 1e-3, 0.5)[2]
    scaled = eff * rates * tau_d
    np.testing.assert_allclose(scaled, 1.0, rtol=0.05)
    assert np.all(scaled < 1) and np.all(np.diff(scaled) > 0)  # approaches 1 from below


# ---------------------------------------------------------------------------
# Vectorisation, bookkeeping, errors
# ---------------------------------------------------------------------------


def test_batch_equals_independent_synapses() -> None:
    rng = np.random.default_rng(5)
    tau_d = rng.uniform(20, 500, (3, 4))
    tau_f = rng.uniform(20, 500, (3, 4))
    big_u = rng.uniform(0.05, 0.9, (3, 4))
    s = (rng.random((200, 3, 4)) < 0.1).astype(np.uint8)
    got = ShortTermPlasticity(tau_d, tau_f, big_u, dt=0.5).run(s)
    for i in range(3):
        for j in range(4):
            times = [0.5 * t for t in np.flatnonzero(s[:, i, j])]
            ref = ref_event_driven(times, tau_d[i, j], tau_f[i, j], big_u[i, j])
            np.testing.assert_allclose(got[s[:, i, j] == 1, i, j], ref, atol=1e-12)
            assert np.all(got[s[:, i, j] == 0, i, j] == 0)


def test_shape_parameter_broadcasts_scalars_and_reset_restores_rest() -> None:
    stp = ShortTermPlasticity(100.0, 50.0, 0.3, shape=(2, 5))
    assert stp.u.shape == (2, 5)
    stp.step(np.ones((2, 5), dtype=bool))
    assert np.all(stp.x < 1)
    stp.reset()
    assert np.all(stp.u == 0) and np.all(stp.x == 1)
    assert ShortTermPlasticity(100.0, 50.0, 0.3, shape=7).shape == (7,)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"tau_d": 0.0}, "tau_d must be > 0"),
        ({"tau_d": -3.0}, "tau_d must be > 0"),
        ({"tau_f": np.array([1.0, -1.0])}, "tau_f must be > 0"),
        ({"tau_f": float("inf")}, "tau_f must be > 0 and finite"),
        ({"u_se": 0.0}, "u_se must be in"),
        ({"u_se": 1.5}, "u_se must be in"),
        ({"dt": 0}, "dt must be > 0"),
        ({"shape": (3,), "tau_d": np.ones(4)}, "do not broadcast"),
    ],
)
def test_bad_parameters_are_refused_by_name(kwargs, match) -> None:
    params = {"tau_d": 100.0, "tau_f": 50.0, "u_se": 0.3, "dt": 1.0} | kwargs
    with pytest.raises(ValueError, match=match):
        ShortTermPlasticity(**params)


def test_bad_spikes_and_train_arguments_are_refused() -> None:
    stp = ShortTermPlasticity(100.0, 50.0, 0.3, shape=3)
    with pytest.raises(ValueError, match="spikes must hold only 0 and 1"):
        stp.step(np.array([0, 2, 1]))
    with pytest.raises(TypeError, match="spikes must hold bits"):
        stp.step(np.array([0.0, 1.0, 1.0]))
    with pytest.raises(ValueError, match=r"spikes of shape \(4,\) do not broadcast to .*\(3,\)"):
        stp.step(np.ones(4, dtype=np.uint8))
    with pytest.raises(ValueError, match="isi must be > 0"):
        steady_state(0.0, 1.0, 1.0, 0.5)
    with pytest.raises(ValueError, match="n_spikes must be an integer"):
        regular_train(-1, 1.0, 1.0, 1.0, 0.5)
    with pytest.raises(TypeError, match="tau_d must be a positive number"):
        ShortTermPlasticity(True, 1.0, 0.5)


def test_docs_example_runs() -> None:
    """The '## ShortTermPlasticity' example of docs/learning_federated_evolution_stp.md runs."""
    import re
    from pathlib import Path

    doc = Path(__file__).resolve().parents[2] / "docs" / "learning_federated_evolution_stp.md"
    section = doc.read_text().split("## ShortTermPlasticity\n", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", section, flags=re.S)
    assert len(blocks) == 1
    exec(compile(blocks[0], f"{doc}:ShortTermPlasticity", "exec"), {"__name__": "doc_example"})
