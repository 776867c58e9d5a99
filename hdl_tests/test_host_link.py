"""The board link end to end on the co-simulated board system (marker ``host_link``).

The board system (UART + command engine + learning core, generated Verilog
under Icarus) is driven over its UART pins by cocotbext-uart. The UART runs
at divisor 8 (12.5 Mbaud at the simulated 100 MHz) to stay inside the test
budget; the board's real divisor (104, iCEBreaker) and the UART's smallest (4)
are exercised by a short exchange. Expected values come from the model transport (``LinkModel`` over
the learning core's cycle model) or from the protocol's definition.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sc_host.cosim import load_function, run_on_cosim, run_on_model
from sc_host.systems import build_model, learning_core_system
from sc_model import host_link as hl
from sc_model.uart import MIN_DIVISOR

ROOT = Path(__file__).resolve().parent.parent
EPISODE = ROOT / "examples" / "host_link_episode.py"
BAD_INPUT = Path(__file__).resolve().parent / "host_link_bad_input.py"
CORE = json.loads((ROOT / "configs" / "board_learning_core.json").read_text())
SYSTEM = learning_core_system(CORE, divisor=8, timeout=600)

pytestmark = [pytest.mark.host_link, pytest.mark.cosim]


RSTDP = json.loads((ROOT / "configs" / "board_learning_core_rstdp.json").read_text())


@pytest.mark.parametrize("rule", ["stdp", "rstdp", "stdp_registered"])
def test_learning_episode_on_cosim_equals_model_bit_for_bit(rule: str) -> None:
    """STDP (rewards answered UNSUPPORTED), R-STDP (rewards reach the core), and STDP with
    the core's host access registered (a read's data a cycle later, a held cycle after
    each access at k = 0: the link waits for ack, rvalid and tick_done, so it is the same
    link)."""
    system = {
        "stdp": SYSTEM,
        "rstdp": learning_core_system(RSTDP, divisor=8, timeout=600),
        "stdp_registered": learning_core_system(
            {**CORE, "host_access": "registered"}, divisor=8, timeout=600
        ),
    }[rule]
    model = run_on_model(EPISODE, system)
    cosim = run_on_cosim(EPISODE, system)
    for key in model:
        assert cosim[key] == model[key], f"{key}: cosim {cosim[key]} != model {model[key]}"
    # the episode did something: spikes came out and the weights moved from the image
    assert any(any(any(row) for row in burst) for burst in model["spikes_out"])
    assert model["weights"] != [list(r) for r in load_function(EPISODE, "network")().weights]
    assert model["status"].ticks == 30
    want = ["ok"] * 3 if rule == "rstdp" else [hl.ERRORS["UNSUPPORTED"]] * 3
    assert model["rewards"] == want


def test_identify_and_a_tick_at_the_icebreaker_divisor() -> None:
    system = learning_core_system(CORE, divisor=104, timeout=4_000)
    script = Path(__file__).resolve().parent / "host_link_short.py"
    assert run_on_cosim(script, system) == run_on_model(script, system)


def test_identify_and_a_tick_at_the_smallest_divisor() -> None:
    """Divisor 4 (25 Mbaud at the simulated 100 MHz): the receiver sampled each bit in its
    last cycle until December 2026 and this exchange got no reply to IDENTIFY
    (hdl_tests/test_uart_line.py has the UART alone)."""
    system = learning_core_system(CORE, divisor=MIN_DIVISOR, timeout=600)
    script = Path(__file__).resolve().parent / "host_link_short.py"
    assert run_on_cosim(script, system) == run_on_model(script, system)


def test_a_weight_outside_the_cores_range_is_refused_and_the_link_stays_usable() -> None:
    """IDENTIFY (protocol version 2) reports the core's [w_min, w_max] from the Verilog;
    Chip.load refuses a layer with one weight outside it before sending anything, and a
    valid load and 12 ticks after it equal the model bit for bit."""
    script = Path(__file__).resolve().parent / "host_link_weight_range.py"
    weight_range = load_function(script, "core_params")()
    system = learning_core_system(weight_range, divisor=8, timeout=600)
    model = run_on_model(script, system)
    cosim = run_on_cosim(script, system)
    for key in model:
        assert cosim[key] == model[key], f"{key}: cosim {cosim[key]} != model {model[key]}"
    assert cosim["w_range"] == (-20, 20)
    assert cosim["refused"].startswith(
        "weight (neuron 2, input 5) = 21 is outside the core's weight range "
        "[w_min, w_max] = [-20, 20]"
    ), cosim["refused"]
    assert cosim["status"].frames_bad == 0  # the refused load sent nothing
    assert cosim["status"].ticks == 12
    assert any(any(row) for row in cosim["spikes_out"])


def _model_reply(frame: bytes) -> str:
    return build_model(SYSTEM).feed(frame).hex()


def test_bad_input_is_answered_with_an_error_and_writes_nothing() -> None:
    out = run_on_cosim(BAD_INPUT, SYSTEM, test="raw_script")
    image = out["image"]
    expect = {
        "bad_crc": ("BAD_CRC", hl.CMD_WRITE),
        "corrupted_payload": ("BAD_CRC", hl.CMD_WRITE),
        "bad_length": ("BAD_LENGTH", hl.CMD_WRITE),
        "unknown_command": ("UNKNOWN_COMMAND", 0x42),
        "write_out_of_range": ("OUT_OF_RANGE", hl.CMD_WRITE),
        "read_out_of_range": ("OUT_OF_RANGE", hl.CMD_READ),
        "bad_space": ("OUT_OF_RANGE", hl.CMD_WRITE),
        "bad_value": ("BAD_VALUE", hl.CMD_WRITE),
        "too_slow": ("TIMEOUT", hl.CMD_WRITE),
        "framing": ("FRAMING", hl.CMD_WRITE),
    }
    for name, (code, cmd) in expect.items():
        case = out[name]
        want = hl.reply(hl.ERRORS[code], [cmd]).hex()
        assert case["replies"] == want, f"{name}: board replied {case['replies']}, want {want}"
        if "sent" in case:  # the model answers the same frame the same way
            assert _model_reply(bytes.fromhex(case["sent"])) == want, name
        assert case["after"] == image, f"{name}: the weight memory changed"
    # too fast: the RUN is answered, then OVERRUN; the frame sent meanwhile is dropped
    fast = out["too_fast"]
    run_frame = bytes.fromhex(fast["sent"])[: 4 + 1 + 40]
    want = _model_reply(run_frame) + hl.reply(hl.ERRORS["OVERRUN"], [hl.CMD_RUN]).hex()
    assert fast["replies"] == want
    assert fast["after"] == image
    status, body, _ = hl.parse_reply(bytes.fromhex(out["identify_after"]))
    assert status == hl.OK and body[:2] == b"SC"
    status, body, _ = hl.parse_reply(bytes.fromhex(out["status"]))
    assert status == hl.OK and body[6] == len(expect) + 1  # frames_bad: every case + OVERRUN


SPRAM = json.loads((ROOT / "configs" / "board_learning_core_spram.json").read_text())
SPRAM_EPISODE = Path(__file__).resolve().parent / "host_link_spram_episode.py"


def test_spike_groups_of_256_inputs_on_an_spram_core_equal_the_model() -> None:
    """Default run (the full episode below is -m long): 256-input spike groups split over
    two RUN frames, 27-bit words written to and read from the SPRAM banks through the
    registered host port, on the co-simulated board system equal to the model."""
    script = Path(__file__).resolve().parent / "host_link_spram_short.py"
    system = learning_core_system(SPRAM, divisor=8, timeout=600)
    model = run_on_model(script, system)
    cosim = run_on_cosim(script, system)
    for key in model:
        assert cosim[key] == model[key], f"{key}: cosim {cosim[key]} != model {model[key]}"
    assert any(any(row) for row in model["spikes_out"])
    assert model["words"] != model["written"]  # STDP moved the words written
    assert model["status"].ticks == 8 and model["status"].frames_bad == 0


@pytest.mark.long
def test_link_drives_a_core_of_the_up5k_shape_bit_for_bit() -> None:
    """The structure of configs/learning_core_up5k.json (256 inputs = 32-byte spike groups,
    RUN frames of at most 7 ticks, 27-bit weight words, weights in SPRAM loaded over the
    link, registered host access) with 2 neurons: the co-simulated board system answers
    the episode exactly as the model does (32-80 s wall at load 5: -m long)."""
    up5k = json.loads((ROOT / "configs" / "learning_core_up5k.json").read_text())
    same = ("n_inputs", "lanes", "weight_width", "weight_ram", "host_access", "w_min", "w_max")
    assert {k: SPRAM[k] for k in same} == {k: up5k[k] for k in same}
    system = learning_core_system(SPRAM, divisor=8, timeout=600)
    model = run_on_model(SPRAM_EPISODE, system)
    cosim = run_on_cosim(SPRAM_EPISODE, system)
    for key in model:
        assert cosim[key] == model[key], f"{key}: cosim {cosim[key]} != model {model[key]}"
    info = model["info"]
    assert (info.n_inputs, info.n_neurons, info.word_bytes) == (256, 2, 4)
    assert (info.depths[0], info.widths[0]) == (2 * 86, 27)  # 86 chunks of 3 lanes x 9 bits
    # the image read back is the network loaded (decoded by the model transport's Chip)
    net = load_function(SPRAM_EPISODE, "network")()
    assert model["weights_loaded"] == [list(r) for r in net.weights]
    assert model["weights"] != model["weights_loaded"]  # STDP moved the weights
    assert any(any(any(row) for row in burst) for burst in model["spikes_out"])
    assert model["status"].ticks == 16
