"""Co-simulation spec of the learning layer core (:mod:`sc_model.learning_core`).

Parameters: those of :mod:`sc_cosim.blocks.sc_layer_tm` (N 1 .. 12, M 1 .. 5,
any lane count, every synapse, leak and reset mode) plus random plasticity:
trace widths 1 .. 10, increments, decay shifts, amplitudes 0 .. 300 (often
large enough to saturate), update shifts, floor or stochastic rounding and a
random ``[w_min, w_max]`` around 0 (the initial weights clamped into it);
STDP sets whose word fits 32 bits take ``weight_ram="spram"`` (two parity
banks, pass latency 7, power-on weights 0) with probability 0.75, R-STDP
sets with probability 0.5 (their lanes cut so that the weight word and the
eligibility word fit 16 bits each: weight and eligibility parity banks); every
set takes ``host_access="registered"`` (the host's access one cycle after its
ack, the core held at ``k = 0`` in that cycle) with probability 0.4.
Stimulus: a power-on phase (:func:`power_on_reads`: with ``en`` low before
the first tick the host reads every word of every space and one address past
each end, one per cycle, so every power-on bit of the weight, threshold,
state, pre-trace and eligibility memories reaches ``host_rdata``; under
R-STDP then tick 0 and a host write of every eligibility word with ``en`` low,
:func:`eligibility_load_cycles`), then a saturation phase
(:func:`saturation_schedule`: host writes with ``en`` low put every membrane
at ``V_MIN`` or ``V_MAX`` with its neuron's weights at ``w_min`` or ``w_max``
and every threshold at ``V_MAX``, two ticks of all-ones input per polarity and a
read of every state, pre-trace and eligibility word after them,
then the power-on weights and thresholds written back: the LIF clamp, which
the random phase never reaches, is hit on both sides), then a pass phase
(:func:`pass_schedule`: rounds of random words written to every state,
pre-trace and eligibility word, each twice, its complement first, one tick
with the drawn spikes, and a read of every word: each pass's arithmetic from
host-chosen traces and eligibilities, seen before the next pass rewrites
it), then busy spike inputs,
``en`` low in ~10 % of the cycles plus a few long holds, host requests in
half the cycles (reads and writes of random words to every space, sometimes
past a space's end); every output, including every weight write
(``upd_*``), both traces and the host port, is compared every cycle.
"""

from __future__ import annotations

import numpy as np

from sc_cosim.blocks.arith import _edge_or_uniform
from sc_cosim.blocks.sc_layer_tm import layer_ports, random_tm_params
from sc_cosim.spec import BlockSpec, Params
from sc_hw.learning_core import LearningCore as HwLearningCore
from sc_model import arith
from sc_model.learning_core import LearningCoreConfig, LearningCoreCycle, learning_core_params
from sc_model.sc_layer_tm import encode_weight_word


class LearningCoreTwin:
    def __init__(self, params: Params) -> None:
        self.config = LearningCoreConfig(**params)
        self.model = LearningCoreCycle(self.config)

    def reset(self) -> None:
        self.model.reset()

    def step(self, inputs: dict[str, int]) -> dict[str, int]:
        c = self.config
        reward = inputs.get("reward", 0)  # the port's bits, two's complement
        if reward >> (c.reward_width - 1):
            reward -= 1 << c.reward_width
        out = self.model.step(
            arith.unpack_bits(inputs["spikes"], c.n_inputs),
            inputs["en"],
            inputs["host_req"],
            inputs["host_we"],
            inputs["host_space"],
            inputs["host_addr"],
            inputs["host_wdata"],
            reward,
            inputs.get("reward_strobe", 0),
        )
        return {
            **layer_ports(out, c.v_width),
            "upd_en": out.upd_en,
            "upd_addr": out.upd_addr,
            "upd_data": out.upd_data,
            "host_ack": out.host_ack,
            "host_rvalid": out.host_rvalid,
            "host_rdata": out.host_rdata,
        }


