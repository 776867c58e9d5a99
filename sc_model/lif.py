"""Leaky integrate-and-fire (LIF) neuron on integer state: the bitstream neuron (block ``lif``).

One neuron integrates a signed count of active synapse bits per cycle (from
a parallel counter, :mod:`sc_model.arith` / :mod:`sc_model.synapses`) or a
bit stream through an up/down counter, leaks, and fires a spike when its
membrane reaches a threshold. Everything is integer arithmetic on a
saturating ``v_width``-bit register: no multiplier, only shifts and adds.

Contract (shared with :class:`sc_hw.lif.LIFNeuron`)
----------------------------------------------------
Notation
    ``W = v_width`` (4 .. 32), ``V_MIN = -2**(W - 1)``, ``V_MAX = 2**(W - 1) - 1``,
    ``sat(x) = min(max(x, V_MIN), V_MAX)`` (clamp, never wrap).
Membrane ``v``
    A signed ``W``-bit register, reset (and power-on) value ``v_reset`` in
    ``[V_MIN, V_MAX - 1]`` (default 0).
Input ``x`` of a cycle (``input_mode``)
    * ``"count"`` (default): port ``in_count``, signed ``in_width`` bits
      (``1 <= in_width <= min(16, W)``, default ``min(8, W)``), so
      ``x`` in ``[-2**(in_width - 1), 2**(in_width - 1) - 1]``: excitatory
      minus inhibitory active bits of this cycle.
    * ``"updown"``: ports ``up`` and ``down`` (1 bit each), a bit stream
      through an up/down counter: ``x = up - down`` (+1 for up only, -1 for
      down only, 0 for both or neither). ``in_width`` must be None.
Leak ``L(v)`` (``leak_mode``), applied to the register value
    * ``"none"`` (default): ``L(v) = v``.
    * ``"shift"``: ``L(v) = v - (v >>> k)`` with ``k = leak_shift`` in
      ``[1, W - 1]`` (default ``min(4, W - 1)``) and ``>>>`` the arithmetic
      shift, which rounds toward minus infinity: ``v >>> k = floor(v / 2**k)``.
      Hence ``L(v) = ceil(v (1 - 2**-k))`` for every ``v``, always in
      ``[min(v, 0), max(v, 0)]`` (no overflow, no sign change):
        - ``v > 0`` decays geometrically by the factor ``1 - 2**-k``
          *rounded up*, so it stops decaying once ``v < 2**k``
          (``v >>> k = 0``): a dead zone ``[0, 2**k - 1]`` where ``L(v) = v``
          (e.g. ``v = 1`` stays 1 for every ``k``);
        - ``v < 0`` decays with the rounding toward zero's side too
          (``v >>> k <= -1``), so it strictly increases each cycle and reaches
          exactly 0 (``v = -1`` gives ``-1 - (-1) = 0`` for every ``k``;
          ``v = -3, k = 1`` gives ``-3 - (-2) = -1``).
    * ``"constant"``: move ``v`` toward 0 by ``c = leak_const`` in
      ``[0, V_MAX]`` (default 1) without crossing it:
      ``L(v) = max(v - c, 0)`` for ``v > 0``, ``min(v + c, 0)`` for
      ``v < 0``, ``L(0) = 0``. Once at 0 it stays there (absent input).
    ``leak_shift`` must be None unless ``"shift"``, ``leak_const`` None unless
    ``"constant"``.
Integration and spike (an enabled cycle outside the refractory period)
    ``v1 = sat(L(v) + x)``: ``L(v)`` is in range, ``L(v) + x`` is computed
    exactly (``W + 1`` bits suffice since ``in_width <= W``) and saturated
    *once*. The neuron fires when ``v1 >= threshold``. ``threshold`` is in
    ``[v_reset + 1, V_MAX]`` (so a saturated ``v1 = V_MAX`` always fires;
    comparing before or after the clamp is the same). Then:

    * ``reset_mode="value"`` (default): ``v <= v_reset``;
    * ``reset_mode="subtract"``: ``v <= v1 - threshold``. This mode needs
      ``threshold >= 1`` as well, so the subtraction lowers ``v``; the result
      is in ``[0, V_MAX - threshold]`` and never needs saturating.

    Without a spike ``v <= v1``.
Refractory period
    ``refractory`` in ``[0, 255]`` (default 0). A register
    ``refractory_count`` (``refractory.bit_length()`` bits, reset 0; absent
    when ``refractory = 0``) is loaded with ``refractory`` at a spike. In an
    enabled cycle with ``refractory_count > 0`` the input is ignored, ``v``
    holds its post-spike value (no leak, no integration), no spike can occur,
    and the counter decrements. So after a spike exactly ``refractory``
    enabled cycles are skipped; the next cycle integrates again.
Enable
    ``en`` (1 bit): on a rising edge ending a cycle with ``en`` low *every*
    register holds (``v``, ``spike``, ``refractory_count``), as if the clock
    had not ticked: a disabled cycle neither integrates, leaks, counts down
    the refractory period nor changes the ``spike`` output.
Input register (``input_register``, default False)
    With ``input_register=True`` the input passes through a register
    ``x_reg`` (reset 0) first: at every rising edge ending an enabled cycle
    ``x_reg <= x`` (whatever the refractory state), and the cycle
    integrates ``x_reg`` in place of ``x`` in everything above (``L(v) +
    x_reg``, the firing test, the refractory rule that ignores it). So the
    input of the ``k``-th enabled cycle is integrated in the ``(k + 1)``-th,
    and the first enabled cycle after reset integrates 0. The recurrence
    ``v -> v'`` still takes one enabled cycle; only the input arrives one
    enabled cycle later. This is for timing: the hardware then keeps the
    input's own arithmetic (``x - threshold`` and, per leak mode, ``x + 1``
    or ``x +- c``) in registers, so the loop through ``v`` is one carry chain
    and a few LUT levels instead of two or three chains in series (see
    :class:`sc_hw.lif.LIFNeuron` and ``docs/synthesis.md``).
Outputs and latency
    ``v`` (signed ``W`` bits), ``spike`` (1 bit) and ``refractory_count`` are
    registers, no combinational path from any input. Latency 1 cycle (2 with
    ``input_register``): the decision taken from the inputs of cycle ``t``
    (if enabled) is visible in cycle ``t + 1`` (with ``input_register``: in
    the cycle after the next enabled cycle after ``t``, i.e. ``t + 2`` when
    ``en`` stays high), ``spike`` together with the updated ``v``. ``spike``
    keeps its value through disabled cycles, so it always reports the most
    recent enabled cycle. Synchronous reset: ``v <= v_reset``,
    ``spike <= 0``, ``refractory_count <= 0``, ``x_reg <= 0``.
Saturation visibility
    The register can sit at ``V_MIN`` (negative drive saturates there). It
    can never hold ``V_MAX``: ``v1 = V_MAX`` fires (``threshold <= V_MAX``),
    after which ``v`` is ``v_reset`` or ``V_MAX - threshold``. A clamp at the
    top is therefore seen as a spike with, in subtract mode, exactly
    ``V_MAX - threshold`` left (a wrap would leave a negative value). It needs
    ``L(v) + x > V_MAX`` with ``v < threshold``, so it never happens in
    ``"updown"`` mode (steps of +1 reach the threshold exactly first).

Array conventions of the model
    ``threshold``, ``v_reset``, ``leak_shift``, ``leak_const`` and
    ``refractory`` may be per-neuron arrays in :func:`lif_run` and
    :class:`LIFPopulation` (any shape broadcasting to the state shape, usually
    ``(n_neurons,)``); every element obeys the ranges above. The hardware
    twin and the cycle twin used for co-simulation take scalars.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass, replace
from typing import NamedTuple

import numpy as np

from . import _kernels
from ._validate import (
    check_bits,
    check_choice,
    check_int,
    check_int_array,
    must_be_unset,
    settle,
)

MIN_V_WIDTH = 4
MAX_V_WIDTH = 32
MAX_IN_WIDTH = 16
MAX_REFRACTORY = 255
INPUT_MODES = ("count", "updown")
LEAK_MODES = ("none", "shift", "constant")
RESET_MODES = ("value", "subtract")
DEFAULT_IN_WIDTH = 8
DEFAULT_LEAK_SHIFT = 4
DEFAULT_LEAK_CONST = 1

Number = int | np.ndarray


# --------------------------------------------------------------------------
# Parameters
# --------------------------------------------------------------------------


def v_range(v_width: int) -> tuple[int, int]:
    """``(V_MIN, V_MAX)`` of a signed ``v_width``-bit membrane."""
    v_width = check_int("v_width", v_width, MIN_V_WIDTH, MAX_V_WIDTH)
    return -(1 << (v_width - 1)), (1 << (v_width - 1)) - 1


def check_flag(name: str, value: object) -> bool:
    """A bool parameter: ``True`` or ``False`` (NumPy bools too), nothing else."""
    if not isinstance(value, bool | np.bool_):
        raise TypeError(f"{name} must be True or False, not {value!r} ({type(value).__name__})")
    return bool(value)


def _first_true(mask: np.ndarray) -> tuple[int, ...] | None:
    """Index of the first True element of ``mask`` (``()`` for a 0-d one), or None."""
    if not mask.any():
        return None
    return tuple(int(i) for i in np.unravel_index(int(np.argmax(mask)), mask.shape))


def _check_number(
    name: str, value: object, lo: int, hi: int, per_neuron: bool, why: str = ""
) -> Number:
    """An int in ``[lo, hi]``, or (``per_neuron``) an integer array with every element in it."""
    why = f" ({why})" if why else ""
    if not per_neuron or isinstance(value, numbers.Integral):
        if isinstance(value, bool) or not isinstance(value, numbers.Integral):
            raise TypeError(f"{name} must be an integer, not {value!r} ({type(value).__name__})")
        if not lo <= int(value) <= hi:
            raise ValueError(f"{name} must be in [{lo}, {hi}]{why}, not {int(value)}")
        return int(value)
    arr = np.asarray(value)
    if arr.dtype == np.bool_ or not np.issubdtype(arr.dtype, np.integer):
        raise TypeError(f"{name} must be an integer or an integer array, not dtype {arr.dtype}")
    idx = _first_true((arr < lo) | (arr > hi))
    if idx is not None:
        where = f"{list(idx)}" if idx else ""
        raise ValueError(f"{name}{where} must be in [{lo}, {hi}]{why}, not {int(arr[idx])}")
    if arr.ndim == 0:
        return int(arr)
    return arr.astype(np.int64)


@dataclass(frozen=True, eq=False, kw_only=True)
class LIFConfig:
    """Every parameter of the ``lif`` block (module docstring), validated at construction.

    Built once and taken by :class:`LIFPopulation`, :func:`lif_run`,
    :func:`lif_trace` and :class:`sc_hw.lif.LIFNeuron`. Defaults left at None
    are filled in; those of a mode not chosen stay None (``in_width`` under
    ``input_mode="updown"``, ``leak_shift``/``leak_const`` unless that leak).
    With ``per_neuron=True`` the numeric parameters other than the widths may
    be integer arrays (checked element by element, ``threshold > v_reset``
    after broadcasting; stored as ``int64`` arrays); otherwise they must be
    ints, as in hardware.
    """

    v_width: int
    threshold: Number
    input_mode: str = "count"
    in_width: int | None = None
    leak_mode: str = "none"
    leak_shift: Number | None = None
    leak_const: Number | None = None
    reset_mode: str = "value"
    v_reset: Number = 0
    refractory: Number = 0
    input_register: bool = False
    per_neuron: bool = False

    def __post_init__(self) -> None:
        per_neuron = bool(self.per_neuron)
        v_width, threshold, in_width = self.v_width, self.threshold, self.in_width
        input_mode, leak_mode, reset_mode = self.input_mode, self.leak_mode, self.reset_mode
        leak_shift, leak_const, v_reset = self.leak_shift, self.leak_const, self.v_reset
        refractory, input_register = self.refractory, self.input_register
        w = check_int("v_width", v_width, MIN_V_WIDTH, MAX_V_WIDTH)
        v_min, v_max = v_range(w)
        input_mode = str(check_choice("input_mode", input_mode, INPUT_MODES))
        leak_mode = str(check_choice("leak_mode", leak_mode, LEAK_MODES))
        reset_mode = str(check_choice("reset_mode", reset_mode, RESET_MODES))
        if input_mode == "count":
            in_width = (
                min(DEFAULT_IN_WIDTH, w)
                if in_width is None
                else _check_number(
                    "in_width",
                    in_width,
                    1,
                    min(MAX_IN_WIDTH, w),
                    False,
                    f"1 .. min(16, v_width) for v_width={w}: in_width <= v_width",
                )
            )
        else:
            must_be_unset("in_width", in_width, "input_mode='count'")
        if leak_mode == "shift":
            leak_shift = _check_number(
                "leak_shift",
                min(DEFAULT_LEAK_SHIFT, w - 1) if leak_shift is None else leak_shift,
                1,
                w - 1,
                per_neuron,
                f"1 .. v_width - 1 for v_width={w}",
            )
        else:
            must_be_unset("leak_shift", leak_shift, "leak_mode='shift'")
        if leak_mode == "constant":
            leak_const = _check_number(
                "leak_const",
                DEFAULT_LEAK_CONST if leak_const is None else leak_const,
                0,
                v_max,
                per_neuron,
                f"0 .. 2**(v_width - 1) - 1 for v_width={w}",
            )
        else:
            must_be_unset("leak_const", leak_const, "leak_mode='constant'")
        v_reset = _check_number(
            "v_reset",
            v_reset,
            v_min,
            v_max - 1,
            per_neuron,
            f"-2**(v_width - 1) .. 2**(v_width - 1) - 2 for v_width={w}, below some threshold",
        )
        t_lo = 1 if reset_mode == "subtract" else v_min + 1
        t_why = f"threshold <= 2**(v_width - 1) - 1 for v_width={w}" + (
            "; reset_mode='subtract' needs threshold >= 1" if reset_mode == "subtract" else ""
        )
        threshold = _check_number("threshold", threshold, t_lo, v_max, per_neuron, t_why)
        try:
            below = np.broadcast_arrays(np.asarray(threshold), np.asarray(v_reset))
        except ValueError:
            raise ValueError(
                f"threshold (shape {np.shape(threshold)}) and v_reset (shape {np.shape(v_reset)}) "
                f"must broadcast together"
            ) from None
        idx = _first_true(below[0] <= below[1])
        if idx is not None:
            where = f"{list(idx)}" if idx else ""
            raise ValueError(
                f"threshold{where} must be > v_reset{where} (a reset neuron must not fire "
                f"without input), not threshold={int(below[0][idx])} <= "
                f"v_reset={int(below[1][idx])}"
            )
        refractory = _check_number("refractory", refractory, 0, MAX_REFRACTORY, per_neuron)
        input_register = check_flag("input_register", input_register)
        settle(
            self,
            v_width=w,
            threshold=threshold,
            input_mode=input_mode,
            in_width=in_width,
            leak_mode=leak_mode,
            leak_shift=leak_shift,
            leak_const=leak_const,
            reset_mode=reset_mode,
            v_reset=v_reset,
            refractory=refractory,
            input_register=input_register,
            per_neuron=per_neuron,
        )

    @property
    def v_min(self) -> int:
        return -(1 << (self.v_width - 1))

    @property
    def v_max(self) -> int:
        return (1 << (self.v_width - 1)) - 1

    @property
    def in_min(self) -> int:
        """Smallest input of a cycle: ``-2**(in_width - 1)``, or -1 for ``"updown"``."""
        return -1 if self.in_width is None else -(1 << (self.in_width - 1))

    @property
    def in_max(self) -> int:
        """Largest input of a cycle: ``2**(in_width - 1) - 1``, or +1 for ``"updown"``."""
        return 1 if self.in_width is None else (1 << (self.in_width - 1)) - 1

    @property
    def refractory_width(self) -> int:
        """Bits of the ``refractory_count`` register (0: no register, no port)."""
        return int(np.max(self.refractory)).bit_length()

    def kwargs(self) -> dict[str, object]:
        """The fields but ``per_neuron`` (unset ones None): the arguments of a single neuron."""
        return {
            "v_width": self.v_width,
            "threshold": self.threshold,
            "input_mode": self.input_mode,
            "in_width": self.in_width,
            "leak_mode": self.leak_mode,
            "leak_shift": self.leak_shift,
            "leak_const": self.leak_const,
            "reset_mode": self.reset_mode,
            "v_reset": self.v_reset,
            "refractory": self.refractory,
            "input_register": self.input_register,
        }


def check_lif_params(v_width: int, threshold: object, **params: object) -> LIFConfig:
    """``LIFConfig(v_width=v_width, threshold=threshold, **params)`` (the older call shape)."""
    return LIFConfig(v_width=v_width, threshold=threshold, **params)  # type: ignore[arg-type]


def population_config(
    config: LIFConfig | int | None, threshold: object, params: dict[str, object]
) -> LIFConfig:
    """The ``per_neuron=True`` configuration of a population or run.

    ``config`` is a :class:`LIFConfig`, or (the older call shape) ``v_width``
    followed by ``threshold`` and the other fields as keywords.
    """
    if isinstance(config, LIFConfig):
        if threshold is not None or params:
            raise TypeError("pass either a LIFConfig or its fields, not both")
        return config if config.per_neuron else replace(config, per_neuron=True)
    fields = dict(params)
    if config is not None:
        fields["v_width"] = config
    if threshold is not None:
        fields["threshold"] = threshold
    return LIFConfig(per_neuron=True, **fields)  # type: ignore[arg-type]


# --------------------------------------------------------------------------
# Combinational pieces (pure, vectorised over any shape)
# --------------------------------------------------------------------------


def leak(v: object, p: LIFConfig) -> np.ndarray:
    """``L(v)`` of the module docstring, elementwise (``int64``)."""
    v = np.asarray(v, dtype=np.int64)
    if p.leak_mode == "none":
        return v
    if p.leak_mode == "shift":
        return v - np.right_shift(v, np.asarray(p.leak_shift, dtype=np.int64))
    c = np.asarray(p.leak_const, dtype=np.int64)
    return np.where(v > 0, np.maximum(v - c, 0), np.minimum(v + c, 0))


def integrate(v: object, x: object, p: LIFConfig) -> np.ndarray:
    """``v1 = sat(L(v) + x)`` (``int64``), the candidate membrane of an enabled cycle."""
    return np.clip(leak(v, p) + np.asarray(x, dtype=np.int64), p.v_min, p.v_max)


def updown_input(up: object, down: object) -> np.ndarray:
    """The ``x`` of an up/down counter: ``up - down`` in ``{-1, 0, +1}`` (``int64``)."""
    return check_bits("up", up).astype(np.int64) - check_bits("down", down).astype(np.int64)


def _check_inputs(name: str, x: object, p: LIFConfig) -> np.ndarray:
    return check_int_array(name, x, p.in_min, p.in_max)


def _edge(
    v: np.ndarray, spike: np.ndarray, rc: np.ndarray, x: np.ndarray, en: np.ndarray, p: LIFConfig
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The registers after one rising edge: ``(v, spike, refractory_count)``.

    ``x`` is what the cycle integrates (the input, or ``x_reg`` with ``input_register``).
    """
    active = rc > 0
    v1 = integrate(v, x, p)
    fire = ~active & (v1 >= p.threshold)
    v_fire = np.broadcast_to(p.v_reset, v1.shape) if p.reset_mode == "value" else v1 - p.threshold
    v_new = np.where(active, v, np.where(fire, v_fire, v1))
    rc_new = np.where(active, rc - 1, np.where(fire, p.refractory, 0))
    on = en != 0
    return (
        np.where(on, v_new, v),
        np.where(on, fire, spike).astype(np.uint8),
        np.where(on, rc_new, rc),
    )


