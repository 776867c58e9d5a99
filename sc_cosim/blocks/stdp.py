"""Co-simulation spec of the STDP unit (:mod:`sc_model.stdp`).

Random sizes (N 1 .. 8, M 1 .. 4 for speed), both pairings, both decays,
both roundings (the combination cycles with the parameter-set index, so any
8 consecutive sets cover all), prescaler periods 0 .. 3, narrow weight ranges
and large amplitudes often enough that both clamps are hit; stimulus with
sparse spikes per lane (rarely a lane silent or always on), ``en`` low ~10 % of
cycles and weight writes (out-of-range addresses and values included), after a
clamp phase that drives every weight past both clamps (:func:`clamp_phase`).
"""

from __future__ import annotations

import numpy as np

from sc_cosim.draw import edge_or_uniform, n_with_edges
from sc_cosim.spec import BlockSpec, Params
from sc_cosim.toggles import toggle_every_lane
from sc_hw.stdp import STDP as HwSTDP
from sc_model import arith
from sc_model import stdp as model
from sc_model.lfsr import MAXIMAL_TAPS

MAX_COSIM_PRE = 8
MAX_COSIM_POST = 4


def state_ports(p: model.STDPConfig, state: model.STDPState) -> dict[str, int]:
    """The output ports from register values."""
    return {
        "weights": arith.pack_fields(state.weights, p.weight_width),
        "pre_trace": arith.pack_fields(state.pre_trace, p.trace_width),
        "post_trace": arith.pack_fields(state.post_trace, p.trace_width),
    }


class STDPTwin:
    def __init__(self, params: Params) -> None:
        self.p = model.STDPConfig(**params)
        self.model = model.STDP(self.p)

    def reset(self) -> None:
        self.model.reset()

    def step(self, inputs: dict[str, int]) -> dict[str, int]:
        p = self.p
        out = self.model.step(
            arith.unpack_bits(inputs["pre"], p.n_pre),
            arith.unpack_bits(inputs["post"], p.n_post),
            inputs["en"],
            inputs["w_en"],
            inputs["w_addr"],
            inputs["w_data"],
        )
        return state_ports(p, out)


def _combination(rng: np.random.Generator) -> int:
    """Index of (pairing, decay, rounding): the set number mod 8 under the harness's seeding."""
    entropy = getattr(rng.bit_generator.seed_seq, "entropy", None)
    if isinstance(entropy, list | tuple) and entropy and isinstance(entropy[0], int):
        return entropy[0] % 8
    return int(rng.integers(8))


def _increment(rng: np.random.Generator, tb: int) -> int:
    """A trace increment: the maximum 15 %, 0 (a trace that never moves) 3 %, else uniform."""
    u = rng.random()
    if u < 0.15:
        return (1 << tb) - 1
    if u < 0.18:
        return 0
    return int(rng.integers(1, 1 << tb))


