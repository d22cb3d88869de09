"""The planner: a tactical target → sized, costed futures legs (DESIGN.md §2).

Pure and fast (a 50-asset tilt plans in well under 5 ms): no I/O, no clock — ``now`` is an
argument so a plan is reproducible.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from tui.core import carry
from tui.core.errors import InputError
from tui.core.models import (
    STABLECOINS,
    InstrumentChoice,
    Leg,
    MarketSpec,
    Plan,
    Portfolio,
    Quote,
    TiltSpec,
    Totals,
    annualize_funding,
)
from tui.core.portfolio import asset_prices, untiltable_notes
from tui.core.precision import amount_to_precision

#: A leg smaller than this (USD) is no leg: the asset already sits at its target.
MIN_LEG_USD = 0.01


def plan_tilt(
    portfolio: Portfolio,
    tilt: TiltSpec,
    markets: Iterable[MarketSpec],
    quotes: Mapping[str, Quote],
    *,
    venue: str,
    now: datetime,
    overlay: Mapping[str, float] | None = None,
    max_leverage_fallback: float = 20.0,
) -> Plan:
    """Turn ``tilt`` into legs on ``markets`` priced by ``quotes``.

    ``overlay`` is the signed futures notional already held per asset (an active tilt), part
    of the effective exposure ``E_a``. Raises `InputError` for input that cannot be planned
    (an unknown asset, leverage above a market's maximum, no portfolio value); problems of one
    leg (below minimum, no price) are that leg's status instead. An asset of the portfolio
    with no market on the venue is not an error: it counts in the base and is not tilted
    (a target on it is left out, with a warning).
    """
    markets = list(markets)
    overlay = overlay or {}
    by_asset: dict[str, list[MarketSpec]] = {}
    for market in markets:
        by_asset.setdefault(market.base, []).append(market)
    prices = asset_prices(markets, quotes)
    warnings: list[str] = []

    # A portfolio asset no market can tilt never blocks the plan: it counts in the base at
    # its price (0 without one), any target on it is left out, and a warning says so.
    untiltable = untiltable_notes(portfolio, markets, prices, venue)
    warnings += untiltable.values()
    targets: dict[str, float] = {}
    for asset, weight in tilt.targets.items():
        if asset in STABLECOINS:
            raise InputError(f"target {asset}: stablecoins are cash; target the risk assets")
        if asset in by_asset:
            targets[asset] = weight
        elif asset not in untiltable:
            raise InputError(f"unknown asset {asset}: no futures market for it on {venue}")
    for asset in portfolio.risk_assets():
        if asset not in untiltable and portfolio.holdings.get(asset) and asset not in prices:
            warnings.append(f"no price for {asset}: its holding counts 0 in the portfolio value")

    # The base is the spot portfolio's value: a futures overlay adds exposure, not capital.
    base = tilt.base_usd if tilt.base_usd is not None else portfolio.value(prices)
    if base <= 0:
        raise InputError("the capital base is 0: the portfolio has no priced value; give --base")
    total_target = sum(targets.values())
    if total_target > 1.0 + 1e-9:
        warnings.append(f"targets sum to {total_target:.0%} of the base: the tilt is levered")

    end = now + timedelta(days=tilt.window_days)
    legs: list[Leg] = []
    for asset, weight in targets.items():
        spot_qty = portfolio.holdings.get(asset, 0.0)
        price = prices.get(asset)
        exposure = spot_qty * (price or 0.0) + overlay.get(asset, 0.0)
        notional = weight * base - exposure
        if abs(notional) < MIN_LEG_USD:
            warnings.append(f"{asset} already sits at its target: no leg")
            continue
        ctx = _LegContext(
            asset, notional, tilt.leverage, now, end, tilt.window_days, quotes, prices
        )
        leg = _choose(ctx, tilt.instrument_for(asset), by_asset[asset])
        _check_leverage(leg, by_asset[asset], tilt.leverage, max_leverage_fallback)
        legs.append(leg)
        if leg.status != "ok":
            warnings.append(f"{leg.asset} {leg.symbol}: {leg.reason}")
        elif leg.roll_by is not None:
            warnings.append(
                f"{leg.symbol} expires inside the window: roll by {leg.roll_by:%Y-%m-%d}"
            )

    return Plan(
        venue=venue,
        as_of=now,
        base_usd=base,
        window_days=tilt.window_days,
        leverage=tilt.leverage,
        legs=legs,
        totals=_totals(legs),
        warnings=warnings,
    )


class _LegContext:
    """What every candidate market of one asset's leg shares."""

    __slots__ = ("asset", "days", "end", "leverage", "notional", "now", "prices", "quotes")

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
    ) -> None:
        self.asset = asset
        self.notional = notional
        self.leverage = leverage
        self.now = now
        self.end = end
        self.days = days
        self.quotes = quotes
        self.prices = prices


