"""Every call shape of the documented learning API (shared/seed/learning-api.txt) runs as written.

Each test writes the calls as that documentation does (positional arguments
in its order, its defaults, its return shapes) against
sc_model.learning.compat, and checks the behaviour against a closed form or
a reference computed here, not against the code under test.
"""

from __future__ import annotations

import numpy as np
import pytest

from sc_model.learning.compat import (
    LIF,
    BPTTLearner,
    EligibilityTrace,
    EWC_SCLayer,
    FederatedAggregator,
    HomeostaticPlasticity,
    MetaLearner,
    Network,
    Population,
    Projection,
    RewardModulatedLearner,
    ShortTermPlasticity,
    SNNGeneticEvolver,
    StructuralPlasticity,
    TBPTTLearner,
)


class StochasticLIFNeuron:  # a user's neuron class name, as in their scripts
    pass


def make_net(seed: int = 0, n_in: int = 4, n_out: int = 3, scale: float = 0.6):
    rng = np.random.default_rng(seed)
    out = Population(StochasticLIFNeuron, n_out, tau=20.0, threshold=1.0)
    w = rng.uniform(0.0, scale, (n_out, n_in))
    proj = Projection("input", out, w)
    return Network(out, proj), out, proj, w


def mse(s: np.ndarray, t: np.ndarray) -> float:
    return float(np.mean((s - t) ** 2))


def task(seed: int, t_steps: int = 20, n_in: int = 4, n_out: int = 3):
    rng = np.random.default_rng(seed)
    x = (rng.random((t_steps, n_in)) < 0.5).astype(float)
    y = (rng.random((t_steps, n_out)) < 0.3).astype(float)
    return x, y


def test_network_population_projection_as_documented() -> None:
    net, pop, proj, w = make_net()
    assert net.populations[0] is pop and net.projections[0] is proj
    assert pop.n == 3 and proj.target.n == 3 and proj.source == "input"
    # CSR by source: for i, k in indptr[i]..indptr[i+1]: W[indices[k], i] == data[k]
    seen = np.zeros_like(w)
    for i in range(w.shape[1]):
        for k in range(proj.indptr[i], proj.indptr[i + 1]):
            seen[proj.indices[k], i] = proj.data[k]
    np.testing.assert_array_equal(seen, w)
    proj.data -= 0.5 * proj.data  # the documented in-place update writes through
    np.testing.assert_allclose(net.inner.projections[0].to_dense(), 0.5 * w)
    pop.reset_all()
    spikes = pop.step_all(np.full(10, 0.6))  # documented: currents[: pop.n]
    assert spikes.shape == (3,) and pop.voltages.shape == (3,)
    np.testing.assert_allclose(pop.voltages, 0.6)
    assert (pop.step_all(np.full(3, 0.6)) == 1.0).all()  # 0.6 beta + 0.6 >= 1
    with pytest.raises(TypeError, match="neuron_cls must be a LIF neuron class"):
        Population(object, 3)
    with pytest.raises(ValueError, match="projections from 'input'"):
        Network(Population(LIF, 2))


def test_bptt_scalar_loss_callable_learns_and_has_the_mse_gradient() -> None:
    net, _, _, _ = make_net(1)
    learner = BPTTLearner(net, lambda s, t: float(np.mean((s - t) ** 2)))
    x, y = task(2)
    # the finite-difference gradient of the scalar loss equals the closed form 2 (s - t) / size
    _, g_scalar = learner.gradients(x, y)
    ref = BPTTLearner(net, lambda s, t: (mse(s, t), 2 * (s - t) / s.size))
    _, g_pair = ref.gradients(x, y)
    np.testing.assert_allclose(g_scalar[0], g_pair[0], rtol=1e-6, atol=1e-12)
    # learns to spike like a teacher network (same shape, other weights)
    x, _ = task(2, t_steps=30)
    teacher, *_ = make_net(99, scale=0.8)
    y = teacher.run(x).spikes["pop0"]
    fast = BPTTLearner(make_net(1)[0], mse, 1.0)
    losses = [fast.train_step(x, y) for _ in range(60)]
    assert isinstance(losses[0], float)
    assert losses[-1] < 0.25 * losses[0], losses[::10]


def test_bptt_loss_fn_errors_name_loss_fn() -> None:
    net, _, _, _ = make_net()
    x, y = task(0)
    with pytest.raises(TypeError, match="loss_fn must return a scalar loss or a pair"):
        BPTTLearner(net, lambda s, t: s - t).train_step(x, y)
    with pytest.raises(TypeError, match="loss_fn must be a loss name or a callable"):
        BPTTLearner(net, 3)


