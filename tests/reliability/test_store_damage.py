"""Damaged store files (issue 10): each one opens, names the problem in one line, and loses
no valid row — a torn or garbage journal tail, a line with a bad checksum, a checksum-valid
line that does not fit its table, a truncated or garbage parquet segment, empty files, and
the lock file of a process that died.

Run alone: ``.venv/bin/python -m pytest tests/reliability/test_store_damage.py``.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest

from tui.store import TABLES, Store
from tui.store.files import DataFile, crc32
from tui.store.journal import encode, encode_record, journal_gens, journal_path

T0 = datetime(2026, 1, 5, 8, tzinfo=UTC)
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A data directory that does not exist yet."""
    return tmp_path / "data"


def at(minute: int) -> datetime:
    return T0 + timedelta(minutes=minute)


def order(i: int) -> dict[str, object]:
    return {
        "client_order_id": f"o{i}",
        "symbol": "BTC/USDT:USDT",
        "side": "buy",
        "amount": float(i),
        "status": "new",
        "updated_at": at(i),
    }


def build(data_dir: Path) -> Path:
    """A store with rows in parquet (o1, a1, q1) and rows only in its journal (o2, a2, q2), as
    a crash leaves it; returns the journal's path."""
    with Store.open(data_dir) as s:
        s.record_order(order(1))
        s.audit("info", "a1", ts=at(1))
        s.append("quotes", {"ts": at(1), "venue": "v", "symbol": "S", "mark": 1.0})
    s = Store.open(data_dir)
    s.record_order(order(2))
    s.audit("info", "a2", ts=at(2))
    s.append("quotes", {"ts": at(2), "venue": "v", "symbol": "S", "mark": 2.0})
    s.flush()
    path = s._journal.path
    s._abandon()  # as kill -9 would
    return path


def rows(s: Store) -> dict[str, list[object]]:
    """The rows the test cares about, after checking every table reads with its schema."""
    for table, schema in TABLES.items():
        assert s.read(table).schema == schema
    return {
        "orders": s.read("orders")["client_order_id"].to_list(),
        "amounts": s.read("orders")["amount"].to_list(),
        "audit": s.read("audit")["message"].to_list(),
        "quotes": s.read("quotes")["mark"].to_list(),
    }


ALL = {
    "orders": ["o1", "o2"],
    "amounts": [1.0, 2.0],
    "audit": ["a1", "a2"],
    "quotes": [1.0, 2.0],
}


def append(path: Path, data: bytes) -> None:
    with path.open("ab") as f:
        f.write(data)


def one_line_each(problems: list[str]) -> None:
    assert problems and all("\n" not in p for p in problems)


def good_cols(i: int) -> dict[str, list[object]]:
    """Checksum-valid audit columns as the store writes them."""
    return {
        "ts": [int(at(i).timestamp() * 1e6)],
        "kind": ["info"],
        "tilt_id": [None],
        "message": [f"a{i}"],
        "details_json": [None],
    }


def order_cols(**over: list[object]) -> dict[str, list[object]]:
    """Checksum-valid columns of order o9, with ``over`` replacing some."""
    return {**{c: [None] for c in TABLES["orders"]}, "client_order_id": ["o9"], **over}


# -- the journal ------------------------------------------------------------------------------


def test_truncated_journal_mid_line(data_dir: Path) -> None:
    path = build(data_dir)
    append(path, encode("audit", good_cols(3))[:30])  # the write a crash interrupted
    with Store.open(data_dir) as s:
        assert rows(s) == ALL
        (problem,) = s.problems
        assert "torn last line" in problem and path.name in problem


def test_garbage_bytes_appended_to_the_journal(data_dir: Path) -> None:
    path = build(data_dir)
    append(path, b"\x00\xff\xfe garbage \x01\n\xde\xad\xbe\xef")
    with Store.open(data_dir) as s:
        assert rows(s) == ALL
        one_line_each(s.problems)
        assert any("is corrupt" in p for p in s.problems)
        assert any("torn last line" in p for p in s.problems)
    # The journal holding the corrupt line is kept as evidence, never deleted.
    assert list(path.parent.glob(path.name + ".damaged-*"))


