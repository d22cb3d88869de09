"""Fixtures for the app's tests: the frozen scenario with a still clock, a fixed app clock,
a temp data directory, and helpers that wait for the market data to arrive."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from tui.app.app import PortingAlphaApp
from tui.settings import LaunchOptions

FROZEN = Path(__file__).resolve().parents[2] / "tui" / "sim" / "scenarios" / "frozen.toml"
FIXED_NOW = datetime(2026, 1, 5, tzinfo=UTC)
"""The frozen scenario's clock start: the app's clock in tests, so countdowns are stable."""


@pytest.fixture
def still_scenario(tmp_path: Path) -> Path:
    """The frozen scenario with its clock stopped too (speed 0): every time is fixed."""
    text = FROZEN.read_text(encoding="utf-8").replace("speed = 1.0", "speed = 0.0")
    assert "speed = 0.0" in text
    path = tmp_path / "still.toml"
    path.write_text(text, encoding="utf-8")
    return path


def make_app(
    data_dir: Path, scenario: Path, *, theme: str = "porting-dark", **options: Any
) -> PortingAlphaApp:
    """The demo app on ``scenario`` with a fixed clock and its own data directory."""
    launch = LaunchOptions(demo=True, scenario=scenario, data_dir=data_dir, theme=theme, **options)
    return PortingAlphaApp(launch, clock=lambda: FIXED_NOW)


@pytest.fixture
def app_factory(tmp_path: Path, still_scenario: Path) -> Callable[..., PortingAlphaApp]:
    """Build demo apps on the still frozen scenario in a temp data dir."""

    def build(**options: Any) -> PortingAlphaApp:
        return make_app(tmp_path / "data", still_scenario, **options)

    return build


async def wait_for(pilot: Pilot[Any], check: Callable[[], bool], timeout: float = 20.0) -> None:
    """Pause until ``check()`` holds (or fail after ``timeout`` seconds)."""
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not check():
        if loop.time() > end:
            raise AssertionError("timed out waiting for the app")
        await pilot.pause(0.1)


async def market_ready(pilot: Pilot[Any], *, freeze: bool = True) -> None:
    """Wait for markets, quotes, history and a plan; then (``freeze``) stop the feeds and pin the
    feed state to live, so what is on screen no longer depends on feed timing."""
    app = pilot.app
    assert isinstance(app, PortingAlphaApp)
    s = app.state
    await wait_for(
        pilot,
        lambda: (
            len(s.markets) >= 4
            and all(sym in s.quotes for sym in s.markets)
            and s.history_complete()
            and s.plan is not None
        ),
    )
    if freeze:
        app.workers.cancel_group(app, "feeds")
        await pilot.pause(0.2)
        s.feed_state, s.feeds, s.last_quote_at = "live", {}, None
        s.spread_samples.clear()
        app.tick_clock()
        app.plan_now()  # on every quote now in, not the last throttled re-plan
        app.render_all()
    await pilot.pause(0.3)


async def set_field(pilot: Pilot[Any], selector: str, value: str) -> None:
    """Focus an input, replace its text by typing, as a user would."""
    app = pilot.app
    field = app.screen.query_one(selector)
    field.focus()
    await pilot.pause()
    field.value = ""  # type: ignore[attr-defined]
    await pilot.press(*list(value))
    await pilot.pause(0.3)
