"""Learning layer core: the TM SC layer with STDP in its weight RAM (block ``learning_core``).

The inference datapath is exactly :mod:`sc_model.sc_layer_tm` (P synapse
lanes walking the weight memory, one LIF update per neuron per tick). A
*plasticity pass* walks the same weight memory once per tick, word by word
(P weights per word), and rewrites every word with the pair-based STDP update
of its P synapses (the rule of :mod:`sc_model.stdp` with one *tick* as its
time step): read-modify-write, the weights never leave the RAM.

Contract (shared with :class:`sc_hw.learning_core.LearningCore`)
-----------------------------------------------------------------
Layer
    Every parameter of :class:`sc_model.sc_layer_tm.SCLayerTMConfig` with the
    same meaning, sizes, tick schedule (``T = M C + 8`` enabled cycles per
    tick, spikes latched at ``k = 0``, neuron ``m`` presented at
    ``k = (m + 1) C + 7``), output ports (``out_valid``, ``out_neuron``,
    ``out_spike``, ``out_v``, ``tick_done``, ``in_ready``), enable and reset.
    The layer's weight write port is driven by the plasticity pass (there is
    no external write port: the ``weights`` parameter is the RAM's power-on
    image, and ``rst`` does not restore it).
Plasticity parameters (integer; the names and formulas of :mod:`sc_model.stdp`)
    ``trace_width = tb`` (1 .. 16, default 8), ``X_MAX = 2**tb - 1``;
    ``pre_increment`` ``a_x`` and ``post_increment`` ``a_y`` (0 .. X_MAX,
    default ``2**(tb - 1)``); ``decay_shift = q`` (1 .. tb, default
    ``min(3, tb)``), ``D(x) = x - (x >> q)``; ``a_plus``, ``a_minus``
    (0 .. 65535, default 0: no learning); ``update_shift = s`` (0 .. 24,
    default 4); ``rounding`` ``"floor"`` (default) or ``"stochastic"``
    (``1 <= s <= width``); ``w_min <= 0 <= w_max`` inside
    ``[-(2**wb - 1), 2**wb - 1]`` (default that whole range), every initial
    weight inside ``[w_min, w_max]``; ``stdp_seed`` (1 .. ``2**width - 1``,
    default ``2**width - 1``): the seed of the rounding LFSR (same ``width``,
    ``taps`` and ``form`` as the layer's LFSR).
Traces (all-to-all pairing, shift decay once per tick, saturating)
    Pre trace ``x[j]`` per input and post trace ``y[m]`` per neuron,
    unsigned ``tb``-bit registers, reset 0. With ``pre[t]`` the spikes latched
    by tick ``t`` and ``post[t]`` the ``out_spike`` decisions of tick ``t``:
    ``x_{t+1}[j] = min(D(x_t[j]) + a_x, X_MAX)`` if ``pre[t][j]`` else
    ``D(x_t[j])``; the same for ``y`` with ``post[t]`` and ``a_y``.
Weight update of tick ``t`` (applied by the pass that runs during tick ``t + 1``)
    ``P = R(a_plus x_t[j], r)`` if ``post[t][m]`` else 0;
    ``Q = R(a_minus y_t[m], r)`` if ``pre[t][j]`` else 0;
    ``w[m][j] := sat(w[m][j] + P - Q)``, ``sat`` the clamp into
    ``[w_min, w_max]`` (computed exactly, clamped once, never wrapped). The
    traces are those *before* tick ``t``'s spikes, so a pre and a post spike
    in the same tick are not paired with each other (as in :mod:`sc_model.stdp`).
    ``R(v, r) = v >> s`` (``"floor"``) or ``(v >> s) + (r < v mod 2**s)``
    (``"stochastic"``: unbiased, rounds up with probability ``f / 2**s``).
    A pre spike at tick ``t0`` and a post spike at ``t0 + dt`` (``dt >= 1``)
    change ``w`` by ``+R(a_plus D^(dt-1)(a_x))``; the reverse order by
    ``-R(a_minus D^(dt-1)(a_y))``.
Rounding randoms
    A second LFSR (seed ``stdp_seed``) steps on every enabled edge from reset.
    Word ``m C + c`` of a pass is rounded three enabled cycles after it is
    read (``k = m C + c + 3``); lane ``l`` then draws ``r`` = the low ``s``
    bits of that cycle's state rotated left by ``lane_rotations[l]`` (as the
    layer's lanes draw theirs). With ``en`` always high that state is the
    LFSR state after ``u T + m C + c + 3`` steps for the pass of tick ``u``.
Pass schedule and visibility
    Every tick ``u`` (counter ``k``) reads word ``k`` of the weight RAM in
    cycle ``k < M C`` (the layer's own read: it reads that word in that
    cycle), registers it in cycle ``k + 1`` (no logic after the RAM) with
    its traces, forms the products ``a_plus x``, ``a_minus y`` in ``k + 2``,
    rounds ``P`` and ``Q`` in ``k + 3``, adds in ``k + 4`` and clamps in
    ``k + 5``, from the registers ``x_{u-1}``, ``y_{u-1}``, ``pre[u-1]``,
    ``post[u-1]`` (all 0 in tick 0 after reset: the tick-0 pass rewrites
    every word unchanged) and writes it in cycle ``k + 6``: the outputs ``upd_en`` (1), ``upd_addr``
    (the layer's ``w_addr`` width) and ``upd_data`` (a whole word in the
    layer's sign-magnitude format; a negative zero is rewritten as +0) are
    registers showing the write that the edge ending the cycle performs
    (``upd_en`` high in cycles ``k = 6 .. M C + 5`` of every tick). Every
    word is written after the layer has read it in that tick, so the update
    of tick ``t``'s spikes is visible to the layer from tick ``t + 2`` on.
    ``pre_trace`` (``N tb`` bits, input ``j`` in bits ``[j tb, (j+1) tb)``)
    and ``post_trace`` (``M tb`` bits) show ``x_{u-1}`` and ``y_{u-1}``
    during tick ``u``; they change at the edge ending the tick's last cycle.
Enable and reset
    ``en`` low: no register changes (the plasticity LFSR, the traces and the
    pass pipeline hold); a write shown on ``upd_*`` acts again at that edge
    (the same word with the same value). ``rst``: traces and the latched
    spikes 0, the LFSR to ``stdp_seed``, the pass pipeline emptied
    (``upd_en`` 0), the layer reset as in :mod:`sc_model.sc_layer_tm`.
Plasticity off
    ``a_plus = a_minus = 0``: every rewrite stores the word read, and the
    core equals :class:`sc_model.sc_layer_tm.SCLayerTMCycle` cycle for cycle
    (with the host port idle).
Host port (the agreed interface of ``HOSTPORT.md``; what the board link drives)
    Inputs ``host_req``, ``host_we``, ``host_space`` (3 bits), ``host_addr``
    (``host_addr_width = addr_width`` bits: the weight memory is the deepest
    space), ``host_wdata`` (``host_data_width`` bits: the widest word of a
    space); outputs ``host_ack``, ``host_rvalid``, ``host_rdata``
    (``host_data_width`` bits). Spaces (:data:`HOST_SPACES`): 0 the weight
    words (``M C`` words, the layer's sign-magnitude format, as
    :meth:`SCLayerTMConfig.weight_words` and the exported image), 1 the
    thresholds (``M`` words, ``v_width`` bits two's complement), 2 the
    neuron state (``M`` words: bits ``[0, v_width)`` the membrane in two's
    complement, then ``refractory_width`` bits of refractory count), 3 the
    pre-synaptic traces and 4 the eligibility (not held in memory by this
    core: such a request is acked and ignored), 5 .. 7 reserved (the same).
    A request to an address past its space is acked and ignored. Ignored
    reads return 0 (with ``host_rvalid``), ignored writes change nothing.
    Bits of ``host_wdata`` above the space's word are ignored.
Host arbitration (the pipeline always wins; the host waits for a free cycle)
    ``host_ack = host_req AND (k = T - 1 OR (k = 0 AND en = 0))``,
    combinational, with ``k`` the tick counter: the host is served only in
    the tick's last cycle (the pass has written its last word in cycle
    ``M C + 5``, the layer its last state word in ``T - 2``, and no read of
    that cycle is used) or while the core is held at the start of a tick
    (after reset, or a host that lowers ``en`` when ``in_ready`` is high).
    So with ``en`` high the worst wait is ``T - 1`` cycles (one access per
    tick); a host holding ``en`` low at ``k = 0`` is served in every cycle
    (how an image is loaded before the run). The request is performed at
    the edge ending the ack cycle (whatever ``en`` and ``rst``: memories
    have no reset). A write becomes visible to the layer and to the pass in
    the next tick that reads the word (the current tick when acked at
    ``k = 0``): the pass reads the host's word and rewrites it with the
    update of the previous tick's spikes (a host write is never lost to a
    pass in flight). A read returns the word as it was during the ack cycle:
    ``host_rvalid`` is high and ``host_rdata`` holds the word (zero-extended)
    exactly :data:`HOST_READ_LATENCY` = 2 cycles after ``host_ack``
    (whatever ``en``); otherwise ``host_rvalid`` is 0 and ``host_rdata`` 0.
    ``rst`` empties the read pipeline. The weight, threshold and state
    memories keep their contents through ``rst``; the first tick after
    reset still starts every neuron from ``v_reset`` (the layer's rule), so
    state words written before it are overwritten by that tick.

Array conventions of :meth:`LearningCore.run`: axis 0 is the tick; one run
from reset with ``en`` high; the loop is over ticks only, each tick is
vectorised over all neurons and synapses.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import Any, NamedTuple

import numpy as np

from ._validate import check_bits, check_choice, check_int
from .lfsr import LFSR, check_seed, lfsr_sequence
from .lif import LIFPopulation
from .sc_layer_tm import (
    SCLayerTMConfig,
    SCLayerTMCycle,
    _jsonable,
    decode_weight_word,
    encode_weight_word,
)
from .synapses import polarity_bits, select_randoms, weight_stream_bits

MAX_TRACE_WIDTH = 16
MAX_AMPLITUDE = (1 << 16) - 1
MAX_UPDATE_SHIFT = 24
ROUNDINGS = ("floor", "stochastic")
PASS_ROUND = 3  # cycles from a word's read to its rounding (the LFSR state used)
PASS_LATENCY = 6  # cycles from a word's read to the cycle its write is shown on upd_*
HOST_SPACES = {"weights": 0, "thresholds": 1, "state": 2, "pre_traces": 3, "eligibility": 4}
HOST_READ_LATENCY = 2  # cycles from host_ack to host_rvalid


@dataclass(frozen=True, kw_only=True)
class LearningCoreConfig(SCLayerTMConfig):
    """The layer's parameters (:class:`SCLayerTMConfig`) plus the plasticity ones, validated."""

    trace_width: int = 8
    pre_increment: int | None = None
    post_increment: int | None = None
    decay_shift: int | None = None
    a_plus: int = 0
    a_minus: int = 0
    update_shift: int = 4
    rounding: str = "floor"
    w_min: int | None = None
    w_max: int | None = None
    stdp_seed: int | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        put = object.__setattr__
        tb = check_int("trace_width", self.trace_width, 1, MAX_TRACE_WIDTH)
        xmax = (1 << tb) - 1
        half = 1 << (tb - 1)
        a_x = half if self.pre_increment is None else self.pre_increment
        a_y = half if self.post_increment is None else self.post_increment
        put(self, "pre_increment", check_int("pre_increment", a_x, 0, xmax))
        put(self, "post_increment", check_int("post_increment", a_y, 0, xmax))
        q = min(3, tb) if self.decay_shift is None else self.decay_shift
        put(self, "decay_shift", check_int("decay_shift", q, 1, tb))
        check_int("a_plus", self.a_plus, 0, MAX_AMPLITUDE)
        check_int("a_minus", self.a_minus, 0, MAX_AMPLITUDE)
        check_choice("rounding", self.rounding, ROUNDINGS)
        if self.rounding == "stochastic":
            check_int("update_shift", self.update_shift, 1, min(MAX_UPDATE_SHIFT, self.width))
        else:
            check_int("update_shift", self.update_shift, 0, MAX_UPDATE_SHIFT)
        top = (1 << self.weight_width) - 1  # type: ignore[operator]
        w_min = -top if self.w_min is None else check_int("w_min", self.w_min, -top, 0)
        w_max = top if self.w_max is None else check_int("w_max", self.w_max, 0, top)
        put(self, "w_min", w_min)
        put(self, "w_max", w_max)
        w = np.asarray(self.weights, dtype=np.int64)
        bad = np.argwhere((w < w_min) | (w > w_max))
        if bad.size:
            m, j = (int(v) for v in bad[0])
            raise ValueError(
                f"weights[{m}][{j}] = {int(w[m, j])} is outside [w_min, w_max] = [{w_min}, {w_max}]"
            )
        seed = (1 << self.width) - 1 if self.stdp_seed is None else self.stdp_seed
        put(self, "stdp_seed", check_seed(self.width, seed, "stdp_seed"))

    def layer_config(self) -> SCLayerTMConfig:
        """The inference layer alone (this core with plasticity removed)."""
        names = {f.name for f in fields(SCLayerTMConfig)}
        return SCLayerTMConfig(
            **{k: v for k, v in learning_core_params(self).items() if k in names}
        )

    @property
    def host_addr_width(self) -> int:
        """Bits of ``host_addr``: the weight memory's address width (the deepest space)."""
        return self.addr_width

    @property
    def host_data_width(self) -> int:
        """Bits of ``host_wdata``/``host_rdata``: the widest space word."""
        return max(self.word_width, self.v_width + self.refractory_width)

    @property
    def trace_max(self) -> int:
        """``X_MAX = 2**tb - 1``."""
        return (1 << self.trace_width) - 1


