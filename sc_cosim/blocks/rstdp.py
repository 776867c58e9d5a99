"""Co-simulation spec of the R-STDP unit (:mod:`sc_model.rstdp`).

The STDP front end is drawn as for ``stdp`` (:func:`sc_cosim.blocks.stdp.random_stdp_params`,
all 8 pairing/decay/rounding combinations over 8 consecutive sets); the reward
path adds eligibility widths 2 .. 16 (narrow ones saturate), decay shifts and
prescalers, reward widths 2 .. 10, shifts 0 .. 12 and delays 0 .. 5 (0 and 1
over-represented). Stimulus: that of ``stdp`` plus a reward strobe in ~8 % of
the cycles (some runs of consecutive strobes) with values of either sign,
the extremes over-represented.
"""

from __future__ import annotations

import numpy as np

from sc_cosim.blocks.stdp import random_stdp_params, state_ports, stdp_stimulus
from sc_cosim.draw import edge_or_uniform
from sc_cosim.spec import BlockSpec, Params
from sc_hw.rstdp import RSTDP as HwRSTDP
from sc_model import arith
from sc_model import rstdp as model
from sc_model.arith import pack_fields


class RSTDPTwin:
    def __init__(self, params: Params) -> None:
        self.r = model.RSTDPConfig(**params)
        self.model = model.RSTDP(self.r)

    def reset(self) -> None:
        self.model.reset()

    def step(self, inputs: dict[str, int]) -> dict[str, int]:
        r = p = self.r
        rb = r.reward_width
        raw = inputs["reward"]
        out = self.model.step(
            arith.unpack_bits(inputs["pre"], p.n_pre),
            arith.unpack_bits(inputs["post"], p.n_post),
            inputs["en"],
            inputs["w_en"],
            inputs["w_addr"],
            inputs["w_data"],
            raw - (1 << rb) if raw >> (rb - 1) else raw,
            inputs["reward_strobe"],
        )
        ports = state_ports(p, out)
        ports["eligibility"] = pack_fields(out.eligibility, r.elig_width)
        return ports


def _random_params(rng: np.random.Generator) -> Params:
    params = random_stdp_params(rng)
    eb = edge_or_uniform(rng, 2, 16, 0.15)
    params.update(
        elig_width=eb,
        elig_decay_shift=edge_or_uniform(rng, 1, eb - 1, 0.2),
        elig_decay_period_log2=edge_or_uniform(rng, 0, 3, 0.3),
        reward_width=edge_or_uniform(rng, 2, 10, 0.2),
        reward_shift=edge_or_uniform(rng, 0, 12, 0.2),
        reward_delay=int(rng.choice([0, 1, 2, 3, 5])),
    )
    return params


def _stimulus(params: Params, rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    r = model.RSTDPConfig(**params)
    stim = stdp_stimulus(r, rng, n)
    strobe = rng.random(n) < 0.06
    starts = np.flatnonzero(rng.random(n) < 0.005)
    for s in starts:  # a few runs of consecutive strobes
        strobe[s : s + int(rng.integers(2, 8))] = True
    lo, hi = r.reward_range
    value = rng.integers(lo, hi + 1, n, dtype=np.int64)
    u = rng.random(n)
    value[u < 0.1] = lo
    value[u > 0.9] = hi
    stim["reward"] = value & ((1 << r.reward_width) - 1)
    stim["reward_strobe"] = strobe.astype(np.int64)
    return stim


SPEC = BlockSpec(
    name="rstdp",
    build=lambda p: HwRSTDP(model.RSTDPConfig(**p)),
    twin=RSTDPTwin,
    random_params=_random_params,
    stimulus=_stimulus,
    default_params={
        "n_pre": 8,
        "n_post": 4,
        "weight_width": 10,
        "w_min": -512,
        "w_max": 511,
        "trace_width": 8,
        "a_plus": 5,
        "a_minus": 6,
        "update_shift": 4,
        "rounding": "stochastic",
        "width": 16,
        "seed": 0xACE1,
        "elig_width": 9,  # narrow enough that the stimulus reaches both eligibility clamps
        "elig_decay_shift": 4,
        "reward_width": 8,
        "reward_shift": 8,
        "reward_delay": 2,
    },
    description="reward-modulated STDP: signed decaying eligibility per synapse from the STDP "
    "pairings, weights change by (reward x eligibility) >> shift after a reward delay",
)
