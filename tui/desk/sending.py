"""Sending one confirmed order, and the tilt a confirmation belongs to.

An order is sent once. On any doubt (a timeout, a dropped connection) the executor is asked
by client id, never sent the order again: what it says is booked; an order it never got is
failed (a retry is a new proposal with new ids); an order nobody can account for is journaled
as ``unknown`` for the restart to ask about.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from tui.core.orders import Execution, OrderIntent
from tui.core.risk import pair_of_plan
from tui.desk.tilt import Proposal, Tilt
from tui.store.store import audit_row

if TYPE_CHECKING:
    from tui.desk.state import DeskState


def tilt_for(desk: DeskState, proposal: Proposal, now: datetime) -> Tilt:
    """The tilt a confirmed proposal belongs to: the open one (an adjustment takes the new
    targets and adds its carry), or a new one in state ``confirmed``."""
    tilt = desk.tilts.get(proposal.tilt_id)
    if tilt is None:
        plan = proposal.plan
        tilt = Tilt(
            proposal.tilt_id,
            "confirmed",
            desk.venue,
            desk.mode,
            now,
            proposal.spec,
            plan.base_usd if plan is not None else 0.0,
        )
        desk.tilts[tilt.tilt_id] = tilt
        prices = desk.prices()
        if plan is not None:
            tilt.expected_carry_usd = plan.totals.carry_usd
            tilt.pair = pair_of_plan(plan)
        if tilt.pair and all(prices.get(a) for a in tilt.pair):
            tilt.entry_spread = prices[tilt.pair[0]] / prices[tilt.pair[1]]
    elif proposal.purpose == "adjust" and proposal.spec is not None:
        tilt.spec = proposal.spec  # the tilt now aims at the new targets
        if proposal.plan is not None:
            tilt.expected_carry_usd += proposal.plan.totals.carry_usd
    return tilt


async def send(desk: DeskState, intent: OrderIntent) -> Execution | None:
    """Send once; on any doubt ask by client id. ``None``: fate still unknown."""
    try:
        sent: Execution = await desk.executor.submit(intent, desk.quotes.get(intent.symbol))
        return sent
    except Exception as exc:  # a timeout or a dropped connection: never resend blindly
        error = f"{type(exc).__name__}: {exc}"
    found: Execution | None
    try:
        found = await desk.executor.query(intent.client_order_id, intent.symbol)
    except Exception as exc:
        found, error = None, f"{error}; lookup failed: {exc}"
    else:
        if found is None:
            # The venue answered that it never got the order: failed, not resent. A retry
            # is a new proposal with new client ids.
            return Execution(
                client_order_id=intent.client_order_id,
                status="failed",
                reason=f"never reached the venue ({error}); not resent",
            )
    if found is not None:
        return found
    now = desk.stamp()
    desk.store.record(
        {
            "orders": [
                {
                    "client_order_id": intent.client_order_id,
                    "status": "unknown",
                    "error": error,
                    "updated_at": now,
                }
            ],
            "audit": [
                audit_row(
                    "error",
                    f"{intent.client_order_id}: fate unknown ({error}); not resent",
                    tilt_id=intent.tilt_id,
                    ts=now,
                )
            ],
        }
    )
    return None
