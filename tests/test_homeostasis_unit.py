"""sc_model.homeostasis_unit: EMA bound, exact threshold steps, closed loop with LIF, errors."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sc_model.homeostasis_unit import (
    HomeostasisUnit,
    check_homeostasis_params,
    homeostasis_run,
)
from sc_model.lif import LIFPopulation


@settings(max_examples=60, deadline=None)
@given(
    f=st.integers(1, 16),
    k=st.integers(1, 10),
    rate=st.floats(0, 1),
    seed=st.integers(0, 2**32 - 1),
)
def test_rate_register_is_the_real_ema_minus_less_than_2_pow_k_lsb(
    f: int, k: int, rate: float, seed: int
) -> None:
    rng = np.random.default_rng(seed)
    bits = (rng.random((600, 1, 3)) < rate).astype(np.uint8)
    p = check_homeostasis_params(3, rate_frac_bits=f, rate_shift=k)
    r = homeostasis_run(p, bits).rate[:, 0]
    real = np.zeros(3)
    a = 1.0 - 2.0**-k
    for t in range(bits.shape[0]):
        err = real * 2**f - r[t]
        assert (err >= -1e-6).all() and (err < 2**k).all(), (seed, t, err)
        real = a * real + (1 - a) * bits[t, 0]
    assert (r >= 0).all() and (r <= 1 << f).all(), seed


def test_always_and_never_firing_rates_approach_their_limits() -> None:
    p = check_homeostasis_params(2, rate_frac_bits=10, rate_shift=4)
    bits = np.zeros((400, 1, 2), np.uint8)
    bits[:, 0, 0] = 1
    r = homeostasis_run(p, bits).rate[-1, 0]
    assert r[1] == 0
    # the floor leaves the full-rate EMA short by < 2**k: 1024 - 15 <= r <= 1024
    assert 1024 - 15 <= r[0] <= 1024


@pytest.mark.parametrize("period", [0, 1, 3])
def test_sign_rule_steps_exactly_eta_per_tick_and_saturates(period: int) -> None:
    # silent neuron (r = 0 < target): theta falls by eta at every tick down to the minimum;
    # always-firing neuron (r > target after one cycle): theta rises by eta up to the maximum
    p = check_homeostasis_params(
        2,
        rate_frac_bits=8,
        rate_shift=2,
        target=100,
        threshold_width=8,
        threshold_min=10,
        threshold_max=60,
        threshold_init=40,
        update_period_log2=period,
        eta=7,
    )
    n = 40 << period
    bits = np.zeros((n, 1, 2), np.uint8)
    bits[:, 0, 1] = 1
    out = homeostasis_run(p, bits)
    theta = out.threshold[:, 0]
    r = out.rate[:, 0]
    expect = np.array([40, 40])
    for t in range(n):
        assert (theta[t] == expect).all(), (period, t)
        if t % (1 << period) == (1 << period) - 1:  # a tick: uses r of this cycle
            step = np.where(r[t] > 100, 7, np.where(r[t] < 100, -7, 0))
            expect = np.clip(expect + step, 10, 60)
    assert theta[-1, 0] == 10 and theta[-1, 1] == 60
    assert (out.phase == np.arange(n) % (1 << period)).all()


def test_proportional_rule_is_a_floor_shift_of_the_error() -> None:
    p = check_homeostasis_params(
        1,
        rate_frac_bits=6,
        rate_shift=1,
        target=21,
        threshold_width=10,
        threshold_init=500,
        update_period_log2=0,
        update="proportional",
        eta_shift=2,
    )
    bits = np.zeros((6, 1, 1), np.uint8)
    bits[0] = 1
    out = homeostasis_run(p, bits)
    r = [0, 32, 16, 8, 4, 2]  # 64 / 2 after the spike, then halving (floor) each cycle
    assert out.rate[:, 0, 0].tolist() == r
    theta = [500]
    for v in r[:-1]:
        theta.append(theta[-1] + (v - 21) // 4)  # floor((r - target) / 4)
    assert out.threshold[:, 0, 0].tolist() == theta  # 500, 494, 496, 494, 490, 485


@pytest.mark.parametrize("seed", [1, 2])
def test_cycle_model_equals_vectorised_run(seed: int) -> None:
    rng = np.random.default_rng(seed)
    kw = dict(rate_frac_bits=7, rate_shift=3, target=20, threshold_width=6)
    kw.update(threshold_init=30, update_period_log2=2, update="proportional", eta_shift=1)
    bits = (rng.random((300, 2, 4)) < 0.3).astype(np.uint8)
    out = homeostasis_run(check_homeostasis_params(4, **kw), bits)
    unit = HomeostasisUnit(4, batch=(2,), **kw)
    for t in range(300):
        step = unit.step(bits[t])
        assert np.array_equal(step.rate, out.rate[t]), (seed, t)
        assert np.array_equal(step.threshold, out.threshold[t]), (seed, t)
        assert step.phase == out.phase[t], (seed, t)


# --------------------------------------------------------------------------
# Closed loop with a LIF population driven by constant inputs
# --------------------------------------------------------------------------

DRIVES = np.array([1, 2, 3, 5, 8, 13, 20, 30])  # constant input count per neuron
TARGET_RATE = 1 / 16  # spikes per cycle


def closed_loop(n_cycles: int, **kwargs: object) -> tuple[np.ndarray, np.ndarray]:
    """Spikes ``(n_cycles, M)`` and thresholds of LIF neurons under the unit's control."""
    m = DRIVES.size
    # f = 14 keeps the EMA's floor bias (< 2**k LSB = 2**(k - f) spikes/cycle) at 0.4 % of
    # full scale; with f = 10 it would be 1/16, as large as the target itself
    unit = HomeostasisUnit(m, rate_frac_bits=14, rate_shift=6, target=1 << 10, **kwargs)
    pop = LIFPopulation(m, v_width=16, threshold=1, leak_mode="shift", leak_shift=4)
    spikes = np.empty((n_cycles, m), np.uint8)
    thetas = np.empty((n_cycles, m), np.int64)
    for t in range(n_cycles):
        spike = pop.spike[0].copy()  # the neurons' spike outputs of this cycle
        out = unit.step(spike)
        pop.params = replace(pop.params, threshold=out.threshold.copy())
        pop.step(DRIVES)
        spikes[t], thetas[t] = spike, out.threshold
    return spikes, thetas


