"""Co-simulation spec of the N x M stochastic synapse block (:mod:`sc_model.synapses`).

Random sizes (N 1 .. 16, M 1 .. 6 for speed), every synapse, input and
aggregation mode, random weights with 0 and +-max over-represented, explicit
rotations/seeds/taps some of the time; stimulus with biased input bits,
values including 0 and the maximum, ``en`` low ~10 % of cycles and weight
writes (including out-of-range addresses and ``w_data = -2**wb``) during the run.
"""

from __future__ import annotations

import numpy as np

from hdl_tests.blocks.arith import _edge_or_uniform, _n_with_edges, biased_bits
from hdl_tests.spec import BlockSpec, Params
from sc_hw.synapses import Synapses as HwSynapses
from sc_model import arith
from sc_model import synapses as model
from sc_model.lfsr import MAXIMAL_TAPS

MAX_COSIM_INPUTS = 16
MAX_COSIM_NEURONS = 6


def unpack_fields(packed: int, n_fields: int, field_width: int) -> np.ndarray:
    """Unsigned fields of a packed port: field ``k`` at bit ``k * field_width``."""
    mask = (1 << field_width) - 1
    return np.array([(packed >> (k * field_width)) & mask for k in range(n_fields)], np.int64)


def pack_fields(values: np.ndarray, field_width: int) -> int:
    """Inverse of :func:`unpack_fields` (values already in range)."""
    return sum(int(v) << (k * field_width) for k, v in enumerate(values))


def synapse_outputs(p: model.SynapseParams, out: model.SynapseOutputs) -> dict[str, int]:
    """The block's output ports from a cycle model result."""
    if p.aggregation == "counter":
        return {"count": model.pack_signed(out.count, p.count_width)}
    return {"up": arith.pack_bits(out.up), "down": arith.pack_bits(out.down)}


def synapse_inputs(p: model.SynapseParams, inputs: dict[str, int]) -> np.ndarray:
    """The cycle model's ``inputs`` argument from the port values."""
    if p.input_mode == "spikes":
        return arith.unpack_bits(inputs["spikes"], p.n_inputs)
    return unpack_fields(inputs["values"], p.n_inputs, p.value_width)


class SynapsesTwin:
    def __init__(self, params: Params) -> None:
        self.model = model.Synapses(**params)
        self.p = self.model.params

    def reset(self) -> None:
        self.model.reset()

    def step(self, inputs: dict[str, int]) -> dict[str, int]:
        out = self.model.step(
            synapse_inputs(self.p, inputs),
            inputs["en"],
            inputs["w_addr"],
            inputs["w_data"],
            inputs["w_en"],
        )
        return synapse_outputs(self.p, out)


def random_weights(rng: np.random.Generator, m: int, n: int, wb: int) -> list[list[int]]:
    """``m x n`` weights in ``[-(2**wb - 1), 2**wb - 1]``; 0 and +-max 15 % each."""
    hi = (1 << wb) - 1
    w = rng.integers(-hi, hi + 1, (m, n))
    u = rng.random((m, n))
    w[u < 0.15] = 0
    w[(u >= 0.15) & (u < 0.3)] = hi
    w[(u >= 0.3) & (u < 0.45)] = -hi
    return w.tolist()


N_COMBINATIONS = len(model.SYNAPSES) * len(model.INPUT_MODES) * len(model.AGGREGATIONS)


def _combination_index(rng: np.random.Generator) -> int:
    """Which of the 12 (synapse, input mode, aggregation) combinations to draw.

    The harness seeds parameter set number ``k`` with ``default_rng([k, 0])``;
    taking ``k mod 12`` makes any 12 consecutive sets cover every combination
    (20 uniform draws would miss about two of them). Any other generator
    draws the combination at random.
    """
    entropy = getattr(rng.bit_generator.seed_seq, "entropy", None)
    if isinstance(entropy, list | tuple) and entropy and isinstance(entropy[0], int):
        return entropy[0] % N_COMBINATIONS
    return int(rng.integers(N_COMBINATIONS))


