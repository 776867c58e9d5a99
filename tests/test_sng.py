"""sc_model.sng / sc_hw.sng: comparator SNG bank, low-discrepancy SNG, decorrelation.

Expected values are derived here from the definitions (string rotations,
pure-Python LFSR stepping, counting arguments over a full LFSR period,
published Sobol points), never copied from the code under test.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sc_cosim.harness import params_for
from sc_cosim.pysim import pysim_against_twin
from sc_hw.sng import LDSNG as HwLDSNG
from sc_hw.sng import SNGBank as HwSNGBank
from sc_model.lfsr import FORMS, MAXIMAL_TAPS, lfsr_sequence, next_state
from sc_model.sng import (
    JOE_KUO_6_21201,
    LDSNG,
    SNGBank,
    check_selection,
    comparator_bits,
    default_rotations,
    ld_sequence,
    ld_sng_stream,
    lfsr_sng_streams,
    pack_values,
    select_bits,
    sobol_direction_numbers,
    unpack_values,
)

# ---------------------------------------------------------------------------
# Independent references
# ---------------------------------------------------------------------------


def ref_rotate_select(state: int, width: int, value_width: int, rotation: int) -> int:
    """Rotate the binary string left, keep the low ``value_width`` characters."""
    text = format(state, f"0{width}b")  # MSB first
    rotated = text[rotation:] + text[:rotation]  # left rotation of an MSB-first string
    return int(rotated[width - value_width :], 2)


def ref_permute_select(state: int, permutation: list[int]) -> int:
    return sum(((state >> p) & 1) << i for i, p in enumerate(permutation))


def scc(x: np.ndarray, y: np.ndarray) -> float:
    """Stochastic cross-correlation, Alaghi & Hayes, ICCD 2013, eq. (1).

    With ``p_x, p_y`` the fractions of ones and ``p_xy`` that of ``x AND y``:
    ``SCC = (p_xy - p_x p_y) / (min(p_x, p_y) - p_x p_y)`` if ``p_xy > p_x p_y``,
    else ``(p_xy - p_x p_y) / (p_x p_y - max(p_x + p_y - 1, 0))``.
    Undefined (refused here) when ``p_x`` or ``p_y`` is 0 or 1.
    """
    n = x.size
    ones_x, ones_y, ones_xy = int(x.sum()), int(y.sum()), int((x & y).sum())
    assert 0 < ones_x < n and 0 < ones_y < n, "SCC is undefined for constant streams"
    px, py, pxy = ones_x / n, ones_y / n, ones_xy / n
    delta = pxy - px * py
    if delta > 0:
        return delta / (min(px, py) - px * py)
    return delta / (px * py - max(px + py - 1.0, 0.0))


# ---------------------------------------------------------------------------
# Comparator bank: bit selection and streams
# ---------------------------------------------------------------------------


def test_select_bits_hand_example() -> None:
    state = 0b1000_0001
    # rotl by 1 within 8 bits: 0b0000_0011 -> low 4 bits 3
    assert int(select_bits(state, 8, 4, rotation=1)) == 0b0011
    # rotl by 7 (= rotr by 1): 0b1100_0000 -> low 4 bits 0; low 8 bits 0xC0
    assert int(select_bits(state, 8, 4, rotation=7)) == 0
    assert int(select_bits(state, 8, 8, rotation=7)) == 0xC0
    # permutation: bit 0 <- state bit 7, bit 1 <- state bit 1, bit 2 <- state bit 0
    assert int(select_bits(state, 8, 3, permutation=[7, 1, 0])) == 0b101
    assert int(select_bits(state, 8, 8)) == state  # rotation 0, full width: identity


@given(
    width=st.integers(3, 32),
    data=st.data(),
)
def test_select_bits_matches_string_rotation_and_permutation(width, data) -> None:
    vw = data.draw(st.integers(1, width))
    rot = data.draw(st.integers(0, width - 1))
    states = data.draw(st.lists(st.integers(0, (1 << width) - 1), min_size=1, max_size=6))
    perm = data.draw(st.permutations(range(width)))[:vw]
    got_rot = select_bits(np.array(states), width, vw, rotation=rot)
    got_perm = select_bits(np.array(states), width, vw, permutation=perm)
    assert got_rot.tolist() == [ref_rotate_select(s, width, vw, rot) for s in states]
    assert got_perm.tolist() == [ref_permute_select(s, perm) for s in states]


def test_default_rotations_and_disjointness() -> None:
    assert default_rotations(16, 4) == (0, 4, 8, 12)
    assert default_rotations(10, 3) == (0, 3, 6)
    assert default_rotations(10, 4) == (0, 2, 5, 7)
    for width in range(3, 33):
        for k in range(1, 9):
            vw = width // k
            if vw == 0:
                continue
            sel = check_selection(width, vw, k)
            used = [i for s in sel for i in s]
            assert len(set(used)) == len(used), (width, k)  # pairwise disjoint selections


def _ref_bank_bits(width, seed, taps, form, vw, selection, values, n):
    """Pure-Python bank: step with next_state, select with the references above."""
    state, rows = seed, []
    for t in range(n):
        r = [ref_permute_select(state, list(sel)) for sel in selection]
        rows.append([int(rk < int(v)) for rk, v in zip(r, values[t], strict=True)])
        state = int(next_state(np.uint64(state), width, taps, form))
    return np.array(rows, dtype=np.uint8).reshape(n, len(selection))


@settings(max_examples=60, deadline=None)
@given(
    width=st.integers(3, 32),
    form=st.sampled_from(FORMS),
    k=st.integers(1, 8),
    use_perm=st.booleans(),
    n=st.integers(0, 60),
    data=st.data(),
)
def test_vectorised_streams_equal_reference_and_cycle_model(width, form, k, use_perm, n, data):
    vw = data.draw(st.sampled_from(sorted({1, width, data.draw(st.integers(1, width))})))
    seed = data.draw(st.integers(1, (1 << width) - 1))
    top = (1 << vw) - 1
    values = np.array(
        data.draw(
            st.lists(
                st.lists(st.sampled_from([0, top]) | st.integers(0, top), min_size=k, max_size=k),
                min_size=n,
                max_size=n,
            )
        ),
        dtype=np.int64,
    ).reshape(n, k)
    kwargs = {}
    if use_perm:
        kwargs["permutations"] = [
            list(data.draw(st.permutations(range(width)))[:vw]) for _ in range(k)
        ]
        selection = kwargs["permutations"]
    else:
        kwargs["rotations"] = data.draw(st.lists(st.integers(0, width - 1), min_size=k, max_size=k))
        selection = [[(i - r) % width for i in range(vw)] for r in kwargs["rotations"]]
    got = lfsr_sng_streams(values, width, seed, n, value_width=vw, form=form, **kwargs)
    assert got.dtype == np.uint8 and got.shape == (n, k)
    ref = _ref_bank_bits(width, seed, MAXIMAL_TAPS[width], form, vw, selection, values, n)
    np.testing.assert_array_equal(got, ref)
    bank = SNGBank(width, seed, form=form, n_streams=k, value_width=vw, **kwargs)
    stepped = [bank.step(values=values[t]).bits for t in range(n)]
    np.testing.assert_array_equal(np.array(stepped, dtype=np.uint8).reshape(n, k), ref)


def test_held_values_broadcast_and_edge_values() -> None:
    out = lfsr_sng_streams(np.array([0, 255, 1]), 8, 0x5A, 300, value_width=8)
    assert out.shape == (300, 3)
    assert not out[:, 0].any()  # v = 0: never a one
    # v = 255: one unless r == 255; with vw == width r == state, which is 255 once a period
    states = lfsr_sequence(8, 0x5A, 300, form="fibonacci")
    np.testing.assert_array_equal(out[:, 1], (states != 255).astype(np.uint8))
    np.testing.assert_array_equal(out[:, 2], np.zeros(300, np.uint8))  # r >= 1 (no zero state)


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize(
    ("width", "vw", "selection"),
    [
        (8, 8, {"rotations": [3]}),
        (10, 4, {"rotations": [7]}),
        (12, 1, {"permutations": [[5]]}),
        (12, 7, {"permutations": [[11, 0, 6, 2, 9, 3, 8]]}),
        (16, 16, {"rotations": [9]}),
    ],
)
def test_full_period_count_and_bias(form, width, vw, selection) -> None:
    """Over one period each vw-bit pattern occurs 2**(w-vw) times, zero once less,
    so value v >= 1 gives exactly v * 2**(w - vw) - 1 ones; v = 0 gives none."""
    period = (1 << width) - 1
    values = np.unique(np.array([0, 1, 2, (1 << vw) // 3, (1 << vw) - 2, (1 << vw) - 1]))
    values = values[(values >= 0) & (values < (1 << vw))]
    for chunk in np.array_split(values, math.ceil(values.size / 8)):
        sel = {key: val * chunk.size for key, val in selection.items()}
        bits = lfsr_sng_streams(chunk, width, 1, period, value_width=vw, form=form, **sel)
        ones = bits.sum(axis=0, dtype=np.int64)
        for v, count in zip(chunk, ones, strict=True):
            expected = 0 if v == 0 else int(v) * (1 << (width - vw)) - 1
            assert count == expected, (v, count, expected)
            bias = count / period - v / (1 << vw)
            assert -1 / period < bias <= 0


@given(
    vw=st.integers(1, 32),
    data=st.data(),
)
def test_pack_unpack_round_trip(vw, data) -> None:
    k = data.draw(st.integers(1, 8))
    top = (1 << vw) - 1
    vals = data.draw(
        st.lists(st.sampled_from([0, top]) | st.integers(0, top), min_size=k, max_size=k)
    )
    packed = pack_values(np.array(vals, dtype=np.int64), vw)
    assert packed == int("".join(format(v, f"0{vw}b") for v in reversed(vals)), 2)
    assert unpack_values(packed, k, vw).tolist() == vals


def test_bank_cycle_timing_load_enable_and_combinational_values() -> None:
    bank = SNGBank(8, seed=0x81, n_streams=2, value_width=8, rotations=[0, 0])
    out = bank.step(en=0, values=[0x82, 0x81])
    assert out.state == 0x81 and out.bits.tolist() == [1, 0]  # compares this cycle's values
    out = bank.step(en=0, values=[0x81, 0x82])
    assert out.state == 0x81 and out.bits.tolist() == [0, 1]  # held; values act at once
    out = bank.step(en=1, load=1, load_value=0x10, values=[0, 0])
    assert out.state == 0x81  # load acts at the edge, over en
    assert bank.step(load=1, load_value=0).state == 0x10
    assert bank.step(en=0).state == 1  # runtime load of 0 -> substitute 1
    bank.reset()
    assert bank.step().state == 0x81


def test_comparator_is_unsigned_less_than() -> None:
    r = np.array([0, 1, 5, 2**32 - 1])
    np.testing.assert_array_equal(comparator_bits(5, r), [1, 1, 0, 0])
    np.testing.assert_array_equal(comparator_bits(2**32 - 1, r), [1, 1, 1, 0])
    with pytest.raises(ValueError, match="values must be >= 0"):
        comparator_bits(-1, r)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"width": 2}, r"width must be in \[3, 32\], not 2"),
        ({"width": 8, "seed": 0}, "seed must be non-zero"),
        ({"width": 8, "n_streams": 0}, r"n_streams must be in \[1, 8\], not 0"),
        ({"width": 8, "n_streams": 9}, r"n_streams must be in \[1, 8\], not 9"),
        ({"width": 8, "value_width": 0}, r"value_width must be in \[1, 8\], not 0"),
        ({"width": 8, "value_width": 9}, r"value_width must be in \[1, 8\], not 9"),
        ({"width": 8, "n_streams": 2, "rotations": [1]}, "rotations must hold n_streams=2"),
        ({"width": 8, "rotations": [8]}, r"rotations\[0\] must be in \[0, 7\], not 8"),
        ({"width": 8, "rotations": [1.0]}, r"rotations\[0\] must be an integer"),
        (
            {"width": 8, "value_width": 2, "permutations": [[0, 0]]},
            r"permutations\[0\] must hold distinct bit indices",
        ),
        (
            {"width": 8, "value_width": 2, "permutations": [[0, 8]]},
            r"permutations\[0\]\[1\] must be in \[0, 7\], not 8",
        ),
        (
            {"width": 8, "value_width": 3, "permutations": [[0, 1]]},
            r"permutations\[0\] must hold value_width=3 bit indices, not 2",
        ),
        ({"width": 8, "n_streams": 2, "permutations": [[0] * 8]}, "permutations must hold"),
        ({"width": 8, "permutations": [3]}, r"permutations\[0\] must be a sequence"),
        (
            {"width": 8, "value_width": 1, "rotations": [0], "permutations": [[0]]},
            "at most one of rotations and permutations",
        ),
        ({"width": 8, "form": "ring"}, "form must be one of 'fibonacci', 'galois'"),
        ({"width": 8, "taps": (7, 5)}, r"taps must include the width \(8\)"),
    ],
)
@pytest.mark.parametrize("cls", [SNGBank, HwSNGBank], ids=["model", "hw"])
def test_bank_refuses_bad_parameters(cls, kwargs, match) -> None:
    with pytest.raises((ValueError, TypeError), match=match):
        cls(**kwargs)


def test_stream_functions_refuse_bad_inputs() -> None:
    with pytest.raises(ValueError, match=r"values must be <= 15; found 16"):
        lfsr_sng_streams(np.array([16]), 8, 1, 4, value_width=4)
    with pytest.raises(ValueError, match=r"values must have shape \(K,\) or \(n_cycles, K\)"):
        lfsr_sng_streams(np.zeros((3, 2), np.int64), 8, 1, 4)
    with pytest.raises(ValueError, match=r"n_streams must be in \[1, 8\], not 9"):
        lfsr_sng_streams(np.zeros(9, np.int64), 8, 1, 4)
    with pytest.raises(TypeError, match="values must hold integers"):
        lfsr_sng_streams(np.array([0.5]), 8, 1, 4)
    with pytest.raises(ValueError, match="at most one of rotation and permutation"):
        select_bits(1, 8, 2, rotation=1, permutation=[0, 1])
    with pytest.raises(ValueError, match=r"states must be <= 255"):
        select_bits(256, 8, 2)
    with pytest.raises(ValueError, match=r"values must be <= 255"):
        SNGBank(8).step(values=256)


# ---------------------------------------------------------------------------
# Low-discrepancy SNG
# ---------------------------------------------------------------------------


def test_van_der_corput_hand_values() -> None:
    assert ld_sequence(np.arange(8), 3, "vdc").tolist() == [0, 4, 2, 6, 1, 5, 3, 7]
    assert ld_sequence(np.arange(9, 12), 3, "vdc").tolist() == [4, 2, 6]  # index wraps mod 8


def test_sobol_first_points_match_published_values() -> None:
    # First 8 points of the unscrambled 3-D Sobol sequence (Joe-Kuo numbers,
    # Gray-code order), as printed by e.g. scipy.stats.qmc.Sobol(3, scramble=False).
    published = [
        [0, 0, 0],
        [0.5, 0.5, 0.5],
        [0.75, 0.25, 0.25],
        [0.25, 0.75, 0.75],
        [0.375, 0.375, 0.625],
        [0.875, 0.875, 0.125],
        [0.625, 0.125, 0.875],
        [0.125, 0.625, 0.375],
    ]
    for vw in (3, 10, 32):
        got = np.stack(
            [ld_sequence(np.arange(8), vw, "sobol", d) / 2.0**vw for d in (1, 2, 3)], axis=1
        )
        np.testing.assert_array_equal(got, published)


def test_direction_numbers_table_and_recurrence() -> None:
    # Rows d = 2..8 of new-joe-kuo-6.21201 as published (d, s, a, m_i).
    rows = """2 1 0 1
              3 2 1 1 3
              4 3 1 1 3 1
              5 3 2 1 1 1
              6 4 1 1 1 3 3
              7 4 4 1 3 5 13
              8 5 2 1 1 5 5 17"""
    for line in rows.splitlines():
        d, s, a, *m = map(int, line.split())
        assert JOE_KUO_6_21201[d] == (s, a, tuple(m))
        assert sobol_direction_numbers(d, 32)[:s] == tuple(m)
    # Dimension 2 (x + 1) has m_j = row j-1 of Pascal's triangle mod 2 read as binary.
    pascal = tuple(
        sum((math.comb(j - 1, i) & 1) << (j - 1 - i) for i in range(j)) for j in range(1, 33)
    )
    assert sobol_direction_numbers(2, 32) == pascal
    assert sobol_direction_numbers(1, 32) == (1,) * 32
    for d in range(1, 9):
        m = sobol_direction_numbers(d, 32)
        assert all(mj % 2 == 1 and mj < 2**j for j, mj in enumerate(m, start=1))


LD_CASES = [("vdc", None)] + [("sobol", d) for d in range(1, 9)]


@pytest.mark.parametrize(("kind", "dim"), LD_CASES)
@pytest.mark.parametrize("vw", [1, 2, 5, 10])
def test_every_aligned_block_is_a_permutation_and_finer_blocks_stratify(kind, dim, vw) -> None:
    size = 1 << vw
    for block in (0, 1, 5):  # block 5: indices past the wrap behave the same
        r = ld_sequence(np.arange(block * size, (block + 1) * size), vw, kind, dim)
        assert sorted(r.tolist()) == list(range(size))
    r = ld_sequence(np.arange(size), vw, kind, dim).astype(np.int64)
    for k in range(vw + 1):  # aligned blocks of 2**k: top k bits all distinct
        tops = (r >> (vw - k)).reshape(-1, 1 << k)
        assert all(len(set(row)) == (1 << k) for row in tops.tolist())


@pytest.mark.parametrize("vw", [4, 8, 12])
def test_sobol_dims_1_and_2_form_a_0_m_2_net(vw) -> None:
    for m in range(vw + 1):
        idx = np.arange(1 << m)
        x = ld_sequence(idx, vw, "sobol", 1).astype(np.int64)
        y = ld_sequence(idx, vw, "sobol", 2).astype(np.int64)
        for d1 in range(m + 1):
            d2 = m - d1
            box = ((x >> (vw - d1)) << d2) | (y >> (vw - d2))
            # 2**m boxes of area 2**-m, 2**m points: one in each
            assert np.unique(box).size == 1 << m, (m, d1)


def test_vdc_paired_with_itself_is_not_a_net() -> None:
    """Control: the net test above can fail (dims 1 and 1 share every point)."""
    x = ld_sequence(np.arange(16), 4, "sobol", 1).astype(np.int64)
    box = ((x >> 2) << 2) | (x >> 2)
    assert np.unique(box).size < 16


@pytest.mark.parametrize(("kind", "dim"), [("vdc", None), ("sobol", 1), ("sobol", 2), ("sobol", 7)])
@pytest.mark.parametrize("vw", [6, 10])
def test_prefix_error_is_within_the_low_discrepancy_bound(kind, dim, vw) -> None:
    """|ones(N) - N v / 2**vw| <= popcount(N mod 2**vw) <= log2(N) + 1, so the
    encoded value's error is <= C log2(N) / N with C = 2 for N >= 2."""
    size = 1 << vw
    n_max = 3 * size + 7
    values = np.arange(size)
    bits = ld_sng_stream(values, n_max, vw, kind, dim).astype(np.int64)
    ones = np.cumsum(bits, axis=0)  # row N-1: ones in the first N cycles
    n = np.arange(1, n_max + 1)
    dev = np.abs(ones - n[:, None] * values[None, :] / size)
    popcount = np.array([bin(int(k) % size).count("1") for k in n])
    assert (dev.max(axis=1) <= popcount + 1e-9).all()
    err = dev[1:] / n[1:, None]
    assert (err.max(axis=1) <= 2 * np.log2(n[1:]) / n[1:] + 1e-12).all()
    assert (dev[size - 1] < 1e-9).all() and (dev[2 * size - 1] < 1e-9).all()  # exact per period


