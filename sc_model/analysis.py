"""Analysis of stochastic bitstreams: correlation, encoding error and its scaling.

Streams follow :mod:`sc_model.streams`: unpacked ``uint8`` 0/1 with time on
the last axis, or packed ``uint64`` words with an explicit ``length``.

Stochastic cross-correlation (SCC)
    Alaghi and Hayes, "Exploiting correlation in stochastic circuit design",
    ICCD 2013, eq. (1). With ``p_x``, ``p_y`` the fractions of ones of two
    equally long streams and ``p_xy`` that of ``x AND y``::

        delta = p_xy - p_x p_y
        SCC = delta / (min(p_x, p_y) - p_x p_y)            if delta > 0
        SCC = delta / (p_x p_y - max(p_x + p_y - 1, 0))     if delta < 0
        SCC = 0                                             if delta == 0

    ``SCC = +1`` means maximal overlap of the ones (``p_xy = min(p_x, p_y)``),
    ``-1`` minimal overlap (``p_xy = max(p_x + p_y - 1, 0)``), 0 the overlap
    expected of independent streams. The denominators are never zero when
    ``delta != 0`` (``p_xy`` lies between the two bounds). When a stream is
    *constant* (all zeros or all ones) ``delta`` is exactly 0 and both
    denominators may be 0: this module returns **SCC = 0 by convention** (a
    constant stream carries no randomness to correlate; the AND of a constant
    with anything is exact). Empty streams raise ``ValueError``.

    Computed in exact integer arithmetic on counts (``N c - a b`` with ``a``,
    ``b``, ``c`` the ones of ``x``, ``y``, ``x AND y`` and ``N`` the length)
    and divided once in ``float64``; exact for ``N < 2**31``.

Error scaling
    A pseudo-random stream's encoding error falls like ``N**-0.5`` with the
    length ``N`` (binomial standard deviation), a low-discrepancy stream's like
    ``log(N) / N`` (slope close to -1). :func:`error_vs_length` measures the
    error of every prefix length of many streams and :func:`fit_error_exponent`
    fits the slope in log-log coordinates.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._validate import check_int, check_int_array
from .streams import and_words, check_stream_bits, popcount, stream_value


def _counts(x: object, y: object, length: int | None) -> tuple[np.ndarray, ...]:
    """Ones of x, y, x AND y (int64, broadcast) and the length N."""
    if length is None:
        bx = check_stream_bits("x", x)
        by = check_stream_bits("y", y)
        if bx.shape[-1] != by.shape[-1]:
            raise ValueError(
                f"x and y must have the same length (last axis), not {bx.shape[-1]} "
                f"and {by.shape[-1]}"
            )
        try:
            np.broadcast_shapes(bx.shape, by.shape)
        except ValueError:
            raise ValueError(
                f"x and y must broadcast against each other, not shapes {bx.shape} and {by.shape}"
            ) from None
        n = bx.shape[-1]
        a = bx.sum(axis=-1, dtype=np.int64)
        b = by.sum(axis=-1, dtype=np.int64)
        c = (bx & by).sum(axis=-1, dtype=np.int64)
    else:
        n = check_int("length", length, 0)
        a = popcount(x, n)
        b = popcount(y, n)
        c = popcount(and_words(x, y, n), n)
    if n == 0:
        raise ValueError("streams must have length >= 1: SCC of empty streams is undefined")
    a, b, c = np.broadcast_arrays(a, b, c)
    return a, b, c, np.int64(n)


def scc(x: object, y: object, length: int | None = None) -> np.ndarray:
    """Stochastic cross-correlation of ``x`` and ``y`` (Alaghi & Hayes 2013).

    Parameters
    ----------
    x, y
        Unpacked 0/1 streams ``(..., N)`` (when ``length`` is ``None``) or
        packed ``uint64`` words ``(..., ceil(length / 64))``; leading axes
        broadcast.
    length : int, optional
        Stream length in bits for packed input.

    Returns
    -------
    numpy.ndarray, ``float64``, shape = broadcast leading shape
        SCC in ``[-1, 1]``; 0 where either stream is constant (see the module
        docstring for the definition and the convention).
    """
    a, b, c, n = _counts(x, y, length)
    delta = n * c - a * b
    pos = n * np.minimum(a, b) - a * b
    neg = a * b - n * np.maximum(a + b - n, 0)
    denom = np.where(delta > 0, pos, neg)
    safe = np.where(delta == 0, 1, denom)
    return np.where(delta == 0, 0.0, delta / safe)


def encoding_error(
    bits: object, target: object, bipolar: bool = False, length: int | None = None
) -> np.ndarray:
    """Signed error ``value - target`` of each stream (``float64``).

    ``bits`` as in :func:`sc_model.streams.stream_value` (unpacked, or packed
    with ``length``); ``target`` (unipolar ``[0, 1]`` or bipolar ``[-1, 1]``)
    broadcasts against the leading shape. Take ``abs`` for the magnitude.
    """
    value = stream_value(bits, length, bipolar)
    return value - _check_target(target, bipolar)


def _check_target(target: object, bipolar: bool) -> np.ndarray:
    t = np.asarray(target)
    if t.dtype == np.bool_ or not np.issubdtype(t.dtype, np.number):
        raise TypeError(f"target must be numeric, not dtype {t.dtype}")
    t = t.astype(np.float64)
    lo = -1.0 if bipolar else 0.0
    if t.size and (not np.all(np.isfinite(t)) or t.min() < lo or t.max() > 1.0):
        kind = "bipolar" if bipolar else "unipolar"
        raise ValueError(
            f"target must be a {kind} value in [{lo:g}, 1]; found values in [{t.min()}, {t.max()}]"
        )
    return t


class ErrorCurve(NamedTuple):
    """Result of :func:`error_vs_length`."""

    lengths: np.ndarray  #: ``int64``, sorted distinct prefix lengths ``N``
    mean_abs_error: np.ndarray  #: ``float64``, mean over streams of ``|value_N - target|``
    rms_error: np.ndarray  #: ``float64``, ``sqrt(mean((value_N - target)**2))``


def error_vs_length(
    bits: object, target: object, lengths: object, bipolar: bool = False
) -> ErrorCurve:
    """Encoding error of the first ``N`` bits of many streams, for each ``N`` in ``lengths``.

    Parameters
    ----------
    bits
        Unpacked 0/1 streams ``(..., L)``; every leading index is one stream.
    target
        The value each stream should encode, broadcast against ``bits.shape[:-1]``.
    lengths
        Prefix lengths, integers in ``[1, L]``; sorted and de-duplicated in
        the result.
    bipolar
        Measure bipolar values ``2 p - 1`` (errors are then twice the unipolar ones).

    Returns
    -------
    ErrorCurve
        ``(lengths, mean_abs_error, rms_error)``, one entry per distinct length.

    Method: one pass of ``np.add.reduceat`` over the segments between
    consecutive lengths, then a cumulative sum: memory ``O(streams x lengths)``.
    """
    b = check_stream_bits("bits", bits)
    total = b.shape[-1]
    if total == 0:
        raise ValueError("bits must have length >= 1 (an empty stream has no prefix to measure)")
    lens = np.asarray(lengths)
    if lens.ndim != 1 or lens.size == 0:
        raise ValueError(
            f"lengths must be a non-empty 1-D list of integers, not shape {lens.shape}"
        )
    lens = check_int_array("lengths", lens, 1, total)
    if not isinstance(bipolar, bool | np.bool_):
        raise TypeError(f"bipolar must be a bool, not {bipolar!r}")
    if b.ndim > 1 and 0 in b.shape[:-1]:
        raise ValueError(f"bits must hold at least one stream, not shape {b.shape}")
    lens = np.unique(lens)
    t = _check_target(target, bipolar)
    try:
        t = np.broadcast_to(t, b.shape[:-1])
    except ValueError:
        raise ValueError(
            f"target of shape {t.shape} must broadcast against the stream shape {b.shape[:-1]}"
        ) from None
    starts = np.concatenate([[0], lens[:-1]])
    segments = np.add.reduceat(b[..., : lens[-1]], starts, axis=-1, dtype=np.int64)
    ones = np.cumsum(segments, axis=-1)  # (..., n_lengths)
    p = ones / lens
    value = 2.0 * p - 1.0 if bipolar else p
    err = (value - t[..., None]).reshape(-1, lens.size)
    return ErrorCurve(lens, np.abs(err).mean(axis=0), np.sqrt(np.square(err).mean(axis=0)))


def fit_error_exponent(lengths: object, errors: object) -> float:
    """Least-squares slope of ``log(error)`` against ``log(N)``.

    About -0.5 for pseudo-random streams and close to -1 for low-discrepancy
    ones. ``lengths`` must be positive with at least two distinct values,
    ``errors`` positive and finite (a zero error has no logarithm: drop those
    points or use a statistic that is not exactly zero, e.g. an RMS over many
    streams).
    """
    n = np.asarray(lengths, dtype=np.float64)
    e = np.asarray(errors, dtype=np.float64)
    if n.ndim != 1 or e.shape != n.shape:
        raise ValueError(
            f"lengths and errors must be 1-D of the same size, not shapes {n.shape} and {e.shape}"
        )
    if n.size and (not np.all(np.isfinite(n)) or n.min() <= 0):
        raise ValueError(f"lengths must be positive and finite; found min {n.min()}")
    if e.size and (not np.all(np.isfinite(e)) or e.min() <= 0):
        raise ValueError(
            f"errors must be positive and finite to take logarithms; found min {e.min()}"
        )
    if np.unique(n).size < 2:
        raise ValueError("need at least two distinct lengths to fit a slope")
    x = np.log(n)
    y = np.log(e)
    xc = x - x.mean()
    return float(np.dot(xc, y - y.mean()) / np.dot(xc, xc))
