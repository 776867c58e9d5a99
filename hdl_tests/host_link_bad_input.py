"""Bad input on the co-simulated board link (run by ``test_host_link.py`` inside cocotb).

``main(link)`` gets the :class:`sc_host.cosim.CosimTransport` of a learning-core
board system, loads a weight image, then sends each kind of bad input and
after each one a good frame; it returns, per case, the replies and the
weight memory read back afterwards, for the test to compare with the model
and with the image (nothing written).
"""

from __future__ import annotations

import json

from cocotb.triggers import ClockCycles, Timer

from sc_model import host_link as hl

WORDS = [0x2D_0041 + 977 * a for a in range(8)]  # a weight image (36-bit words, 8 of them)


def write_frame(space: int, addr: int, words: list[int], w: int) -> bytes:
    payload = bytes([space]) + addr.to_bytes(2, "little") + bytes([len(words)])
    return hl.request(hl.CMD_WRITE, payload + b"".join(v.to_bytes(w, "little") for v in words))


async def main(link) -> dict:
    dut = link.dut
    info = hl.LinkInfo.parse(hl.parse_reply(await link._exchange(hl.request(hl.CMD_IDENTIFY)))[1])
    w, timeout = info.word_bytes, info.timeout
    read_all = hl.request(hl.CMD_READ, [0, 0, 0, info.depths[0]])

    async def drained() -> None:
        await ClockCycles(dut.clk, timeout + 200)

    async def case(frames: bytes, extra: int = 0) -> dict:
        """Send ``frames`` raw; collect replies; wait for the drain; read the weights."""
        await link.source.write(frames)
        await link.source.wait()
        await ClockCycles(dut.clk, timeout + 800 + extra)
        replies = bytes(link.sink.read_nowait())
        await drained()
        after = await link._exchange(read_all)
        return {"sent": frames.hex(), "replies": replies.hex(), "after": after.hex()}

    out: dict = {"info": json.dumps(info.__dict__)}
    assert hl.parse_reply(await link._exchange(write_frame(0, 0, WORDS, w)))[0] == hl.OK
    out["image"] = (await link._exchange(read_all)).hex()
    changed = [WORDS[0] ^ 1, WORDS[1] ^ 2]
    good = write_frame(0, 0, changed, w)
    bad_crc = bytearray(good)
    bad_crc[-1] ^= 0x40
    out["bad_crc"] = await case(bytes(bad_crc))
    corrupt = bytearray(good)  # a payload bit flipped on the line: the CRC catches it
    corrupt[7] ^= 0x08
    out["corrupted_payload"] = await case(bytes(corrupt))
    short = bytes([0, 0, 0, 2]) + changed[0].to_bytes(w, "little")  # count 2, one word
    out["bad_length"] = await case(hl.request(hl.CMD_WRITE, short))
    out["unknown_command"] = await case(hl.request(0x42, b"\x00"))
    out["write_out_of_range"] = await case(write_frame(0, info.depths[0] - 1, changed, w))
    out["read_out_of_range"] = await case(hl.request(hl.CMD_READ, [1, info.depths[1], 0, 1]))
    out["bad_space"] = await case(write_frame(9, 0, changed[:1], w))
    out["bad_value"] = await case(write_frame(0, 0, [1 << info.widths[0]], w))
    # too slow: half a frame, then silence (the engine's inter-byte timeout)
    out["too_slow"] = await case(good[: len(good) // 2])
    # too fast: the next frame while a RUN is executing/answered (one frame at a time)
    run = hl.request(hl.CMD_RUN, bytes([40]) + bytes(40))
    out["too_fast"] = await case(run + good, extra=5000)
    # a framing error inside a frame: a byte whose stop bit is 0
    await link.source.write(good[:5])
    await link.source.wait()
    bit_ns = 10 * round(1e9 / link.source.baud / 10)
    for level in [0, 1, 0, 1, 0, 1, 0, 1, 0, 0]:  # start, 0x55, stop 0
        dut.rx.value = level
        await Timer(bit_ns, "ns")
    dut.rx.value = 1
    await ClockCycles(dut.clk, timeout + 1000)
    out["framing"] = {
        "replies": bytes(link.sink.read_nowait()).hex(),
        "after": (await link._exchange(read_all)).hex(),
    }
    out["identify_after"] = (await link._exchange(hl.request(hl.CMD_IDENTIFY))).hex()
    out["status"] = (await link._exchange(hl.request(hl.CMD_STATUS))).hex()
    return out