@pytest.mark.parametrize("n", [256, 1024])
def test_ld_error_is_much_smaller_than_lfsr_error(n) -> None:
    vw = 12
    values = np.arange(5, 1 << vw, 37)
    target = values / 2.0**vw
    ld_err = np.abs(ld_sng_stream(values, n, vw, "sobol", 1).mean(axis=0) - target)
    lfsr_err = []
    for seed in (1, 0x1234, 0xBEEF):
        for chunk in np.array_split(np.arange(values.size), math.ceil(values.size / 8)):
            bits = lfsr_sng_streams(
                values[chunk], 16, seed, n, value_width=vw, rotations=[0] * chunk.size
            )
            lfsr_err.append(np.abs(bits.mean(axis=0) - target[chunk]))
    lfsr_err = np.concatenate(lfsr_err)
    # Measured: LD mean 1.8e-3 (N=256), 3.7e-4 (N=1024); LFSR mean 2.0e-2, 1.3e-2.
    assert ld_err.max() <= 1 / n  # N a power of two: popcount(N) = 1
    assert ld_err.mean() * 5 < lfsr_err.mean()
    assert 0.1 / math.sqrt(n) < lfsr_err.mean() < 1 / math.sqrt(n)  # the ~1/sqrt(N) regime


@settings(deadline=None)
@given(
    vw=st.integers(1, 32),
    kind_dim=st.sampled_from(LD_CASES),
    data=st.data(),
)
def test_ld_cycle_model_equals_vectorised_with_enable_and_wrap(vw, kind_dim, data) -> None:
    kind, dim = kind_dim
    n = data.draw(st.integers(0, 80))
    top = (1 << vw) - 1
    en = data.draw(st.lists(st.booleans(), min_size=n, max_size=n))
    vals = data.draw(
        st.lists(st.sampled_from([0, top]) | st.integers(0, top), min_size=n, max_size=n)
    )
    sng = LDSNG(vw, kind, dim)
    index = 0
    for t in range(n):
        out = sng.step(int(en[t]), vals[t])
        assert out.index == index
        assert out.bit_out == int(int(ld_sequence(index, vw, kind, dim)) < vals[t])
        index = (index + en[t]) % (1 << vw)
    sng.reset()
    assert sng.step(0, 0).index == 0
    # en held high from reset equals the vectorised stream
    held = LDSNG(vw, kind, dim)
    stepped = [held.step(1, top).bit_out for _ in range(n)]
    assert stepped == ld_sng_stream(top, n, vw, kind, dim).tolist()