@pytest.mark.parametrize(
    ("case", "kwargs"),
    [
        ("sign, mixed start", dict(threshold_init=100, update_period_log2=4)),
        ("proportional, all too low", dict(threshold_init=2, update="proportional", eta_shift=7)),
        (
            "proportional, all too high",
            dict(threshold_init=2000, update="proportional", eta_shift=7),
        ),
    ],
)
def test_closed_loop_rates_converge_to_the_target_from_above_and_below(
    case: str, kwargs: dict
) -> None:
    kwargs = dict(kwargs, threshold_width=12)
    spikes, thetas = closed_loop(30000, **kwargs)
    early = spikes[:300].mean(axis=0)
    late = spikes[-8000:].mean(axis=0)
    init = kwargs["threshold_init"]
    above, below = early > TARGET_RATE, early < TARGET_RATE
    if case.endswith("too low"):
        assert above.all(), early
    elif case.endswith("too high"):
        assert below.all(), early
    else:
        assert above.any() and below.any(), early  # both directions in one run
    # thresholds moved the right way: up where the rate was too high, down where too low
    assert (thetas[-1][above] > init).all() and (thetas[-1][below] < init).all(), thetas[-1]
    # the thresholds settle (no limit cycle) ...
    tail = thetas[-8000:]
    spread = tail.max(axis=0) - tail.min(axis=0)
    assert (spread <= 0.1 * tail.mean(axis=0) + 4).all(), (case, spread)
    # ... and the measured rate of every neuron ends within 15 % of the target (the
    # proportional rule's floor leaves a dead band of 2**7 LSB = 12.5 % of the target above it)
    assert np.abs(late / TARGET_RATE - 1).max() < 0.15, (case, late * 16)


# --------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (dict(n_neurons=0), r"n_neurons must be in \[1, 64\], not 0"),
        (dict(n_neurons=1, rate_frac_bits=17), r"rate_frac_bits must be in \[1, 16\], not 17"),
        (dict(n_neurons=1, rate_shift=0), r"rate_shift must be in \[1, 16\], not 0"),
        (dict(n_neurons=1, rate_frac_bits=4, target=17), r"target must be in \[0, 16\], not 17"),
        (dict(n_neurons=1, threshold_width=1), r"threshold_width must be in \[2, 24\], not 1"),
        (
            dict(n_neurons=1, threshold_width=4, threshold_min=3, threshold_max=2),
            r"threshold_max must be in \[3, 15\], not 2",
        ),
        (
            dict(n_neurons=1, threshold_width=4, threshold_init=0),
            r"threshold_init must be in \[1, 15\], not 0",
        ),
        (dict(n_neurons=1, update_period_log2=17), r"update_period_log2 must be in \[0, 16\]"),
        (dict(n_neurons=1, update="hebb"), r"update must be one of 'sign', 'proportional'"),
        (dict(n_neurons=1, threshold_width=4, eta=16), r"eta must be in \[1, 15\], not 16"),
        (dict(n_neurons=1, eta_shift=2), r"eta_shift applies to update='proportional' only"),
        (dict(n_neurons=1, update="proportional", eta=2), r"eta applies to update='sign' only"),
    ],
)
def test_bad_parameters_are_named_with_value_and_range(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        check_homeostasis_params(**kwargs)


def test_bad_spikes_are_refused() -> None:
    p = check_homeostasis_params(3)
    with pytest.raises(ValueError, match="n_neurons=3"):
        homeostasis_run(p, np.zeros((4, 1, 2), np.uint8))
    with pytest.raises(ValueError, match="only 0 and 1"):
        homeostasis_run(p, np.full((4, 1, 3), 3))


def test_hardware_twin_refuses_bad_parameters_with_the_model_message() -> None:
    from sc_hw.homeostasis_unit import HomeostasisUnit as HwHomeostasis

    with pytest.raises(ValueError, match=r"target must be in \[0, 1024\], not 2000"):
        HwHomeostasis(2, rate_frac_bits=10, target=2000)
    with pytest.raises(ValueError, match=r"eta applies to update='sign' only"):
        HwHomeostasis(2, update="proportional", eta=3)
