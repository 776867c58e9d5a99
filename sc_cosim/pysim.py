"""The same model-against-RTL check in Amaranth's own simulator (no Verilog).

Quicker to start than a cocotb run and useful while writing a block; the
cocotb check on generated Verilog (:mod:`sc_cosim.harness`) stays the
authority. Timing convention identical to :mod:`sc_cosim.cosim_tb`.
"""

from __future__ import annotations

import numpy as np
from amaranth.lib import wiring
from amaranth.sim import Simulator

from sc_cosim.blocks import get_block
from sc_cosim.spec import BlockSpec, Params


def pysim_against_twin(block: str | BlockSpec, params: Params, seed: int, cycles: int) -> str:
    """Run ``cycles`` random cycles; return "" on agreement, else the first mismatch.

    ``block`` is a registered name or a :class:`BlockSpec` not (yet) registered.
    """
    spec = block if isinstance(block, BlockSpec) else get_block(block)
    block = spec.name
    dut = spec.build(params)
    twin = spec.twin(params)
    rng = np.random.default_rng([seed, 1])
    stim = spec.stimulus(params, rng, cycles)
    members = dut.signature.members
    ins = [n for n, m in members.items() if m.flow == wiring.In]
    outs = [n for n, m in members.items() if m.flow == wiring.Out]
    mismatch: list[str] = []

    async def bench(ctx) -> None:
        for t in range(cycles):
            inputs = {n: int(stim[n][t]) for n in ins}
            for n in ins:
                ctx.set(getattr(dut, n), inputs[n])
            expected = twin.step(inputs)
            for n in outs:
                got = ctx.get(getattr(dut, n))
                got = int(got) & ((1 << len(getattr(dut, n))) - 1)
                if got != int(expected[n]):
                    mismatch.append(
                        f"{block} seed={seed} params={params}: cycle {t} port {n!r} "
                        f"RTL={got} model={int(expected[n])} inputs={inputs}"
                    )
                    return
            await ctx.tick()

    sim = Simulator(dut)
    sim.add_clock(1e-8)
    sim.add_testbench(bench)
    sim.run()
    return mismatch[0] if mismatch else ""
