"""Co-simulation specs for the stochastic number generators (blocks ``sng`` and ``ldsng``).

The ``values`` port of ``sng`` is up to ``8 * 32 = 256`` bits wide, more than
an ``int64`` holds, so its stimulus column is an ``object`` array of Python
ints (the benches only index it and call ``int``).
"""

from __future__ import annotations

import numpy as np

from sc_cosim.draw import edge_or_uniform
from sc_cosim.spec import BlockSpec, Params
from sc_hw.sng import LDSNG as HwLDSNG
from sc_hw.sng import SNGBank as HwSNGBank
from sc_model.lfsr import MAXIMAL_TAPS
from sc_model.sng import LDSNG, LDSNGConfig, SNGBank, SNGConfig, pack_values, unpack_values


class SNGTwin:
    def __init__(self, params: Params) -> None:
        self.model = SNGBank(SNGConfig(**params))

    def reset(self) -> None:
        self.model.reset()

    def step(self, inputs: dict[str, int]) -> dict[str, int]:
        m = self.model
        values = unpack_values(inputs["values"], m.n_streams, m.value_width)
        out = m.step(inputs["en"], inputs["load"], inputs["load_value"], values)
        packed_bits = sum(int(b) << k for k, b in enumerate(out.bits))
        return {"bits": packed_bits, "state": out.state}


class LDSNGTwin:
    def __init__(self, params: Params) -> None:
        self.model = LDSNG(LDSNGConfig(**params))

    def reset(self) -> None:
        self.model.reset()

    def step(self, inputs: dict[str, int]) -> dict[str, int]:
        out = self.model.step(inputs["en"], inputs["value"])
        return {"bit_out": out.bit_out, "index": out.index}


def _sng_params(rng: np.random.Generator) -> Params:
    width = edge_or_uniform(rng, 3, 32, 0.15)
    value_width = edge_or_uniform(rng, 1, width, 0.25)
    n_streams = edge_or_uniform(rng, 1, 8, 0.2)
    params: Params = {
        "width": width,
        "seed": int(rng.integers(1, 1 << width)),
        "form": str(rng.choice(["fibonacci", "galois"])),
        "n_streams": n_streams,
        "value_width": value_width,
    }
    if rng.random() < 0.2:
        params["taps"] = list(MAXIMAL_TAPS[width])
    u = rng.random()
    if u < 0.35:
        params["rotations"] = [int(x) for x in rng.integers(0, width, n_streams)]
    elif u < 0.7:
        params["permutations"] = [
            [int(x) for x in rng.permutation(width)[:value_width]] for _ in range(n_streams)
        ]
    return params  # else: default rotations


def _stream_values(rng: np.random.Generator, n: int, value_width: int) -> np.ndarray:
    """``n`` values in ``[0, 2**value_width - 1]``: a fifth each at 0 and at the
    maximum, some coarse (multiples of ``2**(value_width - 4)``, which the
    first indices' quasi-random numbers hit exactly, to exercise ``r == value``),
    the rest uniform."""
    top = (1 << value_width) - 1
    v = rng.integers(0, top + 1, n, dtype=np.int64)
    u = rng.random(n)
    v[u < 0.2] = 0
    v[(u >= 0.2) & (u < 0.4)] = top
    coarse = (u >= 0.4) & (u < 0.6)
    shift = max(value_width - 4, 0)
    v[coarse] = rng.integers(0, 1 << (value_width - shift), int(coarse.sum())) << shift
    return v


def _sng_stimulus(params: Params, rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    c = SNGConfig(**params)
    width, vw, k = c.width, c.value_width, c.n_streams
    per_stream = np.stack([_stream_values(rng, n, vw) for _ in range(k)], axis=1)
    packed = np.array([pack_values(row, vw) for row in per_stream], dtype=object)
    load_value = rng.integers(0, 1 << width, n, dtype=np.int64)
    load_value[rng.random(n) < 0.3] = 0  # the specified runtime load of zero
    return {
        "en": (rng.random(n) < 0.9).astype(np.int64),
        "load": (rng.random(n) < 0.02).astype(np.int64),
        "load_value": load_value,
        "values": packed,
    }


def _ldsng_params(rng: np.random.Generator) -> Params:
    value_width = edge_or_uniform(rng, 1, 32, 0.15)
    if value_width > 12 and rng.random() < 0.5:
        value_width = int(rng.integers(1, 13))  # small widths wrap within a 2000-cycle run
    if rng.random() < 0.4:
        return {"value_width": value_width, "kind": "vdc"}
    return {"value_width": value_width, "kind": "sobol", "dimension": int(rng.integers(1, 9))}


def _ldsng_stimulus(params: Params, rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    return {
        "en": (rng.random(n) < 0.9).astype(np.int64),
        "value": _stream_values(rng, n, LDSNGConfig(**params).value_width),
    }


sng_spec = BlockSpec(
    name="sng",
    build=lambda p: HwSNGBank(SNGConfig(**p)),
    twin=SNGTwin,
    random_params=_sng_params,
    stimulus=_sng_stimulus,
    default_params={"width": 16, "seed": 0xACE1, "n_streams": 4, "value_width": 8},
    description="K comparator SNGs fed by one LFSR through rotated/permuted bit selections",
    latency="bits combinational: compares the LFSR state of cycle t with the values of cycle t",
)

ldsng_spec = BlockSpec(
    name="ldsng",
    build=lambda p: HwLDSNG(LDSNGConfig(**p)),
    twin=LDSNGTwin,
    random_params=_ldsng_params,
    stimulus=_ldsng_stimulus,
    default_params={"value_width": 8, "kind": "sobol", "dimension": 1},
    description="low-discrepancy SNG: wrapping counter, van der Corput or Sobol (Joe-Kuo), compare",
)

SPECS = (sng_spec, ldsng_spec)
