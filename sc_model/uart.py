"""UART, 8N1, fixed baud divisor: receiver and transmitter (block ``uart``).

Contract (shared with :class:`sc_hw.uart.UART`)
------------------------------------------------
Parameters
    ``divisor = D`` (4 .. 65535): clock cycles per bit (baud = f_clk / D; 12 MHz
    / 104 = 115,385 baud, 0.16 % from 115,200). Frames are 8N1: a start bit
    (0), eight data bits least significant first, one stop bit (1); the idle
    line is 1.
Receiver (``rx`` in; ``rx_data`` 8, ``rx_valid`` 1, ``rx_error`` 1 out)
    ``rx`` is asynchronous: two flip-flops synchronise it, so the receiver sees
    ``line_t = rx_{t-2}`` (1 during the first two cycles after reset). In state
    *idle*, a cycle ``t0`` with ``line = 0`` starts a frame; bit ``b`` (0 the
    start bit, 1 .. 8 the data bits, 9 the stop bit) is sampled from ``line``
    in cycle ``t0 + S + b D`` with ``S = (D - 1) // 2`` (:func:`sample_offset`).
    An edge from an independent clock reaches ``line`` in the first or the
    second cycle after it (the synchroniser resolves it either way), so each
    bit of a frame sent at exactly ``D`` cycles per bit is seen ``D - 1``,
    ``D`` or ``D + 1`` cycles long and the sample lands ``S`` .. ``S + 1``
    cycles after the bit's true start: at least one cycle from either end of
    the bit for every ``D >= 4``. (Until December 2026 the sample was at
    ``t0 + 1 + D // 2 + b D``, the bit's last cycle at ``D = 4``: a start edge
    seen one cycle late moved every sample into the next bit, and the
    co-simulated host link lost the first byte of every frame at divisor 4.)
    A start bit sampled 1 is a glitch:
    back to idle, nothing reported. A stop bit sampled 1 ends the frame: in the
    next cycle ``rx_valid`` is 1 for one cycle and ``rx_data`` (a register that
    keeps its value until the next good frame, reset 0) holds the byte, and the
    receiver is idle again in that cycle, ``t0 + S + 9 D + 1 <= t0 + 10 D - 1``:
    the next frame's start edge is caught back to back even when it is seen a
    cycle early. A stop bit sampled 0 is a framing
    error: ``rx_error`` is 1 for one cycle in the next cycle, ``rx_data`` keeps
    its old value, and the receiver waits for ``line = 1`` (a break lasts any
    time) before it is idle again (it is idle in the cycle after the one
    that sees the 1).
Transmitter (``tx_data`` 8, ``tx_valid`` 1 in; ``tx`` 1, ``tx_ready`` 1 out)
    A stream handshake: the byte on ``tx_data`` is taken at the edge ending a
    cycle with ``tx_valid`` and ``tx_ready`` both 1. ``tx`` (a register, reset
    1) then shows the start bit for ``D`` cycles from the next cycle, the data
    bits (LSB first) for ``D`` cycles each and the stop bit for ``D`` cycles;
    ``tx_ready`` (reset 1) is 0 from the cycle after the take through the
    stop bit's last cycle, so the next byte can be taken in the cycle after
    the stop bit: one byte per ``10 D + 1`` cycles at most.
Reset
    ``rst`` returns both halves to idle: synchroniser flip-flops 1, ``rx_valid``
    and ``rx_error`` 0, ``rx_data`` 0, ``tx`` 1, ``tx_ready`` 1.

:func:`frame_bits` and :func:`line_waveform` give the line level per cycle of
bytes sent at a divisor, for stimuli and for the board system's model.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import NamedTuple

import numpy as np

from ._validate import check_int

MIN_DIVISOR = 4
MAX_DIVISOR = 65535


def check_divisor(divisor: object, name: str = "divisor") -> int:
    """``divisor`` as an int in ``[4, 65535]`` (cycles per bit); raise otherwise."""
    return check_int(name, divisor, MIN_DIVISOR, MAX_DIVISOR)


def sample_offset(divisor: int) -> int:
    """``S = (divisor - 1) // 2``: cycles from the first cycle the receiver sees a start
    bit's low line to the cycle that samples it (then every ``divisor`` cycles)."""
    return (check_divisor(divisor) - 1) // 2


