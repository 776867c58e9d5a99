"""NIR graphs in and out: :func:`from_nir` (graph -> float ``Network``) and :func:`to_nir`.

NIR (the Neuromorphic Intermediate Representation, the ``nir`` package) is
continuous in time; a simulator chooses the step ``dt``. Both functions take
it explicitly (``dt``, in the graph's time unit; snnTorch's exporter assumes
``dt = 1e-4``, Norse's default is ``1e-3``) or from ``graph.metadata["dt"]``.

Nodes and their discrete form (``method="euler"``, the default, as snnTorch,
Norse and most NIR importers step the equations; ``method="exact"`` uses the
exact solution for an input held over the step)
--------------------------------------------------------------------------------
``Input`` (one, shape ``(n_in,)``; leading dimensions of size 1, a batch of
one in the sample an exporter was given, are dropped)
    The network input ``"input"``: ``x[t]``, float currents or 0/1 spikes.
``Linear`` (``weight (n_out, n_in)``), ``Affine`` (``weight``, ``bias``)
    A :class:`~.network.Projection` ``W``: ``y[t] = W x[t] + b``. The network
    model and the SC core have no bias current. By default an ``Affine`` whose
    bias is not all 0 is refused (export with ``bias=False``); with
    ``bias="input"`` the network gets one more input, the last, which the user
    holds at 1 (:func:`with_bias_input`), and ``b`` becomes the weights from it
    (in the projection from the input for a first layer, in an extra
    projection ``input -> target`` with only those synapses otherwise). On the
    SC core that input is an SNG value of ``2**value_width - 1``: probability
    ``1 - 2**-value_width``, not 1 (:func:`.quantize.encode_values`).
``LIF`` (``tau, r, v_leak, v_threshold, v_reset``)
    ``tau dv/dt = (v_leak - v) + r I``, spike ``z = v > v_threshold``, then
    ``v = v_reset``. Per step of ``dt``: ``v' = beta v + (1 - beta) r I[t]``
    with ``beta = 1 - dt/tau`` (Euler) or ``exp(-dt/tau)`` (exact), ``z = v' >
    v_threshold``, ``v = v_reset`` where ``z``. ``v_leak`` and ``v_reset`` must
    be 0 (what snnTorch and Norse export by default); ``0 < dt < tau`` (Euler)
    and ``r > 0``, ``v_threshold > 0``.
``IF`` (``r, v_threshold, v_reset``)
    ``dv/dt = r I``: per step ``v' = v + dt r I[t]`` (both methods), ``beta = 1``.
``CubaLIF`` (``tau_syn, tau_mem, r, v_leak, v_threshold, v_reset, w_in``)
    ``tau_syn dJ/dt = -J + w_in I``, ``tau_mem dv/dt = (v_leak - v) + r J``,
    spike and reset as LIF. Per step (Euler only): first the synaptic current,
    then the membrane with the new current (as snnTorch's ``Synaptic`` steps;
    the input of step ``t`` reaches the membrane in step ``t``)::

        J' = alpha J + (1 - alpha) w_in I[t]      alpha = 1 - dt/tau_syn
        v' = beta v + (1 - beta) r J'             beta  = 1 - dt/tau_mem

    ``z = v' > v_threshold``, ``v = v_reset`` where ``z``; ``J`` is not reset.
    ``v_leak = v_reset = 0``, ``0 < dt < tau_syn, tau_mem``, ``r > 0``,
    ``w_in > 0``, ``v_threshold > 0``. ``method="exact"`` is refused: the exact
    step of the coupled pair adds the input to the membrane on a second path
    that the population's update does not have.
``LI`` (``tau, r, v_leak``), ``I`` (``r``), ``CubaLI`` (``tau_syn, tau_mem, r,
v_leak, w_in``)
    The non-spiking counterparts (readouts): the same membrane (and current)
    updates without threshold and reset; the node's output is ``v`` itself
    (LI: ``v' = beta v + (1 - beta) r I[t]``, both methods; I: ``v' = v + dt r
    I[t]``; CubaLI: Euler only). ``v_leak = 0``.
Edges
    Identity connections. An edge from a node to a neuron without a weight
    node between is an identity projection (sizes must agree). A cycle
    (a recurrent edge, e.g. snnTorch's ``RLeaky`` subgraph
    ``lif -> w_rec -> lif``) is broken where a depth-first walk from the input
    meets it: that projection uses the previous step's spikes (delay 1, 0 at
    ``t = 0``), as every NIR simulator must do to step a loop. Nested
    ``NIRGraph`` nodes are flattened (their inner ``Input``/``Output`` nodes are
    pass-throughs; names become ``outer.inner``).
``Output`` (one)
    Must be fed by one neuron node: the network's ``output`` population.

The mapping onto :class:`~.network.Population` (float mode, ``reset="zero"``)
is exact: with the input gain ``g = (1 - beta) r`` (``dt r`` for IF and I;
times ``(1 - alpha) w_in`` for the current-based nodes) a spiking
population's membrane is ``u = v / g``, so ``u' = beta u + I[t]`` (``c' =
alpha c + I[t]``, ``u' = beta u + c'`` with ``J = (1 - alpha) w_in c``) with
the projections' weights unchanged and threshold ``v_threshold / g``. A
readout is a ``spiking=False`` population with ``gain = g``: its membrane
(and output) is NIR's ``v`` itself. Spikes are NIR's but for ``v ==
v_threshold`` exactly: NIR (and snnTorch) fire on ``v > theta``,
:class:`~.network.Population` on ``v >= theta``.

Anything else (``Scale``, ``Threshold``, ``Delay``, convolutions, pooling,
``Flatten``, several inputs or outputs, parameters of other shapes) raises
``ValueError``/``TypeError`` naming the node, what it has and what is
allowed. :func:`from_nir` records the original nodes (attribute ``nir`` of
the network, :class:`NIRInfo`) so that :func:`to_nir` writes them back
unchanged as long as the population's ``beta``, threshold, ``alpha`` and
``gain`` are unchanged; the (trained) weights are always
written from the projections.

:func:`to_nir` writes any float network whose populations use
``reset="zero"``: ``LIF`` with ``tau = dt/(1 - beta)`` (Euler; ``-dt/ln(beta)``
exact), ``r = 1/(1 - beta)`` (so ``g = 1``, snnTorch's convention),
``v_threshold`` the population's, ``v_leak = v_reset = 0``; ``IF`` with ``r =
1/dt`` where ``beta == 1``; a current-based population as ``CubaLIF`` with
``tau_syn = dt/(1 - alpha)``, ``tau_mem = dt/(1 - beta)``, ``r = 1/(1 - beta)``,
``w_in = 1/(1 - alpha)`` (Euler only; ``g = 1``); a readout (``spiking=False``)
as ``LI`` (``r = gain/(1 - beta)``), ``I`` (``beta == 1``, ``r = gain/dt``) or
``CubaLI`` (``r = gain/(1 - beta)``, ``w_in = 1/(1 - alpha)``); a ``Linear``
per projection (dense; absent synapses are 0). ``reset="subtract"`` has no
NIR counterpart (NIR neurons reset to ``v_reset``) and is refused, as are
integer-mode networks.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._validate import check_choice
from .network import INPUT, Network

METHODS = ("euler", "exact")
#: Neuron node types and their parameters (all of one shape, ``()`` or ``(n,)``).
NEURON_ATTRS = {
    "LIF": ("tau", "r", "v_leak", "v_threshold", "v_reset"),
    "IF": ("r", "v_threshold", "v_reset"),
    "CubaLIF": ("tau_syn", "tau_mem", "r", "v_leak", "v_threshold", "v_reset", "w_in"),
    "LI": ("tau", "r", "v_leak"),
    "CubaLI": ("tau_syn", "tau_mem", "r", "v_leak", "w_in"),
    "I": ("r",),
}
NEURONS = tuple(NEURON_ATTRS)
#: Non-spiking (readout) node types: their output is the membrane.
READOUTS = ("LI", "CubaLI", "I")
#: Current-based node types: a synaptic current filters the input.
CURRENT_BASED = ("CubaLIF", "CubaLI")
WEIGHTS = ("Linear", "Affine")


def _nir() -> Any:
    import nir

    return nir


@dataclass
class NIRInfo:
    """What :func:`from_nir` read, kept on the network (``network.nir``) for :func:`to_nir`.

    ``dt`` and ``method`` of the import; ``input``/``output``: the names of the
    Input and Output nodes; ``weights``: per projection (in ``network.projections``
    order) the weight node's name and its original node (``None`` for an identity
    edge; ``(None, ("bias", name))`` for the bias projection of Affine ``name``);
    ``bias_input``: the network's last input is the bias input; ``neurons``: per
    population the original node and the population's neuron parameters
    (``beta``, ``threshold``, ``alpha``, ``gain``; :func:`_signature`) as imported.
    """

    dt: float
    method: str
    input: str
    output: str
    input_shape: tuple[int, ...]
    weights: list[tuple[str | None, Any]] = field(default_factory=list)
    bias_input: bool = False
    neurons: dict[str, tuple[Any, tuple[Any, ...]]] = field(default_factory=dict)


def _signature(pop: Any) -> tuple[Any, ...]:
    """Copies of the neuron parameters of a population that a NIR node fixes."""
    return tuple(None if a is None else np.array(a, dtype=np.float64)
                 for a in (pop.beta, pop.threshold, pop.alpha, pop.gain)) + (pop.spiking,)


def _same_signature(a: tuple[Any, ...], b: tuple[Any, ...]) -> bool:
    return all((x is None and y is None) or (x is not None and y is not None
               and np.array_equal(x, y)) for x, y in zip(a, b, strict=True))


# --------------------------------------------------------------------------
# checks
# --------------------------------------------------------------------------


def _check_dt(dt: object, graph: Any = None) -> float:
    if dt is None and graph is not None:
        meta = getattr(graph, "metadata", None)
        if isinstance(meta, dict) and "dt" in meta:
            dt = meta["dt"]
    if dt is None:
        raise ValueError(
            "dt must be given: NIR graphs are continuous in time and the step is the "
            "simulator's choice (snnTorch's exporter assumes dt = 1e-4, Norse's default "
            "is 1e-3); pass from_nir(graph, dt=...) or set graph.metadata['dt']"
        )
    if isinstance(dt, bool):
        raise TypeError(f"dt must be a positive number, not {dt!r}")
    try:
        value = float(np.asarray(dt, dtype=np.float64))
    except (TypeError, ValueError):
        raise TypeError(f"dt must be a positive number, not {dt!r}") from None
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"dt must be > 0 and finite, not {dt!r}")
    return value


def _param(node_name: str, kind: str, node: Any, attr: str, n: int) -> np.ndarray:
    """Parameter ``attr`` of a neuron node as float64 ``(n,)`` (0-d broadcasts)."""
    raw = getattr(node, attr, None)
    if raw is None:
        raise ValueError(f"{kind} node {node_name!r} has no parameter {attr!r}")
    arr = np.asarray(raw, dtype=np.float64)
    if arr.ndim > 1 or (arr.ndim == 1 and arr.shape[0] != n):
        raise ValueError(
            f"{kind} node {node_name!r}: {attr} has shape {arr.shape}; allowed are () or "
            f"({n},) (one value per neuron of a 1-d population)"
        )
    if not np.isfinite(arr).all():
        raise ValueError(f"{kind} node {node_name!r}: {attr} must be finite")
    return np.broadcast_to(arr, (n,)).astype(np.float64)


def _neuron_size(name: str, kind: str, node: Any) -> int | None:
    """The number of neurons from the node's own parameters (None when all are 0-d)."""
    sizes = set()
    for a in NEURON_ATTRS[kind]:
        raw = getattr(node, a, None)
        arr = np.asarray(0.0 if raw is None else raw)
        if arr.ndim > 1:
            raise ValueError(
                f"{kind} node {name!r}: {a} has shape {arr.shape}; only 1-d populations "
                "(shape (n,)) map onto the SC core"
            )
        if arr.ndim == 1:
            sizes.add(arr.shape[0])
    if len(sizes) > 1:
        raise ValueError(f"{kind} node {name!r}: parameters have different lengths {sorted(sizes)}")
    return sizes.pop() if sizes else None


