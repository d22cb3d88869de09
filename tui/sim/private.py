"""Signed Binance USDⓈ-M endpoints: request signatures, orders, leverage, positions, balance.

Binance signs ``totalParams`` (query string followed by the body, with no separator) with
HMAC-SHA256 of the API secret, appends ``signature=<hex>`` and sends the key in
``X-MBX-APIKEY``; ccxt puts everything in the query (GET/DELETE) or the body (POST).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import parse_qsl

from tui.sim.account import Account, Order
from tui.sim.brackets import bracket_rows, maint_margin, max_notional
from tui.sim.wire import ApiError, bad_param, fmt, fmt_step, int_param, missing_param

Params = dict[str, str]
PrivateHandler = Callable[[Account, Params], Any]


class Signer:
    """Checks the API key and the HMAC-SHA256 signature of a signed request."""

    def __init__(self, api_key: str, secret: str) -> None:
        """Accept requests made with this key/secret pair only."""
        self.api_key = api_key
        self._secret = secret.encode()

    def sign(self, payload: str) -> str:
        """The hex signature Binance expects of ``payload``."""
        return hmac.new(self._secret, payload.encode(), hashlib.sha256).hexdigest()

    def verify(self, headers: Mapping[str, str], query: str, body: str) -> Params:
        """The request's parameters, once key and signature check out (`ApiError` otherwise)."""
        key = headers.get("X-MBX-APIKEY")
        if not key:
            raise ApiError(401, -2014, "API-key format invalid.")
        if not hmac.compare_digest(key, self.api_key):
            raise ApiError(401, -2015, "Invalid API-key, IP, or permissions for action.")
        signature = ""
        unsigned: list[str] = []
        for part in (query, body):
            kept = []
            for pair in part.split("&") if part else []:
                if pair.startswith("signature="):
                    signature = pair.removeprefix("signature=")
                else:
                    kept.append(pair)
            unsigned.append("&".join(kept))
        if not signature:
            raise missing_param("signature")
        if not hmac.compare_digest(self.sign("".join(unsigned)), signature.lower()):
            raise ApiError(400, -1022, "Signature for this request is not valid.")
        params = dict(parse_qsl(unsigned[0], keep_blank_values=True))
        params.update(parse_qsl(unsigned[1], keep_blank_values=True))
        if "timestamp" not in params:
            raise missing_param("timestamp")
        return params


def _float(params: Params, name: str, required: bool = True) -> float | None:
    raw = params.get(name)
    if raw is None or raw == "":
        if required:
            raise missing_param(name)
        return None
    try:
        return float(raw)
    except ValueError:
        raise bad_param(name) from None


def order_payload(account: Account, order: Order) -> dict[str, Any]:
    """An order in the shape of ``POST/GET/DELETE fapi/v1/order``."""
    asset = account.contract_asset(order.symbol)
    tick, step = asset.tick, asset.amount_step
    return {
        "orderId": order.order_id,
        "symbol": order.symbol,
        "status": order.status,
        "clientOrderId": order.client_id,
        "price": fmt_step(order.price, tick) if order.price else "0",
        "avgPrice": fmt(order.avg_price, 8) if order.filled else "0.00",
        "origQty": fmt_step(order.qty, step),
        "executedQty": fmt_step(order.filled, step),
        "cumQty": fmt_step(order.filled, step),
        "cumQuote": fmt(order.filled * order.avg_price, 8),
        "timeInForce": order.time_in_force,
        "type": order.type,
        "reduceOnly": order.reduce_only,
        "closePosition": False,
        "side": order.side,
        "positionSide": "BOTH",
        "stopPrice": "0",
        "workingType": "CONTRACT_PRICE",
        "priceProtect": False,
        "origType": order.type,
        "priceMatch": "NONE",
        "selfTradePreventionMode": "NONE",
        "goodTillDate": 0,
        "time": order.time_ms,
        "updateTime": order.updated_ms,
    }


