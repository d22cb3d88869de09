"""A disk that refuses writes (full, read-only): one line naming the store, nothing half
written, and everything written before still readable.

Tests run as root, where a read-only chmod does not stop a write: the disk is faked at the
store's own write seams instead (``journal.write_line`` and ``files.atomic_write``'s
``os.write``), the way a full disk fails them — after writing part of the data.
"""

from __future__ import annotations

import errno
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tui.store import Store, StoreError, StoreWriteError
from tui.store import journal as journal_mod
from tui.store.journal import journal_gens, journal_path

T0 = datetime(2026, 1, 5, 8, tzinfo=UTC)
FULL = "No space left on device"


def full_disk(monkeypatch: pytest.MonkeyPatch, after: int = 0) -> list[int]:
    """Let ``after`` journal lines through, then fail each like a full disk: half the line
    reaches the file, then ENOSPC. Returns the list counting the calls."""
    real = journal_mod.write_line
    calls: list[int] = []

    def write_line(fd: int, line: bytes) -> None:
        calls.append(len(line))
        if len(calls) <= after:
            real(fd, line)
            return
        os.write(fd, line[: len(line) // 2])
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(journal_mod, "write_line", write_line)
    return calls


def quote(minute: int, mark: float) -> dict[str, object]:
    return {"ts": T0 + timedelta(minutes=minute), "venue": "v", "symbol": "S", "mark": mark}


def test_a_full_disk_refuses_a_log_row_in_one_line_and_keeps_the_journal_whole(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    s = Store.open(data_dir)
    s.audit("info", "before", ts=T0)
    full_disk(monkeypatch)
    with pytest.raises(StoreWriteError) as caught:
        s.audit("info", "refused", ts=T0)
    assert str(caught.value) == f"cannot write the store at {data_dir}: {FULL}"
    assert caught.value.errno == errno.ENOSPC
    assert s.failure == str(caught.value)
    # The half line was cut off: the journal holds exactly the line written before.
    (gen,) = journal_gens(data_dir / "journal")
    assert journal_path(data_dir / "journal", gen).read_bytes().count(b"\n") == 1
    s._abandon()
    monkeypatch.undo()
    with Store.open(data_dir) as s2:
        assert s2.read("audit")["message"].to_list() == ["before"]
        assert s2.problems == []


def test_a_flush_the_disk_refuses_keeps_the_rows_for_the_next_one(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    s = Store.open(data_dir)
    s.append("quotes", quote(0, 1.0))
    s.flush()
    s.append("quotes", quote(1, 2.0))
    full_disk(monkeypatch)
    with pytest.raises(StoreWriteError, match=FULL):
        s.flush()
    s.append("quotes", quote(2, 3.0))
    assert s.read("quotes")["mark"].to_list() == [1.0, 2.0, 3.0]  # nothing dropped
    monkeypatch.undo()  # space again
    s.flush()
    s._abandon()  # a crash now: every flushed row is in the journal
    with Store.open(data_dir) as s2:
        assert s2.read("quotes")["mark"].to_list() == [1.0, 2.0, 3.0]
        assert s2.problems == []


def test_a_state_table_the_disk_refuses_keeps_its_rows(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Store.open(data_dir) as s:
        s.upsert("holdings", [{"asset": "BTC", "quantity": 1.0, "updated_at": T0}])
    s = Store.open(data_dir)
    real_write = os.write

    def write(fd: int, data: bytes) -> int:
        real_write(fd, bytes(data[: len(data) // 2]))
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "write", write)
    with pytest.raises(StoreWriteError, match=FULL):
        s.upsert("holdings", [{"asset": "BTC", "quantity": 2.0, "updated_at": T0}])
    monkeypatch.undo()
    assert s.read("holdings")["quantity"].to_list() == [1.0]
    assert not list((data_dir / "holdings").glob(".tmp-*"))  # the half copy was removed
    s.close()
    with Store.open(data_dir) as s2:
        assert s2.read("holdings")["quantity"].to_list() == [1.0] and s2.problems == []


def test_close_on_a_full_disk_raises_one_line_and_releases_the_directory(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    s = Store.open(data_dir)
    s.audit("info", "kept", ts=T0)
    s.append("quotes", quote(0, 1.0))
    full_disk(monkeypatch)
    with pytest.raises(StoreWriteError, match=FULL):
        s.close()
    with pytest.raises(StoreError, match="closed"):
        s.audit("info", "after close", ts=T0)
    monkeypatch.undo()
    with Store.open(data_dir) as s2:  # not locked: the lock was released
        assert s2.read("audit")["message"].to_list() == ["kept"]


def test_a_cut_that_fails_too_stops_the_store(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    s = Store.open(data_dir)
    s.audit("info", "a", ts=T0)
    full_disk(monkeypatch)

    def no_truncate(fd: int, length: int) -> None:
        raise OSError(errno.EIO, os.strerror(errno.EIO))

    monkeypatch.setattr(os, "ftruncate", no_truncate)
    with pytest.raises(StoreWriteError, match="reopen the store"):
        s.audit("info", "b", ts=T0)
    with pytest.raises(StoreError, match="reopen the store"):
        s.audit("info", "c", ts=T0)  # nothing is appended after a partial line
    s.close()
    monkeypatch.undo()
    with Store.open(data_dir) as s2:
        assert s2.read("audit")["message"].to_list() == ["a"]
        (problem,) = s2.problems
        assert "torn last line" in problem


def test_a_recovery_the_disk_refuses_leaves_the_journal_for_later(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    s = Store.open(data_dir)
    s.audit("info", "journaled", ts=T0)
    s._abandon()  # a crash: the row is only in the journal
    real_write = os.write

    def write(fd: int, data: bytes) -> int:
        real_write(fd, bytes(data[:10]))
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "write", write)
    with pytest.raises(StoreWriteError) as caught:
        Store.open(data_dir)
    assert str(caught.value) == f"cannot write the store at {data_dir}: {FULL}"
    monkeypatch.undo()
    assert journal_gens(data_dir / "journal")  # still there, nothing lost
    with Store.open(data_dir) as s2:  # and the directory was released
        assert s2.read("audit")["message"].to_list() == ["journaled"]
        assert s2.problems == []
