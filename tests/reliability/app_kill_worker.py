"""Run by ``test_kill_app.py``: the real app, driven by keys, through a tilt's life until killed.

Usage: ``python app_kill_worker.py DATA_DIR SCENARIO``. Runs the demo app headless (Textual's
test driver presses the same keys a user would), builds the 40/60 tilt, opens the review,
prints ``ready``, waits for a line on stdin (the parent's go: the kill is timed from it, however
long the parent took to get there), confirms with ``y``, prints ``open`` once the tilt is open, then unwinds it
(``u``, ``y``), prints ``closed``, and keeps running. The parent SIGKILLs it at a random
moment after ``ready``.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from tests.app.conftest import make_app
from tests.app.staging import market_ready, wait_until
from tests.app.test_flow import build_tilt
from tui.app.modals.confirm import ConfirmOrders


def say(word: str) -> None:
    """Tell the parent where the life has got to."""
    print(word, flush=True)


async def main(data_dir: Path, scenario: Path) -> None:
    app = make_app(data_dir, scenario)
    async with app.run_test(size=(160, 48)) as pilot:
        await market_ready(pilot)
        await build_tilt(pilot)
        await pilot.press("c")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmOrders))
        say("ready")
        await asyncio.to_thread(sys.stdin.readline)
        await pilot.press("y")
        await wait_until(pilot, lambda: app.desk is not None and app.desk.open_tilt is not None)
        say("open")
        await pilot.press("u")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmOrders))
        await pilot.press("y")
        await wait_until(pilot, lambda: app.desk is not None and app.desk.open_tilt is None)
        say("closed")
        await asyncio.sleep(60)


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1]), Path(sys.argv[2])))
