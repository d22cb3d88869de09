"""The store's tables: typed polars schemas, what each holds, and how each is kept.

Three kinds of table, each persisted its own way (see ``segments.py`` and ``journal.py``):

- ``state``: small current-state tables (holdings, targets, positions, brackets), replaced
  or upserted by key and saved as a whole snapshot at once.
- ``log``: money and audit trails (orders, fills, audit, funding_payments), written through
  to the journal with fsync before the call returns, so ``kill -9`` never loses them.
- ``series``: market time series (funding, quotes), buffered and flushed in batches; raw rows
  older than the raw window are downsampled to one row per minute and symbol.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import polars as pl

from tui.store.errors import UnknownTableError

TableKind = Literal["state", "log", "series"]

#: Every timestamp: microseconds, UTC.
TS = pl.Datetime("us", "UTC")
F64 = pl.Float64()
STR = pl.String()
BOOL = pl.Boolean()

#: Audit kinds the project uses; ``audit()`` accepts others too (the log must never refuse
#: a record), these are listed so callers share one vocabulary.
AUDIT_KINDS = frozenset(
    {
        "proposal",
        "confirm",
        "discard",
        "fill",
        "error",
        "order",
        "start",
        "stop",
        "close",
        "roll",
        "stop_loss",
        "warning",
        "info",
        "kill_switch",
        "funding",
    }
)
#: A tilt's life (the desk's states): see ``tui.desk``.
TILT_STATUSES = frozenset(
    {"proposed", "confirmed", "open", "exit_proposed", "closed", "discarded", "failed"}
)
#: An order's states: ``new`` is journaled before any request; ``unknown`` means the request
#: may or may not have reached the venue (resolved by asking for its client id).
ORDER_STATUSES = frozenset(
    {"new", "sent", "unknown", "open", "partial", "filled", "rejected", "failed", "canceled"}
)


@dataclass(frozen=True)
class TableSpec:
    """How one table is typed and kept."""

    name: str
    kind: TableKind
    schema: pl.Schema
    description: str
    key: tuple[str, ...] = ()
    """Columns identifying a row: upsert key (state), coalescing key (orders), dedupe (fills)."""
    required: tuple[str, ...] = ()
    """Columns that may not be null (the key is always required)."""
    allowed: dict[str, frozenset[str]] = field(default_factory=dict)
    """Closed vocabularies of some string columns."""
    ts: str | None = None
    """The time column of log and series tables (auto-filled with now when missing for logs)."""
    group: tuple[str, ...] = ()
    """Series only: the columns a downsampled row is kept per (one row per minute per group)."""
    coalesce: bool = False
    """Log only: rows of one key merge on read (the latest non-null value of each column
    wins), so an update may carry only what changed. Otherwise the first row per key wins."""


def _schema(**cols: pl.DataType) -> pl.Schema:
    return pl.Schema(cols)


SPECS: dict[str, TableSpec] = {
    spec.name: spec
    for spec in (
        TableSpec(
            "holdings",
            "state",
            _schema(asset=STR, quantity=F64, updated_at=TS),
            "Spot quantity held per asset.",
            key=("asset",),
            required=("quantity",),
        ),
        TableSpec(
            "targets",
            "state",
            _schema(asset=STR, strategic_pct=F64, updated_at=TS),
            "Strategic (SAA) target weight per asset, in percent.",
            key=("asset",),
            required=("strategic_pct",),
        ),
        TableSpec(
            "tilts",
            "log",
            _schema(
                tilt_id=STR,
                created_at=TS,
                status=STR,
                venue=STR,
                mode=STR,
                spec_json=STR,
                base_usd=F64,
                window_days=F64,
                leverage=F64,
                expected_carry_usd=F64,
                entry_at=TS,
                entry_spread=F64,
                pair=STR,
                closed_at=TS,
                close_reason=STR,
                note=STR,
                realized_price_usd=F64,
                realized_funding_usd=F64,
                realized_basis_usd=F64,
                realized_fees_usd=F64,
                realized_pnl_usd=F64,
                updated_at=TS,
            ),
            "Tactical tilts: the spec as JSON, lifecycle status, dates, what happened and, once "
            "closed, the realized P&L split; read() shows the latest state per tilt.",
            key=("tilt_id",),
            ts="updated_at",
            allowed={"status": TILT_STATUSES},
            coalesce=True,
        ),
        TableSpec(
            "legs",
            "log",
            _schema(
                client_order_id=STR,
                tilt_id=STR,
                purpose=STR,
                asset=STR,
                symbol=STR,
                instrument=STR,
                side=STR,
                contracts=F64,
                amount=STR,
                target_notional_usd=F64,
                notional_usd=F64,
                price=F64,
                margin_usd=F64,
                fee_usd=F64,
                carry_usd=F64,
                expiry=TS,
                liquidation_price=F64,
                status=STR,
                reason=STR,
                updated_at=TS,
            ),
            "The futures legs of each confirmed tilt as planned, one row per order sent.",
            key=("client_order_id",),
            ts="updated_at",
            allowed={"side": frozenset({"buy", "sell"})},
            coalesce=True,
        ),
        TableSpec(
            "positions",
            "state",
            _schema(
                venue=STR,
                symbol=STR,
                asset=STR,
                contracts=F64,
                entry_price=F64,
                tilt_id=STR,
                updated_at=TS,
            ),
            "Open futures positions per venue and symbol; contracts signed (+ = long).",
            key=("venue", "symbol"),
        ),
        TableSpec(
            "brackets",
            "state",
            _schema(
                venue=STR,
                symbol=STR,
                tier=F64,
                floor=F64,
                cap=F64,
                max_leverage=F64,
                mmr=F64,
                maint_amount=F64,
                unit=STR,
                fetched_at=TS,
            ),
            "Each market's margin brackets as the venue last published them (tier 1 = the lowest "
            "size; floor and cap in USD notional, or contracts when unit says so; maint_amount = "
            "Binance cum / Bybit mmDeduction): used when the venue cannot be asked.",
            key=("venue", "symbol", "tier"),
            required=("floor", "cap", "max_leverage", "mmr", "maint_amount", "unit", "fetched_at"),
            allowed={"unit": frozenset({"usd", "contracts"})},
        ),
        TableSpec(
            "orders",
            "log",
            _schema(
                client_order_id=STR,
                tilt_id=STR,
                venue=STR,
                symbol=STR,
                side=STR,
                type=STR,
                amount=F64,
                price=F64,
                reduce_only=BOOL,
                purpose=STR,
                status=STR,
                mode=STR,
                exchange_order_id=STR,
                filled=F64,
                average=F64,
                error=STR,
                created_at=TS,
                updated_at=TS,
            ),
            "Every order and each change of its state; read() shows the latest per id.",
            key=("client_order_id",),
            ts="updated_at",
            allowed={"side": frozenset({"buy", "sell"}), "status": ORDER_STATUSES},
            coalesce=True,
        ),
        TableSpec(
            "fills",
            "log",
            _schema(
                fill_id=STR,
                client_order_id=STR,
                tilt_id=STR,
                venue=STR,
                symbol=STR,
                side=STR,
                amount=F64,
                contract_size=F64,
                price=F64,
                fee_usd=F64,
                index_price=F64,
                ts=TS,
            ),
            "Executions (trades) of orders, in contracts of ``contract_size`` base units; one "
            "row per fill id.",
            key=("fill_id",),
            required=("amount", "price"),
            ts="ts",
            allowed={"side": frozenset({"buy", "sell"})},
        ),
        TableSpec(
            "funding_payments",
            "log",
            _schema(
                ts=TS,
                tilt_id=STR,
                venue=STR,
                symbol=STR,
                amount_usd=F64,
                quantity=F64,
                rate=F64,
                mark=F64,
                source=STR,
            ),
            "Funding paid (−) or received (+) at each settlement, per tilt and symbol: the "
            "quantity then held, that settlement's rate and mark, and where the rate came from.",
            key=("tilt_id", "symbol", "ts"),
            required=("symbol", "amount_usd"),
            ts="ts",
        ),
        TableSpec(
            "paper_orders",
            "log",
            _schema(
                client_order_id=STR,
                venue=STR,
                symbol=STR,
                side=STR,
                contracts=F64,
                price=F64,
                fee_usd=F64,
                index_price=F64,
                status=STR,
                reason=STR,
                ts=TS,
            ),
            "The paper venue's own book: every order the paper executor received and what it "
            "did with it (the desk asks it by client id after a crash). Never deduplicated: an "
            "order sent twice would show twice.",
            required=("client_order_id", "symbol", "status"),
            ts="ts",
            allowed={"side": frozenset({"buy", "sell"})},
        ),
        TableSpec(
            "audit",
            "log",
            _schema(ts=TS, kind=STR, tilt_id=STR, message=STR, details_json=STR),
            "Append-only audit log: proposals, confirmations, discards, orders, fills, errors.",
            required=("kind", "message"),
            ts="ts",
        ),
        TableSpec(
            "funding",
            "series",
            _schema(
                ts=TS,
                venue=STR,
                symbol=STR,
                rate=F64,
                next_funding_time=TS,
                interval_hours=F64,
                annualized=F64,
                mark=F64,
                index=F64,
            ),
            "Funding rate observations per perpetual (rate per interval and annualized).",
            required=("ts", "venue", "symbol"),
            ts="ts",
            group=("venue", "symbol"),
        ),
        TableSpec(
            "quotes",
            "series",
            _schema(
                ts=TS,
                venue=STR,
                symbol=STR,
                mark=F64,
                index=F64,
                bid=F64,
                ask=F64,
                last=F64,
            ),
            "Price observations per market: mark, index, bid, ask, last.",
            required=("ts", "venue", "symbol"),
            ts="ts",
            group=("venue", "symbol"),
        ),
    )
}

#: Each table's polars schema, by name.
TABLES: dict[str, pl.Schema] = {name: spec.schema for name, spec in SPECS.items()}
#: A one-line description of each table, by name.
DESCRIPTIONS: dict[str, str] = {name: spec.description for name, spec in SPECS.items()}


def spec_of(table: str) -> TableSpec:
    """The spec of ``table``; raises ``UnknownTableError`` listing the known tables."""
    try:
        return SPECS[table]
    except KeyError:
        raise UnknownTableError(table, sorted(SPECS)) from None


def empty_frame(table: str) -> pl.DataFrame:
    """A frame with no rows and the table's schema."""
    return pl.DataFrame(schema=spec_of(table).schema)
