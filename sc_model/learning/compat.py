"""The documented learning API (``sc_neurocore.learning``), call for call, on our maths.

Scripts written against that documentation (shared/seed/learning-api.txt)
run after changing their import to ``from sc_model.learning.compat import
...``: every class, constructor (argument names, order and defaults) and method
there is here with the documented argument order and return shapes. Underneath
are the classes of :mod:`sc_model.learning`, so the maths is ours where the
documented code is wrong; docs/learning_api_migration.md has the table
(documented call -> ours, what differs and why). In short:

* ``BPTTLearner(network, loss_fn, lr=1e-3)``: ``loss_fn(spikes[T, n_out],
  targets[T, n_out]) -> float`` (gradient by central differences,
  :class:`~.losses.CallableLoss`), plain gradient descent with step ``lr``;
  every projection of every population is trained with temporal credit
  (the documented one trains only population 0, no credit through time).
* ``TBPTTLearner(network, loss_fn, lr=1e-3, k=50).train_step`` returns the
  sum of the window losses (documented), each taken before its window's update.
* ``EligibilityTrace(tau_e=20.0, dt=1.0).update(pre, post, error)`` returns
  ``(n_pre, n_post)``: the e-prop term of :class:`~.eprop.EligibilityTrace`
  transposed (``post`` is the pseudo-derivative in e-prop; spikes work as a
  stand-in, as documented).
* ``RewardModulatedLearner(network, tau_reward=100.0).step(reward)``: R-STDP on
  the spikes the learner saw (run the network through ``learner.run(inputs)``
  or ``learner.advance(x)``), not on ``voltages > 0.9``.
* ``MetaLearner(network, inner_lr=0.01, outer_lr=0.001)``: ``inner_loop((inputs,
  targets), n_steps=5)`` adapts the network in place; ``outer_step([(inputs,
  targets), ...])`` is Reptile (the documented update) with 5 inner BPTT steps.
* ``HomeostaticPlasticity(target_rate=10.0, tau=1000.0).update(population)``:
  ``target_rate`` in Hz with a 1 ms step, as documented; scales the incoming
  weights of ``population`` from its spikes of the last step.
* ``ShortTermPlasticity(tau_d=200.0, tau_f=600.0, u_se=0.2).update(pre_spikes)``:
  the efficacy ``u+ x-`` per presynaptic neuron ``(n_pre,)`` (0 where no spike),
  Tsodyks-Markram integrated exactly.
* ``StructuralPlasticity(growth_rate=0.001, prune_threshold=0.01).update(projection)``:
  prunes ``|w| < prune_threshold`` and grows where the source and target
  populations spiked in the last step (the input counts as active).
* ``FederatedAggregator.aggregate_gradients(list)`` (majority, ties to 0 as
  documented) and ``FederatedAggregator.secure_sum_protocol(list)`` (a real
  pairwise-masked secure aggregation; the sum is exact for integers) are static.
* ``EWC_SCLayer(n_inputs, n_neurons, ewc_lambda=10.0)``: ``consolidate_task()``
  computes the Fisher information of the data given to ``train_step`` since the
  last consolidation (the documented one uses the weights);
  ``apply_ewc_penalty(step_size=0.01) -> float`` returns the penalty before the step.
* ``SNNGeneticEvolver(layer_factory, fitness_func)`` with class attributes
  ``population_size = 20``, ``mutation_rate = 0.05``, ``elite_fraction = 0.2``;
  ``evolve(generations)`` returns the best individual (an object of
  ``layer_factory`` whose ``weights`` are the best genome).
* ``Population(neuron_cls, n, **params)``, ``Projection(source, target,
  weight)``, ``Network(*objects)``: the objects these classes use;
  ``network.populations`` / ``network.projections`` are lists; ``pop.voltages``
  and ``pop.step_all(currents)`` are 1-d (one sample); ``proj.indptr``,
  ``proj.indices``, ``proj.data`` are CSR by *source* as documented (our
  :class:`~.network.Projection` is CSR by target); assigning ``proj.data``
  (also ``proj.data -= g``) writes through.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from . import bptt as _bptt
from . import eprop as _eprop
from . import evolution as _evolution
from . import ewc as _ewc
from . import federated as _federated
from . import homeostatic as _homeostatic
from . import meta as _meta
from . import reward as _reward
from . import stp as _stp
from . import structural as _structural
from .network import INPUT
from .network import Network as _Network
from .network import Population as _Population
from .network import Projection as _Projection

# --------------------------------------------------------------------------
# network objects
# --------------------------------------------------------------------------


class LIF:
    """The neuron class for :class:`Population` (a float LIF, :class:`~.network.Population`)."""


class Population:
    """``Population(neuron_cls, n, **params)``: ``n`` LIF neurons (one sample).

    ``neuron_cls``: :class:`LIF` or any class whose name contains ``"LIF"``
    (e.g. ``StochasticLIFNeuron``); other neuron models are refused. ``params``:
    those of :class:`~.network.Population` in float mode (``tau``, ``dt``,
    ``threshold``, ``reset``, ``beta``). Usable once given to :class:`Network`.
    """

    def __init__(self, neuron_cls: object, n: int, **params: Any) -> None:
        default = neuron_cls if isinstance(neuron_cls, str) else ""
        cls_name = getattr(neuron_cls, "__name__", default)
        if "lif" not in str(cls_name).lower():
            raise TypeError(
                f"neuron_cls must be a LIF neuron class (sc_model.learning.compat.LIF or a class "
                f"named ...LIF...), not {neuron_cls!r}: the network model has LIF neurons only"
            )
        _Population(n, "float", **params)  # validates n and params now
        self.neuron_cls, self.n, self.params = neuron_cls, int(n), dict(params)
        self.name: str | None = None
        self.network: _Network | None = None

    @property
    def inner(self) -> _Population:
        """Our population (after :class:`Network` built it)."""
        if self.network is None or self.name is None:
            raise ValueError("the Population is not in a Network yet: Network(pop, proj, ...)")
        return self.network.populations[self.name]

    @property
    def voltages(self) -> np.ndarray:
        """Membranes ``(n,)`` (a copy)."""
        return np.array(self.inner.v[0])

    @property
    def spikes(self) -> np.ndarray:
        """Spikes of the last step ``(n,)``."""
        return np.array(self.inner.spikes[0])

    def step_all(self, currents: object) -> np.ndarray:
        """One step of this population alone with ``currents`` (``[:n]`` used); spikes ``(n,)``."""
        c = np.asarray(currents, dtype=np.float64).reshape(-1)
        if c.size < self.n:
            raise ValueError(f"currents must hold at least n = {self.n} values, not {c.size}")
        return self.inner.step_all(c[: self.n][None])[0]

    def reset_all(self) -> None:
        """Back to rest (one sample)."""
        self.inner.reset_all(1)


class Projection:
    """``Projection(source, target, weight=None, *, density=1.0, rng=None)``.

    ``source``: a :class:`Population` or ``"input"``; ``target`` a
    :class:`Population`; ``weight`` dense ``(n_target, n_source)`` (synapses
    where non-zero) or None for random ones (``density``, ``rng``; an input
    projection then needs ``n_source``). Attributes ``indptr``, ``indices``,
    ``data``: CSR by source (module docstring).
    """

    def __init__(
        self,
        source: Population | str,
        target: Population,
        weight: object = None,
        *,
        density: float = 1.0,
        rng: np.random.Generator | int | None = None,
        n_source: int | None = None,
    ) -> None:
        if not (isinstance(source, Population) or source == INPUT):
            raise TypeError(f"source must be a Population or {INPUT!r}, not {source!r}")
        if not isinstance(target, Population):
            raise TypeError(f"target must be a Population, not {target!r}")
        if weight is None and source == INPUT and n_source is None:
            raise ValueError("a random projection from 'input' needs n_source (or give weight)")
        self.source, self.target = source, target
        self.weight = None if weight is None else np.asarray(weight, dtype=np.float64)
        self.density, self.rng, self.n_source = density, rng, n_source
        self.inner: _Projection | None = None

    def _order(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        p = self._p()
        order = np.lexsort((p.rows, p.indices))  # by source, then target
        counts = np.bincount(p.indices, minlength=p.n_source)
        indptr = np.concatenate(([0], np.cumsum(counts))).astype(np.int64)
        return order, indptr, p.rows[order]

    def _p(self) -> _Projection:
        if self.inner is None:
            raise ValueError("the Projection is not in a Network yet: Network(pop, proj, ...)")
        return self.inner

    @property
    def indptr(self) -> np.ndarray:
        """``(n_source + 1,)``: synapses of source ``i`` are ``indptr[i]:indptr[i+1]``."""
        return self._order()[1]

    @property
    def indices(self) -> np.ndarray:
        """Target neuron of each synapse (source-major order)."""
        return self._order()[2]

    @property
    def data(self) -> np.ndarray:
        """Weights in source-major order (a copy; assign to write through)."""
        return self._p().data[self._order()[0]].copy()

    @data.setter
    def data(self, value: object) -> None:
        order = self._order()[0]
        v = np.asarray(value, dtype=np.float64)
        if v.shape != order.shape:
            raise ValueError(f"data must have shape {order.shape}, not {v.shape}")
        self._p().data[order] = v


class Network:
    """``Network(*objects)``: populations and projections, in the order given.

    Inputs enter through projections from ``"input"`` (``n_in`` is their
    source size; at least one is required). ``populations``/``projections``:
    lists of the compat objects; ``inner``: our :class:`~.network.Network`.
    """

    def __init__(self, *objects: Population | Projection) -> None:
        pops = [o for o in objects if isinstance(o, Population)]
        projs = [o for o in objects if isinstance(o, Projection)]
        other = [o for o in objects if not isinstance(o, Population | Projection)]
        if other:
            raise TypeError(f"objects must be Population or Projection, not {other[0]!r}")
        if not pops:
            raise ValueError("Network needs at least one Population")
        n_ins = set()
        for p in projs:
            if p.source == INPUT:
                n_ins.add(p.weight.shape[1] if p.weight is not None else int(p.n_source or 0))
            for end in (p.source, p.target):
                if isinstance(end, Population) and end not in pops:
                    raise ValueError("a Projection joins a Population that is not in the Network")
        if len(n_ins) != 1:
            raise ValueError(
                "Network needs projections from 'input' of one size (inputs enter through "
                f"Projection('input', pop, weight)); found sizes {sorted(n_ins)}"
            )
        self.inner = _Network(n_ins.pop())
        for k, pop in enumerate(pops):
            pop.name = pop.name or f"pop{k}"
            self.inner.add_population(pop.name, pop.n, **pop.params)
            pop.network = self.inner
        for p in projs:
            src = INPUT if p.source == INPUT else p.source.name  # type: ignore[union-attr]
            tgt = p.target.name
            assert tgt is not None and src is not None
            if p.weight is None:
                p.inner = self.inner.connect(src, tgt, density=p.density, rng=p.rng)
            else:
                p.inner = self.inner.connect(src, tgt, p.weight)
        self.populations = pops
        self.projections = projs

    def run(self, inputs: object) -> Any:
        """:meth:`~.network.Network.run` of the inner network."""
        return self.inner.run(inputs)


def _inner(network: object) -> _Network:
    if isinstance(network, Network):
        return network.inner
    if isinstance(network, _Network):
        return network
    raise TypeError(f"network must be a Network, not {type(network).__name__}")


# --------------------------------------------------------------------------
# learners
# --------------------------------------------------------------------------


class BPTTLearner(_bptt.BPTTLearner):
    """``BPTTLearner(network, loss_fn, lr=1e-3)``; ``train_step(inputs, targets) -> float``."""

    def __init__(self, network: object, loss_fn: object, lr: float = 1e-3) -> None:
        super().__init__(_inner(network), loss_fn, lr, optimizer="sgd")


class TBPTTLearner(_bptt.TBPTTLearner):
    """``TBPTTLearner(network, loss_fn, lr=1e-3, k=50)``; ``train_step`` returns the summed loss."""

    def __init__(self, network: object, loss_fn: object, lr: float = 1e-3, k: int = 50) -> None:
        super().__init__(_inner(network), loss_fn, lr, k, optimizer="sgd")

    def train_step(self, inputs: object, targets: object) -> float:
        """Windows of ``k`` steps, state carried; the sum of the window losses (documented)."""
        x, tg = self._prepare(inputs, targets)
        state = None
        total = 0.0
        for t0 in range(0, x.shape[0], self.k):
            t1 = min(t0 + self.k, x.shape[0])
            tw = tg if isinstance(tg, np.ndarray) and tg.ndim <= 1 else tg[t0:t1]  # type: ignore[index]
            loss, grads, tr = self._window(x[t0:t1], tw, state)
            self._apply(grads)
            state = tr.final
            total += loss
        return total


class EligibilityTrace(_eprop.EligibilityTrace):
    """``EligibilityTrace(tau_e=20.0, dt=1.0)``; ``update(pre, post, error) -> (n_pre, n_post)``."""

    def __init__(self, tau_e: float = 20.0, dt: float = 1.0) -> None:
        super().__init__(tau_e, dt)

    def update(self, pre_spike: object, post_spike: object, error_signal: object) -> np.ndarray:
        """This step's weight term, ``(n_pre, n_post)`` (ours transposed)."""
        return super().update(pre_spike, post_spike, error_signal).T


