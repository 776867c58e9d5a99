"""Co-simulation specs for the bit-stream arithmetic blocks of :mod:`sc_model.arith`.

Blocks ``and_mul``, ``xnor_mul``, ``mux_add``, ``majority``,
``parallel_counter`` and ``stream_counter``. Stimulus bits are biased: each
lane/input gets its own probability of a one, drawn per parameter set, a
share of them exactly 0 or 1. Ports wider than 62 bits carry Python ints in
``object`` arrays (the benches only index them and call ``int``).
"""

from __future__ import annotations

import numpy as np

from sc_cosim.draw import edge_or_uniform, n_with_edges
from sc_cosim.spec import BlockSpec, Params
from sc_cosim.toggles import toggle_every_bit, toggle_every_lane
from sc_hw import arith as hw
from sc_model import arith as model
from sc_model.lfsr import MAXIMAL_TAPS

# The old private names, still imported by the sc_layer_tm and learning_core
# specs; the helpers live in sc_cosim.draw.
_edge_or_uniform = edge_or_uniform
_n_with_edges = n_with_edges

MAX_COSIM_LANES = 256


# ---------------------------------------------------------------------------
# Twins: unpack port ints, call the cycle models, pack the results
# ---------------------------------------------------------------------------


class _MulTwin:
    cls: type = model.AndMul

    def __init__(self, params: Params) -> None:
        self.model = self.cls(model.LanesConfig(**params))

    def reset(self) -> None:
        self.model.reset()

    def step(self, inputs: dict[str, int]) -> dict[str, int]:
        n = self.model.lanes
        y = self.model.step(model.unpack_bits(inputs["a"], n), model.unpack_bits(inputs["b"], n))
        return {"y": model.pack_bits(y)}


class AndTwin(_MulTwin):
    cls = model.AndMul


class XnorTwin(_MulTwin):
    cls = model.XnorMul


class MuxTwin:
    def __init__(self, params: Params) -> None:
        self.model = model.MuxAdd(model.MuxAddConfig(**params))

    def reset(self) -> None:
        self.model.reset()

    def step(self, inputs: dict[str, int]) -> dict[str, int]:
        bits = model.unpack_bits(inputs["inputs"], self.model.n_inputs)
        out = self.model.step(bits, inputs["en"])
        return {"y": out.y, "sel": out.sel, "state": out.state}


class MajorityTwin:
    def __init__(self, params: Params) -> None:
        self.model = model.Majority(model.MajorityConfig(**params))

    def reset(self) -> None:
        self.model.reset()

    def step(self, inputs: dict[str, int]) -> dict[str, int]:
        return {"y": self.model.step(model.unpack_bits(inputs["inputs"], self.model.n_inputs))}


class CounterTwin:
    def __init__(self, params: Params) -> None:
        self.model = model.ParallelCounter(model.ParallelCounterConfig(**params))

    def reset(self) -> None:
        self.model.reset()

    def step(self, inputs: dict[str, int]) -> dict[str, int]:
        bits = model.unpack_bits(inputs["inputs"], self.model.n_inputs)
        return {"count": self.model.step(bits)}


class StreamCounterTwin:
    def __init__(self, params: Params) -> None:
        self.model = model.StreamCounter(model.StreamCounterConfig(**params))

    def reset(self) -> None:
        self.model.reset()

    def step(self, inputs: dict[str, int]) -> dict[str, int]:
        out = self.model.step(inputs["bit_in"], inputs["en"], inputs["clear"])
        return {"count": int(out.count), "saturated": int(out.saturated)}


# ---------------------------------------------------------------------------
# Random parameters and stimulus
# ---------------------------------------------------------------------------


