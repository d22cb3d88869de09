"""The store's notion of now: an injected clock ends the raw window and stamps log rows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl

from tui.store import Store

T0 = datetime(2026, 1, 5, 8, tzinfo=UTC)


def test_the_raw_window_ends_at_the_stores_clock_not_the_wall_clock(data_dir: Path) -> None:
    now = [T0]
    rows = [
        {"ts": T0 + timedelta(seconds=s), "venue": "v", "symbol": "S", "mark": float(s)}
        for s in range(0, 180, 10)
    ]
    with Store.open(data_dir, raw_window=timedelta(hours=1), clock=lambda: now[0]) as s:
        s.append_many("quotes", rows)
        s.flush()
        s.compact()
        # Within the window by the store's clock (months before the wall clock's now): raw.
        assert s.read("quotes").height == 18
        now[0] = T0 + timedelta(hours=3)
        s.compact()
        folded = s.read("quotes")
        assert folded["mark"].to_list() == [50.0, 110.0, 170.0]
        assert folded["ts"].to_list() == [T0 + timedelta(minutes=m) for m in range(3)]


def test_log_rows_without_a_time_are_stamped_by_the_stores_clock(data_dir: Path) -> None:
    with Store.open(data_dir, clock=lambda: T0) as s:
        s.audit("info", "hello")
        assert s.read("audit").select(pl.col("ts")).item() == T0
