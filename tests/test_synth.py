"""sc_flow.synth and the board tops: synthesis reports, board bitstreams, demo logic.

Tests marked ``slow`` run the YoWASP tools (Yosys, nextpnr, icepack/ecppack);
their first call compiles each tool (about 25 s, cached in
``build/yowasp-cache``). The ECP5 runs are included by default; set
``SC_SYNTH_ECP5=0`` to skip them (see docs/synthesis.md for the timings).

Expected numbers are derived here from what the designs are (register widths,
port widths, the wrapper's construction, LFSR counting arguments), and the
report parser is checked on nextpnr reports saved from real runs
(``tests/data/``) against values read off the files by hand.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import pytest
from amaranth.sim import Simulator

from boards import PressCounter, StochasticDemo
from boards.registry import get_board
from sc_flow.cli import main
from sc_flow.synth import (
    DEVICES,
    SynthReport,
    check_device,
    clock_base_name,
    count_cells,
    format_table,
    netlist_cells,
    parse_pnr_report,
    pick_clock,
    run_synth_cli,
    synthesize,
)
from sc_model.lfsr import MAXIMAL_TAPS

DATA = Path(__file__).resolve().parent / "data"
CONFIGS_DIR = Path(__file__).resolve().parent.parent / "configs"

ecp5 = pytest.mark.skipif(
    os.environ.get("SC_SYNTH_ECP5", "1") == "0", reason="SC_SYNTH_ECP5=0: ECP5 runs skipped"
)


# ---------------------------------------------------------------------------
# Fast: errors, parsing, counting
# ---------------------------------------------------------------------------


def test_unknown_device_is_refused_with_the_known_names() -> None:
    with pytest.raises(ValueError, match=r"device must be one of 'ice40-up5k', 'ecp5-25f'"):
        synthesize("lfsr", None, "ice40-hx8k")
    with pytest.raises(ValueError, match="'xc7a35t'"):
        run_synth_cli("lfsr", None, "xc7a35t")
    assert check_device("ecp5-25f").family == "ecp5"


def test_unknown_block_and_bad_params_are_refused_before_any_tool_runs() -> None:
    with pytest.raises(ValueError, match="block must be one of"):
        synthesize("no_such_block", None, "ice40-up5k")
    with pytest.raises(ValueError, match=r"width must be in \[3, 32\], not 40"):
        synthesize("lfsr", {"width": 40, "seed": 1}, "ice40-up5k")
    with pytest.raises(ValueError, match="freq_mhz must be > 0"):
        synthesize("lfsr", None, "ice40-up5k", freq_mhz=0)
    with pytest.raises(TypeError, match="registered block name or an amaranth"):
        synthesize(42, None, "ice40-up5k")  # type: ignore[arg-type]


def test_dsp_option_adds_synth_ice40_dsp_only_on_ice40(monkeypatch, tmp_path) -> None:
    import sc_flow.synth as synth_module

    scripts = []
    monkeypatch.setattr(synth_module, "warm_tool", lambda name: name)
    monkeypatch.setattr(synth_module, "_run", lambda args, *a: scripts.append(args[-1]))
    for family in ("ice40", "ecp5"):
        for dsp in (False, True):
            synth_module._yosys(family, "a.v", "top", "n.json", "y.log", tmp_path, dsp)
    assert scripts == [
        "read_verilog a.v; synth_ice40 -top top -json n.json",
        "read_verilog a.v; synth_ice40 -dsp -top top -json n.json",
        "read_verilog a.v; synth_ecp5 -top top -json n.json",
        "read_verilog a.v; synth_ecp5 -top top -json n.json",
    ]
    with pytest.raises(TypeError, match="dsp must be a bool, not int"):
        synthesize("lfsr", None, "ice40-up5k", dsp=1)  # type: ignore[arg-type]


def test_placer_option_reaches_nextpnr_and_the_report(monkeypatch, tmp_path) -> None:
    """``placer`` adds ``--placer NAME`` to nextpnr (and nothing without it), keys its own
    build folder and is recorded; an unknown placer is refused."""
    import sc_flow.synth as synth_module
    from sc_flow.results import synth_record

    calls: list[list[str]] = []

    def fake_yosys(family, verilog_name, top, netlist, log, cwd, dsp=False):
        module = {"cells": {}, "ports": {"a": {"bits": [2]}}}
        (cwd / netlist).write_text(json.dumps({"modules": {top: module}}))

    def fake_run(args, cwd, log, what):
        calls.append(list(args))
        (cwd / "report.json").write_text(json.dumps({"fmax": {"clk": {"achieved": 50.0}}}))

    monkeypatch.setattr(synth_module, "_yosys", fake_yosys)
    monkeypatch.setattr(synth_module, "_run", fake_run)
    monkeypatch.setattr(synth_module, "warm_tool", lambda name: name)
    monkeypatch.setenv("SC_BUILD_DIR", str(tmp_path))
    plain = synthesize("lfsr", None, "ecp5-25f", freq_mhz=100)
    static = synthesize("lfsr", None, "ecp5-25f", freq_mhz=100, placer="static")
    assert "--placer" not in calls[0]
    i = calls[1].index("--placer")
    assert calls[1][i + 1] == "static"
    assert calls[1][:i] + calls[1][i + 2 :] == calls[0]  # nothing else differs
    assert plain.build_dir != static.build_dir
    assert (plain.placer, static.placer) == (None, "static")
    assert synth_record(static)["placer"] == "static"
    with pytest.raises(ValueError, match="placer must be one of 'heap', 'sa', 'static'"):
        synthesize("lfsr", None, "ecp5-25f", placer="electro")


def test_huge_memories_go_to_spram_with_their_initial_image_deleted(monkeypatch, tmp_path):
    """Only memories marked ram_style "huge" lose their $meminit_v2 cells, only on iCE40,
    and -spram is passed only when there is one (every other design's script unchanged)."""
    import sc_flow.synth as synth_module
    from sc_cosim.harness import generate_verilog
    from sc_flow.synth import SynthError, huge_memories

    small = dict(n_inputs=4, n_neurons=3, lanes=2, weight_width=4, thresholds=[2, 2, 2])
    spram = generate_verilog("learning_core", {**small, "weight_ram": "spram"})
    ebr = generate_verilog("learning_core", small)
    layer = "sc_learning_core.layer"
    assert huge_memories(spram) == [(layer, "weight_mem_0"), (layer, "weight_mem_1")]
    assert huge_memories(ebr) == []
    # (the simulation's power-on zeros stay in the Verilog; only Yosys drops them)
    assert "reg [9:0] weight_mem_1 [2:0];" in spram and "weight_mem_1[2] = 10'h000;" in spram
    scripts = []
    monkeypatch.setattr(synth_module, "warm_tool", lambda name: name)
    monkeypatch.setattr(synth_module, "_run", lambda args, *a: scripts.append(args[-1]))
    for name, text in (("s.v", spram), ("e.v", ebr)):
        (tmp_path / name).write_text(text)
        for family in ("ice40", "ecp5"):
            synth_module._yosys(family, name, "top", "n.json", "y.log", tmp_path)
    delete = f"delete {layer}/t:$meminit_v2 {layer}/r:MEMID=\\weight_mem_"
    assert scripts == [
        f"read_verilog s.v; {delete}0 %i; {delete}1 %i; synth_ice40 -spram -top top -json n.json",
        "read_verilog s.v; synth_ecp5 -top top -json n.json",
        "read_verilog e.v; synth_ice40 -top top -json n.json",
        "read_verilog e.v; synth_ecp5 -top top -json n.json",
    ]
    with pytest.raises(SynthError, match="not a memory"):
        huge_memories('module a(x);\n  (* ram_style = "huge" *)\n  wire x;\nendmodule')


def test_board_plan_maps_the_spram_banks_and_leaves_other_scripts_alone() -> None:
    """``sc-hw board`` hands Yosys RTLIL through amaranth's platform: on iCE40 the plan's
    script deletes exactly the huge memories' initial images after ``read_rtlil`` and
    runs ``synth_ice40 -spram``; the default core and ECP5 keep amaranth's script."""
    from amaranth.back import rtlil

    from sc_flow.board_build import prepare_plan
    from sc_flow.synth import huge_memories_rtlil
    from sc_hw.learning_core import LearningCore

    small = dict(n_inputs=4, n_neurons=3, lanes=2, weight_width=4, thresholds=[2, 2, 2])
    spram = rtlil.convert(LearningCore(**small, weight_ram="spram"))
    ebr = rtlil.convert(LearningCore(**small))
    banks = [("top.layer", "weight_mem_0"), ("top.layer", "weight_mem_1")]
    assert huge_memories_rtlil(spram) == banks
    assert huge_memories_rtlil(ebr) == []
    core = json.loads((CONFIGS_DIR / "board_learning_core_spram.json").read_text())
    layer = "icebreaker_link.system.core.layer"
    delete = f"delete {layer}/t:$meminit_v2 {layer}/r:MEMID=\\weight_mem_"
    ys = prepare_plan(get_board("icebreaker"), "learning_core", core, "icebreaker_link", [])
    lines = ys.files["icebreaker_link.ys"].splitlines()
    i = lines.index("read_rtlil icebreaker_link.il")
    assert lines[i + 1 : i + 4] == [
        f"{delete}0 %i",
        f"{delete}1 %i",
        "synth_ice40 -spram -top icebreaker_link",
    ]
    default = json.loads((CONFIGS_DIR / "board_learning_core.json").read_text())
    for board, params in (("icebreaker", default), ("ulx3s", core)):
        plan = prepare_plan(get_board(board), "learning_core", params, "t", [])
        script = plan.files["t.ys"]
        assert "delete" not in script and "-spram" not in script, board


def test_cli_reports_bad_names_with_exit_code_2(capsys) -> None:
    assert main(["synth", "lfsr", "--device", "gw1n"]) == 2
    err = capsys.readouterr().err
    assert "'gw1n' is not one of" in err and "'all'" in err
    assert main(["synth", "nope"]) == 2
    assert "block must be one of" in capsys.readouterr().err
    assert main(["board", "arty"]) == 2
    assert "'arty' is not one of" in capsys.readouterr().err


def test_cell_counting_by_family() -> None:
    ice = {
        "SB_LUT4": 7,
        "SB_CARRY": 3,
        "SB_DFF": 2,
        "SB_DFFESR": 4,
        "SB_DFFSS": 1,
        "SB_RAM40_4K": 2,
        "SB_SPRAM256KA": 1,
        "SB_MAC16": 1,
        "SB_GB": 1,
    }
    assert count_cells(ice, "ice40") == {
        "luts": 7,
        "carries": 3,
        "ffs": 7,
        "ram_blocks": 3,
        "dsps": 1,
    }
    ecp = {"LUT4": 10, "CCU2C": 2, "TRELLIS_FF": 5, "DP16KD": 1, "MULT18X18D": 2, "PFUMX": 3}
    assert count_cells(ecp, "ecp5") == {
        "luts": 10,
        "carries": 2,
        "ffs": 5,
        "ram_blocks": 1,
        "dsps": 2,
    }


def test_netlist_cells_reads_the_top_module() -> None:
    netlist = {
        "modules": {
            "SB_LUT4": {"attributes": {}, "cells": {}},
            "core": {
                "attributes": {"top": "00000000000000000000000000000001"},
                "cells": {
                    "a": {"type": "SB_LUT4"},
                    "b": {"type": "SB_LUT4"},
                    "c": {"type": "SB_DFF"},
                },
            },
        }
    }
    assert netlist_cells(netlist) == {"SB_LUT4": 2, "SB_DFF": 1}


@pytest.mark.parametrize(
    ("net", "base"),
    [
        ("clk$SB_IO_IN_$glb_clk", "clk"),  # nextpnr-ice40, core clock from a pin
        ("$glbnet$clk$TRELLIS_IO_IN", "clk"),  # nextpnr-ecp5
        ("cd_sync.clk", "cd_sync.clk"),  # amaranth-boards on iCE40
        ("$glbnet$cd_sync.clk", "cd_sync.clk"),  # amaranth-boards on ECP5
    ],
)
def test_clock_base_name(net: str, base: str) -> None:
    assert clock_base_name(net) == base


def test_pick_clock() -> None:
    assert pick_clock({"clk": 120.0, "other": 50.0}, "clk") == 120.0
    assert pick_clock({"other": 50.0}, "clk") is None
    assert pick_clock({"only": 50.0}, None) == 50.0
    assert pick_clock({}, None) is None


def test_parse_saved_ice40_report() -> None:
    """nextpnr-ice40 report of the wrapped 16-bit LFSR (values read off the file)."""
    report = json.loads((DATA / "nextpnr_report_lfsr16_ice40.json").read_text())
    pnr = parse_pnr_report(report, "ice40")
    assert pnr["logic_cells"] == 65
    assert pnr["io"] == 4
    assert pnr["ram_sites"] == 0 and pnr["dsp_sites"] == 0
    assert pnr["clocks"] == {"clk": pytest.approx(99.88, abs=0.005)}


def test_parse_saved_ecp5_report() -> None:
    """nextpnr-ecp5 report of the wrapped 16-bit LFSR (values read off the file)."""
    report = json.loads((DATA / "nextpnr_report_lfsr16_ecp5.json").read_text())
    pnr = parse_pnr_report(report, "ecp5")
    assert pnr["logic_cells"] == 29
    assert pnr["io"] == 4
    assert pnr["clocks"] == {"clk": pytest.approx(285.55, abs=0.005)}


def test_table_formats() -> None:
    r = SynthReport(
        "x", "ice40-up5k", {}, 5, 1, 3, 0, 0, 9, 4, None, 100.0, True, 12, Path("build/synth/x")
    )
    text = format_table([r])
    assert text.splitlines()[0].split()[:3] == ["design", "device", "LUT4"]
    assert text.splitlines()[1].split() == [
        "x",
        "ice40-up5k",
        "5",
        "1",
        "3",
        "0",
        "0",
        "9",
        "12",
        "-",
    ]
    md = r.table(markdown=True).splitlines()
    assert md[1].startswith("| --- |") and md[2].startswith("| x | ice40-up5k | 5 |")
    assert "no clocked path" in str(r)


# ---------------------------------------------------------------------------
# Fast: the board demo's logic in Amaranth's simulator
# ---------------------------------------------------------------------------


def fib_states(width: int, seed: int, n: int) -> list[int]:
    """Fibonacci LFSR states per the sc_model.lfsr contract, stepped in plain Python."""
    taps, mask, out, s = MAXIMAL_TAPS[width], (1 << width) - 1, [], seed
    for _ in range(n):
        out.append(s)
        fb = 0
        for t in taps:
            fb ^= (s >> (t - 1)) & 1
        s = ((s << 1) | fb) & mask
    return out


def run_demo(dut: StochasticDemo, levels: list[int], n: int) -> dict[str, list[int]]:
    got: dict[str, list[int]] = {"stream": [], "fixed_stream": [], "leds": []}

    async def bench(ctx) -> None:
        for t in range(n):
            ctx.set(dut.level, levels[t])
            for name in got:
                got[name].append(int(ctx.get(getattr(dut, name))))
            await ctx.tick()

    sim = Simulator(dut)
    sim.add_clock(1e-8)
    sim.add_testbench(bench)
    sim.run()
    return got


def test_demo_stream_duty_over_a_full_period() -> None:
    """Over 2**w - 1 cycles a threshold v >= 1 gives exactly v - 1 ones (states 1 .. v-1)."""
    width, level_bits, fixed = 8, 3, 37
    period = (1 << width) - 1
    levels = [lv for lv in range(1 << level_bits) for _ in range(period)]
    dut = StochasticDemo(
        width=width, seed=0x5A, level_bits=level_bits, fixed_value=fixed, n_leds=3, snapshot_log2=4
    )
    got = run_demo(dut, levels, len(levels))
    for lv in range(1 << level_bits):
        v = lv << (width - level_bits)
        ones = sum(got["stream"][lv * period : (lv + 1) * period])
        assert ones == max(v - 1, 0), f"level {lv}"
        assert sum(got["fixed_stream"][lv * period : (lv + 1) * period]) == fixed - 1


def test_demo_leds_latch_the_top_bits() -> None:
    width, seed, n_leds, k = 8, 0x5A, 3, 4
    n = 5 * (1 << k) + 3
    dut = StochasticDemo(
        width=width, seed=seed, level_bits=2, fixed_value=0, n_leds=n_leds, snapshot_log2=k
    )
    got = run_demo(dut, [0] * n, n)
    states = fib_states(width, seed, n)
    assert got["fixed_stream"] == [0] * n
    assert got["stream"] == [0] * n  # level 0: threshold 0
    for t in range(n):
        last = (t // (1 << k)) * (1 << k) - 1  # last latching cycle before t
        want = states[last] >> (width - n_leds) if last >= 0 else 0
        assert got["leds"][t] == want, f"cycle {t}"


def test_demo_refuses_bad_parameters() -> None:
    with pytest.raises(ValueError, match=r"level_bits must be in \[1, 8\], not 9"):
        StochasticDemo(width=8, level_bits=9)
    with pytest.raises(ValueError, match=r"fixed_value must be in \[0, 256\], not 257"):
        StochasticDemo(width=8, fixed_value=257)
    with pytest.raises(ValueError, match="seed must be non-zero"):
        StochasticDemo(width=8, seed=0)


def test_press_counter_counts_presses_not_bounces() -> None:
    """Sampled every 4 cycles; a press = a sampled 1 after a sampled 0 (after 2 sync FFs)."""
    k = 2
    # (level, cycles): bounces shorter than the sampling period around real presses.
    pattern = [
        (0, 9),
        (1, 1),
        (0, 1),
        (1, 17),
        (0, 2),
        (1, 1),
        (0, 20),
        (1, 30),
        (0, 30),
        (1, 12),
        (0, 12),
    ]
    wave = [lv for lv, c in pattern for _ in range(c)]
    dut = PressCounter(count_bits=3, sample_log2=k)
    counts: list[int] = []

    async def bench(ctx) -> None:
        for level in wave:
            ctx.set(dut.button, level)
            counts.append(int(ctx.get(dut.count)))
            await ctx.tick()

    sim = Simulator(dut)
    sim.add_clock(1e-8)
    sim.add_testbench(bench)
    sim.run()
    # Reference: the synchronised button is the input delayed by 2 cycles; it is sampled
    # on cycles t with t % 4 == 0, and a 0 -> 1 change between samples is one press.
    delayed = [0, 0] + wave
    samples = [delayed[t] for t in range(len(wave)) if t % (1 << k) == 0]
    presses = sum(1 for a, b in zip([0, *samples], samples, strict=False) if b and not a)
    assert counts[-1] == presses % 8
    assert presses == 3  # the three long presses; every bounce fell between samples
    assert counts == sorted(counts)  # never counts down (no wrap within 3 presses)


# ---------------------------------------------------------------------------
# Slow: the tools
# ---------------------------------------------------------------------------


def wrapper_ffs(n_in: int, n_out: int) -> int:
    """Flip-flops of SerialIOWrapper by construction: chain, output registers, XOR tree, reset."""
    tree, level = 0, n_out
    while level > 1:
        level = math.ceil(level / 4)
        tree += level
    return n_in + n_out + tree + 1


@pytest.mark.slow
def test_lfsr16_on_ice40() -> None:
    r = synthesize("lfsr", {"width": 16, "seed": 0xACE1}, "ice40-up5k")
    assert r.ffs == 16  # the 16-bit state register, nothing else is stored
    assert 0 < r.luts <= 3 * 16  # next-state mux per bit, feedback XOR, zero-load detect
    assert r.ram_blocks == 0 and r.dsps == 0 and r.carries == 0
    assert r.port_bits == 16 + 16 + 4  # load_value, state, en, load, clk, rst
    assert r.io == 4  # clk, rst, sin, sout
    # a logic cell holds one LUT and one flip-flop
    assert r.logic_cells >= max(r.luts, r.ffs + wrapper_ffs(18, 16))
    assert r.fmax_mhz is not None and r.fmax_mhz > 48  # an LFSR is a few LUT levels deep
    assert set(r.clocks) == {"clk"}
    # Nothing of the core or the wrapper was optimised away in the placed netlist.
    netlist = json.loads((r.build_dir / "netlist_wrapped.json").read_text())
    ffs = count_cells(netlist_cells(netlist, "io_wrapper"), "ice40")["ffs"]
    assert ffs == 16 + wrapper_ffs(n_in=1 + 1 + 16, n_out=16)


@pytest.mark.slow
def test_pins_mode_checks_the_package() -> None:
    r = synthesize("lfsr", {"width": 8, "seed": 1}, "ice40-up5k", wrap=False)
    assert not r.io_wrapper and r.io == r.port_bits == 8 + 8 + 4
    with pytest.raises(ValueError, match="68 port bits but the ice40-up5k package has 39"):
        synthesize("lfsr", {"width": 32, "seed": 1}, "ice40-up5k", wrap=False)


@pytest.mark.slow
def test_cli_synth_prints_the_report(capsys) -> None:
    from sc_flow.cli import main

    assert main(["synth", "lfsr", "--param", "width=8", "--param", "seed=3"]) == 0
    out = capsys.readouterr().out
    assert "lfsr on ice40-up5k" in out and "FF 8," in out and "Fmax (clk):" in out


@pytest.mark.slow
@ecp5
def test_lfsr16_on_ecp5() -> None:
    r = synthesize("lfsr", {"width": 16, "seed": 0xACE1}, "ecp5-25f")
    assert r.ffs == 16
    assert 0 < r.luts <= 3 * 16
    assert r.ram_blocks == 0 and r.dsps == 0
    assert r.logic_cells >= r.luts and r.io == 4
    assert r.fmax_mhz is not None and r.fmax_mhz > 100  # a faster fabric than the iCE40
    netlist = json.loads((r.build_dir / "netlist_wrapped.json").read_text())
    ffs = count_cells(netlist_cells(netlist, "io_wrapper"), "ecp5")["ffs"]
    assert ffs == 16 + wrapper_ffs(n_in=1 + 1 + 16, n_out=16)


BOARD_IO = {"icebreaker": 1 + 2 + 5, "icesugar": 1 + 2 + 3, "ulx3s": 1 + 2 + 5}  # clock, UART, LEDs


@pytest.mark.slow
@pytest.mark.parametrize(
    "name",
    [
        "icebreaker",
        # the other two boards build the same system (~1.5 min each): -m long, and their
        # `sc-hw board` output is in docs/host_link.md
        pytest.param("icesugar", marks=pytest.mark.long),
        pytest.param("ulx3s", marks=[ecp5, pytest.mark.long]),
    ],
)
def test_board_system_builds_and_meets_its_core_clock(name: str, tmp_path, capsys) -> None:
    """The board top (PLL, UART link, learning core of configs/board_learning_core.json),
    built by ``sc-hw --build-dir DIR board NAME --json`` as a user would."""
    board = get_board(name)
    assert main(["--build-dir", str(tmp_path), "board", name, "--json"]) == 0
    built = json.loads(capsys.readouterr().out)
    bitstream = Path(built["bitstream"])
    ext = ".bin" if board.family == "ice40" else ".bit"
    assert bitstream.suffix == ext and bitstream.stat().st_size > 0
    assert bitstream.is_relative_to(tmp_path / "boards" / name)
    r = built["report"]
    assert r["io"] == BOARD_IO[name]
    assert r["fmax_mhz"] is not None and r["fmax_mhz"] >= board.clock.hz / 1e6  # met the clock
    assert r["ram_blocks"] >= 1  # the link's frame buffer (the small core's memories may be LUTs)


#: the device-scale cores on their boards (docs/host_link.md "Board builds"): board,
#: parameter file, the RAM blocks the core alone takes (docs/learning_core.md; "EBR" counts
#: DP16KD on the ECP5; the link adds
#: block RAM for its frame buffer)
DEVICE_SCALE = [
    ("icebreaker", "learning_core_up5k.json", {"SPRAM": 4}),
    pytest.param("ulx3s", "learning_core_ecp5.json", {"EBR": 35}, marks=ecp5),
]


@pytest.mark.slow
@pytest.mark.long
@pytest.mark.parametrize("name, params, ram", DEVICE_SCALE)
def test_device_scale_core_on_its_board(name: str, params: str, ram: dict, tmp_path, capsys):
    """``sc-hw board NAME --params-file configs/PARAMS --json`` as documented (65,536
    STDP synapses behind the UART link): it builds, fits the device and meets the board's
    core clock (1.5-2.5 min for the iCEBreaker, 2-5 min for the ULX3S at load 3-6)."""
    board = get_board(name)
    args = ["--build-dir", str(tmp_path), "board", name, "--params-file"]
    assert main([*args, str(CONFIGS_DIR / params), "--json"]) == 0
    built = json.loads(capsys.readouterr().out)
    r = built["report"]
    assert Path(built["bitstream"]).stat().st_size > 0
    assert built["clock_mhz"] == board.clock.hz / 1e6
    assert r["fmax_mhz"] is not None and r["fmax_mhz"] >= board.clock.hz / 1e6
    assert r["io"] == BOARD_IO[name]
    for kind, count in ram.items():
        assert r["ram"].get(kind, 0) >= count, r["ram"]
    if board.family == "ice40":
        assert r["logic_cells"] <= 5280  # (nextpnr fails first; the figure is in the docs)


def test_devices_table_is_consistent() -> None:
    assert set(DEVICES) == {"ice40-up5k", "ecp5-25f"}
    for name, dev in DEVICES.items():
        assert dev.name == name and dev.family in ("ice40", "ecp5")
