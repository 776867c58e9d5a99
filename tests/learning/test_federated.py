"""sc_model.learning.federated: majority vote and secure aggregation.

Expected values: binomial tails (majority vote of noisy signs), integer sums
computed here with Python's round(), chi-square tests of uniformity and of
independence from the update (with a control showing the same test rejects an
unmasked vector), Lagrange interpolation properties of Shamir sharing.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from sc_model.learning.federated import (
    FederatedAggregator,
    dequantize,
    majority_vote,
    prg,
    quantize,
    shamir_reconstruct,
    shamir_share,
)

# ---------------------------------------------------------------------------
# Majority vote
# ---------------------------------------------------------------------------


def test_majority_and_tie_rules_by_hand() -> None:
    b = np.array([[1, 0, 1, 0], [1, 0, 0, 1], [0, 0, 1, 1], [1, 1, 0, 0]], dtype=np.uint8)
    # column ones: 3, 1, 2, 2 (of 4): ties in columns 2 and 3
    np.testing.assert_array_equal(majority_vote(b), [1, 0, 1, 1])
    np.testing.assert_array_equal(majority_vote(b, tie="zero"), [1, 0, 0, 0])
    np.testing.assert_array_equal(majority_vote(b, tie="first"), [1, 0, 1, 0])
    np.testing.assert_array_equal(majority_vote(b[:3].astype(bool)), [1, 0, 1, 1])
    np.testing.assert_array_equal(majority_vote(list(b[:1])), b[0])


@settings(max_examples=50, deadline=None)
@given(
    n_clients=st.integers(1, 9),
    n_bits=st.integers(1, 70),
    seed=st.integers(0, 2**32 - 1),
    tie=st.sampled_from(["one", "zero", "first"]),
)
def test_packed_equals_unpacked_and_python_reference(n_clients, n_bits, seed, tie) -> None:
    bits = np.random.default_rng(seed).integers(0, 2, (n_clients, n_bits), dtype=np.uint8)
    want = []
    for col in bits.T.tolist():
        ones, zeros = col.count(1), col.count(0)
        if ones != zeros:
            want.append(int(ones > zeros))
        else:
            want.append({"one": 1, "zero": 0, "first": col[0]}[tie])
    np.testing.assert_array_equal(majority_vote(bits, tie=tie), want)
    packed = np.packbits(bits, axis=1)
    got = majority_vote(packed, n_bits=n_bits, tie=tie)
    np.testing.assert_array_equal(got, np.packbits(np.array(want, dtype=np.uint8)))


def binomial_tail(k: int, p: float) -> float:
    """P(more than k/2 of k independent Bernoulli(p) events)."""
    return sum(math.comb(k, j) * p**j * (1 - p) ** (k - j) for j in range(k // 2 + 1, k + 1))


def test_signsgd_majority_error_follows_the_binomial_tail() -> None:
    # True gradient +-a per coordinate; each client's stochastic gradient is
    # g + N(0, sigma^2), and it sends sign bits. A client is wrong with
    # p = P(N(0,1) > a/sigma); the vote of K (odd) clients is wrong with the
    # binomial tail P(Bin(K, p) > K/2), which falls with K.
    seed = 2017
    rng = np.random.default_rng(seed)
    n, a, sigma = 40000, 0.5, 1.0
    g = np.where(rng.random(n) < 0.5, a, -a)
    true_bits = (g > 0).astype(np.uint8)
    p = 0.5 * math.erfc(a / sigma / math.sqrt(2))
    errors = []
    for k in (1, 3, 5, 11, 21, 41):
        noisy = g + sigma * rng.standard_normal((k, n))
        agg = FederatedAggregator(max(k, 2), n, rng=seed)
        vote = agg.aggregate_gradients((noisy > 0).astype(np.uint8))
        err = float(np.mean(vote != true_bits))
        want = binomial_tail(k, p)
        tol = 5 * math.sqrt(want * (1 - want) / n) + 1e-9
        assert abs(err - want) < tol, f"seed={seed} K={k}: error {err} vs tail {want}"
        errors.append(err)
    assert all(b < a_ for a_, b in zip(errors, errors[1:], strict=False)), errors
    assert errors[-1] < 0.01 < 0.3 < errors[0]


def test_even_clients_tie_rule_biases_errors_as_predicted() -> None:
    # K = 4, tie -> 1: a true 0 is lost on 2 or more wrong votes, a true 1 on 3 or more.
    seed = 99
    rng = np.random.default_rng(seed)
    n, p = 60000, 0.3
    true_bits = rng.integers(0, 2, n, dtype=np.uint8)
    flips = (rng.random((4, n)) < p).astype(np.uint8)
    vote = majority_vote(true_bits ^ flips, tie="one")
    tail3 = sum(math.comb(4, j) * p**j * (1 - p) ** (4 - j) for j in (3, 4))
    tail2 = tail3 + math.comb(4, 2) * p**2 * (1 - p) ** 2
    for bit, want in ((0, tail2), (1, tail3)):
        sel = true_bits == bit
        err = float(np.mean(vote[sel] != bit))
        assert abs(err - want) < 5 * math.sqrt(want * (1 - want) / sel.sum()), f"seed={seed}"


# ---------------------------------------------------------------------------
# Secure aggregation: exactness
# ---------------------------------------------------------------------------


def py_quantized_sum(updates: np.ndarray, scale: float) -> list[int]:
    return [sum(round(float(v) * scale) for v in col) for col in updates.T]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_secure_sum_is_exact_without_dropouts(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n_clients, length, scale = 7, 500, 2.0**12
    x = rng.normal(0, 3, (n_clients, length))
    agg = FederatedAggregator(n_clients, length, scale=scale, rng=rng)
    masked = {i: agg.clients[i].mask(x[i]) for i in range(n_clients)}
    got = agg.secure_sum_int(masked)
    assert got.tolist() == py_quantized_sum(x, scale), f"seed={seed}"
    np.testing.assert_allclose(
        agg.secure_sum(masked), x.sum(0), rtol=0, atol=0.5 * n_clients / scale
    )
    # the server saw no update: every masked vector differs from its quantised update
    for i in range(n_clients):
        assert np.mean(masked[i] == quantize(x[i], scale)) < 0.01


@pytest.mark.parametrize(("dropped", "seed"), [({1}, 3), ({0, 5}, 4), ({2, 3, 6}, 5)])
def test_secure_sum_over_survivors_is_exact_after_dropout_recovery(dropped, seed) -> None:
    rng = np.random.default_rng(seed)
    n_clients, length, scale = 7, 300, 2.0**10
    x = rng.uniform(-100, 100, (n_clients, length))
    agg = FederatedAggregator(n_clients, length, scale=scale, threshold=4, rng=rng)
    masked = {i: agg.clients[i].mask(x[i]) for i in range(n_clients) if i not in dropped}
    survivors = sorted(masked)
    # without recovery the pairwise masks of the dropped clients do not cancel
    naive = np.zeros(length, dtype=np.uint32)
    for i in survivors:
        naive += masked[i]
    assert np.mean(naive.view(np.int32) == np.array(py_quantized_sum(x[survivors], scale))) < 0.01
    got = agg.secure_sum_int(masked)
    assert got.tolist() == py_quantized_sum(x[survivors], scale), f"seed={seed}"
    assert set(agg.last_reveal["pair_seeds"]) == set(dropped)
    assert set(agg.last_reveal["self_seeds"]) == set(survivors)


def test_responders_may_be_a_subset_of_survivors_down_to_the_threshold() -> None:
    rng = np.random.default_rng(8)
    x = rng.normal(size=(6, 40))
    agg = FederatedAggregator(6, 40, threshold=3, rng=rng)
    masked = {i: agg.clients[i].mask(x[i]) for i in (0, 1, 2, 4)}
    # client 4 sent its vector but drops before the unmasking round
    got = agg.secure_sum_int(masked, responders=[0, 1, 2])
    assert got.tolist() == py_quantized_sum(x[[0, 1, 2, 4]], agg.scale)


def test_too_few_survivors_or_responders_fail_the_round() -> None:
    rng = np.random.default_rng(9)
    x = rng.normal(size=(5, 10))
    agg = FederatedAggregator(5, 10, threshold=3, rng=rng)
    masked = {i: agg.clients[i].mask(x[i]) for i in (0, 3)}
    with pytest.raises(ValueError, match="at least threshold=3 must survive"):
        agg.secure_sum(masked)
    masked[4] = agg.clients[4].mask(x[4])
    with pytest.raises(ValueError, match="only 2 responders"):
        agg.secure_sum(masked, responders=[0, 3])
    with pytest.raises(ValueError, match=r"responders \[1\] did not send"):
        agg.secure_sum(masked, responders=[0, 1, 3])


def test_new_round_rekeys_and_masks_are_single_use() -> None:
    rng = np.random.default_rng(10)
    x = rng.normal(size=(3, 64))
    agg = FederatedAggregator(3, 64, rng=rng)
    y1 = agg.clients[0].mask(x[0])
    with pytest.raises(RuntimeError, match="already sent its masked update"):
        agg.clients[0].mask(x[0])
    agg.new_round()
    y2 = agg.clients[0].mask(x[0])
    assert np.mean(y1 == y2) < 0.05  # fresh masks for the same update
    masked = {0: y2, 1: agg.clients[1].mask(x[1]), 2: agg.clients[2].mask(x[2])}
    assert agg.secure_sum_int(masked).tolist() == py_quantized_sum(x, agg.scale)


# ---------------------------------------------------------------------------
# Secure aggregation: what the server sees
# ---------------------------------------------------------------------------


def chi2_uniform_p(words: np.ndarray) -> float:
    """Min p-value of chi-square uniformity tests on the top byte and the low byte."""
    w = words.astype(np.uint64)
    p_hi = stats.chisquare(np.bincount(w >> 24, minlength=256)).pvalue
    p_lo = stats.chisquare(np.bincount(w & 255, minlength=256)).pvalue
    return float(min(p_hi, p_lo))


def test_masked_vector_is_uniform_and_independent_of_the_update() -> None:
    seed = 31
    length, scale = 2**16, 2.0**8
    rng = np.random.default_rng(seed)
    zero = np.zeros(length)
    spiky = np.where(np.arange(length) % 2 == 0, 1000.0, -3.0)  # far from uniform
    views = []
    for update in (zero, spiky):
        agg = FederatedAggregator(4, length, scale=scale, rng=rng)
        views.append(agg.clients[1].mask(update))
        others = {i: agg.clients[i].mask(zero) for i in (0, 2, 3)}
        assert len(others) == 3
    for v in views:
        assert chi2_uniform_p(v) > 1e-4, f"seed={seed}"
    # two different updates: identically distributed masked vectors (two-sample test
    # over the 256 values of the top byte and, separately, of the low byte)
    for shift, andmask in ((24, 255), (0, 255)):
        table = np.stack(
            [np.bincount((v.astype(np.uint64) >> shift) & andmask, minlength=256) for v in views]
        )
        assert stats.chi2_contingency(table).pvalue > 1e-4, f"seed={seed}"
    # no linear trace of the update in the masked vector
    r = np.corrcoef(views[1].astype(float), spiky)[0, 1]
    assert abs(r) < 5 / math.sqrt(length), f"seed={seed}"
    # control: the same test rejects what an unmasked protocol would send
    assert chi2_uniform_p(quantize(spiky, scale)) < 1e-10
    assert chi2_uniform_p(quantize(rng.normal(0, 50, length), scale)) < 1e-10


def test_late_vector_of_a_dropped_client_stays_masked_by_its_self_mask() -> None:
    # Client 2 drops; the server recovers its pairwise seeds. If y_2 then arrives
    # late, removing the pairwise masks still leaves PRG(b_2): uniform noise. The
    # clients refuse to also hand out shares of b_2.
    seed = 77
    rng = np.random.default_rng(seed)
    length, scale = 2**15, 2.0**8
    x = np.zeros((5, length))
    x[2] = np.where(np.arange(length) % 3 == 0, 500.0, 0.0)
    agg = FederatedAggregator(5, length, scale=scale, threshold=3, rng=rng)
    masked = {i: agg.clients[i].mask(x[i]) for i in (0, 1, 3, 4)}
    agg.secure_sum_int(masked)
    late = agg.clients[2].mask(x[2])
    pair = agg.last_reveal["pair_seeds"][2]
    stripped = late.copy()
    for j, s in pair.items():
        if j > 2:
            stripped -= prg(s, length)
        else:
            stripped += prg(s, length)
    q2 = quantize(x[2], scale)
    assert np.mean(stripped == q2) < 0.01
    assert chi2_uniform_p(stripped) > 1e-4, f"seed={seed}"
    # ... and indeed only PRG(b_2) is left (the pairwise part was removed correctly)
    assert np.array_equal(stripped - prg(agg.clients[2]._self_seed, length), q2)
    # a server asking again with client 2 as survivor is refused by every client
    for i in (0, 1, 3, 4):
        with pytest.raises(ValueError, match="already answered"):
            agg.clients[i].unmask_shares([0, 1, 2, 3, 4], [])
    with pytest.raises(ValueError, match="overlap"):
        agg.clients[0].unmask_shares([0, 1, 2], [2])
    with pytest.raises(ValueError, match="is a survivor"):
        agg.clients[0].unmask_shares([1, 3, 4], [0])


@settings(max_examples=30, deadline=None)
@given(n=st.integers(2, 9), data=st.data())
def test_shamir_any_threshold_shares_reconstruct_fewer_do_not(n, data) -> None:
    t = data.draw(st.integers(2, n))
    seed = data.draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    secret = int.from_bytes(rng.bytes(15), "little")
    shares = shamir_share(secret, n, t, rng)
    subset = data.draw(st.permutations(range(n)))[:t]
    assert shamir_reconstruct({k + 1: shares[k] for k in subset}) == secret
    assert shamir_reconstruct({k + 1: shares[k] for k in subset[: t - 1]}) != secret


def test_quantize_round_trip_and_overflow_guard() -> None:
    x = np.array([-1.5, -0.25, 0.0, 0.125, 3.75])
    np.testing.assert_array_equal(dequantize(quantize(x, 8), 8), x)
    assert quantize(np.array([-1.0]), 1)[0] == 2**32 - 1
    with pytest.raises(ValueError, match="update \\* scale must be in"):
        quantize(np.array([2.0**31]), 1.0)
    agg = FederatedAggregator(4, 3, scale=2.0**16, rng=0)
    with pytest.raises(ValueError, match="update \\* scale must be in"):
        agg.clients[0].mask(np.array([0.0, 2.0**14, 0.0]))  # |q| must be < 2**31 / 4


# ---------------------------------------------------------------------------
# Bad input
# ---------------------------------------------------------------------------


def test_bad_arguments_are_refused_by_name() -> None:
    with pytest.raises(ValueError, match="n_clients must be in \\[2, inf\\], not 0"):
        FederatedAggregator(0, 10)
    with pytest.raises(ValueError, match="n_clients must be in"):
        FederatedAggregator(1, 10)
    with pytest.raises(ValueError, match="length must be in"):
        FederatedAggregator(3, 0)
    with pytest.raises(ValueError, match="threshold must be in \\[2, 3\\], not 4"):
        FederatedAggregator(3, 5, threshold=4)
    with pytest.raises(ValueError, match="scale must be > 0"):
        FederatedAggregator(3, 5, scale=0.0)
    with pytest.raises(TypeError, match="rng must be"):
        FederatedAggregator(3, 5, rng="seed")
    agg = FederatedAggregator(3, 5, rng=1)
    with pytest.raises(ValueError, match="update must have shape \\(5,\\), not \\(4,\\)"):
        agg.clients[0].mask(np.zeros(4))
    with pytest.raises(ValueError, match="update must be finite"):
        agg.clients[0].mask(np.array([0, 0, np.nan, 0, 0]))
    with pytest.raises(ValueError, match="masked must hold at least one"):
        agg.secure_sum({})
    with pytest.raises(ValueError, match="unknown client id 7"):
        agg.secure_sum({7: np.zeros(5, np.uint32)})
    with pytest.raises(ValueError, match=r"masked\[1\] must be uint32 of shape \(5,\)"):
        agg.secure_sum({1: np.zeros(6, np.uint32)})
    with pytest.raises(ValueError, match=r"masked\[1\] must be uint32"):
        agg.secure_sum({1: np.zeros(5)})
    with pytest.raises(ValueError, match="gradient bitstreams must have length 5, not 4"):
        agg.aggregate_gradients(np.zeros((3, 4), np.uint8))
    with pytest.raises(ValueError, match="bitstreams must be \\[1 .. 3 clients"):
        agg.aggregate_gradients(np.zeros((4, 5), np.uint8))
    with pytest.raises(ValueError, match="bitstreams must hold at least one client"):
        majority_vote([])
    with pytest.raises(ValueError, match="bitstreams must hold at least one client"):
        majority_vote(np.zeros((0, 5), np.uint8))
    with pytest.raises(ValueError, match="bitstreams must hold only 0 and 1"):
        majority_vote(np.array([[0, 2]]))
    with pytest.raises(ValueError, match="tie must be one of"):
        majority_vote(np.array([[0, 1]]), tie="random")
    with pytest.raises(ValueError, match="need 2 bytes per client, not 1"):
        majority_vote(np.zeros((2, 1), np.uint8), n_bits=9)
    with pytest.raises(ValueError, match="same shape"):
        majority_vote([np.zeros(3, np.uint8), np.zeros(4, np.uint8)])


def test_docs_example_runs() -> None:
    """The '## FederatedAggregator' example of docs/learning_federated_evolution_stp.md runs."""
    import re
    from pathlib import Path

    doc = Path(__file__).resolve().parents[2] / "docs" / "learning_federated_evolution_stp.md"
    section = doc.read_text().split("## FederatedAggregator\n", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", section, flags=re.S)
    assert len(blocks) == 1
    exec(compile(blocks[0], f"{doc}:FederatedAggregator", "exec"), {"__name__": "doc_example"})
