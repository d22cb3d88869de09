"""Writes the store refuses (a full or read-only disk): said in one line, and the app goes on.

The store raises ``StoreWriteError`` with one line ("cannot write the store at DIR: No space
left on device") and leaves nothing half-written; once a journal line was torn and could not
be cut back, every later write raises a plain ``StoreError`` saying to reopen. The app never
lets either escape as a traceback: what the user asked for says what did not happen and
why (always), a background write (the flush timer, the session's recorder) says its line
once, and the header shows SAVE FAILED from then on (the line as its tooltip).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Protocol

from textual.app import App
from textual.css.query import NoMatches

from tui.app.widgets.header import AppHeader

log = logging.getLogger("porting_alpha.app")


class Host(Protocol):
    """What saying a refused write needs of the app."""

    def store_refused(self, error: BaseException, doing: str = "") -> bool:
        """Say ``error`` if it is the store's; whether it was."""
        ...


def is_store_error(error: BaseException) -> bool:
    """Whether ``error`` is one the store raises on purpose (every one is a line to show)."""
    # Imported here: the store pulls in polars, which the first frame does not wait for.
    from tui.store import StoreError

    return isinstance(error, StoreError)


@contextmanager
def store_guard(host: Host, doing: str) -> Iterator[None]:
    """Run the block; a store error in it is said as ``doing: <line>`` instead of raised
    (the rest of the block is skipped). Any other error goes on up."""
    try:
        yield
    except Exception as exc:
        if not host.store_refused(exc, doing):
            raise


#: What a worker stopped by a refused write did not finish, said before the line.
WORKER_DOING = {
    "desk": "Restore not finished",
    "funding": "Funding not booked",
    "orders": "Orders stopped",
}


class StoreFaults:
    """What the app said about refused writes: each background line once, every user action."""

    def __init__(self, app: App[Any]) -> None:
        self.app = app
        self.said: set[str] = set()
        """The lines said so far (a background write failing every second is said once)."""
        self.last = ""
        """The last line refused (the header's tooltip); ``""`` while every write held."""

    def refused(self, error: BaseException, doing: str = "") -> bool:
        """If ``error`` is the store's, say it and return True; False for any other error."""
        if not is_store_error(error):
            return False
        self.say(str(error), doing)
        return True

    def say(self, line: str, doing: str = "") -> str:
        """Say ``line`` (after ``doing``, what did not happen) and mark the header; returns
        the text said. A user's action is always answered; a background line once."""
        text = f"{doing}: {line}" if doing else line
        self.last = line
        with contextlib.suppress(NoMatches, IndexError):  # quitting: the screen is gone
            self.app.screen_stack[0].query_one(AppHeader).show_store(line)
        if doing or line not in self.said:
            self.said.add(line)
            log.error(text)
            self.app.notify(text, title="Store", severity="error", timeout=20)
        return text

    def poll(self, store: Any) -> None:
        """Say a write refused in the background (``store.failure``, set by the store)."""
        failure = getattr(store, "failure", None)
        if failure and failure not in self.said:
            self.say(str(failure))


def close_store(store: Any, audit_ts: Any) -> str:
    """Audit the stop, flush and close ``store`` (its directory always released); the line
    of the first write the disk refused, ``""`` when everything was saved."""
    line = ""
    try:
        store.audit("stop", "app closed", ts=audit_ts)
    except Exception as exc:  # a closed or refusing store: closing still releases it
        if not is_store_error(exc):
            raise
        line = str(exc)
    try:
        store.close()
    except Exception as exc:
        if not is_store_error(exc):
            raise
        line = line or str(exc)
    return line
