"""The simulated trading account: USDT wallet, per-symbol leverage, positions and orders.

Market orders fill at once at the touch (buy at the ask, sell at the bid) with the taker fee;
limit orders fill when marketable and otherwise rest until cancelled. Funding is charged at
each settlement and dated futures are closed at their settlement price, both lazily on the
next request, so the account needs no timer.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field

from tui.sim.market import Contract, SimMarket
from tui.sim.scenario import Asset
from tui.sim.wire import ApiError, bad_symbol

#: Starting wallet of the demo account, USDT.
INITIAL_BALANCE = 100_000.0
#: Default leverage of a symbol before ``POST fapi/v1/leverage``.
DEFAULT_LEVERAGE = 20


@dataclass
class Position:
    """A one-way (``BOTH``) position: signed amount (+ = long) and average entry price."""

    symbol: str
    amount: float = 0.0
    entry: float = 0.0
    updated_ms: int = 0


@dataclass
class Order:
    """One order as Binance keeps it."""

    order_id: int
    client_id: str
    symbol: str
    side: str
    type: str
    qty: float
    price: float
    reduce_only: bool
    time_ms: int
    status: str = "NEW"
    filled: float = 0.0
    avg_price: float = 0.0
    updated_ms: int = 0
    time_in_force: str = "GTC"


@dataclass
class Account:
    """The one account behind the demo API key."""

    market: SimMarket
    wallet: float = INITIAL_BALANCE
    leverage: dict[str, int] = field(default_factory=dict)
    positions: dict[str, Position] = field(default_factory=dict)
    orders: dict[int, Order] = field(default_factory=dict)
    by_client_id: dict[str, int] = field(default_factory=dict)
    realized: float = 0.0
    fees: float = 0.0
    funding: float = 0.0
    """Funding received (+) or paid (−) so far, USDT."""
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(4_000_000_001))
    _funded_ms: int = -1

    # -- lookups -----------------------------------------------------------------------------

    def contract(self, symbol: str | None) -> Contract:
        """The listed contract ``symbol`` (`ApiError` -1121 otherwise)."""
        found = self.market.contract(symbol) if symbol else None
        if found is None:
            raise bad_symbol()
        return found

    def contract_asset(self, symbol: str) -> Asset:
        """The asset of ``symbol``, listed or expired (``BTCUSDT_260327`` → BTC)."""
        name = symbol.split("_")[0].removesuffix("USDT")
        try:
            return self.market.scenario.asset(name)
        except KeyError:
            raise bad_symbol() from None

    def leverage_of(self, contract: Contract) -> int:
        """The symbol's leverage setting."""
        return self.leverage.get(
            contract.symbol, min(DEFAULT_LEVERAGE, contract.asset.max_leverage)
        )

    def find(self, order_id: int | None, client_id: str | None) -> Order:
        """An order by exchange id or client id (`ApiError` -2013 when unknown)."""
        if order_id is None and client_id is not None:
            order_id = self.by_client_id.get(client_id)
        order = self.orders.get(order_id) if order_id is not None else None
        if order is None:
            raise ApiError(400, -2013, "Order does not exist.")
        return order

    # -- time passing ------------------------------------------------------------------------

    def catch_up(self) -> None:
        """Charge funding settled since the last request; close positions of expired futures."""
        now = self.market.now_ms()
        if self._funded_ms < 0:
            self._funded_ms = now
        for pos in list(self.positions.values()):
            if pos.amount == 0:
                continue
            contract = self.market.contract(pos.symbol, now)
            if contract is None:
                price = self.market.settled.get(pos.symbol)
                if price is not None:
                    self._apply_fill(pos, -pos.amount, price, now)
                continue
            if contract.future is not None:
                continue
            asset = contract.asset
            for t in self.market.funding_times(asset, self._funded_ms + 1, now):
                mark = self.market.price_at(asset.name, t) * (1.0 + asset.premium)
                # A long pays amount × mark × rate when the rate is positive; a short receives.
                flow = -pos.amount * mark * self.market.funding_rate_at(asset, t)
                self.wallet += flow
                self.funding += flow
        self._funded_ms = now

    # -- orders ------------------------------------------------------------------------------

    def place(
        self,
        symbol: str | None,
        side: str | None,
        type_: str | None,
        qty: float,
        price: float | None,
        reduce_only: bool,
        client_id: str | None,
        time_in_force: str = "GTC",
    ) -> Order:
        """Check and place one order; market (and marketable limit) orders fill at once."""
        self.catch_up()
        contract = self.contract(symbol)
        asset = contract.asset
        if side not in ("BUY", "SELL"):
            raise ApiError(400, -1117, "Invalid side.")
        if type_ not in ("MARKET", "LIMIT"):
            raise ApiError(400, -1116, "Invalid orderType.")
        if client_id and client_id in self.by_client_id:
            raise ApiError(400, -4116, "ClientOrderId is duplicated.")
        if not math.isfinite(qty) or qty <= 0:
            raise ApiError(400, -4003, "Quantity less than or equal to zero.")
        steps = qty / asset.amount_step
        if abs(steps - round(steps)) > 1e-6:
            raise ApiError(400, -1111, "Precision is over the maximum defined for this asset.")
        if qty < asset.min_qty - 1e-12:
            raise ApiError(400, -4005, f"Quantity less than minimum quantity {asset.min_qty}.")
        if type_ == "LIMIT" and (price is None or price <= 0):
            raise ApiError(400, -4014, "Price not increased by tick size.")
        snap = self.market.snapshot(contract)
        sign = 1.0 if side == "BUY" else -1.0
        pos = self.positions.setdefault(contract.symbol, Position(contract.symbol))
        if reduce_only and (pos.amount * sign >= 0 or qty > abs(pos.amount) + 1e-12):
            raise ApiError(400, -2022, "ReduceOnly Order is rejected.")
        ref = snap.ask if side == "BUY" else snap.bid
        if not reduce_only and qty * ref < asset.min_notional:
            raise ApiError(
                400,
                -4164,
                f"Order's notional must be no smaller than {asset.min_notional:g} "
                "(unless you choose reduce only).",
            )
        fills = type_ == "MARKET" or (price is not None and (price - ref) * sign >= 0)
        opening = max(0.0, abs(pos.amount + sign * qty) - abs(pos.amount))
        margin_needed = opening * ref / self.leverage_of(contract)
        if fills and margin_needed + qty * ref * asset.taker_fee > self.available():
            raise ApiError(400, -2019, "Margin is insufficient.")
        now = snap.time_ms
        order = Order(
            order_id=next(self._ids),
            client_id=client_id or f"sim-{now}-{len(self.orders) + 1}",
            symbol=contract.symbol,
            side=side,
            type=type_,
            qty=qty,
            price=price or 0.0,
            reduce_only=reduce_only,
            time_ms=now,
            updated_ms=now,
            time_in_force=time_in_force,
        )
        if fills:
            fee = qty * ref * asset.taker_fee
            self.wallet -= fee
            self.fees += fee
            self._apply_fill(pos, sign * qty, ref, now)
            order.status, order.filled, order.avg_price = "FILLED", qty, ref
        self.orders[order.order_id] = order
        self.by_client_id[order.client_id] = order.order_id
        return order

    def cancel(self, order: Order) -> Order:
        """Cancel a resting order (`ApiError` -2011 when it is no longer open)."""
        if order.status != "NEW":
            raise ApiError(400, -2011, "Unknown order sent.")
        order.status = "CANCELED"
        order.updated_ms = self.market.now_ms()
        return order

    def _apply_fill(self, pos: Position, signed_qty: float, price: float, now: int) -> None:
        """Move the position by ``signed_qty`` at ``price``, realizing P&L on the reduced part."""
        old = pos.amount
        new = old + signed_qty
        if old == 0 or old * signed_qty > 0:
            pos.entry = (abs(old) * pos.entry + abs(signed_qty) * price) / abs(new)
        else:
            closed = min(abs(signed_qty), abs(old))
            pnl = closed * (price - pos.entry) * (1.0 if old > 0 else -1.0)
            self.wallet += pnl
            self.realized += pnl
            if abs(new) < 1e-12:
                new = 0.0
                pos.entry = 0.0
            elif old * new < 0:
                pos.entry = price  # flipped: the remainder opened at this price
        pos.amount = new
        pos.updated_ms = now

    # -- valuation ---------------------------------------------------------------------------

    def open_positions(self) -> list[tuple[Contract, Position, float]]:
        """Every non-zero position on a listed contract, with its current mark."""
        out: list[tuple[Contract, Position, float]] = []
        for pos in self.positions.values():
            contract = self.market.contract(pos.symbol)
            if pos.amount and contract is not None:
                out.append((contract, pos, self.market.snapshot(contract).mark))
        return out

    def unrealized(self) -> float:
        """Unrealized P&L of every open position at the mark."""
        return sum(p.amount * (mark - p.entry) for _, p, mark in self.open_positions())

    def initial_margin(self) -> float:
        """Margin held: |notional| / leverage summed over positions."""
        return sum(
            abs(p.amount) * mark / self.leverage_of(c) for c, p, mark in self.open_positions()
        )

    def maint_margin(self) -> float:
        """Maintenance margin: |notional| × the asset's rate."""
        return sum(
            abs(p.amount) * mark * c.asset.maint_margin_rate for c, p, mark in self.open_positions()
        )

    def available(self) -> float:
        """Wallet + unrealized P&L − initial margin (never below zero)."""
        return max(0.0, self.wallet + self.unrealized() - self.initial_margin())
