"""Brackets and liquidation as Binance, Bybit and OKX compute them (isolated, one-way).

Every expected number is worked out by hand in the comment next to it; the brackets come from
captured venue rows (``tests/fixtures/venues/margin_*.json``, each naming its source).
"""

from __future__ import annotations

import math

import pytest

from tests.core import venue_tiers
from tui.core.margin import (
    Bracket,
    bracket_for,
    fallback_brackets,
    liquidation_distance,
    liquidation_price,
    max_leverage_for,
)

BTCUSDT = venue_tiers.binance("BTCUSDT")
BTC_QUARTER = venue_tiers.binance("BTCUSDT_240927")
BYBIT_BTC = venue_tiers.bybit()
OKX_TIA = venue_tiers.okx()


def binance_lp(*, long: bool, notional: float, price: float, lev: float) -> float | None:
    """Binance's LP for a position of ``notional`` USD at ``price``, margin |N| / lev."""
    bracket = bracket_for(BTCUSDT, notional)
    assert bracket is not None
    return liquidation_price(
        "binance",
        long=long,
        quantity=notional / price,
        entry=price,
        margin=notional / lev,
        bracket=bracket,
    )


# -- Binance ---------------------------------------------------------------------------------


def test_binance_documented_example():
    # LP = (WB + cum − s·Q·EP) / (Q·MMR − s·Q): long 0.3 BTC at 50,000, WB 3,000 (5×),
    # MMR 0.004, cum 0 → (3,000 − 15,000) / (0.0012 − 0.3) = −12,000 / −0.2988 = 40,160.64.
    bracket = Bracket(floor=0, cap=50_000, max_leverage=125, mmr=0.004)
    lp = liquidation_price(
        "binance", long=True, quantity=0.3, entry=50_000, margin=3_000, bracket=bracket
    )
    assert lp == pytest.approx(40_160.64, abs=0.005)


def test_binance_published_example_with_a_maintenance_amount():
    # Binance's worked example (also freqtrade's isolated test): long 109.488 BTC at
    # 32,481.98 with 1,535,443.01 isolated, MMR 2.5 %, cum 16,300:
    # (1,535,443.01 + 16,300 − 3,556,387.03) / (2.7372 − 109.488) = 18,778.73.
    bracket = Bracket(floor=0, cap=math.inf, max_leverage=20, mmr=0.025, maint_amount=16_300)
    lp = liquidation_price(
        "binance",
        long=True,
        quantity=109.488,
        entry=32_481.98,
        margin=1_535_443.01,
        bracket=bracket,
    )
    assert lp == pytest.approx(18_778.73, abs=0.005)


@pytest.mark.parametrize(
    ("notional", "floor", "max_leverage", "mmr", "cum"),
    [
        (40_000, 0, 125, 0.004, 0),
        (50_000, 50_000, 100, 0.005, 50),  # a floor belongs to its bracket
        (1_000_000, 600_000, 75, 0.0065, 950),
        (5_000_000, 3_000_000, 50, 0.01, 11_450),
        (-5_000_000, 3_000_000, 50, 0.01, 11_450),  # a short's size is |N|
        (5e9, 1_200_000_000, 1, 0.5, 421_481_450),  # beyond every cap: the last one
    ],
)
def test_the_bracket_a_notional_falls_in(notional, floor, max_leverage, mmr, cum):
    bracket = bracket_for(BTCUSDT, notional)
    assert bracket is not None
    assert (bracket.floor, bracket.max_leverage, bracket.mmr, bracket.maint_amount) == (
        floor,
        max_leverage,
        mmr,
        cum,
    )


def test_binance_liquidation_across_brackets_long_and_short():
    # BTCUSDT at 50,000, 20× (margin |N| / 20):
    # $40,000 long, bracket 1 (0.4 %, cum 0): Q 0.8, WB 2,000:
    #   (2,000 − 40,000) / (0.0032 − 0.8) = 47,690.76
    assert binance_lp(long=True, notional=40_000, price=50_000, lev=20) == pytest.approx(
        47_690.76, abs=0.005
    )
    # $1M long, bracket 3 (0.65 %, cum 950): Q 20, WB 50,000:
    #   (50,000 + 950 − 1,000,000) / (0.13 − 20) = 47,762.96 (the old estimate said
    #   50,000 × (1 − 0.05 + 0.004) = 47,700, ignoring both the bracket and its amount)
    assert binance_lp(long=True, notional=1_000_000, price=50_000, lev=20) == pytest.approx(
        47_762.96, abs=0.005
    )
    # $1M short, same bracket: (50,000 + 950 + 1,000,000) / (0.13 + 20) = 52,208.15
    assert binance_lp(long=False, notional=1_000_000, price=50_000, lev=20) == pytest.approx(
        52_208.15, abs=0.005
    )
    # $5M long, bracket 4 (1 %, cum 11,450): Q 100, WB 250,000:
    #   (250,000 + 11,450 − 5,000,000) / (1 − 100) = 47,864.14
    assert binance_lp(long=True, notional=5_000_000, price=50_000, lev=20) == pytest.approx(
        47_864.14, abs=0.005
    )