# --------------------------------------------------------------------------
# graph flattening
# --------------------------------------------------------------------------


def _flatten(graph: Any, prefix: str = "") -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """Nodes and edges with nested graphs inlined; inner Input/Output become pass-throughs."""
    nir = _nir()
    if not isinstance(graph.nodes, dict) or not graph.nodes:
        raise ValueError(
            f"graph {prefix or '<top>'!r} has no nodes (nodes must be a non-empty dict)"
        )
    nodes: dict[str, Any] = {}
    edges: list[tuple[str, str]] = []
    entry: dict[str, list[str]] = {}
    exit_: dict[str, list[str]] = {}
    for name, node in graph.nodes.items():
        full = prefix + str(name)
        if isinstance(node, nir.NIRGraph):
            inner_nodes, inner_edges = _flatten(node, full + ".")
            ins = [k for k, v in node.nodes.items() if isinstance(v, nir.Input)]
            outs = [k for k, v in node.nodes.items() if isinstance(v, nir.Output)]
            if len(ins) != 1 or len(outs) != 1:
                raise ValueError(
                    f"subgraph {full!r} must have exactly one Input and one Output node, "
                    f"not {len(ins)} and {len(outs)}"
                )
            for k, v in inner_nodes.items():
                nodes[k] = v
            # inner Input/Output are pass-through markers
            nodes[f"{full}.{ins[0]}"] = ("pass", None)
            nodes[f"{full}.{outs[0]}"] = ("pass", None)
            edges.extend(inner_edges)
            entry[full] = [f"{full}.{ins[0]}"]
            exit_[full] = [f"{full}.{outs[0]}"]
        else:
            nodes[full] = node
    for edge in graph.edges:
        if not (isinstance(edge, tuple | list) and len(edge) == 2):
            raise ValueError(f"graph {prefix or '<top>'!r}: edge {edge!r} is not a pair of names")
        src, dst = prefix + str(edge[0]), prefix + str(edge[1])
        for end in (src, dst):
            if end not in nodes and end not in entry:
                raise ValueError(
                    f"edge {tuple(edge)!r} names node {end[len(prefix):]!r}, which is not in the "
                    f"graph {prefix[:-1] or '<top>'!r} (nodes: {sorted(graph.nodes)})"
                )
        for s in exit_.get(src, [src]):
            for d in entry.get(dst, [dst]):
                edges.append((s, d))
    return nodes, edges


