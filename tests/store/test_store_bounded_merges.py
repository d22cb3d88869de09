"""A long session's compactions work in bounded pieces: downsampling folds only the files
past the raw window (never the table's folded history again), no merge of time series reads
more than ``merge_max_rows`` rows, and a journal generation ends at a minute's start so no
minute is split between files. What a read returns is what folding every row would give."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from tui.store import Store
from tui.store.compaction import split_at_minute
from tui.store.segments import TableFiles

T0 = datetime(2026, 1, 5, tzinfo=UTC)
SYMBOLS = ("A", "B", "C")
TUNING: dict[str, Any] = {
    "raw_window": timedelta(hours=1),
    "journal_max_flushes": 5,
    "fanout": 4,
    "merge_max_rows": 1000,
}


def session(store: Store, now: list[datetime], hours: float, start: datetime = T0) -> list[dict]:
    """A quote per symbol every 10 s, a flush each minute (as the bench's day): the rows."""
    rows: list[dict[str, Any]] = []
    for t in range(0, int(hours * 3600), 10):
        at = now[0] = start + timedelta(seconds=t)
        batch = [
            {
                "ts": at,
                "venue": "v",
                "symbol": sym,
                "mark": float(t + i),
                "bid": None if t % 30 == 0 else float(t - i),  # a null now and then
            }
            for i, sym in enumerate(SYMBOLS)
        ]
        store.append_many("quotes", batch)
        rows.extend(batch)
        if t % 60 == 0:
            store.flush()
    return rows


def merges_read(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The rows each merge reads (a read of chosen files is a merge's)."""
    sizes: list[int] = []
    real: Callable[..., pl.DataFrame] = TableFiles.read

    def read(self: TableFiles, files: Any = None, since_us: Any = None) -> pl.DataFrame:
        df = real(self, files, since_us)
        if files is not None:
            sizes.append(df.height)
        return df

    monkeypatch.setattr(TableFiles, "read", read)
    return sizes


def folded(rows: list[dict[str, Any]]) -> pl.DataFrame:
    """Every row folded to its minute: the last non-null value per column."""
    df = pl.DataFrame(rows, schema_overrides={"bid": pl.Float64}).with_columns(
        pl.col("ts").dt.truncate("1m")
    )
    return df.group_by("symbol", "ts", maintain_order=True).agg(
        pl.col("mark").drop_nulls().last(), pl.col("bid").drop_nulls().last()
    )


def test_no_merge_of_a_long_session_reads_more_than_its_cap(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = [T0]
    sizes = merges_read(monkeypatch)
    with Store.open(data_dir, clock=lambda: now[0], **TUNING) as s:
        rows = session(s, now, hours=12)
        total = s.read("quotes").height
        files = len(s._files["quotes"].live)
    assert len(rows) == 12 * 360 * 3 and total > 3 * TUNING["merge_max_rows"]
    assert sizes and max(sizes) <= TUNING["merge_max_rows"]
    assert files <= 10  # downsampled files between raw ones are still merged, to the cap


def test_reads_are_every_row_folded_past_the_window_and_raw_within(data_dir: Path) -> None:
    now = [T0]
    with Store.open(data_dir, clock=lambda: now[0], **TUNING) as s:
        rows = session(s, now, hours=6)
        got = s.read("quotes")
    # Appended in time order, read in time order.
    assert got["ts"].is_sorted()
    edge = now[0] - timedelta(hours=1)
    line = (edge - timedelta(minutes=15)).replace(second=0)  # past the window and its slack
    old = [r for r in rows if r["ts"] < line]
    want = folded(old)
    have = got.filter(pl.col("ts") < line).select(want.columns)
    assert have.sort("ts", "symbol").equals(want.sort("ts", "symbol"))
    recent = got.filter(pl.col("ts") >= edge)
    assert recent.height == sum(1 for r in rows if r["ts"] >= edge)  # raw within the window
    # Each minute and symbol is one row, or its raw rows: never folded twice.
    minutes = got.group_by("symbol", pl.col("ts").dt.truncate("1m")).len()
    raw = got.filter(pl.col("ts").dt.second() != 0)
    assert (
        minutes.filter(pl.col("len") > 1).height
        == raw.group_by("symbol", pl.col("ts").dt.truncate("1m")).len().height
    )


def test_no_minute_is_split_between_files(data_dir: Path) -> None:
    now = [T0]
    with Store.open(data_dir, clock=lambda: now[0], **TUNING) as s:
        session(s, now, hours=4)
        s.flush()
        s.compact()
        files = s._files["quotes"]
        seen: set[datetime] = set()
        for f in files.live:
            mins = set(files.read([f])["ts"].dt.truncate("1m").to_list())
            assert not mins & seen, f.path.name
            seen |= mins
        assert len(files.live) > 2


def test_folding_is_stable_across_reopen(data_dir: Path) -> None:
    now = [T0]
    with Store.open(data_dir, clock=lambda: now[0], **TUNING) as s:
        session(s, now, hours=3)
        first = s.read("quotes")
    with Store.open(data_dir, clock=lambda: now[0], **TUNING) as s:
        s.compact()
        assert s.read("quotes").equals(first)


def test_a_flush_cuts_at_a_minute_only_where_one_starts_cleanly() -> None:
    m = 60_000_000
    batch = ("quotes", 3, {"ts": [m - 2, m - 1, m], "mark": [1.0, 2.0, 3.0]})
    cut = split_at_minute([batch], journal_ts_max=m - 5, now_us=0)
    assert cut == (
        [("quotes", 2, {"ts": [m - 2, m - 1], "mark": [1.0, 2.0]})],
        [("quotes", 1, {"ts": [m], "mark": [3.0]})],
    )
    # The journal already holds a row of that minute: no clean start here.
    assert split_at_minute([batch], journal_ts_max=m + 1, now_us=0) is None
    # Times that cross the minute twice: cutting would reorder the rows.
    back = ("quotes", 3, {"ts": [m - 2, m, m - 1], "mark": [1.0, 2.0, 3.0]})
    assert split_at_minute([back], journal_ts_max=None, now_us=0) is None
    # Nothing flushed: the clock's minute, so the journal is cut whole.
    assert split_at_minute([], journal_ts_max=m - 5, now_us=m + 7) == ([], [])
