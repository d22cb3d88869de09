"""The simulated trading account: wallets, per-symbol leverage and margin type, positions, orders.

Market orders fill at once at the touch (buy at the ask, sell at the bid) with the taker fee;
limit orders fill when marketable and otherwise rest until cancelled. Funding is charged at
each settlement and dated futures are closed at their settlement price, both lazily on the
next request, so the account needs no timer.

Margin is in USDT (Binance's single-asset mode); the other assets of the scenario's
``[account]`` balances are held and listed, not used as margin. A symbol is cross-margined
until ``marginType`` makes it isolated; an isolated position holds its own wallet (the margin
put in as it opened, less what reductions release, plus its funding). Orders are checked as
Binance checks them, with its error codes: precision (-1111), tick (-4014), quantity limits
(-4004 / -4005), minimum notional (-4164), reduce-only (-2022), the position allowed at the
symbol's leverage by its bracket (-2027), margin (-2019), and a client order id already used by
an open order (-4116).
"""

from __future__ import annotations

import itertools
import math
import re
from dataclasses import dataclass, field

from tui.core.margin import liquidation_price
from tui.sim.brackets import bracket_of, maint_margin, max_notional
from tui.sim.market import Contract, SimMarket
from tui.sim.scenario import Asset
from tui.sim.wire import ApiError, bad_symbol, decimals_of

#: Starting wallet of the demo account, USDT (when the scenario gives no ``[account]``).
INITIAL_BALANCE = 100_000.0
#: Default leverage of a symbol before ``POST fapi/v1/leverage``.
DEFAULT_LEVERAGE = 20
#: Binance's rule for ``newClientOrderId``.
CLIENT_ID = re.compile(r"^[\.A-Z\:/a-z0-9_-]{1,36}$")
#: Order states in which a client order id is still taken (Binance: unique among open orders).
OPEN_STATUSES = ("NEW", "PARTIALLY_FILLED")
#: Largest market / limit order, USD notional (Binance's MARKET_LOT_SIZE / LOT_SIZE maxQty
#: at the scenario's price, as exchangeInfo publishes them).
MAX_MARKET_NOTIONAL = 1e8
MAX_LIMIT_NOTIONAL = 1e9


@dataclass
class Position:
    """A one-way (``BOTH``) position: signed amount (+ = long) and average entry price."""

    symbol: str
    amount: float = 0.0
    entry: float = 0.0
    updated_ms: int = 0
    isolated_wallet: float = 0.0
    """Margin held by the position when its symbol is isolated, USDT (0 when cross)."""


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


@dataclass(frozen=True)
class Income:
    """One row of the income history: a funding fee paid (−) or received (+)."""

    symbol: str
    kind: str
    amount: float
    time_ms: int


