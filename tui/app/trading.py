"""Confirm, discard, execute and watch: the app's side of trading (a mixin of the app).

Nothing trades without `ConfirmOrders` returning ``True``. Proposals, confirmations,
back-outs, discards and fills all go to the audit log. Orders go to the paper executor.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from textual import work
from textual.message import Message

from tui.app import format as fmt
from tui.app.modals.confirm import ConfirmOrders
from tui.app.state import ActiveTilt
from tui.app.watch import watch_tilt
from tui.app.widgets.active_tilt import ActiveTiltPanel
from tui.app.widgets.legs import LegsPane
from tui.core.models import Plan

if TYPE_CHECKING:
    from tui.app.app import PortingAlphaApp
    from tui.core.orders import Fill


class OrdersFilled(Message):
    """The executor answered: fills (possibly fewer than the orders) or an error."""

    def __init__(
        self,
        tilt_id: str,
        plan: Plan | None,
        intents: list[Any],
        fills: list[Any],
        error: str = "",
        purpose: str = "open",
    ) -> None:
        super().__init__()
        self.purpose = purpose
        self.tilt_id = tilt_id
        self.plan = plan
        self.intents = intents
        self.fills = fills
        self.error = error


def new_tilt_id(now: datetime) -> str:
    """A readable, unique tilt id: ``T20260105-0000-3fa2``."""
    return f"T{now:%Y%m%d-%H%M}-{uuid.uuid4().hex[:4]}"


def confirm_blockers(app: PortingAlphaApp, plan: Plan) -> str:
    """Why confirming is refused right now (stale data, nothing to send), or ``""``."""
    s = app.state
    if not plan.sendable():
        return "no leg can be sent (every leg is below minimum or blocked)"
    if s.feed_state in ("offline", "stale"):
        return f"the venue is {s.feed_state}; prices are not live"
    stale = s.stale_symbols(app.clock()) & {leg.symbol for leg in plan.sendable()}
    if stale:
        return "stale prices for " + ", ".join(sorted(stale))
    if app.options.live:
        return "live orders are not wired into the app yet; restart without --live for paper"
    return ""


class TradingMixin:
    """Actions c (confirm), d (discard), u (unwind) and the active-tilt watch."""

    def action_confirm(self: PortingAlphaApp) -> None:  # type: ignore[misc]
        """Show exactly the orders that would be sent, and every warning."""
        plan = self.state.plan
        if plan is None:
            self.notify("No proposal to confirm: build a tilt first.", severity="warning")
            return
        from tui.core.orders import orders_for_plan

        tilt_id = self.tilt_id_factory(self.clock())
        intents: list[Any] = list(orders_for_plan(plan, tilt_id))
        blocked = confirm_blockers(self, plan)
        t = plan.totals
        summary = (
            f"Tilt {tilt_id} on {plan.venue} · base {fmt.usd(plan.base_usd)} · "
            f"{plan.window_days:g} d at {plan.leverage:g}× · net {fmt.usd(t.net_notional_usd, signed=True)}"
            f" · gross {fmt.usd(t.gross_notional_usd)} · margin {fmt.usd(t.margin_usd)}"
            f" · fees {fmt.usd_auto(t.fees_usd)} · carry {fmt.usd_auto(t.carry_usd, signed=True)}"
        )
        self.review_orders(tilt_id, plan, intents, plan.warnings, summary, blocked, "open")

    def review_orders(  # type: ignore[misc]
        self: PortingAlphaApp,
        tilt_id: str,
        plan: Plan | None,
        intents: list[Any],
        warnings: Sequence[str],
        summary: str,
        blocked: str,
        purpose: str,
    ) -> None:
        """Audit the proposal, show the confirm modal, send only on ``y``."""
        self.store.audit(
            "proposal",
            summary,
            tilt_id=tilt_id,
            orders=len(intents),
            warnings=len(warnings),
            blocked=blocked,
            purpose=purpose,
        )

        def done(confirmed: bool | None) -> None:
            if confirmed:
                self.store.audit("confirm", f"{len(intents)} orders confirmed", tilt_id=tilt_id)
                self.execute_orders(tilt_id, plan, intents, purpose)
            else:
                self.store.audit("info", "confirmation backed out; nothing sent", tilt_id=tilt_id)

        self.push_screen(
            ConfirmOrders(
                intents, warnings, mode=self.state.mode, summary=summary, blocked=blocked
            ),
            done,
        )

    @work(exclusive=True, group="orders", exit_on_error=False)
    async def execute_orders(
        self: PortingAlphaApp, tilt_id: str, plan: Plan | None, intents: list[Any], purpose: str
    ) -> None:
        """Send the confirmed orders to the paper executor; post what came back."""
        try:
            from tui.engine.paper import PaperExecutor

            if self.paper is None:
                self.paper = PaperExecutor(
                    self.store, self.state.venue, dict(self.state.markets), clock=self.clock
                )
            fills = self.paper.execute(intents, dict(self.state.quotes))
        except Exception as exc:  # the executor's error is shown, never swallowed
            error = f"{type(exc).__name__}: {exc}"
            self.post_message(OrdersFilled(tilt_id, plan, intents, [], error, purpose))
            return
        self.post_message(OrdersFilled(tilt_id, plan, intents, fills, purpose=purpose))

    def on_orders_filled(self: PortingAlphaApp, message: OrdersFilled) -> None:  # type: ignore[misc]
        """Record fills and make the tilt active."""
        if message.error:
            self.store.audit("error", f"execution failed: {message.error}", tilt_id=message.tilt_id)
            self.notify(message.error, title="Orders not executed", severity="error", timeout=10)
            return
        now = self.clock()
        positions = positions_from_fills(message.fills, self.state.markets)
        for fill in message.fills:
            self.store.audit(
                "fill",
                f"{fill.side} {fill.amount} {fill.symbol} @ {fill.price}",
                tilt_id=message.tilt_id,
            )
        if message.purpose == "close":
            self.store.audit("close", f"tilt {message.tilt_id} unwound", tilt_id=message.tilt_id)
            record_tilt(self.store, self.state.active, "closed", now)
            self.state.active = None
            self.state.alerted.clear()
            self.query_one(LegsPane).border_title = "Proposed legs"
            self.notify(f"tilt {message.tilt_id} closed", title="Unwound", timeout=6)
            self.plan_now()
            self.render_all()
            return
        if self.state.tilt is None or message.plan is None:
            return
        pair = self.state.pair()
        prices = self.state.prices()
        entry_spread = (
            prices[pair[0]] / prices[pair[1]]
            if pair and pair[1] in prices and pair[0] in prices
            else None
        )
        self.state.active = ActiveTilt(
            tilt_id=message.tilt_id,
            spec=self.state.tilt,
            plan=message.plan,
            entered_at=now,
            fills=list(message.fills),
            positions=positions,
            entry_spread=entry_spread,
            pair=pair,
        )
        self.state.spread_samples.clear()
        record_tilt(self.store, self.state.active, "active", now)
        self.notify(
            f"{len(message.fills)} fills · tilt {message.tilt_id} is active",
            title="Filled",
            timeout=6,
        )
        self.plan_now()
        self.render_all()

    def action_discard(self: PortingAlphaApp) -> None:  # type: ignore[misc]
        """Archive the proposal without sending anything."""
        plan = self.state.plan
        if plan is None:
            self.notify("Nothing to discard.", severity="warning")
            return
        self.store.audit(
            "discard", f"proposal of {len(plan.legs)} legs discarded", legs=len(plan.legs)
        )
        self.state.discarded = True
        self.plan_now()
        self.notify("Proposal discarded; nothing was sent.")

    def action_unwind(self: PortingAlphaApp) -> None:  # type: ignore[misc]
        """Propose closing the active tilt (the user still confirms)."""
        active = self.state.active
        if active is None:
            self.notify("No active tilt to unwind.", severity="warning")
            return
        from tui.core.orders import closing_orders

        contracts = {}
        for symbol, qty, _entry in active.positions.values():
            market = self.state.markets.get(symbol)
            contracts[symbol] = qty / (market.contract_size if market is not None else 1.0)
        intents = closing_orders(contracts, self.state.markets, active.tilt_id, self.state.quotes)
        blocked = "" if intents else "nothing left to close"
        if not blocked and self.state.feed_state in ("offline", "stale"):
            blocked = f"the venue is {self.state.feed_state}; prices are not live"
        summary = f"Unwind tilt {active.tilt_id}: reduce-only orders that flatten its legs"
        self.review_orders(active.tilt_id, None, intents, [], summary, blocked, "close")

    def render_active(self: PortingAlphaApp, now: datetime) -> None:  # type: ignore[misc]
        """Refresh the active tilt's watch (P&L, funding so far, spread, stop, time left)."""
        panel = self.query_one(ActiveTiltPanel)
        active = self.state.active
        if active is None:
            panel.show(None)
            return
        watch = watch_tilt(self.state, active, now)
        panel.show(watch)
        self.query_one(LegsPane).border_title = "Proposed legs (on top of the active tilt)"
        for alert in watch.alerts:
            if alert not in self.state.alerted:
                self.state.alerted.add(alert)
                self.notify(alert, title="Active tilt", severity="warning", timeout=10)


