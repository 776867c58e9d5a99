"""Every board this package describes, by name."""

from __future__ import annotations

from boards import Board, icebreaker, icesugar, ulx3s

BOARDS: dict[str, Board] = {b.name: b for b in (icebreaker.BOARD, ulx3s.BOARD, icesugar.BOARD)}


def get_board(name: str) -> Board:
    """The board called ``name``; a clear error lists the known names."""
    if name not in BOARDS:
        raise ValueError(f"board must be one of {', '.join(sorted(BOARDS))}; not {name!r}")
    return BOARDS[name]