def random_stdp_params(rng: np.random.Generator) -> Params:
    """One valid random parameter set of the STDP front end (also used by ``rstdp``)."""
    combo = _combination(rng)
    n = n_with_edges(rng, 1, MAX_COSIM_PRE)
    m = n_with_edges(rng, 1, MAX_COSIM_POST)
    wb = edge_or_uniform(rng, 2, 12, 0.15)
    lo, hi = -(1 << (wb - 1)), (1 << (wb - 1)) - 1
    w_min = int(rng.integers(lo, hi + 1)) if rng.random() < 0.6 else lo
    w_max = int(rng.integers(w_min, hi + 1)) if rng.random() < 0.6 else hi
    tb = edge_or_uniform(rng, 1, 12, 0.15)
    params: Params = {
        "n_pre": n,
        "n_post": m,
        "weight_width": wb,
        "w_min": w_min,
        "w_max": w_max,
        "weights": rng.integers(w_min, w_max + 1, (m, n)).tolist(),
        "trace_width": tb,
        "pre_increment": _increment(rng, tb),
        "post_increment": _increment(rng, tb),
        "pairing": model.PAIRINGS[combo % 2],
        "decay": model.DECAYS[combo // 2 % 2],
        "decay_period_log2": edge_or_uniform(rng, 0, 3, 0.3),
        "a_plus": int(rng.integers(0, 1 << int(rng.integers(1, 10)))),
        "a_minus": int(rng.integers(0, 1 << int(rng.integers(1, 10)))),
        "rounding": model.ROUNDINGS[combo // 4],
    }
    if params["decay"] == "shift":
        params["decay_shift"] = edge_or_uniform(rng, 1, tb, 0.2)
    else:
        q = edge_or_uniform(rng, 1, 10, 0.2)
        params["decay_mult_shift"] = q
        params["decay_mult"] = edge_or_uniform(rng, 0, (1 << q) - 1, 0.2)
    width = edge_or_uniform(rng, 3, 24, 0.2)
    if params["rounding"] == "stochastic":
        params["update_shift"] = edge_or_uniform(rng, 1, min(width, 12), 0.2)
        params["width"] = width
        params["seed"] = int(rng.integers(1, 1 << width))
        params["form"] = str(rng.choice(["fibonacci", "galois"]))
        if rng.random() < 0.2:
            params["taps"] = list(MAXIMAL_TAPS[width])
        if rng.random() < 0.4:
            params["rotations"] = rng.integers(0, width, m * n).tolist()
    else:
        params["update_shift"] = edge_or_uniform(rng, 0, 12, 0.2)
    return params


def spike_bits(rng: np.random.Generator, n_cycles: int, n_lanes: int) -> np.ndarray:
    """Sparse spikes: per lane a rate in [0.03, 0.3], 2 % of lanes silent, 2 % always on.

    Silent lanes are kept rare: a synapse whose pre or post lane is silent
    never learns, which would hide every fault of its update logic. A silent
    or always-on lane still toggles once (:func:`toggle_every_lane`).
    """
    rate = rng.uniform(0.03, 0.3, n_lanes)
    u = rng.random(n_lanes)
    rate[u < 0.02] = 0.0
    rate[u > 0.98] = 1.0
    return toggle_every_lane((rng.random((n_cycles, n_lanes)) < rate).astype(np.uint8), rng)


def stdp_stimulus(
    p: model.STDPConfig, rng: np.random.Generator, n_cycles: int
) -> dict[str, np.ndarray]:
    """Random values of the shared input ports (spikes, en, write port)."""
    wb = p.weight_width
    stim = {
        "pre": np.array([arith.pack_bits(r) for r in spike_bits(rng, n_cycles, p.n_pre)]),
        "post": np.array([arith.pack_bits(r) for r in spike_bits(rng, n_cycles, p.n_post)]),
        "en": (rng.random(n_cycles) < 0.9).astype(np.int64),
        "w_en": (rng.random(n_cycles) < 0.03).astype(np.int64),
        "w_addr": rng.integers(0, 1 << p.addr_width, n_cycles, dtype=np.int64),
    }
    value = rng.integers(-(1 << (wb - 1)), 1 << (wb - 1), n_cycles, dtype=np.int64)
    u = rng.random(n_cycles)
    value[u < 0.1] = p.w_min
    value[u > 0.9] = p.w_max
    stim["w_data"] = value & ((1 << wb) - 1)
    return stim


def clamp_phase_cycles(p: model.STDPConfig) -> int:
    """Length of :func:`clamp_phase`: two write sweeps over every synapse, three spike cycles."""
    return 2 * p.n_synapses + 3


def clamp_phase(p: model.STDPConfig, stim: dict[str, np.ndarray]) -> None:
    """Drive every weight past both clamps at the start of a run (cycles 0 .. 2 S + 2, S synapses).

    A random run rarely saturates a given weight: writes of ``w_max``/``w_min``
    land on one synapse in about 0.3 % of the cycles spread over ``S``
    addresses, and a clamp is reached only if a pairing of the right sign
    follows before the next write. The full mutation run of the default set
    left the clamp values and the clamp comparators of most synapses alive.
    From the initial reset (traces 0): ``S`` cycles with ``en`` low write
    ``w_max`` to every synapse; ``en`` high, every pre lane spikes (the post
    traces are 0, so no depression); next cycle every post lane spikes (pre
    silent): each weight gains ``a_plus`` times its pre trace, past ``w_max``
    when that is at least one step; ``S`` cycles with ``en`` low (traces held)
    write ``w_min``; then every pre lane spikes (post silent): each weight
    loses ``a_minus`` times its post trace, past ``w_min``. Parameter sets
    whose amplitude or increment is 0 do not reach a clamp this way.
    """
    s = p.n_synapses
    stim["pre"][: 2 * s + 3] = 0
    stim["post"][: 2 * s + 3] = 0
    stim["en"][: 2 * s + 3] = 0
    stim["w_en"][: 2 * s + 3] = 0
    wb = (1 << p.weight_width) - 1
    for first, value in ((0, p.w_max), (s + 2, p.w_min)):
        stim["w_en"][first : first + s] = 1
        stim["w_addr"][first : first + s] = np.arange(s)
        stim["w_data"][first : first + s] = value & wb
    all_pre, all_post = (1 << p.n_pre) - 1, (1 << p.n_post) - 1
    stim["en"][s : s + 2] = 1
    stim["pre"][s], stim["post"][s + 1] = all_pre, all_post
    stim["en"][2 * s + 2] = 1
    stim["pre"][2 * s + 2] = all_pre


def _clamp_quiet(params: Params, n: int) -> int:
    """No mid-run reset inside the clamp phase (none at all when the run is too short for it)."""
    length = clamp_phase_cycles(model.STDPConfig(**params))
    return length if length <= n // 2 else 0


def _stimulus(params: Params, rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    p = model.STDPConfig(**params)
    stim = stdp_stimulus(p, rng, n)
    if _clamp_quiet(params, n):
        clamp_phase(p, stim)
    return stim


SPEC = BlockSpec(
    name="stdp",
    build=lambda p: HwSTDP(model.STDPConfig(**p)),
    twin=STDPTwin,
    random_params=random_stdp_params,
    stimulus=_stimulus,
    quiet_cycles=_clamp_quiet,
    default_params={
        "n_pre": 8,
        "n_post": 4,
        "weight_width": 10,
        "w_min": -512,
        "w_max": 511,
        "trace_width": 8,
        "a_plus": 5,
        "a_minus": 6,
        "update_shift": 6,
        "rounding": "stochastic",
        "width": 16,
        "seed": 0xACE1,
    },
    description="pair-based STDP (traces with shift/multiplicative decay, all-to-all or "
    "nearest pairing, saturating weights, stochastic rounding by LFSR) with a weight write port",
)
