"""End to end on real data: train a spiking classifier on 8x8 digits, quantise it, run it in the
bit-exact SC model of the hardware core, export the core (and optionally co-simulate its Verilog).

Run from the repository root::

    .venv/bin/python examples/digits_end_to_end.py [--quick] [--seed 0] [--out DIR] [--rtl N]

Steps (each a few lines of :func:`run`):

1. **Data.** scikit-learn's 8x8 digits (1797 images, pixels 0..16, shipped
   inside the package: no download); stratified 70/30 train/test split
   (``seed``). A pixel ``x`` is the rate ``x / 16``, sent to the core as the
   8-bit SNG value ``q = encode_values(x / 16)``; the float network is
   trained on ``q / 256``, the probabilities the chip's SNGs really use.
2. **Train.** A 64 -> 10 float LIF layer without leak (``tau`` = 1e12,
   threshold 1, subtract reset), input held for ``T`` = 10 steps, trained with
   :class:`sc_model.learning.BPTTLearner` (cross-entropy on spike counts,
   ``scale`` 0.5, Adam, minibatches of 64). Learning curve: training loss
   and test accuracy per epoch.
3. **Quantise** (:func:`sc_model.learning.quantize.quantize_layer`): 8-bit
   sign-magnitude weights (per-layer scale, no saturation), one float step =
   ``K`` = 16 core cycles, integer thresholds, no leak. The report prints
   scales, rounding error and saturation.
4. **Evaluate** the test split three ways: the float network, the float
   network of the quantised parameters
   (:func:`~sc_model.learning.quantize.dequantize_network`), and the
   bit-exact SC model :class:`sc_model.sc_layer.SCLayer` over ``T K``
   cycles (class = the neuron with the most spikes, ties to the lowest index).
5. **Export** the core's parameters with :func:`sc_model.export.export_sc_layer`.
6. **Co-simulate** (``--rtl N``, default 0): the Verilog of
   ``sc_hw.sc_layer.SCLayer(**params)`` runs the first ``N`` test digits in
   cocotb + Icarus; its ``spikes_out`` must equal the model's in every cycle.
7. **Plots**: ``learning_curve.png`` and ``spike_raster.png`` (input pixels,
   float and SC-model output rasters of a few test digits).

Everything goes to ``--out`` (default ``build/examples/digits``):
``params.json`` (the exported core), ``metrics.json`` (every number printed),
the two PNGs and ``rtl/`` with ``--rtl``. ``--quick`` trains fewer epochs and
evaluates the SC model on 200 test digits (under a minute).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sc_model.export import export_sc_layer  # noqa: E402
from sc_model.learning.bptt import BPTTLearner  # noqa: E402
from sc_model.learning.losses import CrossEntropy  # noqa: E402
from sc_model.learning.network import INPUT, Network  # noqa: E402
from sc_model.learning.quantize import (  # noqa: E402
    NONE_TAU,
    decode_values,
    dequantize_network,
    encode_values,
    quantize_layer,
    sc_values,
)
from sc_model.sc_layer import SCLayer, SCLayerConfig, sc_layer_params  # noqa: E402

DEFAULT_OUT = ROOT / "build" / "examples" / "digits"
N_IN, N_OUT = 64, 10
VALUE_WIDTH = 8
WEIGHT_WIDTH = 8
T_STEPS = 10
K_CYCLES = 16
BATCH = 64


def load_data(seed: int) -> dict[str, np.ndarray]:
    """The digits split: ``q_train``/``q_test`` (SNG values, ``int64 (n, 64)``), labels."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    x_tr, x_te, y_tr, y_te = train_test_split(
        digits.data / 16.0, digits.target, test_size=0.3, random_state=seed, stratify=digits.target
    )
    return {
        "q_train": encode_values(x_tr, VALUE_WIDTH),
        "q_test": encode_values(x_te, VALUE_WIDTH),
        "y_train": y_tr.astype(np.int64),
        "y_test": y_te.astype(np.int64),
    }


