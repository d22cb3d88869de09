"""Entry point the command line calls: `run_app`."""

from __future__ import annotations

from tui.settings import LaunchOptions


def run_app(options: LaunchOptions) -> int:
    """Run the full-screen app until the user quits; returns the exit code."""
    from tui.app.app import PortingAlphaApp

    app = PortingAlphaApp(options)
    result = app.run()
    return int(result or 0)
