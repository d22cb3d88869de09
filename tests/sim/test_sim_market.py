"""Market math: frozen prices, the future price formula, funding alignment, seeded walks,
settlement at expiry, history consistent with the start."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import pytest
from simkit import FakeWall, frozen_scenario

from tui.sim.market import MS_PER_HOUR, SimMarket, quote_around
from tui.sim.scenario import DEFAULT_SCENARIO, Clock, load_scenario

DAY_S = 86_400.0
MOVING_START = datetime(2026, 2, 10, 13, 37, tzinfo=UTC)


def test_frozen_prices_are_exact_however_long_the_clock_runs(wall: FakeWall) -> None:
    market = SimMarket(frozen_scenario(), wall)
    wall.advance(3 * DAY_S)
    assert market.index_price("BTC") == 50000.0
    assert market.index_price("ETH") == 2500.0
    perp = market.contract("BTCUSDT")
    assert perp is not None
    snap = market.snapshot(perp)
    assert snap.mark == snap.index == 50000.0
    assert (snap.bid, snap.ask) == pytest.approx((49999.9, 50000.1))


def test_future_price_by_hand(wall: FakeWall) -> None:
    market = SimMarket(frozen_scenario(), wall)
    future = market.contract("BTCUSDT_260327")
    assert future is not None and future.contract_type == "CURRENT_QUARTER"
    # 2026-01-05 00:00 -> 2026-03-27 08:00 is 81 days and 8 hours.
    days = 81 + 8 / 24
    assert market.snapshot(future).mark == pytest.approx(50000 * (1 + 0.08 * days / 365))
    wall.advance(10 * DAY_S)
    days -= 10
    eth = market.contract("ETHUSDT_260327")
    assert eth is not None
    assert market.snapshot(eth).mark == pytest.approx(2500 * (1 + 0.06 * days / 365))


def test_funding_times_align_to_each_interval(wall: FakeWall) -> None:
    market = SimMarket(frozen_scenario(), wall)
    start = market.start_ms
    hours = {a.name: a.funding_interval_hours for a in market.assets}
    assert hours == {"BTC": 8, "ETH": 8, "SOL": 4, "DOGE": 1}
    for asset in market.assets:
        assert market.next_funding_ms(asset) == start + asset.funding_interval_hours * MS_PER_HOUR
    wall.advance(5 * 3600 + 1)  # 05:00:01
    nxt = {a.name: market.next_funding_ms(a) for a in market.assets}
    assert nxt["BTC"] == start + 8 * MS_PER_HOUR
    assert nxt["SOL"] == start + 8 * MS_PER_HOUR
    assert nxt["DOGE"] == start + 6 * MS_PER_HOUR
    # Exactly on a settlement, the next one is a whole interval later.
    wall.advance(3 * 3600 - 1)  # 08:00:00
    assert market.next_funding_ms(market.assets[0]) == start + 16 * MS_PER_HOUR
    assert all(
        market.funding_rate_at(a, t) == a.funding_rate
        for a in market.assets
        for t in market.funding_times(a, start - 7 * 86_400_000, market.now_ms())
    )


def test_speed_zero_freezes_the_clock(wall: FakeWall) -> None:
    market = SimMarket(frozen_scenario(speed=0), wall)
    before = market.now_ms()
    wall.advance(DAY_S)
    assert market.now_ms() == before


def moving(seed: int) -> SimMarket:
    """The default (moving) scenario at one sim minute per wall second, started at a pinned
    moment (the file says "now")."""
    scenario = load_scenario(DEFAULT_SCENARIO, now=MOVING_START)
    clock = Clock(start=scenario.start, speed=60)
    scenario = scenario.model_copy(update={"seed": seed, "clock": clock})
    return SimMarket(scenario, FakeWall())


def walk(market: SimMarket, steps: int) -> list[list[float]]:
    wall = market._wall_clock
    assert isinstance(wall, FakeWall)
    out = []
    for _ in range(steps):
        wall.advance(1.0)
        out.append([market.index_price(a.name) for a in market.assets])
    return out


def test_walk_is_reproducible_by_seed() -> None:
    a, b, c = walk(moving(1), 50), walk(moving(1), 50), walk(moving(2), 50)
    assert a == b
    assert a != c
    assert a[-1][0] != a[0][0]


def test_walk_is_correlated_as_configured() -> None:
    market = moving(3)
    path = walk(market, 1500)
    names = [x.name for x in market.assets]
    i, j = names.index("BTC"), names.index("ETH")
    ri = [math.log(path[k + 1][i] / path[k][i]) for k in range(len(path) - 1)]
    rj = [math.log(path[k + 1][j] / path[k][j]) for k in range(len(path) - 1)]
    mi, mj = sum(ri) / len(ri), sum(rj) / len(rj)
    cov = sum((x - mi) * (y - mj) for x, y in zip(ri, rj, strict=True))
    var_i = sum((x - mi) ** 2 for x in ri)
    var_j = sum((y - mj) ** 2 for y in rj)
    assert cov / math.sqrt(var_i * var_j) == pytest.approx(0.85, abs=0.06)


def test_history_ends_at_the_start_price() -> None:
    market = moving(4)
    btc = market.assets[0]
    assert market.minute_close("BTC", market.start_ms - 60_000) == pytest.approx(btc.price)
    older = market.minute_close("BTC", market.start_ms - 2 * 86_400_000)
    assert older is not None and older != pytest.approx(btc.price)
    assert market.minute_close("BTC", market.history_start_ms - 60_000) is None
    # Funding wanders when prices move, but the same settlement always has the same rate.
    t = market.start_ms - 8 * MS_PER_HOUR
    assert market.funding_rate_at(btc, t) == market.funding_rate_at(btc, t)
    assert market.funding_rate_at(btc, t) != btc.funding_rate


def test_future_settles_at_expiry_and_is_delisted(wall: FakeWall) -> None:
    market = SimMarket(frozen_scenario(speed=3600), wall)  # one sim hour per wall second
    symbols = {c.symbol for c in market.contracts()}
    assert "BTCUSDT_260327" in symbols
    wall.advance(81 * 24 + 7)  # 2026-03-27 07:00
    assert market.contract("BTCUSDT_260327") is not None
    wall.advance(2)  # 09:00, past the 08:00 settlement
    assert market.contract("BTCUSDT_260327") is None
    assert market.settled["BTCUSDT_260327"] == 50000.0
    assert market.contract("BTCUSDT") is not None


def test_quote_around_is_one_tick_each_side() -> None:
    assert quote_around(100.0, 0.01) == pytest.approx((99.99, 100.01))
    assert quote_around(100.004, 0.01) == pytest.approx((100.0, 100.01))