def test_leverage_cap_per_bracket():
    # The perpetual: 125× to $50k, 100× to $600k, 75× to $3M. The quarterly: 50× to $50k,
    # 25× to $375k — $80,000 at 40× is fine on the perpetual, refused on the quarterly (-2027).
    assert max_leverage_for(BTCUSDT, 40_000) == 125
    assert max_leverage_for(BTCUSDT, 80_000) == 100
    assert max_leverage_for(BTCUSDT, 1_000_000) == 75
    assert max_leverage_for(BTC_QUARTER, 40_000) == 50
    assert max_leverage_for(BTC_QUARTER, 80_000) == 25
    assert max_leverage_for((), 80_000) is None and bracket_for((), 1.0) is None


# -- Bybit -----------------------------------------------------------------------------------


def test_bybit_documented_example():
    # Bybit's docs: long 1 BTC at 20,000, 50×, MMR 0.5 %: IM 400, MM 100 → 20,000 − 300 =
    # 19,700; the short mirror: 20,000 + 300 = 20,300.
    bracket = Bracket(floor=0, cap=2_000_000, max_leverage=100, mmr=0.005)
    args = {"quantity": 1.0, "entry": 20_000.0, "margin": 400.0, "bracket": bracket}
    assert liquidation_price("bybit", long=True, **args) == pytest.approx(19_700)
    assert liquidation_price("bybit", long=False, **args) == pytest.approx(20_300)


def test_bybit_tiers_with_their_deduction():
    # LP = EP ∓ (IM − MM) / Q, MM = Q·EP·MMR − mmDeduction. BTCUSDT at 50,000, 10×:
    # $1M (tier 1, 0.5 %, deduction "" = 0): Q 20, IM 100,000, MM 5,000 →
    #   50,000 − 95,000 / 20 = 45,250.
    # $3M (tier 2, 1 %, deduction 10,000): Q 60, IM 300,000, MM 30,000 − 10,000 = 20,000 →
    #   long 50,000 − 280,000 / 60 = 45,333.33, short 54,666.67.
    tier1 = bracket_for(BYBIT_BTC, 1_000_000)
    tier2 = bracket_for(BYBIT_BTC, 3_000_000)
    assert tier1 is not None and tier2 is not None
    assert (tier1.mmr, tier1.maint_amount) == (0.005, 0.0)
    assert (tier2.mmr, tier2.maint_amount, tier2.max_leverage) == (0.01, 10_000.0, 57.14)
    one = {"entry": 50_000.0, "quantity": 20.0, "margin": 100_000.0, "bracket": tier1}
    assert liquidation_price("bybit", long=True, **one) == pytest.approx(45_250)
    three = {"entry": 50_000.0, "quantity": 60.0, "margin": 300_000.0, "bracket": tier2}
    assert liquidation_price("bybit", long=True, **three) == pytest.approx(45_333.33, abs=0.005)
    assert liquidation_price("bybit", long=False, **three) == pytest.approx(54_666.67, abs=0.005)
    # The deduction keeps the maintenance margin continuous: at the 2M boundary tier 1 asks
    # 2,000,000 × 0.5 % = 10,000 and tier 2 2,000,000 × 1 % − 10,000 = 10,000.
    assert 2_000_000 * tier1.mmr - tier1.maint_amount == 2_000_000 * tier2.mmr - tier2.maint_amount
    # 60× is above tier 2's 57.14×.
    assert max_leverage_for(BYBIT_BTC, 3_000_000) == 57.14


# -- OKX -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("contracts", "tier_mmr", "max_leverage"),
    [
        (6_500, 0.0065, 50),  # OKX's maxSz is inclusive: tier 1 ends at 6,500
        (6_500.5, 0.01, 40),  # between 6,500 and 6,501: the higher tier
        (6_501, 0.01, 40),
        (20_000, 0.015, 20),
        (60_000, 0.02, 18.18),  # beyond the last captured tier: the last one
    ],
)
def test_okx_tiers_count_contracts(contracts, tier_mmr, max_leverage):
    # The notional (here $1) is not what OKX sizes by: the contracts are.
    bracket = bracket_for(OKX_TIA, 1.0, contracts)
    assert bracket is not None and bracket.unit == "contracts"
    assert (bracket.mmr, bracket.max_leverage) == (tier_mmr, max_leverage)