@dataclass
class Account:
    """The one account behind the demo API key."""

    market: SimMarket
    wallet: float = INITIAL_BALANCE
    """The USDT wallet balance (isolated wallets included), the margin of every position."""
    held: dict[str, float] = field(default_factory=dict)
    """Other assets held in the futures wallet (not margin in single-asset mode), by name."""
    leverage: dict[str, int] = field(default_factory=dict)
    margin_type: dict[str, str] = field(default_factory=dict)
    """``ISOLATED`` or ``CROSSED`` per symbol (Binance's default: crossed)."""
    positions: dict[str, Position] = field(default_factory=dict)
    orders: dict[int, Order] = field(default_factory=dict)
    by_client_id: dict[str, int] = field(default_factory=dict)
    realized: float = 0.0
    fees: float = 0.0
    funding: float = 0.0
    """Funding received (+) or paid (−) so far, USDT."""
    income: list[Income] = field(default_factory=list)
    """Income history (funding fees per settlement), as ``fapi/v1/income`` lists it."""
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
        return self._leverage(contract.symbol, contract.asset)

    def _leverage(self, symbol: str, asset: Asset) -> int:
        return self.leverage.get(symbol, min(DEFAULT_LEVERAGE, asset.max_leverage))

    def isolated(self, symbol: str) -> bool:
        """Whether ``symbol`` is margined isolated (else cross, Binance's default)."""
        return self.margin_type.get(symbol, "CROSSED") == "ISOLATED"

    def find(self, order_id: int | None, client_id: str | None) -> Order:
        """An order by exchange id or client id (`ApiError` -2013 when unknown).

        A client id reused after its order closed names the latest order that used it."""
        if order_id is None and client_id is not None:
            order_id = self.by_client_id.get(client_id)
        order = self.orders.get(order_id) if order_id is not None else None
        if order is None:
            raise ApiError(400, -2013, "Order does not exist.")
        return order

    # -- settings ----------------------------------------------------------------------------

    def set_leverage(self, contract: Contract, leverage: int) -> None:
        """Set the symbol's leverage: 1 .. the first bracket's maximum (-4028), and no lower
        than the open position's bracket allows (-2027)."""
        asset = contract.asset
        if not 1 <= leverage <= asset.max_leverage:
            raise ApiError(400, -4028, f"Leverage {leverage} is not valid")
        pos = self.positions.get(contract.symbol)
        if pos is not None and pos.amount:
            notional = abs(pos.amount) * self.market.snapshot(contract).mark
            if notional > max_notional(asset, leverage) + 1e-9:
                raise ApiError(400, -2027, MAX_POSITION_MESSAGE)
        self.leverage[contract.symbol] = leverage

    def set_margin_type(self, contract: Contract, kind: str | None) -> None:
        """``ISOLATED`` or ``CROSSED``; refused when unchanged (-4046), with a position open
        (-4048) or with open orders (-4047), as Binance refuses."""
        if kind not in ("ISOLATED", "CROSSED"):
            raise ApiError(400, -1116 if kind else -1102, "Invalid marginType.")
        if self.margin_type.get(contract.symbol, "CROSSED") == kind:
            raise ApiError(400, -4046, "No need to change margin type.")
        pos = self.positions.get(contract.symbol)
        if pos is not None and pos.amount:
            raise ApiError(400, -4048, "Margin type cannot be changed if there exists position.")
        if any(
            o.symbol == contract.symbol and o.status in OPEN_STATUSES for o in self.orders.values()
        ):
            raise ApiError(400, -4047, "Margin type cannot be changed if there exists open orders.")
        self.margin_type[contract.symbol] = kind

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
                self.income.append(Income(pos.symbol, "FUNDING_FEE", flow, t))
                if self.isolated(pos.symbol):
                    pos.isolated_wallet += flow  # Binance settles it in the isolated margin
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
        if client_id:
            if not CLIENT_ID.match(client_id):
                raise ApiError(
                    400,
                    -1100,
                    "Illegal characters found in parameter 'newClientOrderId'; legal range is "
                    "'^[\\.A-Z\\:/a-z0-9_-]{1,36}$'.",
                )
            # Binance: "a unique id among open orders" (a closed order's id may be reused).
            taken = self.by_client_id.get(client_id)
            if taken is not None and self.orders[taken].status in OPEN_STATUSES:
                raise ApiError(400, -4116, "ClientOrderId is duplicated.")
        if not math.isfinite(qty) or qty <= 0:
            raise ApiError(400, -4003, "Quantity less than or equal to zero.")
        if not _on_grid(qty, asset.amount_step):
            raise ApiError(400, -1111, PRECISION_MESSAGE)
        if qty < asset.min_qty - 1e-12:
            raise ApiError(400, -4004, "Quantity less than min quantity.")
        if qty > max_qty(asset, market=type_ == "MARKET") + 1e-12:
            raise ApiError(400, -4005, "Quantity greater than max quantity.")
        if type_ == "LIMIT":
            if price is None:
                raise ApiError(
                    400,
                    -1102,
                    "Mandatory parameter 'price' was not sent, was empty/null, or malformed.",
                )
            if not math.isfinite(price) or price <= 0:
                raise ApiError(400, -4001, "Price less than 0.")
            if _decimals(price) > decimals_of(asset.tick):
                raise ApiError(400, -1111, PRECISION_MESSAGE)
            if not _on_grid(price, asset.tick):
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
        leverage = self.leverage_of(contract)
        after = abs(pos.amount + sign * qty)
        if after > abs(pos.amount) and after * ref > max_notional(asset, leverage) + 1e-9:
            raise ApiError(400, -2027, MAX_POSITION_MESSAGE)
        fills = type_ == "MARKET" or (price is not None and (price - ref) * sign >= 0)
        opening = max(0.0, after - abs(pos.amount))
        margin_needed = opening * ref / leverage
        if fills and margin_needed + qty * ref * asset.taker_fee > self.available() + 1e-9:
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
        if order.status not in OPEN_STATUSES:
            raise ApiError(400, -2011, "Unknown order sent.")
        order.status = "CANCELED"
        order.updated_ms = self.market.now_ms()
        return order

    def _apply_fill(self, pos: Position, signed_qty: float, price: float, now: int) -> None:
        """Move the position by ``signed_qty`` at ``price``, realizing P&L on the reduced part.

        An isolated position's wallet takes the margin of what opens (``qty × price /
        leverage``) and gives back its share of what closes."""
        old = pos.amount
        new = old + signed_qty
        isolated = self.isolated(pos.symbol)
        leverage = self._leverage(pos.symbol, self.contract_asset(pos.symbol))
        if old == 0 or old * signed_qty > 0:
            pos.entry = (abs(old) * pos.entry + abs(signed_qty) * price) / abs(new)
            if isolated:
                pos.isolated_wallet += abs(signed_qty) * price / leverage
        else:
            closed = min(abs(signed_qty), abs(old))
            pnl = closed * (price - pos.entry) * (1.0 if old > 0 else -1.0)
            self.wallet += pnl
            self.realized += pnl
            pos.isolated_wallet *= (abs(old) - closed) / abs(old)
            if abs(new) < 1e-12:
                new = 0.0
                pos.entry = 0.0
                pos.isolated_wallet = 0.0
            elif old * new < 0:
                pos.entry = price  # flipped: the remainder opened at this price
                if isolated:
                    pos.isolated_wallet = abs(new) * price / leverage
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

    def unrealized(self, *, cross_only: bool = False) -> float:
        """Unrealized P&L of every open position (or of the cross ones) at the mark."""
        return sum(
            p.amount * (mark - p.entry)
            for _, p, mark in self.open_positions()
            if not (cross_only and self.isolated(p.symbol))
        )

    def initial_margin(self, *, cross_only: bool = False) -> float:
        """Margin held: |notional| / leverage summed over positions (or the cross ones)."""
        return sum(
            abs(p.amount) * mark / self.leverage_of(c)
            for c, p, mark in self.open_positions()
            if not (cross_only and self.isolated(p.symbol))
        )

    def maint_margin(self) -> float:
        """Maintenance margin: ``|notional| × MMR − cum`` of each position's bracket."""
        return sum(maint_margin(c.asset, p.amount * mark) for c, p, mark in self.open_positions())

    def isolated_wallets(self) -> float:
        """USDT held in the isolated positions' wallets."""
        return sum(p.isolated_wallet for p in self.positions.values() if p.amount)

    def cross_wallet(self) -> float:
        """The wallet less what isolated positions hold (Binance's ``crossWalletBalance``)."""
        return self.wallet - self.isolated_wallets()

    def available(self) -> float:
        """Cross wallet + cross unrealized P&L − cross initial margin (never below zero)."""
        free = (
            self.cross_wallet()
            + self.unrealized(cross_only=True)
            - self.initial_margin(cross_only=True)
        )
        return max(0.0, free)

    def liquidation(self, contract: Contract, pos: Position, mark: float) -> float:
        """The position's liquidation price by Binance's one-way formula (0: none).

        ``LP = (WB + cum − s·Q·EP) / (Q·MMR − s·Q)`` with the bracket of the position's
        notional at the mark. Isolated: ``WB`` is the position's wallet. Cross: the cross
        wallet less the other cross positions' maintenance margin plus their unrealized P&L
        (``WB − TMM1 + UPNL1``).
        """
        if not pos.amount:
            return 0.0
        quantity = abs(pos.amount)
        if self.isolated(pos.symbol):
            margin = pos.isolated_wallet
        else:
            others = [
                (c, p, m)
                for c, p, m in self.open_positions()
                if p.symbol != pos.symbol and not self.isolated(p.symbol)
            ]
            margin = (
                self.cross_wallet()
                - sum(maint_margin(c.asset, p.amount * m) for c, p, m in others)
                + sum(p.amount * (m - p.entry) for _, p, m in others)
            )
        price = liquidation_price(
            "binance",
            long=pos.amount > 0,
            quantity=quantity,
            entry=pos.entry,
            margin=margin,
            bracket=bracket_of(contract.asset, quantity * mark),
        )
        return price or 0.0


#: Binance's -1111 message.
PRECISION_MESSAGE = "Precision is over the maximum defined for this asset."
#: Binance's -2027 message.
MAX_POSITION_MESSAGE = "Exceeded the maximum allowable position at current leverage."


def max_qty(asset: Asset, *, market: bool) -> float:
    """The largest order quantity exchangeInfo publishes (MARKET_LOT_SIZE / LOT_SIZE maxQty)."""
    cap = MAX_MARKET_NOTIONAL if market else MAX_LIMIT_NOTIONAL
    step = asset.amount_step
    return round(max(cap / asset.price, 10 * step) / step) * step


def _on_grid(value: float, step: float) -> bool:
    steps = value / step
    return abs(steps - round(steps)) <= 1e-6


def _decimals(value: float) -> int:
    """Digits after the point of ``value`` as sent (``repr``, never exponent-trimmed)."""
    return decimals_of(value)
