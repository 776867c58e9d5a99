"""Co-simulation specs for the LFSR (both forms)."""

from __future__ import annotations

import numpy as np

from sc_cosim.spec import BlockSpec, Params
from sc_hw.lfsr import LFSR as HwLFSR
from sc_model.lfsr import LFSR as ModelLFSR
from sc_model.lfsr import MAXIMAL_TAPS, LFSRConfig


class LFSRTwin:
    def __init__(self, params: Params) -> None:
        self.model = ModelLFSR(LFSRConfig(**params))

    def reset(self) -> None:
        self.model.reset()

    def step(self, inputs: dict[str, int]) -> dict[str, int]:
        state = self.model.step(inputs["en"], inputs["load"], inputs["load_value"])
        return {"state": int(state)}


def _random_params(rng: np.random.Generator) -> Params:
    width = int(rng.integers(3, 33))
    form = str(rng.choice(["fibonacci", "galois"]))
    seed = int(rng.integers(1, 1 << width))
    taps = None if rng.random() < 0.7 else list(MAXIMAL_TAPS[width])
    params: Params = {"width": width, "seed": seed, "form": form}
    if taps is not None:
        params["taps"] = taps
    return params


def _stimulus(params: Params, rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    width = LFSRConfig(**params).width
    load = (rng.random(n) < 0.02).astype(np.int64)
    value = rng.integers(0, 1 << width, n, dtype=np.int64)
    value[rng.random(n) < 0.3] = 0  # exercise the specified runtime load of zero
    return {"en": (rng.random(n) < 0.9).astype(np.int64), "load": load, "load_value": value}


SPEC = BlockSpec(
    name="lfsr",
    build=lambda p: HwLFSR(LFSRConfig(**p)),
    twin=LFSRTwin,
    random_params=_random_params,
    stimulus=_stimulus,
    default_params={"width": 16, "seed": 0xACE1, "form": "fibonacci"},
    description="Fibonacci/Galois LFSR with seed load and enable",
    param_ranges={
        "width": "[3, 32]",
        "seed": "[1, 2**width - 1]",
        "form": "fibonacci | galois",
        "taps": "distinct in [1, width], including width (default: maximal-length taps)",
    },
    latency="state during cycle t reflects en/load of cycles 0 .. t-1 (one register)",
)
