"""Host driver of the board link: one :class:`Chip` API over the model, the co-simulation
and a serial port (``docs/host_link.md``)."""

from sc_host.chip import Chip, LinkError, LinkStatus
from sc_host.transports import ModelTransport, SerialTransport

__all__ = ["Chip", "LinkError", "LinkStatus", "ModelTransport", "SerialTransport"]
