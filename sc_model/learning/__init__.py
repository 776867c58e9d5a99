"""Learning on spiking networks: the network model and its learning rules.

Network API (:mod:`sc_model.learning.network`), the base of every paradigm
----------------------------------------------------------------------------
``Population(n, mode="float"|"int", *, batch=1, tau=10.0, dt=1.0, threshold=None,
reset="subtract"|"zero", beta=None, **lif_params)``
    ``batch x n`` LIF neurons. State arrays, shape ``(batch, n)``: ``v``
    (membrane), ``spikes`` (float 0/1 in float mode, ``uint8`` in integer
    mode), ``refractory`` (remaining refractory steps, int). Methods:
    ``step_all(currents) -> spikes`` (one step, currents broadcasting to
    ``(batch, n)``), ``voltages`` (copy of ``v``), ``reset_all(batch=None)``.
    Float mode: ``beta = exp(-dt/tau)`` (attribute ``beta``; or ``beta`` in (0, 1]
    given directly, e.g. an Euler step or 1 for no leak), ``threshold``;
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
:mod:`.bptt`: ``BPTTLearner(network, loss_fn="mse", lr=1e-3, optimizer="adam",
surrogate=None, clip=None)`` with ``train_step(inputs, targets) -> loss``,
``gradients(inputs, targets) -> (loss, [d loss / d data per projection])`` and
``predict(inputs)``; ``TBPTTLearner(..., k=50, ...)`` (windows of ``k`` steps).
Also the reusable pieces ``forward(net, x, surrogate, state) -> Trace`` and
``backward(net, trace, dL/ds_out, surrogate) -> grads``. Surrogates
(:mod:`.surrogate`): ``FastSigmoid(slope)`` (Heaviside forward),
``SmoothSigmoid(slope)``. Losses (:mod:`.losses`): ``MSE``, ``SpikeCount``,
``CrossEntropy(scale)``, or a callable ``(spikes[T, batch, n_out], targets) ->
(loss, dloss/dspikes)``. Optimisers (:mod:`.optim`): ``SGD(lr, momentum)``,
``Adam(lr, b1, b2, eps)``, ``opt.step(params, grads)`` in place.
See docs/learning.md for the maths, the tests and measured numbers.

Online and local rules (docs/learning_paradigms.md): :mod:`.eprop`
(``EligibilityTrace``, ``EPropLearner``, Bellec et al. 2020), :mod:`.reward`
(``RewardModulatedLearner``: R-STDP on actual spikes; integer mode is the
hardware R-STDP unit of :mod:`sc_model.rstdp`), :mod:`.homeostatic`
(``HomeostaticPlasticity``, synaptic scaling), :mod:`.structural`
(``StructuralPlasticity``: pruning and growth that change the CSR pattern).
Short-term plasticity, federated aggregation and neuroevolution
(docs/learning_federated_evolution_stp.md): :mod:`.stp`
(``ShortTermPlasticity``, Tsodyks-Markram, exact for any ``dt``),
:mod:`.federated` (``majority_vote``, ``FederatedAggregator`` with
pairwise-masked secure aggregation and dropout recovery), :mod:`.evolution`
(``SNNGeneticEvolver``).

NIR graphs in and out (docs/nir.md): :mod:`.nir_io` (``from_nir(graph, dt,
method="euler")``, ``to_nir(network, dt)``). The documented learning API of
``sc_neurocore.learning``, call for call (docs/learning_api_migration.md):
:mod:`.compat`.
"""

from .bptt import BPTTLearner, TBPTTLearner
from .eprop import EligibilityTrace, EPropLearner
from .evolution import SNNGeneticEvolver, assign_parameters, flatten_parameters
from .ewc import EWCLearner
from .federated import FederatedAggregator, SecureAggClient, majority_vote
from .homeostatic import HomeostaticPlasticity, firing_rates
from .losses import MSE, CrossEntropy, SpikeCount
from .meta import MetaLearner, Reptile
from .network import (
    DENSE_THRESHOLD,
    INPUT,
    Network,
    NetworkRecord,
    Population,
    Projection,
    feedforward,
)
from .optim import SGD, Adam
from .quantize import (
    QuantizationWarning,
    QuantReport,
    decode_values,
    dequantize_network,
    encode_values,
    quantize_layer,
    sc_values,
)
from .reward import RewardModulatedLearner
from .stp import ShortTermPlasticity
from .structural import Rewiring, StructuralPlasticity, activity
from .surrogate import FastSigmoid, SmoothSigmoid

__all__ = [
    "Adam",
    "BPTTLearner",
    "CrossEntropy",
    "DENSE_THRESHOLD",
    "EPropLearner",
    "EWCLearner",
    "EligibilityTrace",
    "FastSigmoid",
    "FederatedAggregator",
    "HomeostaticPlasticity",
    "INPUT",
    "MSE",
    "MetaLearner",
    "Network",
    "NetworkRecord",
    "Population",
    "Projection",
    "QuantReport",
    "QuantizationWarning",
    "Reptile",
    "RewardModulatedLearner",
    "Rewiring",
    "SGD",
    "SNNGeneticEvolver",
    "SecureAggClient",
    "ShortTermPlasticity",
    "SmoothSigmoid",
    "SpikeCount",
    "StructuralPlasticity",
    "TBPTTLearner",
    "activity",
    "assign_parameters",
    "decode_values",
    "dequantize_network",
    "encode_values",
    "feedforward",
    "firing_rates",
    "flatten_parameters",
    "majority_vote",
    "quantize_layer",
    "sc_values",
]
