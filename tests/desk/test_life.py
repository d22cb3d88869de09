"""A whole tilt's life on paper, with every number worked out by hand.

The worked example (docs/design.md §2): $100,000 at 50/50 tilted to 65/35 at 5× is buy 0.3 BTC and
sell 6 ETH. Quotes: BTC 50,000 (bid 49,990 / ask 50,010), ETH 2,500 (2,499 / 2,501); taker
fee 0.05 %; funding every 8 h.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from tui.core.models import TiltSpec
from tui.core.orders import OrderIntent
from tui.core.planner import plan_tilt
from tui.desk import Proposal

from ..core.test_planner import FIFTY_FIFTY
from .conftest import MARKETS, T0, book

SPEC = TiltSpec(targets={"BTC": 0.65, "ETH": 0.35}, leverage=5, window_days=45, instrument="perp")


def worked_plan(desk):
    collateral, source = desk.collateral()
    return plan_tilt(
        FIFTY_FIFTY, SPEC, MARKETS.values(), desk.quotes, venue="sim", now=desk.clock(),
        collateral_usd=collateral, collateral_source=source,
    )  # fmt: skip


async def open_worked_tilt(desk):
    """Observe the 00:00 book, propose and confirm the worked example."""
    desk.observe(
        book(50_000, 2_500, btc_rate=0.0001, eth_rate=0.0002, next_funding=T0 + timedelta(hours=8))
    )
    proposal = desk.propose(worked_plan(desk), SPEC)
    outcome = await desk.confirm(proposal)
    return proposal, outcome


def rows(desk, table):
    return desk.store.read(table).to_dicts()


async def test_confirm_fills_the_worked_example(make_desk):
    desk = make_desk()
    proposal, outcome = await open_worked_tilt(desk)
    assert [(i.symbol, i.side, i.amount) for i in proposal.intents] == [
        ("BTC/USDT:USDT", "buy", "0.3"),
        ("ETH/USDT:USDT", "sell", "6"),
    ]
    assert outcome.filled == 2 and not outcome.rejected
    tilt = desk.open_tilt
    assert tilt is not None and tilt.status == "open"
    btc, eth = tilt.books["BTC/USDT:USDT"], tilt.books["ETH/USDT:USDT"]
    # Buy 0.3 at the ask 50,010; sell 6 at the bid 2,499.
    assert (btc.quantity, btc.entry_price) == (0.3, 50_010)
    assert (eth.quantity, eth.entry_price) == (-6.0, 2_499)
    # Fees: 0.3 × 50,010 × 0.0005 = 7.5015; 6 × 2,499 × 0.0005 = 7.497.
    assert btc.realized.fees == pytest.approx(7.5015)
    assert eth.realized.fees == pytest.approx(7.497)
    positions = {r["symbol"]: r["contracts"] for r in rows(desk, "positions")}
    assert positions == {"BTC/USDT:USDT": 0.3, "ETH/USDT:USDT": -6.0}
    legs = rows(desk, "legs")
    assert [(r["symbol"], r["side"], r["amount"]) for r in legs] == [
        ("BTC/USDT:USDT", "buy", "0.3"),
        ("ETH/USDT:USDT", "sell", "6"),
    ]
    [row] = rows(desk, "tilts")
    assert row["status"] == "open" and row["tilt_id"] == "T1"


async def test_records_are_causal_and_stamped_by_one_clock(make_desk, clock):
    desk = make_desk()
    await open_worked_tilt(desk)
    audit = rows(desk, "audit")
    kinds = [r["kind"] for r in audit]
    assert kinds == ["proposal", "confirm", "fill", "fill"]
    stamps = [r["ts"] for r in audit]
    assert stamps == sorted(stamps) and len(set(stamps)) == len(stamps)
    confirm_at = audit[1]["ts"]
    orders = rows(desk, "orders")
    assert all(o["created_at"] == confirm_at for o in orders)
    fills = rows(desk, "fills")
    assert all(f["ts"] > confirm_at for f in fills)
    # The clock stood still at 00:00: every stamp is within microseconds of it.
    assert all(abs((s - T0).total_seconds()) < 0.001 for s in stamps)


async def test_a_whole_life_funding_partial_reduce_and_close(make_desk, clock):
    desk = make_desk()
    await open_worked_tilt(desk)
    tilt = desk.open_tilt

    # 08:00 settlement at the published 00:00 rates and marks:
    # BTC −0.3 × 50,000 × 0.0001 = −1.50; ETH −(−6) × 2,500 × 0.0002 = +3.00.
    paid = desk.settle_funding(clock.at(hours=8))
    assert [(p["symbol"], p["amount_usd"], p["source"]) for p in paid] == [
        ("BTC/USDT:USDT", pytest.approx(-1.50), "observed"),
        ("ETH/USDT:USDT", pytest.approx(3.00), "observed"),
    ]
    # Rates published for 16:00: BTC 0.0002 at 51,000; ETH −0.0001 at 2,400.
    desk.observe(
        book(
            51_000, 2_400, btc_rate=0.0002, eth_rate=-0.0001, next_funding=T0 + timedelta(hours=16)
        )
    )
    # BTC −0.3 × 51,000 × 0.0002 = −3.06; ETH −(−6) × 2,400 × (−0.0001) = −1.44.
    paid = desk.settle_funding(clock.at(hours=16))
    assert [p["amount_usd"] for p in paid] == [pytest.approx(-3.06), pytest.approx(-1.44)]
    assert desk.settle_funding(clock.at(hours=16, minutes=1)) == []  # nothing twice

    # 16:30 a partial reduce: sell 0.1 BTC at the bid 50,990 (index 51,000).
    clock.at(hours=16, minutes=30)
    reduce = OrderIntent(
        client_order_id="pa-T1-o1.0", tilt_id="T1", asset="BTC", symbol="BTC/USDT:USDT",
        side="sell", amount="0.1", price=51_000, purpose="open",
    )  # fmt: skip
    outcome = await desk.confirm(Proposal("T1", "adjust", 1, [reduce], "reduce BTC"))
    assert outcome.filled == 1
    btc = tilt.books["BTC/USDT:USDT"]
    # Realized 0.1 × (50,990 − 50,010) = 98.00: price 0.1 × (51,000 − 50,000) = 100.00 and
    # basis 98 − 100 = −2.00; fee 0.1 × 50,990 × 0.0005 = 2.5495. Entry stays 50,010.
    assert btc.quantity == pytest.approx(0.2) and btc.entry_price == 50_010
    assert btc.realized.price == pytest.approx(100.0)
    assert btc.realized.basis == pytest.approx(-2.0)

    # 2026-01-06 00:00: BTC 0.0001 at 52,000 on the 0.2 now held → −1.04; ETH 0.0001 at
    # 2,450 → +1.47.
    desk.observe(
        book(52_000, 2_450, btc_rate=0.0001, eth_rate=0.0001, next_funding=T0 + timedelta(hours=24))
    )
    paid = desk.settle_funding(clock.at(hours=24))
    assert [(p["quantity"], p["amount_usd"]) for p in paid] == [
        (pytest.approx(0.2), pytest.approx(-1.04)),
        (-6.0, pytest.approx(1.47)),
    ]

    # 01:00 the unwind: sell 0.2 BTC at 51,990, buy 6 ETH at 2,451.
    clock.at(hours=25)
    proposal = desk.propose_unwind("window review")
    assert proposal is not None
    assert [(i.symbol, i.side, i.amount, i.reduce_only) for i in proposal.intents] == [
        ("BTC/USDT:USDT", "sell", "0.2", True),
        ("ETH/USDT:USDT", "buy", "6", True),
    ]
    assert desk.open_tilt.status == "exit_proposed"
    outcome = await desk.confirm(proposal)
    assert outcome.filled == 2
    assert tilt.status == "closed" and desk.open_tilt is None
    r = tilt.realized()
    # Price: BTC 100 + 0.2 × (52,000 − 50,000) = 500; ETH −6 × (2,450 − 2,500) = +300 → 800.
    # Basis: BTC −2 + (0.2 × 1,980 − 400 = −4) = −6; ETH (−6 × −48 = 288) − 300 = −12 → −18.
    # Funding: −1.50 + 3.00 − 3.06 − 1.44 − 1.04 + 1.47 = −2.57.
    # Fees: 7.5015 + 7.497 + 2.5495 + 0.2 × 51,990 × 0.0005 (5.199) + 6 × 2,451 × 0.0005
    # (7.353) = 30.10. Total 800 − 18 − 2.57 − 30.10 = 749.33.
    assert r.price == pytest.approx(800.0)
    assert r.basis == pytest.approx(-18.0)
    assert r.funding == pytest.approx(-2.57)
    assert r.fees == pytest.approx(30.10)
    assert r.total == pytest.approx(749.33)
    [row] = rows(desk, "tilts")
    assert row["status"] == "closed"
    assert row["realized_pnl_usd"] == pytest.approx(749.33)
    assert row["realized_funding_usd"] == pytest.approx(-2.57)
    assert rows(desk, "positions") == []
    assert sum(p["amount_usd"] for p in rows(desk, "funding_payments")) == pytest.approx(-2.57)
    # After the close nothing settles any more.
    assert desk.settle_funding(clock.at(hours=48)) == []


async def test_funding_is_nothing_while_flat(make_desk, clock):
    """A leg closed on 5 Jan and reopened on 8 Jan pays only while held."""
    desk = make_desk()
    await open_worked_tilt(desk)
    desk.observe(
        book(50_000, 2_500, btc_rate=0.0001, eth_rate=0.0001, next_funding=T0 + timedelta(hours=8))
    )
    assert len(desk.settle_funding(clock.at(hours=8))) == 2
    clock.at(hours=9)  # close BTC only
    out = OrderIntent(client_order_id="pa-T1-o1.0", tilt_id="T1", asset="BTC",
                      symbol="BTC/USDT:USDT", side="sell", amount="0.3", price=50_000)  # fmt: skip
    await desk.confirm(Proposal("T1", "adjust", 1, [out], "flatten BTC"))
    clock.at(days=3, hours=1)  # reopen BTC on 8 Jan 01:00
    back = OrderIntent(client_order_id="pa-T1-o2.0", tilt_id="T1", asset="BTC",
                       symbol="BTC/USDT:USDT", side="buy", amount="0.3", price=50_000)  # fmt: skip
    await desk.confirm(Proposal("T1", "adjust", 2, [back], "reopen BTC"))
    # Quotes now point at the 8th 16:00: settlements before it that nobody observed are
    # booked at the latest rate and marked estimated.
    desk.observe(book(50_000, 2_500, btc_rate=0.0001, eth_rate=0.0001,
                      next_funding=T0 + timedelta(days=3, hours=16)))  # fmt: skip
    paid = desk.settle_funding(clock.at(days=3, hours=8))
    assert {p["source"] for p in paid} == {"estimated"}
    btc = [p["ts"] for p in paid if p["symbol"] == "BTC/USDT:USDT"]
    eth = [p["ts"] for p in paid if p["symbol"] == "ETH/USDT:USDT"]
    # ETH was held throughout: 16:00, 00:00 ×3 days … 08:00 on the 8th = 9 settlements.
    assert len(eth) == 9
    # BTC was flat from 09:00 on the 5th to 01:00 on the 8th: only 08:00 on the 8th.
    assert btc == [T0 + timedelta(days=3, hours=8)]


async def test_double_confirm_sends_each_leg_once(make_desk):
    desk = make_desk()
    proposal, _ = await open_worked_tilt(desk)
    again = await desk.confirm(proposal)
    assert not again.sent
    paper = rows(desk, "paper_orders")
    assert len(paper) == 2 and len({r["client_order_id"] for r in paper}) == 2


async def test_the_next_proposal_is_planned_on_top_of_what_is_open(make_desk):
    desk = make_desk()
    await open_worked_tilt(desk)
    plan = plan_tilt(
        FIFTY_FIFTY, SPEC, MARKETS.values(), desk.quotes, venue="sim", now=desk.clock(),
        overlay=desk.overlay(),
    )  # fmt: skip
    # The same targets on top of the open legs: BTC 0.3 × 50,000 = 15,000 of 15,000 held;
    # nothing left to send (a residual under one lot step at most).
    assert plan.sendable() == []


async def test_back_out_and_discard_send_nothing(make_desk):
    desk = make_desk()
    desk.observe(
        book(50_000, 2_500, btc_rate=0.0001, eth_rate=0.0002, next_funding=T0 + timedelta(hours=8))
    )
    proposal = desk.propose(worked_plan(desk), SPEC)
    desk.back_out(proposal)
    assert (await desk.confirm(proposal)).sent is False
    desk.discard(worked_plan(desk), SPEC)
    assert rows(desk, "orders") == [] and rows(desk, "paper_orders") == []
    assert [r["status"] for r in rows(desk, "tilts")] == ["discarded"]
    assert desk.open_tilt is None
