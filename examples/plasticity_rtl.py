"""The STDP and R-STDP demos replayed on the generated RTL, compared with the model bit for bit.

Run from the repository root::

    .venv/bin/python examples/plasticity_rtl.py [--demo both] [--cycles 3000] [--trials 12]
        [--seed 1] [--out DIR] [--sim icarus]

For each demo (:mod:`stdp_pattern`: one LIF neuron, 64 inputs, the ``stdp``
block; :mod:`rstdp_choice`: two LIF neurons, 16 inputs, the ``rstdp`` block):

1. **Model run.** The demo's own ``record_training`` runs a shortened
   training (``--cycles`` cycles of the pattern demo, ``--trials`` trials of
   the choice task) in the NumPy model and records every cycle's inputs of
   the plasticity unit (``pre``; ``post``, the model LIF neurons' output
   spikes; ``reward``/``reward_strobe`` for R-STDP; ``en`` is high and the
   weight write port idle throughout, as in the demos) and the unit's
   registers during every cycle and after the last edge.
2. **Verilog.** :func:`sc_cosim.harness.generate_verilog` turns the block
   with the demo's parameters (its initial weights as reset values) into
   Verilog (top ``sc_stdp`` / ``sc_rstdp``).
3. **RTL run.** :func:`sc_cosim.capture_tb.run_capture` drives it in
   cocotb + Icarus (or Verilator) with the same streams plus one final cycle
   with ``en`` low (so the state after the last learning edge is read out)
   and records ``weights``, ``pre_trace``, ``post_trace`` (and
   ``eligibility``) in every cycle.
4. **Compare.** Every output port must equal the model's registers in every
   cycle (``n + 1`` rows), and the RTL's final weights, unpacked, must equal
   the weights the demo returned. The comparison is not vacuous: the run
   must contain at least ``--min-changes`` synapse weight changes (defaults
   per demo, :data:`MIN_CHANGES`). The exit status is 1 on any mismatch or
   too few changes.

The loop is closed in the *model*: the post spikes come from the model LIF
neurons, and the RTL unit replays them (it cannot influence them). The
closed-loop on-chip version is the ``learning_core`` block.

Files: ``DIR/<demo>/`` (default ``build/examples/plasticity_rtl``) holds the
Verilog, the simulator build and logs, and ``report.json``.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
for _path in (ROOT, ROOT / "examples"):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

import rstdp_choice  # noqa: E402
import stdp_pattern  # noqa: E402

from sc_cosim.capture_tb import SIMULATORS, run_capture  # noqa: E402
from sc_cosim.harness import generate_verilog  # noqa: E402
from sc_model.arith import pack_fields  # noqa: E402

DEFAULT_OUT = ROOT / "build" / "examples" / "plasticity_rtl"
DEMOS = ("stdp", "rstdp")
#: Least number of (cycle, synapse) weight changes a shortened run must contain.
MIN_CHANGES = {"stdp": 1000, "rstdp": 100}


@dataclass
class Case:
    """One demo run to replay on the RTL.

    ``block``: ``"stdp"`` or ``"rstdp"``; ``params``: the block's parameters;
    ``inputs``: unsigned value of every input port in each of the ``n + 1``
    cycles (the last one with ``en`` low); ``expected``: the model's registers
    packed as the output ports, ``n + 1`` rows (row ``t`` = during cycle
    ``t``); ``weights``: the model's weights ``(n + 1, M, N)``;
    ``final_weights``: ``(M, N)`` as the demo returned them; ``fields``:
    ``{port: (n_fields, field_width, signed)}``.
    """

    block: str
    params: dict
    inputs: dict[str, list[int]]
    expected: dict[str, list[int]]
    weights: np.ndarray
    final_weights: np.ndarray
    fields: dict[str, tuple[int, int, bool]]

    @property
    def n_cycles(self) -> int:
        """Learning cycles (the replay is one cycle longer)."""
        return len(self.inputs["en"]) - 1

    @property
    def weight_changes(self) -> int:
        """(cycle, synapse) pairs whose model weight changed at that cycle's edge."""
        return int(np.count_nonzero(np.diff(self.weights, axis=0)))


@dataclass
class Report:
    """Outcome of one replay: per-port mismatching cycles, and the final-weight check."""

    demo: str
    cycles: int
    weight_changes: int
    synapses_changed: int
    mismatches: dict[str, int]
    first_mismatch: dict[str, int | None]
    final_weights_equal: bool
    min_changes: int
    seconds: float

    @property
    def ok(self) -> bool:
        return (
            not any(self.mismatches.values())
            and self.final_weights_equal
            and self.weight_changes >= self.min_changes
        )

    def lines(self) -> list[str]:
        verdict = "bit-exact" if self.ok else "FAILED"
        out = [
            f"{self.demo}: {self.cycles} cycles (+1 readout), {self.weight_changes} weight "
            f"changes on {self.synapses_changed} synapses (minimum {self.min_changes}), "
            f"RTL {self.seconds:.1f} s: {verdict}",
        ]
        for port, n in self.mismatches.items():
            first = self.first_mismatch[port]
            where = "" if first is None else f" (first in cycle {first})"
            out.append(f"  {port:<12} mismatching cycles {n} / {self.cycles + 1}{where}")
        out.append(f"  final weights equal the demo's: {self.final_weights_equal}")
        return out


def _pack_bits(bits: np.ndarray) -> list[int]:
    """Rows of 0/1 (``(n, width)``) as ints, bit ``j`` = column ``j``."""
    weights = [1 << j for j in range(bits.shape[1])]
    return [sum(w for w, b in zip(weights, row, strict=True) if b) for row in bits.tolist()]


