"""Store benchmarks for the project's bench command (docs/design.md §8: flush p99 ≤ 5 ms,
reload after a crash ≤ 300 ms). They measure and report; they never assert."""

from __future__ import annotations

import shutil
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from tui.store.store import Store

SYMBOLS = [
    f"{a}/USDT:USDT"
    for a in ("BTC", "ETH", "SOL", "BNB", "XRP", "ADA", "DOGE", "AVAX", "LINK", "DOT")
]


def _pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _summary(samples_s: list[float]) -> dict[str, float]:
    ms = [s * 1000.0 for s in samples_s]
    return {"p50_ms": statistics.median(ms), "p99_ms": _pct(ms, 0.99), "max_ms": max(ms)}


def _quotes(ts: datetime, n_per_symbol: int, step: timedelta) -> list[dict[str, Any]]:
    return [
        {
            "ts": ts + k * step,
            "venue": "binanceusdm",
            "symbol": sym,
            "mark": 100.0 + k,
            "index": 100.0,
            "bid": 99.5 + k,
            "ask": 100.5 + k,
            "last": 100.0 + k,
        }
        for k in range(n_per_symbol)
        for sym in SYMBOLS
    ]


def _funding(ts: datetime) -> list[dict[str, Any]]:
    return [
        {
            "ts": ts,
            "venue": "binanceusdm",
            "symbol": sym,
            "rate": 0.0001,
            "interval_hours": 8.0,
            "annualized": 0.1095,
            "mark": 100.0,
            "index": 100.0,
            "next_funding_time": ts,
        }
        for sym in SYMBOLS
    ]


def bench_flush(n_rounds: int = 1000, ticks_per_symbol: int = 4) -> dict[str, float]:
    """Time ``flush()`` over ``n_rounds`` rounds of one second's data each: 10 symbols ×
    ``ticks_per_symbol`` quotes and a funding row per symbol. Compactions happen at their
    default pace (every 300 flushes) and are included. Returns p50/p99/max in ms."""
    samples: list[float] = []
    with tempfile.TemporaryDirectory(prefix="pa-bench-") as tmp:
        store = Store.open(Path(tmp))
        start = datetime.now(UTC) - timedelta(seconds=n_rounds)
        for r in range(n_rounds):
            ts = start + timedelta(seconds=r)
            store.append_many("quotes", _quotes(ts, ticks_per_symbol, timedelta(milliseconds=250)))
            store.append_many("funding", _funding(ts))
            t0 = time.perf_counter()
            store.flush()
            samples.append(time.perf_counter() - t0)
        store.close()
    out = _summary(samples)
    out["rounds"] = float(n_rounds)
    out["rows_per_flush"] = float(len(SYMBOLS) * (ticks_per_symbol + 1))
    return out


def _crashed_session(directory: Path, hours: float) -> dict[str, float]:
    """Fill ``directory`` with a session of ``hours`` (1 Hz quotes per symbol, funding per
    minute, orders, audit), then leave 5 minutes of flushed rows in the journal and abandon
    the store as ``kill -9`` would."""
    store = Store.open(directory)
    start = datetime.now(UTC) - timedelta(hours=hours)
    seconds = int(hours * 3600)
    chunk = 600
    for c in range(0, seconds, chunk):
        ts = start + timedelta(seconds=c)
        store.append_many("quotes", _quotes(ts, chunk, timedelta(seconds=1)))
        for m in range(0, chunk, 60):
            store.append_many("funding", _funding(ts + timedelta(seconds=m)))
        store.flush()
        store.compact()
    for i in range(500):
        store.record_order(
            {
                "client_order_id": f"b{i}",
                "symbol": SYMBOLS[i % 10],
                "side": "buy",
                "amount": 1.0,
                "status": "filled",
            }
        )
        store.audit("order", f"order b{i}", i=i)
    for r in range(300):  # the last 5 minutes: flushed to the journal, never compacted
        ts = datetime.now(UTC) + timedelta(seconds=r)
        store.append_many("quotes", _quotes(ts, 1, timedelta(seconds=1)))
        store.flush()
    rows = float(store.read("quotes").height)
    store._abandon()
    return {"quote_rows": rows}


def bench_reload(n_runs: int = 5, hours: float = 6.0) -> dict[str, float]:
    """Time ``Store.open`` after a crash (journal to replay, every file checked) on a
    ``hours``-long session, and one full ``read("quotes")``. Returns p50/p99/max in ms."""
    samples: list[float] = []
    reads: list[float] = []
    with tempfile.TemporaryDirectory(prefix="pa-bench-") as tmp:
        base = Path(tmp) / "base"
        info = _crashed_session(base, hours)
        for run in range(n_runs):
            work = Path(tmp) / f"run{run}"
            shutil.copytree(base, work)
            t0 = time.perf_counter()
            store = Store.open(work)
            samples.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            store.read("quotes")
            reads.append(time.perf_counter() - t0)
            store._abandon()
    out = _summary(samples)
    out["read_quotes_p50_ms"] = statistics.median(reads) * 1000.0
    out.update(info)
    return out


if __name__ == "__main__":
    print("flush ", bench_flush())
    print("reload", bench_reload())
