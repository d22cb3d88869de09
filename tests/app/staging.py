"""Bringing the running app to a still, fully loaded screen: for snapshot tests and screenshots.

Test code, kept out of the package: scripts/screenshots.py imports it from the repository root.

Both drive the app with a Textual `Pilot` on the frozen scenario and need the same thing:
wait until markets, quotes, history and a plan are in, then stop the feeds and pin what is
shown so nothing moves between the moment of waiting and the picture.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

from textual.pilot import Pilot

from tui.app.app import PortingAlphaApp
from tui.app.screens.main import PLAN_DEBOUNCE_S

#: The bundled frozen scenario (vol 0, fixed clock start).
FROZEN_SCENARIO = Path(__file__).resolve().parents[2] / "tui" / "sim" / "scenarios" / "frozen.toml"


def still_scenario_text() -> str:
    """The frozen scenario with its clock stopped too (speed 0): every time on screen is fixed."""
    text = FROZEN_SCENARIO.read_text(encoding="utf-8").replace("speed = 1.0", "speed = 0.0")
    if "speed = 0.0" not in text:
        raise ValueError("the frozen scenario no longer says 'speed = 1.0'")
    return text


#: How often `wait_until` looks again: short, since every test waits on conditions this way.
#: It sleeps rather than `pilot.pause`: that makes every widget of the screen answer first,
#: ≈ 6 ms of CPU a look (15 % of a core at this rate, taken from the other test workers).
POLL_S = 0.02


async def wait_until(pilot: Pilot[Any], check: Callable[[], bool], timeout: float = 20.0) -> None:
    """Pause until ``check()`` holds; `AssertionError` after ``timeout`` seconds."""
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not check():
        if loop.time() > end:
            raise AssertionError("timed out waiting for the app")
        await asyncio.sleep(POLL_S)  # the app runs meanwhile: same event loop
    await pilot.pause(0)  # and the screen has handled what was posted (a new one is composed)


async def market_ready(pilot: Pilot[Any], *, freeze: bool = True) -> None:
    """Wait for markets, quotes, history and a plan; then (``freeze``) stop the feeds and pin
    the feed state to live, re-planned on every quote now in."""
    app = pilot.app
    assert isinstance(app, PortingAlphaApp)
    s = app.view
    await wait_until(
        pilot,
        lambda: (
            len(s.markets) >= 4
            and all(sym in s.quotes for sym in s.markets)
            and s.history_complete()
            and s.plan is not None
        ),
    )
    if freeze:
        feeds = app.workers.cancel_group(app, "feeds")
        # Once the feeds worker has finished (session and simulator closed) nothing more is
        # posted; then let the messages it already posted drain before pinning the state.
        await wait_until(pilot, lambda: all(w.is_finished for w in feeds))
        await pilot.pause()
        s.feed_state, s.feeds, s.last_quote_at = "live", {}, None
        s.spread_samples.clear()
        app.main.tick_clock()
        app.main.plan_now()  # on every quote now in, not the last throttled re-plan
        app.main.render_all()
    await pilot.pause()  # the panes redrawn with what was just pinned


async def type_into(pilot: Pilot[Any], selector: str, value: str) -> None:
    """Focus an input and replace its text by typing, as a user would."""
    field = pilot.app.screen.query_one(selector)
    field.focus()
    await pilot.pause()
    field.value = ""  # type: ignore[attr-defined]
    await pilot.press(*list(value))
    # A field of the main screen re-plans once typing has paused for the debounce.
    await pilot.pause(PLAN_DEBOUNCE_S)
    await pilot.pause()
