"""Entry point the command line calls: `run_app`."""

from __future__ import annotations

import os
import sys

from tui.settings import LaunchOptions


def run_app(options: LaunchOptions) -> int:
    """Run the full-screen app until the user quits; returns the exit code.

    A clean quit ends the process right here: the quit action has flushed and closed the
    store and stopped the feeds, so the interpreter's teardown of ccxt, polars and Textual
    (≈ 0.2 s with the screen already blank) would guard nothing.
    """
    from tui.app.app import PortingAlphaApp

    app = PortingAlphaApp(options)
    # The benchmark of the first frame runs without a terminal.
    headless = bool(os.environ.get("PORTING_ALPHA_BENCH_FIRST_FRAME"))
    result = app.run(headless=headless, size=(160, 48) if headless else None)
    code = int(result or 0)
    if code == 0 and app.return_code == 0:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)
    return code
