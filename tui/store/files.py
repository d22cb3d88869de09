"""Atomic, checksummed files: how every byte the store keeps reaches the disk.

A data file is named ``<lo>-<hi>-<gen>.<crc32>.parquet``: ``lo..hi`` is the range of write
sequence numbers whose rows it holds, ``gen`` the sequence number of the write that made it,
and the CRC-32 of its bytes lets a torn or damaged file be told from a good one at open.
Files are written to a temporary name in the same directory, fsynced, renamed over, and the
directory fsynced, so a reader sees either the old state or the new one, never half.
"""

from __future__ import annotations

import contextlib
import os
import re
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

_NAME = re.compile(r"^(\d{10})-(\d{10})-(\d{10})\.([0-9a-f]{8})\.parquet$")
TMP_PREFIX = ".tmp-"


@dataclass(frozen=True)
class DataFile:
    """One data file of a table and what its name says about it."""

    path: Path
    lo: int
    hi: int
    gen: int
    crc: int

    @classmethod
    def parse(cls, path: Path) -> DataFile | None:
        """The data file at ``path``, or ``None`` when the name is not a data file's."""
        m = _NAME.match(path.name)
        if m is None:
            return None
        lo, hi, gen, crc = m.groups()
        return cls(path, int(lo), int(hi), int(gen), int(crc, 16))

    @staticmethod
    def name_for(lo: int, hi: int, gen: int, crc: int) -> str:
        """The file name of a data file."""
        return f"{lo:010d}-{hi:010d}-{gen:010d}.{crc:08x}.parquet"

    def covers(self, other: DataFile) -> bool:
        """Whether this file supersedes ``other``: its range contains the other's and it is
        wider or newer. A covered file is the previous generation, kept as a fallback."""
        if self.path == other.path or not (self.lo <= other.lo and other.hi <= self.hi):
            return False
        return (self.lo, self.hi) != (other.lo, other.hi) or other.gen < self.gen


def crc32(data: bytes) -> int:
    """CRC-32 of ``data`` (zlib's, fast enough to check every file at open)."""
    return zlib.crc32(data) & 0xFFFFFFFF


def fsync_dir(path: Path) -> None:
    """Make a directory's entries (a rename, a new file) durable. No-op where unsupported."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # Windows cannot open a directory; its renames are journaled by NTFS.
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def atomic_write(path: Path, data: bytes, *, sync_dir: bool = True) -> None:
    """Write ``data`` to ``path`` atomically: temp file in the same dir, fsync, rename,
    fsync dir (skip the last when the caller fsyncs the directory once for several files)."""
    tmp = path.with_name(f"{TMP_PREFIX}{os.getpid()}-{path.name}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        # A full disk: give back the space of the half-written copy; ``path`` is untouched.
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    if sync_dir:
        fsync_dir(path.parent)


def set_aside(path: Path, why: str) -> Path:
    """Rename a bad file to ``<name>.<why>-<UTC timestamp>`` beside it (never deleted)."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    target = path.with_name(f"{path.name}.{why}-{stamp}")
    os.replace(path, target)
    fsync_dir(path.parent)
    return target


def remove_temporaries(directory: Path) -> None:
    """Delete temp files of writes that never completed (they hold nothing committed)."""
    for p in directory.glob(f"{TMP_PREFIX}*"):
        p.unlink(missing_ok=True)
