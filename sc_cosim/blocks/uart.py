"""Co-simulation spec of the 8N1 UART (:mod:`sc_model.uart`).

Parameters: divisors 4 .. 40 (often the smallest ones, where the sampling
point and the synchroniser's delay matter most). Stimulus: the receive line
carries frames sent at the block's divisor or a few percent off it, with
random idle gaps, frames whose stop bit is 0 (framing errors, then a break of
random length), short glitches that look like a start bit, and stretches of
random levels; the transmitter sees random bytes with ``tx_valid`` high in
random bursts. Every output is compared on every cycle.
"""

from __future__ import annotations

import numpy as np

from sc_cosim.blocks.arith import _edge_or_uniform
from sc_cosim.spec import BlockSpec, Params
from sc_hw.uart import UART as HwUART
from sc_model.uart import Uart, frame_bits


class UartTwin:
    def __init__(self, params: Params) -> None:
        self.model = Uart(**params)

    def reset(self) -> None:
        self.model.reset()

    def step(self, inputs: dict[str, int]) -> dict[str, int]:
        return self.model.step(inputs["rx"], inputs["tx_data"], inputs["tx_valid"])._asdict()


def _random_params(rng: np.random.Generator) -> Params:
    return {"divisor": _edge_or_uniform(rng, 4, 40, 0.3)}


def rx_line(divisor: int, rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` cycles of a busy receive line (module docstring)."""
    line: list[int] = []
    while len(line) < n:
        kind = rng.random()
        if kind < 0.75:  # a frame at a rate within +-3 % of the divisor
            bit_len = max(1, round(divisor * rng.uniform(0.97, 1.03)))
            stop = int(rng.random() > 0.25)
            for level in frame_bits(int(rng.integers(0, 256)), stop):
                line.extend([level] * bit_len)
            if not stop:
                line.extend([0] * int(rng.integers(0, 3 * divisor)))
        elif kind < 0.85:  # a glitch shorter than half a bit
            line.extend([0] * int(rng.integers(1, max(2, divisor // 2))))
        elif kind < 0.9:  # random levels
            line.extend(int(v) for v in rng.integers(0, 2, int(rng.integers(1, 4 * divisor))))
        line.extend([1] * int(rng.integers(0, 2 * divisor)))
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
    default_params={"divisor": 8},
    description="8N1 UART (receiver with synchroniser and framing-error report, transmitter)",
)
