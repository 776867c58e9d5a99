"""Toggle coverage of stimulus: does every input bit take both values in a run?

A stimulus that holds an input bit constant for a whole run (a silent spike
lane, an enable that is always 1) hides every fault behind that bit. The
stimulus functions of ``sc_cosim/blocks`` keep their silent and saturated
lanes (they exercise other corners) but pass such ports through
:func:`toggle_every_bit`, which inverts each bit that never changed for a
short burst at a random cycle. :func:`untoggled_bits` is the check
(``hdl_tests/test_toggles.py`` runs it for every block).

Port values are the harness's: one integer per cycle, the port's bits
two's-complement in the low ``width`` bits (``int64`` arrays, or object
arrays of Python ints for ports wider than 62 bits).
"""

from __future__ import annotations

import numpy as np

from sc_model._validate import check_int


def _ints(values: np.ndarray, width: int) -> list[int]:
    mask = (1 << width) - 1
    return [int(v) & mask for v in values]


def untoggled_bits(values: np.ndarray, width: int) -> list[int]:
    """Bits (0 = LSB) among the low ``width`` of ``values`` that never change."""
    width = check_int("width", width, 1)
    mask = (1 << width) - 1
    ones = zeros = 0
    for v in _ints(values, width):
        ones |= v
        zeros |= ~v & mask
    both = ones & zeros
    return [b for b in range(width) if not both >> b & 1]


def toggle_every_bit(
    values: np.ndarray, width: int, rng: np.random.Generator, hold: int = 1
) -> np.ndarray:
    """``values`` with every constant bit of the low ``width`` inverted in one burst.

    Parameters
    ----------
    values : array (n_cycles,)
        Port values per cycle (at least 2 cycles).
    width : int
        Port width in bits.
    rng : numpy.random.Generator
        Draws the first cycle of each burst (one draw per constant bit, none
        when every bit already toggles: such stimulus is returned unchanged).
    hold : int
        Cycles each burst lasts (cut at the end of the run), >= 1.

    Returns
    -------
    array
        A copy with the same dtype; bits that already toggle are untouched.
    """
    width = check_int("width", width, 1)
    hold = check_int("hold", hold, 1)
    n = len(values)
    if n < 2:
        raise ValueError(f"values must cover at least 2 cycles to toggle a bit, not {n}")
    out = np.array(values, copy=True)
    for bit in untoggled_bits(values, width):
        start = int(rng.integers(0, n - 1))
        for t in range(start, min(n, start + hold)):
            if out.dtype == object:
                out[t] = int(out[t]) ^ (1 << bit)
            else:
                out[t] = out[t] ^ out.dtype.type(1 << bit)
    return out


def toggle_every_lane(bits: np.ndarray, rng: np.random.Generator, hold: int = 1) -> np.ndarray:
    """``(n_cycles, n_lanes)`` 0/1 ``bits`` with each constant lane inverted in one burst.

    The unpacked form of :func:`toggle_every_bit` (one draw per constant lane,
    a burst of ``hold`` cycles); returns a copy with the same dtype.
    """
    hold = check_int("hold", hold, 1)
    bits = np.asarray(bits)
    if bits.ndim != 2 or len(bits) < 2:
        raise ValueError(f"bits must have shape (n_cycles >= 2, n_lanes), not {bits.shape}")
    out = bits.copy()
    constant = np.flatnonzero((bits == bits[0]).all(axis=0))
    for lane in constant:
        start = int(rng.integers(0, len(bits) - 1))
        out[start : start + hold, lane] = 1 - out[start : start + hold, lane]
    return out