def post_order(account: Account, params: Params) -> Any:
    """``POST fapi/v1/order``: place an order (MARKET or LIMIT)."""
    qty = _float(params, "quantity")
    assert qty is not None
    order = account.place(
        symbol=params.get("symbol"),
        side=params.get("side"),
        type_=params.get("type"),
        qty=qty,
        price=_float(params, "price", required=False),
        reduce_only=params.get("reduceOnly", "false").lower() == "true",
        client_id=params.get("newClientOrderId") or None,
        time_in_force=params.get("timeInForce", "GTC"),
    )
    return order_payload(account, order)


def _lookup(account: Account, params: Params) -> Order:
    order_id = int_param(params, "orderId")
    client_id = params.get("origClientOrderId") or params.get("clientOrderId")
    if order_id is None and not client_id:
        raise ApiError(400, -1102, "Either orderId or origClientOrderId must be sent.")
    order = account.find(order_id, client_id)
    if params.get("symbol") and params["symbol"] != order.symbol:
        raise ApiError(400, -2013, "Order does not exist.")
    return order


def get_order(account: Account, params: Params) -> Any:
    """``GET fapi/v1/order``: by ``orderId`` or ``origClientOrderId``."""
    return order_payload(account, _lookup(account, params))


def delete_order(account: Account, params: Params) -> Any:
    """``DELETE fapi/v1/order``: cancel a resting order."""
    return order_payload(account, account.cancel(_lookup(account, params)))


def open_orders(account: Account, params: Params) -> Any:
    """``GET fapi/v1/openOrders``: resting orders (of one symbol when given)."""
    symbol = params.get("symbol")
    return [
        order_payload(account, o)
        for o in account.orders.values()
        if o.status == "NEW" and (not symbol or o.symbol == symbol)
    ]


def leverage_bracket(account: Account, params: Params) -> Any:
    """``GET fapi/v1/leverageBracket``: every symbol's brackets, or one object with ``symbol``.

    As Binance documents it: ``[{"symbol", "brackets": [{"bracket", "initialLeverage",
    "notionalCap", "notionalFloor", "maintMarginRatio", "cum"}]}]``, numbers as numbers;
    ``notionalCoef`` only appears for an account whose brackets were adjusted (never here).
    """
    symbol = params.get("symbol")
    if symbol:
        contract = account.contract(symbol)
        return {"symbol": contract.symbol, "brackets": bracket_rows(contract.asset)}
    return [
        {"symbol": c.symbol, "brackets": bracket_rows(c.asset)} for c in account.market.contracts()
    ]


def post_leverage(account: Account, params: Params) -> Any:
    """``POST fapi/v1/leverage``: 1 .. the first bracket's maximum (-4028), and not below what
    the open position needs (-2027)."""
    contract = account.contract(params.get("symbol"))
    leverage = int_param(params, "leverage")
    if leverage is None:
        raise missing_param("leverage")
    account.set_leverage(contract, leverage)
    return {
        "leverage": leverage,
        "maxNotionalValue": str(int(max_notional(contract.asset, leverage))),
        "symbol": contract.symbol,
    }


def margin_type(account: Account, params: Params) -> Any:
    """``POST fapi/v1/marginType``: ``ISOLATED`` or ``CROSSED`` (Binance's errors otherwise)."""
    contract = account.contract(params.get("symbol"))
    account.set_margin_type(contract, params.get("marginType"))
    return {"code": 200, "msg": "success"}


