"""The polars state store and its persistence (docs/design.md §5).

``Store.open(path)`` gives typed tables (``TABLES``, described in ``DESCRIPTIONS``): state
tables replaced or upserted by key, log tables written through to a journal so ``kill -9``
loses nothing, and time series buffered, flushed in batches and downsampled past a window.
"""

from tui.store.errors import (
    SchemaError,
    StoreClosedError,
    StoreError,
    StoreLockedError,
    StoreReadOnlyError,
    StoreWriteError,
    UnknownTableError,
    WrongTableKindError,
)
from tui.store.paths import default_data_dir
from tui.store.schemas import AUDIT_KINDS, DESCRIPTIONS, SPECS, TABLES, TableSpec
from tui.store.store import Store

__all__ = [
    "AUDIT_KINDS",
    "DESCRIPTIONS",
    "SPECS",
    "TABLES",
    "SchemaError",
    "Store",
    "StoreClosedError",
    "StoreError",
    "StoreLockedError",
    "StoreReadOnlyError",
    "StoreWriteError",
    "TableSpec",
    "UnknownTableError",
    "WrongTableKindError",
    "default_data_dir",
]