def _contract_passes(
    nodes: dict[str, Any], edges: list[tuple[str, str]]
) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    passes = [k for k, v in nodes.items() if isinstance(v, tuple) and v[0] == "pass"]
    for p in passes:
        preds = [s for s, d in edges if d == p]
        succs = [d for s, d in edges if s == p]
        edges = [e for e in edges if p not in e]
        edges.extend((s, d) for s in preds for d in succs)
        del nodes[p]
    seen: set[tuple[str, str]] = set()
    unique = []
    for e in edges:
        if e in seen:
            raise ValueError(f"duplicate edge {e!r}")
        seen.add(e)
        unique.append(e)
    return nodes, unique


# --------------------------------------------------------------------------
# import
# --------------------------------------------------------------------------


def _positive(name: str, kind: str, attr: str, arr: np.ndarray) -> None:
    if (arr <= 0).any():
        raise ValueError(f"{kind} node {name!r}: {attr} must be > 0, not {float(arr.min())!r}")


def _zero(name: str, kind: str, attr: str, arr: np.ndarray, why: str) -> None:
    if (arr != 0).any():
        raise ValueError(
            f"{kind} node {name!r}: {attr} must be 0 ({why}), not {float(arr[arr != 0][0])!r}"
        )


def _decay(name: str, kind: str, attr: str, tau: np.ndarray, dt: float, method: str) -> np.ndarray:
    """``1 - dt/tau`` (Euler) or ``exp(-dt/tau)`` (exact) of time constant ``attr``."""
    _positive(name, kind, attr, tau)
    if method == "exact":
        return np.exp(-dt / tau)
    if (tau <= dt).any():
        raise ValueError(
            f"{kind} node {name!r}: {attr} must be > dt = {dt!r} for an Euler step "
            f"(decay 1 - dt/{attr} in (0, 1)), found {attr} = {float(tau.min())!r}; "
            "check dt (snnTorch exports with dt = 1e-4; Norse 1.1 writes tau = dt * tau_mem "
            "for LIFBoxCell: divide its tau by dt)"
        )
    return 1.0 - dt / tau


