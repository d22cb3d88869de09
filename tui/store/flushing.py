"""Flushing buffered time series to the journal, and compacting the journal into parquet.

A mixin of ``Store`` (kept apart so each file reads on its own): it uses the store's
buffers, pending journal rows, files and journal writer, set up by ``Store.__init__``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from pathlib import Path

import polars as pl

from tui.store import compaction
from tui.store.errors import StoreError, StoreWriteError
from tui.store.journal import Columns, JournalWriter, encode
from tui.store.rows import ColumnBuffer, columns_to_frame, concat_columns, to_us
from tui.store.schemas import SPECS, TableSpec
from tui.store.segments import TableFiles

Batches = Sequence[compaction.Batch]


class Flushing:
    """``flush``, ``maybe_flush`` and ``compact`` of ``Store``."""

    data_dir: Path
    failure: str | None
    flush_interval_s: float
    raw_window: timedelta
    journal_max_rows: int
    journal_max_flushes: int
    fanout: int
    merge_max_rows: int
    clock: Callable[[], datetime]
    _buffers: dict[str, ColumnBuffer]
    _pending: dict[str, list[Columns]]
    _files: dict[str, TableFiles]
    _log_cache: dict[str, pl.DataFrame]
    _journal: JournalWriter
    _journal_dir: Path
    _flushes_in_journal: int
    _journal_ts_max: int | None
    _last_flush: float
    _broken: str

    def _spec(self, table: str, *, write: bool = True) -> TableSpec:
        raise NotImplementedError  # Store's

    def _next_seq(self) -> int:
        raise NotImplementedError  # Store's

    def _write_journal(self, line: bytes, rows: int) -> None:
        raise NotImplementedError  # Store's

    def flush(self) -> None:
        """Persist the buffered time-series rows: one journal append, one fsync. Every
        ``journal_max_flushes`` flushes (or ``journal_max_rows`` rows) the journal is also
        compacted into parquet segments and small files are merged.

        A compaction waits for a minute's start (at most a minute of flushes; twice the
        limits at most, when the rows never cross a minute cleanly): the rows before it end
        the journal's generation and the rest begin the next, so no minute spans two
        generations and downsampling one never needs to rewrite its neighbours."""
        self._spec("quotes")  # closed check
        taken = [(t, buf.rows, buf.take()) for t, buf in self._buffers.items() if buf.rows]
        rows = self._journal.rows + sum(n for _, n, _ in taken)
        flushes = self._flushes_in_journal + 1
        due = rows >= self.journal_max_rows or flushes >= self.journal_max_flushes
        split = None
        if due:
            now_us = to_us(self.clock())
            split = compaction.split_at_minute(taken, self._journal_ts_max, now_us)
        if split is None:
            self._journal_batches(taken)
            self._flushes_in_journal += 1
            self._last_flush = time.monotonic()
            overdue = rows >= 2 * self.journal_max_rows or flushes >= 2 * self.journal_max_flushes
            if overdue:
                self.compact()
            return
        before, after = split
        self._journal_batches(before, after)
        try:
            self.compact()
        except StoreError:
            if self._broken:  # the old journal is to be replayed as it is: keep them buffered
                self._unflush(after)
            else:  # only a merge failed: the new journal takes them
                self._journal_batches(after)
            raise
        self._journal_batches(after)
        self._last_flush = time.monotonic()

    def _journal_batches(self, batches: Batches, held: Batches = ()) -> None:
        """Append flushed batches to the journal (one write, one fsync). A refused write
        puts them back in the buffers, with ``held`` (taken after them) behind them."""
        if not batches:
            return
        data = b"".join(encode(t, cols) for t, _, cols in batches)
        try:
            self._write_journal(data, sum(n for _, n, _ in batches))
        except StoreError:
            # Not in the journal: keep the rows buffered (in order) for the next flush.
            self._unflush([*batches, *held])
            raise
        for t, _, cols in batches:
            self._pending[t].append(cols)
            ts = max(cols["ts"])
            if self._journal_ts_max is None or ts > self._journal_ts_max:
                self._journal_ts_max = ts

    def _unflush(self, batches: Batches) -> None:
        """Put taken batches back in front of what was buffered since."""
        for table, buf in self._buffers.items():
            rest = buf.take()
            for t, _, cols in batches:
                if t == table:
                    buf.extend_columns(cols)
            buf.extend_columns(rest)

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
                    self._files[table].write_generation(df, gen)
                    self._log_cache.pop(table, None)
                    batches.clear()
            # Only now is every row of the journal in parquet: drop it, start the next one.
            self._journal.discard()
        except OSError as exc:
            # Some tables of this generation are in parquet, others only in the journal;
            # continuing could write a generation twice. The journal on disk is complete:
            # reopening the store recovers exactly.
            note = " (compaction stopped); reopen the store to recover"
            err = StoreWriteError.from_os(self.data_dir, exc, note)
            self._broken = self.failure = str(err)
            raise err from exc
        self._journal = JournalWriter(self._journal_dir, self._next_seq())
        self._journal_ts_max = None
        self._flushes_in_journal = 0
        try:
            for table in SPECS:
                self._merge(table)
        except OSError as exc:
            # A merge writes a new file before deleting any: the old ones still hold the rows.
            err = StoreWriteError.from_os(self.data_dir, exc, " (merging files)")
            self.failure = str(err)
            raise err from exc

    def _merge(self, table: str) -> None:
        spec, files = SPECS[table], self._files[table]
        if spec.kind == "state":
            return
        cutoff = to_us(self.clock() - self.raw_window)
        cutoff -= cutoff % 60_000_000  # whole minutes: buckets are never split by the cutoff
        while True:
            span = None
            if spec.kind == "series":
                slack = max(60_000_000, int(self.raw_window.total_seconds() * 1e6 / 8))
                span = compaction.stale_raw_span(files.live, files.raw_min, cutoff - slack)
                if span is not None:
                    span = compaction.cap_span(files.live, files.rows, *span, self.merge_max_rows)
            if span is None:
                cap = self.merge_max_rows if spec.kind == "series" else None
                tier = compaction.next_tier_merge(files.live, files.rows, self.fanout, cap)
                if tier:
                    span = (files.live.index(tier[0]), files.live.index(tier[-1]))
            if span is None:
                return
            if spec.kind == "series":
                span = compaction.widen_to_shared_minutes(files.live, files.ts_range, *span, cutoff)
            run = files.live[span[0] : span[1] + 1]
            df = files.read(run)
            raw_min = None
            if spec.kind == "series":
                if not compaction.all_folded(run, files.raw_min, files.ts_range):
                    df, raw_min = compaction.downsample(spec, df, cutoff)
            else:
                df = compaction.latest_per_key(spec, df)
            files.write(df, run[0].lo, run[-1].hi, self._next_seq(), inputs=run, raw_min_us=raw_min)
            self._log_cache.pop(table, None)
