"""The planner with margin brackets, leverage caps, expiring futures, collateral and the
candidates `auto` compared (issue 8). Every expected number is worked out in a comment."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.core import venue_tiers
from tui.core.errors import InputError
from tui.core.models import MarketSpec, Portfolio, Quote, TiltSpec
from tui.core.planner import plan_tilt

NOW = datetime(2026, 1, 5, tzinfo=UTC)
QUARTER = datetime(2026, 3, 27, 8, tzinfo=UTC)


def market(symbol: str, base: str, **extra) -> MarketSpec:
    fields = {
        "symbol": symbol,
        "base": base,
        "quote": "USDT",
        "settle": "USDT",
        "instrument": "perp",
        "amount_precision": 0.001,
        "min_amount": 0.001,
        "min_cost": 5.0,
        "taker": 0.0005,
        "funding_interval_hours": 8.0,
        **extra,
    }
    return MarketSpec(**fields)


BTC_PERP = market(
    "BTC/USDT:USDT", "BTC", brackets=venue_tiers.binance("BTCUSDT"), brackets_source="venue"
)
BTC_QUARTER = market(
    "BTC/USDT:USDT-260327",
    "BTC",
    instrument="future",
    expiry=QUARTER,
    brackets=venue_tiers.binance("BTCUSDT_240927"),
    brackets_source="venue",
)
ETH_PERP = market("ETH/USDT:USDT", "ETH", amount_precision=0.01, min_amount=0.01)


def q(symbol: str, price: float, rate: float | None = None, index: float | None = None) -> Quote:
    return Quote(symbol=symbol, mark=price, index=index or price, funding_rate=rate)


#: BTC perp funding 0.0005 / 8 h (54.75 % a year) against a quarterly at 2 % basis: the
#: long's cheaper instrument is the quarterly whenever it is allowed.
QUOTES = {
    BTC_PERP.symbol: q(BTC_PERP.symbol, 50_000, 0.0005),
    BTC_QUARTER.symbol: q(BTC_QUARTER.symbol, 51_000, index=50_000),
    ETH_PERP.symbol: q(ETH_PERP.symbol, 2_500, 0.0001),
}
FIFTY_FIFTY = Portfolio(
    holdings={"BTC": 1.0, "ETH": 20.0, "USDT": 100_000}, strategic={"BTC": 50, "ETH": 50}
)
# Value: 50,000 + 50,000 + 100,000 = 200,000.


def plan(targets, *, markets=(BTC_PERP, BTC_QUARTER, ETH_PERP), quotes=QUOTES, **kw):
    collateral = kw.pop("collateral_usd", None)
    portfolio = kw.pop("portfolio", FIFTY_FIFTY)
    spec = TiltSpec(targets=targets, **{"leverage": 5, "window_days": 30, **kw})
    return plan_tilt(
        portfolio, spec, markets, quotes, venue="t", now=NOW, collateral_usd=collateral
    )


def test_leverage_above_the_bracket_takes_another_market():
    # BTC 65 % of 200,000 = 130,000 − 50,000 held = +$80,000. At 40× the quarterly's second
    # bracket ($50k–375k) allows 25×: refused there; the perpetual's ($50k–600k) allows 100×.
    leg = plan({"BTC": 0.65}, leverage=40).legs[0]
    assert leg.status == "ok" and leg.symbol == BTC_PERP.symbol
    future = next(c for c in leg.candidates if c.symbol == BTC_QUARTER.symbol)
    assert not future.allowed
    assert future.reason.startswith("$80,000 at 40× is above the 25× this bracket allows")
    perp = next(c for c in leg.candidates if c.chosen)
    assert perp.symbol == BTC_PERP.symbol and perp.allowed and perp.max_leverage == 100
    assert "not allowed: BTC/USDT:USDT-260327: $80,000 at 40×" in leg.choice
    # At 5× the quarterly is allowed and cheaper: auto takes it.
    assert plan({"BTC": 0.65}).legs[0].symbol == BTC_QUARTER.symbol


def test_a_forced_instrument_over_its_cap_blocks_only_that_leg():
    result = plan({"BTC": 0.65, "ETH": 0.40}, leverage=40, instrument="future")
    btc, eth = result.legs
    assert btc.status == "blocked" and "above the 25× this bracket allows" in btc.reason
    # ETH has no dated future: blocked with its own reason; nothing raised.
    assert eth.status == "blocked" and eth.reason == "no dated future for ETH on this venue"
    assert result.totals.gross_notional_usd == 0


def test_leverage_no_market_allows_is_a_bad_input():
    # BTCUSDT's best bracket allows 125×, the quarterly's 50×: 126× is allowed nowhere.
    with pytest.raises(InputError, match="above the maximum 125× of every market of BTC"):
        plan({"BTC": 0.65}, leverage=126)


def test_leg_risk_fields_from_venue_brackets():
    # $1M long BTC on the perpetual at 20× (base 2,000,000 → BTC 52.5 % = 1,050,000 − 50,000):
    # bracket 3 (0.65 %, cum 950, 75×); Q 20, WB 50,000:
    #   (50,000 + 950 − 1,000,000) / (0.13 − 20) = 47,762.96, 4.47 % below the mark.
    leg = plan({"BTC": 0.525}, leverage=20, base_usd=2_000_000, instrument="perp").legs[0]
    assert leg.notional_usd == pytest.approx(1_000_000)
    assert (leg.max_leverage, leg.mmr, leg.maint_amount_usd) == (75, 0.0065, 950)
    assert leg.liquidation_price == pytest.approx(47_762.96, abs=0.005)
    assert leg.liquidation_distance == pytest.approx(0.0447408, abs=1e-6)
    assert leg.liquidation_estimate is False
    # The same short (BTC −47.5 % → −950,000 − 50,000): (50,000 + 950 + 1,000,000) /
    # (0.13 + 20) = 52,208.15.
    short = plan({"BTC": -0.475}, leverage=20, base_usd=2_000_000, instrument="perp").legs[0]
    assert short.notional_usd == pytest.approx(-1_000_000)
    assert short.liquidation_price == pytest.approx(52_208.15, abs=0.005)


def test_without_venue_brackets_the_fallback_is_an_estimate():
    # ETH publishes no brackets and no cap: fallback_brackets(20, 0.4 %) — an estimate.
    # ETH 40 % of 200,000 = 80,000 − 50,000 = +30,000 → 12 ETH, 5×, WB 6,000:
    #   (6,000 − 30,000) / (0.048 − 12) = 2,008.03.
    leg = plan({"ETH": 0.40}).legs[0]
    assert leg.liquidation_estimate is True and leg.max_leverage == 20
    assert leg.liquidation_price == pytest.approx(2_008.03, abs=0.005)


def test_bybit_and_okx_markets_use_their_own_formula():
    # A Bybit BTCUSDT perp with its tiers: $3M long at 10× → tier 2 (1 %, deduction 10,000):
    # 50,000 − (300,000 − 20,000) / 60 = 45,333.33.
    bybit = BTC_PERP.model_copy(
        update={"brackets": venue_tiers.bybit(), "liquidation_rule": "bybit"}
    )
    leg = plan(
        {"BTC": 1.525}, markets=[bybit], leverage=10, base_usd=2_000_000, collateral_usd=1e9
    ).legs[0]
    assert leg.notional_usd == pytest.approx(3_000_000)
    assert leg.liquidation_price == pytest.approx(45_333.33, abs=0.005)
    # An OKX TIA perp of 1 TIA a contract, tiers in contracts: 10,000 contracts at 5 (tier 2,
    # 1 %) at 10×, taker 0.05 %: (50,000 − 5,000) / (10,000 × 0.9895) = 4.547751.
    tia = market(
        "TIA/USDT:USDT",
        "TIA",
        amount_precision=1.0,
        min_amount=1.0,
        brackets=venue_tiers.okx(),
        brackets_source="venue",
        liquidation_rule="okx",
    )
    cash = Portfolio(holdings={"USDT": 500_000})
    leg = plan(
        {"TIA": 0.1},
        markets=[tia],
        quotes={tia.symbol: q(tia.symbol, 5.0, 0.0001)},
        portfolio=cash,
        leverage=10,
    ).legs[0]
    assert leg.contracts == 10_000 and leg.mmr == 0.01 and leg.max_leverage == 40
    assert leg.liquidation_price == pytest.approx(4.547751, abs=1e-6)


def test_a_future_settling_within_the_roll_lead_is_not_proposed():
    # Settles in 8 h: it would have to be rolled at once. Auto takes the perpetual; forced
    # to futures, the leg is blocked with the reason.
    soon = BTC_QUARTER.model_copy(
        update={"symbol": "BTC/USDT:USDT-260105", "expiry": NOW + timedelta(hours=8)}
    )
    quotes = {**QUOTES, soon.symbol: q(soon.symbol, 50_010, index=50_000)}
    leg = plan({"BTC": 0.6}, markets=[BTC_PERP, soon, ETH_PERP], quotes=quotes).legs[0]
    assert leg.symbol == BTC_PERP.symbol
    candidate = next(c for c in leg.candidates if c.symbol == soon.symbol)
    assert not candidate.allowed
    assert candidate.reason.startswith("settles in 8 h (2026-01-05 08:00 UTC), inside the 1-day")
    forced = plan(
        {"BTC": 0.6}, markets=[BTC_PERP, soon, ETH_PERP], quotes=quotes, instrument="future"
    )
    assert forced.legs[0].status == "blocked" and "roll lead" in forced.legs[0].reason
    assert forced.sendable() == []


def test_the_carry_follows_the_roll_date():
    # Expires in 10 days, window 30: held until the roll (day 9, 9/10 of the basis), then the
    # perp's 0.0005 / 8 h for 21 days (63 settlements). Long +$20,000 (BTC 35 % of 200,000 =
    # 70,000 − 50,000) at 51,000 = 0.392 BTC → $19,992.
    ten = BTC_QUARTER.model_copy(
        update={"symbol": "BTC/USDT:USDT-260115", "expiry": NOW + timedelta(days=10)}
    )
    quotes = {**QUOTES, ten.symbol: q(ten.symbol, 51_000, index=50_000)}
    leg = plan(
        {"BTC": 0.35}, markets=[BTC_PERP, ten, ETH_PERP], quotes=quotes, instrument="future"
    ).legs[0]
    assert leg.roll_by == NOW + timedelta(days=9)
    assert leg.basis_usd == pytest.approx(-0.392 * 1_000 * 0.9)  # −352.80
    assert leg.funding_usd == pytest.approx(-19_992 * 0.0005 * 63)  # −629.75
    assert leg.roll_cost_usd == pytest.approx(19_992 * 2 * 0.0005)  # 19.99
    candidate = next(c for c in leg.candidates if c.chosen)
    assert candidate.roll_by == leg.roll_by and candidate.roll_cost_usd == pytest.approx(20.0)


def test_collateral_short_is_warned_and_flagged():
    # 2,500 USDT against BTC +$15,000 and ETH −$15,000 at 5× on the perps: margin 6,000 +
    # fees 15 = 6,015 → short by 3,515.
    small = Portfolio(holdings={"BTC": 1.0, "ETH": 20.0, "USDT": 2_500})
    result = plan(
        {"BTC": 0.65, "ETH": 0.35},
        portfolio=small,
        base_usd=100_000,
        instrument="perp",
    )
    assert result.totals.margin_usd == pytest.approx(6_000)
    assert result.collateral_usd == 2_500 and result.collateral_source == "stablecoin holdings"
    assert result.collateral_needed_usd == pytest.approx(6_015)
    assert result.collateral_short_usd == pytest.approx(3_515)
    line = (
        "collateral short by $3,515.00: margin $6,000.00 + fees $15.00 = $6,015.00, "
        "available $2,500.00 (stablecoin holdings)"
    )
    assert line in result.warnings and result.blockers == [line]
    # The paper balance (or the venue's) passed by the caller instead: enough.
    rich = plan_tilt(
        small,
        TiltSpec(
            targets={"BTC": 0.65, "ETH": 0.35},
            base_usd=100_000,
            leverage=5,
            window_days=30,
            instrument="perp",
        ),
        [BTC_PERP, BTC_QUARTER, ETH_PERP],
        QUOTES,
        venue="t",
        now=NOW,
        collateral_usd=10_000,
        collateral_source="paper balance",
    )
    assert rich.blockers == [] and rich.collateral_short_usd == 0
    assert rich.collateral_source == "paper balance"
    assert not any(w.startswith("collateral") for w in rich.warnings)


def test_gross_exposure_above_the_portfolio_value_is_warned():
    # A $100,000 portfolio (1 BTC, 20 ETH) with --base 200,000 at 65/35: exposures 130,000 and
    # 70,000, gross 200,000 = 200 % of the portfolio, though the targets sum to 100 %.
    portfolio = Portfolio(holdings={"BTC": 1.0, "ETH": 20.0})
    result = plan(
        {"BTC": 0.65, "ETH": 0.35},
        portfolio=portfolio,
        base_usd=200_000,
        instrument="perp",
        collateral_usd=1e9,
    )
    assert result.gross_exposure_usd == pytest.approx(200_000)
    assert result.portfolio_value_usd == pytest.approx(100_000)
    assert (
        "gross exposure $200,000.00 after the tilt is 200% of the portfolio's value "
        "$100,000.00: the tilt is levered (base $200,000.00 on a $100,000.00 portfolio)"
    ) in result.warnings
    assert not any(w.startswith("targets sum") for w in result.warnings)
    # Without --base, 65/35 of its own value: gross 100,000, no warning.
    plain = plan({"BTC": 0.65, "ETH": 0.35}, portfolio=portfolio, collateral_usd=1e9)
    assert not any("gross exposure" in w for w in plain.warnings)


def test_targets_summing_above_100_percent_are_warned():
    result = plan({"BTC": 0.8, "ETH": 0.4}, instrument="perp", collateral_usd=1e9)
    assert "targets sum to 120% of the base: the tilt is levered" in result.warnings


def test_candidates_split_the_carry_and_mark_the_choice():
    # BTC +$80,000 over 30 days at 5×: perp 0.0005 × 90 settlements → funding −3,600, fee 40,
    # net −3,640. Quarterly: 80,000 / 51,000 = 1.56863 BTC × 1,000 basis × 30 / 81.33 days to
    # 2026-03-27 08:00 = −578.6 basis, fee 40, net −618.6: chosen.
    leg = plan({"BTC": 0.65}).legs[0]
    assert [c.symbol for c in leg.candidates] == [BTC_PERP.symbol, BTC_QUARTER.symbol]
    perp, future = leg.candidates
    assert (perp.funding_usd, perp.basis_usd, perp.fee_usd) == (
        pytest.approx(-3_600),
        0.0,
        pytest.approx(40),
    )
    assert perp.net_usd == pytest.approx(-3_640) and not perp.chosen
    days = (QUARTER - NOW).total_seconds() / 86_400
    assert future.basis_usd == pytest.approx(-80_000 / 51_000 * 1_000 * 30 / days)
    assert future.funding_usd == 0 and future.chosen and future.allowed
    assert future.net_usd == pytest.approx(future.basis_usd - 40)
    assert future.margin_usd == pytest.approx(16_000) and future.liquidation_price is not None
    assert leg.choice.startswith(f"auto: {BTC_QUARTER.symbol} nets −$")
    assert f"{BTC_PERP.symbol} −$3,640.00" in leg.choice


def test_from_ccxt_never_reads_maint_margin_percent():
    # Binance's exchangeInfo carries maintMarginPercent "2.5000" on every symbol, documented
    # as "ignore": the spec keeps the 0.4 % default until the venue's brackets arrive.
    spec = MarketSpec.from_ccxt(
        {
            "symbol": "BTC/USDT:USDT",
            "base": "BTC",
            "quote": "USDT",
            "settle": "USDT",
            "type": "swap",
            "info": {"maintMarginPercent": "2.5000", "requiredMarginPercent": "5.0000"},
        }
    )
    assert spec.maintenance_margin_rate == 0.004 and spec.brackets == ()
