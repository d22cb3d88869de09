"""The write-through journal: rows that must survive ``kill -9`` before they reach parquet.

Orders, fills, funding payments and audit entries are appended here, one line per call and
fsynced before the call returns; flushed time-series batches are appended too (one line per
table per flush, one fsync) so a flush costs a single small write instead of a parquet file
per table. A line is ``<crc32 hex> <json>\\n`` with json ``{"t": table, "c": {col: [values]}}``
and timestamps as integer microseconds. Journal ``<gen>.jsonl`` is compacted into parquet
segments of sequence number ``gen`` and then deleted; one still present at open is replayed.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tui.store.files import crc32, fsync_dir, set_aside

Columns = dict[str, list[Any]]
#: Why a batch does not fit its table (``None`` when it does): see ``rows.check_columns``.
BatchCheck = Callable[[str, Columns], str | None]
_sync = getattr(os, "fdatasync", os.fsync)


def write_line(fd: int, line: bytes) -> None:
    """Write ``line`` at the end of the open journal ``fd`` and make it durable (fdatasync).

    The one place a journal line reaches the disk: a full or read-only disk raises
    ``OSError`` here (tests fake one by replacing this function)."""
    view = memoryview(line)
    while view:
        view = view[os.write(fd, view) :]
    _sync(fd)


def journal_path(directory: Path, gen: int) -> Path:
    """The path of journal generation ``gen``."""
    return directory / f"{gen:010d}.jsonl"


def journal_gens(directory: Path) -> list[int]:
    """The generations of the journal files present, oldest first."""
    gens = []
    for p in directory.glob("*.jsonl"):
        if p.stem.isdigit():
            gens.append(int(p.stem))
    return sorted(gens)


def encode(table: str, cols: Columns) -> bytes:
    """One journal line for a batch of rows of ``table``."""
    return _line({"t": table, "c": cols})


def encode_record(batches: list[tuple[str, Columns]]) -> bytes:
    """One journal line holding batches of several tables: one checksum covers them all, so
    a crash keeps the whole record or none of it (a torn line is dropped whole)."""
    return _line({"r": [[table, cols] for table, cols in batches]})


def _line(obj: dict[str, Any]) -> bytes:
    payload = json.dumps(obj, separators=(",", ":")).encode()
    return b"%08x %s\n" % (crc32(payload), payload)


def _decode(line: bytes) -> list[tuple[str, Columns]] | None:
    head, _, payload = line.partition(b" ")
    try:
        if len(head) != 8 or int(head, 16) != crc32(payload):
            return None
        obj = json.loads(payload)
        if "r" in obj:
            return [(str(table), dict(cols)) for table, cols in obj["r"]]
        return [(str(obj["t"]), dict(obj["c"]))]
    except (ValueError, KeyError, TypeError):
        return None


class JournalWriter:
    """Appends lines to one journal generation, creating the file on first use."""

    def __init__(self, directory: Path, gen: int) -> None:
        self.directory = directory
        self.gen = gen
        self.path = journal_path(directory, gen)
        self.rows = 0
        """Rows written to this generation (the compaction trigger counts them)."""
        self._fd: int | None = None
        self.torn = False
        """A failed write could not be cut off: the journal may end in a partial line."""

    def write(self, line: bytes, rows: int) -> None:
        """Append ``line`` and make it durable (fdatasync) before returning.

        On ``OSError`` (disk full, read-only, I/O error) the partial line is cut off so the
        journal stays whole, and the error is raised; ``torn`` says the cut failed too."""
        if self._fd is None:
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            try:
                fsync_dir(self.directory)  # the new file's name must survive a crash too
            except BaseException:
                os.close(fd)
                raise
            self._fd = fd
        start = os.lseek(self._fd, 0, os.SEEK_END)
        try:
            write_line(self._fd, line)
        except OSError:
            # Disk full or I/O error: cut the partial line off, so the next write does not
            # leave a corrupt line in the middle of the journal.
            try:
                os.ftruncate(self._fd, start)
            except OSError:
                self.torn = True
            raise
        self.rows += rows

    @property
    def used(self) -> bool:
        """Whether anything was written to this generation."""
        return self._fd is not None

    def close(self) -> None:
        """Close the file (it stays on disk until ``discard``)."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def discard(self) -> None:
        """Close and delete the file: its rows are now safe in parquet."""
        self.close()
        self.path.unlink(missing_ok=True)
        fsync_dir(self.directory)


@dataclass
class Replay:
    """What a journal file held: its batches in order, and what was wrong with it."""

    gen: int
    batches: list[tuple[str, Columns]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    damaged: bool = False
    """A line in the middle was corrupt or did not fit its table: keep the file aside as
    evidence (its good lines are used), never delete it."""

    def by_table(self) -> dict[str, list[Columns]]:
        """The batches grouped by table, in journal order."""
        out: dict[str, list[Columns]] = {}
        for table, cols in self.batches:
            out.setdefault(table, []).append(cols)
        return out


def replay(path: Path, gen: int, check: BatchCheck | None = None, *, live: bool = False) -> Replay:
    """Read a journal file, tolerating a torn last line (dropped with a message only when it
    is incomplete) and reporting any corrupt line in the middle.

    ``check`` tells why a batch does not fit its table: such a line is kept out whole (a
    record's batches never come apart) and named. ``live``: the file may be being appended
    to by its writer right now (a read-only snapshot), so an incomplete last line is just
    the write in progress and is not reported."""
    out = Replay(gen)
    data = path.read_bytes()
    lines = data.split(b"\n")
    tail = lines.pop()  # b"" when the file ends with a newline
    numbered = [(n, line, False) for n, line in enumerate(lines, 1) if line]
    if tail:
        numbered.append((len(lines) + 1, tail, True))
    for number, line, last in numbered:
        decoded = _decode(line)
        if decoded is None:
            if not last:
                out.damaged = True
                out.problems.append(f"journal {path}: line {number} is corrupt and was skipped")
            elif not live:
                out.problems.append(
                    f"journal {path}: dropped a torn last line ({len(line)} bytes, an "
                    "interrupted write)"
                )
            continue
        reasons = [r for table, cols in decoded if check and (r := check(table, cols))]
        if reasons:
            out.damaged = True
            out.problems.append(
                f"journal {path}: line {number} does not fit its table ({reasons[0]}) and "
                "was skipped"
            )
            continue
        out.batches.extend(decoded)  # the last one: complete, only its newline was lost
    return out


def retire(path: Path, rep: Replay) -> str | None:
    """Remove a replayed journal (or set it aside if damaged); the message, if any."""
    if rep.damaged:
        aside = set_aside(path, "damaged")
        return f"journal {path.name} had lines that could not be used; kept as {aside.name}"
    path.unlink(missing_ok=True)
    fsync_dir(path.parent)
    return None
