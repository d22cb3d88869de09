"""Backfilled history of one market: settled funding (perpetuals) and hourly closes.

Windows start on a whole hour of the venue's clock (funding settles and candles open on the
hour), so the milliseconds between reading the venue's clock and asking never decide whether
the oldest settlement or candle is in.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from tui.core.models import MarketSpec, utc_from_ms
from tui.engine.brackets import load_brackets, with_brackets
from tui.engine.errors import describe
from tui.engine.events import EngineEvent, FundingHistory, PriceHistory

HOUR_MS = 3_600_000
DAY_MS = 86_400_000
#: Days of hourly closes backfilled for the pair spread.
PRICE_HISTORY_DAYS = 7


def window_start(now_ms: int, days: int) -> int:
    """The whole hour ``days`` before ``now_ms`` (venue milliseconds)."""
    return (now_ms - days * DAY_MS) // HOUR_MS * HOUR_MS


async def backfill(
    exchange: Any,
    venue: str,
    market: MarketSpec,
    *,
    now_ms: int,
    funding_days: int,
    at: datetime,
) -> tuple[list[EngineEvent], list[str]]:
    """(events, problems): the funding history of a perpetual over ``funding_days`` and
    ``PRICE_HISTORY_DAYS`` of hourly closes, each stamped ``at``. A failing call is a problem
    in words (the other still runs), never an exception."""
    symbol = market.symbol
    events: list[EngineEvent] = []
    problems: list[str] = []
    if market.instrument == "perp" and exchange.has.get("fetchFundingRateHistory"):
        try:
            rows = await exchange.fetch_funding_rate_history(
                symbol, window_start(now_ms, funding_days), 1000
            )
            history = [
                (utc_from_ms(r["timestamp"]), float(r["fundingRate"]))
                for r in rows
                if r.get("timestamp") is not None and r.get("fundingRate") is not None
            ]
            events.append(FundingHistory(venue, symbol, history, at=at))  # type: ignore[arg-type]
        except Exception as err:  # ccxt's errors, and its parse failures on a garbled body
            problems.append(f"{symbol} funding history: {describe(err)}")
    if exchange.has.get("fetchOHLCV"):
        try:
            candles = await exchange.fetch_ohlcv(
                symbol, "1h", window_start(now_ms, PRICE_HISTORY_DAYS), 200
            )
            closes = [(utc_from_ms(c[0]), float(c[4])) for c in candles if c[4] is not None]
            events.append(PriceHistory(venue, symbol, closes, at=at))  # type: ignore[arg-type]
        except Exception as err:  # ccxt's errors, and its parse failures on a garbled body
            problems.append(f"{symbol} prices: {describe(err)}")
    return events, problems


class Backfill:
    """Which markets followed have had their margin brackets and history asked for, once each.

    Brackets of the markets followed at connect come with the markets load
    (`tui.engine.markets`); a market followed later gets them here, the venue's else the
    store's cache (`tui.engine.brackets`), then its history (`backfill`).
    """

    def __init__(self, venue: str, *, store: Any = None, funding_days: int = 30) -> None:
        """``store``: the brackets' cache (``None``: none); ``funding_days``: the window."""
        self.venue = venue
        self.store = store
        self.funding_days = funding_days
        self.bracketed: set[str] = set()
        """Markets whose brackets were asked for."""
        self.backfilled: set[str] = set()
        """Markets whose history was asked for."""

    def pending(self, markets: Iterable[str]) -> bool:
        """True while one of ``markets`` still waits for its brackets or its history."""
        return any(s not in self.backfilled or s not in self.bracketed for s in markets)

    async def brackets(
        self, exchange: Any, markets: Mapping[str, MarketSpec], at: datetime
    ) -> dict[str, MarketSpec]:
        """The markets not yet asked for, with the brackets found for them (only those)."""
        new = {s: m for s, m in markets.items() if s not in self.bracketed}
        if not new:
            return {}
        self.bracketed |= new.keys()
        tables = await load_brackets(exchange, new, store=self.store, fetched_at=at)
        return {s: with_brackets(new[s], table) for s, table in tables.items() if s in new}

    async def history(
        self, exchange: Any, market: MarketSpec, *, now_ms: int, at: datetime
    ) -> tuple[list[EngineEvent], list[str]]:
        """`backfill` of ``market`` if not done yet (else nothing)."""
        if market.symbol in self.backfilled:
            return [], []
        self.backfilled.add(market.symbol)
        return await backfill(
            exchange, self.venue, market, now_ms=now_ms, funding_days=self.funding_days, at=at
        )