def _population_params(
    name: str, kind: str, node: Any, n: int, dt: float, method: str
) -> dict[str, Any]:
    """Keyword arguments of :class:`~.network.Population` for a neuron node (module docstring).

    ``beta``, ``threshold`` (spiking) or ``spiking=False`` and ``gain`` (readouts),
    ``alpha`` (current-based), all ``(n,)`` float64.
    """
    p = {a: _param(name, kind, node, a, n) for a in NEURON_ATTRS[kind]}
    _positive(name, kind, "r", p["r"])
    if "v_leak" in p:
        _zero(name, kind, "v_leak", p["v_leak"],
              "no resting potential in Population or the SC core")
    if "v_reset" in p:
        _zero(name, kind, "v_reset", p["v_reset"], "the SC core and Population reset to 0")
    out: dict[str, Any] = {}
    if kind in ("IF", "I"):
        beta, gain = np.ones(n), dt * p["r"]
    else:
        tau_attr = "tau_mem" if kind in CURRENT_BASED else "tau"
        beta = _decay(name, kind, tau_attr, p[tau_attr], dt, method)
        gain = (1.0 - beta) * p["r"]
    out["beta"] = beta
    if kind in CURRENT_BASED:
        if method != "euler":
            raise ValueError(
                f"{kind} node {name!r}: method={method!r} is not supported for a current-based "
                "node (the exact step of the coupled current and membrane adds the input to "
                "the membrane on a second path a Population does not have); use method='euler'"
            )
        _positive(name, kind, "w_in", p["w_in"])
        alpha = _decay(name, kind, "tau_syn", p["tau_syn"], dt, method)
        out["alpha"] = alpha
        gain = gain * (1.0 - alpha) * p["w_in"]
    if kind in READOUTS:
        out["spiking"] = False
        out["gain"] = gain
    else:
        _positive(name, kind, "v_threshold", p["v_threshold"])
        out["threshold"] = p["v_threshold"] / gain
        out["reset"] = "zero"
    return out


