"""Typed tables: the schemas, and rows of the wrong shape refused with a clear message."""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl
import pytest

from tui.store import (
    DESCRIPTIONS,
    TABLES,
    SchemaError,
    Store,
    UnknownTableError,
    WrongTableKindError,
)

NOW = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)


def test_every_table_of_the_issue_is_typed_and_described() -> None:
    expected = {
        "holdings",
        "targets",
        "tilts",
        "legs",
        "orders",
        "fills",
        "positions",
        "funding",
        "quotes",
        "funding_payments",
        "audit",
        "paper_orders",
        "brackets",
    }
    assert set(TABLES) == expected
    assert set(DESCRIPTIONS) == expected and all(DESCRIPTIONS.values())
    assert TABLES["quotes"]["ts"] == pl.Datetime("us", "UTC")
    assert TABLES["orders"]["reduce_only"] == pl.Boolean
    assert TABLES["positions"]["contracts"] == pl.Float64
    assert TABLES["audit"]["kind"] == pl.String


def test_read_returns_the_declared_schema(store: Store) -> None:
    for table, schema in TABLES.items():
        assert store.read(table).schema == schema


@pytest.mark.parametrize(
    ("row", "needle"),
    [
        ({"ts": NOW, "venue": "v", "symbol": "S", "mark": "100"}, "quotes.mark: expected a number"),
        ({"ts": NOW, "venue": "v", "symbol": "S", "mark": True}, "quotes.mark: expected a number"),
        ({"ts": "2025-01-01", "venue": "v", "symbol": "S"}, "quotes.ts: expected a datetime"),
        ({"ts": datetime(2025, 1, 1), "venue": "v", "symbol": "S"}, "naive datetime"),
        ({"ts": NOW, "venue": "v", "symbol": "S", "colour": 1}, "no column 'colour'"),
        ({"ts": NOW, "venue": "v"}, "'symbol' is required"),
        ({"ts": NOW, "venue": 3, "symbol": "S"}, "quotes.venue: expected a string"),
    ],
)
def test_wrong_rows_are_refused_clearly(store: Store, row: dict[str, object], needle: str) -> None:
    with pytest.raises(SchemaError, match=needle) as info:
        store.append("quotes", row)
    assert "\n" not in str(info.value)
    assert store.read("quotes").is_empty()


def test_a_bad_row_in_a_batch_keeps_none_of_it(store: Store) -> None:
    good = {"ts": NOW, "venue": "v", "symbol": "S", "mark": 1.0}
    with pytest.raises(SchemaError):
        store.append_many("quotes", [good, {**good, "mark": "x"}])
    with pytest.raises(SchemaError):
        store.record_order({"client_order_id": "c1", "reduce_only": "yes"})
    assert store.read("quotes").is_empty() and store.read("orders").is_empty()


def test_vocabularies_and_ints_as_floats(store: Store) -> None:
    with pytest.raises(SchemaError, match=r"tilts\.status: 'active' is not one of"):
        store.append("tilts", {"tilt_id": "t1", "status": "active"})
    store.record_fill({"fill_id": "f1", "symbol": "S", "side": "buy", "amount": 2, "price": 3})
    assert store.read("fills")["amount"].to_list() == [2.0]


def test_unknown_table_lists_the_known_ones(store: Store) -> None:
    with pytest.raises(UnknownTableError) as info:
        store.read("quotez")
    message = str(info.value)
    assert "unknown table 'quotez'" in message
    for name in TABLES:
        assert name in message
    with pytest.raises(UnknownTableError):
        store.append("nope", {})


def test_state_and_log_tables_refuse_the_wrong_operation(store: Store) -> None:
    with pytest.raises(WrongTableKindError, match="replace"):
        store.append("holdings", {"asset": "BTC", "quantity": 1.0})
    with pytest.raises(WrongTableKindError):
        store.replace("audit", pl.DataFrame())


def test_replace_conforms_safely_and_refuses_lossy_frames(store: Store) -> None:
    store.replace("holdings", pl.DataFrame({"asset": ["BTC", "ETH"], "quantity": [1, 2]}))
    got = store.read("holdings")
    assert got.schema == TABLES["holdings"] and got["quantity"].to_list() == [1.0, 2.0]
    with pytest.raises(SchemaError, match=r"holdings\.quantity: expected Float64, got String"):
        store.replace("holdings", pl.DataFrame({"asset": ["BTC"], "quantity": ["1"]}))
    with pytest.raises(SchemaError, match="duplicate key"):
        store.replace("holdings", pl.DataFrame({"asset": ["BTC", "BTC"], "quantity": [1, 2]}))
    with pytest.raises(SchemaError, match="no column"):
        store.replace("holdings", pl.DataFrame({"asset": ["BTC"], "qty": [1.0]}))
    assert store.read("holdings")["quantity"].to_list() == [1.0, 2.0]