def frame_bits(byte: int, stop: int = 1) -> list[int]:
    """The ten bit levels of one 8N1 frame: start 0, data LSB first, ``stop``."""
    byte = check_int("byte", byte, 0, 255)
    stop = check_int("stop", stop, 0, 1)
    return [0, *((byte >> i) & 1 for i in range(8)), stop]


def line_waveform(data: Iterable[int], divisor: int, gap: int = 0) -> np.ndarray:
    """Line level per cycle (``uint8``) of ``data`` sent back to back, ``gap`` idle cycles apart."""
    divisor = check_divisor(divisor)
    gap = check_int("gap", gap, 0)
    out: list[int] = []
    for byte in data:
        for bit in frame_bits(byte):
            out.extend([bit] * divisor)
        out.extend([1] * gap)
    return np.asarray(out, dtype=np.uint8)


class UartOutputs(NamedTuple):
    """The output ports during one cycle."""

    rx_data: int
    rx_valid: int
    rx_error: int
    tx: int
    tx_ready: int


_IDLE, _RECV, _BREAK = 0, 1, 2


class Uart:
    """Cycle twin of :class:`sc_hw.uart.UART` (module docstring's contract)."""

    def __init__(self, divisor: int) -> None:
        self.divisor = check_divisor(divisor)
        # RECV counts down from this in t0 + 1 and samples the start bit at 0 (t0 + S)
        self._first_wait = sample_offset(self.divisor) - 1
        self.reset()

    def reset(self) -> None:
        """Synchronous reset."""
        self._s1 = self._s2 = 1
        self._state, self._cnt, self._bit, self._shreg = _IDLE, 0, 0, 0
        self._rx_data = self._rx_valid = self._rx_error = 0
        self._tx, self._busy, self._tcnt, self._tbit, self._tshreg = 1, 0, 0, 0, 0

    def step(self, rx: int, tx_data: int = 0, tx_valid: int = 0) -> UartOutputs:
        """Advance one cycle; return the outputs seen before the edge."""
        rx = check_int("rx", rx, 0, 1)
        tx_data = check_int("tx_data", tx_data, 0, 255)
        tx_valid = check_int("tx_valid", tx_valid, 0, 1)
        out = UartOutputs(self._rx_data, self._rx_valid, self._rx_error, self._tx, 1 - self._busy)
        d = self.divisor
        # receiver
        line = self._s2
        self._rx_valid = self._rx_error = 0
        if self._state == _IDLE:
            if line == 0:
                self._state, self._cnt, self._bit = _RECV, self._first_wait, 0
        elif self._state == _RECV:
            if self._cnt:
                self._cnt -= 1
            elif self._bit == 0:
                if line:
                    self._state = _IDLE
                else:
                    self._cnt, self._bit = d - 1, 1
            elif self._bit <= 8:
                self._shreg = (line << 7) | (self._shreg >> 1)
                self._cnt, self._bit = d - 1, self._bit + 1
            elif line:
                self._rx_valid, self._rx_data, self._state = 1, self._shreg, _IDLE
            else:
                self._rx_error, self._state = 1, _BREAK
        elif line:
            self._state = _IDLE
        self._s2, self._s1 = self._s1, rx
        # transmitter
        if not self._busy:
            if tx_valid:
                self._tshreg = (1 << 9) | (tx_data << 1)
                self._busy, self._tcnt, self._tbit, self._tx = 1, d - 1, 0, 0
        elif self._tcnt:
            self._tcnt -= 1
        elif self._tbit == 9:
            self._busy = 0
        else:
            self._tbit += 1
            self._tx, self._tcnt = (self._tshreg >> self._tbit) & 1, d - 1
        return out


def decode_line(levels: Sequence[int], divisor: int) -> tuple[list[int], int]:
    """Bytes a :class:`Uart` receives from ``levels`` (one line level per cycle) and its errors."""
    uart = Uart(divisor)
    got: list[int] = []
    errors = 0
    for level in list(levels) + [1] * (uart.divisor + 4):
        out = uart.step(int(level))
        if out.rx_valid:
            got.append(out.rx_data)
        errors += out.rx_error
    return got, errors


__all__ = [
    "MAX_DIVISOR",
    "MIN_DIVISOR",
    "Uart",
    "UartOutputs",
    "check_divisor",
    "decode_line",
    "frame_bits",
    "line_waveform",
    "sample_offset",
]