def _order(neurons: list[str], edges: list[tuple[str, str]], start: str) -> list[str]:
    """Populations in reverse post-order of a depth-first walk from ``start`` (loops cut)."""
    succ: dict[str, list[str]] = {}
    for s, d in edges:
        succ.setdefault(s, []).append(d)
    post: list[str] = []
    state: dict[str, int] = {}

    def visit(n: str) -> None:
        state[n] = 1
        for m in succ.get(n, []):
            if m not in state:
                visit(m)
        state[n] = 2
        post.append(n)

    visit(start)
    for n in neurons:  # unreachable neurons are reported by the caller
        if n not in state:
            visit(n)
    ranked = post[::-1]
    return [n for n in ranked if n in neurons]


BIAS_MODES = ("refuse", "input")


def with_bias_input(x: object) -> np.ndarray:
    """``x[..., n_in]`` with a last column of ones: the input of a ``bias="input"`` import."""
    arr = np.asarray(x, dtype=np.float64)
    return np.concatenate([arr, np.ones(arr.shape[:-1] + (1,))], axis=-1)


def from_nir(
    graph: Any, dt: object = None, *, method: str = "euler", bias: str = "refuse"
) -> Network:
    """A float :class:`~.network.Network` stepping NIR graph ``graph`` by ``dt`` (module docstring).

    ``graph``: a ``nir.NIRGraph`` (e.g. from ``nir.read(path)``) or a path to a
    ``.nir`` file. ``method``: ``"euler"`` or ``"exact"``. ``bias``: ``"refuse"``
    or ``"input"`` (module docstring, ``Affine``). The network's input
    is the Input node, its ``output`` the population feeding the Output node;
    populations are named after their nodes. Raises ``ValueError``/``TypeError``
    naming the node for anything the network cannot hold exactly.
    """
    nir = _nir()
    if isinstance(graph, str) or hasattr(graph, "__fspath__"):
        graph = nir.read(graph)
    if not isinstance(graph, nir.NIRGraph):
        raise TypeError(f"graph must be a nir.NIRGraph or a path to a .nir file, not {graph!r}")
    step = _check_dt(dt, graph)
    method = str(check_choice("method", method, METHODS))
    bias = str(check_choice("bias", bias, BIAS_MODES))
    nodes, edges = _contract_passes(*_flatten(graph))

    kinds = {k: type(v).__name__ for k, v in nodes.items()}
    inputs = [k for k, t in kinds.items() if t == "Input"]
    outputs = [k for k, t in kinds.items() if t == "Output"]
    if len(inputs) != 1 or len(outputs) != 1:
        raise ValueError(
            f"graph must have exactly one Input and one Output node, not inputs {inputs} "
            f"and outputs {outputs}"
        )
    for name, kind in kinds.items():
        if kind not in (*NEURONS, *WEIGHTS, "Input", "Output"):
            raise ValueError(
                f"node {name!r} of type {kind} is not supported; supported are Input, Output, "
                f"Linear, Affine (bias 0), {', '.join(NEURONS)}"
            )
    preds: dict[str, list[str]] = {k: [] for k in nodes}
    succs: dict[str, list[str]] = {k: [] for k in nodes}
    for s, d in edges:
        succs[s].append(d)
        preds[d].append(s)
    in_name, out_name = inputs[0], outputs[0]
    in_shape = tuple(int(x) for x in np.asarray(nodes[in_name].input_type["input"]).ravel())
    while len(in_shape) > 1 and in_shape[0] == 1:  # a batch of one in the exporter's sample
        in_shape = in_shape[1:]
    if len(in_shape) != 1 or in_shape[0] < 1:
        raise ValueError(
            f"Input node {in_name!r} has shape {in_shape}; allowed is (n_in,) with n_in >= 1 "
            "(flatten images before the graph)"
        )
    if preds[in_name]:
        raise ValueError(f"Input node {in_name!r} must have no incoming edge, has {preds[in_name]}")
    if len(preds[out_name]) != 1 or kinds[preds[out_name][0]] not in NEURONS:
        raise ValueError(
            f"Output node {out_name!r} must be fed by exactly one neuron node "
            f"({', '.join(NEURONS)}), not "
            f"{[(p, kinds[p]) for p in preds[out_name]]}"
        )
    if succs[out_name]:
        raise ValueError(f"Output node {out_name!r} must have no outgoing edge")

    # weight nodes: one source (Input or neuron), one neuron target
    def weight_matrix(name: str) -> tuple[np.ndarray, np.ndarray | None]:
        node, kind = nodes[name], kinds[name]
        w = np.asarray(node.weight, dtype=np.float64)
        if w.ndim != 2 or 0 in w.shape:
            raise ValueError(
                f"{kind} node {name!r}: weight must be 2-d (n_out, n_in), not {w.shape}"
            )
        if not np.isfinite(w).all():
            raise ValueError(f"{kind} node {name!r}: weight must be finite")
        if kind == "Affine":
            b = np.asarray(node.bias, dtype=np.float64)
            if b.shape not in ((), (w.shape[0],)):
                raise ValueError(
                    f"Affine node {name!r}: bias has shape {b.shape}, not ({w.shape[0]},)"
                )
            if (b != 0).any() and bias == "input":
                return w, np.broadcast_to(b, (w.shape[0],)).astype(np.float64)
            if (b != 0).any():
                raise ValueError(
                    f"Affine node {name!r} has a non-zero bias (max |b| = "
                    f"{float(np.abs(b).max())!r}); Population and the SC core have no bias "
                    "current: export the layer without bias "
                    "(torch.nn.Linear(..., bias=False)), or import with bias='input' (the bias "
                    "becomes the weights of an extra network input held at 1)"
                )
        return w, None

    sizes: dict[str, int] = {in_name: in_shape[0]}
    neurons = [k for k, t in kinds.items() if t in NEURONS]
    for name in neurons:
        own = _neuron_size(name, kinds[name], nodes[name])
        if own is None:
            for p in preds[name]:
                if kinds[p] in WEIGHTS:
                    own = int(np.asarray(nodes[p].weight).shape[0])
                    break
        if own is None:
            raise ValueError(f"{kinds[name]} node {name!r}: cannot tell its size (0-d parameters "
                             "and no incoming weight node)")
        sizes[name] = own

    # source, target, weight node, W, bias (or None)
    links: list[tuple[str, str, str | None, np.ndarray, np.ndarray | None]] = []
    for name, kind in kinds.items():
        if kind in WEIGHTS:
            w, b = weight_matrix(name)
            if len(preds[name]) != 1 or kinds[preds[name][0]] not in (*NEURONS, "Input"):
                raise ValueError(
                    f"{kind} node {name!r} must have exactly one source, the Input or a neuron "
                    f"node, not {[(p, kinds[p]) for p in preds[name]]}"
                )
            if len(succs[name]) != 1 or kinds[succs[name][0]] not in NEURONS:
                raise ValueError(
                    f"{kind} node {name!r} must feed exactly one neuron node, not "
                    f"{[(s, kinds[s]) for s in succs[name]]}"
                )
            src, dst = preds[name][0], succs[name][0]
            if w.shape != (sizes[dst], sizes[src]):
                raise ValueError(
                    f"{kind} node {name!r}: weight has shape {w.shape}; {src!r} -> {dst!r} needs "
                    f"({sizes[dst]}, {sizes[src]})"
                )
            links.append((src, dst, name, w, b))
        elif kind in (*NEURONS, "Input"):
            for d in succs[name]:
                if kinds[d] in NEURONS:
                    if sizes[d] != sizes[name]:
                        raise ValueError(
                            f"identity edge {name!r} -> {d!r} joins {sizes[name]} to "
                            f"{sizes[d]} neurons; sizes must agree"
                        )
                    links.append((name, d, None, np.eye(sizes[d]), None))
                elif kinds[d] == "Input":
                    raise ValueError(f"edge {name!r} -> {d!r} enters the Input node")
    for name in neurons:
        if not preds[name]:
            raise ValueError(f"{kinds[name]} node {name!r} has no input edge")

    order = _order(neurons, edges, in_name)
    extra = any(link[4] is not None for link in links)
    n_in = in_shape[0] + int(extra)
    net = Network(n_in)
    info = NIRInfo(step, method, in_name, out_name, in_shape, bias_input=extra)
    for name in order:
        kw = _population_params(name, kinds[name], nodes[name], sizes[name], step, method)
        pop = net.add_population(name, sizes[name], dt=step, **kw)
        info.neurons[name] = (nodes[name], _signature(pop))
    for src, dst, wname, w, b in links:
        mask = np.ones(w.shape, dtype=bool)
        if src == in_name and extra:  # the bias input's column: b, or no synapses
            w = np.hstack([w, np.zeros((w.shape[0], 1)) if b is None else b[:, None]])
            mask = np.hstack([mask, np.full((w.shape[0], 1), b is not None)])
        net.connect(INPUT if src == in_name else src, dst, w, mask=mask)
        info.weights.append((wname, nodes[wname] if wname is not None else None))
        if b is not None and src != in_name:
            wb = np.zeros((w.shape[0], n_in))
            wb[:, -1] = b
            mb = np.zeros(wb.shape, dtype=bool)
            mb[:, -1] = True
            net.connect(INPUT, dst, wb, mask=mb)
            info.weights.append((None, ("bias", wname)))
    net.output = preds[out_name][0]
    net.nir = info  # type: ignore[attr-defined]
    return net


