"""sc_model.analysis: SCC, encoding error, error scaling with stream length.

Expected values are counted by hand from the definition of Alaghi & Hayes
(ICCD 2013), recomputed in exact rational arithmetic, or follow from
constructions whose correlation is known (nested / disjoint ones, shared vs
complemented random numbers, binomial and stratified error laws).
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sc_model.analysis import encoding_error, error_vs_length, fit_error_exponent, scc
from sc_model.lfsr import lfsr_sequence
from sc_model.streams import pack_bits


def bits_of(text: str) -> np.ndarray:
    return np.array([int(c) for c in text], np.uint8)


def ref_scc(x: list[int], y: list[int]) -> Fraction:
    """Alaghi & Hayes eq. (1) in exact rationals; 0 for a constant stream."""
    n = len(x)
    px = Fraction(sum(x), n)
    py = Fraction(sum(y), n)
    pxy = Fraction(sum(a & b for a, b in zip(x, y, strict=True)), n)
    delta = pxy - px * py
    if delta == 0:
        return Fraction(0)
    if delta > 0:
        return delta / (min(px, py) - px * py)
    return delta / (px * py - max(px + py - 1, Fraction(0)))


def bit_reversal(t: np.ndarray, width: int) -> np.ndarray:
    """r = the low ``width`` bits of ``t`` in reverse order (van der Corput)."""
    r = np.zeros_like(t)
    for i in range(width):
        r |= ((t >> i) & 1) << (width - 1 - i)
    return r


# ---------------------------------------------------------------------------
# SCC: hand-computed examples
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("x", "y", "expected"),
    [
        # a = 4, b = 4, overlap c = 2, N = 8: p_xy = 1/4 = p_x p_y -> 0
        ("11001010", "10101100", 0.0),
        # a = 3, b = 3, c = 2: delta = 2/8 - 9/64 = 7/64 > 0,
        # denominator min(3/8, 3/8) - 9/64 = 15/64 -> 7/15
        ("11100000", "11010000", 7 / 15),
        # a = 4, b = 3, c = 1: delta = 8/64 - 12/64 = -4/64,
        # denominator 12/64 - max(7/8 - 1, 0) = 12/64 -> -1/3
        ("11110000", "10001100", -1 / 3),
        # a = 5, b = 5, c = 2 = a + b - N (the least overlap possible):
        # delta = 16/64 - 25/64 = -9/64, denominator 25/64 - 16/64 -> -1
        ("11111000", "00011111", -1.0),
        # a = 2, b = 4, c = 2 = min(a, b): delta = 16/64 - 8/64 = 8/64,
        # denominator 2/8 - 8/64 = 8/64 -> +1
        ("01100000", "01101001", 1.0),
    ],
)
def test_hand_computed_examples(x: str, y: str, expected: float) -> None:
    bx, by = bits_of(x), bits_of(y)
    assert float(scc(bx, by)) == pytest.approx(expected, abs=1e-12)
    assert float(scc(by, bx)) == pytest.approx(expected, abs=1e-12)  # symmetric
    assert float(scc(pack_bits(bx), pack_bits(by), length=8)) == pytest.approx(expected, abs=1e-12)


@settings(max_examples=200, deadline=None)
@given(
    x=st.lists(st.integers(0, 1), min_size=1, max_size=150),
    seed=st.integers(0, 2**32 - 1),
)
def test_matches_exact_rational_definition(x: list[int], seed: int) -> None:
    y = np.random.default_rng(seed).integers(0, 2, len(x)).tolist()
    got = float(scc(np.array(x, np.uint8), np.array(y, np.uint8)))
    assert got == pytest.approx(float(ref_scc(x, y)), abs=1e-12)
    assert -1.0 <= got <= 1.0


# ---------------------------------------------------------------------------
# SCC: constructions with known correlation
# ---------------------------------------------------------------------------


def test_identical_streams_give_plus_one() -> None:
    rng = np.random.default_rng(7)
    x = (rng.random((50, 333)) < rng.random((50, 1))).astype(np.uint8)
    x[:, 0], x[:, 1] = 0, 1  # never constant
    np.testing.assert_allclose(scc(x, x), np.ones(50))


@settings(max_examples=200, deadline=None)
@given(length=st.integers(2, 300), data=st.data())
def test_ones_at_opposite_ends_give_minus_one(length: int, data) -> None:
    # x = 1 on the first k cycles, y = 1 on the last m: the overlap is
    # max(k + m - L, 0), the least possible, so SCC = -1 (k, m in [1, L - 1]).
    k = data.draw(st.integers(1, length - 1))
    m = data.draw(st.integers(1, length - 1))
    t = np.arange(length)
    x = (t < k).astype(np.uint8)
    y = (t >= length - m).astype(np.uint8)
    assert float(scc(x, y)) == pytest.approx(-1.0, abs=1e-12)
    words = scc(pack_bits(x), pack_bits(y), length=length)
    assert float(words) == pytest.approx(-1.0, abs=1e-12)


@settings(max_examples=100, deadline=None)
@given(length=st.integers(2, 300), data=st.data())
def test_nested_ones_give_plus_one(length: int, data) -> None:
    k = data.draw(st.integers(1, length - 1))
    m = data.draw(st.integers(1, length - 1))
    t = np.arange(length)
    assert float(scc((t < k).astype(np.uint8), (t < m).astype(np.uint8))) == pytest.approx(1.0)


def test_constant_streams_give_zero_by_convention() -> None:
    x = np.array([[0] * 10, [1] * 10, [1, 0] * 5], np.uint8)
    y = np.array([1, 0, 0, 1, 1, 0, 1, 0, 0, 0], np.uint8)
    np.testing.assert_array_equal(scc(x, y), [0.0, 0.0, float(ref_scc([1, 0] * 5, list(y)))])
    assert float(scc(x[0], x[1])) == 0.0  # both constant


def test_lfsr_comparators_sharing_or_complementing_the_random_number() -> None:
    # x = (r < a), y = (r < b) with the same r: the ones of the smaller value
    # are a subset of the other's -> +1. y' = (r >= 2**w - b), i.e. the
    # comparator on the complemented r, puts its ones on the largest r -> -1.
    w = 10
    r = lfsr_sequence(w, 1, 2**w - 1).astype(np.int64)
    a = np.array([100, 300, 512, 900])[:, None]
    b = np.array([700, 40, 600, 1000])[:, None]
    x = (r < a).astype(np.uint8)
    np.testing.assert_allclose(scc(x, (r < b).astype(np.uint8)), 1.0)
    np.testing.assert_allclose(scc(x, (r >= 2**w - b).astype(np.uint8)), -1.0)


def test_broadcasts_over_leading_axes() -> None:
    rng = np.random.default_rng(3)
    x = rng.integers(0, 2, (4, 1, 64), dtype=np.uint8)
    y = rng.integers(0, 2, (1, 5, 64), dtype=np.uint8)
    out = scc(x, y)
    assert out.shape == (4, 5)
    assert out[2, 3] == pytest.approx(float(ref_scc(x[2, 0].tolist(), y[0, 3].tolist())))
    np.testing.assert_allclose(scc(pack_bits(x), pack_bits(y), length=64), out)


def test_independent_streams_average_zero_within_a_confidence_bound() -> None:
    # x: a random permutation of N/2 ones, y: one of b ones, independently.
    # The overlap c is hypergeometric with mean b/2 and, because x has as many
    # zeros as ones, symmetric about it; both SCC denominators equal b/(2N)
    # (p_x = 1/2), so SCC is symmetric about 0 and E[SCC] = 0 exactly.
    rng = np.random.default_rng(2013)
    n, draws = 256, 4000
    base_x = (np.arange(n) < n // 2).astype(np.uint8)
    for b in (32, 128, 200):
        base_y = (np.arange(n) < b).astype(np.uint8)
        x = rng.permuted(np.broadcast_to(base_x, (draws, n)), axis=1)
        y = rng.permuted(np.broadcast_to(base_y, (draws, n)), axis=1)
        s = scc(x, y)
        bound = 4.5 * s.std() / math.sqrt(draws)  # ~1e-5 false-alarm rate
        assert abs(s.mean()) < bound, (b, s.mean(), bound)
        assert s.std() > 0.02  # not trivially zero


def test_independent_bernoulli_streams_scc_shrinks_like_inverse_sqrt_length() -> None:
    rng = np.random.default_rng(11)
    draws = 2000
    mean_abs = {}
    for n in (1024, 4096):
        x = (rng.random((draws, n)) < 0.3).astype(np.uint8)
        y = (rng.random((draws, n)) < 0.6).astype(np.uint8)
        s = scc(x, y)
        # E[SCC] is not exactly 0 for p_x != p_y (the two signs are normalised
        # differently: by 0.12 and 0.18 here), but small: ~0.008 at N = 1024.
        assert abs(s.mean()) < 0.02
        mean_abs[n] = np.abs(s).mean()
    assert 0.42 < mean_abs[4096] / mean_abs[1024] < 0.58  # sqrt(1024 / 4096) = 0.5


@pytest.mark.parametrize(
    ("call", "exc", "match"),
    [
        (lambda: scc(np.zeros(4, np.uint8), np.zeros(5, np.uint8)), ValueError, "same length"),
        (lambda: scc(np.zeros(0, np.uint8), np.zeros(0, np.uint8)), ValueError, "length >= 1"),
        (lambda: scc([0, 2], [0, 1]), ValueError, "x must hold only 0 and 1"),
        (
            lambda: scc(np.zeros((2, 4), np.uint8), np.zeros((3, 4), np.uint8)),
            ValueError,
            "must broadcast",
        ),
        (lambda: scc(np.zeros(1, np.int64), np.zeros(1, np.uint64), 3), TypeError, "uint64"),
    ],
)
def test_scc_bad_inputs(call, exc, match) -> None:
    with pytest.raises(exc, match=match):
        call()


# ---------------------------------------------------------------------------
# Encoding error
# ---------------------------------------------------------------------------


def test_encoding_error_by_hand() -> None:
    bits = np.array([[1, 0, 1, 1, 0], [0, 0, 0, 1, 0]], np.uint8)  # p = 3/5, 1/5
    np.testing.assert_allclose(encoding_error(bits, 0.5), [0.1, -0.3])
    np.testing.assert_allclose(encoding_error(bits, [0.6, 0.25]), [0.0, -0.05])
    # bipolar values 1/5 and -3/5 against 0
    np.testing.assert_allclose(encoding_error(bits, 0.0, bipolar=True), [0.2, -0.6])
    np.testing.assert_allclose(encoding_error(pack_bits(bits), 0.5, length=5), [0.1, -0.3])
    with pytest.raises(ValueError, match=r"unipolar value in \[0, 1\]"):
        encoding_error(bits, -0.5)
    with pytest.raises(ValueError, match=r"bipolar value in \[-1, 1\]"):
        encoding_error(bits, 1.5, bipolar=True)


# ---------------------------------------------------------------------------
# Error against length
# ---------------------------------------------------------------------------


def test_error_vs_length_by_hand() -> None:
    # stream A = 1 0 1 1 0 0 1 0, B = its complement, target 1/2.
    # prefix values of A at N = 1, 2, 4, 8: 1, 1/2, 3/4, 1/2 -> errors .5, 0, .25, 0
    # B's errors are the same with the opposite sign.
    a = bits_of("10110010")
    bits = np.stack([a, 1 - a])
    curve = error_vs_length(bits, 0.5, [8, 4, 2, 1, 4])  # unsorted, with a repeat
    assert curve.lengths.tolist() == [1, 2, 4, 8]
    np.testing.assert_allclose(curve.mean_abs_error, [0.5, 0.0, 0.25, 0.0])
    np.testing.assert_allclose(curve.rms_error, [0.5, 0.0, 0.25, 0.0])
    # per-stream targets: A wants 3/4 (errors .25, .25, 0, .25), B wants 1/4 (the same)
    curve = error_vs_length(bits, [0.75, 0.25], [1, 2, 4, 8])
    np.testing.assert_allclose(curve.mean_abs_error, [0.25, 0.25, 0.0, 0.25])
    # bipolar doubles the errors
    curve = error_vs_length(bits, 0.0, [1, 4], bipolar=True)
    np.testing.assert_allclose(curve.mean_abs_error, [1.0, 0.5])


def test_mean_and_rms_differ_when_errors_differ() -> None:
    # three one-bit streams 1, 0, 0 against target 0: |e| = 1, 0, 0
    curve = error_vs_length(np.array([[1], [0], [0]], np.uint8), 0.0, [1])
    assert curve.mean_abs_error[0] == pytest.approx(1 / 3)
    assert curve.rms_error[0] == pytest.approx(math.sqrt(1 / 3))


def test_bernoulli_rms_error_follows_the_binomial_law() -> None:
    rng = np.random.default_rng(5)
    s, n = 400, 4096
    p = rng.uniform(0.1, 0.9, s)
    bits = (rng.random((s, n)) < p[:, None]).astype(np.uint8)
    curve = error_vs_length(bits, p, [64, 256, 1024, 4096])
    theory = np.sqrt(np.mean(p * (1 - p)) / curve.lengths)
    np.testing.assert_allclose(curve.rms_error, theory, rtol=0.15)


LENGTHS = np.unique(np.round(np.geomspace(16, 2**14, 25)).astype(np.int64))


def test_random_lfsr_comparator_streams_error_slope_is_minus_half() -> None:
    # 256 independent streams: 20-bit LFSRs with random seeds, each compared
    # against its own random 20-bit value. Prefixes up to 2**14 << period.
    # Measured over 20 generator seeds: slope in [-0.53, -0.48]; tolerance 0.1.
    w, s = 20, 256
    rng = np.random.default_rng(42)
    states = lfsr_sequence(w, rng.integers(1, 2**w, s), int(LENGTHS[-1])).T
    v = rng.integers(1, 2**w, s)
    bits = (states < v[:, None].astype(np.uint64)).astype(np.uint8)
    curve = error_vs_length(bits, v / 2**w, LENGTHS)
    assert fit_error_exponent(curve.lengths, curve.rms_error) == pytest.approx(-0.5, abs=0.1)
    assert fit_error_exponent(curve.lengths, curve.mean_abs_error) == pytest.approx(-0.5, abs=0.1)


def test_bit_reversed_counter_comparator_error_slope_is_about_minus_one() -> None:
    # r_t = bit reversal of the 16-bit counter t (van der Corput). Any aligned
    # block of 2**k cycles puts one r in each interval of width 2**(16 - k),
    # so its count of ones is within 1 of exact; a prefix of N cycles is a sum
    # of popcount(N) such blocks, hence |error| < popcount(N) / N: slope -1 up
    # to the log factor. Measured: -0.93 to -0.95; accepted: [-1.1, -0.85].
    w, s = 16, 256
    t = np.arange(int(LENGTHS[-1]), dtype=np.int64)
    r = bit_reversal(t, w)
    v = np.random.default_rng(8).integers(1, 2**w, s)
    bits = (r[None, :] < v[:, None]).astype(np.uint8)
    curve = error_vs_length(bits, v / 2**w, LENGTHS)
    bound = np.array([bin(int(n)).count("1") / n for n in curve.lengths])
    assert np.all(curve.mean_abs_error < bound)
    slope = fit_error_exponent(curve.lengths, curve.rms_error)
    assert -1.1 <= slope <= -0.85
    assert -1.1 <= fit_error_exponent(curve.lengths, curve.mean_abs_error) <= -0.85


@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        ({"lengths": [0, 4]}, ValueError, r"lengths must be >= 1"),
        ({"lengths": [9]}, ValueError, r"lengths must be <= 8"),
        ({"lengths": [1.5]}, TypeError, r"lengths must hold integers"),
        ({"lengths": []}, ValueError, r"non-empty 1-D"),
        ({"target": [0.1, 0.2, 0.3]}, ValueError, r"must broadcast against the stream shape"),
        ({"target": 2.0}, ValueError, r"unipolar value in \[0, 1\]"),
        ({"bits": np.zeros((2, 0), np.uint8), "lengths": [1]}, ValueError, "length >= 1"),
        ({"bits": np.zeros((0, 8), np.uint8)}, ValueError, "at least one stream"),
    ],
)
def test_error_vs_length_bad_inputs(kwargs, exc, match) -> None:
    args = {"bits": np.zeros((2, 8), np.uint8), "target": 0.5, "lengths": [1, 8]} | kwargs
    with pytest.raises(exc, match=match):
        error_vs_length(**args)


# ---------------------------------------------------------------------------
# Exponent fit
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("slope", [-1.0, -0.7, -0.5, 0.25])
def test_fit_recovers_an_exact_power_law(slope: float) -> None:
    n = np.array([10, 100, 1000, 5000])
    assert fit_error_exponent(n, 3.0 * n**slope) == pytest.approx(slope, abs=1e-12)


def test_fit_is_least_squares_by_hand() -> None:
    # log-log points (x, y) = (0, 0), (1, -1), (2, -1.5): x mean 1, y mean -5/6;
    # centred x = -1, 0, 1 and y = 5/6, -1/6, -2/3;
    # slope = (-5/6 + 0 - 2/3) / (1 + 0 + 1) = -3/4
    n = np.exp([0.0, 1.0, 2.0])
    e = np.exp([0.0, -1.0, -1.5])
    assert fit_error_exponent(n, e) == pytest.approx(-0.75)


@pytest.mark.parametrize(
    ("lengths", "errors", "match"),
    [
        ([1, 2], [0.1, 0.0], "errors must be positive"),
        ([0, 2], [0.1, 0.2], "lengths must be positive"),
        ([4, 4], [0.1, 0.2], "two distinct lengths"),
        ([1, 2, 3], [0.1, 0.2], "same size"),
    ],
)
def test_fit_bad_inputs(lengths, errors, match) -> None:
    with pytest.raises(ValueError, match=match):
        fit_error_exponent(lengths, errors)
