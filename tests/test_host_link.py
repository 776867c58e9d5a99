"""The board link's protocol model and its Amaranth engine (fast: model, Amaranth simulator).

The end-to-end co-simulation (Verilog, cocotb, the learning core) is
``hdl_tests/test_host_link.py``; here the engine runs in Amaranth's simulator
with the small fixture core and must answer random streams of good and bad
frames byte for byte as :class:`sc_model.host_link.LinkModel` does.
"""

from __future__ import annotations

import numpy as np
import pytest
from amaranth.sim import Simulator

from sc_cosim.link_fixture import FixtureCore, FixtureModel
from sc_hw.board_system import BoardSystem
from sc_hw.host_link import HostLink
from sc_model import host_link as hl
from sc_model.uart import decode_line, line_waveform

FX = {"n_inputs": 5, "n_neurons": 11, "depth0": 6, "width0": 13, "depth1": 3, "width1": 4}


def test_crc8_is_crc8_smbus() -> None:
    assert hl.crc8(b"123456789") == 0xF4  # the catalogue's check value
    frame = hl.request(hl.CMD_IDENTIFY)
    assert frame == bytes([0xA5, 0, 1, hl.crc8(b"\x00\x01")])


def test_reply_parser_refuses_a_bad_crc() -> None:
    good = hl.reply(hl.OK, b"\x01\x02")
    assert hl.parse_reply(good + b"\x99") == (0, b"\x01\x02", b"\x99")
    with pytest.raises(ValueError, match="CRC"):
        hl.parse_reply(good[:-1] + bytes([good[-1] ^ 1]))


def _model() -> hl.LinkModel:
    return hl.LinkModel(FixtureModel(**FX), timeout=100)


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        (hl.request(hl.CMD_WRITE, [0, 0, 0, 1, 0xFF, 0x1F])[:-1] + b"\x00", "BAD_CRC"),
        (hl.request(0x33), "UNKNOWN_COMMAND"),
        (hl.request(hl.CMD_IDENTIFY, [1]), "BAD_LENGTH"),
        (hl.request(hl.CMD_WRITE, [0, 0, 0, 2, 1, 0]), "BAD_LENGTH"),
        (hl.request(hl.CMD_READ, [0, 0, 0, 0]), "BAD_LENGTH"),
        (hl.request(hl.CMD_RUN, [0]), "BAD_LENGTH"),
        (hl.request(hl.CMD_WRITE, [0, 5, 0, 2, 1, 0, 1, 0]), "OUT_OF_RANGE"),
        (hl.request(hl.CMD_READ, [2, 0, 0, 1]), "OUT_OF_RANGE"),
        (hl.request(hl.CMD_WRITE, [0, 0, 0, 1, 0x00, 0x20]), "BAD_VALUE"),
        (hl.request(hl.CMD_RUN, [1, 0x20]), "BAD_VALUE"),
        (hl.request(hl.CMD_REWARD, [5]), "UNSUPPORTED"),
        (hl.request(hl.CMD_WRITE, [0, 0, 0, 1, 7, 0])[:5], "TIMEOUT"),
    ],
)
def test_model_answers_bad_frames_with_their_code_and_writes_nothing(frame, code) -> None:
    link = _model()
    assert link.feed(frame) == hl.reply(hl.ERRORS[code], [frame[2] if len(frame) > 2 else 0])
    assert link.core.mem == [[0] * 6, [0] * 3, []]
    assert link.feed(hl.request(hl.CMD_STATUS)) == hl.reply(
        hl.OK, bytes(6) + b"\x01\x00" + bytes([hl.ERRORS[code]])
    )


def test_engine_parameters_are_checked_with_their_names() -> None:
    base = {
        "n_inputs": 5,
        "n_neurons": 4,
        "data_width": 13,
        "addr_width": 3,
        "depths": (6,),
        "widths": (13,),
    }
    with pytest.raises(ValueError, match="timeout must be in"):
        HostLink(**base, timeout=3)
    with pytest.raises(ValueError, match=r"depths\[0\] must be in"):
        HostLink(**{**base, "depths": (9,)})
    with pytest.raises(ValueError, match=r"widths\[0\] must be in"):
        HostLink(**{**base, "widths": (14,)})


def _random_frame(rng: np.random.Generator) -> bytes:
    kind = rng.integers(0, 10)
    w = 2
    if kind < 3:
        n = int(rng.integers(1, 4))
        space, addr = int(rng.integers(0, 3)), int(rng.integers(0, 7))
        words = [int(rng.integers(0, 1 << 14)) for _ in range(n)]
        body = [space, addr, 0, n] + [b for v in words for b in v.to_bytes(w, "little")]
        return hl.request(hl.CMD_WRITE, body)
    if kind < 5:
        return hl.request(
            hl.CMD_READ,
            [int(rng.integers(0, 3)), int(rng.integers(0, 7)), 0, int(rng.integers(0, 5))],
        )
    if kind < 7:
        n = int(rng.integers(1, 4))
        return hl.request(hl.CMD_RUN, [n] + [int(rng.integers(0, 34)) for _ in range(n)])
    if kind == 7:
        return hl.request(int(rng.choice([1, 4, 6, 7, 0, 8])), [] if rng.random() < 0.8 else [1])
    good = bytearray(hl.request(hl.CMD_WRITE, [0, 1, 0, 1, 3, 0]))
    good[int(rng.integers(1, len(good)))] ^= 1 << int(rng.integers(0, 8))
    return bytes(good)


