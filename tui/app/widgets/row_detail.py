"""Every column of one table row, one per line: what a narrow terminal drops stays reachable.

Opened with space on a row of the holdings, the proposed legs or the feeds (`RowTable`). Read
only; Esc, Enter, space or ``q`` close it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.cells import cell_len
from rich.markup import escape
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import Label, Static

from tui.app.format import DASH
from tui.app.modals.base import OnceModal

#: More fields than this are laid out in two columns (80×24 shows them without scrolling).
ONE_COLUMN_MAX = 8


def detail_grid(fields: Sequence[tuple[str, str]]) -> Text:
    """``label  value`` pairs, labels bold, blanks shown as ``–``; two pairs a line when
    there are many (the first half down the left, the rest down the right).

    Plain text, not a Rich table: the modal's auto width measures it whole (a table measured
    at the modal's shrunk width came out as wide as its shortest words, cutting a client id).
    """
    pairs = [(label, value or DASH) for label, value in fields]
    halves = 2 if len(pairs) > ONE_COLUMN_MAX else 1
    rows = -(-len(pairs) // halves)
    parts = [pairs[half * rows : (half + 1) * rows] for half in range(halves)]
    widths = [
        (max(cell_len(p[0]) for p in part), max(cell_len(p[1]) for p in part))
        for part in parts
        if part
    ]
    grid = Text(no_wrap=True)
    for i in range(rows):
        if i:
            grid.append("\n")
        for half, part in enumerate(parts):
            if i >= len(part):
                continue
            label, value = part[i]
            label_width, value_width = widths[half]
            if half:
                grid.append("  ")
            # Text, not markup: a value is shown as it is.
            # The gap goes with the label: a span that starts with spaces loses them in
            # some SVG renderers (the screenshots).
            grid.append(label + " " * (label_width - cell_len(label) + 2), style="bold")
            grid.append(value)
            if half + 1 < len(parts):
                grid.append(" " * (value_width - cell_len(value)))
    return grid


class RowDetail(OnceModal[None]):
    """A small modal with every column of a row and the pane's notes on it."""

    DEFAULT_CSS = """
    RowDetail {
        align: center middle;
        & > VerticalScroll {
            width: auto;
            max-width: 96%;
            min-width: 40;
            height: auto;
            max-height: 90%;
            border: thick $primary;
            background: $surface;
            padding: 0 2;
        }
        #detail-title { text-style: bold; color: $primary; margin-bottom: 1; }
        #detail-body { width: auto; }
        #detail-notes { width: auto; max-width: 76; margin-top: 1; color: $text-muted; }
        #detail-hint { color: $text-muted; margin-top: 1; }
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close"),
        Binding("enter", "close", "Close", show=False),
        Binding("space", "close", "Close", show=False),
        Binding("q", "close", "Close", show=False),
    ]

    def __init__(
        self, title: str, fields: Sequence[tuple[str, str]], notes: Sequence[str] = ()
    ) -> None:
        super().__init__()
        self.title_text = title
        self.fields = list(fields)
        self.notes = list(notes)

    def compose(self) -> ComposeResult:
        """Title, the fields, the notes, the way out."""
        with VerticalScroll():
            yield Label(escape(self.title_text), id="detail-title")
            yield Static(detail_grid(self.fields), id="detail-body")
            if self.notes:
                yield Static("\n".join(self.notes), id="detail-notes", markup=False)
            yield Label("esc close", id="detail-hint")

    def action_close(self) -> None:
        """Close the detail."""
        self.answer(None)
