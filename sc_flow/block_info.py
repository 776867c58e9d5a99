"""What ``sc-hw info BLOCK`` reports: parameters, their types and ranges, ports, latency.

Ranges come from two places: ``cosim_range``, what the block's random
parameter generator (the one the co-simulation tests use) draws over
:data:`PARAM_SAMPLES` sets from seed 0 (integers: min and max; strings:
the choices; lists: the lengths), and ``range``, the documented valid range
where the block's spec declares one (:attr:`BlockSpec.param_ranges`).
Ports and their widths are those of the block built with its defaults.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from amaranth.hdl import Shape

from sc_cosim.blocks import get_block
from sc_cosim.harness import input_ports, signature_of

PARAM_SAMPLES = 200  # random parameter sets drawn to show a block's co-simulated ranges


def _type_name(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, list):
        inner = {_type_name(v) for v in value}
        return f"list[{'|'.join(sorted(inner)) or 'any'}]"
    return type(value).__name__


def _observed_range(values: list[Any]) -> dict[str, Any]:
    present = [v for v in values if v is not None]
    if not present:
        return {}
    if all(isinstance(v, int) and not isinstance(v, bool) for v in present):
        return {"min": min(present), "max": max(present)}
    if all(isinstance(v, str | bool) for v in present):
        return {"choices": sorted(set(present), key=str)}
    if all(isinstance(v, list) for v in present):
        return {"length_min": min(map(len, present)), "length_max": max(map(len, present))}
    return {}


def block_info(block: str) -> dict[str, Any]:
    """What ``sc-hw info`` shows: parameters (type, default, ranges), ports, latency."""
    spec = get_block(block)
    rng = np.random.default_rng(0)
    samples = []
    for _ in range(PARAM_SAMPLES):
        try:
            samples.append(spec.random_params(rng))
        except ValueError:  # a generator bug must not hide the rest of the information
            continue
    names = list(dict.fromkeys([*spec.default_params, *(k for s in samples for k in s)]))
    declared = spec.param_ranges
    parameters = {}
    for name in names:
        default = spec.default_params.get(name)
        values = [s.get(name) for s in samples]
        entry: dict[str, Any] = {
            "type": _type_name(
                default if default is not None else next(v for v in values if v is not None)
            ),
            "default": default,
            "cosim_range": _observed_range(values),
            "optional": any(name not in s for s in samples),
        }
        if name in declared:
            entry["range"] = declared[name]
        parameters[name] = entry
    signature = signature_of(block, spec.default_params)
    ports = {
        name: {
            "direction": "in" if name in input_ports(signature) else "out",
            "width": Shape.cast(member.shape).width,
        }
        for name, member in signature.members.items()
    }
    return {
        "block": block,
        "top_module": spec.toplevel,
        "description": spec.description,
        "parameters": parameters,
        "ports": ports,
        "ports_for": "default parameters",
        "latency": spec.latency or None,
    }
