"""Buffered appends, reads across buffer and disk, atomic state writes, export, locking."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest

from tui.store import Store, StoreLockedError, default_data_dir
from tui.store.files import TMP_PREFIX, atomic_write


def quote(i: int, ts: datetime | None = None) -> dict[str, object]:
    return {
        "ts": ts or datetime.now(UTC),
        "venue": "sim",
        "symbol": "BTC/USDT:USDT",
        "mark": float(i),
    }


def files_under(path: Path) -> list[Path]:
    return sorted(p for p in path.rglob("*") if p.is_file() and p.name != ".lock")


def test_series_appends_are_buffered_until_flush(store: Store, data_dir: Path) -> None:
    store.append_many("quotes", [quote(i) for i in range(100)])
    assert files_under(data_dir) == []  # nothing written per row
    assert store.read("quotes")["mark"].to_list() == [float(i) for i in range(100)]
    store.flush()
    assert [p.parent.name for p in files_under(data_dir)] == ["journal"]  # one append
    store.append("quotes", quote(100))
    assert store.read("quotes").height == 101  # persisted + buffered


def test_read_sees_parquet_journal_and_buffer_in_order(store: Store) -> None:
    store.append_many("quotes", [quote(i) for i in range(3)])
    store.flush()
    store.compact()  # rows 0..2 now in parquet
    store.append("quotes", quote(3))
    store.flush()  # row 3 in the journal
    store.append("quotes", quote(4))  # row 4 buffered
    assert store.read("quotes")["mark"].to_list() == [0.0, 1.0, 2.0, 3.0, 4.0]
    since = store.read("quotes")["ts"][3]
    assert store.read("quotes", since=since)["mark"].to_list() == [3.0, 4.0]


def test_write_through_tables_are_on_disk_before_returning(store: Store, data_dir: Path) -> None:
    store.audit("start", "session started", mode="paper")
    journal = files_under(data_dir / "journal")
    assert len(journal) == 1 and b"session started" in journal[0].read_bytes()


def test_everything_survives_close_and_reopen(data_dir: Path) -> None:
    with Store.open(data_dir) as s:
        s.upsert("holdings", [{"asset": "BTC", "quantity": 1.5}, {"asset": "ETH", "quantity": 10}])
        s.upsert("holdings", [{"asset": "BTC", "quantity": 2.0}])
        s.append("tilts", {"tilt_id": "t1", "status": "proposed", "leverage": 5})
        s.record(
            {
                "tilts": [{"tilt_id": "t1", "status": "open"}],
                "audit": [{"kind": "confirm", "message": "m"}],
            }
        )
        s.record_order(
            {
                "client_order_id": "c1",
                "symbol": "BTC/USDT:USDT",
                "side": "buy",
                "amount": 0.1,
                "reduce_only": False,
                "status": "new",
            }
        )
        s.record_order({"client_order_id": "c1", "status": "filled", "filled": 0.1})
        s.append("quotes", quote(7))
    with Store.open(data_dir) as s:
        assert s.problems == []
        assert s.read("holdings").select("asset", "quantity").rows() == [
            ("BTC", 2.0),
            ("ETH", 10.0),
        ]
        tilt = s.read("tilts").row(0, named=True)
        assert (tilt["status"], tilt["leverage"]) == ("open", 5.0)
        assert s.read("audit")["kind"].to_list() == ["confirm"]
        order = s.read("orders").row(0, named=True)
        assert (order["status"], order["side"], order["filled"]) == ("filled", "buy", 0.1)
        assert s.read("quotes")["mark"].to_list() == [7.0]
        assert s.delete("holdings", asset="ETH") == 1
    with Store.open(data_dir) as s:
        assert s.read("holdings")["asset"].to_list() == ["BTC"]


def test_atomic_write_leaves_old_content_when_interrupted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "x.bin"
    atomic_write(target, b"old")

    def boom(src: object, dst: object) -> None:
        raise OSError("disk gone")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError):
        atomic_write(target, b"new")
    assert target.read_bytes() == b"old"


def test_leftover_temp_files_are_cleaned_and_state_keeps_one_fallback(data_dir: Path) -> None:
    with Store.open(data_dir) as s:
        for q in range(5):
            s.upsert("holdings", [{"asset": "BTC", "quantity": float(q)}])
    (data_dir / "holdings" / f"{TMP_PREFIX}123-half.parquet").write_bytes(b"PAR1 half")
    with Store.open(data_dir) as s:
        assert s.read("holdings")["quantity"].to_list() == [4.0]
    names = [p.name for p in files_under(data_dir / "holdings")]
    assert len(names) == 2 and not any(n.startswith(TMP_PREFIX) for n in names)


def test_export_csv_and_parquet(store: Store, tmp_path: Path) -> None:
    store.audit("proposal", "tilt 65/35", tilt_id="t1", legs=2)
    csv = store.export("audit", tmp_path / "out" / "audit.csv")
    pq = store.export("audit", tmp_path / "out" / "audit.parquet", fmt="parquet")
    back = pl.read_csv(csv)
    assert back["message"].to_list() == ["tilt 65/35"] and "UTC" not in back.columns
    assert pl.read_parquet(pq).equals(store.read("audit"))
    with pytest.raises(ValueError, match="unknown export format"):
        store.export("audit", tmp_path / "x.json", fmt="json")  # type: ignore[arg-type]


def test_a_second_process_cannot_open_the_same_directory(store: Store, data_dir: Path) -> None:
    with pytest.raises(StoreLockedError, match="in use"):
        Store.open(data_dir)


def test_maybe_flush_respects_the_interval(data_dir: Path) -> None:
    with Store.open(data_dir, flush_interval_s=10.0) as s:
        s.append("quotes", quote(1))
        t0 = s._last_flush
        assert not s.maybe_flush(t0 + 1.0)
        assert s.maybe_flush(t0 + 10.0)


def test_default_data_dir_is_per_user() -> None:
    assert default_data_dir().name == "porting-alpha"


def test_long_sessions_keep_few_files(data_dir: Path) -> None:
    old = datetime.now(UTC) - timedelta(minutes=5)
    with Store.open(data_dir, journal_max_flushes=1, fanout=3) as s:
        for i in range(60):
            s.append("quotes", quote(i, old + timedelta(seconds=i)))
            s.record_order({"client_order_id": f"c{i}", "status": "new"})
            s.flush()
        assert s.read("quotes").height == 60 and s.read("orders").height == 60
        live = len(s._files["quotes"].live)
    assert live <= 3 * 3  # fanout × tiers, not one file per flush
