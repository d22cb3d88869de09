"""Orders: what a confirmed plan (or an unwind) would send, and the checks before sending.

An `OrderIntent` is exactly what the confirm modal shows and what an executor sends. Its
client order id is made here, before anything is sent, so that an ambiguous failure can be
resolved by querying the venue for that id instead of resubmitting blindly.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from datetime import datetime

from pydantic import BaseModel, ConfigDict

from tui.core.models import MarketSpec, Plan, Quote, Side
from tui.core.precision import amount_to_precision

#: Binance's limit for newClientOrderId is 36 characters of ``[.A-Z:/a-z0-9_-]``.
CLIENT_ID_MAX = 36


class OrderIntent(BaseModel):
    """One order as it would be sent."""

    model_config = ConfigDict(frozen=True)

    client_order_id: str
    tilt_id: str
    asset: str
    symbol: str
    side: Side
    type: str = "market"
    amount: str
    """Contracts, as the precision string the venue receives."""
    price: float | None = None
    """Reference price (mark at planning) for a market order; the limit for a limit order."""
    reduce_only: bool = False
    purpose: str = "open"
    """open, close (unwind or stop) or roll."""

    @property
    def contracts(self) -> float:
        """The amount as a number."""
        return float(self.amount)


class Fill(BaseModel):
    """An execution of an order (paper or live)."""

    model_config = ConfigDict(frozen=True)

    fill_id: str
    client_order_id: str
    tilt_id: str
    symbol: str
    side: Side
    amount: float
    """Contracts filled."""
    price: float
    fee_usd: float
    ts: datetime


class Execution(BaseModel):
    """What an executor (paper or live) says became of one order."""

    model_config = ConfigDict(frozen=True)

    client_order_id: str
    status: str
    """``filled``, ``partial`` (some filled, the rest will not be), ``open`` or ``rejected``."""
    filled: float = 0.0
    """Contracts filled."""
    average: float | None = None
    """Average fill price."""
    fee_usd: float = 0.0
    index_price: float | None = None
    """The index (spot) price at the fill, when known (splits P&L into price and basis)."""
    ts: datetime | None = None
    reason: str = ""
    """Why it was rejected, in the venue's words."""
    exchange_order_id: str | None = None


class OrderFateUnknown(Exception):
    """A request may or may not have reached the venue (timeout, dropped connection): the
    order must be looked up by its client id, never sent again blindly."""


def client_order_id(tilt_id: str, index: int, purpose: str = "open", batch: int = 0) -> str:
    """``pa-<tilt>-<o|c|r><n>`` (``<o|c|r><batch>.<n>`` after the first batch of a tilt):
    unique per tilt, batch and order, within the venue's 36 characters."""
    tag = {"open": "o", "close": "c", "roll": "r"}.get(purpose, "x")
    cid = f"pa-{tilt_id}-{tag}{index}" if batch == 0 else f"pa-{tilt_id}-{tag}{batch}.{index}"
    if len(cid) > CLIENT_ID_MAX:
        raise ValueError(f"client order id {cid!r} is longer than {CLIENT_ID_MAX} characters")
    return cid


def orders_for_plan(plan: Plan, tilt_id: str, batch: int = 0) -> list[OrderIntent]:
    """Market orders for the plan's legs that can be sent (status ``ok``), in plan order."""
    return [
        OrderIntent(
            client_order_id=client_order_id(tilt_id, index, "open", batch),
            tilt_id=tilt_id,
            asset=leg.asset,
            symbol=leg.symbol,
            side=leg.side,
            amount=leg.amount,
            price=leg.price,
        )
        for index, leg in enumerate(plan.sendable())
    ]


def closing_orders(
    positions: Mapping[str, float],
    markets: Mapping[str, MarketSpec],
    tilt_id: str,
    quotes: Mapping[str, Quote] | None = None,
    purpose: str = "close",
    batch: int = 0,
) -> list[OrderIntent]:
    """Reduce-only orders that flatten ``positions`` (symbol → signed contracts)."""
    intents: list[OrderIntent] = []
    for index, (symbol, contracts) in enumerate(sorted(positions.items())):
        market = markets.get(symbol)
        if market is None or not contracts:
            continue
        amount = amount_to_precision(market, abs(contracts))
        if float(amount) == 0:
            continue
        quote = (quotes or {}).get(symbol)
        intents.append(
            OrderIntent(
                client_order_id=client_order_id(tilt_id, index, purpose, batch),
                tilt_id=tilt_id,
                asset=market.base,
                symbol=symbol,
                side="sell" if contracts > 0 else "buy",
                amount=amount,
                price=quote.price if quote is not None else None,
                reduce_only=True,
                purpose=purpose,
            )
        )
    return intents


def pretrade_problems(
    intents: Iterable[OrderIntent],
    markets: Mapping[str, MarketSpec],
    quotes: Mapping[str, Quote],
    *,
    now: datetime,
    received_now: datetime | None = None,
    max_age_s: float = 10.0,
    max_order_usd: float = 1_000_000.0,
    price_band: float = 0.05,
) -> list[str]:
    """Reasons these orders must not be sent now (empty list = go).

    Checks (docs/design.md §7): the market is known and not expired, the amount is a positive
    number on the market's precision and above its minimums, the notional is under the
    per-order cap, the price is fresh and within ``price_band`` of the reference.
    """
    problems: list[str] = []
    for intent in intents:
        market = markets.get(intent.symbol)
        quote = quotes.get(intent.symbol)
        if market is None:
            problems.append(f"{intent.symbol}: unknown market")
            continue
        if market.expiry is not None and market.expiry <= now:
            problems.append(f"{intent.symbol}: contract has expired")
        amount = intent.contracts
        if not math.isfinite(amount) or amount <= 0:
            problems.append(f"{intent.symbol}: amount {intent.amount} is not a positive number")
            continue
        if amount_to_precision(market, amount) != intent.amount:
            problems.append(f"{intent.symbol}: amount {intent.amount} is off the lot step")
        if market.min_amount is not None and amount < market.min_amount and not intent.reduce_only:
            problems.append(
                f"{intent.symbol}: amount {intent.amount} below minimum {market.min_amount:g}"
            )
        price = quote.price if quote is not None else None
        if price is None:
            problems.append(f"{intent.symbol}: no price")
            continue
        # Expiry is on the venue's clock (``now``); a quote's age on the clock that stamped
        # it when it arrived (``received_now``, the same clock unless given).
        seen = received_now or now
        age = (seen - quote.received_at).total_seconds() if quote is not None else math.inf
        if age > max_age_s:
            problems.append(f"{intent.symbol}: price is stale ({age:.0f} s old)")
        notional = amount * market.contract_size * price
        if notional > max_order_usd:
            problems.append(
                f"{intent.symbol}: ${notional:,.0f} is above the per-order cap ${max_order_usd:,.0f}"
            )
        if intent.price and abs(price / intent.price - 1.0) > price_band:
            problems.append(
                f"{intent.symbol}: price moved {price / intent.price - 1.0:+.1%} since planning"
            )
    return problems
