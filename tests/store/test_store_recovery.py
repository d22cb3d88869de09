"""Damaged files at open: set aside with one-line messages, last good data used."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from tui.store import Store, StoreError
from tui.store.files import DataFile, crc32
from tui.store.journal import encode, journal_path
from tui.store.segments import TableFiles


def holdings_files(data_dir: Path) -> list[Path]:
    return sorted((data_dir / "holdings").glob("*.parquet"))


def two_generations(data_dir: Path) -> Path:
    """Holdings saved twice: returns the newest file (the older one is the fallback)."""
    with Store.open(data_dir) as s:
        s.upsert("holdings", [{"asset": "BTC", "quantity": 1.0}])
        s.upsert("holdings", [{"asset": "BTC", "quantity": 2.0}])
    return holdings_files(data_dir)[-1]


def test_truncated_file_is_moved_aside_and_the_previous_generation_used(data_dir: Path) -> None:
    newest = two_generations(data_dir)
    newest.write_bytes(newest.read_bytes()[:-20])
    with Store.open(data_dir) as s:
        assert s.read("holdings")["quantity"].to_list() == [1.0]
        assert len(s.problems) == 1
        line = s.problems[0]
        assert "\n" not in line and newest.name in line and "moved aside" in line
    assert not newest.exists()
    assert list(newest.parent.glob(newest.name + ".corrupt-*"))


def test_garbage_bytes_are_detected_even_where_parquet_would_not_notice(data_dir: Path) -> None:
    newest = two_generations(data_dir)
    data = bytearray(newest.read_bytes())
    data[10:14] = b"\x00\xff\x00\xff"
    newest.write_bytes(bytes(data))
    with Store.open(data_dir) as s:
        assert s.read("holdings")["quantity"].to_list() == [1.0]
        assert "checksum mismatch" in s.problems[0]


def test_schema_mismatch_is_refused_and_set_aside(data_dir: Path) -> None:
    two_generations(data_dir)
    bad = pl.DataFrame({"asset": ["BTC"], "quantity": ["lots"]})
    buf = io.BytesIO()
    bad.write_parquet(buf)
    data = buf.getvalue()
    path = data_dir / "holdings" / DataFile.name_for(0, 0, 99, crc32(data))
    path.write_bytes(data)
    with Store.open(data_dir) as s:
        assert s.read("holdings")["quantity"].to_list() == [2.0]
        (line,) = s.problems
        assert "refused" in line and "schema does not match" in line
        assert "missing updated_at" in line and "quantity String≠Float64" in line
    assert list(path.parent.glob(path.name + ".schema-mismatch-*"))  # kept, not deleted


def test_torn_journal_last_line_is_dropped_with_a_message(data_dir: Path) -> None:
    with Store.open(data_dir) as s:
        s.audit("start", "one")
        s.audit("start", "two")
        path = s._journal.path
        s._abandon()  # as kill -9 would
    with path.open("ab") as f:
        f.write(encode("audit", {"kind": ["x"], "message": ["three"], "ts": [1]})[:25])
    with Store.open(data_dir) as s:
        assert s.read("audit")["message"].to_list() == ["one", "two"]
        (line,) = s.problems
        assert "torn last line" in line
    assert not path.exists()  # replayed into parquet, then retired


def test_complete_last_line_without_newline_is_kept(data_dir: Path) -> None:
    with Store.open(data_dir) as s:
        s.audit("start", "one")
        path = s._journal.path
        s._abandon()
    path.write_bytes(path.read_bytes()[:-1])
    with Store.open(data_dir) as s:
        assert s.read("audit")["message"].to_list() == ["one"] and s.problems == []


def test_corrupt_middle_line_is_reported_and_journal_kept_aside(data_dir: Path) -> None:
    with Store.open(data_dir) as s:
        for m in ("one", "two", "three"):
            s.audit("info", m)
        path = s._journal.path
        s._abandon()
    lines = path.read_bytes().split(b"\n")
    lines[1] = lines[1].replace(b"two", b"tw0")
    path.write_bytes(b"\n".join(lines))
    with Store.open(data_dir) as s:
        assert s.read("audit")["message"].to_list() == ["one", "three"]
        assert any("line 2 is corrupt" in p for p in s.problems)
    assert list(path.parent.glob(path.name + ".damaged-*"))


def test_crash_mid_compaction_does_not_duplicate(data_dir: Path) -> None:
    with Store.open(data_dir) as s:
        s.audit("info", "a")
        s.record_order({"client_order_id": "c1", "status": "new"})
        gen = s._journal.gen
        # Compact the audit table only, then "crash" before the journal is retired.
        df = s.read("audit")
        s._files["audit"].write(df, gen, gen, gen)
        s._abandon()
    assert journal_path(data_dir / "journal", gen).exists()
    with Store.open(data_dir) as s:
        assert s.read("audit")["message"].to_list() == ["a"]
        assert s.read("orders")["client_order_id"].to_list() == ["c1"]
        assert s.problems == []


def test_series_flushed_but_not_compacted_survive_a_crash(data_dir: Path) -> None:
    now = datetime.now(UTC)
    with Store.open(data_dir) as s:
        s.append("quotes", {"ts": now, "venue": "v", "symbol": "S", "mark": 1.0})
        s.flush()
        s.append("quotes", {"ts": now, "venue": "v", "symbol": "S", "mark": 2.0})  # unflushed
        s._abandon()
    with Store.open(data_dir) as s:
        assert s.read("quotes")["mark"].to_list() == [1.0]


def test_io_error_mid_compaction_stops_the_store_and_reopen_recovers_exactly(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    s = Store.open(data_dir)
    s.audit("info", "a")
    s.record_order({"client_order_id": "c1", "status": "new"})
    real_write = TableFiles.write

    def failing(self: TableFiles, df: pl.DataFrame, *args: Any, **kwargs: Any) -> DataFile:
        if self.spec.name == "audit":
            raise OSError(28, "No space left on device")
        return real_write(self, df, *args, **kwargs)

    monkeypatch.setattr(TableFiles, "write", failing)
    with pytest.raises(StoreError, match="reopen the store"):
        s.compact()
    with pytest.raises(StoreError, match="reopen the store"):
        s.audit("info", "b")
    s.close()
    monkeypatch.setattr(TableFiles, "write", real_write)
    with Store.open(data_dir) as s2:
        assert s2.read("audit")["message"].to_list() == ["a"]
        assert s2.read("orders")["client_order_id"].to_list() == ["c1"]
