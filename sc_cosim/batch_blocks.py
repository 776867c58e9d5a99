"""What the batch co-simulation (:mod:`sc_cosim.batch`) knows about each block.

Cycle-level blocks (:class:`CycleBlock`) give a vectorised stimulus of
``batch`` independent runs of ``cycles`` cycles (port values, arrays
``(batch, cycles)``, wide ports with a trailing word axis) and the expected
output ports of the same shape from the block's vectorised model. The
learning core (:func:`learning_core_plan`, :func:`learning_core_check`) and
``sc_layer_tm`` (:func:`layer_tm_plan`, :func:`layer_tm_check`) are compared
at tick level.

Stimulus here is drawn for speed (NumPy only, no model in the loop), unlike
the cocotb specs in :mod:`sc_cosim.blocks`, which steer some inputs with the
model (``lif``'s aimed boundary hits) and exercise what the vectorised
models leave out (``en`` low and weight writes in the layers).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from sc_cosim.batch_sim import FLAG_RECORD, FLAG_RST, BatchSim, Port, as_int, pack_array
from sc_cosim.spec import Params
from sc_model import lif
from sc_model.learning_core import LearningCore, LearningCoreConfig
from sc_model.sc_layer import SCLayer, SCLayerConfig
from sc_model.sc_layer_tm import SCLayerTM, SCLayerTMConfig
from sc_model.synapses import SynapseConfig, check_synapse_params, synapses_run

Arrays = dict[str, np.ndarray]


@dataclass(frozen=True)
class CycleBlock:
    """Cycle-level batch comparison of one block.

    ``stimulus(params, rng, ports, batch, cycles)`` -> input port values;
    ``expected(params, stimulus, ports)`` -> output port values, each
    ``(batch, cycles)`` (plus a word axis for ports over 64 bits), row ``t``
    the outputs *during* cycle ``t`` of a run begun by a reset cycle.
    ``ports`` maps port names to :class:`Port`. Inputs not given stay 0; keys
    beginning with ``_`` are not ports but model-side arrays handed on to
    ``expected`` (the unpacked inputs, so they need not be decoded again).
    """

    name: str
    stimulus: Callable[[Params, np.random.Generator, dict[str, Port], int, int], Arrays]
    expected: Callable[[Params, Arrays, dict[str, Port]], Arrays]


# --------------------------------------------------------------------------
# lif
# --------------------------------------------------------------------------

SEGMENT = 128  # cycles per drive segment of the lif stimulus


def lif_stimulus(
    params: Params, rng: np.random.Generator, ports: dict[str, Port], batch: int, cycles: int
) -> Arrays:
    """Drive segments of 128 cycles (random, strong +, strong -, fine steps); range ends
    over-represented; ``en`` low in 2, 5 or 20 % of the cycles (per run)."""
    p = lif.check_lif_params(**params)
    n_seg = -(-cycles // SEGMENT)
    kinds = np.repeat(rng.integers(0, 4, (batch, n_seg)), SEGMENT, axis=1)[:, :cycles]
    p_low = rng.choice([0.02, 0.05, 0.2], size=(batch, 1))
    en = (rng.random((batch, cycles)) >= p_low).astype(np.uint8)
    if p.input_mode == "updown":
        up_p = np.choose(kinds, [0.5, 0.9, 0.05, 0.6])
        down_p = np.choose(kinds, [0.5, 0.05, 0.9, 0.3])
        up = (rng.random(kinds.shape) < up_p).astype(np.uint8)
        down = (rng.random(kinds.shape) < down_p).astype(np.uint8)
        return {"en": en, "up": up, "down": down}
    lo, hi = p.in_min, p.in_max
    # two uniform arrays drive everything (drawing one array per candidate is the slow part)
    r = rng.random(kinds.shape, dtype=np.float32)
    r2 = rng.random(kinds.shape, dtype=np.float32)
    half = (hi + 1) // 2
    uniform = lo + np.floor(r * (hi - lo + 1)).astype(np.int64)
    strong_pos = half + np.floor(r * (hi - half + 1)).astype(np.int64)
    strong_neg = lo + np.floor(r * (lo // 2 - lo + 1)).astype(np.int64)
    # fine drive: step sizes spread over every octave up to the largest input, 20 % negative
    step = np.minimum(np.floor(np.exp2(r * p.in_width)).astype(np.int64), max(hi, 1))
    fine = np.clip(np.where((r2 >= 0.1) & (r2 < 0.28), -step, step), lo, hi)
    x = np.choose(kinds, [uniform, strong_pos, strong_neg, fine])
    x = np.minimum(np.maximum(x, lo), hi)  # float rounding at the top of the range
    x[r2 < 0.04] = hi
    x[(r2 >= 0.04) & (r2 < 0.08)] = lo
    x[(r2 >= 0.08) & (r2 < 0.1)] = 0
    return {"en": en, "in_count": x & ((1 << p.in_width) - 1)}


def lif_expected(params: Params, stim: Arrays, ports: dict[str, Port]) -> Arrays:
    """:func:`sc_model.lif.lif_trace` over the runs as its batch axis."""
    p = lif.check_lif_params(**params)
    if p.input_mode == "updown":
        x = stim["up"].astype(np.int64) - stim["down"].astype(np.int64)
    else:
        raw = stim["in_count"].astype(np.int64)
        x = raw - ((raw >> (p.in_width - 1)) << p.in_width)
    tr = lif.lif_trace(x.T[..., None], en=stim["en"].T[..., None], **p.kwargs())
    out = {
        "v": tr.v[..., 0].T & ((1 << p.v_width) - 1),
        "spike": tr.spike[..., 0].T,
    }
    if p.refractory:
        out["refractory_count"] = tr.refractory_count[..., 0].T
    return out


LIF = CycleBlock("lif", lif_stimulus, lif_expected)


# --------------------------------------------------------------------------
# sc_layer
# --------------------------------------------------------------------------


def _synapse_drive(
    sp: SynapseConfig, rng: np.random.Generator, ports: dict[str, Port], batch: int, cycles: int
) -> Arrays:
    """Spike bits with a per-run density 0.1 .. 0.9 (in steps of 1/256; or uniform input
    values); ``en`` high and no weight writes (what ``synapses_run`` and ``SCLayer.run``
    model). Bits are random bytes below a per-run threshold (no floats: the fast draw)."""
    n = sp.n_inputs
    en = np.ones((batch, cycles), np.uint8)
    if sp.input_mode == "spikes":
        threshold = rng.integers(26, 231, (batch, 1, 1), dtype=np.uint8)  # 0.1 .. 0.9 of 256
        bits = (rng.integers(0, 256, (batch, cycles, n), dtype=np.uint8) < threshold).view(np.uint8)
        return {"en": en, "spikes": pack_array(bits, 1, ports["spikes"]), "_inputs": bits}
    vw = sp.value_width
    values = rng.integers(0, 1 << vw, (batch, cycles, n))
    return {"en": en, "values": pack_array(values, vw, ports["values"]), "_inputs": values}


def layer_stimulus(
    params: Params, rng: np.random.Generator, ports: dict[str, Port], batch: int, cycles: int
) -> Arrays:
    """The synapse drive of :func:`_synapse_drive` for the layer's synapses."""
    return _synapse_drive(SCLayerConfig(**params).synapse_params, rng, ports, batch, cycles)


