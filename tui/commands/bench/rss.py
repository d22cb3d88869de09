"""RSS over a simulated 24 h session: a process shaped like the app's, recording a day of
quotes for N symbols through the engine's recorder into the store.

Run as ``python -m tui.commands.bench.rss --symbols 500 --hours 24 --step 10`` (a process of
its own, so the figure is that session's and nothing else's); prints one JSON line. The
process takes the app's allocator and collector policies and imports what a running app has
loaded (Textual and our app, ccxt.pro, polars); then each simulated ``step`` seconds every
symbol gets a fresh quote (mark, index, funding), merged over the last one and recorded, the
store flushed once a simulated minute. The store runs on the simulated clock (its raw window
ends at the simulated now, as it ends at the real now in an app), so rows stay raw for the
window and are downsampled past it. Once a simulated hour RSS is read twice: now, and the
most it reached since the last reading (the kernel's high-water mark, reset each hour) — the
peak is what the machine must hold; a reading at an instant misses the working memory of a
compaction that ran between two readings. A day at one quote per symbol every 10 s is 4.3 M
rows for 500 symbols.
"""

from __future__ import annotations

import argparse
import json
import math
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any


def _status_mb(field: str) -> float:
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith(field):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return float("nan")


def rss_mb() -> float:
    """This process's resident set, MB (from /proc; NaN where there is none)."""
    return _status_mb("VmRSS:")


def peak_rss_mb() -> float:
    """The most this process has held resident since the last ``reset_peak``, MB."""
    return _status_mb("VmHWM:")


def reset_peak() -> None:
    """Start the high-water mark over at the current RSS (Linux; a no-op where refused, the
    peak then runs from the process's start)."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as fh:
            fh.write("5")
    except OSError:
        pass


def simulate(symbols: int, hours: float, step_s: int) -> dict[str, Any]:
    """Record ``hours`` of quotes for ``symbols`` perps; RSS and its peak by the hour
    (``marks``: ``[hour, rss_mb, peak_mb_since_the_last_mark]``)."""
    from tui.app.main import tune_gc, tune_memory

    tune_memory()  # as `run_app` does, before polars loads
    import ccxt.pro  # noqa: F401  (loaded by every running app)

    import tui.app.app  # noqa: F401  (Textual and the app's modules)
    from tui.core.models import MarketSpec, Quote
    from tui.engine.quotes import merge_quote
    from tui.engine.recorder import QuoteRecorder
    from tui.store import Store

    tune_gc()
    start = datetime(2026, 1, 5, tzinfo=UTC)
    names = [f"X{i:04d}/USDT:USDT" for i in range(symbols)]
    markets = {
        s: MarketSpec(symbol=s, base=s[:5], quote="USDT", settle="USDT", instrument="perp")
        for s in names
    }
    quotes: dict[str, Quote] = {}
    marks: list[tuple[float, float, float]] = []
    now = [start]
    began = time.perf_counter()
    with (
        tempfile.TemporaryDirectory() as tmp,
        Store.open(Path(tmp), clock=lambda: now[0]) as store,
    ):
        recorder = QuoteRecorder(store, "bench")
        seconds = int(hours * 3600)
        for t in range(0, seconds + 1, step_s):
            at = now[0] = start + timedelta(seconds=t)
            settles = start + timedelta(hours=(t // 28_800 + 1) * 8)
            fresh = {}
            for i, symbol in enumerate(names):
                price = 100.0 + i + math.sin(t / 600.0 + i)
                fresh[symbol] = merge_quote(
                    quotes.get(symbol),
                    Quote(
                        symbol=symbol,
                        mark=price,
                        index=price * 0.9999,
                        funding_rate=0.0001,
                        next_funding_time=settles,
                        received_at=at,
                    ),
                )
            quotes.update(fresh)
            recorder.record(fresh.values(), markets)
            if t % 60 < step_s:
                store.flush()
            if t % 3600 < step_s:
                marks.append((t / 3600.0, rss_mb(), peak_rss_mb()))
                reset_peak()
    return {
        "marks": marks,
        "rows": len(names) * (seconds // step_s + 1),
        "wall_s": time.perf_counter() - began,
    }


def main(argv: list[str] | None = None) -> None:
    """Print the simulation's result as one JSON line."""
    parser = argparse.ArgumentParser(prog="python -m tui.commands.bench.rss")
    parser.add_argument("--symbols", type=int, default=500)
    parser.add_argument("--hours", type=float, default=24.0)
    parser.add_argument("--step", type=int, default=10)
    args = parser.parse_args(argv)
    print(json.dumps(simulate(args.symbols, args.hours, args.step)), flush=True)


if __name__ == "__main__":
    main()
