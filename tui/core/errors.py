"""Errors the domain raises for bad input: always one line that says what and where."""

from __future__ import annotations

from pydantic import ValidationError


class InputError(ValueError):
    """Bad user input (a file, a flag, a field). ``str(err)`` is one line, fit for stderr or a UI."""


def describe_validation_error(err: ValidationError, source: str = "") -> str:
    """One line from a pydantic error: the first problem, its dotted location, and the source."""
    first = err.errors()[0]
    loc = ".".join(str(part) for part in first.get("loc", ()) if part != "__root__")
    msg = str(first.get("msg", "invalid value"))
    # pydantic prefixes errors raised by our validators with "Value error, ".
    msg = msg.removeprefix("Value error, ")
    where = ": ".join(part for part in (source, loc) if part)
    extra = f" (+{len(err.errors()) - 1} more)" if len(err.errors()) > 1 else ""
    return f"{where}: {msg}{extra}" if where else f"{msg}{extra}"
