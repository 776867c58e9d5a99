"""Co-simulation spec of the homeostatic threshold unit (:mod:`sc_model.homeostasis_unit`).

Random sizes (M 1 .. 8), rate formats and EMA shifts, targets at 0, full
scale or uniform, both update rules (alternating with the parameter-set
index), update periods 2**0 .. 2**4, narrow threshold ranges with large
steps so both clamps are hit. Spikes per neuron at a random rate that
changes every 250 cycles (silent and always-on lanes included), so rates
cross the target both ways; in about half of the blocks a neuron instead
follows a level (it spikes while its rate is at most the level +- 2) that
alternates between the target and random excursions, so that update ticks
find the rate exactly at and one above the target with the threshold off
its clamps.
Every output is compared every cycle.
"""

from __future__ import annotations

import numpy as np

from sc_cosim.draw import edge_or_uniform, n_with_edges
from sc_cosim.spec import BlockSpec, Params
from sc_hw.homeostasis_unit import HomeostasisUnit as HwHomeostasis
from sc_model import arith
from sc_model import homeostasis_unit as model
from sc_model.arith import pack_fields

MAX_COSIM_NEURONS = 8


class HomeostasisTwin:
    def __init__(self, params: Params) -> None:
        self.p = model.HomeostasisConfig(**params)
        self.model = model.HomeostasisUnit(self.p)

    def reset(self) -> None:
        self.model.reset()

    def step(self, inputs: dict[str, int]) -> dict[str, int]:
        p = self.p
        out = self.model.step(arith.unpack_bits(inputs["spikes"], p.n_neurons))
        return {
            "rate": pack_fields(out.rate, p.rate_width),
            "threshold": pack_fields(out.threshold, p.threshold_width),
            "phase": int(out.phase),
        }


def _update_rule(rng: np.random.Generator) -> str:
    """The update rule: alternates with the set number under the harness's seeding."""
    entropy = getattr(rng.bit_generator.seed_seq, "entropy", None)
    if isinstance(entropy, list | tuple) and entropy and isinstance(entropy[0], int):
        return model.UPDATES[entropy[0] % 2]
    return model.UPDATES[int(rng.integers(2))]


def _random_params(rng: np.random.Generator) -> Params:
    f = edge_or_uniform(rng, 1, 12, 0.15)
    tw = edge_or_uniform(rng, 2, 14, 0.15)
    top = (1 << tw) - 1
    t_min = int(rng.integers(0, top + 1)) if rng.random() < 0.5 else 0
    t_max = int(rng.integers(t_min, top + 1)) if rng.random() < 0.5 else top
    params: Params = {
        "n_neurons": n_with_edges(rng, 1, MAX_COSIM_NEURONS),
        "rate_frac_bits": f,
        "rate_shift": edge_or_uniform(rng, 1, 8, 0.15),
        "target": edge_or_uniform(rng, 0, 1 << f, 0.1),
        "threshold_width": tw,
        "threshold_min": t_min,
        "threshold_max": t_max,
        "threshold_init": int(rng.integers(t_min, t_max + 1)),
        "update_period_log2": edge_or_uniform(rng, 0, 4, 0.2),
        "update": _update_rule(rng),
    }
    if params["update"] == "sign":
        params["eta"] = edge_or_uniform(rng, 1, top, 0.1) if rng.random() < 0.5 else 1
    else:
        params["eta_shift"] = edge_or_uniform(rng, 0, 14, 0.2)
    return params


# chance, per 250-cycle block and neuron, of the target-seeking mode (see _stimulus)
HOVER_P = 0.5


def _stimulus(params: Params, rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    p = model.HomeostasisConfig(**params)
    m = p.n_neurons
    n_blocks = (n + 249) // 250
    rate = rng.uniform(0.0, 0.6, (n_blocks, m))
    u = rng.random((n_blocks, m))
    rate[u < 0.15] = 0.0
    rate[u > 0.9] = 1.0
    bits = rng.random((n, m)) < np.repeat(rate, 250, axis=0)[:n]
    # Target-seeking blocks: the neuron spikes iff its rate (followed here with the
    # model's EMA from reset, blind to the harness's mid-run resets) is at most a
    # level (+- 2, every cycle), so r stays within a few LSB of it. The level
    # alternates every 25 cycles between the target (+- 1) and an excursion to a
    # random level in [0, 2**f]: the comparators r > target, r < target and their
    # constants need update ticks with r exactly at and one above the target while
    # the threshold is off its clamps (the excursions move it), which a random rate
    # seldom gives; and near the target every EMA step can be congruent modulo the
    # tick period (+1 and -3 for f = 7, k = 5, pinning r mod 4 at the ticks): each
    # excursion changes that alignment.
    hover = np.repeat(rng.random((n_blocks, m)) < HOVER_P, 250, axis=0)[:n]
    n_seg = (n + 24) // 25
    level = rng.integers(0, (1 << p.rate_frac_bits) + 1, (n_seg, m))
    level[::2] = p.target + rng.integers(-1, 2, level[::2].shape)
    level = np.repeat(level, 25, axis=0)[:n] + rng.integers(-2, 3, (n, m))
    r = np.zeros(m, dtype=np.int64)
    for t in range(n):
        bits[t] = np.where(hover[t], r <= level[t], bits[t])
        r = model.rate_next(r, bits[t], p)
    return {"spikes": np.array([arith.pack_bits(row) for row in bits.astype(np.uint8)])}


SPEC = BlockSpec(
    name="homeostasis_unit",
    build=lambda p: HwHomeostasis(model.HomeostasisConfig(**p)),
    twin=HomeostasisTwin,
    random_params=_random_params,
    stimulus=_stimulus,
    # small formats, so that 2,000 cycles reach both clamps and r == target
    default_params={
        "n_neurons": 4,
        "rate_frac_bits": 4,
        "rate_shift": 2,
        "target": 4,
        "threshold_width": 6,
        "threshold_min": 3,
        "threshold_max": 40,
        "threshold_init": 20,
        "update_period_log2": 1,
        "eta": 3,
    },
    description="homeostatic threshold: EMA firing-rate estimate per neuron, threshold "
    "stepped toward a target rate (sign or proportional) with saturation",
)
