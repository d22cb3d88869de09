"""The real ccxt binanceusdm client against a running simulator: public market data."""

from __future__ import annotations

from typing import Any

import pytest

from tui.sim.server import SimServer

START_MS = 1_767_571_200_000  # 2026-01-05T00:00:00Z, the frozen scenario's clock start
HOUR_MS = 3_600_000


async def test_load_markets_precision_limits_expiry(exchange: Any) -> None:
    markets = await exchange.load_markets()
    assert set(markets) == {
        "BTC/USDT:USDT",
        "BTC/USDT:USDT-260327",
        "ETH/USDT:USDT",
        "ETH/USDT:USDT-260327",
        "SOL/USDT:USDT",
        "DOGE/USDT:USDT",
    }
    perp = markets["BTC/USDT:USDT"]
    assert perp["type"] == "swap" and perp["linear"] and perp["settle"] == "USDT"
    assert perp["expiry"] is None and perp["contractSize"] == 1.0
    assert perp["precision"]["amount"] == 0.001 and perp["precision"]["price"] == 0.1
    assert perp["limits"]["amount"]["min"] == 0.001
    assert perp["limits"]["cost"]["min"] == 100.0
    # What live Binance publishes on every symbol and documents as "ignore": not a margin rate
    # (a client reading it as one would plan BTC at 2.5 % maintenance instead of 0.4 %).
    assert perp["info"]["maintMarginPercent"] == "2.5000"
    assert perp["info"]["requiredMarginPercent"] == "5.0000"
    assert {m["info"]["maintMarginPercent"] for m in markets.values()} == {"2.5000"}
    future = markets["BTC/USDT:USDT-260327"]
    assert future["type"] == "future" and future["linear"]
    assert future["expiry"] == 1_774_598_400_000  # 2026-03-27T08:00:00Z
    assert future["expiryDatetime"] == "2026-03-27T08:00:00.000Z"
    assert future["info"]["contractType"] == "CURRENT_QUARTER"
    assert future["contractSize"] == 1.0 and future["precision"]["amount"] == 0.001
    eth = markets["ETH/USDT:USDT"]
    assert eth["precision"]["amount"] == 0.01 and eth["limits"]["cost"]["min"] == 20.0
    assert exchange.amount_to_precision("BTC/USDT:USDT", 0.12345) == "0.123"


async def test_server_time_is_the_sim_clock(exchange: Any) -> None:
    assert await exchange.fetch_time() == START_MS


async def test_fetch_funding_rates(exchange: Any) -> None:
    await exchange.load_markets()
    rates = await exchange.fetch_funding_rates()
    btc = rates["BTC/USDT:USDT"]
    assert btc["fundingRate"] == 0.0001
    assert btc["fundingTimestamp"] == START_MS + 8 * HOUR_MS
    assert btc["markPrice"] == 50000.0 and btc["indexPrice"] == 50000.0
    assert rates["ETH/USDT:USDT"]["fundingRate"] == 0.0002
    assert rates["SOL/USDT:USDT"]["fundingTimestamp"] == START_MS + 4 * HOUR_MS
    assert rates["DOGE/USDT:USDT"]["fundingTimestamp"] == START_MS + HOUR_MS
    # Dated contracts come back with empty funding fields, as on Binance.
    dated = rates["BTC/USDT:USDT-260327"]
    assert dated["fundingRate"] is None
    assert dated["markPrice"] == pytest.approx(50000 * (1 + 0.08 * (81 + 8 / 24) / 365), abs=1e-6)
    one = await exchange.fetch_funding_rate("ETH/USDT:USDT")
    assert one["fundingRate"] == 0.0002 and one["markPrice"] == 2500.0


async def test_fetch_funding_intervals_lists_only_non_8h(exchange: Any) -> None:
    intervals = await exchange.fetch_funding_intervals()
    assert {s: v["interval"] for s, v in intervals.items()} == {
        "SOL/USDT:USDT": "4h",
        "DOGE/USDT:USDT": "1h",
    }


async def test_fetch_funding_rate_history(exchange: Any) -> None:
    history = await exchange.fetch_funding_rate_history("SOL/USDT:USDT", limit=5)
    assert [h["timestamp"] for h in history] == [
        START_MS - k * 4 * HOUR_MS for k in range(4, -1, -1)
    ]
    assert all(h["fundingRate"] == 0.0001 for h in history)
    since = START_MS - 10 * 86_400_000
    older = await exchange.fetch_funding_rate_history("BTC/USDT:USDT", since=since, limit=3)
    assert [h["timestamp"] for h in older] == [since, since + 8 * HOUR_MS, since + 16 * HOUR_MS]
    assert len(await exchange.fetch_funding_rate_history("BTC/USDT:USDT", since=since)) == 31


async def test_fetch_tickers_and_bids_asks(exchange: Any) -> None:
    await exchange.load_markets()
    tickers = await exchange.fetch_tickers()
    assert tickers["BTC/USDT:USDT"]["last"] == 50000.0
    assert tickers["ETH/USDT:USDT"]["open"] == 2500.0
    book = await exchange.fetch_bids_asks()
    assert (book["BTC/USDT:USDT"]["bid"], book["BTC/USDT:USDT"]["ask"]) == (49999.9, 50000.1)
    assert (book["DOGE/USDT:USDT"]["bid"], book["DOGE/USDT:USDT"]["ask"]) == (0.19999, 0.20001)
    fut = book["ETH/USDT:USDT-260327"]
    assert fut["bid"] < fut["ask"] and fut["ask"] - fut["bid"] == pytest.approx(0.01, abs=1e-9)


async def test_fetch_ohlcv(exchange: Any, sim: SimServer) -> None:
    candles = await exchange.fetch_ohlcv("ETH/USDT:USDT", "1h", limit=3)
    assert [c[0] for c in candles] == [START_MS - 2 * HOUR_MS, START_MS - HOUR_MS, START_MS]
    assert all(c[1:5] == [2500.0] * 4 for c in candles)
    since = START_MS - 3 * 86_400_000
    daily = await exchange.fetch_ohlcv("BTC/USDT:USDT", "1d", since=since, limit=2)
    assert [c[0] for c in daily] == [since, since + 86_400_000]
    assert daily[0][5] > 0


async def test_unknown_symbol_is_an_exchange_error(exchange: Any) -> None:
    import ccxt

    with pytest.raises(ccxt.ExchangeError, match="-1121"):
        await exchange.fapiPublicGetPremiumIndex({"symbol": "NOPEUSDT"})


async def test_fetch_order_book_levels_from_the_touch(exchange: Any) -> None:
    book = await exchange.fetch_order_book("BTC/USDT:USDT", 5)
    # The best levels are bookTicker's bid and ask, then one tick apart; $250k a level.
    assert [level[0] for level in book["bids"]] == [49999.9, 49999.8, 49999.7, 49999.6, 49999.5]
    assert [level[0] for level in book["asks"]] == [50000.1, 50000.2, 50000.3, 50000.4, 50000.5]
    assert {level[1] for level in book["bids"] + book["asks"]} == {5.0}
    assert book["timestamp"] == START_MS and book["nonce"] == START_MS
    full = await exchange.fetch_order_book("ETH/USDT:USDT")
    assert len(full["bids"]) == len(full["asks"]) == 500  # Binance's default depth


async def test_order_book_limit_outside_binances_list_is_refused(exchange: Any) -> None:
    import ccxt

    with pytest.raises(ccxt.ExchangeError, match="-1130"):
        await exchange.fapiPublicGetDepth({"symbol": "BTCUSDT", "limit": 7})
