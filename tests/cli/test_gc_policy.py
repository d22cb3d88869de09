"""The app's collector policy (`tui.app.main.tune_gc`): what is loaded at start is frozen out
of every scan, and young collections are rarer than CPython's default (700 allocations)."""

from __future__ import annotations

import gc

from tui.app.main import GC_YOUNG_THRESHOLD, tune_gc


def test_tune_gc_freezes_the_start_and_raises_the_young_threshold() -> None:
    before = gc.get_threshold()
    try:
        tune_gc()
        assert gc.get_threshold()[0] == GC_YOUNG_THRESHOLD > 700
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
