"""Round trip: model layer -> exported files -> core -> Verilog -> Icarus == model spikes.

A randomly built :class:`sc_model.sc_layer_tm.SCLayerTMConfig` is exported by
:func:`sc_model.export.export_sc_layer_tm` (``params.json`` and ``$readmemh``
memory images), the Amaranth core is built from those files only
(:meth:`sc_hw.sc_layer_tm.SCLayerTM.from_export`), converted to Verilog and
simulated by cocotb/Icarus (:func:`sc_cosim.capture_tb.run_capture`) with
the inputs of several ticks. Every neuron's ``out_spike`` and ``out_v`` of
every tick must equal :meth:`sc_model.sc_layer_tm.SCLayerTM.run` bit for
bit, at the cycle the contract names. The seed is printed; ``SC_ROUNDTRIP_SEED``
reruns one case.
"""

from __future__ import annotations

import os

import numpy as np
import pytest
from amaranth.back import verilog

from sc_cosim.capture_tb import run_capture
from sc_hw.sc_layer_tm import SCLayerTM as HwLayerTM
from sc_model.export import export_sc_layer_tm
from sc_model.sc_layer_tm import SCLayerTM, SCLayerTMConfig

N_TICKS = 8
SEEDS = [int(os.environ["SC_ROUNDTRIP_SEED"])] if "SC_ROUNDTRIP_SEED" in os.environ else [1, 2, 3]


def random_layer(rng: np.random.Generator) -> SCLayerTMConfig:
    """A mid-sized layer (N 16 .. 40, M 3 .. 8), mostly excitatory, firing."""
    n = int(rng.integers(16, 41))
    nm = int(rng.integers(3, 9))
    wb = int(rng.integers(3, 9))
    top = (1 << wb) - 1
    w = rng.integers(-top // 3, top + 1, (nm, n))
    leak = str(rng.choice(["none", "shift", "constant"]))
    return SCLayerTMConfig(
        n_inputs=n,
        n_neurons=nm,
        lanes=int(rng.choice([1, 3, 4, 8, 16])),
        thresholds=rng.integers(2, n // 4 + 3, nm).tolist(),
        weight_width=wb,
        weights=w.tolist(),
        synapse=str(rng.choice(["and", "xnor"])),
        width=int(rng.integers(12, 25)),
        seed=int(rng.integers(1, 4096)),
        form=str(rng.choice(["fibonacci", "galois"])),
        v_width=int(rng.integers(8, 17)),
        leak_mode=leak,
        reset_mode=str(rng.choice(["value", "subtract"])),
        v_reset=int(rng.integers(-3, 1)),
        refractory=int(rng.integers(0, 3)),
    )


@pytest.mark.cosim
@pytest.mark.parametrize("seed", SEEDS)
def test_exported_core_produces_the_model_spikes(seed: int, tmp_path) -> None:
    print(f"round-trip seed {seed} (rerun: SC_ROUNDTRIP_SEED={seed})")
    rng = np.random.default_rng([seed, 2027])
    config = random_layer(rng)
    export_sc_layer_tm(config, tmp_path / "export")
    core = HwLayerTM.from_export(tmp_path / "export")
    assert core.config == config
    text = verilog.convert(core, name="sc_sc_layer_tm", emit_src=False)

    x = (rng.random((N_TICKS, config.n_inputs)) < rng.uniform(0.3, 0.9)).astype(np.uint8)
    period = config.tick_cycles
    packed = (x.astype(object) << np.arange(config.n_inputs)).sum(axis=1)
    cycles = N_TICKS * period
    spikes_in = [int(packed[t // period]) for t in range(cycles)]
    zeros = [0] * cycles
    rec, seconds = run_capture(
        text,
        "sc_sc_layer_tm",
        {"spikes": spikes_in, "en": [1] * cycles, "w_en": zeros, "w_addr": zeros, "w_data": zeros},
        ["out_valid", "out_neuron", "out_spike", "out_v", "tick_done"],
        tmp_path / "sim",
    )
    model = SCLayerTM(config).run(x)
    got_s = np.full((N_TICKS, config.n_neurons), -1, np.int64)
    got_v = np.full((N_TICKS, config.n_neurons), -1, np.int64)
    for t in np.flatnonzero(rec["out_valid"]):
        tick, k = divmod(int(t), period)
        m = rec["out_neuron"][t]
        assert k == config.output_cycle(m), f"seed={seed}: neuron {m} shown in cycle {k}"
        assert rec["tick_done"][t] == int(m == config.n_neurons - 1), f"seed={seed}"
        got_s[tick, m] = rec["out_spike"][t]
        got_v[tick, m] = rec["out_v"][t]
    got_v = np.where(got_v >= 1 << (config.v_width - 1), got_v - (1 << config.v_width), got_v)
    assert np.array_equal(got_s, model.spikes), f"seed={seed} config={config}"
    assert np.array_equal(got_v, model.v), f"seed={seed} config={config}"
    assert 0 < model.spikes.sum() < model.spikes.size, f"seed={seed}: spikes all equal"
    print(
        f"seed {seed}: N={config.n_inputs} M={config.n_neurons} P={config.lanes} "
        f"{N_TICKS} ticks x {period} cycles, {int(model.spikes.sum())} spikes, {seconds:.1f} s"
    )
