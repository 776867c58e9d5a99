"""sc_model.synapses / sc_hw.synapses: the N x M stochastic synapse block.

The reference below is written from the contract alone, in plain Python
integers, one synapse at a time: its own LFSR step, its own rotation, its
own comparators, pipeline, tie toggles and MUX selection. Expected counts
over a full LFSR period come from the formula stated by sc_model.sng.
"""

from __future__ import annotations

import numpy as np
import pytest

from sc_cosim.blocks.synapses import SPEC, random_weights
from sc_cosim.pysim import pysim_against_twin
from sc_hw.synapses import Synapses as HwSynapses
from sc_model import synapses as S
from sc_model.lfsr import MAXIMAL_TAPS, lfsr_sequence
from sc_model.sng import select_bits

# ---------------------------------------------------------------------------
# Independent reference
# ---------------------------------------------------------------------------


def ref_next(state: int, width: int, taps: tuple[int, ...], form: str) -> int:
    if form == "fibonacci":
        fb = 0
        for t in taps:
            fb ^= (state >> (t - 1)) & 1
        return ((state << 1) | fb) & ((1 << width) - 1)
    toggle = sum(1 << (t - 1) for t in taps)
    return (state >> 1) ^ (toggle if state & 1 else 0)


def ref_random(state: int, width: int, n_bits: int, rot: int) -> int:
    """Bit i is state bit (i - rot) mod width."""
    return sum(((state >> ((i - rot) % width)) & 1) << i for i in range(n_bits))


def ref_jump(state: int, width: int, taps: tuple[int, ...], form: str, steps: int) -> int:
    for _ in range(steps):
        state = ref_next(state, width, taps, form)
    return state