def layer_expected(params: Params, stim: Arrays, ports: dict[str, Port]) -> Arrays:
    """:class:`sc_model.sc_layer.SCLayer` over the runs as its batch axis."""
    c = SCLayerConfig(**params)
    inputs = stim["_inputs"]
    out = SCLayer(c).run(np.swapaxes(inputs, 0, 1))  # (cycles, batch, N)
    spikes = np.swapaxes(out.spikes, 0, 1)
    v = np.swapaxes(out.v, 0, 1) & ((1 << c.v_width) - 1)
    return {
        "spikes_out": pack_array(spikes, 1, ports["spikes_out"]),
        "v_out": pack_array(v, c.v_width, ports["v_out"]),
    }


SC_LAYER = CycleBlock("sc_layer", layer_stimulus, layer_expected)


# --------------------------------------------------------------------------
# synapses
# --------------------------------------------------------------------------


def synapses_stimulus(
    params: Params, rng: np.random.Generator, ports: dict[str, Port], batch: int, cycles: int
) -> Arrays:
    """The drive of :func:`_synapse_drive`."""
    return _synapse_drive(check_synapse_params(**params), rng, ports, batch, cycles)


def synapses_expected(params: Params, stim: Arrays, ports: dict[str, Port]) -> Arrays:
    """:func:`sc_model.synapses.synapses_run` over the runs as its batch axis (no time loop)."""
    sp = check_synapse_params(**params)
    out = synapses_run(sp, np.swapaxes(stim["_inputs"], 0, 1))
    if sp.aggregation == "counter":
        cw = sp.count_width
        count = np.swapaxes(out.count, 0, 1) & ((1 << cw) - 1)
        return {"count": pack_array(count, cw, ports["count"])}
    return {
        "up": pack_array(np.swapaxes(out.up, 0, 1), 1, ports["up"]),
        "down": pack_array(np.swapaxes(out.down, 0, 1), 1, ports["down"]),
    }


