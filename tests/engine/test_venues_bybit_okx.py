"""Bybit and OKX through the real ccxt client, against recorded / real-shaped responses.

`fixture_server.FixtureServer` answers the REST paths ccxt's ``bybit`` and ``okx`` clients
call; ``create_exchange(venue, sim_url=...)`` points the unmodified client at it. The
numbers asserted below are the ones in ``tests/fixtures/venues/*.json``.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.engine.fixture_server import FIXTURES, ROUTES, FixtureServer, load_fixture
from tui.core.models import Portfolio, TiltSpec
from tui.core.planner import plan_tilt
from tui.engine.markets import funding_interval_hours, load_market_specs
from tui.engine.quotes import fetch_marks, fetch_quotes
from tui.engine.venues import create_exchange

BTC = "BTC/USDT:USDT"
ETH = "ETH/USDT:USDT"
SOL = "SOL/USDT:USDT"
BYBIT_FUTURE = "BTC/USDT:USDT-241227"
OKX_FUTURE = "BTC/USDT:USDT-240329"


def utc(year: int, month: int, day: int, hour: int) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)


Opener = Callable[..., Any]


@pytest.fixture
async def open_venue() -> AsyncIterator[Opener]:
    """``await open_venue("okx", routes=...)`` → (server, ccxt client); both closed after."""
    opened: list[tuple[FixtureServer, Any]] = []

    async def opener(venue: str, routes: dict[str, Any] | None = None) -> Any:
        server = FixtureServer(routes)
        await server.start()
        exchange = create_exchange(venue, sim_url=server.url)
        # ccxt paces requests for the real venue's limits (OKX: ~100 ms+ each); loopback needs none.
        exchange.enableRateLimit = False
        opened.append((server, exchange))
        return server, exchange

    yield opener
    for server, exchange in opened:
        await exchange.close()
        await server.stop()


# -- Bybit ------------------------------------------------------------------------------------


async def test_bybit_market_specs(open_venue: Opener) -> None:
    server, exchange = await open_venue("bybit")
    specs = await load_market_specs(exchange, ["BTC", "SOL"])
    assert set(specs) == {BTC, SOL, BYBIT_FUTURE}

    btc = specs[BTC]
    assert (btc.exchange_id, btc.instrument, btc.settle) == ("bybit", "perp", "USDT")
    assert btc.contract_size == 1.0
    assert btc.amount_precision == 0.001 and btc.price_precision == 0.5
    assert btc.min_amount == 0.001
    assert btc.min_cost is None  # this recorded answer predates lotSizeFilter.minNotionalValue
    assert btc.max_leverage == 100.0
    assert btc.funding_interval_hours == 8.0  # info.fundingInterval 480 minutes

    sol = specs[SOL]
    assert sol.funding_interval_hours == 1.0  # fundingInterval 60 minutes
    assert (sol.amount_precision, sol.min_amount, sol.min_cost) == (0.1, 0.1, 5.0)
    assert sol.max_leverage == 75.0

    future = specs[BYBIT_FUTURE]
    assert future.instrument == "future"
    assert future.expiry == utc(2024, 12, 27, 8)  # deliveryTime 1735286400000
    assert future.contract_type == "LinearFutures"
    assert future.funding_interval_hours is None  # a dated future does not fund
    assert future.max_leverage == 50.0 and future.min_cost == 5.0

    # ccxt's load_markets on linear only: the listing, and the (empty) pre-launch listing.
    assert server.requests[:2] == [
        "GET /api.bybit.com/v5/market/instruments-info?category=linear&limit=1000",
        "GET /api.bybit.com/v5/market/instruments-info?category=linear&limit=1000&status=PreLaunch",
    ]
    # Then each market's risk limits (public, one call per symbol).
    assert sorted(r for r in server.requests if "risk-limit" in r) == [
        "GET /api.bybit.com/v5/market/risk-limit?symbol=BTC-27DEC24&category=linear",
        "GET /api.bybit.com/v5/market/risk-limit?symbol=BTCUSDT&category=linear",
        "GET /api.bybit.com/v5/market/risk-limit?symbol=SOLUSDT&category=linear",
    ]
    assert server.unknown == []


async def test_bybit_brackets_from_risk_limit(open_venue: Opener) -> None:
    _, exchange = await open_venue("bybit")
    specs = await load_market_specs(exchange, ["BTC", "SOL"])
    btc = specs[BTC]
    assert (btc.brackets_source, btc.liquidation_rule) == ("venue", "bybit")
    # riskLimitValue caps in USD; maintenance deduction from mmDeduction ("" on tier 1 = 0).
    assert [(b.floor, b.cap, b.max_leverage, b.mmr, b.maint_amount) for b in btc.brackets] == [
        (0.0, 2_000_000.0, 100.0, 0.005, 0.0),
        (2_000_000.0, 4_000_000.0, 57.14, 0.01, 10_000.0),
        (4_000_000.0, 6_000_000.0, 40.0, 0.015, 30_000.0),
    ]
    assert {b.unit for b in btc.brackets} == {"usd"}
    # The fixture holds no rows for SOL or the quarterly: they stay on the fallback, with
    # Bybit's formula all the same.
    for symbol in (SOL, BYBIT_FUTURE):
        assert specs[symbol].brackets == () and specs[symbol].brackets_source == "fallback"
        assert specs[symbol].liquidation_rule == "bybit"


async def test_bybit_quotes(open_venue: Opener) -> None:
    server, exchange = await open_venue("bybit")
    specs = await load_market_specs(exchange, ["BTC", "SOL"])
    quotes = await fetch_quotes(exchange, specs)

    btc = quotes[BTC]
    assert btc.funding_rate == 0.0001
    assert btc.next_funding_time == utc(2024, 11, 4, 16)  # nextFundingTime 1730736000000
    assert btc.funding_interval_hours == 8.0
    assert (btc.mark, btc.index) == (68649.90, 68650.75)
    assert (btc.bid, btc.ask) == (68641.20, 68641.30)

    sol = quotes[SOL]
    assert sol.funding_rate == -0.00005
    assert sol.next_funding_time == utc(2024, 11, 4, 15)  # the hourly settlement
    assert sol.funding_interval_hours == 1.0
    assert (sol.mark, sol.index, sol.bid, sol.ask) == (164.52, 164.56, 164.49, 164.51)

    # Bybit has no mark price call: the dated future's mark and index come from its ticker.
    future = quotes[BYBIT_FUTURE]
    assert (future.mark, future.index) == (70120.50, 68650.75)
    assert (future.bid, future.ask) == (70118.00, 70123.00)
    assert future.funding_rate is None and future.next_funding_time is None

    paths = server.paths()
    assert set(paths) == {
        "/api.bybit.com/v5/market/instruments-info",
        "/api.bybit.com/v5/market/risk-limit",
        "/api.bybit.com/v5/market/tickers",
    }
    assert server.unknown == []


async def test_bybit_time(open_venue: Opener) -> None:
    server, exchange = await open_venue("bybit")
    assert await exchange.fetch_time() == 1730729903941
    assert server.paths() == ["/api.bybit.com/v5/market/time"]


# -- OKX --------------------------------------------------------------------------------------


async def test_okx_market_specs(open_venue: Opener) -> None:
    server, exchange = await open_venue("okx")
    specs = await load_market_specs(exchange, None)
    # BTC-USD-SWAP is inverse (settled in BTC): not a market the planner can use.
    assert set(specs) == {BTC, ETH, SOL, OKX_FUTURE}

    btc = specs[BTC]
    assert (btc.exchange_id, btc.instrument) == ("okx", "perp")
    assert btc.contract_size == 0.01  # ctVal: amounts are contracts of 0.01 BTC
    assert (btc.amount_precision, btc.min_amount, btc.min_cost) == (0.01, 0.01, None)
    assert btc.max_leverage == 100.0  # lever
    assert btc.funding_interval_hours == 8.0  # nextFundingTime − fundingTime

    eth = specs[ETH]
    assert eth.contract_size == 0.1
    assert eth.funding_interval_hours == 8.0
    assert specs[SOL].contract_size == 1.0
    assert specs[SOL].funding_interval_hours == 1.0

    future = specs[OKX_FUTURE]
    assert future.instrument == "future"
    assert future.expiry == utc(2024, 3, 29, 8)  # expTime 1711699200000
    assert future.contract_type == "quarter"  # OKX's alias
    assert future.contract_size == 0.01
    assert (future.amount_precision, future.min_amount, future.max_leverage) == (1.0, 1.0, 50.0)
    assert future.funding_interval_hours is None

    assert server.paths()[:3] == [
        "/www.okx.com/api/v5/public/instruments",
        "/www.okx.com/api/v5/public/instruments",
        "/www.okx.com/api/v5/public/funding-rate",  # the perps' intervals
    ]
    assert sorted(server.requests[:2]) == [
        "GET /www.okx.com/api/v5/public/instruments?instType=FUTURES",
        "GET /www.okx.com/api/v5/public/instruments?instType=SWAP",
    ]
    # Position tiers in isolated mode, one call per instrument type and family.
    assert sorted(server.requests[3:]) == [
        "GET /www.okx.com/api/v5/public/position-tiers?instType=FUTURES&tdMode=isolated"
        "&instFamily=BTC-USDT",
        "GET /www.okx.com/api/v5/public/position-tiers?instType=SWAP&tdMode=isolated"
        "&instFamily=BTC-USDT",
        "GET /www.okx.com/api/v5/public/position-tiers?instType=SWAP&tdMode=isolated"
        "&instFamily=ETH-USDT",
        "GET /www.okx.com/api/v5/public/position-tiers?instType=SWAP&tdMode=isolated"
        "&instFamily=SOL-USDT",
    ]
    assert server.unknown == []


async def test_okx_brackets_from_position_tiers(open_venue: Opener) -> None:
    _, exchange = await open_venue("okx")
    specs = await load_market_specs(exchange, None)
    btc = specs[BTC]
    assert (btc.brackets_source, btc.liquidation_rule) == ("venue", "okx")
    # minSz / maxSz count contracts (0.01 BTC each); OKX publishes no maintenance amount.
    assert [(b.floor, b.cap, b.max_leverage, b.mmr) for b in btc.brackets] == [
        (0.0, 5_000.0, 100.0, 0.004),
        (5_001.0, 10_000.0, 75.0, 0.005),
        (10_001.0, 15_000.0, 50.0, 0.0065),
        (15_001.0, 20_000.0, 30.0, 0.01),
    ]
    assert {(b.unit, b.maint_amount) for b in btc.brackets} == {("contracts", 0.0)}
    # The other families' calls fail here (no fixture): only those markets stay on the
    # fallback, and the load goes on.
    for symbol in (ETH, SOL, OKX_FUTURE):
        assert specs[symbol].brackets_source == "fallback" and specs[symbol].brackets == ()
        assert specs[symbol].liquidation_rule == "okx"


async def test_okx_quotes(open_venue: Opener) -> None:
    server, exchange = await open_venue("okx")
    specs = await load_market_specs(exchange, ["BTC", "SOL"])
    server.requests.clear()
    quotes = await fetch_quotes(exchange, specs)

    btc = quotes[BTC]
    # fundingRate/fundingTime are the upcoming settlement; nextFundingRate 0.00017 and
    # nextFundingTime belong to the period after it.
    assert btc.funding_rate == 0.00027815
    assert btc.next_funding_time == utc(2024, 3, 13, 16)
    assert btc.funding_interval_hours == 8.0
    # The funding answer has no prices: mark from mark-price, index from index-tickers.
    assert (btc.mark, btc.index) == (73390.1, 73380.2)
    assert (btc.bid, btc.ask) == (73388.4, 73388.5)

    sol = quotes[SOL]
    assert sol.funding_rate == -0.00002
    assert sol.next_funding_time == utc(2024, 3, 13, 12)
    assert sol.funding_interval_hours == 1.0
    assert (sol.mark, sol.index) == (152.48, 152.51)

    future = quotes[OKX_FUTURE]
    assert future.mark == 73750.4
    assert future.index == 73380.2  # BTC-USDT's index: the future's underlying
    assert (future.bid, future.ask) == (73745.1, 73749.9)
    assert future.funding_rate is None

    assert sorted(server.requests) == [
        "GET /www.okx.com/api/v5/market/index-tickers?quoteCcy=USDT",
        "GET /www.okx.com/api/v5/market/tickers?instType=FUTURES",
        "GET /www.okx.com/api/v5/market/tickers?instType=SWAP",
        "GET /www.okx.com/api/v5/public/funding-rate?instId=ANY",
        "GET /www.okx.com/api/v5/public/mark-price?instType=FUTURES",
        "GET /www.okx.com/api/v5/public/mark-price?instType=SWAP",
    ]
    assert server.unknown == []


async def test_okx_missing_prices_leave_fields_empty(open_venue: Opener) -> None:
    # Mark and index are secondary: when their endpoints fail the funding still arrives.
    routes = dict(ROUTES)
    del routes["/www.okx.com/api/v5/public/mark-price"]
    del routes["/www.okx.com/api/v5/market/index-tickers"]
    server, exchange = await open_venue("okx", routes)
    specs = await load_market_specs(exchange, ["BTC"])
    quotes = await fetch_marks(exchange, specs)
    assert quotes[BTC].funding_rate == 0.00027815
    assert quotes[BTC].mark is None and quotes[BTC].index is None
    assert OKX_FUTURE not in quotes
    assert len(server.unknown) == 3  # mark-price for swaps and futures, index-tickers


async def test_okx_plan_counts_contracts_of_001_btc(open_venue: Opener) -> None:
    _, exchange = await open_venue("okx")
    specs = await load_market_specs(exchange, ["BTC"])
    quotes = await fetch_quotes(exchange, specs)
    now = datetime.fromtimestamp(await exchange.fetch_time() / 1000, tz=UTC)
    tilt = TiltSpec(
        targets={"BTC": 0.15}, base_usd=100_000, leverage=5, window_days=7, instrument="perp"
    )
    plan = plan_tilt(
        Portfolio(holdings={"USDT": 100_000}), tilt, specs.values(), quotes, venue="okx", now=now
    )
    (leg,) = plan.legs
    # $15,000 long at the mark 73,390.1 with 0.01 BTC per contract:
    # 15,000 / (73,390.1 × 0.01) = 15,000 / 733.901 = 20.4387… contracts, truncated to the
    # lot step 0.01 → 20.43 contracts (0.2043 BTC) = 20.43 × 733.901 = $14,993.597…,
    # residual $6.40; margin at 5× = $2,998.72.
    assert leg.symbol == BTC and leg.side == "buy"
    assert leg.amount == "20.43" and leg.contracts == 20.43
    assert leg.price == 73390.1
    assert leg.notional_usd == pytest.approx(14_993.597_43, abs=1e-4)
    assert leg.residual_usd == pytest.approx(6.402_57, abs=1e-4)
    assert leg.margin_usd == pytest.approx(2_998.719_49, abs=1e-4)
    assert leg.status == "ok"


# -- the pieces -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("entry", "hours"),
    [
        # OKX: the gap between the two settlement times, even where ccxt has no label for it
        # and passes the milliseconds through as the "interval".
        ({"fundingTimestamp": 0, "nextFundingTimestamp": 10_800_000, "interval": "10800000"}, 3.0),
        ({"fundingTimestamp": 0, "nextFundingTimestamp": 28_800_000, "interval": "8h"}, 8.0),
        ({"fundingTimestamp": 5, "nextFundingTimestamp": None, "interval": "1h"}, 1.0),  # Bybit
        ({"fundingTimestamp": 5, "nextFundingTimestamp": None, "interval": None}, None),  # Binance
    ],
)
def test_funding_interval_hours(entry: dict[str, Any], hours: float | None) -> None:
    assert funding_interval_hours(entry) == hours


def test_every_fixture_names_its_source() -> None:
    for path in sorted(FIXTURES.glob("*.json")):
        raw = json.loads(path.read_text())
        assert isinstance(raw.get("_source"), str) and len(raw["_source"]) > 20, path.name
        assert "_source" not in load_fixture(path.name)
