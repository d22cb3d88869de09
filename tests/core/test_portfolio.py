"""Portfolio files and target text: valid shapes parse, every bad one says what and where."""

from __future__ import annotations

import re

import pytest

from tui.core.errors import InputError
from tui.core.models import Portfolio
from tui.core.portfolio import (
    dump_portfolio,
    load_portfolio,
    parse_portfolio,
    parse_targets,
    sample_portfolio_path,
)


def test_sample_portfolio_loads():
    portfolio = load_portfolio(sample_portfolio_path())
    assert portfolio.holdings == {"BTC": 1.0, "ETH": 10.0, "USDT": 2500.0}
    assert portfolio.strategic == {"BTC": 50.0, "ETH": 50.0}
    assert portfolio.risk_assets() == ["BTC", "ETH"]
    # Stablecoins count at 1.0: 1 × 50,000 + 10 × 2,500 + 2,500 = 77,500.
    assert portfolio.value({"BTC": 50_000, "ETH": 2_500}) == pytest.approx(77_500)


def test_round_trip():
    portfolio = load_portfolio(sample_portfolio_path())
    assert parse_portfolio(dump_portfolio(portfolio)) == portfolio


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[holdings]\nBTC = 1\n[strategic]\nBTC = 60\nETH = 30\n", "sum to 90%, not 100%"),
        ("[holdings]\nBTC = -1\n", "holdings.BTC is negative"),
        ("[holdings]\nBTC = nan\n", "finite"),
        ("[holdings]\nBTC = 'one'\n", "holdings.BTC: 'one' is not a number"),
        ("[holdings]\nBTC = true\n", "is not a number"),
        ("[holdings\nBTC = 1\n", "not valid TOML"),
        ("[strategic]\nBTC = 100\n", "missing [holdings]"),
        ("[holdings]\nBTC = 1\n[extra]\nx = 1\n", "unknown section 'extra'"),
        ("[holdings]\nBTC = 1\n[strategic]\nBTC = inf\n", "finite"),
    ],
)
def test_bad_portfolio_text(text, message):
    with pytest.raises(InputError, match=re.escape(message)) as err:
        parse_portfolio(text, "p.toml")
    assert str(err.value).startswith("p.toml")
    assert "\n" not in str(err.value)


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="portfolio file not found"):
        load_portfolio(tmp_path / "nope.toml")


def test_parse_targets():
    assert parse_targets("btc=65, ETH=35") == {"BTC": 0.65, "ETH": 0.35}
    assert parse_targets("BTC=-10") == {"BTC": -0.10}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("BTC", "expected ASSET=PERCENT"),
        ("BTC=abc", "'abc' is not a number"),
        ("BTC=nan", "not a finite number"),
        ("BTC=1,BTC=2", "given twice"),
        ("", "no target given"),
        ("USDT=10", "stablecoins are cash"),
    ],
)
def test_bad_targets(text, message):
    with pytest.raises(InputError, match=message):
        parse_targets(text)


def test_untiltable_notes_say_what_counts_in_the_base():
    from tui.core.models import MarketSpec
    from tui.core.portfolio import tiltable_assets, untiltable_notes

    btc = MarketSpec(
        symbol="BTC/USDT:USDT", base="BTC", quote="USDT", settle="USDT", instrument="perp"
    )
    portfolio = Portfolio(
        holdings={"BTC": 1.0, "FOO": 10.0, "BAR": 2.0, "USDT": 5.0},
        strategic={"BTC": 80, "FOO": 10, "BAR": 5, "BAZ": 5},
    )
    notes = untiltable_notes(portfolio, [btc], {"BTC": 50_000.0, "BAR": 3.0}, "binanceusdm")
    assert notes == {
        "FOO": "FOO: no futures market on binanceusdm and no price; counts 0 in the base, "
        "not tilted",
        "BAR": "BAR: no futures market on binanceusdm; counted in the base, not tilted",
        "BAZ": "BAZ: no futures market on binanceusdm; not tilted",  # a target, no holding
    }
    assert all("\n" not in note for note in notes.values())
    assert tiltable_assets(portfolio, [btc]) == ["BTC"]
    # The base counts priced holdings only: 1 × 50,000 + 2 × 3 + 5 (USDT) = 50,011.
    assert portfolio.value({"BTC": 50_000.0, "BAR": 3.0}) == pytest.approx(50_011)
