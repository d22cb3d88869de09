"""Write SVG screenshots of the running app to ``screenshots/`` (for the README).

Runs the app headless on the simulated exchange (frozen scenario, its clock stopped) at
160×48: the main screen, the confirm modal, an active tilt, and the main screen in the
light theme. Usage: ``python scripts/screenshots.py [--out screenshots]``.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# The staging helpers are test code (tests/app/staging.py), not part of the package.
sys.path.insert(0, str(ROOT))

from tests.app.staging import (  # noqa: E402
    market_ready,
    still_scenario_text,
    type_into,
    wait_until,
)
from tui.app.app import PortingAlphaApp  # noqa: E402
from tui.app.modals.confirm import ConfirmOrders  # noqa: E402
from tui.settings import LaunchOptions  # noqa: E402

NOW = datetime(2026, 1, 5, tzinfo=UTC)
SIZE = (160, 48)


async def shoot(out: Path, scenario: Path, data_dir: Path, theme: str, names: list[str]) -> None:
    """Run one app session and save the screens named in ``names``."""
    options = LaunchOptions(demo=True, scenario=scenario, data_dir=data_dir, theme=theme)
    app = PortingAlphaApp(options, clock=lambda: NOW, received_clock=lambda: NOW)
    app.tilt_ids = lambda _now: "T20260105-0000-demo"
    async with app.run_test(size=SIZE) as pilot:
        await market_ready(pilot)
        await type_into(pilot, "#target-BTC", "40")
        await type_into(pilot, "#target-ETH", "60")
        await type_into(pilot, "#field-leverage", "5")
        await type_into(pilot, "#field-stop-loss", "2")
        await pilot.press("enter")
        await pilot.pause(0.5)
        app.save_screenshot(names[0], str(out))
        if len(names) == 1:
            return
        await pilot.press("c")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmOrders))
        await pilot.pause(0.3)
        app.save_screenshot(names[1], str(out))
        await pilot.press("y")
        await wait_until(pilot, lambda: app.desk is not None and app.desk.open_tilt is not None)
        await pilot.pause(0.8)
        app.clear_notifications()
        await pilot.pause(0.3)
        app.save_screenshot(names[2], str(out))


def main() -> int:
    """Write the four screenshots."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "screenshots")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        scenario = Path(tmp) / "still.toml"
        scenario.write_text(still_scenario_text(), encoding="utf-8")
        asyncio.run(
            shoot(
                args.out,
                scenario,
                Path(tmp) / "dark",
                "porting-dark",
                ["main.svg", "confirm.svg", "active-tilt.svg"],
            )
        )
        asyncio.run(
            shoot(args.out, scenario, Path(tmp) / "light", "porting-light", ["main-light.svg"])
        )
    for name in ("main.svg", "confirm.svg", "active-tilt.svg", "main-light.svg"):
        print(args.out / name)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
