"""The real ccxt binanceusdm client against the simulator: signed account endpoints.

Rejections carry Binance's codes and messages; ccxt maps Binance's codes by hostname, so
against loopback they arrive as a plain ``ExchangeError`` with the code in the message.
"""

from __future__ import annotations

from typing import Any

import ccxt
import pytest
from simkit import CREDENTIALS, FakeWall, frozen_scenario

from tui.core.margin import Bracket, liquidation_price
from tui.engine.venues import create_exchange
from tui.sim.scenario import AccountSpec
from tui.sim.server import SimServer

BTC = "BTC/USDT:USDT"
ETH = "ETH/USDT:USDT"
#: The frozen scenario's first two BTC brackets (and ETH's first), as the simulator serves them.
BTC_1 = Bracket(floor=0, cap=50_000, max_leverage=125, mmr=0.004, maint_amount=0)
BTC_2 = Bracket(floor=50_000, cap=250_000, max_leverage=62, mmr=0.008, maint_amount=200)
ETH_1 = Bracket(floor=0, cap=50_000, max_leverage=100, mmr=0.004, maint_amount=0)


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


async def test_leverage_brackets_as_binance_sends_them(exchange: Any) -> None:
    tiers = (await exchange.fetch_leverage_tiers([BTC]))[BTC]
    assert [(t["minNotional"], t["maxNotional"], t["maxLeverage"]) for t in tiers] == [
        (0, 50_000, 125),
        (50_000, 250_000, 62),
        (250_000, 1_250_000, 31),
        (1_250_000, 6_250_000, 15),
        (6_250_000, 31_250_000, 7),
    ]
    # The maintenance amount is Binance's "cum", in the raw bracket row.
    assert [t["info"]["cum"] for t in tiers] == [0.0, 200.0, 2200.0, 22200.0, 222200.0]
    assert [t["maintenanceMarginRate"] for t in tiers] == [0.004, 0.008, 0.016, 0.032, 0.064]
    # Without a symbol, a list of every symbol; with one, that symbol's object (Binance's docs).
    every = await exchange.fapiPrivateGetLeverageBracket()
    assert isinstance(every, list) and {row["symbol"] for row in every} >= {"BTCUSDT", "ETHUSDT"}
    one = await exchange.fapiPrivateGetLeverageBracket({"symbol": "ETHUSDT"})
    assert one["symbol"] == "ETHUSDT" and one["brackets"][0] == {
        "bracket": 1,
        "initialLeverage": 100,
        "notionalCap": 50000,
        "notionalFloor": 0,
        "maintMarginRatio": 0.004,
        "cum": 0.0,
    }
    assert "notionalCoef" not in one  # only for accounts whose brackets were adjusted


async def test_client_id_is_unique_among_open_orders(exchange: Any) -> None:
    # Binance: newClientOrderId is "a unique id among open orders".
    resting = await exchange.create_order(
        BTC, "limit", "buy", 0.01, 40_000, params={"clientOrderId": "dup"}
    )
    with pytest.raises(ccxt.ExchangeError, match=r"-4116.*ClientOrderId is duplicated"):
        await exchange.create_order(BTC, "market", "buy", 0.01, params={"clientOrderId": "dup"})
    await exchange.cancel_order(resting["id"], BTC)
    # Once that order is closed the id may be used again, and then names the new order.
    again = await exchange.create_order(BTC, "market", "buy", 0.01, params={"clientOrderId": "dup"})
    found = await exchange.fetch_order(None, BTC, params={"clientOrderId": "dup"})
    assert found["id"] == again["id"] != resting["id"]
    with pytest.raises(ccxt.ExchangeError, match=r"-1100.*newClientOrderId"):
        await exchange.create_order(BTC, "market", "buy", 0.01, params={"clientOrderId": "a b"})


