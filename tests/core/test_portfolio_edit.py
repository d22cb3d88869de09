"""Editing a portfolio by hand: the SAA stays at 100 %, and no holding is overwritten."""

from __future__ import annotations

import pytest

from tui.core.models import Portfolio
from tui.core.portfolio_edit import edited_portfolio, rescaled, without_asset

BASE = Portfolio(holdings={"BTC": 1.0, "ETH": 10.0}, strategic={"BTC": 50, "ETH": 50})


def test_setting_a_target_rescales_the_others():
    # SOL takes 20 %: BTC and ETH share the other 80 % in their 50:50 ratio → 40 / 40.
    p = edited_portfolio(BASE, "SOL", 5.0, 20.0)
    assert p.holdings == {"BTC": 1.0, "ETH": 10.0, "SOL": 5.0}
    assert p.strategic == {"BTC": 40.0, "ETH": 40.0, "SOL": 20.0}


def test_editing_a_row_keeps_its_name_and_may_rename_it():
    assert edited_portfolio(BASE, "BTC", 2.0, None, "BTC").holdings["BTC"] == 2.0
    renamed = edited_portfolio(BASE, "WBTC", 1.0, None, "BTC")
    assert set(renamed.holdings) == {"WBTC", "ETH"}


def test_adding_a_held_asset_is_refused_not_overwritten():
    with pytest.raises(ValueError, match="BTC is already held"):
        edited_portfolio(BASE, "BTC", 5.0)
    with pytest.raises(ValueError, match="ETH is already held"):
        edited_portfolio(BASE, "ETH", 1.0, None, "BTC")


def test_removing_rescales_to_100():
    p = without_asset(
        Portfolio(holdings={"A": 1, "B": 1, "C": 1}, strategic={"A": 50, "B": 25, "C": 25}), "A"
    )
    assert p.strategic == {"B": 50.0, "C": 50.0}


def test_rescaled_puts_the_rounding_on_the_last():
    out = rescaled({"A": 1.0, "B": 1.0, "C": 1.0}, 100.0)
    assert sum(out.values()) == 100.0 and out["A"] == pytest.approx(33.333333)
