"""One market for one leg: expected carry, fees, roll, margin, liquidation, and whether the
venue would take it (docs/design.md §2).

The planner costs every market of an asset with `cost_market` at the leg's unrounded notional
(cheap, what `auto` ranks), then sizes the chosen one exactly with `size_exactly`. Fields are
kept in a plain dict until the chosen one becomes a `Leg`: building models for every candidate
twice would cost more than the arithmetic.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from tui.core import carry
from tui.core.margin import (
    Bracket,
    bracket_for,
    fallback_brackets,
    liquidation_distance,
    liquidation_price,
)
from tui.core.models import MarketSpec, Quote, annualize_funding
from tui.core.precision import amount_to_precision

#: A dated future is closed (rolled) this long before it settles; one that settles sooner
#: than this is not proposed.
ROLL_LEAD = timedelta(days=1)

#: Fields proportional to the leg's notional (funding, basis, fees, margin, roll all scale).
LINEAR_FIELDS = ("margin_usd", "fee_usd", "carry_usd", "funding_usd", "basis_usd", "roll_cost_usd")


class LegContext:
    """What every candidate market of one asset's leg shares."""

    __slots__ = (
        "asset",
        "days",
        "end",
        "fallback_leverage",
        "leverage",
        "notional",
        "now",
        "prices",
        "quotes",
    )

    def __init__(
        self,
        asset: str,
        notional: float,
        leverage: float,
        now: datetime,
        end: datetime,
        days: float,
        quotes: Mapping[str, Quote],
        prices: Mapping[str, float],
        fallback_leverage: float,
    ) -> None:
        self.asset = asset
        self.notional = notional
        self.leverage = leverage
        self.now = now
        self.end = end
        self.days = days
        self.quotes = quotes
        self.prices = prices
        self.fallback_leverage = fallback_leverage


def market_brackets(
    market: MarketSpec, fallback_leverage: float
) -> tuple[tuple[Bracket, ...], bool]:
    """The market's brackets and whether they are an estimate.

    The venue's table when the engine loaded one; else `fallback_brackets` from the market's
    leverage cap (or ``fallback_leverage`` when the venue publishes none) and its first
    maintenance rate — an estimate, and said so.
    """
    if market.brackets:
        return market.brackets, market.brackets_source != "venue"
    cap = market.max_leverage or fallback_leverage
    return fallback_brackets(float(cap), market.maintenance_margin_rate), True


def top_leverage(market: MarketSpec, fallback_leverage: float) -> float:
    """The highest leverage the market allows at any size (its first bracket's)."""
    brackets, _ = market_brackets(market, fallback_leverage)
    return max(b.max_leverage for b in brackets)


def cost_market(ctx: LegContext, market: MarketSpec, siblings: list[MarketSpec]) -> dict[str, Any]:
    """The leg's fields on one market (perp or dated future), at the unrounded amount.

    A market the leg cannot use comes back with ``status`` ``blocked`` and the reason, with
    every number that could still be computed (so the comparison can show it).
    """
    sign = 1.0 if ctx.notional > 0 else -1.0
    quote = ctx.quotes.get(market.symbol)
    price = quote.price if quote is not None else None
    fields: dict[str, Any] = {
        "asset": ctx.asset,
        "symbol": market.symbol,
        "instrument": market.instrument,
        "side": "buy" if sign > 0 else "sell",
        "contracts": 0.0,
        "target_notional_usd": ctx.notional,
        "notional_usd": 0.0,
        "residual_usd": ctx.notional,
        "price": price or 0.0,
        "margin_usd": 0.0,
        "fee_usd": 0.0,
        "carry_usd": 0.0,
        "expiry": market.expiry,
    }
    if market.expiry is not None:
        if market.expiry <= ctx.now:
            return {**fields, "status": "blocked", "reason": "contract has expired"}
        if market.expiry - ROLL_LEAD <= ctx.now:
            hours = carry.days_between(ctx.now, market.expiry) * 24.0
            reason = (
                f"settles in {hours:.0f} h ({market.expiry:%Y-%m-%d %H:%M} UTC), inside the "
                f"{_lead_text()} roll lead: it would have to be rolled at once"
            )
            return {**fields, "status": "blocked", "reason": reason}
    if not price or price <= 0 or not math.isfinite(price):
        return {**fields, "status": "blocked", "reason": f"no price for {market.symbol}"}

    contracts = abs(ctx.notional) / (price * market.contract_size)
    units = sign * contracts * market.contract_size
    gross = abs(ctx.notional)
    fields.update(
        contracts=contracts,
        notional_usd=ctx.notional,
        residual_usd=0.0,
        fee_usd=gross * market.taker,
    )
    fields.update(risk_fields(ctx, market, quote, ctx.notional, contracts, price))
    over_cap = fields.pop("_over_cap")
    blocked = _add_carry(ctx, market, fields, quote, units, siblings) or over_cap
    if blocked:
        return {**fields, "status": "blocked", "reason": blocked}
    return fields