def test_a_line_with_a_bad_checksum_in_the_middle(data_dir: Path) -> None:
    path = build(data_dir)
    append(path, encode("audit", good_cols(3)).replace(b"a3", b"a9"))
    append(path, encode("audit", good_cols(4)))
    with Store.open(data_dir) as s:
        got = rows(s)
        assert got["audit"] == ["a1", "a2", "a4"]  # the line after the bad one is kept
        (problem, kept) = s.problems
        assert "line 4 is corrupt" in problem and "kept as" in kept


BAD_LINES: dict[str, tuple[bytes, str]] = {
    "missing column": (
        encode("orders", {"client_order_id": ["o9"], "amount": [9.0]}),
        "orders: missing column(s) tilt_id, venue, symbol, side and 12 more",
    ),
    "text in a number column": (
        encode("orders", order_cols(amount=["abc"])),
        "orders.amount: row 1 is str 'abc', not a number",
    ),
    "columns of different lengths": (
        encode("audit", {**good_cols(9), "kind": ["info", "info"]}),
        "audit: columns of different lengths",
    ),
    "unknown table": (encode("nope", {"x": [1]}), "unknown table 'nope'"),
    "unknown column": (encode("audit", {**good_cols(9), "extra": [1]}), "no column(s) extra"),
    "null where required": (
        encode("audit", {**good_cols(9), "message": [None]}),
        "audit.message: row 1 is null but the column is required",
    ),
    "a word outside the vocabulary": (
        encode("orders", order_cols(side=["sideways"])),
        "orders.side: row 1 is 'sideways', not one of buy, sell",
    ),
    "a timestamp that is text": (
        encode("audit", {**good_cols(9), "ts": ["yesterday"]}),
        "audit.ts: row 1 is str 'yesterday', not a timestamp",
    ),
    "a record with one bad table": (
        encode_record([("audit", good_cols(9)), ("orders", {"client_order_id": ["o9"]})]),
        "orders: missing column(s)",
    ),
}


@pytest.mark.parametrize("case", list(BAD_LINES))
def test_a_checksum_valid_line_that_does_not_fit_is_set_aside(data_dir: Path, case: str) -> None:
    path = build(data_dir)
    line, why = BAD_LINES[case]
    append(path, line)
    append(path, encode("audit", good_cols(3)))  # a good line after it is still read
    with Store.open(data_dir) as s:
        got = rows(s)
        # Nothing of the bad line (not even a null amount, nor half a record), all the rest.
        assert got == {**ALL, "audit": ["a1", "a2", "a3"]}
        problem, kept = s.problems
        assert "line 4 does not fit its table" in problem and why in problem, problem
        assert "kept as" in kept
    aside = list(path.parent.glob(path.name + ".damaged-*"))
    assert len(aside) == 1 and line in aside[0].read_bytes()  # the evidence, whole
    with Store.open(data_dir) as s:  # once set aside, the next open is clean
        assert s.problems == [] and rows(s) == {**ALL, "audit": ["a1", "a2", "a3"]}


def test_an_empty_journal_file(data_dir: Path) -> None:
    build(data_dir)
    empty = journal_path(data_dir / "journal", 99)
    empty.write_bytes(b"")
    with Store.open(data_dir) as s:
        assert rows(s) == ALL and s.problems == []
    assert journal_gens(data_dir / "journal") == []


# -- parquet segments -------------------------------------------------------------------------


def segment(data_dir: Path, table: str) -> Path:
    """The table's newest data file (a merge keeps the files it replaced as a fallback)."""
    files = [f for p in (data_dir / table).glob("*.parquet") if (f := DataFile.parse(p))]
    return max(files, key=lambda f: f.gen).path


