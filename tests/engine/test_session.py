"""The market session through real ccxt (REST and websocket) against the simulator.

Each injected fault: the feed survives, reports degraded or stale, and recovers when the
fault ends. Nothing raises out of `MarketSession.run`.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from tui.core.models import MarketSpec
from tui.engine.events import FeedStatus, FundingHistory, MarketsLoaded, PriceHistory
from tui.engine.session import MarketSession

from .conftest import OUR_CLOCK, START, Recorder


async def test_markets_quotes_and_history(session):
    market, events = session
    await events.wait_for(
        lambda: "BTC/USDT:USDT" in market.quotes and market.quotes["BTC/USDT:USDT"].bid is not None
    )
    assert {"BTC/USDT:USDT", "ETH/USDT:USDT", "BTC/USDT:USDT-260327"} <= set(market.markets)
    assert not any(m.base == "SOL" for m in market.markets.values())
    btc = market.quotes["BTC/USDT:USDT"]
    assert btc.mark == pytest.approx(50_000) and btc.index == pytest.approx(50_000)
    assert btc.funding_rate == pytest.approx(0.0001)
    assert btc.next_funding_time is not None and btc.next_funding_time.hour % 8 == 0
    assert btc.bid < btc.mark < btc.ask
    # Leverage caps come from the private leverage brackets (the demo has keys).
    assert market.markets["BTC/USDT:USDT"].max_leverage == 125
    assert market.markets["BTC/USDT:USDT"].funding_interval_hours == 8
    await events.wait_for(lambda: events.of(FundingHistory) and events.of(PriceHistory))
    history = next(e for e in events.of(FundingHistory) if e.symbol == "BTC/USDT:USDT")
    # 30 days of 8 h settlements, both ends in: 91 rows, oldest first.
    assert len(history.rows) == 91
    assert history.rows == sorted(history.rows)
    assert (history.rows[0][0], history.rows[-1][0]) == (START - timedelta(days=30), START)
    prices = next(e for e in events.of(PriceHistory) if e.symbol == "BTC/USDT:USDT")
    # 7 days of hourly candles, both ends in.
    assert len(prices.rows) == 7 * 24 + 1
    assert (prices.rows[0][0], prices.rows[-1][0]) == (START - timedelta(days=7), START)
    # What arrives is stamped by the session's clock (not the venue's).
    assert btc.received_at == datetime.fromtimestamp(OUR_CLOCK, tz=UTC)
    assert history.at == btc.received_at
    assert events.of(MarketsLoaded)[-1].markets.keys() == market.markets.keys()


async def test_dated_future_marks_and_sim_clock(session):
    market, events = session
    symbol = "BTC/USDT:USDT-260327"
    await events.wait_for(lambda: symbol in market.quotes and market.quotes[symbol].mark)
    # The venue clock is the simulator's (stopped at its start), not ours.
    assert market.venue_now() == START
    assert market.quotes[symbol].mark > 50_000  # contango at 8 % a year


async def test_stream_goes_live(session):
    market, events = session
    await events.wait_for(lambda: market.health["stream"].state == "live")
    await events.wait_for(lambda: market.venue_state == "live")


async def test_set_assets_adds_markets(session):
    market, events = session
    await events.wait_for(lambda: market.markets)
    market.set_assets(["BTC", "ETH", "SOL"])
    await events.wait_for(lambda: "SOL/USDT:USDT" in market.quotes)
    # SOL settles every 4 h (listed by fundingInfo like Binance's adjusted symbols).
    assert market.markets["SOL/USDT:USDT"].funding_interval_hours == 4


@pytest.mark.parametrize(
    "fault",
    [
        {"rate_limit_every": 2},
        {"error_rate": 0.7},
        {"malformed_rate": 0.7},
    ],
)
async def test_rest_faults_degrade_then_recover(sim, session, fault):
    market, events = session
    await events.wait_for(lambda: market.health["book"].state == "live")
    sim.set_faults(**fault)
    await events.wait_for(lambda: market.health["book"].state in ("degraded", "stale"))
    sim.set_faults()
    await events.wait_for(lambda: market.health["book"].state == "live", timeout=20)
    assert "degraded" in events.states("book") or "stale" in events.states("book")


async def test_total_outage_goes_stale_then_recovers(sim, session):
    market, events = session
    await events.wait_for(lambda: market.health["marks"].state == "live")
    sim.set_faults(error_rate=1.0, ws_drop_every_s=0.3)
    await events.wait_for(lambda: market.health["marks"].state == "stale", timeout=15)
    assert market.venue_state in ("stale", "degraded")
    sim.set_faults()
    await events.wait_for(lambda: market.health["marks"].state == "live", timeout=30)


async def test_websocket_drop_falls_back_to_polling_and_reconnects(sim, session):
    market, events = session
    await events.wait_for(lambda: market.health["stream"].state == "live")
    sim.set_faults(ws_drop_every_s=0.3)
    await events.wait_for(lambda: market.health["stream"].fallback, timeout=10)
    # While the stream is down, REST marks keep the quotes fresh.
    assert market.health["marks"].state == "live"
    sim.set_faults()
    await events.wait_for(
        lambda: market.health["stream"].state == "live" and not market.health["stream"].fallback,
        timeout=20,
    )


async def test_latency_is_survived(sim, session):
    market, events = session
    sim.set_faults(latency_ms=300)
    await events.wait_for(lambda: market.health["marks"].state == "live")
    await asyncio.sleep(1.0)
    assert market.health["marks"].state in ("live", "degraded")


async def test_unreachable_venue_reports_offline_and_keeps_trying():
    events = Recorder()
    market = MarketSession(
        "binanceusdm", sim_url="http://127.0.0.1:9", assets=["BTC"], poll_seconds=0.2
    )
    task = asyncio.create_task(market.run(events))
    await events.wait_for(lambda: len(events.of(FeedStatus)) >= 2)
    first, second = events.of(FeedStatus)[:2]
    # Said at once, before any answer: the venue is being connected to.
    assert (first.feed, first.state, first.detail) == (
        "venue",
        "offline",
        "connecting to binanceusdm…",
    )
    assert (second.feed, second.state) == ("venue", "offline")
    assert "cannot reach binanceusdm" in second.detail and "retrying" in second.detail
    assert not task.done()  # still retrying, never raised
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


class _Venue:
    """A stand-in ccxt client: its clock reads ``START``; it records the history asked for."""

    def __init__(self) -> None:
        self.has = {"fetchFundingRateHistory": True, "fetchOHLCV": True}
        self.asked: list[tuple[str, int]] = []

    async def fetch_time(self) -> int:
        return int(START.timestamp() * 1000)

    async def fetch_funding_rate_history(self, symbol: str, since: int, limit: int) -> list:
        self.asked.append(("funding", since))
        return []

    async def fetch_ohlcv(self, symbol: str, timeframe: str, since: int, limit: int) -> list:
        self.asked.append(("candles", since))
        return []


@pytest.mark.parametrize("elapsed_ms", [0, 1, 999, 59 * 60_000])
async def test_backfill_windows_do_not_depend_on_when_they_are_asked(elapsed_ms):
    # Whatever our clock reads, and however long after the venue's clock was read the
    # backfill runs (within the hour), the windows start exactly 30 and 7 days before.
    ours = [datetime(2026, 11, 24, 21, 43, 7, 123_000, tzinfo=UTC).timestamp()]
    market = MarketSession("binanceusdm", wall_clock=lambda: ours[0])
    venue = _Venue()
    market.exchange = venue
    await market.clock.sync(venue)
    ours[0] += elapsed_ms / 1000
    assert market.venue_now() == START + timedelta(milliseconds=elapsed_ms)
    perp = MarketSpec(
        symbol="BTC/USDT:USDT", base="BTC", quote="USDT", settle="USDT", instrument="perp"
    )
    await market.backfill.history(
        venue, perp, now_ms=market.clock.venue_ms(), at=market.received_now()
    )
    ms = int(START.timestamp() * 1000)
    assert venue.asked == [("funding", ms - 30 * 86_400_000), ("candles", ms - 7 * 86_400_000)]


def test_venue_clock_is_ours_until_the_venue_tells_its_own():
    ours = datetime(2026, 11, 24, 3, 17, tzinfo=UTC)
    market = MarketSession("binanceusdm", wall_clock=ours.timestamp)
    assert market.venue_now() == ours == market.received_now()
