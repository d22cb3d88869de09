"""The app under load (docs/design.md §8): ticks ingested with the UI refreshing, key press latency.

Runs the real app headless at 160×48 on the simulator (default scenario), then floods it with
quote messages at a set rate — the same `QuotesArrived` messages the feeds worker posts —
while keys are typed into the tilt builder. Measures, does not assert.
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from textual import events
from textual.widgets import Input

from tui.app.app import PortingAlphaApp
from tui.app.messages import QuotesArrived
from tui.core.models import Quote
from tui.engine.events import QuotesUpdated
from tui.settings import LaunchOptions


@dataclass
class UiLoadResult:
    """What one loaded run measured."""

    offered_per_s: float
    ingested_per_s: float
    refresh_hz: float
    key_p50_ms: float
    key_p95_ms: float
    keys: int


async def _wait(check: Any, timeout: float) -> None:
    end = time.monotonic() + timeout
    while not check():
        if time.monotonic() > end:
            raise TimeoutError("the app did not get its market data in time")
        await asyncio.sleep(0.05)


async def run_ui_load(
    rate: float = 6_000.0, seconds: float = 6.0, batch_hz: float = 200.0
) -> UiLoadResult:
    """Flood the app with ``rate`` quotes/s for ``seconds`` while typing; measure."""
    with tempfile.TemporaryDirectory() as tmp:
        app = PortingAlphaApp(LaunchOptions(demo=True, data_dir=Path(tmp)))
        async with app.run_test(size=(160, 48)) as pilot:
            await _wait(lambda: len(app.view.quotes) >= 3, 30.0)
            symbols = sorted(app.view.markets)
            main = app.main
            ingested = 0
            refreshes = 0
            real_ingest = app.view.ingest_quotes
            real_refresh = main._refresh_dirty

            def counting_ingest(quotes: Any) -> None:
                nonlocal ingested
                ingested += len(quotes)
                real_ingest(quotes)

            def counting_refresh() -> None:
                nonlocal refreshes
                refreshes += 1
                real_refresh()

            app.view.ingest_quotes = counting_ingest  # type: ignore[method-assign]
            main._refresh_dirty = counting_refresh  # type: ignore[method-assign]

            stop = asyncio.Event()
            offered = 0

            async def flood() -> None:
                nonlocal offered
                start = time.perf_counter()
                step = 0
                while not stop.is_set():
                    step += 1
                    due = (time.perf_counter() - start) * rate
                    while offered < due:
                        quotes = {
                            s: Quote(symbol=s, mark=100.0 + (step % 50) * 0.01, index=100.0)
                            for s in symbols
                        }
                        main.post_message(QuotesArrived(QuotesUpdated("bench", quotes)))
                        offered += len(quotes)
                    await asyncio.sleep(1.0 / batch_hz)

            field = main.query_one("#field-window", Input)
            field.focus()
            await pilot.pause(0.1)
            flooding = asyncio.create_task(flood())
            t0 = time.perf_counter()
            latencies: list[float] = []
            driver = app._driver
            assert driver is not None
            keys = ["1", "backspace"]
            index = 0
            while time.perf_counter() - t0 < seconds:
                before = field.value
                key = keys[index % 2]
                index += 1
                start = time.perf_counter()
                driver.send_message(events.Key(key, "1" if key == "1" else None))
                while field.value == before and time.perf_counter() - start < 2.0:
                    await asyncio.sleep(0)
                latencies.append((time.perf_counter() - start) * 1000.0)
                await asyncio.sleep(0.05)
            elapsed = time.perf_counter() - t0
            stop.set()
            await flooding
            return UiLoadResult(
                offered_per_s=offered / elapsed,
                ingested_per_s=ingested / elapsed,
                refresh_hz=refreshes / elapsed,
                key_p50_ms=statistics.median(latencies),
                key_p95_ms=sorted(latencies)[int(0.95 * (len(latencies) - 1))],
                keys=len(latencies),
            )


def ui_load(rate: float = 6_000.0, seconds: float = 6.0) -> UiLoadResult:
    """`run_ui_load` from synchronous code."""
    return asyncio.run(run_ui_load(rate, seconds))