def lane_probabilities(rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` probabilities of a one: 15 % each exactly 0 and 1, 20 % near 1/2, rest uniform."""
    p = rng.random(n)
    u = rng.random(n)
    p[u < 0.15] = 0.0
    p[(u >= 0.15) & (u < 0.3)] = 1.0
    near = (u >= 0.3) & (u < 0.5)
    p[near] = rng.uniform(0.4, 0.6, int(near.sum()))
    return p


def biased_bits(rng: np.random.Generator, n_cycles: int, n_lanes: int) -> np.ndarray:
    """``(n_cycles, n_lanes)`` bits, lane ``k`` one with its own drawn probability."""
    p = lane_probabilities(rng, n_lanes)
    # a lane at probability 0 or 1 still toggles once (every input bit must toggle)
    return toggle_every_lane((rng.random((n_cycles, n_lanes)) < p).astype(np.uint8), rng)


def pack_rows(bits: np.ndarray) -> np.ndarray:
    """``(n_cycles, n_lanes)`` bits packed per cycle (``int64``, or ``object`` beyond 62 bits)."""
    rows = [model.pack_bits(row) for row in bits]
    return np.array(rows, dtype=np.int64 if bits.shape[1] <= 62 else object)


def packed_biased(rng: np.random.Generator, n_cycles: int, n_lanes: int) -> np.ndarray:
    """:func:`biased_bits` packed per cycle (:func:`pack_rows`)."""
    return pack_rows(biased_bits(rng, n_cycles, n_lanes))


def _lanes_params(rng: np.random.Generator) -> Params:
    lanes = n_with_edges(rng, 1, MAX_COSIM_LANES)
    if lanes > 16 and rng.random() < 0.4:
        lanes = int(rng.integers(1, 17))
    return {"lanes": lanes}


def _mul_stimulus(params: Params, rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    lanes = params["lanes"]
    return {"a": packed_biased(rng, n, lanes), "b": packed_biased(rng, n, lanes)}


def _mux_params(rng: np.random.Generator) -> Params:
    n_inputs = n_with_edges(rng, 2, model.MAX_MUX_INPUTS)
    lo = n_inputs.bit_length()
    width = edge_or_uniform(rng, max(3, lo), 32, 0.15)
    params: Params = {
        "n_inputs": n_inputs,
        "width": width,
        "seed": int(rng.integers(1, 1 << width)),
        "form": str(rng.choice(["fibonacci", "galois"])),
    }
    if rng.random() < 0.6:
        params["sel_bits"] = edge_or_uniform(rng, lo, width, 0.3)
    if rng.random() < 0.2:
        params["taps"] = list(MAXIMAL_TAPS[width])
    return params


def _mux_stimulus(params: Params, rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    return {
        "inputs": packed_biased(rng, n, params["n_inputs"]),
        "en": (rng.random(n) < 0.9).astype(np.int64),
    }


def _majority_params(rng: np.random.Generator) -> Params:
    n_inputs = n_with_edges(rng, 1, model.MAX_MAJORITY_INPUTS)
    if rng.random() < 0.4:
        n_inputs = 2 * int(rng.integers(1, 9))  # small even N: ties are frequent
    return {"n_inputs": n_inputs, "tie": str(rng.choice(model.TIES))}


def _majority_stimulus(params: Params, rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    n_inputs = params["n_inputs"]
    if rng.random() < 0.5:
        return {"inputs": packed_biased(rng, n, n_inputs)}
    # Half the sets: every input near 1/2, so that even N ties often even when N is large.
    bits = (rng.random((n, n_inputs)) < rng.uniform(0.45, 0.55)).astype(np.uint8)
    rows = [model.pack_bits(row) for row in bits]
    return {"inputs": np.array(rows, dtype=np.int64 if n_inputs <= 62 else object)}


def _counter_params(rng: np.random.Generator) -> Params:
    n_inputs = n_with_edges(rng, 1, model.MAX_COUNTER_INPUTS)
    depth = model.tree_depth(n_inputs)
    return {"n_inputs": n_inputs, "pipeline": edge_or_uniform(rng, 0, depth, 0.3)}


EXTREME_ROW_PERIOD = 64  # mean cycles between the popcount's extreme rows


def counter_bits(rng: np.random.Generator, n_cycles: int, n_lanes: int) -> np.ndarray:
    """``(n_cycles, n_lanes)`` inputs of the parallel counter: biased lanes plus extreme rows.

    Each lane is one with its own drawn probability (:func:`biased_bits`).
    Random lanes almost never make a whole subtree's inputs one together
    (a 16-input node at 1/2 per lane: once in 65,536 cycles), so the top bit
    of each partial sum would go unseen (a Yosys ``mutate`` mutant tying bit 4
    of a 16-input node's sum to 0 survived 3 x 2000 cycles). About every
    :data:`EXTREME_ROW_PERIOD` cycles (at least twice per run) a row is
    replaced by one of: every input one (every node at its maximum), every
    input zero, all but one input one, one input only (the lane drawn).
    Constant lanes still toggle once (drawn after the rows).
    """
    bits = (rng.random((n_cycles, n_lanes)) < lane_probabilities(rng, n_lanes)).astype(np.uint8)
    n_rows = max(2, n_cycles // EXTREME_ROW_PERIOD)
    for row, kind, lane in zip(
        rng.integers(0, n_cycles, n_rows),
        rng.integers(0, 4, n_rows),
        rng.integers(0, n_lanes, n_rows),
        strict=True,
    ):
        bits[row] = 1 if kind in (0, 2) else 0
        if kind >= 2:
            bits[row, lane] ^= 1
    return toggle_every_lane(bits, rng)


def _counter_stimulus(params: Params, rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    return {"inputs": pack_rows(counter_bits(rng, n, params["n_inputs"]))}


def _stream_counter_params(rng: np.random.Generator) -> Params:
    u = rng.random()
    if u < 0.15:
        return {"count_width": 1}
    if u < 0.3:
        return {"count_width": model.MAX_COUNT_WIDTH}
    if u < 0.7:
        return {"count_width": int(rng.integers(2, 10))}  # saturates within 2000 cycles
    return {"count_width": int(rng.integers(2, model.MAX_COUNT_WIDTH))}


def _stream_counter_stimulus(
    params: Params, rng: np.random.Generator, n: int
) -> dict[str, np.ndarray]:
    p_one = float(lane_probabilities(rng, 1)[0])
    p_clear = float(rng.choice([0.0, 0.001, 0.005, 0.02]))
    stim = {
        "bit_in": (rng.random(n) < p_one).astype(np.int64),
        "en": (rng.random(n) < rng.choice([0.7, 0.95, 1.0])).astype(np.int64),
        "clear": (rng.random(n) < p_clear).astype(np.int64),
    }
    # an always-on en, a never-raised clear, a constant stream still toggle once
    return {port: toggle_every_bit(v, 1, rng) for port, v in stim.items()}


and_spec = BlockSpec(
    name="and_mul",
    build=lambda p: hw.AndMul(model.LanesConfig(**p)),
    twin=AndTwin,
    random_params=_lanes_params,
    stimulus=_mul_stimulus,
    default_params={"lanes": 8},
    description="unipolar multiplier: N-lane AND of two streams",
)

xnor_spec = BlockSpec(
    name="xnor_mul",
    build=lambda p: hw.XnorMul(model.LanesConfig(**p)),
    twin=XnorTwin,
    random_params=_lanes_params,
    stimulus=_mul_stimulus,
    default_params={"lanes": 8},
    description="bipolar multiplier: N-lane XNOR of two streams",
)

mux_spec = BlockSpec(
    name="mux_add",
    build=lambda p: hw.MuxAdd(model.MuxAddConfig(**p)),
    twin=MuxTwin,
    random_params=_mux_params,
    stimulus=_mux_stimulus,
    default_params={"n_inputs": 4, "width": 16, "seed": 0xACE1},
    description="MUX scaled adder, select = multiply-shift of its own LFSR's state",
)

majority_spec = BlockSpec(
    name="majority",
    build=lambda p: hw.Majority(model.MajorityConfig(**p)),
    twin=MajorityTwin,
    random_params=_majority_params,
    stimulus=_majority_stimulus,
    default_params={"n_inputs": 8, "tie": "alternate"},
    description="majority vote of N bits; ties zero, one or alternating (toggle register)",
)

counter_spec = BlockSpec(
    name="parallel_counter",
    build=lambda p: hw.ParallelCounter(model.ParallelCounterConfig(**p)),
    twin=CounterTwin,
    random_params=_counter_params,
    stimulus=_counter_stimulus,
    stimulus_version=2,  # extreme rows (counter_bits)
    default_params={"n_inputs": 64, "pipeline": 2},
    description="popcount of N bits, balanced adder tree with 0 .. ceil(log2 N) register stages",
)

stream_counter_spec = BlockSpec(
    name="stream_counter",
    build=lambda p: hw.StreamCounter(model.StreamCounterConfig(**p)),
    twin=StreamCounterTwin,
    random_params=_stream_counter_params,
    stimulus=_stream_counter_stimulus,
    default_params={"count_width": 8},
    description="saturating counter of a stream's ones with enable and clear",
)

SPECS = (and_spec, xnor_spec, mux_spec, majority_spec, counter_spec, stream_counter_spec)