def test_ld_counter_wraps_and_sequence_repeats() -> None:
    sng = LDSNG(3, "sobol", 2)
    seen = [sng.step(1, 4) for _ in range(17)]
    assert [o.index for o in seen] == [0, 1, 2, 3, 4, 5, 6, 7] * 2 + [0]
    assert seen[:8] == seen[8:16]
    assert sum(o.bit_out for o in seen[:8]) == 4  # value 4 of 8: exactly half per period


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"value_width": 0}, r"value_width must be in \[1, 32\], not 0"),
        ({"value_width": 33}, r"value_width must be in \[1, 32\], not 33"),
        ({"value_width": 8, "kind": "halton"}, "kind must be one of 'vdc', 'sobol'"),
        ({"value_width": 8, "kind": "sobol", "dimension": 0}, r"dimension must be in \[1, 8\]"),
        ({"value_width": 8, "kind": "sobol", "dimension": 9}, r"dimension must be in \[1, 8\]"),
        ({"value_width": 8, "kind": "sobol", "dimension": 2.0}, "dimension must be an integer"),
        ({"value_width": 8, "kind": "vdc", "dimension": 1}, "dimension applies to kind='sobol'"),
    ],
)
@pytest.mark.parametrize("cls", [LDSNG, HwLDSNG], ids=["model", "hw"])
def test_ldsng_refuses_bad_parameters(cls, kwargs, match) -> None:
    with pytest.raises((ValueError, TypeError), match=match):
        cls(**kwargs)


