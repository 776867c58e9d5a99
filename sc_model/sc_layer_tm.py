"""Time-multiplexed SC layer core: one P-lane datapath serves M neurons (block ``sc_layer_tm``).

The fully parallel layer (:mod:`sc_model.sc_layer`) spends one comparator and
one weight register per synapse, so a device holds a few hundred synapses.
Here the weights live in one memory (block RAM), the neurons' state in a
second and their thresholds in a third, and a datapath of ``P`` synapse
lanes walks through them: a *tick* evaluates every synapse of every neuron
once and updates every neuron once. A tick of this core computes exactly one
cycle of a parallel ``counter`` layer (:func:`SCLayerTMConfig.parallel_config`),
which is what the vectorised model runs.

Contract (shared with :class:`sc_hw.sc_layer_tm.SCLayerTM`)
-----------------------------------------------------------
Sizes
    ``n_inputs = N`` (1 .. 1024), ``n_neurons = M`` (1 .. 1024), ``lanes = P``
    (1 .. ``min(N, 64)``, default ``min(8, N)``); ``C = ceil(N / P)`` chunks
    per neuron. Input ``j`` is lane ``j mod P`` of chunk ``j // P``.
Weights
    ``weight_width = wb`` (1 .. 16) and ``weights`` (M x N ints in
    ``[-(2**wb - 1), 2**wb - 1]``, default 0) as in :mod:`sc_model.synapses`.
    Stored in the *weight memory*: ``M C`` words of ``P (wb + 1)`` bits; word
    ``m C + c`` holds neuron ``m``'s chunk ``c``, lane ``k`` in bits
    ``[k (wb + 1), (k + 1)(wb + 1))`` in sign-magnitude (bit ``wb`` the sign,
    bits ``[0, wb)`` the magnitude, :func:`encode_weight_word`). Lanes past
    ``N`` in the last chunk are padding (stored 0, ignored). A word with sign
    1 and magnitude 0 ("negative zero") acts exactly like 0.
Weight write port
    ``w_en`` (1), ``w_addr`` (``max(1, (M C - 1).bit_length())`` bits, a word
    address), ``w_data`` (``P (wb + 1)`` bits, a whole word in the memory's
    format). At the rising edge ending a cycle with ``w_en`` high the word
    takes ``w_data`` (``w_addr >= M C`` writes nothing); writes act whatever
    ``en`` is. The datapath reads word ``k`` at the edge ending the cycle in
    which the tick counter is ``k`` (below); a write at that same edge is not
    seen by that read (the memory reads the old word). ``rst`` does not
    restore the weights: a RAM has no reset; they are the ``weights``
    parameter at power-on (and in a new model).
Random numbers
    ONE LFSR (``width``, ``seed``, ``taps``, ``form`` of :mod:`sc_model.lfsr`)
    steps once per tick, at the edge ending the tick's last cycle, so the
    whole of tick ``t`` sees state ``s_t`` (``t`` steps after ``seed``). Lane
    ``k`` draws ``r = `` the low ``rw`` bits of ``s_t`` rotated left by
    ``lane_rotations[k]`` (default ``k * width // P``), ``rw = wb`` for
    ``synapse="and"``, ``wb + 1`` for ``"xnor"``. So input ``j`` draws exactly
    what input ``j`` of a parallel layer with ``rotations[j] =
    lane_rotations[j mod P]`` draws in its cycle ``t``.
Synapse and aggregation
    As :mod:`sc_model.synapses` with ``input_mode="spikes"`` and
    ``aggregation="counter"`` (``"and"``: ``x AND (r < |w|)`` signed by the
    weight; ``"xnor"``: ``XNOR(x, r < w + 2**wb)``, +1 or -1 per synapse).
    Neuron ``m``'s count of tick ``t`` is the sum over its N synapses, in
    ``[-N, N]``; padding lanes contribute nothing.
Neurons
    ``thresholds`` (M ints), ``v_width``, ``leak_mode``, ``leak_shift``,
    ``leak_const``, ``reset_mode``, ``v_reset``, ``refractory`` as in
    :mod:`sc_model.sc_layer` (``v_width >= N.bit_length() + 1``). Each neuron
    takes ONE LIF update (:mod:`sc_model.lif`, input mode ``"count"``) per
    tick with its count as ``x``. Its membrane and refractory counter live in
    the *state memory* (depth M), its threshold in the *threshold memory*
    (depth M, a ROM of ``v_width``-bit two's-complement words).
Tick schedule (cycles counted while ``en`` is high)
    A tick lasts ``T = M C + LATENCY`` cycles, ``LATENCY = 8``; a tick
    counter ``k`` runs ``0 .. T - 1`` and ticks follow back to back.
    * ``k = 0``: ``in_ready`` is high; the ``spikes`` input (N bits) is
      latched at the edge ending this cycle and used for the whole tick.
    * ``k = m C + c`` (``k < M C``): word ``m C + c`` is read.
    * Neuron ``m``'s update is presented in cycle ``k = (m + 1) C + 7``:
      ``out_valid`` high, ``out_neuron = m``, ``out_spike`` its firing
      decision of this tick and ``out_v`` its membrane after the update
      (two's complement, ``v_width`` bits). ``tick_done`` is high together
      with the last neuron's output, in cycle ``T - 1``.
    The outputs are registers (no combinational path from any input);
    ``out_neuron``, ``out_spike`` and ``out_v`` keep the last presented
    update between ``out_valid`` pulses.
Enable
    ``en`` low: nothing changes at the edge (tick counter, LFSR, latched
    input, pipeline, state memory, every output register; so ``out_valid``
    and ``tick_done`` stay high through a disabled cycle: count an update in
    cycles where ``out_valid`` AND ``en`` are high). Weight writes still act.
Reset
    ``rst`` returns the tick counter to 0 (``in_ready`` high), the LFSR to
    ``seed``, the outputs to 0 and discards updates in flight; the next tick
    starts every neuron from ``v = v_reset`` with refractory counter 0
    (whatever the state memory holds: a flag replaces the memory's data
    during the first tick). Weights keep their memory contents.
Correlation and bias (consequences of the random-number rule)
    Lanes with distinct rotations draw from distinct state bits of ``s_t``
    (disjoint selections, decorrelated weight streams, when ``rw <= width //
    P``); the inputs ``j, j + P, j + 2P, ...`` of one lane share one random
    number per tick, so their weight streams are maximally correlated (SCC =
    +1), and one random number serves the same input of every neuron. The
    count's mean is the sum of the synapses' means whatever the correlation
    (linearity of expectation); its variance grows with ``C`` shared draws.
    Every stream's bias over a full LFSR period is that of
    :mod:`sc_model.synapses` (the all-zero pattern occurs once less).

Array conventions of :meth:`SCLayerTM.run`: axis 0 is the tick; inputs
``(n_ticks, *batch, N)``, outputs ``(n_ticks, *batch, M)``; every batch
element is an independent run from reset with ``en`` high and no writes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields, replace
from typing import Any, NamedTuple

import numpy as np

from ._validate import check_bits, check_int, check_int_array
from .lfsr import LFSR
from .lif import LIFPopulation
from .sc_layer import SCLayer, SCLayerConfig, _jsonable
from .sng import default_rotations
from .synapses import polarity_bits, select_randoms, weight_stream_bits

MAX_LANES = 64
DEFAULT_LANES = 8
LATENCY = 8  # cycles from the read of a neuron's last chunk to its output


def _check_lane_rotations(value: object, lanes: int, width: int) -> tuple[int, ...]:
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence | np.ndarray):
        raise TypeError(f"lane_rotations must be a sequence of lanes={lanes} ints, not {value!r}")
    rots = tuple(value)
    if len(rots) != lanes:
        raise ValueError(f"lane_rotations must hold lanes={lanes} entries, not {len(rots)}")
    return tuple(check_int(f"lane_rotations[{k}]", r, 0, width - 1) for k, r in enumerate(rots))


@dataclass(frozen=True, kw_only=True)
class SCLayerTMConfig:
    """Every parameter of the time-multiplexed layer (module docstring), validated.

    The synapse and neuron parameters are those of
    :class:`sc_model.sc_layer.SCLayerConfig` restricted to spike inputs and
    the counter; ``lanes`` and ``lane_rotations`` replace ``rotations``.
    """

    n_inputs: int
    n_neurons: int
    thresholds: Sequence[int]
    lanes: int | None = None
    weight_width: int = 8
    weights: Sequence[Sequence[int]] | None = None
    synapse: str = "and"
    width: int = 16
    seed: int = 1
    taps: Sequence[int] | None = None
    form: str = "fibonacci"
    lane_rotations: Sequence[int] | None = None
    v_width: int = 16
    leak_mode: str = "none"
    leak_shift: int | None = None
    leak_const: int | None = None
    reset_mode: str = "value"
    v_reset: int = 0
    refractory: int = 0

    def __post_init__(self) -> None:
        n = check_int("n_inputs", self.n_inputs, 1, 1024)
        lanes = min(DEFAULT_LANES, n) if self.lanes is None else self.lanes
        lanes = check_int("lanes", lanes, 1, min(n, MAX_LANES))
        width = check_int("width", self.width, 3, 32)
        rots = (
            default_rotations(width, lanes)
            if self.lane_rotations is None
            else _check_lane_rotations(self.lane_rotations, lanes, width)
        )
        parallel = SCLayerConfig(
            n_inputs=n,
            n_neurons=self.n_neurons,
            thresholds=self.thresholds,
            weight_width=self.weight_width,
            weights=self.weights,
            synapse=self.synapse,
            width=width,
            seed=self.seed,
            taps=self.taps,
            form=self.form,
            rotations=[rots[j % lanes] for j in range(n)],
            v_width=self.v_width,
            leak_mode=self.leak_mode,
            leak_shift=self.leak_shift,
            leak_const=self.leak_const,
            reset_mode=self.reset_mode,
            v_reset=self.v_reset,
            refractory=self.refractory,
        )
        put = object.__setattr__  # frozen: store the canonical (hashable) forms
        put(self, "lanes", lanes)
        put(self, "lane_rotations", rots)
        put(self, "weights", parallel.weights)
        put(self, "thresholds", parallel.thresholds)
        if self.taps is not None:
            put(self, "taps", tuple(int(t) for t in self.taps))
        put(self, "_parallel", parallel)

    # -- derived sizes -------------------------------------------------------

    def parallel_config(self) -> SCLayerConfig:
        """The parallel ``counter`` layer one cycle of which is one tick of this core."""
        return self._parallel  # type: ignore[attr-defined]

    @property
    def chunks(self) -> int:
        """``C = ceil(N / P)``: weight words per neuron."""
        return -(-self.n_inputs // self.lanes)  # type: ignore[operator]

    @property
    def words(self) -> int:
        """``M C``: depth of the weight memory."""
        return self.n_neurons * self.chunks

    @property
    def word_width(self) -> int:
        """``P (wb + 1)``: bits of one weight word."""
        return self.lanes * (self.weight_width + 1)  # type: ignore[operator]

    @property
    def addr_width(self) -> int:
        """Bits of ``w_addr``: ``max(1, (M C - 1).bit_length())``."""
        return max(1, (self.words - 1).bit_length())

    @property
    def neuron_width(self) -> int:
        """Bits of ``out_neuron``: ``max(1, (M - 1).bit_length())``."""
        return max(1, (self.n_neurons - 1).bit_length())

    @property
    def random_width(self) -> int:
        """``rw``: bits of each lane's random number."""
        return self.weight_width + (self.synapse == "xnor")

    @property
    def count_width(self) -> int:
        """``N.bit_length() + 1``: bits of a neuron's signed count."""
        return self.n_inputs.bit_length() + 1

    @property
    def refractory_width(self) -> int:
        """Bits of the refractory counter in the state memory (0: none)."""
        return int(self.refractory).bit_length()

    @property
    def tick_cycles(self) -> int:
        """``T = M C + LATENCY``: enabled cycles per tick."""
        return self.words + LATENCY

    def output_cycle(self, neuron: int) -> int:
        """Tick counter value ``(m + 1) C + 7`` when neuron ``m``'s update is presented."""
        neuron = check_int("neuron", neuron, 0, self.n_neurons - 1)
        return (neuron + 1) * self.chunks + LATENCY - 1

    def weight_words(self) -> list[int]:
        """The weight memory image: ``M C`` words (:func:`encode_weight_word`)."""
        w = np.asarray(self.weights, dtype=np.int64)
        padded = np.zeros((self.n_neurons, self.chunks * self.lanes), dtype=np.int64)  # type: ignore[operator]
        padded[:, : self.n_inputs] = w
        rows = padded.reshape(self.words, self.lanes)  # type: ignore[arg-type]
        return [encode_weight_word(row, self.weight_width) for row in rows]