def record_tilt(store: Any, active: ActiveTilt | None, status: str, now: datetime) -> None:
    """Upsert the tilt's row in the store's ``tilts`` table (when the store has one)."""
    upsert = getattr(store, "upsert", None)
    if active is None or upsert is None:
        return
    row = {
        "tilt_id": active.tilt_id,
        "created_at": active.entered_at,
        "status": status,
        "venue": active.plan.venue,
        "spec_json": active.spec.model_dump_json(),
        "base_usd": active.plan.base_usd,
        "window_days": active.spec.window_days,
        "leverage": active.spec.leverage,
        "entry_at": active.entered_at,
        "closed_at": now if status == "closed" else None,
    }
    try:
        upsert("tilts", [row])
    except Exception as exc:  # a store problem is reported, never fatal to the watch
        store.audit(
            "error", f"could not record tilt {active.tilt_id}: {exc}", tilt_id=active.tilt_id
        )


def positions_from_fills(
    fills: Sequence[Fill], markets: dict[str, Any]
) -> dict[str, tuple[str, float, float]]:
    """asset → (symbol, signed base quantity, average price) from the fills."""
    out: dict[str, tuple[str, float, float]] = {}
    for fill in fills:
        symbol = fill.symbol
        market = markets.get(symbol)
        asset = market.base if market is not None else symbol.split("/")[0]
        size = market.contract_size if market is not None else 1.0
        qty = fill.amount * size
        qty = qty if fill.side == "buy" else -qty
        price = fill.price
        _, held, avg = out.get(asset, (symbol, 0.0, 0.0))
        total = held + qty
        avg = (held * avg + qty * price) / total if total else price
        out[asset] = (symbol, total, avg)
    return out


def time_left(active: ActiveTilt, now: datetime) -> timedelta:
    """What remains of the tactical window."""
    return active.entered_at + timedelta(days=active.spec.window_days) - now
