"""``Store.record``: rows of several log tables as one journal record, kept whole or not at all."""

from __future__ import annotations

from pathlib import Path

import pytest

from tui.store import SchemaError, Store, WrongTableKindError
from tui.store.journal import encode_record


def event(n: int) -> dict[str, list[dict[str, object]]]:
    return {
        "orders": [{"client_order_id": f"c{n}", "status": "filled", "filled": 1.0}],
        "fills": [{"fill_id": f"f{n}", "client_order_id": f"c{n}", "amount": 1.0, "price": 2.0}],
        "audit": [{"kind": "fill", "message": f"fill {n}"}],
    }


def test_a_record_survives_a_crash_whole(tmp_path: Path) -> None:
    s = Store.open(tmp_path)
    s.record(event(1))
    s._abandon()  # as kill -9 would leave it
    with Store.open(tmp_path) as s:
        assert s.read("orders")["client_order_id"].to_list() == ["c1"]
        assert s.read("fills")["fill_id"].to_list() == ["f1"]
        assert s.read("audit")["message"].to_list() == ["fill 1"]


def test_a_torn_record_is_dropped_whole(tmp_path: Path) -> None:
    s = Store.open(tmp_path)
    s.record(event(1))
    journal = s._journal.path
    s._abandon()
    # A second record cut short mid-write: none of its three tables may keep a row.
    cols = [(t, {k: [v] for k, v in rows[0].items()}) for t, rows in event(2).items()]
    line = encode_record(cols)
    with journal.open("ab") as fh:
        fh.write(line[: len(line) // 2])
    with Store.open(tmp_path) as s:
        assert s.read("orders")["client_order_id"].to_list() == ["c1"]
        assert s.read("fills")["fill_id"].to_list() == ["f1"]
        assert s.read("audit")["message"].to_list() == ["fill 1"]
        assert any("torn last line" in p for p in s.problems)


def test_one_bad_row_writes_nothing(tmp_path: Path) -> None:
    with Store.open(tmp_path) as s:
        bad = event(1)
        bad["fills"][0]["amount"] = "one"
        with pytest.raises(SchemaError):
            s.record(bad)
        with pytest.raises(WrongTableKindError):
            s.record({"positions": [{"venue": "v", "symbol": "s"}]})
        assert s.read("orders").is_empty() and s.read("audit").is_empty()
