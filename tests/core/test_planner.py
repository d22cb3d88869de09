"""The planner against hand-computed expectations (docs/design.md §2).

Every expected number below is worked out by hand in the comment next to it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tui.core.errors import InputError
from tui.core.models import MarketSpec, Portfolio, Quote, TiltSpec, annualize_funding
from tui.core.planner import plan_tilt
from tui.core.portfolio import tiltable_assets, untiltable_notes

NOW = datetime(2026, 1, 5, tzinfo=UTC)


def perp(
    base: str,
    step: float,
    *,
    min_cost: float = 20.0,
    interval: float = 8.0,
    max_lev: float = 125.0,
    size: float = 1.0,
) -> MarketSpec:
    return MarketSpec(
        symbol=f"{base}/USDT:USDT",
        base=base,
        quote="USDT",
        settle="USDT",
        instrument="perp",
        amount_precision=step,
        min_amount=step,
        min_cost=min_cost,
        max_leverage=max_lev,
        taker=0.0005,
        maintenance_margin_rate=0.004,
        funding_interval_hours=interval,
        contract_size=size,
    )


def future(base: str, expiry: datetime, step: float) -> MarketSpec:
    return MarketSpec(
        symbol=f"{base}/USDT:USDT-{expiry:%y%m%d}",
        base=base,
        quote="USDT",
        settle="USDT",
        instrument="future",
        expiry=expiry,
        amount_precision=step,
        min_amount=step,
        min_cost=20.0,
        max_leverage=50,
        taker=0.0005,
        maintenance_margin_rate=0.004,
    )


def q(
    symbol: str,
    price: float,
    rate: float | None = None,
    index: float | None = None,
    next_time: datetime | None = None,
) -> Quote:
    return Quote(
        symbol=symbol,
        mark=price,
        index=index if index is not None else price,
        funding_rate=rate,
        next_funding_time=next_time,
    )


BTC, ETH = perp("BTC", 0.001, min_cost=100.0), perp("ETH", 0.01)
QUOTES = {
    "BTC/USDT:USDT": q("BTC/USDT:USDT", 50_000, 0.0001),
    "ETH/USDT:USDT": q("ETH/USDT:USDT", 2_500, 0.0002),
}
FIFTY_FIFTY = Portfolio(holdings={"BTC": 1.0, "ETH": 20.0}, strategic={"BTC": 50, "ETH": 50})


def plan(
    targets: dict[str, float],
    *,
    portfolio: Portfolio = FIFTY_FIFTY,
    markets=(BTC, ETH),
    quotes=QUOTES,
    **tilt,
):
    spec = TiltSpec(targets=targets, **{"leverage": 5, "window_days": 45, **tilt})
    return plan_tilt(portfolio, spec, markets, quotes, venue="test", now=NOW)


def test_worked_example_from_design():
    # $100,000 at 50/50 → 65/35 at 5×: long $15,000 BTC, short $15,000 ETH, $3,000 margin each.
    result = plan({"BTC": 0.65, "ETH": 0.35})
    btc, eth = result.legs
    assert (btc.side, btc.amount, btc.notional_usd) == ("buy", "0.3", pytest.approx(15_000))
    assert (eth.side, eth.amount, eth.notional_usd) == ("sell", "6", pytest.approx(-15_000))
    assert btc.margin_usd == pytest.approx(3_000) and eth.margin_usd == pytest.approx(3_000)
    assert result.totals.net_notional_usd == pytest.approx(0.0)
    assert result.totals.gross_notional_usd == pytest.approx(30_000)
    assert result.totals.margin_usd == pytest.approx(6_000)
    # Entry fee: 15,000 × 0.05 % = 7.50 per leg.
    assert btc.fee_usd == pytest.approx(7.5) and result.totals.fees_usd == pytest.approx(15.0)
    assert result.base_usd == pytest.approx(100_000)


def test_funding_signs_long_pays_short_receives_positive_rate():
    # 45 days of 8 h settlements from 00:00 → 135 settlements.
    btc, eth = plan({"BTC": 0.65, "ETH": 0.35}).legs
    assert btc.carry_usd == pytest.approx(-15_000 * 0.0001 * 135)  # -202.50: the long pays
    assert eth.carry_usd == pytest.approx(+15_000 * 0.0002 * 135)  # +405.00: the short receives


def test_negative_funding_pays_the_long():
    quotes = {**QUOTES, "BTC/USDT:USDT": q("BTC/USDT:USDT", 50_000, -0.0003)}
    btc = plan({"BTC": 0.65, "ETH": 0.5}, quotes=quotes).legs[0]
    assert btc.carry_usd == pytest.approx(15_000 * 0.0003 * 135)  # +607.50


@pytest.mark.parametrize(
    ("hours", "settlements", "annual"),
    [
        (1.0, 48, 0.0001 * 8760),
        (4.0, 12, 0.0001 * 2190),
        (8.0, 6, 0.0001 * 1095),
    ],
)
def test_each_market_uses_its_own_funding_interval(hours, settlements, annual):
    # Two-day window starting at 00:00: 48 hourly, 12 four-hourly, 6 eight-hourly settlements.
    market = perp("SOL", 0.01, interval=hours)
    quotes = {"SOL/USDT:USDT": q("SOL/USDT:USDT", 100.0, 0.0001)}
    holdings = Portfolio(holdings={"USDT": 10_000})
    leg = plan(
        {"SOL": 0.5}, portfolio=holdings, markets=[market], quotes=quotes, window_days=2
    ).legs[0]
    # Long $5,000 SOL (50 SOL): pays 5,000 × 0.0001 per settlement.
    assert leg.contracts == pytest.approx(50)
    assert leg.carry_usd == pytest.approx(-5_000 * 0.0001 * settlements)
    assert leg.annualized_rate == pytest.approx(annual)
    assert annualize_funding(0.0001, hours) == pytest.approx(annual)


def test_venue_next_funding_time_starts_the_grid():
    # Venue says the next settlement is at 04:00 with an 8 h interval: in 1 day → 04:00, 12:00, 20:00.
    quotes = {
        **QUOTES,
        "BTC/USDT:USDT": q("BTC/USDT:USDT", 50_000, 0.0001, next_time=NOW + timedelta(hours=4)),
    }
    btc = plan({"BTC": 0.65, "ETH": 0.5}, quotes=quotes, window_days=1).legs[0]
    assert btc.carry_usd == pytest.approx(-15_000 * 0.0001 * 3)


def test_dated_future_basis_and_annualized_basis():
    # S = 50,000; F = S × (1 + 0.10 × 73/365) = 51,000; basis 2 %, annualized 10 %.
    expiry = NOW + timedelta(days=73)
    fut = future("BTC", expiry, 0.001)
    quotes = {**QUOTES, fut.symbol: q(fut.symbol, 51_000, index=50_000)}
    leg = plan(
        {"BTC": 0.65, "ETH": 0.5},
        markets=[BTC, ETH, fut],
        quotes=quotes,
        instrument="future",
        window_days=36.5,
    ).legs[0]
    # 15,000 / 51,000 = 0.29411… → 0.294 contracts; achieved 0.294 × 51,000 = 14,994.
    assert leg.amount == "0.294" and leg.notional_usd == pytest.approx(14_994)
    assert leg.residual_usd == pytest.approx(6.0)
    assert leg.annualized_rate == pytest.approx(0.10)
    # Half the life → half the convergence: −0.294 × 1,000 × 0.5 = −147 (a long loses the basis).
    assert leg.carry_usd == pytest.approx(-147.0)
    assert leg.roll_by is None and leg.roll_cost_usd == 0


def test_short_future_earns_the_basis():
    expiry = NOW + timedelta(days=73)
    fut = future("ETH", expiry, 0.01)
    quotes = {**QUOTES, fut.symbol: q(fut.symbol, 2_550, index=2_500)}
    leg = plan(
        {"BTC": 0.5, "ETH": 0.35},
        markets=[BTC, ETH, fut],
        quotes=quotes,
        instrument="future",
        window_days=36.5,
    ).legs[-1]
    # Short 15,000 / 2,550 = 5.882… → 5.88 ETH; half the life, half the convergence:
    # +5.88 × 50 × 0.5 = +147.
    assert leg.side == "sell" and leg.amount == "5.88"
    assert leg.carry_usd == pytest.approx(147.0)


def test_future_expiring_inside_the_window_needs_a_roll():
    # Expires in 10 days, window 20 days: rolled a day before expiry (day 9), so the basis
    # converges for 9 of its 10 days, then 11 days on the perp at 0.0001 / 8 h (33
    # settlements), plus a close and a re-open at the taker fee.
    expiry = NOW + timedelta(days=10)
    fut = future("BTC", expiry, 0.001)
    quotes = {**QUOTES, fut.symbol: q(fut.symbol, 51_000, index=50_000)}
    leg = plan(
        {"BTC": 0.65, "ETH": 0.5},
        markets=[BTC, ETH, fut],
        quotes=quotes,
        instrument="future",
        window_days=20,
    ).legs[0]
    assert leg.roll_by == expiry - timedelta(days=1)
    # −0.294 × (51,000 − 50,000) × 9 / 10 = −264.60
    assert leg.basis_usd == pytest.approx(-0.294 * 1_000 * 0.9)
    # 14,994 × 0.0001 × 33 = 49.48 paid by the long on the perp after the roll.
    assert leg.funding_usd == pytest.approx(-14_994 * 0.0001 * 33)
    assert leg.roll_cost_usd == pytest.approx(2 * 14_994 * 0.0005)
    assert leg.carry_usd == pytest.approx(-264.6 - 14_994 * 0.0001 * 33)


def test_auto_picks_the_cheaper_instrument():
    expiry = NOW + timedelta(days=73)
    fut = future("BTC", expiry, 0.001)
    # Perp at 0.0005 / 8 h (54.75 % a year) vs basis 10 % a year: the long takes the future.
    expensive = {
        **QUOTES,
        "BTC/USDT:USDT": q("BTC/USDT:USDT", 50_000, 0.0005),
        fut.symbol: q(fut.symbol, 51_000, index=50_000),
    }
    leg = plan({"BTC": 0.65, "ETH": 0.5}, markets=[BTC, ETH, fut], quotes=expensive).legs[0]
    assert leg.instrument == "future"
    # Perp at 0.00001 / 8 h (1.1 % a year): the perp.
    cheap = {**expensive, "BTC/USDT:USDT": q("BTC/USDT:USDT", 50_000, 0.00001)}
    leg = plan({"BTC": 0.65, "ETH": 0.5}, markets=[BTC, ETH, fut], quotes=cheap).legs[0]
    assert leg.instrument == "perp"
    # Forced perp even when the future is cheaper.
    leg = plan(
        {"BTC": 0.65, "ETH": 0.5}, markets=[BTC, ETH, fut], quotes=expensive, instrument="perp"
    ).legs[0]
    assert leg.instrument == "perp"


def test_rounding_truncates_at_the_lot_step_and_reports_the_residual():
    # Target 65.002 % → +15,002 USD → 0.30004 BTC → 0.3 at a 0.001 step; residual $2.
    btc = plan({"BTC": 0.65002, "ETH": 0.5}).legs[0]
    assert btc.amount == "0.3" and btc.notional_usd == pytest.approx(15_000)
    assert btc.residual_usd == pytest.approx(2.0)


def test_below_minimum_legs_are_not_sent():
    # +$30 BTC is 0.0006 BTC → truncates to 0 at the 0.001 step.
    result = plan({"BTC": 0.5003, "ETH": 0.35})
    btc = result.legs[0]
    assert btc.status == "below_minimum" and "rounds to 0" in btc.reason
    # +$90 BTC is 0.0018 → 0.001 BTC = $50, under the $100 minimum order value.
    btc = plan({"BTC": 0.5009, "ETH": 0.35}).legs[0]
    assert btc.status == "below_minimum" and "minimum order value" in btc.reason
    # Totals count only legs that would be sent: just the ETH short.
    totals = plan({"BTC": 0.5009, "ETH": 0.35}).totals
    assert totals.net_notional_usd == pytest.approx(-15_000)


def test_hedge_spot_with_no_other_asset():
    # Hold 1 BTC only and target 0: short 1 BTC perp, exposure neutral.
    solo = Portfolio(holdings={"BTC": 1.0}, strategic={"BTC": 100})
    leg = plan({"BTC": 0.0}, portfolio=solo).legs[0]
    assert (leg.side, leg.amount, leg.notional_usd) == ("sell", "1", pytest.approx(-50_000))
    assert leg.margin_usd == pytest.approx(10_000)


def test_liquidation_by_binances_formula():
    # Binance isolated: LP = (WB + cum − s·Q·EP) / (Q·MMR − s·Q), WB = |N| / lev.
    # Long 0.3 BTC at 50,000, WB 3,000, MMR 0.4 %, cum 0 (the fallback's first bracket, the
    # market publishing none): (3,000 − 15,000) / (0.0012 − 0.3) = 40,160.64 (Binance's
    # own example; the old entry × (1 − 1/lev + mmr) gave 40,200).
    # Short 6 ETH at 2,500, WB 3,000: (3,000 + 15,000) / (0.024 + 6) = 2,988.05.
    btc, eth = plan({"BTC": 0.65, "ETH": 0.35}).legs
    assert btc.liquidation_price == pytest.approx(40_160.64, abs=0.005)
    assert eth.liquidation_price == pytest.approx(2_988.05, abs=0.005)
    # Distance in % of mark: 9,839.36 / 50,000 = 19.68 %; 488.05 / 2,500 = 19.52 %.
    assert btc.liquidation_distance == pytest.approx(0.196787, abs=1e-6)
    assert eth.liquidation_distance == pytest.approx(0.195219, abs=1e-6)
    assert btc.liquidation_estimate and btc.mmr == 0.004 and btc.max_leverage == 125


def test_contract_size_of_okx_style_markets():
    # 0.01 BTC per contract: $15,000 / (50,000 × 0.01) = 30 contracts.
    okx = perp("BTC", 1.0, size=0.01)
    leg = plan({"BTC": 0.65, "ETH": 0.5}, markets=[okx, ETH]).legs[0]
    assert leg.contracts == 30 and leg.notional_usd == pytest.approx(15_000)


def test_overlay_counts_in_effective_exposure():
    # Already long $15,000 BTC through futures: at 65 % no new BTC leg is needed.
    spec = TiltSpec(targets={"BTC": 0.65}, leverage=5, window_days=45)
    result = plan_tilt(
        FIFTY_FIFTY, spec, [BTC, ETH], QUOTES, venue="t", now=NOW, overlay={"BTC": 15_000}
    )
    assert result.legs == [] and "already sits at its target" in result.warnings[0]


def test_explicit_base_and_de_risking():
    # Base $200,000 and BTC 10 %: 20,000 − 50,000 = −30,000 → sell 0.6 BTC.
    leg = plan({"BTC": 0.10}, base_usd=200_000).legs[0]
    assert leg.side == "sell" and leg.amount == "0.6"


@pytest.mark.parametrize(
    ("targets", "tilt", "message"),
    [
        ({"DOGE": 0.5}, {}, "unknown asset DOGE"),
        ({"USDT": 0.5}, {}, "stablecoins are cash"),
        ({"BTC": 0.65}, {"leverage": 200}, "above the maximum 125"),
    ],
)
def test_bad_input_is_refused_with_a_reason(targets, tilt, message):
    with pytest.raises(InputError, match=message):
        plan(targets, **tilt)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("leverage", 0, "leverage must be a whole number from 1"),
        ("leverage", 0.5, "leverage must be a whole number from 1"),
        ("leverage", -3, "leverage must be a whole number from 1"),
        ("leverage", 2.5, "leverage must be a whole number"),
        ("leverage", float("nan"), "finite"),
        ("window_days", -1, "window must be > 0"),
        ("base_usd", 0, "capital base must be > 0"),
    ],
)
def test_tilt_spec_validation(field, value, message):
    with pytest.raises(ValueError, match=message):
        TiltSpec(targets={"BTC": 0.5}, **{field: value})


def test_no_price_blocks_the_leg():
    quotes = {"ETH/USDT:USDT": QUOTES["ETH/USDT:USDT"]}
    portfolio = Portfolio(holdings={"ETH": 20.0, "USDT": 50_000})
    leg = plan({"BTC": 0.1}, portfolio=portfolio, quotes=quotes).legs[0]
    assert leg.status == "blocked" and "no price" in leg.reason


# A holding no futures market can tilt (FOO): it never blocks the plan.
WITH_FOO = Portfolio(
    holdings={"BTC": 1.0, "ETH": 20.0, "FOO": 10.0},
    strategic={"BTC": 45, "ETH": 45, "FOO": 10},
)
FOO_NOTE = "FOO: no futures market on test; counted in the base, not tilted"


def test_unpriced_holding_without_market_counts_zero_and_is_not_tilted():
    # FOO has no market, hence no price: base = 1 × 50,000 + 20 × 2,500 + 10 × 0 = 100,000.
    # The SAA targets as tactical targets (the builder's prefill after a restart), FOO's
    # included: BTC 45 % → 45,000 − 50,000 = −5,000 → sell 0.1 BTC; ETH 45 % → 45,000 −
    # 50,000 = −5,000 → sell 2 ETH; FOO's 10 % is left out.
    result = plan({"BTC": 0.45, "ETH": 0.45, "FOO": 0.10}, portfolio=WITH_FOO)
    assert result.base_usd == pytest.approx(100_000)
    assert [(leg.asset, leg.side, leg.amount) for leg in result.legs] == [
        ("BTC", "sell", "0.1"),
        ("ETH", "sell", "2"),
    ]
    assert result.legs[0].notional_usd == pytest.approx(-5_000)
    assert result.legs[1].notional_usd == pytest.approx(-5_000)
    # (The portfolio holds no stablecoin: the collateral warning comes too.)
    assert [w for w in result.warnings if not w.startswith("collateral short")] == [
        "FOO: no futures market on test and no price; counts 0 in the base, not tilted"
    ]


def test_priced_holding_without_market_counts_in_the_base():
    # A caller with a spot price for FOO ($500) would count it: the planner's prices come from
    # futures only, so show it with `untiltable_notes` directly, and plan with an explicit base
    # of 1 × 50,000 + 20 × 2,500 + 10 × 500 = 105,000: BTC 50 % → 52,500 − 50,000 = +2,500 →
    # buy 0.05 BTC.
    prices = {"BTC": 50_000.0, "ETH": 2_500.0, "FOO": 500.0}
    assert WITH_FOO.value(prices) == pytest.approx(105_000)
    assert untiltable_notes(WITH_FOO, [BTC, ETH], prices, "test") == {"FOO": FOO_NOTE}
    leg = plan({"BTC": 0.50}, portfolio=WITH_FOO, base_usd=105_000).legs[0]
    assert (leg.side, leg.amount) == ("buy", "0.05")
    assert leg.notional_usd == pytest.approx(2_500)


def test_a_target_only_on_the_untiltable_asset_plans_no_leg():
    result = plan({"FOO": 0.2}, portfolio=WITH_FOO)
    assert result.legs == [] and result.totals.gross_notional_usd == 0
    assert any(w.startswith("FOO: no futures market on test") for w in result.warnings)


def test_an_asset_outside_the_portfolio_without_market_is_still_refused():
    with pytest.raises(InputError, match="unknown asset DOGE"):
        plan({"BTC": 0.5, "DOGE": 0.1}, portfolio=WITH_FOO)


def test_tiltable_assets_are_the_risk_assets_with_a_market():
    portfolio = Portfolio(holdings={"FOO": 1.0, "ETH": 2.0, "USDT": 100.0, "BTC": 0.5})
    assert tiltable_assets(portfolio, [BTC, ETH]) == ["ETH", "BTC"]  # portfolio order
    # A dated future alone makes an asset tiltable; no markets, nothing is.
    foo_future = future("FOO", NOW + timedelta(days=80), 0.1)
    assert tiltable_assets(portfolio, [foo_future]) == ["FOO"]
    assert tiltable_assets(portfolio, []) == []
