"""The state tables' operations: replace, upsert and delete by key, each saved atomically.

A mixin of ``Store`` (kept apart so each file reads on its own): it uses the store's
current state frames, files and row checkers, set up by ``Store.__init__``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl

from tui.store.errors import SchemaError, StoreWriteError, WrongTableKindError
from tui.store.journal import Columns
from tui.store.rows import RowChecker, columns_to_frame, conform
from tui.store.schemas import TableSpec
from tui.store.segments import TableFiles


class StateTables:
    """``replace``, ``upsert`` and ``delete`` of ``Store``."""

    data_dir: Path
    failure: str | None
    _files: dict[str, TableFiles]
    _state: dict[str, pl.DataFrame]
    _checkers: dict[str, RowChecker]

    def _spec(self, table: str, *, write: bool = True) -> TableSpec:
        raise NotImplementedError  # Store's

    def _next_seq(self) -> int:
        raise NotImplementedError  # Store's

    def replace(self, table: str, df: pl.DataFrame) -> None:
        """Replace a state table's rows with ``df`` and save it atomically (the previous
        version is kept as a fallback). Safe casts only; raises ``SchemaError``."""
        spec = self._spec(table)
        if spec.kind != "state":
            raise WrongTableKindError(
                f"{table} is a {spec.kind} table; replace() is for state tables"
            )
        df = conform(spec, df)
        if df.select(spec.key).is_duplicated().any():
            raise SchemaError(f"{table}: duplicate key {', '.join(spec.key)} in the new rows")
        files = self._files[table]
        try:
            files.write(df, 0, 0, self._next_seq(), inputs=list(files.live))
        except OSError as exc:
            # The previous snapshot is untouched (atomic write): the table keeps its rows.
            err = StoreWriteError.from_os(self.data_dir, exc)
            self.failure = str(err)
            raise err from exc
        self._state[table] = df

    def upsert(self, table: str, rows: Iterable[Mapping[str, Any]] | pl.DataFrame) -> None:
        """Insert or update rows of a state table by its key: given columns overwrite, others
        keep their value (``updated_at`` defaults to now). Saved atomically."""
        spec = self._spec(table)
        if spec.kind != "state":
            raise WrongTableKindError(
                f"{table} is a {spec.kind} table; upsert() is for state tables"
            )
        if isinstance(rows, pl.DataFrame):
            rows = rows.to_dicts()
        current = {tuple(r[k] for k in spec.key): r for r in self._state[table].to_dicts()}
        stamp = datetime.now(UTC)
        for row in rows:
            missing = [k for k in spec.key if row.get(k) is None]
            if missing:
                raise SchemaError(f"{table}: upsert row lacks key column(s) {', '.join(missing)}")
            key = tuple(row[k] for k in spec.key)
            merged = {**current.get(key, {}), **row}
            if "updated_at" in spec.schema and "updated_at" not in row:
                merged["updated_at"] = stamp
            current[key] = merged
        checker = self._checkers[table]
        checked = [checker.check(r) for r in current.values()]
        cols: Columns = {c: [r.get(c) for r in checked] for c in spec.schema}
        self.replace(table, columns_to_frame(spec, cols))

    def delete(self, table: str, **key: Any) -> int:
        """Delete the rows of a state table matching ``key`` (column=value); returns how many."""
        spec = self._spec(table)
        if spec.kind != "state":
            raise WrongTableKindError(
                f"{table} is a {spec.kind} table; rows of logs are never deleted"
            )
        df = self._state[table]
        mask = pl.lit(True)
        for col, value in key.items():
            if col not in spec.schema:
                raise SchemaError(f"{table}: no column {col!r}")
            mask = mask & (pl.col(col) == value)
        kept = df.filter(~mask)
        if kept.height != df.height:
            self.replace(table, kept)
        return df.height - kept.height
