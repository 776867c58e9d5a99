"""The board host link: framed command protocol and its engine, at the transaction level.

The protocol is written down in ``docs/host_link.md``; this module is its
reference (the constants, the CRC, frame building and parsing) and the model
twin of the engine :class:`sc_hw.host_link.HostLink`: :class:`LinkModel` takes
the bytes a host sends and returns the bytes the board answers, driving a
core through :class:`HostCore` exactly as the engine drives the core's ports.
With a core model behind it, it is the *model transport* of :mod:`sc_host`.

Contract (shared with :class:`sc_hw.host_link.HostLink`)
--------------------------------------------------------
Frames
    Request ``A5 LEN CMD PAYLOAD[LEN] CRC``; reply ``5A LEN STATUS
    PAYLOAD[LEN] CRC``. ``LEN`` 0 .. 255; ``CRC`` is CRC-8 (polynomial 0x07,
    initial value 0, no reflection, no final XOR: CRC-8/SMBUS) over ``LEN``,
    ``CMD``/``STATUS`` and the payload. Multi-byte numbers are little-endian.
    Between frames, bytes other than ``A5`` are ignored (framing errors too).
Commands (``W`` = bytes per host word, ``ceil(data_width / 8)``; ``BI`` =
``ceil(N / 8)``, ``BO`` = ``ceil(M / 8)``)
    ``IDENTIFY`` 0x01, LEN 0: reply :func:`identify_payload` (42 bytes,
    protocol version 2; version 1 sent the first 34, without the weight range).
    ``WRITE`` 0x02: ``space, addr u16, count, count * W bytes``; writes
    ``count >= 1`` words to addresses ``addr ..`` of the space; empty reply.
    ``READ`` 0x03: ``space, addr u16, count`` (``count * W <= 255``); reply:
    the words.
    ``RESET`` 0x04, LEN 0: one cycle of the core's reset (memories keep their
    contents); empty reply.
    ``RUN`` 0x05: ``n, n * BI spike bytes`` (``n >= 1``, ``n * BO <= 255``):
    runs ``n`` ticks, tick ``t`` with input ``j`` = bit ``j % 8`` of byte
    ``1 + t BI + j // 8``; reply: ``n * BO`` bytes, neuron ``m``'s spike of
    tick ``t`` in bit ``m % 8`` of byte ``t BO + m // 8``.
    ``REWARD`` 0x06: one byte, the reward ``r`` in two's complement (it must
    fit the core's ``reward_width`` signed bits); the core's ``reward`` and
    ``reward_strobe`` present ``r`` with the next tick's spikes (they are
    latched together at the tick's first cycle), then the strobe is cleared;
    only for a core with a reward input; empty reply.
    ``STATUS`` 0x07, LEN 0: reply ``ticks u32, frames_ok u16, frames_bad u16,
    last_error`` (9 bytes; counters wrap modulo ``2**32``/``2**16``): ticks run
    since power-on, frames answered OK and with an error before this one, the
    last error code (0 none).
Errors (reply STATUS = code, LEN 1, payload the frame's CMD or 0 if unknown;
nothing of the frame is performed; checked in this order)
    ``FRAMING`` 7 (a UART framing error inside a frame; answered at once),
    ``TIMEOUT`` 5 (no byte for ``timeout`` cycles inside a frame),
    ``BAD_CRC`` 1, ``UNKNOWN_COMMAND`` 3, ``BAD_LENGTH`` 2 (LEN differs from
    what the command's fields imply, a zero count, or a reply longer than
    255), ``OUT_OF_RANGE`` 4 (space >= 8, or addresses past the space's depth;
    a space the core lacks has depth 0), ``BAD_VALUE`` 9 (a word or spike
    group with bits set above its width: the space's word width, or N),
    ``UNSUPPORTED`` 8 (``REWARD`` to a core without reward input);
    for ``REWARD`` to a core with one, ``BAD_VALUE`` if ``r`` does not fit.
    ``OVERRUN`` 6: bytes arrived while a frame was being executed or answered
    (one frame at a time: the host waits for each reply); they are dropped
    and, after the frame's OK reply, one ``OVERRUN`` reply follows (payload
    the executed CMD).
    After every error reply the engine ignores input until the line has been
    idle for ``timeout`` cycles; then it hunts for ``A5`` again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from ._validate import check_int

SYNC_REQUEST = 0xA5
SYNC_REPLY = 0x5A
VERSION = 2
#: IDENTIFY payload bytes per protocol version (version 2 added the weight range)
IDENTIFY_LENS = {1: 34, 2: 42}
MAX_PAYLOAD = 255
N_SPACES = 8

CMD_IDENTIFY, CMD_WRITE, CMD_READ, CMD_RESET, CMD_RUN, CMD_REWARD, CMD_STATUS = range(1, 8)
COMMANDS = {
    "IDENTIFY": CMD_IDENTIFY,
    "WRITE": CMD_WRITE,
    "READ": CMD_READ,
    "RESET": CMD_RESET,
    "RUN": CMD_RUN,
    "REWARD": CMD_REWARD,
    "STATUS": CMD_STATUS,
}
OK = 0
ERRORS = {
    "BAD_CRC": 1,
    "BAD_LENGTH": 2,
    "UNKNOWN_COMMAND": 3,
    "OUT_OF_RANGE": 4,
    "TIMEOUT": 5,
    "OVERRUN": 6,
    "FRAMING": 7,
    "UNSUPPORTED": 8,
    "BAD_VALUE": 9,
}
ERROR_NAMES = {v: k for k, v in ERRORS.items()}
#: core identifiers reported by IDENTIFY
CORE_IDS = {"test": 0, "learning_core": 1, "sc_layer_tm": 2}
IDENTIFY_LEN = IDENTIFY_LENS[VERSION]
STATUS_LEN = 9


def crc8(data: bytes | Sequence[int], crc: int = 0) -> int:
    """CRC-8/SMBUS (polynomial 0x07, init ``crc``, no reflection, no final XOR)."""
    for byte in data:
        crc ^= check_int("byte", byte, 0, 255)
        for _ in range(8):
            crc = ((crc << 1) ^ 0x07) & 0xFF if crc & 0x80 else (crc << 1) & 0xFF
    return crc


def frame(sync: int, code: int, payload: bytes | Sequence[int] = b"") -> bytes:
    """``sync LEN code payload CRC``."""
    payload = bytes(payload)
    if len(payload) > MAX_PAYLOAD:
        raise ValueError(f"payload must hold at most {MAX_PAYLOAD} bytes, not {len(payload)}")
    body = bytes([len(payload), check_int("code", code, 0, 255)]) + payload
    return bytes([sync]) + body + bytes([crc8(body)])


def request(cmd: int, payload: bytes | Sequence[int] = b"") -> bytes:
    """A request frame (``A5 LEN CMD PAYLOAD CRC``)."""
    return frame(SYNC_REQUEST, cmd, payload)


def reply(status: int, payload: bytes | Sequence[int] = b"") -> bytes:
    """A reply frame (``5A LEN STATUS PAYLOAD CRC``)."""
    return frame(SYNC_REPLY, status, payload)


def parse_reply(data: bytes) -> tuple[int, bytes, bytes]:
    """Split the first reply frame off ``data``: ``(status, payload, rest)``; check the CRC."""
    if len(data) < 4 or data[0] != SYNC_REPLY:
        raise ValueError(f"reply must start with 0x5A and hold >= 4 bytes, not {data[:8].hex()}")
    n = data[1]
    if len(data) < n + 4:
        raise ValueError(f"reply announces {n} payload bytes but holds {len(data) - 4}")
    body, crc = data[1 : n + 3], data[n + 3]
    if crc8(body) != crc:
        raise ValueError(f"reply CRC {crc:#04x} != {crc8(body):#04x} of {body.hex()}")
    return data[2], bytes(data[3 : n + 3]), bytes(data[n + 4 :])


def word_bytes(width: int) -> int:
    """Bytes of a little-endian field of ``width`` bits."""
    return max(1, -(-width // 8))


class HostCore(Protocol):
    """What the engine needs of a core, at the transaction level (en held low between calls).

    ``depths``/``widths``: 8 entries, words and bits per word of each space (0: absent).
    """

    n_inputs: int
    n_neurons: int
    data_width: int
    depths: tuple[int, ...]
    widths: tuple[int, ...]
    has_reward: bool

    def write(self, space: int, addr: int, word: int) -> None: ...

    def read(self, space: int, addr: int) -> int: ...

    def tick(self, spikes: np.ndarray) -> np.ndarray: ...

    def reset(self) -> None: ...

    def reward(self, r: int) -> None: ...


@dataclass(frozen=True)
class LinkInfo:
    """What ``IDENTIFY`` reports (:func:`identify_payload`)."""

    version: int
    core_id: int
    n_inputs: int
    n_neurons: int
    word_bytes: int
    has_reward: bool
    timeout: int
    depths: tuple[int, ...]
    widths: tuple[int, ...]
    #: ``(w_min, w_max)``, the weights the core's plasticity keeps (it clamps every
    #: updated weight into it); None when the core has no such range (flags bit 1
    #: clear) or the board speaks protocol version 1, which did not report it
    w_range: tuple[int, int] | None = None

    @classmethod
    def parse(cls, payload: bytes) -> LinkInfo:
        """Version 1 (34 bytes) and version 2 (42 bytes) payloads; refuse anything else."""
        if len(payload) < 4 or payload[:2] != b"SC":
            raise ValueError(f"IDENTIFY payload must start with 'SC', not {payload.hex()}")
        version = payload[2]
        want = IDENTIFY_LENS.get(version)
        if want is None:
            raise ValueError(
                f"IDENTIFY protocol version must be one of {sorted(IDENTIFY_LENS)}, "
                f"not {version} (a newer board? update sc_host)"
            )
        if len(payload) != want:
            raise ValueError(
                f"IDENTIFY payload of version {version} must hold {want} bytes, "
                f"not {len(payload)}: {payload.hex()}"
            )
        u16 = [int.from_bytes(payload[i : i + 2], "little") for i in range(14, 34, 2)]
        w_range = None
        if version >= 2 and payload[9] & 2:
            lo, hi = (int.from_bytes(payload[i : i + 4], "little", signed=True) for i in (34, 38))
            w_range = (lo, hi)
        return cls(
            version=payload[2],
            core_id=payload[3],
            n_inputs=int.from_bytes(payload[4:6], "little"),
            n_neurons=int.from_bytes(payload[6:8], "little"),
            word_bytes=payload[8],
            has_reward=bool(payload[9] & 1),
            timeout=int.from_bytes(payload[10:14], "little"),
            depths=tuple(u16[:5]),
            widths=tuple(u16[5:]),
            w_range=w_range,
        )


def identify_payload(core: LinkConfig) -> bytes:
    """``"SC", version (2), core_id, N u16, M u16, W, flags (bit 0 reward input, bit 1
    weight range), timeout u32, depths of spaces 0..4 (u16 each), widths of spaces 0..4
    (u16 each), w_min i32, w_max i32`` (the range 0, 0 when flags bit 1 is clear)."""
    out = bytearray(b"SC")
    out += bytes([VERSION, core.core_id])
    out += core.n_inputs.to_bytes(2, "little") + core.n_neurons.to_bytes(2, "little")
    flags = int(core.has_reward) | (2 if core.w_range is not None else 0)
    out += bytes([word_bytes(core.data_width), flags])
    out += core.timeout.to_bytes(4, "little")
    for v in (*core.depths[:5], *core.widths[:5]):
        out += v.to_bytes(2, "little")
    for v in core.w_range or (0, 0):
        out += v.to_bytes(4, "little", signed=True)
    return bytes(out)


@dataclass(frozen=True)
class LinkConfig:
    """The engine's parameters (shared by :class:`LinkModel` and :class:`sc_hw.host_link.HostLink`).

    ``depths``/``widths`` (up to 8 entries, padded with 0): words and bits per
    word of each host space of the core (0: the core lacks the space);
    ``data_width``/``addr_width``: the core's ``host_data_width`` and
    ``host_addr_width``; ``timeout``: idle cycles that end a frame or a drain;
    ``w_range``: ``(w_min, w_max)`` of a core whose plasticity clamps its
    weights (reported by ``IDENTIFY``), None for a core without one.
    """

    n_inputs: int
    n_neurons: int
    data_width: int
    addr_width: int
    depths: tuple[int, ...]
    widths: tuple[int, ...]
    has_reward: bool = False
    timeout: int = 1 << 16
    core_id: int = 0
    reward_width: int = 8
    w_range: tuple[int, int] | None = None

    def __post_init__(self) -> None:
        check_int("n_inputs", self.n_inputs, 1, 8 * MAX_PAYLOAD)
        check_int("n_neurons", self.n_neurons, 1, 8 * MAX_PAYLOAD)
        check_int("data_width", self.data_width, 1, 8 * (MAX_PAYLOAD - 4))
        check_int("addr_width", self.addr_width, 1, 16)
        for name in ("depths", "widths"):
            v = tuple(getattr(self, name))
            if len(v) > N_SPACES:
                raise ValueError(f"{name} must hold at most {N_SPACES} entries, not {len(v)}")
            object.__setattr__(self, name, v + (0,) * (N_SPACES - len(v)))
        for s in range(N_SPACES):
            check_int(f"depths[{s}]", self.depths[s], 0, 1 << self.addr_width)
            check_int(f"widths[{s}]", self.widths[s], 0, self.data_width)
        if not isinstance(self.has_reward, bool):
            raise TypeError(f"has_reward must be a bool, not {self.has_reward!r}")
        check_int("timeout", self.timeout, 16, (1 << 32) - 1)
        check_int("core_id", self.core_id, 0, 255)
        check_int("reward_width", self.reward_width, 2, 16)
        if self.w_range is not None:
            if not isinstance(self.w_range, tuple | list) or len(self.w_range) != 2:
                raise ValueError(f"w_range must be (w_min, w_max) or None, not {self.w_range!r}")
            lo = check_int("w_range[0]", self.w_range[0], -(1 << 31), 0)
            hi = check_int("w_range[1]", self.w_range[1], 0, (1 << 31) - 1)
            object.__setattr__(self, "w_range", (lo, hi))

    @property
    def word_bytes(self) -> int:
        """``W``: bytes per host word."""
        return word_bytes(self.data_width)

    @property
    def in_bytes(self) -> int:
        """``BI``: bytes per tick of input spikes."""
        return word_bytes(self.n_inputs)

    @property
    def out_bytes(self) -> int:
        """``BO``: bytes per tick of output spikes."""
        return word_bytes(self.n_neurons)

    def reward_fits(self, byte: int) -> bool:
        """Whether the REWARD byte (two's complement) fits ``reward_width`` signed bits."""
        r = byte - 256 if byte & 0x80 else byte
        half = 1 << (self.reward_width - 1)
        return -half <= r < half

    @classmethod
    def for_core(
        cls,
        core: HostCore,
        timeout: int,
        core_id: int = 0,
        w_range: tuple[int, int] | None = None,
    ) -> LinkConfig:
        depth = max(max(core.depths), 2)
        return cls(
            n_inputs=core.n_inputs,
            n_neurons=core.n_neurons,
            data_width=core.data_width,
            addr_width=(depth - 1).bit_length(),
            depths=tuple(core.depths),
            widths=tuple(core.widths),
            has_reward=bool(core.has_reward),
            timeout=timeout,
            core_id=core_id,
            reward_width=getattr(core, "reward_width", 8),
            w_range=w_range,
        )


class LinkModel:
    """Model twin of :class:`sc_hw.host_link.HostLink` (module docstring's contract).

    ``feed(data)`` takes bytes as a host sends them, with the line idle for
    longer than ``timeout`` after the last one, and returns the reply bytes.
    Timing-only cases (``OVERRUN``, a byte gap inside a frame) are the
    hardware's; a frame cut short by the end of ``data`` is answered
    ``TIMEOUT`` as the hardware answers it once the line stays idle.
    """

    def __init__(
        self,
        core: HostCore,
        timeout: int,
        core_id: int = 0,
        w_range: tuple[int, int] | None = None,
    ) -> None:
        self.core = core
        self.config = LinkConfig.for_core(core, timeout, core_id, w_range)
        self.ticks = self.frames_ok = self.frames_bad = self.last_error = 0

    # -- the engine -----------------------------------------------------------

    def feed(self, data: bytes | Sequence[int]) -> bytes:
        data = bytes(data)
        out = bytearray()
        i = 0
        while i < len(data):
            if data[i] != SYNC_REQUEST:
                i += 1
                continue
            if i + 3 > len(data):
                out += self._error("TIMEOUT", data[i + 2] if i + 2 < len(data) else 0)
                break
            n, cmd = data[i + 1], data[i + 2]
            if i + 4 + n > len(data):
                out += self._error("TIMEOUT", cmd)
                break
            payload = data[i + 3 : i + 3 + n]
            crc = data[i + 3 + n]
            i += 4 + n
            if crc8(data[i - 3 - n : i - 1]) != crc:
                out += self._error("BAD_CRC", cmd)
                break  # the engine drains: the rest of data is ignored
            status, body = self._execute(cmd, payload)
            if status != OK:
                out += self._error(ERROR_NAMES[status], cmd)
                break
            self.frames_ok = (self.frames_ok + 1) & 0xFFFF
            out += reply(OK, body)
        return bytes(out)

    def _error(self, name: str, cmd: int) -> bytes:
        self.frames_bad = (self.frames_bad + 1) & 0xFFFF
        self.last_error = ERRORS[name]
        return reply(ERRORS[name], [cmd])

    def _check(self, cmd: int, p: bytes) -> int:
        """The frame's error code (0: none), in the contract's order."""
        c = self.config
        w, bi, bo = c.word_bytes, c.in_bytes, c.out_bytes
        n = len(p)
        if cmd not in COMMANDS.values():
            return ERRORS["UNKNOWN_COMMAND"]
        if cmd in (CMD_IDENTIFY, CMD_RESET, CMD_STATUS):
            return ERRORS["BAD_LENGTH"] if n else OK
        if cmd == CMD_REWARD:
            if n != 1:
                return ERRORS["BAD_LENGTH"]
            if not c.has_reward:
                return ERRORS["UNSUPPORTED"]
            return OK if c.reward_fits(p[0]) else ERRORS["BAD_VALUE"]
        if cmd == CMD_RUN:
            if n < 1 or p[0] == 0 or n != 1 + p[0] * bi or p[0] * bo > MAX_PAYLOAD:
                return ERRORS["BAD_LENGTH"]
            groups = [p[1 + t * bi : 1 + (t + 1) * bi] for t in range(p[0])]
            if any(int.from_bytes(g, "little") >> c.n_inputs for g in groups):
                return ERRORS["BAD_VALUE"]
            return OK
        # WRITE, READ
        if n < 4 or p[3] == 0:
            return ERRORS["BAD_LENGTH"]
        count = p[3]
        if cmd == CMD_READ and (n != 4 or count * w > MAX_PAYLOAD):
            return ERRORS["BAD_LENGTH"]
        if cmd == CMD_WRITE and n != 4 + count * w:
            return ERRORS["BAD_LENGTH"]
        space, addr = p[0], int.from_bytes(p[1:3], "little")
        if space >= N_SPACES or addr + count > c.depths[space]:
            return ERRORS["OUT_OF_RANGE"]
        if cmd == CMD_WRITE:
            for k in range(count):
                if int.from_bytes(p[4 + k * w : 4 + (k + 1) * w], "little") >> c.widths[space]:
                    return ERRORS["BAD_VALUE"]
        return OK

    def _execute(self, cmd: int, p: bytes) -> tuple[int, bytes]:
        status = self._check(cmd, p)
        if status != OK:
            return status, b""
        c = self.core
        w, bi, bo = word_bytes(c.data_width), word_bytes(c.n_inputs), word_bytes(c.n_neurons)
        if cmd == CMD_IDENTIFY:
            return OK, identify_payload(self.config)
        if cmd == CMD_STATUS:
            body = (
                self.ticks.to_bytes(4, "little")
                + self.frames_ok.to_bytes(2, "little")
                + self.frames_bad.to_bytes(2, "little")
                + bytes([self.last_error])
            )
            return OK, body
        if cmd == CMD_RESET:
            c.reset()
            return OK, b""
        if cmd == CMD_REWARD:
            c.reward(p[0] - 256 if p[0] & 0x80 else p[0])
            return OK, b""
        if cmd == CMD_RUN:
            out = bytearray()
            for t in range(p[0]):
                group = int.from_bytes(p[1 + t * bi : 1 + (t + 1) * bi], "little")
                spikes = np.array([(group >> j) & 1 for j in range(c.n_inputs)], np.uint8)
                o = c.tick(spikes)
                val = sum(int(b) << m for m, b in enumerate(o))
                out += val.to_bytes(bo, "little")
                self.ticks = (self.ticks + 1) & 0xFFFFFFFF
            return OK, bytes(out)
        space, addr, count = p[0], int.from_bytes(p[1:3], "little"), p[3]
        if cmd == CMD_WRITE:
            for k in range(count):
                c.write(space, addr + k, int.from_bytes(p[4 + k * w : 4 + (k + 1) * w], "little"))
            return OK, b""
        out = bytearray()
        for k in range(count):
            out += c.read(space, addr + k).to_bytes(w, "little")
        return OK, bytes(out)


class CycleHostCore:
    """A core's cycle twin driven as the engine drives the core's ports (:class:`HostCore`).

    ``twin.step(spikes, en, host_req, host_we, host_space, host_addr, host_wdata)``
    must return outputs with ``out_valid``, ``out_neuron``, ``out_spike``,
    ``tick_done``, ``host_ack``, ``host_rvalid``, ``host_rdata``; ``twin.reset()``.
    Writes and reads hold ``en`` low and the request until ``host_ack``; a
    read then waits for ``host_rvalid``; a tick holds ``en`` high from the
    tick's first cycle through the cycle with ``tick_done``. With
    ``reward_width`` (a core with a reward input), a reward is presented
    (``reward``, ``reward_strobe=1``) through the next tick, then cleared.
    """

    def __init__(
        self,
        twin: object,
        n_inputs: int,
        n_neurons: int,
        data_width: int,
        depths: Sequence[int],
        widths: Sequence[int],
        max_wait: int = 1 << 16,
        reward_width: int | None = None,
    ) -> None:
        self.twin = twin
        self.n_inputs, self.n_neurons, self.data_width = n_inputs, n_neurons, data_width
        self.depths = tuple(depths) + (0,) * (N_SPACES - len(depths))
        self.widths = tuple(widths) + (0,) * (N_SPACES - len(widths))
        self.has_reward = reward_width is not None
        self.reward_width = 8 if reward_width is None else reward_width
        self.max_wait = max_wait
        self._zero = np.zeros(n_inputs, np.uint8)
        self._reward: int | None = None  # presented with the next tick's spikes

    def _access(self, we: int, space: int, addr: int, word: int) -> int:
        t = self.twin
        for _ in range(self.max_wait):
            out = t.step(self._zero, 0, 1, we, space, addr, word)  # type: ignore[attr-defined]
            if out.host_ack:
                break
        else:
            raise RuntimeError(f"no host_ack within {self.max_wait} cycles")
        if we:
            return 0
        for _ in range(self.max_wait):
            out = t.step(self._zero, 0)  # type: ignore[attr-defined]
            if out.host_rvalid:
                return int(out.host_rdata)
        raise RuntimeError(f"no host_rvalid within {self.max_wait} cycles")

    def write(self, space: int, addr: int, word: int) -> None:
        self._access(1, space, addr, word)

    def read(self, space: int, addr: int) -> int:
        return self._access(0, space, addr, 0)

    def tick(self, spikes: np.ndarray) -> np.ndarray:
        out_bits = np.zeros(self.n_neurons, np.uint8)
        extra = {} if self._reward is None else {"reward": self._reward, "reward_strobe": 1}
        self._reward = None
        for _ in range(self.max_wait):
            out = self.twin.step(spikes, 1, **extra)  # type: ignore[attr-defined]
            if out.out_valid:
                out_bits[out.out_neuron] = out.out_spike
            if out.tick_done:
                return out_bits
        raise RuntimeError(f"no tick_done within {self.max_wait} cycles")

    def reset(self) -> None:
        self.twin.reset()  # type: ignore[attr-defined]

    def reward(self, r: int) -> None:
        if not self.has_reward:
            raise RuntimeError("this core has no reward input")
        self._reward = r


__all__ = [
    "COMMANDS",
    "CORE_IDS",
    "ERRORS",
    "ERROR_NAMES",
    "CycleHostCore",
    "HostCore",
    "LinkConfig",
    "LinkInfo",
    "LinkModel",
    "crc8",
    "identify_payload",
    "parse_reply",
    "reply",
    "request",
    "word_bytes",
]
