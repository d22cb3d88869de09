"""The app's view of the state store: opening it, and the portfolio in and out.

If the data directory cannot be used (locked, unwritable), the app runs on a store in a
temporary directory and says so — the same code path, nothing silently dropped.
"""

from __future__ import annotations

import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

from tui.core.models import Portfolio


def open_store(data_dir: Path) -> tuple[Any, str | None]:
    """The store under ``data_dir`` and ``None``; if it cannot be opened (a locked or
    unwritable directory), a store in a fresh temporary directory and the reason.

    The app then works exactly the same — orders, fills and audit included — but what it
    records is lost on exit, and the reason says so.
    """
    from tui.store import Store

    try:
        return Store.open(data_dir), None
    except Exception as exc:  # the app must open even when its store cannot
        reason = f"{exc}".splitlines()[0] if str(exc) else type(exc).__name__
    scratch = Path(tempfile.mkdtemp(prefix="porting-alpha-"))
    store = Store.open(scratch)
    return store, (
        f"state store at {data_dir} unavailable ({reason}); using {scratch} for this session only"
    )


def load_saved_portfolio(store: Any) -> Portfolio | None:
    """The holdings and SAA targets saved in the store, if there are any."""
    try:
        holdings = store.read("holdings")
        targets = store.read("targets")
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
    store.replace("holdings", holdings)
    store.replace("targets", targets)
