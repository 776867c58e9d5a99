"""Co-simulation spec of the e-prop eligibility-trace unit (:mod:`sc_model.eprop_unit`).

Random sizes (N 1 .. 6, M 1 .. 3), trace formats and shifts with edges
(``kappa_shift = 0`` included), narrow ``dw`` widths and small ``eta_shift``
often enough that both clamps are hit; sparse pre spikes with silent and
always-on lanes, random ``psi`` (0 and the maximum included), learning
signals over the full signed range with the strobe ~30 % of cycles and a
clear ~1 %. Every output is compared every cycle.
"""

from __future__ import annotations

import numpy as np

from sc_cosim.draw import edge_or_uniform, n_with_edges
from sc_cosim.spec import BlockSpec, Params
from sc_cosim.toggles import toggle_every_lane
from sc_hw.eprop_unit import EpropUnit as HwEprop
from sc_model import arith
from sc_model import eprop_unit as model
from sc_model.arith import pack_fields, unpack_fields

MAX_COSIM_PRE = 6
MAX_COSIM_POST = 3


class EpropTwin:
    def __init__(self, params: Params) -> None:
        self.p = model.EpropConfig(**params)
        self.model = model.EpropUnit(self.p)

    def reset(self) -> None:
        self.model.reset()

    def step(self, inputs: dict[str, int]) -> dict[str, int]:
        p = self.p
        lw = p.learning_width
        raw = unpack_fields(inputs["learning"], p.n_post, lw)
        learning = np.where(raw >> (lw - 1), raw - (1 << lw), raw)
        out = self.model.step(
            arith.unpack_bits(inputs["pre"], p.n_pre),
            unpack_fields(inputs["psi"], p.n_post, p.psi_width),
            learning,
            inputs["l_valid"],
            inputs["dw_clear"],
        )
        return {
            "z_bar": pack_fields(out.z_bar, p.z_width),
            "e_bar": pack_fields(out.e_bar, p.e_width),
            "dw": pack_fields(out.dw, p.dw_width),
        }


def _random_params(rng: np.random.Generator) -> Params:
    return {
        "n_pre": n_with_edges(rng, 1, MAX_COSIM_PRE),
        "n_post": n_with_edges(rng, 1, MAX_COSIM_POST),
        "trace_frac_bits": edge_or_uniform(rng, 0, 6, 0.15),
        "alpha_shift": edge_or_uniform(rng, 1, 6, 0.15),
        "psi_width": edge_or_uniform(rng, 1, 5, 0.15),
        "kappa_shift": edge_or_uniform(rng, 0, 5, 0.2),
        "learning_width": edge_or_uniform(rng, 2, 10, 0.15),
        "eta_shift": edge_or_uniform(rng, 0, 16, 0.15),
        "dw_width": edge_or_uniform(rng, 2, 16, 0.15),
    }


def _stimulus(params: Params, rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    p = model.EpropConfig(**params)
    rate = rng.uniform(0.02, 0.4, p.n_pre)
    u = rng.random(p.n_pre)
    rate[u < 0.1] = 0.0
    rate[u > 0.9] = 1.0
    pre = toggle_every_lane((rng.random((n, p.n_pre)) < rate).astype(np.uint8), rng)
    psi = rng.integers(0, 1 << p.psi_width, (n, p.n_post))
    psi[rng.random((n, p.n_post)) < 0.2] = (1 << p.psi_width) - 1
    psi[rng.random((n, p.n_post)) < 0.1] = 0
    lw = p.learning_width
    learning = rng.integers(-(1 << (lw - 1)), 1 << (lw - 1), (n, p.n_post))
    return {
        "pre": np.array([arith.pack_bits(r) for r in pre]),
        "psi": np.array([pack_fields(r, p.psi_width) for r in psi]),
        "learning": np.array([pack_fields(r, lw) for r in learning]),
        "l_valid": (rng.random(n) < 0.3).astype(np.int64),
        "dw_clear": (rng.random(n) < 0.01).astype(np.int64),
    }


SPEC = BlockSpec(
    name="eprop_unit",
    build=lambda p: HwEprop(model.EpropConfig(**p)),
    twin=EpropTwin,
    random_params=_random_params,
    stimulus=_stimulus,
    # a narrow dW with a small eta_shift, so that 2,000 cycles reach both clamps
    default_params={"n_pre": 4, "n_post": 2, "eta_shift": 4, "dw_width": 10},
    description="e-prop eligibility traces: alpha-filtered pre trace, psi * z_bar, kappa-filtered "
    "eligibility, dW accumulation from a strobed signed learning signal with saturation",
)