SYNAPSES = CycleBlock("synapses", synapses_stimulus, synapses_expected)

CYCLE_BLOCKS: dict[str, CycleBlock] = {b.name: b for b in (LIF, SC_LAYER, SYNAPSES)}


# --------------------------------------------------------------------------
# learning_core (tick level)
# --------------------------------------------------------------------------

LEARNING_STROBES = ("out_valid", "upd_en")


def learning_core_ice40(seed: int = 1) -> Params:
    """The largest iCE40UP5K size kept in the repository (``configs/learning_core_up5k_ebr.json``:
    64 x 128 = 8,192 synapses, 8 lanes, 8-bit weights in ``[0, 255]``, 6-bit traces,
    shift leak, thresholds 120, stochastic rounding, ``a_plus`` 24, ``a_minus`` 20,
    ``update_shift`` 6), with random initial weights in ``[0, 255]`` drawn from ``seed``
    (the file has none: zero weights never fire, and learning would not move them).
    ``hdl_tests/test_batch.py`` checks them against the file."""
    rng = np.random.default_rng([seed, 64, 128])
    return {
        "n_inputs": 64,
        "n_neurons": 128,
        "lanes": 8,
        "weight_width": 8,
        "weights": rng.integers(0, 256, (128, 64)).tolist(),
        "v_width": 16,
        "thresholds": [120] * 128,
        "leak_mode": "shift",
        "leak_shift": 4,
        "trace_width": 6,
        "a_plus": 24,
        "a_minus": 20,
        "update_shift": 6,
        "rounding": "stochastic",
        "w_min": 0,
        "w_max": 255,
    }


@dataclass(frozen=True)
class TickPlan:
    """Stimulus records and what to compare for ``n_ticks`` ticks of the learning core."""

    records: np.ndarray
    inputs: np.ndarray  # (n_ticks, N) spike bits latched each tick
    cycles: int  # simulated cycles (reset cycle included)
    reward: np.ndarray  # (n_ticks,) signed reward latched each tick (0 under STDP)
    reward_strobe: np.ndarray  # (n_ticks,) 0/1
    reads: np.ndarray  # (R, 2) the host port reads (space, address) after the last tick
    thresholds: tuple[int, ...]  # written over the host port before tick 0 (what runs)
    gap: int = 0  # host_access="registered": the last write's perform cycle before tick 0

    @property
    def first(self) -> int:
        """The cycle of tick 0's ``k = 0``: after the reset and the threshold writes (and,
        with ``host_access="registered"``, the cycle performing the last of them)."""
        return 1 + len(self.thresholds) + self.gap

    def params(self, params: Params) -> Params:
        """``params`` with the thresholds the core runs with (those written)."""
        return {**params, "thresholds": list(self.thresholds)}


