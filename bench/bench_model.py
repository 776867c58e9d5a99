"""Throughput of the NumPy reference model against plain Python loops.

Run from the repository root::

    .venv/bin/python bench/bench_model.py [--quick]

Cases (one run measures them all and prints one table):

(a) LFSR generation: ``sc_model.lfsr.lfsr_sequence`` for 64 Fibonacci LFSRs
    of width 16 x 65536 steps, against a Python loop that steps each LFSR
    and computes the feedback bit by bit from the taps. One "bit" is one LFSR
    step: the random number behind one stream bit.
(b) SNG comparator: ``r < v`` over those 64 x 65536 LFSR states for 64
    values, ``sc_model.sng.comparator_bits``, against a per-bit Python loop.
(b2) SNG end to end, ``sc_model.sng.lfsr_sng_streams``:
    8 comparator banks x 8 streams (64 streams) x 65536 cycles, LFSR + bit
    selection (default rotations) + compare, against a Python loop doing the
    same per cycle and stream.
(c) AND + popcount: 1024 pairs of packed 65536-bit streams,
    ``popcount(and_words(a, b, L), L)`` from :mod:`sc_model.streams`, against
    a Python loop over the bits of unpacked streams.

The loops are far too slow for the full size: each is timed on a slice of
the same work and its rate scaled per bit (rates are per bit, so the slice
size only matters through cache effects, which favour the loop). Before any
timing the fast path and the loop must agree exactly on that slice. Each time
is the best of several repeats (``time.perf_counter``).
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sc_model import sng as _sng  # noqa: E402
from sc_model.lfsr import MAXIMAL_TAPS, lfsr_sequence  # noqa: E402
from sc_model.streams import and_words, popcount, unpack_bits  # noqa: E402

WIDTH = 16
N_LFSR = 64
N_STEPS = 65536
N_PAIRS = 1024
STREAM_BITS = 65536
BANKS, PER_BANK = 8, 8


class Row(NamedTuple):
    case: str
    work_bits: int
    fast_s: float
    loop_bits: int
    loop_s: float


def best_time(fn: Callable[[], object], repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


# ---------------------------------------------------------------------------
# Plain-Python references (the "loop" path)
# ---------------------------------------------------------------------------


def loop_lfsr(seeds: list[int], n_steps: int, width: int, taps: tuple[int, ...]) -> list[list[int]]:
    """States ``[lfsr][t]`` by stepping each Fibonacci LFSR, feedback bit by bit."""
    mask = (1 << width) - 1
    out = []
    for seed in seeds:
        s, states = seed, []
        for _ in range(n_steps):
            states.append(s)
            fb = 0
            for tap in taps:
                fb ^= (s >> (tap - 1)) & 1
            s = ((s << 1) | fb) & mask
        out.append(states)
    return out


def loop_compare(states: list[list[int]], values: list[int]) -> list[list[int]]:
    """``[lfsr][t]`` bits ``r < v`` one at a time."""
    out = []
    for row, v in zip(states, values, strict=True):
        bits = []
        for r in row:
            bits.append(1 if r < v else 0)
        out.append(bits)
    return out


def loop_sng_bank(
    seed: int, values: list[int], n_cycles: int, width: int, taps: tuple[int, ...]
) -> list[list[int]]:
    """``[cycle][stream]`` of one comparator bank: LFSR, left rotation by
    ``k * width // K``, compare; all per cycle and stream."""
    mask = (1 << width) - 1
    k_streams = len(values)
    rots = [k * width // k_streams for k in range(k_streams)]
    s, out = seed, []
    for _ in range(n_cycles):
        row = []
        for rot, v in zip(rots, values, strict=True):
            r = ((s << rot) | (s >> (width - rot))) & mask
            row.append(1 if r < v else 0)
        out.append(row)
        fb = 0
        for tap in taps:
            fb ^= (s >> (tap - 1)) & 1
        s = ((s << 1) | fb) & mask
    return out


def loop_and_popcount(xs: list[list[int]], ys: list[list[int]]) -> list[int]:
    """Ones of ``x AND y`` per pair, bit by bit."""
    counts = []
    for x, y in zip(xs, ys, strict=True):
        c = 0
        for a, b in zip(x, y, strict=True):
            c += a & b
        counts.append(c)
    return counts


# ---------------------------------------------------------------------------
# Cases
# ---------------------------------------------------------------------------


def case_lfsr(rng: np.random.Generator, slice_steps: int, repeats: int) -> tuple[Row, np.ndarray]:
    seeds = rng.integers(1, 1 << WIDTH, N_LFSR)
    taps = MAXIMAL_TAPS[WIDTH]
    states = lfsr_sequence(WIDTH, seeds, N_STEPS)  # (N_STEPS, N_LFSR)
    ref = loop_lfsr(seeds.tolist(), slice_steps, WIDTH, taps)
    assert np.array_equal(states[:slice_steps].T, np.array(ref, np.uint64)), "LFSR mismatch"
    fast = best_time(lambda: lfsr_sequence(WIDTH, seeds, N_STEPS), repeats)
    loop = best_time(lambda: loop_lfsr(seeds.tolist(), slice_steps, WIDTH, taps), 3)
    row = Row("(a) LFSR states, lfsr_sequence", N_LFSR * N_STEPS, fast, N_LFSR * slice_steps, loop)
    return row, states


def case_compare(
    rng: np.random.Generator, states: np.ndarray, slice_steps: int, repeats: int
) -> Row:
    values = rng.integers(0, 1 << WIDTH, N_LFSR)
    name = "(b) SNG r < v, sng.comparator_bits"

    def fast_fn() -> np.ndarray:
        return _sng.comparator_bits(values, states)

    bits = fast_fn()  # (N_STEPS, N_LFSR)
    state_rows = states[:slice_steps].T.tolist()
    ref = loop_compare(state_rows, values.tolist())
    assert np.array_equal(bits[:slice_steps].T, np.array(ref, np.uint8)), "comparator mismatch"
    fast = best_time(fast_fn, repeats)
    loop = best_time(lambda: loop_compare(state_rows, values.tolist()), 3)
    return Row(name, N_LFSR * N_STEPS, fast, N_LFSR * slice_steps, loop)


def case_sng_end_to_end(rng: np.random.Generator, slice_steps: int, repeats: int) -> Row:
    taps = MAXIMAL_TAPS[WIDTH]
    seeds = rng.integers(1, 1 << WIDTH, BANKS).tolist()
    values = rng.integers(0, 1 << WIDTH, (BANKS, PER_BANK))

    def fast_fn() -> list[np.ndarray]:
        return [_sng.lfsr_sng_streams(values[i], WIDTH, seeds[i], N_STEPS) for i in range(BANKS)]

    out = fast_fn()
    for i in range(BANKS):
        ref = loop_sng_bank(seeds[i], values[i].tolist(), slice_steps, WIDTH, taps)
        assert np.array_equal(out[i][:slice_steps], np.array(ref, np.uint8)), "SNG bank mismatch"
    fast = best_time(fast_fn, repeats)

    def loop_fn() -> None:
        for i in range(BANKS):
            loop_sng_bank(seeds[i], values[i].tolist(), slice_steps, WIDTH, taps)

    loop = best_time(loop_fn, 3)
    name = f"(b2) SNG end to end, sng.lfsr_sng_streams {BANKS}x{PER_BANK}"
    return Row(name, BANKS * PER_BANK * N_STEPS, fast, BANKS * PER_BANK * slice_steps, loop)


def case_and_popcount(rng: np.random.Generator, slice_pairs: int, repeats: int) -> Row:
    n_w = STREAM_BITS // 64
    a = rng.integers(0, 2**64, (N_PAIRS, n_w), dtype=np.uint64, endpoint=False)
    b = rng.integers(0, 2**64, (N_PAIRS, n_w), dtype=np.uint64, endpoint=False)

    def fast_fn() -> np.ndarray:
        return popcount(and_words(a, b, STREAM_BITS), STREAM_BITS)

    counts = fast_fn()
    xs = unpack_bits(a[:slice_pairs], STREAM_BITS).tolist()
    ys = unpack_bits(b[:slice_pairs], STREAM_BITS).tolist()
    assert counts[:slice_pairs].tolist() == loop_and_popcount(xs, ys), "AND+popcount mismatch"
    fast = best_time(fast_fn, repeats)
    loop = best_time(lambda: loop_and_popcount(xs, ys), 3)
    name = "(c) AND + popcount, packed words"
    return Row(name, N_PAIRS * STREAM_BITS, fast, slice_pairs * STREAM_BITS, loop)


# ---------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores, {platform.system()} {platform.machine()}"


def table(rows: list[Row]) -> str:
    head = (
        "| case | work (bits) | fast bits/s | loop bits/s | speed-up | loop slice (bits) |\n"
        "| --- | ---: | ---: | ---: | ---: | ---: |"
    )
    lines = [head]
    for r in rows:
        fast_rate = r.work_bits / r.fast_s
        loop_rate = r.loop_bits / r.loop_s
        lines.append(
            f"| {r.case} | {r.work_bits:,} | {fast_rate:.3g} | {loop_rate:.3g} "
            f"| {fast_rate / loop_rate:,.0f}x | {r.loop_bits:,} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller loop slices, 2 repeats")
    parser.add_argument("--seed", type=int, default=2024, help="random seed for values/seeds")
    args = parser.parse_args(argv)
    repeats = 2 if args.quick else 5
    slice_steps = 256 if args.quick else 2048
    slice_pairs = 1 if args.quick else 4
    rng = np.random.default_rng(args.seed)

    rows = []
    row_a, states = case_lfsr(rng, slice_steps, repeats)
    rows.append(row_a)
    rows.append(case_compare(rng, states, slice_steps, repeats))
    del states
    rows.append(case_sng_end_to_end(rng, slice_steps, repeats))
    rows.append(case_and_popcount(rng, slice_pairs, repeats))

    now = datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    print(f"sc_model throughput, {now}")
    print(f"machine: {machine()}")
    print(f"python {platform.python_version()}, numpy {np.__version__}")
    print(
        f"fast path: best of {repeats} runs over the full work; loop path: plain Python, "
        "timed (best of 3) on a slice of the same work and scaled per bit; "
        "fast and loop results were checked equal on that slice."
    )
    print("(a)/(b): one bit = one LFSR step / one stream bit; (c): one bit = one bit pair.")
    print()
    print(table(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
