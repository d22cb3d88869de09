"""Entry point the command line calls: `run_app`."""

from __future__ import annotations

import gc
import os
import sys

from tui.settings import LaunchOptions

#: Allocations between young-generation collections (CPython's default is 700).
GC_YOUNG_THRESHOLD = 20_000


#: jemalloc's options for polars' allocator (read when polars loads, after the first frame).
POLARS_MALLOC_CONF = "dirty_decay_ms:0,muzzy_decay_ms:0"


def tune_memory() -> None:
    """Have polars' allocator give freed pages back at once.

    Every flush and compaction of the store builds and drops polars frames; at jemalloc's
    defaults the freed pages stayed with the process, which grew ≈ 16 MB an hour recording
    500 symbols (RSS 156 → 566 MB over a simulated day, +50 % over the last 12 h; the same
    day without the store stays at 153 MB). Returning them at once keeps it near flat
    (156 → 211 MB, +5 %) at no cost measurable in the store's flush or reload. Must run
    before polars is imported; a value already in the environment is kept.
    """
    os.environ.setdefault("_RJEM_MALLOC_CONF", POLARS_MALLOC_CONF)


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
    tune_memory()
    from tui.app.app import PortingAlphaApp

    app = PortingAlphaApp(options)
    tune_gc()
    # The benchmark of the first frame runs without a terminal.
    headless = bool(os.environ.get("PORTING_ALPHA_BENCH_FIRST_FRAME"))
    result = app.run(headless=headless, size=(160, 48) if headless else None)
    code = int(result or 0)
    if app.quit_note:
        print(app.quit_note, file=sys.stderr)
    if code == 0 and app.return_code == 0:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)
    return code
