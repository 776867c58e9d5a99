"""Transports of :class:`sc_host.chip.Chip`: the bit-exact model and a serial port.

The co-simulated board is :class:`sc_host.cosim.CosimTransport`.
"""

from __future__ import annotations

import time

import serial

from sc_model import host_link as hl


class ModelTransport:
    """The board system's model twin: :class:`sc_model.host_link.LinkModel` over a core model."""

    def __init__(self, link: hl.LinkModel) -> None:
        self.link = link

    def exchange(self, frame: bytes) -> bytes:
        return self.link.feed(frame)

    def idle(self, cycles: int) -> None:
        """The model has no time: after an error it is ready at once (as the board is
        once the line has been idle for its timeout)."""


class SerialTransport:
    """A board on a serial port (pyserial): 8N1 at ``baud``, replies read with a timeout.

    ``clock_hz`` (the board's core clock) converts the board's timeout from
    cycles to seconds for :meth:`idle`.
    """

    def __init__(self, port: str, baud: int, clock_hz: float, timeout_s: float = 2.0) -> None:
        self.clock_hz = float(clock_hz)
        self.port = serial.Serial(
            port, baudrate=baud, bytesize=8, parity="N", stopbits=1, timeout=timeout_s
        )
        self.port.reset_input_buffer()

    def _read(self, n: int) -> bytes:
        data = self.port.read(n)
        if len(data) != n:
            raise TimeoutError(f"board sent {len(data)} of {n} reply bytes before the timeout")
        return data

    def exchange(self, frame: bytes) -> bytes:
        self.port.write(frame)
        self.port.flush()
        head = self._read(1)
        while head[0] != hl.SYNC_REPLY:
            head = self._read(1)
        n = self._read(1)
        return head + n + self._read(n[0] + 2)

    def idle(self, cycles: int) -> None:
        time.sleep(cycles / self.clock_hz)
        self.port.reset_input_buffer()

    def close(self) -> None:
        self.port.close()
