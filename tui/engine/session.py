"""The market session: one venue's feeds kept alive, turned into events, and recorded.

One ccxt.pro client per venue does REST and websockets alike (ccxt rate-limits per
instance). Feeds:

- ``marks``: funding, mark and index by REST, re-armed after each completed poll (never
  overlapping); slower while the stream is live, at full pace when it is not (the fallback).
- ``book``: bid/ask by REST.
- ``stream``: the venue's mark price websocket (funding rides on it), where it has one.
- ``history``: 30 days of funding and recent prices, backfilled when a feed starts.

Margin brackets are read with the markets for the assets followed, and for markets followed
later when they are (`tui.engine.brackets`: the venue's table, else the store's cache).

Time: the venue's clock (the simulator keeps its own) is read once at connect and carried
forward by our clock's elapsed time; what arrives is stamped with our clock. Both come from
one injectable ``wall_clock``, and only its differences matter, so the time of day never does.

Errors never escape `MarketSession.run`: they become `FeedStatus` events, backoff with jitter
(honouring ``Retry-After``), and retries.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from tui.core.models import MarketSpec, Quote, utc_from_ms
from tui.engine.brackets import load_brackets, with_brackets
from tui.engine.errors import describe
from tui.engine.events import (
    EngineEvent,
    FeedState,
    FeedStatus,
    FundingHistory,
    MarketsLoaded,
    PriceHistory,
    QuotesUpdated,
)
from tui.engine.health import FeedHealth, backoff_delay, retry_after_seconds
from tui.engine.markets import load_market_specs
from tui.engine.quotes import fetch_books, fetch_marks, merge_quote
from tui.engine.recorder import QuoteRecorder
from tui.engine.venues import create_exchange

Listener = Callable[[EngineEvent], None]


#: Backfill windows start on a whole hour (funding settles and candles open on the hour), so
#: the milliseconds between reading the venue's clock and asking for history never decide
#: whether the oldest settlement or candle is in.
HOUR_MS = 3_600_000
DAY_MS = 86_400_000
#: Days of hourly closes backfilled for the pair spread.
PRICE_HISTORY_DAYS = 7

#: While the websocket stream is live, perps' REST marks are fetched on every Nth poll only
#: (dated futures are not on the stream: they are fetched on every poll).
STREAM_POLL_FACTOR = 5


def _utc(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, tz=UTC)


class MarketSession:
    """Feeds of one venue for a set of assets; see the module docstring."""

    def __init__(
        self,
        venue: str,
        *,
        sim_url: str | None = None,
        assets: Iterable[str] = (),
        store: Any = None,
        poll_seconds: float = 2.0,
        credentials: dict[str, str] | None = None,
        stream: bool = True,
        history_days: int = 30,
        stale_floor_s: float = 5.0,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self.venue = venue
        self.wall_clock = wall_clock
        """Our clock, seconds since the epoch: stamps what arrives (``received_at``, events)
        and carries the venue's clock forward between reads. Tests pass a fixed one."""
        self.sim_url = sim_url
        self.poll_seconds = poll_seconds
        self.credentials = credentials
        self.use_stream = stream
        self.history_days = history_days
        self.assets: set[str] = {a.upper() for a in assets}
        self.all_markets: dict[str, MarketSpec] = {}
        """Every tradable linear market of the venue, by symbol."""
        self.markets: dict[str, MarketSpec] = {}
        """The markets of ``assets``, by symbol."""
        self.quotes: dict[str, Quote] = {}
        self.health = {name: FeedHealth(name, poll_seconds) for name in ("marks", "book", "stream")}
        self.venue_state: FeedState = "offline"
        self._venue_clock: tuple[int, int] | None = None
        """(venue ms, our ms) when the venue's clock was last read; None = never read."""
        self.exchange: Any = None
        self.store = store
        """Where quotes are recorded and margin brackets cached (``None``: nowhere)."""
        self._recorder = QuoteRecorder(store, venue) if store is not None else None
        self._emit: Listener = lambda event: None
        self._assets_changed = asyncio.Event()
        self._backfilled: set[str] = set()
        self._bracketed: set[str] = set()
        """Markets whose brackets were asked for (of the venue, else the store's cache)."""
        self._marks_polls = 0
        self._reported: dict[str, tuple[FeedState, str]] = {}

    # -- public -----------------------------------------------------------------------------

    def venue_now(self) -> datetime:
        """Now on the venue's clock (ours until the venue has told us its time)."""
        return _utc(self._venue_ms())

    def received_now(self) -> datetime:
        """Now on our clock: the stamp of data as it arrives (staleness is measured from it)."""
        return _utc(self._our_ms())

    def _our_ms(self) -> int:
        return round(self.wall_clock() * 1000)

    def _venue_ms(self) -> int:
        ours = self._our_ms()
        if self._venue_clock is None:
            return ours
        venue_ms, at_ms = self._venue_clock
        # Integer milliseconds, never behind the venue's own answer.
        return venue_ms + max(0, ours - at_ms)

    def set_assets(self, assets: Iterable[str]) -> None:
        """Follow these assets from now on (markets are filtered, new ones backfilled)."""
        wanted = {a.upper() for a in assets}
        if wanted != self.assets:
            self.assets = wanted
            self._select_markets()
            self._assets_changed.set()

    def markets_for(self, assets: Iterable[str]) -> list[MarketSpec]:
        """Every known market of these assets (perps and dated futures)."""
        wanted = {a.upper() for a in assets}
        return [m for m in self.all_markets.values() if m.base in wanted]

    async def run(self, on_event: Listener) -> None:
        """Connect, then keep every feed alive until cancelled. Never raises a venue error."""
        self._emit = on_event
        try:
            await self._connect()
            tasks = [
                asyncio.create_task(self._poll_loop("marks", self._poll_marks)),
                asyncio.create_task(self._poll_loop("book", self._poll_book)),
                asyncio.create_task(self._watchdog()),
                asyncio.create_task(self._backfill_loop()),
            ]
            if self.use_stream and self.exchange.has.get("watchMarkPrice"):
                tasks.append(asyncio.create_task(self._stream_loop()))
            else:
                self.health.pop("stream", None)
            try:
                await asyncio.gather(*tasks)
            finally:
                for task in tasks:
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)
        finally:
            await self.close()

    async def close(self, timeout_s: float = 0.4) -> None:
        """Flush what the recorder holds, then close the ccxt client (its websockets and HTTP
        session) within ``timeout_s``: quitting never waits on a venue that does not answer.
        ccxt's close ends with a 250 ms pause for TLS transports to drain; the simulator is
        plain HTTP on loopback, so with it there is no pause.

        A store that is already closed was flushed by whoever closed it (the app, on quit):
        nothing is lost, and the client is closed all the same."""
        from tui.store.errors import StoreClosedError

        try:
            if self._recorder is not None:
                with contextlib.suppress(StoreClosedError):
                    self._recorder.flush()
        finally:
            if self.exchange is not None:
                exchange, self.exchange = self.exchange, None
                if self.sim_url:
                    exchange.timeout_on_exit = 0
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(exchange.close(), timeout_s)

    # -- connecting -------------------------------------------------------------------------

    async def _connect(self) -> None:
        """Open the client and load markets, retrying with backoff while the venue is away."""
        attempt = 0
        while True:
            try:
                if self.exchange is None:
                    self.exchange = create_exchange(
                        self.venue, sim_url=self.sim_url, pro=True, credentials=self.credentials
                    )
                self.all_markets = await load_market_specs(
                    self.exchange,
                    None,
                    store=self.store,
                    bracket_assets=self.assets,
                    fetched_at=self.received_now(),
                )
                self._bracketed = {m.symbol for m in self.markets_for(self.assets)}
                await self._sync_clock()
                break
            except Exception as err:  # ccxt's errors, and its parse failures on a garbled body
                attempt += 1
                delay = backoff_delay(attempt, 2.0, retry_after_seconds(self.exchange))
                hint = "" if self.sim_url else " — check the network, or start with --demo"
                self._status(
                    "venue",
                    "offline",
                    f"cannot reach {self.venue} ({describe(err)}); retrying in {delay:.0f} s{hint}",
                )
                await asyncio.sleep(delay)
        self._select_markets()
        self._status("venue", "live", f"{len(self.all_markets)} markets")

    async def _sync_clock(self) -> None:
        with contextlib.suppress(Exception):
            millis = await self.exchange.fetch_time()
            if millis:
                self._venue_clock = (int(millis), self._our_ms())

    def _select_markets(self) -> None:
        self.markets = {s: m for s, m in self.all_markets.items() if m.base in self.assets}
        self._emit(MarketsLoaded(self.venue, dict(self.markets), at=self.received_now()))

    # -- feeds ------------------------------------------------------------------------------

    async def _poll_loop(self, name: str, poll: Callable[[], Any]) -> None:
        """Run ``poll`` forever, re-armed after each completion; errors back off with jitter."""
        health = self.health[name]
        attempt = 0
        while True:
            try:
                await poll()
                health.ok()
                attempt = 0
                delay = self.poll_seconds
            except asyncio.CancelledError:
                raise
            except Exception as err:  # ccxt's errors, and its parse failures on a garbled body
                attempt += 1
                health.error(describe(err))
                delay = backoff_delay(
                    attempt, self.poll_seconds, retry_after_seconds(self.exchange)
                )
                self._report(name)
            await asyncio.sleep(delay)

    async def _poll_marks(self) -> None:
        if not self.markets:
            return
        self._marks_polls += 1
        stream = self.health.get("stream")
        streamed = stream is not None and stream.state == "live"
        specs = self.markets
        if streamed and self._marks_polls % STREAM_POLL_FACTOR:
            specs = {s: m for s, m in self.markets.items() if m.instrument != "perp"}
            if not specs:
                return
        self._apply(await fetch_marks(self.exchange, specs, received_at=self.received_now()))

    async def _poll_book(self) -> None:
        if not self.markets:
            return
        self._apply(await fetch_books(self.exchange, self.markets, received_at=self.received_now()))

    async def _stream_loop(self) -> None:
        """One websocket watcher per perpetual; a drop falls back to polling until it recovers."""
        workers: dict[str, asyncio.Task[None]] = {}
        try:
            while True:
                perps = {s for s, m in self.markets.items() if m.instrument == "perp"}
                for symbol in perps - workers.keys():
                    workers[symbol] = asyncio.create_task(self._watch(symbol))
                for symbol in workers.keys() - perps:
                    workers.pop(symbol).cancel()
                self._assets_changed.clear()
                await self._assets_changed.wait()
        finally:
            for task in workers.values():
                task.cancel()

    async def _watch(self, symbol: str) -> None:
        health = self.health["stream"]
        attempt = 0
        while True:
            try:
                ticker = await self.exchange.watch_mark_price(symbol)
            except asyncio.CancelledError:
                raise
            except Exception as err:  # ccxt's errors, and its parse failures on a garbled body
                attempt += 1
                health.error(describe(err))
                health.fallback = True
                self._report("stream")
                await asyncio.sleep(backoff_delay(attempt, 1.0))
                continue
            attempt = 0
            health.fallback = False
            health.ok()
            self._apply({symbol: self._quote_from_stream(symbol, ticker)})

    def _quote_from_stream(self, symbol: str, ticker: dict[str, Any]) -> Quote:
        info = ticker.get("info") or {}
        rate = info.get("r")
        return Quote(
            symbol=symbol,
            mark=ticker.get("markPrice") or None,
            index=ticker.get("indexPrice") or None,
            funding_rate=float(rate) if rate not in (None, "") else None,
            next_funding_time=utc_from_ms(info.get("T")) if info.get("T") else None,
            received_at=self.received_now(),
        )

    def _apply(self, fresh: dict[str, Quote]) -> None:
        """Merge fresh quotes, record them, and tell the listener."""
        if not fresh:
            return
        merged = {s: merge_quote(self.quotes.get(s), q) for s, q in fresh.items()}
        self.quotes.update(merged)
        if self._recorder is not None:
            self._recorder.record(merged.values(), self.markets)
        self._emit(QuotesUpdated(self.venue, merged, at=self.received_now()))

    # -- history ----------------------------------------------------------------------------

    async def _backfill_loop(self) -> None:
        while True:
            await self._bracket_new_markets()
            for symbol, market in list(self.markets.items()):
                if symbol not in self._backfilled:
                    self._backfilled.add(symbol)
                    await self._backfill(symbol, market)
            # Assets may have changed while this loop was busy: only wait when every market
            # followed now has been seen (checked and cleared with no await in between).
            if any(s not in self._backfilled or s not in self._bracketed for s in self.markets):
                continue
            self._assets_changed.clear()
            await self._assets_changed.wait()

    async def _bracket_new_markets(self) -> None:
        """Margin brackets of markets followed since they were last asked for (the venue's,
        else the store's cache); the markets are announced again with them."""
        new = {s: m for s, m in self.markets.items() if s not in self._bracketed}
        if not new:
            return
        self._bracketed |= new.keys()
        tables = await load_brackets(
            self.exchange, new, store=self.store, fetched_at=self.received_now()
        )
        if not tables:
            return
        for symbol, table in tables.items():
            if symbol in self.all_markets:
                self.all_markets[symbol] = with_brackets(self.all_markets[symbol], table)
        self._select_markets()

    async def _backfill(self, symbol: str, market: MarketSpec) -> None:
        """Funding history (perps) and hourly closes; a failing symbol is skipped, not fatal."""
        now_ms = self._venue_ms()

        def since(days: int) -> int:
            return (now_ms - days * DAY_MS) // HOUR_MS * HOUR_MS

        if market.instrument == "perp" and self.exchange.has.get("fetchFundingRateHistory"):
            try:
                rows = await self.exchange.fetch_funding_rate_history(
                    symbol, since(self.history_days), 1000
                )
                history = [
                    (utc_from_ms(r["timestamp"]), float(r["fundingRate"]))
                    for r in rows
                    if r.get("timestamp") is not None and r.get("fundingRate") is not None
                ]
                self._emit(
                    FundingHistory(self.venue, symbol, history, at=self.received_now())  # type: ignore[arg-type]
                )
            except Exception as err:  # ccxt's errors, and its parse failures on a garbled body
                self._status("history", "degraded", f"{symbol} funding history: {describe(err)}")
        if self.exchange.has.get("fetchOHLCV"):
            try:
                candles = await self.exchange.fetch_ohlcv(
                    symbol, "1h", since(PRICE_HISTORY_DAYS), 200
                )
                closes = [(utc_from_ms(c[0]), float(c[4])) for c in candles if c[4] is not None]
                self._emit(
                    PriceHistory(self.venue, symbol, closes, at=self.received_now())  # type: ignore[arg-type]
                )
            except Exception as err:  # ccxt's errors, and its parse failures on a garbled body
                self._status("history", "degraded", f"{symbol} prices: {describe(err)}")

    # -- health -----------------------------------------------------------------------------

    async def _watchdog(self) -> None:
        """Re-evaluate every feed each second; announce changes; flush the recorder."""
        while True:
            for name in list(self.health):
                self._report(name)
            self._report_venue()
            if self._recorder is not None:
                self._recorder.maybe_flush()
            await asyncio.sleep(1.0)

    def _report(self, name: str) -> None:
        health = self.health[name]
        state = health.evaluate()
        detail = health.last_error
        if state == "stale":
            detail = "no fresh data"
        elif name == "stream" and health.fallback:
            detail = f"websocket down, polling instead ({health.last_error})"
        # Called every second by the watchdog: say it only when the state or the reason changes.
        if self._reported.get(name) != (state, detail):
            self._reported[name] = (state, detail)
            self._status(name, state, detail)

    def _report_venue(self) -> None:
        # A feed that has not answered yet, nor failed, says nothing about the venue.
        states = [
            h.state for h in self.health.values() if h.last_ok is not None or h.consecutive_errors
        ]
        if not states:
            return
        if all(s == "offline" for s in states):
            state: FeedState = "offline"
        elif any(s in ("stale", "offline") for s in states):
            state = "stale" if self.health["marks"].state != "live" else "degraded"
        elif any(s == "degraded" for s in states):
            state = "degraded"
        else:
            state = "live"
        if state != self.venue_state:
            self.venue_state = state
            self._status("venue", state, "")

    def _status(self, feed: str, state: FeedState, detail: str) -> None:
        if feed == "venue":
            self.venue_state = state
        self._emit(FeedStatus(self.venue, feed, state, detail, at=self.received_now()))
