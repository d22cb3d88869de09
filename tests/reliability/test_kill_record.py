"""SIGKILL of ``porting-alpha record --demo`` at seeded random moments (issue 10).

One data directory lives through a chain of recorders, each a real subprocess killed with
SIGKILL a seeded 0.3–2.5 s after its first status line; every other one runs with the store
tuned to flush, compact and merge many times a second (``record_kill_worker.py``), so kills
land in those too. After each kill the store, opened as a snapshot, shows no problem but a
torn last line, every table reads with its schema, no write is read twice (the files' write
ranges are disjoint, no key repeats) and the audit log holds exactly one ``start`` per
recorder; the next recorder starts on the same directory and appends. A last clean run
stops by itself and the store is then whole.

Run alone: ``.venv/bin/python -m pytest tests/reliability/test_kill_record.py``.
"""

from __future__ import annotations

import itertools
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import polars as pl
import pytest

from tui.sim.scenario import default_scenario_path
from tui.store import SPECS, TABLES, Store

ROOT = Path(__file__).resolve().parents[2]
WORKER = Path(__file__).with_name("record_kill_worker.py")
FROZEN = default_scenario_path().with_name("frozen.toml")
SEEDS = range(12)
KILL_WINDOW_S = (0.3, 2.5)


def recorder(data_dir: Path, *, tuned: bool, seconds: float | None = None) -> subprocess.Popen:
    """``record --demo`` on ``data_dir``: the CLI itself, or the tuned worker."""
    args = ["--demo", "--scenario", str(FROZEN), "--data-dir", str(data_dir)]
    if seconds is not None:
        args += ["--seconds", str(seconds)]
    head = [str(WORKER)] if tuned else ["-m", "tui", "record"]
    return subprocess.Popen(
        [sys.executable, *head, *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def check(data_dir: Path, starts: int) -> dict[str, int]:
    """What a reader finds after a kill; the row count of each table."""
    s = Store.open(data_dir, read_only=True)
    try:
        assert all("torn last line" in p for p in s.problems), s.problems
        counts = {}
        for table, schema in TABLES.items():
            df = s.read(table)
            assert df.schema == schema, table
            counts[table] = df.height
            spec = SPECS[table]
            if spec.key:
                assert not df.select(spec.key).is_duplicated().any(), table
            if spec.kind != "state":
                # No write read twice: the data files in use cover disjoint write ranges.
                ranges = sorted((f.lo, f.hi) for f in s._files[table].live)
                assert all(a[1] < b[0] for a, b in itertools.pairwise(ranges)), ranges
        audit = s.read("audit")
        assert audit["kind"].to_list().count("start") == starts
        assert audit["ts"].is_sorted()  # one recorder after another, each in order
        quotes = s.read("quotes")
        assert quotes.filter(pl.col("venue").is_null() | pl.col("symbol").is_null()).is_empty()
        return counts
    finally:
        s.close()


@pytest.mark.long  # started first by the workers (tests/conftest.py)
def test_sigkill_of_record_at_random_moments(tmp_path: Path) -> None:
    data_dir = tmp_path / "store"
    counts = {t: 0 for t in TABLES}
    for seed in SEEDS:
        rng = random.Random(seed)
        proc = recorder(data_dir, tuned=seed % 2 == 1)
        assert proc.stderr is not None
        first = proc.stderr.readline()  # the store is open and the start audited by now
        assert first and b"porting-alpha" not in first, first
        time.sleep(rng.uniform(*KILL_WINDOW_S))
        proc.send_signal(signal.SIGKILL)
        _, err = proc.communicate(timeout=30)
        assert proc.returncode == -signal.SIGKILL, err.decode()
        # What the recorder said after opening: the previous kill left only a torn line.
        lines = [ln for ln in (first + err).decode().splitlines() if "porting-alpha" in ln]
        assert all("torn last line" in ln for ln in lines), lines
        now = check(data_dir, starts=seed + 1)
        # Nothing already recorded went missing; each recorder appended its start at least.
        assert all(now[t] >= counts[t] for t in TABLES), (now, counts)
        assert now["audit"] == counts["audit"] + 1
        counts = now
    # A last recorder on the same directory runs to its end and stops cleanly.
    proc = recorder(data_dir, tuned=False, seconds=2)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err.decode()
    assert b"Traceback" not in err
    with Store.open(data_dir) as s:
        assert s.problems == []
        audit = s.read("audit")["kind"].to_list()
        assert audit.count("start") == len(SEEDS) + 1 and audit[-1] == "stop"
        assert s.read("quotes").height > counts["quotes"]
        assert s.read("funding").height >= counts["funding"]
