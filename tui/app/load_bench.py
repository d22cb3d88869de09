"""The app under wire load (docs/design.md §8): ticks through the wire to the screen, the
refresh rate, key latency, and our CPU per tick against ccxt's own parse of the same frames.

The venue is the simulator's all-market tape (`tui.sim.tape`), started by the caller in a
process of its own and given here by URL. The app runs headless at 160×48 as it runs for a
trader, except that its market session is an `AllMarketSession` following every perpetual
on the stream: each frame is read by ccxt.pro, turned into quotes, merged and recorded to the
store by the engine, posted to the main screen and folded into the view; the 4 Hz refresh
renders. Meanwhile keys are typed into the tilt builder. Measures, never asserts.
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from textual import events
from textual.widgets import Input

from tui.app.app import PortingAlphaApp
from tui.app.main import tune_gc
from tui.settings import LaunchOptions

#: Frames kept for replaying through ccxt's parser after the run (the last ones received).
REPLAY_FRAMES = 60


@dataclass
class WireLoadResult:
    """What one loaded run measured."""

    wire_ticks_per_s: float
    """Quotes that reached the app's view, per second (a tick = one symbol's update)."""
    refresh_hz: float
    """Refreshes that rendered fresh quotes, per second (the app aims at 4)."""
    key_p50_ms: float
    key_p95_ms: float
    keys: int
    cpu_us_per_tick: float
    """This process's CPU (all threads: websocket, ccxt, engine, store, app) per tick."""
    ccxt_parse_us_per_tick: float
    """ccxt's own handling of the same frames (JSON decode and ``markPriceUpdate`` parse)."""
    cpu_cores: float
    """This process's CPU over wall time during the run (1.0 = one core busy)."""
    seconds: float


class _FrameTap:
    """Keeps the last raw frames ccxt's websocket client hands to its parser."""

    def __init__(self) -> None:
        self.frames: deque[Any] = deque(maxlen=REPLAY_FRAMES)
        self.client: Any = None
        self._original: Callable[[Any], None] | None = None

    def attach(self, exchange: Any) -> bool:
        """Tap the first websocket client of ``exchange``; False while it has none yet."""
        clients = list(getattr(exchange, "clients", {}).values())
        if not clients:
            return False
        client = clients[0]
        original = client.handle_text_or_binary_message

        def tapped(data: Any) -> None:
            self.frames.append(data)
            original(data)

        client.handle_text_or_binary_message = tapped
        self.client, self._original = client, original
        return True

    def parse_cost_us(self) -> float:
        """CPU µs per tick for ccxt to decode and parse the kept frames again (after the run,
        with nobody waiting on the client, so nothing downstream of ccxt runs)."""
        if self._original is None or not self.frames:
            return float("nan")
        import orjson

        self.client.futures = {}
        ticks = sum(len(orjson.loads(frame)) for frame in self.frames)
        start = time.process_time()
        for frame in self.frames:
            self._original(frame)
        return (time.process_time() - start) / max(1, ticks) * 1e6


async def _until(check: Callable[[], bool], timeout: float, what: str) -> None:
    end = time.monotonic() + timeout
    while not check():
        if time.monotonic() > end:
            raise TimeoutError(f"the app did not get {what} within {timeout:.0f} s")
        await asyncio.sleep(0.05)


async def run_wire_load(
    tape_url: str, seconds: float = 10.0, warmup_s: float = 3.0
) -> WireLoadResult:
    """Run the app on the tape at ``tape_url`` for ``seconds`` while typing; measure."""
    from tui.engine.stream_all import AllMarketSession
    from tui.engine.venues import SIM_CREDENTIALS

    sessions: list[AllMarketSession] = []

    def factory(venue: str, **kwargs: Any) -> AllMarketSession:
        kwargs.update(sim_url=tape_url, credentials=SIM_CREDENTIALS)
        session = AllMarketSession(venue, follow_all=True, **kwargs)
        sessions.append(session)
        return session

    tap = _FrameTap()
    with tempfile.TemporaryDirectory() as tmp:
        app = PortingAlphaApp(LaunchOptions(data_dir=Path(tmp)), session_factory=factory)
        tune_gc()  # as `run_app` does for the app a trader starts
        async with app.run_test(size=(160, 48)) as pilot:
            await _until(lambda: bool(sessions) and sessions[0].stream_ticks > 0, 60, "ticks")
            session = sessions[0]
            await _until(lambda: tap.attach(session.exchange), 10, "a websocket")
            await asyncio.sleep(warmup_s)
            main = app.main
            ingested = 0
            refreshes: list[float] = []
            real_ingest = app.view.ingest_quotes
            real_refresh = main._refresh_dirty

            def counting_ingest(quotes: Any) -> None:
                nonlocal ingested
                ingested += len(quotes)
                real_ingest(quotes)

            def counting_refresh() -> None:
                if app.view.dirty_quotes:
                    refreshes.append(time.perf_counter())
                real_refresh()

            app.view.ingest_quotes = counting_ingest  # type: ignore[method-assign]
            main._refresh_dirty = counting_refresh  # type: ignore[method-assign]

            field = main.query_one("#field-window", Input)
            field.focus()
            await pilot.pause(0.1)
            driver = app._driver
            assert driver is not None
            latencies: list[float] = []
            keys = ["1", "backspace"]
            t0, cpu0 = time.perf_counter(), time.process_time()
            while time.perf_counter() - t0 < seconds:
                before = field.value
                key = keys[len(latencies) % 2]
                start = time.perf_counter()
                driver.send_message(events.Key(key, "1" if key == "1" else None))
                while field.value == before and time.perf_counter() - start < 2.0:
                    await asyncio.sleep(0)
                latencies.append((time.perf_counter() - start) * 1000.0)
                await asyncio.sleep(0.05)
            elapsed = time.perf_counter() - t0
            cpu = time.process_time() - cpu0
            ticks = ingested
            await app.action_quit()
    span = refreshes[-1] - refreshes[0] if len(refreshes) > 1 else 0.0
    return WireLoadResult(
        wire_ticks_per_s=ticks / elapsed,
        refresh_hz=(len(refreshes) - 1) / span if span > 0 else 0.0,
        key_p50_ms=statistics.median(latencies),
        key_p95_ms=sorted(latencies)[int(0.95 * (len(latencies) - 1))],
        keys=len(latencies),
        cpu_us_per_tick=cpu / max(1, ticks) * 1e6,
        ccxt_parse_us_per_tick=tap.parse_cost_us(),
        cpu_cores=cpu / elapsed,
        seconds=elapsed,
    )


def wire_load(tape_url: str, seconds: float = 10.0, warmup_s: float = 3.0) -> WireLoadResult:
    """`run_wire_load` from synchronous code."""
    return asyncio.run(run_wire_load(tape_url, seconds, warmup_s))
