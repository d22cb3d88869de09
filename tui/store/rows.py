"""Checking rows against a table's schema, and buffering them column by column.

A buffered row costs a few list appends: frames are built once per flush, never per row
(``pl.concat`` per row costs milliseconds and grows, docs/design.md §8). Timestamps are kept as
integer microseconds since the epoch (UTC), which is also how the journal stores them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

import polars as pl

from tui.store.errors import SchemaError
from tui.store.schemas import TableSpec

Value = int | float | str | bool | None
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def to_us(value: datetime) -> int:
    """Microseconds since the epoch of an aware datetime."""
    delta = value - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def from_us(us: int) -> datetime:
    """The aware UTC datetime of ``us`` microseconds since the epoch."""
    return datetime.fromtimestamp(us / 1_000_000, tz=UTC)


def now_us() -> int:
    """Now, in microseconds since the epoch."""
    return to_us(datetime.now(UTC))


def _check_ts(where: str, v: Any) -> int:
    if isinstance(v, datetime):
        if v.tzinfo is None or v.utcoffset() is None:
            raise SchemaError(f"{where}: naive datetime {v.isoformat()}; give a timezone (UTC)")
        return to_us(v)
    raise SchemaError(f"{where}: expected a datetime, got {type(v).__name__} {v!r:.60}")


def _check_float(where: str, v: Any) -> float:
    if isinstance(v, bool) or not isinstance(v, int | float):
        raise SchemaError(f"{where}: expected a number (Float64), got {type(v).__name__} {v!r:.60}")
    return float(v)


def _check_str(where: str, v: Any) -> str:
    if not isinstance(v, str):
        raise SchemaError(f"{where}: expected a string, got {type(v).__name__} {v!r:.60}")
    return v


def _check_bool(where: str, v: Any) -> bool:
    if not isinstance(v, bool):
        raise SchemaError(f"{where}: expected True/False, got {type(v).__name__} {v!r:.60}")
    return v


def _checker(dtype: pl.DataType) -> Callable[[str, Any], Value]:
    if isinstance(dtype, pl.Datetime):
        return _check_ts
    if dtype == pl.Float64:
        return _check_float
    if dtype == pl.Boolean:
        return _check_bool
    return _check_str


class RowChecker:
    """Validates and normalizes rows of one table (unknown column, type, null, vocabulary)."""

    def __init__(self, spec: TableSpec) -> None:
        self.spec = spec
        self.columns = list(spec.schema)
        self._checks = {c: _checker(t) for c, t in spec.schema.items()}
        self._required = frozenset(spec.key) | frozenset(spec.required)

    def check(self, row: Mapping[str, Any]) -> dict[str, Value]:
        """The row normalized (datetimes → µs, ints → floats); raises ``SchemaError``."""
        name = self.spec.name
        out: dict[str, Value] = {}
        for col, v in row.items():
            check = self._checks.get(col)
            if check is None:
                raise SchemaError(
                    f"{name}: no column {col!r}; columns are {', '.join(self.columns)}"
                )
            if v is None:
                continue
            val = check(f"{name}.{col}", v)
            allowed = self.spec.allowed.get(col)
            if allowed is not None and val not in allowed:
                raise SchemaError(
                    f"{name}.{col}: {val!r} is not one of {', '.join(sorted(allowed))}"
                )
            out[col] = val
        for col in self._required:
            if out.get(col) is None:
                raise SchemaError(f"{name}: column {col!r} is required and missing or null")
        return out


class ColumnBuffer:
    """Rows of one table held as one Python list per column, built into a frame on demand."""

    def __init__(self, spec: TableSpec) -> None:
        self.spec = spec
        self.cols: dict[str, list[Value]] = {c: [] for c in spec.schema}
        self.rows = 0

    def add(self, row: Mapping[str, Value]) -> None:
        """Append one already-checked row (missing columns become null)."""
        for col, values in self.cols.items():
            values.append(row.get(col))
        self.rows += 1

    def extend_columns(self, cols: Mapping[str, list[Value]]) -> None:
        """Append a batch given as column lists of equal length (e.g. from the journal)."""
        n = len(next(iter(cols.values()), []))
        for col, values in self.cols.items():
            values.extend(cols.get(col) or [None] * n)
        self.rows += n

    def take(self) -> dict[str, list[Value]]:
        """Hand over the buffered columns and start empty."""
        cols = self.cols
        self.cols = {c: [] for c in self.spec.schema}
        self.rows = 0
        return cols

    def frame(self) -> pl.DataFrame:
        """The buffered rows as a frame (the buffer is kept)."""
        return columns_to_frame(self.spec, self.cols)


def columns_to_frame(spec: TableSpec, cols: Mapping[str, list[Value]]) -> pl.DataFrame:
    """A typed frame from column lists whose timestamps are integer microseconds."""
    series = []
    for col, dtype in spec.schema.items():
        values = cols.get(col, [])
        if isinstance(dtype, pl.Datetime):
            series.append(pl.Series(col, values, dtype=pl.Int64).cast(dtype))
        else:
            series.append(pl.Series(col, values, dtype=dtype, strict=False))
    return pl.DataFrame(series)


def concat_columns(batches: Iterable[Mapping[str, list[Value]]]) -> dict[str, list[Value]]:
    """Column lists of several batches joined end to end."""
    out: dict[str, list[Value]] = {}
    for batch in batches:
        for col, values in batch.items():
            out.setdefault(col, []).extend(values)
    return out


def conform(spec: TableSpec, df: pl.DataFrame) -> pl.DataFrame:
    """``df`` in the table's schema: safe casts only (ints → floats, datetime units);
    unknown columns, naive datetimes, lossy types and missing keys raise ``SchemaError``."""
    name = spec.name
    extra = [c for c in df.columns if c not in spec.schema]
    if extra:
        raise SchemaError(
            f"{name}: no column(s) {', '.join(extra)}; columns are {', '.join(spec.schema)}"
        )
    exprs = []
    for col, dtype in spec.schema.items():
        if col not in df.columns:
            exprs.append(pl.lit(None, dtype=dtype).alias(col))
            continue
        have = df.schema[col]
        ok = (
            have == dtype
            or have == pl.Null
            or (dtype == pl.Float64 and have.is_numeric())
            or (
                isinstance(dtype, pl.Datetime)
                and isinstance(have, pl.Datetime)
                and have.time_zone is not None
            )
        )
        if not ok:
            raise SchemaError(f"{name}.{col}: expected {dtype}, got {have}")
        exprs.append(pl.col(col).cast(dtype).alias(col))
    out = df.select(exprs)
    for col in frozenset(spec.key) | frozenset(spec.required):
        if out[col].null_count():
            raise SchemaError(f"{name}: column {col!r} is required and has nulls")
    for col, allowed in spec.allowed.items():
        bad = set(out[col].drop_nulls().unique().to_list()) - allowed
        if bad:
            raise SchemaError(f"{name}.{col}: {sorted(bad)!r} not in {', '.join(sorted(allowed))}")
    return out


# -- rows read back from the journal ----------------------------------------------------------

_I64 = 2**63


def _journal_value_ok(dtype: pl.DataType) -> tuple[Callable[[object], bool], str]:
    # The journal keeps timestamps as integer µs, numbers as JSON numbers, flags as booleans.
    if isinstance(dtype, pl.Datetime):
        return (lambda v: type(v) is int and -_I64 <= v < _I64), "a timestamp (integer µs)"
    if dtype == pl.Float64:
        return (lambda v: type(v) is float or (type(v) is int and -_I64 <= v < _I64)), "a number"
    if dtype == pl.Boolean:
        return (lambda v: type(v) is bool), "true/false"
    return (lambda v: type(v) is str), "a string"


def _few(names: list[str]) -> str:
    # A problem is one line: name a few columns, count the rest.
    more = f" and {len(names) - 4} more" if len(names) > 4 else ""
    return ", ".join(names[:4]) + more


def check_columns(spec: TableSpec, cols: object) -> str | None:
    """Why a batch read back from the journal does not fit ``spec``, or ``None`` when it does.

    A checksum only says the line is what was written; a line written by another version, or
    by hand, may still lack a column or hold text where a number belongs. Loading such a line
    would fail (columns of different heights) or silently turn the text into a null."""
    name = spec.name
    if not isinstance(cols, dict):
        return f"{name}: the rows are not a mapping of columns"
    unknown = [f"{c!s:.40}" for c in cols if c not in spec.schema]
    if unknown:
        return f"{name}: no column(s) {_few(unknown)}"
    missing = [c for c in spec.schema if c not in cols]
    if missing:
        return f"{name}: missing column(s) {_few(missing)}"
    if any(not isinstance(v, list) for v in cols.values()):
        return f"{name}: a column is not a list of values"
    if len({len(v) for v in cols.values()}) > 1:
        return f"{name}: columns of different lengths"
    required = frozenset(spec.key) | frozenset(spec.required)
    for col, dtype in spec.schema.items():
        ok, wanted = _journal_value_ok(dtype)
        allowed = spec.allowed.get(col)
        for i, v in enumerate(cols[col], 1):
            if v is None:
                if col in required:
                    return f"{name}.{col}: row {i} is null but the column is required"
                continue
            if not ok(v):
                return f"{name}.{col}: row {i} is {type(v).__name__} {v!r:.40}, not {wanted}"
            if allowed is not None and v not in allowed:
                return (
                    f"{name}.{col}: row {i} is {v!r:.40}, not one of {', '.join(sorted(allowed))}"
                )
    return None
