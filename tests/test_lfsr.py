"""sc_model.lfsr: maximal periods, vectorised generation, seeds and errors."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sc_model.lfsr import (
    FORMS,
    LFSR,
    LOAD_ZERO_SUBSTITUTE,
    MAXIMAL_TAPS,
    is_maximal,
    lfsr_sequence,
    next_state,
)


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("width", range(3, 21))
def test_full_period_by_simulation_up_to_20_bits(width: int, form: str) -> None:
    period = (1 << width) - 1
    seq = lfsr_sequence(width, 1, period + 1, form=form)
    body = seq[:period]
    assert body.min() >= 1 and body.max() <= period
    assert np.unique(body).size == period  # every non-zero state exactly once
    assert seq[period] == seq[0]  # and then the cycle closes


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("width", [21, 22])
def test_full_period_by_simulation_sampled_wider(width: int, form: str) -> None:
    period = (1 << width) - 1
    seed = 0x1234F % period + 1
    seq = lfsr_sequence(width, seed, period + 1, form=form)
    assert np.unique(seq[:period]).size == period
    assert seq[period] == seed


@pytest.mark.parametrize("form", FORMS)
def test_every_table_entry_is_maximal_by_matrix_order(form: str) -> None:
    assert sorted(MAXIMAL_TAPS) == list(range(3, 33))
    assert [w for w in MAXIMAL_TAPS if not is_maximal(w, form=form)] == []


@pytest.mark.parametrize(("width", "taps"), [(4, (4, 2)), (8, (8, 4)), (16, (16, 8))])
def test_non_maximal_taps_are_recognised(width: int, taps: tuple[int, ...]) -> None:
    assert not is_maximal(width, taps)
    seq = lfsr_sequence(width, 1, 1 << width, taps=taps)
    first_return = int(np.flatnonzero(seq[1:] == 1)[0]) + 1
    assert first_return < (1 << width) - 1  # the simulation shows the short cycle too


def test_galois_matches_the_textbook_16_bit_example() -> None:
    # 16-bit Galois LFSR, taps 16,14,13,11 (toggle mask 0xB400), seed 0xACE1:
    # 0xACE1 >> 1 = 0x5670, lsb was 1, so 0x5670 ^ 0xB400 = 0xE270.
    seq = lfsr_sequence(16, 0xACE1, 3, taps=(16, 14, 13, 11), form="galois")
    assert int(seq[1]) == 0xE270
    assert int(seq[2]) == 0xE270 >> 1  # lsb 0: plain shift


def test_fibonacci_shifts_left_with_xor_of_taps() -> None:
    # width 4, taps (4, 3): fb = s[3] ^ s[2]; 0b1000 -> 0b0001 -> 0b0010 -> 0b0100 -> 0b1001
    seq = lfsr_sequence(4, 0b1000, 5, taps=(4, 3))
    assert seq.tolist() == [0b1000, 0b0001, 0b0010, 0b0100, 0b1001]


@given(
    width=st.integers(3, 32),
    seeds=st.lists(st.integers(1, 2**32 - 1), min_size=1, max_size=5),
    n=st.integers(0, 300),
    form=st.sampled_from(FORMS),
)
def test_vectorised_sequence_equals_cycle_stepping(width, seeds, n, form) -> None:
    seeds = [s % ((1 << width) - 1) + 1 for s in seeds]
    bank = LFSR(width, seeds, form=form)
    stepped = np.array([bank.step() for _ in range(n)]).reshape(n, len(seeds))
    np.testing.assert_array_equal(lfsr_sequence(width, seeds, n, form=form), stepped)


@settings(max_examples=60, deadline=None)
@given(
    width=st.integers(3, 32),
    other_taps=st.sets(st.integers(1, 31), max_size=5),
    seed=st.integers(1, 2**32 - 1),
    n=st.integers(0, 3000),
    form=st.sampled_from(FORMS),
)
def test_sequence_with_any_taps_equals_cycle_stepping(width, other_taps, seed, n, form) -> None:
    """Also non-maximal and single-tap registers, and runs long enough for the
    recurrence generator to double its stride many times."""
    taps = (width, *sorted(t for t in other_taps if t < width))
    seed = seed % ((1 << width) - 1) + 1
    bank = LFSR(width, [seed], taps=taps, form=form)
    stepped = np.array([bank.step() for _ in range(n)], dtype=np.uint64).reshape(n)
    np.testing.assert_array_equal(lfsr_sequence(width, seed, n, taps=taps, form=form), stepped)


def test_next_state_broadcasts_over_any_shape() -> None:
    states = lfsr_sequence(10, [3, 9, 100], 8).reshape(4, 2, 3)
    out = next_state(states, 10)
    assert out.shape == (4, 2, 3)
    np.testing.assert_array_equal(out.reshape(8, 3)[:-1], states.reshape(8, 3)[1:])


def test_load_enable_priority_and_zero_load() -> None:
    bank = LFSR(8, 0x81)
    assert int(bank.step(en=0)) == 0x81
    assert int(bank.step(en=0)) == 0x81  # held
    assert int(bank.step(en=1, load=1, load_value=0x42)) == 0x81  # load wins over en
    assert int(bank.step(en=1, load=1, load_value=0)) == 0x42
    assert int(bank.step(en=0)) == LOAD_ZERO_SUBSTITUTE  # a runtime 0 never locks up
    bank.reset()
    assert int(bank.step()) == 0x81


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"width": 2}, r"width must be in \[3, 32\], not 2"),
        ({"width": 33}, r"width must be in \[3, 32\], not 33"),
        ({"width": 8.0}, "width must be an integer"),
        ({"width": 8, "seed": 0}, "seed must be non-zero"),
        ({"width": 8, "seed": 256}, r"seed must be in \[0, 255\], not 256"),
        ({"width": 8, "taps": (7, 5)}, r"taps must include the width \(8\)"),
        ({"width": 8, "taps": (8, 9)}, r"taps\[i\] must be in \[1, 8\], not 9"),
        ({"width": 8, "taps": (8, 8)}, "taps must be distinct"),
        ({"width": 8, "form": "ring"}, "form must be one of 'fibonacci', 'galois'"),
    ],
)
def test_bad_parameters_are_refused_with_a_clear_message(kwargs, match) -> None:
    with pytest.raises((ValueError, TypeError), match=match):
        LFSR(**kwargs)


def test_sequence_refuses_zero_seed_and_negative_length() -> None:
    with pytest.raises(ValueError, match="seeds must be non-zero"):
        lfsr_sequence(8, [1, 0], 4)
    with pytest.raises(ValueError, match=r"n_steps must be in \[0, inf\], not -1"):
        lfsr_sequence(8, 1, -1)
    assert lfsr_sequence(8, [1, 2], 0).shape == (0, 2)
