"""Writing quotes into the store's time series (buffered; the store flushes in batches).

A write the store refuses (a full or read-only disk) never stops the feeds: the store keeps
the rows buffered for the next flush and says the failure in ``store.failure``, which the
owner of the store (the app, ``record``) watches and reports.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from tui.core.models import MarketSpec, Quote, annualize_funding


class QuoteRecorder:
    """Turns quotes into `funding` (perps) and `quotes` rows of a store."""

    def __init__(self, store: Any, venue: str) -> None:
        self.store = store
        self.venue = venue

    def record(self, quotes: Iterable[Quote], markets: Mapping[str, MarketSpec]) -> None:
        """Append one row per quote (and one funding row per perp quote with a rate)."""
        price_rows: list[dict[str, Any]] = []
        funding_rows: list[dict[str, Any]] = []
        for quote in quotes:
            price_rows.append(
                {
                    "ts": quote.received_at,
                    "venue": self.venue,
                    "symbol": quote.symbol,
                    "mark": quote.mark,
                    "index": quote.index,
                    "bid": quote.bid,
                    "ask": quote.ask,
                    "last": quote.last,
                }
            )
            market = markets.get(quote.symbol)
            if market is None or market.instrument != "perp" or quote.funding_rate is None:
                continue
            interval = quote.funding_interval_hours or market.funding_interval_hours or 8.0
            funding_rows.append(
                {
                    "ts": quote.received_at,
                    "venue": self.venue,
                    "symbol": quote.symbol,
                    "rate": quote.funding_rate,
                    "next_funding_time": quote.next_funding_time,
                    "interval_hours": interval,
                    "annualized": annualize_funding(quote.funding_rate, interval),
                    "mark": quote.mark,
                    "index": quote.index,
                }
            )
        try:
            if price_rows:
                self.store.append_many("quotes", price_rows)
            if funding_rows:
                self.store.append_many("funding", funding_rows)
        except Exception as err:
            if not refused(err):
                raise

    def maybe_flush(self) -> None:
        """Flush when the store's flush interval has passed (a refused write is left in
        ``store.failure``; the rows stay buffered for the next try)."""
        try:
            self.store.maybe_flush()
        except Exception as err:
            if not refused(err):
                raise

    def flush(self) -> None:
        """Flush now (on stop); a refused write is left in ``store.failure``."""
        try:
            self.store.flush()
        except Exception as err:
            if not refused(err):
                raise


def refused(err: Exception) -> bool:
    """Whether ``err`` is the store refusing writes: the disk's refusal, a store stopped by
    an earlier one, or closed (by its owner, on quit). A bad row is not: it is a bug."""
    # Imported here: the store pulls in polars, which a session without a store never needs.
    from tui.store.errors import StoreClosedError, StoreError, StoreWriteError

    return type(err) is StoreError or isinstance(err, StoreWriteError | StoreClosedError)