def encode_weight_word(weights: object, weight_width: int) -> int:
    """One weight word: lane ``k``'s sign-magnitude ``(sign << wb) | |w|`` at bit ``k (wb + 1)``."""
    wb = check_int("weight_width", weight_width, 1, 16)
    hi = (1 << wb) - 1
    w = check_int_array("weights", weights, -hi, hi, ndim=1)
    word = 0
    for k, v in enumerate(w):
        word |= ((int(v < 0) << wb) | abs(int(v))) << (k * (wb + 1))
    return word


def decode_weight_word(word: int, lanes: int, weight_width: int) -> np.ndarray:
    """Inverse of :func:`encode_weight_word` (``int64`` ``(lanes,)``; negative zero is 0)."""
    wb = check_int("weight_width", weight_width, 1, 16)
    lanes = check_int("lanes", lanes, 1, MAX_LANES)
    word = check_int("word", word, 0, (1 << (lanes * (wb + 1))) - 1)
    out = np.empty(lanes, dtype=np.int64)
    for k in range(lanes):
        field = word >> (k * (wb + 1))
        mag = field & ((1 << wb) - 1)
        out[k] = -mag if field >> wb & 1 else mag
    return out


def sc_layer_tm_params(config: SCLayerTMConfig) -> dict[str, Any]:
    """The parameter dict of the Amaranth core (JSON-friendly; None fields omitted).

    ``sc_hw.sc_layer_tm.SCLayerTM(**params)`` is the hardware of ``config`` and
    ``SCLayerTMConfig(**params) == config``.
    """
    if not isinstance(config, SCLayerTMConfig):
        raise TypeError(f"config must be an SCLayerTMConfig, not {type(config).__name__}")
    return {
        f.name: _jsonable(getattr(config, f.name))
        for f in fields(config)
        if getattr(config, f.name) is not None
    }


