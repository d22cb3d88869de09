"""What the app's first frame waits for: importing the app must not import polars or ccxt
(they load after the first frame: the store ≈ 0.3 s, ccxt ≈ 0.8 s)."""

from __future__ import annotations

import subprocess
import sys


def test_the_app_and_its_entry_point_import_neither_polars_nor_ccxt() -> None:
    code = (
        "import sys, tui.cli, tui.app.main, tui.app.app; "
        "print(sorted(m for m in ('polars', 'ccxt', 'aiohttp') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == "[]"


def test_the_desk_package_still_names_everything_it_exports() -> None:
    import tui.desk

    for name in tui.desk.__all__:
        assert getattr(tui.desk, name) is not None
    from tui.desk import Desk, Proposal

    assert Desk.__module__ == "tui.desk.desk" and Proposal.__module__ == "tui.desk.tilt"
