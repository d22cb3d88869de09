"""The rows and columns of a `RowTable`: plain data, and how columns fit a width."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from rich.cells import cell_len

Tone = str
"""Name of a component class that colours a cell or a row: gain, loss, stale, caution,
muted, strong, blocked or total."""


@dataclass(frozen=True)
class Column:
    """One column: its header label, width in cells, alignment, and how readily it is
    dropped on a narrow table (0: never; higher numbers go first)."""

    label: str
    width: int
    justify: Literal["left", "right"] = "right"
    priority: int = 0


@dataclass(frozen=True)
class Cell:
    """One cell's text and optional tone."""

    text: str
    tone: Tone | None = None


@dataclass(frozen=True)
class Row:
    """One row: a stable key, its cells and an optional tone for the whole row."""

    key: str
    cells: tuple[Cell, ...]
    tone: Tone | None = None


def cells(*values: str | Cell | None) -> tuple[Cell, ...]:
    """Cells from plain strings (``None`` → blank) or ready `Cell` s."""
    return tuple(v if isinstance(v, Cell) else Cell(v or "") for v in values)


def fitted_columns(columns: Sequence[Column], width: int) -> list[int]:
    """Indices of the columns to show in ``width`` cells: drop the highest ``priority`` first
    (the rightmost of a tie) until the rest fit; priority-0 columns always stay."""
    shown = list(range(len(columns)))

    def needed() -> int:
        return sum(columns[i].width for i in shown) + max(0, len(shown) - 1)

    if width <= 0:
        return shown
    while needed() > width:
        droppable = [i for i in shown if columns[i].priority > 0]
        if not droppable:
            break
        shown.remove(max(droppable, key=lambda i: (columns[i].priority, i)))
    return shown


def fit(text: str, width: int, justify: str) -> str:
    """``text`` padded (or cut, with an ellipsis) to ``width`` cells."""
    if cell_len(text) > width:
        # Truncate with an ellipsis so a clipped number is never mistaken for a whole one.
        text = text[: max(0, width - 1)] + "…" if width > 0 else ""
    pad = width - cell_len(text)
    return " " * pad + text if justify == "right" else text + " " * pad
