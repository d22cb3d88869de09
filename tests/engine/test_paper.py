"""The paper executor against a real store: fills at the touch with taker fees, its own book."""

from __future__ import annotations

from datetime import UTC, datetime

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
        symbol="BTC/USDT:USDT", mark=50_000, bid=49_990, ask=50_010, index=50_005, received_at=NOW
    ),
    "ETH/USDT:USDT": Quote(
        symbol="ETH/USDT:USDT", mark=2_500, bid=2_499, ask=2_501, received_at=NOW
    ),
}


@pytest.fixture
def store(tmp_path):
    with Store.open(tmp_path / "data") as opened:
        yield opened


async def test_fills_at_the_touch_with_taker_fee(store):
    paper = PaperExecutor(store, "sim", MARKETS, clock=lambda: NOW)
    btc_order, eth_order = orders_for_plan(worked_plan(), "T1")
    btc = await paper.submit(btc_order, BOOK[btc_order.symbol])
    eth = await paper.submit(eth_order, BOOK[eth_order.symbol])
    # Buy 0.3 at the ask 50,010: fee 0.3 × 50,010 × 0.05 % = 7.5015; index kept for the ledger.
    assert (btc.status, btc.filled, btc.average, btc.index_price) == ("filled", 0.3, 50_010, 50_005)
    assert btc.fee_usd == pytest.approx(7.5015)
    # Sell 6 at the bid 2,499: fee 6 × 2,499 × 0.05 % = 7.497.
    assert (eth.filled, eth.average) == (6.0, 2_499)
    assert eth.fee_usd == pytest.approx(7.497)
    assert await paper.positions() == {"BTC/USDT:USDT": 0.3, "ETH/USDT:USDT": -6.0}


async def test_slippage_moves_the_price_against_the_taker(store):
    paper = PaperExecutor(store, "sim", MARKETS, slippage_bps=10, clock=lambda: NOW)
    btc_order, eth_order = orders_for_plan(worked_plan(), "T1")
    # 10 bp: buy at 50,010 × 1.001 = 50,060.01; sell at 2,499 × 0.999 = 2,496.501.
    assert (await paper.submit(btc_order, BOOK[btc_order.symbol])).average == pytest.approx(
        50_060.01
    )
    assert (await paper.submit(eth_order, BOOK[eth_order.symbol])).average == pytest.approx(
        2_496.501
    )


async def test_no_price_is_a_rejection_and_the_book_answers_by_client_id(store):
    paper = PaperExecutor(store, "sim", MARKETS, clock=lambda: NOW)
    order = orders_for_plan(worked_plan(), "T1")[0]
    rejected = await paper.submit(order, None)
    assert (rejected.status, rejected.filled, rejected.reason) == (
        "rejected",
        0.0,
        "no price to fill at",
    )
    found = await paper.query(order.client_order_id)
    assert found is not None and found.status == "rejected"
    assert await paper.query("pa-never-sent") is None
    assert await paper.positions() == {}


async def test_closing_orders_flatten_the_paper_book(store):
    paper = PaperExecutor(store, "sim", MARKETS, clock=lambda: NOW)
    for order in orders_for_plan(worked_plan(), "T1"):
        await paper.submit(order, BOOK[order.symbol])
    held = await paper.positions()
    for order in closing_orders(held, MARKETS, "T1", BOOK):
        await paper.submit(order, BOOK[order.symbol])
    assert await paper.positions() == {}