def random_learning_params(rng: np.random.Generator) -> Params:
    """One random, valid parameter set (a random TM layer plus random plasticity)."""
    params = random_tm_params(rng)
    wb, width = params["weight_width"], params["width"]
    top = (1 << wb) - 1
    w_min = -_edge_or_uniform(rng, 0, top, 0.3)
    w_max = _edge_or_uniform(rng, 0, top, 0.3)
    params["weights"] = np.clip(np.array(params["weights"]), w_min, w_max).tolist()
    tb = _edge_or_uniform(rng, 1, 10, 0.2)
    rounding = str(rng.choice(["floor", "stochastic"]))
    lo = 1 if rounding == "stochastic" else 0
    params.update(
        w_min=w_min,
        w_max=w_max,
        trace_width=tb,
        pre_increment=int(rng.integers(0, 1 << tb)),
        post_increment=int(rng.integers(0, 1 << tb)),
        decay_shift=_edge_or_uniform(rng, 1, tb, 0.3),
        a_plus=_edge_or_uniform(rng, 0, 300, 0.15),
        a_minus=_edge_or_uniform(rng, 0, 300, 0.15),
        update_shift=_edge_or_uniform(rng, lo, min(10, width), 0.2),
        rounding=rounding,
        stdp_seed=int(rng.integers(1, 1 << width)),
    )
    if rng.random() < 0.5:
        eb = _edge_or_uniform(rng, 3, 14, 0.2)
        params.update(
            rule="rstdp",
            elig_width=eb,
            elig_decay_shift=_edge_or_uniform(rng, 1, eb - 1, 0.3),
            reward_width=_edge_or_uniform(rng, 2, 10, 0.2),
            reward_shift=_edge_or_uniform(rng, 0, 8, 0.2),
        )
    # (drawn last, so the other sets are those drawn before this option existed)
    if params.get("rule") != "rstdp" and params["lanes"] * (wb + 1) <= 32:
        if rng.random() < 0.75:  # weights in two parity banks (SPRAM): pass latency 7
            params.update(weight_ram="spram", weights=np.zeros_like(params["weights"]).tolist())
    elif params.get("rule") == "rstdp" and rng.random() < 0.5:
        # weights and eligibilities in parity banks: both words in one 16-bit SPRAM
        # each, so at most 16 // (wb + 1) and 16 // eb lanes (4 blocks in all)
        lanes = max(1, min(params["lanes"], 16 // (wb + 1), 16 // params["elig_width"]))
        params.update(
            lanes=lanes, weight_ram="spram", weights=np.zeros_like(params["weights"]).tolist()
        )
        if "lane_rotations" in params:
            params["lane_rotations"] = params["lane_rotations"][:lanes]
    if rng.random() < 0.4:  # the host's access performed in the cycle after its ack
        params["host_access"] = "registered"
    return learning_core_params(LearningCoreConfig(**params))


def power_on_reads(c: LearningCoreConfig) -> list[tuple[int, int]]:
    """``(space, address)`` of the power-on phase's reads, in order.

    Every word of the weight (0), threshold (1), state (2) and pre-trace (3)
    spaces and, under R-STDP, the eligibility space (4), then one address past
    each end where the address width has one (read as 0, the host port's rule).
    """
    reads = []
    spaces = [(0, c.words), (1, c.n_neurons), (2, c.n_neurons), (3, c.chunks)]
    for space, depth in spaces + ([(4, c.words)] if c.rstdp else []):
        end = min(depth + 1, 1 << c.host_addr_width)
        reads += [(space, a) for a in range(end)]
    return reads


def eligibility_load_cycles(c: LearningCoreConfig, n: int) -> int:
    """Cycles of the R-STDP eligibility load after the power-on reads (0 under STDP, or
    when it and the reads would take more than half of an ``n``-cycle run): tick 0 with
    ``en`` high (its pass rewrites every eligibility word from 0), then one host write
    per eligibility word with ``en`` low at ``k = 0`` of tick 1 (random words, what
    the following ticks' passes read)."""
    if not c.rstdp:
        return 0
    load = c.tick_cycles + c.words
    return load if len(power_on_reads(c)) + load <= n // 2 else 0


SATURATION_TICKS = 2  # ticks of all-ones input per polarity of the saturation phase


def saturation_schedule(c: LearningCoreConfig, n: int) -> list[tuple[int, int, int, int] | None]:
    """The saturation phase after the power-on reads (and the eligibility load), per cycle.

    Each entry is a host access ``(we, space, addr, wdata)`` with ``en`` low
    at ``k = 0`` (the host is served every cycle), or None: a cycle with
    ``en`` high and every input spiking. Under STDP it opens with tick 0 (``T``
    cycles: the first tick after reset starts every neuron from ``v_reset``,
    which would overwrite state written before it); the R-STDP eligibility
    load has run tick 0 already. Then a read of every state, pre-trace and
    eligibility word (what tick 0 left: all-ones ticks saturate the traces
    and would erase it). Then twice, with the polarities swapped: every
    threshold at ``V_MAX`` (first round), every membrane at ``V_MIN`` (even
    neurons) or ``V_MAX`` (odd neurons), refractory count and post trace 0, the
    neuron's weights all ``w_min`` resp. ``w_max``, :data:`SATURATION_TICKS`
    ticks of all-ones input, then a read of every state, pre-trace and
    eligibility word (the traces after every neuron and input spiked): the
    membranes' sums leave the ``v_width``-bit range on both sides (the LIF
    clamp and its overflow test, which the busy random phase never reaches,
    and ``L(v) + x - threshold`` at its most negative).
    Last, the power-on weight and threshold words are written back, so the
    random phase starts from the parameter set's weights. Empty when the phase,
    the reads and the eligibility load would take more than half of an
    ``n``-cycle run.
    """
    layer = LearningCoreCycle(c).layer
    v_min, v_max = (-(1 << (c.v_width - 1)), (1 << (c.v_width - 1)) - 1)
    v_mask = (1 << c.v_width) - 1
    t_max = layer.threshold_range()[1]
    ticks: list[tuple[int, int, int, int] | None] = [None] * (SATURATION_TICKS * c.tick_cycles)
    reads = [(0, 2, m, 0) for m in range(c.n_neurons)] + [(0, 3, a, 0) for a in range(c.chunks)]
    reads += [(0, 4, a, 0) for a in range(c.words)] if c.rstdp else []
    plan: list[tuple[int, int, int, int] | None] = [] if c.rstdp else [None] * c.tick_cycles
    plan += reads  # what tick 0 (and the eligibility load) left, before the phase rewrites it
    plan += [(1, 1, m, t_max & v_mask) for m in range(c.n_neurons)]
    for polarity in (0, 1):
        for m in range(c.n_neurons):
            low = (m + polarity) % 2 == 0
            plan.append((1, 2, m, (v_min if low else v_max) & v_mask))
            word = encode_weight_word([c.w_min if low else c.w_max] * c.lanes, c.weight_width)
            plan += [(1, 0, m * c.chunks + ch, word) for ch in range(c.chunks)]
        plan += ticks + reads
    plan += [(1, 0, a, word) for a, word in enumerate(c.weight_words())]  # power-on image
    thresholds = np.asarray(c.thresholds).tolist()
    plan += [(1, 1, m, int(t) & v_mask) for m, t in enumerate(thresholds)]
    before = len(power_on_reads(c)) + eligibility_load_cycles(c, n)
    return plan if before + len(plan) <= n // 2 else []


PASS_ROUNDS = 10  # rounds of the pass phase


def pass_schedule(
    c: LearningCoreConfig, n: int, rng: np.random.Generator
) -> list[tuple[int, int, int, int] | None]:
    """The pass phase after the saturation phase, per cycle (its words drawn from ``rng``).

    Each entry is a host access ``(we, space, addr, wdata)`` with ``en`` low
    at ``k = 0`` (the host is served every cycle), or None: a cycle with
    ``en`` high, no host request and the drawn spikes. :data:`PASS_ROUNDS`
    rounds, each: every state word (membrane, refractory count, post trace
    ``y`` and post spike bit), pre-trace word (traces ``x`` and pre spike
    bits) and, under R-STDP, eligibility word written with a uniform random
    word, twice, its complement first, the addresses in descending order and
    the spaces in an order that rotates with the round (so in some round
    every space's word 0 is the last write before the tick: a read port that
    latches a word one cycle early sees its complement); one tick (``T``
    cycles: its pass reads those words and rewrites the weights and
    eligibilities from them); then a read of every weight, state, pre-trace
    and eligibility word. So a pass's products, rounding, sign extensions
    and clamps are seen from chosen operands and read before the next pass
    rewrites them: the busy random phase writes such a word about once per
    tick and seldom reads it back after exactly one pass (the solver's
    counterexamples for the random set of seed 0 were such sequences:
    ``docs/mutation.md``). Last, the power-on weights are written back.
    Empty when this phase and those before it would take more than half of
    an ``n``-cycle run.
    """
    spaces = [(2, c.n_neurons, c.state_width), (3, c.chunks, c.pre_word_width)]
    spaces += [(4, c.words, c.elig_word_width)] if c.rstdp else []
    reads = [(0, 0, a, 0) for a in range(c.words)]
    reads += [(0, space, a, 0) for space, depth, _ in spaces for a in range(depth)]
    plan: list[tuple[int, int, int, int] | None] = []
    for r in range(PASS_ROUNDS):
        for space, depth, width in spaces[r % len(spaces) :] + spaces[: r % len(spaces)]:
            mask = (1 << width) - 1
            for a in reversed(range(depth)):
                parts = range(width // 30 + 1)
                word = sum(int(rng.integers(0, 1 << 30)) << (30 * i) for i in parts)
                plan += [(1, space, a, ~word & mask), (1, space, a, word & mask)]
        plan += [None] * c.tick_cycles + reads
    plan += [(1, 0, a, word) for a, word in enumerate(c.weight_words())]  # power-on image
    before = len(power_on_reads(c)) + eligibility_load_cycles(c, n) + len(saturation_schedule(c, n))
    return plan if before + len(plan) <= n // 2 else []


def power_on_cycles(params: Params, n: int) -> int:
    """Cycles at the start of an ``n``-cycle run kept free of mid-run resets:
    the reads of :func:`power_on_reads` (at most half the run) and their data,
    the eligibility load (:func:`eligibility_load_cycles`), the saturation
    phase (:func:`saturation_schedule`) and the pass phase (:func:`pass_schedule`)."""
    c = LearningCoreConfig(**params)
    reads = min(len(power_on_reads(c)), n // 2)
    phase = reads + eligibility_load_cycles(c, n) + len(saturation_schedule(c, n))
    phase += len(pass_schedule(c, n, np.random.default_rng(0)))  # its length only
    return min(n, phase + c.host_read_latency)


def learning_stimulus(params: Params, rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    c = LearningCoreConfig(**params)
    density = rng.uniform(0.2, 0.8)
    bits = rng.random((n, c.n_inputs)) < density
    # Python ints (object array): any width; an int64 sum goes negative at bit 63
    weights = [1 << k for k in range(c.n_inputs)]
    spikes = np.array(
        [sum(w for w, b in zip(weights, row, strict=True) if b) for row in bits], dtype=object
    )
    en = rng.random(n) < 0.9
    for start in rng.integers(0, n, max(1, n // 200)):  # a few long holds (host bulk access)
        en[start : start + int(rng.integers(5, 40))] = False
    # host requests: busy, mostly to the three spaces held, sometimes past the space's end
    space = np.where(rng.random(n) < 0.95, rng.integers(0, 5, n), rng.integers(5, 8, n))
    deep = (space == 0) | (space == 4)
    hi = np.where(deep, c.words, np.where(space == 3, c.chunks, c.n_neurons)) + 2
    addr = np.minimum(rng.integers(0, 1 << 30, n) % hi, (1 << c.host_addr_width) - 1)
    wdata = np.array([int(v) for v in rng.integers(0, 1 << 62, n, dtype=np.int64)], dtype=object)
    wdata = np.array([(v | v << 62) & ((1 << c.host_data_width) - 1) for v in wdata], dtype=object)
    # a threshold written must be one the configuration allows (the model raises otherwise)
    lo, hi = LearningCoreCycle(c).layer.threshold_range()
    for t in np.flatnonzero(space == 1):
        value = int(rng.integers(lo, hi + 1)) & ((1 << c.v_width) - 1)
        wdata[t] = (int(wdata[t]) >> c.v_width << c.v_width) | value
    rewards = {}
    if c.rstdp:
        half = 1 << (c.reward_width - 1)
        rewards = {
            "reward": rng.integers(-half, half, n) & ((1 << c.reward_width) - 1),
            "reward_strobe": (rng.random(n) < 0.5).astype(np.int64),
        }
    host_req = (rng.random(n) < 0.5).astype(np.int64)
    host_we = (rng.random(n) < 0.4).astype(np.int64)
    # power-on phase: en low at k = 0 (the host is served every cycle), reads only
    reads = power_on_reads(c)[: n // 2]
    if reads:
        k = len(reads)
        en[:k], host_req[:k], host_we[:k] = False, 1, 0
        space[:k], addr[:k] = np.array(reads).T
    if eligibility_load_cycles(c, n):  # tick 0, then every eligibility word written
        t0 = len(reads) + c.tick_cycles
        en[len(reads) : t0] = True
        load = slice(t0, t0 + c.words)
        en[load], host_req[load], host_we[load], space[load] = False, 1, 1, 4
        addr[load] = np.arange(c.words)
        ew = c.elig_word_width
        for t in range(t0, t0 + c.words):
            wdata[t] = sum(int(rng.integers(0, 1 << 30)) << (30 * i) for i in range(ew // 30 + 1))
            wdata[t] &= (1 << ew) - 1
    t0 = len(reads) + eligibility_load_cycles(c, n)
    saturation = saturation_schedule(c, n)
    for t, step in enumerate(saturation, t0):  # no draws: the rest is unchanged
        if step is None:
            en[t], host_req[t], spikes[t] = True, 0, (1 << c.n_inputs) - 1
        else:
            en[t], host_req[t], spikes[t] = False, 1, 0
            host_we[t], space[t], addr[t], wdata[t] = step
    t0 += len(saturation)
    # drawn after every other draw, so the random phase is what it was
    for t, step in enumerate(pass_schedule(c, n, rng), t0):
        if step is None:
            en[t], host_req[t] = True, 0
        else:
            en[t], host_req[t], spikes[t] = False, 1, 0
            host_we[t], space[t], addr[t], wdata[t] = step
    return rewards | {
        "spikes": spikes,
        "en": en.astype(np.int64),
        "host_req": host_req,
        "host_we": host_we,
        "host_space": space.astype(np.int64),
        "host_addr": addr.astype(np.int64),
        "host_wdata": wdata,
    }


SPEC = BlockSpec(
    name="learning_core",
    build=lambda p: HwLearningCore(**p),
    twin=LearningCoreTwin,
    random_params=random_learning_params,
    stimulus=learning_stimulus,
    stimulus_version=3,  # 2: the saturation phase; 3: the pass phase
    default_params={
        "n_inputs": 16,
        "n_neurons": 4,
        "lanes": 4,
        "weight_width": 8,
        # two mixed neurons, one mostly inhibitory (goes negative), one strongly
        # excitatory with a high threshold; potentiation dominates (weights reach w_max)
        "weights": [[(53 * (k + 1) * (j + 5)) % 300 - 60 for j in range(16)] for k in range(2)]
        + [[-200 + 20 * j for j in range(16)], [255 - 5 * j for j in range(16)]],
        "width": 16,
        "seed": 0xACE1,
        "v_width": 8,
        "thresholds": [4, 8, 10, 90],
        "leak_mode": "shift",
        "leak_shift": 4,
        "trace_width": 8,
        "a_plus": 40,
        "a_minus": 10,
        "update_shift": 6,
        "rounding": "stochastic",
        "w_min": -200,
        "w_max": 255,
        "stdp_seed": 0x1D2B,
    },
    quiet_cycles=power_on_cycles,
    description="Learning layer core: the time-multiplexed SC layer with an STDP pass "
    "rewriting its weight RAM word by word every tick (traces, stochastic rounding)",
)