def learning_core_params(config: LearningCoreConfig) -> dict[str, Any]:
    """The parameter dict of the Amaranth core (JSON-friendly; None fields omitted)."""
    if not isinstance(config, LearningCoreConfig):
        raise TypeError(f"config must be a LearningCoreConfig, not {type(config).__name__}")
    return {
        f.name: _jsonable(getattr(config, f.name))
        for f in fields(config)
        if getattr(config, f.name) is not None
    }


# --------------------------------------------------------------------------
# Combinational pieces (vectorised, any shape)
# --------------------------------------------------------------------------


def trace_next(x: object, spikes: object, increment: int, c: LearningCoreConfig) -> np.ndarray:
    """Trace after one tick: ``min(D(x) + a, X_MAX)`` where ``spikes`` else ``D(x)``."""
    x = np.asarray(x, dtype=np.int64)
    d = x - (x >> c.decay_shift)  # type: ignore[operator]
    return np.where(np.asarray(spikes) != 0, np.minimum(d + increment, c.trace_max), d)


def round_shift(v: object, r: object, shift: int, rounding: str) -> np.ndarray:
    """``R(v, r)``: ``v >> shift``, +1 if stochastic and ``r < v mod 2**shift``."""
    v = np.asarray(v, dtype=np.int64)
    out = v >> shift
    if rounding == "stochastic":
        out = out + (np.asarray(r, dtype=np.int64) < (v & ((1 << shift) - 1)))
    return out.astype(np.int64)


