"""The in-process budgets: planning a 50-asset tilt, the store's flush and its reload."""

from __future__ import annotations

import statistics
import time
from datetime import UTC, datetime, timedelta

from tui.commands.bench.report import Metric


def plan_50_assets(rounds: int = 200) -> Metric:
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
    return Metric("plan_50_assets_ms", median, "ms", "<=", 5.0, f"median of {rounds}")


def store(rounds: int, reloads: int) -> list[Metric]:
    """The store's own benchmark: flush p99 over ``rounds`` flushes and reload after a
    crash (median of ``reloads``)."""
    from tui.store.timing import bench_flush, bench_reload

    flush = bench_flush(rounds)
    reload = bench_reload(reloads)
    return [
        Metric(
            "store_flush_p99_ms",
            flush["p99_ms"],
            "ms",
            "<=",
            5.0,
            f"p50 {flush['p50_ms']:.2f} ms over {rounds} flushes",
        ),
        Metric(
            "reload_after_kill_ms",
            reload["p50_ms"],
            "ms",
            "<=",
            300.0,
            f"median of {reloads} reloads after a crash",
        ),
    ]
