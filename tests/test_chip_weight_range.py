"""``Chip.load`` checks the core's weight range (``IDENTIFY`` protocol version 2), on the
model transport; the co-simulated board is ``hdl_tests/test_host_link.py``."""

from __future__ import annotations

import dataclasses
import importlib.util
from pathlib import Path

import numpy as np
import pytest

from sc_host import Chip
from sc_host.systems import build_model, learning_core_system
from sc_host.transports import ModelTransport
from sc_model import host_link as hl

_path = Path(__file__).resolve().parent.parent / "hdl_tests" / "host_link_weight_range.py"
_spec = importlib.util.spec_from_file_location("host_link_weight_range", _path)
wr = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(wr)

SYSTEM = learning_core_system(wr.core_params(), divisor=8, timeout=600)


def _chip() -> Chip:
    return Chip(ModelTransport(build_model(SYSTEM)))


class _Version1Board:
    """The model transport answering IDENTIFY as a protocol-version-1 board (34 bytes)."""

    def __init__(self) -> None:
        self.inner = ModelTransport(build_model(SYSTEM))

    def exchange(self, frame: bytes) -> bytes:
        data = self.inner.exchange(frame)
        if frame[2] != hl.CMD_IDENTIFY:
            return data
        _, body, _ = hl.parse_reply(data)
        return hl.reply(hl.OK, body[:2] + b"\x01" + body[3:9] + bytes([body[9] & 1]) + body[10:34])

    def idle(self, cycles: int) -> None:
        pass


def test_identify_reports_the_range_and_parses_both_versions() -> None:
    info = _chip().info
    assert info.version == 2 and info.w_range == (-20, 20)
    cfg = hl.LinkConfig(2, 2, 8, 2, (4,), (8,), w_range=(-70000, 65535))
    payload = hl.identify_payload(cfg)
    assert len(payload) == 42 and payload[9] == 2  # flags: weight range, no reward
    assert hl.LinkInfo.parse(payload).w_range == (-70000, 65535)
    none = hl.identify_payload(hl.LinkConfig(2, 2, 8, 2, (4,), (8,)))
    assert none[9] == 0 and none[34:] == bytes(8) and hl.LinkInfo.parse(none).w_range is None
    v1 = hl.LinkInfo.parse(payload[:2] + b"\x01" + payload[3:34])
    assert v1.version == 1 and v1.w_range is None and v1.depths == (4, 0, 0, 0, 0)


@pytest.mark.parametrize(
    ("payload", "match"),
    [
        (b"SC\x02" + bytes(31), "version 2 must hold 42 bytes, not 34"),
        (b"SC\x01" + bytes(39), "version 1 must hold 34 bytes, not 42"),
        (b"SC\x03" + bytes(39), "version must be one of \\[1, 2\\], not 3"),
        (b"XY\x02" + bytes(39), "must start with 'SC'"),
    ],
)
def test_a_bad_identify_payload_is_refused_by_name(payload: bytes, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        hl.LinkInfo.parse(payload)


def test_link_config_checks_the_range() -> None:
    with pytest.raises(ValueError, match="w_range\\[0\\] must be in"):
        hl.LinkConfig(2, 2, 8, 2, (4,), (8,), w_range=(1, 5))
    with pytest.raises(ValueError, match="w_range must be \\(w_min, w_max\\)"):
        hl.LinkConfig(2, 2, 8, 2, (4,), (8,), w_range=(1,))


def test_a_weight_outside_the_range_is_refused_and_a_valid_load_then_runs_as_the_model() -> None:
    chip = _chip()
    with pytest.raises(ValueError) as err:
        chip.load(wr.network(bad=True))
    assert str(err.value) == (
        "weight (neuron 2, input 5) = 21 is outside the core's weight range [w_min, w_max] "
        "= [-20, 20] (IDENTIFY); the plasticity pass would clamp it at its first update. "
        "Nothing was written."
    )
    assert chip.layer is None and chip.status().frames_ok == 1  # IDENTIFY only
    assert chip.read_weight_words() == [0] * chip.info.depths[0]
    spikes = np.random.default_rng(8).integers(0, 2, (12, chip.info.n_inputs))
    chip.load(wr.network())
    fresh = _chip()
    fresh.load(wr.network())
    assert chip.run(spikes).tolist() == fresh.run(spikes).tolist()
    assert chip.read_weights().tolist() == fresh.read_weights().tolist()


def test_the_range_bounds_themselves_load_and_every_offender_is_counted() -> None:
    layer = wr.network()
    w = np.asarray(layer.weights)
    w[0, 0], w[1, 1] = -20, 20
    _chip().load(dataclasses.replace(layer, weights=w.tolist()))
    w[3, 7], w[1, 0], w[0, 2] = -21, 40, -63
    with pytest.raises(ValueError, match=r"\(neuron 0, input 2\) = -63 .* \(2 more outside it\)"):
        _chip().load(dataclasses.replace(layer, weights=w.tolist()))


def test_a_version_1_board_loads_with_a_warning_that_the_range_is_unchecked() -> None:
    chip = Chip(_Version1Board())
    assert chip.info.version == 1 and chip.info.w_range is None
    with pytest.warns(UserWarning, match="protocol version 1, whose IDENTIFY does not report"):
        chip.load(wr.network(bad=True))
    assert chip.status().frames_bad == 0
