"""One driver for the board link: :class:`Chip` over any :class:`Transport`.

The same user code runs on the bit-exact model (:class:`sc_host.transports.ModelTransport`),
on the co-simulated board system (:class:`sc_host.cosim.CosimTransport`) and on a
board over a serial port (:class:`sc_host.transports.SerialTransport`); the
protocol is :mod:`sc_model.host_link` (``docs/host_link.md``).
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from sc_model import host_link as hl
from sc_model._validate import check_bits, check_int
from sc_model.export import load_sc_layer_tm
from sc_model.sc_layer_tm import SCLayerTMConfig, decode_weight_word

SPACE_WEIGHTS, SPACE_THRESHOLDS, SPACE_STATE = 0, 1, 2


class Transport(Protocol):
    """Moves one request frame to the board and returns its reply bytes."""

    def exchange(self, frame: bytes) -> bytes: ...

    def idle(self, cycles: int) -> None: ...


class LinkError(RuntimeError):
    """The board answered a frame with an error reply."""

    def __init__(self, code: int, cmd: int) -> None:
        self.code, self.cmd = code, cmd
        name = hl.ERROR_NAMES.get(code, f"code {code}")
        super().__init__(f"board replied {name} ({code}) to command {cmd:#04x}")


@dataclass(frozen=True)
class LinkStatus:
    """``STATUS``: ticks run, frames answered OK / with an error, the last error code."""

    ticks: int
    frames_ok: int
    frames_bad: int
    last_error: int


class Chip:
    """A core behind the host link (the same calls on every transport).

    ``chip.identify()``, ``chip.load(layer_or_export_dir)``, ``chip.run(spikes)``,
    ``chip.reward(r)``, ``chip.read_weights()``, ``chip.reset()``, ``chip.status()``.
    """

    def __init__(self, transport: Transport) -> None:
        self.transport = transport
        self.layer: SCLayerTMConfig | None = None
        self.info = self.identify()

    # -- frames --------------------------------------------------------------

    def command(self, cmd: int, payload: bytes | Sequence[int] = b"") -> bytes:
        """Send one request; return the OK reply's payload or raise :class:`LinkError`."""
        data = self.transport.exchange(hl.request(cmd, payload))
        status, body, _ = hl.parse_reply(data)
        if status != hl.OK:
            # the board ignores input until the line has been idle for its timeout
            t = self.info.timeout if hasattr(self, "info") else 1 << 24
            self.transport.idle(t + t // 8 + 16)
            raise LinkError(status, body[0] if body else 0)
        return body

    def identify(self) -> hl.LinkInfo:
        return hl.LinkInfo.parse(self.command(hl.CMD_IDENTIFY))

    def status(self) -> LinkStatus:
        b = self.command(hl.CMD_STATUS)
        le = "little"
        return LinkStatus(
            int.from_bytes(b[0:4], le), int.from_bytes(b[4:6], le), int.from_bytes(b[6:8], le), b[8]
        )

    def reset(self) -> None:
        """Reset the core (its memories keep their contents)."""
        self.command(hl.CMD_RESET)

    def reward(self, r: int) -> None:
        """Deliver reward ``r`` (-128 .. 127) to a core with a reward input."""
        self.command(hl.CMD_REWARD, [check_int("r", r, -128, 127) & 0xFF])

    # -- memories --------------------------------------------------------------

    def write_words(self, space: int, addr: int, words: Sequence[int]) -> None:
        """Write ``words`` to ``space`` from ``addr`` on (as many frames as needed)."""
        w = self.info.word_bytes
        words = [int(v) for v in words]
        per = min(255, (hl.MAX_PAYLOAD - 4) // w)
        for start in range(0, len(words), per):
            chunk = words[start : start + per]
            a = addr + start
            payload = bytes([space]) + a.to_bytes(2, "little") + bytes([len(chunk)])
            payload += b"".join(v.to_bytes(w, "little") for v in chunk)
            self.command(hl.CMD_WRITE, payload)

    def read_words(self, space: int, addr: int, count: int) -> list[int]:
        """Read ``count`` words of ``space`` from ``addr`` on."""
        w = self.info.word_bytes
        per = min(255, hl.MAX_PAYLOAD // w)
        out: list[int] = []
        for start in range(0, count, per):
            n = min(per, count - start)
            a = addr + start
            body = self.command(hl.CMD_READ, bytes([space]) + a.to_bytes(2, "little") + bytes([n]))
            out += [int.from_bytes(body[k * w : (k + 1) * w], "little") for k in range(n)]
        return out

    # -- the network -------------------------------------------------------------

    def load(self, layer: SCLayerTMConfig | str | os.PathLike[str]) -> None:
        """Write a layer's weights and thresholds (a config, or an export directory).

        The layer's sizes must be the core's (``IDENTIFY``), and every weight must lie
        in the range the core's plasticity keeps (``IDENTIFY``'s ``w_min``/``w_max``,
        protocol version 2): a weight outside it would load and then be clamped at
        its first update, a silent change of the network, so it is refused with a
        ``ValueError`` naming the weight, before anything is sent. A version-1 board
        does not report the range: then only the sizes are checked, with a
        ``UserWarning`` saying so. Every other parameter (seeds, leak, plasticity)
        is fixed when the core is built.
        """
        if not isinstance(layer, SCLayerTMConfig):
            layer = SCLayerTMConfig(**load_sc_layer_tm(Path(layer)))
        info = self.info
        got = (layer.n_inputs, layer.n_neurons, layer.words, layer.word_width, layer.v_width)
        want = (info.n_inputs, info.n_neurons, info.depths[0], info.widths[0], info.widths[1])
        if got != want:
            raise ValueError(
                "layer must match the core's (n_inputs, n_neurons, weight words, word width, "
                f"v_width) = {want}, not {got}"
            )
        self._check_weight_range(layer)
        self.layer = layer
        vmask = (1 << layer.v_width) - 1
        self.write_words(SPACE_WEIGHTS, 0, layer.weight_words())
        self.write_words(SPACE_THRESHOLDS, 0, [t & vmask for t in layer.thresholds])

    def _check_weight_range(self, layer: SCLayerTMConfig) -> None:
        info = self.info
        if info.w_range is None:
            if info.version < 2:
                warnings.warn(
                    f"the board speaks host-link protocol version {info.version}, whose "
                    "IDENTIFY does not report the core's weight range: weights outside it "
                    "load unchecked and are clamped at their first plasticity update "
                    "(rebuild the bitstream for version 2)",
                    UserWarning,
                    stacklevel=3,
                )
            return
        lo, hi = info.w_range
        w = np.asarray(layer.weights, dtype=np.int64)
        bad = np.argwhere((w < lo) | (w > hi))
        if bad.size:
            m, j = (int(v) for v in bad[0])
            more = f" ({len(bad) - 1} more outside it)" if len(bad) > 1 else ""
            raise ValueError(
                f"weight (neuron {m}, input {j}) = {int(w[m, j])} is outside the core's "
                f"weight range [w_min, w_max] = [{lo}, {hi}] (IDENTIFY){more}; the plasticity "
                "pass would clamp it at its first update. Nothing was written."
            )

    def read_weight_words(self) -> list[int]:
        """The whole weight memory, word by word (the exported image's layout)."""
        return self.read_words(SPACE_WEIGHTS, 0, self.info.depths[0])

    def read_weights(self) -> np.ndarray:
        """The weights ``(M, N)`` (``int64``), decoded with the loaded layer's layout."""
        if self.layer is None:
            raise RuntimeError("read_weights needs the layout of a layer given to load() first")
        c = self.layer
        words = self.read_weight_words()
        rows = np.array([decode_weight_word(v, c.lanes, c.weight_width) for v in words])  # type: ignore[arg-type]
        return rows.reshape(c.n_neurons, c.chunks * c.lanes)[:, : c.n_inputs]  # type: ignore[operator]

    def read_thresholds(self) -> list[int]:
        vw = self.info.widths[1]
        raw = self.read_words(SPACE_THRESHOLDS, 0, self.info.depths[1])
        return [v - (1 << vw) if v >> (vw - 1) & 1 else v for v in raw]

    def run(self, spikes: object) -> np.ndarray:
        """One tick per row of ``spikes`` ``(n_ticks, N)``; returns ``(n_ticks, M)`` ``uint8``."""
        x = check_bits("spikes", spikes)
        info = self.info
        if x.ndim != 2 or x.shape[1] != info.n_inputs:
            raise ValueError(f"spikes must have shape (n_ticks, {info.n_inputs}), not {x.shape}")
        bi, bo = hl.word_bytes(info.n_inputs), hl.word_bytes(info.n_neurons)
        per = min(255, (hl.MAX_PAYLOAD - 1) // bi, hl.MAX_PAYLOAD // bo)
        weights_in = 1 << np.arange(info.n_inputs, dtype=object)
        out = np.zeros((x.shape[0], info.n_neurons), np.uint8)
        for start in range(0, x.shape[0], per):
            rows = x[start : start + per]
            payload = bytearray([len(rows)])
            for row in rows:
                payload += int((row.astype(object) * weights_in).sum()).to_bytes(bi, "little")
            body = self.command(hl.CMD_RUN, payload)
            for t in range(len(rows)):
                v = int.from_bytes(body[t * bo : (t + 1) * bo], "little")
                out[start + t] = [(v >> m) & 1 for m in range(info.n_neurons)]
        return out