# --------------------------------------------------------------------------
# Vectorised run from reset
# --------------------------------------------------------------------------


class LIFOutputs(NamedTuple):
    """Outputs of a population: ``spike`` (``uint8``) and ``v`` (``int64``), same shape."""

    spike: np.ndarray
    v: np.ndarray


class LIFTrace(NamedTuple):
    """Every register over time: ``spike``, ``v`` and ``refractory_count`` (``int64``)."""

    spike: np.ndarray
    v: np.ndarray
    refractory_count: np.ndarray


def lif_trace(
    inputs: object,
    config: LIFConfig | int | None = None,
    threshold: object = None,
    *,
    en: object = None,
    **params: object,
) -> LIFTrace:
    """Like :func:`lif_run`, also returning ``refractory_count`` during each cycle."""
    p = population_config(config, threshold, params)
    x = _check_inputs("inputs", inputs, p)
    if x.ndim < 1:
        raise ValueError(f"inputs must have shape (n_steps, batch, n_neurons), not {x.shape}")
    n_steps, shape = x.shape[0], x.shape[1:]
    if en is None:
        en_a = np.ones(x.shape, dtype=np.uint8)
    else:
        en_a = check_bits("en", en)
        if en_a.ndim == 1 and en_a.shape == (n_steps,):
            en_a = en_a.reshape((n_steps,) + (1,) * len(shape))
        try:
            en_a = np.broadcast_to(en_a, x.shape)
        except ValueError:
            raise ValueError(
                f"en must have shape (n_steps,) = ({n_steps},) or broadcast to the inputs' "
                f"shape {x.shape}, not {en_a.shape}"
            ) from None
    pop = LIFPopulation.from_params(shape, p)  # checks the per-neuron shapes
    spikes = np.empty(x.shape, dtype=np.uint8)
    vs = np.empty(x.shape, dtype=np.int64)
    rcs = np.empty(x.shape, dtype=np.int64)
    if _kernels.enabled():  # the same recurrence in one compiled loop
        _lif_compiled(x, en_a, p, shape, spikes, vs, rcs)
        return LIFTrace(spikes, vs, rcs)
    for t in range(n_steps):  # sequential: each cycle depends on the last
        spikes[t], vs[t], rcs[t] = pop.spike, pop.v, pop.refractory_count
        pop._advance(x[t], en_a[t])
    return LIFTrace(spikes, vs, rcs)


