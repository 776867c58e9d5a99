"""Machine-readable results: model accuracy of a block, synthesis records.

Used by ``sc-hw ... --json`` and by sweeps (:mod:`sc_flow.sweep`):

* :func:`model_accuracy` -- what a block computes against the exact value,
  from the bit-exact model (the co-simulation proves the RTL equals it).
  Only blocks listed in :data:`ACCURACY` have one (the multiplier: products of
  every operand pair against ``a * b``).
* :func:`synth_record` -- a :class:`~sc_flow.synth.SynthReport` as one flat
  JSON object: ``lut4``, ``carry``, ``ff``, ``ram`` (blocks per kind, e.g.
  ``{"EBR": 28, "SPRAM": 4}``), ``dsp``, ``fmax_mhz``, ``logic_cells``,
  ``io`` and, for cores with an ``n_inputs`` x ``n_neurons`` weight matrix,
  ``synapses``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from sc_flow.synth import DEVICES, SynthReport
from sc_model.sc_multiplier import sc_multiply

# Netlist cell type -> the RAM kind it is counted as, per family.
RAM_KINDS: dict[str, dict[str, str]] = {
    "ice40": {
        "SB_RAM40_4K": "EBR",
        "SB_RAM40_4KNR": "EBR",
        "SB_RAM40_4KNW": "EBR",
        "SB_RAM40_4KNRNW": "EBR",
        "SB_SPRAM256KA": "SPRAM",
    },
    "ecp5": {"DP16KD": "EBR", "PDPW16KD": "EBR"},
}


def ram_by_kind(cells: dict[str, int], family: str) -> dict[str, int]:
    """RAM blocks per kind (``EBR``, ``SPRAM``) in a netlist's cell counts; kinds used only."""
    kinds: dict[str, int] = {}
    for cell, kind in RAM_KINDS[family].items():
        if cells.get(cell, 0):
            kinds[kind] = kinds.get(kind, 0) + cells[cell]
    return kinds


def synapses_of(params: dict[str, Any]) -> int | None:
    """``n_inputs * n_neurons`` for cores with a weight matrix, else None."""
    if "n_inputs" in params and "n_neurons" in params:
        return int(params["n_inputs"]) * int(params["n_neurons"])
    return None


def synth_record(report: SynthReport) -> dict[str, Any]:
    """One JSON-ready object of a synthesis report (see the module docstring)."""
    record: dict[str, Any] = {
        "design": report.design,
        "device": report.device,
        "params": report.params,
        "lut4": report.luts,
        "carry": report.carries,
        "ff": report.ffs,
        "ram": ram_by_kind(report.cells, DEVICES[report.device].family),
        "ram_blocks": report.ram_blocks,
        "dsp": report.dsps,
        "fmax_mhz": report.fmax_mhz,
        "freq_mhz": report.freq_mhz,
        "placer": report.placer,
        "logic_cells": report.logic_cells,
        "io": report.io,
        "io_wrapper": report.io_wrapper,
        "port_bits": report.port_bits,
        "build_dir": str(report.build_dir),
    }
    synapses = synapses_of(report.params)
    if synapses is not None:
        record["synapses"] = synapses
    return record


def multiplier_accuracy(params: dict[str, Any]) -> dict[str, Any]:
    """The SC multiplier's products of every operand pair against the exact ``a * b``.

    Operands are ``value_width``-bit fractions ``a / 2**value_width``; the core
    counts ``2**length_log2`` AND-ed bits, so its estimate is
    ``product / 2**length_log2``. Returns the mean and max absolute error over
    all ``4**value_width`` pairs, the stream length and the binomial bound on the
    standard deviation of one estimate, ``0.5 / sqrt(stream_length)``.
    """
    vw, k = int(params["value_width"]), int(params["length_log2"])
    a, b = np.meshgrid(np.arange(1 << vw), np.arange(1 << vw), indexing="ij")
    estimate = sc_multiply(a, b, **params) / 2**k
    error = np.abs(estimate - (a / 2**vw) * (b / 2**vw))
    return {
        "stream_length": 2**k,
        "pairs": int(a.size),
        "mean_abs_error": float(error.mean()),
        "max_abs_error": float(error.max()),
        "binomial_std_bound": 0.5 / float(np.sqrt(2**k)),
        "examples": [
            {
                "a": x,
                "b": y,
                "exact": x * y / 4**vw,
                "core": float(estimate[x, y]),
                "product": int(round(estimate[x, y] * 2**k)),
            }
            for x, y in ((128, 128), (64, 192), (255, 255), (17, 200))
            if x < 1 << vw and y < 1 << vw
        ],
    }


ACCURACY: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "multiplier": multiplier_accuracy,
}


def model_accuracy(block: str, params: dict[str, Any]) -> dict[str, Any] | None:
    """Accuracy of ``block`` with ``params`` from its model, or None if it has no measure."""
    measure = ACCURACY.get(block)
    return None if measure is None else measure(params)
