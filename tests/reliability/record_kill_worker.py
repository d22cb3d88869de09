"""Run by ``test_kill_record.py``: the real ``porting-alpha record --demo``, with the store
tuned so that flushes, compactions and merges happen many times a second (by default they
come every second and every five minutes: a kill would hardly ever land in one).

Usage: ``python record_kill_worker.py RECORD_ARGS...`` (the arguments after ``record``).
"""

from __future__ import annotations

import sys
from typing import Any

from tui.cli import main
from tui.store import Store

#: Flush every 50 ms, compact every 3 flushes, merge files 2 at a time.
TUNING: dict[str, Any] = {"flush_interval_s": 0.05, "journal_max_flushes": 3, "fanout": 2}


def tuned_open(cls: type[Store], data_dir: Any = None, **kwargs: Any) -> Store:
    """``Store.open`` with ``TUNING`` unless the caller gave its own."""
    return cls(data_dir, **{**TUNING, **kwargs})


if __name__ == "__main__":
    Store.open = classmethod(tuned_open)  # type: ignore[assignment, method-assign]
    raise SystemExit(main(["record", *sys.argv[1:]]))