async def test_minimums_and_reduce_only_are_refused(exchange: Any) -> None:
    with pytest.raises(ccxt.ExchangeError, match=r"-4164.*no smaller than 100"):
        await exchange.create_order(BTC, "market", "buy", 0.001)  # $50 < $100 minimum
    with pytest.raises(ccxt.ExchangeError, match="-2022"):
        await exchange.create_order(BTC, "market", "buy", 0.01, params={"reduceOnly": True})


async def test_bad_precision_is_refused(exchange: Any) -> None:
    # ccxt cuts amounts and prices to the market's precision itself: the raw endpoint shows
    # what Binance answers a client that does not (a stale step, say).
    order = {"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET", "quantity": "0.0105"}
    with pytest.raises(ccxt.ExchangeError, match=r"-1111.*Precision is over the maximum"):
        await exchange.fapiPrivatePostOrder(order)
    limit = {**order, "type": "LIMIT", "quantity": "0.01", "price": "40000.05"}
    with pytest.raises(ccxt.ExchangeError, match="-1111"):
        await exchange.fapiPrivatePostOrder({**limit, "timeInForce": "GTC"})
    # Above MARKET_LOT_SIZE's maxQty (2,000 BTC in exchangeInfo).
    markets = await exchange.load_markets()
    assert markets[BTC]["limits"]["market"]["max"] == 2_000
    with pytest.raises(ccxt.ExchangeError, match=r"-4005.*greater than max quantity"):
        await exchange.create_order(BTC, "market", "buy", 2_001)


async def test_insufficient_margin_is_refused(exchange: Any) -> None:
    await exchange.set_leverage(1, BTC)
    # $125,000 at 1× needs $125,000 of margin; the wallet holds $100,000.
    with pytest.raises(ccxt.ExchangeError, match=r"-2019.*Margin is insufficient"):
        await exchange.create_order(BTC, "market", "buy", 2.5)
    await exchange.set_leverage(2, BTC)
    await exchange.create_order(BTC, "market", "buy", 1.9)  # $95,000 at 2×: $47,500 of margin
    # What is left (≈ $52,450 after the fee) covers $50,000 of ETH at 1×, not $75,000.
    await exchange.set_leverage(1, ETH)
    with pytest.raises(ccxt.ExchangeError, match="-2019"):
        await exchange.create_order(ETH, "market", "buy", 30)
    await exchange.create_order(ETH, "market", "buy", 20)
    assert {p["symbol"]: p["contracts"] for p in await exchange.fetch_positions()} == {
        BTC: 1.9,
        ETH: 20,
    }


async def test_position_above_the_leverage_bracket_is_refused(exchange: Any) -> None:
    await exchange.set_leverage(125, BTC)
    # 125× is allowed up to $50,000 (the first bracket): 1.5 BTC is $75,000.
    with pytest.raises(ccxt.ExchangeError, match=r"-2027.*maximum allowable position"):
        await exchange.create_order(BTC, "market", "buy", 1.5)
    response = await exchange.set_leverage(20, BTC)
    assert response["maxNotionalValue"] == "1250000"
    await exchange.create_order(BTC, "market", "buy", 1.5)
    # Back to 125× with $75,000 open: the position is above what 125× allows.
    with pytest.raises(ccxt.ExchangeError, match="-2027"):
        await exchange.set_leverage(125, BTC)
    assert (await exchange.set_leverage(62, BTC))["maxNotionalValue"] == "250000"


async def test_margin_type_changes_as_binance_allows(exchange: Any) -> None:
    await exchange.set_margin_mode("isolated", BTC)
    with pytest.raises(ccxt.MarginModeAlreadySet, match="-4046"):
        await exchange.set_margin_mode("isolated", BTC)
    await exchange.create_order(BTC, "market", "buy", 0.01)
    with pytest.raises(ccxt.ExchangeError, match="-4048"):
        await exchange.set_margin_mode("cross", BTC)


def _binance_lp(
    long: bool, quantity: float, entry: float, margin: float, bracket: Bracket
) -> float:
    price = liquidation_price(
        "binance", long=long, quantity=quantity, entry=entry, margin=margin, bracket=bracket
    )
    assert price is not None
    return price


