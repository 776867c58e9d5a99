"""sc_model.learning.evolution: genetic algorithm for spiking-network weights.

Behaviour checked: the tournament-selection closed form, the mutation
statistics, elitism, that crossover only recombines parents' genes,
reproducibility across executors (serial, threads, processes), and that the
weights of a small spiking network evolve to solve rate-coded XOR (checked on
fresh spike trains the evolution never saw).
"""

from __future__ import annotations

import math
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

import numpy as np
import pytest

from sc_model.learning.evolution import (
    SNNGeneticEvolver,
    assign_parameters,
    flatten_parameters,
)

# ---------------------------------------------------------------------------
# A small spiking network and the rate-coded XOR task (module level: picklable)
# ---------------------------------------------------------------------------

T_STEPS, HIDDEN, TRIALS = 30, 4, 4
PATTERNS = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])
XOR = np.array([0, 1, 1, 0])
RATE_ON, RATE_OFF, TARGET_RATE = 0.9, 0.05, 0.6
GENOME_LENGTH = HIDDEN * 3 + HIDDEN + 1


def xor_inputs(seed: int, trials: int = TRIALS) -> np.ndarray:
    """Bernoulli spike trains ``[T, 4 * trials, 3]``: two rate-coded inputs and a bias of ones."""
    rng = np.random.default_rng(seed)
    p = np.where(np.repeat(PATTERNS, trials, axis=0) == 1, RATE_ON, RATE_OFF)
    s = (rng.random((T_STEPS, *p.shape)) < p).astype(float)
    return np.concatenate([s, np.ones((T_STEPS, p.shape[0], 1))], axis=2)


TRAIN_INPUTS = xor_inputs(seed=1)


def snn_output_rate(genome: np.ndarray, x: np.ndarray) -> np.ndarray:
    """3 inputs -> 4 LIF -> 1 LIF (beta 0.8, threshold 1, subtract reset); output spike rate."""
    w1 = genome[: 3 * HIDDEN].reshape(HIDDEN, 3)
    w2 = genome[3 * HIDDEN :].reshape(1, HIDDEN + 1)  # last column: bias
    batch = x.shape[1]
    v1, s1 = np.zeros((batch, HIDDEN)), np.zeros((batch, HIDDEN))
    v2, s2 = np.zeros((batch, 1)), np.zeros((batch, 1))
    count = np.zeros(batch)
    for t in range(len(x)):
        v1 = 0.8 * v1 + x[t] @ w1.T - s1
        s1 = (v1 >= 1.0).astype(float)
        v2 = 0.8 * v2 + np.concatenate([s1, np.ones((batch, 1))], axis=1) @ w2.T - s2
        s2 = (v2 >= 1.0).astype(float)
        count += s2[:, 0]
    return count / len(x)


def xor_fitness(genome: np.ndarray) -> float:
    """Minus the mean squared error of the output rate (target 0.6 for XOR = 1, else 0)."""
    rate = snn_output_rate(genome, TRAIN_INPUTS)
    return -float(np.mean((rate - TARGET_RATE * np.repeat(XOR, TRIALS)) ** 2))


def xor_factory(rng: np.random.Generator) -> np.ndarray:
    return rng.normal(0.0, 0.5, GENOME_LENGTH)


def sphere_fitness(genome: np.ndarray) -> float:
    return -float(np.sum((genome - 1.5) ** 2))


def sphere_factory(rng: np.random.Generator) -> np.ndarray:
    return rng.uniform(-3, 3, 6)


def first_gene(genome: np.ndarray) -> float:
    return float(genome[0])


# ---------------------------------------------------------------------------
# The task
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [0, 1])
def test_evolution_solves_rate_coded_xor_with_a_spiking_network(seed: int) -> None:
    ev = SNNGeneticEvolver(
        xor_factory, xor_fitness, population_size=60, mutation_rate=0.2, elite_fraction=0.1,
        rng=seed, mutation_scale=0.3,
    )
    best = ev.evolve(40)
    first_best, first_mean = ev.history[0]
    # a constant output rate of 0.3 scores -0.09: the initial population is no better
    assert first_best < -0.05, f"seed={seed}"
    assert ev.best_fitness > -0.01, f"seed={seed}: {ev.history[-1]}"
    assert ev.history[-1][1] > first_mean + 0.1, f"seed={seed}"
    assert ev.evaluations == 60 + 40 * (60 - 6)
    # generalisation: fresh spike trains, 25 trials per pattern
    rates = snn_output_rate(best, xor_inputs(seed=1000 + seed, trials=25)).reshape(4, 25)
    mean = rates.mean(axis=1)
    assert np.all((mean > 0.3) == XOR.astype(bool)), f"seed={seed}: rates {mean}"
    assert mean[XOR == 1].min() - mean[XOR == 0].max() > 0.4, f"seed={seed}: rates {mean}"
    assert np.mean((rates > 0.3) == XOR[:, None].astype(bool)) > 0.97, f"seed={seed}"


