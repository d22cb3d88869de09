"""``porting-alpha bench``: measure the budgets of docs/design.md §8 on this machine.

Each measurement is a median (or percentile) of repeated runs, printed next to its budget.
Nothing here asserts: the numbers are for people to read and compare across changes.
"""

from __future__ import annotations

import gc
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

Result = tuple[str, str, str, bool | None]
"""(metric, measured, budget, within budget — None when there is no verdict)."""


def _percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100.0 * (len(ordered) - 1))))
    return ordered[index]


def bench_planner(rounds: int = 200) -> Result:
    """Median time to plan a 50-asset tilt (all perps, a quarterly for each)."""
    from tui.core.models import MarketSpec, Portfolio, Quote, TiltSpec
    from tui.core.planner import plan_tilt

    now = datetime(2026, 1, 5, tzinfo=UTC)
    markets: list[MarketSpec] = []
    quotes: dict[str, Quote] = {}
    holdings: dict[str, float] = {}
    targets: dict[str, float] = {}
    for i in range(50):
        asset = f"A{i:02d}"
        price = 10.0 + i
        perp = MarketSpec(
            symbol=f"{asset}/USDT:USDT",
            base=asset,
            quote="USDT",
            settle="USDT",
            instrument="perp",
            amount_precision=0.01,
            min_amount=0.01,
            min_cost=5,
            max_leverage=50,
            funding_interval_hours=8,
        )
        fut = perp.model_copy(
            update={
                "symbol": f"{asset}/USDT:USDT-260327",
                "instrument": "future",
                "expiry": now + timedelta(days=81),
            }
        )
        markets += [perp, fut]
        quotes[perp.symbol] = Quote(
            symbol=perp.symbol, mark=price, index=price, funding_rate=0.0001
        )
        quotes[fut.symbol] = Quote(symbol=fut.symbol, mark=price * 1.02, index=price)
        holdings[asset] = 100.0
        targets[asset] = 0.03 if i % 2 else 0.01
    portfolio = Portfolio(holdings=holdings)
    tilt = TiltSpec(targets=targets, leverage=3, window_days=30)
    plan_tilt(portfolio, tilt, markets, quotes, venue="bench", now=now)  # warm: loads ccxt
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        plan_tilt(portfolio, tilt, markets, quotes, venue="bench", now=now)
        times.append((time.perf_counter() - start) * 1000)
    median = statistics.median(times)
    return ("planning a 50-asset tilt (median)", f"{median:.2f} ms", "≤ 5 ms", median <= 5.0)


def bench_store(quick: bool) -> list[Result]:
    """Store flush p99 and reload after a crash (the store's own benchmark)."""
    from tui.store.timing import bench_flush, bench_reload

    flush = bench_flush(200 if quick else 1000)
    reload = bench_reload(3 if quick else 5)
    return [
        (
            "store flush p50 / p99",
            f"{flush['p50_ms']:.2f} / {flush['p99_ms']:.2f} ms",
            "p99 ≤ 5 ms",
            flush["p99_ms"] <= 5.0,
        ),
        (
            "store reload after a crash (median)",
            f"{reload['p50_ms']:.1f} ms",
            "≤ 300 ms",
            reload["p50_ms"] <= 300.0,
        ),
    ]


def bench_ingest(seconds: float = 2.0) -> Result:
    """Quotes merged, recorded to the store and handed to a listener, per second (headless)."""
    from tui.core.models import MarketSpec, Quote
    from tui.engine.session import MarketSession
    from tui.store import Store

    with tempfile.TemporaryDirectory() as tmp, Store.open(Path(tmp)) as store:
        session = MarketSession("bench", store=store)
        symbols = [f"A{i:02d}/USDT:USDT" for i in range(50)]
        session.markets = {
            s: MarketSpec(symbol=s, base=s[:3], quote="USDT", settle="USDT", instrument="perp")
            for s in symbols
        }
        seen = 0

        def listener(event: Any) -> None:
            nonlocal seen
            seen += len(event.quotes)

        session._emit = listener
        start = time.perf_counter()
        count = 0
        price = 100.0
        while time.perf_counter() - start < seconds:
            price += 0.01
            batch = {
                s: Quote(symbol=s, mark=price, index=price, funding_rate=0.0001) for s in symbols
            }
            session._apply(batch)
            count += len(batch)
            if count % 5_000 == 0:
                store.maybe_flush()
        elapsed = time.perf_counter() - start
    rate = count / elapsed
    return (
        "ticks ingested, engine + store (headless)",
        f"{rate:,.0f} /s",
        "≥ 5,000 /s",
        rate >= 5_000,
    )


