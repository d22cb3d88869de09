"""What the main screen's trading keys do: review (``c``, ``u``), confirm, discard.

Plain functions of the screen (no mixin) over the desk: the desk makes the proposal and
journals it; the review modal shows exactly its orders; only ``y`` (or Confirm pressed on
purpose) hands it back to the desk, in a worker, and the outcome comes back as a message.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.message import Message

from tui.app.modals.confirm import ConfirmOrders

if TYPE_CHECKING:
    from tui.app.screens.main import MainScreen
    from tui.desk import Outcome, Proposal


class OrdersDone(Message):
    """The desk finished a confirmed batch: what it booked, in one line."""

    def __init__(self, outcome: Outcome) -> None:
        super().__init__()
        self.outcome = outcome


def review_plan(screen: MainScreen) -> None:
    """Propose the plan shown (a new tilt, or an adjustment of the open one) for review."""
    plan, spec, desk = screen.view.plan, screen.view.tilt, screen.desk
    if plan is None or spec is None:
        screen.notify("No proposal to confirm: build a tilt first.", severity="warning")
        return
    if desk is None:
        screen.notify("The state store is still opening.", severity="warning")
        return
    review(screen, desk.propose(plan, spec, blocked=screen.view.confirm_blockers(plan)))


def review_unwind(screen: MainScreen) -> None:
    """Propose the reduce-only orders that flatten the open tilt, for review."""
    desk = screen.desk
    proposal = desk.propose_unwind("unwind asked") if desk is not None else None
    if proposal is None:
        screen.notify("No open tilt to unwind.", severity="warning")
        return
    if not proposal.blocked and screen.view.feed_state in ("offline", "stale"):
        proposal.blocked = f"the venue is {screen.view.feed_state}; prices are not live"
    review(screen, proposal)


def review(screen: MainScreen, proposal: Proposal) -> None:
    """Show the review; orders go only on ``y`` (or Confirm pressed on purpose)."""

    def answered(confirmed: bool | None) -> None:
        desk = screen.desk
        if desk is None:
            return
        if confirmed:
            screen.run_worker(send(screen, proposal), group="orders", exit_on_error=False)
        else:
            desk.back_out(proposal)
            screen.view.dirty_active = True

    modal = ConfirmOrders(
        proposal.intents,
        proposal.warnings,
        mode=screen.view.mode,
        summary=proposal.summary,
        blocked=proposal.blocked,
    )
    screen.app.push_screen(modal, answered)


async def send(screen: MainScreen, proposal: Proposal) -> None:
    """Hand the confirmed proposal to the desk; post what it booked."""
    desk = screen.desk
    if desk is None:
        return
    outcome = await desk.confirm(proposal)
    screen.post_message(OrdersDone(outcome))


def orders_done(screen: MainScreen, outcome: Outcome) -> None:
    """Say what happened, and re-plan on top of it."""
    trouble = bool(outcome.rejected or outcome.unknown) or not outcome.sent
    screen.notify(
        outcome.message, title="Orders", severity="warning" if trouble else "information", timeout=8
    )
    if screen.desk is not None and screen.desk.open_tilt is None:
        screen.view.alerted.clear()
    screen.plan_now()
    screen.render_all()


def discard(screen: MainScreen) -> None:
    """Archive the proposal without sending anything."""
    plan, desk = screen.view.plan, screen.desk
    if plan is None or desk is None:
        screen.notify("Nothing to discard.", severity="warning")
        return
    desk.discard(plan, screen.view.tilt)
    screen.view.discarded = True
    screen.plan_now()
    screen.notify("Proposal discarded; nothing was sent.")
