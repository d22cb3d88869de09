"""Margin brackets from the venue through the real ccxt client, and the store's cache of them.

Binance's come from the simulator's signed ``leverageBracket`` (the demo keys); Bybit's and
OKX's from the fixture server's captured / real-shaped rows. Each market's table is the
venue's when it answered, else the store's copy of an earlier answer, else none (the
planner's fallback, labelled an estimate); no tiers call fails the markets load.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.engine.fixture_server import ROUTES, FixtureServer
from tui.core.margin import Bracket
from tui.core.models import MarketSpec, Portfolio, TiltSpec
from tui.core.planner import plan_tilt
from tui.engine.brackets import cached_brackets, save_brackets
from tui.engine.events import MarketsLoaded
from tui.engine.markets import load_market_specs
from tui.engine.quotes import fetch_quotes
from tui.engine.session import MarketSession
from tui.engine.venues import create_exchange
from tui.sim.server import SimServer
from tui.store import Store

from .conftest import OUR_CLOCK, START, Recorder

BTC = "BTC/USDT:USDT"
ETH = "ETH/USDT:USDT"
BTC_Q = "BTC/USDT:USDT-260327"
KEYS = {"apiKey": "demo-key", "secret": "demo-secret"}
#: When the tests say the tiers were fetched (never the wall clock).
FETCHED = datetime(2026, 1, 4, 23, 0, tzinfo=UTC)


def client(sim: SimServer, credentials: dict[str, str] | None = None) -> Any:
    exchange = create_exchange("binanceusdm", sim_url=sim.url, credentials=credentials)
    exchange.enableRateLimit = False
    return exchange


def table(spec: MarketSpec) -> list[tuple[float, float, float, float, float]]:
    return [(b.floor, b.cap, b.max_leverage, b.mmr, b.maint_amount) for b in spec.brackets]


#: The frozen scenario's BTC brackets as the simulator serves them: Binance's cum in the last
#: column (maintenance margin continuous: 50,000 × (0.008 − 0.004) = 200, …).
BTC_TABLE = [
    (0.0, 50_000.0, 125.0, 0.004, 0.0),
    (50_000.0, 250_000.0, 62.0, 0.008, 200.0),
    (250_000.0, 1_250_000.0, 31.0, 0.016, 2_200.0),
    (1_250_000.0, 6_250_000.0, 15.0, 0.032, 22_200.0),
    (6_250_000.0, 31_250_000.0, 7.0, 0.064, 222_200.0),
]


async def test_binance_brackets_with_keys_carry_cum(sim: SimServer) -> None:
    exchange = client(sim, KEYS)
    try:
        specs = await load_market_specs(exchange, ["BTC", "ETH"])
    finally:
        await exchange.close()
    btc = specs[BTC]
    assert (btc.brackets_source, btc.liquidation_rule) == ("venue", "binance")
    assert table(btc) == BTC_TABLE
    assert btc.max_leverage == 125  # the best bracket's
    assert table(specs[BTC_Q]) == BTC_TABLE  # dated futures have their own rows
    assert specs[ETH].brackets[0] == Bracket(floor=0, cap=50_000, max_leverage=100, mmr=0.004)
    # exchangeInfo's maintMarginPercent ("2.5000" on every symbol, as on Binance) is not a rate.
    rates = {b.mmr for spec in specs.values() for b in spec.brackets}
    assert 0.025 not in rates and specs[BTC].maintenance_margin_rate == 0.004


async def test_a_leg_in_the_second_bracket_uses_its_cum(sim: SimServer) -> None:
    exchange = client(sim, KEYS)
    try:
        specs = await load_market_specs(exchange, ["BTC"])
        quotes = await fetch_quotes(exchange, specs)
    finally:
        await exchange.close()
    tilt = TiltSpec(
        targets={"BTC": 0.1}, base_usd=1_000_000, leverage=5, window_days=7, instrument="perp"
    )
    plan = plan_tilt(
        Portfolio(holdings={"USDT": 1_000_000}),
        tilt,
        specs.values(),
        quotes,
        venue="sim",
        now=START,
    )
    (leg,) = plan.legs
    # $100,000 long: Binance's second bracket (62×, MMR 0.8 %, cum 200), from the venue.
    assert leg.notional_usd == pytest.approx(100_000, rel=1e-3)
    assert (leg.mmr, leg.maint_amount_usd, leg.max_leverage) == (0.008, 200.0, 62.0)
    assert leg.liquidation_estimate is False


async def test_binance_without_keys_keeps_the_fallback(sim: SimServer) -> None:
    exchange = client(sim)
    try:
        specs = await load_market_specs(exchange, ["BTC"])
    finally:
        await exchange.close()
    btc = specs[BTC]
    assert (btc.brackets, btc.brackets_source, btc.liquidation_rule) == ((), "fallback", "binance")


async def test_a_failing_tiers_call_does_not_fail_the_load(sim: SimServer) -> None:
    # A wrong secret: the public markets load, the signed brackets call answers -1022.
    exchange = client(sim, {"apiKey": "demo-key", "secret": "wrong"})
    try:
        specs = await load_market_specs(exchange, ["BTC", "ETH"])
    finally:
        await exchange.close()
    assert {BTC, ETH, BTC_Q} <= set(specs)
    assert all(s.brackets == () and s.brackets_source == "fallback" for s in specs.values())


async def test_the_store_caches_tiers_for_when_the_venue_cannot_be_asked(
    sim: SimServer, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    exchange = client(sim, KEYS)
    try:
        with Store.open(data) as store:
            await load_market_specs(exchange, ["BTC"], store=store, fetched_at=FETCHED)
            rows = store.read("brackets").filter(store.read("brackets")["symbol"] == BTC)
            assert rows.sort("tier")["maint_amount"].to_list() == [b[4] for b in BTC_TABLE]
            assert set(rows["venue"]) == {"binanceusdm"} and set(rows["unit"]) == {"usd"}
            assert set(rows["fetched_at"]) == {FETCHED}
    finally:
        await exchange.close()
    # A restart whose signed call fails (a wrong secret), then one without keys: the table
    # the venue gave earlier, from the store.
    for credentials in ({"apiKey": "demo-key", "secret": "wrong"}, None):
        exchange = client(sim, credentials)
        try:
            with Store.open(data) as store:
                specs = await load_market_specs(exchange, ["BTC"], store=store, fetched_at=FETCHED)
                assert store.read("brackets").height == 2 * len(BTC_TABLE)  # nothing rewritten
        finally:
            await exchange.close()
        assert table(specs[BTC]) == BTC_TABLE and specs[BTC].brackets_source == "venue"
        assert specs[BTC].max_leverage == 125


def test_the_cache_keeps_each_markets_latest_table(tmp_path: Path) -> None:
    first = (
        Bracket(floor=0, cap=10, max_leverage=50, mmr=0.01),
        Bracket(floor=10, cap=math.inf, max_leverage=20, mmr=0.02, maint_amount=0.1),
    )
    later = (Bracket(floor=0, cap=math.inf, max_leverage=25, mmr=0.01),)
    with Store.open(tmp_path) as store:
        save_brackets(store, "bybit", {"BTC/USDT:USDT": first, "ETH/USDT:USDT": first}, FETCHED)
        save_brackets(store, "okx", {"BTC/USDT:USDT": first}, FETCHED)
        save_brackets(store, "bybit", {"BTC/USDT:USDT": later}, FETCHED)
        assert cached_brackets(store, "bybit", [BTC, ETH, "SOL/USDT:USDT"]) == {
            BTC: later,
            ETH: first,
        }
        assert cached_brackets(store, "okx", [BTC]) == {BTC: first}
    with Store.open(tmp_path) as store:  # and after a restart
        assert cached_brackets(store, "bybit", [BTC]) == {BTC: later}


def test_a_closed_store_neither_caches_nor_raises(tmp_path: Path) -> None:
    store = Store.open(tmp_path)
    store.close()
    save_brackets(
        store, "bybit", {BTC: (Bracket(floor=0, cap=1, max_leverage=1, mmr=0.1),)}, FETCHED
    )
    assert cached_brackets(store, "bybit", [BTC]) == {}


async def test_bybit_and_okx_tiers_cached_for_a_restart(tmp_path: Path) -> None:
    for venue, path in (
        ("bybit", "/api.bybit.com/v5/market/risk-limit"),
        ("okx", "/www.okx.com/api/v5/public/position-tiers"),
    ):
        data = tmp_path / venue
        fresh: dict[str, MarketSpec] = {}
        for routes in (ROUTES, {p: h for p, h in ROUTES.items() if p != path}):
            async with FixtureServer(routes) as server:
                exchange = create_exchange(venue, sim_url=server.url)
                exchange.enableRateLimit = False
                try:
                    with Store.open(data) as store:
                        specs = await load_market_specs(
                            exchange, ["BTC"], store=store, fetched_at=FETCHED
                        )
                finally:
                    await exchange.close()
            fresh = fresh or specs
            # Second round: the tiers endpoint is gone (404), the store answers.
            assert specs[BTC].brackets == fresh[BTC].brackets != ()
            assert specs[BTC].brackets_source == "venue"


@pytest.fixture
async def stored_session(
    sim: SimServer, tmp_path: Path
) -> AsyncIterator[tuple[MarketSession, Recorder, Store]]:
    with Store.open(tmp_path / "data") as store:
        market = MarketSession(
            "binanceusdm",
            sim_url=sim.url,
            assets=["BTC"],
            store=store,
            poll_seconds=0.2,
            credentials=KEYS,
            stream=False,
            wall_clock=lambda: OUR_CLOCK,
        )
        events = Recorder()
        task = asyncio.create_task(market.run(events))
        try:
            yield market, events, store
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)


async def test_the_session_reads_and_caches_brackets_of_the_assets_followed(
    stored_session: tuple[MarketSession, Recorder, Store],
) -> None:
    market, events, store = stored_session
    await events.wait_for(lambda: BTC in market.markets)
    assert table(market.markets[BTC]) == BTC_TABLE
    # Only the followed assets were asked for: SOL's market has no brackets yet.
    assert market.all_markets["SOL/USDT:USDT"].brackets == ()
    cached = store.read("brackets")
    assert set(cached["symbol"]) == {BTC, BTC_Q}
    assert set(cached["fetched_at"]) == {datetime.fromtimestamp(OUR_CLOCK, tz=UTC)}
    market.set_assets(["BTC", "SOL"])
    await events.wait_for(
        lambda: (
            "SOL/USDT:USDT" in market.markets
            and market.markets["SOL/USDT:USDT"].brackets_source == "venue"
        )
    )
    announced = events.of(MarketsLoaded)[-1].markets
    assert announced["SOL/USDT:USDT"].brackets[0].max_leverage == 75
    assert "SOL/USDT:USDT" in set(store.read("brackets")["symbol"])