def _position_rows(account: Account, with_zero: bool) -> list[dict[str, Any]]:
    account.catch_up()
    rows: list[dict[str, Any]] = []
    held = {p.symbol: (c, p, m) for c, p, m in account.open_positions()}
    contracts = account.market.contracts()
    for contract in contracts:
        if contract.symbol not in held and not with_zero:
            continue
        if contract.symbol in held:
            _, pos, mark = held[contract.symbol]
            amount, entry, updated = pos.amount, pos.entry, pos.updated_ms
            liquidation = account.liquidation(contract, pos, mark)
            wallet = pos.isolated_wallet
        else:
            mark = account.market.snapshot(contract).mark
            amount, entry, updated, liquidation, wallet = 0.0, 0.0, 0, 0.0, 0.0
        lev = account.leverage_of(contract)
        notional = amount * mark
        upnl = amount * (mark - entry)
        asset = contract.asset
        isolated = account.isolated(contract.symbol)
        rows.append(
            {
                "symbol": contract.symbol,
                "positionSide": "BOTH",
                "positionAmt": fmt_step(amount, asset.amount_step),
                "entryPrice": fmt(entry, 8),
                "breakEvenPrice": fmt(entry * (1 + asset.taker_fee * (1 if amount > 0 else -1)), 8)
                if amount
                else "0.0",
                "markPrice": fmt(mark, 8),
                "unRealizedProfit": fmt(upnl, 8),
                "liquidationPrice": fmt(liquidation, 8) if liquidation else "0",
                "isolatedMargin": fmt(wallet + upnl, 8) if isolated and amount else "0",
                "notional": fmt(notional, 8),
                "isolatedWallet": fmt(wallet, 8) if isolated and amount else "0",
                "initialMargin": fmt(abs(notional) / lev, 8),
                "maintMargin": fmt(maint_margin(asset, notional), 8),
                "positionInitialMargin": fmt(abs(notional) / lev, 8),
                "openOrderInitialMargin": "0",
                "adl": 0,
                "bidNotional": "0",
                "askNotional": "0",
                "marginAsset": "USDT",
                "leverage": str(lev),
                "maxNotionalValue": str(int(max_notional(asset, lev))),
                "marginType": "isolated" if isolated else "cross",
                "isAutoAddMargin": "false",
                "isolated": isolated,
                "adlQuantile": 0,
                "updateTime": updated,
            }
        )
    return rows


def position_risk_v2(account: Account, params: Params) -> Any:
    """``GET fapi/v2/positionRisk``: every listed symbol, flat ones included."""
    return _filter_symbol(_position_rows(account, with_zero=True), params)


def position_risk_v3(account: Account, params: Params) -> Any:
    """``GET fapi/v3/positionRisk``: open positions only."""
    return _filter_symbol(_position_rows(account, with_zero=False), params)


def _filter_symbol(rows: list[dict[str, Any]], params: Params) -> list[dict[str, Any]]:
    symbol = params.get("symbol")
    return [r for r in rows if not symbol or r["symbol"] == symbol]


def _assets(account: Account) -> list[dict[str, Any]]:
    """Every asset held, USDT (the margin asset) first, in ``fapi/v2|v3/account``'s shape."""
    account.catch_up()
    upnl = account.unrealized()
    cross_upnl = account.unrealized(cross_only=True)
    im = account.initial_margin()
    now = account.market.now_ms()
    rows = [
        {
            "asset": "USDT",
            "walletBalance": fmt(account.wallet),
            "unrealizedProfit": fmt(upnl),
            "marginBalance": fmt(account.wallet + upnl),
            "maintMargin": fmt(account.maint_margin()),
            "initialMargin": fmt(im),
            "positionInitialMargin": fmt(im),
            "openOrderInitialMargin": "0.00000000",
            "crossWalletBalance": fmt(account.cross_wallet()),
            "crossUnPnl": fmt(cross_upnl),
            "availableBalance": fmt(account.available()),
            "maxWithdrawAmount": fmt(account.available()),
            "marginAvailable": True,
            "updateTime": now,
        }
    ]
    # Single-asset mode: the other assets are held, not margin, and all of them is free.
    for name, amount in sorted(account.held.items()):
        if name == "USDT" or amount == 0:
            continue
        rows.append(
            {
                "asset": name,
                "walletBalance": fmt(amount),
                "unrealizedProfit": fmt(0.0),
                "marginBalance": fmt(amount),
                "maintMargin": fmt(0.0),
                "initialMargin": fmt(0.0),
                "positionInitialMargin": fmt(0.0),
                "openOrderInitialMargin": "0.00000000",
                "crossWalletBalance": fmt(amount),
                "crossUnPnl": fmt(0.0),
                "availableBalance": fmt(amount),
                "maxWithdrawAmount": fmt(amount),
                "marginAvailable": False,
                "updateTime": now,
            }
        )
    return rows