def test_tbptt_returns_the_sum_of_the_window_losses() -> None:
    x, y = task(3, t_steps=20)
    net_a, *_ = make_net(4)
    net_b, *_ = make_net(4)
    one_window = TBPTTLearner(net_a, mse, 1e-3, k=20).train_step(x, y)
    assert one_window == pytest.approx(BPTTLearner(net_b, mse).train_step(x, y), rel=1e-12)
    net_c, *_ = make_net(4)
    total = TBPTTLearner(net_c, mse, 0.0 + 1e-12, 5).train_step(x, y)  # lr ~ 0: windows of 5
    net_d, *_ = make_net(4)
    run = net_d.run(x).spikes["pop0"]
    # with no weight change the windows see the plain run (state carried): sum of 4 window MSEs
    want = sum(mse(run[t:t + 5], y[t:t + 5]) for t in range(0, 20, 5))
    assert total == pytest.approx(want, abs=1e-9)


def test_eligibility_trace_update_shape_and_closed_form() -> None:
    tau_e, dt = 20.0, 1.0
    trace = EligibilityTrace(tau_e, dt)
    rng = np.random.default_rng(5)
    zbar = np.zeros(4)
    for _ in range(6):
        pre = (rng.random(4) < 0.5).astype(float)
        post = (rng.random(3) < 0.5).astype(float)
        err = rng.normal(size=3)
        dw = trace.update(pre, post, err)
        zbar = np.exp(-dt / tau_e) * zbar + pre
        assert dw.shape == (4, 3)  # (n_pre, n_post) as documented
        np.testing.assert_allclose(dw, np.outer(zbar, post * err), rtol=1e-12)
    assert EligibilityTrace().update(np.ones(2), np.ones(5), np.ones(5)).shape == (2, 5)


def test_reward_modulated_learner_default_tau_and_step() -> None:
    net, _, proj, _ = make_net(6)
    learner = RewardModulatedLearner(net)  # tau_reward=100.0 by default
    assert learner.tau_reward == 100.0
    x, _ = task(7, t_steps=30)
    learner.run(x)
    before = proj.data
    learner.step(1.0)
    grown = proj.data - before
    assert np.abs(grown).sum() > 0
    net2, _, proj2, _ = make_net(6)
    learner2 = RewardModulatedLearner(net2, 100.0)
    learner2.run(x)
    learner2.step(-1.0)  # the opposite reward moves the weights the opposite way
    np.testing.assert_allclose(proj2.data - before, -grown, rtol=1e-9, atol=1e-12)


def test_meta_learner_inner_loop_and_outer_step_as_documented() -> None:
    net, *_ = make_net(8)
    meta = MetaLearner(net, 0.05, 0.5)
    tasks = [task(9), task(10)]
    theta = net.inner.projections[0].data.copy()
    phis = []
    for t in tasks:
        net.inner.projections[0].data[:] = theta
        assert meta.inner_loop(t, 5) is None  # documented: adapts in place, returns None
        phis.append(net.inner.projections[0].data.copy())
    assert not np.allclose(phis[0], theta)
    net.inner.projections[0].data[:] = theta
    meta.outer_step(tasks)
    want = theta + 0.5 * np.mean([p - theta for p in phis], axis=0)  # the documented update
    np.testing.assert_allclose(net.inner.projections[0].data, want, rtol=1e-12, atol=1e-15)
    net.inner.projections[0].data[:] = theta
    MetaLearner(net).inner_loop(tasks[0])  # defaults inner_lr=0.01, outer_lr=0.001, n_steps=5
    with pytest.raises(ValueError, match=r"task_data must be a pair \(inputs, targets\)"):
        meta.inner_loop((1, 2, 3))


def test_homeostatic_update_population_scales_toward_target() -> None:
    net, pop, proj, w = make_net(11, scale=0.05)
    pop.reset_all()
    pop.step_all(np.zeros(3))  # silent: rate 0 < 10 Hz
    homeo = HomeostaticPlasticity(10.0, 1000.0)
    homeo.update(pop)
    # one 1 ms step at rate 0: factor exp(window / tau * (1 - 0)) = exp(1/1000) per synapse
    np.testing.assert_allclose(net.inner.projections[0].to_dense(), w * np.exp(1e-3), rtol=1e-12)
    HomeostaticPlasticity().update(pop)


