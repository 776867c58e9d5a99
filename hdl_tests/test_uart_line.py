"""The UART's RTL on an asynchronous line (:mod:`sc_cosim.uart_line`), marker ``cosim``.

At divisor 4 the receiver used to sample each bit in its last cycle
(``t0 + 1 + D // 2``): a start edge seen a cycle late (cocotbext-uart's first
edge of a burst; any edge from an independent clock) put every sample in the
next bit, and the co-simulated host link lost the first byte of every frame.
Both default-run cases below failed on that receiver (cocotbext: 23 of 44 bytes
received; phase: 44 bytes, one of them wrong) and pass on the one sampling at
``t0 + (D - 1) // 2``.
"""

from __future__ import annotations

import numpy as np
import pytest

from sc_cosim.uart_line import run_uart_line
from sc_model.uart import MIN_DIVISOR

pytestmark = pytest.mark.cosim

DATA = bytes(np.random.default_rng(4).integers(0, 256, 40, dtype=np.uint8)) + b"\xa5\x00\x01\x07"


def _check(divisor: int, mode: str, seed: int) -> None:
    out = run_uart_line(divisor, mode, DATA, seed)
    how = f"reproduce: run_uart_line({divisor}, {mode!r}, DATA, {seed})"
    assert out["received"] == DATA, f"{how}: received {out['received'].hex()}"
    assert out["errors"] == 0, f"{how}: {out['errors']} framing errors"
    assert out["echoed"] == DATA, f"{how}: the sink read {out['echoed'].hex()}"


@pytest.mark.parametrize("mode", ["cocotbext", "phase"])
def test_smallest_divisor_receives_and_sends_every_byte(mode: str) -> None:
    _check(MIN_DIVISOR, mode, seed=1)


@pytest.mark.long
@pytest.mark.parametrize("divisor", [4, 5, 6, 8, 13])
@pytest.mark.parametrize("mode", ["cocotbext", "phase"])
@pytest.mark.parametrize("seed", [2, 3])
def test_small_divisors_receive_and_send_every_byte(divisor: int, mode: str, seed: int) -> None:
    _check(divisor, mode, seed)
