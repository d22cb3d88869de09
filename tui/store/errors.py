"""The store's exceptions: every message is one line a user can act on."""

from __future__ import annotations


class StoreError(Exception):
    """Base class of every error the store raises on purpose."""


class UnknownTableError(StoreError, KeyError):
    """A table name the store does not know; the message lists the known ones."""

    def __init__(self, table: str, known: list[str]) -> None:
        self.table = table
        self.known = known
        super().__init__(f"unknown table {table!r}; known tables: {', '.join(known)}")

    def __str__(self) -> str:
        # KeyError.__str__ would quote the whole message; show it as written.
        return str(self.args[0])


class SchemaError(StoreError, ValueError):
    """A row or frame that does not fit its table's schema (wrong column, type or value)."""


class WrongTableKindError(StoreError, TypeError):
    """An operation that does not apply to the table's kind (e.g. ``append`` to ``holdings``)."""


class StoreLockedError(StoreError):
    """Another process holds the data directory's lock."""


class StoreClosedError(StoreError):
    """The store was used after ``close()``."""
