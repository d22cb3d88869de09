"""Fixtures for the app's tests: the frozen scenario with a still clock, a fixed app clock,
a temp data directory, and helpers that wait for the market data to arrive."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.app.staging import still_scenario_text
from tui.app.app import PortingAlphaApp
from tui.settings import LaunchOptions

FIXED_NOW = datetime(2026, 1, 5, tzinfo=UTC)
"""The frozen scenario's clock start: the app's clock in tests, so countdowns are stable."""

RECEIVED_AT = datetime(2026, 1, 5, 12, tzinfo=UTC)
"""This process's clock in tests, stopped: quotes arrive stamped with it and never age, so
nothing turns stale however slowly a loaded machine runs the test."""


@pytest.fixture
def still_scenario(tmp_path: Path) -> Path:
    """The frozen scenario with its clock stopped too (speed 0): every time is fixed."""
    path = tmp_path / "still.toml"
    path.write_text(still_scenario_text(), encoding="utf-8")
    return path


def make_app(
    data_dir: Path, scenario: Path, *, theme: str = "porting-dark", **options: Any
) -> PortingAlphaApp:
    """The demo app on ``scenario`` with a fixed clock and its own data directory."""
    launch = LaunchOptions(demo=True, scenario=scenario, data_dir=data_dir, theme=theme, **options)
    return PortingAlphaApp(launch, clock=lambda: FIXED_NOW, received_clock=lambda: RECEIVED_AT)


@pytest.fixture
def app_factory(tmp_path: Path, still_scenario: Path) -> Callable[..., PortingAlphaApp]:
    """Build demo apps on the still frozen scenario in a temp data dir."""

    def build(**options: Any) -> PortingAlphaApp:
        return make_app(tmp_path / "data", still_scenario, **options)

    return build
