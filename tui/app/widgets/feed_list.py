"""The feeds pane's list: the markets followed and every perpetual of the venue, in the order
asked (followed first, or by annualized funding or basis), filtered by a search, and the row
of each market built only when the table draws it.

A venue lists hundreds of perpetuals (Binance some 550; the bench's tape 1,000). Ordering
them costs a few numbers per market (`Entry`); formatting a row costs far more, so the table
asks for rows by key (`RowTable.set_source`) and only for the ones on screen.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from tui.app import format as fmt
from tui.app.widgets.row_table import Cell, Column, Row, cells
from tui.core.models import MarketSpec, Quote, annualize_funding

#: Narrow terminals drop the highest priority first (at 80 columns: the index). Space on a
#: row shows every column.
COLUMNS = (
    Column("Market", 22, "left"),
    Column("Fund/Basis", 10),
    Column("Annual", 8),
    Column("Next in", 8),
    Column("Every", 6, priority=2),
    Column("Mark", 10),
    Column("Index", 10, priority=3),
    Column("Basis", 8, priority=1),
)

#: The marker of a market of an asset followed (held or tilted), and of any other.
FOLLOWED, OTHER = "● ", "  "

#: The orders `s` cycles through: (key, words for the pane's subtitle).
SORTS: tuple[tuple[str, str], ...] = (
    ("followed", "followed first"),
    ("annual-desc", "annual ↓"),
    ("annual-asc", "annual ↑"),
    ("basis-desc", "basis ↓"),
    ("basis-asc", "basis ↑"),
)


@dataclass(frozen=True)
class Entry:
    """What ordering needs of one market: its annualized funding (perps) or basis (dated
    futures), and its basis (perps: the premium of mark over index)."""

    symbol: str
    followed: bool
    annual: float | None
    basis: float | None


def _tone(value: float | None) -> str | None:
    if value is None or value == 0:
        return None
    return "gain" if value > 0 else "loss"


def _interval(market: MarketSpec, quote: Quote | None) -> float:
    return (quote.funding_interval_hours if quote else None) or market.funding_interval_hours or 8.0


class FeedList:
    """One refresh's markets and quotes, ordered and filtered, with a row builder."""

    def __init__(
        self,
        followed: Mapping[str, MarketSpec],
        listed: Mapping[str, MarketSpec],
        quotes: Mapping[str, Quote],
        now: datetime,
        stale: set[str],
        assets: Sequence[str] | None = None,
    ) -> None:
        """``followed``: the markets of the assets followed (perps and dated futures);
        ``listed``: every perpetual of the venue, of which those with a quote are listed."""
        self.followed = followed
        self.quotes = quotes
        self.now = now
        self.stale = stale
        wanted = list(assets) if assets else sorted({m.base for m in followed.values()})
        order = {asset: i for i, asset in enumerate(wanted)}
        chosen = [m for m in followed.values() if m.base in order]
        perps = sorted((m for m in chosen if m.instrument == "perp"), key=lambda m: order[m.base])
        futures = sorted(
            (m for m in chosen if m.instrument == "future"),
            key=lambda m: (order[m.base], m.expiry or now),
        )
        self.markets: dict[str, MarketSpec] = {m.symbol: m for m in (*perps, *futures)}
        """Every market listed: the followed ones (perps, then dated futures, per asset in
        ``assets`` order), then the venue's other perpetuals with a quote, A–Z."""
        others = sorted(s for s in listed if s not in self.markets and s in quotes)
        for symbol in others:
            self.markets[symbol] = listed[symbol]
        self.followed_count = len(perps) + len(futures)
        self.spot: dict[str, float] = {}
        """A spot price per followed asset (its perp's index, else its price): the futures'
        basis is measured against it when their own index is missing."""
        for m in perps:
            q = quotes.get(m.symbol)
            if q is not None and (q.index or q.price):
                self.spot[m.base] = q.index or q.price or 0.0

    # -- ordering ---------------------------------------------------------------------------

    def entry(self, symbol: str) -> Entry:
        """The numbers that order ``symbol``'s row."""
        m = self.markets[symbol]
        q = self.quotes.get(symbol)
        followed = symbol in self.followed
        if m.instrument == "perp":
            rate = q.funding_rate if q is not None else None
            annual = annualize_funding(rate, _interval(m, q)) if rate is not None else None
            return Entry(symbol, followed, annual, q.premium if q is not None else None)
        raw, annual = self._basis(m, q)
        return Entry(symbol, followed, annual, raw)

    def _basis(self, m: MarketSpec, q: Quote | None) -> tuple[float | None, float | None]:
        """(raw, annualized) basis of a dated future over its spot."""
        s = (q.index if q else None) or self.spot.get(m.base)
        f = q.price if q else None
        raw = (f - s) / s if f and s else None
        days = (m.expiry - self.now).total_seconds() / 86_400 if m.expiry else None
        annual = raw * 365.0 / days if raw is not None and days and days > 0 else None
        return raw, annual

    def order(self, sort: str = "followed", search: str = "") -> list[str]:
        """The symbols to show, in the order ``sort`` names (`SORTS`), those matching
        ``search`` only (a case-blind part of the symbol). A market with no number for the
        order goes last, followed ones first among those."""
        needle = search.strip().upper()
        symbols = [s for s in self.markets if needle in s.upper()] if needle else list(self.markets)
        if sort == "followed":
            return symbols
        field, _, direction = sort.partition("-")
        sign = -1.0 if direction == "desc" else 1.0
        valued: list[tuple[float, str]] = []
        blank: list[str] = []
        for symbol in symbols:
            value = getattr(self.entry(symbol), field)
            if value is None:
                blank.append(symbol)
            else:
                valued.append((sign * value, symbol))
        valued.sort()
        return [s for _, s in valued] + blank

    # -- rows -------------------------------------------------------------------------------

    def row(self, symbol: str) -> Row:
        """The table's row of ``symbol`` (perps: funding; dated futures: basis)."""
        m = self.markets[symbol]
        q = self.quotes.get(symbol) or Quote(symbol=symbol)
        followed = symbol in self.followed
        name = Cell((FOLLOWED if followed else OTHER) + symbol, "strong" if followed else None)
        tone = "stale" if symbol in self.stale else None
        if m.instrument == "perp":
            interval = _interval(m, q)
            rate = q.funding_rate
            annual = annualize_funding(rate, interval) if rate is not None else None
            next_in = q.next_funding_time - self.now if q.next_funding_time else None
            return Row(
                symbol,
                cells(
                    name,
                    Cell(fmt.rate(rate), _tone(rate)),
                    Cell(fmt.pct(annual, signed=True), _tone(annual)),
                    fmt.countdown(next_in),
                    fmt.hours(interval),
                    fmt.price(q.mark),
                    fmt.price(q.index),
                    Cell(fmt.pct(q.premium, decimals=3, signed=True), _tone(q.premium)),
                ),
                tone=tone,
            )
        raw, annual = self._basis(m, q)
        spot = q.index or self.spot.get(m.base)
        return Row(
            symbol,
            cells(
                name,
                Cell(fmt.pct(raw, decimals=3, signed=True), _tone(raw)),
                Cell(fmt.pct(annual, signed=True), _tone(annual)),
                fmt.countdown(m.expiry - self.now if m.expiry else None),
                fmt.short_date(m.expiry),
                fmt.price(q.price),
                fmt.price(spot),
                Cell(fmt.pct(raw, decimals=3, signed=True), _tone(raw)),
            ),
            tone=tone,
        )


def feed_rows(
    markets: Mapping[str, MarketSpec],
    quotes: Mapping[str, Quote],
    now: datetime,
    stale: set[str],
    assets: Sequence[str] | None = None,
) -> list[Row]:
    """Every row of the followed markets in their order (perps first, then dated futures,
    per asset in ``assets`` order)."""
    listing = FeedList(markets, {}, quotes, now, stale, assets)
    return [listing.row(s) for s in listing.order()]
