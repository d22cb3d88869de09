"""The app's view of the state store: portfolio in and out, and the audit log.

`tui.store.Store` is the real thing; until it can be opened (or if it cannot, e.g. a locked
directory) the app keeps working on `MemoryStore`, and says so — nothing is silently lost.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from tui.core.models import Portfolio


class StoreLike(Protocol):
    """The part of `tui.store.Store` the app uses."""

    problems: list[str]

    def audit(self, kind: str, message: str, tilt_id: str | None = ..., **details: Any) -> Any:
        """Append one audit record."""

    def flush(self) -> Any:
        """Write buffered rows."""

    def close(self) -> Any:
        """Flush and release the store."""


class MemoryStore:
    """A stand-in that keeps the audit log and tables in memory (tests, or no store)."""

    def __init__(self) -> None:
        self.problems: list[str] = []
        self.audit_log: list[dict[str, Any]] = []
        self.tables: dict[str, list[dict[str, Any]]] = {}

    def audit(self, kind: str, message: str, tilt_id: str | None = None, **details: Any) -> None:
        """Keep one audit record."""
        self.audit_log.append(
            {
                "ts": datetime.now(UTC),
                "kind": kind,
                "message": message,
                "tilt_id": tilt_id,
                **details,
            }
        )

    def append(self, table: str, row: dict[str, Any]) -> None:
        """Keep one row of ``table``."""
        self.tables.setdefault(table, []).append(row)

    def flush(self) -> None:
        """Nothing to write."""

    def close(self) -> None:
        """Nothing to release."""


def open_store(data_dir: Path) -> tuple[Any, str | None]:
    """The real store under ``data_dir``, or a `MemoryStore` and the reason it was not used."""
    try:
        from tui.store import Store

        store = Store.open(data_dir)
    except Exception as exc:  # the app must open even when the store cannot
        return MemoryStore(), f"state store unavailable ({exc}); changes kept in memory only"
    return store, None


def load_saved_portfolio(store: Any) -> Portfolio | None:
    """The holdings and SAA targets saved in the store, if there are any."""
    read = getattr(store, "read", None)
    if read is None:
        return None
    try:
        holdings = read("holdings")
        targets = read("targets")
    except Exception:
        return None
    if holdings.height == 0:
        return None
    return Portfolio(
        holdings={r["asset"]: r["quantity"] for r in holdings.iter_rows(named=True)},
        strategic={r["asset"]: r["strategic_pct"] for r in targets.iter_rows(named=True)},
    )


def save_portfolio(store: Any, portfolio: Portfolio, now: datetime) -> None:
    """Replace the store's holdings and targets tables with ``portfolio``."""
    replace = getattr(store, "replace", None)
    if replace is None:
        return
    import polars as pl

    from tui.store.schemas import SPECS

    holdings = pl.DataFrame(
        {
            "asset": list(portfolio.holdings),
            "quantity": list(portfolio.holdings.values()),
            "updated_at": [now] * len(portfolio.holdings),
        },
        schema=SPECS["holdings"].schema,
    )
    targets = pl.DataFrame(
        {
            "asset": list(portfolio.strategic),
            "strategic_pct": list(portfolio.strategic.values()),
            "updated_at": [now] * len(portfolio.strategic),
        },
        schema=SPECS["targets"].schema,
    )
    replace("holdings", holdings)
    replace("targets", targets)
