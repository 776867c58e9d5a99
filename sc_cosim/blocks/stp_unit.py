"""Co-simulation spec of the Tsodyks-Markram STP unit (:mod:`sc_model.stp_unit`).

Random sizes (N 1 .. 8), fraction widths 2 .. 16, ``u_base``/``u_rest``
at 0, ONE or uniform, both time-constant shifts 1 .. 10 with edges; spikes
per channel at a random rate (some channels silent, some always on, some in
bursts) so both the recovered and the exhausted ends of ``x`` and ``u`` are
reached; every channel spikes in the first cycle after the initial reset and
then rests 15 cycles (the reset values of the excess registers are read).
A run without the initial reset (:func:`_power_on_stimulus`) spikes in
cycle 0 on every other channel only, so both excess registers of a channel
are read at their power-on values over two seeds. Every output
(``release``, registered one cycle after its spike, ``x``, ``u``) is
compared every cycle.
"""

from __future__ import annotations

import numpy as np

from sc_cosim.draw import edge_or_uniform, n_with_edges
from sc_cosim.spec import BlockSpec, Params
from sc_cosim.toggles import toggle_every_lane
from sc_hw.stp_unit import STPUnit as HwSTPUnit
from sc_model import arith
from sc_model import stp_unit as model
from sc_model.arith import pack_fields

MAX_COSIM_CHANNELS = 8


class STPTwin:
    def __init__(self, params: Params) -> None:
        self.p = model.STPConfig(**params)
        self.model = model.STPUnit(self.p)

    def reset(self) -> None:
        self.model.reset()

    def step(self, inputs: dict[str, int]) -> dict[str, int]:
        p = self.p
        out = self.model.step(arith.unpack_bits(inputs["spikes"], p.n_channels))
        vw = p.value_width
        return {
            "release": pack_fields(out.release, vw),
            "x": pack_fields(out.x, vw),
            "u": pack_fields(out.u, vw),
        }


def _random_params(rng: np.random.Generator) -> Params:
    f = edge_or_uniform(rng, model.MIN_FRAC_BITS, model.MAX_FRAC_BITS, 0.15)
    one = 1 << f
    return {
        "n_channels": n_with_edges(rng, 1, MAX_COSIM_CHANNELS),
        "frac_bits": f,
        "u_base": edge_or_uniform(rng, 0, one, 0.1),
        "u_rest": edge_or_uniform(rng, 0, one, 0.15),
        "tau_d_shift": edge_or_uniform(rng, 1, 10, 0.15),
        "tau_f_shift": edge_or_uniform(rng, 1, 10, 0.15),
    }


def _stimulus(params: Params, rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    n_ch = model.STPConfig(**params).n_channels
    rate = rng.uniform(0.0, 0.5, n_ch)
    u = rng.random(n_ch)
    rate[u < 0.1] = 0.0
    rate[u > 0.9] = 1.0
    bits = rng.random((n, n_ch)) < rate
    burst = (np.arange(n) // 100) % 3 == 0  # silences of 100 cycles let x and u recover
    bits &= burst[:, None] | (rng.random(n_ch) < 0.5)
    bits = toggle_every_lane(bits.astype(np.uint8), rng)  # silent channels spike once
    # every channel spikes in the first cycle after the initial reset and then rests
    # 15 cycles: the spike reads the reset values of the facilitated excess ef_r (its
    # ceil shift), and the decays that follow show an LSB difference in them in u
    bits[: min(n, 1)] = 1
    bits[1:16] = 0
    return {"spikes": np.array([arith.pack_bits(r) for r in bits])}


def _power_on_stimulus(params: Params, stim: dict[str, np.ndarray], seed: int) -> None:
    """Cycle 0 of a run without the initial reset: channel ``j`` spikes iff ``j + seed`` is even.

    Both excess registers of a channel are overwritten in every cycle, and
    cycle 0 reads one of them: ``ef_r`` (the facilitated excess) under a
    spike, ``eu_r`` without one. The drawn stimulus spikes on every channel
    in cycle 0, which would leave every ``eu_r`` power-on value unread; this
    silences half the channels, the other half for the other seed parity.
    """
    n_ch = model.STPConfig(**params).n_channels
    spikes = stim["spikes"]
    if len(spikes):
        bits = [int((j + seed) % 2 == 0) for j in range(n_ch)]
        spikes[0] = arith.pack_bits(np.array(bits, np.uint8))


SPEC = BlockSpec(
    name="stp_unit",
    build=lambda p: HwSTPUnit(model.STPConfig(**p)),
    twin=STPTwin,
    random_params=_random_params,
    stimulus=_stimulus,
    default_params={"n_channels": 4, "frac_bits": 12, "tau_d_shift": 5, "tau_f_shift": 3},
    power_on_stimulus=_power_on_stimulus,
    description="Tsodyks-Markram short-term plasticity (x, u in Q1.F, one u*x multiplier per "
    "channel on registered operands, shift decays), efficacy per spike one cycle later",
)
