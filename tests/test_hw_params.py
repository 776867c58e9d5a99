"""Hardware parameters are refused at elaboration with a clear message."""

from __future__ import annotations

import pytest

from sc_hw.lfsr import LFSR


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"width": 8, "seed": 0}, "seed must be non-zero"),
        ({"width": 40, "seed": 1}, r"width must be in \[3, 32\], not 40"),
        ({"width": 8, "seed": 1, "taps": (6, 5)}, r"taps must include the width"),
        ({"width": 8, "seed": 1, "form": "xnor"}, "form must be one of"),
    ],
)
def test_lfsr_refuses_bad_parameters(kwargs, match) -> None:
    with pytest.raises((ValueError, TypeError), match=match):
        LFSR(**kwargs)
