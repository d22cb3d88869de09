"""The desk: the one owner of a tilt's life, headless (no Textual import).

It turns a plan into a proposal for review, journals the orders before any request, hands
them to the executor (paper or live: the only difference), books what came back into the
ledger, settles funding as it is paid, proposes the exit, and closes the tilt with its
realized P&L split. Every event is one journal record stamped by one clock, so a crash keeps
all of an event or none of it, and a restart (``restore``) brings back exactly what was
open — asking the executor, never resending, about any order whose fate is unknown.

The app is a view of this: it calls these methods and shows what they return.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from tui.core.models import MarketSpec, Plan, Quote, TiltSpec
from tui.core.orders import Execution, OrderIntent, closing_orders, orders_for_plan
from tui.core.portfolio import asset_prices
from tui.desk import books, records, sending
from tui.desk.checks import KillSwitch, Limits, order_problems, wall_now
from tui.desk.funding import FundingClerk
from tui.desk.restore import restore_desk
from tui.desk.tilt import Outcome, Proposal, Purpose, Tilt, new_tilt_id
from tui.desk.watch import TiltWatch, watch_tilt
from tui.store.store import audit_row

Clock = Callable[[], datetime]
#: The smallest step between two stamps: records of one event stay in causal order.
TICK = timedelta(microseconds=1)


class Executor(Protocol):
    """What the desk needs of an executor (``tui.engine.paper.PaperExecutor``, or live)."""

    mode: str

    async def submit(self, intent: OrderIntent, quote: Quote | None) -> Execution:
        """Send one order; raises ``OrderFateUnknown`` when it may or may not have arrived."""
        ...

    async def query(self, client_order_id: str, symbol: str) -> Execution | None:
        """What the venue did with ``client_order_id``; ``None`` if it never received it."""
        ...

    async def positions(self) -> dict[str, float]:
        """Signed contracts held per symbol on the venue."""
        ...


class Desk:
    """Proposals, confirmation, orders, the ledger, funding, exits, restart."""

    def __init__(
        self,
        store: Any,
        executor: Executor,
        *,
        venue: str,
        clock: Clock,
        settle_funding: bool = True,
        tilt_ids: Callable[[datetime], str] = new_tilt_id,
        limits: Limits | None = None,
        received_now: Callable[[], datetime] = wall_now,
        halt_dir: Path | None = None,
    ) -> None:
        self.store = store
        self.executor = executor
        self.venue = venue
        self.mode = executor.mode
        self.clock = clock
        self.tilt_ids = tilt_ids
        """Makes tilt ids (tests pin it so what they show is stable)."""
        self.markets: dict[str, MarketSpec] = {}
        self.quotes: dict[str, Quote] = {}
        self.tilts: dict[str, Tilt] = {}
        """Every tilt the desk knows of this session: those restored as open, and new ones."""
        self.notes: list[str] = []
        """What the user must hear: restored tilts, orders resolved, differences found."""
        self.funding = FundingClerk(self, enabled=settle_funding)
        self.limits = limits or Limits()
        self.received_now = received_now
        """The clock quotes' ``received_at`` is on (their age decides staleness)."""
        # The kill switch lives in the user's data directory, even when the store had to
        # open elsewhere: an emergency halt must never be missed.
        self.kill = KillSwitch(halt_dir or getattr(store, "data_dir", None))
        self.venue_balance: float | None = None
        """USDT free on the venue (live), read by `refresh_balance`."""
        self._last_stamp: datetime | None = None

    # -- the clock ------------------------------------------------------------------------

    def stamp(self) -> datetime:
        """Now, by the desk's one clock, strictly after every stamp before it (causal order
        even when the clock stands still or the app switches clocks)."""
        now = self.clock()
        if self._last_stamp is not None and now <= self._last_stamp:
            now = self._last_stamp + TICK
        self._last_stamp = now
        return now

    def last_stamp(self) -> datetime | None:
        """The latest stamp given (``None`` before the first)."""
        return self._last_stamp

    def seen(self, moment: datetime | None) -> None:
        """A time already on a record: later stamps come after it."""
        if moment is not None and (self._last_stamp is None or moment > self._last_stamp):
            self._last_stamp = moment

    # -- market data ------------------------------------------------------------------------

    def set_markets(self, markets: Mapping[str, MarketSpec]) -> None:
        """The venue's markets (contract sizes, instruments, intervals)."""
        self.markets.update(markets)

    def observe(self, quotes: Mapping[str, Quote]) -> None:
        """Fresh quotes: kept for pricing, and their funding rates for the settlement ahead."""
        self.quotes.update(quotes)
        self.funding.observe(quotes.values())

    def prices(self) -> dict[str, float]:
        """A spot price per asset (perpetual index, else mark)."""
        return asset_prices(self.markets.values(), self.quotes)

    # -- what is open ---------------------------------------------------------------------

    @property
    def open_tilt(self) -> Tilt | None:
        """The tilt that holds positions (one at a time: a new proposal adjusts it)."""
        live = [t for t in self.tilts.values() if t.live]
        return max(live, key=lambda t: t.created_at) if live else None

    def contract_size(self, symbol: str) -> float:
        """Base units per contract of ``symbol`` (1 when the market is unknown yet)."""
        market = self.markets.get(symbol)
        return market.contract_size if market is not None else 1.0

    def net_contracts(self) -> dict[str, float]:
        """Signed contracts per symbol over every open tilt."""
        out: dict[str, float] = {}
        for tilt in self.tilts.values():
            if not tilt.live:
                continue
            for symbol, book in tilt.books.items():
                size = book.contract_size
                out[symbol] = out.get(symbol, 0.0) + book.quantity / size
        return {s: round(q, 12) for s, q in out.items() if abs(q) > 1e-12}

    def overlay(self) -> dict[str, float]:
        """Signed futures notional per asset held by open tilts, at current prices: what the
        next proposal is planned on top of."""
        out: dict[str, float] = {}
        for tilt in self.tilts.values():
            if not tilt.live:
                continue
            for symbol, book in tilt.holding().items():
                quote = self.quotes.get(symbol)
                price = (quote.price if quote is not None else None) or book.entry_price
                out[book.asset] = out.get(book.asset, 0.0) + book.quantity * price
        return out

    def watch(self, now: datetime, stale: Iterable[str] = ()) -> TiltWatch | None:
        """The open tilt marked to market at ``now`` (``None`` when no tilt is open)."""
        tilt = self.open_tilt
        return None if tilt is None else watch_tilt(self, tilt, now, set(stale))

    # -- proposals --------------------------------------------------------------------------

    def propose(self, plan: Plan, spec: TiltSpec, *, blocked: str = "") -> Proposal:
        """The orders of ``plan`` for review: a new tilt, or an adjustment of the open one."""
        now = self.stamp()
        tilt = self.open_tilt
        purpose: Purpose = "open" if tilt is None else "adjust"
        tilt_id = self.tilt_ids(now) if tilt is None else tilt.tilt_id
        batch = 0 if tilt is None else tilt.batches
        intents = orders_for_plan(plan, tilt_id, batch)
        if not intents and not blocked:
            blocked = "no leg can be sent (every leg is below minimum or blocked)"
        blocked = blocked or "; ".join(plan.blockers) or self.refusal(intents, tilt)
        proposal = Proposal(
            tilt_id, purpose, batch, intents, records.plan_summary(tilt_id, plan, purpose),
            list(plan.warnings), blocked, plan, spec,
        )  # fmt: skip
        rows: dict[str, list[dict[str, Any]]] = {"audit": [records.proposal_audit(proposal, now)]}
        if tilt is None:
            fresh = Tilt(tilt_id, "proposed", self.venue, self.mode, now, spec, plan.base_usd)
            rows["tilts"] = [records.tilt_row(fresh, now)]
        self.store.record(rows)
        return proposal

    def propose_unwind(self, reason: str = "unwind") -> Proposal | None:
        """Reduce-only orders that flatten the open tilt, for review (``None``: no tilt)."""
        tilt = self.open_tilt
        if tilt is None:
            return None
        now = self.stamp()
        held = {s: b.quantity / b.contract_size for s, b in tilt.holding().items()}
        intents = closing_orders(
            held, self.markets, tilt.tilt_id, self.quotes, "close", tilt.batches
        )
        blocked = self.refusal(intents, tilt) if intents else "nothing left to close"
        summary = f"Unwind tilt {tilt.tilt_id} ({reason}): reduce-only orders that flatten its legs"
        proposal = Proposal(tilt.tilt_id, "close", tilt.batches, intents, summary, [], blocked)
        before = tilt.status, tilt.note
        tilt.status = "exit_proposed"
        tilt.note = f"exit proposed: {reason}"
        try:
            self.store.record(
                {
                    "tilts": [records.tilt_row(tilt, now)],
                    "audit": [records.proposal_audit(proposal, now)],
                }
            )
        except Exception:
            tilt.status, tilt.note = before  # not recorded (a full disk): not proposed
            raise
        return proposal

    def propose_roll(self, symbol: str) -> Proposal | None:
        """Close an expiring dated future of the open tilt and reopen it on the perpetual,
        for review (``None``: not a held dated future)."""
        from tui.desk.exits import roll_proposal

        return roll_proposal(self, symbol)

    def propose_completion(self) -> Proposal | None:
        """The orders that complete an unbalanced open tilt (what its last batch left
        unfilled), for review; `propose_unwind` is the other way out."""
        from tui.desk.exits import completion_proposal

        return completion_proposal(self)

    def back_out(self, proposal: Proposal) -> None:
        """The user backed out of the review: nothing is sent."""
        if proposal.state != "pending":
            return
        proposal.state = "backed_out"
        now = self.stamp()
        rows: dict[str, list[dict[str, Any]]] = {
            "audit": [
                audit_row(
                    "info", "review backed out; nothing sent", tilt_id=proposal.tilt_id, ts=now
                )
            ]
        }
        tilt = self.tilts.get(proposal.tilt_id)
        if proposal.purpose == "open":
            fresh = Tilt(proposal.tilt_id, "discarded", self.venue, self.mode, now, proposal.spec)
            rows["tilts"] = [records.tilt_row(fresh, now, note="backed out at review")]
        elif proposal.purpose == "close" and tilt is not None and tilt.status == "exit_proposed":
            tilt.status, tilt.note = "open", "exit backed out at review"
            rows["tilts"] = [records.tilt_row(tilt, now)]
        self.store.record(rows)

    def discard(self, plan: Plan, spec: TiltSpec | None) -> str:
        """Archive the proposal without sending anything; returns its tilt id."""
        now = self.stamp()
        tilt_id = self.tilt_ids(now)
        tilt = Tilt(tilt_id, "discarded", self.venue, self.mode, now, spec, plan.base_usd)
        tilt.note = f"proposal of {len(plan.legs)} legs discarded"
        self.store.record(
            {
                "tilts": [records.tilt_row(tilt, now)],
                "audit": [
                    audit_row("discard", tilt.note, tilt_id=tilt_id, ts=now, legs=len(plan.legs))
                ],
            }
        )
        return tilt_id

    # -- confirmation and execution ---------------------------------------------------------

    async def confirm(self, proposal: Proposal) -> Outcome:
        """Journal the proposal's orders, send each once, and book what comes back.

        Confirming the same proposal twice sends nothing the second time."""
        if proposal.state != "pending":
            return Outcome(proposal.tilt_id, message="already confirmed: nothing sent", sent=False)
        tilt = self.tilts.get(proposal.tilt_id)
        if not proposal.blocked and proposal.intents:
            # Time passed since the review opened: check again (prices, halt, limits).
            proposal.blocked = self.refusal(proposal.intents, tilt)
        if proposal.blocked or not proposal.intents:
            reason = proposal.blocked or "no orders"
            self.store.audit("warning", f"confirm refused: {reason}", tilt_id=proposal.tilt_id)
            return Outcome(proposal.tilt_id, message=f"not sent: {reason}", sent=False)
        proposal.state = "confirmed"
        now = self.stamp()
        known = self.tilts.get(proposal.tilt_id)
        kept = None if known is None else (known.batches, known.spec, known.expected_carry_usd)
        tilt = sending.tilt_for(self, proposal, now)
        spec = proposal.spec or tilt.spec
        if spec is not None and hasattr(self.executor, "leverage"):
            # A live venue takes the tilt's leverage per market before its first order.
            self.executor.leverage = int(spec.leverage)
        tilt.batches += 1
        rows: dict[str, list[dict[str, Any]]] = {
            "tilts": [records.tilt_row(tilt, now)],
            "orders": [records.order_row(i, self.venue, self.mode, now) for i in proposal.intents],
            "audit": [
                audit_row(
                    "confirm",
                    f"{len(proposal.intents)} orders confirmed ({proposal.purpose})",
                    tilt_id=tilt.tilt_id,
                    ts=now,
                    orders=[i.client_order_id for i in proposal.intents],
                )
            ],
        }
        if proposal.plan is not None:
            rows["legs"] = records.leg_rows(proposal.plan, proposal.intents, now)
        try:
            self.store.record(rows)  # durable before any request leaves
        except Exception:
            # Not journaled (a full disk): nothing is sent, and the desk is as it was, so the
            # same proposal can be confirmed once the disk takes writes again.
            proposal.state = "pending"
            if kept is None:
                self.tilts.pop(tilt.tilt_id, None)
            else:
                tilt.batches, tilt.spec, tilt.expected_carry_usd = kept
            raise
        outcome = Outcome(tilt.tilt_id)
        for intent in proposal.intents:
            execution = await sending.send(self, intent)
            if execution is None:
                outcome.unknown.append(intent.symbol)
                continue
            books.book(self, tilt, intent, execution)
            if execution.filled > 0:
                outcome.filled += 1
            else:
                outcome.rejected.append(f"{intent.symbol}: {execution.reason or execution.status}")
        books.settle_status(self, tilt, proposal.purpose)
        await self.refresh_balance()
        outcome.message = records.outcome_words(tilt, outcome)
        return outcome

    def collateral(self) -> tuple[float | None, str]:
        """(USD available for new margin and fees, where it comes from). Paper: the paper
        balance plus what closed and open tilts realized, less the margin open positions use.
        Live: ``None`` until the venue's balance is read (the plan then uses stablecoins)."""
        if self.mode != "paper":
            if self.venue_balance is None:
                return None, ""
            return self.venue_balance, f"the {self.venue} balance"
        realized = sum(t.realized().total for t in self.tilts.values())
        used = 0.0
        for tilt in self.tilts.values():
            leverage = tilt.spec.leverage if tilt.spec is not None else 1.0
            for book in tilt.holding().values():
                used += abs(book.quantity) * book.entry_price / max(leverage, 1.0)
        return self.limits.paper_balance_usd + realized - used, "the paper balance"

    async def refresh_balance(self) -> None:
        """Read the venue's free balance (live executors only; a failure keeps the last)."""
        read = getattr(self.executor, "balance", None)
        if read is None:
            return
        try:
            self.venue_balance = float(await read())
        except Exception as exc:  # said once in the audit; collateral then falls back
            self.store.audit("warning", f"balance not read: {exc}", ts=self.stamp())

    # -- checks and the kill switch -----------------------------------------------------------

    def refusal(self, intents: list[OrderIntent], tilt: Tilt | None) -> str:
        """Why these orders must not go now, in one line (``""``: they may)."""
        if self.kill.reason:
            return f"orders are halted ({self.kill.reason}); lift the kill switch first (k)"
        problems = order_problems(
            intents, tilt, self.markets, self.quotes, self.limits, self.clock(), self.received_now
        )
        return "; ".join(problems)

    @property
    def halted(self) -> str:
        """Why new orders are halted, or ``""``."""
        return self.kill.reason

    def halt(self, reason: str = "kill switch") -> None:
        """Stop every new order until lifted on purpose (survives a restart)."""
        self.kill.set(reason)
        self.store.audit("kill_switch", f"orders halted: {reason}", ts=self.stamp(), on=True)

    def lift_halt(self) -> None:
        """Allow orders again."""
        self.kill.lift()
        self.store.audit("kill_switch", "halt lifted", ts=self.stamp(), on=False)

    async def cancel_all(self) -> int:
        """Cancel every open order of the markets the desk trades (allowed while halted)."""
        cancel = getattr(self.executor, "cancel_all", None)
        if cancel is None:
            return 0  # paper market orders fill at once: nothing rests
        symbols = sorted({s for t in self.tilts.values() for s in t.books} or self.markets)
        count = int(await cancel(symbols))
        self.store.audit("info", f"{count} open orders canceled", ts=self.stamp())
        return count

    # -- funding, restart ---------------------------------------------------------------------

    def settle_funding(self, now: datetime | None = None) -> list[dict[str, Any]]:
        """Book every funding settlement passed since the last one (paper: the desk is the
        venue's funding clerk). Returns the payments written."""
        return self.funding.settle(now or self.clock())

    async def sync_funding(self) -> list[dict[str, Any]]:
        """Live: book the funding the venue settled since the last one booked."""
        return await self.funding.sync_from_venue()

    async def restore(self) -> list[str]:
        """Reload what is open from the store, resolve orders of unknown fate by asking the
        executor, and list every difference between the books and the executor."""
        notes = await restore_desk(self)
        await self.refresh_balance()
        self.notes.extend(notes)
        return notes
