"""Fixtures of the store tests: a store opened on a fresh temporary data directory."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tui.store import Store


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A data directory that does not exist yet."""
    return tmp_path / "data"


@pytest.fixture
def store(data_dir: Path) -> Iterator[Store]:
    """A store on ``data_dir``, closed after the test."""
    s = Store.open(data_dir)
    yield s
    s.close()
