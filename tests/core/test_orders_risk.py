"""Order intents, pre-trade checks and the active tilt's risk math, against hand-computed values."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tui.core.models import TiltSpec
from tui.core.orders import client_order_id, closing_orders, orders_for_plan, pretrade_problems
from tui.core.planner import plan_tilt
from tui.core.risk import (
    Position,
    funding_since,
    pair_of,
    price_pnl,
    spread,
    spread_move,
    stop_status,
    time_left,
)

from .test_planner import BTC, ETH, FIFTY_FIFTY, NOW, QUOTES


def worked_plan():
    spec = TiltSpec(targets={"BTC": 0.65, "ETH": 0.35}, leverage=5, window_days=45)
    return plan_tilt(FIFTY_FIFTY, spec, [BTC, ETH], QUOTES, venue="t", now=NOW)


def test_orders_for_plan_are_exactly_the_ok_legs():
    intents = orders_for_plan(worked_plan(), "T1")
    assert [(i.symbol, i.side, i.amount, i.reduce_only) for i in intents] == [
        ("BTC/USDT:USDT", "buy", "0.3", False),
        ("ETH/USDT:USDT", "sell", "6", False),
    ]
    assert [i.client_order_id for i in intents] == ["pa-T1-o0", "pa-T1-o1"]


def test_below_minimum_legs_make_no_order():
    spec = TiltSpec(targets={"BTC": 0.5003, "ETH": 0.35}, leverage=5)
    plan = plan_tilt(FIFTY_FIFTY, spec, [BTC, ETH], QUOTES, venue="t", now=NOW)
    assert [i.symbol for i in orders_for_plan(plan, "T2")] == ["ETH/USDT:USDT"]


def test_client_order_id_fits_the_venue():
    assert len(client_order_id("T20260105-0000-3fa2", 12, "roll")) <= 36
    with pytest.raises(ValueError, match="longer than 36"):
        client_order_id("x" * 40, 0)


def test_closing_orders_are_reduce_only_and_opposite():
    markets = {"BTC/USDT:USDT": BTC, "ETH/USDT:USDT": ETH}
    intents = closing_orders({"BTC/USDT:USDT": 0.3, "ETH/USDT:USDT": -6.0}, markets, "T1", QUOTES)
    assert [(i.symbol, i.side, i.amount, i.reduce_only) for i in intents] == [
        ("BTC/USDT:USDT", "sell", "0.3", True),
        ("ETH/USDT:USDT", "buy", "6", True),
    ]


def test_pretrade_checks():
    markets = {"BTC/USDT:USDT": BTC, "ETH/USDT:USDT": ETH}
    intents = orders_for_plan(worked_plan(), "T1")
    fresh = {s: q.model_copy(update={"received_at": NOW}) for s, q in QUOTES.items()}
    assert pretrade_problems(intents, markets, fresh, now=NOW) == []
    # Stale prices block.
    later = NOW + timedelta(seconds=60)
    assert any("stale" in p for p in pretrade_problems(intents, markets, fresh, now=later))
    # A 10 % move since planning is outside the 5 % band.
    moved = {**fresh, "BTC/USDT:USDT": fresh["BTC/USDT:USDT"].model_copy(update={"mark": 55_000})}
    assert any("moved +10.0%" in p for p in pretrade_problems(intents, markets, moved, now=NOW))
    # The per-order cap: 0.3 BTC × 50,000 = 15,000 > 10,000.
    capped = pretrade_problems(intents, markets, fresh, now=NOW, max_order_usd=10_000)
    assert any("per-order cap" in p for p in capped)


def test_price_pnl_and_spread():
    long_btc = Position("BTC/USDT:USDT", "BTC", 0.3, 50_000)
    short_eth = Position("ETH/USDT:USDT", "ETH", -6.0, 2_500)
    # BTC +2 %: 0.3 × 1,000 = +300; ETH +4 %: −6 × 100 = −600.
    assert price_pnl(long_btc, 51_000) == pytest.approx(300)
    assert price_pnl(short_eth, 2_600) == pytest.approx(-600)
    assert pair_of([long_btc, short_eth]) == ("BTC", "ETH")
    entry = spread({"BTC": 50_000, "ETH": 2_500}, ("BTC", "ETH"))
    now = spread({"BTC": 51_000, "ETH": 2_600}, ("BTC", "ETH"))
    assert entry == pytest.approx(20.0)
    # 51,000 / 2,600 = 19.615…: the spread fell 1.923 % against the tilt.
    assert spread_move(entry, now) == pytest.approx(51_000 / 2_600 / 20 - 1)


def test_funding_since_entry():
    # Long 0.3 BTC at 50,000 entered 00:00, now 17:00: settlements at 08:00 and 16:00.
    long_btc = Position("BTC/USDT:USDT", "BTC", 0.3, 50_000)
    start = datetime(2026, 1, 5, tzinfo=UTC)
    paid = funding_since(long_btc, 0.0001, 8, start, start + timedelta(hours=17), 50_000)
    assert paid == pytest.approx(-15_000 * 0.0001 * 2)


def test_stop_distances():
    # Base 100,000, stop 2 % = 2,000 of loss; now −1,500: 500 left.
    status = stop_status(-1_500, 100_000, -0.01, stop_loss_pct=2, stop_spread_pct=5)
    assert status.loss_distance_usd == pytest.approx(500)
    assert status.spread_distance == pytest.approx(0.04)
    assert status.hit == ""
    hit = stop_status(-2_100, 100_000, None, stop_loss_pct=2, stop_spread_pct=None)
    assert "reached the stop" in hit.hit
    spread_hit = stop_status(0, 100_000, -0.06, stop_loss_pct=None, stop_spread_pct=5)
    assert "past the stop" in spread_hit.hit


def test_time_left():
    assert time_left(NOW, 45, NOW + timedelta(days=44)) == timedelta(days=1)