def test_ldsng_refuses_out_of_range_value() -> None:
    with pytest.raises(ValueError, match=r"value must be in \[0, 15\], not 16"):
        LDSNG(4).step(1, 16)
    with pytest.raises(ValueError, match=r"values must be <= 15"):
        ld_sng_stream(16, 4, 4)


# ---------------------------------------------------------------------------
# Decorrelation of streams sharing one LFSR
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize(
    ("width", "vw", "selection"),
    [
        (10, 10, {"rotations": [3, 3]}),
        (12, 6, {"rotations": [0, 0]}),
        (12, 5, {"permutations": [[4, 9, 1, 0, 11]] * 2}),
    ],
)
def test_identical_selection_is_maximally_correlated(form, width, vw, selection) -> None:
    rng = np.random.default_rng(11)
    period = (1 << width) - 1
    pairs = rng.integers(1, 1 << vw, size=(40, 2))
    for a, b in pairs:
        bits = lfsr_sng_streams(np.array([a, b]), width, 3, period, vw, form=form, **selection)
        assert scc(bits[:, 0], bits[:, 1]) == pytest.approx(1.0, abs=1e-12), (a, b)


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize(("width", "vw", "k"), [(16, 8, 2), (16, 4, 4), (18, 6, 3)])
def test_default_rotations_decorrelate_and_and_gate_multiplies(form, width, vw, k) -> None:
    """Default rotations with vw <= width // K give disjoint selections. Over a
    full period the joint count of streams i, j is then exactly
    a * b * 2**(w - 2 vw) - 1, so the AND estimates a*b / 4**vw within
    1 / (2**w - 1), and |SCC| <= 2**(2 vw - w) / (a b) (the only dependence
    left is the missing all-zero state). Measured for (16, 8, 2): max |SCC|
    over value pairs with a, b >= 16 is 3.4e-3."""
    period = (1 << width) - 1
    rng = np.random.default_rng(5)
    worst_large = 0.0
    for trial in range(25):
        vals = rng.integers(1, 1 << vw, size=k)
        if trial == 0:
            vals[:] = 1  # the worst case of the bound: SCC = -2**(2vw - w) ... -1
        bits = lfsr_sng_streams(vals, width, 0x2B, period, vw, form=form)
        for i in range(k):
            for j in range(i + 1, k):
                a, b = int(vals[i]), int(vals[j])
                both = bits[:, i] & bits[:, j]
                assert int(both.sum()) == a * b * (1 << (width - 2 * vw)) - 1
                assert abs(both.mean() - a * b / 4.0**vw) <= 1 / period
                if a * b * (1 << (width - 2 * vw)) - 1 == 0:
                    continue  # AND never 1: SCC is exactly -1 here (a = b = 1, 2 vw = w)
                s = scc(bits[:, i], bits[:, j])
                assert abs(s) <= 2.0 ** (2 * vw - width) / (a * b) + 1e-12, (a, b, s)
                if min(a, b) >= (1 << vw) // 16:
                    worst_large = max(worst_large, abs(s))
    assert worst_large <= 3.5e-3


