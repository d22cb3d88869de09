"""Public Binance USDⓈ-M REST endpoints, answered from a `SimMarket` in Binance's own shapes.

Each handler takes the market and the query parameters and returns the JSON-ready payload
(numbers as strings where Binance sends strings), or raises `ApiError`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tui.sim.account import max_qty
from tui.sim.candles import INTERVALS, klines, window
from tui.sim.market import MS_PER_DAY, Contract, SimMarket, Snapshot
from tui.sim.wire import ApiError, bad_symbol, decimals_of, fmt, fmt_step, int_param, missing_param

Query = dict[str, str]
Handler = Callable[[SimMarket, Query], Any]

#: Binance's delivery date of a perpetual (2100-12-25): ccxt reads it as "no expiry".
PERPETUAL_DELIVERY = 4133404800000
#: Funding cap/floor that Binance lists in fundingInfo for adjusted symbols.
FUNDING_CAP = "0.02000000"
#: What live Binance publishes on every symbol of exchangeInfo, documented as "ignore": they
#: are not the maintenance or initial margin rates (those come from the brackets). The same
#: constants here, so that a client reading them as rates is caught by the tests.
MAINT_MARGIN_PERCENT = "2.5000"
REQUIRED_MARGIN_PERCENT = "5.0000"
#: The order book depths ``fapi/v1/depth`` accepts.
DEPTH_LIMITS = (5, 10, 20, 50, 100, 500, 1000)


def _contract(market: SimMarket, query: Query) -> Contract:
    symbol = query.get("symbol")
    if not symbol:
        raise missing_param("symbol")
    found = market.contract(symbol)
    if found is None:
        raise bad_symbol()
    return found


def _one_or_all(
    market: SimMarket, query: Query, build: Callable[[Contract], dict[str, Any]]
) -> Any:
    """Binance answers one object with ``?symbol=``, else a list over every contract."""
    if "symbol" in query:
        return build(_contract(market, query))
    return [build(c) for c in market.contracts()]


def _symbol_info(market: SimMarket, contract: Contract) -> dict[str, Any]:
    asset = contract.asset
    tick, step = asset.tick, asset.amount_step
    fut = contract.future
    delivery = PERPETUAL_DELIVERY if fut is None else int(fut.settles_at.timestamp() * 1000)
    return {
        "symbol": contract.symbol,
        "pair": asset.symbol,
        "contractType": contract.contract_type,
        "deliveryDate": delivery,
        "onboardDate": market.history_start_ms,
        "status": "TRADING",
        "maintMarginPercent": MAINT_MARGIN_PERCENT,
        "requiredMarginPercent": REQUIRED_MARGIN_PERCENT,
        "baseAsset": asset.name,
        "quoteAsset": "USDT",
        "marginAsset": "USDT",
        "pricePrecision": decimals_of(tick),
        "quantityPrecision": decimals_of(step),
        "baseAssetPrecision": 8,
        "quotePrecision": 8,
        "underlyingType": "COIN",
        "underlyingSubType": [],
        "settlePlan": 0,
        "triggerProtect": "0.0500",
        "liquidationFee": "0.012500",
        "marketTakeBound": "0.05",
        "maxMoveOrderLimit": 10000,
        "filters": [
            {
                "filterType": "PRICE_FILTER",
                "minPrice": fmt_step(tick, tick),
                "maxPrice": fmt_step(asset.price * 100, tick),
                "tickSize": fmt_step(tick, tick),
            },
            {
                "filterType": "LOT_SIZE",
                "stepSize": fmt_step(step, step),
                "minQty": fmt_step(asset.min_qty, step),
                "maxQty": fmt_step(max_qty(asset, market=False), step),
            },
            {
                "filterType": "MARKET_LOT_SIZE",
                "stepSize": fmt_step(step, step),
                "minQty": fmt_step(asset.min_qty, step),
                "maxQty": fmt_step(max_qty(asset, market=True), step),
            },
            {"filterType": "MAX_NUM_ORDERS", "limit": 200},
            {"filterType": "MAX_NUM_ALGO_ORDERS", "limit": 10},
            {"filterType": "MIN_NOTIONAL", "notional": fmt(asset.min_notional, 2)},
            {
                "filterType": "PERCENT_PRICE",
                "multiplierUp": "1.0500",
                "multiplierDown": "0.9500",
                "multiplierDecimal": "4",
            },
        ],
        "orderTypes": ["LIMIT", "MARKET", "STOP", "STOP_MARKET", "TAKE_PROFIT"],
        "timeInForce": ["GTC", "IOC", "FOK", "GTX"],
    }


def exchange_info(market: SimMarket, query: Query) -> Any:
    """``GET fapi/v1/exchangeInfo``: every listed perpetual and unexpired dated future."""
    return {
        "timezone": "UTC",
        "serverTime": market.now_ms(),
        "futuresType": "U_MARGINED",
        "rateLimits": [
            {
                "rateLimitType": "REQUEST_WEIGHT",
                "interval": "MINUTE",
                "intervalNum": 1,
                "limit": 2400,
            },
            {"rateLimitType": "ORDERS", "interval": "MINUTE", "intervalNum": 1, "limit": 1200},
        ],
        "exchangeFilters": [],
        "assets": [{"asset": "USDT", "marginAvailable": True, "autoAssetExchange": "-10000"}],
        "symbols": [_symbol_info(market, c) for c in market.contracts()],
    }


def server_time(market: SimMarket, query: Query) -> Any:
    """``GET fapi/v1/time``: the simulated clock."""
    return {"serverTime": market.now_ms()}


def ping(market: SimMarket, query: Query) -> Any:
    """``GET fapi/v1/ping``."""
    return {}


def _premium_entry(market: SimMarket, contract: Contract) -> dict[str, Any]:
    snap = market.snapshot(contract)
    perp = contract.perpetual
    return {
        "symbol": contract.symbol,
        "markPrice": fmt(snap.mark),
        "indexPrice": fmt(snap.index),
        "estimatedSettlePrice": fmt(snap.index),
        # Dated contracts carry empty funding fields, exactly as Binance sends them.
        "lastFundingRate": fmt(snap.funding_rate or 0.0) if perp else "",
        "interestRate": "0.00010000" if perp else "",
        "nextFundingTime": snap.next_funding_ms if perp else 0,
        "time": snap.time_ms,
    }


def premium_index(market: SimMarket, query: Query) -> Any:
    """``GET fapi/v1/premiumIndex[?symbol=]``: mark, index and the upcoming funding rate."""
    return _one_or_all(market, query, lambda c: _premium_entry(market, c))


def funding_info(market: SimMarket, query: Query) -> Any:
    """``GET fapi/v1/fundingInfo``: like Binance, only symbols whose interval is not 8 h."""
    return [
        {
            "symbol": asset.symbol,
            "adjustedFundingRateCap": FUNDING_CAP,
            "adjustedFundingRateFloor": "-" + FUNDING_CAP,
            "fundingIntervalHours": asset.funding_interval_hours,
            "disclaimer": False,
        }
        for asset in market.assets
        if asset.funding_interval_hours != 8
    ]


def funding_rate_history(market: SimMarket, query: Query) -> Any:
    """``GET fapi/v1/fundingRate``: settlements in [startTime, endTime], oldest first.

    Without ``startTime`` Binance returns the most recent ``limit`` (default 100, max 1000).
    """
    limit = min(int_param(query, "limit", 100) or 100, 1000)
    start = int_param(query, "startTime")
    end = int_param(query, "endTime", market.now_ms())
    assert end is not None
    if "symbol" in query:
        contract = _contract(market, query)
        if not contract.perpetual:
            return []
        assets = [contract.asset]
    else:
        assets = list(market.assets)
    rows: list[tuple[int, str, float, float]] = []
    for asset in assets:
        lo = (
            start
            if start is not None
            else end - (limit + 1) * asset.funding_interval_hours * 3_600_000
        )
        for t in market.funding_times(asset, lo, end):
            rate = market.funding_rate_at(asset, t)
            mark = market.price_at(asset.name, t) * (1.0 + asset.premium)
            rows.append((t, asset.symbol, rate, mark))
    rows.sort()
    rows = rows[:limit] if start is not None else rows[-limit:]
    return [
        {"symbol": s, "fundingTime": t, "fundingRate": fmt(r), "markPrice": fmt(m)}
        for t, s, r, m in rows
    ]


def ticker_24h_entry(market: SimMarket, contract: Contract) -> dict[str, Any]:
    """One symbol's rolling 24 h statistics in the shape of ``fapi/v1/ticker/24hr``."""
    snap = market.snapshot(contract)
    now = snap.time_ms
    stats = window(market, contract, now - MS_PER_DAY, now + 1)
    open_, high, low, _, volume = stats if stats else (snap.mark, snap.mark, snap.mark, 0, 0.0)
    high, low = max(high, snap.mark), min(low, snap.mark)
    tick = contract.asset.tick
    change = snap.mark - open_
    return {
        "symbol": contract.symbol,
        "priceChange": fmt_step(change, tick),
        "priceChangePercent": fmt(100.0 * change / open_, 3),
        "weightedAvgPrice": fmt_step((open_ + snap.mark) / 2.0, tick),
        "lastPrice": fmt_step(snap.mark, tick),
        "lastQty": fmt_step(contract.asset.amount_step, contract.asset.amount_step),
        "openPrice": fmt_step(open_, tick),
        "highPrice": fmt_step(high, tick),
        "lowPrice": fmt_step(low, tick),
        "volume": fmt(volume, 3),
        "quoteVolume": fmt(volume * (open_ + snap.mark) / 2.0, 2),
        "openTime": now - MS_PER_DAY,
        "closeTime": now,
        "firstId": 1,
        "lastId": 1000,
        "count": 1000,
    }


