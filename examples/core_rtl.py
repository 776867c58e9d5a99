"""A closed-loop learning-core run replayed on the core's generated Verilog, tick for tick.

The RTL twin of :class:`sc_model.learning_core.LearningCore` gets only the
input spikes of every tick (``spikes`` held for the tick's ``T`` cycles,
``en`` high) and, under ``rule="rstdp"``, the reward and strobe of every
tick (what the host computes from the spikes; held likewise); the host port
is idle. Its own LIF neurons decide the post spikes and its own plasticity
pass rewrites its weight memory. Nothing of the model is fed back into it,
so the loop is closed in the hardware.

The comparison (:func:`compare`), for every tick ``t`` of the run:

* ``weights``: the RTL weight memory as the layer reads it in tick ``t``,
  rebuilt from the power-on image (the ``weights`` parameter) and every
  write the pass showed on ``upd_en``/``upd_addr``/``upd_data`` in the
  cycles before tick ``t`` (a write shown in cycle ``c`` is performed at the
  edge ending it), against ``LearningRun.weights[t]``: every synapse;
* ``spikes`` and ``v``: ``out_spike``/``out_v`` in the cycle neuron ``m``
  is presented (``out_valid``), against ``LearningRun.spikes``/``v``.

The traces and eligibility live in the core's memories (readable over the
host port, not on ports): they are checked through the weights they make.

A run of ``n`` ticks is extended by two silent ticks (no input spikes):
the pass of tick ``t + 1`` applies tick ``t``'s update, visible from tick
``t + 2``, so ``weights[n + 1]`` holds every update of the ``n`` ticks (the
*learned weights*; the silent ticks' own updates are not in it).

Files: ``out_dir`` holds the Verilog, the simulator build, logs and
``report.json``.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sc_model.arith import pack_bits  # noqa: E402
from sc_model.learning_core import (  # noqa: E402
    LearningCore,
    LearningCoreConfig,
    LearningRun,
    decode_word,
    learning_core_params,
)

#: Silent ticks appended to a run so every update of its ticks is applied.
TAIL_TICKS = 2
OUTPUTS = ("out_valid", "out_neuron", "out_spike", "out_v", "upd_en", "upd_addr", "upd_data")
QUANTITIES = ("weights", "spikes", "v")
HOST_IDLE = ("host_req", "host_we", "host_space", "host_addr", "host_wdata")


def with_tail(values: np.ndarray) -> np.ndarray:
    """``values`` (ticks on axis 0) followed by :data:`TAIL_TICKS` zero ticks."""
    values = np.asarray(values)
    return np.concatenate([values, np.zeros((TAIL_TICKS, *values.shape[1:]), values.dtype)])


def learn(
    config: LearningCoreConfig,
    spikes: np.ndarray,
    reward: np.ndarray | None = None,
    reward_strobe: np.ndarray | None = None,
) -> tuple[LearningRun, np.ndarray]:
    """The model over ``spikes`` (and rewards) plus the silent tail; (run, learned ``(M, N)``)."""
    n = len(spikes)
    rew = with_tail(np.zeros(n, np.int64) if reward is None else np.asarray(reward, np.int64))
    stb = with_tail(
        np.zeros(n, np.int64) if reward_strobe is None else np.asarray(reward_strobe, np.int64)
    )
    run = LearningCore(config).run(with_tail(spikes), reward=rew, reward_strobe=stb)
    return run, run.weights[-1].copy()


@dataclass
class Case:
    """One closed-loop run to replay: the core, its input ticks, the model's run of them."""

    config: LearningCoreConfig
    spikes: np.ndarray  # (n + TAIL_TICKS, N) uint8: what the RTL is given, tick by tick
    reward: np.ndarray  # (n + TAIL_TICKS,) signed rewards (0 under STDP)
    reward_strobe: np.ndarray  # (n + TAIL_TICKS,) 0/1
    run: LearningRun  # the model over the same ticks

    @property
    def ticks(self) -> int:
        return int(self.spikes.shape[0])

    @property
    def weight_changes(self) -> int:
        """(tick, synapse) pairs whose model weight changed between consecutive ticks."""
        return int(np.count_nonzero(np.diff(self.run.weights, axis=0)))

    @property
    def learned_weights(self) -> np.ndarray:
        return self.run.weights[-1]


def make_case(
    config: LearningCoreConfig,
    spikes: np.ndarray,
    reward: np.ndarray | None = None,
    reward_strobe: np.ndarray | None = None,
) -> Case:
    """The case of ``spikes`` ``(n, N)`` and rewards (the silent tail appended) on ``config``."""
    run, _ = learn(config, spikes, reward, reward_strobe)
    n = len(spikes)
    rew = np.zeros(n, np.int64) if reward is None else np.asarray(reward, np.int64)
    stb = np.zeros(n, np.int64) if reward_strobe is None else np.asarray(reward_strobe, np.int64)
    return Case(config, with_tail(spikes), with_tail(rew), with_tail(stb), run)


def flip_input_spike(case: Case, tick: int, synapse: int) -> Case:
    """``case`` with input spike ``synapse`` of ``tick`` inverted in the RTL's stimulus only.

    The model run stays that of the original stimulus: replaying this must mismatch.
    """
    spikes = case.spikes.copy()
    spikes[tick, synapse] ^= 1
    return replace(case, spikes=spikes)


