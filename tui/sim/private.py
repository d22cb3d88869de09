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
from tui.sim.market import Contract
from tui.sim.wire import ApiError, bad_param, fmt, fmt_step, int_param, missing_param

Params = dict[str, str]
PrivateHandler = Callable[[Account, Params], Any]

#: The first bracket's notional cap; each further bracket caps ×5 with half the leverage.
FIRST_BRACKET_CAP = 50_000.0
BRACKETS = 5


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


def _brackets(contract: Contract) -> list[dict[str, Any]]:
    asset = contract.asset
    out: list[dict[str, Any]] = []
    floor, cum, prev_mmr = 0.0, 0.0, asset.maint_margin_rate
    for k in range(BRACKETS):
        mmr = min(asset.maint_margin_rate * 2**k, 0.5)
        cap = FIRST_BRACKET_CAP * 5**k
        # Binance's "cum" keeps maintenance margin continuous across brackets.
        cum += floor * (mmr - prev_mmr)
        out.append(
            {
                "bracket": k + 1,
                "initialLeverage": max(1, asset.max_leverage // 2**k),
                "notionalCap": int(cap),
                "notionalFloor": int(floor),
                "maintMarginRatio": round(mmr, 6),
                "cum": round(cum, 4),
            }
        )
        floor, prev_mmr = cap, mmr
    return out


def leverage_bracket(account: Account, params: Params) -> Any:
    """``GET fapi/v1/leverageBracket``: tiers whose first bracket has the asset's max leverage."""
    symbol = params.get("symbol")
    contracts = [account.contract(symbol)] if symbol else account.market.contracts()
    return [{"symbol": c.symbol, "notionalCoef": 1.0, "brackets": _brackets(c)} for c in contracts]


def post_leverage(account: Account, params: Params) -> Any:
    """``POST fapi/v1/leverage``: set a symbol's leverage (1 .. the asset's maximum)."""
    contract = account.contract(params.get("symbol"))
    leverage = int_param(params, "leverage")
    if leverage is None:
        raise missing_param("leverage")
    if not 1 <= leverage <= contract.asset.max_leverage:
        raise ApiError(400, -4028, f"Leverage {leverage} is not valid")
    account.leverage[contract.symbol] = leverage
    return {
        "leverage": leverage,
        "maxNotionalValue": str(int(FIRST_BRACKET_CAP * 5 ** (BRACKETS - 1))),
        "symbol": contract.symbol,
    }


def margin_type(account: Account, params: Params) -> Any:
    """``POST fapi/v1/marginType``: accepted and ignored (the simulator margins cross)."""
    account.contract(params.get("symbol"))
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
        else:
            mark = account.market.snapshot(contract).mark
            amount, entry, updated = 0.0, 0.0, 0
        lev = account.leverage_of(contract)
        notional = amount * mark
        asset = contract.asset
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
                "unRealizedProfit": fmt(amount * (mark - entry), 8),
                "liquidationPrice": "0",
                "isolatedMargin": "0",
                "notional": fmt(notional, 8),
                "isolatedWallet": "0",
                "initialMargin": fmt(abs(notional) / lev, 8),
                "maintMargin": fmt(abs(notional) * asset.maint_margin_rate, 8),
                "positionInitialMargin": fmt(abs(notional) / lev, 8),
                "openOrderInitialMargin": "0",
                "adl": 0,
                "bidNotional": "0",
                "askNotional": "0",
                "marginAsset": "USDT",
                "leverage": str(lev),
                "maxNotionalValue": str(int(FIRST_BRACKET_CAP * 5 ** (BRACKETS - 1))),
                "marginType": "cross",
                "isAutoAddMargin": "false",
                "isolated": False,
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


def _usdt(account: Account) -> dict[str, Any]:
    account.catch_up()
    upnl = account.unrealized()
    im = account.initial_margin()
    now = account.market.now_ms()
    return {
        "asset": "USDT",
        "walletBalance": fmt(account.wallet),
        "unrealizedProfit": fmt(upnl),
        "marginBalance": fmt(account.wallet + upnl),
        "maintMargin": fmt(account.maint_margin()),
        "initialMargin": fmt(im),
        "positionInitialMargin": fmt(im),
        "openOrderInitialMargin": "0.00000000",
        "crossWalletBalance": fmt(account.wallet),
        "crossUnPnl": fmt(upnl),
        "availableBalance": fmt(account.available()),
        "maxWithdrawAmount": fmt(account.available()),
        "marginAvailable": True,
        "updateTime": now,
    }


def account_info(account: Account, params: Params) -> Any:
    """``GET fapi/v2|v3/account``: totals, the USDT asset and the open positions."""
    usdt = _usdt(account)
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
        "assets": [usdt],
        "positions": positions,
    }


def balance(account: Account, params: Params) -> Any:
    """``GET fapi/v2|v3/balance``: one row per margin asset."""
    usdt = _usdt(account)
    return [
        {
            "accountAlias": "SgsR",
            "asset": "USDT",
            "balance": usdt["walletBalance"],
            "crossWalletBalance": usdt["crossWalletBalance"],
            "crossUnPnl": usdt["crossUnPnl"],
            "availableBalance": usdt["availableBalance"],
            "maxWithdrawAmount": usdt["maxWithdrawAmount"],
            "marginAvailable": True,
            "updateTime": usdt["updateTime"],
        }
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
    ("GET", "fapi/v2/balance"): balance,
    ("GET", "fapi/v3/balance"): balance,
}
