"""Fixtures: a simulator on loopback and a market session listening to it.

Both clocks are stopped: the simulator's (its market stays at the frozen scenario's start,
2026-01-05 00:00 UTC) and the session's (receive stamps, and the venue clock carried forward
from its one reading). Feed health still runs on real elapsed time: that is what it measures.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from tui.engine.events import EngineEvent, FeedStatus
from tui.engine.health import Pacing
from tui.engine.session import MarketSession
from tui.sim.scenario import default_scenario_path, load_scenario
from tui.sim.server import SimServer

FROZEN = default_scenario_path().with_name("frozen.toml")
#: The frozen scenario's clock start, 2026-01-05T00:00:00Z: what the venue's clock says.
START = datetime(2026, 1, 5, tzinfo=UTC)
#: The session's own (stopped) clock: any moment but the venue's, to tell the two apart.
OUR_CLOCK = datetime(2026, 11, 24, 3, 17, tzinfo=UTC).timestamp()


@pytest.fixture
async def sim() -> AsyncIterator[SimServer]:
    server = SimServer(load_scenario(FROZEN), stream_interval_s=0.2, wall_clock=lambda: 0.0)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


class Recorder:
    """Collects engine events; `wait_for` polls a condition with a deadline."""

    def __init__(self) -> None:
        self.events: list[EngineEvent] = []

    def __call__(self, event: EngineEvent) -> None:
        self.events.append(event)

    def of(self, kind: type) -> list[Any]:
        return [e for e in self.events if isinstance(e, kind)]

    def states(self, feed: str) -> list[str]:
        return [e.state for e in self.of(FeedStatus) if e.feed == feed]

    def statuses(self, feed: str) -> list[FeedStatus]:
        return [e for e in self.of(FeedStatus) if e.feed == feed]

    async def wait_for(self, condition: Callable[[], Any], timeout: float = 15.0) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out; last events: {self.events[-5:]}")
            await asyncio.sleep(0.05)


@pytest.fixture
async def session(sim: SimServer) -> AsyncIterator[tuple[MarketSession, Recorder]]:
    market = MarketSession(
        "binanceusdm",
        sim_url=sim.url,
        assets=["BTC", "ETH"],
        poll_seconds=0.2,
        pacing=Pacing(stale_floor_s=1.0),
        credentials={"apiKey": "demo-key", "secret": "demo-secret"},
        wall_clock=lambda: OUR_CLOCK,
    )
    events = Recorder()
    task = asyncio.create_task(market.run(events))
    try:
        yield market, events
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
