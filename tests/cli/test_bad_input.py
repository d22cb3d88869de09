"""Bad input on the command line (issue 10): refused in one line with exit 2, nothing written,
never an internal error with a crash log."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest

from tui.cli import main
from tui.sim.scenario import default_scenario_path

DATA = Path(__file__).resolve().parents[1] / "data"
FROZEN = default_scenario_path().with_name("frozen.toml")
FIFTY_FIFTY = DATA / "fifty_fifty.toml"


def run_cli(argv: list[str]) -> int:
    try:
        return main(argv)
    except SystemExit as exit_:
        return int(exit_.code or 0)


def plan_argv(data_dir: Path, portfolio: Path, *args: str) -> list[str]:
    return [
        "plan",
        "--demo",
        "--scenario",
        str(FROZEN),
        "--portfolio",
        str(portfolio),
        "--data-dir",
        str(data_dir),
        *args,
    ]


def assert_refused(code: int, capsys: pytest.CaptureFixture[str], message: str) -> None:
    out, err = capsys.readouterr()
    assert code == 2, err
    assert message in err, err
    assert err.count("\n") == 1 and "internal error" not in err and "Traceback" not in err
    assert out == ""


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--target", "BTC=65,ETH=35", "--days", "1e308"], "window (days) is 1e+308, above 3650"),
        (["--target", "BTC=65,ETH=35", "--base", "1e308"], "capital base is 1e+308, above 1e+12"),
        (["--target", "BTC=1e308"], "target BTC: 1e+308% is beyond ±1000%"),
        (["--target", "BTC=65", "--collateral", "1e308"], "--collateral is 1e+308"),
        (["--target", "BTC=65", "--leverage", "1e308"], "above 1000×"),
        (["--target", "B$C=65"], "'B$C' is not an asset name"),
        (["--target", "B" * 10_000 + "=65"], "is not an asset name"),
        (["--target", "BTC=65", "--data-dir", ""], "empty path is not a directory"),
    ],
    ids=lambda value: str(value)[:24],
)
def test_numbers_beyond_sane_bounds_are_refused(tmp_path, capsys, args, message):
    data_dir = tmp_path / "store"
    argv = plan_argv(data_dir, FIFTY_FIFTY, *args)
    code = run_cli(argv)
    assert_refused(code, capsys, message)
    assert not data_dir.exists()
    assert not Path("porting-alpha-crash.log").exists()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[holdings]\nBTC = 1e308\nETH = 1\n", "holdings.BTC is 1e+308, above 1e+15"),
        # Below the quantity bound, but worth 5e18 USD at 50,000: refused as a value.
        ("[holdings]\nBTC = 1e14\nETH = 1\n", "the portfolio is worth 5e+18 USD"),
        ("[holdings]\nBTC = 1\nbtc = 5\n", "holdings.BTC is listed twice ('btc'"),
        ('[holdings]\n"BTC" = 1\n" BTC" = 5\n', "holdings.BTC is listed twice (' BTC'"),
        ('[holdings]\n"BT\\nC" = 1\n', "is not an asset name"),
    ],
)
def test_bad_portfolio_values_and_names_are_refused(tmp_path, capsys, text, message):
    portfolio = tmp_path / "p.toml"
    portfolio.write_text(text)
    data_dir = tmp_path / "store"
    code = run_cli(plan_argv(data_dir, portfolio, "--target", "BTC=60"))
    assert_refused(code, capsys, message)
    assert not data_dir.exists()


def test_a_target_on_an_asset_the_venue_does_not_list_exits_2(tmp_path, capsys):
    # FOO is held but has no market: it counts in the base (a warning), but a *target* on it
    # cannot be planned, and plan must not print a plan without the leg that was asked for.
    portfolio = tmp_path / "p.toml"
    portfolio.write_text("[holdings]\nBTC = 1\nETH = 20\nFOO = 5\n")
    code = run_cli(plan_argv(tmp_path / "d", portfolio, "--target", "FOO=10,BTC=55"))
    assert_refused(code, capsys, "unknown asset FOO: no futures market for it")
    # The holding alone is not an error: counted in the base, not tilted.
    code = run_cli(plan_argv(tmp_path / "d", portfolio, "--target", "BTC=55,ETH=45"))
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "FOO: no futures market" in out


class _ClosedPipe(io.StringIO):
    def write(self, text: str) -> int:
        raise BrokenPipeError(32, "Broken pipe")


def test_a_closed_pipe_ends_quietly(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(sys, "stdout", _ClosedPipe())
    code = run_cli(plan_argv(tmp_path / "d", FIFTY_FIFTY, "--target", "BTC=65,ETH=35"))
    err = capsys.readouterr().err
    assert code == 0 and err == ""
    assert not (tmp_path / "d" / "porting-alpha-crash.log").exists()


def test_plan_piped_into_a_reader_that_left(tmp_path):
    # ``plan … | head -0``: the reader has gone before the plan is printed.
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tui",
            *plan_argv(tmp_path / "d", FIFTY_FIFTY, "--target", "BTC=65"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"},
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 0, err
    assert "Traceback" not in err and "BrokenPipe" not in err and "internal error" not in err
    assert not (tmp_path / "d" / "porting-alpha-crash.log").exists()
