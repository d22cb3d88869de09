"""Snapshots of the main screen, the confirm modal and an active tilt, in both themes, at
160×48, 100×30 and 80×24 (what each size shows: tests/app/test_small_terminals.py).

The frozen scenario with its clock stopped, a fixed app clock and a pinned tilt id: every run
draws the same screen. Update with ``pytest --snapshot-update``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from tests.app.conftest import make_app
from tests.app.staging import market_ready
from tests.app.staging import type_into as set_field
from tests.app.staging import wait_until as wait_for
from tui.app.modals.confirm import ConfirmOrders

SIZES = {"160x48": (160, 48), "100x30": (100, 30), "80x24": (80, 24)}
THEMES = ["porting-dark", "porting-light"]


async def _tilt(pilot: Pilot[Any]) -> None:
    await market_ready(pilot)
    await set_field(pilot, "#target-BTC", "40")
    await set_field(pilot, "#target-ETH", "60")
    await set_field(pilot, "#field-leverage", "5")
    await set_field(pilot, "#field-stop-loss", "2")
    await pilot.press("enter")
    await pilot.pause()  # Enter re-planned and focused the legs at once


async def _confirm(pilot: Pilot[Any]) -> None:
    await _tilt(pilot)
    await pilot.press("c")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, ConfirmOrders))
    await pilot.pause(0.3)


async def _active(pilot: Pilot[Any]) -> None:
    await _confirm(pilot)
    await pilot.press("y")
    await wait_for(
        pilot, lambda: pilot.app.desk is not None and pilot.app.desk.open_tilt is not None
    )  # type: ignore[attr-defined]
    pilot.app.clear_notifications()
    await pilot.pause(0.6)


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("theme", THEMES)
class TestScreens:
    """The three screens a user sees most, per theme and terminal size."""

    def _app(self, tmp_path: Path, still_scenario: Path, theme: str) -> Any:
        app = make_app(tmp_path / "data", still_scenario, theme=theme)
        app.tilt_ids = lambda _now: "T20260105-0000-snap"
        return app

    def test_main(
        self, snap_compare: Any, tmp_path: Path, still_scenario: Path, theme: str, size: str
    ) -> None:
        app = self._app(tmp_path, still_scenario, theme)
        assert snap_compare(app, terminal_size=SIZES[size], run_before=market_ready)

    def test_confirm_modal(
        self, snap_compare: Any, tmp_path: Path, still_scenario: Path, theme: str, size: str
    ) -> None:
        app = self._app(tmp_path, still_scenario, theme)
        assert snap_compare(app, terminal_size=SIZES[size], run_before=_confirm)

    def test_active_tilt(
        self, snap_compare: Any, tmp_path: Path, still_scenario: Path, theme: str, size: str
    ) -> None:
        app = self._app(tmp_path, still_scenario, theme)
        assert snap_compare(app, terminal_size=SIZES[size], run_before=_active)
