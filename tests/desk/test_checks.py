"""Pre-trade checks and the kill switch: each refusal names its reason; nothing is sent."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tui.core.orders import OrderIntent
from tui.desk import Proposal
from tui.desk.checks import HALT_FILE, Limits

from .conftest import T0, book
from .test_life import SPEC, open_worked_tilt, rows, worked_plan


def observe_at_t0(desk) -> None:
    desk.observe(
        book(50_000, 2_500, btc_rate=0.0001, eth_rate=0.0002, next_funding=T0 + timedelta(hours=8))
    )


async def test_a_stale_price_blocks_the_review_and_the_confirm(make_desk, clock):
    desk = make_desk()
    desk.limits = Limits(max_quote_age_s=15.0)
    observe_at_t0(desk)  # quotes received at 00:00:00
    proposal = desk.propose(worked_plan(desk), SPEC)
    assert proposal.blocked == ""
    clock.at(seconds=20)  # the user waited 20 s on the review: prices are 20 s old
    outcome = await desk.confirm(proposal)
    assert not outcome.sent and "price is stale (20 s old)" in outcome.message
    assert rows(desk, "orders") == [] and rows(desk, "paper_orders") == []


async def test_the_kill_switch_halts_new_orders_and_survives_a_restart(make_desk, data_dir):
    desk = make_desk()
    observe_at_t0(desk)
    desk.halt("manual stop")
    assert (data_dir / HALT_FILE).read_text().startswith("manual stop")
    proposal = desk.propose(worked_plan(desk), SPEC)
    assert proposal.blocked.startswith("orders are halted (manual stop)")
    assert not (await desk.confirm(proposal)).sent
    desk.store.close()
    again = make_desk()
    await again.restore()
    assert again.halted == "manual stop"
    observe_at_t0(again)
    assert again.propose(worked_plan(again), SPEC).blocked.startswith("orders are halted")
    again.lift_halt()
    assert not (data_dir / HALT_FILE).exists()
    assert (await again.confirm(again.propose(worked_plan(again), SPEC))).filled == 2
    kinds = [a["kind"] for a in rows(again, "audit")]
    assert kinds.count("kill_switch") == 2


async def test_a_closing_order_may_never_flip_a_position(make_desk):
    desk = make_desk()
    await open_worked_tilt(desk)  # long 0.3 BTC
    flip = OrderIntent(client_order_id="pa-T1-c1.0", tilt_id="T1", asset="BTC",
                       symbol="BTC/USDT:USDT", side="sell", amount="0.5", price=50_000,
                       reduce_only=True, purpose="close")  # fmt: skip
    outcome = await desk.confirm(Proposal("T1", "close", 1, [flip], "flip"))
    assert not outcome.sent and "would not just reduce the +0.3 held" in outcome.message
    assert desk.open_tilt.books["BTC/USDT:USDT"].quantity == 0.3


async def test_the_per_order_and_per_tilt_caps(make_desk):
    desk = make_desk()
    desk.limits = Limits(max_order_usd=10_000.0, max_quote_age_s=1e9)
    observe_at_t0(desk)
    proposal = desk.propose(worked_plan(desk), SPEC)
    # Buy 0.3 BTC at 50,000 = $15,000 > $10,000.
    assert "$15,000 is above the per-order cap $10,000" in proposal.blocked
    desk.limits = Limits(max_tilt_usd=20_000.0, max_quote_age_s=1e9)
    proposal = desk.propose(worked_plan(desk), SPEC)
    # $15,000 of BTC + $15,000 of ETH = $30,000 gross > $20,000.
    assert "gross $30,000 is above its cap $20,000" in proposal.blocked


async def test_a_halt_the_disk_refuses_still_holds_in_this_session(
    make_desk, data_dir, monkeypatch
):
    import errno
    from pathlib import Path

    desk = make_desk()
    observe_at_t0(desk)
    write_text = Path.write_text

    def refuse(self, *args, **kwargs):  # a read-only disk, for the HALT file only
        if self.name == HALT_FILE:
            raise OSError(errno.EROFS, "Read-only file system")
        return write_text(self, *args, **kwargs)

    monkeypatch.setattr(Path, "write_text", refuse)
    with pytest.raises(OSError):
        desk.halt("manual stop")
    assert not (data_dir / HALT_FILE).exists()
    assert desk.halted == "manual stop"
    proposal = desk.propose(worked_plan(desk), SPEC)
    assert not (await desk.confirm(proposal)).sent
    assert rows(desk, "paper_orders") == []
    desk.lift_halt()
    assert not desk.halted
