"""What merging files does to rows: the key semantics of log tables, downsampling of time
series, and the size-tiered choice of which files to merge.

Merges are chosen so a flush never rewrites history: files of similar size are merged
``fanout`` at a time (cost proportional to the data merged, so rare for large files), and
raw series rows older than the raw window are folded into one row per minute and group.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path

import polars as pl

from tui.store.files import DataFile
from tui.store.schemas import TableSpec

BUCKET = "1m"
"""Downsampled resolution of time series beyond the raw window."""


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


def size_class(rows: int, fanout: int) -> int:
    """The tier of a file of ``rows`` rows: files of one tier are merged together."""
    return int(math.log(max(rows, 1), fanout))


def next_tier_merge(
    live: Sequence[DataFile], rows: Mapping[Path, int], fanout: int
) -> list[DataFile] | None:
    """The newest run of at least ``fanout`` consecutive files of one size class, if any."""
    if len(live) < fanout:
        return None
    run = [live[-1]]
    cls = size_class(rows.get(live[-1].path, 0), fanout)
    for f in reversed(live[:-1]):
        if size_class(rows.get(f.path, 0), fanout) != cls:
            break
        run.append(f)
    return list(reversed(run)) if len(run) >= fanout else None


def stale_raw_prefix(
    live: Sequence[DataFile], raw_min: Mapping[Path, int | None], due_us: int
) -> list[DataFile] | None:
    """The live files up to the last one holding raw rows older than ``due_us``: merging
    them downsamples those rows. ``None`` when no file is due."""
    last = -1
    for i, f in enumerate(live):
        m = raw_min.get(f.path)
        if m is not None and m < due_us:
            last = i
    return list(live[: last + 1]) if last >= 0 else None
