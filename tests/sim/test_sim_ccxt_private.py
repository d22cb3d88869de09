"""The real ccxt binanceusdm client against the simulator: signed account endpoints."""

from __future__ import annotations

from typing import Any

import ccxt
import pytest
from simkit import FakeWall

from tui.engine.venues import create_exchange
from tui.sim.server import SimServer

BTC = "BTC/USDT:USDT"


async def test_leverage_tiers_carry_the_scenario_max(exchange: Any) -> None:
    tiers = await exchange.fetch_leverage_tiers()
    assert tiers[BTC][0]["maxLeverage"] == 125
    assert tiers[BTC][0]["maintenanceMarginRate"] == 0.004
    assert tiers["DOGE/USDT:USDT"][0]["maxLeverage"] == 50
    assert tiers["BTC/USDT:USDT-260327"][0]["maxLeverage"] == 125
    caps = [t["maxNotional"] for t in tiers[BTC]]
    assert caps == sorted(caps) and [t["maxLeverage"] for t in tiers[BTC]][-1] < 125


async def test_market_order_fills_at_the_touch_and_is_found_by_client_id(exchange: Any) -> None:
    order = await exchange.create_order(BTC, "market", "buy", 0.01, params={"clientOrderId": "t-1"})
    assert order["status"] == "closed" and order["clientOrderId"] == "t-1"
    assert order["filled"] == 0.01 and order["average"] == 50000.1
    found = await exchange.fetch_order(None, BTC, params={"clientOrderId": "t-1"})
    assert found["id"] == order["id"] and found["status"] == "closed"
    by_id = await exchange.fetch_order(order["id"], BTC)
    assert by_id["clientOrderId"] == "t-1"
    sell = await exchange.create_order("ETH/USDT:USDT", "market", "sell", 0.5)
    assert sell["average"] == 2499.99
    with pytest.raises(ccxt.ExchangeError, match="-2013"):
        await exchange.fetch_order(None, BTC, params={"clientOrderId": "never-sent"})


async def test_duplicate_client_id_and_minimums_are_refused(exchange: Any) -> None:
    await exchange.create_order(BTC, "market", "buy", 0.01, params={"clientOrderId": "dup"})
    with pytest.raises(ccxt.ExchangeError, match="-4116"):
        await exchange.create_order(BTC, "market", "buy", 0.01, params={"clientOrderId": "dup"})
    with pytest.raises(ccxt.ExchangeError, match="-4164"):
        await exchange.create_order(BTC, "market", "buy", 0.001)  # $50 < $100 minimum
    with pytest.raises(ccxt.ExchangeError, match="-2022"):
        await exchange.create_order(BTC, "market", "buy", 0.01, params={"reduceOnly": True})


async def test_positions_balance_leverage(exchange: Any) -> None:
    await exchange.set_leverage(10, BTC)
    await exchange.create_order(BTC, "market", "buy", 0.1)
    await exchange.create_order("ETH/USDT:USDT", "market", "sell", 2)
    positions = {p["symbol"]: p for p in await exchange.fetch_positions()}
    assert positions[BTC]["contracts"] == 0.1 and positions[BTC]["side"] == "long"
    assert positions[BTC]["leverage"] == 10 and positions[BTC]["entryPrice"] == 50000.1
    assert positions["ETH/USDT:USDT"]["side"] == "short"
    balance = await exchange.fetch_balance()
    fees = 0.1 * 50000.1 * 0.0005 + 2 * 2499.99 * 0.0005
    upnl = 0.1 * (50000 - 50000.1) + 2 * (2499.99 - 2500)
    assert balance["USDT"]["total"] == pytest.approx(100_000 - fees + upnl)
    assert balance["USDT"]["used"] == pytest.approx(0.1 * 50000 / 10 + 2 * 2500 / 20)
    with pytest.raises(ccxt.ExchangeError, match="-4028"):
        await exchange.set_leverage(60, "DOGE/USDT:USDT")  # DOGE allows 50
    close = await exchange.create_order(BTC, "market", "sell", 0.1, params={"reduceOnly": True})
    assert close["status"] == "closed"
    assert BTC not in {p["symbol"] for p in await exchange.fetch_positions()}


async def test_funding_is_charged_at_settlement(exchange: Any, wall: FakeWall) -> None:
    await exchange.create_order(BTC, "market", "buy", 0.1)
    before = (await exchange.fetch_balance())["USDT"]["total"]
    wall.advance(8 * 3600)  # to 08:00, BTC's first settlement
    after = (await exchange.fetch_balance())["USDT"]["total"]
    # A long pays notional × rate: 0.1 × 50000 × 0.0001.
    assert before - after == pytest.approx(0.5)


async def test_bad_signature_and_bad_key_are_refused(sim: SimServer) -> None:
    for creds, code in (
        ({"apiKey": "demo-key", "secret": "wrong"}, "-1022"),
        ({"apiKey": "someone-else", "secret": "demo-secret"}, "-2015"),
    ):
        ex = create_exchange("binanceusdm", sim_url=sim.url, credentials=creds)
        ex.enableRateLimit = False
        try:
            with pytest.raises(ccxt.ExchangeError, match=code):
                await ex.fetch_balance()
            with pytest.raises(ccxt.ExchangeError, match=code):
                await ex.create_order(BTC, "market", "buy", 0.01)
        finally:
            await ex.close()
    assert sim.account.orders == {}


async def test_limit_order_rests_until_cancelled(exchange: Any) -> None:
    order = await exchange.create_order(BTC, "limit", "buy", 0.01, 40000)
    assert order["status"] == "open"
    assert [o["id"] for o in await exchange.fetch_open_orders(BTC)] == [order["id"]]
    cancelled = await exchange.cancel_order(order["id"], BTC)
    assert cancelled["status"] == "canceled"
    assert await exchange.fetch_open_orders(BTC) == []