def rtl_inputs(case: Case) -> dict[str, list[int]]:
    """Per-cycle port values: each tick's inputs held for its ``T`` cycles, ``en`` high,
    the host port idle."""
    c = case.config
    t_cyc = c.tick_cycles

    def hold(per_tick: list[int]) -> list[int]:
        return [v for v in per_tick for _ in range(t_cyc)]

    ports = {"spikes": hold([int(pack_bits(row)) for row in case.spikes])}
    n_cycles = len(ports["spikes"])
    ports["en"] = [1] * n_cycles
    for name in HOST_IDLE:
        ports[name] = [0] * n_cycles
    if c.rstdp:
        mask = (1 << c.reward_width) - 1
        ports["reward"] = hold([int(r) & mask for r in case.reward])
        ports["reward_strobe"] = hold([int(s) for s in case.reward_strobe])
    elif case.reward_strobe.any():
        raise ValueError("reward strobes given for a core without rule='rstdp'")
    return ports


@dataclass
class Report:
    """Per quantity: ticks that mismatch and the first one; the size of the run."""

    ticks: int
    cycles: int
    weight_changes: int
    synapses_changed: int
    post_spikes: int
    mismatches: dict[str, int]
    first_mismatch: dict[str, int | None]
    seconds: float
    min_changes: int = 0

    @property
    def ok(self) -> bool:
        return not any(self.mismatches.values()) and self.weight_changes >= self.min_changes

    def lines(self) -> list[str]:
        verdict = "bit-exact" if self.ok else "FAILED"
        out = [
            f"{self.ticks} ticks ({self.cycles} cycles), {self.post_spikes} post spikes, "
            f"{self.weight_changes} weight changes on {self.synapses_changed} synapses "
            f"(minimum {self.min_changes}), RTL {self.seconds:.1f} s: {verdict}"
        ]
        for name, n in self.mismatches.items():
            first = self.first_mismatch[name]
            where = "" if first is None else f" (first in tick {first})"
            out.append(f"  {name:<11} mismatching ticks {n} / {self.ticks}{where}")
        return out


def rtl_ticks(case: Case, rec: dict[str, list[int]]) -> dict[str, np.ndarray]:
    """The captured cycles as per-tick arrays of the quantities of :data:`QUANTITIES`."""
    c = case.config
    n, m, t_cyc = case.ticks, c.n_neurons, c.tick_cycles
    lanes, ch, vw = c.lanes, c.chunks, c.v_width
    if len(rec["upd_en"]) != n * t_cyc:
        raise ValueError(f"capture has {len(rec['upd_en'])} cycles, expected {n * t_cyc}")
    memory = np.zeros((m, ch * lanes), np.int64)  # type: ignore[operator]
    memory[:, : c.n_inputs] = np.asarray(c.weights, np.int64)
    weights = np.zeros((n, m, c.n_inputs), np.int64)
    spikes = np.zeros((n, m), np.uint8)
    v = np.zeros((n, m), np.int64)
    for cyc in range(n * t_cyc):
        t, k = divmod(cyc, t_cyc)
        if k == 0:
            weights[t] = memory[:, : c.n_inputs]
        if rec["out_valid"][cyc] and k >= ch + 7:  # type: ignore[operator]
            nm = rec["out_neuron"][cyc]
            spikes[t, nm] = rec["out_spike"][cyc]
            raw = rec["out_v"][cyc]
            v[t, nm] = raw - ((raw >> (vw - 1)) << vw)  # type: ignore[operator]
        if rec["upd_en"][cyc]:
            mm, cc = divmod(rec["upd_addr"][cyc], ch)
            memory[mm, cc * lanes : (cc + 1) * lanes] = decode_word(rec["upd_data"][cyc], c)  # type: ignore[operator]
    return {"weights": weights, "spikes": spikes, "v": v}


def compare(case: Case, rec: dict[str, list[int]], seconds: float, min_changes: int) -> Report:
    """Every quantity of every tick, RTL (rebuilt from ``rec``) against the model run."""
    got = rtl_ticks(case, rec)
    run = case.run
    want = {"weights": run.weights, "spikes": run.spikes, "v": run.v}
    mismatches, first = {}, {}
    for name in QUANTITIES:
        a, b = got[name], want[name]
        bad = np.flatnonzero((a != b).reshape(len(a), -1).any(axis=1))
        mismatches[name], first[name] = int(bad.size), (int(bad[0]) if bad.size else None)
    changed = np.diff(run.weights, axis=0) != 0
    return Report(
        ticks=case.ticks,
        cycles=case.ticks * case.config.tick_cycles,
        weight_changes=int(changed.sum()),
        synapses_changed=int(changed.any(axis=0).sum()),
        post_spikes=int(run.spikes.sum()),
        mismatches=mismatches,
        first_mismatch=first,
        seconds=seconds,
        min_changes=min_changes,
    )


def replay(case: Case, out_dir: Path, simulator: str = "icarus", min_changes: int = 0) -> Report:
    """Generate the core's Verilog, drive the case's ticks, compare every tick with the model."""
    # imported here: the model-only helpers above need neither Amaranth nor cocotb
    from sc_cosim.capture_tb import run_capture
    from sc_cosim.harness import generate_verilog

    params = learning_core_params(case.config)
    verilog_text = generate_verilog("learning_core", params)
    rec, seconds = run_capture(
        verilog_text, "sc_learning_core", rtl_inputs(case), list(OUTPUTS), out_dir, simulator
    )
    report = compare(case, rec, seconds, min_changes)
    (Path(out_dir) / "report.json").write_text(json.dumps({**vars(report), "ok": report.ok}))
    return report
