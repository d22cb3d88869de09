"""The all-market mark price stream: one subscription, one frame a tick carrying every perp.

Binance streams ``!markPrice@arr@1s``: every USDⓈ-M perpetual's mark, index, funding rate
and next settlement in one frame a second. ccxt.pro reads it with ``watch_mark_prices()``
(no symbols), which resolves once per frame with the tickers that frame carried. One
subscription replaces one per perpetual (``watch_mark_price(symbol)``): one websocket
message a tick whatever the number of markets followed, and a market followed later is
already on it.

`watch_all_marks` is the loop; `AllMarketSession` is a `MarketSession` whose stream feed
is that loop (health, fallback to polling and backoff as the per-symbol watchers have).
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Container, Mapping
from datetime import datetime
from typing import Any

from tui.core.models import Quote, utc_from_ms
from tui.engine.errors import describe
from tui.engine.health import backoff_delay
from tui.engine.session import MarketSession

QuotesSink = Callable[[dict[str, Quote]], None]


@functools.lru_cache(maxsize=256)
def _settlement(ms: int) -> datetime | None:
    """The next settlement as a datetime: every perp of a frame shares one of a few, so one
    conversion a frame instead of one a tick (it was 7 % of the app's CPU under load)."""
    return utc_from_ms(ms)


def quote_from_mark(symbol: str, ticker: Mapping[str, Any], received_at: datetime) -> Quote:
    """A `Quote` from ccxt's mark price ticker (Binance's ``markPriceUpdate``): mark, index,
    and from the raw event the funding rate (``r``, empty on dated contracts) and the next
    settlement (``T``, 0 on dated contracts)."""
    info = ticker.get("info") or {}
    rate = info.get("r")
    settles = info.get("T")
    return Quote(
        symbol=symbol,
        mark=ticker.get("markPrice") or None,
        index=ticker.get("indexPrice") or None,
        funding_rate=float(rate) if rate not in (None, "") else None,
        next_funding_time=_settlement(int(settles)) if settles else None,
        received_at=received_at,
    )


async def watch_all_marks(
    exchange: Any,
    on_quotes: QuotesSink,
    *,
    received_now: Callable[[], datetime],
    wanted: Callable[[], Container[str]] | None = None,
) -> None:
    """Forever: each frame of the all-market stream → quotes of the ``wanted()`` symbols
    (every symbol when ``wanted`` is None) → ``on_quotes``. ccxt's errors are raised to the
    caller, whose loop backs off and calls again (ccxt resubscribes on the next call)."""
    while True:
        tickers = await exchange.watch_mark_prices()
        at = received_now()
        keep = wanted() if wanted is not None else None
        fresh = {
            symbol: quote_from_mark(symbol, ticker, at)
            for symbol, ticker in tickers.items()
            if keep is None or symbol in keep
        }
        if fresh:
            on_quotes(fresh)


class AllMarketSession(MarketSession):
    """A `MarketSession` whose stream feed is the all-market stream (`watch_all_marks`).

    ``follow_all``: every perpetual on the stream goes to the engine, the store and the
    listener (what ``porting-alpha bench`` loads the app with); otherwise only the perps of
    the assets followed, as the per-symbol watchers delivered.
    """

    def __init__(self, venue: str, *, follow_all: bool = False, **kwargs: Any) -> None:
        """As `MarketSession`, plus ``follow_all``."""
        super().__init__(venue, **kwargs)
        self.follow_all = follow_all
        self.stream_ticks = 0
        """Quotes delivered by the stream since the start."""

    def _followed_perps(self) -> set[str]:
        return {s for s, m in self.markets.items() if m.instrument == "perp"}

    def _deliver(self, quotes: dict[str, Quote]) -> None:
        self.stream_ticks += len(quotes)
        self._apply(quotes)

    async def _stream_loop(self) -> None:
        """The all-market stream; a drop falls back to polling until it recovers."""
        health = self.health["stream"]
        attempt = 0
        wanted = None if self.follow_all else self._followed_perps

        def delivered(quotes: dict[str, Quote]) -> None:
            nonlocal attempt
            attempt = 0
            health.fallback = False
            health.ok()
            self._deliver(quotes)

        while True:
            try:
                await watch_all_marks(
                    self.exchange, delivered, received_now=self.received_now, wanted=wanted
                )
            except asyncio.CancelledError:
                raise
            except Exception as err:  # ccxt's errors, and its parse failures on a garbled frame
                attempt += 1
                health.error(describe(err))
                health.fallback = True
                self._report("stream")
                await asyncio.sleep(backoff_delay(attempt, 1.0))
