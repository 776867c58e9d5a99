"""Export a model layer to the files its hardware core is built from (one entry point).

:func:`export_sc_layer_tm` writes a time-multiplexed layer
(:class:`sc_model.sc_layer_tm.SCLayerTMConfig`) as

``params.json``
    Every parameter of the core except ``weights`` and ``thresholds``, plus
    ``"block": "sc_layer_tm"`` and a ``"memories"`` table (file, depth and
    width in bits of each memory image).
``weights.hex``
    The weight memory: ``M C`` lines, line ``a`` the word at address ``a``
    (neuron ``a // C``, chunk ``a % C``; ``P`` sign-magnitude lanes of
    ``wb + 1`` bits, lane 0 in the low bits: the layout of the model's
    contract and :func:`sc_model.sc_layer_tm.encode_weight_word`).
``thresholds.hex``
    The threshold memory: ``M`` lines, ``v_width``-bit two's complement.
``state_init.hex``
    The state memory's power-on image: ``M`` lines, membrane ``v_reset``
    (``v_width`` bits, two's complement) in the low bits, refractory counter 0
    above it. The core never depends on it (the first tick after reset starts
    from ``v_reset`` by itself); it is written so the three memories can be
    loaded by any tool.

Hex files are ``$readmemh`` text: one word per line, ``ceil(width / 4)``
lower-case hex digits, no address markers, no comments, so Verilog
``$readmemh("weights.hex", mem)`` and :func:`read_hex` read them alike.
:func:`load_sc_layer_tm` reads the files back into the parameter dict that
``sc_hw.sc_layer_tm.SCLayerTM(**params)`` (or
``SCLayerTM.from_export(directory)``) takes.

:func:`export_learning_core` writes the learning core the same way (its
weight image in the host port's layout, which a host loads at run time) and
:func:`load_learning_core` reads it back.

:func:`export_sc_layer` does the same for the fully parallel core
(:mod:`sc_model.sc_layer`), whose weights are registers, not memories: its
``params.json`` holds :func:`sc_model.sc_layer.sc_layer_params` whole and
:func:`load_sc_layer` returns it for ``sc_hw.sc_layer.SCLayer(**params)``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ._validate import check_int
from .learning_core import LearningCoreConfig, learning_core_params
from .sc_layer import SCLayerConfig, sc_layer_params
from .sc_layer_tm import SCLayerTMConfig, decode_weight_word, sc_layer_tm_params

PARAMS_FILE = "params.json"
WEIGHTS_FILE = "weights.hex"
THRESHOLDS_FILE = "thresholds.hex"
STATE_FILE = "state_init.hex"


def write_hex(path: str | os.PathLike[str], words: Sequence[int], width: int) -> Path:
    """Write ``words`` (unsigned, each ``< 2**width``) as ``$readmemh`` text; return the path."""
    width = check_int("width", width, 1)
    digits = -(-width // 4)
    lines = []
    for a, w in enumerate(words):
        lines.append(f"{check_int(f'words[{a}]', w, 0, (1 << width) - 1):0{digits}x}")
    out = Path(path)
    out.write_text("\n".join(lines) + "\n")
    return out


def read_hex(path: str | os.PathLike[str], depth: int, width: int) -> list[int]:
    """Read a file of :func:`write_hex`: exactly ``depth`` words of at most ``width`` bits."""
    depth, width = check_int("depth", depth, 1), check_int("width", width, 1)
    lines = [ln.strip() for ln in Path(path).read_text().splitlines() if ln.strip()]
    if len(lines) != depth:
        raise ValueError(f"{path} must hold depth={depth} words, one per line, not {len(lines)}")
    words = []
    for a, text in enumerate(lines):
        try:
            value = int(text, 16)
        except ValueError:
            raise ValueError(f"{path} line {a + 1} must be a hex number, not {text!r}") from None
        if value >> width:
            raise ValueError(f"{path} line {a + 1}: {text} does not fit width={width} bits")
        words.append(value)
    return words


def export_sc_layer_tm(
    config: SCLayerTMConfig, directory: str | os.PathLike[str]
) -> dict[str, Any]:
    """Write the core's parameters and memory images (module docstring) into ``directory``.

    Returns ``{"params": <dict written to params.json>, "files": {name: Path}}``.
    """
    if not isinstance(config, SCLayerTMConfig):
        raise TypeError(f"config must be an SCLayerTMConfig, not {type(config).__name__}")
    c = config
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    vmask = (1 << c.v_width) - 1
    state_width = c.v_width + c.refractory_width
    files = {
        "weights": write_hex(out / WEIGHTS_FILE, c.weight_words(), c.word_width),
        "thresholds": write_hex(
            out / THRESHOLDS_FILE, [t & vmask for t in c.thresholds], c.v_width
        ),
        "state_init": write_hex(out / STATE_FILE, [c.v_reset & vmask] * c.n_neurons, state_width),
    }
    params = {k: v for k, v in sc_layer_tm_params(c).items() if k not in ("weights", "thresholds")}
    params["block"] = "sc_layer_tm"
    params["memories"] = {
        "weights": {"file": WEIGHTS_FILE, "depth": c.words, "width": c.word_width},
        "thresholds": {"file": THRESHOLDS_FILE, "depth": c.n_neurons, "width": c.v_width},
        "state_init": {"file": STATE_FILE, "depth": c.n_neurons, "width": state_width},
    }
    files["params"] = out / PARAMS_FILE
    files["params"].write_text(json.dumps(params, indent=1) + "\n")
    return {"params": params, "files": files}


def _read_params(directory: str | os.PathLike[str], block: str) -> dict[str, Any]:
    path = Path(directory) / PARAMS_FILE
    params = json.loads(path.read_text())
    if not isinstance(params, dict) or params.get("block") != block:
        found = params.get("block") if isinstance(params, dict) else params
        raise ValueError(f"{path} must describe block {block!r}, not {found!r}")
    return params


def load_sc_layer_tm(directory: str | os.PathLike[str]) -> dict[str, Any]:
    """The core's parameter dict from the files of :func:`export_sc_layer_tm` (validated)."""
    d = Path(directory)
    raw = _read_params(d, "sc_layer_tm")
    mems = raw.pop("memories")
    raw.pop("block")
    n, nm = raw["n_inputs"], raw["n_neurons"]
    low = max(raw.get("v_reset", 0) + 1, 1)
    probe = SCLayerTMConfig(**raw, thresholds=[low] * nm)  # for the sizes only
    wb, lanes, vw = probe.weight_width, int(probe.lanes), probe.v_width  # type: ignore[arg-type]
    words = read_hex(d / mems["weights"]["file"], probe.words, probe.word_width)
    rows: list[list[int]] = [[] for _ in range(nm)]
    for a, word in enumerate(words):
        rows[a // probe.chunks].extend(int(v) for v in decode_weight_word(word, lanes, wb))
    weights = [row[:n] for row in rows]
    top = 1 << (vw - 1)
    thresholds = [
        t - (1 << vw) if t & top else t for t in read_hex(d / mems["thresholds"]["file"], nm, vw)
    ]
    params = {**raw, "weights": weights, "thresholds": thresholds}
    return sc_layer_tm_params(SCLayerTMConfig(**params))


def export_sc_layer(config: SCLayerConfig, directory: str | os.PathLike[str]) -> dict[str, Any]:
    """Write the parallel core's ``params.json`` (:func:`sc_model.sc_layer.sc_layer_params`)."""
    if not isinstance(config, SCLayerConfig):
        raise TypeError(f"config must be an SCLayerConfig, not {type(config).__name__}")
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    params = {**sc_layer_params(config), "block": "sc_layer"}
    path = out / PARAMS_FILE
    path.write_text(json.dumps(params) + "\n")
    return {"params": params, "files": {"params": path}}


def load_sc_layer(directory: str | os.PathLike[str]) -> dict[str, Any]:
    """The parallel core's parameter dict from :func:`export_sc_layer`'s file (validated)."""
    raw = _read_params(directory, "sc_layer")
    raw.pop("block")
    return sc_layer_params(SCLayerConfig(**raw))


# --------------------------------------------------------------------------
# The learning core (block ``learning_core``)
# --------------------------------------------------------------------------


def export_learning_core(
    config: LearningCoreConfig, directory: str | os.PathLike[str]
) -> dict[str, Any]:
    """Write a learning core (:mod:`sc_model.learning_core`) as files (as the TM layer).

    ``params.json`` holds every parameter but ``weights`` and ``thresholds``,
    ``"block": "learning_core"``, ``host_addr_width``/``host_data_width`` and
    the ``"memories"`` table; ``weights.hex`` is the weight image in the host
    port's word layout (space 0: ``M C`` words) and ``thresholds.hex`` the
    threshold memory (space 1). The weight image is what a host loads over
    the host port (a core built with ``weights`` omitted starts from zeros,
    as a memory without power-on contents must be loaded).
    """
    if not isinstance(config, LearningCoreConfig):
        raise TypeError(f"config must be a LearningCoreConfig, not {type(config).__name__}")
    c = config
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    vmask = (1 << c.v_width) - 1
    files = {
        "weights": write_hex(out / WEIGHTS_FILE, c.weight_words(), c.word_width),
        "thresholds": write_hex(
            out / THRESHOLDS_FILE, [t & vmask for t in c.thresholds], c.v_width
        ),
    }
    params = {
        k: v for k, v in learning_core_params(c).items() if k not in ("weights", "thresholds")
    }
    params["block"] = "learning_core"
    params["host_addr_width"] = c.host_addr_width
    params["host_data_width"] = c.host_data_width
    params["memories"] = {
        "weights": {"file": WEIGHTS_FILE, "depth": c.words, "width": c.word_width, "space": 0},
        "thresholds": {
            "file": THRESHOLDS_FILE,
            "depth": c.n_neurons,
            "width": c.v_width,
            "space": 1,
        },
    }
    files["params"] = out / PARAMS_FILE
    files["params"].write_text(json.dumps(params, indent=1) + "\n")
    return {"params": params, "files": files}


def load_learning_core(
    directory: str | os.PathLike[str], with_weights: bool = True
) -> dict[str, Any]:
    """The core's parameter dict from :func:`export_learning_core`'s files (validated).

    ``with_weights=False`` leaves the weights out (the core's memory starts at
    zero and the image is loaded over the host port: :func:`load_image_words`).
    """
    d = Path(directory)
    raw = _read_params(d, "learning_core")
    mems = raw.pop("memories")
    for key in ("block", "host_addr_width", "host_data_width"):
        raw.pop(key)
    nm = raw["n_neurons"]
    vw = raw.get("v_width", 16)
    top = 1 << (vw - 1)
    thresholds = [
        t - (1 << vw) if t & top else t for t in read_hex(d / mems["thresholds"]["file"], nm, vw)
    ]
    params = {**raw, "thresholds": thresholds}
    if with_weights:
        probe = LearningCoreConfig(**params)
        words = load_image_words(d)
        lanes, wb = int(probe.lanes), probe.weight_width  # type: ignore[arg-type]
        rows: list[list[int]] = [[] for _ in range(nm)]
        for a, word in enumerate(words):
            rows[a // probe.chunks].extend(int(v) for v in decode_weight_word(word, lanes, wb))
        params["weights"] = [row[: probe.n_inputs] for row in rows]
    return learning_core_params(LearningCoreConfig(**params))


def load_image_words(directory: str | os.PathLike[str]) -> list[int]:
    """The weight image of :func:`export_learning_core` as host-port words (space 0)."""
    d = Path(directory)
    raw = _read_params(d, "learning_core")
    mem = raw["memories"]["weights"]
    return read_hex(d / mem["file"], mem["depth"], mem["width"])