def random_synapse_params(rng: np.random.Generator, max_n: int, max_m: int) -> Params:
    """One valid random parameter set of the synapse block (also used by ``sc_layer``)."""
    n = _n_with_edges(rng, 1, max_n)
    m = _n_with_edges(rng, 1, max_m)
    combo = _combination_index(rng)
    synapse = model.SYNAPSES[combo % 2]
    input_mode = model.INPUT_MODES[combo // 2 % 2]
    aggregation = model.AGGREGATIONS[combo // 4]
    wb = _edge_or_uniform(rng, 1, 12, 0.2)
    if rng.random() < 0.1:
        wb = model.MAX_WEIGHT_WIDTH
    lo = max(3, wb + (synapse == "xnor"), n.bit_length())
    width = _edge_or_uniform(rng, lo, 32, 0.2)
    params: Params = {
        "n_inputs": n,
        "n_neurons": m,
        "weight_width": wb,
        "weights": random_weights(rng, m, n, wb),
        "synapse": synapse,
        "input_mode": input_mode,
        "aggregation": aggregation,
        "width": width,
        "seed": int(rng.integers(1, 1 << width)),
        "form": str(rng.choice(["fibonacci", "galois"])),
    }
    if rng.random() < 0.2:
        params["taps"] = list(MAXIMAL_TAPS[width])
    if rng.random() < 0.4:
        params["rotations"] = rng.integers(0, width, n).tolist()
    if aggregation == "counter":
        params["pipeline"] = _edge_or_uniform(rng, 0, arith.tree_depth(n), 0.3)
    if aggregation == "majority":
        params["tie"] = str(rng.choice(arith.TIES))
    if aggregation == "mux":
        if rng.random() < 0.4:
            params["mux_seed"] = int(rng.integers(1, 1 << width))
        if rng.random() < 0.4:
            params["mux_sel_bits"] = _edge_or_uniform(rng, n.bit_length(), width, 0.3)
    if input_mode == "values":
        params["value_width"] = _edge_or_uniform(rng, 1, min(width, 12), 0.2)
        if rng.random() < 0.4:
            params["input_seed"] = int(rng.integers(1, 1 << width))
        if rng.random() < 0.3:
            params["input_rotations"] = rng.integers(0, width, n).tolist()
    return params


def _packed(rows: list[int], n_bits: int) -> np.ndarray:
    return np.array(rows, dtype=np.int64 if n_bits <= 62 else object)


def synapse_stimulus(
    p: model.SynapseParams,
    rng: np.random.Generator,
    n_cycles: int,
    p_en: float = 0.9,
    p_write: float = 0.03,
    p_negative: float = 0.5,
    busy: bool = False,
) -> dict[str, np.ndarray]:
    """Random values of the synapse input ports (also used by ``sc_layer``).

    Inputs: biased bits per input (``busy``: probabilities of a one mostly
    high, so that a layer's neurons fire), or values held per input with
    0 and the maximum over-represented, redrawn 5 % of the cycles. Weight
    writes in ``p_write`` of the cycles, to any address (out-of-range ones
    included), magnitudes with 0 and the maximum over-represented, negative
    with probability ``p_negative``, and 5 % ``w_data = -2**wb`` (saturates).
    """
    n, wb = p.n_inputs, p.weight_width
    stim: dict[str, np.ndarray] = {}
    if p.input_mode == "spikes":
        if busy:
            prob = rng.uniform(0.3, 1.0, n)
            prob[rng.random(n) < 0.25] = 1.0
            prob[rng.random(n) < 0.1] = 0.0
            bits = (rng.random((n_cycles, n)) < prob).astype(np.uint8)
        else:
            bits = biased_bits(rng, n_cycles, n)
        stim["spikes"] = _packed([arith.pack_bits(row) for row in bits], n)
    else:
        hi = (1 << p.value_width) - 1
        level = rng.integers(hi // 2 if busy else 0, hi + 1, n)  # per input, mostly held
        level[rng.random(n) < 0.2] = hi
        level[rng.random(n) < (0.05 if busy else 0.15)] = 0
        vals = np.broadcast_to(level, (n_cycles, n)).copy()
        redraw = rng.random((n_cycles, n)) < 0.05
        vals[redraw] = rng.integers(0, hi + 1, int(redraw.sum()))
        stim["values"] = _packed(
            [pack_fields(row, p.value_width) for row in vals], n * p.value_width
        )
    stim["en"] = (rng.random(n_cycles) < p_en).astype(np.int64)
    stim["w_en"] = (rng.random(n_cycles) < p_write).astype(np.int64)
    stim["w_addr"] = rng.integers(0, 1 << p.addr_width, n_cycles, dtype=np.int64)
    top = (1 << wb) - 1
    mag = rng.integers(0, top + 1, n_cycles, dtype=np.int64)
    edge = rng.random(n_cycles)
    mag[edge < 0.2] = top
    mag[(edge >= 0.2) & (edge < 0.3)] = 0
    value = np.where(rng.random(n_cycles) < p_negative, -mag, mag)
    value[edge >= 0.95] = -(1 << wb)  # out of range: written as -(2**wb - 1)
    stim["w_data"] = value & ((1 << (wb + 1)) - 1)
    return stim


def _random_params(rng: np.random.Generator) -> Params:
    return random_synapse_params(rng, MAX_COSIM_INPUTS, MAX_COSIM_NEURONS)


def _stimulus(params: Params, rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    return synapse_stimulus(model.check_synapse_params(**params), rng, n)


SPEC = BlockSpec(
    name="synapses",
    build=lambda p: HwSynapses(**p),
    twin=SynapsesTwin,
    random_params=_random_params,
    stimulus=_stimulus,
    default_params={
        "n_inputs": 8,
        "n_neurons": 4,
        "weight_width": 8,
        "weights": [[(37 * (m + 1) * (j + 3)) % 511 - 255 for j in range(8)] for m in range(4)],
        "aggregation": "counter",
        "pipeline": 2,
        "width": 16,
        "seed": 0xACE1,
    },
    description="N x M SC synapses (AND/XNOR, one shared LFSR) with counter/majority/MUX "
    "aggregation per neuron and a weight write port",
)