def _case(
    block: str,
    params: dict,
    pre: np.ndarray,
    post: np.ndarray,
    states: list,
    final_weights: np.ndarray,
    extra_inputs: dict[str, np.ndarray],
) -> Case:
    n = pre.shape[0]
    n_post, n_pre = np.asarray(states[0].weights).shape
    wb, tb = params["weight_width"], params["trace_width"]
    ones = np.ones(n + 1, np.int64)
    ones[-1] = 0  # the readout cycle: en low, nothing changes
    idle = np.zeros((1, pre.shape[1]), np.uint8), np.zeros((1, post.shape[1]), np.uint8)
    inputs = {
        "pre": _pack_bits(np.vstack([pre, idle[0]])),
        "post": _pack_bits(np.vstack([post, idle[1]])),
        "en": ones.tolist(),
        "w_en": [0] * (n + 1),
        "w_addr": [0] * (n + 1),
        "w_data": [0] * (n + 1),
    }
    for port, values in extra_inputs.items():
        inputs[port] = [*(int(v) for v in values), 0]
    fields = {
        "weights": (n_post * n_pre, wb, True),
        "pre_trace": (n_pre, tb, False),
        "post_trace": (n_post, tb, False),
    }
    if block == "rstdp":
        fields["eligibility"] = (n_post * n_pre, params["elig_width"], True)
    expected = {
        port: [pack_fields(getattr(s, port), width) for s in states]
        for port, (_, width, _) in fields.items()
    }
    weights = np.array([s.weights for s in states], np.int64)
    return Case(block, params, inputs, expected, weights, np.asarray(final_weights), fields)


def stdp_case(cycles: int = 3000, seed: int = 1) -> Case:
    """The pattern demo's first ``cycles`` training cycles (``stdp_pattern --cycles``)."""
    rec = stdp_pattern.record_training(cycles, seed)
    return _case("stdp", rec.params, rec.pre, rec.post, rec.states, rec.final_weights, {})


def rstdp_case(trials: int = 12, seed: int = 1) -> Case:
    """The choice demo's first ``trials`` training trials (``rstdp_choice --trials``)."""
    rec = rstdp_choice.record_training(trials, seed)
    rb = rec.params["reward_width"]
    extra = {"reward": rec.reward & ((1 << rb) - 1), "reward_strobe": rec.reward_strobe}
    return _case("rstdp", rec.params, rec.pre, rec.post, rec.states, rec.final_weights, extra)


def flip_post_spike(case: Case, cycle: int, neuron: int = 0) -> Case:
    """``case`` with post spike ``neuron`` of ``cycle`` inverted in the RTL's inputs only.

    The expected values stay the model's: replaying this must mismatch.
    """
    post = list(case.inputs["post"])
    post[cycle] ^= 1 << neuron
    return replace(case, inputs={**case.inputs, "post": post})


def unpack(value: int, n_fields: int, width: int, signed: bool) -> np.ndarray:
    """Field ``k`` of ``value``: bits ``[k width, (k + 1) width)``, two's complement if signed."""
    mask = (1 << width) - 1
    raw = np.array([(value >> (k * width)) & mask for k in range(n_fields)], np.int64)
    return raw - ((raw >> (width - 1)) << width) if signed else raw


def run_case(
    case: Case,
    out_dir: Path,
    simulator: str = "icarus",
    min_changes: int | None = None,
) -> Report:
    """Generate the block's Verilog, replay ``case.inputs``, compare every port in every cycle."""
    block = case.block
    verilog_text = generate_verilog(block, case.params)
    rec, seconds = run_capture(
        verilog_text, f"sc_{block}", case.inputs, list(case.fields), out_dir, simulator
    )
    mismatches, first = {}, {}
    for port, want in case.expected.items():
        bad = [t for t, (a, b) in enumerate(zip(rec[port], want, strict=True)) if a != b]
        mismatches[port], first[port] = len(bad), (bad[0] if bad else None)
    n_syn, wb, _ = case.fields["weights"]
    rtl_final = unpack(rec["weights"][-1], n_syn, wb, True).reshape(case.final_weights.shape)
    changed = np.diff(case.weights, axis=0) != 0
    report = Report(
        demo=block,
        cycles=case.n_cycles,
        weight_changes=int(changed.sum()),
        synapses_changed=int(changed.any(axis=0).sum()),
        mismatches=mismatches,
        first_mismatch=first,
        final_weights_equal=bool(np.array_equal(rtl_final, case.final_weights)),
        min_changes=MIN_CHANGES[block] if min_changes is None else min_changes,
        seconds=seconds,
    )
    (Path(out_dir) / "report.json").write_text(json.dumps({**vars(report), "ok": report.ok}))
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--demo", choices=(*DEMOS, "both"), default="both")
    parser.add_argument("--cycles", type=int, default=3000, help="pattern-demo training cycles")
    parser.add_argument("--trials", type=int, default=12, help="choice-demo training trials")
    parser.add_argument("--seed", type=int, default=1, help="the demos' --seed")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output directory")
    parser.add_argument("--sim", default="icarus", choices=SIMULATORS)
    parser.add_argument(
        "--min-changes", type=int, default=None, help=f"override the minimum ({MIN_CHANGES})"
    )
    args = parser.parse_args(argv)
    demos = DEMOS if args.demo == "both" else (args.demo,)
    ok = True
    for demo in demos:
        case = (
            stdp_case(args.cycles, args.seed)
            if demo == "stdp"
            else rstdp_case(args.trials, args.seed)
        )
        report = run_case(case, args.out / demo, args.sim, args.min_changes)
        print("\n".join(report.lines()))
        ok = ok and report.ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