DAMAGE: dict[str, Callable[[Path], None]] = {
    "truncated": lambda p: p.write_bytes(p.read_bytes()[: p.stat().st_size // 2]),
    "garbage": lambda p: p.write_bytes(b"PAR1" + os.urandom(64)),
    "empty": lambda p: p.write_bytes(b""),
}


@pytest.mark.parametrize("how", list(DAMAGE))
def test_a_damaged_segment_is_set_aside_and_the_journal_still_read(
    data_dir: Path, how: str
) -> None:
    build(data_dir)
    bad = segment(data_dir, "audit")
    DAMAGE[how](bad)
    with Store.open(data_dir) as s:
        got = rows(s)
        # The segment's row is gone with it; every other row, the journal's included, is read.
        assert got == {**ALL, "audit": ["a2"]}
        (problem,) = s.problems
        assert bad.name in problem and "moved aside" in problem
    assert list(bad.parent.glob(bad.name + ".corrupt-*"))


def test_garbage_under_a_data_file_name_whose_checksum_matches(data_dir: Path) -> None:
    build(data_dir)
    data = b"this is not parquet"
    bad = data_dir / "audit" / DataFile.name_for(50, 50, 50, crc32(data))
    bad.write_bytes(data)
    with Store.open(data_dir) as s:
        assert rows(s) == ALL
        (problem,) = s.problems
        assert "not readable parquet" in problem and bad.name in problem


def test_an_empty_data_file(data_dir: Path) -> None:
    build(data_dir)
    bad = data_dir / "orders" / DataFile.name_for(60, 60, 60, 0)  # CRC-32 of b"" is 0
    bad.write_bytes(b"")
    with Store.open(data_dir) as s:
        assert rows(s) == ALL
        (problem,) = s.problems
        assert "not readable parquet" in problem


# -- the lock ---------------------------------------------------------------------------------


def test_an_empty_lock_file(data_dir: Path) -> None:
    build(data_dir)
    (data_dir / ".lock").write_bytes(b"")
    with Store.open(data_dir) as s:
        assert rows(s) == ALL


def test_the_lock_of_a_process_that_died(data_dir: Path) -> None:
    build(data_dir)
    holder = (
        "import sys, time\n"
        "from tui.store import Store\n"
        "s = Store.open(sys.argv[1])\n"
        "s.audit('info', 'a3', ts=s.read('audit')['ts'].max())\n"
        "print('held', flush=True)\n"
        "time.sleep(60)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-c", holder, str(data_dir)], stdout=subprocess.PIPE, env=env
    )
    assert proc.stdout is not None and proc.stdout.readline() == b"held\n"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    assert (data_dir / ".lock").exists()  # left behind; the OS dropped the lock itself
    with Store.open(data_dir) as s:
        assert rows(s) == {**ALL, "audit": ["a1", "a2", "a3"]}
        assert s.problems == []


# -- read-only, everything above is only named ------------------------------------------------


def test_a_read_only_snapshot_names_damage_and_changes_nothing(data_dir: Path) -> None:
    path = build(data_dir)
    append(path, BAD_LINES["text in a number column"][0])
    append(path, encode("audit", good_cols(3)))
    DAMAGE["truncated"](segment(data_dir, "quotes"))
    before = {p: p.read_bytes() for p in data_dir.rglob("*") if p.is_file()}
    s = Store.open(data_dir, read_only=True)
    got = rows(s)
    # The quotes file is skipped for the one it replaced (kept as the fallback).
    assert got == {**ALL, "audit": ["a1", "a2", "a3"]}
    assert len(s.problems) == 2 and all("skipped" in p for p in s.problems)
    s.close()
    after = {p: p.read_bytes() for p in data_dir.rglob("*") if p.is_file()}
    assert after == before
    with Store.open(data_dir) as w:  # the writer then sets them aside, losing no good row
        assert rows(w) == {**ALL, "audit": ["a1", "a2", "a3"]}
        assert len(w.problems) == 3  # the file, the line, the journal kept aside


def test_frames_read_from_a_recovered_journal_keep_their_types(data_dir: Path) -> None:
    build(data_dir)
    with Store.open(data_dir) as s:
        orders = s.read("orders")
    assert orders.schema == TABLES["orders"]
    assert orders.filter(pl.col("amount").is_null()).height == 0
