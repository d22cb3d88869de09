"""A Line-API table that redraws only the rows whose content changed.

Textual's ``DataTable`` repaints the whole visible table on every ``update_cell`` (≈ 75 ms at
160×50, docs/design.md §8); live feeds tick many times a second, so this table keeps one rendered
`Strip` per row and, on `RowTable.set_rows`, refreshes only the lines whose `Row` differs.
Colours come from component classes styled with theme variables (``$gain``, ``$loss``…).

A venue's whole list (hundreds of rows, `RowTable.set_source`): the table is given the keys
in order and a function that builds one row, and builds only the rows it draws (the visible
ones, the cursor's, a detail asked for); a refresh compares those with what is drawn and
repaints the lines that changed. Nothing asks for a layout: the table's size is its
container's (or, ``height: auto``, its row count's, and then only a count that changed).

Narrow terminals: a column with a ``priority`` above 0 is dropped (highest first) when the
table is too narrow for every column, so what is shown is whole, never cut mid-column, and no
horizontal scrollbar is drawn. Space on a row (`RowDetail`) shows every column of it, the
dropped ones included: every number stays reachable at 80×24.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from tui.app.widgets.row_model import Cell, Column, Row, Tone, cells, fit, fitted_columns

__all__ = ["Cell", "Column", "Row", "RowTable", "Tone", "cells", "fitted_columns"]


class RowTable(ScrollView, can_focus=True):
    """A keyboard- and mouse-driven table with a sticky header and per-row render caching."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "row-table--header",
        "row-table--cursor",
        "row-table--gain",
        "row-table--loss",
        "row-table--stale",
        "row-table--caution",
        "row-table--muted",
        "row-table--strong",
        "row-table--blocked",
        "row-table--total",
    }

    DEFAULT_CSS = """
    RowTable {
        height: auto;
        max-height: 100%;
        background: $surface;
        color: $foreground;
        scrollbar-size: 1 1;
        & > .row-table--header { color: $text-muted; text-style: bold; }
        & > .row-table--cursor { background: $block-cursor-blurred-background; }
        &:focus > .row-table--cursor {
            background: $block-cursor-background;
            color: $block-cursor-foreground;
        }
        & > .row-table--gain { color: $gain; }
        & > .row-table--loss { color: $loss; }
        & > .row-table--stale { color: $stale; text-style: italic; }
        & > .row-table--caution { color: $caution; }
        & > .row-table--muted { color: $text-muted; }
        & > .row-table--strong { text-style: bold; }
        & > .row-table--blocked { color: $loss; text-style: dim; }
        & > .row-table--total { text-style: bold; }
        &.-fit { overflow-x: hidden; }
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "cursor(-1)", "Up", show=False),
        Binding("down", "cursor(1)", "Down", show=False),
        Binding("pageup", "cursor(-10)", "Page up", show=False),
        Binding("pagedown", "cursor(10)", "Page down", show=False),
        Binding("home", "cursor(-100000)", "First", show=False),
        Binding("end", "cursor(100000)", "Last", show=False),
        Binding("enter", "select", "Select", show=False),
        Binding("space", "details", "Every column", show=False),
    ]

    cursor_row: reactive[int] = reactive(0, init=False)
    """Index of the highlighted row (only drawn when ``show_cursor``)."""

    class RowHighlighted(Message):
        """The cursor moved to the row with ``key``."""

        def __init__(self, table: RowTable, key: str | None) -> None:
            super().__init__()
            self.table = table
            self.key = key

        @property
        def control(self) -> RowTable:
            """The table the cursor moved in."""
            return self.table

    class Fitted(Message):
        """The columns shown changed with the table's width; ``hidden`` are the dropped labels."""

        def __init__(self, table: RowTable, hidden: list[str]) -> None:
            super().__init__()
            self.table = table
            self.hidden = hidden

        @property
        def control(self) -> RowTable:
            """The table that was fitted."""
            return self.table

    class RowSelected(Message):
        """Enter (or a click) chose the row with ``key``."""

        def __init__(self, table: RowTable, key: str) -> None:
            super().__init__()
            self.table = table
            self.key = key

        @property
        def control(self) -> RowTable:
            """The table the row was chosen in."""
            return self.table

    def __init__(
        self,
        columns: Sequence[Column],
        *,
        show_cursor: bool = False,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.columns = list(columns)
        self.shown = list(range(len(self.columns)))
        """Indices of the columns drawn (all, unless the table is too narrow for them)."""
        self.fits = any(c.priority > 0 for c in self.columns)
        """Whether columns are dropped to fit the width (else it scrolls sideways)."""
        self.detail_notes: Callable[[str], list[str]] | None = None
        """Lines the detail of a row adds under its columns (the pane's own words), if any."""
        self.detail_title: Callable[[str], str] | None = None
        """The detail's title for a row key (default: the row's first cell)."""
        self.show_cursor = show_cursor
        self.can_focus = show_cursor
        self._keys: list[str] = []
        self._eager: list[Row] = []
        """The rows given to `set_rows` (none while the rows come from a source)."""
        self._build: Callable[[str], Row] | None = None
        """`set_source`'s row builder; ``None`` while the rows are `set_rows`' list."""
        self._built: dict[int, Row] = {}
        """Rows of the source built since it was last set, by index."""
        self._cache: dict[tuple[int, bool], tuple[Row, Strip]] = {}
        self.redraws = 0
        """Rows re-rendered since creation (a measure for the performance tests)."""
        self._update_virtual_size()
        if self.fits:
            self.add_class("-fit")

    # -- data -----------------------------------------------------------------------------

    @property
    def content_width(self) -> int:
        """Width of one row of the shown columns in cells."""
        return sum(self.columns[i].width for i in self.shown) + max(0, len(self.shown) - 1)

    @property
    def hidden_columns(self) -> list[str]:
        """Labels of the columns dropped for width."""
        return [c.label for i, c in enumerate(self.columns) if i not in self.shown]

    def on_resize(self) -> None:
        """Refit the columns to the new width."""
        self.refit()

    def refit(self) -> None:
        """Show the columns that fit the current width; say so when that changes."""
        if not self.fits:
            return
        shown = fitted_columns(self.columns, self.size.width)
        if shown == self.shown:
            return
        self.shown = shown
        self._cache.clear()
        self._update_virtual_size()
        self.refresh()
        self.post_message(self.Fitted(self, self.hidden_columns))

    def _update_virtual_size(self) -> None:
        size = Size(self.content_width, len(self._keys) + 1)
        if size != self.virtual_size:  # an equal size must not cost a scrollbar update
            self.virtual_size = size

    @property
    def row_count(self) -> int:
        """How many rows the table holds (drawn or not)."""
        return len(self._keys)

    @property
    def keys(self) -> list[str]:
        """The rows' keys, in order."""
        return self._keys

    @property
    def rows(self) -> list[Row]:
        """Every row (from a source: each built, so for tests and small tables only)."""
        return [self.row_at(index) for index in range(len(self._keys))]

    def row_at(self, index: int) -> Row:
        """The row at ``index`` (built on demand when the rows come from a source)."""
        if self._build is None:
            return self._eager[index]
        row = self._built.get(index)
        if row is None:
            row = self._built[index] = self._build(self._keys[index])
        return row

    def set_rows(self, rows: Sequence[Row]) -> None:
        """Show ``rows``; only the lines whose row changed are redrawn."""
        old = self._eager if self._build is None else None
        self._build, self._built = None, {}
        self._eager = list(rows)
        self._keys = [row.key for row in self._eager]
        if old is None or len(old) != len(self._eager):
            self._resized()
            return
        for index, (before, after) in enumerate(zip(old, self._eager, strict=True)):
            if before != after:
                self.refresh_line(index + 1)

    def set_source(
        self, keys: Sequence[str], build: Callable[[str], Row], *, keep_cursor: bool = True
    ) -> None:
        """Show one row per key, in order, each built by ``build(key)`` only when it is drawn
        (a venue's hundreds of markets cost the rows on screen). Lines whose row changed are
        repainted; with ``keep_cursor`` the cursor stays on its key when the order changes."""
        held = self.cursor_key if keep_cursor else None
        count = len(self._keys)
        self._eager, self._build, self._built = [], build, {}
        self._keys = list(keys)
        if held is not None and self.cursor_key != held:
            index = next((i for i, k in enumerate(self._keys) if k == held), None)
            if index is not None:
                # Quietly: the same market stays highlighted, so nothing downstream changes.
                self.set_reactive(RowTable.cursor_row, index)
                self._scroll_to_cursor(index)
        if count != len(self._keys):
            self._resized()
        else:
            self._repaint_changed()
        if held is not None and self.cursor_key != held:
            self.post_message(self.RowHighlighted(self, self.cursor_key))

    def _resized(self) -> None:
        """The row count changed: every cached line is suspect, and the scroll extent too."""
        self._cache.clear()
        self._update_virtual_size()
        if self.cursor_row >= len(self._keys):
            self.cursor_row = max(0, len(self._keys) - 1)
        self.refresh()

    def _repaint_changed(self) -> None:
        """Repaint the visible lines whose row differs from the one drawn there."""
        top = self.scroll_offset.y
        height = max(0, self.scrollable_content_region.height - 1)
        for index in range(top, min(len(self._keys), top + height)):
            cursor = self.show_cursor and index == self.cursor_row
            cached = self._cache.get((index, cursor))
            if cached is None or cached[0] != self.row_at(index):
                self.refresh_line(index + 1)

    @property
    def cursor_key(self) -> str | None:
        """Key of the highlighted row, if any."""
        if self.show_cursor and 0 <= self.cursor_row < len(self._keys):
            return self._keys[self.cursor_row]
        return None

    def move_cursor_to(self, key: str) -> None:
        """Highlight the row with ``key`` if there is one."""
        for index, row_key in enumerate(self._keys):
            if row_key == key:
                self.cursor_row = index
                return

    # -- rendering ------------------------------------------------------------------------

    def notify_style_update(self) -> None:
        """Theme or CSS changed: every cached strip has stale colours."""
        super().notify_style_update()
        self._cache.clear()

    def _style(self, name: str) -> Style:
        return self.get_component_rich_style(f"row-table--{name}", partial=True)

    def _render_cells(self, values: Sequence[Cell], base: Style, row_tone: Tone | None) -> Strip:
        row_style = base + self._style(row_tone) if row_tone else base
        segments: list[Segment] = []
        for position, index in enumerate(self.shown):
            column = self.columns[index]
            cell = values[index] if index < len(values) else Cell("")
            if position:
                segments.append(Segment(" ", row_style))
            style = row_style + self._style(cell.tone) if cell.tone else row_style
            segments.append(Segment(fit(cell.text, column.width, column.justify), style))
        return Strip(segments).simplify()

    def _row_strip(self, index: int) -> Strip:
        cursor = self.show_cursor and index == self.cursor_row
        row = self.row_at(index)
        cached = self._cache.get((index, cursor))
        if cached is not None and cached[0] == row:
            return cached[1]
        base = self.rich_style
        if cursor:
            base = base + self.get_component_rich_style("row-table--cursor")
        strip = self._render_cells(row.cells, base, row.tone)
        self._cache[(index, cursor)] = (row, strip)
        self.redraws += 1
        return strip

    def render_line(self, y: int) -> Strip:
        """Line ``y`` of the visible region: the header, then the scrolled rows."""
        width = self.scrollable_content_region.width
        scroll_x, scroll_y = self.scroll_offset
        base = self.rich_style
        if y == 0:
            header = self.get_component_rich_style("row-table--header")
            strip = self._render_cells([Cell(c.label) for c in self.columns], base + header, None)
        else:
            index = scroll_y + y - 1
            if index >= len(self._keys):
                return Strip.blank(width, base)
            strip = self._row_strip(index)
            if self.show_cursor and index == self.cursor_row:
                style = base + self.get_component_rich_style("row-table--cursor")
                return strip.crop_extend(scroll_x, scroll_x + width, style)
        return strip.crop_extend(scroll_x, scroll_x + width, base)

    # -- keys and mouse -------------------------------------------------------------------

    def watch_cursor_row(self, old: int, new: int) -> None:
        """Redraw the two rows that changed and keep the cursor in view."""
        self.refresh_line(old + 1)
        self.refresh_line(new + 1)
        self._scroll_to_cursor(new)
        self.post_message(self.RowHighlighted(self, self.cursor_key))

    def _scroll_to_cursor(self, row: int) -> None:
        top = self.scroll_offset.y
        visible = max(1, self.scrollable_content_region.height - 1)
        if row < top:
            self.scroll_to(y=row, animate=False)
        elif row >= top + visible:
            self.scroll_to(y=row - visible + 1, animate=False)

    def action_cursor(self, delta: int) -> None:
        """Move the cursor by ``delta`` rows, clamped to the table."""
        if self._keys:
            self.cursor_row = max(0, min(len(self._keys) - 1, self.cursor_row + delta))

    def action_select(self) -> None:
        """Post `RowSelected` for the highlighted row."""
        key = self.cursor_key
        if key is not None:
            self.post_message(self.RowSelected(self, key))

    def row_detail(self, key: str) -> list[tuple[str, str]]:
        """(label, text) of every column of the row with ``key``, hidden ones included."""
        index = next((i for i, k in enumerate(self._keys) if k == key), None)
        if index is None:
            return []
        row = self.row_at(index)
        texts = [c.text for c in row.cells] + [""] * len(self.columns)
        return [(c.label, texts[i]) for i, c in enumerate(self.columns) if c.label]

    def action_details(self) -> None:
        """Open every column of the highlighted row (`RowDetail`)."""
        key = self.cursor_key
        if key is None:
            return
        from tui.app.widgets.row_detail import RowDetail

        fields = self.row_detail(key)
        notes = self.detail_notes(key) if self.detail_notes is not None else []
        if self.detail_title is not None:
            title = self.detail_title(key)
        else:
            title = next((text for _, text in fields if text), key)
        self.app.push_screen(RowDetail(title, fields, notes))

    def on_click(self, event: events.Click) -> None:
        """Clicking a row highlights it; a double click selects it."""
        if not self.show_cursor or event.y < 1:
            return
        index = self.scroll_offset.y + event.y - 1
        if 0 <= index < len(self._keys):
            self.cursor_row = index
            if event.chain >= 2:
                self.action_select()