class RewardModulatedLearner(_reward.RewardModulatedLearner):
    """``RewardModulatedLearner(network, tau_reward=100.0)``; ``step(reward)``."""

    def __init__(self, network: object, tau_reward: float = 100.0) -> None:
        super().__init__(_inner(network), tau_reward)


class MetaLearner:
    """``MetaLearner(network, inner_lr=0.01, outer_lr=0.001)``: ``inner_loop``, ``outer_step``."""

    def __init__(self, network: object, inner_lr: float = 0.01, outer_lr: float = 0.001) -> None:
        self.network = _inner(network)
        self.inner_lr, self.outer_lr = inner_lr, outer_lr
        self._reptile = _meta.Reptile(self.network, inner_lr, outer_lr, n_steps=5)

    @staticmethod
    def _task(where: str, task: object) -> tuple[object, object, object, object]:
        if not isinstance(task, Sequence) or isinstance(task, str) or len(task) != 2:
            raise ValueError(f"{where} must be a pair (inputs, targets), not {task!r:.60}")
        return (task[0], task[1], task[0], task[1])

    def inner_loop(self, task_data: object, n_steps: int = 5) -> None:
        """``n_steps`` BPTT gradient steps (``inner_lr``) on ``task_data``, in place."""
        self._reptile.adapt(self._task("task_data", task_data), n_steps)

    def outer_step(self, tasks: object) -> None:
        """Reptile: ``theta += outer_lr * mean(phi_task - theta)``, 5 inner steps per task."""
        if not isinstance(tasks, Sequence) or isinstance(tasks, str):
            raise TypeError(
                f"tasks must be a list of (inputs, targets), not {type(tasks).__name__}"
            )
        self._reptile.outer_step([self._task(f"tasks[{i}]", t) for i, t in enumerate(tasks)])


