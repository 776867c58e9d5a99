"""sc_model.stp_unit: Tsodyks-Markram closed forms, per-spike recursion, error bounds, errors."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sc_model.stp_unit import STPUnit, check_stp_params, error_bounds, stp_run

# Two regimes (F = 14): depression-dominated (large U, long tau_d, short tau_f;
# u_rest = U, the brief's form) and facilitation-dominated (small U from rest 0,
# short tau_d, long tau_f; the 1998 form).
F = 14
ONE = 1 << F
DEPRESSING = dict(frac_bits=F, u_base=ONE // 2, u_rest=ONE // 2, tau_d_shift=7, tau_f_shift=2)
FACILITATING = dict(frac_bits=F, u_base=ONE // 20, u_rest=0, tau_d_shift=2, tau_f_shift=7)
INTERVALS = (3, 10, 30, 100, 300)


def regular_train(delta: int, n_spikes: int, offset: int = 2) -> np.ndarray:
    """Bits ``(n_cycles, 1, 1)`` with a spike every ``delta`` cycles from ``offset``.

    The train ends at least one cycle after its last spike, so the release
    register of the last spike (one cycle of latency) is in the run.
    """
    n = offset + delta * n_spikes + 1
    bits = np.zeros((n, 1, 1), np.uint8)
    bits[offset : n - 1 : delta] = 1
    return bits


def decay_factor(shift: int, delta: int) -> float:
    """``exp(-delta / tau)`` with ``tau = -1 / ln(1 - 2**-shift)`` (written out, not imported)."""
    tau = -1.0 / math.log(1.0 - 2.0**-shift)
    return math.exp(-delta / tau)


def paper_recursion(x: float, u: float, delta: int, kw: dict) -> tuple[float, float, float]:
    """Tsodyks-Markram between two spikes: release, then x and u before the next spike."""
    big_u, u_rest = kw["u_base"] / ONE, kw["u_rest"] / ONE
    u_plus = u + big_u * (1.0 - u)
    r = u_plus * x
    x_next = 1.0 - (1.0 - (x - r)) * decay_factor(kw["tau_d_shift"], delta)
    u_next = u_rest + (u_plus - u_rest) * decay_factor(kw["tau_f_shift"], delta)
    return r, x_next, u_next


def paper_steady_state(delta: int, kw: dict) -> float:
    """Steady-state release ``u+* x*`` from the fixed point of the recursion (closed form)."""
    big_u, u_rest = kw["u_base"] / ONE, kw["u_rest"] / ONE
    e_d, e_f = decay_factor(kw["tau_d_shift"], delta), decay_factor(kw["tau_f_shift"], delta)
    u_plus = (big_u + (1 - big_u) * u_rest * (1 - e_f)) / (1 - (1 - big_u) * e_f)
    x = (1 - e_d) / (1 - (1 - u_plus) * e_d)
    return u_plus * x


def spikes_of_train(kw: dict, delta: int, n_spikes: int):
    p = check_stp_params(1, **kw)
    bits = regular_train(delta, n_spikes)
    out = stp_run(p, bits)
    idx = np.flatnonzero(bits[:, 0, 0])
    # the efficacy of the spike of cycle t is in the release register during t + 1
    return p, out.release[idx + 1, 0, 0], out.x[idx, 0, 0], out.u[idx, 0, 0]


# --------------------------------------------------------------------------
# Closed forms
# --------------------------------------------------------------------------


def test_paper_steady_state_reduces_to_tsodyks_markram_1997_without_facilitation() -> None:
    # u_base = ONE: u+ = 1 on every spike, so R* = (1 - e) / (1 - 0 * e) = 1 - e.
    kw = dict(frac_bits=F, u_base=ONE, u_rest=ONE, tau_d_shift=5, tau_f_shift=3)
    for delta in INTERVALS:
        assert paper_steady_state(delta, kw) == pytest.approx(1 - decay_factor(5, delta))
    # u_rest = 0 and tau_f -> 0 (A_f ~ 0): u+* = U, the 1997 depressing synapse.
    kw = dict(frac_bits=F, u_base=ONE // 4, u_rest=0, tau_d_shift=5, tau_f_shift=1)
    e = decay_factor(5, 300)
    assert paper_steady_state(300, kw) == pytest.approx(0.25 * (1 - e) / (1 - 0.75 * e), abs=1e-9)


@pytest.mark.parametrize("delta", INTERVALS)
@pytest.mark.parametrize("regime", ["depressing", "facilitating"])
def test_regular_train_matches_closed_form_recursion_within_the_global_bound(
    regime: str, delta: int
) -> None:
    kw = DEPRESSING if regime == "depressing" else FACILITATING
    n_spikes = 300 if delta < 10 else 60  # long enough to converge (slowest: ~0.93 / spike)
    p, rel, x, u = spikes_of_train(kw, delta, n_spikes)
    b = error_bounds(delta, p)
    xr, ur = 1.0, kw["u_rest"] / ONE  # the real recursion from the same reset state
    for n in range(n_spikes):
        r_real, x_next, u_next = paper_recursion(xr, ur, delta, kw)
        # one-sided as derived: fixed u low, fixed x high; release either way
        assert -b.global_u <= u[n] - ur * ONE <= 1e-9, (regime, delta, n)
        assert -1e-9 <= x[n] - xr * ONE <= b.global_x, (regime, delta, n)
        assert abs(rel[n] - r_real * ONE) <= b.global_release, (regime, delta, n)
        xr, ur = x_next, u_next
    # the last spikes sit at the closed-form steady state within the bound
    r_star = paper_steady_state(delta, kw)
    assert abs(rel[-1] - r_star * ONE) <= b.global_release + 1e-6 * ONE
    # and the bound is small: below 1 % of full scale for these sizes
    assert b.global_release < 0.01 * ONE


@pytest.mark.parametrize("delta", INTERVALS)
@pytest.mark.parametrize("regime", ["depressing", "facilitating"])
def test_per_spike_recursion_from_the_fixed_point_state_within_the_local_bound(
    regime: str, delta: int
) -> None:
    kw = DEPRESSING if regime == "depressing" else FACILITATING
    p, rel, x, u = spikes_of_train(kw, delta, 40)
    b = error_bounds(delta, p)
    for n in range(len(rel) - 1):
        r_real, x_next, u_next = paper_recursion(x[n] / ONE, u[n] / ONE, delta, kw)
        assert 0 <= r_real * ONE - rel[n] < b.local_release, (regime, delta, n)
        assert 0 <= x[n + 1] - x_next * ONE < b.local_x, (regime, delta, n)
        assert 0 <= u_next * ONE - u[n + 1] < b.local_u, (regime, delta, n)


@pytest.mark.parametrize("delta", [3, 10, 30])
def test_depression_and_facilitation_regimes_have_opposite_trends(delta: int) -> None:
    _, rel_d, x_d, _ = spikes_of_train(DEPRESSING, delta, 40)
    _, rel_f, _, u_f = spikes_of_train(FACILITATING, delta, 40)
    assert rel_d[-1] < 0.8 * rel_d[0]  # depressing: efficacy falls along the train
    assert x_d[-1] < x_d[0]
    assert rel_f[-1] > 1.2 * rel_f[0]  # facilitating: efficacy grows along the train
    assert u_f[-1] > u_f[0]
    # the steady-state efficacy of a depressing synapse falls with the rate ...
    ss_d = [paper_steady_state(d, DEPRESSING) for d in INTERVALS]
    assert ss_d == sorted(ss_d)
    # ... while that of a facilitating synapse grows with the rate
    ss_f = [paper_steady_state(d, FACILITATING) for d in INTERVALS]
    assert ss_f == sorted(ss_f, reverse=True)


# --------------------------------------------------------------------------
# Exact integer behaviour
# --------------------------------------------------------------------------


def test_single_spike_from_rest_and_exact_integer_recovery() -> None:
    kw = dict(frac_bits=10, u_base=300, u_rest=100, tau_d_shift=3, tau_f_shift=2)
    one = 1 << 10
    bits = np.zeros((40, 1, 1), np.uint8)
    bits[1] = 1
    out = stp_run(check_stp_params(1, **kw), bits)
    u_p = 100 + (300 * (one - 100)) // one  # u + floor(U (1 - u))
    release = (u_p * one) // one
    # registered: the efficacy of the spike of cycle 1 shows during cycle 2 (latency 1)
    assert out.release[2, 0, 0] == release and out.release[:, 0, 0].sum() == release
    assert (out.x[:2, 0, 0] == one).all() and (out.u[:2, 0, 0] == 100).all()
    d, e = one - (one - release), u_p - 100  # deficit of x, excess of u after the spike
    for t in range(2, 40):
        d = d * 7 // 8  # floor(d (1 - 2**-3))
        e = e * 3 // 4  # floor(e (1 - 2**-2))
        assert out.x[t, 0, 0] == one - d and out.u[t, 0, 0] == 100 + e, t
    assert out.x[-1, 0, 0] == one and out.u[-1, 0, 0] == 100  # recovered exactly


def test_a_spike_in_every_cycle_is_accepted_and_released_one_cycle_later() -> None:
    # no minimum inter-spike interval: the contract written out in plain integers
    f, big_u, u_rest, kd, kf = 9, 150, 40, 3, 4
    one = 1 << f
    bits = np.ones((60, 1, 1), np.uint8)
    bits[:3] = 0
    kw = dict(frac_bits=f, u_base=big_u, u_rest=u_rest, tau_d_shift=kd, tau_f_shift=kf)
    out = stp_run(check_stp_params(1, **kw), bits)
    x, u, prev_release = one, u_rest, 0
    for t in range(60):
        assert (out.release[t, 0, 0], out.x[t, 0, 0], out.u[t, 0, 0]) == (prev_release, x, u), t
        spike = bits[t, 0, 0] == 1
        u_p = u + big_u * (one - u) // one if spike else u
        prev_release = u_p * x // one if spike else 0
        d = one - (x - prev_release)
        e = u_p - u_rest
        x = one - (d - -(-d // (1 << kd)))
        u = u_rest + (e - -(-e // (1 << kf)))
    assert (out.release[4:, 0, 0] > 0).all()


def test_silence_keeps_the_reset_state() -> None:
    p = check_stp_params(3, frac_bits=8, u_base=51, tau_d_shift=4, tau_f_shift=4)
    out = stp_run(p, np.zeros((50, 2, 3), np.uint8))
    assert (out.release == 0).all() and (out.x == 256).all() and (out.u == 51).all()


@settings(max_examples=60, deadline=None)
@given(
    f=st.integers(2, 16),
    ub=st.floats(0, 1),
    ur=st.floats(0, 1),
    kd=st.integers(1, 16),
    kf=st.integers(1, 16),
    seed=st.integers(0, 2**32 - 1),
)
def test_invariants_and_cycle_model_equal_the_vectorised_run(
    f: int, ub: float, ur: float, kd: int, kf: int, seed: int
) -> None:
    one = 1 << f
    kw = dict(frac_bits=f, u_base=round(ub * one), u_rest=round(ur * one))
    kw.update(tau_d_shift=kd, tau_f_shift=kf)
    rng = np.random.default_rng(seed)
    bits = (rng.random((200, 2, 3)) < rng.uniform(0, 1, 3)).astype(np.uint8)
    p = check_stp_params(3, **kw)
    out = stp_run(p, bits)
    # release in cycle t + 1 belongs to the spike of cycle t and the x of cycle t
    assert (out.release >= 0).all() and (out.release[1:] <= out.x[:-1]).all(), seed
    assert (out.x <= one).all() and (out.u >= p.u_rest).all() and (out.u <= one).all(), seed
    assert (out.release[0] == 0).all() and (out.release[1:][bits[:-1] == 0] == 0).all(), seed
    unit = STPUnit(3, batch=(2,), **kw)
    for t in range(bits.shape[0]):
        step = unit.step(bits[t])
        for name in ("release", "x", "u"):
            assert np.array_equal(getattr(step, name), getattr(out, name)[t]), (seed, t, name)
    # batch elements are independent runs
    single = stp_run(p, bits[:, 1:2])
    assert np.array_equal(single.release[:, 0], out.release[:, 1]), seed
    unit.reset()
    assert (unit.x == one).all() and (unit.u == p.u_rest).all()


# --------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (dict(n_channels=0), r"n_channels must be in \[1, 64\], not 0"),
        (dict(n_channels=65), r"n_channels must be in \[1, 64\], not 65"),
        (dict(n_channels=2, frac_bits=1), r"frac_bits must be in \[2, 16\], not 1"),
        (dict(n_channels=2, frac_bits=8, u_base=257), r"u_base must be in \[0, 256\], not 257"),
        (dict(n_channels=2, frac_bits=8, u_rest=-1), r"u_rest must be in \[0, 256\], not -1"),
        (dict(n_channels=2, tau_d_shift=0), r"tau_d_shift must be in \[1, 16\], not 0"),
        (dict(n_channels=2, tau_f_shift=17), r"tau_f_shift must be in \[1, 16\], not 17"),
    ],
)
def test_bad_parameters_are_named_with_value_and_range(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        check_stp_params(**kwargs)


def test_bad_inputs_are_refused() -> None:
    p = check_stp_params(2)
    with pytest.raises(ValueError, match="n_channels=2"):
        stp_run(p, np.zeros((5, 1, 3), np.uint8))
    with pytest.raises(ValueError, match="only 0 and 1"):
        stp_run(p, np.full((5, 1, 2), 2))
    with pytest.raises(TypeError, match="u_base must be an integer"):
        check_stp_params(2, u_base=0.5)


def test_hardware_twin_refuses_bad_parameters_with_the_model_message() -> None:
    from sc_hw.stp_unit import STPUnit as HwSTP

    with pytest.raises(ValueError, match=r"tau_d_shift must be in \[1, 16\], not 0"):
        HwSTP(2, tau_d_shift=0)
    with pytest.raises(ValueError, match=r"u_base must be in \[0, 16\], not 17"):
        HwSTP(2, frac_bits=4, u_base=17)
