"""Scenario files: the shipped ones load, and every bad case is refused in one line naming it."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from tui.sim.scenario import (
    DEFAULT_SCENARIO,
    FROZEN_SCENARIO,
    ScenarioError,
    default_scenario_path,
    load_scenario,
    quarterly_expiries,
)

GOOD = """
seed = 1
[clock]
start = "2026-01-05T00:00:00Z"
speed = 2
[[asset]]
name = "btc"
price = 50000
vol = 0.5
amount_step = 0.001
[[asset]]
name = "ETH"
price = 2500
vol = 0.6
amount_step = 0.01
funding_interval_hours = 4
[[future]]
asset = "BTC"
expiry = "{expiry}"
basis_annualized = 0.05
[correlation]
default = 0.3
pairs = {{ "BTC-ETH" = 0.8 }}
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "s.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("now", "quarterlies"),
    [
        # The default scenario starts "now": pinned here, at moments that matter.
        (datetime(2026, 1, 5, tzinfo=UTC), [date(2026, 3, 27), date(2026, 6, 26)]),
        (datetime(2026, 3, 27, 7, 59, 59, tzinfo=UTC), [date(2026, 3, 27), date(2026, 6, 26)]),
        (datetime(2026, 3, 27, 8, 0, 0, tzinfo=UTC), [date(2026, 6, 26), date(2026, 9, 25)]),
        (datetime(2026, 12, 31, 23, 59, 59, tzinfo=UTC), [date(2027, 3, 26), date(2027, 6, 25)]),
    ],
)
def test_shipped_scenarios_load(now: datetime, quarterlies: list[date]) -> None:
    assert default_scenario_path() == DEFAULT_SCENARIO
    default = load_scenario(DEFAULT_SCENARIO, now=now)
    assert default.start == now
    assert {a.name for a in default.assets} == {"BTC", "ETH", "SOL", "BNB", "XRP", "DOGE"}
    assert {a.funding_interval_hours for a in default.assets} >= {1, 4, 8}
    assert all(f.settles_at > default.start for f in default.futures)
    assert {f.asset for f in default.futures} == {"BTC", "ETH"}
    assert sorted({f.expiry_date for f in default.futures}) == quarterlies
    frozen = load_scenario(FROZEN_SCENARIO, now=now)
    assert frozen.start == datetime(2026, 1, 5, tzinfo=UTC)  # the file's start wins
    assert frozen.asset("BTC").price == 50000 and frozen.asset("ETH").price == 2500
    assert all(a.vol == 0 and a.premium == 0 for a in frozen.assets)
    assert [f.symbol for f in frozen.futures] == ["BTCUSDT_260327", "ETHUSDT_260327"]


def test_good_file_resolves_defaults_and_expiry(tmp_path: Path) -> None:
    scenario = load_scenario(write(tmp_path, GOOD.format(expiry="+30d")))
    btc = scenario.asset("BTC")
    assert btc.min_qty == 0.001 and btc.tick == 0.1 and btc.funding_interval_hours == 8
    assert scenario.futures[0].expiry_date == date(2026, 2, 4)
    assert scenario.correlation.between("ETH", "BTC") == 0.8


@pytest.mark.parametrize(
    ("word", "expected"),
    [("current_quarter", date(2026, 3, 27)), ("next_quarter", date(2026, 6, 26))],
)
def test_quarterly_expiry_words(tmp_path: Path, word: str, expected: date) -> None:
    scenario = load_scenario(write(tmp_path, GOOD.format(expiry=word)))
    assert scenario.futures[0].expiry_date == expected
    assert scenario.futures[0].symbol == f"BTCUSDT_{expected:%y%m%d}"


def test_quarterly_expiries_skip_one_settling_before() -> None:
    # On expiry day after 08:00 the next quarterly is the following one.
    after = datetime(2026, 3, 27, 9, 0, tzinfo=UTC)
    assert quarterly_expiries(after, 2) == [date(2026, 6, 26), date(2026, 9, 25)]


def one_line_error(path: Path) -> str:
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    text = str(info.value)
    assert "\n" not in text
    assert str(path) in text
    return text


BAD_CASES = [
    ('name = "btc"', 'name = "b t c"', "asset[0].name"),
    ("vol = 0.5", "vol = -0.5", "asset[0].vol"),
    ("price = 50000", "price = nan", "asset[0].price"),
    ("price = 2500", "price = 0", "asset[1].price"),
    ('name = "ETH"', 'name = "BTC"', "asset[1].name"),
    ('asset = "BTC"', 'asset = "ADA"', "future[0].asset"),
    ("funding_interval_hours = 4", "funding_interval_hours = 5", "asset[1].funding_interval_hours"),
    ("amount_step = 0.01", "amount_stp = 0.01", "asset[1].amount_step"),
    ("speed = 2", "speed = -1", "clock.speed"),
    ("default = 0.3", "default = 1.5", "correlation.default"),
    ('"BTC-ETH" = 0.8', '"BTC-ADA" = 0.8', "correlation.pairs.BTC-ADA"),
    ("seed = 1", "seed = 1\n[faults]\nerror_rate = 2", "faults.error_rate"),
    ("seed = 1", "seed = 1\n[faults]\nrate_limit_every = -1", "faults.rate_limit_every"),
]


