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
    unsigned ``tb`` bits, 0 after reset. With ``pre[t]`` the spikes latched
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
Rule (elaboration-time ``rule``: ``"stdp"`` default, or ``"rstdp"``)
    ``"rstdp"`` keeps the pairing terms ``P``, ``Q`` above but turns them
    into a signed per-synapse *eligibility* ``e`` instead of a weight change:
    exactly one enabled cycle of :mod:`sc_model.rstdp` per tick (its
    ``decay_period_log2 = elig_decay_period_log2 = 0``, ``reward_delay =
    0``). Parameters ``elig_width = eb`` (2 .. 24, default 12),
    ``elig_decay_shift = ke`` (1 .. eb - 1, default ``min(4, eb - 1)``),
    ``reward_width = rb`` (2 .. 16, default 8), ``reward_shift`` (0 .. 40,
    default 6). Ports ``reward`` (``rb`` bits, two's complement) and
    ``reward_strobe`` (present only under ``"rstdp"``) are latched with the
    spikes (``k = 0``) and belong to that tick ``t``. The pass of tick
    ``t + 1`` computes, per synapse, from ``e_t`` (the eligibility before
    tick ``t``'s pairing): ``w := sat(w + ((R_t e_t) >> reward_shift))``
    if tick ``t``'s strobe, else ``sat(w)`` (the clamp of every pass; a
    weight inside ``[w_min, w_max]`` is unchanged), ``>>`` arithmetic
    (floor); ``e := esat(E(e_t) + P - Q)`` with ``E(e) = sign(e) (|e| -
    (|e| >> ke))`` and ``esat`` the clamp into ``[-E_MAX, E_MAX]``,
    ``E_MAX = 2**(eb - 1) - 1``. The product ``R e`` is exact (``rb + eb``
    bits), the sums are clamped once. So the weights equal those of the
    ``rstdp`` unit given the core's spikes and rewards, tick ``t`` = unit
    cycle ``t``, under ``rounding="floor"``, and those of
    :class:`sc_model.learning.reward.RewardModulatedLearner`'s integer mode
    given them through its ``pair`` (a strobed tick without spikes = its
    ``step``); with stochastic rounding the
    rounding randoms are the core's (below), not the unit's per-synapse ones.
    *Eligibility memory*: ``M C`` words of ``P eb`` bits, addressed like the
    weight words (lane ``l`` two's complement at ``[l eb, (l + 1) eb)``),
    0 at power-on (in simulation; with ``weight_ram="spram"`` undefined on
    silicon until the first pass writes it, below), read by the pass with
    the weight word and written with it (cycle ``k + 6``, ``k + 7`` under
    ``"spram"``, by an internal register like ``upd_*``); every ``e`` reads
    as 0 in the first tick after reset; ``rst`` clears the reward registers.
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
    ``k + 5``, from ``x_{u-1}``, ``y_{u-1}``, ``pre[u-1]``, ``post[u-1]``
    read from the trace memories below (all 0 in tick 0 after reset: the
    tick-0 pass rewrites every word unchanged) and writes it in cycle
    ``k + 6`` (``k + 7`` under ``weight_ram="spram"``, below): the outputs
    ``upd_en`` (1), ``upd_addr`` (the layer's ``w_addr`` width) and
    ``upd_data`` (a whole word in the layer's sign-magnitude format; a
    negative zero is rewritten as +0) are
    registers showing the write that the edge ending the cycle performs
    (``upd_en`` high in cycles ``k = 6 .. M C + 5`` of every tick). Every
    word is written after the layer has read it in that tick, so the update
    of tick ``t``'s spikes is visible to the layer from tick ``t + 2`` on.
Weight RAM structure (elaboration-time ``weight_ram``: ``"ebr"`` default, or ``"spram"``)
    ``"ebr"``: the weight words in banks of ``BANK_WORDS`` words, each with a
    read and a write port (EBR/DP16KD); the schedule above, latency 6.
    ``"spram"`` (the iCE40UP5K's SB_SPRAM256KA, single-ported): the words in
    two *parity banks* (word ``a`` in bank ``a mod 2`` at ``a >> 1``,
    ``ceil(M C / 2)`` words each), each with ONE address: the host's when the
    host is served, else the pass's write address in the cycles the pass
    writes that bank, else the layer's read address ``k``. The pass has one
    register stage more before the write (the E6 word registered once
    again), so word ``k`` is shown on ``upd_*`` (and the pre-trace write of
    the last row made) in cycle ``k + 7`` (:attr:`LearningCoreConfig.pass_latency`),
    ``upd_en`` high in cycles ``k = 7 .. M C + 6``: the read (bank ``k mod
    2``) and the write (bank ``(k - 7) mod 2``) of a cycle always hit
    different banks, and the last write (``M C + 6 = T - 2``) leaves the
    host's cycle ``T - 1`` free. Rounding (``k + 3``), every value and the
    tick model are those of ``"ebr"``. Under ``rule="rstdp"`` the
    eligibility memory is banked the same way (word ``a`` in eligibility
    bank ``a mod 2`` at ``a >> 1``, one address per bank, the weight bank's
    address: the host's, the pass's write address, or ``k``): read in cycle
    ``k`` with the weight word, written with it in cycle ``k + 7``, so its
    read and write of a cycle hit different banks too. Requirements
    (ValueError naming the field otherwise): every initial weight 0: SPRAM
    has no power-on contents, the simulated memory powers on at 0 and on
    silicon the weights are undefined until the host loads them (host port,
    one word per cycle with ``en`` low at ``k = 0``); the banks fit the
    UP5K's 4 blocks of 16,384 x 16 bits: ``2 (ceil(word_width / 16) [+
    ceil(P eb / 16) under R-STDP]) ceil(ceil(M C / 2) / 16384) <= 4``
    (:attr:`LearningCoreConfig.spram_blocks`), e.g. STDP with ``P = 3`` lanes
    of 9 bits (27 bits, two blocks side by side) and ``M C <= 32768`` words,
    or R-STDP with ``P = 1`` (a 9-bit weight word and an ``eb <= 16``-bit
    eligibility word: one block per bank, four in all) and ``M C = N M <=
    32768``. The eligibility on silicon: undefined at power-on, and defined
    by the hardware, not the host: the first tick after reset reads every
    ``e`` as 0 and its pass writes every eligibility word (``esat(E(0) + 0 -
    0) = 0``), so from tick 1 on every word is 0 or the rule's value. A host
    write of the eligibility space before that first pass is overwritten by
    it; an eligibility image is loaded at a later tick start (``en`` low at
    ``k = 0`` of tick ``u >= 1``) and is what the pass of tick ``u`` reads
    (:meth:`LearningCore.set_eligibility` in the tick model).
Trace memories (no trace register: every trace is a memory field, updated serially)
    *Pre-trace memory*: ``C`` words of ``P (tb + 1)`` bits
    (:func:`encode_pre_word`); word ``c`` holds lane ``l``'s trace
    ``x[c P + l]`` in bits ``[l tb, (l + 1) tb)`` and its spike bit
    ``pre[c P + l]`` in bit ``P tb + l`` (padding lanes are stored and
    used like the others; they only reach padding weights). At the start of
    tick ``u >= 1`` word ``c`` holds ``x_{u-1}`` and ``pre[u-1]``. The pass
    reads word ``c`` with every weight word ``m C + c`` (same cycle) and the
    last row's word ``(M - 1) C + c`` writes it in that word's write cycle
    ``k + 6`` with ``x_u = T(x_{u-1}, pre[u-1])`` and the spikes latched in
    tick ``u`` (after every read of that word in the tick).
    *State words* carry ``y`` and ``post``: a neuron's state word is
    ``v`` (``v_width`` bits), its refractory count (``refractory_width``),
    ``y`` (``tb`` bits) and the neuron's last spike bit; the pass reads
    neuron ``m``'s word in cycle ``m C`` (before the layer updates it in
    this tick), and the layer's state write of neuron ``m`` in tick ``u``
    stores ``y_u = T(y_{u-1}, post[u-1])`` and ``post[u]``. In the first
    tick after reset every trace and spike field reads as 0 (the layer's
    ``fresh`` rule), so the memories' power-on or pre-reset contents do
    not matter; they are 0 at power-on.
Enable and reset
    ``en`` low: no register changes (the plasticity LFSR and the pass
    pipeline hold); a write shown on ``upd_*`` (and the pass's pre-trace
    write) acts again at that edge (the same word with the same value).
    ``rst``: the LFSR to ``stdp_seed``, the pass pipeline emptied
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
    neuron state (``M`` words of ``state_width`` bits: the layout above),
    3 the pre-trace memory (``C`` words of ``pre_word_width`` bits), 4 the
    eligibility memory (``M C`` words of ``elig_word_width`` bits; none
    under STDP: such a request is acked and ignored), 5 .. 7 reserved (the
    same).
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
    exactly :data:`HOST_READ_LATENCY` = 3 cycles after ``host_ack``
    (whatever ``en``); otherwise ``host_rvalid`` is 0 and ``host_rdata`` 0.
    ``rst`` empties the read pipeline. The weight, threshold and state
    memories keep their contents through ``rst``; the first tick after
    reset still starts every neuron from ``v_reset`` (the layer's rule), so
    state words written before it are overwritten by that tick.
Registered host access (``host_access``: ``"direct"``, above, or ``"registered"``)
    The ack windows and ``host_ack`` are those above, but the request is
    registered at the ack edge and performed in the next cycle, the
    *perform cycle* (address, data, write enable and the space decode come
    from registers, so no port input or tick flag reaches a memory's
    enables: what closes 48 MHz with SPRAM on the iCE40UP5K). A perform
    cycle at ``k = 0`` holds the core: ``in_ready`` is low and ``en`` is
    ignored (no tick starts, no spikes are latched); a perform cycle at
    ``k = T - 1`` (acked there with ``en`` low) needs no hold. So running
    with ``en`` high, an access acked in ``T - 1`` makes the next tick one
    cycle longer; a host streaming with ``en`` low at ``k = 0`` is still
    served every cycle, and the tick starts one cycle after the last perform
    cycle. A read returns the word as it was during the perform cycle,
    :attr:`LearningCoreConfig.host_read_latency` = 4 cycles after its ack;
    a write is performed at the edge ending the perform cycle. The request
    registers have no reset: a request acked in a cycle with ``rst`` high is
    still performed (the next cycle is ``k = 0``, held); ``rst`` in the
    perform cycle drops a read's data, as it empties the read pipeline.
    Visibility to the layer and the pass is as above, counted from the
    perform cycle.

Array conventions of :meth:`LearningCore.run`: axis 0 is the tick; one run
from reset with ``en`` high; the loop is over ticks only, each tick is
vectorised over all neurons and synapses.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import Any, NamedTuple

import numpy as np

from ._validate import check_bits, check_choice, check_int, check_int_array
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
RULES = ("stdp", "rstdp")
PASS_ROUND = 3  # cycles from a word's read to its rounding (the LFSR state used)
PASS_LATENCY = 6  # cycles from a word's read to the cycle its write is shown on upd_* ("ebr")
PASS_LATENCY_SPRAM = 7  # the same with weight_ram="spram" (odd: read and write banks differ)
WEIGHT_RAMS = ("ebr", "spram")
SPRAM_WORDS = 16384  # one iCE40UP5K SB_SPRAM256KA: 16,384 words of 16 bits
SPRAM_WIDTH = 16
SPRAM_BLOCKS = 4  # SB_SPRAM256KA on the iCE40UP5K
HOST_SPACES = {"weights": 0, "thresholds": 1, "state": 2, "pre_traces": 3, "eligibility": 4}
HOST_READ_LATENCY = 3  # cycles from host_ack to host_rvalid (host_access="direct")
HOST_ACCESSES = ("direct", "registered")  # the host's access in its ack cycle, or the next


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
    rule: str = "stdp"
    elig_width: int = 12
    elig_decay_shift: int | None = None
    reward_width: int = 8
    reward_shift: int = 6
    weight_ram: str = "ebr"
    host_access: str = "direct"

    def __post_init__(self) -> None:
        super().__post_init__()
        put = object.__setattr__
        check_choice("rule", self.rule, RULES)
        check_choice("weight_ram", self.weight_ram, WEIGHT_RAMS)
        check_choice("host_access", self.host_access, HOST_ACCESSES)
        eb = check_int("elig_width", self.elig_width, 2, 24)
        ke = min(4, eb - 1) if self.elig_decay_shift is None else self.elig_decay_shift
        put(self, "elig_decay_shift", check_int("elig_decay_shift", ke, 1, eb - 1))
        check_int("reward_width", self.reward_width, 2, 16)
        check_int("reward_shift", self.reward_shift, 0, 40)
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
        if self.weight_ram == "spram":
            self._check_spram(w)

    def _check_spram(self, w: np.ndarray) -> None:
        """``weight_ram="spram"``: weights 0; the parity banks (weights, and eligibilities
        under R-STDP) fit the UP5K's SPRAMs."""
        nz = np.argwhere(w != 0)
        if nz.size:
            m, j = (int(v) for v in nz[0])
            raise ValueError(
                f"weights must all be 0 with weight_ram='spram' (SPRAM has no power-on "
                f"contents; load the image over the host port), not weights[{m}][{j}] = "
                f"{int(w[m, j])}"
            )
        if self.spram_blocks > SPRAM_BLOCKS:
            elig = (
                f" and as many eligibility words of {self.elig_word_width} bits"
                if self.rstdp
                else ""
            )
            raise ValueError(
                f"weight_ram='spram' needs {self.spram_blocks} SB_SPRAM256KA for {self.words} "
                f"words of {self.word_width} bits{elig} (2 parity banks of {self.bank_depth} "
                f"words each, {SPRAM_WORDS} x {SPRAM_WIDTH} bits per block); the iCE40UP5K has "
                f"{SPRAM_BLOCKS}: reduce lanes, weight_width"
                + (", elig_width" if self.rstdp else "")
                + ", n_inputs or n_neurons"
            )

    @property
    def pass_latency(self) -> int:
        """Cycles from a word's read to the cycle its write shows on ``upd_*``: 6, or 7 (SPRAM)."""
        return PASS_LATENCY_SPRAM if self.weight_ram == "spram" else PASS_LATENCY

    @property
    def host_read_latency(self) -> int:
        """Cycles from ``host_ack`` to ``host_rvalid``: 3, 4 with ``host_access="registered"``."""
        return HOST_READ_LATENCY + (self.host_access == "registered")

    @property
    def bank_depth(self) -> int:
        """Words per parity bank under ``weight_ram="spram"``: ``ceil(M C / 2)``."""
        return -(-self.words // 2)

    @property
    def spram_blocks(self) -> int:
        """SB_SPRAM256KA the parity banks take under ``"spram"`` (0 under ``"ebr"``): per
        bank ``ceil(word_width / 16) ceil(bank_depth / 16384)``, two weight banks, and
        under R-STDP two eligibility banks of ``ceil(elig_word_width / 16)`` blocks wide."""
        if self.weight_ram != "spram":
            return 0
        deep = -(-self.bank_depth // SPRAM_WORDS)
        wide = -(-self.word_width // SPRAM_WIDTH)
        if self.rstdp:
            wide += -(-self.elig_word_width // SPRAM_WIDTH)
        return 2 * wide * deep

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
    def rstdp(self) -> bool:
        """True for the reward-modulated rule (eligibility memory, reward port)."""
        return self.rule == "rstdp"

    def rstdp_unit_params(self) -> dict[str, int]:
        """The :mod:`sc_model.rstdp` unit's parameters (all but ``n_pre``, ``n_post``,
        ``weights``) under which it equals this core's rule (module docstring):
        the core's ``wb``-bit magnitudes are the unit's ``wb + 1``-bit signed weights."""
        return dict(
            weight_width=self.weight_width + 1,
            w_min=self.w_min,
            w_max=self.w_max,
            trace_width=self.trace_width,
            pre_increment=self.pre_increment,
            post_increment=self.post_increment,
            decay_shift=self.decay_shift,
            a_plus=self.a_plus,
            a_minus=self.a_minus,
            update_shift=self.update_shift,
            elig_width=self.elig_width,
            elig_decay_shift=self.elig_decay_shift,
            reward_width=self.reward_width,
            reward_shift=self.reward_shift,
        )

    @property
    def elig_max(self) -> int:
        """``E_MAX = 2**(eb - 1) - 1``."""
        return (1 << (self.elig_width - 1)) - 1

    @property
    def elig_word_width(self) -> int:
        """Bits of an eligibility word: ``P eb`` (lane ``l`` two's complement at ``l eb``)."""
        return self.lanes * self.elig_width  # type: ignore[operator]

    @property
    def state_width(self) -> int:
        """Bits of a state word: ``v_width + refractory_width + tb + 1``."""
        return self.v_width + self.refractory_width + self.trace_width + 1

    @property
    def pre_word_width(self) -> int:
        """Bits of a pre-trace word: ``P (tb + 1)``."""
        return self.lanes * (self.trace_width + 1)  # type: ignore[operator]

    @property
    def host_data_width(self) -> int:
        """Bits of ``host_wdata``/``host_rdata``: the widest space word."""
        widths = [self.word_width, self.state_width, self.pre_word_width]
        return max(widths + ([self.elig_word_width] if self.rstdp else []))

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


def pair_terms(
    x_pre: object, y_post: object, pre: object, post: object, r: object, c: LearningCoreConfig
) -> tuple[np.ndarray, np.ndarray]:
    """``(P, Q)`` of every synapse ``(..., M, N)``: the pairing terms of the STDP rule."""
    x = np.asarray(x_pre, np.int64)[..., None, :]
    y = np.asarray(y_post, np.int64)[..., :, None]
    pot = round_shift(c.a_plus * x, r, c.update_shift, c.rounding)
    dep = round_shift(c.a_minus * y, r, c.update_shift, c.rounding)
    pot = np.where(np.asarray(post)[..., :, None] != 0, pot, 0)
    dep = np.where(np.asarray(pre)[..., None, :] != 0, dep, 0)
    return pot, dep


def rstdp_update(
    w: object,
    e: object,
    pot: object,
    dep: object,
    reward: int,
    strobe: int,
    c: LearningCoreConfig,
) -> tuple[np.ndarray, np.ndarray]:
    """One R-STDP step (the ``rstdp`` unit's enabled cycle with period 0 and no delay).

    ``w := sat(w + ((reward e) >> reward_shift))`` if ``strobe``, from the
    eligibility before the step; ``e := esat(E(e) + P - Q)``,
    ``E(e) = sign(e) (|e| - (|e| >> elig_decay_shift))``.
    """
    w = np.asarray(w, np.int64)
    e = np.asarray(e, np.int64)
    dw = (int(reward) * e) >> c.reward_shift if strobe else 0
    w = np.clip(w + dw, c.w_min, c.w_max)  # (clamped in every step, as the STDP pass does)
    decayed = e - np.sign(e) * (np.abs(e) >> c.elig_decay_shift)  # type: ignore[operator]
    e_new = np.clip(decayed + np.asarray(pot) - np.asarray(dep), -c.elig_max, c.elig_max)
    return w, e_new


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
    ``pre_trace`` ``(n_ticks, N)`` and ``post_trace`` ``(n_ticks, M)``: ``x_t``, ``y_t``;
    ``eligibility`` ``(n_ticks, M, N)``: ``e_t`` (zeros under STDP)."""

    spikes: np.ndarray
    v: np.ndarray
    weights: np.ndarray
    pre_trace: np.ndarray
    post_trace: np.ndarray
    eligibility: np.ndarray


class LearningCore:
    """Bit-exact tick-level model (``en`` high, from reset), vectorised over neurons/synapses.

    Stepping API (what closed-loop experiments drive): :meth:`reset`, then
    :meth:`step` once per tick with that tick's input spikes (and, under
    R-STDP, the reward of that tick); it returns the tick's output spikes and
    membranes. Between steps, :attr:`weights` (``(M, N)``) is what the layer
    reads in the next tick, :attr:`eligibility` ``e_t`` and
    :attr:`pre_trace`/:attr:`post_trace` ``x_t``/``y_t`` of the next tick;
    :meth:`set_weights` replaces the weights between ticks (what the host
    port does while the core is held at a tick's start). :meth:`run` steps a
    whole array of ticks.
    """

    def __init__(self, config: LearningCoreConfig) -> None:
        if not isinstance(config, LearningCoreConfig):
            raise TypeError(f"config must be a LearningCoreConfig, not {type(config).__name__}")
        self.config = config
        self.weights = np.array(config.weights, dtype=np.int64)
        self.reset()

    def reset(self) -> None:
        """The core's ``rst``: traces, eligibility, neurons, LFSRs; the weights are kept."""
        c = self.config
        p = c.parallel_config()
        self._rotations = p.synapse_params.rotations
        self._neurons = LIFPopulation.from_params((c.n_neurons,), p.neuron_params)
        self.tick = 0
        self._layer_lfsr = LFSR(c.width, c.seed, c.taps, c.form)
        # the pass of tick u rounds word k with the state after u T + k + 3 steps
        seq = lfsr_sequence(c.width, c.stdp_seed, PASS_ROUND + 1, c.taps, c.form)
        self._stdp_state = int(seq[-1])
        self.pre_trace = np.zeros(c.n_inputs, np.int64)
        self.post_trace = np.zeros(c.n_neurons, np.int64)
        self.eligibility = np.zeros((c.n_neurons, c.n_inputs), np.int64)
        self._pending: tuple | None = None

    def set_weights(self, weights: object) -> None:
        """Replace the weight memory between ticks (``(M, N)`` ints in the weights' range)."""
        c = self.config
        top = (1 << c.weight_width) - 1
        self.weights = check_int_array("weights", weights, -top, top, ndim=2)
        if self.weights.shape != (c.n_neurons, c.n_inputs):
            raise ValueError(
                f"weights must have shape ({c.n_neurons}, {c.n_inputs}), not {self.weights.shape}"
            )

    def set_eligibility(self, eligibility: object) -> None:
        """Replace the eligibility memory between ticks (``(M, N)`` ints in
        ``[-E_MAX, E_MAX]``; R-STDP only): what a host write of the eligibility
        space does at a tick start after the first tick (that tick's pass
        rewrites every word from 0, module docstring)."""
        c = self.config
        if not c.rstdp:
            raise ValueError(f"set_eligibility needs rule='rstdp', not rule={c.rule!r}")
        if self.tick < 1:
            raise ValueError(
                "set_eligibility needs tick >= 1: the first tick after reset reads every "
                f"eligibility as 0 and rewrites it (tick = {self.tick})"
            )
        e = check_int_array("eligibility", eligibility, -c.elig_max, c.elig_max, ndim=2)
        if e.shape != (c.n_neurons, c.n_inputs):
            raise ValueError(
                f"eligibility must have shape ({c.n_neurons}, {c.n_inputs}), not {e.shape}"
            )
        self.eligibility = e

    def host_words(self) -> dict[int, list[int]]:
        """The words the host port reads between ticks, per space (:data:`HOST_SPACES`).

        What a read at ``k = 0`` with ``en`` low returns after :meth:`step` has run
        at least once since :meth:`reset` (before that the memories hold their
        power-on or pre-reset contents): space 0 the ``M C`` weight words, 1 the
        ``M`` threshold words, 2 the ``M`` state words (``v``, refractory count,
        ``y``, last spike), 3 the ``C`` pre-trace words (``x`` and the spikes of
        the last tick), 4 the ``M C`` eligibility words (R-STDP only). Python ints.
        """
        c = self.config
        if self.tick < 1 or self._pending is None:
            raise ValueError("the memories are defined by the core only after the first tick")
        n, lanes, ch = c.n_inputs, c.lanes, c.chunks
        pad = ch * lanes - n  # type: ignore[operator]

        def lanes_of(a: np.ndarray) -> np.ndarray:  # (M, N) -> (M C, P), padding lanes 0
            return np.pad(a, ((0, 0), (0, pad))).reshape(c.words, lanes)

        x, y, pre, post = self._pending[:4]
        vw, rw, tb = c.v_width, c.refractory_width, c.trace_width
        v = self._neurons.v & ((1 << vw) - 1)
        extra = np.asarray(y, np.int64) | np.asarray(post, np.int64) << tb
        state = v | self._neurons.refractory_count << vw | extra << (vw + rw)
        xs, bits = np.pad(x, (0, pad)), np.pad(pre, (0, pad))
        words = {
            HOST_SPACES["weights"]: [
                encode_weight_word(row, c.weight_width) for row in lanes_of(self.weights)
            ],
            HOST_SPACES["thresholds"]: [
                int(t) & ((1 << vw) - 1) for t in np.asarray(c.thresholds).tolist()
            ],
            HOST_SPACES["state"]: [int(w) for w in state.tolist()],
            HOST_SPACES["pre_traces"]: [
                encode_pre_word(
                    xs[k * lanes : (k + 1) * lanes], bits[k * lanes : (k + 1) * lanes], c
                )  # type: ignore[operator]
                for k in range(ch)  # type: ignore[arg-type]
            ],
        }
        if c.rstdp:
            eb = c.elig_width
            fields = lanes_of(self.eligibility) & ((1 << eb) - 1)
            shifts = np.arange(lanes) * eb  # type: ignore[arg-type]
            words[HOST_SPACES["eligibility"]] = [
                sum(int(f) << int(k) for f, k in zip(row, shifts, strict=True)) for row in fields
            ]
        return words

    def step(self, spikes: object, reward: int = 0, reward_strobe: int = 0) -> LIFOutputsTick:
        """One tick: the layer reads :attr:`weights`, the pass applies the previous tick's update.

        ``spikes`` ``(N,)`` bits; ``reward`` (``reward_width`` bits signed)
        and ``reward_strobe`` (0/1) of this tick (R-STDP; applied by the
        next tick's pass with this tick's eligibility ``e_t``).
        """
        c = self.config
        x = check_bits("spikes", spikes)
        if x.shape != (c.n_inputs,):
            raise ValueError(f"spikes must have shape ({c.n_inputs},), not {x.shape}")
        half = 1 << (c.reward_width - 1)
        reward = check_int("reward", reward, -half, half - 1)
        reward_strobe = check_int("reward_strobe", reward_strobe, 0, 1)
        n, m, lanes, ch = c.n_inputs, c.n_neurons, c.lanes, c.chunks
        w = self.weights
        state = np.uint64(self._layer_lfsr.state)
        r = select_randoms(state, c.width, c.random_width, self._rotations)
        s = weight_stream_bits(r[None, :], w, c.weight_width, c.synapse)
        e, i = polarity_bits(x[None, :], s, w, c.synapse)
        count = e.astype(np.int64).sum(-1) - i.astype(np.int64).sum(-1)
        self._neurons.step(count)
        out = LIFOutputsTick(self._neurons.spike.copy(), self._neurons.v.copy())
        # the pass during this tick (after the layer read every word) applies the last update
        seq = lfsr_sequence(c.width, self._stdp_state, c.tick_cycles + 1, c.taps, c.form)
        states = seq[: m * ch]
        if self._pending is not None:
            xt, yt, pre, post, rew, strobe = self._pending
            rr = lane_randoms(states, c).reshape(m, ch * lanes)[:, :n]
            if c.rstdp:
                pot, dep = pair_terms(xt, yt, pre, post, rr, c)
                self.weights, self.eligibility = rstdp_update(
                    w, self.eligibility, pot, dep, rew, strobe, c
                )
            else:
                self.weights = stdp_update(w, xt, yt, pre, post, rr, c)
        self._stdp_state = int(seq[c.tick_cycles])
        self._layer_lfsr.step(1)
        self._pending = (self.pre_trace, self.post_trace, x, out.spikes, reward, reward_strobe)
        self.pre_trace = trace_next(self.pre_trace, x, c.pre_increment, c)  # type: ignore[arg-type]
        self.post_trace = trace_next(self.post_trace, out.spikes, c.post_increment, c)  # type: ignore[arg-type]
        self.tick += 1
        return out

    def run(
        self,
        inputs: object,
        weights: object = None,
        reward: object = None,
        reward_strobe: object = None,
    ) -> LearningRun:
        """Reset, then run ``n_ticks`` ticks; ``inputs`` ``(n_ticks, N)`` spike bits.

        ``weights`` (M x N, default the configured power-on image) is the
        weight RAM's content at the start (it survives resets); ``reward`` and
        ``reward_strobe`` ``(n_ticks,)`` (default none).
        """
        c = self.config
        x = check_bits("inputs", inputs)
        n, m = c.n_inputs, c.n_neurons
        if x.ndim != 2 or x.shape[1] != n:
            raise ValueError(f"inputs must have shape (n_ticks, n_inputs={n}), not {x.shape}")
        n_ticks = x.shape[0]
        self.set_weights(c.weights if weights is None else weights)
        half = 1 << (c.reward_width - 1)
        rew = np.zeros(n_ticks, np.int64) if reward is None else reward
        stb = np.zeros(n_ticks, np.int64) if reward_strobe is None else reward_strobe
        rew = check_int_array("reward", rew, -half, half - 1, ndim=1)
        stb = check_int_array("reward_strobe", stb, 0, 1, ndim=1)
        if rew.shape != (n_ticks,) or stb.shape != (n_ticks,):
            raise ValueError(f"reward and reward_strobe must have shape ({n_ticks},)")
        self.reset()
        out_s = np.zeros((n_ticks, m), np.uint8)
        out_v = np.zeros((n_ticks, m), np.int64)
        out_w = np.zeros((n_ticks, m, n), np.int64)
        out_x = np.zeros((n_ticks, n), np.int64)
        out_y = np.zeros((n_ticks, m), np.int64)
        out_e = np.zeros((n_ticks, m, n), np.int64)
        for t in range(n_ticks):
            out_w[t], out_x[t], out_y[t], out_e[t] = (
                self.weights,
                self.pre_trace,
                self.post_trace,
                self.eligibility,
            )
            out_s[t], out_v[t] = self.step(x[t], int(rew[t]), int(stb[t]))
        return LearningRun(out_s, out_v, out_w, out_x, out_y, out_e)


class LIFOutputsTick(NamedTuple):
    """One tick's outputs: ``spikes`` (``uint8``) and ``v`` (``int64``), ``(M,)``."""

    spikes: np.ndarray
    v: np.ndarray


# --------------------------------------------------------------------------
# Cycle twin
# --------------------------------------------------------------------------


class LearningCycleOutputs(NamedTuple):
    """Output ports during one cycle (``out_v`` signed)."""

    out_valid: int
    out_neuron: int
    out_spike: int
    out_v: int
    tick_done: int
    in_ready: int
    upd_en: int
    upd_addr: int
    upd_data: int
    host_ack: int = 0
    host_rvalid: int = 0
    host_rdata: int = 0


class LearningCoreCycle:
    """Cycle twin of :class:`sc_hw.learning_core.LearningCore`.

    The layer is a :class:`sc_model.sc_layer_tm.SCLayerTMCycle` whose write
    port is driven by the pass registers ``upd_*`` and whose state words
    carry the post trace and last spike (``extra`` field); its weight memory
    is the one the pass reads (``self.weights``, decoded ``(M, C P)``). The
    pre-trace memory is ``self.pre_words`` (``C`` raw words).
    """

    def __init__(self, config: LearningCoreConfig) -> None:
        if not isinstance(config, LearningCoreConfig):
            raise TypeError(f"config must be a LearningCoreConfig, not {type(config).__name__}")
        self.config = c = config
        self.layer = SCLayerTMCycle(
            config.layer_config(), extra_width=c.trace_width + 1, extra_next=self._post_next
        )
        self.pre_words = [0] * c.chunks  # power-on contents; rst does not clear them
        self.elig_words = [0] * (c.words if c.rstdp else 0)
        self._lfsr = LFSR(config.width, config.stdp_seed, config.taps, config.form)
        # host_access="registered": the request acked last cycle, performed in this one
        # (space, addr, we, wdata); registers without reset (rst does not drop it)
        self._pending: tuple[int, int, int, int] | None = None
        self.reset()

    @property
    def weights(self) -> np.ndarray:
        """The weight memory, decoded: ``(M, C P)`` (padding lanes last)."""
        return self.layer.weights

    def _post_next(self, old: int) -> int:
        """The post trace a neuron's state write stores: ``T(y, post)`` of the field read."""
        c = self.config
        y, spike = old & c.trace_max, old >> c.trace_width
        return int(trace_next(y, spike, c.post_increment, c))  # type: ignore[arg-type]

    def pre_chunk(self, chunk: int) -> tuple[np.ndarray, np.ndarray]:
        """Pre-trace word ``chunk`` decoded: traces ``(P,)`` and last-tick spike bits ``(P,)``."""
        c = self.config
        word = self.pre_words[chunk]
        tb, lanes = c.trace_width, c.lanes
        x = np.array([(word >> (lane * tb)) & c.trace_max for lane in range(lanes)], np.int64)  # type: ignore[arg-type]
        bits = np.array([(word >> (lanes * tb + lane)) & 1 for lane in range(lanes)], np.int64)  # type: ignore[operator]
        return x, bits

    def traces(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The memories' trace fields: ``x``, pre bits ``(N,)``; ``y``, post bits ``(M,)``."""
        c = self.config
        parts = [self.pre_chunk(cc) for cc in range(c.chunks)]
        x = np.concatenate([p[0] for p in parts])[: c.n_inputs]
        pre = np.concatenate([p[1] for p in parts])[: c.n_inputs]
        extra = np.array(self.layer.state_extra, np.int64)
        return x, pre, extra & c.trace_max, extra >> c.trace_width

    def reset(self) -> None:
        """Synchronous reset (the memories keep their contents)."""
        c = self.config
        self.layer.reset()
        self._lfsr.reset()
        self.k = 0
        self._x_in = np.zeros(c.chunks * c.lanes, np.int64)  # type: ignore[operator]
        # pass pipeline: (address, decoded word) read / registered; computed write
        self._rd: tuple[int, np.ndarray] | None = None
        self._rd2: tuple[int, np.ndarray] | None = None
        self._rd3: tuple[int, np.ndarray] | None = None
        self._new: tuple[int, int, tuple[int, int] | None] | None = None
        self._new2: tuple[int, int, tuple[int, int] | None] | None = None
        self._new3: tuple[int, int, tuple[int, int] | None] | None = None  # "spram" only
        # the weight memory's accesses of the last cycle: (word read, word written) or None
        self.weight_access: tuple[int | None, int | None] = (None, None)
        self.elig_access: tuple[int | None, int | None] = (None, None)  # R-STDP
        self._upd = (0, 0, 0)
        self._pre_upd = (0, 0, 0)  # the pre-trace memory's write register (en, addr, word)
        self._elig_upd = (0, 0, 0)  # the eligibility memory's write register
        self._r_in = (0, 0)  # (reward, strobe) latched at k = 0
        self._r_pass = (0, 0)  # the previous tick's, used by the running pass
        # host reads in flight: the word read at the last ack edge, then registered once
        self._host_pipe: list[int | None] = [None] * (HOST_READ_LATENCY - 1)
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
        if space == HOST_SPACES["pre_traces"] and addr < c.chunks:
            return self.pre_words[addr]
        if space == HOST_SPACES["eligibility"] and c.rstdp and addr < c.words:
            return self.elig_words[addr]
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
        elif space == HOST_SPACES["pre_traces"] and addr < c.chunks:
            self.pre_words[addr] = data & ((1 << c.pre_word_width) - 1)
        elif space == HOST_SPACES["eligibility"] and c.rstdp and addr < c.words:
            self.elig_words[addr] = data & ((1 << c.elig_word_width) - 1)

    def elig_lanes(self, addr: int) -> np.ndarray:
        """Eligibility word ``addr`` decoded: ``(P,)`` signed lanes."""
        c = self.config
        eb, word = c.elig_width, self.elig_words[addr]
        raw = np.array([(word >> (lane * eb)) & ((1 << eb) - 1) for lane in range(c.lanes)])  # type: ignore[arg-type]
        return np.where(raw >> (eb - 1) != 0, raw - (1 << eb), raw).astype(np.int64)

    def _pass_word(self, addr: int, word: np.ndarray, state: int) -> tuple:
        """The rounding stage of word ``addr``: its new word and pre-trace write (last row)."""
        c = self.config
        lanes = c.lanes
        mm, cc = divmod(addr, c.chunks)
        if self.layer.fresh:  # first tick after reset: every trace and spike bit reads 0
            xp = pre = np.zeros(lanes, np.int64)  # type: ignore[arg-type]
            y = post = 0
        else:
            xp, pre = self.pre_chunk(cc)
            extra = self.layer.state_extra[mm]
            y, post = extra & c.trace_max, extra >> c.trace_width
        r = lane_randoms(np.uint64(state), c)
        elig_write = None
        if c.rstdp:
            pot, dep = pair_terms(xp, [y], pre, [post], r, c)
            e_old = np.zeros(lanes, np.int64) if self.layer.fresh else self.elig_lanes(addr)  # type: ignore[arg-type]
            new, e_new = rstdp_update(word[None, :], e_old[None, :], pot, dep, *self._r_pass, c)
            new = new[0]
            eb = c.elig_width
            e_word = sum(
                (int(v) & ((1 << eb) - 1)) << (lane * eb) for lane, v in enumerate(e_new[0])
            )
            elig_write = (addr, e_word)
        else:
            new = stdp_update(word[None, :], xp, [y], pre, [post], r, c)[0]
        pre_write = None
        if mm == c.n_neurons - 1:
            xn = trace_next(xp, pre, c.pre_increment, c)  # type: ignore[arg-type]
            bits = self._x_in[cc * lanes : (cc + 1) * lanes]  # type: ignore[operator]
            pre_write = (cc, encode_pre_word(xn, bits, c))
        return addr, encode_weight_word(new, c.weight_width), pre_write, elig_write

    def _check_banks(self, read: int | None, write: int | None, memory: str = "weight") -> None:
        """Record this cycle's accesses of ``memory`` (``"weight"`` or ``"eligibility"``:
        :attr:`weight_access`, :attr:`elig_access`); under ``"spram"`` a read and a write
        of one cycle must hit different parity banks (each bank has one port)."""
        if memory == "weight":
            self.weight_access = (read, write)
        else:
            self.elig_access = (read, write)
        if self.config.weight_ram == "spram" and None not in (read, write):
            if (read - write) % 2 == 0:  # type: ignore[operator]
                raise AssertionError(
                    f"cycle k = {self.k}: {memory} word {read} read and word {write} written "
                    f"in one SPRAM bank ({read % 2})"  # type: ignore[operator]
                )

    def step(
        self,
        spikes: object,
        en: int = 1,
        host_req: int = 0,
        host_we: int = 0,
        host_space: int = 0,
        host_addr: int = 0,
        host_wdata: int = 0,
        reward: int = 0,
        reward_strobe: int = 0,
    ) -> LearningCycleOutputs:
        """Advance one cycle; return the outputs seen before the edge.

        ``spikes`` N bits, ``en`` 0/1 and the host port's inputs (module
        docstring: served only in the tick's last cycle or at ``k = 0`` with
        ``en`` low; ``host_ack`` in the result says whether it was);
        ``reward`` (signed, ``reward_width`` bits) and ``reward_strobe``,
        latched with the spikes (R-STDP; ignored under STDP).
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
        half = 1 << (c.reward_width - 1)
        reward = check_int("reward", reward, -half, half - 1)
        reward_strobe = check_int("reward_strobe", reward_strobe, 0, 1)
        # the ack windows (either host_access): the tick's last cycle, or k = 0 with en low
        host_ack = int(host_req and (self.k == c.tick_cycles - 1 or (self.k == 0 and not en)))
        request = (host_space, host_addr, host_we, host_wdata) if host_ack else None
        if c.host_access == "registered":
            # performed now: last cycle's acked request; a core at k = 0 holds in that
            # cycle (in_ready low, en ignored)
            access, held = self._pending, self._pending is not None and self.k == 0
            self._pending = request
            en = int(en and not held)
        else:
            access, held = request, False
        host_out = self._host_out
        last = self._host_pipe[-1]
        self._host_out = (0, 0) if last is None else (1, last)
        now = None
        if access is not None and not access[2]:
            now = self.host_read(access[0], access[1])
        self._host_pipe = [now] + self._host_pipe[:-1]
        upd_en, upd_addr, upd_data = self._upd
        pre_wen, pre_waddr, pre_wdata = self._pre_upd
        e_wen, e_waddr, e_wdata = self._elig_upd
        state = int(self._lfsr.state)
        if en:
            lanes = c.lanes
            # stage E: the computed word -> the writes shown next cycle ("spram": one
            # register more before it, so the write trails the read by an odd 7 cycles)
            last = self._new3 if c.weight_ram == "spram" else self._new2
            if last is None:
                self._upd = (0, self._upd[1], self._upd[2])
                self._pre_upd = (0, self._pre_upd[1], self._pre_upd[2])
                self._elig_upd = (0, 0, 0)
            else:
                addr, word, pre_write, elig_write = last
                self._upd = (1, addr, word)
                self._elig_upd = (0, 0, 0) if elig_write is None else (1, *elig_write)
                if pre_write is None:
                    self._pre_upd = (0, self._pre_upd[1], self._pre_upd[2])
                else:
                    self._pre_upd = (1, *pre_write)
            # stage D: the sum's register (the clamp happens in E; no effect on values)
            self._new3 = self._new2
            self._new2 = self._new
            # rounding stage: round and update the registered word (this cycle's LFSR state)
            self._new = None if self._rd3 is None else self._pass_word(*self._rd3, state)
            # stage B: the word read last cycle, registered
            self._rd3 = self._rd2  # the products' register (no effect on values)
            self._rd2 = self._rd
            # stage A: read word k (before this edge's write)
            if self.k < c.words:
                mm, cc = divmod(self.k, c.chunks)
                w = self.layer.weights[mm, cc * lanes : (cc + 1) * lanes]  # type: ignore[operator]
                self._rd = (self.k, w.copy())
            else:
                self._rd = None
        host_w = access is not None and access[2] and access[0] == HOST_SPACES["weights"]
        self._check_banks(
            self.k if en and self.k < c.words else None,
            upd_addr if upd_en else access[1] if host_w and access[1] < c.words else None,  # type: ignore[index]
        )
        if c.rstdp:  # the pass reads e word k with weight word k (its rounding stage uses it)
            host_e = access is not None and access[2] and access[0] == HOST_SPACES["eligibility"]
            self._check_banks(
                self.k if en and self.k < c.words else None,
                e_waddr if e_wen else access[1] if host_e and access[1] < c.words else None,  # type: ignore[index]
                "eligibility",
            )
        out = self.layer.step(x, en, upd_en, upd_addr, upd_data)
        if held:  # the held cycle takes no spikes: in_ready low, en ignored
            out = out._replace(in_ready=0)
        if pre_wen:
            self.pre_words[pre_waddr] = pre_wdata
        if e_wen:
            self.elig_words[e_waddr] = e_wdata
        if en:
            if self.k == 0:
                self._x_in[: c.n_inputs] = x
                self._r_in = (reward, reward_strobe)
            if self.k == c.tick_cycles - 1:
                self._r_pass = self._r_in
            self._lfsr.step(1)
            self.k = (self.k + 1) % c.tick_cycles
        if access is not None and access[2]:
            self.host_write(access[0], access[1], access[3])
        return LearningCycleOutputs(*out, upd_en, upd_addr, upd_data, host_ack, *host_out)


def encode_pre_word(traces: object, bits: object, config: LearningCoreConfig) -> int:
    """One pre-trace word: lane ``l``'s trace at bit ``l tb``, its spike bit at ``P tb + l``."""
    c = config
    word = 0
    for lane, (xv, bv) in enumerate(zip(np.asarray(traces), np.asarray(bits), strict=True)):
        word |= int(xv) << (lane * c.trace_width) | int(bv) << (c.lanes * c.trace_width + lane)  # type: ignore[operator]
    return word


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
    "encode_pre_word",
    "lane_randoms",
    "pair_terms",
    "rstdp_update",
    "learning_core_params",
    "round_shift",
    "stdp_update",
    "trace_next",
)