def _lif_compiled(
    x: np.ndarray,
    en: np.ndarray,
    p: LIFConfig,
    shape: tuple[int, ...],
    spikes: np.ndarray,
    vs: np.ndarray,
    rcs: np.ndarray,
) -> None:
    """:func:`lif_trace`'s loop through :func:`sc_model._kernels.lif_loop` (same integers)."""
    n_steps = x.shape[0]

    def per_neuron(value: object) -> np.ndarray:
        value = 0 if value is None else value
        return np.ascontiguousarray(np.broadcast_to(np.asarray(value, np.int64), shape)).ravel()

    flat = (n_steps, int(np.prod(shape, dtype=np.int64)))
    _kernels.lif_loop(
        np.ascontiguousarray(x, dtype=np.int64).reshape(flat),
        np.ascontiguousarray(en, dtype=np.uint8).reshape(flat),
        per_neuron(p.threshold),
        per_neuron(p.v_reset),
        per_neuron(p.leak_shift),
        per_neuron(p.leak_const),
        per_neuron(p.refractory),
        LEAK_MODES.index(p.leak_mode),
        p.reset_mode == "subtract",
        bool(p.input_register),
        p.v_min,
        p.v_max,
        spikes.reshape(flat),
        vs.reshape(flat),
        rcs.reshape(flat),
    )


