"""Property-based bad input (issue 10): every input surface either accepts a value and stays
sane, or refuses it with one line — never another exception. And every order the planner
accepts satisfies every market filter.

Run alone: ``.venv/bin/python -m pytest tests/reliability``. Modest example counts, no
deadline: the whole suite stays quick.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tui.core.errors import InputError
from tui.core.models import MarketSpec, Portfolio, Quote, TiltSpec
from tui.core.planner import plan_tilt
from tui.core.portfolio import parse_portfolio, parse_targets
from tui.settings import Settings, SettingsError, load_settings
from tui.sim.scenario import ScenarioError, parse_scenario

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
NOW = datetime(2026, 1, 5, tzinfo=UTC)

numbers = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.sampled_from([0, -0.0, 1e-320, 5e-324, 1e308, -1e308, 1e15, 1e12 + 1, 3650.5]),
)
toml_values = st.one_of(
    numbers.map(lambda v: repr(float(v)).replace("inf", "inf").replace("nan", "nan")),
    st.sampled_from(['"7"', "true", "false", "12", '"50000"', "[]", "{}", '""', "1979-05-27"]),
)
names = st.one_of(
    st.sampled_from(["BTC", "btc", " BTC", "ETH", "1000PEPE", "", "B\\nTC", "BTC/USDT", "X" * 40]),
    st.text(alphabet="ABCbc 09-_\t", min_size=0, max_size=25),
)


def one_line(err: Exception) -> None:
    text = str(err)
    assert text and "\n" not in text and len(text) < 400, text


@FAST
@given(st.lists(st.tuples(names, toml_values), min_size=1, max_size=4))
def test_portfolio_toml(entries):
    body = "\n".join(f'"{name}" = {value}' for name, value in entries)
    try:
        portfolio = parse_portfolio(f"[holdings]\n{body}\n", "p.toml")
    except InputError as err:
        one_line(err)
        return
    for asset, qty in portfolio.holdings.items():
        assert asset.isalnum() and asset == asset.upper() and 1 <= len(asset) <= 20
        assert math.isfinite(qty) and 0 <= qty <= 1e15
    assert len(portfolio.holdings) == len({a.strip().upper() for a, _ in entries})


@FAST
@given(st.lists(st.tuples(names, numbers), min_size=1, max_size=4))
def test_target_text(pairs):
    text = ",".join(f"{name}={value!r}" for name, value in pairs)
    try:
        targets = parse_targets(text)
        TiltSpec(targets=targets)
    except InputError as err:
        one_line(err)
        return
    assert all(math.isfinite(w) and abs(w) <= 10 for w in targets.values())


SCENARIO = """
seed = {seed}
[clock]
start = {start}
speed = {speed}
[[asset]]
name = "BTC"
price = {price}
vol = {vol}
amount_step = {step}
price_step = {tick}
"""


@FAST
@given(
    seed=toml_values,
    start=st.sampled_from(['"2026-01-05T00:00:00Z"', "2026-01-05T00:00:00Z", "12", "true", '"x"']),
    speed=toml_values,
    price=toml_values,
    vol=toml_values,
    step=toml_values,
    tick=toml_values,
)
def test_scenario_toml(seed, start, speed, price, vol, step, tick):
    import tomllib

    text = SCENARIO.format(
        seed=seed, start=start, speed=speed, price=price, vol=vol, step=step, tick=tick
    )
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return  # not TOML at all: load_scenario says so in one line (tested elsewhere)
    try:
        scenario = parse_scenario(data, "s.toml")
    except ScenarioError as err:
        one_line(err)
        return
    asset = scenario.assets[0]
    assert isinstance(scenario.seed, int) and not isinstance(scenario.seed, bool)
    assert 0 <= scenario.clock.speed <= 100_000
    assert 1e-8 <= asset.price <= 1e9 and 1e-12 <= asset.amount_step <= 1e6
    assert 1e-12 <= asset.tick < asset.price


SETTINGS_VARS = ["POLL_SECONDS", "SLIPPAGE_BPS", "MAX_LEVERAGE_FALLBACK", "LEVERAGE",
                 "WINDOW_DAYS", "MAX_ORDER_USD", "MAX_TILT_USD", "DATA_DIR"]  # fmt: skip


@FAST
@given(
    variable=st.sampled_from(SETTINGS_VARS), value=st.one_of(numbers.map(repr), st.text(max_size=8))
)
def test_settings_environment(variable, value):
    name = f"PORTING_ALPHA_{variable}"
    try:
        loaded = load_settings(Path("/nonexistent/config.toml"), environ={name: value})
    except SettingsError as err:
        one_line(err)
        assert str(err).startswith(name)
        return
    for field in Settings.model_fields:
        got = getattr(loaded, field)
        if isinstance(got, float):
            assert math.isfinite(got)
    assert loaded.poll_seconds >= 0.1 and loaded.slippage_bps >= 0
    assert loaded.max_leverage_fallback >= 1 and str(loaded.data_dir).strip()


@FAST
@given(
    argument=st.sampled_from(["--days", "--base", "--collateral", "--leverage"]),
    value=st.one_of(numbers.map(repr), st.sampled_from(["1e308", "-1", "0", "nan", "abc", ""])),
)
def test_cli_numbers_never_crash(argument, value):
    import argparse
    import contextlib
    import io

    from tui.cli import build_parser

    argv = ["plan", "--target", "BTC=60", argument, value]
    stderr = io.StringIO()
    try:
        with contextlib.redirect_stderr(stderr):
            args = build_parser().parse_args(argv)
    except SystemExit as exit_:
        assert exit_.code == 2
        assert stderr.getvalue().count("\n") == 1
        return
    got = getattr(args, argument.lstrip("-"))
    assert isinstance(got, float) and math.isfinite(got) and 0 <= got <= 1e12
    assert isinstance(args, argparse.Namespace)


def _market(step: float, min_amount: float, min_cost: float, size: float) -> MarketSpec:
    return MarketSpec(
        symbol="BTC/USDT:USDT",
        base="BTC",
        quote="USDT",
        settle="USDT",
        instrument="perp",
        amount_precision=step,
        min_amount=min_amount,
        min_cost=min_cost,
        max_leverage=125,
        contract_size=size,
    )


@settings(max_examples=200, deadline=None)
@given(
    target=st.floats(min_value=-10, max_value=10),
    price=st.floats(min_value=1e-6, max_value=1e6),
    step_exp=st.integers(min_value=-8, max_value=3),
    min_steps=st.integers(min_value=1, max_value=1000),
    min_cost=st.floats(min_value=0, max_value=10_000),
    size=st.sampled_from([1.0, 0.01, 0.1, 10.0]),
    holding=st.floats(min_value=0, max_value=1e6),
)
def test_every_accepted_order_satisfies_every_market_filter(
    target, price, step_exp, min_steps, min_cost, size, holding
):
    step = 10.0**step_exp
    market = _market(step, step * min_steps, min_cost, size)
    quote = Quote(
        symbol=market.symbol, mark=price, index=price, funding_rate=0.0001, received_at=NOW
    )
    portfolio = Portfolio(holdings={"BTC": holding, "USDT": 10_000})
    try:
        plan = plan_tilt(
            portfolio,
            TiltSpec(targets={"BTC": target}, leverage=3),
            [market],
            {market.symbol: quote},
            venue="test",
            now=NOW,
        )
    except InputError as err:
        one_line(err)
        return
    for leg in plan.sendable():
        amount = Decimal(leg.amount)
        assert amount > 0
        # On the lot step: a whole number of steps (ccxt truncation, exact in decimal).
        assert (amount / Decimal(repr(step))) % 1 == 0, (leg.amount, step)
        assert float(amount) >= market.min_amount * (1 - 1e-9)
        assert float(amount) * size * leg.price >= min_cost * (1 - 1e-9)