def test_overlapping_rotations_can_stay_fully_correlated() -> None:
    """The limitation: with vw = width the rotated selections overlap. For
    w = vw = 10 and rotations (0, 5), r1 < 8 forces state bits 0..4 to zero
    and bits 5..9 < 8, hence r0 = state < 8 * 32 = 256 <= a: SCC = +1."""
    bits = lfsr_sng_streams(np.array([512, 8]), 10, 1, 1023, 10)
    assert scc(bits[:, 0], bits[:, 1]) == pytest.approx(1.0)


# ---------------------------------------------------------------------------
# Hardware twins
# ---------------------------------------------------------------------------


def test_hardware_port_widths() -> None:
    bank = HwSNGBank(20, seed=5, n_streams=7, value_width=9, form="galois")
    bank._MustUse__silence = True  # built for its signature only, not elaborated
    widths = {name: len(getattr(bank, name)) for name in bank.signature.members}
    assert widths == {"en": 1, "load": 1, "load_value": 20, "values": 63, "bits": 7, "state": 20}
    ld = HwLDSNG(13, "sobol", 4)
    ld._MustUse__silence = True
    widths = {name: len(getattr(ld, name)) for name in ld.signature.members}
    assert widths == {"en": 1, "value": 13, "bit_out": 1, "index": 13}


