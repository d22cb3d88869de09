"""Numbers within sane bounds and asset names validated (issue 10), in the domain itself:
whatever surface they come from (a file, a flag, the app's fields), the models refuse them."""

from __future__ import annotations

import re

import pytest
from pydantic import ValidationError

from tui.core.errors import InputError
from tui.core.models import Portfolio, TiltSpec, check_leverage
from tui.core.portfolio import parse_portfolio, parse_targets


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[holdings]\nBTC = 1e308\n", "holdings.BTC is 1e+308, above 1e+15"),
        ("[holdings]\nBTC = 1\n[strategic]\nBTC = 1e308\n", "above 100%"),
        ("[holdings]\nBTC = 1\nbtc = 5\n", "holdings.BTC is listed twice ('btc'"),
        ('[holdings]\n"BTC" = 1\n" BTC" = 5\n', "holdings.BTC is listed twice (' BTC'"),
        ("[holdings]\nBTC = 1\n[strategic]\nBTC = 50\nbtc = 50\n", "strategic.BTC is listed twice"),
        ('[holdings]\n"B\\nTC" = 1\n', "is not an asset name"),
        ('[holdings]\n"" = 1\n', "is not an asset name"),
        (f'[holdings]\n"{"X" * 10_000}" = 1\n', "is not an asset name"),
        ('[holdings]\n"BTC/USDT" = 1\n', "is not an asset name"),
    ],
    ids=lambda value: str(value)[:24],
)
def test_portfolio_bounds_and_names(text, message):
    with pytest.raises(InputError, match=re.escape(message)) as err:
        parse_portfolio(text, "p.toml")
    assert "\n" not in str(err.value) and len(str(err.value)) < 300


def test_names_are_normalised_once():
    portfolio = parse_portfolio("[holdings]\n' btc ' = 1\nEth = 2\n")
    assert portfolio.holdings == {"BTC": 1.0, "ETH": 2.0}
    assert Portfolio(holdings={"1000PEPE": 1e14}).holdings == {"1000PEPE": 1e14}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("BTC=1e308", "target BTC: 1e+308% is beyond ±1000%"),
        ("BTC=-1001", "beyond ±1000%"),
        ("BTC=10,btc=20", "target BTC: given twice"),
        ("B-TC=10", "is not an asset name"),
        ("BT\nC=10", "is not an asset name"),
    ],
)
def test_target_bounds_and_names(text, message):
    with pytest.raises(InputError, match=re.escape(message)):
        parse_targets(text)
    assert parse_targets("BTC=1000,ETH=-1000") == {"BTC": 10.0, "ETH": -10.0}


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"window_days": 1e308}, "above 3650"),
        ({"window_days": 3651}, "above 3650"),
        ({"base_usd": 1e308}, "above 1e+12"),
        ({"leverage": 1e308}, "above 1000×"),
        ({"targets": {"BTC": 1e308}}, "beyond ±1000%"),
        ({"targets": {"BTC": 0.5, " btc": 0.1}}, "given twice"),
    ],
)
def test_tilt_bounds(fields, message):
    with pytest.raises(ValidationError, match=re.escape(message)):
        TiltSpec(**{"targets": {"BTC": 0.6}, **fields})
    TiltSpec(targets={"BTC": 10.0}, window_days=3650, base_usd=1e12, leverage=125)


def test_leverage_bound():
    assert check_leverage(1000) == 1000
    with pytest.raises(ValueError, match="more than any venue offers"):
        check_leverage(1001)


def test_a_non_number_under_a_bad_name_is_still_one_line():
    # Found by tests/reliability: the type check echoed the raw name, newline included.
    with pytest.raises(InputError) as err:
        parse_portfolio('[holdings]\n"B\\nTC" = "7"\n', "p.toml")
    assert "\n" not in str(err.value) and "is not a number" in str(err.value)