async def test_isolated_positions_report_binances_liquidation_price(exchange: Any) -> None:
    for symbol in (BTC, ETH):
        await exchange.set_margin_mode("isolated", symbol)
        await exchange.set_leverage(5, symbol)
    await exchange.create_order(BTC, "market", "buy", 0.3)  # at the ask, 50,000.1
    await exchange.create_order(ETH, "market", "sell", 6)  # at the bid, 2,499.99
    positions = {p["symbol"]: p for p in await exchange.fetch_positions()}
    btc, eth = positions[BTC], positions[ETH]
    assert btc["marginMode"] == eth["marginMode"] == "isolated"
    # The isolated wallet is the margin put in: quantity × fill price / 5.
    assert float(btc["info"]["isolatedWallet"]) == pytest.approx(0.3 * 50_000.1 / 5)
    long_lp = _binance_lp(True, 0.3, 50_000.1, 0.3 * 50_000.1 / 5, BTC_1)
    short_lp = _binance_lp(False, 6, 2_499.99, 6 * 2_499.99 / 5, ETH_1)
    assert btc["liquidationPrice"] == pytest.approx(long_lp, abs=1e-6)
    assert eth["liquidationPrice"] == pytest.approx(short_lp, abs=1e-6)
    # design.md's worked example, at the fill prices: ≈ 40,160.64 and ≈ 2,988.05.
    assert long_lp == pytest.approx(40_160.72, abs=0.01)
    assert short_lp == pytest.approx(2_988.04, abs=0.01)
    assert btc["side"] == "long" and eth["side"] == "short"


async def test_liquidation_in_a_higher_bracket_uses_its_cum(exchange: Any) -> None:
    await exchange.set_margin_mode("isolated", BTC)
    await exchange.set_leverage(20, BTC)
    await exchange.create_order(BTC, "market", "sell", 2)  # $100,000: bracket 2, cum 200
    (position,) = await exchange.fetch_positions([BTC])
    expected = _binance_lp(False, 2, 49_999.9, 2 * 49_999.9 / 20, BTC_2)
    assert position["liquidationPrice"] == pytest.approx(expected, abs=1e-6)
    assert float(position["info"]["maintMargin"]) == pytest.approx(2 * 50_000 * 0.008 - 200)


async def test_cross_positions_report_the_cross_formula(exchange: Any) -> None:
    await exchange.create_order(BTC, "market", "sell", 0.1)  # cross, Binance's default
    (position,) = await exchange.fetch_positions([BTC])
    assert position["marginMode"] == "cross"
    # Cross: WB is the whole wallet (after the fee), no other position.
    wallet = 100_000 - 0.1 * 49_999.9 * 0.0005
    expected = _binance_lp(False, 0.1, 49_999.9, wallet, BTC_1)
    assert position["liquidationPrice"] == pytest.approx(expected, abs=1e-6)
    # A cross long backed by the whole wallet cannot be liquidated: Binance writes "0".
    await exchange.create_order(ETH, "market", "buy", 1)
    eth = next(p for p in await exchange.fetch_positions() if p["symbol"] == ETH)
    assert eth["info"]["liquidationPrice"] == "0" and eth["liquidationPrice"] is None


async def test_balance_lists_every_asset_held() -> None:
    scenario = frozen_scenario().model_copy(
        update={"account": AccountSpec(balances={"USDT": 50_000, "USDC": 2_500, "BNB": 3})}
    )
    async with SimServer(scenario, wall_clock=FakeWall()) as sim:
        ex = create_exchange("binanceusdm", sim_url=sim.url, credentials=CREDENTIALS)
        ex.enableRateLimit = False
        try:
            balance = await ex.fetch_balance()
            assert balance["USDT"]["total"] == 50_000
            assert balance["USDC"]["total"] == balance["USDC"]["free"] == 2_500
            assert balance["BNB"]["total"] == 3
            rows = await ex.fapiPrivateV2GetBalance()
            assert [r["asset"] for r in rows] == ["USDT", "BNB", "USDC"]
        finally:
            await ex.close()


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
