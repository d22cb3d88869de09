"""The state store: typed polars tables, buffered appends, crash-safe persistence.

On disk, under the data directory::

    .lock                      held while a process has the store open
    journal/<gen>.jsonl        write-through rows not yet in parquet (replayed at open)
    <table>/<lo>-<hi>-<gen>.<crc32>.parquet   the table's data files (see files.py)

Use it from one thread (the app's event loop or one worker); it is not thread-safe.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import Any

import polars as pl

from tui.store import compaction
from tui.store.errors import SchemaError, StoreClosedError, StoreError, WrongTableKindError
from tui.store.export import ExportFormat, export_frame
from tui.store.journal import (
    JournalWriter,
    encode,
    encode_record,
    journal_gens,
    journal_path,
    replay,
    retire,
)
from tui.store.lock import DirLock
from tui.store.paths import default_data_dir
from tui.store.rows import (
    ColumnBuffer,
    RowChecker,
    Value,
    columns_to_frame,
    concat_columns,
    conform,
    to_us,
)
from tui.store.schemas import SPECS, TableSpec, spec_of
from tui.store.segments import TableFiles

Columns = dict[str, list[Value]]


def audit_row(
    kind: str,
    message: str,
    *,
    tilt_id: str | None = None,
    ts: datetime | None = None,
    **details: Any,
) -> dict[str, Any]:
    """A row of the audit log (``details`` kept as JSON), for ``append`` or ``record``."""
    row: dict[str, Any] = {"kind": kind, "message": message, "tilt_id": tilt_id, "ts": ts}
    if details:
        row["details_json"] = json.dumps(details, default=str, sort_keys=True)
    return row


class Store:
    """The project's tables and their persistence. Open with ``Store.open(path)``."""

    def __init__(
        self,
        data_dir: Path,
        *,
        flush_interval_s: float = 1.0,
        raw_window: timedelta = timedelta(hours=6),
        journal_max_rows: int = 50_000,
        journal_max_flushes: int = 300,
        fanout: int = 8,
    ) -> None:
        """Open the store in ``data_dir`` (prefer ``Store.open``).

        ``journal_max_rows`` / ``journal_max_flushes``: the journal is compacted into parquet
        once it holds that many rows or has seen that many flushes (≈ 5 min at 1 s).
        ``fanout``: how many files of one size are merged together."""
        self.data_dir = Path(data_dir)
        self.flush_interval_s = flush_interval_s
        self.raw_window = raw_window
        self.journal_max_rows = journal_max_rows
        self.journal_max_flushes = journal_max_flushes
        self.fanout = fanout
        self.problems: list[str] = []
        """One line per thing found wrong at open (torn files set aside, dropped lines)."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._lock: DirLock | None = DirLock(self.data_dir)
        self._checkers = {t: RowChecker(s) for t, s in SPECS.items()}
        self._files = {t: TableFiles(s, self.data_dir / t, self.problems) for t, s in SPECS.items()}
        self._buffers = {t: ColumnBuffer(s) for t, s in SPECS.items() if s.kind == "series"}
        self._pending: dict[str, list[Columns]] = {t: [] for t in SPECS}
        self._state: dict[str, pl.DataFrame] = {}
        self._log_cache: dict[str, pl.DataFrame] = {}
        self._flushes_in_journal = 0
        self._broken = ""
        self._last_flush = time.monotonic()
        self._journal_dir = self.data_dir / "journal"
        self._journal_dir.mkdir(exist_ok=True)
        try:
            for files in self._files.values():
                files.open()
            self._seq = 1 + max(
                [f.max_seq() for f in self._files.values()] + journal_gens(self._journal_dir) + [0]
            )
            self._recover_journals()
            for t, s in SPECS.items():
                if s.kind == "state":
                    self._state[t] = self._files[t].read()
        except BaseException:
            self._lock.release()
            raise
        self._journal = JournalWriter(self._journal_dir, self._next_seq())

    @classmethod
    def open(
        cls,
        data_dir: Path | None = None,
        *,
        flush_interval_s: float = 1.0,
        raw_window: timedelta = timedelta(hours=6),
        **tuning: int,
    ) -> Store:
        """Open (creating if needed) the store in ``data_dir`` (default: ``default_data_dir()``).

        Damaged files are set aside and listed in ``problems``; the last good data is used.
        Raises ``StoreLockedError`` when another process has the directory open."""
        return cls(
            data_dir or default_data_dir(),
            flush_interval_s=flush_interval_s,
            raw_window=raw_window,
            **tuning,
        )

    # -- open-time recovery ---------------------------------------------------------------

    def _next_seq(self) -> int:
        seq = self._seq
        self._seq += 1
        return seq

    def _recover_journals(self) -> None:
        # A journal still present was not compacted (crash). Its rows go to a segment of its
        # own generation for every table that has none yet (a crash mid-compaction may have
        # written some tables' segments already: those are not written twice).
        for gen in journal_gens(self._journal_dir):
            path = journal_path(self._journal_dir, gen)
            rep = replay(path, gen)
            self.problems.extend(rep.problems)
            per_table: dict[str, list[Columns]] = {}
            for table, cols in rep.batches:
                if table in SPECS:
                    per_table.setdefault(table, []).append(cols)
                else:
                    self.problems.append(
                        f"journal {path.name}: rows of unknown table {table!r} skipped"
                    )
            for table, batches in per_table.items():
                files = self._files[table]
                if not files.covers_seq(gen):
                    df = columns_to_frame(SPECS[table], concat_columns(batches))
                    self._write_rows(table, df, gen)
            note = retire(path, rep)
            if note:
                self.problems.append(note)

    # -- appends ------------------------------------------------------------------------

    def _spec(self, table: str) -> TableSpec:
        if self._lock is None:
            raise StoreClosedError(f"the store at {self.data_dir} is closed")
        if self._broken:
            raise StoreError(self._broken)
        return spec_of(table)

    def append(self, table: str, row: Mapping[str, Any]) -> None:
        """Add one row: buffered for time series, written through for log tables.

        Raises ``SchemaError`` (unknown column, wrong type, missing required value),
        ``UnknownTableError``, or ``WrongTableKindError`` for state tables."""
        self.append_many(table, [row])

    def append_many(self, table: str, rows: Iterable[Mapping[str, Any]]) -> None:
        """Add several rows at once (one journal write for log tables). All rows are checked
        before any is kept, so a bad row leaves the table untouched."""
        spec = self._spec(table)
        if spec.kind == "state":
            raise WrongTableKindError(f"{table} is a state table; use replace() or upsert()")
        checker = self._checkers[table]
        checked = [checker.check(self._defaults(spec, r)) for r in rows]
        if spec.kind == "series":
            buf = self._buffers[table]
            for r in checked:
                buf.add(r)
            return
        if not checked:
            return
        cols: Columns = {c: [r.get(c) for r in checked] for c in spec.schema}
        # Durable before we return: this is the promise of the log tables.
        self._journal.write(encode(table, cols), len(checked))
        self._pending[table].append(cols)

    def record(self, rows: Mapping[str, Iterable[Mapping[str, Any]]]) -> None:
        """Write rows of several log tables as one event: one journal line, one fsync.

        A ``kill -9`` keeps all of them or none (the line's checksum covers the whole record),
        so the orders, fills, tilt rows and audit rows of one event never come apart. Every
        row of every table is checked before anything is written."""
        batches: list[tuple[str, Columns]] = []
        count = 0
        for table, table_rows in rows.items():
            spec = self._spec(table)
            if spec.kind != "log":
                raise WrongTableKindError(f"{table} is a {spec.kind} table; record() is for logs")
            checker = self._checkers[table]
            checked = [checker.check(self._defaults(spec, r)) for r in table_rows]
            if checked:
                batches.append((table, {c: [r.get(c) for r in checked] for c in spec.schema}))
                count += len(checked)
        if not batches:
            return
        self._journal.write(encode_record(batches), count)
        for table, cols in batches:
            self._pending[table].append(cols)

    @staticmethod
    def _defaults(spec: TableSpec, row: Mapping[str, Any]) -> Mapping[str, Any]:
        if spec.kind == "log" and spec.ts is not None and row.get(spec.ts) is None:
            return {**row, spec.ts: datetime.now(UTC)}
        return row

    def record_order(self, row: Mapping[str, Any]) -> None:
        """Record an order or a change of its state (written through before returning).

        Rows for one ``client_order_id`` coalesce on read: the latest non-null value of each
        column wins, so an update may carry only the columns that changed."""
        self.append("orders", row)

    def record_fill(self, row: Mapping[str, Any]) -> None:
        """Record a fill (written through before returning); ``ts`` defaults to now."""
        self.append("fills", row)

    def audit(
        self,
        kind: str,
        message: str,
        *,
        tilt_id: str | None = None,
        ts: datetime | None = None,
        **details: Any,
    ) -> None:
        """Append to the audit log (written through). ``details`` are kept as JSON; ``ts``
        defaults to now (the desk passes its own clock's time)."""
        self.append("audit", audit_row(kind, message, tilt_id=tilt_id, ts=ts, **details))

    # -- flushing -----------------------------------------------------------------------

    def flush(self) -> None:
        """Persist the buffered time-series rows: one journal append, one fsync. Every
        ``journal_max_flushes`` flushes (or ``journal_max_rows`` rows) the journal is also
        compacted into parquet segments and small files are merged."""
        self._spec("quotes")  # closed check
        lines = []
        for table, buf in self._buffers.items():
            if buf.rows:
                n = buf.rows
                cols = buf.take()
                lines.append((encode(table, cols), n))
                self._pending[table].append(cols)
        if lines:
            self._journal.write(b"".join(line for line, _ in lines), sum(n for _, n in lines))
        self._flushes_in_journal += 1
        self._last_flush = time.monotonic()
        if (
            self._journal.rows >= self.journal_max_rows
            or self._flushes_in_journal >= self.journal_max_flushes
        ):
            self.compact()

    def maybe_flush(self, now: float | None = None) -> bool:
        """Flush if ``flush_interval_s`` has passed since the last flush (``now`` is
        ``time.monotonic()`` by default); returns whether it flushed."""
        now = time.monotonic() if now is None else now
        if now - self._last_flush >= self.flush_interval_s:
            self.flush()
            return True
        return False

    def compact(self) -> None:
        """Move the journal's rows into parquet segments, then merge files: same-size files
        ``fanout`` at a time, and series files holding raw rows past the raw window (which
        downsamples them). Buffered time-series rows are not flushed by this."""
        self._spec("quotes")
        gen = self._journal.gen
        try:
            for table, batches in self._pending.items():
                if batches:
                    df = columns_to_frame(SPECS[table], concat_columns(batches))
                    self._write_rows(table, df, gen)
                    batches.clear()
        except OSError as exc:
            # Some tables of this generation are in parquet, others only in the journal;
            # continuing could write a generation twice. The journal on disk is complete:
            # reopening the store recovers exactly.
            self._broken = f"an I/O error stopped compaction ({exc}); reopen the store to recover"
            raise StoreError(self._broken) from exc
        # Only now is every row of the journal in parquet: drop it and start the next one.
        self._journal.discard()
        self._journal = JournalWriter(self._journal_dir, self._next_seq())
        self._flushes_in_journal = 0
        for table in SPECS:
            self._merge(table)

    def _write_rows(self, table: str, df: pl.DataFrame, gen: int) -> None:
        spec = SPECS[table]
        raw_min = None
        if spec.kind == "series" and spec.ts and not df.is_empty():
            raw_min = int(df.select(pl.col(spec.ts).min().dt.epoch("us")).item())
        self._files[table].write(df, gen, gen, gen, raw_min_us=raw_min)
        self._log_cache.pop(table, None)

    def _merge(self, table: str) -> None:
        spec, files = SPECS[table], self._files[table]
        if spec.kind == "state":
            return
        cutoff = to_us(datetime.now(UTC) - self.raw_window)
        cutoff -= cutoff % 60_000_000  # whole minutes: buckets are never split by the cutoff
        while True:
            run = None
            if spec.kind == "series":
                slack = max(60_000_000, int(self.raw_window.total_seconds() * 1e6 / 8))
                run = compaction.stale_raw_prefix(files.live, files.raw_min, cutoff - slack)
            run = run or compaction.next_tier_merge(files.live, files.rows, self.fanout)
            if not run:
                return
            df = files.read(run)
            raw_min = None
            if spec.kind == "series":
                df, raw_min = compaction.downsample(spec, df, cutoff)
            else:
                df = compaction.latest_per_key(spec, df)
            files.write(df, run[0].lo, run[-1].hi, self._next_seq(), inputs=run, raw_min_us=raw_min)
            self._log_cache.pop(table, None)

    # -- reading and state tables ---------------------------------------------------------

    def read(self, table: str, *, since: datetime | None = None) -> pl.DataFrame:
        """The table: persisted rows, then journaled and buffered ones, in append order.
        ``since`` keeps rows at or after that time (log and series tables). Orders show the
        latest state per client order id, fills one row per fill id."""
        spec = self._spec(table)
        if spec.kind == "state":
            return self._state[table]
        since_us = None if since is None else to_us(since)
        if spec.kind == "log":
            persisted = self._log_cache.get(table)
            if persisted is None:
                persisted = self._log_cache[table] = self._files[table].read()
        else:
            persisted = self._files[table].read(since_us=since_us)
        batches = list(self._pending[table])
        if spec.kind == "series" and self._buffers[table].rows:
            batches.append(self._buffers[table].cols)
        parts = [persisted]
        if batches:
            parts.append(columns_to_frame(spec, concat_columns(batches)))
        df = pl.concat(parts) if len(parts) > 1 else persisted
        if since is not None and spec.ts is not None:
            df = df.filter(pl.col(spec.ts) >= since)
        return compaction.latest_per_key(spec, df)

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
        files.write(df, 0, 0, self._next_seq(), inputs=list(files.live))
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

    def export(self, table: str, path: Path, fmt: ExportFormat = "csv") -> Path:
        """Write ``read(table)`` to ``path`` as CSV or parquet (atomically); returns the path."""
        return export_frame(self.read(table), Path(path), fmt)

    # -- lifecycle ----------------------------------------------------------------------

    def close(self) -> None:
        """Flush and compact everything, then release the directory. Idempotent."""
        if self._lock is None:
            return
        if self._broken:  # flushing now could duplicate rows; the journal recovers them
            self._abandon()
            return
        try:
            self.flush()
            self.compact()
            self._journal.discard()
        finally:
            self._lock.release()
            self._lock = None

    def _abandon(self) -> None:
        """Let go of files without flushing, as a crash would (benchmarks and tests)."""
        self._journal.close()
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
