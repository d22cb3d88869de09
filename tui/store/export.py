"""Writing a table out for other tools: CSV or parquet, atomically."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Literal

import polars as pl

from tui.store.files import atomic_write

ExportFormat = Literal["csv", "parquet"]


def export_frame(df: pl.DataFrame, path: Path, fmt: ExportFormat = "csv") -> Path:
    """Write ``df`` to ``path`` as CSV (ISO-8601 UTC timestamps) or parquet; returns the path.

    Raises ``ValueError`` for another format."""
    buf = io.BytesIO()
    if fmt == "csv":
        df.write_csv(buf)
    elif fmt == "parquet":
        df.write_parquet(buf)
    else:
        raise ValueError(f"unknown export format {fmt!r}; use 'csv' or 'parquet'")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, buf.getvalue())
    return path
