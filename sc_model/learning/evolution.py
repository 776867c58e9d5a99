"""Neuroevolution: a genetic algorithm over flat parameter vectors of spiking networks.

Genomes
-------
A genome is a 1-D ``float64`` array of fixed length ``L``. ``factory(rng)``
returns a fresh random genome (``rng`` is the evolver's
``numpy.random.Generator``); ``fitness(genome) -> float`` scores it, larger is
better. To evolve a network, flatten its parameter arrays with
:func:`flatten_parameters` (e.g. ``Network.parameters()`` of
:mod:`sc_model.learning.network`, or any list of arrays: duck typing only) and
write a genome back into the arrays, in place, with
:func:`assign_parameters` inside ``fitness``.

Parallel evaluation
-------------------
Fitness values are computed with ``executor.map(fitness, genomes)`` for any
:class:`concurrent.futures.Executor` (``ThreadPoolExecutor``,
``ProcessPoolExecutor``, a Dask ``distributed.Client.get_executor()``, Ray's
executor...), or serially with the built-in ``map`` when ``executor`` is None.
``fitness`` must therefore be picklable for process or cluster executors (a
module-level function or a ``functools.partial`` of one, not a lambda) and
*deterministic*: a noisy fitness must draw its noise from a seed it owns (e.g.
fixed input spike trains). Every random decision (initialisation, selection,
crossover, mutation) is drawn from ``rng`` in the calling thread, and
``map`` returns results in order, so a run is reproducible from ``rng``
whatever the executor.

One generation (population size ``N``, ``E`` elites)
----------------------------------------------------
1. *Elitism*: the ``E = ceil(elite_fraction * N)`` fittest genomes (ties
   broken by index, stable sort) are copied unchanged, with their known
   fitness (not re-evaluated).
2. *Tournament selection*: for each of the ``N - E`` children two parents are
   chosen, each the fittest of ``tournament_size`` genomes drawn uniformly
   *with replacement* (ties: the first drawn). The genome of fitness rank
   ``r`` (1 = best, distinct fitnesses) wins a tournament with probability
   ``((N - r + 1)**k - (N - r)**k) / N**k``.
3. *Uniform crossover*: with probability ``crossover_rate`` a child takes each
   gene from either parent with probability 1/2; otherwise it copies the
   first parent.
4. *Gaussian mutation*: each gene of each child independently, with
   probability ``mutation_rate``, gets ``+ N(0, mutation_scale**2)``.
5. The children are evaluated (in parallel); the next population is
   ``elites + children``.

:meth:`SNNGeneticEvolver.evolve` ``(generations)`` runs that many generations
(after evaluating the initial population on the first call; later calls
continue) and returns the best genome ever evaluated. ``history`` holds one
``(best, mean)`` fitness pair per evaluated population (initial one first).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Executor

import numpy as np

from .._validate import check_int

__all__ = ["SNNGeneticEvolver", "assign_parameters", "flatten_parameters"]


def _fraction(name: str, value: object, *, closed_high: bool = True) -> float:
    if isinstance(value, bool):
        raise TypeError(f"{name} must be a number, not {value!r}")
    try:
        v = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a number, not {value!r}") from None
    ok = 0.0 <= v <= 1.0 if closed_high else 0.0 <= v < 1.0
    if not ok:
        raise ValueError(f"{name} must be in [0, 1{']' if closed_high else ')'}, not {value!r}")
    return v


def flatten_parameters(params: Iterable[np.ndarray]) -> np.ndarray:
    """Concatenate parameter arrays (e.g. ``Network.parameters()``) into one float64 genome."""
    arrays = [np.asarray(p, dtype=np.float64).ravel() for p in params]
    if not arrays:
        raise ValueError("params must hold at least one array; got none")
    return np.concatenate(arrays)


def assign_parameters(params: Sequence[np.ndarray], genome: np.ndarray) -> None:
    """Write ``genome`` back into ``params`` in place (inverse of :func:`flatten_parameters`)."""
    g = np.asarray(genome, dtype=np.float64)
    total = sum(int(np.size(p)) for p in params)
    if g.ndim != 1 or g.size != total:
        raise ValueError(f"genome must be 1-D of length {total}, not shape {g.shape}")
    pos = 0
    for p in params:
        n = p.size
        p[...] = g[pos : pos + n].reshape(p.shape)
        pos += n


class SNNGeneticEvolver:
    """Genetic algorithm with elitism, tournaments, uniform crossover, Gaussian mutation.

    Parameters (module docstring): ``factory(rng) -> genome``,
    ``fitness(genome) -> float`` (higher is better), ``population_size``
    (>= 2), ``mutation_rate`` (per-gene probability in [0, 1]),
    ``elite_fraction`` (in [0, 1); at least one elite when > 0, at most
    ``N - 1``), ``rng`` (``numpy.random.Generator`` or int seed);
    keyword-only ``mutation_scale`` (> 0, standard deviation of a mutation, in
    genome units), ``tournament_size`` (1 .. ``N``; 1 = no selection
    pressure), ``crossover_rate`` (in [0, 1]), ``executor``
    (``concurrent.futures.Executor`` or None for serial evaluation).

    Attributes: ``population`` (``N x L``), ``fitnesses`` (``N``, after the
    first evaluation), ``generation`` (number of reproductions done),
    ``history`` (list of ``(best, mean)``), ``best_genome``, ``best_fitness``,
    ``evaluations`` (fitness calls so far).
    """

    def __init__(
        self,
        factory: Callable[[np.random.Generator], np.ndarray],
        fitness: Callable[[np.ndarray], float],
        population_size: int,
        mutation_rate: float,
        elite_fraction: float,
        rng: np.random.Generator | int | None = None,
        *,
        mutation_scale: float = 0.1,
        tournament_size: int = 3,
        crossover_rate: float = 1.0,
        executor: Executor | None = None,
    ) -> None:
        if not callable(factory):
            raise TypeError(f"factory must be callable, not {factory!r}")
        if not callable(fitness):
            raise TypeError(f"fitness must be callable, not {fitness!r}")
        self.factory, self.fitness = factory, fitness
        self.population_size = check_int("population_size", population_size, 2)
        self.mutation_rate = _fraction("mutation_rate", mutation_rate)
        self.elite_fraction = _fraction("elite_fraction", elite_fraction, closed_high=False)
        self.crossover_rate = _fraction("crossover_rate", crossover_rate)
        self.tournament_size = check_int("tournament_size", tournament_size, 1, population_size)
        if isinstance(mutation_scale, bool) or not (
            isinstance(mutation_scale, int | float) and math.isfinite(mutation_scale)
            and mutation_scale > 0
        ):
            raise ValueError(f"mutation_scale must be > 0 and finite, not {mutation_scale!r}")
        self.mutation_scale = float(mutation_scale)
        if executor is not None and not isinstance(executor, Executor):
            if not callable(getattr(executor, "map", None)):
                raise TypeError(f"executor must be a concurrent.futures.Executor, not {executor!r}")
        self.executor = executor
        if rng is None or isinstance(rng, int | np.integer):
            rng = np.random.default_rng(rng)
        elif not isinstance(rng, np.random.Generator):
            raise TypeError(f"rng must be a numpy Generator or an int seed, not {rng!r}")
        self.rng = rng
        n = self.population_size
        self.n_elite = min(math.ceil(self.elite_fraction * n), n - 1)

        genomes = [np.asarray(factory(rng), dtype=np.float64) for _ in range(n)]
        shapes = {g.shape for g in genomes}
        if len(shapes) != 1 or genomes[0].ndim != 1 or genomes[0].size == 0:
            raise ValueError(
                f"factory must return non-empty 1-D genomes of one length; got shapes "
                f"{sorted(shapes)}"
            )
        self.population = np.stack(genomes)
        if not np.all(np.isfinite(self.population)):
            raise ValueError("factory returned a genome with NaN or inf")
        self.fitnesses: np.ndarray | None = None
        self.generation = 0
        self.evaluations = 0
        self.history: list[tuple[float, float]] = []
        self.best_genome: np.ndarray | None = None
        self.best_fitness = -math.inf

    # -- evaluation --------------------------------------------------------

    def _evaluate(self, genomes: np.ndarray) -> np.ndarray:
        rows = [g.copy() for g in genomes]  # the fitness may not alter the population
        mapper = map if self.executor is None else self.executor.map
        values = np.array([float(v) for v in mapper(self.fitness, rows)], dtype=np.float64)
        bad = ~np.isfinite(values)
        if bad.any():
            i = int(np.argmax(bad))
            raise ValueError(
                f"fitness returned {float(values[i])!r} for genome {i}; it must be finite"
            )
        self.evaluations += len(rows)
        return values

    def _record(self) -> None:
        assert self.fitnesses is not None
        i = int(np.argmax(self.fitnesses))
        if self.fitnesses[i] > self.best_fitness:
            self.best_fitness = float(self.fitnesses[i])
            self.best_genome = self.population[i].copy()
        self.history.append((float(self.fitnesses.max()), float(self.fitnesses.mean())))

    # -- reproduction ------------------------------------------------------

    def _tournament(self, count: int) -> np.ndarray:
        assert self.fitnesses is not None
        n, k = self.population_size, self.tournament_size
        contestants = self.rng.integers(0, n, (count, k))
        return contestants[np.arange(count), np.argmax(self.fitnesses[contestants], axis=1)]

    def _reproduce(self) -> None:
        assert self.fitnesses is not None
        rng, pop = self.rng, self.population
        n, length = pop.shape
        n_child = n - self.n_elite
        order = np.argsort(-self.fitnesses, kind="stable")
        elite = order[: self.n_elite]
        parents = self._tournament(2 * n_child).reshape(n_child, 2)
        first, second = pop[parents[:, 0]], pop[parents[:, 1]]
        cross = rng.random(n_child) < self.crossover_rate
        take_second = (rng.random((n_child, length)) < 0.5) & cross[:, None]
        children = np.where(take_second, second, first)
        mutate = rng.random((n_child, length)) < self.mutation_rate
        children = children + mutate * rng.normal(0.0, self.mutation_scale, (n_child, length))
        child_fit = self._evaluate(children)
        self.population = np.concatenate([pop[elite], children])
        self.fitnesses = np.concatenate([self.fitnesses[elite], child_fit])
        self.generation += 1

    def evolve(self, generations: int) -> np.ndarray:
        """Run ``generations`` (>= 1) generations; return (a copy of) the best genome so far."""
        generations = check_int("generations", generations, 1)
        if self.fitnesses is None:
            self.fitnesses = self._evaluate(self.population)
            self._record()
        for _ in range(generations):
            self._reproduce()
            self._record()
        assert self.best_genome is not None
        return self.best_genome.copy()
