"""The state store: typed polars tables, buffered appends, crash-safe persistence.

On disk, under the data directory::

    .lock                      held while a process has the store open
    journal/<gen>.jsonl        write-through rows not yet in parquet (replayed at open)
    <table>/<lo>-<hi>-<gen>.<crc32>.parquet   the table's data files (see files.py)

Use it from one thread (the app's event loop or one worker); it is not thread-safe. One
process writes (it holds the lock); others may open a read-only snapshot at the same time
(``Store.open(path, read_only=True)``, what ``export`` does). A write the disk refuses
(full, read-only) raises ``StoreWriteError`` with one line and leaves nothing half-written.
"""

from __future__ import annotations

import errno
import json
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import Any

import polars as pl

from tui.store import compaction
from tui.store.errors import (
    StoreClosedError,
    StoreError,
    StoreReadOnlyError,
    StoreWriteError,
    WrongTableKindError,
)
from tui.store.export import ExportFormat, export_frame
from tui.store.flushing import Flushing
from tui.store.journal import JournalWriter, encode, encode_record
from tui.store.lock import DirLock
from tui.store.opening import open_tables
from tui.store.paths import default_data_dir
from tui.store.rows import (
    ColumnBuffer,
    RowChecker,
    Value,
    columns_to_frame,
    concat_columns,
    to_us,
)
from tui.store.schemas import SPECS, TableSpec, spec_of
from tui.store.state_tables import StateTables

Columns = dict[str, list[Value]]
#: How a disk refuses writes: full, over quota, read-only.
WRITE_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS})


def _wall_clock() -> datetime:
    return datetime.now(UTC)


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