def risk_fields(
    ctx: LegContext,
    market: MarketSpec,
    quote: Quote | None,
    notional: float,
    contracts: float,
    price: float,
) -> dict[str, Any]:
    """Margin, bracket, liquidation and its distance of ``notional`` on ``market``.

    ``_over_cap`` is why the venue would refuse the leverage at this size ("" if it would not).
    """
    brackets, estimate = market_brackets(market, ctx.fallback_leverage)
    bracket = bracket_for(brackets, notional, contracts)
    assert bracket is not None  # market_brackets never returns an empty table
    gross = abs(notional)
    margin = gross / ctx.leverage
    liquidation = liquidation_price(
        market.liquidation_rule,
        long=notional > 0,
        quantity=contracts * market.contract_size,
        entry=price,
        margin=margin,
        bracket=bracket,
        fee_rate=market.taker if market.liquidation_rule == "okx" else 0.0,
    )
    mark = (quote.mark if quote is not None else None) or price
    over = ""
    if ctx.leverage > bracket.max_leverage:
        over = (
            f"${gross:,.0f} at {ctx.leverage:g}× is above the {bracket.max_leverage:g}× "
            f"this bracket allows ({_bracket_range(bracket)}"
            f"{', estimated' if estimate else ''})"
        )
    return {
        "margin_usd": margin,
        "max_leverage": bracket.max_leverage,
        "mmr": bracket.mmr,
        "maint_amount_usd": bracket.maint_amount,
        "liquidation_price": liquidation,
        "liquidation_distance": liquidation_distance(liquidation, mark),
        "liquidation_estimate": estimate,
        "_over_cap": over,
    }


def position_liquidation(
    market: MarketSpec,
    quantity: float,
    entry: float,
    leverage: float,
    mark: float | None = None,
    fallback_leverage: float = 20.0,
) -> tuple[float | None, float | None, bool]:
    """(liquidation price, distance from ``mark``, estimate?) of an open isolated position.

    ``quantity`` in signed base units (+ long), ``entry`` its average entry price; the margin
    is what opening it at ``leverage`` posted, ``|quantity| × entry / leverage``. For the
    active tilt's legs, the same way the plan computed them.
    """
    if quantity == 0 or entry <= 0 or leverage <= 0:
        return None, None, False
    brackets, estimate = market_brackets(market, fallback_leverage)
    notional = quantity * entry
    bracket = bracket_for(brackets, notional, abs(quantity) / market.contract_size)
    assert bracket is not None
    price = liquidation_price(
        market.liquidation_rule,
        long=quantity > 0,
        quantity=abs(quantity),
        entry=entry,
        margin=abs(notional) / leverage,
        bracket=bracket,
        fee_rate=market.taker if market.liquidation_rule == "okx" else 0.0,
    )
    return price, liquidation_distance(price, mark or entry), estimate


def _bracket_range(bracket: Bracket) -> str:
    if bracket.unit == "contracts":
        top = "" if math.isinf(bracket.cap) else f"{bracket.cap:,.0f}"
        return f"{bracket.floor:,.0f}–{top} contracts"
    if math.isinf(bracket.cap):
        return f"from ${bracket.floor:,.0f}"
    return f"${bracket.floor:,.0f}–${bracket.cap:,.0f}"


def _lead_text() -> str:
    hours = ROLL_LEAD.total_seconds() / 3600.0
    return "1-day" if hours == 24 else f"{hours:g}-hour"


