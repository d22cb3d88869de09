"""The planner: a tactical target → sized, costed futures legs (docs/design.md §2).

Pure and fast (a 50-asset tilt plans in well under 5 ms): no I/O, no clock — ``now`` is an
argument so a plan is reproducible. Each leg lists every market considered for it
(`Candidate`), the chosen one marked and the reason in words; the plan checks the collateral
and says when the tilt is levered beyond the portfolio.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from tui.core.costing import LegContext, cost_market, score, size_exactly, top_leverage
from tui.core.errors import InputError
from tui.core.limits import MAX_USD
from tui.core.models import (
    STABLECOINS,
    Candidate,
    InstrumentChoice,
    Leg,
    MarketSpec,
    Plan,
    Portfolio,
    Quote,
    TiltSpec,
    Totals,
)
from tui.core.portfolio import asset_prices, untiltable_notes

#: A leg smaller than this (USD) is no leg: the asset already sits at its target.
MIN_LEG_USD = 0.01

#: Where the collateral comes from when the caller gives none.
STABLECOIN_SOURCE = "stablecoin holdings"


#: Gross exposure may exceed the portfolio's value by this share before "levered" is said.
LEVER_TOLERANCE = 0.005


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
    collateral_usd: float | None = None,
    collateral_source: str = "",
    tolerance_usd: float = 0.0,
) -> Plan:
    """Turn ``tilt`` into legs on ``markets`` priced by ``quotes``.

    ``overlay`` is the signed futures notional already held per asset (an active tilt), part
    of the effective exposure ``E_a``. ``collateral_usd`` is what the margin and fees can draw
    on (the paper balance, the venue balance; ``collateral_source`` says which); by default
    the portfolio's stablecoin holdings. Raises `InputError` for input that cannot be planned
    (an unknown asset, leverage above what every market of the tilt allows, no portfolio
    value); problems of one leg (below minimum, no price, leverage above its bracket's cap)
    are that leg's status instead, and `auto` takes another market when one allows it. An
    asset of the portfolio with no market on the venue is not an error: it counts in the base
    and is not tilted (a target on it is left out, with a warning).

    ``tolerance_usd`` is the rebalance band: an asset whose exposure is within it of its
    target gets no leg (prices drifting a few dollars after a confirm propose nothing). An
    ``auto`` leg chosen while another market of its asset has no price yet is provisional:
    the plan says so and is blocked until the prices are in (or the instrument is set).
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
    _check_leverage(tilt.leverage, targets, by_asset, max_leverage_fallback)

    # The base is the spot portfolio's value: a futures overlay adds exposure, not capital.
    value = portfolio.value(prices)
    if not value <= MAX_USD:
        raise InputError(
            f"the portfolio is worth {value:g} USD at these prices, above {MAX_USD:g} "
            "(a trillion dollars): check the holdings"
        )
    base = tilt.base_usd if tilt.base_usd is not None else value
    if base <= 0:
        raise InputError("the capital base is 0: the portfolio has no priced value; give --base")
    total_target = sum(targets.values())
    if total_target > 1.0 + 1e-9:
        warnings.append(f"targets sum to {total_target:.0%} of the base: the tilt is levered")

    end = now + timedelta(days=tilt.window_days)
    legs: list[Leg] = []
    provisional: list[str] = []
    for asset, weight in targets.items():
        spot_qty = portfolio.holdings.get(asset, 0.0)
        price = prices.get(asset)
        exposure = spot_qty * (price or 0.0) + overlay.get(asset, 0.0)
        notional = weight * base - exposure
        if abs(notional) < MIN_LEG_USD:
            warnings.append(f"{asset} already sits at its target: no leg")
            continue
        if abs(notional) < tolerance_usd:
            warnings.append(
                f"{asset} is ${abs(notional):,.2f} from its target, within the rebalance "
                f"tolerance of ${tolerance_usd:,.2f}: no leg"
            )
            continue
        ctx = LegContext(
            asset,
            notional,
            tilt.leverage,
            now,
            end,
            tilt.window_days,
            quotes,
            prices,
            max_leverage_fallback,
        )
        leg = _choose(ctx, tilt.instrument_for(asset), by_asset[asset])
        legs.append(leg)
        waiting = _unpriced_rivals(leg, tilt.instrument_for(asset))
        if waiting:
            line = (
                f"{asset}: auto's choice of {leg.symbol} is provisional, waiting for the prices "
                f"of {', '.join(waiting)} (or set the instrument)"
            )
            warnings.append(line)
            provisional.append(line)
        if leg.status != "ok":
            warnings.append(f"{leg.asset} {leg.symbol}: {leg.reason}")
        elif leg.roll_by is not None:
            warnings.append(
                f"{leg.symbol} settles inside the window: roll by {leg.roll_by:%Y-%m-%d %H:%M} "
                f"UTC (cost ${leg.roll_cost_usd:,.2f})"
            )

    totals = _totals(legs)
    gross_exposure = _gross_exposure(portfolio, prices, overlay, legs)
    # Rounding to lot steps and prices moving between the legs' quotes put an unlevered tilt
    # a few dollars over; half a percent of the portfolio is the line worth a warning.
    if value > 0 and gross_exposure > value * (1 + LEVER_TOLERANCE) + MIN_LEG_USD:
        warnings.append(_levered_warning(gross_exposure, value, tilt.base_usd))
    if collateral_usd is None:
        collateral_usd = sum(q for a, q in portfolio.holdings.items() if a in STABLECOINS)
        collateral_source = collateral_source or STABLECOIN_SOURCE
    needed = totals.margin_usd + totals.fees_usd
    short = max(0.0, needed - collateral_usd)
    blockers: list[str] = list(provisional)
    if short > MIN_LEG_USD:
        line = (
            f"collateral short by ${short:,.2f}: margin ${totals.margin_usd:,.2f} + fees "
            f"${totals.fees_usd:,.2f} = ${needed:,.2f}, available ${collateral_usd:,.2f} "
            f"({collateral_source or 'given'})"
        )
        warnings.append(line)
        blockers.append(line)
    else:
        short = 0.0

    return Plan(
        venue=venue,
        as_of=now,
        base_usd=base,
        window_days=tilt.window_days,
        leverage=tilt.leverage,
        legs=legs,
        totals=totals,
        warnings=warnings,
        portfolio_value_usd=value,
        gross_exposure_usd=gross_exposure,
        collateral_usd=collateral_usd,
        collateral_source=collateral_source or "given",
        collateral_needed_usd=needed,
        collateral_short_usd=short,
        blockers=blockers,
    )


def _check_leverage(
    leverage: float,
    targets: Mapping[str, float],
    by_asset: Mapping[str, list[MarketSpec]],
    fallback: float,
) -> None:
    """Refuse leverage no market of the tilt allows at any size (a bad input, not a leg's
    problem). Leverage above one market's or one bracket's cap only blocks that candidate."""
    pool = [m for asset in targets for m in by_asset[asset]]
    if not pool:
        return
    top = max(top_leverage(m, fallback) for m in pool)
    if leverage <= top:
        return
    if all(not m.brackets and m.max_leverage is None for m in pool):
        raise InputError(
            f"leverage {leverage:g}× is above {fallback:g}×, the cap used because the venue "
            f"reports no maximum for {', '.join(m.symbol for m in pool)}"
        )
    assets = ", ".join(targets)
    raise InputError(
        f"leverage {leverage:g}× is above the maximum {top:g}× of every market of {assets}"
    )


def _gross_exposure(
    portfolio: Portfolio,
    prices: Mapping[str, float],
    overlay: Mapping[str, float],
    legs: list[Leg],
) -> float:
    """``Σ |E_a|`` after the sendable legs: spot at price, the overlay, the new notionals."""
    exposure: dict[str, float] = {}
    for asset in portfolio.risk_assets():
        exposure[asset] = portfolio.holdings.get(asset, 0.0) * prices.get(asset, 0.0)
    for asset, notional in overlay.items():
        exposure[asset] = exposure.get(asset, 0.0) + notional
    for leg in legs:
        if leg.status == "ok":
            exposure[leg.asset] = exposure.get(leg.asset, 0.0) + leg.notional_usd
    return sum(abs(e) for e in exposure.values())


def _levered_warning(gross: float, value: float, base: float | None) -> str:
    line = (
        f"gross exposure ${gross:,.2f} after the tilt is {gross / value:.0%} of the "
        f"portfolio's value ${value:,.2f}: the tilt is levered"
    )
    if base is not None and base > value * (1 + 1e-9):
        line += f" (base ${base:,.2f} on a ${value:,.2f} portfolio)"
    return line


def _choose(ctx: LegContext, choice: InstrumentChoice, markets: list[MarketSpec]) -> Leg:
    """The leg for ``choice``: the perp, the best dated future, or the best of all.

    Every market of the asset is costed on the unrounded notional (cheap) and listed as a
    candidate; those ``choice`` allows are ranked — allowed first, then the expected carry net
    of fee and roll, ties to the perpetual — and sized exactly in that order until one can be
    sent; rounding moves a score by a lot's worth at most.
    """
    costed = [(market, cost_market(ctx, market, markets)) for market in markets]
    pool = sorted(
        (pair for pair in costed if choice in ("auto", pair[0].instrument)),
        key=lambda pair: _rank(pair[1], pair[0]),
        reverse=True,
    )
    if not pool:
        kind = "perpetual" if choice == "perp" else "dated future"
        fields = {
            **costed[0][1],
            "contracts": 0.0,
            "notional_usd": 0.0,
            "residual_usd": ctx.notional,
            "margin_usd": 0.0,
            "fee_usd": 0.0,
            "carry_usd": 0.0,
            "funding_usd": 0.0,
            "basis_usd": 0.0,
            "roll_cost_usd": 0.0,
            "roll_by": None,
            "annualized_rate": None,
            "liquidation_price": None,
            "liquidation_distance": None,
            "max_leverage": None,
            "mmr": None,
            "maint_amount_usd": 0.0,
        }
        reason = f"no {kind} for {ctx.asset} on this venue"
        candidates = _candidates(costed, None, choice)
        return Leg(**{**fields, "status": "blocked", "reason": reason, "candidates": candidates})
    chosen: dict[str, Any] | None = None
    for market, estimate in pool:
        fields = size_exactly(ctx, market, estimate)
        if fields.get("status", "ok") == "ok":
            chosen = fields
            break
        chosen = chosen or fields
    assert chosen is not None
    candidates = _candidates(costed, chosen["symbol"], choice)
    return Leg(**chosen, candidates=candidates, choice=_why(chosen, candidates, choice, ctx))


def _unpriced_rivals(leg: Leg, choice: InstrumentChoice) -> list[str]:
    """Markets ``auto`` could not weigh against the chosen one because they have no price yet."""
    if choice != "auto" or leg.status != "ok":
        return []
    return [
        c.symbol for c in leg.candidates if not c.chosen and c.reason.startswith("no price for")
    ]


def _rank(fields: dict[str, Any], market: MarketSpec) -> tuple[bool, float, bool]:
    usable = fields.get("status", "ok") == "ok"
    return usable, round(score(fields), 6), market.instrument == "perp"


def _candidates(
    costed: list[tuple[MarketSpec, dict[str, Any]]], chosen: str | None, choice: InstrumentChoice
) -> list[Candidate]:
    """Every market costed for the leg, as the comparison shows it."""
    out: list[Candidate] = []
    for market, f in costed:
        allowed = f.get("status", "ok") == "ok"
        reason = f.get("reason", "")
        if choice != "auto" and market.instrument != choice:
            allowed, reason = False, f"instrument set to {choice}"
        out.append(
            Candidate(
                symbol=market.symbol,
                instrument=market.instrument,
                expiry=market.expiry,
                price=f["price"],
                carry_usd=f["carry_usd"],
                funding_usd=f.get("funding_usd", 0.0),
                basis_usd=f.get("basis_usd", 0.0),
                fee_usd=f["fee_usd"],
                roll_cost_usd=f.get("roll_cost_usd", 0.0),
                roll_by=f.get("roll_by"),
                net_usd=score(f),
                annualized_rate=f.get("annualized_rate"),
                margin_usd=f["margin_usd"],
                max_leverage=f.get("max_leverage"),
                mmr=f.get("mmr"),
                liquidation_price=f.get("liquidation_price"),
                liquidation_distance=f.get("liquidation_distance"),
                liquidation_estimate=f.get("liquidation_estimate", False),
                allowed=allowed,
                reason=reason,
                chosen=market.symbol == chosen,
            )
        )
    return out


def _why(
    chosen: dict[str, Any],
    candidates: list[Candidate],
    choice: InstrumentChoice,
    ctx: LegContext,
) -> str:
    """The choice in words: what won, on what, against what (amounts at the target size)."""
    symbol = chosen["symbol"]
    if chosen.get("status", "ok") != "ok":
        return f"no market can take this leg; {symbol} shown: {chosen.get('reason', '')}"
    mine = next(c for c in candidates if c.chosen)
    others = [c for c in candidates if not c.chosen]
    head = "auto" if choice == "auto" else f"instrument set to {choice}"
    line = f"{head}: {symbol} nets {_usd(mine.net_usd)} over {ctx.days:g} d"
    allowed = [c for c in others if c.allowed]
    if allowed:
        best = max(allowed, key=lambda c: c.net_usd)
        line += f", {best.symbol} {_usd(best.net_usd)}"
    refused = [f"{c.symbol}: {c.reason}" for c in others if not c.allowed]
    if refused and choice == "auto":
        line += "; not allowed: " + "; ".join(refused)
    elif not others:
        line += " (the only market)"
    return line


def _usd(value: float) -> str:
    return f"{'−' if value < 0 else '+'}${abs(value):,.2f}"


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
