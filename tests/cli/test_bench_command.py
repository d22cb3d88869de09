"""``porting-alpha bench --json``: one JSON object with every metric of docs/design.md §8 as
``{"value", "unit", "budget", "ok"}`` and the machine. Run for real at its smallest
(``--smoke``); no figure is compared with anything (no test asserts a time)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tui.commands.bench.report import METRICS, Metric
from tui.commands.bench.startup import FrameWatcher


@pytest.mark.long  # started first by the workers (tests/conftest.py)
def test_bench_json_has_every_metric_in_its_shape_and_the_machine(tmp_path: object) -> None:
    env = {**os.environ, "PORTING_ALPHA_DATA_DIR": str(tmp_path)}
    out = subprocess.run(
        [sys.executable, "-m", "tui", "bench", "--smoke", "--json"],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    doc = json.loads(out.stdout)
    assert set(doc) == {*METRICS, "machine", "run"}
    for key in METRICS:
        metric = doc[key]
        assert set(metric) == {"value", "unit", "budget", "ok"}, key
        assert isinstance(metric["value"], int | float), (key, doc["run"]["notes"].get(key))
        assert isinstance(metric["unit"], str) and metric["unit"]
        assert metric["budget"] is None or isinstance(metric["budget"], str)
        assert isinstance(metric["ok"], bool)
    for key in ("first_frame_ratio", "quit_s", "wire_ticks_per_s", "tick_cost_vs_ccxt_parse"):
        assert doc[key]["budget"] is not None
    machine = doc["machine"]
    assert machine["cores"] >= 1
    for package in ("python", "textual", "ccxt", "polars"):
        assert isinstance(machine[package], str) and machine[package][0].isdigit()
    assert doc["run"]["command"] == "porting-alpha bench --smoke --json"
    assert "errors" not in doc["run"]


def test_a_metric_is_within_budget_by_its_comparison() -> None:
    assert Metric("a", 1.5, "x", "<=", 1.5).ok
    assert not Metric("a", 50.0, "ms", "<", 50.0).ok
    assert Metric("a", 5000.0, "ticks/s", ">=", 5000.0).ok
    assert not Metric("a", None, "s", "<=", 0.5).ok
    assert Metric("a", 0.4, "s", "", None).as_json() == {
        "value": 0.4,
        "unit": "s",
        "budget": None,
        "ok": True,
    }
    assert Metric("a", float("nan"), "s", "<=", 1.0).as_json()["value"] is None


def paint(rows: int, cols: int = 20) -> bytes:
    """A full-screen paint as Textual writes it: alternate screen, then rows by cursor moves
    and newlines."""
    out = b"\x1b[?1049h\x1b[?25l\x1b[?2026$p"
    for row in range(1, rows + 1):
        line = b"x" * cols
        out += f"\x1b[{row};1H".encode() + line if row % 3 == 1 else b"\r\n" + line
    return out


def test_the_first_frame_is_when_every_row_has_been_painted() -> None:
    data = paint(48)
    watcher = FrameWatcher(48)
    # Fed in pieces cut anywhere (inside escape sequences too): done with the piece that
    # starts the last row, not before.
    pieces = [data[i : i + 7] for i in range(0, len(data), 7)]
    done_at = [i for i, piece in enumerate(pieces) if watcher.feed(piece)]
    assert done_at and done_at[0] == data.rindex(b"\n") // 7
    # Output before the alternate screen (a shell's prompt) paints nothing.
    early = FrameWatcher(48)
    assert not early.feed(b"\r\n" * 60)
    assert not early.feed(paint(47))
