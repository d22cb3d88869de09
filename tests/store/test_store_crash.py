"""kill -9 at random moments: nothing that returned is lost, nothing is left corrupt."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from tui.store import Store

HELPER = Path(__file__).with_name("crash_writer.py")
ROOT = Path(__file__).resolve().parents[2]


def run_and_kill(data_dir: Path, start: int, rng: random.Random) -> list[str]:
    """Start the writer, SIGKILL it after a random delay, return what it said had returned."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, str(HELPER), str(data_dir), str(start)], stdout=subprocess.PIPE, env=env
    )
    assert proc.stdout is not None
    assert proc.stdout.readline() == b"ready\n"
    time.sleep(rng.uniform(0.05, 0.4))
    proc.send_signal(signal.SIGKILL)
    out, _ = proc.communicate(timeout=10)
    assert proc.returncode == -signal.SIGKILL
    return out.decode().splitlines()


def test_sigkill_mid_flush_loses_nothing_that_returned(tmp_path: Path) -> None:
    rng = random.Random(20250101)
    data_dir = tmp_path / "data"
    orders: set[str] = set()
    audits: set[str] = set()
    quotes_flushed: list[int] = []
    for round_ in range(5):
        start = round_ * 100_000
        lines = run_and_kill(data_dir, start, rng)
        for line in lines:
            if " " not in line:
                continue  # the last line may be torn by the kill
            tag, value = line.split(" ", 1)
            if not value.isdigit():
                continue
            if tag == "O":
                orders.add(f"o{value}")
            elif tag == "A":
                audits.add(f"a{value}")
            elif tag == "Q":
                quotes_flushed.append(int(value))
        with Store.open(data_dir) as s:
            # A torn journal tail is expected after a kill; anything else is not.
            assert all("torn last line" in p for p in s.problems), s.problems
            got_orders = s.read("orders")["client_order_id"].to_list()
            got_audit = s.read("audit")["message"].to_list()
            marks = set(s.read("quotes")["mark"].to_list())
            assert orders <= set(got_orders)
            assert len(got_orders) == len(set(got_orders))
            assert audits <= set(got_audit)
            assert len(got_audit) == len(set(got_audit)), "an audit row was replayed twice"
            # Time series: every row of every flush that returned is there.
            this_round = [q for q in quotes_flushed if q >= start * 10]
            if this_round:
                last = max(this_round)
                missing = [
                    m for m in range(start * 10, last + 1) if m % 10 < 5 and float(m) not in marks
                ]
                assert missing == []
        assert not list(data_dir.rglob("*.corrupt-*"))
    assert len(orders) > 20 and quotes_flushed
