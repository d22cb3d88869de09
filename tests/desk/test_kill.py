"""SIGKILL of a real process between confirm and the last fill, over seeded runs: after a
restart the books are consistent every time and no order was sent twice."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tui.desk import Desk
from tui.engine.paper import PaperExecutor
from tui.store import Store

from .conftest import MARKETS, HandClock
from .test_restart import consistent

WORKER = Path(__file__).with_name("kill_worker.py")
ROOT = Path(__file__).resolve().parents[2]
RUNS = 20


def start(data_dir: Path, seed: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, str(WORKER), str(data_dir), str(seed)],
        stdout=subprocess.PIPE,
        env=env,
    )


def kill_after_ready(proc: subprocess.Popen[bytes], delay: float) -> bool:
    """Kill ``delay`` s after the worker says ready; whether it had finished by then."""
    assert proc.stdout is not None
    assert proc.stdout.readline() == b"ready\n"
    time.sleep(delay)
    proc.send_signal(signal.SIGKILL)
    out, _ = proc.communicate(timeout=20)
    assert proc.returncode == -signal.SIGKILL
    return b"done" in out


@pytest.mark.long  # started first by the workers (tests/conftest.py)
async def test_sigkill_between_confirm_and_last_fill(tmp_path: Path) -> None:
    rng = random.Random(7)
    interrupted = 0
    for pair in range(RUNS // 2):
        # Two workers at a time (two cores), each on its own data directory.
        seeds = [2 * pair + 1, 2 * pair + 2]
        procs = [(seed, start(tmp_path / f"d{seed}", seed)) for seed in seeds]
        finished = [kill_after_ready(p, rng.uniform(0.0, 0.05)) for _, p in procs]
        interrupted += finished.count(False)
        for seed, _ in procs:
            data_dir = tmp_path / f"d{seed}"
            clock = HandClock()
            with Store.open(data_dir) as store:
                desk = Desk(store, PaperExecutor(store, "sim", MARKETS, clock=clock),
                            venue="sim", clock=clock)  # fmt: skip
                desk.set_markets(MARKETS)
                await desk.restore()
                consistent(desk)
                orders = store.read("orders").to_dicts()
                assert {o["status"] for o in orders} <= {"filled", "failed"}, orders
                tilts = store.read("tilts").to_dicts()
                assert len(tilts) == 1
                assert tilts[0]["status"] in {"open", "failed", "discarded"}
                kinds = [a["kind"] for a in store.read("audit").to_dicts()]
                assert "proposal" in kinds
                if orders:
                    assert "confirm" in kinds
    print(f"{interrupted} of {RUNS} kills landed before the last fill was booked")
    # The kills must land mid-confirm often enough for the test to mean something.
    assert interrupted >= RUNS // 4, f"only {interrupted} of {RUNS} kills landed mid-confirm"