def account_info(account: Account, params: Params) -> Any:
    """``GET fapi/v2|v3/account``: totals (in USDT, the margin asset), every asset held and
    the open positions."""
    assets = _assets(account)
    usdt = assets[0]
    positions = [
        {
            k: row[k]
            for k in (
                "symbol",
                "positionSide",
                "positionAmt",
                "isolatedMargin",
                "notional",
                "isolatedWallet",
                "initialMargin",
                "maintMargin",
                "updateTime",
            )
        }
        | {"unrealizedProfit": row["unRealizedProfit"]}
        for row in _position_rows(account, with_zero=False)
    ]
    return {
        "totalInitialMargin": usdt["initialMargin"],
        "totalMaintMargin": usdt["maintMargin"],
        "totalWalletBalance": usdt["walletBalance"],
        "totalUnrealizedProfit": usdt["unrealizedProfit"],
        "totalMarginBalance": usdt["marginBalance"],
        "totalPositionInitialMargin": usdt["positionInitialMargin"],
        "totalOpenOrderInitialMargin": "0.00000000",
        "totalCrossWalletBalance": usdt["crossWalletBalance"],
        "totalCrossUnPnl": usdt["crossUnPnl"],
        "availableBalance": usdt["availableBalance"],
        "maxWithdrawAmount": usdt["maxWithdrawAmount"],
        "assets": assets,
        "positions": positions,
    }


def income(account: Account, params: Params) -> Any:
    """``GET fapi/v1/income``: funding fees, oldest first, filtered as Binance filters."""
    account.catch_up()
    symbol = params.get("symbol")
    kind = params.get("incomeType")
    start = _float(params, "startTime", required=False)
    end = _float(params, "endTime", required=False)
    limit = int(_float(params, "limit", required=False) or 100)
    rows = [
        {
            "symbol": row.symbol,
            "incomeType": row.kind,
            "income": fmt(row.amount, 8),
            "asset": "USDT",
            "info": row.kind,
            "time": row.time_ms,
            "tranId": 9_000_000_000 + n,
            "tradeId": "",
        }
        for n, row in enumerate(account.income)
        if (not symbol or row.symbol == symbol)
        and (not kind or row.kind == kind)
        and (start is None or row.time_ms >= start)
        and (end is None or row.time_ms <= end)
    ]
    return rows[:limit]


def balance(account: Account, params: Params) -> Any:
    """``GET fapi/v2|v3/balance``: one row per asset held."""
    return [
        {
            "accountAlias": "SgsR",
            "asset": row["asset"],
            "balance": row["walletBalance"],
            "crossWalletBalance": row["crossWalletBalance"],
            "crossUnPnl": row["crossUnPnl"],
            "availableBalance": row["availableBalance"],
            "maxWithdrawAmount": row["maxWithdrawAmount"],
            "marginAvailable": row["marginAvailable"],
            "updateTime": row["updateTime"],
        }
        for row in _assets(account)
    ]


#: Signed routes by (HTTP method, path after the host segment).
PRIVATE_ROUTES: dict[tuple[str, str], PrivateHandler] = {
    ("POST", "fapi/v1/order"): post_order,
    ("GET", "fapi/v1/order"): get_order,
    ("DELETE", "fapi/v1/order"): delete_order,
    ("GET", "fapi/v1/openOrders"): open_orders,
    ("GET", "fapi/v1/leverageBracket"): leverage_bracket,
    ("POST", "fapi/v1/leverage"): post_leverage,
    ("POST", "fapi/v1/marginType"): margin_type,
    ("GET", "fapi/v2/positionRisk"): position_risk_v2,
    ("GET", "fapi/v3/positionRisk"): position_risk_v3,
    ("GET", "fapi/v2/account"): account_info,
    ("GET", "fapi/v3/account"): account_info,
    ("GET", "fapi/v1/income"): income,
    ("GET", "fapi/v2/balance"): balance,
    ("GET", "fapi/v3/balance"): balance,
}