#: Fields proportional to the leg's notional (funding, basis, fees, margin, roll all scale).
_LINEAR_FIELDS = ("margin_usd", "fee_usd", "carry_usd", "funding_usd", "basis_usd", "roll_cost_usd")


def _cost_fields(
    ctx: _LegContext, market: MarketSpec, siblings: list[MarketSpec]
) -> dict[str, Any]:
    """The leg's fields on one market (perp or dated future), at the unrounded amount.

    Used to rank candidates; `_size_exactly` then rounds the chosen one.
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
    if market.expiry is not None and market.expiry <= ctx.now:
        return {**fields, "status": "blocked", "reason": "contract has expired"}
    if not price or price <= 0 or not math.isfinite(price):
        return {**fields, "status": "blocked", "reason": f"no price for {market.symbol}"}

    contracts = abs(ctx.notional) / (price * market.contract_size)
    units = sign * contracts * market.contract_size
    gross = abs(ctx.notional)
    fields.update(
        contracts=contracts,
        notional_usd=ctx.notional,
        residual_usd=0.0,
        margin_usd=gross / ctx.leverage,
        fee_usd=gross * market.taker,
        liquidation_price=carry.liquidation_price(
            price, ctx.leverage, market.maintenance_margin_rate, long=sign > 0
        ),
    )
    blocked = _add_carry(ctx, market, fields, quote, units, siblings)
    if blocked:
        return {**fields, "status": "blocked", "reason": blocked}
    return fields


def _size_exactly(market: MarketSpec, fields: dict[str, Any]) -> dict[str, Any]:
    """Round the amount with ccxt's precision rules, rescale the money, check the minimums.

    Every money field is linear in the notional (funding ``N × rate``, basis ``units × (F−S)``,
    fees and margin ``|N| × k``), so rounding scales them all by achieved / target.
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
        **{name: fields[name] * ratio for name in _LINEAR_FIELDS if name in fields},
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
    return exact


def _leg(fields: dict[str, Any], **extra: Any) -> Leg:
    """The validated `Leg` of the chosen candidate."""
    return Leg(**{**fields, **extra})


