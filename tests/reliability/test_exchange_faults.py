"""Exchange faults through the simulator: what the session says, how it recovers, and the
timing of its requests as the venue saw them (the simulator logs each arrival).

Every fault is set at runtime on the running simulator; the session runs with short retries
(`Pacing`) and polls every 0.2 s. Seeds are the frozen scenario's. Waits are bounded only
to stop a hung test: no test measures its own duration. What arrives is stamped with a
stopped clock; feed health runs on real elapsed time, which is what it measures.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.engine.conftest import Recorder
from tui.engine.gate import RequestGate
from tui.engine.health import Pacing
from tui.engine.markets import load_market_specs
from tui.engine.session import MarketSession
from tui.engine.venues import SIM_CREDENTIALS, create_exchange
from tui.sim.server import RequestRecord, SimServer

#: The session's own (stopped) clock.
OUR_CLOCK = datetime(2026, 11, 24, 3, 17, tzinfo=UTC).timestamp()
PACING = Pacing(
    stale_floor_s=1.0,
    slow_after_s=0.4,
    connect_retry_s=0.2,
    max_backoff_s=0.5,
    request_timeout_s=0.8,
)
#: A request the client sent before it read the 429 of another may reach the venue just after
#: that 429 went out (two feeds, one loopback): that much is in flight, not a disobeyed pause.
IN_FLIGHT_S = 0.05
REST_FEEDS = ("marks", "book")


@contextlib.asynccontextmanager
async def running(
    sim: SimServer, assets: tuple[str, ...] = ("BTC", "ETH"), gate: RequestGate | None = None
) -> AsyncIterator[tuple[MarketSession, Recorder]]:
    market = MarketSession(
        "binanceusdm",
        sim_url=sim.url,
        assets=assets,
        poll_seconds=0.2,
        credentials=SIM_CREDENTIALS,
        pacing=PACING,
        gate=gate,
        wall_clock=lambda: OUR_CLOCK,
    )
    events = Recorder()
    task = asyncio.create_task(market.run(events))
    try:
        yield market, events
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


def since(sim: SimServer, start: int) -> list[RequestRecord]:
    return list(sim.requests)[start:]


def answered(sim: SimServer, start: int, status: int, path: str = "") -> int:
    return sum(1 for r in since(sim, start) if r.status == status and path in r.path)


def arrived(sim: SimServer, start: int, path: str) -> int:
    return sum(1 for r in since(sim, start) if path in r.path)


def all_live(market: MarketSession, feeds: tuple[str, ...] = REST_FEEDS) -> bool:
    return all(market.health[f].state == "live" for f in feeds)


# -- markets: garbled, empty, unlisted -----------------------------------------------------


async def test_garbled_markets_are_asked_again_and_never_called_live(sim):
    sim.set_faults(malformed_rate=1.0)
    async with running(sim) as (market, events):
        await events.wait_for(lambda: answered(sim, 0, 200, "exchangeInfo") >= 3)
        # Asked again and again (ccxt's cache of an empty load is not taken for an answer).
        assert market.venue_state == "offline" and not market.all_markets
        venue = events.statuses("venue")
        assert "live" not in [s.state for s in venue]
        assert any("garbled" in s.detail and "retrying" in s.detail for s in venue)
        sim.set_faults()
        await events.wait_for(lambda: market.venue_state == "live")
        live = next(s for s in events.statuses("venue") if s.state == "live")
        assert len(market.all_markets) >= 4
        assert live.detail == f"{len(market.all_markets)} markets"


async def test_half_garbled_answers_load_every_market_or_none(sim):
    clean = create_exchange("binanceusdm", sim_url=sim.url, credentials=SIM_CREDENTIALS)
    try:
        expected = await load_market_specs(clean)
    finally:
        await clean.close()
    sim.set_faults(malformed_rate=0.5)
    async with running(sim) as (market, events):
        await events.wait_for(lambda: "live" in [s.state for s in events.statuses("venue")])
        said = [s.detail for s in events.statuses("venue") if s.state == "live"]
        assert said[0] == f"{len(expected)} markets"
        assert market.all_markets.keys() == expected.keys()
        # SOL settles every 4 h: a garbled interval list is not taken for Binance's usual 8 h.
        assert market.all_markets["SOL/USDT:USDT"].funding_interval_hours == 4


async def test_an_asset_with_no_futures_market_is_said(sim):
    async with running(sim, assets=("BTC", "FOO")) as (market, events):
        await events.wait_for(lambda: all_live(market))
        assert market.unlisted() == ["FOO"]
        # Said with the markets when the venue went live, and with every change after.
        said = [s for s in events.statuses("venue") if s.state != "offline"]
        assert said[0].detail.endswith(" markets; no futures market for FOO on binanceusdm")
        assert all("no futures market for FOO on binanceusdm" in s.detail for s in said)
    async with running(sim, assets=("FOO",)) as (market, events):
        await events.wait_for(lambda: events.statuses("marks") and events.statuses("book"))
        venue = events.statuses("venue")[-1]
        assert venue.state == "live"  # the venue answers; it just lists nothing for FOO
        assert venue.detail.endswith("no futures market for FOO on binanceusdm")
        for feed in REST_FEEDS:
            said = events.statuses(feed)[-1]
            assert (said.state, said.detail) == ("offline", "no market followed")


# -- REST outages while the websocket is up --------------------------------------------------


@pytest.mark.parametrize(
    ("fault", "polls"),
    [({"error_rate": 1.0}, 3), ({"malformed_rate": 1.0}, 3), ({"latency_ms": 600_000}, 2)],
    ids=["503", "garbled", "never-answers"],
)
async def test_a_rest_outage_is_not_live_while_the_websocket_is(sim, fault, polls):
    async with running(sim) as (market, events):
        await events.wait_for(lambda: all_live(market, (*REST_FEEDS, "stream")))
        await events.wait_for(lambda: market.venue_state == "live")
        sim.set_faults(**fault)
        await events.wait_for(lambda: all(market.health[f].consecutive_errors for f in REST_FEEDS))
        fresh_until = {f: market.health[f].last_ok for f in REST_FEEDS}
        # More polls go out into the outage (the marks' dated future is polled every time,
        # the perps' marks ride the stream): three marks polls hold two finished, one of the
        # dated future alone at least (a venue that never answers times out: two, slowly) ...
        start = len(sim.requests)
        await events.wait_for(
            lambda: (
                arrived(sim, start, "premiumIndex") >= polls
                and arrived(sim, start, "bookTicker") >= 2
            )
        )
        # ... and none of them counts as fresh data, nor leaves a feed live.
        assert {f: market.health[f].last_ok for f in REST_FEEDS} == fresh_until
        assert not any(market.health[f].evaluate() == "live" for f in REST_FEEDS)
        assert market.health["stream"].state == "live"
        await events.wait_for(lambda: market.venue_state != "live")
        sim.set_faults()
        await events.wait_for(lambda: all_live(market) and market.venue_state == "live")
        for feed in REST_FEEDS:
            states = [s.state for s in events.statuses(feed)]
            assert states[-1] == "live" and {"degraded", "stale"} & set(states)


# -- rate limits: Retry-After, 429s in a row, a 418 ban -----------------------------------


def pause_violations(log: list[RequestRecord], windows: list[tuple[float, float]]) -> list[Any]:
    """Requests that reached the venue inside a pause it asked for."""
    return [
        (round(start, 3), r.path, round(r.at - start, 3))
        for start, pause in windows
        for r in log
        if start + IN_FLIGHT_S < r.at < start + pause
    ]


async def test_retry_after_holds_every_feed(sim):
    async with running(sim) as (market, events):
        await events.wait_for(lambda: all_live(market))
        start = len(sim.requests)
        sim.set_faults(rate_limit_every=4)
        await events.wait_for(lambda: answered(sim, start, 429) >= 2)
        sim.set_faults()
        await events.wait_for(lambda: all_live(market))
        log = since(sim, start)
        windows = [(r.at, 1.0) for r in log if r.status == 429]
        assert pause_violations(log, windows) == []
        said = [s.detail for f in (*REST_FEEDS, "venue") for s in events.statuses(f)]
        assert any("all requests paused 1 s: rate limited (HTTP 429" in d for d in said)


async def test_429s_back_off_harder_and_a_418_ban_harder_still(sim):
    gate = RequestGate(ban_floor_s=3.0)
    async with running(sim, gate=gate) as (market, events):
        await events.wait_for(lambda: all_live(market))
        start = len(sim.requests)
        sim.set_faults(rate_limit_every=1)
        await events.wait_for(lambda: gate.strikes >= 2)
        sim.set_faults(ban_s=1.0)  # says Retry-After: 1; the gate's floor (3 s) wins
        await events.wait_for(lambda: gate.bans >= 1)
        sim.set_faults()
        await events.wait_for(lambda: all_live(market), timeout=20)
        log = since(sim, start)
        # The first limited answer of each burst (the others were in flight with it).
        leaders: list[RequestRecord] = []
        for r in log:
            if r.status in (429, 418) and (not leaders or r.at > leaders[-1].at + 0.5):
                leaders.append(r)
        assert [r.status for r in leaders] == [429, 429, 418]
        windows = [(r.at, pause) for r, pause in zip(leaders, (1.0, 2.0, 3.0), strict=True)]
        assert pause_violations(log, windows) == []
        said = [s.detail for f in (*REST_FEEDS, "venue") for s in events.statuses(f)]
        assert any("all requests paused 3 s: IP banned by the venue (HTTP 418)" in d for d in said)


# -- slow and silent venues ----------------------------------------------------------------


async def test_a_slow_venue_is_said_from_the_first_moment(sim):
    sim.set_faults(latency_ms=450)
    async with running(sim, assets=("BTC",)) as (market, events):
        await events.wait_for(lambda: market.venue_state == "live")
        venue = events.statuses("venue")
        assert (venue[0].state, venue[0].detail) == ("offline", "connecting to binanceusdm…")
        assert any("slow: waiting" in s.detail for s in venue[1:-1])
        await events.wait_for(
            lambda: any(s.detail.startswith("slow venue") for s in events.statuses("marks"))
        )
        assert market.health["marks"].state != "live"
        sim.set_faults()
        await events.wait_for(lambda: all_live(market))


async def test_a_venue_that_never_answers_is_offline_and_keeps_trying(sim):
    sim.set_faults(latency_ms=600_000)
    async with running(sim) as (market, events):
        await events.wait_for(
            lambda: any("RequestTimeout" in s.detail for s in events.statuses("venue"))
        )
        venue = events.statuses("venue")
        assert venue[0].detail == "connecting to binanceusdm…"
        assert all(s.state == "offline" for s in venue)
        assert any("cannot reach binanceusdm" in s.detail for s in venue)
        sim.set_faults()
        await events.wait_for(lambda: market.venue_state == "live")
        await events.wait_for(lambda: all_live(market))


# -- websocket drop storms -----------------------------------------------------------------


async def test_a_websocket_drop_storm_is_degraded_and_recovers(sim):
    async with running(sim) as (market, events):
        await events.wait_for(lambda: all_live(market, (*REST_FEEDS, "stream")))
        sim.set_faults(ws_drop_every_s=0.3)
        await events.wait_for(lambda: market.health["stream"].fallback)
        await events.wait_for(lambda: market.venue_state == "degraded")
        # Meanwhile the REST marks keep every quote fresh.
        assert market.health["marks"].state == "live"
        said = events.statuses("stream")[-1]
        assert said.detail.startswith("websocket down, polling instead")
        sim.set_faults()
        await events.wait_for(
            lambda: all_live(market, ("stream",)) and market.venue_state == "live"
        )
