"""Co-simulation spec of the N x M stochastic synapse block (:mod:`sc_model.synapses`).

Random sizes (N 1 .. 16, M 1 .. 6 for speed), every synapse, input and
aggregation mode, random weights with 0 and +-max over-represented, explicit
rotations/seeds/taps some of the time; stimulus with biased input bits,
values including 0 and the maximum, few silent inputs, ``en`` low ~10 % of
cycles and weight writes during the run: sparse ones sweeping every address in
shuffled rounds (some out of range), reload bursts over all weights, values at
the extremes (0, 1, max - 1, max, ``w_data = -2**wb``) over-represented.
Every run starts with the power-on phase of :mod:`sc_cosim.power_on` (up to
800 cycles, ``en`` high, no writes, no mid-run reset), and the drawn weights
are moved to the nearest magnitudes whose LSB flip that phase shows.
"""

from __future__ import annotations

import numpy as np

from sc_cosim import power_on
from sc_cosim.draw import edge_or_uniform, n_with_edges
from sc_cosim.spec import BlockSpec, Params
from sc_cosim.toggles import toggle_every_lane
from sc_hw.synapses import Synapses as HwSynapses
from sc_model import arith
from sc_model import synapses as model
from sc_model.arith import pack_fields, unpack_fields
from sc_model.lfsr import MAXIMAL_TAPS

MAX_COSIM_INPUTS = 16
MAX_COSIM_NEURONS = 6


def synapse_outputs(p: model.SynapseConfig, out: model.SynapseOutputs) -> dict[str, int]:
    """The block's output ports from a cycle model result."""
    if p.aggregation == "counter":
        return {"count": model.pack_signed(out.count, p.count_width)}
    return {"up": arith.pack_bits(out.up), "down": arith.pack_bits(out.down)}


def synapse_inputs(p: model.SynapseConfig, inputs: dict[str, int]) -> np.ndarray:
    """The cycle model's ``inputs`` argument from the port values."""
    if p.input_mode == "spikes":
        return arith.unpack_bits(inputs["spikes"], p.n_inputs)
    return unpack_fields(inputs["values"], p.n_inputs, p.value_width)


