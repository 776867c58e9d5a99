"""The board system: UART, command engine and a core with the host port (no pins, no clocks).

``rx``/``tx`` go to the board's UART pins; :class:`sc_hw.uart.UART` turns
them into bytes, :class:`sc_hw.host_link.HostLink` runs the protocol of
:mod:`sc_model.host_link` and drives the core's ports. The core's reset is
the system's reset OR the engine's ``core_rst`` (the ``RESET`` command).
Behaviour: that of its parts (the UART's contract in :mod:`sc_model.uart`,
the engine's in :mod:`sc_model.host_link`, the core's in its model); the
model twin of the whole is :class:`sc_model.host_link.LinkModel` over the
core's model, fed the bytes the UART receives.
"""

from __future__ import annotations

from typing import Any

from amaranth.hdl import Module, ResetInserter
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from .host_link import HostLink
from .uart import UART

CORE_PORTS = (
    "out_valid",
    "out_neuron",
    "out_spike",
    "tick_done",
    "host_ack",
    "host_rvalid",
    "host_rdata",
)
LINK_PORTS = ("spikes", "en", "host_req", "host_we", "host_space", "host_addr", "host_wdata")


class BoardSystem(wiring.Component):
    """UART + :class:`HostLink` + ``core``.

    Parameters
    ----------
    core : wiring.Component
        A core with the host port (as :mod:`sc_model.learning_core` specifies
        it) and the layer's ``spikes``, ``en``, ``out_valid``, ``out_neuron``,
        ``out_spike``, ``tick_done``;
        with ``reward``/``reward_strobe`` inputs if ``link["has_reward"]``.
    divisor : int
        UART clock cycles per bit (:class:`sc_hw.uart.UART`).
    link : dict
        The fields of :class:`sc_model.host_link.LinkConfig`.

    Attributes
    ----------
    rx : In(1), tx : Out(1)
        The UART lines.
    running : Out(1), busy : Out(1), fault : Out(1)
        For LEDs: the core is running a tick; a frame is in progress; the
        last reply was an error.
    """

    def __init__(self, core: wiring.Component, divisor: int, link: dict[str, Any]) -> None:
        self.uart = UART(divisor)
        self.link = HostLink(**link)
        self.core = core
        for name in CORE_PORTS + LINK_PORTS:
            if name not in core.signature.members:
                raise TypeError(f"core must have a port {name!r} (the host port and the layer's)")
        super().__init__(
            {"rx": In(1), "tx": Out(1, init=1), "running": Out(1), "busy": Out(1), "fault": Out(1)}
        )

    def elaborate(self, platform):
        m = Module()
        uart, link, core = self.uart, self.link, self.core
        m.submodules.uart = uart
        m.submodules.link = link
        m.submodules.core = ResetInserter({"sync": link.core_rst})(core)
        m.d.comb += [
            uart.rx.eq(self.rx),
            self.tx.eq(uart.tx),
            link.rx_data.eq(uart.rx_data),
            link.rx_valid.eq(uart.rx_valid),
            link.rx_error.eq(uart.rx_error),
            uart.tx_data.eq(link.tx_data),
            uart.tx_valid.eq(link.tx_valid),
            link.tx_ready.eq(uart.tx_ready),
            self.running.eq(link.en),
            self.busy.eq(link.busy),
            self.fault.eq(link.fault),
        ]
        for name in CORE_PORTS:
            m.d.comb += getattr(link, name).eq(getattr(core, name))
        for name in LINK_PORTS:
            m.d.comb += getattr(core, name).eq(getattr(link, name))
        if link.config.has_reward:
            m.d.comb += [core.reward.eq(link.reward), core.reward_strobe.eq(link.reward_strobe)]
        return m
