"""Exit proposals: a roll of an expiring dated future, and the watch's alerts."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tui.core.models import Quote
from tui.core.orders import OrderIntent
from tui.desk import Proposal

from ..core.test_planner import future
from .conftest import T0, book
from .test_life import SPEC

BTC_FUT = future("BTC", T0 + timedelta(days=1, hours=8), 0.001)


async def test_a_future_near_expiry_is_rolled_into_the_perp_on_confirmation(make_desk, clock):
    desk = make_desk()
    desk.set_markets({BTC_FUT.symbol: BTC_FUT})
    quotes = book(
        50_000, 2_500, btc_rate=0.0001, eth_rate=0.0001, next_funding=T0 + timedelta(hours=8)
    )
    quotes[BTC_FUT.symbol] = Quote(symbol=BTC_FUT.symbol, mark=50_100, bid=50_090, ask=50_110,
                                   index=50_000, received_at=T0)  # fmt: skip
    desk.observe(quotes)
    long_future = OrderIntent(client_order_id="pa-T1-o0", tilt_id="T1", asset="BTC",
                              symbol=BTC_FUT.symbol, side="buy", amount="0.3", price=50_100)  # fmt: skip
    await desk.confirm(Proposal("T1", "open", 0, [long_future], "future", spec=SPEC))
    watch = desk.watch(clock.at(hours=9))
    assert any("needs a roll" in a for a in watch.alerts)

    roll = desk.propose_roll(BTC_FUT.symbol)
    assert roll is not None and roll.blocked == ""
    assert [(i.symbol, i.side, i.amount, i.reduce_only) for i in roll.intents] == [
        (BTC_FUT.symbol, "sell", "0.3", True),
        ("BTC/USDT:USDT", "buy", "0.3", False),
    ]
    # Roll cost: 0.3 × 50,100 = $15,030 closed and reopened at 0.05 % taker each → $15.03.
    assert "roll cost ≈ $15.03" in roll.summary
    assert desk.open_tilt.status == "open"  # a roll is proposed, the tilt stays open
    outcome = await desk.confirm(roll)
    assert outcome.filled == 2
    held = {s: b.quantity for s, b in desk.open_tilt.holding().items()}
    assert held == {"BTC/USDT:USDT": pytest.approx(0.3)}


async def test_a_leg_near_liquidation_raises_an_alert(make_desk, clock):
    desk = make_desk()
    desk.observe(
        book(50_000, 2_500, btc_rate=0.0001, eth_rate=0.0001, next_funding=T0 + timedelta(hours=8))
    )
    buy = OrderIntent(client_order_id="pa-T1-o0", tilt_id="T1", asset="BTC",
                      symbol="BTC/USDT:USDT", side="buy", amount="0.3", price=50_000)  # fmt: skip
    await desk.confirm(Proposal("T1", "open", 0, [buy], "long", spec=SPEC))
    # 5× long of 0.3 entered at 50,010: margin 3,000.60; Binance's isolated formula with the
    # fallback bracket (MMR 0.4 %, cum 0): (3,000.60 − 0.3 × 50,010) / (0.3 × 0.004 − 0.3)
    # = −12,002.40 / −0.2988 = 40,168.67. At 43,000 that is 6.6 % away (< the 10 % alert).
    desk.observe(
        book(43_000, 2_500, btc_rate=0.0001, eth_rate=0.0001, next_funding=T0 + timedelta(hours=8))
    )
    watch = desk.watch(clock.at(hours=1))
    [leg] = watch.legs
    assert leg.liquidation_price == pytest.approx(40_168.67, abs=0.01)
    assert leg.liquidation_distance == pytest.approx((43_000 - leg.liquidation_price) / 43_000)
    assert leg.margin_usd == pytest.approx(0.3 * 50_010 / 5)
    assert any("from liquidation" in a for a in watch.alerts)


async def test_a_stop_hit_proposes_the_unwind_which_waits_for_confirmation(make_desk, clock):
    from tui.core.models import TiltSpec

    desk = make_desk()
    spec = TiltSpec(targets={"BTC": 0.65}, leverage=5, window_days=45, stop_loss_pct=0.01)
    desk.observe(
        book(50_000, 2_500, btc_rate=0.0001, eth_rate=0.0001, next_funding=T0 + timedelta(hours=8))
    )
    buy = OrderIntent(client_order_id="pa-T1-o0", tilt_id="T1", asset="BTC",
                      symbol="BTC/USDT:USDT", side="buy", amount="0.3", price=50_000)  # fmt: skip
    await desk.confirm(Proposal("T1", "open", 0, [buy], "long", spec=spec))
    # Base $100,000 (the tilt's base is the plan's; here the default 0 → set it): the stop is
    # 0.01 % of base = $10. A drop to 49,900 loses 0.3 × (49,900 − 50,010) = −$33 − fees.
    desk.open_tilt.base_usd = 100_000.0
    desk.observe(
        book(49_900, 2_500, btc_rate=0.0001, eth_rate=0.0001, next_funding=T0 + timedelta(hours=8))
    )
    watch = desk.watch(clock.at(minutes=5))
    assert watch.stop.hit and any(a.startswith("stop hit") for a in watch.alerts)
    exit_ = desk.propose_unwind("stop hit")
    assert desk.open_tilt.status == "exit_proposed"
    assert desk.store.read("orders").height == 1  # proposed, nothing sent
    outcome = await desk.confirm(exit_)
    assert outcome.filled == 1 and desk.open_tilt is None
    [row] = desk.store.read("tilts").to_dicts()
    assert row["status"] == "closed" and row["close_reason"] == "stop hit"


async def test_a_partial_fill_is_flagged_and_the_rest_proposed(make_desk, clock):
    from tui.core.orders import Execution

    desk = make_desk()
    paper = desk.executor
    real_submit = paper.submit

    async def half_of_the_first(intent, quote):  # the venue fills 0.15 of 0.3, then stops
        done = await real_submit(intent, quote)
        if intent.symbol == "BTC/USDT:USDT" and intent.client_order_id.endswith("o0"):
            return Execution(**{**done.model_dump(), "status": "partial", "filled": 0.15,
                                "fee_usd": done.fee_usd / 2})  # fmt: skip
        return done

    paper.submit = half_of_the_first
    from .test_life import open_worked_tilt

    await open_worked_tilt(desk)
    tilt = desk.open_tilt
    assert tilt.books["BTC/USDT:USDT"].quantity == pytest.approx(0.15)
    # 0.15 BTC unfilled at the 50,000 mark: +$7,500 of the long missing.
    assert tilt.note.startswith(
        "unbalanced: BTC/USDT:USDT 0.15 of 0.3 unfilled (residual +7,500 USD)"
    )
    rest = desk.propose_completion()
    assert rest is not None and rest.blocked == ""
    assert [(i.symbol, i.side, i.amount) for i in rest.intents] == [
        ("BTC/USDT:USDT", "buy", "0.15")
    ]
    assert rest.intents[0].client_order_id == "pa-T1-o1.0"  # a new id, never the old one
    assert (await desk.confirm(rest)).filled == 1
    assert tilt.books["BTC/USDT:USDT"].quantity == pytest.approx(0.3)
    assert tilt.note == "every leg filled" and desk.propose_completion() is None