@pytest.mark.parametrize("seed", [1])
def test_engine_answers_random_frames_as_the_model_does(seed: int) -> None:
    """Good and bad frames (random commands, fields, flipped bits), an idle gap after each."""
    rng = np.random.default_rng(seed)
    d, timeout = 4, 100
    core = FixtureCore(**FX, has_reward=True)
    model = FixtureModel(**FX, has_reward=True)
    link = dict(
        n_inputs=5,
        n_neurons=11,
        data_width=13,
        addr_width=core.addr_width,
        depths=model.depths,
        widths=model.widths,
        timeout=timeout,
        has_reward=True,
    )
    top = BoardSystem(core, d, link)
    lm = hl.LinkModel(model, timeout)
    frames = [hl.request(hl.CMD_IDENTIFY)] + [_random_frame(rng) for _ in range(20)]
    frames[5:5] = [  # a reward reaches the core with the next tick's spikes
        hl.request(hl.CMD_REWARD, [0x85]),
        hl.request(hl.CMD_READ, [2, 0, 0, 1]),
        hl.request(hl.CMD_RUN, [1, 3]),
        hl.request(hl.CMD_READ, [2, 0, 0, 1]),
    ]
    frames.append(hl.request(hl.CMD_STATUS))
    levels, expected = [], b""
    for f in frames:
        levels += list(line_waveform(f, d)) + [1] * (2 * timeout + 45 * 10 * d)
        expected += lm.feed(f)
    got: list[int] = []

    async def bench(ctx):
        for lv in levels:
            ctx.set(top.rx, int(lv))
            await ctx.tick()
            got.append(ctx.get(top.tx))

    sim = Simulator(top)
    sim.add_clock(1e-8)
    sim.add_testbench(bench)
    sim.run()
    assert hl.reply(hl.OK, [0x85, 0x00]) in expected  # the reward reached the core
    data, errors = decode_line(got, d)
    assert errors == 0
    assert bytes(data) == expected, f"seed {seed}: frames {[f.hex() for f in frames]}"


def test_serial_transport_over_a_pty_equals_the_model_transport() -> None:
    """pyserial on a pseudo-terminal whose other end is the model: the serial path itself."""
    import os
    import threading

    from sc_host import Chip, ModelTransport, SerialTransport

    master, slave = os.openpty()
    board = _model()
    stop = threading.Event()

    def serve() -> None:
        buf = b""
        while not stop.is_set():
            try:
                buf += os.read(master, 512)
            except OSError:  # the port side was closed
                return
            while len(buf) >= 2 and len(buf) >= buf[1] + 4:
                n = buf[1] + 4
                os.write(master, board.feed(buf[:n]))
                buf = buf[n:]

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    port = SerialTransport(os.ttyname(slave), 115_200, clock_hz=1e6, timeout_s=5.0)
    try:
        spikes = np.random.default_rng(3).integers(0, 2, (12, 5))

        def session(chip: Chip) -> list:
            chip.write_words(0, 0, [7, 8, 9, 10, 11, 8191])
            return [chip.info, chip.run(spikes).tolist(), chip.read_words(0, 0, 6), chip.status()]

        assert session(Chip(port)) == session(Chip(ModelTransport(_model())))
    finally:
        stop.set()
        port.close()
        os.close(slave)
        thread.join(timeout=5)
        os.close(master)


def test_host_run_refuses_an_unknown_target() -> None:
    from sc_flow.board_cmd import host_run

    with pytest.raises(ValueError, match="target must be one of model, cosim, serial"):
        host_run("examples/host_link_episode.py", "fpga")


def test_plain_layer_over_the_link_equals_the_tick_level_layer_model() -> None:
    """``--core sc_layer_tm`` (plasticity off): the spikes a host gets back are the
    vectorised SCLayerTM model's, and the weights read back are the ones loaded."""
    import json
    from pathlib import Path

    from sc_host import Chip, ModelTransport
    from sc_host.cosim import load_function
    from sc_host.systems import build_model, learning_core_system
    from sc_model.sc_layer_tm import SCLayerTM

    root = Path(__file__).resolve().parent.parent
    params = json.loads((root / "configs" / "board_learning_core.json").read_text())
    layer = load_function(root / "examples" / "host_link_episode.py", "network")()
    chip = Chip(ModelTransport(build_model(learning_core_system(params, core="sc_layer_tm"))))
    assert chip.info.core_id == hl.CORE_IDS["sc_layer_tm"]
    chip.load(layer)
    spikes = np.random.default_rng(5).integers(0, 2, (40, layer.n_inputs)).astype(np.uint8)
    got = chip.run(spikes)
    assert got.any()
    np.testing.assert_array_equal(got, SCLayerTM(layer).run(spikes).spikes)
    np.testing.assert_array_equal(chip.read_weights(), np.asarray(layer.weights))