# --------------------------------------------------------------------------
# export
# --------------------------------------------------------------------------


def _neuron_node(net: Network, name: str, info: NIRInfo | None, dt: float, method: str) -> Any:
    nir = _nir()
    pop = net.populations[name]
    if info is not None and name in info.neurons:
        node, sig = info.neurons[name]
        if _same_signature(_signature(pop), sig):
            return node
    if pop.spiking and pop.reset != "zero":
        raise ValueError(
            f"population {name!r} uses reset={pop.reset!r}; NIR neurons reset to v_reset "
            "(reset='zero'); a subtract reset has no NIR counterpart"
        )
    n = pop.n
    beta = np.broadcast_to(pop.beta, (n,)).astype(np.float64)
    thr = np.broadcast_to(pop.threshold, (n,)).astype(np.float64)
    zeros = np.zeros(n)
    if pop.alpha is not None:
        alpha = np.broadcast_to(pop.alpha, (n,)).astype(np.float64)
        if method != "euler":
            raise ValueError(
                f"population {name!r} is current-based (alpha); it is written to NIR with "
                f"method='euler' only, not {method!r}"
            )
        if (alpha == 1.0).any() or (beta == 1.0).any():
            raise ValueError(
                f"population {name!r} is current-based with alpha == 1 or beta == 1; NIR's "
                "CubaLIF/CubaLI need finite tau_syn and tau_mem (alpha, beta < 1)"
            )
        common = {"tau_syn": dt / (1.0 - alpha), "tau_mem": dt / (1.0 - beta),
                  "v_leak": zeros.copy(), "w_in": 1.0 / (1.0 - alpha)}
        if pop.spiking:
            return nir.CubaLIF(r=1.0 / (1.0 - beta), v_threshold=thr.copy(),
                               v_reset=zeros.copy(), **common)
        gain = np.broadcast_to(pop.gain, (n,)).astype(np.float64)
        return nir.CubaLI(r=gain / (1.0 - beta), **common)
    if (beta == 1.0).all():
        if not pop.spiking:
            gain = np.broadcast_to(pop.gain, (n,)).astype(np.float64)
            return nir.I(r=gain / dt)
        return nir.IF(r=np.full(n, 1.0 / dt), v_threshold=thr.copy(), v_reset=zeros)
    if (beta == 1.0).any():
        raise ValueError(
            f"population {name!r} mixes beta == 1 (IF) and beta < 1 (LIF) neurons; NIR nodes "
            "hold one model"
        )
    tau = dt / (1.0 - beta) if method == "euler" else -dt / np.log(beta)
    if not pop.spiking:
        gain = np.broadcast_to(pop.gain, (n,)).astype(np.float64)
        return nir.LI(tau=tau, r=gain / (1.0 - beta), v_leak=zeros)
    return nir.LIF(tau=tau, r=1.0 / (1.0 - beta), v_leak=zeros.copy(), v_threshold=thr.copy(),
                   v_reset=zeros.copy())


