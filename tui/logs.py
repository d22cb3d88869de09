"""Standard logging to a file (``--log-file PATH``), with every configured secret masked.

By default nothing is logged to a file (and nothing to the terminal: the app owns it). With
``--log-file`` the root logger writes INFO and above to a rotating file (1 MB × 3 backups).
A `SecretMask` filter on that file's handler replaces every secret it knows with ``***``
in the message, its arguments, a traceback and a stack: the venue keys in the environment
(``PORTING_ALPHA_<VENUE>_API_KEY`` / ``_API_SECRET`` / ``_PASSWORD``), and any registered
later with `mask_secret` (keys read from the OS keyring). The same mask cleans the crash log.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

#: Environment variables whose values are secrets.
SECRET_VARIABLE = re.compile(r"^PORTING_ALPHA_\w+_(API_KEY|API_SECRET|SECRET|PASSWORD|PASSPHRASE)$")
#: A value shorter than this is not masked (it would blank ordinary words and digits).
MIN_SECRET_LENGTH = 6
MASK = "***"
MAX_BYTES = 1_000_000
BACKUPS = 3
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class SecretMask(logging.Filter):
    """Replaces known secrets in a record before any handler writes it."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self.secrets: set[str] = set()
        for secret in secrets:
            self.add(secret)

    def add(self, secret: str | None) -> None:
        """Mask ``secret`` from now on (short or empty values are ignored)."""
        if secret and len(secret.strip()) >= MIN_SECRET_LENGTH:
            self.secrets.add(secret.strip())

    def mask(self, text: str) -> str:
        """``text`` with every known secret replaced (longest first: one may contain another)."""
        for secret in sorted(self.secrets, key=len, reverse=True):
            text = text.replace(secret, MASK)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        """Mask the message (arguments merged in), the traceback and the stack; keep the record."""
        if not self.secrets:
            return True
        record.msg = self.mask(record.getMessage())
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.mask(record.exc_text)
        if record.stack_info:
            record.stack_info = self.mask(record.stack_info)
        return True


#: The one mask of this process (its handler is installed by `setup_logging`).
SECRETS = SecretMask()


def secrets_from_environment(environ: Mapping[str, str] | None = None) -> list[str]:
    """The values of the secret ``PORTING_ALPHA_*`` variables."""
    environ = os.environ if environ is None else environ
    return [value for name, value in environ.items() if SECRET_VARIABLE.match(name)]


def mask_secret(*secrets: str | None) -> None:
    """Never write these to the log (keys read from the keyring, for instance)."""
    for secret in secrets:
        SECRETS.add(secret)


def setup_logging(path: Path | None, level: int = logging.INFO) -> logging.Handler | None:
    """Log to a rotating file at ``path`` (``None``: no file); returns its handler.

    Raises `OSError` when the file cannot be opened (the command line says so in one line).
    """
    mask_secret(*secrets_from_environment())
    if path is None:
        return None
    path = Path(path).expanduser()
    if path.parent and not path.parent.is_dir():
        raise OSError(f"no directory {path.parent}")
    handler = logging.handlers.RotatingFileHandler(
        path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8"
    )
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    handler.addFilter(SECRETS)
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(level)
    return handler