class HomeostaticPlasticity(_homeostatic.HomeostaticPlasticity):
    """``HomeostaticPlasticity(target_rate=10.0, tau=1000.0)``; ``update(population)``.

    ``target_rate`` in Hz and ``tau`` in ms with a 1 ms network step (as documented).
    """

    def __init__(self, target_rate: float = 10.0, tau: float = 1000.0) -> None:
        super().__init__(float(target_rate) * 1e-3, tau, dt=1.0)

    def update(self, population: object, spikes: object = None, network: object = None) -> Any:
        """Scale the incoming weights of ``population`` (its spikes of the last step)."""
        if isinstance(population, Population):
            return super().update(population.name, population.inner.spikes[None],  # type: ignore[arg-type]
                                  population.network)
        return super().update(population, spikes, network)  # type: ignore[arg-type]


class ShortTermPlasticity:
    """``ShortTermPlasticity(tau_d=200.0, tau_f=600.0, u_se=0.2)``; ``update(pre_spikes)``."""

    def __init__(self, tau_d: float = 200.0, tau_f: float = 600.0, u_se: float = 0.2) -> None:
        self.tau_d, self.tau_f, self.u_se = tau_d, tau_f, u_se
        _stp.ShortTermPlasticity(tau_d, tau_f, u_se)  # validate now
        self._stp: _stp.ShortTermPlasticity | None = None

    def update(self, pre_spikes: object) -> np.ndarray:
        """Efficacy ``u+ x-`` per presynaptic neuron ``(n_pre,)`` (0 where no spike)."""
        s = np.asarray(pre_spikes)
        if s.ndim != 1:
            raise ValueError(f"pre_spikes must have shape (n_pre,), not {s.shape}")
        if s.dtype.kind == "f" and np.isin(s, (0.0, 1.0)).all():
            s = s.astype(np.uint8)  # 0.0/1.0 spikes, as the documented code takes them
        if self._stp is None:
            self._stp = _stp.ShortTermPlasticity(self.tau_d, self.tau_f, self.u_se, shape=s.shape)
        return self._stp.step(s)