def stdp_update(
    w: object,
    x_pre: object,
    y_post: object,
    pre: object,
    post: object,
    r: object,
    c: LearningCoreConfig,
) -> np.ndarray:
    """``sat(w + P - Q)`` for weights ``(..., M, N)``, traces ``(..., N)``/``(..., M)``.

    ``pre`` ``(..., N)`` and ``post`` ``(..., M)`` are the spike bits of the
    tick, ``r`` the rounding randoms broadcasting to ``w``.
    """
    x = np.asarray(x_pre, np.int64)[..., None, :]
    y = np.asarray(y_post, np.int64)[..., :, None]
    pot = round_shift(c.a_plus * x, r, c.update_shift, c.rounding)
    dep = round_shift(c.a_minus * y, r, c.update_shift, c.rounding)
    pot = np.where(np.asarray(post)[..., :, None] != 0, pot, 0)
    dep = np.where(np.asarray(pre)[..., None, :] != 0, dep, 0)
    return np.clip(np.asarray(w, np.int64) + pot - dep, c.w_min, c.w_max)


def lane_randoms(states: object, c: LearningCoreConfig) -> np.ndarray:
    """Rounding randoms of every lane: ``int64`` ``states.shape + (P,)`` (0 under floor)."""
    states = np.asarray(states, dtype=np.uint64)
    if c.rounding == "floor":
        return np.zeros(states.shape + (c.lanes,), dtype=np.int64)  # type: ignore[operator]
    return select_randoms(states, c.width, c.update_shift, c.lane_rotations)  # type: ignore[arg-type]