def build_network(rng: np.random.Generator) -> Network:
    """64 -> 10 LIF layer, no leak, threshold 1, subtract reset, weights N(0, 0.1**2)."""
    net = Network(N_IN)
    net.add_population("out", N_OUT, tau=NONE_TAU, threshold=1.0, reset="subtract")
    net.connect(INPUT, "out", rng.normal(0.0, 0.1, (N_OUT, N_IN)),
                mask=np.ones((N_OUT, N_IN), dtype=bool))
    return net


def held(p: np.ndarray, n_steps: int = T_STEPS) -> np.ndarray:
    """Rates ``(batch, 64)`` held constant for ``n_steps``: ``(n_steps, batch, 64)``."""
    return np.broadcast_to(p, (n_steps, *p.shape))


def float_counts(net: Network, p: np.ndarray) -> np.ndarray:
    """Spike counts ``(batch, 10)`` of a float network over ``T`` steps."""
    return net.run(held(p)).spikes["out"].sum(axis=0)


def accuracy(counts: np.ndarray, labels: np.ndarray) -> float:
    """Fraction of samples whose most-spiking neuron (ties: lowest index) is the label."""
    return float(np.mean(np.argmax(counts, axis=-1) == labels))


def train(
    net: Network, data: dict[str, np.ndarray], epochs: int, rng: np.random.Generator
) -> dict[str, list[float]]:
    """BPTT (cross-entropy on counts); returns per-epoch ``loss`` and ``train_acc``/``test_acc``."""
    learner = BPTTLearner(net, loss_fn=CrossEntropy(0.5), lr=0.01, optimizer="adam")
    p_tr = decode_values(data["q_train"], VALUE_WIDTH)
    p_te = decode_values(data["q_test"], VALUE_WIDTH)
    y_tr = data["y_train"]
    curve: dict[str, list[float]] = {"loss": [], "train_acc": [], "test_acc": []}
    for _ in range(epochs):
        order = rng.permutation(len(y_tr))
        losses = []
        for i in range(0, len(order), BATCH):
            b = order[i : i + BATCH]
            losses.append(learner.train_step(held(p_tr[b]), y_tr[b]) * len(b))
        curve["loss"].append(float(np.sum(losses) / len(order)))
        curve["train_acc"].append(accuracy(float_counts(net, p_tr), y_tr))
        curve["test_acc"].append(accuracy(float_counts(net, p_te), data["y_test"]))
    return curve


def run_rtl(
    config: SCLayerConfig, values: np.ndarray, out_dir: Path, simulator: str = "icarus"
) -> tuple[np.ndarray, float]:
    """Simulate the core's Verilog on SNG values ``(n_cycles, 64)``; spikes ``(n_cycles, 10)``."""
    from sc_cosim.capture_tb import run_capture
    from sc_cosim.harness import generate_verilog

    params = sc_layer_params(config)
    n_cycles = values.shape[0]
    vw = config.value_width or VALUE_WIDTH
    packed = [sum(int(v) << (j * vw) for j, v in enumerate(row)) for row in values]
    zeros = [0] * n_cycles
    inputs = {"values": packed, "en": [1] * n_cycles, "w_en": zeros, "w_addr": zeros,
              "w_data": zeros}
    rec, seconds = run_capture(
        generate_verilog("sc_layer", params), "sc_sc_layer", inputs, ["spikes_out"], out_dir,
        simulator,
    )
    m = config.n_neurons
    spikes = np.array([[(s >> k) & 1 for k in range(m)] for s in rec["spikes_out"]], np.uint8)
    return spikes, seconds


