"""Proposals that make sense: the rebalance tolerance band, and ``auto`` waiting for prices.

A tilt just confirmed leaves each asset a few dollars off its target once prices move; those
dollars are not a trade. And ``auto`` cannot compare a market it has no price for: its choice
is provisional (said, and blocked) until every market of the asset is priced.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.core.test_planner import BTC, ETH, FIFTY_FIFTY, NOW, QUOTES, future, q
from tui.core.models import TiltSpec
from tui.core.planner import plan_tilt
from tui.settings import Settings, load_settings


def _plan(targets, *, tolerance=0.0, markets=(BTC, ETH), quotes=QUOTES, **tilt):
    spec = TiltSpec(targets=targets, **{"leverage": 5, "window_days": 45, **tilt})
    return plan_tilt(
        FIFTY_FIFTY, spec, markets, quotes, venue="test", now=NOW, tolerance_usd=tolerance
    )


def test_a_leg_inside_the_tolerance_is_not_proposed():
    # $100,000 portfolio; the overlay left ETH $40 off its 35 % target (a price drift after
    # a confirm): 0.016 ETH → 0.01 at the lot step, a $25 sell that is dust, not a proposal.
    spec = TiltSpec(targets={"BTC": 0.65, "ETH": 0.35}, leverage=5, window_days=45)
    overlay = {"BTC": 15_000.0, "ETH": -15_000.0 + 40.0}
    without = plan_tilt(FIFTY_FIFTY, spec, (BTC, ETH), QUOTES, venue="t", now=NOW, overlay=overlay)
    assert [(leg.asset, round(leg.notional_usd), leg.status) for leg in without.legs] == [
        ("ETH", -25, "ok")
    ]
    within = plan_tilt(
        FIFTY_FIFTY,
        spec,
        (BTC, ETH),
        QUOTES,
        venue="t",
        now=NOW,
        overlay=overlay,
        tolerance_usd=50.0,
    )
    assert within.legs == []
    assert any("ETH is $40.00 from its target" in w and "$50.00" in w for w in within.warnings)


def test_a_leg_beyond_the_tolerance_is_proposed_whole():
    # 65/35 of $100,000: $15,000 each way, far outside a $50 band; the legs are unchanged.
    banded = _plan({"BTC": 0.65, "ETH": 0.35}, tolerance=50.0)
    plain = _plan({"BTC": 0.65, "ETH": 0.35})
    assert [leg.notional_usd for leg in banded.legs] == [leg.notional_usd for leg in plain.legs]
    assert [leg.asset for leg in banded.legs] == ["BTC", "ETH"]


def test_the_tolerance_setting_defaults_to_50_usd_and_refuses_a_negative_band(tmp_path):
    assert Settings().rebalance_tolerance_usd == 50.0
    env = {"PORTING_ALPHA_REBALANCE_TOLERANCE_USD": "120"}
    assert load_settings(tmp_path / "none.toml", env).rebalance_tolerance_usd == 120.0
    with pytest.raises(ValueError, match="REBALANCE_TOLERANCE_USD"):
        load_settings(tmp_path / "none.toml", {"PORTING_ALPHA_REBALANCE_TOLERANCE_USD": "-5"})


def test_auto_choice_is_provisional_while_a_future_has_no_price():
    # The future's quote has not arrived: auto takes the perp, says so, and blocks confirming.
    fut = future("BTC", NOW + timedelta(days=73), 0.001)
    result = _plan({"BTC": 0.65, "ETH": 0.5}, markets=[BTC, ETH, fut])
    btc = result.legs[0]
    assert btc.symbol == "BTC/USDT:USDT" and btc.status == "ok"
    line = (
        "BTC: auto's choice of BTC/USDT:USDT is provisional, waiting for the prices of "
        f"{fut.symbol} (or set the instrument)"
    )
    assert line in result.blockers and line in result.warnings
    # Once the future is priced (and cheaper), auto takes it and nothing is provisional.
    priced = {
        **QUOTES,
        "BTC/USDT:USDT": q("BTC/USDT:USDT", 50_000, 0.0005),
        fut.symbol: q(fut.symbol, 51_000, index=50_000),
    }
    settled = _plan({"BTC": 0.65, "ETH": 0.5}, markets=[BTC, ETH, fut], quotes=priced)
    assert settled.legs[0].symbol == fut.symbol
    assert not any("provisional" in b for b in settled.blockers)


def test_a_set_instrument_is_never_provisional():
    fut = future("BTC", NOW + timedelta(days=73), 0.001)
    result = _plan({"BTC": 0.65, "ETH": 0.5}, markets=[BTC, ETH, fut], instrument="perp")
    assert result.legs[0].symbol == "BTC/USDT:USDT"
    assert not any("provisional" in b for b in result.blockers)