class Store(Flushing, StateTables):
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
        merge_max_rows: int = 300_000,
        read_only: bool = False,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        """Open the store in ``data_dir`` (prefer ``Store.open``).

        ``journal_max_rows`` / ``journal_max_flushes``: the journal is compacted into parquet
        once it holds that many rows or has seen that many flushes (≈ 5 min at 1 s).
        ``fanout``: how many files of one size are merged together; ``merge_max_rows``: the
        most rows one merge of time-series files reads (what bounds a compaction's working
        memory, whatever the session's length). ``read_only``: a snapshot that takes no lock
        and changes nothing on disk (writes raise). ``clock``: what "now" is (the raw
        window's end, a log row's default time); the wall clock by default."""
        self.data_dir = Path(data_dir)
        self.read_only = read_only
        self.flush_interval_s = flush_interval_s
        self.raw_window = raw_window
        self.journal_max_rows = journal_max_rows
        self.journal_max_flushes = journal_max_flushes
        self.fanout = fanout
        self.merge_max_rows = merge_max_rows
        self.clock: Callable[[], datetime] = clock or _wall_clock
        self.problems: list[str] = []
        """One line per thing found wrong at open (torn files set aside, dropped lines)."""
        self.failure: str | None = None
        """The last write the disk refused (one line), ``None`` while every write succeeded:
        a long-running writer polls it to stop cleanly on a full disk."""
        self._checkers = {t: RowChecker(s) for t, s in SPECS.items()}
        self._buffers = {t: ColumnBuffer(s) for t, s in SPECS.items() if s.kind == "series"}
        self._log_cache: dict[str, pl.DataFrame] = {}
        self._flushes_in_journal = 0
        self._journal_ts_max: int | None = None
        self._broken = ""
        self._closed = False
        self._last_flush = time.monotonic()
        self._journal_dir = self.data_dir / "journal"
        self._lock: DirLock | None = None
        if not read_only:
            self.data_dir.mkdir(parents=True, exist_ok=True)
            self._lock = DirLock(self.data_dir)
        try:
            if not read_only:
                self._journal_dir.mkdir(exist_ok=True)
            self._load()
        except OSError as exc:
            self._release()
            if not read_only and exc.errno in WRITE_ERRNOS:  # the recovery's writes
                raise StoreWriteError.from_os(self.data_dir, exc) from exc
            verb = "read" if read_only else "open"
            reason = exc.strerror or str(exc)
            raise StoreError(f"cannot {verb} the store at {self.data_dir}: {reason}") from exc
        except BaseException:
            self._release()
            raise
        self._journal = JournalWriter(self._journal_dir, self._next_seq())

    def _load(self) -> None:
        opened = open_tables(self.data_dir, self.problems, read_only=self.read_only)
        self._files = opened.files
        self._pending = opened.pending
        self._state = opened.state
        self._seq = opened.seq
        self._log_cache.clear()

    def _release(self) -> None:
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    @classmethod
    def open(
        cls,
        data_dir: Path | None = None,
        *,
        flush_interval_s: float = 1.0,
        raw_window: timedelta = timedelta(hours=6),
        read_only: bool = False,
        clock: Callable[[], datetime] | None = None,
        **tuning: int,
    ) -> Store:
        """Open (creating if needed) the store in ``data_dir`` (default: ``default_data_dir()``).

        Damaged files and journal lines that do not fit their table are set aside and listed
        in ``problems``; every good row is used. Raises ``StoreLockedError`` when another
        process has the directory open, ``StoreWriteError`` when the disk refuses the
        recovery's writes. ``read_only``: a snapshot beside a running writer — no lock,
        nothing on disk changed, bad files only named."""
        return cls(
            data_dir or default_data_dir(),
            flush_interval_s=flush_interval_s,
            raw_window=raw_window,
            read_only=read_only,
            clock=clock,
            **tuning,
        )

    # -- open-time recovery ---------------------------------------------------------------

    def _next_seq(self) -> int:
        seq = self._seq
        self._seq += 1
        return seq

    # -- appends ------------------------------------------------------------------------

    def _spec(self, table: str, *, write: bool = True) -> TableSpec:
        if self._closed:
            raise StoreClosedError(f"the store at {self.data_dir} is closed")
        if write and self.read_only:
            raise StoreReadOnlyError(f"the store at {self.data_dir} is open read-only")
        if self._broken:
            raise StoreError(self._broken)
        return spec_of(table)

    def _write_journal(self, line: bytes, rows: int) -> None:
        """Append to the journal; a refused write raises ``StoreWriteError`` (one line)."""
        try:
            self._journal.write(line, rows)
        except OSError as exc:
            note = ""
            if self._journal.torn:
                # The journal may now end in a partial line: a later line appended after it
                # would be lost with it. Stop writing; reopening drops the torn tail.
                note = "; reopen the store to recover"
                self._broken = f"cannot write the store at {self.data_dir}: {exc.strerror}{note}"
            err = StoreWriteError.from_os(self.data_dir, exc, note)
            self.failure = str(err)
            raise err from exc

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
        self._write_journal(encode(table, cols), len(checked))
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
        self._write_journal(encode_record(batches), count)
        for table, cols in batches:
            self._pending[table].append(cols)

    def _defaults(self, spec: TableSpec, row: Mapping[str, Any]) -> Mapping[str, Any]:
        if spec.kind == "log" and spec.ts is not None and row.get(spec.ts) is None:
            return {**row, spec.ts: self.clock()}
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

    # -- reading ---------------------------------------------------------

    def read(self, table: str, *, since: datetime | None = None) -> pl.DataFrame:
        """The table: persisted rows, then journaled and buffered ones, in append order.
        ``since`` keeps rows at or after that time (log and series tables). Orders show the
        latest state per client order id, fills one row per fill id."""
        spec = self._spec(table, write=False)
        for attempt in range(3):
            try:
                return self._read(spec, since)
            except FileNotFoundError:
                # Read-only beside a writer that merged the files we saw: take a new snapshot.
                if not self.read_only or attempt == 2:
                    raise
                self._load()
        raise AssertionError("unreachable")  # pragma: no cover

    def _read(self, spec: TableSpec, since: datetime | None) -> pl.DataFrame:
        table = spec.name
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

    def export(self, table: str, path: Path, fmt: ExportFormat = "csv") -> Path:
        """Write ``read(table)`` to ``path`` as CSV or parquet (atomically); returns the path.
        Allowed on a read-only store: ``path`` is outside it."""
        return export_frame(self.read(table), Path(path), fmt)

    # -- lifecycle ----------------------------------------------------------------------

    def close(self) -> None:
        """Flush and compact everything, then release the directory. Idempotent. A write the
        disk refuses raises ``StoreWriteError``; the directory is released all the same and
        the journal on disk recovers what was written (reopen)."""
        if self._closed:
            return
        if self.read_only:
            self._closed = True
            return
        if self._broken:  # flushing now could duplicate rows; the journal recovers them
            self._abandon()
            return
        try:
            self.flush()
            self.compact()
            self._journal.discard()
        finally:
            self._journal.close()
            self._closed = True
            self._release()

    def _abandon(self) -> None:
        """Let go of files without flushing, as a crash would (benchmarks and tests)."""
        self._journal.close()
        self._closed = True
        self._release()

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