def test_elitism_keeps_the_best_and_history_is_monotone() -> None:
    ev = SNNGeneticEvolver(sphere_factory, sphere_fitness, 30, 0.3, 0.1, rng=3)
    ev.evolve(1)
    for _ in range(20):
        order = np.argsort(-ev.fitnesses, kind="stable")[: ev.n_elite]
        elites = ev.population[order].copy()
        ev.evolve(1)
        np.testing.assert_array_equal(ev.population[: ev.n_elite], elites)
    best = [b for b, _ in ev.history]
    assert all(b2 >= b1 for b1, b2 in zip(best, best[1:], strict=False))
    np.testing.assert_allclose(ev.best_genome, 1.5, atol=0.5)
    assert ev.best_fitness == max(best) == sphere_fitness(ev.best_genome)


# ---------------------------------------------------------------------------
# Operators against closed forms
# ---------------------------------------------------------------------------


def test_tournament_selection_matches_its_closed_form() -> None:
    # no elites, no crossover, no mutation: each child is a copy of its first
    # parent, the winner of a k-tournament with replacement. P(winner in the top
    # m of N) = 1 - ((N - m) / N)**k.
    seed = 12
    n, k, top = 1000, 3, 100
    ev = SNNGeneticEvolver(
        lambda rng: rng.random(1), first_gene, n, 0.0, 0.0, rng=seed,
        tournament_size=k, crossover_rate=0.0,
    )
    ev.evolve(1)
    # the first population is gone; rebuild what it was from the same seed
    rng = np.random.default_rng(seed)
    parents = np.array([rng.random(1)[0] for _ in range(n)])
    threshold = np.sort(parents)[-top]
    assert set(ev.population[:, 0]) <= set(parents)
    hits = int(np.sum(ev.population[:, 0] >= threshold))
    p = 1 - ((n - top) / n) ** k
    assert abs(hits - n * p) < 5 * math.sqrt(n * p * (1 - p)), f"seed={seed}: {hits}"
    # tournament size 1: no selection pressure
    ev1 = SNNGeneticEvolver(
        lambda rng: rng.random(1), first_gene, n, 0.0, 0.0, rng=seed,
        tournament_size=1, crossover_rate=0.0,
    )
    ev1.evolve(1)
    hits1 = int(np.sum(ev1.population[:, 0] >= threshold))
    assert abs(hits1 - top) < 5 * math.sqrt(top * 0.9), f"seed={seed}: {hits1}"


def test_mutation_rate_and_scale() -> None:
    seed = 21
    n, length, rate, scale = 200, 50, 0.15, 0.4
    ev = SNNGeneticEvolver(
        lambda rng: np.zeros(length), sphere_fitness_any, n, rate, 0.0, rng=seed,
        mutation_scale=scale,
    )
    ev.evolve(1)
    changed = ev.population != 0
    m = changed.size
    assert abs(changed.sum() - m * rate) < 5 * math.sqrt(m * rate * (1 - rate)), f"seed={seed}"
    steps = ev.population[changed]
    assert abs(steps.std() - scale) < 0.05 * scale + 5 * scale / math.sqrt(2 * steps.size)
    assert abs(steps.mean()) < 5 * scale / math.sqrt(steps.size)


def sphere_fitness_any(genome: np.ndarray) -> float:
    return -float(np.sum(genome**2))


def test_crossover_only_recombines_parent_genes() -> None:
    # without mutation every gene of every child is that gene of some parent
    ev = SNNGeneticEvolver(sphere_factory, sphere_fitness, 40, 0.0, 0.0, rng=5)
    ev.evolve(1)
    rng = np.random.default_rng(5)
    parents = np.stack([sphere_factory(rng) for _ in range(40)])
    for child in ev.population:
        assert all(child[g] in parents[:, g] for g in range(child.size))
    mixed = [not any(np.array_equal(c, p) for p in parents) for c in ev.population]
    assert sum(mixed) > 20  # crossover actually mixes


# ---------------------------------------------------------------------------
# Executors and reproducibility
# ---------------------------------------------------------------------------


def run_sphere(executor=None) -> tuple[np.ndarray, list[tuple[float, float]]]:
    ev = SNNGeneticEvolver(
        sphere_factory, sphere_fitness, 24, 0.2, 0.1, rng=np.random.default_rng(8),
        executor=executor,
    )
    return ev.evolve(6), ev.history


def test_same_rng_same_result_with_serial_threads_and_processes() -> None:
    serial = run_sphere()
    with ThreadPoolExecutor(max_workers=2) as pool:
        threads = run_sphere(pool)
    with ProcessPoolExecutor(max_workers=2) as pool:
        processes = run_sphere(pool)
    for other in (threads, processes):
        np.testing.assert_array_equal(other[0], serial[0])
        assert other[1] == serial[1]
    # and the XOR fitness through threads equals the serial run
    runs = []
    for pool in (None, ThreadPoolExecutor(max_workers=2)):
        ev = SNNGeneticEvolver(xor_factory, xor_fitness, 16, 0.2, 0.1, rng=4, executor=pool)
        runs.append((ev.evolve(3), ev.history))
        if pool is not None:
            pool.shutdown()
    np.testing.assert_array_equal(runs[0][0], runs[1][0])
    assert runs[0][1] == runs[1][1]


