"""A short exchange (identify, one tick) for the slow, real-divisor co-simulation."""

from __future__ import annotations


def main(chip) -> list:
    return [chip.info, chip.run([[1, 0, 1, 1, 0, 0, 1, 0]]).tolist()]
