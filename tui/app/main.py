"""Entry point the command line calls: `run_app`."""

from __future__ import annotations

import os

from tui.settings import LaunchOptions


def run_app(options: LaunchOptions) -> int:
    """Run the full-screen app until the user quits; returns the exit code."""
    from tui.app.app import PortingAlphaApp

    app = PortingAlphaApp(options)
    # The benchmark of the first frame runs without a terminal.
    headless = bool(os.environ.get("PORTING_ALPHA_BENCH_FIRST_FRAME"))
    result = app.run(headless=headless, size=(160, 48) if headless else None)
    return int(result or 0)
