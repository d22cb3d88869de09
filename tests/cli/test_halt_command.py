"""``porting-alpha halt``: the kill switch from the command line."""

from __future__ import annotations

from pathlib import Path

from tui.cli import main
from tui.desk.checks import KillSwitch


def test_halt_and_lift(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["halt", "--data-dir", str(tmp_path), "--reason", "exchange incident"]) == 0
    assert KillSwitch(tmp_path).reason == "exchange incident"
    assert main(["halt", "--lift", "--data-dir", str(tmp_path)]) == 0
    assert KillSwitch(tmp_path).reason == ""


def test_halt_on_a_missing_directory_exits_2(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["halt", "--data-dir", str(tmp_path / "nope")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no such data directory" in err