def bench_startup(runs: int) -> Result:
    """Process start to the app's first frame (``porting-alpha --demo``), median of ``runs``.

    The app, started with ``PORTING_ALPHA_BENCH_FIRST_FRAME``, runs headless, prints the
    wall-clock time of its first frame and exits; we subtract the time we spawned it.
    """
    times = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as tmp:
            env = {**os.environ, "PORTING_ALPHA_BENCH_FIRST_FRAME": "1"}
            start = time.time()
            proc = subprocess.run(
                [sys.executable, "-m", "tui", "--demo", "--data-dir", tmp],
                capture_output=True,
                text=True,
                timeout=60,
                env=env,
            )
        marker = [ln for ln in proc.stdout.splitlines() if ln.startswith("first-frame ")]
        if proc.returncode != 0 or not marker:
            return ("start to first frame", "could not measure", "≤ 0.8 s", None)
        times.append(float(marker[-1].split()[1]) - start)
    median = statistics.median(times)
    return ("start to first frame (median)", f"{median:.2f} s", "≤ 0.8 s", median <= 0.8)


def bench_ui(seconds: float) -> list[Result]:
    """The app headless at 160×48 flooded with 6,000 quotes/s while keys are typed."""
    from tui.app.load_bench import ui_load

    r = ui_load(6_000.0, seconds)
    return [
        (
            "ticks ingested by the app under load",
            f"{r.ingested_per_s:,.0f} /s",
            "≥ 5,000 /s",
            r.ingested_per_s >= 5_000,
        ),
        (
            "UI refresh rate under that load",
            f"{r.refresh_hz:.1f} Hz",
            "≥ 4 Hz",
            r.refresh_hz >= 3.9,
        ),
        (
            f"key press → handled, p95 ({r.keys} keys)",
            f"{r.key_p95_ms:.1f} ms (p50 {r.key_p50_ms:.1f})",
            "< 50 ms",
            r.key_p95_ms < 50,
        ),
    ]


def _rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    return float("nan")


def bench_rss(hours: float = 24.0, symbols: int = 20) -> Result:
    """RSS after a simulated session: ``hours`` of 1 s quotes for ``symbols``, through the store."""
    from tui.store import Store

    with tempfile.TemporaryDirectory() as tmp, Store.open(Path(tmp)) as store:
        start = datetime(2026, 1, 5, tzinfo=UTC)
        marks: list[float] = []
        seconds = int(hours * 3600)
        step = 10  # one batch per 10 simulated seconds keeps the run short
        for t in range(0, seconds, step):
            ts = start + timedelta(seconds=t)
            rows = [
                {
                    "ts": ts + timedelta(seconds=k),
                    "venue": "bench",
                    "symbol": f"S{i}",
                    "mark": 100.0 + i,
                    "index": 100.0 + i,
                    "bid": 99.9,
                    "ask": 100.1,
                }
                for k in range(step)
                for i in range(symbols)
            ]
            store.append_many("quotes", rows)
            if t % 600 == 0:
                store.flush()
            if t % 3600 == 0:
                gc.collect()
                marks.append(_rss_mb())
    last_half = marks[len(marks) // 2 :]
    growth = last_half[-1] - last_half[0] if last_half else 0.0
    text = f"{marks[-1]:.0f} MB (second half: {growth:+.0f} MB)"
    return (
        f"RSS after a simulated {hours:g} h session",
        text,
        "≤ 300 MB, flat",
        marks[-1] <= 300 and growth <= 30,
    )


def run(args: Any) -> int:
    """Run every benchmark and print a table."""
    quick = bool(getattr(args, "quick", False))
    steps: list[Callable[[], Result | list[Result]]] = [
        bench_planner,
        lambda: bench_store(quick),
        bench_ingest,
        lambda: bench_ui(4.0 if quick else 10.0),
        lambda: bench_rss(6.0 if quick else 24.0),
        lambda: bench_startup(3 if quick else 7),
    ]
    results: list[Result] = []
    for step in steps:
        outcome = step()
        for row in outcome if isinstance(outcome, list) else [outcome]:
            results.append(row)
            verdict = {True: "ok", False: "OVER", None: "?"}[row[3]]
            print(f"{row[0]:<44} {row[1]:>28}   budget {row[2]:<16} {verdict}", flush=True)
    return 0
