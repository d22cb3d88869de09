"""Where the store lives by default."""

from __future__ import annotations

from pathlib import Path

import platformdirs

APP_NAME = "porting-alpha"


def default_data_dir() -> Path:
    """The per-user data directory, e.g. ``~/.local/share/porting-alpha`` on Linux."""
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