def size_exactly(ctx: LegContext, market: MarketSpec, fields: dict[str, Any]) -> dict[str, Any]:
    """Round the amount with ccxt's precision rules, rescale the money, check the minimums.

    Every carry and fee field is linear in the notional (funding ``N × rate``, basis
    ``units × (F−S)``, fees and margin ``|N| × k``), so rounding scales them all by
    achieved / target; the bracket and the liquidation are recomputed at the achieved size.
    """
    if fields.get("status", "ok") != "ok":
        return fields
    raw_contracts = fields["contracts"]
    amount = amount_to_precision(market, raw_contracts)
    contracts = float(amount)
    ratio = contracts / raw_contracts
    target = fields["target_notional_usd"]
    achieved = target * ratio
    exact = {
        **fields,
        "contracts": contracts,
        "amount": amount,
        "notional_usd": achieved,
        "residual_usd": target - achieved,
        **{name: fields[name] * ratio for name in LINEAR_FIELDS if name in fields},
    }
    gross = abs(achieved)
    unit = market.base if market.contract_size == 1 else "contracts"
    if contracts <= 0:
        step = market.amount_precision or 0.0
        reason = f"{raw_contracts:.6g} {unit} rounds to 0 at the lot step {step:g}"
        return {**exact, "status": "below_minimum", "reason": reason}
    if market.min_amount is not None and contracts < market.min_amount:
        reason = f"{amount} {unit} is below the minimum amount {market.min_amount:g}"
        return {**exact, "status": "below_minimum", "reason": reason}
    if market.min_cost is not None and gross < market.min_cost:
        reason = f"${gross:,.2f} is below the minimum order value ${market.min_cost:,.2f}"
        return {**exact, "status": "below_minimum", "reason": reason}
    risk = risk_fields(
        ctx, market, ctx.quotes.get(market.symbol), achieved, contracts, fields["price"]
    )
    over = risk.pop("_over_cap")
    exact.update(risk)
    if over:
        return {**exact, "status": "blocked", "reason": over}
    return exact


def _add_carry(
    ctx: LegContext,
    market: MarketSpec,
    fields: dict[str, Any],
    quote: Quote | None,
    units: float,
    siblings: list[MarketSpec],
) -> str:
    """Add expected funding (perp) or basis convergence plus roll (future) to ``fields``.

    Returns why the leg is blocked, or ``""``.
    """
    notional = fields["notional_usd"]
    if market.instrument == "perp":
        funding, annualized = perp_funding(ctx, market, quote, notional, ctx.now)
        fields.update(funding_usd=funding, carry_usd=funding, annualized_rate=annualized)
        return ""

    assert market.expiry is not None  # a dated future always has one (MarketSpec.from_ccxt)
    spot = (quote.index if quote and quote.index else None) or ctx.prices.get(ctx.asset)
    if not spot:
        return f"no spot price for {ctx.asset}"
    future_price = fields["price"]
    days_to_expiry = carry.days_between(ctx.now, market.expiry)
    annualized = carry.annualized_basis(carry.basis(future_price, spot), days_to_expiry)
    roll_by = market.expiry - ROLL_LEAD
    funding = 0.0
    roll_cost = 0.0
    if roll_by < ctx.end:
        # Held until the roll a day before settlement (the basis converges until then), then
        # the perpetual (or, without one, a contract of the same annualized basis) for the
        # rest of the window; the roll costs a close and a re-open at the taker fees.
        fields["roll_by"] = roll_by
        days_held = carry.days_between(ctx.now, roll_by)
        perp = next((m for m in siblings if m.instrument == "perp"), None)
        roll_cost = abs(notional) * (market.taker + (perp.taker if perp else market.taker))
        if perp is not None:
            funding, _ = perp_funding(ctx, perp, ctx.quotes.get(perp.symbol), notional, roll_by)
        else:
            remaining = carry.days_between(roll_by, ctx.end)
            funding = -notional * annualized * remaining / 365.0
    else:
        days_held = ctx.days
    basis_usd = carry.basis_carry(units, future_price, spot, days_held, days_to_expiry)
    fields.update(
        basis_usd=basis_usd,
        annualized_rate=annualized,
        funding_usd=funding,
        roll_cost_usd=roll_cost,
        carry_usd=basis_usd + funding,
    )
    return ""


def perp_funding(
    ctx: LegContext, market: MarketSpec, quote: Quote | None, notional: float, start: datetime
) -> tuple[float, float | None]:
    """Funding to the holder from ``start`` to the window's end, and the annualized rate."""
    if quote is None or quote.funding_rate is None:
        return 0.0, None
    interval = (
        market.funding_interval_hours
        or quote.funding_interval_hours
        or carry.DEFAULT_FUNDING_INTERVAL_HOURS
    )
    next_time = quote.next_funding_time if start == ctx.now else None
    count = carry.count_settlements(start, ctx.end, interval, next_time)
    rate = quote.funding_rate
    return carry.funding_carry(notional, rate, count), annualize_funding(rate, interval)


def score(fields: dict[str, Any]) -> float:
    """Expected carry net of entry fee and roll cost: what `auto` maximises."""
    return float(fields["carry_usd"] - fields["fee_usd"] - fields.get("roll_cost_usd", 0.0))
