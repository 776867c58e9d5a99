"""A small core with the host port, for testing the board link on its own (test support).

:class:`FixtureCore` (Amaranth) and :class:`FixtureModel` (its transaction-level
model, a :class:`sc_model.host_link.HostCore`) implement the port signature
of :mod:`sc_model.learning_core` around two memories, so the link's framing, checks and
error paths can be tested fast and without the learning core. Behaviour:

* space 0: ``depth0`` words of ``width0`` bits; space 1: ``depth1`` words of
  ``width1`` bits; with ``has_reward``, space 2 is one 8-bit word holding the
  last reward (latched with the spikes at a tick's first cycle when
  ``reward_strobe`` is high, as the learning core latches it; read-only to
  the host); other spaces absent (acked, reads 0, writes ignored).
* ``host_ack = host_req AND NOT en`` (combinational); a write is performed at
  the ack edge; a read's word is on ``host_rdata`` with ``host_rvalid`` two
  cycles after the ack.
* A tick is ``M + 2`` enabled cycles (counter ``k``): spikes are latched at
  ``k = 0``; neuron ``m`` is presented at ``k = m + 1`` with
  ``out_spike = spikes[m % N] XOR bit 0 of space-0 word (m % depth0)``;
  ``tick_done`` at ``k = M + 1``. ``rst`` clears ``k`` and the read pipeline.
"""

from __future__ import annotations

import numpy as np
from amaranth.hdl import Array, Module, Signal
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from sc_model._validate import check_int


class FixtureCore(wiring.Component):
    def __init__(
        self,
        n_inputs: int,
        n_neurons: int,
        depth0: int,
        width0: int,
        depth1: int,
        width1: int,
        has_reward: bool = False,
    ) -> None:
        self.has_reward = bool(has_reward)
        self.n_inputs = check_int("n_inputs", n_inputs, 1, 64)
        self.n_neurons = check_int("n_neurons", n_neurons, 1, 64)
        self.depth0 = check_int("depth0", depth0, 1, 64)
        self.depth1 = check_int("depth1", depth1, 1, 64)
        self.width0 = check_int("width0", width0, 1, 64)
        self.width1 = check_int("width1", width1, 1, 64)
        self.data_width = max(width0, width1, 8 if has_reward else 0)
        self.addr_width = max(1, (max(depth0, depth1) - 1).bit_length())
        reward = {"reward": In(8), "reward_strobe": In(1)} if has_reward else {}
        super().__init__(
            {
                **reward,
                "spikes": In(n_inputs),
                "en": In(1),
                "out_valid": Out(1),
                "out_neuron": Out(max(1, (n_neurons - 1).bit_length())),
                "out_spike": Out(1),
                "tick_done": Out(1),
                "host_req": In(1),
                "host_we": In(1),
                "host_space": In(3),
                "host_addr": In(self.addr_width),
                "host_wdata": In(self.data_width),
                "host_ack": Out(1),
                "host_rvalid": Out(1),
                "host_rdata": Out(self.data_width),
            }
        )

    def elaborate(self, platform):
        m = Module()
        nm, n = self.n_neurons, self.n_inputs
        w0, w1 = self.width0, self.width1
        mem0 = Array(Signal(w0, name=f"m0_{i}", reset_less=True) for i in range(self.depth0))
        mem1 = Array(Signal(w1, name=f"m1_{i}", reset_less=True) for i in range(self.depth1))
        ack = self.host_req & ~self.en
        m.d.comb += self.host_ack.eq(ack)
        a, sp = self.host_addr, self.host_space
        hit0 = (sp == 0) & (a < self.depth0)
        hit1 = (sp == 1) & (a < self.depth1)
        with m.If(ack & self.host_we):
            with m.If(hit0):
                m.d.sync += mem0[a].eq(self.host_wdata)
            with m.If(hit1):
                m.d.sync += mem1[a].eq(self.host_wdata)
        v1 = Signal()
        d1 = Signal(self.data_width)
        m.d.sync += [v1.eq(ack & ~self.host_we), self.host_rvalid.eq(v1), self.host_rdata.eq(d1)]
        m.d.sync += d1.eq(0)
        with m.If(hit0):
            m.d.sync += d1.eq(mem0[a])
        with m.If(hit1):
            m.d.sync += d1.eq(mem1[a])
        k = Signal(range(nm + 2))
        x = Signal(n)
        with m.If(self.en):
            m.d.sync += k.eq(k + 1)
            with m.If(k == nm + 1):
                m.d.sync += k.eq(0)
            with m.If(k == 0):
                m.d.sync += x.eq(self.spikes)
        if self.has_reward:
            last = Signal(8, name="last_reward", reset_less=True)
            with m.If(self.reward_strobe & self.en & (k == 0)):
                m.d.sync += last.eq(self.reward)
            with m.If((sp == 2) & (a == 0)):
                m.d.sync += d1.eq(last)
        idx = Signal(range(max(2, nm)))
        m.d.comb += idx.eq(k - 1)
        xs = Array(x[j % n] for j in range(nm))
        ws = Array(mem0[j % self.depth0][0] for j in range(nm))
        m.d.comb += [
            self.out_valid.eq((k >= 1) & (k <= nm)),
            self.out_neuron.eq(idx),
            self.out_spike.eq(xs[idx] ^ ws[idx]),
            self.tick_done.eq(k == nm + 1),
        ]
        return m


class FixtureModel:
    """Transaction-level model of :class:`FixtureCore` (:class:`sc_model.host_link.HostCore`)."""

    def __init__(
        self,
        n_inputs: int,
        n_neurons: int,
        depth0: int,
        width0: int,
        depth1: int,
        width1: int,
        has_reward: bool = False,
    ) -> None:
        self.has_reward = bool(has_reward)
        self.n_inputs, self.n_neurons = n_inputs, n_neurons
        self.data_width = max(width0, width1, 8 if has_reward else 0)
        r = int(self.has_reward)
        self.depths = (depth0, depth1, r, 0, 0, 0, 0, 0)
        self.widths = (width0, width1, 8 * r, 0, 0, 0, 0, 0)
        self.mem = [[0] * depth0, [0] * depth1, [0] * r]
        self._reward: int | None = None

    def write(self, space: int, addr: int, word: int) -> None:
        if space < 2 and addr < self.depths[space]:
            self.mem[space][addr] = word & ((1 << self.widths[space]) - 1)

    def read(self, space: int, addr: int) -> int:
        return self.mem[space][addr] if space < 3 and addr < self.depths[space] else 0

    def tick(self, spikes: np.ndarray) -> np.ndarray:
        if self._reward is not None:  # latched with this tick's spikes
            self.mem[2][0] = self._reward & 0xFF
            self._reward = None
        m = np.arange(self.n_neurons)
        w0 = np.array([self.mem[0][j % self.depths[0]] & 1 for j in m], np.uint8)
        return (np.asarray(spikes, np.uint8)[m % self.n_inputs] ^ w0).astype(np.uint8)

    def reset(self) -> None:
        pass

    def reward(self, r: int) -> None:
        if not self.has_reward:
            raise RuntimeError("this fixture core has no reward input")
        self._reward = r