def learning_core_plan(
    sim: BatchSim, params: Params, rng: np.random.Generator, n_ticks: int
) -> TickPlan:
    """One reset cycle; ``M`` cycles held at ``k = 0`` with ``en`` low in which the host
    port writes every threshold (the last neuron's raised to V_MAX; :attr:`TickPlan.params`
    gives the parameters the core then runs with); per tick one recorded cycle (``k = 0``)
    and ``T - 1`` held ones, the spike input constant through the tick (density 0.2 .. 0.8,
    drawn once), ``en`` high, the host port idle (``host_req`` 0); after the last tick,
    ``en`` low and one host read per cycle (:func:`host_readout`), then
    ``host_read_latency`` cycles for the last data. With ``host_access="registered"``
    one more cycle with ``en`` low after the writes performs the last of them.
    Under R-STDP the reward is drawn uniformly over its whole range every tick and
    strobed in a random 30 % of the ticks (held with the spikes; the core latches both
    at ``k = 0``)."""
    c = LearningCoreConfig(**params)
    t_cyc = c.tick_cycles
    density = rng.uniform(0.2, 0.8)
    bits = (rng.random((n_ticks, c.n_inputs)) < density).astype(np.uint8)
    words = pack_array(bits, 1, sim.port("spikes"))
    reads = host_readout(c)
    # before tick 0 (held at k = 0, en low) the host writes every threshold, the last
    # neuron's raised to V_MAX (in the default 8-bit core its membrane then reaches the
    # top and fires there; a 16-bit one only never fires)
    m = c.n_neurons
    thresholds = [int(t) for t in np.asarray(c.thresholds).tolist()]
    thresholds[-1] = (1 << (c.v_width - 1)) - 1
    lat, gap = c.host_read_latency, int(c.host_access == "registered")
    rec = sim.records(1 + m + gap + 2 * n_ticks + len(reads) + lat)
    rec["flags"][0] = 1  # reset
    head = rec[1 : 1 + m]
    head["host_req"] = head["host_we"] = 1
    head["host_space"] = 1
    head["host_addr"] = np.arange(m)
    words_in = (np.array(thresholds) & ((1 << c.v_width) - 1))[:, None]
    head["host_wdata"] = pack_array(words_in, c.v_width, sim.port("host_wdata"))
    body = rec[1 + m + gap : 1 + m + gap + 2 * n_ticks].reshape(n_ticks, 2)
    body["flags"][:, 0] = 2  # record k = 0
    body["repeat"][:, 1] = t_cyc - 1
    body["en"] = 1
    body["spikes"] = np.repeat(words[:, None], 2, axis=1)
    reward = np.zeros(n_ticks, np.int64)
    strobe = np.zeros(n_ticks, np.int64)
    if c.rstdp:
        half = 1 << (c.reward_width - 1)
        reward = rng.integers(-half, half, n_ticks)
        strobe = (rng.random(n_ticks) < 0.3).astype(np.int64)
        body["reward"] = (reward & ((1 << c.reward_width) - 1))[:, None]
        body["reward_strobe"] = strobe[:, None]
    # then, held at k = 0 with en low, one host read per cycle (every cycle recorded)
    tail = rec[1 + m + gap + 2 * n_ticks :]
    tail["flags"] = FLAG_RECORD
    tail["host_req"][: len(reads)] = 1
    tail["host_space"][: len(reads)] = reads[:, 0]
    tail["host_addr"][: len(reads)] = reads[:, 1]
    cycles = 1 + m + gap + n_ticks * t_cyc + len(reads) + lat
    return TickPlan(rec, bits, cycles, reward, strobe, reads, tuple(thresholds), gap)


