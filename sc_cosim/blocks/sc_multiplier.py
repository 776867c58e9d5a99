"""Co-simulation spec of the default composed core, the SC multiplier."""

from __future__ import annotations

import numpy as np

from sc_cosim.spec import BlockSpec, Params
from sc_hw.sc_multiplier import SCMultiplier as HwMultiplier
from sc_model.sc_multiplier import MultiplierConfig
from sc_model.sc_multiplier import SCMultiplier as ModelMultiplier


class MultiplierTwin:
    def __init__(self, params: Params) -> None:
        self.model = ModelMultiplier(MultiplierConfig(**params))

    def reset(self) -> None:
        self.model.reset()

    def step(self, inputs: dict[str, int]) -> dict[str, int]:
        return self.model.step(inputs["start"], inputs["a"], inputs["b"])


def _random_params(rng: np.random.Generator) -> Params:
    width = int(rng.integers(3, 33))
    return {
        "width": width,
        "seed": int(rng.integers(1, 1 << width)),
        "value_width": int(rng.integers(1, width // 2 + 1)),
        "length_log2": int(rng.integers(1, 9)),  # several products fit in 2000 cycles
        "form": str(rng.choice(["fibonacci", "galois"])),
    }


def _stimulus(params: Params, rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    hi = (1 << MultiplierConfig(**params).value_width) - 1
    a = rng.integers(0, hi + 1, n, dtype=np.int64)
    b = rng.integers(0, hi + 1, n, dtype=np.int64)
    # The extremes of the encoding: each operand at 0 or at its maximum, and
    # both at the maximum (the only way the product can reach L and the
    # counter its top value).
    a[rng.random(n) < 0.1] = hi
    b[rng.random(n) < 0.1] = hi
    b[rng.random(n) < 0.05] = 0
    a[rng.random(n) < 0.05] = 0
    both = rng.random(n) < 0.1
    a[both] = hi
    b[both] = hi
    start = rng.random(n) < 0.05
    # Bursts with start held high: products then run back to back, so a start
    # arrives in the very first idle cycle after done (the LFSR must reload).
    for lo in rng.integers(0, n, 4):
        start[lo : lo + int(rng.integers(50, 400))] = True
    return {"start": start.astype(np.int64), "a": a, "b": b}


SPEC = BlockSpec(
    name="multiplier",
    build=lambda p: HwMultiplier(MultiplierConfig(**p)),
    twin=MultiplierTwin,
    random_params=_random_params,
    stimulus=_stimulus,
    default_params={"width": 16, "seed": 0xACE1, "value_width": 8, "length_log2": 8},
    description="default core: 2 SNGs on one LFSR, AND, stream counter (a*b in 2**L cycles)",
    param_ranges={
        "width": "[3, 32]",
        "seed": "[1, 2**width - 1]",
        "value_width": "[1, width // 2]",
        "length_log2": "[1, 24]",
        "form": "fibonacci | galois",
    },
    latency="a start in cycle s (not busy) gives done = 1 and product from cycle "
    "s + 2**length_log2 + 1 on",
)
