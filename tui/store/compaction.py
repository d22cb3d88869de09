"""What merging files does to rows: the key semantics of log tables, downsampling of time
series, and the size-tiered choice of which files to merge.

Merges are chosen so a flush never rewrites history: files of similar size are merged
``fanout`` at a time (cost proportional to the data merged, so rare for large files), and
raw series rows older than the raw window are folded into one row per minute and group —
merging only the files that hold them and those sharing their minutes.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import polars as pl

from tui.store.files import DataFile
from tui.store.schemas import TableSpec
from tui.store.segments import UNKNOWN_RANGE

BUCKET = "1m"
"""Downsampled resolution of time series beyond the raw window."""
MINUTE_US = 60_000_000


def latest_per_key(spec: TableSpec, df: pl.DataFrame) -> pl.DataFrame:
    """The table as a reader sees it: coalescing tables (orders, tilts, legs) merged per key
    (the last non-null value of each column wins, first-seen order kept); other keyed logs
    once per key (fills per fill id); the rest unchanged."""
    if df.is_empty() or not spec.key or spec.kind != "log":
        return df
    if spec.coalesce:
        key = list(spec.key)
        others = [c for c in df.columns if c not in key]
        out = df.group_by(key, maintain_order=True).agg(
            [pl.col(c).drop_nulls().last().alias(c) for c in others]
        )
        return out.select(df.columns).cast(spec.schema)
    return df.unique(subset=list(spec.key), keep="first", maintain_order=True)


def downsample(
    spec: TableSpec, df: pl.DataFrame, cutoff_us: int
) -> tuple[pl.DataFrame, int | None]:
    """Rows older than ``cutoff_us`` folded to the last value per minute and group (the row
    stamped at the minute's start); newer rows kept raw. Idempotent. Also returns the oldest
    raw row's time (µs), ``None`` when none is left."""
    ts = spec.ts
    assert ts is not None and spec.group, f"{spec.name} is not a time series"
    cutoff = pl.lit(cutoff_us).cast(pl.Int64).cast(spec.schema[ts])
    old = df.filter(pl.col(ts) < cutoff)
    raw = df.filter(pl.col(ts) >= cutoff)
    if not old.is_empty():
        values = [c for c in df.columns if c not in (ts, *spec.group)]
        old = (
            old.sort(ts, maintain_order=True)
            .group_by([*spec.group, pl.col(ts).dt.truncate(BUCKET)], maintain_order=True)
            .agg([pl.col(c).drop_nulls().last().alias(c) for c in values])
            .select(df.columns)
            .cast(spec.schema)
            .sort(ts, maintain_order=True)
        )
    raw_min = raw[ts].min() if not raw.is_empty() else None
    raw_min_us = (
        None if raw_min is None else int(raw.select(pl.col(ts).min().dt.epoch("us")).item())
    )
    return pl.concat([old, raw]), raw_min_us


#: A flushed batch of a time series: (table, rows, columns).
Batch = tuple[str, int, dict[str, list[Any]]]


def split_at_minute(
    batches: Sequence[Batch], journal_ts_max: int | None, now_us: int
) -> tuple[list[Batch], list[Batch]] | None:
    """Flushed series batches cut at a minute's start: (rows before it, rows from it on),
    or ``None`` when no minute starts cleanly here — the journal already holds a row of the
    minute, or a batch's times cross the minute more than once. The minute is the newest
    row's (``now_us``'s when nothing was flushed). Each batch keeps its order."""
    newest = [max(cols["ts"]) for _, n, cols in batches if n]
    start = _minute(max(newest) if newest else now_us)
    if journal_ts_max is not None and journal_ts_max >= start:
        return None
    before: list[Batch] = []
    after: list[Batch] = []
    for table, n, cols in batches:
        ts = cols["ts"]
        cut = next((i for i, v in enumerate(ts) if v >= start), n)
        if any(v < start for v in ts[cut:]):
            return None
        if cut:
            before.append((table, cut, {c: v[:cut] for c, v in cols.items()}))
        if cut < n:
            after.append((table, n - cut, {c: v[cut:] for c, v in cols.items()}))
    return before, after


def size_class(rows: int, fanout: int) -> int:
    """The tier of a file of ``rows`` rows: files of one tier are merged together."""
    return int(math.log(max(rows, 1), fanout))


def next_tier_merge(
    live: Sequence[DataFile], rows: Mapping[Path, int], fanout: int, max_rows: int | None = None
) -> list[DataFile] | None:
    """The newest run of at least ``fanout`` consecutive files of one size class, if any.

    With ``max_rows`` (time series) a run never holds more rows than that: the newest
    stretch of at least ``fanout`` files of a class that fits is merged, looked for past the
    newest files too, since downsampled files sit between older and newer raw ones. A file
    that large is left as it is, so no merge's working memory grows with the session."""
    end = len(live)
    while end >= fanout:
        cls = size_class(rows.get(live[end - 1].path, 0), fanout)
        start = end - 1
        while start > 0 and size_class(rows.get(live[start - 1].path, 0), fanout) == cls:
            start -= 1
        if max_rows is None:
            return list(live[start:end]) if end - start >= fanout else None
        for last in range(end, start + fanout - 1, -1):
            first, total = last, 0
            while first > start and total + rows.get(live[first - 1].path, 0) <= max_rows:
                first -= 1
                total += rows.get(live[first].path, 0)
            if last - first >= fanout:
                return list(live[first:last])
        end = start
    return None


def stale_raw_span(
    live: Sequence[DataFile], raw_min: Mapping[Path, int | None], due_us: int
) -> tuple[int, int] | None:
    """The first and last of the live files holding raw rows older than ``due_us`` (merging
    them downsamples those rows); ``None`` when no file is due."""
    due = [i for i, f in enumerate(live) if (m := raw_min.get(f.path)) is not None and m < due_us]
    return (due[0], due[-1]) if due else None


def cap_span(
    live: Sequence[DataFile], rows: Mapping[Path, int], first: int, last: int, max_rows: int
) -> tuple[int, int]:
    """``first..last`` cut after the files that fit in ``max_rows`` rows (at least one):
    the rest is merged next, a merge at a time."""
    total = 0
    for i in range(first, last + 1):
        total += rows.get(live[i].path, 0)
        if total > max_rows and i > first:
            return first, i - 1
    return first, last


def all_folded(
    run: Sequence[DataFile],
    raw_min: Mapping[Path, int | None],
    ts_range: Mapping[Path, tuple[int, int] | None],
) -> bool:
    """Whether ``run`` holds only downsampled rows, each file's minutes its own (files
    written before ranges were recorded are not taken on trust): folding them again would
    change nothing, so their merge only joins them."""
    return all(raw_min.get(f.path) is None and _range(ts_range, f) != UNKNOWN_RANGE for f in run)


def _minute(us: int) -> int:
    return us - us % MINUTE_US


def widen_to_shared_minutes(
    live: Sequence[DataFile],
    ts_range: Mapping[Path, tuple[int, int] | None],
    first: int,
    last: int,
    cutoff_us: int,
) -> tuple[int, int]:
    """The span ``first..last`` of live files grown until no file outside it holds a row in a
    minute the merge folds (one before ``cutoff_us``): a minute folded in two merges would
    read as two rows. Files whose range is unknown may hold any minute.

    Journal generations end at a minute's start (``Flushing.flush``), so a span of files
    past the raw window usually needs no other: a merge rewrites only what it folds, never
    the table's folded history, which is what kept its working memory growing all day."""
    while True:
        ranges = [r for f in live[first : last + 1] if (r := _range(ts_range, f)) is not None]
        if not ranges:
            return first, last
        lo = _minute(min(r[0] for r in ranges))
        hi = _minute(min(max(r[1] for r in ranges), cutoff_us - 1))
        if lo > hi:  # nothing older than the cutoff: nothing is folded
            return first, last
        sharing = [
            i
            for i, f in enumerate(live)
            if (r := _range(ts_range, f)) is not None
            and _minute(r[0]) <= hi
            and _minute(r[1]) >= lo
        ]
        grown = (min([first, *sharing]), max([last, *sharing]))
        if grown == (first, last):
            return first, last
        first, last = grown


def _range(ts_range: Mapping[Path, tuple[int, int] | None], f: DataFile) -> tuple[int, int] | None:
    return ts_range.get(f.path, UNKNOWN_RANGE)
