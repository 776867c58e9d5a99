"""Run the host link's engine of a git revision and of this checkout side by side.

Usage: ``python scripts/host_link_lockstep.py REV [--seed S] [--frames N] [--spacing K]``.

Both :class:`sc_hw.host_link.HostLink` engines (``REV``'s ``sc_hw/host_link.py``,
read with ``git show``, and the working tree's) get the same inputs every cycle
in Amaranth's simulator: random frames (WRITE/RUN with values in and out of
range, READ, other and unknown commands, flipped bits, truncated frames that
time out, framing errors) with their bytes at least ``K`` cycles apart, and
random ``tx_ready`` and core inputs. Every output is compared every cycle; the
first difference fails with the seed and cycle. Used to show that registering
the engine's value check and timeout (see ``docs/host_link.md``) changed no
output as long as bytes are at least 4 cycles apart (the UART's are at least
40): ``--spacing 4`` passes, ``--spacing 3`` fails.
"""

from __future__ import annotations

import argparse
import importlib.util
import subprocess
import sys
import tempfile
from pathlib import Path
from types import ModuleType

import numpy as np
from amaranth.hdl import Module
from amaranth.sim import Simulator

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sc_hw.host_link import HostLink  # noqa: E402
from sc_model import host_link as hl  # noqa: E402

TIMEOUT = 40
LINK = dict(
    n_inputs=5,
    n_neurons=11,
    data_width=13,
    addr_width=3,
    depths=(7, 7, 7),
    widths=(13, 9, 4),
    timeout=TIMEOUT,
    has_reward=True,
)
OUTPUTS = (
    "tx_data",
    "tx_valid",
    "spikes",
    "en",
    "core_rst",
    "host_req",
    "host_we",
    "host_space",
    "host_addr",
    "host_wdata",
    "reward",
    "reward_strobe",
    "busy",
    "fault",
)
#: core-side inputs driven at random (width in bits)
INPUTS = {"out_valid": 1, "out_neuron": 4, "out_spike": 1, "host_ack": 1, "host_rvalid": 1}


def engine_at(rev: str) -> ModuleType:
    """``sc_hw/host_link.py`` of git revision ``rev`` as a module."""
    text = subprocess.run(
        ["git", "-C", str(ROOT), "show", f"{rev}:sc_hw/host_link.py"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    path = Path(tempfile.mkdtemp()) / "host_link_at_rev.py"
    path.write_text(text)
    spec = importlib.util.spec_from_file_location("host_link_at_rev", path)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def random_frame(rng: np.random.Generator) -> bytes:
    kind = rng.integers(0, 8)
    if kind < 3:
        n = int(rng.integers(1, 4))
        words = [int(rng.integers(0, 1 << 14)) for _ in range(n)]
        body = [int(rng.integers(0, 3)), int(rng.integers(0, 7)), 0, n]
        frame = hl.request(hl.CMD_WRITE, body + [b for v in words for b in v.to_bytes(2, "little")])
    elif kind < 5:
        n = int(rng.integers(1, 4))
        frame = hl.request(hl.CMD_RUN, [n] + [int(rng.integers(0, 34)) for _ in range(n)])
    elif kind == 5:
        cmd = int(rng.choice([0, 1, 3, 4, 5, 6, 7]))
        frame = hl.request(cmd, [int(x) for x in rng.integers(0, 256, int(rng.integers(0, 5)))])
    else:
        bad = bytearray(hl.request(hl.CMD_WRITE, [0, 1, 0, 1, 3, 0]))
        bad[int(rng.integers(1, len(bad)))] ^= 1 << int(rng.integers(0, 8))
        frame = bytes(bad)
    if rng.random() < 0.15:  # truncated: answered with TIMEOUT
        frame = frame[: int(rng.integers(1, len(frame)))]
    return frame


def lockstep(rev: str, seed: int, n_frames: int, spacing: int) -> int:
    """Compare the two engines; return the number of cycles run (AssertionError on a difference)."""
    rng = np.random.default_rng(seed)
    old, new = engine_at(rev).HostLink(**LINK), HostLink(**LINK)
    top = Module()
    top.submodules.old = old
    top.submodules.new = new
    events: list[tuple[int, str | None, int]] = []  # (cycles before it, kind, byte)
    for _ in range(n_frames):
        for byte in random_frame(rng):
            events.append((int(rng.integers(spacing, spacing + 30)), "byte", byte))
            if rng.random() < 0.01:
                events.append((int(rng.integers(spacing, spacing + 30)), "error", 0))
        events.append((int(rng.integers(0, 3 * TIMEOUT)), None, 0))
    cycles = 0

    async def bench(ctx):
        nonlocal cycles
        for wait, kind, byte in events:
            for i in range(max(wait, 1)):
                fire = kind is not None and i == max(wait, 1) - 1
                values = {k: int(rng.integers(0, 1 << w)) for k, w in INPUTS.items()}
                values["tick_done"] = int(rng.random() < 0.1)
                values["tx_ready"] = int(rng.random() < 0.3)
                values["rx_valid"] = int(fire and kind == "byte")
                values["rx_error"] = int(fire and kind == "error")
                values["rx_data"] = byte
                for engine in (old, new):
                    for k, v in values.items():
                        ctx.set(getattr(engine, k), v)
                for o in OUTPUTS:
                    a, b = ctx.get(getattr(old, o)), ctx.get(getattr(new, o))
                    assert a == b, f"seed {seed}, cycle {cycles}: {o} is {a} at {rev}, {b} here"
                await ctx.tick()
                cycles += 1

    sim = Simulator(top)
    sim.add_clock(1e-8)
    sim.add_testbench(bench)
    sim.run()
    return cycles


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("rev", help="git revision whose engine is the reference")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--frames", type=int, default=300)
    ap.add_argument("--spacing", type=int, default=4, help="fewest cycles between two bytes")
    args = ap.parse_args()
    if args.spacing < 1:
        raise ValueError(f"--spacing must be at least 1 cycle, not {args.spacing}")
    cycles = lockstep(args.rev, args.seed, args.frames, args.spacing)
    print(
        f"seed {args.seed}: {args.frames} frames, {cycles} cycles, bytes >= {args.spacing} "
        f"cycles apart: all {len(OUTPUTS)} outputs equal to {args.rev}'s every cycle"
    )


if __name__ == "__main__":
    main()
