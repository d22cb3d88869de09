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


class StoreWriteError(StoreError):
    """The disk refused a write (full, read-only, an I/O error). The write left nothing
    half-done: what was written before stays readable, and the message is one line, e.g.
    ``cannot write the store at DIR: No space left on device``."""

    def __init__(self, message: str, errno: int | None = None) -> None:
        self.errno = errno
        super().__init__(message)

    @classmethod
    def from_os(cls, directory: object, err: OSError, note: str = "") -> StoreWriteError:
        """The error for ``err`` raised while writing the store at ``directory``."""
        reason = err.strerror or str(err) or type(err).__name__
        return cls(f"cannot write the store at {directory}: {reason}{note}", err.errno)


class StoreReadOnlyError(StoreError):
    """A write to a store opened read-only (a snapshot, e.g. for ``export``)."""
