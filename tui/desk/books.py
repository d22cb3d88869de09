"""The desk's books: booking an execution, folding fills into the ledger, a tilt's status
after a batch, and the ``positions`` projection.

Every booking is one ``Store.record`` (order state, fill, audit and tilt row together).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from tui.core.ledger import EPSILON, Book, LedgerFill
from tui.core.orders import Execution, OrderIntent
from tui.desk import records
from tui.desk.tilt import FINAL_ORDER_STATUSES, Tilt
from tui.store.store import audit_row

if TYPE_CHECKING:
    from tui.desk.state import DeskState


def book(
    desk: DeskState, tilt: Tilt, order: OrderIntent | dict[str, Any], execution: Execution
) -> None:
    """Book an execution: order state, fill, ledger and tilt row, as one record."""
    now = desk.stamp()
    get = order.get if isinstance(order, dict) else lambda k: getattr(order, k)
    symbol = str(get("symbol"))
    rows: dict[str, list[dict[str, Any]]] = {
        "orders": [records.order_update(execution, now)],
    }
    if execution.filled > 0 and execution.average:
        size = desk.contract_size(symbol)
        fill = records.fill_row(order, execution, desk.venue, size, now)
        rows["fills"] = [fill]
        apply_fill(desk, tilt, fill)
        if tilt.entry_at is None:
            tilt.entry_at = now
        if tilt.status == "confirmed":
            tilt.status = "open"
        words = f"{get('side')} {execution.filled:g} {symbol} @ {execution.average:g}"
        rows["audit"] = [audit_row("fill", words, tilt_id=tilt.tilt_id, ts=now)]
    else:
        words = f"{execution.client_order_id} {execution.status}: {execution.reason or '-'}"
        rows["audit"] = [audit_row("error", words, tilt_id=tilt.tilt_id, ts=now)]
    rows["tilts"] = [records.tilt_row(tilt, now)]
    desk.store.record(rows)
    save_positions(desk)


def apply_fill(desk: DeskState, tilt: Tilt, fill: Mapping[str, Any]) -> None:
    """Fold one fill row into the tilt's book of its symbol."""
    symbol = str(fill["symbol"])
    size = float(fill.get("contract_size") or 1.0)
    book = tilt.books.get(symbol)
    if book is None:
        market = desk.markets.get(symbol)
        asset = market.base if market is not None else symbol.split("/")[0]
        book = tilt.books[symbol] = Book(symbol, asset, size)
    signed = float(fill["amount"]) * size * (1.0 if fill["side"] == "buy" else -1.0)
    book.apply(
        LedgerFill(
            fill["ts"],
            signed,
            float(fill["price"]),
            float(fill.get("fee_usd") or 0.0),
            fill.get("index_price"),
        )
    )


def settle_status(desk: DeskState, tilt: Tilt, purpose: str) -> None:
    """After a batch (or a restart): open, failed, closed or still exiting — and say so
    on the tilt's row."""
    now = desk.stamp()
    before = tilt.status
    if purpose == "close":
        if not tilt.holding():
            tilt.status, tilt.closed_at = "closed", now
            tilt.close_reason = tilt.note.removeprefix("exit proposed: ") or "unwind"
            tilt.note = "closed: every leg flat"
        else:
            tilt.note = "unwind incomplete: " + ", ".join(sorted(tilt.holding()))
    elif not tilt.books:
        tilt.status, tilt.note = "failed", "no order filled; nothing is held"
    else:
        missing = unfilled(desk, tilt)
        if missing:
            parts = []
            for order, left in missing:
                quote = desk.quotes.get(order["symbol"])
                price = (quote.price if quote is not None else None) or order.get("price") or 0.0
                sign = 1.0 if order["side"] == "buy" else -1.0
                delta = sign * left * desk.contract_size(order["symbol"]) * price
                parts.append(f"{order['symbol']} {left:g} of {order['amount']:g} unfilled "
                             f"(residual {delta:+,.0f} USD)")  # fmt: skip
            tilt.note = "unbalanced: " + "; ".join(parts) + " — complete or unwind"
        else:
            tilt.note = "every leg filled"
    rows: dict[str, list[dict[str, Any]]] = {"tilts": [records.tilt_row(tilt, now)]}
    if tilt.status == "closed" and before != "closed":
        r = tilt.realized()
        rows["audit"] = [
            audit_row(
                "close",
                f"tilt {tilt.tilt_id} closed: realized {r.total:+,.2f} USD",
                tilt_id=tilt.tilt_id,
                ts=now,
                price=r.price,
                funding=r.funding,
                basis=r.basis,
                fees=r.fees,
            )
        ]
    desk.store.record(rows)
    save_positions(desk)


def unfilled(desk: DeskState, tilt: Tilt) -> list[tuple[dict[str, Any], float]]:
    """Orders of the tilt's latest batch that ended without filling whole, with the
    contracts left (a rejection, a failure, a partial fill)."""
    orders = _orders_of(desk, tilt)
    if not orders:
        return []
    latest = max(o["created_at"] for o in orders if o.get("created_at") is not None)
    out = []
    for order in orders:
        if order.get("created_at") != latest or order["status"] not in FINAL_ORDER_STATUSES:
            continue
        left = float(order["amount"] or 0.0) - float(order["filled"] or 0.0)
        if left > EPSILON:
            out.append((order, left))
    return out


def _orders_of(desk: DeskState, tilt: Tilt) -> list[dict[str, Any]]:
    df = desk.store.read("orders")
    return [
        r
        for r in df.filter(df["tilt_id"] == tilt.tilt_id).to_dicts()
        if r.get("purpose") != "close"
    ]


def save_positions(desk: DeskState) -> None:
    """Rewrite the ``positions`` table from the ledger (a projection, rebuilt at start)."""
    import polars as pl

    from tui.store.schemas import SPECS

    now = desk.last_stamp() or desk.clock()
    rows = []
    holders: dict[str, Tilt] = {}
    for tilt in desk.tilts.values():
        if tilt.live:
            for symbol in tilt.holding():
                holders[symbol] = tilt
    for symbol, contracts in desk.net_contracts().items():
        holder = holders.get(symbol)
        book = holder.books[symbol] if holder is not None else None
        rows.append(
            {
                "venue": desk.venue,
                "symbol": symbol,
                "asset": book.asset if book is not None else symbol.split("/")[0],
                "contracts": contracts,
                "entry_price": book.entry_price if book is not None else None,
                "tilt_id": holder.tilt_id if holder is not None else None,
                "updated_at": now,
            }
        )
    frame = pl.DataFrame(rows, schema=SPECS["positions"].schema)
    desk.store.replace("positions", frame)