def test_evolve_continues_where_it_stopped() -> None:
    a = SNNGeneticEvolver(sphere_factory, sphere_fitness, 20, 0.2, 0.1, rng=2)
    a.evolve(3)
    best_a = a.evolve(4)
    b = SNNGeneticEvolver(sphere_factory, sphere_fitness, 20, 0.2, 0.1, rng=2)
    best_b = b.evolve(7)
    np.testing.assert_array_equal(best_a, best_b)
    assert a.history == b.history and len(a.history) == 8 and a.generation == 7


# ---------------------------------------------------------------------------
# Network parameters (duck typing) and bad input
# ---------------------------------------------------------------------------


def test_flatten_and_assign_parameters_round_trip_in_place() -> None:
    params = [np.arange(6.0).reshape(2, 3), np.array([10.0, 11.0])]
    views = list(params)
    g = flatten_parameters(params)
    np.testing.assert_array_equal(g, [0, 1, 2, 3, 4, 5, 10, 11])
    assign_parameters(params, -g)
    assert views[0] is params[0]
    np.testing.assert_array_equal(params[0], -np.arange(6.0).reshape(2, 3))
    np.testing.assert_array_equal(params[1], [-10, -11])
    with pytest.raises(ValueError, match="genome must be 1-D of length 8"):
        assign_parameters(params, np.zeros(7))
    with pytest.raises(ValueError, match="params must hold at least one array"):
        flatten_parameters([])


@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        ({"population_size": 0}, ValueError, "population_size must be in \\[2, inf\\], not 0"),
        ({"population_size": 1}, ValueError, "population_size must be in"),
        ({"mutation_rate": -0.1}, ValueError, "mutation_rate must be in \\[0, 1\\]"),
        ({"mutation_rate": 1.5}, ValueError, "mutation_rate must be in"),
        ({"elite_fraction": 1.0}, ValueError, "elite_fraction must be in \\[0, 1\\)"),
        ({"crossover_rate": 2}, ValueError, "crossover_rate must be in"),
        ({"tournament_size": 0}, ValueError, "tournament_size must be in \\[1, 10\\]"),
        ({"tournament_size": 11}, ValueError, "tournament_size must be in"),
        ({"mutation_scale": 0.0}, ValueError, "mutation_scale must be > 0"),
        ({"factory": 3}, TypeError, "factory must be callable"),
        ({"fitness": None}, TypeError, "fitness must be callable"),
        ({"rng": "x"}, TypeError, "rng must be"),
        ({"executor": object()}, TypeError, "executor must be"),
        ({"factory": lambda rng: np.zeros((2, 2))}, ValueError, "factory must return non-empty"),
        ({"factory": lambda rng: np.zeros(0)}, ValueError, "factory must return non-empty"),
        ({"factory": lambda rng: np.full(3, np.nan)}, ValueError, "NaN or inf"),
    ],
)
def test_bad_parameters_are_refused_by_name(kwargs, exc, match) -> None:
    params = {
        "factory": sphere_factory, "fitness": sphere_fitness, "population_size": 10,
        "mutation_rate": 0.1, "elite_fraction": 0.1, "rng": 0,
    } | kwargs
    with pytest.raises(exc, match=match):
        SNNGeneticEvolver(**params)


def test_bad_generations_and_fitness_values_are_refused() -> None:
    ev = SNNGeneticEvolver(sphere_factory, sphere_fitness, 10, 0.1, 0.1, rng=0)
    with pytest.raises(ValueError, match="generations must be in \\[1, inf\\], not 0"):
        ev.evolve(0)
    sizes = iter([3, 3, 4])
    with pytest.raises(ValueError, match="factory must return .* one length"):
        SNNGeneticEvolver(lambda rng: np.zeros(next(sizes)), sphere_fitness, 3, 0.1, 0.0)
    bad = SNNGeneticEvolver(sphere_factory, lambda g: float("nan"), 10, 0.1, 0.1, rng=0)
    with pytest.raises(ValueError, match="fitness returned nan for genome 0"):
        bad.evolve(1)


def test_docs_example_runs() -> None:
    """The '## SNNGeneticEvolver' example of docs/learning_federated_evolution_stp.md runs."""
    import re
    from pathlib import Path

    doc = Path(__file__).resolve().parents[2] / "docs" / "learning_federated_evolution_stp.md"
    section = doc.read_text().split("## SNNGeneticEvolver\n", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", section, flags=re.S)
    assert len(blocks) == 1
    exec(compile(blocks[0], f"{doc}:SNNGeneticEvolver", "exec"), {"__name__": "doc_example"})
