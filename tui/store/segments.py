"""One table's parquet files on disk: which are live, which are fallbacks, which are bad.

A table directory holds data files (``files.DataFile``). The *live* set is the files not
covered by another good file; reading the table reads the live set in sequence order.
Writing a file that covers others (a snapshot, a merge) keeps those others as the previous
generation — used if the new one is found damaged at open — and deletes the generation
before them. At open every live file is checked (CRC of its bytes, then its schema); a bad
one is set aside with a one-line message and the files it covered are used instead. Opened
read-only (a snapshot beside a running writer) nothing on disk is touched: a bad file is
only named and skipped.
"""

from __future__ import annotations

import io
import os
from collections.abc import Sequence
from pathlib import Path

import polars as pl

from tui.store.files import DataFile, atomic_write, crc32, remove_temporaries, set_aside
from tui.store.schemas import TableSpec

#: Parquet key-value metadata: rows in the file, and the oldest raw (not downsampled) row.
META_ROWS = "porting_alpha.rows"
META_RAW_MIN = "porting_alpha.raw_min_us"
#: Time series: the oldest and newest row's time (µs), so a merge knows which files share a
#: minute without reading them.
META_TS_MIN = "porting_alpha.ts_min_us"
META_TS_MAX = "porting_alpha.ts_max_us"
#: The time range of a file written before its range was recorded: it may hold any minute.
UNKNOWN_RANGE = (-(2**63), 2**63 - 1)


def schema_diff(want: pl.Schema, have: pl.Schema) -> str:
    """A short description of how ``have`` differs from ``want``."""
    parts = []
    missing = [c for c in want if c not in have]
    extra = [c for c in have if c not in want]
    changed = [f"{c} {have[c]}≠{want[c]}" for c in want if c in have and have[c] != want[c]]
    if missing:
        parts.append("missing " + ", ".join(missing))
    if extra:
        parts.append("unexpected " + ", ".join(extra))
    if changed:
        parts.append("types " + ", ".join(changed))
    return "; ".join(parts) or "column order differs"


