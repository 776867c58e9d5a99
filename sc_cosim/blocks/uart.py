"""Co-simulation spec of the 8N1 UART (:mod:`sc_model.uart`).

Parameters: divisors 4 .. 40 (often the smallest ones, where the sampling
point and the synchroniser's delay matter most). Stimulus: the receive line
carries frames sent at the block's divisor or a few percent off it, with
random idle gaps, frames whose stop bit is 0 (framing errors, then a break of
random length), short glitches that look like a start bit, and stretches of
random levels. Edge-timed events put the next start edge where the receiver
returns to IDLE: good frames at the exact divisor whose stop bit ends just
after its sampling point, and glitches followed by a start edge just after
the receiver rejects them. The receiver samples a start edge that reaches
the line at cycle ``t`` (``rx`` driven in ``t``) at ``t + 2 + S`` with ``S =
(divisor - 1) // 2`` (two synchroniser stages, then ``S`` cycles,
:func:`sc_model.uart.sample_offset`) and every ``divisor`` cycles after; the
cycle after a sample that ends a frame (a high stop bit) or rejects a glitch
(a high start bit) is its first idle cycle, which sees the line of ``t + 1 +
S + 9 divisor`` (resp. ``+ 0``): the stop bit (high from ``t + 9 divisor``)
or the high after the glitch ends there, ``S + 1`` cycles in (stimulus
version 3; version 2 timed the receiver that sampled at ``t + 3 + divisor //
2``). Without these events a
receiver that mishandles a start edge in its first idle cycle (does not
reload its counters, or waits one cycle in BREAK) survived at divisor 22
(mutation run of issue 15). The transmitter sees random bytes with
``tx_valid`` high in random bursts. Every output is compared on every cycle.
"""

from __future__ import annotations

import numpy as np

from sc_cosim.blocks.arith import _edge_or_uniform
from sc_cosim.spec import BlockSpec, Params
from sc_hw.uart import UART as HwUART
from sc_model.uart import Uart, frame_bits, sample_offset


class UartTwin:
    def __init__(self, params: Params) -> None:
        self.model = Uart(**params)

    def reset(self) -> None:
        self.model.reset()

    def step(self, inputs: dict[str, int]) -> dict[str, int]:
        return self.model.step(inputs["rx"], inputs["tx_data"], inputs["tx_valid"])._asdict()


def _random_params(rng: np.random.Generator) -> Params:
    return {"divisor": _edge_or_uniform(rng, 4, 40, 0.3)}


def _edge_after(divisor: int, rng: np.random.Generator) -> int:
    """Cycles from a stop bit's (or glitch's) start to a start edge meant to meet the
    receiver in its first idle cycle: ``S + 1`` (exactly that cycle) 80 % of the time,
    else ``S`` or ``S + 2`` (its neighbours)."""
    first_idle = sample_offset(divisor) + 1
    return first_idle + (0 if rng.random() < 0.8 else int(rng.choice([-1, 1])))


def _frame(line: list[int], byte: int, bit_len: int, stop: int = 1) -> None:
    for level in frame_bits(byte, stop):
        line.extend([level] * bit_len)


def rx_line(divisor: int, rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` cycles of a busy receive line (module docstring)."""
    d = divisor
    line: list[int] = []
    while len(line) < n:
        kind = rng.random()
        if kind < 0.35:  # a frame at a rate within +-3 % of the divisor
            stop = int(rng.random() > 0.25)
            _frame(
                line, int(rng.integers(0, 256)), max(1, round(d * rng.uniform(0.97, 1.03))), stop
            )
            if not stop:
                line.extend([0] * int(rng.integers(0, 3 * d)))
        elif kind < 0.8:  # edge-timed: start edges in the receiver's first idle cycle
            if rng.random() < 0.3:  # a glitch shorter than half a bit, rejected as one comes
                glitch = int(rng.integers(1, max(2, d // 2)))
                line.extend([0] * glitch + [1] * max(1, _edge_after(d, rng) - glitch))
            for _ in range(int(rng.integers(1, 5))):  # good frames, the stop bit cut short
                _frame(line, int(rng.integers(0, 256)), d)
                del line[len(line) - d :]
                line.extend([1] * _edge_after(d, rng))
            # then a frame one cycle per bit off (a receiver that samples it late or early
            # reads other bits)
            _frame(line, int(rng.integers(0, 256)), d + int(rng.choice([-1, 0, 1])))
        elif kind < 0.9:  # a glitch shorter than half a bit
            line.extend([0] * int(rng.integers(1, max(2, d // 2))))
        elif kind < 0.95:  # random levels
            line.extend(int(v) for v in rng.integers(0, 2, int(rng.integers(1, 4 * d))))
        line.extend([1] * int(rng.integers(0, 2 * d)))
    return np.asarray(line[:n], dtype=np.int64)


def _stimulus(params: Params, rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    burst = np.repeat(rng.random(n // 50 + 1) < 0.6, 50)[:n]
    return {
        "rx": rx_line(params["divisor"], rng, n),
        "tx_data": rng.integers(0, 256, n, dtype=np.int64),
        "tx_valid": (burst & (rng.random(n) < 0.8)).astype(np.int64),
    }


SPEC = BlockSpec(
    name="uart",
    build=lambda p: HwUART(**p),
    twin=UartTwin,
    random_params=_random_params,
    stimulus=_stimulus,
    stimulus_version=3,  # start edges in the first idle cycle of the receiver sampling at S
    default_params={"divisor": 8},
    description="8N1 UART (receiver with synchroniser and framing-error report, transmitter)",
)
