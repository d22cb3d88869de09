"""The app's allocator and collector policies (`tui.app.main`): polars' allocator returns
freed pages at once; what is loaded at start is frozen out of every collector scan, and young
collections are rarer than CPython's default (700 allocations)."""

from __future__ import annotations

import gc
import os

import pytest

from tui.app.main import GC_YOUNG_THRESHOLD, POLARS_MALLOC_CONF, tune_gc, tune_memory


def test_tune_gc_freezes_the_start_and_raises_the_young_threshold() -> None:
    before = gc.get_threshold()
    try:
        tune_gc()
        assert gc.get_threshold()[0] == GC_YOUNG_THRESHOLD > 700
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)


def test_tune_memory_has_polars_return_freed_pages_unless_told_otherwise(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("_RJEM_MALLOC_CONF", raising=False)
    tune_memory()

    assert (
        os.environ["_RJEM_MALLOC_CONF"]
        == POLARS_MALLOC_CONF
        == ("dirty_decay_ms:0,muzzy_decay_ms:0")
    )
    monkeypatch.setenv("_RJEM_MALLOC_CONF", "narenas:2")
    tune_memory()
    assert os.environ["_RJEM_MALLOC_CONF"] == "narenas:2"