class SynapsesTwin:
    def __init__(self, params: Params) -> None:
        self.p = model.SynapseConfig(**params)
        self.model = model.Synapses(self.p)

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
    n = n_with_edges(rng, 1, max_n)
    m = n_with_edges(rng, 1, max_m)
    combo = _combination_index(rng)
    synapse = model.SYNAPSES[combo % 2]
    input_mode = model.INPUT_MODES[combo // 2 % 2]
    aggregation = model.AGGREGATIONS[combo // 4]
    wb = edge_or_uniform(rng, 1, 12, 0.2)
    if rng.random() < 0.1:
        wb = model.MAX_WEIGHT_WIDTH
    lo = max(3, wb + (synapse == "xnor"), n.bit_length())
    width = edge_or_uniform(rng, lo, 32, 0.2)
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
        params["pipeline"] = edge_or_uniform(rng, 0, arith.tree_depth(n), 0.3)
    if aggregation == "majority":
        params["tie"] = str(rng.choice(arith.TIES))
    if aggregation == "mux":
        if rng.random() < 0.4:
            params["mux_seed"] = int(rng.integers(1, 1 << width))
        if rng.random() < 0.4:
            params["mux_sel_bits"] = edge_or_uniform(rng, n.bit_length(), width, 0.3)
    if input_mode == "values":
        params["value_width"] = edge_or_uniform(rng, 1, min(width, 12), 0.2)
        if rng.random() < 0.4:
            params["input_seed"] = int(rng.integers(1, 1 << width))
        if rng.random() < 0.3:
            params["input_rotations"] = rng.integers(0, width, n).tolist()
    if rng.random() < 0.4:
        params["write_register"] = True
    return params


def _packed(rows: list[int], n_bits: int) -> np.ndarray:
    return np.array(rows, dtype=np.int64 if n_bits <= 62 else object)


def _weight_values(
    rng: np.random.Generator, n: int, wb: int, p_negative: float | np.ndarray
) -> np.ndarray:
    """``n`` written weights (as signed ints): magnitudes at the extremes over-represented
    (max 25 %, max - 1 5 %, 1 5 %, 0 10 %), negative with ``p_negative``, and 5 %
    ``-2**wb`` (out of range: written as ``-(2**wb - 1)``)."""
    top = (1 << wb) - 1
    mag = rng.integers(0, top + 1, n, dtype=np.int64)
    u = rng.random(n)
    mag[u < 0.25] = top
    mag[(u >= 0.25) & (u < 0.3)] = max(top - 1, 0)
    mag[(u >= 0.3) & (u < 0.35)] = 1
    mag[(u >= 0.35) & (u < 0.45)] = 0
    value = np.where(rng.random(n) < p_negative, -mag, mag)
    value[u >= 0.95] = -(1 << wb)
    return value


def weight_writes(
    p: model.SynapseConfig,
    rng: np.random.Generator,
    n_cycles: int,
    p_write: float,
    p_negative: float,
    bursts: int,
) -> dict[str, np.ndarray]:
    """``w_en``, ``w_addr``, ``w_data`` of a run: sparse writes and reload bursts.

    Sparse writes (``p_write`` of the cycles) walk the in-range addresses in
    shuffled rounds, so every weight is rewritten about equally often (85 %),
    or hit any address, out-of-range ones included (15 %). ``bursts`` times
    per run a reload writes every weight, one per cycle in random order, with
    its own share of negative weights (10, 50 and 90 % in random order, so
    three bursts give a run phases of excitation, balance and inhibition);
    consecutive writes to the same weight happen too (a burst right after a
    sparse write).
    """
    n_syn = p.n_inputs * p.n_neurons
    w_en = (rng.random(n_cycles) < p_write).astype(np.int64)
    n_sparse = int(w_en.sum())
    rounds = -(-max(n_sparse, 1) // n_syn)
    sweep = np.concatenate([rng.permutation(n_syn) for _ in range(rounds)])[:n_sparse]
    anywhere = rng.integers(0, 1 << p.addr_width, n_sparse, dtype=np.int64)
    addr = np.zeros(n_cycles, dtype=np.int64)
    addr[w_en == 1] = np.where(rng.random(n_sparse) < 0.85, sweep, anywhere)
    addr[w_en == 0] = rng.integers(0, 1 << p.addr_width, n_cycles - n_sparse)  # ignored
    neg = np.full(n_cycles, p_negative)
    shares = np.resize(rng.permutation([0.1, 0.5, 0.9]), bursts)
    starts = np.sort(rng.integers(0, n_cycles - n_syn, bursts)) if n_syn < n_cycles // 4 else []
    for start, share in zip(starts, shares, strict=False):
        span = slice(int(start), int(start) + n_syn)
        w_en[span] = 1
        addr[span] = rng.permutation(n_syn)
        neg[span] = share
    value = _weight_values(rng, n_cycles, p.weight_width, neg)
    return {
        "w_en": w_en,
        "w_addr": addr,
        "w_data": value & ((1 << (p.weight_width + 1)) - 1),
    }


def synapse_stimulus(
    p: model.SynapseConfig,
    rng: np.random.Generator,
    n_cycles: int,
    p_en: float = 0.9,
    p_write: float = 0.06,
    p_negative: float = 0.5,
    busy: bool = False,
    bursts: int = 3,
) -> dict[str, np.ndarray]:
    """Random values of the synapse input ports (also used by ``sc_layer``).

    Inputs: bits per input with their own probability of a one, in
    ``[0.2, 1]`` (``busy``: ``[0.3, 1]``, so that a layer's neurons fire),
    25 % of the inputs always 1 and only 2 % silent (a silent input hides
    its synapses for the whole run); or values held per input with 0 and the
    maximum over-represented, redrawn 5 % of the cycles. Weight writes:
    :func:`weight_writes`.
    """
    n = p.n_inputs
    stim: dict[str, np.ndarray] = {}
    if p.input_mode == "spikes":
        prob = rng.uniform(0.3 if busy else 0.2, 1.0, n)
        prob[rng.random(n) < 0.25] = 1.0
        prob[rng.random(n) < 0.02] = 0.0
        # silent and always-on inputs still toggle once
        bits = toggle_every_lane((rng.random((n_cycles, n)) < prob).astype(np.uint8), rng)
        stim["spikes"] = _packed([arith.pack_bits(row) for row in bits], n)
    else:
        hi = (1 << p.value_width) - 1
        level = rng.integers(hi // 2 if busy else 0, hi + 1, n)  # per input, mostly held
        level[rng.random(n) < 0.2] = hi
        level[rng.random(n) < (0.02 if busy else 0.05)] = 0
        vals = np.broadcast_to(level, (n_cycles, n)).copy()
        redraw = rng.random((n_cycles, n)) < 0.05
        vals[redraw] = rng.integers(0, hi + 1, int(redraw.sum()))
        stim["values"] = _packed(
            [pack_fields(row, p.value_width) for row in vals], n * p.value_width
        )
    stim["en"] = (rng.random(n_cycles) < p_en).astype(np.int64)
    stim.update(weight_writes(p, rng, n_cycles, p_write, p_negative, bursts))
    k = power_on.phase_cycles(n_cycles)
    inputs = power_on.synapse_phase(p, k)[0]
    port = "spikes" if p.input_mode == "spikes" else "values"
    field = 1 if p.input_mode == "spikes" else p.value_width
    phase = {port: _packed([pack_fields(row, field) for row in inputs], n * field)}
    phase.update(en=np.ones(k, np.int64), w_en=np.zeros(k, np.int64))
    power_on.overwrite_start(stim, phase)
    return stim


def _random_params(rng: np.random.Generator) -> Params:
    params = random_synapse_params(rng, MAX_COSIM_INPUTS, MAX_COSIM_NEURONS)
    params["weights"] = power_on.phase_weights(model.SynapseConfig(**params))
    return params


def _stimulus(params: Params, rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    return synapse_stimulus(model.SynapseConfig(**params), rng, n)


SPEC = BlockSpec(
    name="synapses",
    build=lambda p: HwSynapses(model.SynapseConfig(**p)),
    twin=SynapsesTwin,
    random_params=_random_params,
    stimulus=_stimulus,
    default_params={
        "n_inputs": 8,
        "n_neurons": 4,
        "weight_width": 8,
        # (37 (m + 1) (j + 3)) % 511 - 255, moved by scripts/choose_power_on_weights.py
        # so that the power-on phase shows a flip of bit 0 or 1 of any weight
        "weights": [
            [-144, -107, -70, -33, 4, 41, 78, 116],
            [-33, 41, 115, 189, -248, -174, -100, -26],
            [78, 190, -211, -100, 11, 121, 233, -167],
            [190, -173, -26, 122, -241, -93, 55, 203],
        ],
        "aggregation": "counter",
        "pipeline": 2,
        "width": 16,
        "seed": 0xACE1,
    },
    description="N x M SC synapses (AND/XNOR, one shared LFSR) with counter/majority/MUX "
    "aggregation per neuron and a weight write port",
    latency="counter: pipeline enabled cycles (combinational for pipeline 0)",
    quiet_cycles=lambda p, n: power_on.phase_cycles(n),
)