def to_nir(network: Network, dt: object = None, *, method: str | None = None) -> Any:
    """A ``nir.NIRGraph`` of a float network (module docstring); ``nir.write`` stores it.

    ``dt`` and ``method`` default to those of the import when ``network`` came
    from :func:`from_nir`; otherwise ``dt`` is required (the step the network's
    ``beta`` refers to) and ``method`` defaults to ``"euler"``. The graph's
    ``metadata["dt"]`` is ``dt``.
    """
    nir = _nir()
    if not isinstance(network, Network):
        raise TypeError(f"network must be a Network, not {type(network).__name__}")
    if network.mode != "float":
        raise ValueError(f"network must be in float mode, not {network.mode!r}")
    if not network.populations:
        raise ValueError("network has no population")
    info: NIRInfo | None = getattr(network, "nir", None)
    if dt is None and info is not None:
        dt = info.dt
    step = _check_dt(dt)
    if method is None:
        method = info.method if info is not None else "euler"
    method = str(check_choice("method", method, METHODS))
    if info is not None and (step != info.dt or method != info.method):
        info = None  # another discretisation: recompute every node
    in_name = info.input if info is not None else "input"
    out_name = info.output if info is not None else "output"
    same_projs = info is not None and len(info.weights) == len(network.projections)
    bias_in = same_projs and info is not None and info.bias_input
    n_in = network.n_in - int(bias_in)
    nodes: dict[str, Any] = {in_name: nir.Input(input_type={"input": np.array([n_in])})}
    edges: list[tuple[str, str]] = []
    biases: dict[str, np.ndarray] = {}  # Affine name -> bias read from the bias input
    if bias_in and info is not None:
        for k, proj in enumerate(network.projections):
            wname_k, entry = info.weights[k]
            name = entry[1] if isinstance(entry, tuple) else wname_k
            if name is not None and (isinstance(entry, tuple) or proj.source == INPUT):
                if isinstance(entry, tuple) or type(entry).__name__ == "Affine":
                    col = proj.to_dense()[:, -1].astype(np.float64)
                    biases[name] = biases[name] + col if name in biases else col
    for name in network.populations:
        if name in (in_name, out_name):
            raise ValueError(f"population name {name!r} clashes with the Input/Output node names")
        nodes[name] = _neuron_node(network, name, info, step, method)
    for k, proj in enumerate(network.projections):
        w = proj.to_dense().astype(np.float64)
        src = in_name if proj.source == INPUT else proj.source
        wname, orig = info.weights[k] if same_projs and info is not None else (None, None)
        if isinstance(orig, tuple):  # the bias projection of an Affine: in its bias
            continue
        if bias_in and proj.source == INPUT:
            w = w[:, :-1]
        if wname is None and orig is None and same_projs and np.array_equal(w, np.eye(*w.shape)):
            edges.append((src, proj.target))
            continue
        wname = wname or f"w_{proj.source}_{proj.target}_{k}"
        if wname in nodes:
            raise ValueError(f"weight node name {wname!r} clashes with another node")
        if orig is not None and type(orig).__name__ == "Affine":
            if wname in biases:
                b = biases[wname]
            else:
                b = np.asarray(orig.bias).copy()  # bias 0 (or not imported): as it was read
            nodes[wname] = nir.Affine(weight=w, bias=b)
        else:
            nodes[wname] = nir.Linear(weight=w)
        edges.extend([(src, wname), (wname, proj.target)])
    out_n = network.populations[network.output].n
    nodes[out_name] = nir.Output(output_type={"output": np.array([out_n])})
    edges.append((network.output, out_name))
    return nir.NIRGraph(nodes=nodes, edges=edges, metadata={"dt": step})