class RefSynapses:
    """One synapse at a time, in Python ints, straight from the contract."""

    def __init__(self, kw: dict) -> None:
        self.n, self.m = kw["n_inputs"], kw["n_neurons"]
        self.wb = kw.get("weight_width", 8)
        self.synapse = kw.get("synapse", "and")
        self.mode = kw.get("input_mode", "spikes")
        self.agg = kw.get("aggregation", "counter")
        self.pipeline = kw.get("pipeline", 0)
        self.tie = kw.get("tie") or "zero"
        self.width = kw.get("width", 16)
        self.taps = tuple(kw.get("taps") or MAXIMAL_TAPS[self.width])
        self.form = kw.get("form", "fibonacci")
        self.seed = kw.get("seed", 1)
        w = self.width
        self.rot = kw.get("rotations") or [j * w // self.n for j in range(self.n)]
        self.in_rot = kw.get("input_rotations") or self.rot
        self.vw = kw.get("value_width") or min(8, w)
        self.in_seed = kw.get("input_seed") or ref_jump(
            self.seed, w, self.taps, self.form, 2 ** (w - 1)
        )
        self.mux_seed = kw.get("mux_seed") or ref_jump(
            self.seed, w, self.taps, self.form, 2 ** (w - 2)
        )
        self.sel_bits = kw.get("mux_sel_bits") or w
        self.w0 = [list(row) for row in kw["weights"]]
        self.write_register = kw.get("write_register", False)
        self.reset()

    def reset(self) -> None:
        self.state, self.in_state, self.mux_state = self.seed, self.in_seed, self.mux_seed
        self.w = [list(row) for row in self.w0]
        self.line = [[0] * self.m for _ in range(self.pipeline)]
        self.toggle = [[0, 0] for _ in range(self.m)]
        self.pending = None

    def step(self, inputs, en=1, w_addr=0, w_data=0, w_en=0):
        n, wb, w = self.n, self.wb, self.width
        if self.mode == "spikes":
            x = [int(b) for b in inputs]
        else:
            x = [
                int(ref_random(self.in_state, w, self.vw, self.in_rot[j]) < inputs[j])
                for j in range(n)
            ]
        exc, inh, ebits, ibits = [], [], [], []
        for mi in range(self.m):
            e_row, i_row = [], []
            for j in range(n):
                wt = self.w[mi][j]
                if self.synapse == "and":
                    s = int(ref_random(self.state, w, wb, self.rot[j]) < abs(wt))
                    a = x[j] & s
                    e_row.append(a if wt >= 0 else 0)
                    i_row.append(a if wt < 0 else 0)
                else:
                    s = int(ref_random(self.state, w, wb + 1, self.rot[j]) < wt + 2**wb)
                    b = 1 - (x[j] ^ s)
                    e_row.append(b)
                    i_row.append(1 - b)
            ebits.append(e_row)
            ibits.append(i_row)
            exc.append(sum(e_row))
            inh.append(sum(i_row))
        if self.agg == "counter":
            now = [exc[k] - inh[k] for k in range(self.m)]
            out = {"count": list(self.line[-1]) if self.pipeline else now}
            if en and self.pipeline:
                self.line = [now] + self.line[:-1]
        elif self.agg == "majority":
            up, down = [], []
            for mi in range(self.m):
                for pol, c, dest in ((0, exc[mi], up), (1, inh[mi], down)):
                    if 2 * c > n:
                        dest.append(1)
                    elif 2 * c < n:
                        dest.append(0)
                    elif self.tie == "zero":
                        dest.append(0)
                    elif self.tie == "one":
                        dest.append(1)
                    else:
                        dest.append(self.toggle[mi][pol])
                        if en:
                            self.toggle[mi][pol] ^= 1
            out = {"up": up, "down": down}
        else:
            b = self.sel_bits
            sel = ((self.mux_state & ((1 << b) - 1)) * n) >> b if n > 1 else 0
            out = {"up": [row[sel] for row in ebits], "down": [row[sel] for row in ibits]}
        if en:
            self.state = ref_next(self.state, w, self.taps, self.form)
            self.in_state = ref_next(self.in_state, w, self.taps, self.form)
            self.mux_state = ref_next(self.mux_state, w, self.taps, self.form)
        write = (w_addr, w_data) if w_en else None
        if self.write_register:  # the port of this cycle is written at the next edge
            write, self.pending = self.pending, write
        if write is not None and write[0] < n * self.m:
            addr, data = write
            value = data - 2 ** (wb + 1) if data >= 2**wb else data
            self.w[addr // n][addr % n] = max(value, -(2**wb - 1))
        return out


def draw_params(rng: np.random.Generator, synapse: str, mode: str, agg: str) -> dict:
    n = int(rng.integers(1, 9))
    m = int(rng.integers(1, 5))
    wb = int(rng.integers(1, 6))
    width = int(rng.integers(max(4, wb + 1, n.bit_length()), 12))
    kw = {
        "n_inputs": n,
        "n_neurons": m,
        "weight_width": wb,
        "weights": random_weights(rng, m, n, wb),
        "synapse": synapse,
        "input_mode": mode,
        "aggregation": agg,
        "width": width,
        "seed": int(rng.integers(1, 2**width)),
        "form": str(rng.choice(["fibonacci", "galois"])),
    }
    if rng.random() < 0.5:
        kw["rotations"] = rng.integers(0, width, n).tolist()
    if agg == "counter":
        kw["pipeline"] = int(rng.integers(0, (n - 1).bit_length() + 1))
    if agg == "majority":
        kw["tie"] = str(rng.choice(["zero", "one", "alternate"]))
    if agg == "mux" and rng.random() < 0.5:
        kw["mux_seed"] = int(rng.integers(1, 2**width))
        kw["mux_sel_bits"] = int(rng.integers(n.bit_length(), width + 1))
    if mode == "values":
        kw["value_width"] = int(rng.integers(1, width + 1))
        if rng.random() < 0.5:
            kw["input_seed"] = int(rng.integers(1, 2**width))
    kw["write_register"] = bool(rng.random() < 0.5)
    return kw


def draw_inputs(rng: np.random.Generator, kw: dict, n_cycles: int) -> np.ndarray:
    n = kw["n_inputs"]
    if kw["input_mode"] == "spikes":
        return (rng.random((n_cycles, n)) < rng.random(n)).astype(np.uint8)
    return rng.integers(0, 2 ** kw["value_width"], (n_cycles, n))


MODES = [(syn, mode, agg) for syn in S.SYNAPSES for mode in S.INPUT_MODES for agg in S.AGGREGATIONS]


# ---------------------------------------------------------------------------
# Bit-exactness against the reference
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(("synapse", "mode", "agg"), MODES)
def test_cycle_model_equals_per_synapse_reference(synapse, mode, agg) -> None:
    """Random en, weight writes (incl. -2**wb and bad addresses) and resets."""
    rng = np.random.default_rng([MODES.index((synapse, mode, agg)), 1])
    for _ in range(6):
        kw = draw_params(rng, synapse, mode, agg)
        model, ref = S.Synapses(**kw), RefSynapses(kw)
        n_cycles = 150
        x = draw_inputs(rng, kw, n_cycles)
        p = model.params
        for t in range(n_cycles):
            en = int(rng.random() < 0.8)
            w_en = int(rng.random() < 0.1)
            w_addr = int(rng.integers(0, 2**p.addr_width))
            w_data = int(rng.integers(0, 2 ** (p.weight_width + 1)))
            got = model.step(x[t], en, w_addr, w_data, w_en)
            want = ref.step(x[t].tolist(), en, w_addr, w_data, w_en)
            for port, value in want.items():
                assert getattr(got, port).tolist() == value, (kw, t, port)
            if rng.random() < 0.01:
                model.reset()
                ref.reset()


@pytest.mark.parametrize(("synapse", "mode", "agg"), MODES)
def test_vectorised_run_equals_reference_with_batch(synapse, mode, agg) -> None:
    rng = np.random.default_rng([MODES.index((synapse, mode, agg)), 2])
    for _ in range(4):
        kw = draw_params(rng, synapse, mode, agg)
        batch, n_cycles = 3, 120
        x = np.stack([draw_inputs(rng, kw, n_cycles) for _ in range(batch)], axis=1)
        out = S.synapses_run(S.check_synapse_params(**kw), x)
        for b in range(batch):
            ref = RefSynapses(kw)
            for t in range(n_cycles):
                want = ref.step(x[t, b].tolist())
                for port, value in want.items():
                    assert getattr(out, port)[t, b].tolist() == value, (kw, t, b, port)


# ---------------------------------------------------------------------------
# Stated bias over a full LFSR period
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("form", ["fibonacci", "galois"])
def test_and_synapse_count_over_a_full_period_matches_the_sng_bias(form) -> None:
    width, wb, n, m = 10, 4, 5, 3
    rng = np.random.default_rng(3)
    weights = rng.integers(-15, 16, (m, n))
    weights[0, :2] = (15, -15)
    weights[1, 0] = 0
    p = S.check_synapse_params(
        n_inputs=n,
        n_neurons=m,
        weight_width=wb,
        weights=weights.tolist(),
        width=width,
        seed=77,
        form=form,
    )
    period = 2**width - 1
    e, i = S.synapse_polarity_run(p, np.ones((period, n), dtype=np.uint8))
    mag = np.abs(weights)
    # sc_model.sng: a value v >= 1 gives v * 2**(width - value_width) - 1 ones per period.
    ones = np.where(mag >= 1, mag * 2 ** (width - wb) - 1, 0)
    np.testing.assert_array_equal(e.sum(axis=0), np.where(weights >= 0, ones, 0))
    np.testing.assert_array_equal(i.sum(axis=0), np.where(weights < 0, ones, 0))
    count = S.synapses_run(p, np.ones((period, n), dtype=np.uint8)).count
    np.testing.assert_array_equal(count.sum(axis=0), (np.sign(weights) * ones).sum(axis=1))


def test_xnor_weight_stream_over_a_full_period_encodes_the_offset_binary_weight() -> None:
    width, wb = 9, 3
    weights = [[-7, -3, 0, 1, 7]]
    p = S.check_synapse_params(
        n_inputs=5,
        n_neurons=1,
        weight_width=wb,
        weights=weights,
        synapse="xnor",
        width=width,
        seed=5,
    )
    period = 2**width - 1
    e, _ = S.synapse_polarity_run(p, np.ones((period, 5), dtype=np.uint8))  # x = 1: b = s
    offset = np.array(weights[0]) + 2**wb  # w' in [1, 2**(wb + 1) - 1]
    np.testing.assert_array_equal(e.sum(axis=0)[0], offset * 2 ** (width - wb - 1) - 1)


# ---------------------------------------------------------------------------
# Pieces and helpers
# ---------------------------------------------------------------------------


def test_select_randoms_equals_sng_select_bits_per_input() -> None:
    states = lfsr_sequence(11, 99, 300)
    rots = [0, 3, 10, 5, 5]
    r = S.select_randoms(states, 11, 6, rots)
    for j, rot in enumerate(rots):
        np.testing.assert_array_equal(r[:, j], select_bits(states, 11, 6, rotation=rot))


@pytest.mark.parametrize("form", ["fibonacci", "galois"])
def test_jump_state_equals_stepping(form) -> None:
    for width, seed, steps in [(5, 3, 16), (9, 200, 256), (12, 4095, 1000), (4, 1, 0)]:
        assert S.jump_state(width, seed, steps, form=form) == int(
            lfsr_sequence(width, seed, steps + 1, form=form)[-1]
        )


def test_default_input_and_mux_seeds_are_half_and_quarter_period_ahead() -> None:
    p = S.check_synapse_params(
        n_inputs=3, n_neurons=1, input_mode="values", width=8, seed=9, value_width=4
    )
    seq = lfsr_sequence(8, 9, 256)
    assert p.input_seed == seq[128]
    q = S.check_synapse_params(n_inputs=3, n_neurons=1, aggregation="mux", width=8, seed=9)
    assert q.mux_seed == seq[64]


def test_w_data_decoding() -> None:
    wb = 4  # w_data is 5 bits two's complement
    assert [S.decode_w_data(v, wb) for v in (0, 1, 15, 31, 17, 16)] == [0, 1, 15, -1, -15, -15]
    for w in range(-15, 16):
        assert S.decode_w_data(S.encode_w_data(w, wb), wb) == w


def test_enable_low_freezes_pipeline_and_lfsr() -> None:
    kw = {
        "n_inputs": 6,
        "n_neurons": 2,
        "weight_width": 3,
        "width": 9,
        "seed": 3,
        "weights": [[7] * 6, [-7, 7, 7, -7, 0, 7]],
        "pipeline": 3,
    }
    model = S.Synapses(**kw)
    ones = np.ones(6, np.uint8)
    for _ in range(10):
        model.step(ones)
    held = model.step(ones, en=0).count
    for _ in range(20):
        assert model.step(ones, en=0).count.tolist() == held.tolist()
    # Resuming continues exactly where an uninterrupted run would be.
    a, b = S.Synapses(**kw), S.Synapses(**kw)
    seq_a = [a.step(ones).count.tolist() for _ in range(30)]
    seq_b = []
    for t in range(60):
        out = b.step(ones, en=int(t % 2 == 0)).count.tolist()
        if t % 2 == 0:
            seq_b.append(out)
    assert seq_a == seq_b


def test_counter_expectation_follows_weights_and_input_rate() -> None:
    """Mean count per cycle ~ sum_j sign(w) P(x_j) |w| / 2**wb (linearity)."""
    rng = np.random.default_rng(11)
    n, m, wb, n_cycles = 8, 3, 6, 2**14 - 1
    weights = rng.integers(-63, 64, (m, n))
    rate = rng.random(n)
    p = S.check_synapse_params(
        n_inputs=n, n_neurons=m, weight_width=wb, weights=weights.tolist(), width=14, seed=1234
    )
    x = (rng.random((n_cycles, n)) < rate).astype(np.uint8)
    mean = S.synapses_run(p, x).count.mean(axis=0)
    expect = (weights * x.mean(axis=0) / 2**wb).sum(axis=1)
    assert np.all(np.abs(mean - expect) < 0.05), (mean, expect)


def test_mux_streams_average_the_synapses() -> None:
    n, m, wb, width = 5, 2, 4, 13
    weights = [[15, 8, 0, -4, 12], [-15, -15, 3, 0, 1]]
    p = S.check_synapse_params(
        n_inputs=n,
        n_neurons=m,
        weight_width=wb,
        weights=weights,
        aggregation="mux",
        width=width,
        seed=99,
    )
    period = 2**width - 1
    out = S.synapses_run(p, np.ones((period, n), dtype=np.uint8))
    w = np.array(weights)
    want_up = np.where(w > 0, w, 0).sum(axis=1) / 16 / n
    want_down = np.where(w < 0, -w, 0).sum(axis=1) / 16 / n
    assert np.all(np.abs(out.up.mean(axis=0) - want_up) < 0.03)
    assert np.all(np.abs(out.down.mean(axis=0) - want_down) < 0.03)


# ---------------------------------------------------------------------------
# Hardware twin beyond the cosim sizes, and parameter errors
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "extra",
    [
        {"aggregation": "counter", "pipeline": 6},
        {"aggregation": "majority", "tie": "alternate", "synapse": "xnor"},
        {"aggregation": "mux", "input_mode": "values", "value_width": 5},
    ],
)
def test_pysim_at_the_largest_input_count(extra) -> None:
    rng = np.random.default_rng(5)
    params = {
        "n_inputs": 64,
        "n_neurons": 2,
        "weight_width": 6,
        "width": 16,
        "seed": 0x1D2B,
        "weights": random_weights(rng, 2, 64, 6),
        **extra,
    }
    assert pysim_against_twin(SPEC, params, seed=1, cycles=120) == ""


BAD = [
    ({"n_inputs": 0}, ValueError, r"n_inputs must be in \[1, 1024\], not 0"),
    ({"n_inputs": 1025}, ValueError, r"n_inputs must be in \[1, 1024\], not 1025"),
    ({"n_neurons": 1025}, ValueError, r"n_neurons must be in \[1, 1024\], not 1025"),
    (
        {"n_inputs": 65, "aggregation": "majority"},
        ValueError,
        r"n_inputs must be in \[1, 64\] for aggregation='majority' .*not 65",
    ),
    (
        {"n_inputs": 65, "aggregation": "mux"},
        ValueError,
        r"n_inputs must be in \[1, 64\] for aggregation='mux' .*not 65",
    ),
    ({"n_inputs": 300, "pipeline": 10}, ValueError, r"pipeline must be in \[0, 9\], not 10"),
    ({"weight_width": 17}, ValueError, r"weight_width must be in \[1, 16\], not 17"),
    (
        {"weights": [[256, 0, 0]] * 2},
        ValueError,
        r"weights\[0\]\[0\] must be in .*\[-255, 255\].*not 256",
    ),
    ({"weights": [[0, -256, 0]] * 2}, ValueError, r"weights\[0\]\[1\] must be .*not -256"),
    (
        {"weights": [[0, 0, 0]]},
        ValueError,
        r"weights must have shape \(n_neurons, n_inputs\) = \(2, 3\), not \(1, 3\)",
    ),
    ({"weights": [[0, 0], [0, 0, 0]]}, ValueError, r"weights must have shape .*ragged"),
    ({"weights": [[0.5, 0, 0]] * 2}, TypeError, r"weights must hold integers"),
    ({"synapse": "or"}, ValueError, r"synapse must be one of 'and', 'xnor'; not 'or'"),
    ({"input_mode": "rates"}, ValueError, r"input_mode must be one of"),
    ({"aggregation": "sum"}, ValueError, r"aggregation must be one of"),
    (
        {"width": 8, "weight_width": 8, "synapse": "xnor"},
        ValueError,
        r"weight_width must be in \[1, 7\] for width=8 and synapse='xnor'",
    ),
    ({"width": 8, "weight_width": 9}, ValueError, r"weight_width must be in \[1, 8\] for width=8"),
    ({"pipeline": 3}, ValueError, r"pipeline must be in \[0, 2\], not 3"),
    (
        {"aggregation": "majority", "pipeline": 1},
        ValueError,
        r"pipeline applies to aggregation='counter' only \(otherwise 0\); got 1",
    ),
    ({"tie": "one"}, ValueError, r"tie applies to aggregation='majority' only"),
    ({"aggregation": "majority", "tie": "coin"}, ValueError, r"tie must be one of"),
    (
        {"aggregation": "mux", "mux_sel_bits": 1},
        ValueError,
        r"mux_sel_bits must be in \[2, 8\], not 1",
    ),
    ({"aggregation": "mux", "mux_seed": 0}, ValueError, r"mux_seed must be non-zero"),
    ({"mux_seed": 5}, ValueError, r"mux_seed applies to aggregation='mux' only"),
    ({"value_width": 4}, ValueError, r"value_width applies to input_mode='values' only"),
    (
        {"input_mode": "values", "value_width": 9},
        ValueError,
        r"value_width must be in \[1, 8\], not 9",
    ),
    (
        {"input_mode": "values", "input_seed": 256},
        ValueError,
        r"input_seed must be in \[0, 255\], not 256",
    ),
    ({"input_seed": 3}, ValueError, r"input_seed applies to input_mode='values' only"),
    ({"rotations": [0, 1]}, ValueError, r"rotations must hold n_inputs=3 entries, not 2"),
    ({"rotations": [0, 1, 8]}, ValueError, r"rotations\[2\] must be in \[0, 7\], not 8"),
    (
        {"input_mode": "values", "input_rotations": [0, 9, 1]},
        ValueError,
        r"input_rotations\[1\] must be in \[0, 7\], not 9",
    ),
    ({"seed": 0}, ValueError, r"seed must be non-zero"),
    ({"width": 33}, ValueError, r"width must be in \[3, 32\], not 33"),
    ({"write_register": 1}, TypeError, r"write_register must be True or False, not 1 \(int\)"),
]


@pytest.mark.parametrize(("extra", "exc", "match"), BAD)
@pytest.mark.parametrize("cls", [S.Synapses, HwSynapses])
def test_bad_parameters_are_refused(cls, extra, exc, match) -> None:
    kw = {"n_inputs": 3, "n_neurons": 2, "width": 8, "seed": 1, **extra}
    with pytest.raises(exc, match=match):
        cls(**kw)


def test_mux_needs_enough_lfsr_bits_for_the_selection() -> None:
    with pytest.raises(ValueError, match=r"width must be >= n_inputs.bit_length\(\) = 7"):
        S.check_synapse_params(n_inputs=64, n_neurons=1, aggregation="mux", width=6, weight_width=4)


# ---------------------------------------------------------------------------
# Large layers: limits, chunking, counters beyond 256 inputs
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(("synapse", "mode", "agg"), MODES)
def test_chunked_run_equals_one_piece(monkeypatch, synapse, mode, agg) -> None:
    """Chunks of one neuron and one batch element give the one-piece result bit for bit."""
    rng = np.random.default_rng([MODES.index((synapse, mode, agg)), 3])
    kw = draw_params(rng, synapse, mode, agg)
    kw["n_neurons"] = 5
    kw["weights"] = random_weights(rng, 5, kw["n_inputs"], kw["weight_width"])
    p = S.check_synapse_params(**kw)
    x = np.stack([draw_inputs(rng, kw, 90) for _ in range(3)], axis=1)
    whole = S.synapses_run(p, x)
    monkeypatch.setattr(S, "CHUNK_ELEMENTS", 1)
    pieces = S.synapses_run(p, x)
    for port in ("count", "up", "down"):
        a, b = getattr(whole, port), getattr(pieces, port)
        assert (a is None) == (b is None)
        if a is not None:
            assert a.shape == (90, 3, 5)
            np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("pipeline", [0, 4, 9])
def test_counter_beyond_256_inputs_equals_reference(pipeline) -> None:
    """N = 300 (past the 256 of arith.ParallelCounter), every pipeline depth range end."""
    rng = np.random.default_rng([300, pipeline])
    n, m = 300, 2
    kw = {
        "n_inputs": n,
        "n_neurons": m,
        "weight_width": 4,
        "weights": random_weights(rng, m, n, 4),
        "synapse": "and",
        "input_mode": "spikes",
        "aggregation": "counter",
        "pipeline": pipeline,
        "width": 12,
        "seed": 77,
    }
    x = (rng.random((40, n)) < 0.6).astype(np.uint8)
    out = S.synapses_run(S.check_synapse_params(**kw), x[:, None, :])
    ref = RefSynapses(kw)
    for t in range(40):
        assert out.count[t, 0].tolist() == ref.step(x[t].tolist())["count"], t
    assert np.abs(out.count[pipeline:]).max() > 10  # not a trivially zero run


def test_pysim_counter_beyond_256_inputs() -> None:
    rng = np.random.default_rng(9)
    params = {
        "n_inputs": 260,
        "n_neurons": 1,
        "weight_width": 3,
        "width": 12,
        "seed": 0x5A5,
        "weights": random_weights(rng, 1, 260, 3),
        "pipeline": 5,
    }
    assert pysim_against_twin(SPEC, params, seed=2, cycles=40) == ""


def test_counter_register_levels_follow_the_arith_rule() -> None:
    from sc_model import arith

    for n in (1, 2, 3, 17, 256):
        for p in range(S.counter_depth(n) + 1):
            assert S.counter_register_levels(n, p) == arith.register_levels(n, p)
    assert S.counter_depth(1024) == 10 and S.counter_depth(257) == 9
    assert S.counter_register_levels(1024, 3) == (4, 7, 10)
