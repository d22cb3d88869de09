"""The all-market mark price stream: one subscription, one frame a tick carrying every perp.

Binance streams ``!markPrice@arr@1s``: every USDⓈ-M perpetual's mark, index, funding rate
and next settlement in one frame a second. ccxt.pro reads it with ``watch_mark_prices()``
(no symbols), which resolves once per frame with the tickers that frame carried. One
subscription replaces one per perpetual (``watch_mark_price(symbol)``): one websocket
message a tick whatever the number of markets followed, and a market followed later is
already on it.

`watch_all_marks` is the loop (in `tui.engine.stream_feed`, with the rest of a session's
stream feed); `MarketSession` runs it as its stream feed wherever the venue has
``watchMarkPrices`` (health, fallback to polling and backoff as the per-symbol
watchers have). `AllMarketSession` is what ``porting-alpha bench`` loads the app with: a
session that records every perpetual, and counts the ticks its stream delivered.
"""

from __future__ import annotations

from typing import Any

from tui.core.models import MarketSpec, Quote
from tui.engine.session import MarketSession
from tui.engine.stream_feed import QuotesSink, watch_all_marks

__all__ = ["AllMarketSession", "QuotesSink", "watch_all_marks"]


class AllMarketSession(MarketSession):
    """A `MarketSession` for the bench: ``follow_all`` records every perpetual on the stream
    to the store (a session records only the markets followed), and ``stream_ticks`` counts
    the quotes its stream delivered."""

    def __init__(self, venue: str, *, follow_all: bool = False, **kwargs: Any) -> None:
        """As `MarketSession`, plus ``follow_all``."""
        super().__init__(venue, **kwargs)
        self.follow_all = follow_all
        self.stream_ticks = 0
        """Quotes delivered by the stream since the start."""

    def _streamed(self, quotes: dict[str, Quote]) -> None:
        self.stream_ticks += len(quotes)
        super()._streamed(quotes)

    def _recorded(self, merged: dict[str, Quote]) -> tuple[list[Quote], dict[str, MarketSpec]]:
        if self.follow_all:
            return list(merged.values()), self.all_markets
        return super()._recorded(merged)