def ticker_24h(market: SimMarket, query: Query) -> Any:
    """``GET fapi/v1/ticker/24hr``: rolling 24 h statistics (no bid/ask, as on Binance)."""
    return _one_or_all(market, query, lambda c: ticker_24h_entry(market, c))


def touch_qty(contract: Contract, snap: Snapshot) -> float:
    """The quantity at each price level: a steady $250k or so, rounded to the lot."""
    asset = contract.asset
    return max(250_000.0 / snap.mark, asset.amount_step)


def _book(contract: Contract, snap: Snapshot) -> dict[str, Any]:
    asset = contract.asset
    qty = fmt_step(touch_qty(contract, snap), asset.amount_step)
    return {
        "symbol": contract.symbol,
        "bidPrice": fmt_step(snap.bid, asset.tick),
        "bidQty": qty,
        "askPrice": fmt_step(snap.ask, asset.tick),
        "askQty": qty,
        "time": snap.time_ms,
        "lastUpdateId": snap.time_ms,
    }


def book_ticker(market: SimMarket, query: Query) -> Any:
    """``GET fapi/v1/ticker/bookTicker``: best bid and ask around the mark."""
    return _one_or_all(market, query, lambda c: _book(c, market.snapshot(c)))


def depth(market: SimMarket, query: Query) -> Any:
    """``GET fapi/v1/depth``: ``limit`` levels a side (5 … 1000, default 500), one tick apart
    from the best bid and ask of ``bookTicker``, each of the touch quantity."""
    contract = _contract(market, query)
    limit = int_param(query, "limit", 500)
    if limit not in DEPTH_LIMITS:
        raise ApiError(400, -1130, "Data sent for parameter 'limit' is not valid.")
    snap = market.snapshot(contract)
    asset = contract.asset
    tick, step = asset.tick, asset.amount_step
    qty = fmt_step(touch_qty(contract, snap), step)
    bids = [[fmt_step(snap.bid - k * tick, tick), qty] for k in range(limit) if snap.bid > k * tick]
    asks = [[fmt_step(snap.ask + k * tick, tick), qty] for k in range(limit)]
    return {
        "lastUpdateId": snap.time_ms,
        "E": snap.time_ms,
        "T": snap.time_ms,
        "bids": bids,
        "asks": asks,
    }


