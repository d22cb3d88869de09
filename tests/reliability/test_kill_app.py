"""SIGKILL of the real app at random moments of a tilt's life, over seeded runs.

Each run drives the demo app with keys (`app_kill_worker.py`): build a tilt, review, confirm,
unwind. The parent kills it at a seeded random moment after the review opened (even runs) or
after the tilt opened (odd runs) — before the confirmation, between an order and its fill,
while the tilt is open, mid-unwind, or after. Counting from a stage the worker reports rather
than from its start keeps the kills spread over the life however loaded the machine is (the
suite runs on parallel workers). Then it starts the app again on the same data directory and checks what a trader would: the
store opens with nothing set aside, every fill has its order, positions are the signed sum of
the fills, no order was sent twice, and the tilt is in a state the desk can act on.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.app.conftest import make_app
from tests.app.staging import market_ready, still_scenario_text, wait_until
from tests.desk.test_restart import consistent
from tui.app.modals.confirm import ConfirmOrders

WORKER = Path(__file__).with_name("app_kill_worker.py")
ROOT = Path(__file__).resolve().parents[2]
RUNS = 6
#: Where the kills land: seconds after the stage the run counts from (confirm, unwind, after).
KILL_WINDOW_S = (0.0, 0.45)
#: The stage each run counts from, by run number: the review open, then the tilt open.
KILL_AFTER = ("ready", "open")


def start(data_dir: Path, scenario: Path) -> subprocess.Popen[bytes]:
    """The worker, on its own data directory."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, str(WORKER), str(data_dir), str(scenario)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=env,
    )


def kill_after(proc: subprocess.Popen[bytes], stage: str, delay: float) -> list[str]:
    """Let the worker confirm once it says ready, kill it ``delay`` s after it says
    ``stage``; the stages it reported by then."""
    assert proc.stdout is not None and proc.stdin is not None
    line = proc.stdout.readline()
    assert line == b"ready\n", f"the worker never reached the review: {line!r}"
    proc.stdin.write(b"go\n")
    proc.stdin.flush()
    said = ["ready"]
    while said[-1] != stage:
        line = proc.stdout.readline()
        assert line, f"the worker stopped before {stage!r}, after {said}"
        said.append(line.decode().strip())
    time.sleep(delay)
    proc.send_signal(signal.SIGKILL)
    out, _ = proc.communicate(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    return [*said, *out.decode().split()]


@pytest.mark.long  # started first by the workers (tests/conftest.py)
async def test_sigkill_of_the_app_then_restart_is_consistent(tmp_path: Path) -> None:
    scenario = tmp_path / "still.toml"
    scenario.write_text(still_scenario_text(), encoding="utf-8")
    rng = random.Random(11)
    stages: list[str] = []
    pairs = [[tmp_path / f"d{2 * pair + k}" for k in (1, 2)] for pair in range(RUNS // 2)]
    # Two apps at a time (two cores), each on its own data directory; each waits at the review
    # for its go, so the next pair starts up while this one's restarts are checked.
    procs = [start(d, scenario) for d in pairs[0]]
    for pair, dirs in enumerate(pairs):
        reached = [
            kill_after(p, KILL_AFTER[(2 * pair + k) % 2], rng.uniform(*KILL_WINDOW_S))
            for k, p in enumerate(procs)
        ]
        stages += [r[-1] for r in reached]
        if pair + 1 < len(pairs):
            procs = [start(d, scenario) for d in pairs[pair + 1]]
        for data_dir in dirs:
            await check_restart(data_dir, scenario)
    print("last stage reached before each kill:", stages)
    # The kills must land at different moments of the life for the test to mean something.
    assert len(set(stages)) >= 2, stages


async def check_restart(data_dir: Path, scenario: Path) -> None:
    """Start the app on the killed one's data and check its books."""
    app = make_app(data_dir, scenario)
    async with app.run_test(size=(160, 48)) as pilot:
        await market_ready(pilot)
        desk = app.desk
        assert desk is not None
        assert not [p for p in app.store.problems if "torn" not in p], app.store.problems
        consistent(desk)
        orders = app.store.read("orders").to_dicts()
        assert {o["status"] for o in orders} <= {"filled", "failed"}, orders
        tilts = {t["tilt_id"]: t["status"] for t in app.store.read("tilts").to_dicts()}
        assert len(tilts) == 1, tilts
        (status,) = tilts.values()
        # A review open at the kill is discarded; an exit review with nothing sent leaves the
        # tilt open; an unwind cut short leaves it exiting with what is still held.
        assert status in {"open", "exit_proposed", "closed", "discarded", "failed"}, status
        if status in {"open", "exit_proposed"}:
            # Whatever is left can be unwound from the restarted app, and then nothing is held.
            assert desk.open_tilt is not None and desk.open_tilt.holding()
            await pilot.press("u")
            await wait_until(pilot, lambda: isinstance(app.screen, ConfirmOrders))
            await pilot.press("y")
            await wait_until(pilot, lambda: desk.open_tilt is None)
            consistent(desk)
        held = [r for r in app.store.read("positions").to_dicts() if abs(r["contracts"]) > 1e-12]
        assert not held, held
