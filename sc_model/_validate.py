"""Parameter checks shared by the model and the hardware twins.

Every public function and component validates its parameters with these
helpers so that a bad value is refused with a message that names the
parameter, shows the value and says what is allowed.
"""

from __future__ import annotations

import dataclasses
import numbers
from collections.abc import Iterable
from typing import Any

import numpy as np


def check_int(name: str, value: object, lo: int | None = None, hi: int | None = None) -> int:
    """Return ``value`` as ``int`` if it is an integer in ``[lo, hi]``; raise otherwise.

    Booleans are refused: ``True`` is not a width.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, not {value!r} ({type(value).__name__})")
    value = int(value)
    if lo is not None and value < lo or hi is not None and value > hi:
        lo_s = "-inf" if lo is None else str(lo)
        hi_s = "inf" if hi is None else str(hi)
        raise ValueError(f"{name} must be in [{lo_s}, {hi_s}], not {value}")
    return value


def check_choice(name: str, value: object, allowed: Iterable[object]) -> object:
    """Return ``value`` if it is one of ``allowed``; raise ``ValueError`` otherwise."""
    allowed = tuple(allowed)
    if value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, allowed))}; not {value!r}")
    return value


def check_int_array(
    name: str,
    value: object,
    lo: int | None = None,
    hi: int | None = None,
    ndim: int | None = None,
) -> np.ndarray:
    """Return ``value`` as an ``int64`` array after checking dtype, rank and range.

    Float arrays are refused even when their values are whole: the model's
    semantics are integer and a float slipping in is a bug upstream.
    """
    arr = np.asarray(value)
    if arr.dtype == np.bool_ or not np.issubdtype(arr.dtype, np.integer):
        raise TypeError(f"{name} must hold integers, not dtype {arr.dtype}")
    if ndim is not None and arr.ndim != ndim:
        raise ValueError(f"{name} must have {ndim} dimension(s), not shape {arr.shape}")
    if arr.size:
        if lo is not None and arr.min() < lo:
            raise ValueError(f"{name} must be >= {lo}; found {int(arr.min())}")
        if hi is not None and arr.max() > hi:
            raise ValueError(f"{name} must be <= {hi}; found {int(arr.max())}")
    return arr.astype(np.int64, copy=False)


def check_bits(name: str, value: object) -> np.ndarray:
    """Return ``value`` as a ``uint8`` array of 0/1 bits; refuse anything else.

    An array without elements holds no wrong value whatever its dtype, so
    ``[]`` (float64 to NumPy) is an empty bit array; functions that need at
    least one bit say so themselves ("length >= 1").
    """
    arr = np.asarray(value)
    if arr.size == 0 and arr.dtype.kind in "fiub":
        return arr.astype(np.uint8)
    if arr.dtype == np.bool_:
        return arr.astype(np.uint8)
    if not np.issubdtype(arr.dtype, np.integer):
        raise TypeError(f"{name} must hold bits (bool or integer 0/1), not dtype {arr.dtype}")
    if arr.size and (arr.min() < 0 or arr.max() > 1):
        raise ValueError(
            f"{name} must hold only 0 and 1; found values in [{arr.min()}, {arr.max()}]"
        )
    return arr.astype(np.uint8, copy=False)


def must_be_unset(name: str, value: object, when: str, unset: int | None = None) -> None:
    """Refuse a parameter that has no effect in this configuration.

    It must be ``None`` (or, when ``unset`` is given, exactly that integer).
    """
    if unset is None:
        ok = value is None
    else:
        ok = isinstance(value, numbers.Integral) and not isinstance(value, bool) and value == unset
    if not ok:
        allowed = "None" if unset is None else str(unset)
        raise ValueError(f"{name} applies to {when} only (otherwise {allowed}); got {value!r}")


def check_broadcast(**operands: np.ndarray) -> tuple[int, ...]:
    """The broadcast shape of the named operands; a clear error when there is none.

    ``check_broadcast(a=a, b=b)`` raises ``ValueError`` naming every operand
    and its shape ("a (shape (2,)) and b (shape (3,)) must have equal or
    broadcastable shapes") instead of NumPy's broadcasting message.
    """
    shapes = {name: np.shape(arr) for name, arr in operands.items()}
    try:
        return tuple(np.broadcast_shapes(*shapes.values()))
    except ValueError:
        listed = " and ".join(f"{name} (shape {shape})" for name, shape in shapes.items())
        raise ValueError(f"{listed} must have equal or broadcastable shapes") from None


def check_broadcast_to(name: str, value: np.ndarray, shape: tuple[int, ...], what: str) -> None:
    """Refuse ``value`` unless it broadcasts to ``shape`` (the shape of ``what``)."""
    try:
        np.broadcast_to(value, shape)
    except ValueError:
        raise ValueError(
            f"{name} (shape {np.shape(value)}) must be a scalar or broadcast to {what}, "
            f"shape {shape}"
        ) from None


def check_finite(name: str, value: np.ndarray) -> None:
    """Refuse a float array holding NaN or infinity (it would spread into every weight)."""
    bad = ~np.isfinite(value)
    if bad.any():
        first = tuple(int(i) for i in np.argwhere(bad)[0])
        raise ValueError(
            f"{name} must be finite; found {value[first]!r} at index {first} "
            f"({int(bad.sum())} non-finite value(s))"
        )


def settle(config: object, **values: object) -> None:
    """Store the validated, canonical ``values`` in the fields of a frozen config.

    Used by every block configuration's ``__post_init__``: defaults derived
    from other fields are filled in, sequences become tuples. The stored values
    validate again to themselves, so ``dataclasses.replace`` works.
    """
    for name, value in values.items():
        object.__setattr__(config, name, value)


def take_config(
    cls: type, config: object, params: dict[str, object], first: str | None = None
) -> Any:
    """A twin's configuration: ``config`` itself (an instance of ``cls``) or ``cls(**params)``.

    The twins of a block take either the configuration object, built once, or
    its fields as keywords (the older call shape); not both. With ``first``
    given, a ``config`` that is not a ``cls`` is the value of that field
    (the older positional call shape, e.g. ``STPUnit(4, ...)``).
    """
    if first is not None and config is not None and not isinstance(config, cls):
        config, params = None, {first: config, **params}
    if config is None:
        return cls(**params)
    if not isinstance(config, cls):
        raise TypeError(f"config must be a {cls.__name__}, not {type(config).__name__}")
    if params:
        raise TypeError(
            f"pass either a {cls.__name__} or its fields as keywords, not both "
            f"(got also {', '.join(sorted(params))})"
        )
    return config


def config_from(cls: type, args: tuple[object, ...], params: dict[str, object]) -> Any:
    """A twin's configuration from ``(*args, **params)`` of its call.

    ``args`` is a single ``cls`` instance (then ``params`` must be empty), or
    field values in the order of the dataclass fields (the older positional
    call shape, e.g. ``sc_multiply(a, b, 10, 3, 4, 4)``) completed by ``params``.
    """
    if len(args) == 1 and isinstance(args[0], cls):
        return take_config(cls, args[0], params)
    names = [f.name for f in dataclasses.fields(cls)]
    if len(args) > len(names):
        raise TypeError(f"{cls.__name__} takes at most {len(names)} fields, got {len(args)}")
    for name, value in zip(names, args, strict=False):
        if name in params:
            raise TypeError(f"{cls.__name__} field {name!r} given twice")
        params = {**params, name: value}
    return cls(**params)
