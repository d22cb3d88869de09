"""The live feeds pane: funding per perpetual, basis per dated future, and two charts."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical

from tui.app import format as fmt
from tui.app.widgets.row_table import Cell, Column, Row, RowTable, cells
from tui.core.models import MarketSpec, Quote, annualize_funding

#: Narrow terminals drop the highest priority first (at 80 columns: the premium). Space on
#: a row shows every column.
COLUMNS = (
    Column("Market", 20, "left"),
    Column("Fund/Basis", 10),
    Column("Annual", 8),
    Column("Next in", 8),
    Column("Every", 6, priority=2),
    Column("Mark", 10),
    Column("Index", 10, priority=1),
    Column("Premium", 8, priority=3),
)


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


def _tone(value: float | None) -> str | None:
    if value is None or value == 0:
        return None
    return "gain" if value > 0 else "loss"


def feed_rows(
    markets: Mapping[str, MarketSpec],
    quotes: Mapping[str, Quote],
    now: datetime,
    stale: set[str],
    assets: Sequence[str] | None = None,
) -> list[Row]:
    """Perpetuals first (funding), then dated futures (basis), per asset in ``assets`` order."""
    wanted = list(assets) if assets else sorted({m.base for m in markets.values()})
    order = {asset: i for i, asset in enumerate(wanted)}
    chosen = [m for m in markets.values() if m.base in order]
    perps = sorted((m for m in chosen if m.instrument == "perp"), key=lambda m: order[m.base])
    futures = sorted(
        (m for m in chosen if m.instrument == "future"),
        key=lambda m: (order[m.base], m.expiry or now),
    )
    spot: dict[str, float] = {}
    for m in perps:
        q = quotes.get(m.symbol)
        if q is not None and (q.index or q.price):
            spot[m.base] = q.index or q.price or 0.0
    rows: list[Row] = []
    for m in perps:
        q = quotes.get(m.symbol) or Quote(symbol=m.symbol)
        interval = q.funding_interval_hours or m.funding_interval_hours or 8.0
        annual = annualize_funding(q.funding_rate, interval) if q.funding_rate is not None else None
        next_in = q.next_funding_time - now if q.next_funding_time else None
        row_tone = "stale" if m.symbol in stale else None
        rows.append(
            Row(
                m.symbol,
                cells(
                    Cell(m.symbol, "strong"),
                    Cell(fmt.rate(q.funding_rate), _tone(q.funding_rate)),
                    Cell(fmt.pct(annual, signed=True), _tone(annual)),
                    fmt.countdown(next_in),
                    fmt.hours(interval),
                    fmt.price(q.mark),
                    fmt.price(q.index),
                    fmt.pct(q.premium, decimals=3, signed=True),
                ),
                tone=row_tone,
            )
        )
    for m in futures:
        q = quotes.get(m.symbol) or Quote(symbol=m.symbol)
        s = q.index or spot.get(m.base)
        f = q.price
        raw = (f - s) / s if f and s else None
        days = (m.expiry - now).total_seconds() / 86_400 if m.expiry else None
        annual = raw * 365.0 / days if raw is not None and days and days > 0 else None
        rows.append(
            Row(
                m.symbol,
                cells(
                    Cell(m.symbol, "strong"),
                    Cell(fmt.pct(raw, decimals=3, signed=True), _tone(raw)),
                    Cell(fmt.pct(annual, signed=True), _tone(annual)),
                    fmt.countdown(m.expiry - now if m.expiry else None),
                    fmt.short_date(m.expiry),
                    fmt.price(f),
                    fmt.price(s),
                    "",
                ),
                tone="stale" if m.symbol in stale else None,
            )
        )
    return rows


class FeedsPane(Horizontal):
    """The funding/basis table beside the price-ratio and funding-history charts."""

    DEFAULT_CSS = """
    FeedsPane {
        height: 1fr;
        min-height: 12;
        border: round $primary 40%;
        border-title-color: $primary;
        &:focus-within { border: round $primary; }
        & > RowTable { width: 89; height: 1fr; }
        & > #charts { width: 1fr; height: 1fr; padding-left: 1; }
    }
    """

    def compose(self) -> ComposeResult:
        """Table left, charts right."""
        self.border_title = "Live feeds"
        yield RowTable(COLUMNS, show_cursor=True, id="feeds-table")
        yield Vertical(id="charts")

    def on_row_table_fitted(self, event: RowTable.Fitted) -> None:
        """Narrow terminal: the subtitle says how many columns space adds."""
        event.stop()
        self.border_subtitle = f"space: {len(event.hidden)} more columns" if event.hidden else ""

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
    ) -> None:
        """Render the table (only changed rows redraw)."""
        self.query_one(RowTable).set_rows(feed_rows(markets, quotes, now, stale, assets))

    @property
    def highlighted_symbol(self) -> str | None:
        """The symbol under the table's cursor."""
        return self.query_one(RowTable).cursor_key
