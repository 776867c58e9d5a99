"""The learning core's host port with ``host_access="registered"`` (the cycle twin).

The contract (module docstring of :mod:`sc_model.learning_core`, "Host
arbitration"): a request acked in cycle ``a`` is performed in cycle ``a + 1``
from registers; the ack windows are ``k = T - 1`` and ``k = 0`` while the core
does not start a tick there (``en`` low, or the core held by an access
performed in that cycle); a core at ``k = 0`` performing an access holds
(``in_ready`` low, ``en`` ignored); a read's word is on ``host_rdata`` four
cycles after its ack. The RTL equals the cycle twin in the learning_core
co-simulation (its random sets take the option with probability 0.4) and in
the batch path (hdl_tests/test_batch.py).
"""

from __future__ import annotations

import numpy as np
import pytest
from core_outputs import check_presented

from sc_model.learning_core import (
    HOST_SPACES,
    LearningCore,
    LearningCoreConfig,
    LearningCoreCycle,
    learning_core_params,
)

WEIGHTS = HOST_SPACES["weights"]


def _config(**over: object) -> LearningCoreConfig:
    params: dict[str, object] = dict(
        n_inputs=5,
        n_neurons=3,
        lanes=2,
        thresholds=[2, 3, 4],
        weights=[[1, 2, 3, 4, 5], [6, 7, 8, 9, 10], [11, 12, 13, 14, 15]],
        a_plus=30,
        a_minus=20,
        host_access="registered",
    )
    params.update(over)
    return LearningCoreConfig(**params)  # type: ignore[arg-type]


def test_host_access_is_checked_and_latency_follows_it() -> None:
    with pytest.raises(ValueError, match="host_access must be one of"):
        _config(host_access="late")
    assert _config().host_read_latency == 4
    assert _config(host_access="direct").host_read_latency == 3


def test_a_write_is_performed_in_the_cycle_after_its_ack_which_holds_the_core() -> None:
    c = _config()
    cyc = LearningCoreCycle(c)
    x = np.zeros(c.n_inputs, np.uint8)
    word = LearningCoreConfig(
        **{**learning_core_params(c), "weights": [[-7, 9, 0, 0, 0], [0] * 5, [0] * 5]}
    ).weight_words()[0]
    before = cyc.weights.copy()
    o = cyc.step(x, 0, host_req=1, host_we=1, host_space=WEIGHTS, host_addr=0, host_wdata=word)
    assert (o.host_ack, o.in_ready) == (1, 1)
    assert np.array_equal(cyc.weights, before), "performed in the ack cycle"
    o = cyc.step(x, 1)  # the perform cycle at k = 0: en ignored, in_ready low
    assert (o.host_ack, o.in_ready) == (0, 0)
    assert cyc.weights[0, :2].tolist() == [-7, 9] and cyc.k == 0
    o = cyc.step(x, 1)  # now the tick starts
    assert o.in_ready == 1 and cyc.k == 1


def test_a_read_returns_the_word_four_cycles_after_its_ack() -> None:
    c = _config()
    cyc = LearningCoreCycle(c)
    x = np.zeros(c.n_inputs, np.uint8)
    want = c.weight_words()[4]
    seen = [cyc.step(x, 0, host_req=1, host_space=WEIGHTS, host_addr=4)]
    seen += [cyc.step(x, 0) for _ in range(5)]
    assert [o.host_ack for o in seen] == [1, 0, 0, 0, 0, 0]
    assert [o.host_rvalid for o in seen] == [0, 0, 0, 0, 1, 0]
    assert seen[4].host_rdata == want


