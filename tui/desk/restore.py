"""Restart: rebuild the desk from the store, settle what a crash left open, compare books.

What the journal holds is the truth: tilts (latest row each), their fills (rebuilt into the
ledger with the one averaging rule) and the funding paid. Orders that never reached a final
state are asked of the executor by client id — never sent again. Whatever the books and the
executor disagree on is listed for the user, never overwritten.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tui.core.models import TiltSpec
from tui.core.orders import Execution
from tui.desk import books, records
from tui.desk.tilt import FINAL_ORDER_STATUSES, LIVE_STATUSES, Tilt
from tui.store.store import audit_row

if TYPE_CHECKING:
    from tui.desk.state import DeskState


def _spec(text: str | None) -> TiltSpec | None:
    if not text:
        return None
    try:
        return TiltSpec.model_validate_json(text)
    except ValueError:
        return None


def _tilt(row: dict[str, Any]) -> Tilt:
    pair = tuple(row["pair"].split("/")) if row.get("pair") else None
    spec = _spec(row.get("spec_json"))
    return Tilt(
        tilt_id=row["tilt_id"],
        status=row["status"],
        venue=row.get("venue") or "",
        mode=row.get("mode") or "paper",
        created_at=row.get("created_at") or row["updated_at"],
        spec=spec,
        base_usd=row.get("base_usd") or 0.0,
        expected_carry_usd=row.get("expected_carry_usd") or 0.0,
        entry_at=row.get("entry_at"),
        entry_spread=row.get("entry_spread"),
        pair=(pair[0], pair[1]) if pair and len(pair) == 2 else None,
        note=row.get("note") or "",
        closed_at=row.get("closed_at"),
        close_reason=row.get("close_reason") or "",
    )


async def restore_desk(desk: DeskState) -> list[str]:
    """Load what is open into ``desk``; returns one line per thing the user should know."""
    store = desk.store
    notes: list[str] = []
    tilt_rows = store.read("tilts").to_dicts()
    orders = store.read("orders").to_dicts()
    fills = store.read("fills").to_dicts()
    payments = store.read("funding_payments").to_dicts()
    for row in tilt_rows:
        desk.seen(row.get("updated_at"))
    for row in orders:
        desk.seen(row.get("updated_at"))
    for row in fills:
        desk.seen(row.get("ts"))

    for row in tilt_rows:
        if row["status"] == "proposed":
            # The review was on screen when the app stopped: nothing was confirmed or sent.
            now = desk.stamp()
            gone = _tilt(row)
            gone.status = "discarded"
            store.record(
                {
                    "tilts": [records.tilt_row(gone, now, note="review open when the app stopped")],
                }
            )
        elif row["status"] in LIVE_STATUSES:
            desk.tilts[row["tilt_id"]] = _tilt(row)

    batches: dict[str, set[Any]] = {}
    for order in orders:
        if order["tilt_id"] in desk.tilts:
            batches.setdefault(order["tilt_id"], set()).add(order.get("created_at"))
    for tilt_id, created in batches.items():
        desk.tilts[tilt_id].batches = len(created)

    for fill in sorted(fills, key=lambda r: r["ts"]):
        tilt = desk.tilts.get(fill["tilt_id"])
        if tilt is not None:
            books.apply_fill(desk, tilt, fill)
    for payment in sorted(payments, key=lambda r: r["ts"]):
        tilt = desk.tilts.get(payment["tilt_id"])
        book = tilt.books.get(payment["symbol"]) if tilt is not None else None
        if tilt is not None and book is not None:
            book.add_funding(float(payment["amount_usd"]))
            last = tilt.settled.get(payment["symbol"])
            if last is None or payment["ts"] > last:
                tilt.settled[payment["symbol"]] = payment["ts"]

    filled_ids = {f["client_order_id"] for f in fills}
    touched: dict[str, str] = {}
    for order in orders:
        if order.get("status") in FINAL_ORDER_STATUSES:
            continue
        tilt = desk.tilts.get(order["tilt_id"])
        if tilt is None:
            continue
        notes.append(await _resolve(desk, tilt, order, filled_ids))
        touched[tilt.tilt_id] = order.get("purpose") or "open"

    for tilt in list(desk.tilts.values()):
        purpose = touched.get(tilt.tilt_id)
        if purpose is not None or tilt.status == "confirmed":
            books.settle_status(desk, tilt, purpose or "open")
        elif tilt.status == "exit_proposed":
            closing = [
                o for o in orders if o["tilt_id"] == tilt.tilt_id and o.get("purpose") == "close"
            ]
            if not tilt.holding():
                books.settle_status(desk, tilt, "close")
            elif not closing:
                _reopen(desk, tilt)
        status = tilt.status
        if tilt.live:
            held = ", ".join(f"{b.quantity:+g} {s}" for s, b in sorted(tilt.holding().items()))
            notes.insert(0, f"restored tilt {tilt.tilt_id} ({status}): {held or 'nothing held'}")

    notes += await _differences(desk)
    books.save_positions(desk)
    if notes:
        store.record(
            {"audit": [audit_row("start", n, ts=desk.stamp()) for n in notes]},
        )
    return notes


def _reopen(desk: DeskState, tilt: Tilt) -> None:
    """An exit review was on screen when the app stopped: the tilt is open again."""
    tilt.status, tilt.note = "open", "exit review open when the app stopped; nothing sent"
    desk.store.record({"tilts": [records.tilt_row(tilt, desk.stamp())]})


async def _resolve(desk: DeskState, tilt: Tilt, order: dict[str, Any], filled: set[str]) -> str:
    """Ask the executor what became of an order the journal left unfinished."""
    cid = order["client_order_id"]
    try:
        found = await desk.executor.query(cid, order["symbol"])
    except Exception as exc:  # the venue cannot say now: keep it unknown, say so
        return f"order {cid}: fate still unknown ({type(exc).__name__}: {exc}); not resent"
    if found is None:
        found = Execution(
            client_order_id=cid,
            status="failed",
            reason="never reached the executor (the app stopped first); not resent",
        )
        books.book(desk, tilt, order, found)
        return f"order {cid} never reached the {desk.mode} venue: marked failed, not resent"
    if found.filled > 0 and cid in filled:
        # The fill is booked already; only the order's state was left behind.
        now = desk.stamp()
        desk.store.record({"orders": [records.order_update(found, now)]})
        return f"order {cid}: {found.status} (already booked)"
    books.book(desk, tilt, order, found)
    return f"order {cid}: {found.status} on the {desk.mode} venue, booked after restart"


async def _differences(desk: DeskState) -> list[str]:
    """Where the desk's books and the executor's positions disagree."""
    try:
        venue = await desk.executor.positions()
    except Exception as exc:
        return [f"could not compare positions with the {desk.mode} venue: {exc}"]
    books = desk.net_contracts()
    out = []
    for symbol in sorted(set(venue) | set(books)):
        ours, theirs = books.get(symbol, 0.0), venue.get(symbol, 0.0)
        if abs(ours - theirs) > 1e-9:
            out.append(
                f"difference on {symbol}: books {ours:+g}, {desk.mode} venue {theirs:+g} "
                "contracts (left as they are: check before trading)"
            )
    return out