class StructuralPlasticity(_structural.StructuralPlasticity):
    """``StructuralPlasticity(growth_rate=0.001, prune_threshold=0.01)``; ``update(projection)``."""

    def __init__(
        self,
        growth_rate: float = 0.001,
        prune_threshold: float = 0.01,
        rng: np.random.Generator | int | None = None,
    ) -> None:
        super().__init__(growth_rate, prune_threshold, rng)

    def update(self, projection: object, pre: object = None, post: object = None) -> Any:
        """Prune/grow; activities default to the last step's spikes (input: all active)."""
        if isinstance(projection, Projection):
            src, tgt = projection.source, projection.target
            if pre is None:
                pre = src.spikes if isinstance(src, Population) else np.ones(
                    projection._p().n_source)
            if post is None:
                post = tgt.spikes
            return super().update(projection._p(), pre, post)
        return super().update(projection, pre, post)  # type: ignore[arg-type]


class FederatedAggregator:
    """The documented static calls ``aggregate_gradients(list)`` and ``secure_sum_protocol(list)``.

    The full protocol (clients, dropouts, several rounds) is
    :class:`sc_model.learning.federated.FederatedAggregator`.
    """

    @staticmethod
    def aggregate_gradients(client_gradients: Sequence[np.ndarray]) -> np.ndarray:
        """Majority vote of the clients' bitstreams (a tie gives 0, as documented); ``uint8``."""
        if not isinstance(client_gradients, Sequence | np.ndarray) or len(client_gradients) == 0:
            raise ValueError("No gradients to aggregate")
        return _federated.majority_vote(list(client_gradients), tie="zero")

    @staticmethod
    def secure_sum_protocol(
        client_gradients: Sequence[np.ndarray], rng: np.random.Generator | int | None = None
    ) -> np.ndarray:
        """The sum of the clients' arrays by pairwise-masked secure aggregation.

        Each client masks its update; the server adds the masked vectors and
        removes the masks (it never sees one update). Integer inputs give the
        exact integer sum (``int64``), float inputs the sum up to the 2**-16
        fixed point. At least 2 clients.
        """
        arrays = [np.asarray(g) for g in client_gradients]
        if len(arrays) < 2:
            raise ValueError(f"client_gradients must hold at least 2 clients, not {len(arrays)}")
        shape = arrays[0].shape
        if any(a.shape != shape for a in arrays):
            raise ValueError("client_gradients must all have the same shape")
        flat = [a.reshape(-1).astype(np.float64) for a in arrays]
        agg = _federated.FederatedAggregator(len(flat), flat[0].size, rng=rng)
        masked = {c.client_id: c.mask(u) for c, u in zip(agg.clients, flat, strict=True)}
        total = agg.secure_sum(masked).reshape(shape)
        if all(np.issubdtype(a.dtype, np.integer) or a.dtype == np.bool_ for a in arrays):
            return np.rint(total).astype(np.int64)
        return total