def test_okx_liquidation_with_the_fee_in_the_requirement():
    # OKX isolated USDT-margined: liquidated when (M + upl) / (Q·P·(MMR + fee)) reaches 100 %.
    # 10,000 contracts of 1 TIA at 5 (tier 2: MMR 1 %), 10×: M 5,000, taker 0.05 %:
    #   long (50,000 − 5,000) / (10,000 × (1 − 0.01 − 0.0005)) = 45,000 / 9,895 = 4.547751
    #   short (50,000 + 5,000) / (10,000 × (1 + 0.01 + 0.0005)) = 55,000 / 10,105 = 5.442850
    bracket = bracket_for(OKX_TIA, 50_000, 10_000)
    assert bracket is not None
    args = {"quantity": 10_000.0, "entry": 5.0, "margin": 5_000.0, "bracket": bracket}
    long = liquidation_price("okx", long=True, fee_rate=0.0005, **args)
    short = liquidation_price("okx", long=False, fee_rate=0.0005, **args)
    assert long == pytest.approx(4.547751, abs=1e-6)
    assert short == pytest.approx(5.442850, abs=1e-6)


# -- The fallback table and the edges ------------------------------------------------------


def test_fallback_brackets_halve_leverage_double_the_rate_keep_margin_continuous():
    # 125× and 0.4 %: $0–50k 125× 0.4 %; $50k–250k 62× 0.8 %, cum 50,000 × 0.004 = 200;
    # $250k–1.25M 31× 1.6 %, cum 200 + 250,000 × 0.008 = 2,200.
    table = fallback_brackets(125, 0.004)
    assert [(b.floor, b.max_leverage, b.mmr, b.maint_amount) for b in table[:3]] == [
        (0, 125, 0.004, 0),
        (50_000, 62, 0.008, pytest.approx(200)),
        (250_000, 31, 0.016, pytest.approx(2_200)),
    ]
    assert math.isinf(table[-1].cap) and table[-1].max_leverage >= 1
    # $1M long BTC at 50,000, 20× on that table (what the simulator serves): Q 20, WB 50,000,
    # (50,000 + 2,200 − 1,000,000) / (0.32 − 20) = 48,160.57, about 1 % of price above the
    # old 47,700.
    bracket = bracket_for(table, 1_000_000)
    assert bracket is not None
    lp = liquidation_price(
        "binance", long=True, quantity=20, entry=50_000, margin=50_000, bracket=bracket
    )
    assert lp == pytest.approx(48_160.57, abs=0.005)
    # With a 50× market: 25× from $50,000, so $80,000 at 40× is over its cap.
    assert max_leverage_for(fallback_brackets(50, 0.004), 80_000) == 25


def test_liquidation_edges():
    bracket = Bracket(floor=0, cap=math.inf, max_leverage=1, mmr=0.004)
    # 1× long: the margin covers the notional: (50,000 − 50,000) / … = 0, never liquidated
    # above 0.
    lp = liquidation_price(
        "binance", long=True, quantity=1, entry=50_000, margin=50_000, bracket=bracket
    )
    assert lp == pytest.approx(0.0, abs=1e-9)
    assert (
        liquidation_price("binance", long=True, quantity=0, entry=1, margin=1, bracket=bracket)
        is None
    )
    full = Bracket(floor=0, cap=math.inf, max_leverage=1, mmr=1.0)
    # MMR 100 % on a long: Q·MMR − Q = 0, no price liquidates it by formula.
    assert (
        liquidation_price("binance", long=True, quantity=1, entry=1, margin=1, bracket=full) is None
    )


def test_liquidation_distance_in_percent_of_mark():
    # |40,160.64 − 50,000| / 50,000 = 19.68 %.
    assert liquidation_distance(40_160.64, 50_000) == pytest.approx(0.196787, abs=1e-6)
    assert liquidation_distance(None, 50_000) is None and liquidation_distance(1.0, 0) is None


def test_an_open_positions_liquidation_for_the_active_tilt():
    # 0.3 BTC long entered at 50,000 at 5× on a market without published brackets (the
    # fallback's first bracket: 0.4 %, cum 0): 40,160.64, an estimate; at a mark of 45,000 it
    # is |40,160.64 − 45,000| / 45,000 = 10.75 % away.
    from tui.core.costing import position_liquidation
    from tui.core.models import MarketSpec

    btc = MarketSpec(
        symbol="BTC/USDT:USDT", base="BTC", quote="USDT", settle="USDT", instrument="perp"
    )
    price, distance, estimate = position_liquidation(btc, 0.3, 50_000, 5, mark=45_000)
    assert price == pytest.approx(40_160.64, abs=0.005) and estimate
    assert distance == pytest.approx(0.107541, abs=1e-6)
    # The same short on the venue's BTCUSDT brackets: (3,000 + 15,000) / (0.0012 + 0.3) =
    # 59,760.96, not an estimate.
    venue = btc.model_copy(update={"brackets": BTCUSDT, "brackets_source": "venue"})
    price, _, estimate = position_liquidation(venue, -0.3, 50_000, 5)
    assert price == pytest.approx(59_760.96, abs=0.005) and not estimate
    assert position_liquidation(btc, 0.0, 50_000, 5) == (None, None, False)
