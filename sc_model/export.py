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
:func:`read_hex` accepts only what both read the same way: hex digits per
line (no sign, no ``0x``, no ``_``), each word within its width.

Every ``params.json`` carries ``"format_version": 1`` (:data:`FORMAT_VERSION`).
The loaders check the files fully and refuse, with the file and the key in
the message: text that is not JSON, another block or format version, a
missing or unknown key, a ``memories`` table whose file, depth or width
differs from what the parameters imply, and a memory image of the wrong
length or with a word that is not hex or does not fit its width.
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

import dataclasses
import json
import os
import re
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
#: Version of the ``params.json`` layout written here; loaders refuse any other.
FORMAT_VERSION = 1
_HEX_WORD = re.compile(r"[0-9a-fA-F]+")


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
    """Read a file of :func:`write_hex`: exactly ``depth`` words of at most ``width`` bits.

    Each non-blank line is hex digits only (what ``$readmemh`` and this
    reader both take the same way: no sign, no ``0x``, no ``_``); anything
    else, a word wider than ``width`` bits or another number of lines is
    refused with the file and the line in the message.
    """
    depth, width = check_int("depth", depth, 1), check_int("width", width, 1)
    digits = -(-width // 4)
    path = Path(path)
    try:
        text = path.read_text()
    except FileNotFoundError:
        raise ValueError(f"{path}: memory image not found") from None
    except UnicodeDecodeError:
        raise ValueError(f"{path} must be $readmemh text, not binary data") from None
    lines = [(k + 1, ln.strip()) for k, ln in enumerate(text.splitlines()) if ln.strip()]
    if len(lines) != depth:
        raise ValueError(f"{path} must hold depth={depth} words, one per line, not {len(lines)}")
    words = []
    for line_no, word in lines:
        if not _HEX_WORD.fullmatch(word):
            raise ValueError(
                f"{path} line {line_no} must be a hex number (hex digits only, no sign, "
                f"0x or _; a {width}-bit word is {digits} digits), not {word!r}"
            )
        value = int(word, 16)
        if value >> width:
            raise ValueError(f"{path} line {line_no}: {word} does not fit width={width} bits")
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
    params["format_version"] = FORMAT_VERSION
    params["memories"] = {
        "weights": {"file": WEIGHTS_FILE, "depth": c.words, "width": c.word_width},
        "thresholds": {"file": THRESHOLDS_FILE, "depth": c.n_neurons, "width": c.v_width},
        "state_init": {"file": STATE_FILE, "depth": c.n_neurons, "width": state_width},
    }
    files["params"] = out / PARAMS_FILE
    files["params"].write_text(json.dumps(params, indent=1) + "\n")
    return {"params": params, "files": files}


def _read_params(directory: str | os.PathLike[str], block: str) -> dict[str, Any]:
    """``params.json`` of ``directory`` as a dict, checked for JSON, block and format version."""
    path = Path(directory) / PARAMS_FILE
    try:
        text = path.read_text()
    except FileNotFoundError:
        raise ValueError(f"{path} not found: the directory must hold {PARAMS_FILE}") from None
    except UnicodeDecodeError:
        raise ValueError(f"{path} must be JSON text, not binary data") from None
    try:
        params = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(
            f"{path} is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
        ) from None
    if not isinstance(params, dict) or params.get("block") != block:
        found = params.get("block") if isinstance(params, dict) else params
        raise ValueError(f"{path} must describe block {block!r}, not {found!r}")
    version = params.pop("format_version", None)
    if version != FORMAT_VERSION:
        raise ValueError(
            f"{path}: format_version must be {FORMAT_VERSION} (the layout this loader reads), "
            f"not {version!r}"
        )
    params.pop("block")
    return params


def _check_keys(path: Path, raw: dict[str, Any], config: type, extra: tuple[str, ...]) -> None:
    """Refuse keys the configuration does not have, and missing required ones."""
    fields = {f.name: f for f in dataclasses.fields(config)}
    unknown = sorted(set(raw) - set(fields) - set(extra))
    if unknown:
        raise ValueError(
            f"{path}: unknown key(s) {', '.join(map(repr, unknown))}; "
            f"allowed: {', '.join(sorted([*fields, *extra]))}"
        )
    for name, f in fields.items():
        required = f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        if required and name not in raw and name not in ("weights", "thresholds"):
            raise ValueError(f"{path}: required key {name!r} is missing")


def _check_memories(path: Path, mems: object, expected: dict[str, dict[str, Any]]) -> None:
    """``memories`` must list exactly the expected images with their file, depth and width."""
    if not isinstance(mems, dict):
        raise ValueError(f"{path}: 'memories' must be an object, not {mems!r}")
    if set(mems) != set(expected):
        raise ValueError(
            f"{path}: 'memories' must list {', '.join(sorted(expected))}, "
            f"not {', '.join(map(str, sorted(mems)))}"
        )
    for name, want in expected.items():
        entry = mems[name]
        if not isinstance(entry, dict) or set(entry) != set(want):
            raise ValueError(
                f"{path}: memories.{name} must be an object with {', '.join(want)}, not {entry!r}"
            )
        for key, value in want.items():
            if entry[key] != value:
                raise ValueError(
                    f"{path}: memories.{name}.{key} must be {value!r} for these parameters, "
                    f"not {entry[key]!r}"
                )


def _config_from_files(d: Path, config: type, params: dict[str, Any]) -> Any:
    """``config(**params)``; a refused weight or threshold names the image it came from."""
    try:
        return config(**params)
    except ValueError as exc:
        for key, file in (("weights", WEIGHTS_FILE), ("thresholds", THRESHOLDS_FILE)):
            if str(exc).startswith(key):
                raise ValueError(f"{d / file}: {exc}") from None
        raise


def load_sc_layer_tm(directory: str | os.PathLike[str]) -> dict[str, Any]:
    """The core's parameter dict from the files of :func:`export_sc_layer_tm` (checked fully)."""
    d = Path(directory)
    path = d / PARAMS_FILE
    raw = _read_params(d, "sc_layer_tm")
    _check_keys(path, raw, SCLayerTMConfig, extra=("memories",))
    if "memories" not in raw:
        raise ValueError(f"{path}: required key 'memories' is missing")
    mems = raw.pop("memories")
    for key in ("weights", "thresholds"):
        if key in raw:
            raise ValueError(f"{path}: {key!r} belong in the memory images, not in {PARAMS_FILE}")
    nm = raw["n_neurons"]
    low = max(raw.get("v_reset", 0) + 1, 1) if isinstance(raw.get("v_reset", 0), int) else 1
    nm_probe = nm if isinstance(nm, int) and not isinstance(nm, bool) and nm > 0 else 1
    probe = SCLayerTMConfig(**raw, thresholds=[low] * nm_probe)  # validates; sizes only
    vw = probe.v_width
    state_width = vw + probe.refractory_width
    _check_memories(
        path,
        mems,
        {
            "weights": {"file": WEIGHTS_FILE, "depth": probe.words, "width": probe.word_width},
            "thresholds": {"file": THRESHOLDS_FILE, "depth": nm, "width": vw},
            "state_init": {"file": STATE_FILE, "depth": nm, "width": state_width},
        },
    )
    weights = _decode_weights(d, probe)
    read_hex(d / STATE_FILE, nm, state_width)  # checked, not needed to build the core
    top = 1 << (vw - 1)
    thresholds = [t - (1 << vw) if t & top else t for t in read_hex(d / THRESHOLDS_FILE, nm, vw)]
    params = {**raw, "weights": weights, "thresholds": thresholds}
    return sc_layer_tm_params(_config_from_files(d, SCLayerTMConfig, params))


def export_sc_layer(config: SCLayerConfig, directory: str | os.PathLike[str]) -> dict[str, Any]:
    """Write the parallel core's ``params.json`` (:func:`sc_model.sc_layer.sc_layer_params`)."""
    if not isinstance(config, SCLayerConfig):
        raise TypeError(f"config must be an SCLayerConfig, not {type(config).__name__}")
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    params = {**sc_layer_params(config), "block": "sc_layer", "format_version": FORMAT_VERSION}
    path = out / PARAMS_FILE
    path.write_text(json.dumps(params) + "\n")
    return {"params": params, "files": {"params": path}}


def load_sc_layer(directory: str | os.PathLike[str]) -> dict[str, Any]:
    """The parallel core's parameter dict from :func:`export_sc_layer`'s file (validated)."""
    raw = _read_params(directory, "sc_layer")
    _check_keys(Path(directory) / PARAMS_FILE, raw, SCLayerConfig, extra=())
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
    params["format_version"] = FORMAT_VERSION
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
    """The core's parameter dict from :func:`export_learning_core`'s files (checked fully).

    Checked as :func:`load_sc_layer_tm` checks its files, plus
    ``host_addr_width``/``host_data_width`` and each memory's host ``space``
    against what the parameters imply. ``with_weights=False`` leaves the
    weights out (the core's memory starts at zero and the image is loaded over
    the host port: :func:`load_image_words`).
    """
    d = Path(directory)
    raw, probe = _learning_core_raw(d)
    nm, vw = probe.n_neurons, probe.v_width
    top = 1 << (vw - 1)
    thresholds = [t - (1 << vw) if t & top else t for t in read_hex(d / THRESHOLDS_FILE, nm, vw)]
    params = {**raw, "thresholds": thresholds}
    if with_weights:
        params["weights"] = _decode_weights(d, probe)
    return learning_core_params(_config_from_files(d, LearningCoreConfig, params))


def _learning_core_raw(d: Path) -> tuple[dict[str, Any], LearningCoreConfig]:
    """``params.json`` of a learning-core export without its file keys, and a sizing probe."""
    path = d / PARAMS_FILE
    raw = _read_params(d, "learning_core")
    extra = ("memories", "host_addr_width", "host_data_width")
    _check_keys(path, raw, LearningCoreConfig, extra=extra)
    for key in extra:
        if key not in raw:
            raise ValueError(f"{path}: required key {key!r} is missing")
    for key in ("weights", "thresholds"):
        if key in raw:
            raise ValueError(f"{path}: {key!r} belong in the memory images, not in {PARAMS_FILE}")
    mems = raw.pop("memories")
    host = {key: raw.pop(key) for key in extra[1:]}
    nm = raw["n_neurons"]
    nm_probe = nm if isinstance(nm, int) and not isinstance(nm, bool) and nm > 0 else 1
    low = max(raw.get("v_reset", 0) + 1, 1) if isinstance(raw.get("v_reset", 0), int) else 1
    probe = LearningCoreConfig(**raw, thresholds=[low] * nm_probe)  # validates; sizes only
    for key, value in host.items():
        if value != getattr(probe, key):
            raise ValueError(
                f"{path}: {key} must be {getattr(probe, key)} for these parameters, not {value!r}"
            )
    _check_memories(
        path,
        mems,
        {
            "weights": {
                "file": WEIGHTS_FILE,
                "depth": probe.words,
                "width": probe.word_width,
                "space": 0,
            },
            "thresholds": {
                "file": THRESHOLDS_FILE,
                "depth": nm,
                "width": probe.v_width,
                "space": 1,
            },
        },
    )
    return raw, probe


def _decode_weights(d: Path, probe: SCLayerTMConfig | LearningCoreConfig) -> list[list[int]]:
    """The weight rows of ``d``'s weight image, sized by ``probe`` (padding lanes must be 0)."""
    lanes, wb, n = int(probe.lanes), probe.weight_width, probe.n_inputs  # type: ignore[arg-type]
    rows: list[list[int]] = [[] for _ in range(probe.n_neurons)]
    for a, word in enumerate(read_hex(d / WEIGHTS_FILE, probe.words, probe.word_width)):
        rows[a // probe.chunks].extend(int(v) for v in decode_weight_word(word, lanes, wb))
    for neuron, row in enumerate(rows):
        if any(row[n:]):
            raise ValueError(
                f"{d / WEIGHTS_FILE}: neuron {neuron}'s padding lanes (inputs >= n_inputs={n}) "
                "must be 0"
            )
    return [row[:n] for row in rows]


def load_image_words(directory: str | os.PathLike[str]) -> list[int]:
    """The weight image of :func:`export_learning_core` as host-port words (space 0, checked)."""
    d = Path(directory)
    _, probe = _learning_core_raw(d)
    return read_hex(d / WEIGHTS_FILE, probe.words, probe.word_width)
