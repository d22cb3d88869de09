"""A read-only snapshot: no lock, nothing on disk changed, the writer's rows all visible."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tui.store import Store, StoreLockedError, StoreReadOnlyError

T0 = datetime(2026, 1, 5, 8, tzinfo=UTC)


def disk(data_dir: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in data_dir.rglob("*") if p.is_file()}


def test_a_snapshot_beside_the_writer_sees_its_rows_and_touches_nothing(data_dir: Path) -> None:
    w = Store.open(data_dir, journal_max_flushes=2, fanout=2)
    for i in range(6):
        w.audit("info", f"a{i}", ts=T0 + timedelta(minutes=i))
        w.append("quotes", {"ts": T0 + timedelta(minutes=i), "venue": "v", "symbol": "S"})
        w.flush()  # compactions and merges along the way
    w.upsert("holdings", [{"asset": "BTC", "quantity": 1.0, "updated_at": T0}])
    w.append("quotes", {"ts": T0, "venue": "v", "symbol": "unflushed"})
    with pytest.raises(StoreLockedError):
        Store.open(data_dir)
    before = disk(data_dir)
    r = Store.open(data_dir, read_only=True)
    assert r.read("audit")["message"].to_list() == [f"a{i}" for i in range(6)]
    assert r.read("quotes").height == 6  # what the writer has not flushed is not on disk
    assert r.read("holdings")["quantity"].to_list() == [1.0]
    assert r.problems == []
    with pytest.raises(StoreReadOnlyError, match="read-only"):
        r.audit("info", "no", ts=T0)
    with pytest.raises(StoreReadOnlyError):
        r.upsert("holdings", [{"asset": "ETH", "quantity": 1.0}])
    r.close()
    assert disk(data_dir) == before
    # The writer goes on undisturbed.
    w.audit("info", "after", ts=T0 + timedelta(hours=1))
    w.close()
    with Store.open(data_dir) as s:
        assert s.read("audit")["message"].to_list()[-1] == "after"


def test_a_snapshot_retries_when_the_writer_merges_files_away(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    w = Store.open(data_dir, journal_max_flushes=1, fanout=2)
    w.audit("info", "a0", ts=T0)
    w.flush()
    r = Store.open(data_dir, read_only=True)
    # The writer compacts and merges twice: the file the reader saw is deleted.
    for i in range(1, 5):
        w.audit("info", f"a{i}", ts=T0)
        w.flush()
    assert r.read("audit")["message"].to_list() == [f"a{i}" for i in range(5)]
    w.close()


def test_a_snapshot_of_a_directory_without_a_store_is_empty_and_creates_nothing(
    tmp_path: Path,
) -> None:
    s = Store.open(tmp_path, read_only=True)
    assert s.read("audit").height == 0
    assert list(tmp_path.iterdir()) == []
