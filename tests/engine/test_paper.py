"""The paper executor against a real store: fills at the touch, fees, positions, funding."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tui.core.models import Quote
from tui.core.orders import closing_orders, orders_for_plan
from tui.engine.paper import PaperExecutor
from tui.store import Store

from ..core.test_orders_risk import worked_plan
from ..core.test_planner import BTC, ETH

NOW = datetime(2026, 1, 5, tzinfo=UTC)
MARKETS = {"BTC/USDT:USDT": BTC, "ETH/USDT:USDT": ETH}
BOOK = {
    "BTC/USDT:USDT": Quote(
        symbol="BTC/USDT:USDT", mark=50_000, bid=49_990, ask=50_010, funding_rate=0.0001
    ),
    "ETH/USDT:USDT": Quote(
        symbol="ETH/USDT:USDT", mark=2_500, bid=2_499, ask=2_501, funding_rate=0.0002
    ),
}


@pytest.fixture
def store(tmp_path):
    with Store.open(tmp_path / "data") as opened:
        yield opened


def test_fills_at_the_touch_with_taker_fee(store):
    paper = PaperExecutor(store, "sim", MARKETS, clock=lambda: NOW)
    fills = paper.execute(orders_for_plan(worked_plan(), "T1"), BOOK)
    btc, eth = fills
    # Buy 0.3 at the ask 50,010: fee 0.3 × 50,010 × 0.05 % = 7.5015.
    assert (btc.side, btc.amount, btc.price) == ("buy", 0.3, 50_010)
    assert btc.fee_usd == pytest.approx(7.5015)
    # Sell 6 at the bid 2,499: fee 6 × 2,499 × 0.05 % = 7.497.
    assert (eth.side, eth.amount, eth.price) == ("sell", 6.0, 2_499)
    assert eth.fee_usd == pytest.approx(7.497)
    orders = store.read("orders")
    assert sorted(orders["status"].to_list()) == ["filled", "filled"]
    assert len(store.read("fills")) == 2
    positions = {r["symbol"]: r for r in store.read("positions").to_dicts()}
    assert positions["BTC/USDT:USDT"]["contracts"] == pytest.approx(0.3)
    assert positions["ETH/USDT:USDT"]["contracts"] == pytest.approx(-6.0)
    assert positions["ETH/USDT:USDT"]["entry_price"] == pytest.approx(2_499)


def test_slippage_and_missing_price(store):
    paper = PaperExecutor(store, "sim", MARKETS, slippage_bps=10, clock=lambda: NOW)
    intents = orders_for_plan(worked_plan(), "T1")
    fills = paper.execute(intents, {"BTC/USDT:USDT": BOOK["BTC/USDT:USDT"]})
    # 10 bp over the ask: 50,010 × 1.001 = 50,060.01; ETH has no price and is rejected.
    assert len(fills) == 1 and fills[0].price == pytest.approx(50_060.01)
    statuses = dict(
        zip(store.read("orders")["symbol"], store.read("orders")["status"], strict=True)
    )
    assert statuses["ETH/USDT:USDT"] == "rejected"


def test_unwind_flattens_positions(store):
    paper = PaperExecutor(store, "sim", MARKETS, clock=lambda: NOW)
    paper.execute(orders_for_plan(worked_plan(), "T1"), BOOK)
    held = {r["symbol"]: r["contracts"] for r in store.read("positions").to_dicts()}
    paper.execute(closing_orders(held, MARKETS, "T1", BOOK), BOOK)
    after = {r["symbol"]: r["contracts"] for r in store.read("positions").to_dicts()}
    assert after == {"BTC/USDT:USDT": 0.0, "ETH/USDT:USDT": 0.0}


def test_funding_is_charged_at_each_settlement(store):
    paper = PaperExecutor(store, "sim", MARKETS, clock=lambda: NOW)
    paper.execute(orders_for_plan(worked_plan(), "T1"), BOOK)
    assert paper.settle_funding(BOOK, NOW) == []  # starts the clock
    payments = paper.settle_funding(BOOK, NOW + timedelta(hours=17))  # 08:00 and 16:00
    by_symbol: dict[str, float] = {}
    for p in payments:
        by_symbol[p["symbol"]] = by_symbol.get(p["symbol"], 0.0) + p["amount_usd"]
    # Long 0.3 BTC at mark 50,000 pays 15,000 × 0.0001 twice; short 6 ETH receives 15,000 × 0.0002 twice.
    assert by_symbol["BTC/USDT:USDT"] == pytest.approx(-3.0)
    assert by_symbol["ETH/USDT:USDT"] == pytest.approx(6.0)
    assert len(store.read("funding_payments")) == 4
