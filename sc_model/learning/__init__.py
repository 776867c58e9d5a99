"""Learning on spiking networks: the network model and its learning rules.

Network API (:mod:`sc_model.learning.network`), the base of every paradigm
----------------------------------------------------------------------------
``Population(n, mode="float"|"int", *, batch=1, tau=10.0, dt=1.0, threshold=None,
reset="subtract"|"zero", **lif_params)``
    ``batch x n`` LIF neurons. State arrays, shape ``(batch, n)``: ``v``
    (membrane), ``spikes`` (float 0/1 in float mode, ``uint8`` in integer
    mode), ``refractory`` (remaining refractory steps, int). Methods:
    ``step_all(currents) -> spikes`` (one step, currents broadcasting to
    ``(batch, n)``), ``voltages`` (copy of ``v``), ``reset_all(batch=None)``.
    Float mode: ``beta = exp(-dt/tau)`` (attribute ``beta``), ``threshold``;
    ``v[t] = beta v[t-1] + I[t] - theta s[t-1]`` (or ``beta v[t-1] (1 - s[t-1]) + I[t]``
    for ``reset="zero"``), ``s[t] = H(v[t] - theta)``. Integer mode: exactly
    :mod:`sc_model.lif` (``lif_params`` attribute), ``v`` the register.
``Projection(source, target, n_source, n_target, indptr, indices, data, integer=False)``
    CSR with one row per target neuron: ``W[i, indices[indptr[i]:indptr[i+1]]] =
    data[indptr[i]:indptr[i+1]]``. ``rows`` (target of each synapse),
    ``nnz``, ``density``, ``to_dense() -> W[n_target, n_source]``, ``mask()``,
    ``dense_to_data(G) -> G[rows, indices]``, ``propagate(pre[..., n_source]) ->
    I[..., n_target]``, ``set_csr(indptr, indices, data)`` (the only way to change
    connectivity), constructors ``from_dense(source, target, W, mask=None)`` and
    ``random(source, target, n_source, n_target, density, scale, rng)``.
    ``data`` is the trainable array; learners update it *in place*.
``Network(n_in, mode="float"|"int")``
    ``add_population(name, n, **params) -> Population``,
    ``connect(source, target, weights=None, *, mask, density, scale, rng) -> Projection``
    (``source`` may be ``"input"``), ``populations`` (dict in order),
    ``projections`` (list), ``output`` (name, default the last population),
    ``delayed(proj)`` (True for recurrent/feedback: uses spikes of ``t - 1``),
    ``incoming(name)``, ``parameters()``, ``reset_all(batch)``,
    ``step(x[batch, n_in]) -> {name: spikes}``,
    ``run(inputs[T, n_in] or [T, batch, n_in]) -> NetworkRecord(spikes, voltages)``.
    ``feedforward(n_in, sizes, mode, recurrent, rng, **params)`` builds layers
    ``"L0"``, ``"L1"``...

Learning rules
--------------
:mod:`.bptt`: ``BPTTLearner`` and ``TBPTTLearner`` (surrogate gradients,
:mod:`.surrogate`, losses :mod:`.losses`, optimisers :mod:`.optim`).
"""

from .network import (
    DENSE_THRESHOLD,
    INPUT,
    Network,
    NetworkRecord,
    Population,
    Projection,
    feedforward,
)

__all__ = [
    "DENSE_THRESHOLD",
    "INPUT",
    "Network",
    "NetworkRecord",
    "Population",
    "Projection",
    "feedforward",
]