def plot_curve(path: Path, curve: dict[str, list[float]], sc_acc: float, q_acc: float) -> None:
    """Training loss and accuracies per epoch, with the quantised and SC-model test accuracy."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ep = np.arange(1, len(curve["loss"]) + 1)
    fig, (a0, a1) = plt.subplots(1, 2, figsize=(10, 3.6))
    a0.plot(ep, curve["loss"], "o-", color="tab:blue")
    a0.set_xlabel("epoch")
    a0.set_ylabel("training loss (cross-entropy)")
    a1.plot(ep, curve["train_acc"], "o-", label="float, train")
    a1.plot(ep, curve["test_acc"], "s-", label="float, test")
    a1.axhline(q_acc, color="tab:green", ls="--", label=f"quantised, test ({q_acc:.3f})")
    a1.axhline(sc_acc, color="tab:red", ls=":", label=f"SC model, test ({sc_acc:.3f})")
    a1.axhline(0.1, color="0.5", lw=0.8, label="chance")
    a1.set_xlabel("epoch")
    a1.set_ylabel("accuracy")
    a1.set_ylim(0, 1.02)
    a1.legend(fontsize=8, loc="lower right")
    fig.suptitle("8x8 digits: 64 -> 10 LIF layer trained with BPTT", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_raster(
    path: Path,
    q: np.ndarray,
    labels: np.ndarray,
    float_spikes: np.ndarray,
    sc_spikes: np.ndarray,
    k_cycles: int,
) -> None:
    """Per digit: the 8x8 input, the float network's raster (T steps) and the SC model's (T K)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n = q.shape[0]
    fig, axes = plt.subplots(n, 3, figsize=(11, 1.9 * n),
                             gridspec_kw={"width_ratios": [1, 2.2, 4]}, squeeze=False)
    for i in range(n):
        axes[i, 0].imshow(q[i].reshape(8, 8), cmap="gray_r")
        axes[i, 0].set_xticks([])
        axes[i, 0].set_yticks([])
        axes[i, 0].set_ylabel(f"label {labels[i]}")
        for ax, bits, colour, unit in (
            (axes[i, 1], float_spikes[:, i], "tab:blue", "step"),
            (axes[i, 2], sc_spikes[:, i], "tab:red", "cycle"),
        ):
            t, k = np.nonzero(bits)
            ax.scatter(t, k, marker="|", s=14, linewidths=0.7, color=colour)
            ax.set_ylim(-0.7, N_OUT - 0.3)
            ax.set_yticks(range(N_OUT))
            ax.tick_params(labelsize=6)
            ax.set_xlim(-0.5, bits.shape[0] - 0.5)
            ax.axhspan(labels[i] - 0.45, labels[i] + 0.45, color="0.9", zorder=0)
            counts = bits.sum(axis=0).astype(int)
            ax.set_title(f"{unit}s; counts {counts.tolist()} -> {int(np.argmax(counts))}",
                         fontsize=7)
        axes[i, 1].set_ylabel("neuron", fontsize=7)
    axes[0, 1].set_title("float network (T steps)\n" + axes[0, 1].get_title(), fontsize=7)
    axes[0, 2].set_title(f"bit-exact SC model (T x {k_cycles} cycles)\n" + axes[0, 2].get_title(),
                         fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Every step of the module docstring; returns the metrics (also written to metrics.json)."""
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(args.seed)
    t_start = time.perf_counter()
    data = load_data(args.seed)
    net = build_network(rng)

    t0 = time.perf_counter()
    curve = train(net, data, args.epochs, rng)
    train_s = time.perf_counter() - t0

    p_te = decode_values(data["q_test"], VALUE_WIDTH)
    y_te = data["y_test"]
    float_acc = accuracy(float_counts(net, p_te), y_te)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        config, report = quantize_layer(
            net, weight_width=WEIGHT_WIDTH, cycles_per_step=args.cycles_per_step,
            value_width=VALUE_WIDTH, v_width=16, width=16, seed=int(rng.integers(1, 1 << 16)),
        )
    quant_acc = accuracy(float_counts(dequantize_network(config, report), p_te), y_te)

    n_sc = min(args.sc_digits, len(y_te)) if args.sc_digits else len(y_te)
    t0 = time.perf_counter()
    sc = SCLayer(config).run(sc_values(data["q_test"][:n_sc], T_STEPS, args.cycles_per_step))
    sc_s = time.perf_counter() - t0
    sc_counts = sc.spikes.sum(axis=0)
    sc_acc = accuracy(sc_counts, y_te[:n_sc])
    float_on_sc = accuracy(float_counts(net, p_te[:n_sc]), y_te[:n_sc])

    exported = export_sc_layer(config, out)

    metrics: dict[str, Any] = {
        "seed": args.seed,
        "epochs": args.epochs,
        "T_steps": T_STEPS,
        "cycles_per_step": args.cycles_per_step,
        "n_train": int(len(data["y_train"])),
        "n_test": int(len(y_te)),
        "n_test_sc": n_sc,
        "float_acc": float_acc,
        "quantized_acc": quant_acc,
        "sc_acc": sc_acc,
        "float_acc_on_sc_digits": float_on_sc,
        "sc_minus_float_on_sc_digits": sc_acc - float_on_sc,
        "learning_curve": curve,
        "quantization": report.summary().splitlines(),
        "n_saturated_weights": report.n_saturated,
        "quantization_warnings": [str(w.message) for w in caught],
        "train_seconds": train_s,
        "sc_model_seconds": sc_s,
        "params_file": str(exported["files"]["params"]),
    }

    n_show = min(4, n_sc)
    show = np.arange(n_show)
    fl_spikes = net.run(held(p_te[show])).spikes["out"]
    plot_raster(out / "spike_raster.png", data["q_test"][show], y_te[show], fl_spikes,
                sc.spikes[:, show], args.cycles_per_step)
    plot_curve(out / "learning_curve.png", curve, sc_acc, quant_acc)

    if args.rtl:
        n_rtl = min(args.rtl, n_sc)
        mismatches, rtl_s, rtl_count = 0, 0.0, 0
        for i in range(n_rtl):
            vals = np.broadcast_to(data["q_test"][i], (T_STEPS * args.cycles_per_step, N_IN))
            rtl_spikes, sec = run_rtl(config, vals, out / "rtl" / f"digit{i}")
            mismatches += int(np.count_nonzero(rtl_spikes != sc.spikes[:, i]))
            rtl_count += int(rtl_spikes.sum())
            rtl_s += sec
        metrics.update(rtl_digits=n_rtl, rtl_spike_mismatches=mismatches, rtl_spikes=rtl_count,
                       rtl_seconds=rtl_s)
    metrics["total_seconds"] = time.perf_counter() - t_start
    (out / "metrics.json").write_text(json.dumps(metrics, indent=1) + "\n")
    return metrics


def main(argv: list[str] | None = None) -> int:
    """Run the example and print its numbers; exit 1 if the RTL disagrees with the model."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="few epochs, 200 SC test digits")
    parser.add_argument("--seed", type=int, default=0, help="split, weights and order seed")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output directory")
    parser.add_argument("--epochs", type=int, default=None, help="default 40 (quick: 15)")
    parser.add_argument("--cycles-per-step", type=int, default=K_CYCLES, help="K (default 16)")
    parser.add_argument("--sc-digits", type=int, default=None,
                        help="test digits run in the SC model (default all; quick: 200)")
    parser.add_argument("--rtl", type=int, default=0, help="co-simulate this many test digits")
    args = parser.parse_args(argv)
    if args.epochs is None:
        args.epochs = 15 if args.quick else 40
    if args.sc_digits is None:
        args.sc_digits = 200 if args.quick else 0
    if args.epochs < 1 or args.cycles_per_step < 1 or args.rtl < 0:
        parser.error("--epochs and --cycles-per-step must be >= 1, --rtl >= 0")
    m = run(args)
    print(
        f"digits: {m['n_train']} train / {m['n_test']} test, {m['epochs']} epochs "
        f"({m['train_seconds']:.1f} s)\n"
        + "\n".join("quantise: " + line for line in m["quantization"])
        + f"\ntest accuracy: float {m['float_acc']:.4f}, quantised {m['quantized_acc']:.4f}, "
        f"SC model {m['sc_acc']:.4f} on {m['n_test_sc']} digits "
        f"(float on the same digits {m['float_acc_on_sc_digits']:.4f}; "
        f"{m['sc_model_seconds']:.2f} s for T K = {T_STEPS * m['cycles_per_step']} cycles)\n"
        f"exported {m['params_file']}; PNGs in {args.out}"
    )
    if "rtl_digits" in m:
        print(f"RTL: {m['rtl_digits']} digits, {m['rtl_spikes']} output spikes, "
              f"{m['rtl_spike_mismatches']} spike mismatches "
              f"({m['rtl_seconds']:.1f} s)")
        return 1 if m["rtl_spike_mismatches"] else 0
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
