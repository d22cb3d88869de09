"""One process per data directory: an advisory lock the OS drops when the process dies."""

from __future__ import annotations

import os
from pathlib import Path

from tui.store.errors import StoreLockedError

try:
    import fcntl
except ImportError:  # Windows: no advisory locks; a second process is not detected there.
    fcntl = None  # type: ignore[assignment]


class DirLock:
    """An exclusive lock on ``<directory>/.lock`` held until ``release``."""

    def __init__(self, directory: Path) -> None:
        self.path = directory / ".lock"
        self._fd: int | None = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        if fcntl is not None:
            try:
                fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                os.close(self._fd)
                self._fd = None
                raise StoreLockedError(
                    f"{directory} is in use by another Porting Alpha process; close it first"
                ) from None

    def release(self) -> None:
        """Drop the lock (idempotent)."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