@dataclass
class EWC_SCLayer:  # noqa: N801 (the documented name)
    """``EWC_SCLayer(n_inputs, n_neurons, ewc_lambda=10.0)``: one LIF layer with EWC.

    ``train_step(inputs, targets)`` trains it (BPTT, our :class:`~.ewc.EWCLearner`)
    and remembers the task's data; ``consolidate_task()`` computes the Fisher
    information of that data; ``apply_ewc_penalty(step_size=0.01) -> float``;
    ``get_weights() -> (n_neurons, n_inputs)``.
    """

    n_inputs: int
    n_neurons: int
    ewc_lambda: float = 10.0
    lr: float = 0.01
    seed: int = 0
    tau: float = 20.0
    threshold: float = 1.0
    _task: list[tuple[np.ndarray, np.ndarray]] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        net = _Network(self.n_inputs)
        net.add_population("out", self.n_neurons, tau=self.tau, threshold=self.threshold)
        net.connect(INPUT, "out", rng=self.seed)
        self.network = net
        self.learner = _ewc.EWCLearner(net, self.ewc_lambda, lr=self.lr)

    def get_weights(self) -> np.ndarray:
        """Weights ``(n_neurons, n_inputs)``."""
        return self.network.projections[0].to_dense()

    def train_step(self, inputs: object, targets: object) -> float:
        """One step on the current task (loss + penalty of earlier tasks); data remembered."""
        self._task.append((np.asarray(inputs), np.asarray(targets)))
        return self.learner.train_step(inputs, targets)

    def consolidate_task(self, inputs: object = None, targets: object = None) -> None:
        """Fisher information and anchor of the task just trained (its data, or the given)."""
        if inputs is None:
            if not self._task:
                raise ValueError(
                    "consolidate_task() needs the task's data: call train_step(inputs, targets) "
                    "first or pass consolidate_task(inputs, targets)"
                )
            inputs = np.concatenate([x if x.ndim == 3 else x[:, None] for x, _ in self._task], 1)
            targets = np.concatenate([y if y.ndim == 3 else y[:, None] for _, y in self._task], 1)
        self.learner.consolidate_task(inputs, targets)
        self._task.clear()

    def apply_ewc_penalty(self, step_size: float = 0.01) -> float:
        """One step down the penalty's gradient; returns the penalty before it."""
        before = self.learner.penalty()
        self.learner.apply_ewc_penalty(step_size)
        return float(before)


