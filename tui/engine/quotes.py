"""Fetching a snapshot of quotes (mark, index, bid/ask, funding) for a set of markets by REST."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from tui.core.models import MarketSpec, Quote, utc_from_ms
from tui.engine.errors import CCXT_ERRORS
from tui.engine.markets import parse_interval_hours


def quote_from_funding(entry: Mapping[str, Any], received_at: datetime) -> Quote:
    """A `Quote` from a ccxt funding-rate structure (mark, index, rate, next settlement)."""
    return Quote(
        symbol=entry["symbol"],
        mark=_pos(entry.get("markPrice")),
        index=_pos(entry.get("indexPrice")),
        funding_rate=entry.get("fundingRate"),
        next_funding_time=utc_from_ms(entry.get("fundingTimestamp")),
        funding_interval_hours=parse_interval_hours(entry.get("interval")),
        received_at=received_at,
    )


def _pos(value: Any) -> float | None:
    """A positive float or ``None`` (venues send 0 or "" for missing prices)."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if number > 0 else None


async def fetch_quotes(exchange: Any, specs: Mapping[str, MarketSpec]) -> dict[str, Quote]:
    """Quotes for every spec: funding + mark/index for perps, marks for dated futures, bid/ask.

    Raises the venue's ccxt error when the core funding call fails; a failure of the
    secondary calls (bid/ask, dated-future marks) leaves those fields empty instead.
    """
    now = datetime.now(UTC)
    perps = [s for s, m in specs.items() if m.instrument == "perp"]
    futures = [s for s, m in specs.items() if m.instrument == "future"]
    quotes: dict[str, Quote] = {}
    if perps:
        rates = await exchange.fetch_funding_rates(perps)
        for symbol, entry in rates.items():
            if symbol in specs:
                quotes[symbol] = quote_from_funding(entry, now)
    if futures and exchange.has.get("fetchMarkPrices"):
        try:
            marks = await exchange.fetch_mark_prices(futures)
        except CCXT_ERRORS:
            marks = {}
        for symbol, ticker in marks.items():
            if symbol in specs:
                quotes[symbol] = Quote(
                    symbol=symbol,
                    mark=_pos(ticker.get("markPrice")) or _pos(ticker.get("last")),
                    index=_pos(ticker.get("indexPrice")),
                    received_at=now,
                )
    await _add_bid_ask(exchange, list(specs), quotes, now)
    return quotes


async def _add_bid_ask(
    exchange: Any, symbols: list[str], quotes: dict[str, Quote], now: datetime
) -> None:
    """Bid/ask from the book ticker (Binance's 24 h ticker carries none)."""
    if not symbols:
        return
    try:
        if exchange.has.get("fetchBidsAsks"):
            books = await exchange.fetch_bids_asks(symbols)
        else:
            books = await exchange.fetch_tickers(symbols)
    except CCXT_ERRORS:
        return
    for symbol, book in books.items():
        if symbol not in symbols:
            continue
        bid, ask = _pos(book.get("bid")), _pos(book.get("ask"))
        quote = quotes.get(symbol)
        if quote is None:
            quotes[symbol] = Quote(symbol=symbol, bid=bid, ask=ask, last=_pos(book.get("last")), received_at=now)
        else:
            quotes[symbol] = quote.model_copy(update={"bid": bid, "ask": ask})
