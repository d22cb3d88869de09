"""A session's stream feed: the venue's mark price websocket, funding riding on it.

Where the venue has an all-market stream (``watchMarkPrices``: Binance's
``!markPrice@arr@1s``) one subscription brings every perpetual of the venue, one frame a
tick (`watch_all_marks`); elsewhere one ``watch_mark_price`` watcher runs per perpetual
followed. Either way a drop marks the feed as on its fallback (the REST marks poll perps
at full pace again) and retries with backoff; the first quote after it clears the fallback.

These run a `MarketSession`'s feed (split from `tui.engine.session` for its size): they use
its client, its feeds' health and its ``_streamed`` hook, where the quotes go.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Container
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from tui.core.models import Quote
from tui.engine.errors import describe
from tui.engine.health import backoff_delay
from tui.engine.quotes import quote_from_mark_stream

if TYPE_CHECKING:
    from tui.engine.health import FeedHealth, Pacing


class StreamHost(Protocol):
    """What the stream feed uses of its `tui.engine.session.MarketSession` (a protocol, so
    the feed does not import the session back)."""

    exchange: Any
    health: dict[str, FeedHealth]
    pacing: Pacing
    venue_perps: frozenset[str]
    _assets_changed: asyncio.Event

    def received_now(self) -> datetime:
        """Now on the session's clock."""
        ...

    def _perps(self) -> set[str]: ...

    def _streamed(self, quotes: dict[str, Quote]) -> None: ...

    def _report(self, name: str) -> None: ...


QuotesSink = Callable[[dict[str, Quote]], None]


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
            symbol: quote_from_mark_stream(symbol, ticker, at)
            for symbol, ticker in tickers.items()
            if keep is None or symbol in keep
        }
        if fresh:
            on_quotes(fresh)


async def stream_feed(session: StreamHost) -> None:
    """The session's stream feed until cancelled: the all-market stream where the venue
    has one, else a watcher per perpetual followed."""
    if session.exchange.has.get("watchMarkPrices"):
        await _all_markets(session)
    else:
        await _each_perp(session)


class _Retries:
    """The stream's health across deliveries and drops (one per feed, shared by watchers)."""

    def __init__(self, session: StreamHost) -> None:
        self.session = session
        self.health = session.health["stream"]

    def delivered(self, quotes: dict[str, Quote]) -> None:
        """Fresh quotes: the feed is live, off its fallback."""
        self.health.fallback = False
        self.health.ok()
        self.session._streamed(quotes)

    async def dropped(self, err: Exception, attempt: int) -> None:
        """A drop: the feed falls back to polling; wait before the next try."""
        self.health.error(describe(err))
        self.health.fallback = True
        self.session._report("stream")
        cap = self.session.pacing.max_backoff_s
        await asyncio.sleep(backoff_delay(attempt, 1.0, cap=cap))


async def _all_markets(session: StreamHost) -> None:
    """Every perpetual of the venue on one subscription (only the listed tradable ones are
    kept: the frame also carries markets the session does not trade, USDC-settled ones)."""
    retries = _Retries(session)
    attempt = 0

    def delivered(quotes: dict[str, Quote]) -> None:
        nonlocal attempt
        attempt = 0
        retries.delivered(quotes)

    while True:
        try:
            await watch_all_marks(
                session.exchange,
                delivered,
                received_now=session.received_now,
                wanted=lambda: session.venue_perps,
            )
        except asyncio.CancelledError:
            raise
        except Exception as err:  # ccxt's errors, and its parse failures on a garbled frame
            attempt += 1
            await retries.dropped(err, attempt)


async def _each_perp(session: StreamHost) -> None:
    """One watcher per perpetual followed, started and stopped as the assets change."""
    retries = _Retries(session)
    workers: dict[str, asyncio.Task[None]] = {}
    try:
        while True:
            perps = session._perps()
            for symbol in perps - workers.keys():
                workers[symbol] = asyncio.create_task(_watch(session, retries, symbol))
            for symbol in workers.keys() - perps:
                workers.pop(symbol).cancel()
            session._assets_changed.clear()
            await session._assets_changed.wait()
    finally:
        for task in workers.values():
            task.cancel()


async def _watch(session: StreamHost, retries: _Retries, symbol: str) -> None:
    attempt = 0
    while True:
        try:
            ticker = await session.exchange.watch_mark_price(symbol)
        except asyncio.CancelledError:
            raise
        except Exception as err:  # ccxt's errors, and its parse failures on a garbled body
            attempt += 1
            await retries.dropped(err, attempt)
            continue
        attempt = 0
        retries.delivered({symbol: quote_from_mark_stream(symbol, ticker, session.received_now())})