def host_readout(c: LearningCoreConfig) -> np.ndarray:
    """The reads after the last tick, ``(R, 2)`` (space, address): every word of every
    space the core has (:data:`HOST_SPACES`), then the first address past the
    thresholds (when it fits ``host_addr``) and reserved space 5, which read as 0."""
    sizes = {0: c.words, 1: c.n_neurons, 2: c.n_neurons, 3: c.chunks}
    if c.rstdp:
        sizes[4] = c.words
    reads = [(space, a) for space, size in sizes.items() for a in range(size)]
    if c.n_neurons < 1 << c.host_addr_width:
        reads.append((1, c.n_neurons))
    reads.append((5, 0))
    return np.array(reads, dtype=np.int64)


def learning_core_check(
    params: Params, plan: TickPlan, cap: np.ndarray, ports: dict[str, Port]
) -> tuple[str, int]:
    """Compare the captured rows with :class:`sc_model.learning_core.LearningCore`.

    Every recorded cycle (tick start, ``out_valid``, ``upd_en``) must be the expected
    one; in each: ``in_ready``, ``tick_done``, ``out_valid``, ``upd_en`` by schedule,
    the idle host port (``host_ack``, ``host_rvalid``, ``host_rdata`` 0; the traces and
    eligibilities are in memory and show through the weights they make), and where
    ``out_valid`` the neuron, its spike and membrane of this tick, where ``upd_en`` the
    address and the new word (the weights the layer reads next tick; the last tick's
    pass writes the final weights). Then the host readout (:func:`_check_readout`):
    every memory word after the last tick, traces and eligibilities included. Returns
    ("" or the earliest difference, number of compared rows, readout rows included).
    """
    c = LearningCoreConfig(**plan.params(params))
    n_ticks = plan.inputs.shape[0]
    m, ch, lanes, t_cyc = c.n_neurons, c.chunks, c.lanes, c.tick_cycles
    words = m * ch
    n_tail = len(plan.reads) + c.host_read_latency
    tail, cap = cap[cap.size - n_tail :], cap[: cap.size - n_tail]
    pad = np.zeros(1, np.int64)  # one more tick: its pass is the last tick's weights
    run = LearningCore(c).run(
        np.vstack([plan.inputs, np.zeros((1, c.n_inputs), np.uint8)]),
        reward=np.concatenate([plan.reward, pad]),
        reward_strobe=np.concatenate([plan.reward_strobe, pad]),
    )
    # the expected recorded cycles (cycle 0 is the reset cycle)
    k_start = np.zeros(1, np.int64)
    k_valid = (np.arange(m) + 1) * ch + 7
    k_upd = np.arange(words) + 6
    ks = np.unique(np.concatenate([k_start, k_valid, k_upd]))
    want = (plan.first + np.arange(n_ticks)[:, None] * t_cyc + ks[None, :]).ravel()
    got = cap["cycle"].astype(np.int64)
    if got.shape != want.shape or not np.array_equal(got, want):
        extra = np.setdiff1d(got, want)
        missing = np.setdiff1d(want, got)
        return (
            f"recorded cycles differ: {got.size} recorded, {want.size} expected; "
            f"unexpected {extra[:5].tolist()}, missing {missing[:5].tolist()} "
            "(a strobe out_valid/upd_en at the wrong cycle)",
            0,
        )
    u = (got - plan.first) // t_cyc
    k = (got - plan.first) % t_cyc
    # the host port stays idle (host_req 0): never acknowledged, no read data
    zeros = np.zeros(got.size, np.int64)
    expected: dict[str, np.ndarray] = {
        "in_ready": (k == 0).astype(np.int64),
        "tick_done": (k == t_cyc - 1).astype(np.int64),
        "out_valid": np.isin(k, k_valid).astype(np.int64),
        "upd_en": ((k >= 6) & (k < 6 + words)).astype(np.int64),
        "host_ack": zeros,
        "host_rvalid": zeros,
        "host_rdata": np.zeros(cap["host_rdata"].shape, np.int64),
    }
    found = [_compare_rows(expected, cap, got, u, k, np.ones(got.size, bool))]
    valid = expected["out_valid"] == 1
    neuron = np.clip((k - 7) // ch - 1, 0, m - 1)
    expected_valid = {
        "out_neuron": neuron,
        "out_spike": run.spikes[u, neuron].astype(np.int64),
        "out_v": run.v[u, neuron] & ((1 << c.v_width) - 1),
    }
    found.append(_compare_rows(expected_valid, cap, got, u, k, valid))
    upd = expected["upd_en"] == 1
    addr = np.clip(k - 6, 0, words - 1)
    wb = c.weight_width
    padded = np.zeros((n_ticks + 1, m, ch * lanes), np.int64)
    padded[:, :, : c.n_inputs] = run.weights
    lanes_w = padded.reshape(n_ticks + 1, words, lanes)
    fields = ((lanes_w < 0).astype(np.int64) << wb) | np.abs(lanes_w)
    new_words = pack_array(fields, wb + 1, ports["upd_data"])  # (n_ticks + 1, words[, n])
    expected_upd = {"upd_addr": addr, "upd_data": new_words[u + 1, addr]}
    found.append(_compare_rows(expected_upd, cap, got, u, k, upd))
    message = min(found, key=lambda f: f[0])[1]  # the earliest difference of any port
    return message or _check_readout(c, plan, tail, ports), got.size + n_tail


def _check_readout(
    c: LearningCoreConfig, plan: TickPlan, tail: np.ndarray, ports: dict[str, Port]
) -> str:
    """The host reads after the last tick: acked in their cycles, each word (of
    :meth:`LearningCore.host_words`) on ``host_rdata`` with ``host_rvalid``
    ``host_read_latency`` cycles later; the core held at ``k = 0`` (``in_ready`` low
    in the cycles performing a registered access)."""
    n_ticks, n_reads = plan.inputs.shape[0], len(plan.reads)
    lat = c.host_read_latency
    start = plan.first + n_ticks * c.tick_cycles
    want_cycles = start + np.arange(n_reads + lat)
    got_cycles = tail["cycle"].astype(np.int64)
    if got_cycles.shape != want_cycles.shape or not np.array_equal(got_cycles, want_cycles):
        return f"host readout: recorded cycles {got_cycles[:5].tolist()}..., expected from {start}"
    core = LearningCore(c)
    for t in range(n_ticks):
        core.step(plan.inputs[t], int(plan.reward[t]), int(plan.reward_strobe[t]))
    image = core.host_words()
    data = [0] * lat + [
        image[s][a] if s in image and a < len(image[s]) else 0 for s, a in plan.reads.tolist()
    ]
    i = np.arange(want_cycles.size)
    held = (i >= 1) & (i <= n_reads) if plan.gap else np.zeros(i.size, bool)
    expected = {
        "in_ready": (~held).astype(np.int64),
        "out_valid": np.zeros(i.size, np.int64),
        "upd_en": np.zeros(i.size, np.int64),
        "host_ack": (i < n_reads).astype(np.int64),
        "host_rvalid": (i >= lat).astype(np.int64),
    }
    for name, want in expected.items():
        bad = np.flatnonzero(tail[name] != want)
        if bad.size:
            j = int(bad[0])
            have = int(tail[name][j])
            return f"host readout: {name} in readout cycle {j}: expected {want[j]}, got {have}"
    for j, word in enumerate(data):
        got = as_int(tail["host_rdata"][j])
        if got != word:
            space, addr = plan.reads[j - lat].tolist()
            return (
                f"host readout: host_rdata of space {space} address {addr} (readout cycle {j}): "
                f"expected {word:#x}, got {got:#x}"
            )
    return ""


# --------------------------------------------------------------------------
# sc_layer_tm (tick level, many runs)
# --------------------------------------------------------------------------

LAYER_TM_STROBES = ("out_valid",)


@dataclass(frozen=True)
class LayerTMPlan:
    """Stimulus records of ``runs`` independent runs of ``n_ticks`` ticks of ``sc_layer_tm``."""

    records: np.ndarray
    inputs: np.ndarray  # (runs, n_ticks, N) spike bits latched at k = 0 of each tick
    cycles: int  # simulated cycles (a reset cycle per run and the disabled cycles included)
    disabled: int  # cycles with en low


def layer_tm_plan(
    sim: BatchSim, params: Params, rng: np.random.Generator, runs: int, n_ticks: int
) -> LayerTMPlan:
    """Per run one reset cycle, then per tick four records: the ``k = 0`` cycle (recorded;
    the spikes the core latches, density 0.1 .. 0.9 per run), ``a`` enabled cycles, ``d``
    = 1 .. 3 cycles with ``en`` low in 30 % of the ticks (else enabled), and the rest of
    the tick enabled; the spikes of the last three are other random bits (the core must
    ignore them). No weight writes (what :meth:`SCLayerTM.run` models)."""
    c = SCLayerTMConfig(**params)
    n, t_cyc = c.n_inputs, c.tick_cycles
    threshold = rng.integers(26, 231, (runs, 1, 1), dtype=np.uint8)  # 0.1 .. 0.9 of 256
    bits = (rng.integers(0, 256, (runs, n_ticks, n), dtype=np.uint8) < threshold).view(np.uint8)
    ignored = rng.integers(0, 2, (runs, n_ticks, n), dtype=np.uint8)
    d = rng.integers(1, 4, (runs, n_ticks))
    low = rng.random((runs, n_ticks)) < 0.3
    need = t_cyc - 1 - np.where(low, 0, d)  # enabled cycles after k = 0 besides the d ones
    a = rng.integers(1, need)  # 1 .. need - 1: the held part splits around the d cycles
    port = sim.port("spikes")
    rec = sim.records(runs * (1 + 4 * n_ticks)).reshape(runs, 1 + 4 * n_ticks)
    rec["flags"][:, 0] = FLAG_RST
    rec["flags"][:, 1::4] = FLAG_RECORD
    rec["repeat"][:, 2::4] = a
    rec["repeat"][:, 3::4] = d
    rec["repeat"][:, 4::4] = need - a
    rec["en"][:, 1:] = 1
    rec["en"][:, 3::4] = ~low
    rec["spikes"][:, 1::4] = pack_array(bits, 1, port)
    for part in (2, 3, 4):
        rec["spikes"][:, part::4] = pack_array(ignored, 1, port)
    disabled = int(d[low].sum())
    return LayerTMPlan(rec.ravel(), bits, runs * (1 + n_ticks * t_cyc) + disabled, disabled)


def layer_tm_check(
    params: Params, plan: LayerTMPlan, cap: np.ndarray, ports: dict[str, Port]
) -> tuple[str, int]:
    """Compare the captured rows with :class:`sc_model.sc_layer_tm.SCLayerTM` (runs as its
    batch axis).

    Registers change only at enabled edges, so the outputs during a cycle are those
    of the enabled-only schedule after ``e`` = the enabled edges since the run's reset
    (tick ``u = e // T``, counter ``k = e mod T``; a disabled cycle repeats them). The
    recorded cycles must be exactly the ``k = 0`` records and every cycle whose ``k`` is
    an ``out_valid`` one, ``k = (m + 1) C + 7`` (disabled ones included: ``out_valid``
    stays high through them); in each: ``in_ready``, ``out_valid``, ``tick_done`` by
    schedule, and ``out_neuron``, ``out_spike``, ``out_v``: neuron ``m``'s update of
    tick ``u`` where ``out_valid``, else (``k = 0``) the last update presented (the
    previous tick's neuron ``M - 1``; 0 in the first tick after reset). Returns (""
    or the earliest difference, number of compared rows).
    """
    c = SCLayerTMConfig(**params)
    runs, n_ticks, _ = plan.inputs.shape
    m_count, ch, t_cyc = c.n_neurons, c.chunks, c.tick_cycles
    out = SCLayerTM(c).run(np.swapaxes(plan.inputs, 0, 1))  # (n_ticks, runs, M)
    # per simulated cycle: its run and the enabled edges since that run's reset
    rec = plan.records
    reps = rec["repeat"].astype(np.int64)
    rst = np.repeat((rec["flags"] & FLAG_RST) != 0, reps)
    recorded = np.repeat((rec["flags"] & FLAG_RECORD) != 0, reps)
    en = np.where(rst, 0, np.repeat(rec["en"].astype(np.int64), reps))
    before = np.cumsum(en) - en  # enabled edges before each cycle (all runs)
    run_of = np.cumsum(rst) - 1
    starts = np.flatnonzero(rst)
    e = before - before[starts + 1][run_of]
    valid_ks = (np.arange(m_count) + 1) * ch + 7
    want = np.flatnonzero(recorded | np.isin(e % t_cyc, valid_ks))
    got = cap["cycle"].astype(np.int64)
    if got.shape != want.shape or not np.array_equal(got, want):
        extra, missing = np.setdiff1d(got, want), np.setdiff1d(want, got)
        return (
            f"recorded cycles differ: {got.size} recorded, {want.size} expected; "
            f"unexpected {extra[:5].tolist()}, missing {missing[:5].tolist()} "
            "(out_valid at the wrong cycle)",
            0,
        )
    run = run_of[got]
    u, k = e[got] // t_cyc, e[got] % t_cyc
    valid = k != 0
    first = ~valid & (u == 0)  # k = 0 of a run's first tick: the reset values
    neuron = np.where(valid, (k - 7) // ch - 1, m_count - 1)
    tick = np.where(valid, u, np.maximum(u - 1, 0))
    v_mask = (1 << c.v_width) - 1
    expected = {
        "in_ready": (~valid).astype(np.int64),
        "out_valid": valid.astype(np.int64),
        "tick_done": (k == t_cyc - 1).astype(np.int64),
        "out_neuron": np.where(first, 0, neuron),
        "out_spike": np.where(first, 0, out.spikes[tick, run, neuron]).astype(np.int64),
        "out_v": np.where(first, 0, out.v[tick, run, neuron] & v_mask),
    }
    unchecked = {p for p in cap.dtype.names if p != "cycle"} - set(expected)
    if unchecked:
        raise RuntimeError(f"sc_layer_tm: no expected values for ports {sorted(unchecked)}")
    _, message = _compare_rows(expected, cap, got, u, k, np.ones(got.size, bool), run)
    return message, got.size


def _compare_rows(
    expected: dict[str, np.ndarray],
    cap: np.ndarray,
    cycles: np.ndarray,
    ticks: np.ndarray,
    ks: np.ndarray,
    where: np.ndarray,
    runs: np.ndarray | None = None,
) -> tuple[int, str]:
    """(row, message) of the earliest row where a port of ``expected`` differs, within
    ``where``; (number of rows, "") when none does. ``runs``: the run of each row (named
    in the message)."""
    first, message = cycles.size, ""
    for name, want in expected.items():
        have = cap[name]
        diff = np.asarray(want) != np.asarray(have)
        if diff.ndim > 1:
            diff = diff.any(axis=tuple(range(1, diff.ndim)))
        diff &= where
        i = int(np.argmax(diff))
        if diff.any() and i < first:
            first = i
            run = "" if runs is None else f"run {int(runs[i])} "
            message = (
                f"{name} in {run}tick {int(ticks[i])} at k={int(ks[i])} (cycle {int(cycles[i])}): "
                f"expected {as_int(np.asarray(want)[i]):#x}, got {as_int(have[i]):#x}"
            )
    return first, message
