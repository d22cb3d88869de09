"""Suite-wide settings: how many xdist workers ``-n auto`` starts, and the long tests first.

The README's test command runs the suite on pytest-xdist workers (``-n auto``). Most of a
test's time here is waiting — on the simulator over loopback, on ccxt's rate limiter, on the
app's debounce and refresh timers, on subprocesses being killed — so a core idles under one
worker: ``-n auto`` starts two workers per core (at most 8). ``PYTEST_XDIST_AUTO_NUM_WORKERS``
still overrides that, ``-n 0`` (or ``-p no:xdist``) runs in this one process.
"""

from __future__ import annotations

import os

import pytest

#: Workers per core for ``-n auto``, and the most it starts.
WORKERS_PER_CORE = 2
MAX_WORKERS = 8


@pytest.hookimpl(optionalhook=True)  # unknown when xdist is off (-p no:xdist)
def pytest_xdist_auto_num_workers(config: pytest.Config) -> int | None:
    """``-n auto``: two workers per usable core (the tests wait more than they compute)."""
    if os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS"):
        return None  # xdist's own hook reads it
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(MAX_WORKERS, WORKERS_PER_CORE * cores))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked ``long`` first (order otherwise kept): the workers start on them, so the
    run does not end with one worker still busy on a long test begun late. Every worker sorts
    the same way, as xdist requires."""
    items.sort(key=lambda item: item.get_closest_marker("long") is None)