def lif_run(
    inputs: object,
    config: LIFConfig | int | None = None,
    threshold: object = None,
    *,
    en: object = None,
    **params: object,
) -> LIFOutputs:
    """``spike`` and ``v`` of a population of neurons over ``n_steps`` cycles from reset.

    Parameters
    ----------
    inputs : int array, shape ``(n_steps, batch, n_neurons)`` (any ``(n_steps, *shape)``)
        ``x`` of every neuron in every cycle: a signed count in
        ``[-2**(in_width - 1), 2**(in_width - 1) - 1]``, or for
        ``input_mode="updown"`` ``up - down`` in ``{-1, 0, +1}``
        (:func:`updown_input`).
    config : LIFConfig, or ``v_width`` with ``threshold`` and the other fields as keywords
        As in the module docstring (:func:`population_config`: per neuron);
        ``threshold``, ``v_reset``, ``leak_shift``, ``leak_const`` and
        ``refractory`` may be arrays broadcasting to ``(batch, n_neurons)``.
    en : bits, optional
        Shape ``(n_steps,)`` (one enable for all) or broadcasting to the
        inputs' shape; default all high.

    Returns
    -------
    LIFOutputs
        ``spike`` (``uint8``) and ``v`` (``int64``), shape of ``inputs``.
        Row ``t`` is the outputs *during* cycle ``t`` (registers), so row 0
        is the reset state and the response to ``inputs[t]`` is row ``t + 1``
        (latency 1; ``t + 2`` with ``input_register`` and ``en`` high). The
        only loop is over time.
    """
    trace = lif_trace(inputs, config, threshold, en=en, **params)
    return LIFOutputs(trace.spike, trace.v)