# --------------------------------------------------------------------------
# Tick-level model
# --------------------------------------------------------------------------


class LearningRun(NamedTuple):
    """Per tick ``t``: ``spikes``/``v`` ``(n_ticks, M)`` presented by tick ``t``;
    ``weights`` ``(n_ticks, M, N)`` the weights the layer reads in tick ``t``;
    ``pre_trace`` ``(n_ticks, N)`` and ``post_trace`` ``(n_ticks, M)``: ``x_t``, ``y_t``."""

    spikes: np.ndarray
    v: np.ndarray
    weights: np.ndarray
    pre_trace: np.ndarray
    post_trace: np.ndarray


class LearningCore:
    """Bit-exact tick-level model (``en`` high, from reset), vectorised over neurons/synapses."""

    def __init__(self, config: LearningCoreConfig) -> None:
        if not isinstance(config, LearningCoreConfig):
            raise TypeError(f"config must be a LearningCoreConfig, not {type(config).__name__}")
        self.config = config

    def run(self, inputs: object, weights: object = None) -> LearningRun:
        """Run ``n_ticks`` ticks from reset; ``inputs`` ``(n_ticks, N)`` spike bits.

        ``weights`` (M x N, default the configured power-on image) is the
        weight RAM's content at the start (it survives resets).
        """
        c = self.config
        x = check_bits("inputs", inputs)
        n, m, lanes, ch = c.n_inputs, c.n_neurons, c.lanes, c.chunks
        if x.ndim != 2 or x.shape[1] != n:
            raise ValueError(f"inputs must have shape (n_ticks, n_inputs={n}), not {x.shape}")
        n_ticks = x.shape[0]
        w = np.array(c.weights if weights is None else weights, dtype=np.int64)
        if w.shape != (m, n):
            raise ValueError(f"weights must have shape ({m}, {n}), not {w.shape}")
        p = c.parallel_config()
        rotations = p.synapse_params.rotations
        layer_states = lfsr_sequence(c.width, c.seed, n_ticks, c.taps, c.form)
        t_cyc = c.tick_cycles
        # the pass of tick u rounds word k in enabled cycle u T + k + PASS_ROUND
        n_states = n_ticks * t_cyc + PASS_ROUND
        stdp_states = lfsr_sequence(c.width, c.stdp_seed, n_states, c.taps, c.form)
        neurons = LIFPopulation.from_params((m,), p.neuron_params)
        out_s = np.zeros((n_ticks, m), np.uint8)
        out_v = np.zeros((n_ticks, m), np.int64)
        out_w = np.zeros((n_ticks, m, n), np.int64)
        out_x = np.zeros((n_ticks, n), np.int64)
        out_y = np.zeros((n_ticks, m), np.int64)
        xt = np.zeros(n, np.int64)
        yt = np.zeros(m, np.int64)
        pending = None  # (x_t, y_t, pre[t], post[t]) of the tick whose pass runs next
        for t in range(n_ticks):
            out_w[t], out_x[t], out_y[t] = w, xt, yt
            r = select_randoms(layer_states[t], c.width, c.random_width, rotations)
            s = weight_stream_bits(r[None, :], w, c.weight_width, c.synapse)
            e, i = polarity_bits(x[t][None, :], s, w, c.synapse)
            count = e.astype(np.int64).sum(-1) - i.astype(np.int64).sum(-1)
            neurons.step(count)
            out_s[t], out_v[t] = neurons.spike, neurons.v
            # the pass during tick t (after the layer read every word) applies tick t-1's update
            if pending is not None:
                words = t * t_cyc + np.arange(m * ch) + PASS_ROUND
                rr = lane_randoms(stdp_states[words], c).reshape(m, ch * lanes)[:, :n]
                w = stdp_update(w, *pending, rr, c)
            pending = (xt, yt, x[t], out_s[t])
            xt = trace_next(xt, x[t], c.pre_increment, c)  # type: ignore[arg-type]
            yt = trace_next(yt, out_s[t], c.post_increment, c)  # type: ignore[arg-type]
        return LearningRun(out_s, out_v, out_w, out_x, out_y)


