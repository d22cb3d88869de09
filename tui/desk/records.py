"""The rows the desk writes: one builder per kind of record, so every event is shaped alike.

Each event of a tilt's life is written with ``Store.record`` as one journal record (its tilt
row, orders, fills and audit rows together), so a crash keeps all of it or none of it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tui.core.models import Plan
from tui.core.orders import Execution, OrderIntent
from tui.desk.tilt import Outcome, Proposal, Tilt
from tui.store.store import audit_row


def tilt_row(tilt: Tilt, ts: datetime, **changes: Any) -> dict[str, Any]:
    """The tilt's row as it stands (coalesced on read, so it can be written whole)."""
    realized = tilt.realized()
    row: dict[str, Any] = {
        "tilt_id": tilt.tilt_id,
        "created_at": tilt.created_at,
        "status": tilt.status,
        "venue": tilt.venue,
        "mode": tilt.mode,
        "spec_json": tilt.spec.model_dump_json() if tilt.spec is not None else None,
        "base_usd": tilt.base_usd,
        "window_days": tilt.spec.window_days if tilt.spec is not None else None,
        "leverage": tilt.spec.leverage if tilt.spec is not None else None,
        "expected_carry_usd": tilt.expected_carry_usd,
        "entry_at": tilt.entry_at,
        "entry_spread": tilt.entry_spread,
        "pair": "/".join(tilt.pair) if tilt.pair else None,
        "closed_at": tilt.closed_at,
        "close_reason": tilt.close_reason or None,
        "note": tilt.note or None,
        "realized_price_usd": realized.price,
        "realized_funding_usd": realized.funding,
        "realized_basis_usd": realized.basis,
        "realized_fees_usd": realized.fees,
        "realized_pnl_usd": realized.total,
        "updated_at": ts,
    }
    row.update(changes)
    return row


def order_row(intent: OrderIntent, venue: str, mode: str, ts: datetime) -> dict[str, Any]:
    """An order as journaled before any request: status ``new``."""
    return {
        "client_order_id": intent.client_order_id,
        "tilt_id": intent.tilt_id,
        "venue": venue,
        "symbol": intent.symbol,
        "side": intent.side,
        "type": intent.type,
        "amount": intent.contracts,
        "price": intent.price,
        "reduce_only": intent.reduce_only,
        "purpose": intent.purpose,
        "status": "new",
        "mode": mode,
        "created_at": ts,
        "updated_at": ts,
    }


def order_update(execution: Execution, ts: datetime) -> dict[str, Any]:
    """What became of an order (coalesced onto its first row)."""
    return {
        "client_order_id": execution.client_order_id,
        "status": execution.status,
        "filled": execution.filled,
        "average": execution.average,
        "error": execution.reason or None,
        "exchange_order_id": execution.exchange_order_id,
        "updated_at": ts,
    }


def fill_row(
    intent_or_order: OrderIntent | dict[str, Any],
    execution: Execution,
    venue: str,
    contract_size: float,
    ts: datetime,
) -> dict[str, Any]:
    """The fill of an execution (one per order: market orders fill in one go here)."""
    get = (
        intent_or_order.get
        if isinstance(intent_or_order, dict)
        else lambda k: getattr(intent_or_order, k)
    )
    return {
        "fill_id": f"{execution.client_order_id}-f1",
        "client_order_id": execution.client_order_id,
        "tilt_id": get("tilt_id"),
        "venue": venue,
        "symbol": get("symbol"),
        "side": get("side"),
        "amount": execution.filled,
        "contract_size": contract_size,
        "price": execution.average,
        "fee_usd": execution.fee_usd,
        "index_price": execution.index_price,
        "ts": ts,
    }


def leg_rows(plan: Plan, intents: list[OrderIntent], ts: datetime) -> list[dict[str, Any]]:
    """One row per order sent, with the planned leg it comes from."""
    legs = {leg.symbol: leg for leg in plan.sendable()}
    rows = []
    for intent in intents:
        leg = legs.get(intent.symbol)
        if leg is None:
            continue
        rows.append(
            {
                "client_order_id": intent.client_order_id,
                "tilt_id": intent.tilt_id,
                "purpose": intent.purpose,
                "asset": leg.asset,
                "symbol": leg.symbol,
                "instrument": leg.instrument,
                "side": leg.side,
                "contracts": float(leg.amount),
                "amount": leg.amount,
                "target_notional_usd": leg.target_notional_usd,
                "notional_usd": leg.notional_usd,
                "price": leg.price,
                "margin_usd": leg.margin_usd,
                "fee_usd": leg.fee_usd,
                "carry_usd": leg.carry_usd,
                "expiry": leg.expiry,
                "liquidation_price": leg.liquidation_price,
                "status": leg.status,
                "reason": leg.reason or None,
                "updated_at": ts,
            }
        )
    return rows


def plan_summary(tilt_id: str, plan: Plan, purpose: str) -> str:
    """One line above the orders in the review."""
    t = plan.totals
    verb = "Adjust tilt" if purpose == "adjust" else "Tilt"
    return (
        f"{verb} {tilt_id} on {plan.venue} · base {_usd(plan.base_usd)} · "
        f"{plan.window_days:g} d at {plan.leverage:g}× · net {_usd(t.net_notional_usd, True)}"
        f" · gross {_usd(t.gross_notional_usd)} · margin {_usd(t.margin_usd)}"
        f" · fees {_usd(t.fees_usd, cents=True)}"
        f" · expected carry {_usd(t.carry_usd, True, cents=True)}"
    )


def _usd(value: float, signed: bool = False, *, cents: bool = False) -> str:
    """``$1,234`` / ``+$1,234`` / ``-$1,234.50``: the sign before the dollar."""
    sign = "-" if value < 0 else ("+" if signed and value > 0 else "")
    return f"{sign}${abs(value):,.{2 if cents else 0}f}"


def outcome_words(tilt: Tilt, outcome: Outcome) -> str:
    """One line for the user about a confirmed batch."""
    parts = [f"{outcome.filled} filled"]
    if outcome.rejected:
        parts.append("rejected: " + "; ".join(outcome.rejected))
    if outcome.unknown:
        parts.append("fate unknown (asked, not resent): " + ", ".join(outcome.unknown))
    return f"tilt {tilt.tilt_id} {tilt.status} · " + " · ".join(parts)


def proposal_audit(proposal: Proposal, now: datetime) -> dict[str, Any]:
    """The audit row of a proposal shown for review."""
    return audit_row(
        "proposal",
        proposal.summary,
        tilt_id=proposal.tilt_id,
        ts=now,
        orders=len(proposal.intents),
        warnings=len(proposal.warnings),
        blocked=proposal.blocked,
        purpose=proposal.purpose,
    )
