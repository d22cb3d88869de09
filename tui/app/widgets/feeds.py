"""The live feeds pane: funding per perpetual, basis per dated future, and two charts.

The list is the venue's (`tui.app.widgets.feed_list`): the markets of the assets followed,
marked ● and first, then every other perpetual the venue streams. ``s`` cycles the order
(followed first, annualized funding or basis either way), ``/`` opens a filter field (Esc
clears it, Enter goes back to the list); the pane's subtitle says both. The table draws only
the rows on screen, so a venue's hundreds of markets cost what a screenful does.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Input

from tui.app import format as fmt
from tui.app.widgets.feed_list import COLUMNS, SORTS, FeedList, feed_rows
from tui.app.widgets.row_table import RowTable
from tui.core.models import MarketSpec, Quote

__all__ = ["COLUMNS", "FeedFilter", "FeedsPane", "feed_rows", "spread_title"]


def spread_title(
    pair: tuple[str, str] | None,
    points: list[tuple[datetime, float]],
    entry: tuple[datetime | None, float | None] | None,
) -> tuple[str, list[tuple[datetime, float]]]:
    """The price-ratio chart's label and points: since entry when a tilt is open."""
    if pair is None:
        return "needs two assets", []
    label = f"{pair[0]}/{pair[1]}"
    if entry is None:
        return label, points
    entered_at, entry_spread = entry
    if entered_at is None or not entry_spread:
        return label, points
    move = points[-1][1] / entry_spread - 1.0 if points else None
    since = [pt for pt in points if pt[0] >= entered_at]
    if len(since) >= 2:
        return f"{label} since entry {fmt.pct(move, decimals=2, signed=True)}", since
    # Just entered: the recent history, until the tilt has its own.
    return f"{label} (just entered, {fmt.pct(move, decimals=2, signed=True)})", points


class FeedFilter(Input):
    """The feeds' search field: Esc clears it and goes back to the list."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "clear", "Clear filter", tooltip="Clear the filter; back to the list")
    ]

    def action_clear(self) -> None:
        """Empty the field (the pane hides it and refocuses the list)."""
        self.value = ""
        pane = next((a for a in self.ancestors if isinstance(a, FeedsPane)), None)
        if pane is not None:
            pane.close_filter()


class FeedsPane(Horizontal):
    """The funding/basis table beside the price-ratio and funding-history charts."""

    DEFAULT_CSS = """
    FeedsPane {
        height: 1fr;
        min-height: 12;
        border: round $primary 40%;
        border-title-color: $primary;
        &:focus-within { border: round $primary; }
        & > RowTable { width: 91; height: 1fr; }
        & > #charts { width: 1fr; height: 1fr; padding-left: 1; }
        & > FeedFilter { dock: top; width: 91; height: 1; display: none; }
        & > FeedFilter.-shown { display: block; }
    }
    /* Stacked panes (narrow screens): the table is as tall as its rows, up to a screenful
       of a venue's hundreds; it scrolls within. */
    Screen.-narrow FeedsPane > RowTable { max-height: 16; }
    Screen.-narrow FeedsPane > FeedFilter { width: 100%; }
    """
    #: The rules name the screen's narrow class, so they are not scoped to the pane.
    SCOPED_CSS = False

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("s", "cycle_sort", "Sort", tooltip="Order the feeds: followed, funding, basis"),
        Binding("slash", "open_filter", "Filter", tooltip="Show only the markets matching"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.sort = SORTS[0][0]
        """The order of the list (a key of `SORTS`)."""
        self.search = ""
        """The filter typed after ``/``."""
        self._listing: FeedList | None = None
        self._hidden_columns: list[str] = []

    def compose(self) -> ComposeResult:
        """Filter field (hidden until ``/``), table left, charts right."""
        self.border_title = "Live feeds"
        yield FeedFilter(placeholder="filter markets (Esc clears)", compact=True, id="feeds-filter")
        yield RowTable(COLUMNS, show_cursor=True, id="feeds-table")
        yield Vertical(id="charts")

    def on_mount(self) -> None:
        """Say the keys from the start."""
        self._say()

    def on_row_table_fitted(self, event: RowTable.Fitted) -> None:
        """Narrow terminal: the subtitle says how many columns space adds."""
        event.stop()
        self._hidden_columns = list(event.hidden)
        self._say()

    def _say(self, shown: int | None = None) -> None:
        """The subtitle: the order, the filter, the keys (set only when it changes)."""
        words = dict(SORTS)[self.sort]
        parts = [f"s sort: {words}"]
        total = len(self._listing.markets) if self._listing is not None else 0
        if self.search:
            parts.append(f"/ {self.search!r}: {shown if shown is not None else '?'} of {total}")
        else:
            parts.append("/ filter")
        if self._hidden_columns:
            parts.append(f"space: {len(self._hidden_columns)} more columns")
        text = " · ".join(parts)
        if self.border_subtitle != text:
            self.border_subtitle = text

    @property
    def charts_mounted(self) -> bool:
        """Whether `mount_charts` has run."""
        return bool(self.query("#spread-chart"))

    def mount_charts(self) -> None:
        """Add the two charts. Called after the first frame: plotext costs ≈ 60 ms to import."""
        if self.charts_mounted:
            return
        from tui.app.widgets.spread_chart import SeriesChart

        self.query_one("#charts", Vertical).mount_all(
            [
                SeriesChart("Price ratio", id="spread-chart"),
                SeriesChart("Funding, annualized %", id="funding-chart", color_var="accent"),
            ]
        )

    def show_feeds(
        self,
        markets: Mapping[str, MarketSpec],
        quotes: Mapping[str, Quote],
        now: datetime,
        stale: set[str],
        assets: Sequence[str] | None = None,
        listed: Mapping[str, MarketSpec] | None = None,
    ) -> None:
        """Show the followed ``markets`` and the venue's other ``listed`` perpetuals that have
        a quote, in the pane's order and filter (only the rows on screen are built)."""
        self._listing = FeedList(markets, listed or {}, quotes, now, stale, assets)
        self._show()

    def _show(self) -> None:
        if self._listing is None:
            return
        keys = self._listing.order(self.sort, self.search)
        self.query_one(RowTable).set_source(keys, self._listing.row)
        self._say(len(keys))

    def action_cycle_sort(self) -> None:
        """The next order of `SORTS`."""
        names = [name for name, _ in SORTS]
        self.sort = names[(names.index(self.sort) + 1) % len(names)]
        self._show()

    def action_open_filter(self) -> None:
        """Show the filter field and type into it."""
        field = self.query_one(FeedFilter)
        field.add_class("-shown")
        field.focus()

    def close_filter(self) -> None:
        """Hide the filter field (empty) and go back to the list."""
        self.query_one(FeedFilter).remove_class("-shown")
        self.query_one(RowTable).focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        """The filter changed: the list follows at once."""
        if event.input.id != "feeds-filter":
            return
        event.stop()
        self.search = event.value
        self._show()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter in the filter: back to the list (the filter stays, shown)."""
        if event.input.id != "feeds-filter":
            return
        event.stop()
        if not event.value:
            self.close_filter()
        else:
            self.query_one(RowTable).focus()

    @property
    def highlighted_symbol(self) -> str | None:
        """The symbol under the table's cursor."""
        return self.query_one(RowTable).cursor_key