def _add_carry(
    ctx: _LegContext,
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
        funding, annualized = _perp_funding(ctx, market, quote, notional, ctx.now)
        fields.update(funding_usd=funding, carry_usd=funding, annualized_rate=annualized)
        return ""

    assert market.expiry is not None  # a dated future always has one (MarketSpec.from_ccxt)
    spot = (quote.index if quote and quote.index else None) or ctx.prices.get(ctx.asset)
    if not spot:
        return f"no spot price for {ctx.asset}"
    future_price = fields["price"]
    days_to_expiry = carry.days_between(ctx.now, market.expiry)
    annualized = carry.annualized_basis(carry.basis(future_price, spot), days_to_expiry)
    basis_usd = carry.basis_carry(units, future_price, spot, ctx.days, days_to_expiry)
    funding = 0.0
    roll_cost = 0.0
    if market.expiry <= ctx.end:
        # Roll a day before settlement into the perpetual (or, without one, a contract of the
        # same annualized basis) for what is left of the window; the roll costs a close and
        # a re-open at the taker fee.
        fields["roll_by"] = market.expiry - timedelta(days=1)
        roll_cost = 2.0 * abs(notional) * market.taker
        perp = next((m for m in siblings if m.instrument == "perp"), None)
        if perp is not None:
            funding, _ = _perp_funding(
                ctx, perp, ctx.quotes.get(perp.symbol), notional, market.expiry
            )
        else:
            remaining = carry.days_between(market.expiry, ctx.end)
            funding = -notional * annualized * remaining / 365.0
    fields.update(
        basis_usd=basis_usd,
        annualized_rate=annualized,
        funding_usd=funding,
        roll_cost_usd=roll_cost,
        carry_usd=basis_usd + funding,
    )
    return ""


def _perp_funding(
    ctx: _LegContext, market: MarketSpec, quote: Quote | None, notional: float, start: datetime
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


def _score(fields: dict[str, Any]) -> float:
    """Expected carry net of entry fee and roll cost: what `auto` maximises."""
    return float(fields["carry_usd"] - fields["fee_usd"] - fields.get("roll_cost_usd", 0.0))


def _choose(ctx: _LegContext, choice: InstrumentChoice, markets: list[MarketSpec]) -> Leg:
    """The leg for ``choice``: the perp, the best dated future, or the best of all.

    Candidates are ranked on the unrounded notional (cheap), then sized exactly in that
    order until one can be sent; rounding moves a score by a lot's worth at most.
    """
    pool = markets if choice == "auto" else [m for m in markets if m.instrument == choice]
    if not pool:
        kind = "perpetual" if choice == "perp" else "dated future"
        fields = _cost_fields(ctx, markets[0], markets)
        fields.update(
            contracts=0.0,
            notional_usd=0.0,
            residual_usd=ctx.notional,
            margin_usd=0.0,
            fee_usd=0.0,
            carry_usd=0.0,
            funding_usd=0.0,
            basis_usd=0.0,
            roll_cost_usd=0.0,
            liquidation_price=None,
        )
        return _leg(fields, status="blocked", reason=f"no {kind} for {ctx.asset} on this venue")
    # Ties (a frozen market) go to the perpetual: no expiry, no roll.
    costed = [(market, _cost_fields(ctx, market, markets)) for market in pool]
    costed.sort(key=lambda pair: _rank(pair[1], pair[0]), reverse=True)
    first: dict[str, Any] | None = None
    for market, estimate in costed:
        fields = _size_exactly(market, estimate)
        if fields.get("status", "ok") == "ok":
            return _leg(fields)
        first = first or fields
    assert first is not None
    return _leg(first)


def _rank(fields: dict[str, Any], market: MarketSpec) -> tuple[bool, float, bool]:
    usable = fields.get("status", "ok") == "ok"
    return usable, round(_score(fields), 6), market.instrument == "perp"


def _check_leverage(leg: Leg, markets: list[MarketSpec], leverage: float, fallback: float) -> None:
    """Refuse leverage above the chosen market's maximum (or the configured cap)."""
    market = next(m for m in markets if m.symbol == leg.symbol)
    cap = market.max_leverage
    if cap is not None and leverage > cap:
        raise InputError(f"leverage {leverage:g}× is above the maximum {cap:g}× of {market.symbol}")
    if cap is None and leverage > fallback:
        raise InputError(
            f"leverage {leverage:g}× is above {fallback:g}×, the cap used because the venue "
            f"reports no maximum for {market.symbol}"
        )


def _totals(legs: list[Leg]) -> Totals:
    """Net and gross notional, margin, fees and carry of the legs that would be sent."""
    sent = [leg for leg in legs if leg.status == "ok"]
    return Totals(
        net_notional_usd=sum(leg.notional_usd for leg in sent),
        gross_notional_usd=sum(abs(leg.notional_usd) for leg in sent),
        margin_usd=sum(leg.margin_usd for leg in sent),
        fees_usd=sum(leg.fee_usd for leg in sent),
        carry_usd=sum(leg.carry_usd for leg in sent),
    )
