"""Restart in every state of a tilt's life: what was open comes back exactly once.

A crash is played in-process: the executor raises `Crash` at a chosen point, and the store is
let go without flushing (as ``kill -9`` would leave it); a new store and desk then restore.
The SIGKILL test of a real subprocess is in ``test_kill.py``.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from tui.desk import Desk
from tui.engine.paper import PaperExecutor

from .conftest import MARKETS, T0, book
from .test_life import SPEC, open_worked_tilt, rows, worked_plan


class Crash(BaseException):
    """The process died here."""


class DyingPaper(PaperExecutor):
    """Paper that dies on its ``n``-th order: before filling it, or just after."""

    def __init__(self, *args, die_on: int, after_fill: bool, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.die_on = die_on
        self.after_fill = after_fill
        self.count = 0

    async def submit(self, intent, quote):
        self.count += 1
        if self.count == self.die_on and not self.after_fill:
            raise Crash
        execution = self.fill(intent, quote)
        if self.count == self.die_on:
            raise Crash
        return execution


def crash(desk: Desk) -> None:
    desk.store._abandon()


async def restart(make_desk):
    desk = make_desk()
    notes = await desk.restore()
    return desk, notes


def consistent(desk: Desk) -> None:
    """Every fill has its order, positions are the signed sum of fills, each fill audited."""
    orders = {r["client_order_id"]: r for r in rows(desk, "orders")}
    fills = rows(desk, "fills")
    assert all(f["client_order_id"] in orders for f in fills)
    summed: dict[str, float] = {}
    for f in fills:
        summed[f["symbol"]] = summed.get(f["symbol"], 0.0) + (
            f["amount"] if f["side"] == "buy" else -f["amount"]
        )
    summed = {s: round(q, 9) for s, q in summed.items() if abs(q) > 1e-9}
    positions = {r["symbol"]: round(r["contracts"], 9) for r in rows(desk, "positions")}
    assert positions == summed
    fill_audits = [a for a in rows(desk, "audit") if a["kind"] == "fill"]
    assert len(fill_audits) == len(fills)
    paper = [r["client_order_id"] for r in rows(desk, "paper_orders")]
    assert len(paper) == len(set(paper)), "an order was sent twice"


async def test_open_tilt_comes_back_with_its_books(make_desk, clock):
    desk = make_desk()
    await open_worked_tilt(desk)
    desk.settle_funding(clock.at(hours=8))
    desk.store.close()
    desk, notes = await restart(make_desk)
    tilt = desk.open_tilt
    assert tilt is not None and tilt.status == "open" and tilt.tilt_id == "T1"
    assert tilt.books["BTC/USDT:USDT"].quantity == pytest.approx(0.3)
    assert tilt.books["ETH/USDT:USDT"].entry_price == 2_499
    # Funding paid before the restart: −1.50 + 3.00.
    assert tilt.realized().funding == pytest.approx(1.50)
    assert notes[0].startswith("restored tilt T1 (open)")
    assert not any(n.startswith("difference") for n in notes)
    # The next settlement continues from 08:00, not from the first fill.
    desk.observe(book(50_000, 2_500, btc_rate=0.0001, eth_rate=0.0002,
                      next_funding=T0 + timedelta(hours=16)))  # fmt: skip
    paid = desk.settle_funding(clock.at(hours=16))
    assert [p["ts"] for p in paid] == [T0 + timedelta(hours=16)] * 2
    consistent(desk)


async def test_the_same_targets_after_a_restart_propose_nothing(make_desk):
    desk = make_desk()
    await open_worked_tilt(desk)
    desk.store.close()
    desk, _ = await restart(make_desk)
    desk.observe(book(50_000, 2_500, btc_rate=0.0001, eth_rate=0.0002,
                      next_funding=T0 + timedelta(hours=8)))  # fmt: skip
    from tui.core.planner import plan_tilt

    from ..core.test_planner import FIFTY_FIFTY

    plan = plan_tilt(FIFTY_FIFTY, SPEC, MARKETS.values(), desk.quotes, venue="sim",
                     now=desk.clock(), overlay=desk.overlay())  # fmt: skip
    assert plan.sendable() == []


async def test_a_review_open_at_the_crash_is_discarded(make_desk):
    desk = make_desk()
    desk.observe(book(50_000, 2_500, btc_rate=0.0001, eth_rate=0.0002,
                      next_funding=T0 + timedelta(hours=8)))  # fmt: skip
    desk.propose(worked_plan(desk), SPEC)
    crash(desk)
    desk, _ = await restart(make_desk)
    assert desk.open_tilt is None
    assert [r["status"] for r in rows(desk, "tilts")] == ["discarded"]
    assert rows(desk, "orders") == []


@pytest.mark.parametrize(
    ("die_on", "after_fill", "filled_after"),
    [
        (1, False, 0),  # confirmed, first order never reached the paper venue
        (1, True, 1),  # the venue filled the first order; the desk did not hear back
        (2, False, 1),  # first leg booked, second never sent
        (2, True, 2),  # both filled at the venue, second not booked
    ],
)
async def test_a_crash_mid_confirm_is_resolved_by_asking_never_resending(
    make_desk, data_dir, clock, die_on, after_fill, filled_after
):
    from tui.store import Store

    store = Store.open(data_dir)
    paper = DyingPaper(store, "sim", MARKETS, clock=clock, die_on=die_on, after_fill=after_fill)
    desk = Desk(
        store, paper, venue="sim", clock=clock, tilt_ids=lambda _now: "T1", received_now=clock
    )
    desk.set_markets(MARKETS)
    with pytest.raises(Crash):
        await open_worked_tilt(desk)
    crash(desk)

    desk, notes = await restart(make_desk)
    orders = {r["symbol"]: r["status"] for r in rows(desk, "orders")}
    assert sum(s == "filled" for s in orders.values()) == filled_after
    assert set(orders.values()) <= {"filled", "failed"}
    assert len(rows(desk, "fills")) == filled_after
    tilt_row = rows(desk, "tilts")[0]
    if filled_after == 0:
        assert tilt_row["status"] == "failed" and desk.open_tilt is None
    else:
        assert tilt_row["status"] == "open"
        assert (tilt_row["note"] or "").startswith(
            "unbalanced" if filled_after == 1 else "every leg"
        )
    assert any("not resent" in n or "booked after restart" in n for n in notes)
    consistent(desk)
    # A second restart changes nothing.
    fills_before = rows(desk, "fills")
    desk.store.close()
    again, notes2 = await restart(make_desk)
    assert rows(again, "fills") == fills_before
    assert not any("not resent" in n or "after restart" in n for n in notes2)
    consistent(again)


async def test_an_exit_review_open_at_the_crash_leaves_the_tilt_open(make_desk):
    desk = make_desk()
    await open_worked_tilt(desk)
    desk.propose_unwind()
    crash(desk)
    desk, _ = await restart(make_desk)
    assert desk.open_tilt is not None and desk.open_tilt.status == "open"


async def test_a_closed_tilt_stays_closed(make_desk):
    desk = make_desk()
    await open_worked_tilt(desk)
    await desk.confirm(desk.propose_unwind())
    desk.store.close()
    desk, notes = await restart(make_desk)
    assert desk.open_tilt is None and notes == []
    assert rows(desk, "positions") == []
    consistent(desk)


async def test_a_difference_with_the_venue_is_shown_not_overwritten(make_desk, clock):
    desk = make_desk()
    await open_worked_tilt(desk)
    # Someone traded on the venue behind the desk's back.
    from tui.core.orders import OrderIntent

    stray = OrderIntent(client_order_id="manual-1", tilt_id="?", asset="BTC",
                        symbol="BTC/USDT:USDT", side="buy", amount="0.3", price=50_000)  # fmt: skip
    desk.executor.fill(stray, desk.quotes["BTC/USDT:USDT"])
    desk.store.close()
    desk, notes = await restart(make_desk)
    assert any(
        n.startswith("difference on BTC/USDT:USDT: books +0.3, paper venue +0.6") for n in notes
    )
    assert desk.open_tilt.books["BTC/USDT:USDT"].quantity == pytest.approx(0.3)
