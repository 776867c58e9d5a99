"""sc_model.learning.structural: pruning, activity-dependent growth, balance, determinism."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from sc_model.learning import Network, Projection
from sc_model.learning.structural import StructuralPlasticity, activity

DOC = Path(__file__).resolve().parents[2] / "docs" / "learning_paradigms.md"


def doc_example(title: str) -> str:
    """The python block of the docs section whose heading starts with ``title``."""
    sections = re.split(r"^## ", DOC.read_text(), flags=re.M)
    (body,) = [s for s in sections if s.startswith(title)]
    (code,) = re.findall(r"```python\n(.*?)```", body, flags=re.S)
    return code


def proj(seed: int, n_t: int = 20, n_s: int = 30, density: float = 0.3) -> Projection:
    return Projection.random("a", "b", n_s, n_t, density, scale=1.0, rng=seed)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_weak_synapses_removed_and_new_ones_grown(seed: int) -> None:
    p = proj(seed)
    old_mask, old_w = p.mask(), p.to_dense()
    thr = 0.5
    sp = StructuralPlasticity(growth_rate=0.5, prune_threshold=thr, rng=seed + 100)
    res = sp.update(p, np.full(30, 0.5), np.full(20, 0.5))
    new_mask, new_w = p.mask(), p.to_dense()
    weak = old_mask & (np.abs(old_w) < thr)
    strong = old_mask & ~weak
    msg = f"seed={seed}"
    assert weak.any(), msg
    assert not (new_mask & weak).any(), msg  # every weak synapse is gone ...
    assert (new_mask[strong]).all(), msg  # ... every strong one kept, with its weight
    np.testing.assert_array_equal(new_w[strong], old_w[strong], err_msg=msg)
    grown = new_mask & ~old_mask
    assert grown.any(), msg  # genuinely new synapses: absent before, present now
    np.testing.assert_array_equal(new_w[grown], 2 * thr)
    assert res.pruned == weak.sum() and res.grown == grown.sum() and res.nnz == p.nnz, msg
    assert p.nnz == old_mask.sum() - weak.sum() + grown.sum()
    # the CSR is valid (set_csr checked it) and propagates like its dense form
    x = np.random.default_rng(seed).random((3, 30))
    np.testing.assert_allclose(p.propagate(x), x @ new_w.T)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_balance_conserves_nnz(seed: int) -> None:
    p = proj(seed)
    nnz = p.nnz
    sp = StructuralPlasticity(0.1, 0.6, rng=seed + 100, balance=True)
    rng = np.random.default_rng(seed)
    before = p.mask()
    for _ in range(10):
        res = sp.update(p, rng.random(30), rng.random(20))
        assert res.pruned == res.grown > 0, f"seed={seed}: {res}"
        assert p.nnz == nnz
        p.data *= 0.8  # weaken: the next update prunes again
    assert (p.mask() != before).sum() > 20, f"seed={seed}: the pattern hardly changed"


def test_determinism_under_a_seed() -> None:
    def run(seed: int) -> tuple[np.ndarray, np.ndarray]:
        p = proj(5)
        sp = StructuralPlasticity(0.3, 0.4, rng=seed)
        a = np.random.default_rng(9)
        for _ in range(5):
            sp.update(p, a.random(30), a.random(20))
        return p.indptr.copy(), p.indices.copy()

    a, b, c = run(1), run(1), run(2)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    assert a[1].shape != c[1].shape or not np.array_equal(a[1], c[1])


@pytest.mark.parametrize("balance", [False, True])
def test_growth_favours_correlated_pairs(balance: bool) -> None:
    """Sources 0-14 and targets 0-9 active (0.8), the rest nearly silent (0.05)."""
    n_t, n_s = 20, 30
    pre = np.where(np.arange(n_s) < 15, 0.8, 0.05)
    post = np.where(np.arange(n_t) < 10, 0.8, 0.05)
    both = np.outer(post > 0.5, pre > 0.5)
    grown = np.zeros((n_t, n_s))
    for seed in range(40):
        p = Projection.from_dense("a", "b", np.zeros((n_t, n_s)), np.zeros((n_t, n_s), bool))
        if balance:  # 30 weak synapses to prune, scattered
            m = np.zeros(n_t * n_s, bool)
            m[np.random.default_rng(seed).choice(n_t * n_s, 30, replace=False)] = True
            p = Projection.from_dense("a", "b", np.full((n_t, n_s), 0.01), m.reshape(n_t, n_s))
        before = p.mask()
        StructuralPlasticity(0.2, 0.1, rng=seed, balance=balance).update(p, pre, post)
        grown += p.mask() & ~before
    per_pair_both = grown[both].mean()
    per_pair_other = grown[~both].mean()
    assert per_pair_both > 5 * per_pair_other, (per_pair_both, per_pair_other)
    if not balance:  # Bernoulli: the frequency is the probability 0.2 * 0.8 * 0.8 = 0.128
        n = 40 * both.sum()
        sd = np.sqrt(n * 0.128 * 0.872)
        assert abs(grown[both].sum() - n * 0.128) < 4 * sd
        silent = np.outer(post < 0.5, pre < 0.5)
        assert grown[silent].mean() < 0.01  # p = 0.0005


def test_zero_activity_never_grows_and_integer_projection() -> None:
    p = Projection.random("a", "b", 10, 8, 0.5, rng=0, integer=True, w_max=3)
    before = p.mask()
    sp = StructuralPlasticity(1.0, 2, rng=0, init_weight=3.0)
    pre = np.zeros(10)
    pre[0] = 1.0
    res = sp.update(p, pre, np.zeros(8))  # post silent: no pair is correlated
    assert res.grown == 0 and p.data.dtype == np.int64
    assert not (p.mask() & ~before).any()
    mid = p.mask()
    res = sp.update(p, np.ones(10), np.ones(8))  # p = 1: every absent pair grows
    assert res.pruned == 0 and p.nnz == 80 and res.grown == 80 - mid.sum()
    np.testing.assert_array_equal(p.to_dense()[~mid], 3)


def test_with_network_activity() -> None:
    rng = np.random.default_rng(0)
    net = Network(10)
    net.add_population("h", 6, tau=5.0)
    pr = net.connect("input", "h", density=0.3, rng=rng, scale=1.0)
    x = (rng.random((50, 10)) < 0.4).astype(float)
    rec = net.run(x)
    sp = StructuralPlasticity(0.5, 0.3, rng=1)
    sp.update(pr, activity(x, 10), activity(rec.spikes["h"], 6))
    net.run(x)  # still runs on the rewired projection
    with pytest.raises(ValueError, match="spikes"):
        activity(x, 9)


def test_errors() -> None:
    for args, word in [
        ((0.0, 0.1), "growth_rate"),
        ((-1.0, 0.1), "growth_rate"),
        ((0.1, -0.1), "prune_threshold"),
        ((0.1, float("nan")), "prune_threshold"),
    ]:
        with pytest.raises(ValueError, match=word):
            StructuralPlasticity(*args)
    sp = StructuralPlasticity(0.1, 0.1, rng=0)
    p = proj(0)
    with pytest.raises(ValueError, match="pre"):
        sp.update(p, np.ones(29), np.ones(20))
    with pytest.raises(ValueError, match="post"):
        sp.update(p, np.ones(30), np.ones((20, 1)))
    with pytest.raises(ValueError, match="post"):
        sp.update(p, np.ones(30), -np.ones(20))
    with pytest.raises(TypeError, match="projection"):
        sp.update("p", np.ones(30), np.ones(20))  # type: ignore[arg-type]


def test_doc_example_runs() -> None:
    ns: dict = {}
    exec(compile(doc_example("StructuralPlasticity"), "docs", "exec"), ns)
    assert ns["result"].pruned > 0 and ns["result"].grown > 0