def test_acks_come_at_t_minus_1_or_at_k_0_with_en_low() -> None:
    """The windows of "direct": running with en high only k = T - 1 acks (one access a
    tick, which makes the next tick one cycle longer: its k = 0 is held once); held at
    k = 0 with en low the host streams one request per cycle; en high in a held cycle
    is ignored and opens no window, the tick starts in the cycle after."""
    c = _config()
    cyc = LearningCoreCycle(c)
    x = np.ones(c.n_inputs, np.uint8)
    t = c.tick_cycles
    acks = [cyc.step(x, 1, host_req=1, host_addr=1).host_ack for _ in range(2 * t + 2)]
    assert np.flatnonzero(acks).tolist() == [t - 1, 2 * t]
    assert cyc.k == 0  # cycle 2 T + 1 performs the second access, held at k = 0
    seen = [cyc.step(x, en, host_req=1, host_addr=2) for en in (0, 0, 1, 1)]
    assert [o.host_ack for o in seen] == [1, 1, 0, 0]
    assert [o.in_ready for o in seen] == [1, 0, 0, 1] and cyc.k == 1


def test_an_access_acked_in_a_reset_cycle_is_still_performed() -> None:
    c = _config()
    cyc = LearningCoreCycle(c)
    x = np.zeros(c.n_inputs, np.uint8)
    o = cyc.step(
        x, 0, host_req=1, host_we=1, host_space=HOST_SPACES["thresholds"], host_addr=1, host_wdata=5
    )
    cyc.reset()  # rst high in the ack cycle
    assert o.host_ack == 1
    o = cyc.step(x, 1)
    assert o.in_ready == 0 and cyc.layer.threshold_word(1) == 5


def _load(cyc: LearningCoreCycle, words: list[int]) -> None:
    """The host writes every weight word, one per cycle with en low at k = 0, then the
    perform cycle of the last one."""
    zeros = np.zeros(cyc.config.n_inputs, np.uint8)
    for addr, word in enumerate(words):
        o = cyc.step(
            zeros, 0, host_req=1, host_we=1, host_space=WEIGHTS, host_addr=addr, host_wdata=word
        )
        assert o.host_ack == 1
    assert cyc.step(zeros, 0).in_ready == 0  # performs the last write


@pytest.mark.parametrize("weight_ram", ["ebr", "spram"])
@pytest.mark.parametrize("seed", range(4))
def test_cycle_twin_equals_the_tick_model_under_registered_host_traffic(
    weight_ram: str, seed: int
) -> None:
    """An image loaded over the port, then random en and host reads while running: every
    spike and membrane equals the tick model's, and every tick starts from its weights."""
    rng = np.random.default_rng([23, seed])
    n, m = int(rng.integers(2, 9)), int(rng.integers(1, 4))
    image = rng.integers(-40, 41, (m, n))
    c = _config(
        n_inputs=n,
        n_neurons=m,
        lanes=int(rng.integers(1, 3)),
        thresholds=rng.integers(1, n + 2, m).tolist(),
        weights=np.zeros((m, n), int).tolist() if weight_ram == "spram" else image.tolist(),
        weight_ram=weight_ram,
        rounding="stochastic",
        update_shift=5,
    )
    cyc = LearningCoreCycle(c)
    if weight_ram == "spram":
        _load(
            cyc,
            LearningCoreConfig(
                **{**learning_core_params(c), "weight_ram": "ebr", "weights": image.tolist()}
            ).weight_words(),
        )
    ticks = 8
    x = (rng.random((ticks, n)) < 0.5).astype(np.uint8)
    run = LearningCore(
        LearningCoreConfig(
            **{**learning_core_params(c), "weight_ram": "ebr", "weights": image.tolist()}
        )
    ).run(x)
    served = 0
    for t in range(ticks):
        assert np.array_equal(cyc.weights[:, :n], run.weights[t]), f"seed {seed} t {t}"
        started = seen = 0
        while True:
            en = int(rng.random() < 0.85)
            o = cyc.step(
                x[t],
                en,
                host_req=int(rng.random() < 0.5),
                host_space=WEIGHTS,
                host_addr=int(rng.integers(0, c.words)),
            )
            served += o.host_ack
            if en:
                seen += check_presented(o, run, t, f"seed {seed} t {t}")
            started |= en and o.in_ready
            if started and cyc.k == 0:
                break
        assert seen == m
    assert served >= ticks // 2
