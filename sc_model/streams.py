"""Stochastic bitstreams: unpacked 0/1 arrays and packed 64-bit words.

Conventions
-----------
Unpacked streams
    ``uint8`` arrays of 0/1 (``bool`` and other integer dtypes holding only
    0/1 are accepted and converted), with *time on the last axis*: element
    ``[..., t]`` is the stream's bit during cycle ``t``. Leading axes index
    streams. (:func:`sc_model.lfsr.lfsr_sequence` puts time first; transpose
    its output with ``.T`` or ``np.moveaxis(x, 0, -1)``.)
Packed streams
    ``uint64`` arrays of shape ``(..., n_words(L))`` with
    ``n_words(L) = ceil(L / 64)``. Bit ``t`` of a stream is bit ``t % 64``
    (little-endian: bit 0 is the least significant) of word ``t // 64``. The
    *length* ``L`` in bits is not stored in the array: every function on words
    takes it as a ``length`` argument and checks that the last axis holds
    exactly ``n_words(length)`` words. The ``64 * n_words(L) - L`` high bits of
    the last word are *padding*. :func:`pack_bits` and every logic operation
    here return them cleared; :func:`popcount` and :func:`unpack_bits` ignore
    them, so words with dirty padding (e.g. from a plain ``~`` or a NumPy XNOR)
    still count right.
Value of a stream
    Unipolar: ``p = ones / L`` in ``[0, 1]``. Bipolar: ``2 p - 1`` in ``[-1, 1]``.
Empty streams (``L = 0``)
    Packing, unpacking, logic and :func:`popcount` (which gives 0) work on
    them. Their *value* is undefined (0 ones out of 0 bits), so
    :func:`stream_value` raises ``ValueError`` rather than return NaN: a
    zero-length stream is always a bug upstream, and one NaN would silently
    poison every mean computed from it.

Everything is whole-array NumPy (``np.packbits`` / ``np.unpackbits`` with
``bitorder="little"`` viewed as little-endian ``uint64``, ``np.bitwise_count``);
there is no loop over time or streams.
"""

from __future__ import annotations

import numpy as np

from ._validate import check_bits, check_int

WORD_BITS = 64