class TMOutputs(NamedTuple):
    """Per tick and neuron: ``spikes`` (``uint8``) and membrane ``v`` (``int64``) after the tick."""

    spikes: np.ndarray
    v: np.ndarray


class SCLayerTM:
    """Bit-exact tick-level model of the core, vectorised over batch and neurons."""

    def __init__(self, config: SCLayerTMConfig) -> None:
        if not isinstance(config, SCLayerTMConfig):
            raise TypeError(f"config must be an SCLayerTMConfig, not {type(config).__name__}")
        self.config = config

    def run(self, inputs: object) -> TMOutputs:
        """Run ``n_ticks`` ticks from reset (``en`` high, no weight writes).

        ``inputs``: spike bits ``(n_ticks, *batch, N)``, row ``t`` the
        ``spikes`` latched by tick ``t``. Returns ``(n_ticks, *batch, M)``
        arrays: row ``t`` holds what tick ``t`` presents on ``out_spike`` and
        ``out_v`` for each neuron. Computed as cycles ``1 .. n_ticks`` of the
        parallel layer :meth:`SCLayerTMConfig.parallel_config` (the only loop
        is the neurons' over ticks).
        """
        x = check_bits("inputs", inputs)
        n = self.config.n_inputs
        if x.ndim < 2 or x.shape[-1] != n:
            raise ValueError(
                f"inputs must have shape (n_ticks, *batch, n_inputs={n}), not {x.shape}"
            )
        padded = np.concatenate([x, np.zeros((1,) + x.shape[1:], dtype=np.uint8)])
        out = SCLayer(self.config.parallel_config()).run(padded)
        return TMOutputs(out.spikes[1:], out.v[1:])