def _klines(kind: str) -> Handler:
    def handler(market: SimMarket, query: Query) -> Any:
        if kind == "index":
            pair = query.get("pair") or query.get("symbol")
            if not pair:
                raise missing_param("pair")
            query = {**query, "symbol": pair}
        contract = _contract(market, query)
        interval = query.get("interval")
        if not interval:
            raise missing_param("interval")
        if interval not in INTERVALS:
            raise ApiError(400, -1120, "Invalid interval.")
        limit = min(int_param(query, "limit", 500) or 500, 1500)
        start = int_param(query, "startTime")
        end = int_param(query, "endTime")
        return klines(market, contract, INTERVALS[interval], start, end, limit, kind=kind)

    handler.__doc__ = f"``GET fapi/v1/{kind}`` candles (history + live path)."
    return handler


#: Public routes by the path after the host segment.
PUBLIC_ROUTES: dict[str, Handler] = {
    "fapi/v1/ping": ping,
    "fapi/v1/time": server_time,
    "fapi/v1/exchangeInfo": exchange_info,
    "fapi/v1/premiumIndex": premium_index,
    "fapi/v1/fundingInfo": funding_info,
    "fapi/v1/fundingRate": funding_rate_history,
    "fapi/v1/ticker/24hr": ticker_24h,
    "fapi/v1/ticker/bookTicker": book_ticker,
    "fapi/v1/depth": depth,
    "fapi/v1/klines": _klines("trade"),
    "fapi/v1/markPriceKlines": _klines("mark"),
    "fapi/v1/indexPriceKlines": _klines("index"),
}
