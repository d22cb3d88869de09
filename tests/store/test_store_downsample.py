"""Bounded long sessions: raw ticks kept for the raw window, one row per minute beyond it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl

from tui.store import Store


def ticks(start: datetime, seconds: int, symbol: str) -> list[dict[str, object]]:
    return [
        {
            "ts": start + timedelta(seconds=s),
            "venue": "sim",
            "symbol": symbol,
            "mark": float(s),
            "bid": None if s % 2 else float(s) - 1,
        }
        for s in range(seconds)
    ]


def test_rows_beyond_the_raw_window_are_downsampled(data_dir: Path) -> None:
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    old = now - timedelta(hours=3)  # beyond a 1 h window
    with Store.open(data_dir, raw_window=timedelta(hours=1)) as s:
        s.append_many("quotes", ticks(old, 180, "BTC") + ticks(old, 120, "ETH"))
        s.append_many("quotes", ticks(now - timedelta(minutes=10), 90, "BTC"))
        s.flush()
        s.compact()
        df = s.read("quotes")
    old_rows = df.filter(pl.col("ts") < now - timedelta(hours=1))
    assert old_rows.height == 3 + 2  # one per minute and symbol
    btc = old_rows.filter(pl.col("symbol") == "BTC").sort("ts")
    assert btc["mark"].to_list() == [59.0, 119.0, 179.0]  # the minute's last value
    assert btc["bid"].to_list() == [57.0, 117.0, 177.0]  # last non-null value
    assert btc["ts"].to_list() == [old + timedelta(minutes=m) for m in range(3)]
    assert df.filter(pl.col("ts") >= now - timedelta(hours=1)).height == 90  # raw kept


def test_downsampling_is_stable_across_reopen_and_more_compactions(data_dir: Path) -> None:
    old = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(hours=8)
    with Store.open(data_dir) as s:
        s.append_many(
            "funding",
            [
                {**{k: v for k, v in r.items() if k != "bid"}, "rate": 0.0001}
                for r in ticks(old, 600, "BTC")
            ],
        )
        s.flush()
        s.compact()
        first = s.read("funding")
    with Store.open(data_dir) as s:
        s.compact()
        assert s.read("funding").equals(first)
        assert first.height == 10