# --------------------------------------------------------------------------
# Cycle model
# --------------------------------------------------------------------------


class LIFPopulation:
    """Cycle model of ``batch x n_neurons`` independent neurons (twin of
    :class:`sc_hw.lif.LIFNeuron`, one element per hardware instance).

    Takes a :class:`LIFConfig` (or ``v_width``, ``threshold`` and the other
    fields as keywords; :func:`population_config`): per-neuron arrays
    broadcast to ``(batch, n_neurons)``. State arrays
    ``v`` (``int64``), ``spike`` (``uint8``), ``refractory_count``
    (``int64``) and ``x_reg`` (``int64``, the input register; stays 0
    without ``input_register``), each of shape ``(batch, n_neurons)``, are
    the registers.
    ``step`` returns the outputs *during* the current cycle, then applies the
    rising edge.
    """

    def __init__(
        self,
        n_neurons: int,
        config: LIFConfig | int | None = None,
        threshold: object = None,
        *,
        batch: int = 1,
        **params: object,
    ) -> None:
        n_neurons = check_int("n_neurons", n_neurons, 1)
        batch = check_int("batch", batch, 1)
        self._init((batch, n_neurons), population_config(config, threshold, params))

    @classmethod
    def from_params(cls, shape: tuple[int, ...], params: LIFConfig) -> LIFPopulation:
        """A population of any state ``shape`` from already validated parameters."""
        pop = cls.__new__(cls)
        pop._init(tuple(shape), params)
        return pop

    def _init(self, shape: tuple[int, ...], p: LIFConfig) -> None:
        for name in ("threshold", "v_reset", "leak_shift", "leak_const", "refractory"):
            value = getattr(p, name)
            if value is not None and np.ndim(value):
                try:
                    np.broadcast_to(value, shape)
                except ValueError:
                    raise ValueError(
                        f"{name} (shape {np.shape(value)}) must broadcast to the state shape "
                        f"{shape} (batch, n_neurons)"
                    ) from None
        self.params = p
        self.shape = shape
        self.reset()

    def reset(self) -> None:
        """Synchronous reset: ``v = v_reset``, ``spike``, ``refractory_count`` and ``x_reg`` 0."""
        self.v = np.broadcast_to(np.asarray(self.params.v_reset, np.int64), self.shape).copy()
        self.spike = np.zeros(self.shape, dtype=np.uint8)
        self.refractory_count = np.zeros(self.shape, dtype=np.int64)
        self.x_reg = np.zeros(self.shape, dtype=np.int64)

    def _advance(self, x: np.ndarray, en: np.ndarray) -> None:
        used = self.x_reg if self.params.input_register else x
        self.v, self.spike, self.refractory_count = _edge(
            self.v, self.spike, self.refractory_count, used, en, self.params
        )
        if self.params.input_register:
            self.x_reg = np.where(en != 0, x, self.x_reg)

    def step(self, input_counts: object, en: object = 1) -> LIFOutputs:
        """Advance one cycle; return ``spike`` and ``v`` seen before the edge.

        ``input_counts``: this cycle's ``x`` per neuron (scalar or broadcasting
        to ``(batch, n_neurons)``; ``{-1, 0, 1}`` for ``"updown"``); ``en``:
        0/1, scalar or broadcasting likewise.
        """
        x = _check_inputs("input_counts", input_counts, self.params)
        en_a = check_bits("en", en)
        try:
            x = np.broadcast_to(x, self.shape)
            en_a = np.broadcast_to(en_a, self.shape)
        except ValueError:
            raise ValueError(
                f"input_counts (shape {x.shape}) and en (shape {en_a.shape}) must broadcast "
                f"to the state shape {self.shape}"
            ) from None
        out = LIFOutputs(self.spike.copy(), self.v.copy())
        self._advance(x, en_a)
        return out
