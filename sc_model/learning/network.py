"""Spiking network model for learning: ``Network`` of ``Population``s and ``Projection``s.

Populations
-----------
A :class:`Population` holds ``batch x n`` LIF neurons as state arrays
(``v``: membrane, ``spikes``, ``refractory``: remaining refractory cycles),
all of shape ``(batch, n)``, and advances all of them with one call,
:meth:`Population.step_all`. Two modes:

``mode="float"`` (training)
    ``beta = exp(-dt / tau)`` (``tau > 0``, ``dt > 0``, same time unit;
    scalar or one per neuron; or ``beta`` in ``(0, 1]`` given directly),
    threshold ``theta > 0``. Per step ``t`` with
    input current ``I[t]`` (float, any unit of membrane potential per step)::

        reset="subtract":  v[t] = beta * v[t-1] + I[t] - theta * s[t-1]
        reset="zero":      v[t] = beta * v[t-1] * (1 - s[t-1]) + I[t]
        s[t] = H(v[t] - theta)           (1.0 when v[t] >= theta, else 0.0)

    from ``v[-1] = 0``, ``s[-1] = 0``. ``v`` is the membrane *compared with
    the threshold* (before the reset, which acts in the next step), as in
    Neftci et al. 2019 and e-prop (Bellec et al. 2020); a spike caused by the
    current of step ``t`` is returned by the same step (no latency).
    No refractory period (``refractory`` must be 0; the state array stays 0).

    Two optional float-mode variants (both off by default; NIR's ``CubaLIF``,
    ``LI``, ``CubaLI`` and ``I`` nodes map onto them, :mod:`.nir_io`):

    *current-based* (``tau_syn`` or ``alpha`` given): a synaptic current
    ``c`` (state array ``syn``, ``c[-1] = 0``) filters the input and drives
    the membrane in place of ``I[t]``::

        c[t] = alpha * c[t-1] + I[t]      (alpha = exp(-dt/tau_syn), in (0, 1])
        v[t] = (membrane update above with c[t] in place of I[t])

    The reset acts on ``v`` only; ``c`` carries on.

    *non-spiking* (``spiking=False``, a readout): no threshold, no reset; the
    output of step ``t`` is the membrane itself::

        v[t] = beta * v[t-1] + gain * I[t]      (or gain * c[t], current-based)
        s[t] = v[t]

    ``gain > 0`` (default 1; scalar or per neuron). ``spikes`` then holds
    the output value (the membrane), which downstream projections receive and
    :meth:`Network.run` records, and ``threshold`` is ``inf``. The gradient
    learners (BPTT, TBPTT, e-prop, MAML/Reptile, EWC: all through
    :func:`.bptt.check_float_network`) refuse both variants
    (:meth:`Population.check_plain`), as does the SC core mapping.
``mode="int"`` (bit-exact with the hardware neuron)
    The update of :mod:`sc_model.lif` (block ``lif``, ``input_mode="count"``):
    ``v1 = sat(L(v) + x)``, fire when ``v1 >= threshold``, value/subtract
    reset, refractory counter. Parameters are those of
    :func:`sc_model.lif.check_lif_params`; the currents ``x`` are integers in
    ``[-2**(in_width-1), 2**(in_width-1) - 1]``. ``v`` is the membrane
    *register* (after the reset). :meth:`step_all` applies one rising edge
    and returns the spike register after it, i.e. the spike decided from
    this step's currents: row ``t`` of :meth:`step_all` equals row ``t + 1``
    of :func:`sc_model.lif.lif_run` (latency 1 there, the register view).

Projections
-----------
A :class:`Projection` from population (or network input) ``source`` with
``n_source`` neurons to ``target`` with ``n_target`` neurons stores its
synapses in CSR form with one row per *target* neuron: the weights of the
synapses onto target ``i`` are ``data[indptr[i]:indptr[i+1]]`` and their
source neurons ``indices[indptr[i]:indptr[i+1]]`` (sorted, unique). The
dense equivalent is ``W[i, j]`` (``n_target x n_source``, 0 where there is no
synapse), :meth:`Projection.to_dense`. The current into the target is
``I = W @ s_source``, computed by :meth:`Projection.propagate` densely when
the density is at least ``DENSE_THRESHOLD`` (a BLAS product is faster) and
by a CSR gather/segment-sum otherwise; both give the same result. ``data``
is float64 in float mode and int64 in integer mode (then ``I`` is exact).

Network and timing
------------------
:class:`Network` has ``n_in`` inputs (the source name ``"input"``) and
populations in the order they were added. In one step every population, in
that order, receives the sum of its incoming projections and steps once. A
projection from the input or from an *earlier* population uses the source's
spikes (its output: the membrane of a non-spiking population) of the same
step (feed-forward, no delay); a projection from the same population or a
*later* one (recurrent or feedback) uses the spikes of the previous step
(delay 1, 0 at ``t = 0``). In integer mode the summed current is saturated
to the neuron's input range (as a saturating adder would). Inputs have
shape ``(T, n_in)`` or ``(T, batch, n_in)`` (float currents or 0/1 spikes
in float mode, integers in integer mode).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable
from typing import NamedTuple

import numpy as np

from .._validate import check_choice, check_int
from ..lif import LIFConfig, LIFPopulation, check_lif_params

MODES = ("float", "int")
RESETS = ("subtract", "zero")
INPUT = "input"
#: Density from which :meth:`Projection.propagate` uses a dense product.
DENSE_THRESHOLD = 0.05


# --------------------------------------------------------------------------
# Checks
# --------------------------------------------------------------------------


def check_positive(name: str, value: object, shape: tuple[int, ...] | None = None) -> np.ndarray:
    """A finite float (or float array broadcasting to ``shape``) with every element > 0."""
    if isinstance(value, bool):
        raise TypeError(f"{name} must be a positive number, not {value!r}")
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a positive number, not {value!r}") from None
    bad = ~np.isfinite(arr) | (arr <= 0)
    if bad.any():
        first = arr.flat[int(np.argmax(bad.ravel()))]
        raise ValueError(f"{name} must be > 0 and finite, not {first!r}")
    if shape is not None and arr.ndim:
        try:
            np.broadcast_to(arr, shape)
        except ValueError:
            raise ValueError(
                f"{name} (shape {arr.shape}) must be a scalar or broadcast to {shape}"
            ) from None
    return arr


def as_time_batch(name: str, x: object, n: int, integer: bool = False) -> tuple[np.ndarray, bool]:
    """``x`` of shape ``(T, n)`` or ``(T, batch, n)`` as ``(T, batch, n)``; also "had batch".

    Float mode gives float64; ``integer=True`` requires an integer dtype and gives int64.
    """
    arr = np.asarray(x)
    if integer:
        if arr.dtype == np.bool_:
            arr = arr.astype(np.int64)
        if not np.issubdtype(arr.dtype, np.integer):
            raise TypeError(f"{name} must hold integers in integer mode, not dtype {arr.dtype}")
        arr = arr.astype(np.int64, copy=False)
    else:
        if not (np.issubdtype(arr.dtype, np.number) or arr.dtype == np.bool_):
            raise TypeError(f"{name} must hold numbers, not dtype {arr.dtype}")
        arr = arr.astype(np.float64, copy=False)
        # min and max propagate NaN and show inf without a temporary of the inputs' size
        if arr.size and not (np.isfinite(arr.min()) and np.isfinite(arr.max())):
            raise ValueError(f"{name} must be finite (found NaN or inf)")
    if arr.ndim not in (2, 3) or arr.shape[-1] != n or arr.shape[0] < 1:
        raise ValueError(
            f"{name} must have shape (T, {n}) or (T, batch, {n}) with T >= 1, not {arr.shape}"
        )
    if arr.ndim == 2:
        return arr[:, None, :], False
    if arr.shape[1] < 1:
        raise ValueError(f"{name} must have batch >= 1, not shape {arr.shape}")
    return arr, True


# --------------------------------------------------------------------------
# Population
# --------------------------------------------------------------------------


class Population:
    """``batch x n`` LIF neurons with vectorised state (module docstring).

    Parameters
    ----------
    n : int >= 1
        Number of neurons.
    mode : ``"float"`` or ``"int"``
    batch : int >= 1
        Independent copies (samples) run side by side; :meth:`reset_all` may change it.
    tau, dt : float > 0 (float mode), scalar or per neuron ``(n,)``
        Membrane time constant and step, same unit; ``beta = exp(-dt/tau)``.
    beta : float in ``(0, 1]`` (float mode), scalar or per neuron, optional
        The decay per step given directly (e.g. the Euler step ``1 - dt/tau`` of a
        NIR graph, or exactly 1 for no leak); then ``tau`` must not be given and
        is set to ``-dt / ln(beta)`` (``inf`` where ``beta == 1``).
    threshold : float > 0 (float mode, default 1.0; scalar or per neuron) or int
        (integer mode, as in :mod:`sc_model.lif`, default ``2**(v_width - 2)``)
    reset : ``"subtract"`` or ``"zero"`` (float mode)
    tau_syn : float > 0 (float mode), scalar or per neuron, optional
        Synaptic time constant (same unit as ``dt``): a current-based neuron with
        ``alpha = exp(-dt/tau_syn)`` (module docstring). Default: none (``alpha`` None).
    alpha : float in ``(0, 1]`` (float mode), optional
        The synaptic decay per step given directly (e.g. NIR's Euler step ``1 -
        dt/tau_syn``); then ``tau_syn`` must not be given.
    spiking : bool (float mode, default True)
        False: a non-spiking readout whose output is its membrane (module docstring);
        ``threshold`` must then not be given.
    gain : float > 0 (float mode, only with ``spiking=False``), scalar or per neuron
        The input gain of a readout: ``v[t] = beta v[t-1] + gain I[t]``. Default 1.
    lif : keyword arguments of :func:`sc_model.lif.check_lif_params` (integer mode:
        ``v_width`` (default 16), ``in_width``, ``leak_mode``, ``leak_shift``,
        ``leak_const``, ``reset_mode``, ``v_reset``, ``refractory``); per-neuron arrays
        allowed. ``input_mode`` is always ``"count"``.
    """

    def __init__(
        self,
        n: int,
        mode: str = "float",
        *,
        batch: int = 1,
        tau: object = None,
        dt: object = 1.0,
        threshold: object = None,
        reset: str = "subtract",
        name: str = "",
        beta: object = None,
        tau_syn: object = None,
        alpha: object = None,
        spiking: bool = True,
        gain: object = None,
        **lif: object,
    ) -> None:
        self.n = check_int("n", n, 1)
        self.mode = str(check_choice("mode", mode, MODES))
        self.name = name
        if not isinstance(spiking, bool | np.bool_):
            raise TypeError(f"spiking must be True or False, not {spiking!r}")
        self.spiking = bool(spiking)
        self.alpha: np.ndarray | None = None
        self.tau_syn: np.ndarray | None = None
        self.gain: np.ndarray | None = None
        if self.mode == "int" and (
            tau_syn is not None or alpha is not None or not self.spiking or gain is not None
        ):
            raise TypeError(
                "tau_syn, alpha, spiking=False and gain are float-mode parameters (the integer "
                "mode is the hardware LIF neuron: one membrane, spiking)"
            )
        if self.mode == "float":
            if lif:
                raise TypeError(
                    f"float mode takes tau, dt, threshold and reset; unexpected {sorted(lif)} "
                    f"(integer-mode parameters)"
                )
            self.dt = check_positive("dt", dt, (self.n,))
            if beta is None:
                self.tau = check_positive("tau", 10.0 if tau is None else tau, (self.n,))
                self.beta = np.exp(-self.dt / self.tau)
            else:
                if tau is not None:
                    raise TypeError("give tau or beta, not both")
                b = check_positive("beta", beta, (self.n,))
                if (b > 1.0).any():
                    raise ValueError(f"beta must be in (0, 1], not {float(b.max())!r}")
                self.beta = b
                with np.errstate(divide="ignore"):
                    self.tau = -self.dt / np.log(b)
            if self.spiking:
                if gain is not None:
                    raise TypeError("gain is the input gain of a readout (spiking=False) only")
                self.threshold = check_positive(
                    "threshold", 1.0 if threshold is None else threshold, (self.n,)
                )
            else:
                if threshold is not None:
                    raise TypeError("a non-spiking population (spiking=False) has no threshold")
                self.threshold = np.full(self.n, np.inf)
                self.gain = check_positive("gain", 1.0 if gain is None else gain, (self.n,))
            if alpha is not None:
                if tau_syn is not None:
                    raise TypeError("give tau_syn or alpha, not both")
                a = check_positive("alpha", alpha, (self.n,))
                if (a > 1.0).any():
                    raise ValueError(f"alpha must be in (0, 1], not {float(a.max())!r}")
                self.alpha = a
                with np.errstate(divide="ignore"):
                    self.tau_syn = -self.dt / np.log(a)
            elif tau_syn is not None:
                self.tau_syn = check_positive("tau_syn", tau_syn, (self.n,))
                self.alpha = np.exp(-self.dt / self.tau_syn)
            self.reset = str(check_choice("reset", reset, RESETS))
            self.lif_params: LIFConfig | None = None
        else:
            if beta is not None:
                raise TypeError(
                    "beta is a float-mode parameter (integer mode: leak_mode, leak_shift)"
                )
            if "input_mode" in lif:
                raise ValueError("input_mode of an integer-mode Population is always 'count'")
            lif.setdefault("v_width", 16)
            self.lif_params = check_lif_params(
                threshold=(1 << (int(lif["v_width"]) - 2)) if threshold is None else threshold,
                per_neuron=True,
                **lif,  # type: ignore[arg-type]
            )
            self.threshold = self.lif_params.threshold
        self.reset_all(batch)

    # -- state ------------------------------------------------------------

    @property
    def shape(self) -> tuple[int, int]:
        """State shape ``(batch, n)``."""
        return (self.batch, self.n)

    @property
    def in_range(self) -> tuple[int, int] | None:
        """Integer mode: the allowed currents ``(lo, hi)``; None in float mode."""
        if self.lif_params is None:
            return None
        return self.lif_params.in_min, self.lif_params.in_max

    def reset_all(self, batch: int | None = None) -> None:
        """Reset every neuron (float: ``v = 0``, ``s = 0``; integer: the ``lif`` reset)."""
        if batch is not None:
            self.batch = check_int("batch", batch, 1)
        if self.lif_params is None:
            self.v = np.zeros(self.shape)
            self.spikes = np.zeros(self.shape)
            self.refractory = np.zeros(self.shape, dtype=np.int64)
            if self.alpha is not None:
                self.syn = np.zeros(self.shape)
        else:
            self._lif = LIFPopulation.from_params(self.shape, self.lif_params)

    def __getattr__(self, item: str) -> np.ndarray:
        # integer mode: the state arrays are the registers of the lif population
        if item in ("v", "spikes", "refractory") and "_lif" in self.__dict__:
            lif = self.__dict__["_lif"]
            return {"v": lif.v, "spikes": lif.spike, "refractory": lif.refractory_count}[item]
        raise AttributeError(item)

    @property
    def voltages(self) -> np.ndarray:
        """A copy of the membrane ``v``, shape ``(batch, n)`` (module docstring)."""
        return np.array(self.v)

    @property
    def plain(self) -> bool:
        """True for the plain LIF neuron (spiking, no synaptic current)."""
        return self.spiking and self.alpha is None

    def check_plain(self, who: str) -> None:
        """Raise ``ValueError`` naming the population if it is current-based or non-spiking."""
        if self.plain:
            return
        what = "is non-spiking (spiking=False, a readout)" if not self.spiking else (
            "has a synaptic current (tau_syn/alpha, current-based)")
        raise ValueError(
            f"population {self.name!r} {what}; {who} supports only plain spiking LIF "
            "populations (one membrane, spikes out)"
        )

    # -- dynamics ---------------------------------------------------------

    def step_all(self, currents: object) -> np.ndarray:
        """Advance every neuron one step with ``currents`` (broadcasting to ``(batch, n)``).

        Returns this step's spikes, shape ``(batch, n)``: float 0.0/1.0 in
        float mode, ``uint8`` in integer mode (a copy).
        """
        if self.lif_params is not None:
            out = self._lif.step(currents)  # checks dtype and range
            del out
            return self._lif.spike.copy()
        i = np.asarray(currents, dtype=np.float64)
        try:
            i = np.broadcast_to(i, self.shape)
        except ValueError:
            raise ValueError(
                f"currents (shape {i.shape}) must broadcast to the state shape {self.shape}"
            ) from None
        if self.alpha is not None:
            self.syn = self.alpha * self.syn + i
            i = self.syn
        if not self.spiking:
            self.v = self.beta * self.v + self.gain * i
            self.spikes = self.v.copy()
            return self.spikes.copy()
        self.v = float_membrane(self.v, self.spikes, i, self.beta, self.threshold, self.reset)
        self.spikes = (self.v >= self.threshold).astype(np.float64)
        return self.spikes.copy()


def float_membrane(
    v: np.ndarray, s: np.ndarray, i: np.ndarray, beta: object, theta: object, reset: str
) -> np.ndarray:
    """``v[t]`` from ``v[t-1]``, ``s[t-1]`` and ``I[t]`` (float mode, module docstring)."""
    if reset == "subtract":
        return beta * v + i - theta * s
    return beta * v * (1.0 - s) + i


# --------------------------------------------------------------------------
# Projection
# --------------------------------------------------------------------------


class Projection:
    """Synapses from ``source`` (``n_source`` neurons) to ``target`` (``n_target``), CSR by target.

    ``indptr`` (``n_target + 1``), ``indices`` (``nnz``, sorted and unique
    within a row, in ``[0, n_source)``) and ``data`` (``nnz`` weights) as in
    the module docstring. ``data`` is the trainable array: learners update it
    in place; change the connectivity only through :meth:`set_csr`.
    """

    def __init__(
        self,
        source: str,
        target: str,
        n_source: int,
        n_target: int,
        indptr: object,
        indices: object,
        data: object,
        integer: bool = False,
    ) -> None:
        self.source = str(source)
        self.target = str(target)
        self.n_source = check_int("n_source", n_source, 1)
        self.n_target = check_int("n_target", n_target, 1)
        self.integer = bool(integer)
        self.set_csr(indptr, indices, data)

    # -- construction -----------------------------------------------------

    @classmethod
    def from_dense(
        cls,
        source: str,
        target: str,
        weights: object,
        mask: object = None,
        integer: bool = False,
    ) -> Projection:
        """From ``weights[n_target, n_source]``; synapses where ``mask`` (default: weight != 0)."""
        w = np.asarray(weights)
        if w.ndim != 2 or 0 in w.shape:
            raise ValueError(f"weights must have shape (n_target, n_source), not {w.shape}")
        m = (w != 0) if mask is None else np.asarray(mask, dtype=bool)
        if m.shape != w.shape:
            raise ValueError(f"mask (shape {m.shape}) must have the weights' shape {w.shape}")
        rows, cols = np.nonzero(m)
        indptr = np.concatenate(([0], np.cumsum(np.bincount(rows, minlength=w.shape[0]))))
        return cls(source, target, w.shape[1], w.shape[0], indptr, cols, w[rows, cols], integer)

    @classmethod
    def random(
        cls,
        source: str,
        target: str,
        n_source: int,
        n_target: int,
        density: float = 1.0,
        scale: float | None = None,
        rng: np.random.Generator | int | None = None,
        integer: bool = False,
        w_max: int = 1,
    ) -> Projection:
        """Random synapses (each present with probability ``density``).

        Float weights are normal with standard deviation ``scale`` (default
        ``1 / sqrt(density * n_source)``); integer weights are uniform in
        ``[-w_max, w_max]``. ``rng``: a Generator or a seed (None: fresh entropy).
        """
        n_source = check_int("n_source", n_source, 1)
        n_target = check_int("n_target", n_target, 1)
        if not isinstance(density, numbers.Real) or not 0 < float(density) <= 1:
            raise ValueError(f"density must be in (0, 1], not {density!r}")
        rng = np.random.default_rng(rng)
        mask = rng.random((n_target, n_source)) < density
        if integer:
            w_max = check_int("w_max", w_max, 0)
            w = rng.integers(-w_max, w_max + 1, (n_target, n_source))
        else:
            s = 1.0 / math.sqrt(density * n_source) if scale is None else float(scale)
            w = rng.normal(0.0, s, (n_target, n_source))
        return cls.from_dense(source, target, w, mask, integer)

    def set_csr(self, indptr: object, indices: object, data: object) -> None:
        """Replace the synapses (validated: shapes, ranges, sorted unique columns per row)."""
        ip = np.asarray(indptr)
        ix = np.asarray(indices)
        if not np.issubdtype(ip.dtype, np.integer) or ip.shape != (self.n_target + 1,):
            raise ValueError(
                f"indptr must be integers of shape (n_target + 1,) = ({self.n_target + 1},), "
                f"not {ip.dtype} {ip.shape}"
            )
        if ip[0] != 0 or (np.diff(ip) < 0).any():
            raise ValueError("indptr must start at 0 and be non-decreasing")
        nnz = int(ip[-1])
        if not np.issubdtype(ix.dtype, np.integer) or ix.shape != (nnz,):
            raise ValueError(
                f"indices must be integers of shape (indptr[-1],) = ({nnz},), "
                f"not {ix.dtype} {ix.shape}"
            )
        if nnz and (ix.min() < 0 or ix.max() >= self.n_source):
            raise ValueError(f"indices must be in [0, n_source - 1] = [0, {self.n_source - 1}]")
        rows = np.repeat(np.arange(self.n_target), np.diff(ip))
        if nnz > 1:
            same_row = rows[1:] == rows[:-1]
            if (same_row & (ix[1:] <= ix[:-1])).any():
                raise ValueError("indices must be sorted and unique within each row")
        d = np.asarray(data)
        if d.shape != (nnz,):
            raise ValueError(f"data must have shape ({nnz},), not {d.shape}")
        if self.integer:
            if not np.issubdtype(d.dtype, np.integer):
                raise TypeError(f"data must hold integers in integer mode, not dtype {d.dtype}")
            d = d.astype(np.int64)
        else:
            d = d.astype(np.float64)
            if not np.isfinite(d).all():
                raise ValueError("data must be finite")
        self.indptr = ip.astype(np.int64)
        self.indices = ix.astype(np.int64)
        self.data = d.copy()
        self.rows = rows.astype(np.int64)  # target neuron of every synapse

    # -- views ------------------------------------------------------------

    @property
    def nnz(self) -> int:
        """Number of synapses."""
        return int(self.indices.size)

    @property
    def density(self) -> float:
        """``nnz / (n_target * n_source)``."""
        return self.nnz / (self.n_target * self.n_source)

    def to_dense(self) -> np.ndarray:
        """``W[n_target, n_source]`` with 0 where there is no synapse."""
        w = np.zeros((self.n_target, self.n_source), dtype=self.data.dtype)
        w[self.rows, self.indices] = self.data
        return w

    def mask(self) -> np.ndarray:
        """Boolean ``(n_target, n_source)``: where a synapse exists."""
        m = np.zeros((self.n_target, self.n_source), dtype=bool)
        m[self.rows, self.indices] = True
        return m

    def dense_to_data(self, dense: np.ndarray) -> np.ndarray:
        """The entries of a ``(n_target, n_source)`` array at the synapses (e.g. a gradient)."""
        return dense[self.rows, self.indices]

    # -- dynamics ---------------------------------------------------------

    def propagate(self, pre: object) -> np.ndarray:
        """``I[..., i] = sum_j W[i, j] pre[..., j]`` for ``pre[..., n_source]``."""
        x = np.asarray(pre)
        if x.shape[-1:] != (self.n_source,):
            raise ValueError(
                f"pre must have last dimension n_source = {self.n_source}, not shape {x.shape}"
            )
        if self.integer:
            x = x.astype(np.int64)
        if self.density >= DENSE_THRESHOLD:
            return x @ self.to_dense().T
        prod = x[..., self.indices] * self.data
        out = np.zeros(x.shape[:-1] + (self.n_target,), dtype=prod.dtype)
        nonempty = np.flatnonzero(np.diff(self.indptr))
        if nonempty.size:
            out[..., nonempty] = np.add.reduceat(prod, self.indptr[nonempty], axis=-1)
        return out


# --------------------------------------------------------------------------
# Network
# --------------------------------------------------------------------------


class NetworkRecord(NamedTuple):
    """Result of :meth:`Network.run`: per population ``(T, batch, n)`` arrays."""

    spikes: dict[str, np.ndarray]
    voltages: dict[str, np.ndarray]


class Network:
    """Populations and projections, feed-forward and recurrent (module docstring).

    Parameters
    ----------
    n_in : int >= 1
        Number of network inputs (source name ``"input"``).
    mode : ``"float"`` or ``"int"``; every population and projection gets it.
    """

    def __init__(self, n_in: int, mode: str = "float") -> None:
        self.n_in = check_int("n_in", n_in, 1)
        self.mode = str(check_choice("mode", mode, MODES))
        self.populations: dict[str, Population] = {}
        self.projections: list[Projection] = []
        self._output: str | None = None

    @property
    def integer(self) -> bool:
        return self.mode == "int"

    # -- building -----------------------------------------------------------

    def add_population(self, name: str, n: int, **params: object) -> Population:
        """Append a population (parameters of :class:`Population`, without ``mode``)."""
        if not isinstance(name, str) or not name or name == INPUT or name in self.populations:
            raise ValueError(
                f"name must be a new non-empty string other than {INPUT!r}; got {name!r}"
            )
        if "mode" in params:
            raise TypeError("mode is set per Network, not per population")
        pop = Population(n, self.mode, name=name, **params)  # type: ignore[arg-type]
        self.populations[name] = pop
        return pop

    def size(self, name: str) -> int:
        """Number of neurons of a population, or ``n_in`` for ``"input"``."""
        if name == INPUT:
            return self.n_in
        if name not in self.populations:
            raise ValueError(
                f"unknown population {name!r}; have {[INPUT, *self.populations]}"
            )
        return self.populations[name].n

    def connect(
        self,
        source: str,
        target: str,
        weights: object = None,
        *,
        mask: object = None,
        density: float = 1.0,
        scale: float | None = None,
        rng: np.random.Generator | int | None = None,
        w_max: int = 1,
    ) -> Projection:
        """Add a projection ``source -> target``.

        ``weights``: dense ``(n_target, n_source)`` (synapses where ``mask``,
        default where non-zero) or a ready :class:`Projection`; None draws
        random ones (:meth:`Projection.random` with ``density``, ``scale``,
        ``rng``, ``w_max``).
        """
        n_src = self.size(source)
        if target == INPUT:
            raise ValueError("target must be a population, not the network input")
        n_tgt = self.size(target)
        if isinstance(weights, Projection):
            proj = weights
            if (proj.source, proj.target, proj.n_source, proj.n_target) != (
                source,
                target,
                n_src,
                n_tgt,
            ):
                raise ValueError("the Projection's source/target/sizes do not match")
        elif weights is None:
            proj = Projection.random(
                source, target, n_src, n_tgt, density, scale, rng, self.integer, w_max
            )
        else:
            w = np.asarray(weights)
            if w.shape != (n_tgt, n_src):
                raise ValueError(
                    f"weights must have shape (n_target, n_source) = ({n_tgt}, {n_src}), "
                    f"not {w.shape}"
                )
            proj = Projection.from_dense(source, target, w, mask, self.integer)
        self.projections.append(proj)
        return proj

    @property
    def output(self) -> str:
        """Name of the output population (default: the last added)."""
        if self._output is not None:
            return self._output
        if not self.populations:
            raise ValueError("the network has no population")
        return next(reversed(self.populations))

    @output.setter
    def output(self, name: str) -> None:
        self.size(name)
        self._output = name

    def order(self, name: str) -> int:
        """Position of a population (-1 for the input)."""
        return -1 if name == INPUT else list(self.populations).index(name)

    def delayed(self, proj: Projection) -> bool:
        """True for a recurrent or feedback projection (uses the previous step's spikes)."""
        return self.order(proj.source) >= self.order(proj.target)

    def incoming(self, name: str) -> list[Projection]:
        """Projections onto population ``name``, in the order they were added."""
        return [p for p in self.projections if p.target == name]

    def parameters(self) -> list[np.ndarray]:
        """The trainable arrays: ``data`` of every projection, in order."""
        return [p.data for p in self.projections]

    # -- running ------------------------------------------------------------

    def reset_all(self, batch: int = 1) -> None:
        """Reset every population to its reset state with ``batch`` copies."""
        for pop in self.populations.values():
            pop.reset_all(batch)

    def step(self, x: object) -> dict[str, np.ndarray]:
        """One step with input ``x`` (broadcasting to ``(batch, n_in)``); spikes per population."""
        batch = next(iter(self.populations.values())).batch if self.populations else 1
        xa = np.asarray(x)
        try:
            xa = np.broadcast_to(xa, (batch, self.n_in))
        except ValueError:
            raise ValueError(
                f"x (shape {xa.shape}) must broadcast to (batch, n_in) = ({batch}, {self.n_in})"
            ) from None
        now: dict[str, np.ndarray] = {INPUT: xa}
        pos = {name: i for i, name in enumerate(self.populations)}
        pos[INPUT] = -1
        for name, pop in self.populations.items():
            cur = np.zeros(pop.shape, dtype=np.int64 if self.integer else np.float64)
            for proj in self.projections:
                if proj.target != name:
                    continue
                if pos[proj.source] >= pos[name]:  # recurrent or feedback: previous step
                    pre = self.populations[proj.source].spikes
                else:
                    pre = now[proj.source]
                cur = cur + proj.propagate(pre)
            if pop.in_range is not None:
                cur = np.clip(cur, *pop.in_range)
            now[name] = pop.step_all(cur)
        del now[INPUT]
        return now

    def run(self, inputs: object, reset: bool = True) -> NetworkRecord:
        """Run ``inputs`` (``(T, n_in)`` or ``(T, batch, n_in)``); from reset unless told not to.

        Returns spikes and membranes of every population, ``(T, batch, n)``
        (``(T, n)`` without a batch dimension in the inputs). Loops over time only.
        """
        x, had_batch = as_time_batch("inputs", inputs, self.n_in, self.integer)
        if reset:
            self.reset_all(x.shape[1])
        spikes: dict[str, list[np.ndarray]] = {k: [] for k in self.populations}
        volts: dict[str, list[np.ndarray]] = {k: [] for k in self.populations}
        for t in range(x.shape[0]):
            out = self.step(x[t])
            for k, pop in self.populations.items():
                spikes[k].append(out[k])
                volts[k].append(pop.voltages)
        sq = (lambda a: a) if had_batch else (lambda a: a[:, 0])
        return NetworkRecord(
            {k: sq(np.stack(v)) for k, v in spikes.items()},
            {k: sq(np.stack(v)) for k, v in volts.items()},
        )


def feedforward(
    n_in: int,
    sizes: Iterable[int],
    mode: str = "float",
    recurrent: bool | Iterable[bool] = False,
    rng: np.random.Generator | int | None = None,
    **params: object,
) -> Network:
    """A layered network ``input -> L0 -> L1 -> ...`` with random weights (names ``"L0"``...).

    ``recurrent``: one flag for all layers or one per layer (adds ``Lk -> Lk``).
    ``params`` go to every population. ``rng``: a Generator or a seed.
    """
    sizes = [check_int(f"sizes[{k}]", n, 1) for k, n in enumerate(sizes)]
    if not sizes:
        raise ValueError("sizes must name at least one layer")
    rec = [recurrent] * len(sizes) if isinstance(recurrent, bool) else list(recurrent)
    if len(rec) != len(sizes):
        raise ValueError(f"recurrent must have one flag per layer ({len(sizes)}), not {len(rec)}")
    rng = np.random.default_rng(rng)
    net = Network(n_in, mode)
    prev = INPUT
    for k, n in enumerate(sizes):
        name = f"L{k}"
        net.add_population(name, n, **params)
        net.connect(prev, name, rng=rng)
        if rec[k]:
            net.connect(name, name, rng=rng, scale=0.5 / math.sqrt(n))
        prev = name
    return net
