"""sc_model.sc_multiplier: timing, accuracy as a multiplier, and parameter checks."""

from __future__ import annotations

import numpy as np
import pytest

from sc_hw.sc_multiplier import SCMultiplier as HwMultiplier
from sc_model.sc_multiplier import SCMultiplier, sc_multiply


def _run_one(core: SCMultiplier, a: int, b: int) -> tuple[int, int]:
    """Start a product; return (cycles from start until done is seen, product)."""
    core.step(1, a, b)
    for cycles in range(1, 1 << 20):
        out = core.step(0, 0, 0)
        if out["done"]:
            return cycles, out["product"]
    raise AssertionError("done never rose")


def test_done_rises_l_plus_one_cycles_after_start_and_matches_the_vector_model() -> None:
    params = {"width": 12, "seed": 0x5A5, "value_width": 5, "length_log2": 6}
    core = SCMultiplier(**params)
    rng = np.random.default_rng(1)
    pairs = rng.integers(0, 32, (40, 2))
    got = []
    for a, b in pairs:
        cycles, product = _run_one(core, int(a), int(b))
        assert cycles == (1 << 6) + 1
        got.append(product)
    np.testing.assert_array_equal(got, sc_multiply(pairs[:, 0], pairs[:, 1], **params))


def test_start_while_busy_is_ignored() -> None:
    core = SCMultiplier(width=10, seed=3, value_width=4, length_log2=4)
    core.step(1, 15, 15)
    for _ in range(5):
        core.step(1, 0, 0)  # would clear the product if it were accepted
    rest = [core.step(0, 0, 0) for _ in range(16)]
    assert rest[-1]["done"] == 1
    assert rest[-1]["product"] == int(sc_multiply(15, 15, 10, 3, 4, 4))


def test_product_estimates_a_times_b() -> None:
    # Unipolar SC multiply: product / L -> (a / 2**vw) * (b / 2**vw).
    rng = np.random.default_rng(7)
    a, b = rng.integers(0, 256, (2, 2000))
    length_log2 = 12
    est = sc_multiply(a, b, width=20, seed=0x1F00D, value_width=8, length_log2=length_log2)
    est = est / 2**length_log2
    exact = (a / 256) * (b / 256)
    err = np.abs(est - exact)
    # Binomial standard deviation is at most 0.5 / sqrt(4096) = 0.0078.
    assert err.mean() < 0.008 and err.max() < 0.04
    assert np.all(sc_multiply(0, np.arange(256), 20, 5, 8, 12) == 0)  # r < 0 never holds


def test_longer_streams_are_more_accurate() -> None:
    rng = np.random.default_rng(8)
    a, b = rng.integers(0, 256, (2, 1000))
    exact = (a / 256) * (b / 256)
    errors = [
        np.sqrt(np.mean((sc_multiply(a, b, 22, 77, 8, k) / 2**k - exact) ** 2))
        for k in (6, 10, 14)
    ]
    assert errors[0] > 2 * errors[1] > 4 * errors[2]  # about 1/sqrt(L): x4 per 16x length


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"width": 8, "value_width": 5}, r"value_width must be in \[1, 4\], not 5"),
        ({"width": 8, "value_width": 4, "length_log2": 0}, r"length_log2 must be in \[1, 24\]"),
        ({"width": 8, "seed": 0, "value_width": 4}, "seed must be non-zero"),
    ],
)
@pytest.mark.parametrize("cls", [SCMultiplier, HwMultiplier])
def test_bad_parameters_are_refused(cls, kwargs, match) -> None:
    with pytest.raises(ValueError, match=match):
        cls(**kwargs)


def test_operand_out_of_range_is_refused() -> None:
    with pytest.raises(ValueError, match=r"a must be <= 15; found 16"):
        sc_multiply(16, 1, width=8, seed=1, value_width=4, length_log2=3)