@pytest.mark.parametrize(
    ("block", "params"),
    [
        ("sng", {"width": 32, "seed": 2**32 - 1, "n_streams": 8, "value_width": 32}),
        ("sng", {"width": 3, "seed": 1, "n_streams": 8, "value_width": 1, "form": "galois"}),
        ("sng", {"width": 5, "seed": 9, "n_streams": 2, "value_width": 5,
                 "permutations": [[4, 3, 2, 1, 0], [0, 2, 4, 1, 3]]}),
        ("ldsng", {"value_width": 32, "kind": "sobol", "dimension": 8}),
        ("ldsng", {"value_width": 1, "kind": "vdc"}),
        ("ldsng", {"value_width": 4, "kind": "sobol", "dimension": 3}),
    ],
)  # fmt: skip
def test_edge_configurations_in_amaranth_sim(block, params) -> None:
    assert pysim_against_twin(block, params, seed=3, cycles=300) == ""


def test_default_cosim_parameter_sets_cover_the_edges() -> None:
    sets = [params_for("sng", 2026 + i) for i in range(20)]
    widths = {p["width"] for p in sets}
    assert {3, 32} <= widths
    assert any(p["value_width"] == 1 for p in sets)
    assert any(p["value_width"] == p["width"] for p in sets)
    assert {1, 8} <= {p["n_streams"] for p in sets}
    assert {p["form"] for p in sets} == set(FORMS)
    assert any("rotations" in p for p in sets) and any("permutations" in p for p in sets)
    assert any("rotations" not in p and "permutations" not in p for p in sets)
    ld = [params_for("ldsng", 2026 + i) for i in range(20)]
    assert {p["kind"] for p in ld} == {"vdc", "sobol"}
    assert {1, 32} <= {p["value_width"] for p in ld}
    assert any(p["value_width"] <= 10 for p in ld)  # the counter wraps within 2000 cycles
