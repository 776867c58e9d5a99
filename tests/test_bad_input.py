"""Bad input is refused with a clear error: a table of cases across the layers.

Every case must raise ``ValueError`` or ``TypeError`` whose message names the
argument (and, for a scalar bad value, shows the value). The table covers the
model (``sc_model``), the learning API (``sc_model.learning``), the Amaranth
twins (``sc_hw``, refused at construction, before elaboration), the export
file loaders (``sc_model.export``) and the co-simulation's environment knobs.
``hypothesis`` then fuzzes the file loaders: whatever bytes a ``params.json``
or a memory image holds, loading either succeeds with a valid configuration
or raises ``ValueError``/``TypeError`` naming the file.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sc_hw.arith as hw_arith
import sc_hw.eprop_unit as hw_eprop
import sc_hw.homeostasis_unit as hw_homeo
import sc_hw.lfsr as hw_lfsr
import sc_hw.lif as hw_lif
import sc_hw.rstdp as hw_rstdp
import sc_hw.sc_layer as hw_sc_layer
import sc_hw.sc_layer_tm as hw_sc_layer_tm
import sc_hw.sc_multiplier as hw_mult
import sc_hw.sng as hw_sng
import sc_hw.stdp as hw_stdp
import sc_hw.stp_unit as hw_stp
import sc_hw.synapses as hw_syn
from sc_model import (
    analysis,
    arith,
    eprop_unit,
    export,
    homeostasis_unit,
    lfsr,
    lif,
    rstdp,
    sc_multiplier,
    sng,
    stdp,
    stp_unit,
    streams,
    synapses,
)
from sc_model.learning import (
    BPTTLearner,
    EPropLearner,
    EWCLearner,
    Network,
    RewardModulatedLearner,
    TBPTTLearner,
    feedforward,
)
from sc_model.learning_core import LearningCoreConfig
from sc_model.sc_layer import SCLayerConfig
from sc_model.sc_layer_tm import SCLayerTMConfig, encode_weight_word


@dataclass(frozen=True)
class Case:
    """One bad call: ``call()`` must raise ``error`` with ``names`` (a regex) in its message."""

    id: str
    call: Callable[[], Any]
    names: str
    value: str | None = None  # text the message must also show (the bad value), if any
    error: tuple[type[Exception], ...] = (ValueError, TypeError)


def silenced(component: Any) -> Any:
    component._MustUse__silence = True  # built only to be refused; never elaborated
    return component


# ---------------------------------------------------------------------------
# Constructor parameters: each bad value on the model twin and the Amaranth twin
# ---------------------------------------------------------------------------

#: (block, model constructor, Amaranth constructor or None, valid base kwargs,
#:  [(parameter, bad value), ...])
PARAMETER_TABLE: list[tuple[str, Callable, Callable | None, dict, list[tuple[str, Any]]]] = [
    (
        "lfsr",
        lfsr.LFSR,
        hw_lfsr.LFSR,
        {"width": 8},
        [
            ("width", 2),
            ("width", 33),
            ("width", 8.0),
            ("width", True),
            ("width", "8"),
            ("seed", 0),
            ("seed", 256),
            ("seed", -1),
            ("form", "galileo"),
            ("taps", (9, 3)),
        ],
    ),
    (
        "sng",
        sng.SNGBank,
        hw_sng.SNGBank,
        {"width": 16, "n_streams": 2},
        [
            ("width", 40),
            ("n_streams", 0),
            ("value_width", 17),
            ("value_width", 0),
            ("seed", 0),
            ("rotations", (0, 99)),
            ("form", "x"),
        ],
    ),
    (
        "ldsng",
        sng.LDSNG,
        hw_sng.LDSNG,
        {"value_width": 8},
        [("value_width", 0), ("value_width", 40), ("kind", "halton"), ("dimension", 99)],
    ),
    ("and_mul", arith.AndMul, hw_arith.AndMul, {}, [("lanes", 0), ("lanes", 1.5)]),
    ("xnor_mul", arith.XnorMul, hw_arith.XnorMul, {}, [("lanes", -3), ("lanes", "two")]),
    (
        "mux_add",
        arith.MuxAdd,
        hw_arith.MuxAdd,
        {"n_inputs": 4},
        [("n_inputs", 0), ("width", 99), ("seed", 0), ("sel_bits", 99)],
    ),
    (
        "majority",
        arith.Majority,
        hw_arith.Majority,
        {"n_inputs": 5},
        [("n_inputs", 0), ("n_inputs", 1000), ("tie", "coin")],
    ),
    (
        "parallel_counter",
        arith.ParallelCounter,
        hw_arith.ParallelCounter,
        {"n_inputs": 8},
        [("n_inputs", 0), ("pipeline", -1), ("pipeline", 99)],
    ),
    (
        "stream_counter",
        arith.StreamCounter,
        hw_arith.StreamCounter,
        {},
        [("count_width", 0), ("count_width", 99)],
    ),
    (
        "multiplier",
        sc_multiplier.SCMultiplier,
        hw_mult.SCMultiplier,
        {},
        [("width", 1), ("seed", 0), ("value_width", 0), ("length_log2", 0), ("form", "x")],
    ),
    (
        "lif",
        lambda **kw: lif.LIFPopulation(n_neurons=2, **kw),
        hw_lif.LIFNeuron,
        {"v_width": 8, "threshold": 10},
        [
            ("v_width", 1),
            ("threshold", 10**6),
            ("input_mode", "analog"),
            ("in_width", 0),
            ("leak_mode", "exp"),
            ("reset_mode", "zero"),
            ("v_reset", 10**6),
            ("refractory", -1),
            ("leak_shift", 3),
        ],
    ),
    (
        "synapses",
        synapses.Synapses,
        hw_syn.Synapses,
        {"n_inputs": 4, "n_neurons": 2},
        [
            ("n_inputs", 0),
            ("n_neurons", 0),
            ("weight_width", 0),
            ("synapse", "or"),
            ("aggregation", "sum"),
            ("pipeline", -1),
            ("weights", [[1, 2, 3]]),
            ("weights", [[999] * 4] * 2),
            ("input_mode", "rates"),
            ("tie", "one"),
        ],
    ),
    (
        "stdp",
        stdp.STDP,
        hw_stdp.STDP,
        {"n_pre": 4, "n_post": 2},
        [
            ("n_pre", 0),
            ("n_post", -1),
            ("weight_width", 0),
            ("w_min", -999),
            ("w_max", 10**6),
            ("trace_width", 0),
            ("pairing", "triplet"),
            ("decay", "exp"),
            ("rounding", "nearest"),
            ("update_shift", -1),
            ("a_plus", -1),
            ("decay_period_log2", -1),
        ],
    ),
    (
        "rstdp",
        rstdp.RSTDP,
        hw_rstdp.RSTDP,
        {"n_pre": 4, "n_post": 2},
        [
            ("elig_width", 0),
            ("reward_width", 0),
            ("reward_shift", -1),
            ("reward_delay", -1),
            ("elig_decay_period_log2", -1),
        ],
    ),
    (
        "stp_unit",
        stp_unit.STPUnit,
        hw_stp.STPUnit,
        {"n_channels": 2},
        [
            ("n_channels", 0),
            ("frac_bits", 0),
            ("frac_bits", 99),
            ("tau_d_shift", -1),
            ("tau_f_shift", 99),
            ("u_base", -1),
        ],
    ),
    (
        "homeostasis_unit",
        homeostasis_unit.HomeostasisUnit,
        hw_homeo.HomeostasisUnit,
        {"n_neurons": 2},
        [
            ("n_neurons", 0),
            ("rate_frac_bits", 0),
            ("rate_shift", -1),
            ("threshold_width", 0),
            ("update", "pid"),
            ("update_period_log2", -1),
            ("threshold_min", -5),
        ],
    ),
    (
        "eprop_unit",
        eprop_unit.EpropUnit,
        hw_eprop.EpropUnit,
        {"n_pre": 2, "n_post": 2},
        [
            ("n_pre", 0),
            ("n_post", 0),
            ("trace_frac_bits", -1),
            ("alpha_shift", 0),
            ("psi_width", 0),
            ("learning_width", 0),
            ("dw_width", 0),
        ],
    ),
    (
        "sc_layer",
        lambda **kw: SCLayerConfig(**kw),
        lambda **kw: hw_sc_layer.SCLayer(**kw),
        {"n_inputs": 4, "n_neurons": 2, "thresholds": [3, 3]},
        [
            ("n_inputs", 0),
            ("thresholds", [3]),
            ("v_width", 1),
            ("leak_mode", "exp"),
            ("reset_mode", "zero"),
            ("aggregation", "sum"),
            ("weights", [[1, 2]]),
        ],
    ),
    (
        "sc_layer_tm",
        lambda **kw: SCLayerTMConfig(**kw),
        lambda **kw: hw_sc_layer_tm.SCLayerTM(**kw),
        {"n_inputs": 8, "n_neurons": 2, "thresholds": [3, 3]},
        [
            ("n_inputs", 0),
            ("n_neurons", 0),
            ("lanes", 0),
            ("thresholds", [3, 3, 3]),
            ("weight_width", 0),
            ("synapse", "or"),
            ("v_width", 1),
            ("refractory", -1),
        ],
    ),
    (
        "learning_core",
        lambda **kw: LearningCoreConfig(**kw),
        None,
        {"n_inputs": 8, "n_neurons": 2, "thresholds": [3, 3]},
        [("trace_width", 0), ("rounding", "nearest"), ("a_plus", -1), ("update_shift", -1)],
    ),
]


def parameter_cases() -> list[Case]:
    cases = []
    for block, model_ctor, hw_ctor, base, bad in PARAMETER_TABLE:
        for name, value in bad:
            kwargs = {**base, name: value}
            shown = (
                repr(value)
                if isinstance(value, str)
                else (
                    str(value)
                    if isinstance(value, int | float) and not isinstance(value, bool)
                    else None
                )
            )
            cases.append(
                Case(
                    f"model-{block}-{name}={value!r}"[:80],
                    lambda c=model_ctor, k=kwargs: c(**k),
                    rf"\b{name}\b",
                    shown,
                )
            )
            if hw_ctor is not None:
                cases.append(
                    Case(
                        f"hw-{block}-{name}={value!r}"[:80],
                        lambda c=hw_ctor, k=kwargs: silenced(c(**k)),
                        rf"\b{name}\b",
                        shown,
                    )
                )
    return cases


# ---------------------------------------------------------------------------
# Runtime inputs of the model (shapes, dtypes, ranges, empty input)
# ---------------------------------------------------------------------------


def runtime_cases() -> list[Case]:
    sp = stdp.check_stdp_params(n_pre=3, n_post=2)
    rp = rstdp.check_rstdp_params(n_pre=3, n_post=2)
    stp_p = stp_unit.check_stp_params(n_channels=2)
    hp = homeostasis_unit.check_homeostasis_params(n_neurons=2)
    ep = eprop_unit.check_eprop_params(n_pre=2, n_post=2)
    syn_p = synapses.check_synapse_params(n_inputs=3, n_neurons=2)
    c = [
        # broadcasting errors named, not NumPy's message
        Case("lfsr-step-en-shape", lambda: lfsr.LFSR(8, seed=[1, 2]).step(en=[1, 1, 1]), r"\ben\b"),
        Case(
            "lfsr-step-load-shape",
            lambda: lfsr.LFSR(8, seed=[1, 2]).step(load=[1, 0, 1]),
            r"\bload\b",
        ),
        Case(
            "lfsr-step-load_value-shape",
            lambda: lfsr.LFSR(8, seed=[1, 2]).step(load=1, load_value=[1, 2, 3]),
            "load_value",
        ),
        Case(
            "sngbank-values-shape",
            lambda: sng.SNGBank(16, n_streams=2, value_width=8).step(values=[1, 2, 3]),
            r"\bvalues\b",
        ),
        Case(
            "comparator_bits-shapes",
            lambda: sng.comparator_bits([1, 2], [1, 2, 3]),
            r"values.*randoms",
        ),
        Case("and_mul-shapes", lambda: arith.and_mul([0, 1], [0, 1, 1]), r"\ba\b.*\bb\b"),
        Case("xnor_mul-shapes", lambda: arith.xnor_mul([0, 1], [0, 1, 1]), r"\ba\b.*\bb\b"),
        # silently accepted before: en must be 0/1
        Case("lfsr-step-en=2", lambda: lfsr.LFSR(8).step(en=2), r"\ben\b", "2"),
        Case("lfsr-step-en=0.5", lambda: lfsr.LFSR(8).step(en=0.5), r"\ben\b", "float64"),
        Case("lfsr-step-load=-1", lambda: lfsr.LFSR(8).step(load=-1), r"\bload\b", "-1"),
        Case(
            "lfsr-step-load_value",
            lambda: lfsr.LFSR(8).step(load=1, load_value=256),
            "load_value",
            "256",
        ),
        # empty input reported as empty, not as a dtype problem
        Case("stream_value-empty", lambda: streams.stream_value([]), r"stream length", None),
        Case("scc-empty", lambda: analysis.scc([], []), r"streams must have length", None),
        Case("stream_value-float", lambda: streams.stream_value([0.5, 1.0]), r"\bstream\b"),
        Case("pack_bits-2", lambda: streams.pack_bits([0, 2]), r"\bbits\b", "2"),
        Case("unpack-dtype", lambda: streams.unpack_bits(np.array([1], np.int64), 8), r"\bwords\b"),
        Case("unpack-length", lambda: streams.unpack_bits(np.zeros(2, np.uint64), 8), "length"),
        Case("popcount-length", lambda: streams.popcount(np.zeros(1, np.uint64), -1), "length"),
        Case(
            "and_words-length",
            lambda: streams.and_words(np.zeros(1, np.uint64), np.zeros(2, np.uint64), 64),
            r"\bb\b",
        ),
        Case("scc-lengths", lambda: analysis.scc([0, 1, 1], [1, 0]), r"\bx\b.*\by\b"),
        Case("encoding_error-target", lambda: analysis.encoding_error([0, 1], 1.5), "target"),
        Case(
            "error_vs_length-lengths",
            lambda: analysis.error_vs_length(np.zeros((2, 8), np.uint8), 0.5, [0]),
            "lengths",
        ),
        Case(
            "fit_error_exponent-neg", lambda: analysis.fit_error_exponent([1, 2], [-1, 1]), "errors"
        ),
        Case("comparator-negative", lambda: sng.comparator_bits([-1], [0]), r"\bvalues\b"),
        Case("lfsr_sequence-steps", lambda: lfsr.lfsr_sequence(8, 1, -1), "n_steps", "-1"),
        Case("lfsr_sequence-seed", lambda: lfsr.lfsr_sequence(8, 0, 4), "seed"),
        Case(
            "sng-streams-values",
            lambda: sng.lfsr_sng_streams([300], 16, 1, 8, value_width=8),
            r"\bvalues\b",
        ),
        Case("ld_sng-values", lambda: sng.ld_sng_stream([300], 8, 8), r"\bvalues\b"),
        Case("bit_reverse-bits", lambda: sng.bit_reverse([1], 0), "n_bits"),
        Case("majority-tie", lambda: arith.majority([[0, 1]], tie="x"), r"\btie\b", "'x'"),
        Case("majority-bits", lambda: arith.majority([[0, 2]]), r"\binputs\b"),
        Case(
            "parallel_count-pipeline",
            lambda: arith.parallel_count([[0, 1]], pipeline=9),
            "pipeline",
        ),
        Case("stream_count-width", lambda: arith.stream_count([0, 1], 0), "count_width"),
        Case("stream_count-bits", lambda: arith.stream_count([0, 3], 8), "bit_in"),
        Case("mux_add-width", lambda: arith.mux_add([[0, 1]], 2), r"\bwidth\b"),
        Case("unpack_bits-n_bits", lambda: arith.unpack_bits(3, -1), "n_bits"),
        Case("pack_bits-ints", lambda: arith.pack_bits([0, 1, 5]), r"\bbits\b", "5"),
        Case(
            "lif_run-inputs-float",
            lambda: lif.lif_run(np.zeros((4, 2)), v_width=8, threshold=3),
            r"\binputs\b",
        ),
        Case(
            "lif_run-threshold",
            lambda: lif.lif_run(np.zeros((4, 2), np.int64), v_width=8, threshold=999),
            "threshold",
            "999",
        ),
        Case(
            "lif-step-x-shape", lambda: lif.LIFPopulation(2, 8, 3).step([1, 2, 3]), r"\bx\b|input"
        ),
        Case(
            "stdp_run-pre-shape",
            lambda: stdp.stdp_run(sp, np.zeros((4, 2), np.uint8), np.zeros((4, 2), np.uint8)),
            r"\bpre\b",
        ),
        Case(
            "stdp_run-post-bits",
            lambda: stdp.stdp_run(sp, np.zeros((4, 3), np.uint8), np.full((4, 2), 2, np.uint8)),
            r"\bpost\b",
        ),
        Case(
            "rstdp_run-reward-range",
            lambda: rstdp.rstdp_run(
                rp,
                np.zeros((4, 3), np.uint8),
                np.zeros((4, 2), np.uint8),
                np.full(4, 10**6),
                np.ones(4, np.uint8),
            ),
            "reward",
        ),
        Case(
            "stp_run-spikes-shape",
            lambda: stp_unit.stp_run(stp_p, np.zeros((4, 3), np.uint8)),
            "spikes",
        ),
        Case(
            "homeostasis_run-spikes",
            lambda: homeostasis_unit.homeostasis_run(hp, np.full((4, 2), 3)),
            "spikes",
        ),
        Case(
            "eprop_run-psi-range",
            lambda: eprop_unit.eprop_run(
                ep, np.zeros((4, 2), np.uint8), np.full((4, 2), 999), np.zeros((4, 2), np.int64)
            ),
            "psi",
        ),
        Case(
            "synapses_run-inputs",
            lambda: synapses.synapses_run(syn_p, np.full((4, 3), 5)),
            "inputs",
        ),
        Case("sc_multiply-a-range", lambda: sc_multiplier.sc_multiply([300], [1]), r"\ba\b"),
        Case("sc_multiply-b-range", lambda: sc_multiplier.sc_multiply([1], [-1]), r"\bb\b"),
        Case("encode_w_data-range", lambda: synapses.encode_w_data(999, 4), "weight"),
    ]
    return c


# ---------------------------------------------------------------------------
# The learning API
# ---------------------------------------------------------------------------


def small_network() -> Network:
    return feedforward(3, [4, 2], rng=np.random.default_rng(0))


def learning_cases() -> list[Case]:
    x = np.zeros((5, 3))
    y_nan = np.zeros((5, 2))
    y_nan[2, 1] = np.nan
    y_inf = np.zeros((5, 2))
    y_inf[0, 0] = np.inf
    return [
        Case(
            "bptt-nan-targets",
            lambda: BPTTLearner(small_network()).train_step(x, y_nan),
            r"\btargets\b",
            "nan",
        ),
        Case(
            "bptt-inf-targets",
            lambda: BPTTLearner(small_network()).gradients(x, y_inf),
            r"\btargets\b",
            "inf",
        ),
        Case(
            "tbptt-nan-targets",
            lambda: TBPTTLearner(small_network(), k=2).train_step(x, y_nan),
            r"\btargets\b",
        ),
        Case(
            "eprop-nan-targets",
            lambda: EPropLearner(small_network()).train_step(x, y_nan),
            r"\btargets\b",
        ),
        Case(
            "ewc-nan-targets",
            lambda: EWCLearner(small_network(), lam=1.0).train_step(x, y_nan),
            r"\btargets\b",
        ),
        Case(
            "bptt-target-shape",
            lambda: BPTTLearner(small_network()).train_step(x, np.zeros((5, 3))),
            r"\btargets\b",
        ),
        Case(
            "bptt-input-shape",
            lambda: BPTTLearner(small_network()).train_step(np.zeros((5, 4)), np.zeros((5, 2))),
            r"\binputs\b",
        ),
        Case("bptt-lr", lambda: BPTTLearner(small_network(), lr=-1.0), r"\blr\b"),
        Case("bptt-loss", lambda: BPTTLearner(small_network(), loss_fn="hinge"), r"\bloss"),
        Case("tbptt-k", lambda: TBPTTLearner(small_network(), k=0), r"\bk\b"),
        Case("feedforward-sizes", lambda: feedforward(3, [0]), "size"),
        Case("network-n_in", lambda: Network(0), "n_in"),
        Case(
            "reward-tau",
            lambda: RewardModulatedLearner(small_network(), tau_reward=-1.0),
            "tau_reward",
        ),
        Case(
            "reward-a_plus",
            lambda: RewardModulatedLearner(small_network(), 10.0, a_plus=-1.0),
            "a_plus",
        ),
        Case(
            "eprop-feedback",
            lambda: EPropLearner(small_network(), feedback="magic"),
            "feedback",
            "'magic'",
        ),
        Case("ewc-lam", lambda: EWCLearner(small_network(), lam=-1.0), "lam"),
    ]


# ---------------------------------------------------------------------------
# Export files and environment knobs
# ---------------------------------------------------------------------------


def tm_export(directory: Path) -> Path:
    cfg = SCLayerTMConfig(n_inputs=4, n_neurons=2, lanes=4, thresholds=[3, 4], weight_width=3)
    export.export_sc_layer_tm(cfg, directory)
    return directory


def core_export(directory: Path) -> Path:
    cfg = LearningCoreConfig(n_inputs=4, n_neurons=2, lanes=2, thresholds=[3, -1], v_reset=-4)
    export.export_learning_core(cfg, directory)
    return directory


def core_with_padding_weight(directory: Path) -> Path:
    """A 3-input, 2-lane core whose second chunk carries a weight in its padding lane."""
    cfg = LearningCoreConfig(n_inputs=3, n_neurons=1, lanes=2, thresholds=[2])
    export.export_learning_core(cfg, directory)
    word = encode_weight_word([1, 1], cfg.weight_width)
    digits = (cfg.word_width + 3) // 4
    (directory / "weights.hex").write_text(f"{0:0{digits}x}\n{word:0{digits}x}\n")
    return directory


def edit_params(directory: Path, change: Callable[[dict], None]) -> Path:
    path = directory / "params.json"
    params = json.loads(path.read_text())
    change(params)
    path.write_text(json.dumps(params))
    return directory


def file_cases(tmp: Path) -> list[Case]:
    def fresh(name: str) -> Path:
        return tm_export(tmp / name)

    def text(name: str, file: str, content: str) -> Path:
        d = fresh(name)
        (d / file).write_text(content)
        return d

    def binary(name: str, file: str, content: bytes) -> Path:
        d = fresh(name)
        (d / file).write_bytes(content)
        return d

    load = export.load_sc_layer_tm
    return [
        Case(
            "params-not-json",
            lambda: load(text("nj", "params.json", "{not json")),
            r"params\.json is not valid JSON",
        ),
        Case(
            "params-binary",
            lambda: load(binary("bin", "params.json", b"\xff\xfe\x00")),
            r"params\.json",
        ),
        Case("params-missing-file", lambda: load(tmp / "nowhere"), r"params\.json"),
        Case(
            "params-no-n_inputs",
            lambda: load(edit_params(fresh("ni"), lambda p: p.pop("n_inputs"))),
            "n_inputs",
        ),
        Case(
            "params-no-memories",
            lambda: load(edit_params(fresh("nm"), lambda p: p.pop("memories"))),
            "memories",
        ),
        Case(
            "params-depth-99",
            lambda: load(
                edit_params(fresh("d99"), lambda p: p["memories"]["weights"].update(depth=99))
            ),
            r"memories\.weights\.depth",
            "99",
        ),
        Case(
            "params-width",
            lambda: load(
                edit_params(fresh("w"), lambda p: p["memories"]["thresholds"].update(width=3))
            ),
            r"memories\.thresholds\.width",
        ),
        Case(
            "params-file-name",
            lambda: load(
                edit_params(
                    fresh("fn"), lambda p: p["memories"]["weights"].update(file="../../etc/passwd")
                )
            ),
            r"memories\.weights\.file",
        ),
        Case(
            "params-unknown-key",
            lambda: load(edit_params(fresh("uk"), lambda p: p.update(colour="red"))),
            "colour",
        ),
        Case(
            "params-no-version",
            lambda: load(edit_params(fresh("nv"), lambda p: p.pop("format_version"))),
            "format_version",
        ),
        Case(
            "params-version-2",
            lambda: load(edit_params(fresh("v2"), lambda p: p.update(format_version=2))),
            "format_version",
            "2",
        ),
        Case(
            "params-wrong-block",
            lambda: load(edit_params(fresh("wb"), lambda p: p.update(block="lif"))),
            "block",
            "'lif'",
        ),
        Case(
            "params-bad-value",
            lambda: load(edit_params(fresh("bv"), lambda p: p.update(v_width=1))),
            "v_width",
            "1",
        ),
        Case("params-not-object", lambda: load(text("no", "params.json", "[1, 2]")), "block"),
        Case(
            "hex-plus-sign",
            lambda: load(text("plus", "weights.hex", "+1f\n0\n")),
            r"weights\.hex line 1",
            "'+1f'",
        ),
        Case(
            "hex-0x", lambda: load(text("0x", "weights.hex", "0x1f\n0\n")), r"weights\.hex line 1"
        ),
        Case(
            "hex-underscore",
            lambda: load(text("us", "weights.hex", "1_f\n0\n")),
            r"weights\.hex line 1",
        ),
        Case(
            "hex-too-wide",
            lambda: load(text("tw", "weights.hex", "10000\n0\n")),
            r"weights\.hex line 1",
        ),
        Case("hex-too-few", lambda: load(text("tf", "weights.hex", "0\n")), r"weights\.hex"),
        Case(
            "hex-threshold",
            lambda: load(text("th", "thresholds.hex", "zz\n0\n")),
            r"thresholds\.hex line 1",
        ),
        Case(
            "hex-threshold-0",
            lambda: load(text("t0", "thresholds.hex", "0\n0\n")),
            r"thresholds\.hex: thresholds\[0\] must be in \[1, ",
            "not 0",
        ),
        Case("hex-state", lambda: load(text("st", "state_init.hex", "0\n")), r"state_init\.hex"),
        Case(
            "hex-missing",
            lambda: (fresh("mi") / "weights.hex").unlink() or load(tmp / "mi"),
            r"weights\.hex",
        ),
        Case(
            "core-no-version",
            lambda: export.load_learning_core(
                edit_params(core_export(tmp / "cnv"), lambda p: p.pop("format_version"))
            ),
            "format_version",
        ),
        Case(
            "core-unknown-key",
            lambda: export.load_learning_core(
                edit_params(core_export(tmp / "cuk"), lambda p: p.update(colour="red"))
            ),
            "colour",
        ),
        Case(
            "core-host-width",
            lambda: export.load_image_words(
                edit_params(core_export(tmp / "chw"), lambda p: p.update(host_data_width=3))
            ),
            "host_data_width",
            "3",
        ),
        Case(
            "core-space",
            lambda: export.load_learning_core(
                edit_params(
                    core_export(tmp / "csp"),
                    lambda p: p["memories"]["thresholds"].update(space=0),
                )
            ),
            r"memories\.thresholds\.space",
        ),
        Case(
            "core-padding-lane",
            lambda: export.load_learning_core(core_with_padding_weight(tmp / "cpl")),
            "padding lanes",
        ),
        Case(
            "core-hex-too-few",
            lambda: export.load_image_words(
                (core_export(tmp / "ctf") / "weights.hex").write_text("0\n") and tmp / "ctf"
            ),
            r"weights\.hex",
        ),
        Case(
            "parallel-params-not-json",
            lambda: export.load_sc_layer(text("pnj", "params.json", "{")),
            r"params\.json",
        ),
    ]


def env_cases() -> list[Case]:
    from sc_cosim import harness

    def with_env(name: str, value: str, fn: Callable[[], Any]) -> Callable[[], Any]:
        def call() -> Any:
            mp = pytest.MonkeyPatch()
            mp.setenv(name, value)
            try:
                return fn()
            finally:
                mp.undo()

        return call

    return [
        Case(
            "env-cycles-abc",
            with_env("SC_COSIM_CYCLES", "abc", harness.default_cycles),
            "SC_COSIM_CYCLES",
            "'abc'",
        ),
        Case(
            "env-cycles-0",
            with_env("SC_COSIM_CYCLES", "0", harness.default_cycles),
            "SC_COSIM_CYCLES",
            "0",
        ),
        Case(
            "env-sets-1.5",
            with_env("SC_COSIM_SETS", "1.5", harness.default_sets),
            "SC_COSIM_SETS",
            "'1.5'",
        ),
        Case("env-seed-x", with_env("SC_COSIM_SEED", "x", harness.base_seed), "SC_COSIM_SEED"),
        Case(
            "env-sim",
            with_env("SC_COSIM_SIM", "modelsim", harness.default_simulator),
            "SC_COSIM_SIM",
            "'modelsim'",
        ),
    ]


STATIC_CASES = parameter_cases() + runtime_cases() + learning_cases() + env_cases()


def check_case(case: Case) -> None:
    with pytest.raises(case.error) as info:
        case.call()
    message = str(info.value)
    assert re.search(case.names, message), (
        f"{case.id}: the message does not name {case.names!r}: {message!r}"
    )
    if case.value is not None:
        assert case.value in message, (
            f"{case.id}: the message does not show the value {case.value!r}: {message!r}"
        )


@pytest.mark.parametrize("case", STATIC_CASES, ids=[c.id for c in STATIC_CASES])
def test_bad_input_is_refused_with_a_message_naming_it(case: Case) -> None:
    check_case(case)


def test_bad_files_are_refused_with_a_message_naming_them(tmp_path: Path) -> None:
    failures = []
    cases = file_cases(tmp_path)
    for case in cases:
        try:
            check_case(case)
        except (AssertionError, pytest.fail.Exception) as exc:  # collect all, then report
            failures.append(f"{case.id}: {exc}")
    assert not failures, "\n".join(failures)


def test_the_table_has_at_least_150_cases(tmp_path: Path) -> None:
    total = len(STATIC_CASES) + len(file_cases(tmp_path))
    assert total >= 150, total


# ---------------------------------------------------------------------------
# Fuzzing the loaders
# ---------------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**40), 2**40) | st.floats() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    key=st.sampled_from(
        [
            "n_inputs",
            "n_neurons",
            "lanes",
            "weight_width",
            "v_width",
            "memories",
            "block",
            "format_version",
            "seed",
            "leak_mode",
            "refractory",
            "synapse",
            "extra",
        ]
    ),
    value=json_values,
)
def test_fuzzed_params_json_loads_or_is_refused_clearly(tmp_path_factory, key: str, value) -> None:
    d = tm_export(tmp_path_factory.mktemp("fz"))
    edit_params(d, lambda p: p.__setitem__(key, value))
    try:
        params = export.load_sc_layer_tm(d)
    except (ValueError, TypeError) as exc:
        assert str(exc), f"empty message for {key}={value!r}"
        return
    # accepted: it must describe a valid core, equal to what its files say
    assert SCLayerTMConfig(**params).n_inputs == params["n_inputs"]


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    file=st.sampled_from(["weights.hex", "thresholds.hex", "state_init.hex"]),
    content=st.text(alphabet="0123456789abcdefABCDEFxz_+- \n@/", max_size=40),
)
def test_fuzzed_memory_images_load_or_are_refused_naming_the_file(
    tmp_path_factory, file: str, content: str
) -> None:
    d = tm_export(tmp_path_factory.mktemp("fz"))
    (d / file).write_text(content)
    try:
        params = export.load_sc_layer_tm(d)
    except ValueError as exc:
        assert file in str(exc), f"{file} not named: {exc}"
        return
    assert SCLayerTMConfig(**params).n_neurons == 2
