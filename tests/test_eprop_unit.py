"""sc_model.eprop_unit: exact geometric sums, bounds against real e-prop, gradient, errors."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sc_model.eprop_unit import (
    DW_LATENCY,
    E_LATENCY,
    EpropUnit,
    check_eprop_params,
    eprop_run,
    trace_bounds,
)


def run(p, pre, psi, learning=None, l_valid=0, dw_clear=0):
    n = pre.shape[0]
    if learning is None:
        learning = np.zeros((n, p.n_post), np.int64)
    return eprop_run(p, pre, psi, learning, l_valid, dw_clear)


def flushed(a: np.ndarray) -> np.ndarray:
    """``a`` with ``DW_LATENCY - 1`` cycles of zeros appended: ``dw`` shows a strobe
    ``DW_LATENCY`` cycles later (contract), so the last ``dw`` of the longer run holds every
    strobe but the last one (the e_bar of the last cycle belongs to an L after the run),
    exactly what a zero-latency accumulator would show in the last cycle."""
    return np.concatenate([a, np.zeros_like(a[: DW_LATENCY - 1])])


# --------------------------------------------------------------------------
# Pre-synaptic trace: geometric sums
# --------------------------------------------------------------------------


@pytest.mark.parametrize(("f", "k"), [(12, 2), (12, 3), (9, 3), (8, 1), (6, 6)])
def test_z_bar_equals_the_geometric_sum_exactly_while_every_term_is_an_integer(
    f: int, k: int
) -> None:
    # spikes at cycles 0 .. depth - 1 (depth = f // k + 1): every held spike is at most
    # f // k cycles old until cycle depth, so z_bar = sum 2**f (1 - 2**-k)**age exactly
    depth = f // k + 1
    rng = np.random.default_rng(f * 100 + k)
    pre = np.zeros((depth + 1, 3), np.uint8)
    pre[:depth] = rng.random((depth, 3)) < 0.6
    pre[0] = 1
    p = check_eprop_params(3, 1, trace_frac_bits=f, alpha_shift=k, psi_width=1, kappa_shift=0)
    z = run(p, pre, np.zeros((depth + 1, 1), np.int64)).z_bar
    for t in range(depth + 1):  # register during cycle t holds spikes of cycles < t
        expect = [
            sum(
                (2**k - 1) ** (t - 1 - s) * 2 ** (f - k * (t - 1 - s))
                for s in range(t)
                if pre[s, j]
            )
            for j in range(3)
        ]
        assert z[t].tolist() == expect, (f, k, t)


@settings(max_examples=50, deadline=None)
@given(
    f=st.integers(0, 12),
    k=st.integers(1, 12),
    rate=st.floats(0, 1),
    seed=st.integers(0, 2**32 - 1),
)
def test_z_bar_is_the_real_filtered_train_minus_less_than_2_pow_k(
    f: int, k: int, rate: float, seed: int
) -> None:
    rng = np.random.default_rng(seed)
    pre = (rng.random((400, 4)) < rate).astype(np.uint8)
    p = check_eprop_params(4, 1, trace_frac_bits=f, alpha_shift=k, psi_width=1, kappa_shift=0)
    z = run(p, pre, np.zeros((400, 1), np.int64)).z_bar
    alpha, real = 1 - 2.0**-k, np.zeros(4)
    bound, _ = trace_bounds(p, 1)
    for t in range(400):
        err = real * 2**f - z[t]
        assert (err >= -1e-6 * 2**f).all() and (err < bound).all(), (seed, t, err)
        real = alpha * real + pre[t]
    assert z.max() <= 2 ** (f + k), seed  # never above the every-cycle fixed point


def test_z_bar_of_an_every_cycle_train_saturates_exactly_at_its_fixed_point() -> None:
    p = check_eprop_params(1, 1, trace_frac_bits=4, alpha_shift=3, psi_width=1)
    z = run(p, np.ones((200, 1), np.uint8), np.zeros((200, 1), np.int64)).z_bar[:, 0]
    # it climbs while ceil(z / 8) < 16, i.e. stops at the first z >= 8 * 15 + 1 = 121:
    # below the real fixed point 2**(f + k) = 128 by less than 2**k, as bounded
    assert z[-1] == 121 and (np.diff(z) >= 0).all()
    assert z.max() < 1 << p.z_width


# --------------------------------------------------------------------------
# Eligibility traces against the real-valued e-prop formula
# --------------------------------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(
    f=st.integers(0, 8),
    ka=st.integers(1, 6),
    pw=st.integers(1, 6),
    ke=st.integers(0, 6),
    seed=st.integers(0, 2**32 - 1),
)
def test_e_bar_within_the_stated_bound_of_real_eprop(
    f: int, ka: int, pw: int, ke: int, seed: int
) -> None:
    rng = np.random.default_rng(seed)
    n_cycles, n, m = 300, 3, 2
    pre = (rng.random((n_cycles, n)) < rng.uniform(0, 0.6, n)).astype(np.uint8)
    psi = rng.integers(0, 1 << pw, (n_cycles, m))
    p = check_eprop_params(n, m, trace_frac_bits=f, alpha_shift=ka, psi_width=pw, kappa_shift=ke)
    out = run(p, pre, psi)
    alpha, kappa = 1 - 2.0**-ka, (1 - 2.0**-ke if ke else 0.0)
    z_real = np.zeros(n)  # z_bar^(t-1), real, in spikes
    e_real = np.zeros((m, n))  # e_bar^(t-1), real, in units of psi * spikes
    _, bound = trace_bounds(p, int(psi.max()))
    scale = 2.0 ** (f + pw)  # e_bar LSB = 2**-(f + p)
    assert E_LATENCY == 2 and not out.e_bar[0].any()
    for t in range(n_cycles - 1):
        # e_bar shown in cycle t + 1 is e_bar^(t-1) (latency 2: psi z_bar is registered)
        err = e_real * scale - out.e_bar[t + 1]
        assert (err > -1e-6 * scale).all() and (err < bound).all(), (seed, t)
        e_real = kappa * e_real + (psi[t] / 2**pw)[:, None] * z_real[None, :]  # psi^t z^(t-1)
        z_real = alpha * z_real + pre[t]


def test_e_bar_is_the_exact_integer_recursion_of_psi_times_the_z_bar_register() -> None:
    rng = np.random.default_rng(5)
    p = check_eprop_params(3, 2, trace_frac_bits=3, alpha_shift=2, psi_width=3, kappa_shift=3)
    pre = (rng.random((200, 3)) < 0.3).astype(np.uint8)
    psi = rng.integers(0, 8, (200, 2))
    out = run(p, pre, psi)
    e_bar, e_q = np.zeros((2, 3), np.int64), np.zeros((2, 3), np.int64)
    for t in range(200):
        assert np.array_equal(out.e_bar[t], e_bar), t
        # floor(kappa e_bar) + e of the previous cycle (the e register)
        e_bar, e_q = e_bar * 7 // 8 + e_q, psi[t][:, None] * out.z_bar[t][None, :]


# --------------------------------------------------------------------------
# Weight change: closed form, saturation, clear, gradient
# --------------------------------------------------------------------------


def test_dw_accumulates_minus_floor_of_l_times_e_bar_and_saturates_and_clears() -> None:
    rng = np.random.default_rng(11)
    p = check_eprop_params(
        2, 2, trace_frac_bits=2, alpha_shift=2, psi_width=2, kappa_shift=1, eta_shift=3
    )
    n = 400
    pre = (rng.random((n, 2)) < 0.3).astype(np.uint8)
    psi = rng.integers(0, 4, (n, 2))
    learning = rng.integers(-128, 128, (n, 2))
    valid = (rng.random(n) < 0.5).astype(np.uint8)
    clear = np.zeros(n, np.uint8)
    clear[250] = 1
    out = eprop_run(p, pre, psi, learning, valid, clear)
    dw = np.zeros((2, 2), np.int64)
    lo, hi = -(2**15), 2**15 - 1
    assert DW_LATENCY == 2  # the contract's figure
    assert not out.dw[:DW_LATENCY].any()
    lat = DW_LATENCY - 1
    for t in range(n - lat):
        # during cycle t + DW_LATENCY - 1, dw holds the strobes and clears of cycles < t
        assert np.array_equal(out.dw[t + lat], dw), t
        if clear[t]:
            dw = np.zeros((2, 2), np.int64)
        elif valid[t]:
            prod = learning[t][:, None] * out.e_bar[t]
            dw = np.clip(dw - np.floor(prod / 8).astype(np.int64), lo, hi)
    # a narrow accumulator saturates at both ends instead of wrapping
    narrow = check_eprop_params(1, 1, trace_frac_bits=2, alpha_shift=2, dw_width=6, eta_shift=0)
    ones = np.ones((60, 1), np.uint8)
    psi_max = np.full((60, 1), 15)
    for sign, edge in ((1, -32), (-1, 31)):
        out = eprop_run(narrow, ones, psi_max, np.full((60, 1), sign * 100), 1)
        assert out.dw[-1, 0, 0] == edge and out.dw[:, 0, 0].min() >= -32
        assert out.dw[:, 0, 0].max() <= 31


@pytest.mark.parametrize("kappa_shift", [0, 2, 4])
def test_dw_is_minus_eta_times_the_finite_difference_gradient_of_a_leaky_readout(
    kappa_shift: int,
) -> None:
    # Readout y^t = sum_j W_j e_bar_j^t with psi = 1 (a leaky linear neuron: y = kappa y +
    # W . z_bar^(t-1)); loss E = 1/2 sum_t (y^t - ystar^t)**2. e-prop is exact for it:
    # dE/dW_j = sum_t L^t e_bar_j^t with L^t = y^t - ystar^t. The unit gets L^t (rounded
    # to an integer) in cycle t + 2 and must return -eta times the finite difference.
    rng = np.random.default_rng(kappa_shift + 40)
    n, n_cycles, f, ka, pw = 5, 400, 6, 3, 1
    p = check_eprop_params(
        n,
        1,
        trace_frac_bits=f,
        alpha_shift=ka,
        psi_width=pw,
        kappa_shift=kappa_shift,
        learning_width=12,
        eta_shift=4,
        dw_width=24,
    )
    pre = (rng.random((n_cycles, n)) < 0.15).astype(np.uint8)
    psi = np.ones((n_cycles, 1), np.int64)  # 2**-1: e_bar LSB is 2**-(f + 1) * 2 = 2**-f
    traces = run(p, pre, psi).e_bar[:, 0, :] / 2.0 ** (f + pw) * 2  # e_bar^(t-2), psi := 1
    w0 = rng.normal(0, 0.1, n)
    ystar = 2.0 * np.sin(np.arange(n_cycles) / 25.0)

    def loss(w: np.ndarray) -> float:
        return 0.5 * float(((traces @ w - ystar) ** 2).sum())

    h = 1e-4
    grad_fd = np.array([(loss(w0 + h * e) - loss(w0 - h * e)) / (2 * h) for e in np.eye(n)])
    err = traces @ w0 - ystar  # L of the e_bar shown in cycle t, i.e. L^(t-2)
    learning = np.round(err * 8).astype(np.int64)  # L in units of 1/8
    assert np.abs(learning).max() <= 2047  # fits learning_width = 12 without clipping
    out = run(p, *(flushed(a) for a in (pre, psi, learning[:, None])), l_valid=1)
    unit = 8 * 2.0**f / 2**4  # dW LSBs per gradient unit: L in 1/8, e_bar in 2**-f, eta 2**-4
    dw = out.dw[-1, 0, :] / unit
    assert np.abs(out.dw[-1]).max() < 2**23 - 1  # no saturation in this test
    # bound: L rounded by <= 1/16 each cycle, plus one floor (< 1 LSB of dW) per cycle
    bound = (1 / 16) * np.abs(traces).sum(axis=0) + n_cycles / unit
    assert (np.abs(-dw - grad_fd) <= bound + 1e-6).all(), (-dw, grad_fd, bound)
    assert np.corrcoef(-dw, grad_fd)[0, 1] > 0.999


@pytest.mark.parametrize("seed", [3, 4])
def test_cycle_model_equals_vectorised_run(seed: int) -> None:
    rng = np.random.default_rng(seed)
    kw = dict(trace_frac_bits=3, alpha_shift=2, psi_width=3, kappa_shift=2)
    kw.update(learning_width=6, eta_shift=2, dw_width=8)
    n = 200
    pre = (rng.random((n, 2, 3)) < 0.3).astype(np.uint8)
    psi = rng.integers(0, 8, (n, 2, 2))
    learning = rng.integers(-32, 32, (n, 2, 2))
    valid = (rng.random(n) < 0.5).astype(np.uint8)
    clear = (rng.random(n) < 0.02).astype(np.uint8)
    out = eprop_run(check_eprop_params(3, 2, **kw), pre, psi, learning, valid, clear)
    unit = EpropUnit(3, 2, batch=(2,), **kw)
    for t in range(n):
        step = unit.step(pre[t], psi[t], learning[t], valid[t], clear[t])
        for name in ("z_bar", "e_bar", "dw"):
            assert np.array_equal(getattr(step, name), getattr(out, name)[t]), (seed, t, name)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (dict(n_pre=0, n_post=1), r"n_pre must be in \[1, 32\], not 0"),
        (dict(n_pre=1, n_post=17), r"n_post must be in \[1, 16\], not 17"),
        (dict(n_pre=1, n_post=1, trace_frac_bits=13), r"trace_frac_bits must be in \[0, 12\]"),
        (dict(n_pre=1, n_post=1, alpha_shift=0), r"alpha_shift must be in \[1, 12\], not 0"),
        (dict(n_pre=1, n_post=1, psi_width=9), r"psi_width must be in \[1, 8\], not 9"),
        (dict(n_pre=1, n_post=1, kappa_shift=-1), r"kappa_shift must be in \[0, 12\], not -1"),
        (
            dict(
                n_pre=1, n_post=1, trace_frac_bits=12, alpha_shift=12, psi_width=8, kappa_shift=12
            ),
            r"\(the e_bar width\) must be in \[2, 40\], not 8 \+ 12 \+ 12 \+ 12 = 44",
        ),
        (dict(n_pre=1, n_post=1, learning_width=1), r"learning_width must be in \[2, 12\]"),
        (dict(n_pre=1, n_post=1, eta_shift=49), r"eta_shift must be in \[0, 48\], not 49"),
        (dict(n_pre=1, n_post=1, dw_width=25), r"dw_width must be in \[2, 24\], not 25"),
    ],
)
def test_bad_parameters_are_named_with_value_and_range(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        check_eprop_params(**kwargs)


def test_bad_inputs_are_refused() -> None:
    p = check_eprop_params(2, 2, psi_width=2, learning_width=4)
    pre = np.zeros((5, 2), np.uint8)
    zeros = np.zeros((5, 2), np.int64)
    with pytest.raises(ValueError, match="psi must be <= 3; found 4"):
        eprop_run(p, pre, zeros + 4, zeros)
    with pytest.raises(ValueError, match="learning must be >= -8; found -9"):
        eprop_run(p, pre, zeros, zeros - 9)
    with pytest.raises(ValueError, match=r"psi must have shape \(5, 2\)"):
        eprop_run(p, pre, np.zeros((5, 3), np.int64), zeros)
    with pytest.raises(ValueError, match="n_pre=2"):
        eprop_run(p, np.zeros((5, 3), np.uint8), zeros, zeros)


def test_a_readout_trained_with_the_units_dw_learns_its_target() -> None:
    # The leaky readout of the gradient test, trained for 40 epochs: each epoch runs the
    # unit over the same input with L^t = round(8 (y^t - ystar^t)), applies W -= dW / unit
    # and clears dW. The squared error must fall to < 10 % of its start.
    rng = np.random.default_rng(77)
    n, n_cycles, f = 6, 300, 6
    p = check_eprop_params(
        n, 1, trace_frac_bits=f, alpha_shift=3, psi_width=1, kappa_shift=2,
        learning_width=12, eta_shift=4, dw_width=24,
    )  # fmt: skip
    pre = (rng.random((n_cycles, n)) < 0.2).astype(np.uint8)
    psi = np.ones((n_cycles, 1), np.int64)
    traces = run(p, pre, psi).e_bar[:, 0, :] / 2.0**f
    ystar = traces @ rng.uniform(-1, 1, n)  # a target the readout can represent
    w = np.zeros(n)
    unit = 8 * 2.0**f / 2**4
    lr = 1.0 / float(np.linalg.eigvalsh(traces.T @ traces).max())  # stable step size
    losses = []
    for _ in range(40):
        err = traces @ w - ystar
        losses.append(0.5 * float((err**2).sum()))
        learning = np.clip(np.round(err * 8), -2048, 2047).astype(np.int64)[:, None]
        raw = run(p, *(flushed(a) for a in (pre, psi, learning)), l_valid=1).dw[-1, 0, :]
        assert np.abs(raw).max() < 2**23 - 1  # not saturated
        dw = raw / unit  # = -gradient
        w += lr * dw
    assert losses[-1] < 0.1 * losses[0], losses[::8]
    assert all(b <= a * 1.001 for a, b in zip(losses, losses[1:], strict=False)), losses


def test_hardware_twin_refuses_bad_parameters_with_the_model_message() -> None:
    from sc_hw.eprop_unit import EpropUnit as HwEprop

    with pytest.raises(ValueError, match=r"n_post must be in \[1, 16\], not 0"):
        HwEprop(2, 0)
    with pytest.raises(ValueError, match=r"dw_width must be in \[2, 24\], not 1"):
        HwEprop(2, 2, dw_width=1)
