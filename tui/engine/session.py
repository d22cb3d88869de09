"""The market session: one venue's feeds kept alive, turned into events, and recorded.

One ccxt.pro client per venue does REST and websockets alike; every REST request passes its
`RequestGate` (`tui.engine.gate`), which keeps a venue's ``Retry-After`` for all of them.
Feeds:

- ``marks``: funding, mark and index by REST, re-armed after each completed poll (never
  overlapping); perps' less often while the stream is live, at full pace when it is not.
- ``book``: bid/ask by REST.
- ``stream``: the venue's mark price websocket (funding rides on it), where it has one: the
  all-market stream where the venue has it (Binance's ``!markPrice@arr@1s``,
  `tui.engine.stream_all`), else one watcher per perpetual followed.
- ``history``: 30 days of funding and recent prices, backfilled when a market is followed.

A feed is live only while it delivers fresh data: a poll that brings no fresh price for a
market it asked about is an error, not a quiet success. The venue is said to be connecting
from the first moment, and is live only once its futures markets are loaded (an empty or
garbled list is retried); its status names the assets it lists no futures market for.

Quotes: the all-market stream brings every perpetual of the venue at no extra request cost.
The session keeps them all (``quotes``) and tells its listener of them all (the app's feeds
view lists the whole venue), but records to the store only the markets followed (a venue's
500 perps a second would be most of the store's rows for markets nobody holds).

Margin brackets are read with the markets for the assets followed, and for markets followed
later when they are (`tui.engine.brackets`: the venue's table, else the store's cache).

Time: the venue's clock is read once at connect and carried forward by ours
(`tui.engine.clock`); what arrives is stamped with our clock, an injectable ``wall_clock``.

Errors never escape `MarketSession.run`: they become `FeedStatus` events, backoff with jitter
(never sooner than the gate lets a request out), and retries.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime
from typing import Any

from tui.core.models import MarketSpec, Quote
from tui.engine.clock import VenueClock, utc
from tui.engine.errors import NetworkError, describe
from tui.engine.events import EngineEvent, FeedState, MarketsLoaded, QuotesUpdated
from tui.engine.gate import RequestGate, gate_of, timing_requests
from tui.engine.health import DEFAULT_PACING, FeedHealth, Pacing, backoff_delay
from tui.engine.history import Backfill
from tui.engine.markets import load_market_specs
from tui.engine.quotes import (
    fetch_books,
    fetch_marks,
    merge_quote,
    require_fresh,
)
from tui.engine.recorder import QuoteRecorder
from tui.engine.status import StatusBoard, await_saying, unlisted, venue_detail
from tui.engine.stream_feed import stream_feed
from tui.engine.venues import create_exchange

Listener = Callable[[EngineEvent], None]

#: While the websocket stream is live, perps' REST marks are fetched on every Nth poll only
#: (dated futures are not on the stream: they are fetched on every poll).
STREAM_POLL_FACTOR = 5


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
        pacing: Pacing = DEFAULT_PACING,
        gate: RequestGate | None = None,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        """``poll_seconds``: pace of the REST feeds; ``pacing``: retries, timeouts, and when a
        feed is slow or stale; ``gate``: the client's request gate (default: a new one)."""
        self.venue = venue
        self.clock = VenueClock(wall_clock)
        """Our clock (stamps what arrives) and the venue's carried forward by it."""
        self.sim_url = sim_url
        self.poll_seconds = poll_seconds
        self.credentials = credentials
        self.use_stream = stream
        self.history_days = history_days
        self.pacing = pacing
        self.gate = gate
        self.assets: set[str] = {a.upper() for a in assets}
        self.all_markets: dict[str, MarketSpec] = {}
        """Every tradable linear market of the venue, by symbol."""
        self.markets: dict[str, MarketSpec] = {}
        """The markets of ``assets``, by symbol."""
        self.quotes: dict[str, Quote] = {}
        self.health = {
            name: FeedHealth(
                name, poll_seconds, stale_floor=pacing.stale_floor_s, slow_after=pacing.slow_after_s
            )
            for name in ("marks", "book", "stream")
        }
        self.exchange: Any = None
        self.store = store
        """Where quotes are recorded and margin brackets cached (``None``: nowhere)."""
        self._recorder = QuoteRecorder(store, venue) if store is not None else None
        self._emit: Listener = lambda event: None
        self._assets_changed = asyncio.Event()
        self.backfill = Backfill(venue, store=store, funding_days=history_days)
        """Brackets and history asked for each market followed."""
        self._marks_polls = 0
        self.venue_perps: frozenset[str] = frozenset()
        """Every perpetual of the venue: what is kept of the all-market stream."""
        self.board = StatusBoard(venue, self.health, lambda e: self._emit(e), self.received_now)
        """What has been said of the venue and each feed."""

    @property
    def venue_state(self) -> FeedState:
        """The venue's state as last said."""
        return self.board.venue_state

    # -- public -----------------------------------------------------------------------------

    def venue_now(self) -> datetime:
        """Now on the venue's clock (ours until the venue has told us its time)."""
        return utc(self.clock.venue_ms())

    def received_now(self) -> datetime:
        """Now on our clock: the stamp of data as it arrives (staleness is measured from it)."""
        return utc(self.clock.our_ms())

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

    def unlisted(self) -> list[str]:
        """Assets followed that the venue lists no futures market for (once markets loaded)."""
        return unlisted(self.all_markets, self.assets)

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
            has = self.exchange.has
            if self.use_stream and (has.get("watchMarkPrices") or has.get("watchMarkPrice")):
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
        """Open the client and load markets, retrying with backoff while the venue is away,
        slow, or answers with no futures markets (empty or garbled: asked again, not cached)."""
        self._status("venue", "offline", f"connecting to {self.venue}…")
        attempt = 0
        while True:
            try:
                if self.exchange is None:
                    self.exchange = create_exchange(
                        self.venue,
                        sim_url=self.sim_url,
                        pro=True,
                        credentials=self.credentials,
                        gate=self.gate,
                        timeout_s=self.pacing.request_timeout_s,
                    )
                self.all_markets = await self._saying_progress(
                    load_market_specs(
                        self.exchange,
                        None,
                        store=self.store,
                        bracket_assets=self.assets,
                        fetched_at=self.received_now(),
                        reload=attempt > 0,
                    )
                )
                self.backfill.bracketed = {m.symbol for m in self.markets_for(self.assets)}
                await self._saying_progress(self.clock.sync(self.exchange))
                break
            except Exception as err:  # ccxt's errors, and its parse failures on a garbled body
                attempt += 1
                delay = backoff_delay(
                    attempt,
                    self.pacing.connect_retry_s,
                    self._paused_s(),
                    self.pacing.max_backoff_s,
                )
                # A garbled or empty answer came from a venue that is there: say which it was.
                what = "cannot reach" if isinstance(err, NetworkError) else "no usable answer from"
                hint = "" if self.sim_url else " — check the network, or start with --demo"
                self._status(
                    "venue",
                    "offline",
                    f"{what} {self.venue} ({describe(err)}); retrying in {delay:.0f} s{hint}",
                )
                await asyncio.sleep(delay)
        self._select_markets()
        news = venue_detail(self.venue, self.all_markets, self.assets, self._pause_words())
        count = f"{len(self.all_markets)} markets"
        self.board.say("venue", "live", f"{count}; {news}" if news else count, news=news)

    async def _saying_progress(self, work: Awaitable[Any]) -> Any:
        """Await ``work``, saying every couple of seconds that the venue is slow to answer."""

        def say(waited: float) -> None:
            pause = self._pause_words()
            self._status(
                "venue",
                "offline",
                f"connecting to {self.venue}… slow: waiting {waited:.0f} s for an answer"
                + (f"; {pause}" if pause else ""),
            )

        return await await_saying(work, max(self.pacing.slow_after_s, 0.5), say)

    def _select_markets(self) -> None:
        self.markets = {s: m for s, m in self.all_markets.items() if m.base in self.assets}
        listed = {s: m for s, m in self.all_markets.items() if m.instrument == "perp"}
        self.venue_perps = frozenset(listed)
        self._emit(
            MarketsLoaded(self.venue, dict(self.markets), at=self.received_now(), listed=listed)
        )

    def _paused_s(self) -> float | None:
        """Seconds the gate still holds requests (the venue's Retry-After), if it does."""
        gate = gate_of(self.exchange)
        left = gate.remaining() if gate is not None else 0.0
        return left if left > 0 else None

    def _pause_words(self) -> str:
        gate = gate_of(self.exchange)
        return gate.describe() if gate is not None else ""

    # -- feeds ------------------------------------------------------------------------------

    async def _poll_loop(self, name: str, poll: Callable[[], Awaitable[bool]]) -> None:
        """Run ``poll`` forever, re-armed after each completion; errors back off with jitter.
        ``poll`` returns False when it had nothing to ask (the feed's health is unchanged)."""
        health = self.health[name]
        attempt = 0
        while True:
            try:
                with timing_requests() as trips:
                    polled = await poll()
                if polled:
                    # Slow is the venue's answering time, not ccxt's rate limiter nor a pause.
                    health.ok(max(trips, default=0.0))
                    self._report(name)
                attempt = 0
                delay = self.poll_seconds
            except asyncio.CancelledError:
                raise
            except Exception as err:  # ccxt's errors, and its parse failures on a garbled body
                attempt += 1
                health.error(describe(err))
                delay = backoff_delay(
                    attempt, self.poll_seconds, self._paused_s(), self.pacing.max_backoff_s
                )
                self._report(name)
            await asyncio.sleep(delay)

    async def _poll_marks(self) -> bool:
        if not self.markets:
            return False
        self._marks_polls += 1
        stream = self.health.get("stream")
        streamed = stream is not None and stream.state == "live"
        specs = self.markets
        if streamed and self._marks_polls % STREAM_POLL_FACTOR:
            specs = {s: m for s, m in self.markets.items() if m.instrument != "perp"}
        # Perps alone on the stream: the REST marks come every Nth poll, so fresh is slower.
        self.health["marks"].period = self.poll_seconds * (
            STREAM_POLL_FACTOR if streamed and not specs.keys() - self._perps() else 1
        )
        if not specs:
            return False
        errors: list[str] = []
        fresh = await fetch_marks(
            self.exchange, specs, received_at=self.received_now(), errors=errors
        )
        self._apply(fresh)
        require_fresh(specs, fresh, "mark", what="mark", errors=errors)
        return True

    async def _poll_book(self) -> bool:
        if not self.markets:
            return False
        specs = self.markets
        errors: list[str] = []
        fresh = await fetch_books(
            self.exchange, specs, received_at=self.received_now(), errors=errors
        )
        self._apply(fresh)
        require_fresh(specs, fresh, "bid", "ask", what="bid/ask", errors=errors)
        return True

    def _perps(self) -> set[str]:
        return {s for s, m in self.markets.items() if m.instrument == "perp"}

    async def _stream_loop(self) -> None:
        """The stream feed (`tui.engine.stream_feed`)."""
        await stream_feed(self)

    def _streamed(self, quotes: dict[str, Quote]) -> None:
        """Quotes the stream delivered."""
        self._apply(quotes)

    def _apply(self, fresh: dict[str, Quote]) -> None:
        """Merge fresh quotes, record them, and tell the listener."""
        if not fresh:
            return
        merged = {s: merge_quote(self.quotes.get(s), q) for s, q in fresh.items()}
        self.quotes.update(merged)
        if self._recorder is not None:
            self._recorder.record(*self._recorded(merged))
        self._emit(QuotesUpdated(self.venue, merged, at=self.received_now()))

    def _recorded(self, merged: dict[str, Quote]) -> tuple[list[Quote], dict[str, MarketSpec]]:
        """What of ``merged`` is recorded, and the markets it is recorded against: the
        markets followed (the others the stream brings are shown, not kept)."""
        markets = self.markets
        return [q for s, q in merged.items() if s in markets], markets

    # -- history ----------------------------------------------------------------------------

    async def _backfill_loop(self) -> None:
        """Brackets (of markets followed after connect) and history of each market, once."""
        while True:
            found = await self.backfill.brackets(self.exchange, self.markets, self.received_now())
            if found:
                self.all_markets.update(found)
                self._select_markets()  # announced again, with their brackets
            for market in list(self.markets.values()):
                events, problems = await self.backfill.history(
                    self.exchange, market, now_ms=self.clock.venue_ms(), at=self.received_now()
                )
                for event in events:
                    self._emit(event)
                for problem in problems:
                    self._status("history", "degraded", problem)
            # Assets may have changed while this loop was busy: only wait when every market
            # followed now has been seen (checked and cleared with no await in between).
            if self.backfill.pending(self.markets):
                continue
            self._assets_changed.clear()
            await self._assets_changed.wait()

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
        if self.board.report(name, idle=not self.markets, pause=self._pause_words()):
            self._report_venue()  # the venue's state follows its feeds' at once

    def _report_venue(self) -> None:
        pause = self._pause_words()
        self.board.report_venue(venue_detail(self.venue, self.all_markets, self.assets, pause))

    def _status(self, feed: str, state: FeedState, detail: str) -> None:
        self.board.say(feed, state, detail)