class TableFiles:
    """The data files of one table under ``directory``."""

    def __init__(
        self, spec: TableSpec, directory: Path, problems: list[str], *, read_only: bool = False
    ) -> None:
        self.spec = spec
        self.directory = directory
        self.problems = problems
        self.read_only = read_only
        self.live: list[DataFile] = []
        """Good files not covered by another, in sequence order."""
        self.rows: dict[Path, int] = {}
        self.raw_min: dict[Path, int | None] = {}
        self.ts_range: dict[Path, tuple[int, int] | None] = {}
        """Time series: each file's oldest and newest row (µs), ``None`` when it has none."""
        self._known: list[DataFile] = []

    # -- open ---------------------------------------------------------------------------

    def open(self) -> None:
        """Scan the directory, check the files that matter and settle the live set."""
        if self.read_only:
            if not self.directory.is_dir():
                return
        else:
            self.directory.mkdir(parents=True, exist_ok=True)
            # Only the one writer may: a reader would delete the writer's file in progress.
            remove_temporaries(self.directory)
        found = [f for p in self.directory.iterdir() if (f := DataFile.parse(p)) is not None]
        # Widest then newest first: a file is only checked when nothing good covers it.
        found.sort(key=lambda f: (-(f.hi - f.lo), -f.gen))
        accepted: list[DataFile] = []
        for f in found:
            if any(a.covers(f) for a in accepted):
                self._known.append(f)
            elif self._check(f):
                accepted.append(f)
                self._known.append(f)
        self.live = sorted(accepted, key=lambda f: f.lo)

    def _check(self, f: DataFile) -> bool:
        try:
            data = f.path.read_bytes()
        except FileNotFoundError:
            if self.read_only:
                raise  # the writer merged it away meanwhile: the caller takes a new snapshot
            self.problems.append(f"{self.spec.name}: {f.path} vanished while opening; skipped")
            return False
        except OSError as exc:
            self.problems.append(
                f"{self.spec.name}: cannot read {f.path} ({exc.strerror}); skipped"
            )
            return False
        if crc32(data) != f.crc:
            self._reject(f, "corrupt", "is torn or corrupt (checksum mismatch)")
            return False
        try:
            have = pl.Schema(pl.read_parquet_schema(io.BytesIO(data)))
            meta = pl.read_parquet_metadata(io.BytesIO(data))
        except Exception as exc:  # polars raises several types for a bad footer
            first = (str(exc).splitlines() or [type(exc).__name__])[0]
            self._reject(f, "corrupt", f"is not readable parquet ({first})")
            return False
        if have != self.spec.schema:
            self._reject(
                f,
                "schema-mismatch",
                f"was refused: schema does not match ({schema_diff(self.spec.schema, have)})",
            )
            return False
        self._remember(f, meta)
        return True

    def _reject(self, f: DataFile, why: str, what: str) -> None:
        """Name a bad file in ``problems`` and set it aside (never deleted); read-only, the
        file is left where it is and only skipped."""
        name = self.spec.name
        if self.read_only:
            self.problems.append(f"{name}: {f.path} {what}; skipped, using the last good data")
            return
        try:
            aside = set_aside(f.path, why)
        except OSError as exc:
            self.problems.append(
                f"{name}: {f.path} {what}; skipped (could not move it aside: {exc.strerror})"
            )
            return
        self.problems.append(
            f"{name}: {f.path} {what}; moved aside to {aside.name}, using the last good data"
        )

    def _remember(self, f: DataFile, meta: dict[str, str]) -> None:
        rows = self.rows[f.path] = int(meta.get(META_ROWS) or 0)
        raw = meta.get(META_RAW_MIN) or ""
        self.raw_min[f.path] = int(raw) if raw else None
        lo, hi = meta.get(META_TS_MIN), meta.get(META_TS_MAX)
        if lo and hi:
            self.ts_range[f.path] = (int(lo), int(hi))
        else:
            self.ts_range[f.path] = UNKNOWN_RANGE if rows or META_ROWS not in meta else None

    # -- queries ------------------------------------------------------------------------

    def covers_seq(self, seq: int) -> bool:
        """Whether some good file holds the rows of write sequence ``seq``."""
        return any(f.lo <= seq <= f.hi for f in self.live)

    def max_seq(self) -> int:
        """The highest sequence number or generation named by any file seen (−1 if none)."""
        return max((max(f.hi, f.gen) for f in self._known), default=-1)

    def read(
        self, files: list[DataFile] | None = None, since_us: int | None = None
    ) -> pl.DataFrame:
        """The rows of ``files`` (default: the live set), optionally only ``ts >= since``."""
        chosen = self.live if files is None else files
        if not chosen:
            return pl.DataFrame(schema=self.spec.schema)
        lazy = pl.scan_parquet([f.path for f in chosen], schema=self.spec.schema)
        if since_us is not None and self.spec.ts is not None:
            lazy = lazy.filter(
                pl.col(self.spec.ts)
                >= pl.lit(since_us).cast(pl.Int64).cast(self.spec.schema[self.spec.ts])
            )
        return lazy.collect()

    # -- writes -------------------------------------------------------------------------

    def write(
        self,
        df: pl.DataFrame,
        lo: int,
        hi: int,
        gen: int,
        *,
        inputs: Sequence[DataFile] = (),
        raw_min_us: int | None = None,
    ) -> DataFile:
        """Write ``df`` as the file for ``lo..hi`` made by write ``gen``, replacing the live
        files ``inputs`` (kept one generation as fallback; what they covered is deleted)."""
        buf = io.BytesIO()
        meta = {
            META_ROWS: str(df.height),
            META_RAW_MIN: "" if raw_min_us is None else str(raw_min_us),
        }
        ts = self.spec.ts
        if self.spec.kind == "series" and ts is not None and not df.is_empty():
            lo_us, hi_us = df.select(
                pl.col(ts).min().dt.epoch("us"), pl.col(ts).max().dt.epoch("us").alias("hi")
            ).row(0)
            meta[META_TS_MIN], meta[META_TS_MAX] = str(lo_us), str(hi_us)
        df.write_parquet(buf, compression="zstd", compression_level=1, metadata=meta)
        data = buf.getvalue()
        crc = crc32(data)
        f = DataFile(self.directory / DataFile.name_for(lo, hi, gen, crc), lo, hi, gen, crc)
        atomic_write(f.path, data)
        self._remember(f, meta)
        dead = [k for k in self._known if any(i.covers(k) for i in inputs)]
        for k in dead:
            k.path.unlink(missing_ok=True)
            self.rows.pop(k.path, None)
            self.raw_min.pop(k.path, None)
            self.ts_range.pop(k.path, None)
        self._known = [k for k in self._known if k not in dead] + [f]
        self.live = sorted([x for x in self.live if x not in inputs] + [f], key=lambda x: x.lo)
        return f

    def write_generation(self, df: pl.DataFrame, gen: int) -> DataFile:
        """Write the rows journaled in generation ``gen`` as that generation's own file."""
        raw_min = None
        ts = self.spec.ts
        if self.spec.kind == "series" and ts and not df.is_empty():
            raw_min = int(df.select(pl.col(ts).min().dt.epoch("us")).item())
        return self.write(df, gen, gen, gen, raw_min_us=raw_min)

    def disk_bytes(self) -> int:
        """Bytes used by the table's known files (live and fallback)."""
        return sum(os.path.getsize(k.path) for k in self._known if k.path.exists())
