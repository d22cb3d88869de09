"""The desk with the live executor: real ccxt against the simulator's signed endpoints.

The same desk as on paper; only the executor differs. Orders go out with their client ids,
a timeout is resolved by asking for the id (never resent), and a restart compares the books
with the venue's positions.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from tui.core.models import TiltSpec
from tui.core.orders import OrderFateUnknown, OrderIntent
from tui.core.planner import plan_tilt
from tui.desk import Desk, Proposal
from tui.desk.checks import Limits
from tui.engine.live import LiveExecutor
from tui.engine.markets import load_market_specs
from tui.engine.quotes import fetch_quotes
from tui.engine.venues import create_exchange
from tui.sim.server import SimServer
from tui.store import Store

from ..core.test_planner import FIFTY_FIFTY
from ..sim.simkit import CREDENTIALS, FakeWall, frozen_scenario
from .conftest import T0, HandClock

SPEC = TiltSpec(targets={"BTC": 0.65, "ETH": 0.35}, leverage=5, window_days=45, instrument="perp")


@pytest.fixture
async def venue() -> AsyncIterator[tuple[SimServer, Any]]:
    wall = FakeWall()
    async with SimServer(frozen_scenario(speed=0.0), wall_clock=wall) as sim:
        exchange = create_exchange("binanceusdm", sim_url=sim.url, credentials=CREDENTIALS)
        exchange.enableRateLimit = False
        try:
            yield sim, exchange
        finally:
            await exchange.close()


async def live_desk(store: Store, exchange: Any, clock: HandClock) -> Desk:
    specs = await load_market_specs(exchange, ["BTC", "ETH"])
    executor = LiveExecutor(exchange, "binanceusdm", specs, leverage=5)
    desk = Desk(
        store, executor, venue="binanceusdm", clock=clock, settle_funding=False, received_now=clock
    )
    desk.tilt_ids = lambda _now: "L1"
    desk.set_markets(specs)
    desk.observe(await fetch_quotes(exchange, specs, received_at=T0))
    return desk


async def test_a_live_tilt_opens_and_closes_through_ccxt(venue, tmp_path):
    _, exchange = venue
    clock = HandClock()
    with Store.open(tmp_path) as store:
        desk = await live_desk(store, exchange, clock)
        plan = plan_tilt(
        FIFTY_FIFTY, SPEC, desk.markets.values(), desk.quotes, venue="sim", now=T0,
        collateral_usd=1e5,
    )  # fmt: skip
        outcome = await desk.confirm(desk.propose(plan, SPEC))
        assert outcome.filled == 2, outcome.message
        positions = await desk.executor.positions()
        assert positions == desk.net_contracts()
        assert positions["BTC/USDT:USDT"] == pytest.approx(0.3)
        assert positions["ETH/USDT:USDT"] == pytest.approx(-6.0)
        # The venue set isolated margin and the tilt's leverage before the first order.
        risk = {p["symbol"]: p for p in await exchange.fetch_positions()}
        assert risk["BTC/USDT:USDT"]["leverage"] == 5
        orders = store.read("orders").to_dicts()
        assert {o["mode"] for o in orders} == {"live"}
        assert all(o["exchange_order_id"] for o in orders)
        close = desk.propose_unwind("test")
        assert close is not None
        await desk.confirm(close)
        assert desk.open_tilt is None
        assert await desk.executor.positions() == {}


async def test_a_rejection_is_booked_with_the_venues_reason(venue, tmp_path):
    _, exchange = venue
    with Store.open(tmp_path) as store:
        desk = await live_desk(store, exchange, HandClock())
        # $50 of BTC is under the simulated venue's $100 minimum order value.
        tiny = OrderIntent(client_order_id="pa-L1-o0", tilt_id="L1", asset="BTC",
                           symbol="BTC/USDT:USDT", side="buy", amount="0.001", price=50_000)  # fmt: skip
        outcome = await desk.confirm(Proposal("L1", "open", 0, [tiny], "tiny"))
        assert outcome.filled == 0 and "-4164" in outcome.rejected[0]
        [order] = store.read("orders").to_dicts()
        assert order["status"] == "rejected" and "-4164" in order["error"]
        assert desk.open_tilt is None


class TimesOutAfterSending(LiveExecutor):
    """The request reaches the venue, the answer is lost (``reached=True``), or the request
    never leaves (``reached=False``)."""

    def __init__(self, *args: Any, reached: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.reached = reached
        self.sent = 0

    async def submit(self, intent, quote):
        self.sent += 1
        if self.reached:
            await super().submit(intent, quote)
        raise OrderFateUnknown("RequestTimeout: binanceusdm POST fapi/v1/order timed out")


@pytest.mark.parametrize("reached", [True, False])
async def test_a_timeout_is_resolved_by_client_id_never_resent(venue, tmp_path, reached):
    sim, exchange = venue
    with Store.open(tmp_path) as store:
        desk = await live_desk(store, exchange, HandClock())
        flaky = TimesOutAfterSending(exchange, "binanceusdm", desk.markets, reached=reached)
        desk.executor = flaky
        order = OrderIntent(client_order_id="pa-L1-o0", tilt_id="L1", asset="BTC",
                            symbol="BTC/USDT:USDT", side="buy", amount="0.01", price=50_000)  # fmt: skip
        outcome = await desk.confirm(Proposal("L1", "open", 0, [order], "one"))
        assert flaky.sent == 1
        venue_orders = list(sim.account.orders.values())  # what the venue received
        [row] = store.read("orders").to_dicts()
        if reached:  # exactly one order at the venue, found by its id and booked
            assert len(venue_orders) == 1 and outcome.filled == 1
            assert row["status"] == "filled"
        else:  # the venue never got it: marked failed, not resent; a retry needs a new id
            assert venue_orders == [] and "never reached the venue" in outcome.rejected[0]
            assert row["status"] == "failed"


async def test_restart_compares_the_books_with_the_venue(venue, tmp_path):
    _, exchange = venue
    clock = HandClock()
    store = Store.open(tmp_path)
    desk = await live_desk(store, exchange, clock)
    plan = plan_tilt(
        FIFTY_FIFTY, SPEC, desk.markets.values(), desk.quotes, venue="sim", now=T0,
        collateral_usd=1e5,
    )  # fmt: skip
    await desk.confirm(desk.propose(plan, SPEC))
    store.close()
    # Someone trades on the venue while the app is down.
    await exchange.create_order("BTC/USDT:USDT", "market", "buy", 0.1)
    with Store.open(tmp_path) as store:
        again = await live_desk(store, exchange, clock)
        notes = await again.restore()
        assert again.open_tilt is not None and again.open_tilt.tilt_id == "L1"
        assert any(
            n.startswith("difference on BTC/USDT:USDT: books +0.3, live venue +0.4") for n in notes
        ), notes


async def test_a_rejection_for_margin_is_booked_and_nothing_is_held(venue, tmp_path):
    _, exchange = venue
    with Store.open(tmp_path) as store:
        desk = await live_desk(store, exchange, HandClock())
        # 12 BTC at 50,000 = $600,000 at 5× needs $120,000 of margin: the simulated account
        # holds 100,000 USDT, so the venue answers -2019 "Margin is insufficient."
        big = OrderIntent(client_order_id="pa-L1-o0", tilt_id="L1", asset="BTC",
                          symbol="BTC/USDT:USDT", side="buy", amount="12", price=50_000)  # fmt: skip
        desk.limits = Limits(max_order_usd=1e9, max_tilt_usd=1e9)  # the venue decides here
        outcome = await desk.confirm(Proposal("L1", "open", 0, [big], "too big"))
        assert outcome.filled == 0 and "-2019" in outcome.rejected[0]
        assert store.read("orders").to_dicts()[0]["status"] == "rejected"
        assert await desk.executor.positions() == {} and desk.open_tilt is None


async def test_live_funding_paid_is_what_the_venue_settled(tmp_path):
    """Hold a live tilt through a settlement: the ledger books the venue's own funding fee."""
    wall = FakeWall()
    # One wall second is one simulated hour: 9 s later the 08:00 settlement has passed.
    async with SimServer(frozen_scenario(speed=3600.0), wall_clock=wall) as sim:
        exchange = create_exchange("binanceusdm", sim_url=sim.url, credentials=CREDENTIALS)
        exchange.enableRateLimit = False
        try:
            with Store.open(tmp_path) as store:
                desk = await live_desk(store, exchange, HandClock())
                buy = OrderIntent(client_order_id="pa-L1-o0", tilt_id="L1", asset="BTC",
                                  symbol="BTC/USDT:USDT", side="buy", amount="0.3",
                                  price=50_000)  # fmt: skip
                assert (await desk.confirm(Proposal("L1", "open", 0, [buy], "long"))).filled == 1
                assert await desk.sync_funding() == []  # nothing settled yet
                wall.advance(9.0)
                paid = await desk.sync_funding()
                # Long 0.3 BTC at the 08:00 settlement, rate 0.0001 on a 50,000 mark: −1.50,
                # exactly what the simulated venue took from the wallet.
                assert [p["amount_usd"] for p in paid] == [pytest.approx(-1.5)]
                assert paid[0]["source"] == "venue" and paid[0]["quantity"] == pytest.approx(0.3)
                assert sim.account.funding == pytest.approx(-1.5)
                assert desk.open_tilt.realized().funding == pytest.approx(-1.5)
                assert await desk.sync_funding() == []  # booked once
        finally:
            await exchange.close()