class SNNGeneticEvolver:
    """``SNNGeneticEvolver(layer_factory, fitness_func)``; ``evolve(generations)`` -> best.

    Individuals are ``layer_factory()`` objects with a ``weights`` array; the
    genome is ``weights`` flattened. Class attributes as documented.
    """

    population_size: ClassVar[int] = 20
    mutation_rate: ClassVar[float] = 0.05
    elite_fraction: ClassVar[float] = 0.2

    def __init__(
        self,
        layer_factory: Callable[[], Any],
        fitness_func: Callable[[Any], float],
        rng: np.random.Generator | int | None = None,
    ) -> None:
        if not callable(layer_factory) or not callable(fitness_func):
            raise TypeError("layer_factory and fitness_func must be callable")
        probe = layer_factory()
        if not hasattr(probe, "weights"):
            raise TypeError(
                f"layer_factory() must return objects with a 'weights' array, not {probe!r:.60}"
            )
        self.layer_factory, self.fitness_func = layer_factory, fitness_func
        self.shape = np.shape(probe.weights)

        def factory(_rng: np.random.Generator) -> np.ndarray:
            return np.asarray(layer_factory().weights, dtype=np.float64).reshape(-1)

        self._ga = _evolution.SNNGeneticEvolver(
            factory, lambda g: float(fitness_func(self._individual(g))),
            self.population_size, self.mutation_rate, self.elite_fraction, rng,
        )

    def _individual(self, genome: np.ndarray) -> Any:
        ind = self.layer_factory()
        ind.weights = np.asarray(genome, dtype=np.float64).reshape(self.shape).copy()
        return ind

    @property
    def population(self) -> list[Any]:
        """The current individuals."""
        return [self._individual(g) for g in self._ga.population]

    def evolve(self, generations: int) -> Any:
        """Run ``generations``; the best individual so far."""
        if isinstance(generations, bool) or not isinstance(generations, numbers.Integral):
            raise TypeError(f"generations must be an int, not {generations!r}")
        return self._individual(self._ga.evolve(int(generations)))