def test_short_term_plasticity_update_returns_per_neuron_efficacy() -> None:
    stp = ShortTermPlasticity()  # tau_d=200, tau_f=600, u_se=0.2
    r1 = stp.update(np.array([1, 0, 1]))
    np.testing.assert_allclose(r1, [0.2, 0.0, 0.2])  # u+ = u_se, x = 1 at rest
    r2 = stp.update(np.array([1, 1, 0]))
    # Tsodyks-Markram, exact over dt = 1: u = 0.2 e^(-1/600), x = 1 - 0.8 e^(-1/200)... for neuron 0
    u = 0.2 * np.exp(-1 / 600)
    x = 1 - (1 - 0.8) * np.exp(-1 / 200)
    u_plus = u + 0.2 * (1 - u)
    np.testing.assert_allclose(r2, [u_plus * x, 0.2, 0.0], rtol=1e-12)
    assert ShortTermPlasticity(100.0, 300.0, 0.5).update(np.zeros(4)).shape == (4,)


def test_structural_plasticity_update_projection_prunes_weak_synapses() -> None:
    out = Population(LIF, 2)
    w = np.array([[0.005, 0.5, 0.3], [0.2, 0.001, 0.4]])
    proj = Projection("input", out, w)
    Network(out, proj)
    StructuralPlasticity(0.001, 0.01, rng=0).update(proj)
    dense = proj.inner.to_dense()
    assert dense[0, 0] == 0.0 and dense[1, 1] == 0.0
    np.testing.assert_array_equal(dense[w >= 0.01], w[w >= 0.01])
    StructuralPlasticity().update(proj)


def test_federated_static_calls() -> None:
    a, b, c = np.array([1, 0, 1, 0]), np.array([1, 1, 0, 0]), np.array([0, 1, 1, 0])
    out = FederatedAggregator.aggregate_gradients([a, b, c])
    np.testing.assert_array_equal(out, [1, 1, 1, 0])
    assert out.dtype == np.uint8
    np.testing.assert_array_equal(FederatedAggregator.aggregate_gradients([a, b]), [1, 0, 0, 0])
    with pytest.raises(ValueError, match="No gradients to aggregate"):
        FederatedAggregator.aggregate_gradients([])
    rng = np.random.default_rng(12)
    clients = [rng.integers(0, 2, 50) for _ in range(4)]
    total = FederatedAggregator.secure_sum_protocol(clients)
    np.testing.assert_array_equal(total, np.sum(clients, axis=0))
    floats = [rng.normal(size=(3, 5)) for _ in range(3)]
    np.testing.assert_allclose(FederatedAggregator.secure_sum_protocol(floats),
                               np.sum(floats, axis=0), atol=3 * 2.0**-16)


def test_ewc_layer_consolidate_and_penalty_as_documented() -> None:
    layer = EWC_SCLayer(n_inputs=4, n_neurons=2)
    assert layer.ewc_lambda == 10.0 and layer.get_weights().shape == (2, 4)
    with pytest.raises(ValueError, match="consolidate_task\\(\\) needs the task's data"):
        layer.consolidate_task()
    x, y = task(13, n_out=2)
    layer.train_step(x, y)
    layer.consolidate_task()
    anchor = layer.get_weights()
    assert layer.apply_ewc_penalty() == 0.0  # at the anchor
    layer.network.projections[0].data += 0.3  # drift away
    p0 = layer.apply_ewc_penalty(0.01)
    p1 = layer.apply_ewc_penalty(0.01)
    assert isinstance(p0, float) and 0.0 < p1 < p0  # pulled back toward the anchor
    assert np.abs(layer.get_weights() - anchor).sum() < 0.3 * anchor.size


def test_genetic_evolver_layer_factory_fitness_func_evolve() -> None:
    target = np.linspace(0.1, 0.9, 6).reshape(2, 3)
    rng = np.random.default_rng(14)

    class Layer:
        def __init__(self) -> None:
            self.weights = rng.random((2, 3))

    def fitness(layer: Layer) -> float:
        return -float(np.sum((layer.weights - target) ** 2))

    evo = SNNGeneticEvolver(Layer, fitness, rng=15)
    assert (evo.population_size, evo.mutation_rate, evo.elite_fraction) == (20, 0.05, 0.2)
    start = max(fitness(ind) for ind in evo.population)
    best = evo.evolve(30)
    assert isinstance(best, Layer) and best.weights.shape == (2, 3)
    assert fitness(best) > start and fitness(best) > -0.05, (start, fitness(best))
