"""Opening a store: the tables' files checked, journals left by a crash replayed, and the
same done read-only, as a snapshot beside a writer that keeps running.

Writable (the one process holding the lock), a journal still present is moved into parquet
segments of its own generation and retired; a bad file or journal line is set aside and
named. Read-only nothing on disk changes: journals are read into memory and bad files only
skipped. A reader lists the journals *before* the parquet files: a compaction that happens
in between then shows its rows twice at worst, and those are told apart by generation, never
lost (a journal is deleted only after its segments are written).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from tui.store.journal import Columns, Replay, journal_gens, journal_path, replay, retire
from tui.store.rows import check_columns, columns_to_frame, concat_columns
from tui.store.schemas import SPECS
from tui.store.segments import TableFiles

#: How often a read-only open starts over when the writer merged a file away meanwhile.
SNAPSHOT_TRIES = 5


def fits(table: str, cols: Columns) -> str | None:
    """Why a journal batch does not fit its table (``None`` when it does)."""
    spec = SPECS.get(table)
    if spec is None:
        return f"unknown table {table!r}"
    return check_columns(spec, cols)


@dataclass
class Opened:
    """What an open found: the tables' files, rows only in journals, state, next sequence."""

    files: dict[str, TableFiles]
    pending: dict[str, list[Columns]] = field(default_factory=dict)
    state: dict[str, pl.DataFrame] = field(default_factory=dict)
    seq: int = 1


def open_tables(data_dir: Path, problems: list[str], *, read_only: bool) -> Opened:
    """Open every table under ``data_dir``, naming what was wrong in ``problems``.

    Read-only, a file the writer deletes while we look starts the snapshot over."""
    for attempt in range(SNAPSHOT_TRIES):
        del problems[:]
        try:
            return _open_once(data_dir, problems, read_only=read_only)
        except FileNotFoundError:
            if not read_only or attempt == SNAPSHOT_TRIES - 1:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def _open_once(data_dir: Path, problems: list[str], *, read_only: bool) -> Opened:
    journal_dir = data_dir / "journal"
    gens = journal_gens(journal_dir)
    replays: list[tuple[Path, Replay]] = []
    for gen in gens:
        path = journal_path(journal_dir, gen)
        # Read-only, a journal the writer retired meanwhile is in parquet by now.
        with contextlib.suppress(FileNotFoundError):
            replays.append((path, replay(path, gen, fits, live=read_only)))
    files = {
        t: TableFiles(s, data_dir / t, problems, read_only=read_only) for t, s in SPECS.items()
    }
    for f in files.values():
        f.open()
    out = Opened(files, pending={t: [] for t in SPECS})
    out.seq = 1 + max([f.max_seq() for f in files.values()] + gens + [0])
    for path, rep in replays:
        problems.extend(rep.problems)
        # A crash mid-compaction may have written some tables' segments of this generation
        # already: those are not taken twice.
        for table, batches in rep.by_table().items():
            if files[table].covers_seq(rep.gen):
                continue
            if read_only:
                out.pending[table].extend(batches)
            else:
                files[table].write_generation(
                    columns_to_frame(SPECS[table], concat_columns(batches)), rep.gen
                )
        if not read_only:
            note = retire(path, rep)
            if note:
                problems.append(note)
    out.state = {t: files[t].read() for t, s in SPECS.items() if s.kind == "state"}
    return out
