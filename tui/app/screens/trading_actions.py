"""What the main screen's trading keys do: review (``c``, ``u``), confirm, discard.

Plain functions of the screen (no mixin) over the desk: the desk makes the proposal and
journals it; the review modal shows exactly its orders; only ``y`` (or Confirm pressed on
purpose) hands it back to the desk, in a worker, and the outcome comes back as a message.
A write the store refuses (a full disk) is said in one line: what it stopped did not happen
(a proposal not journaled is not shown; orders not journaled are not sent).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.message import Message

from tui.app.modals.confirm import ConfirmOrders
from tui.app.store_faults import store_guard

if TYPE_CHECKING:
    from tui.app.screens.host import ScreenHost
    from tui.desk import Outcome, Proposal


class OrdersDone(Message):
    """The desk finished a confirmed batch: what it booked, in one line."""

    def __init__(self, outcome: Outcome) -> None:
        super().__init__()
        self.outcome = outcome


def review_plan(screen: ScreenHost) -> None:
    """Propose the plan shown (a new tilt, or an adjustment of the open one) for review."""
    plan, spec, desk = screen.view.plan, screen.view.tilt, screen.desk
    if plan is None or spec is None:
        screen.notify("No proposal to confirm: build a tilt first.", severity="warning")
        return
    if desk is None:
        screen.notify("The state store is still opening.", severity="warning")
        return
    with store_guard(screen.pa, "Not proposed"):
        review(screen, desk.propose(plan, spec, blocked=screen.view.confirm_blockers(plan)))


def propose_exit(screen: ScreenHost, alert: str) -> None:
    """A stop hit, the window's end or a leg near liquidation: the desk proposes the unwind
    (recorded as ``exit_proposed``); it waits for the user's review and confirmation (u)."""
    desk = screen.desk
    if desk is None or "press u" not in alert or screen.pending_exit is not None:
        return
    with store_guard(screen.pa, "Exit not proposed (u proposes it)"):
        screen.pending_exit = desk.propose_unwind(alert.split(";")[0])
    screen.view.dirty_active = True


def review_unwind(screen: ScreenHost) -> None:
    """Propose the reduce-only orders that flatten the open tilt, for review."""
    desk = screen.desk
    pending, screen.pending_exit = screen.pending_exit, None
    proposal: Proposal | None = None
    if pending is not None and pending.state == "pending" and desk is not None:
        proposal = pending
    elif desk is not None and desk.open_tilt is not None:
        with store_guard(screen.pa, "Unwind not proposed"):
            proposal = desk.propose_unwind("unwind asked")
        if proposal is None:
            return  # said
    if proposal is None:
        screen.notify("No open tilt to unwind.", severity="warning")
        return
    if not proposal.blocked and screen.view.feed_state in ("offline", "stale"):
        proposal.blocked = f"the venue is {screen.view.feed_state}; prices are not live"
    review(screen, proposal)


def review_roll(screen: ScreenHost) -> None:
    """Propose the roll of the open tilt's dated future nearest expiry, for review."""
    desk = screen.desk
    tilt = desk.open_tilt if desk is not None else None
    futures = (
        sorted(
            (m.expiry, s)
            for s in tilt.holding()
            if (m := desk.markets.get(s)) is not None and m.expiry is not None
        )
        if desk is not None and tilt is not None
        else []
    )
    if desk is None or not futures:
        screen.notify("The open tilt holds no dated future to roll.", severity="warning")
        return
    with store_guard(screen.pa, "Roll not proposed"):
        proposal = desk.propose_roll(futures[0][1])
        if proposal is not None:
            review(screen, proposal)


def review_completion(screen: ScreenHost) -> None:
    """Propose the orders that complete an unbalanced open tilt, for review."""
    desk = screen.desk
    with store_guard(screen.pa, "Completion not proposed"):
        proposal = desk.propose_completion() if desk is not None else None
        if proposal is None:
            screen.notify(
                "The open tilt is not unbalanced: nothing to complete.", severity="warning"
            )
            return
        review(screen, proposal)


def toggle_halt(screen: ScreenHost) -> None:
    """``k``: halt at once; lift only after a yes."""
    from tui.app.modals.ask import AskYesNo

    desk = screen.desk
    if desk is None:
        return
    if not desk.halted:
        try:
            desk.halt("k pressed in the app")
        except OSError as exc:  # the HALT file: a full or read-only disk refuses it
            screen.show_halt()
            screen.notify(
                f"Halted for this session only: cannot write {desk.kill.path}: "
                f"{exc.strerror or exc}. A restart would not be halted.",
                title="HALTED",
                severity="error",
                timeout=20,
            )
            return
        except Exception as exc:  # the HALT file is written: orders are halted
            if not screen.pa.store_refused(exc, "Halted, but not in the audit log"):
                raise
        screen.show_halt()
        screen.notify(
            "New orders are halted (also after a restart). k again lifts it; "
            "the palette has 'Cancel all open orders'.",
            title="HALTED",
            severity="error",
            timeout=10,
        )
        return

    def answered(yes: bool | None) -> None:
        if yes and screen.desk is not None:
            try:
                screen.desk.lift_halt()
            except OSError as exc:
                screen.notify(
                    f"Halt not lifted: cannot remove {screen.desk.kill.path}: "
                    f"{exc.strerror or exc}",
                    severity="error",
                )
                return
            except Exception as exc:
                if not screen.pa.store_refused(exc, "Halt lifted, but not in the audit log"):
                    raise
            screen.show_halt()
            screen.notify("Halt lifted: orders can be confirmed again.")

    screen.app.push_screen(
        AskYesNo("Lift the halt?", f"Orders were halted: {desk.halted}.", yes_label="Lift"),
        answered,
    )


