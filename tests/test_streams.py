"""sc_model.streams: word layout, round trips, padding, popcount, values, errors.

Expected values come from the layout definition (bit t -> word t // 64, bit
t % 64), from pure-Python bit loops, or from counting by hand.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sc_model.streams import (
    and_words,
    n_words,
    not_words,
    or_words,
    pack_bits,
    padding_mask,
    popcount,
    stream_value,
    unpack_bits,
    xnor_words,
    xor_words,
)


def ref_pack(bits: list[int]) -> list[int]:
    """Pure-Python packing straight from the layout definition."""
    words = [0] * ((len(bits) + 63) // 64)
    for t, b in enumerate(bits):
        if b:
            words[t // 64] |= 1 << (t % 64)
    return words


# A stream shape: a few leading axes, then the length (odd lengths, 0 and
# multiples of 64 all drawn often).
lengths = st.one_of(st.integers(0, 300), st.sampled_from([0, 1, 63, 64, 65, 127, 128, 129]))
leading = st.lists(st.integers(0, 3), min_size=0, max_size=2).map(tuple)


@st.composite
def bit_arrays(draw, fill: str | None = None) -> np.ndarray:
    shape = draw(leading) + (draw(lengths),)
    kind = fill or draw(st.sampled_from(["random", "zeros", "ones"]))
    if kind == "zeros":
        return np.zeros(shape, np.uint8)
    if kind == "ones":
        return np.ones(shape, np.uint8)
    seed = draw(st.integers(0, 2**32 - 1))
    p = draw(st.sampled_from([0.05, 0.5, 0.95]))
    return (np.random.default_rng(seed).random(shape) < p).astype(np.uint8)


# ---------------------------------------------------------------------------
# Layout
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("t", [0, 1, 5, 63, 64, 65, 127, 128, 200])
def test_single_bit_lands_in_word_t_div_64_at_bit_t_mod_64(t: int) -> None:
    bits = np.zeros(201, np.uint8)
    bits[t] = 1
    words = pack_bits(bits)
    assert words.dtype == np.uint64
    assert words.shape == (4,)  # ceil(201 / 64)
    expected = [0, 0, 0, 0]
    expected[t // 64] = 1 << (t % 64)
    assert words.tolist() == expected


def test_hand_packed_example() -> None:
    # bits 1 0 1 1 -> 0b1101 = 13 (bit 0 first); 70 bits with bit 69 set -> word 1 = 1 << 5
    assert pack_bits([1, 0, 1, 1]).tolist() == [13]
    bits = np.zeros(70, np.uint8)
    bits[[0, 69]] = 1
    assert pack_bits(bits).tolist() == [1, 32]
    assert pack_bits(np.ones(64, np.uint8)).tolist() == [2**64 - 1]
    assert pack_bits(np.ones(3, np.uint8)).tolist() == [7]  # padding stays 0


def test_leading_axes_are_kept() -> None:
    bits = np.zeros((2, 3, 130), np.uint8)
    bits[1, 2, 129] = 1
    words = pack_bits(bits)
    assert words.shape == (2, 3, 3)
    assert int(words[1, 2, 2]) == 2 and int(words.sum()) == 2


def test_accepts_bool_and_other_integer_dtypes() -> None:
    b = np.array([True, False, True])
    assert pack_bits(b).tolist() == [5]
    assert pack_bits(np.array([1, 0, 1], np.int64)).tolist() == [5]


def test_n_words_and_padding_mask() -> None:
    assert [n_words(n) for n in (0, 1, 63, 64, 65, 128, 129)] == [0, 1, 1, 1, 2, 2, 3]
    assert int(padding_mask(3)) == 0b111
    assert int(padding_mask(64)) == 2**64 - 1
    assert int(padding_mask(65)) == 1


# ---------------------------------------------------------------------------
# Round trips and counting (hypothesis)
# ---------------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(bits=bit_arrays())
def test_pack_unpack_round_trip(bits: np.ndarray) -> None:
    length = bits.shape[-1]
    words = pack_bits(bits)
    assert words.shape == bits.shape[:-1] + (n_words(length),)
    back = unpack_bits(words, length)
    assert back.dtype == np.uint8
    np.testing.assert_array_equal(back, bits)


@settings(max_examples=100, deadline=None)
@given(bits=bit_arrays())
def test_pack_matches_pure_python_reference(bits: np.ndarray) -> None:
    words = pack_bits(bits)
    n_streams = math.prod(bits.shape[:-1])
    flat_bits = bits.reshape(n_streams, bits.shape[-1])
    flat_words = words.reshape(n_streams, words.shape[-1])
    for row_bits, row_words in zip(flat_bits, flat_words, strict=True):
        assert row_words.tolist() == ref_pack(row_bits.tolist())


@settings(max_examples=200, deadline=None)
@given(bits=bit_arrays())
def test_popcount_equals_sum(bits: np.ndarray) -> None:
    counts = popcount(pack_bits(bits), bits.shape[-1])
    assert counts.dtype == np.int64
    assert counts.shape == bits.shape[:-1]
    np.testing.assert_array_equal(counts, bits.sum(axis=-1))


@settings(max_examples=100, deadline=None)
@given(bits=bit_arrays(), junk=st.integers(0, 2**64 - 1))
def test_popcount_and_unpack_ignore_dirty_padding(bits: np.ndarray, junk: int) -> None:
    length = bits.shape[-1]
    words = pack_bits(bits)
    if length % 64 and words.size:
        invalid = np.uint64(((1 << 64) - 1) ^ ((1 << (length % 64)) - 1))
        words[..., -1] |= np.uint64(junk) & invalid
    np.testing.assert_array_equal(popcount(words, length), bits.sum(axis=-1))
    np.testing.assert_array_equal(unpack_bits(words, length), bits)


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_logic_ops_match_bitwise_reference_with_odd_lengths(data) -> None:
    x = data.draw(bit_arrays())
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    y = (rng.random(x.shape) < 0.5).astype(np.uint8)
    length = x.shape[-1]
    wx, wy = pack_bits(x), pack_bits(y)
    expected = {
        and_words: x & y,
        or_words: x | y,
        xor_words: x ^ y,
        xnor_words: (x == y).astype(np.uint8),
    }
    for op, ref in expected.items():
        out = op(wx, wy, length)
        # padding cleared: the packed result is exactly the packing of the reference
        np.testing.assert_array_equal(out, pack_bits(ref), err_msg=op.__name__)
        np.testing.assert_array_equal(popcount(out, length), ref.sum(axis=-1))
    np.testing.assert_array_equal(not_words(wx, length), pack_bits(1 - x))


def test_xnor_padding_is_masked_for_odd_length() -> None:
    # 3-bit streams 101 and 100: XNOR = 110 -> 2 ones; the 61 padding bits of
    # the raw XNOR would be ones.
    x = pack_bits([1, 0, 1])
    y = pack_bits([1, 0, 0])
    raw = ~(x ^ y)
    assert int(np.bitwise_count(raw).sum()) == 2 + 61  # the trap being guarded against
    out = xnor_words(x, y, 3)
    assert out.tolist() == [0b011]
    assert int(popcount(out, 3)) == 2


def test_logic_broadcasts_over_leading_axes() -> None:
    x = pack_bits(np.ones((4, 70), np.uint8))
    y = pack_bits(np.array([[1] * 35 + [0] * 35], np.uint8))  # (1, 2)
    out = and_words(x, y, 70)
    assert out.shape == (4, 2)
    np.testing.assert_array_equal(popcount(out, 70), [35] * 4)


# ---------------------------------------------------------------------------
# Empty streams
# ---------------------------------------------------------------------------


def test_empty_streams_pack_count_and_refuse_a_value() -> None:
    empty = np.zeros((3, 0), np.uint8)
    words = pack_bits(empty)
    assert words.shape == (3, 0)
    assert unpack_bits(words, 0).shape == (3, 0)
    np.testing.assert_array_equal(popcount(words, 0), [0, 0, 0])
    assert xnor_words(words, words, 0).shape == (3, 0)
    with pytest.raises(ValueError, match="length must be >= 1 to have a value"):
        stream_value(empty)
    with pytest.raises(ValueError, match="empty stream"):
        stream_value(words, length=0)


# ---------------------------------------------------------------------------
# Values
# ---------------------------------------------------------------------------


def test_stream_value_unipolar_and_bipolar_by_hand() -> None:
    bits = np.array([[1, 0, 1, 1, 0], [0, 0, 0, 0, 0], [1, 1, 1, 1, 1]], np.uint8)
    np.testing.assert_allclose(stream_value(bits), [3 / 5, 0.0, 1.0])
    np.testing.assert_allclose(stream_value(bits, bipolar=True), [1 / 5, -1.0, 1.0])
    words = pack_bits(bits)
    np.testing.assert_allclose(stream_value(words, length=5), [3 / 5, 0.0, 1.0])
    np.testing.assert_allclose(stream_value(words, length=5, bipolar=True), [1 / 5, -1.0, 1.0])


def test_and_multiplies_and_xnor_multiplies_bipolar_for_disjoint_halves() -> None:
    # x = 1 on the first half, y = 1 on even cycles: independent by construction
    n = 132  # 66 cycles a half, 33 of them even; not a multiple of 64
    t = np.arange(n)
    x = (t < n // 2).astype(np.uint8)
    y = (t % 2 == 0).astype(np.uint8)
    wx, wy = pack_bits(x), pack_bits(y)
    assert float(stream_value(and_words(wx, wy, n), length=n)) == pytest.approx(0.5 * 0.5)
    bip = stream_value(xnor_words(wx, wy, n), length=n, bipolar=True)
    assert float(bip) == pytest.approx(0.0)  # 0 * 0 in bipolar


# ---------------------------------------------------------------------------
# Validation
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "exc", "match"),
    [
        (lambda: pack_bits([0, 2, 1]), ValueError, r"bits must hold only 0 and 1"),
        (lambda: pack_bits([0.0, 1.0]), TypeError, r"bits must hold bits .*dtype float64"),
        (lambda: pack_bits(1), ValueError, r"bits must have at least one axis"),
        (lambda: unpack_bits(np.zeros(2, np.int64), 64), TypeError, r"words must be packed uint64"),
        (
            lambda: unpack_bits(np.zeros(2, np.uint64), 129),
            ValueError,
            r"words must hold ceil\(length / 64\) = 3 words .* for length=129, not 2",
        ),
        (lambda: popcount(np.zeros(1, np.uint64), -1), ValueError, r"length must be in \[0, inf\]"),
        (lambda: popcount(np.zeros(1, np.uint64), 1.5), TypeError, "length must be an integer"),
        (
            lambda: and_words(np.zeros((2, 1), np.uint64), np.zeros((3, 1), np.uint64), 10),
            ValueError,
            r"a and b must broadcast .* \(2, 1\) and \(3, 1\)",
        ),
        (
            lambda: xnor_words(np.zeros(1, np.uint64), np.zeros(2, np.uint64), 64),
            ValueError,
            r"b must hold ceil\(length / 64\) = 1 words",
        ),
        (lambda: stream_value([1, 0], bipolar="yes"), TypeError, "bipolar must be a bool"),
        (lambda: stream_value([3, 0]), ValueError, "stream must hold only 0 and 1"),
    ],
)
def test_bad_inputs_are_refused_with_a_clear_message(call, exc, match) -> None:
    with pytest.raises(exc, match=match):
        call()
