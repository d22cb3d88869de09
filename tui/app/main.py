"""Entry point the command line calls: `run_app`."""

from __future__ import annotations

import gc
import os
import sys

from tui.settings import LaunchOptions

#: Allocations between young-generation collections (CPython's default is 700).
GC_YOUNG_THRESHOLD = 20_000


def tune_gc() -> None:
    """Collect less often, and never scan what was loaded at start.

    A ticking market allocates tens of thousands of short-lived objects a second (ccxt's
    tickers, quotes, rows): at CPython's defaults they survive young collections only to be
    promoted and trigger full ones, each scanning every object of Textual, pydantic and our
    modules — 100-380 ms pauses every second or two at 10,000 ticks/s, frozen keys and
    skipped refreshes. Freezing what is loaded at start takes it out of every scan; a larger
    young generation lets the short-lived die before they are promoted.
    """
    gc.freeze()
    gc.set_threshold(GC_YOUNG_THRESHOLD, 10, 10)


def run_app(options: LaunchOptions) -> int:
    """Run the full-screen app until the user quits; returns the exit code.

    A clean quit ends the process right here: the quit action has flushed and closed the
    store and stopped the feeds, so the interpreter's teardown of ccxt, polars and Textual
    (≈ 0.2 s with the screen already blank) would guard nothing.
    """
    from tui.app.app import PortingAlphaApp

    app = PortingAlphaApp(options)
    tune_gc()
    # The benchmark of the first frame runs without a terminal.
    headless = bool(os.environ.get("PORTING_ALPHA_BENCH_FIRST_FRAME"))
    result = app.run(headless=headless, size=(160, 48) if headless else None)
    code = int(result or 0)
    if code == 0 and app.return_code == 0:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)
    return code