async def cancel_all(screen: ScreenHost) -> None:
    """Cancel every open order at the venue (allowed while halted)."""
    if screen.desk is not None:
        with store_guard(screen.pa, "Open orders canceled, but not in the audit log"):
            count = await screen.desk.cancel_all()
            screen.notify(f"{count} open orders canceled.")


def review(screen: ScreenHost, proposal: Proposal) -> None:
    """Show the review; orders go only on ``y`` (or Confirm pressed on purpose)."""

    def answered(confirmed: bool | None) -> None:
        desk = screen.desk
        if desk is None:
            return
        if confirmed:
            screen.run_worker(send(screen, proposal), group="orders", exit_on_error=False)
        else:
            with store_guard(screen.pa, "Backed out, nothing sent; not recorded"):
                desk.back_out(proposal)
            screen.view.dirty_active = True

    # A block that time can lift (stale prices, the feed down, a pre-trade check) is checked
    # again while the review is open; one that cannot (no leg to send, a planner blocker,
    # no perpetual to roll into) stays as it was said.
    transient = not proposal.blocked or proposal.blocked == passing_block(screen, proposal)
    modal = ConfirmOrders(
        proposal.intents,
        proposal.warnings,
        mode=screen.view.mode,
        summary=proposal.summary,
        blocked=proposal.blocked,
        recheck=(lambda: recheck_proposal(screen, proposal)) if transient else None,
    )
    screen.app.push_screen(modal, answered)


def passing_block(screen: ScreenHost, proposal: Proposal) -> str:
    """What blocks ``proposal`` now among the checks that pass with time: the feed's state
    and stale prices (as the view sees them), then the desk's pre-trade checks."""
    desk = screen.desk
    view = screen.view
    if proposal.plan is not None:
        feed = view.confirm_blockers(proposal.plan)
    elif view.feed_state in ("offline", "stale"):
        feed = f"the venue is {view.feed_state}; prices are not live"
    else:
        feed = ""
    if feed or desk is None or not proposal.intents:
        return feed
    tilt = desk.tilts.get(proposal.tilt_id)
    return str(desk.refusal(proposal.intents, tilt))


def recheck_proposal(screen: ScreenHost, proposal: Proposal) -> str:
    """Run the checks again; the proposal carries the answer (the desk reads it at confirm)."""
    if proposal.state == "pending":
        proposal.blocked = passing_block(screen, proposal)
    return str(proposal.blocked)


def recheck_review(screen: ScreenHost) -> None:
    """If a review is open, check its block again (fresh quotes can lift a stale one)."""
    modal = screen.app.screen
    if isinstance(modal, ConfirmOrders):
        modal.recheck()


async def send(screen: ScreenHost, proposal: Proposal) -> None:
    """Hand the confirmed proposal to the desk; post what it booked."""
    desk = screen.desk
    if desk is None:
        return
    try:
        outcome = await desk.confirm(proposal)
    except Exception as exc:
        # Journaled orders go out one by one: a refusal before them sent nothing; one while
        # booking stops the batch, and the next start asks the venue about what was sent.
        sent = proposal.state == "confirmed"
        doing = "Batch stopped; the next start asks the venue about it" if sent else "Nothing sent"
        if not screen.pa.store_refused(exc, doing):
            raise
        screen.plan_now()
        screen.render_all()
        return
    screen.post_message(OrdersDone(outcome))


def orders_done(screen: ScreenHost, outcome: Outcome) -> None:
    """Say what happened, and re-plan on top of it."""
    trouble = bool(outcome.rejected or outcome.unknown) or not outcome.sent
    screen.notify(
        outcome.message, title="Orders", severity="warning" if trouble else "information", timeout=8
    )
    tilt = screen.desk.open_tilt if screen.desk is not None else None
    if tilt is None:
        screen.view.alerted.clear()
    elif tilt.note.startswith("unbalanced"):
        screen.notify(
            f"{tilt.note}. Palette: 'Complete unbalanced tilt', or u to unwind.",
            title="Unbalanced",
            severity="warning",
            timeout=15,
        )
    screen.plan_now()
    screen.render_all()


def discard(screen: ScreenHost) -> None:
    """Archive the proposal without sending anything."""
    plan, desk = screen.view.plan, screen.desk
    if plan is None or desk is None:
        screen.notify("Nothing to discard.", severity="warning")
        return
    with store_guard(screen.pa, "Not discarded"):
        desk.discard(plan, screen.view.tilt)
        screen.view.discarded = True
        screen.plan_now()
        screen.notify("Proposal discarded; nothing was sent.")