# --------------------------------------------------------------------------
# Cycle twin
# --------------------------------------------------------------------------


class LearningCycleOutputs(NamedTuple):
    """Output ports during one cycle (``out_v`` signed, traces as arrays)."""

    out_valid: int
    out_neuron: int
    out_spike: int
    out_v: int
    tick_done: int
    in_ready: int
    upd_en: int
    upd_addr: int
    upd_data: int
    pre_trace: np.ndarray
    post_trace: np.ndarray
    host_ack: int = 0
    host_rvalid: int = 0
    host_rdata: int = 0


class LearningCoreCycle:
    """Cycle twin of :class:`sc_hw.learning_core.LearningCore`.

    The layer is a :class:`sc_model.sc_layer_tm.SCLayerTMCycle` whose write
    port is driven by the pass registers ``upd_*``; its weight memory is the
    one the pass reads (``self.weights``, decoded ``(M, C P)``).
    """

    def __init__(self, config: LearningCoreConfig) -> None:
        if not isinstance(config, LearningCoreConfig):
            raise TypeError(f"config must be a LearningCoreConfig, not {type(config).__name__}")
        self.config = config
        self.layer = SCLayerTMCycle(config.layer_config())
        self._lfsr = LFSR(config.width, config.stdp_seed, config.taps, config.form)
        self.reset()

    @property
    def weights(self) -> np.ndarray:
        """The weight memory, decoded: ``(M, C P)`` (padding lanes last)."""
        return self.layer.weights

    def reset(self) -> None:
        """Synchronous reset (the weight memory keeps its contents)."""
        c = self.config
        self.layer.reset()
        self._lfsr.reset()
        self.k = 0
        self._x_in = np.zeros(c.n_inputs, np.uint8)
        self._pre = np.zeros(c.n_inputs, np.uint8)
        self._post_acc = np.zeros(c.n_neurons, np.uint8)
        self._post = np.zeros(c.n_neurons, np.uint8)
        self._xt = np.zeros(c.n_inputs, np.int64)
        self._yt = np.zeros(c.n_neurons, np.int64)
        # pass pipeline: (address, decoded word) read / registered; computed write
        self._rd: tuple[int, np.ndarray] | None = None
        self._rd2: tuple[int, np.ndarray] | None = None
        self._rd3: tuple[int, np.ndarray] | None = None
        self._new: tuple[int, int] | None = None
        self._new2: tuple[int, int] | None = None
        self._upd = (0, 0, 0)
        self._host_read: int | None = None  # the word read at the last ack edge
        self._host_out = (0, 0)  # host_rvalid, host_rdata

    def host_read(self, space: int, addr: int) -> int:
        """The word the host port reads from ``space`` at ``addr`` now (0 if ignored)."""
        c, layer = self.config, self.layer
        if space == HOST_SPACES["weights"] and addr < c.words:
            return layer.weight_words[addr]
        if space == HOST_SPACES["thresholds"] and addr < c.n_neurons:
            return layer.threshold_word(addr)
        if space == HOST_SPACES["state"] and addr < c.n_neurons:
            return layer.state_word(addr)
        return 0

    def host_write(self, space: int, addr: int, data: int) -> None:
        """Perform the host port's write of ``data`` to ``space`` at ``addr`` (or ignore it)."""
        c, layer = self.config, self.layer
        if space == HOST_SPACES["weights"] and addr < c.words:
            layer.write_weight_word(addr, data & ((1 << c.word_width) - 1))
        elif space == HOST_SPACES["thresholds"] and addr < c.n_neurons:
            layer.write_threshold_word(addr, data)
        elif space == HOST_SPACES["state"] and addr < c.n_neurons:
            layer.write_state_word(addr, data)

    def step(
        self,
        spikes: object,
        en: int = 1,
        host_req: int = 0,
        host_we: int = 0,
        host_space: int = 0,
        host_addr: int = 0,
        host_wdata: int = 0,
    ) -> LearningCycleOutputs:
        """Advance one cycle; return the outputs seen before the edge.

        ``spikes`` N bits, ``en`` 0/1 and the host port's inputs (module
        docstring: served only in the tick's last cycle or at ``k = 0`` with
        ``en`` low; ``host_ack`` in the result says whether it was).
        """
        c = self.config
        x = check_bits("spikes", spikes)
        if x.shape != (c.n_inputs,):
            raise ValueError(f"spikes must have shape ({c.n_inputs},), not {x.shape}")
        en = check_int("en", en, 0, 1)
        host_req = check_int("host_req", host_req, 0, 1)
        host_we = check_int("host_we", host_we, 0, 1)
        host_space = check_int("host_space", host_space, 0, 7)
        host_addr = check_int("host_addr", host_addr, 0, (1 << c.host_addr_width) - 1)
        host_wdata = check_int("host_wdata", host_wdata, 0, (1 << c.host_data_width) - 1)
        free = self.k == c.tick_cycles - 1 or (self.k == 0 and not en)
        host_ack = int(host_req and free)
        host_out = self._host_out
        self._host_out = (0, 0) if self._host_read is None else (1, self._host_read)
        self._host_read = None
        if host_ack and not host_we:
            self._host_read = self.host_read(host_space, host_addr)
        upd_en, upd_addr, upd_data = self._upd
        regs = (self._xt.copy(), self._yt.copy())
        state = int(self._lfsr.state)
        if en:
            lanes, ch, n = c.lanes, c.chunks, c.n_inputs
            # stage E: the computed word -> the write shown next cycle
            if self._new2 is None:
                self._upd = (0, self._upd[1], self._upd[2])
            else:
                self._upd = (1, *self._new2)
            # stage D: the sum's register (the clamp happens in E; no effect on values)
            self._new2 = self._new
            # rounding stage: round and update the registered word (this cycle's LFSR state)
            if self._rd3 is None:
                self._new = None
            else:
                addr, word = self._rd3
                mm, cc = divmod(addr, ch)
                cols = np.arange(cc * lanes, (cc + 1) * lanes)  # type: ignore[operator]
                real = cols < n
                jj = np.where(real, cols, 0)
                xp = np.where(real, self._xt[jj], 0)
                pre = np.where(real, self._pre[jj], 0)
                r = lane_randoms(np.uint64(state), c)
                new = stdp_update(
                    word[None, :], xp, self._yt[mm : mm + 1], pre, self._post[mm : mm + 1], r, c
                )[0]
                self._new = (addr, encode_weight_word(new, c.weight_width))
            # stage B: the word read last cycle, registered
            self._rd3 = self._rd2  # the products' register (no effect on values)
            self._rd2 = self._rd
            # stage A: read word k (before this edge's write)
            if self.k < c.words:
                mm, cc = divmod(self.k, ch)
                w = self.layer.weights[mm, cc * lanes : (cc + 1) * lanes]  # type: ignore[operator]
                self._rd = (self.k, w.copy())
            else:
                self._rd = None
        out = self.layer.step(x, en, upd_en, upd_addr, upd_data)
        if en:
            if self.k == 0:
                self._x_in = x.copy()
            if out.out_valid:
                self._post_acc[out.out_neuron] = out.out_spike
            if self.k == c.tick_cycles - 1:
                self._xt = trace_next(self._xt, self._pre, c.pre_increment, c)  # type: ignore[arg-type]
                self._yt = trace_next(self._yt, self._post, c.post_increment, c)  # type: ignore[arg-type]
                self._pre = self._x_in.copy()
                self._post = self._post_acc.copy()
            self._lfsr.step(1)
            self.k = (self.k + 1) % c.tick_cycles
        if host_ack and host_we:
            self.host_write(host_space, host_addr, host_wdata)
        return LearningCycleOutputs(*out, upd_en, upd_addr, upd_data, *regs, host_ack, *host_out)


def decode_word(word: int, config: LearningCoreConfig) -> np.ndarray:
    """Signed lane values of one weight word (:func:`sc_model.sc_layer_tm.decode_weight_word`)."""
    return decode_weight_word(word, config.lanes, config.weight_width)  # type: ignore[arg-type]


__all__: Sequence[str] = (
    "HOST_READ_LATENCY",
    "HOST_SPACES",
    "LearningCore",
    "LearningCoreConfig",
    "LearningCoreCycle",
    "LearningCycleOutputs",
    "LearningRun",
    "decode_word",
    "lane_randoms",
    "learning_core_params",
    "round_shift",
    "stdp_update",
    "trace_next",
)