def n_words(length: int) -> int:
    """Number of 64-bit words holding ``length`` bits: ``ceil(length / 64)``."""
    length = check_int("length", length, 0)
    return -(-length // WORD_BITS)


def padding_mask(length: int) -> np.uint64:
    """Mask of the *valid* bits of the last word of a ``length``-bit stream.

    All ones when ``length`` is a multiple of 64 (also for ``length = 0``,
    where there is no last word and the mask is never applied).
    """
    rem = check_int("length", length, 0) % WORD_BITS
    return np.uint64(0xFFFF_FFFF_FFFF_FFFF) if rem == 0 else np.uint64((1 << rem) - 1)


def check_words(name: str, words: object, length: int) -> np.ndarray:
    """Validate packed words for a stream of ``length`` bits; return them.

    ``words`` must be a ``uint64`` array with at least one axis whose last
    axis holds ``n_words(length)`` words.
    """
    arr = np.asarray(words)
    if arr.dtype != np.uint64:
        raise TypeError(
            f"{name} must be packed uint64 words (see pack_bits), not dtype {arr.dtype}"
        )
    if arr.ndim == 0:
        raise ValueError(f"{name} must have at least one axis (words on the last), not a scalar")
    need = n_words(length)
    if arr.shape[-1] != need:
        raise ValueError(
            f"{name} must hold ceil(length / 64) = {need} words on the last axis "
            f"for length={length}, not {arr.shape[-1]} (shape {arr.shape})"
        )
    return arr


def check_stream_bits(name: str, bits: object) -> np.ndarray:
    """Validate an unpacked stream array: 0/1 integers with at least one (time) axis."""
    arr = check_bits(name, bits)
    if arr.ndim == 0:
        raise ValueError(f"{name} must have at least one axis (time on the last), not a scalar")
    return arr


def pack_bits(bits: object) -> np.ndarray:
    """Pack 0/1 streams ``(..., L)`` into ``uint64`` words ``(..., ceil(L / 64))``.

    Bit ``t`` goes to bit ``t % 64`` of word ``t // 64``; padding bits are 0.
    """
    b = check_stream_bits("bits", bits)
    length = b.shape[-1]
    pad = n_words(length) * WORD_BITS - length
    if pad:
        b = np.concatenate([b, np.zeros(b.shape[:-1] + (pad,), dtype=np.uint8)], axis=-1)
    packed = np.packbits(b, axis=-1, bitorder="little")  # C-contiguous uint8
    return packed.view("<u8").astype(np.uint64, copy=False)


def unpack_bits(words: object, length: int) -> np.ndarray:
    """Inverse of :func:`pack_bits`: ``uint8`` 0/1 streams ``(..., length)``.

    Padding bits of the last word are ignored.
    """
    length = check_int("length", length, 0)
    w = check_words("words", words, length)
    raw = np.ascontiguousarray(w.astype("<u8", copy=False)).view(np.uint8)
    return np.unpackbits(raw, axis=-1, count=length, bitorder="little")


def popcount(words: object, length: int) -> np.ndarray:
    """Number of ones in each packed stream of ``length`` bits (``int64``, shape ``(...)``).

    Padding bits are never counted, whatever they hold. ``length = 0`` gives 0.
    """
    length = check_int("length", length, 0)
    w = check_words("words", words, length)
    if length == 0:
        return np.zeros(w.shape[:-1], dtype=np.int64)
    body = np.bitwise_count(w[..., :-1]).sum(axis=-1, dtype=np.int64)
    last = np.bitwise_count(w[..., -1] & padding_mask(length)).astype(np.int64)
    return body + last


def _clear_padding(w: np.ndarray, length: int) -> np.ndarray:
    if length % WORD_BITS:
        w[..., -1] &= padding_mask(length)
    return w


def _binary(a: object, b: object, length: int) -> tuple[np.ndarray, np.ndarray, int]:
    length = check_int("length", length, 0)
    wa = check_words("a", a, length)
    wb = check_words("b", b, length)
    try:
        np.broadcast_shapes(wa.shape, wb.shape)
    except ValueError:
        raise ValueError(
            f"a and b must broadcast against each other, not shapes {wa.shape} and {wb.shape}"
        ) from None
    return wa, wb, length


def and_words(a: object, b: object, length: int) -> np.ndarray:
    """Bitwise AND of packed streams (unipolar multiplication); padding cleared.

    ``a`` and ``b`` are ``uint64`` words for ``length``-bit streams and
    broadcast over the leading axes.
    """
    wa, wb, length = _binary(a, b, length)
    return _clear_padding(np.bitwise_and(wa, wb), length)


def or_words(a: object, b: object, length: int) -> np.ndarray:
    """Bitwise OR of packed streams; padding cleared. Shapes as :func:`and_words`."""
    wa, wb, length = _binary(a, b, length)
    return _clear_padding(np.bitwise_or(wa, wb), length)


def xor_words(a: object, b: object, length: int) -> np.ndarray:
    """Bitwise XOR of packed streams; padding cleared. Shapes as :func:`and_words`."""
    wa, wb, length = _binary(a, b, length)
    return _clear_padding(np.bitwise_xor(wa, wb), length)


def xnor_words(a: object, b: object, length: int) -> np.ndarray:
    """Bitwise XNOR of packed streams (bipolar multiplication); padding cleared.

    XNOR of the two zero paddings would be ones; they are masked off so that
    :func:`popcount` and ``pack_bits(unpack_bits(...))`` round trips stay exact.
    """
    wa, wb, length = _binary(a, b, length)
    return _clear_padding(np.invert(np.bitwise_xor(wa, wb)), length)


def not_words(a: object, length: int) -> np.ndarray:
    """Bitwise NOT of packed streams (``1 - p`` unipolar, ``-x`` bipolar); padding cleared."""
    length = check_int("length", length, 0)
    wa = check_words("a", a, length)
    return _clear_padding(np.invert(wa), length)


def stream_value(stream: object, length: int | None = None, bipolar: bool = False) -> np.ndarray:
    """Encoded value of each stream (``float64``, shape ``(...)``).

    Parameters
    ----------
    stream
        Unpacked 0/1 bits ``(..., L)`` when ``length`` is ``None``; packed
        ``uint64`` words ``(..., ceil(length / 64))`` otherwise.
    length : int, optional
        Stream length in bits for packed input.
    bipolar : bool
        ``False``: ``p = ones / L``. ``True``: ``2 p - 1``.

    Raises
    ------
    ValueError
        For ``L = 0``: the value of an empty stream is undefined (see the
        module docstring).
    """
    if not isinstance(bipolar, bool | np.bool_):
        raise TypeError(f"bipolar must be a bool, not {bipolar!r}")
    if length is None:
        b = check_stream_bits("stream", stream)
        n = b.shape[-1]
        ones = b.sum(axis=-1, dtype=np.int64)
    else:
        n = check_int("length", length, 0)
        ones = popcount(stream, n)
    if n == 0:
        raise ValueError(
            "stream length must be >= 1 to have a value: an empty stream "
            "(length 0) encodes no probability (0 ones / 0 bits)"
        )
    p = ones / n
    return 2.0 * p - 1.0 if bipolar else p
