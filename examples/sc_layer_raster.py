"""Worked example: one SC layer from the NumPy model to Verilog, with identical spike rasters.

Run from the repository root::

    .venv/bin/python examples/sc_layer_raster.py [--cycles 1500] [--seed 7] [--out DIR]

Steps (each one a few lines below, in :func:`main`):

1. **Model.** :func:`build_config` makes an :class:`sc_model.sc_layer.SCLayerConfig`
   of 16 inputs x 8 neurons: signed 8-bit weights drawn from a seeded
   Generator (each neuron prefers a band of inputs, excitatory there and
   mostly inhibitory elsewhere), a 16-bit LFSR, parallel counters with 2
   pipeline stages, LIF neurons with a 12-bit membrane, shift leak
   ``v - (v >>> 4)``, per-neuron thresholds and a 2-cycle refractory period.
2. **Stimulus.** :func:`input_spikes`: Bernoulli (discrete-time Poisson)
   spike trains, input ``j`` at a rate rising with ``j`` in the first half of
   the run and falling with ``j`` in the second half, seeded.
3. **Run the model.** ``SCLayer(config).run(spikes)``: spikes and membranes
   of every neuron in every cycle (row ``t`` = the registers during cycle ``t``).
4. **Export.** ``sc_layer_params(config)`` is the parameter dict of the
   Amaranth core; :func:`sc_cosim.harness.generate_verilog` turns
   ``sc_hw.sc_layer.SCLayer(**params)`` into Verilog (top ``sc_sc_layer``).
5. **Co-simulate.** :func:`sc_cosim.capture_tb.run_capture` runs that Verilog
   in cocotb + Icarus with the same spikes (``en`` high, no weight writes) and
   records ``spikes_out`` and ``v_out`` on every cycle.
6. **Compare and plot.** The RTL's spikes and membranes must equal the
   model's in every cycle and neuron; the PNG shows the input raster, the
   model's and the RTL's output rasters, two membrane traces, and the
   mismatch count. The exit status is 1 on any mismatch.

Files written to the output directory (default ``build/examples/sc_layer_raster``):
``sc_layer_raster.png``, ``sc_layer_raster.npz`` (``inputs``, ``model_spikes``,
``rtl_spikes``, ``model_v``, ``rtl_v``, ``thresholds``), ``params.json`` (the
exported parameters) and ``rtl/`` (the Verilog, the simulator build and logs).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import NamedTuple

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sc_cosim.capture_tb import run_capture  # noqa: E402
from sc_cosim.harness import generate_verilog  # noqa: E402
from sc_model.sc_layer import SCLayer, SCLayerConfig, sc_layer_params  # noqa: E402
from sc_model.synapses import unpack_signed  # noqa: E402

N_INPUTS = 16
N_NEURONS = 8
WEIGHT_WIDTH = 8
V_WIDTH = 12
DEFAULT_OUT = ROOT / "build" / "examples" / "sc_layer_raster"
BLOCK = "sc_layer"
TOPLEVEL = "sc_sc_layer"


def build_config(rng: np.random.Generator) -> SCLayerConfig:
    """The example layer: 16 inputs x 8 neurons with banded signed weights (see module doc).

    Neuron ``m`` prefers inputs near ``c_m = 2 m + 0.5``: its weight on input
    ``j`` is ``round(320 exp(-(j - c_m)**2 / 8)) - 50`` plus uniform noise in
    ``[-20, 20]``, clipped to the 8-bit range ``[-255, 255]``; thresholds are
    drawn uniformly from ``[12, 24]``.
    """
    hi = (1 << WEIGHT_WIDTH) - 1
    j = np.arange(N_INPUTS)
    centre = 2 * np.arange(N_NEURONS)[:, None] + 0.5
    bump = np.rint(320 * np.exp(-((j - centre) ** 2) / 8.0)).astype(np.int64) - 50
    weights = np.clip(bump + rng.integers(-20, 21, bump.shape), -hi, hi)
    thresholds = rng.integers(12, 25, N_NEURONS)
    return SCLayerConfig(
        n_inputs=N_INPUTS,
        n_neurons=N_NEURONS,
        weight_width=WEIGHT_WIDTH,
        weights=weights.tolist(),
        synapse="and",
        aggregation="counter",
        pipeline=2,
        width=16,
        seed=int(rng.integers(1, 1 << 16)),
        v_width=V_WIDTH,
        thresholds=thresholds.tolist(),
        leak_mode="shift",
        leak_shift=4,
        reset_mode="value",
        v_reset=0,
        refractory=2,
    )


def input_rates(n_cycles: int, n_inputs: int = N_INPUTS) -> np.ndarray:
    """Spike probability per cycle ``(n_cycles, n_inputs)``: from 0.05 to 0.8 across the
    inputs, rising with the input index in the first half of the run, falling in the second."""
    ramp = np.linspace(0.05, 0.8, n_inputs)
    rates = np.empty((n_cycles, n_inputs))
    half = n_cycles // 2
    rates[:half] = ramp
    rates[half:] = ramp[::-1]
    return rates


def input_spikes(rng: np.random.Generator, rates: np.ndarray) -> np.ndarray:
    """Bernoulli spike bits (``uint8``, the shape of ``rates``): 1 with probability ``rates``."""
    return (rng.random(rates.shape) < rates).astype(np.uint8)


class RtlRun(NamedTuple):
    """What the co-simulation recorded: ``spikes`` (``uint8``) and ``v`` (``int64``),
    ``(n_cycles, M)`` each, and the wall time of build and simulation."""

    spikes: np.ndarray
    v: np.ndarray
    seconds: float


def run_rtl(
    params: dict,
    spikes: np.ndarray,
    out_dir: Path,
    simulator: str = "icarus",
    verilog_text: str | None = None,
) -> RtlRun:
    """Simulate the core's Verilog (generated from ``params`` unless given) with ``spikes``.

    Drives ``spikes`` (bit ``j`` = input ``j``) with ``en = 1``, ``w_en = 0``,
    and unpacks ``spikes_out`` (bit ``m``) and ``v_out`` (``v_width``-bit
    two's-complement fields) of every cycle.
    """
    config = SCLayerConfig(**params)
    n_cycles = spikes.shape[0]
    m, vw = config.n_neurons, config.v_width
    if verilog_text is None:
        verilog_text = generate_verilog(BLOCK, params)
    packed = [sum(1 << int(j) for j in np.flatnonzero(row)) for row in spikes]  # any N
    zeros = np.zeros(n_cycles, dtype=np.int64)
    inputs = {"spikes": packed, "en": zeros + 1, "w_en": zeros, "w_addr": zeros, "w_data": zeros}
    rec, seconds = run_capture(
        verilog_text, TOPLEVEL, inputs, ["spikes_out", "v_out"], out_dir, simulator
    )
    rtl_spikes = np.array([[(s >> k) & 1 for k in range(m)] for s in rec["spikes_out"]], np.uint8)
    rtl_v = np.array([unpack_signed(v, m, vw) for v in rec["v_out"]], dtype=np.int64)
    return RtlRun(rtl_spikes.reshape(n_cycles, m), rtl_v.reshape(n_cycles, m), seconds)


def _raster(ax, bits: np.ndarray, colour: str, label: str) -> None:
    t, k = np.nonzero(bits)
    ax.scatter(t, k, marker="|", s=18, linewidths=0.8, color=colour)
    ax.set_ylim(-0.7, bits.shape[1] - 0.3)
    ax.set_ylabel(label)


def plot(
    path: Path,
    inputs: np.ndarray,
    model_spikes: np.ndarray,
    rtl_spikes: np.ndarray,
    model_v: np.ndarray,
    rtl_v: np.ndarray,
    thresholds: np.ndarray,
    title: str,
) -> None:
    """Write the four-panel figure (input raster, model raster, RTL raster, membranes)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n_cycles = inputs.shape[0]
    fig, axes = plt.subplots(
        4, 1, figsize=(11, 9), sharex=True, gridspec_kw={"height_ratios": [2, 1.2, 1.2, 1.4]}
    )
    _raster(axes[0], inputs, "0.25", "input")
    axes[0].set_title(title, fontsize=10)
    _raster(axes[1], model_spikes, "tab:blue", "neuron\n(model)")
    _raster(axes[2], rtl_spikes, "tab:orange", "neuron\n(RTL)")
    diff = np.nonzero(model_spikes != rtl_spikes)
    if diff[0].size:
        axes[2].scatter(diff[0], diff[1], marker="x", s=30, color="red", label="mismatch")
        axes[2].legend(loc="upper right", fontsize=8)
    t = np.arange(n_cycles)
    for k, colour in ((0, "tab:green"), (model_v.shape[1] - 1, "tab:purple")):
        axes[3].plot(t, model_v[:, k], color=colour, lw=0.8, label=f"neuron {k} model v")
        axes[3].plot(t, rtl_v[:, k], ls="none", marker=".", ms=1.5, color="black")
        axes[3].axhline(thresholds[k], color=colour, ls="--", lw=0.8)
    axes[3].plot([], [], ls="none", marker=".", color="black", label="RTL v_out")
    lo, hi = min(model_v.min(), rtl_v.min()), max(thresholds.max(), model_v.max(), rtl_v.max())
    axes[3].set_ylim(lo - 1, hi + 0.45 * (hi - lo) + 2)  # room for the legend
    axes[3].set_ylabel("membrane")
    axes[3].set_xlabel("cycle")
    axes[3].legend(loc="upper right", fontsize=7, ncol=3)
    axes[3].set_xlim(-0.5, n_cycles - 0.5)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    """Run the example; return 0 when the RTL reproduces the model exactly, 1 otherwise."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cycles", type=int, default=1500, help="clock cycles (default 1500)")
    parser.add_argument("--seed", type=int, default=7, help="seed of weights and spikes")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output directory")
    parser.add_argument("--sim", default="icarus", choices=("icarus", "verilator"))
    parser.add_argument(
        "--verilog", type=Path, help="simulate this Verilog file instead of the generated one"
    )
    args = parser.parse_args(argv)
    if args.cycles < 2:
        parser.error(f"--cycles must be >= 2, not {args.cycles}")
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(args.seed)

    # 1-3: the layer, its input spikes, the model run
    config = build_config(rng)
    spikes = input_spikes(rng, input_rates(args.cycles))
    t0 = time.perf_counter()
    model = SCLayer(config).run(spikes)  # (cycles, M) spikes and membranes
    model_s = time.perf_counter() - t0

    # 4-5: export, Verilog, co-simulation with the same spikes
    params = sc_layer_params(config)
    (out / "params.json").write_text(json.dumps(params, indent=1))
    text = None if args.verilog is None else args.verilog.read_text()
    rtl = run_rtl(params, spikes, out / "rtl", args.sim, text)

    # 6: compare, save, plot, report
    spike_mismatch = int(np.count_nonzero(model.spikes != rtl.spikes))
    v_mismatch = int(np.count_nonzero(model.v != rtl.v))
    thresholds = np.array(config.thresholds)
    np.savez_compressed(
        out / "sc_layer_raster.npz",
        inputs=spikes,
        model_spikes=model.spikes,
        rtl_spikes=rtl.spikes,
        model_v=model.v,
        rtl_v=rtl.v,
        thresholds=thresholds,
    )
    png = out / "sc_layer_raster.png"
    verdict = "identical" if spike_mismatch == v_mismatch == 0 else "MISMATCH"
    title = (
        f"SC layer {config.n_inputs} x {config.n_neurons}, {args.cycles} cycles, seed {args.seed}: "
        f"model vs RTL ({args.sim}) {verdict}; mismatches: spikes {spike_mismatch}, "
        f"v {v_mismatch}"
    )
    plot(png, spikes, model.spikes, rtl.spikes, model.v, rtl.v, thresholds, title)

    first = ""
    if spike_mismatch or v_mismatch:
        bad = np.argwhere((model.spikes != rtl.spikes) | (model.v != rtl.v))[0]
        t, k = (int(x) for x in bad)
        first = (
            f"\nfirst mismatch: cycle {t}, neuron {k}: model spike {model.spikes[t, k]} "
            f"v {model.v[t, k]}, RTL spike {rtl.spikes[t, k]} v {rtl.v[t, k]}"
        )
    n_cells = model.spikes.size
    print(
        f"SC layer {config.n_inputs} inputs x {config.n_neurons} neurons, {args.cycles} cycles, "
        f"seed {args.seed}\n"
        f"input spikes: {int(spikes.sum())} ({spikes.mean():.3f} per input and cycle)\n"
        f"model ({model_s * 1e3:.0f} ms): {int(model.spikes.sum())} output spikes, per neuron "
        f"{model.spikes.sum(axis=0).tolist()}\n"
        f"RTL   ({args.sim}, {rtl.seconds:.1f} s with build): {int(rtl.spikes.sum())} output "
        f"spikes, per neuron {rtl.spikes.sum(axis=0).tolist()}\n"
        f"mismatches: spikes_out {spike_mismatch} / {n_cells}, v_out {v_mismatch} / {n_cells} "
        f"(cycle x neuron) -> {verdict}{first}\n"
        f"wrote {png}"
    )
    return 0 if verdict == "identical" else 1


if __name__ == "__main__":
    raise SystemExit(main())