class TMCycleOutputs(NamedTuple):
    """The output ports during one cycle (``out_v`` signed)."""

    out_valid: int
    out_neuron: int
    out_spike: int
    out_v: int
    tick_done: int
    in_ready: int


class SCLayerTMCycle:
    """Cycle twin of :class:`sc_hw.sc_layer_tm.SCLayerTM` (module docstring's schedule).

    Holds the three memories as the hardware does: the weight memory
    (``weight_words``, the raw words, and ``weights``, the same decoded
    ``(M, C P)``), the state memory (``state_v``, ``state_rc``) and the
    threshold memory (``thresholds``); plus the tick counter, the latched
    input and one :class:`sc_model.lfsr.LFSR`. A neuron's update is computed
    in the cycle its last word is read and shown ``LATENCY`` enabled edges
    later through a delay line; its state word is written at that same edge,
    as in hardware (a reset discards the updates in flight, unwritten).

    ``extra_width`` and ``extra_next`` model the hardware's optional state
    field owned by an enclosing core (:class:`sc_hw.sc_layer_tm.MemoryTap`):
    neuron ``m``'s update stores ``extra_next(old) | spike << (extra_width -
    1)`` in ``state_extra[m]``, ``old`` the field read (0 in the first tick
    after reset).
    """

    def __init__(
        self,
        config: SCLayerTMConfig,
        extra_width: int = 0,
        extra_next: Callable[[int], int] | None = None,
    ) -> None:
        if not isinstance(config, SCLayerTMConfig):
            raise TypeError(f"config must be an SCLayerTMConfig, not {type(config).__name__}")
        self.config = c = config
        p = c.parallel_config()
        self._rotations = p.synapse_params.rotations
        self._lif = p.neuron_params
        self._lfsr = LFSR(c.width, c.seed, c.taps, c.form)
        padded = np.zeros((c.n_neurons, c.chunks * c.lanes), dtype=np.int64)  # type: ignore[operator]
        padded[:, : c.n_inputs] = np.asarray(c.weights, dtype=np.int64)
        # power-on contents of the memories; rst does not restore them
        self.weights = padded
        self.weight_words = c.weight_words()
        self.thresholds = np.array(c.thresholds, dtype=np.int64)
        self.state_v = np.full(c.n_neurons, c.v_reset, dtype=np.int64)
        self.state_rc = np.zeros(c.n_neurons, dtype=np.int64)
        self.extra_width = check_int("extra_width", extra_width, 0, 64)
        if extra_width and extra_next is None:
            raise ValueError("extra_next is required when extra_width > 0")
        self._extra_next = extra_next
        self.state_extra = [0] * c.n_neurons
        self.reset()

    def reset(self) -> None:
        """Synchronous reset (the memories keep their contents)."""
        c = self.config
        self._lfsr.reset()
        self.k = 0
        self.fresh = True  # first tick after reset: every neuron starts from v_reset
        self._x = np.zeros(c.n_inputs, dtype=np.uint8)
        self._tick_w = np.zeros_like(self.weights)
        self._line: list[tuple[int, int, int, int, int, int] | None] = [None] * (LATENCY - 1)
        self._out = TMCycleOutputs(0, 0, 0, 0, 0, 1)

    # -- the memories as words (the hardware's formats) ------------------------

    def write_weight_word(self, addr: int, word: int) -> None:
        """Store a raw weight word (``addr >= M C`` writes nothing)."""
        c = self.config
        if addr < c.words:
            row, ch = divmod(addr, c.chunks)
            cols = slice(ch * c.lanes, (ch + 1) * c.lanes)  # type: ignore[operator]
            self.weights[row, cols] = decode_weight_word(word, c.lanes, c.weight_width)  # type: ignore[arg-type]
            self.weight_words[addr] = word

    def state_word(self, neuron: int) -> int:
        """Neuron ``neuron``'s state word: ``v`` (``v_width`` bits) then the refractory count."""
        c = self.config
        v = int(self.state_v[neuron]) & ((1 << c.v_width) - 1)
        rc = int(self.state_rc[neuron]) << c.v_width
        return v | rc | self.state_extra[neuron] << (c.v_width + c.refractory_width)

    def write_state_word(self, neuron: int, word: int) -> None:
        """Store a state word (:meth:`state_word`'s layout; higher bits ignored)."""
        c = self.config
        vw = c.v_width
        v = word & ((1 << vw) - 1)
        self.state_v[neuron] = v - (1 << vw) if v >> (vw - 1) else v
        self.state_rc[neuron] = (word >> vw) & ((1 << c.refractory_width) - 1)
        extra = word >> (vw + c.refractory_width)
        self.state_extra[neuron] = extra & ((1 << self.extra_width) - 1)

    def threshold_word(self, neuron: int) -> int:
        """Neuron ``neuron``'s threshold as its ``v_width``-bit two's-complement word."""
        return int(self.thresholds[neuron]) & ((1 << self.config.v_width) - 1)

    def threshold_range(self) -> tuple[int, int]:
        """Thresholds the configuration allows: ``(v_reset + 1 [>= 1 for subtract], V_MAX)``."""
        p = self._lif
        lo = int(p.v_reset) + 1
        if p.reset_mode == "subtract":
            lo = max(lo, 1)
        return lo, p.v_max

    def write_threshold_word(self, neuron: int, word: int) -> None:
        """Store a threshold word (``v_width`` bits, two's complement; higher bits ignored).

        The value must lie in :meth:`threshold_range` (the rule of the
        ``thresholds`` parameter): ValueError otherwise, since the hardware's
        behaviour with such a threshold is not that of the LIF contract.
        """
        vw = self.config.v_width
        t = word & ((1 << vw) - 1)
        t = t - (1 << vw) if t >> (vw - 1) else t
        lo, hi = self.threshold_range()
        if not lo <= t <= hi:
            raise ValueError(
                f"threshold word {word:#x} of neuron {neuron} holds {t}, outside the allowed "
                f"[{lo}, {hi}] (threshold > v_reset, >= 1 for reset_mode='subtract', <= V_MAX)"
            )
        self.thresholds[neuron] = t

    def _update(self, m: int) -> tuple[int, int, int, int, int, int]:
        """Neuron ``m``'s update: ``(m, spike, v, tick_done, refractory, extra)``."""
        c = self.config
        w = self._tick_w[m, : c.n_inputs][None, :]
        r = select_randoms(np.int64(self._lfsr.state), c.width, c.random_width, self._rotations)
        s = weight_stream_bits(r[None, :], w, c.weight_width, c.synapse)
        e, i = polarity_bits(self._x[None, :], s, w, c.synapse)
        count = int(e.sum()) - int(i.sum())
        neuron = LIFPopulation.from_params(
            (1,), replace(self._lif, threshold=int(self.thresholds[m]))
        )
        if not self.fresh:
            neuron.v[0] = self.state_v[m]
            neuron.refractory_count[0] = self.state_rc[m]
        neuron.step(count)
        done = int(m == c.n_neurons - 1)
        spike = int(neuron.spike[0])
        extra = 0
        if self.extra_width:
            old = 0 if self.fresh else self.state_extra[m]
            extra = self._extra_next(old) | spike << (self.extra_width - 1)  # type: ignore[misc]
        return m, spike, int(neuron.v[0]), done, int(neuron.refractory_count[0]), extra

    def step(
        self, spikes: object, en: int = 1, w_en: int = 0, w_addr: int = 0, w_data: int = 0
    ) -> TMCycleOutputs:
        """Advance one cycle; return the outputs seen before the edge.

        ``spikes``: N bits (latched when ``in_ready``); ``en``, ``w_en``: 0/1;
        ``w_addr``, ``w_data``: the write port's values.
        """
        c = self.config
        x = check_bits("spikes", spikes)
        if x.shape != (c.n_inputs,):
            raise ValueError(f"spikes must have shape ({c.n_inputs},), not {x.shape}")
        en = check_int("en", en, 0, 1)
        w_en = check_int("w_en", w_en, 0, 1)
        w_addr = check_int("w_addr", w_addr, 0, (1 << c.addr_width) - 1)
        w_data = check_int("w_data", w_data, 0, (1 << c.word_width) - 1)
        out = self._out
        lanes = c.lanes
        if en:
            born = None
            if self.k == 0:
                self._x = x.copy()
            if self.k < c.words:
                m, ch = divmod(self.k, c.chunks)
                cols = slice(ch * lanes, (ch + 1) * lanes)  # type: ignore[operator]
                self._tick_w[m, cols] = self.weights[m, cols]  # read before this edge's write
                if ch == c.chunks - 1:
                    born = self._update(m)
            last = self._line[-1]
            if last is None:
                self._out = out._replace(out_valid=0, tick_done=0)
            else:
                m, spike, v, done, rc, extra = last
                self.state_v[m], self.state_rc[m] = v, rc  # the state write at this edge
                self.state_extra[m] = extra
                self._out = TMCycleOutputs(1, m, spike, v, done, 0)
            self._line = [born] + self._line[:-1]
            if self.k == c.tick_cycles - 1:
                self._lfsr.step(1)
                self.fresh = False
            self.k = (self.k + 1) % c.tick_cycles
            self._out = self._out._replace(in_ready=int(self.k == 0))
        if w_en:
            self.write_weight_word(w_addr, w_data)
        return out