@pytest.mark.parametrize(("old", "new", "where"), BAD_CASES)
def test_bad_field_names_its_location(tmp_path: Path, old: str, new: str, where: str) -> None:
    text = GOOD.format(expiry="+30d")
    assert old in text
    message = one_line_error(write(tmp_path, text.replace(old, new, 1)))
    assert where in message


def test_expiry_before_start(tmp_path: Path) -> None:
    message = one_line_error(write(tmp_path, GOOD.format(expiry="2025-12-26")))
    assert "future[0].expiry" in message and "before the clock start" in message


def test_bad_expiry_word(tmp_path: Path) -> None:
    assert "future[0].expiry" in one_line_error(write(tmp_path, GOOD.format(expiry="soon")))


def test_correlation_not_positive_definite(tmp_path: Path) -> None:
    text = GOOD.format(expiry="+30d").replace(
        "[[future]]",
        '[[asset]]\nname = "SOL"\nprice = 100\nvol = 1\namount_step = 0.01\n[[future]]',
    )
    text = text.replace('"BTC-ETH" = 0.8', '"BTC-ETH" = 0.99, "BTC-SOL" = 0.99, "ETH-SOL" = -0.99')
    assert "not positive definite" in one_line_error(write(tmp_path, text))


def test_missing_file(tmp_path: Path) -> None:
    assert "no such scenario file" in one_line_error(tmp_path / "nope.toml")


def test_bad_toml_names_the_line(tmp_path: Path) -> None:
    message = one_line_error(write(tmp_path, "seed = 1\n[clock\nspeed = 1\n"))
    assert "invalid TOML" in message and "line 2" in message


def test_no_assets(tmp_path: Path) -> None:
    assert "asset" in one_line_error(write(tmp_path, "seed = 1\n"))


# Issue 10: numbers past sane bounds (which crashed the simulator or the planner) and values
# of the wrong type (which were coerced) are refused, naming the field.
STRICT_AND_BOUNDED_CASES = [
    ("seed = 1", 'seed = "7"', "seed: Input should be a valid integer"),
    ("seed = 1", "seed = true", "seed"),
    ("speed = 2", "speed = true", "clock.speed: Input should be a valid number"),
    ("speed = 2", 'speed = "2"', "clock.speed"),
    ("speed = 2", "speed = 1e308", "clock.speed: Input should be less than or equal to 100000"),
    ('start = "2026-01-05T00:00:00Z"', "start = 12", "clock.start: 12 is not a date-time"),
    ('start = "2026-01-05T00:00:00Z"', "start = true", "clock.start"),
    ('start = "2026-01-05T00:00:00Z"', 'start = "monday"', "not an ISO date-time"),
    ("price = 50000", 'price = "50000"', "asset[0].price: Input should be a valid number"),
    ("price = 50000", "price = 1e308", "asset[0].price"),
    ("amount_step = 0.001", "amount_step = 1e308", "asset[0].amount_step"),
    ("amount_step = 0.001", "amount_step = 0.001\nprice_step = 1e-320", "asset[0].price_step"),
    ("vol = 0.5", "vol = 1e308", "asset[0].vol"),
    ("funding_interval_hours = 4", "funding_interval_hours = 4.0", "funding_interval_hours"),
    ("seed = 1", "seed = 1\n[faults]\nlatency_ms = 1e308", "faults.latency_ms"),
    ("seed = 1", "seed = 1\n[account]\nbalances = { USDT = 1e308 }", "account.balances.USDT"),
    ("seed = 1", 'seed = 1\n[account]\nbalances = { USDT = "5" }', "account.balances.USDT"),
    ("default = 0.3", "default = true", "correlation.default"),
]


@pytest.mark.parametrize(("old", "new", "where"), STRICT_AND_BOUNDED_CASES)
def test_strict_types_and_sane_bounds(tmp_path: Path, old: str, new: str, where: str) -> None:
    text = GOOD.format(expiry="+30d")
    assert old in text
    message = one_line_error(write(tmp_path, text.replace(old, new, 1)))
    assert where in message


def test_bounds_at_the_edges_still_load(tmp_path: Path) -> None:
    text = GOOD.format(expiry="+30d").replace("speed = 2", "speed = 100000")
    text = text.replace("price = 50000", "price = 1e9").replace(
        "amount_step = 0.001", "amount_step = 1e-12\nprice_step = 1e-12", 1
    )
    scenario = load_scenario(write(tmp_path, text))
    assert scenario.clock.speed == 100_000 and scenario.assets[0].price == 1e9
    dated = GOOD.format(expiry="+30d").replace('"2026-01-05T00:00:00Z"', "2026-01-05T00:00:00Z")
    assert load_scenario(write(tmp_path, dated)).start == datetime(2026, 1, 5, tzinfo=UTC)
