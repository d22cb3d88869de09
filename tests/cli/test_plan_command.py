"""``porting-alpha plan --demo``: the real ccxt client against the simulator on loopback."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tui.cli import main
from tui.sim.scenario import default_scenario_path

DATA = Path(__file__).resolve().parents[1] / "data"
FROZEN = default_scenario_path().with_name("frozen.toml")
FIFTY_FIFTY = DATA / "fifty_fifty.toml"


def plan_json(capsys: pytest.CaptureFixture[str], *args: str) -> dict:
    code = main(["plan", "--demo", "--scenario", str(FROZEN), "--json", *args])
    out, err = capsys.readouterr()
    assert code == 0, err
    return json.loads(out)


def test_worked_example_of_design(capsys):
    # docs/design.md §2: $100,000 at 50/50 → 65/35 at 5×: long $15,000 BTC, short $15,000 ETH,
    # $3,000 margin per leg, net notional ≈ 0.
    plan = plan_json(
        capsys,
        "--portfolio",
        str(FIFTY_FIFTY),
        "--target",
        "BTC=65,ETH=35",
        "--leverage",
        "5",
        "--days",
        "45",
        "--instrument",
        "perp",
    )
    assert plan["base_usd"] == pytest.approx(100_000)
    btc, eth = plan["legs"]
    assert (btc["symbol"], btc["side"], btc["contracts"]) == ("BTC/USDT:USDT", "buy", 0.3)
    assert (eth["symbol"], eth["side"], eth["contracts"]) == ("ETH/USDT:USDT", "sell", 6.0)
    assert btc["notional_usd"] == pytest.approx(15_000) and eth["notional_usd"] == pytest.approx(
        -15_000
    )
    assert btc["margin_usd"] == pytest.approx(3_000) and eth["margin_usd"] == pytest.approx(3_000)
    totals = plan["totals"]
    assert totals["net_notional_usd"] == pytest.approx(0.0)
    assert totals["gross_notional_usd"] == pytest.approx(30_000)
    # 135 settlements in 45 days of 8 h: BTC long pays 15,000 × 0.0001 × 135, ETH short earns
    # 15,000 × 0.0002 × 135.
    assert btc["carry_usd"] == pytest.approx(-202.5) and eth["carry_usd"] == pytest.approx(405.0)
    assert btc["annualized_rate"] == pytest.approx(0.1095)
    # Fees at the simulator's 0.05 % taker.
    assert totals["fees_usd"] == pytest.approx(15.0)
    assert {"venue", "as_of", "window_days", "leverage", "warnings"} <= plan.keys()
    # Liquidation by Binance's isolated formula, LP = (WB + cum − s·Q·EP) / (Q·MMR − s·Q),
    # bracket 1 (MMR 0.4 %, cum 0): BTC long 0.3 at 50,000 with WB 3,000:
    # (3,000 − 15,000) / (0.0012 − 0.3) = 40,160.64 (the old entry × (1 − 1/lev + mmr) gave
    # 40,200); ETH short 6 at 2,500: (3,000 + 15,000) / (0.024 + 6) = 2,988.05.
    assert btc["liquidation_price"] == pytest.approx(40_160.64, abs=0.005)
    assert eth["liquidation_price"] == pytest.approx(2_988.05, abs=0.005)
    assert btc["liquidation_distance"] == pytest.approx(0.1968, abs=1e-4)
    # The portfolio holds no stablecoin: 6,015 of margin and fees against 0 available.
    assert plan["collateral_usd"] == 0 and plan["collateral_needed_usd"] == pytest.approx(6_015)
    assert plan["collateral_short_usd"] == pytest.approx(6_015)
    assert any(w.startswith("collateral short by $6,015.00") for w in plan["warnings"])
    assert plan["blockers"]


def test_auto_takes_the_quarterly_when_its_basis_is_cheaper(capsys):
    # BTC perp funding 0.0001 / 8 h = 10.95 % a year; the 2026-03-27 future's basis is 8 %:
    # the long takes the future. F = 50,000 × (1 + 0.08 × d / 365), d ≈ 81.33 days to 08:00 UTC.
    plan = plan_json(
        capsys,
        "--portfolio",
        str(FIFTY_FIFTY),
        "--target",
        "BTC=65,ETH=35",
        "--leverage",
        "5",
        "--days",
        "45",
    )
    btc = plan["legs"][0]
    assert btc["instrument"] == "future" and btc["symbol"] == "BTC/USDT:USDT-260327"
    now = datetime.fromisoformat(plan["as_of"])
    days = (datetime(2026, 3, 27, 8, tzinfo=UTC) - now).total_seconds() / 86_400
    future_price = round(50_000 * (1 + 0.08 * days / 365), 1)
    assert btc["price"] == pytest.approx(future_price, abs=0.11)
    assert btc["contracts"] == 0.294  # 15,000 / 50,891.3 = 0.29474 → truncated at 0.001
    assert btc["annualized_rate"] == pytest.approx(0.08, abs=1e-4)
    expected = -0.294 * (btc["price"] - 50_000) * 45 / days
    assert btc["carry_usd"] == pytest.approx(expected, rel=1e-3)
    # ETH short: the perp pays the short 0.0002 / 8 h (21.9 %) — better than the 6 % basis.
    assert plan["legs"][1]["instrument"] == "perp"


CANDIDATE_KEYS = {
    "symbol",
    "instrument",
    "expiry",
    "price",
    "carry_usd",
    "funding_usd",
    "basis_usd",
    "fee_usd",
    "roll_cost_usd",
    "roll_by",
    "net_usd",
    "annualized_rate",
    "margin_usd",
    "max_leverage",
    "mmr",
    "liquidation_price",
    "liquidation_distance",
    "liquidation_estimate",
    "allowed",
    "reason",
    "chosen",
}


def test_candidates_explain_auto_in_json(capsys):
    # BTC long $15,000 over 45 d: the perp pays 15,000 × 0.0001 × 135 = 202.50 of funding
    # (net −210.00 with the 7.50 fee); the 2026-03-27 quarterly's basis costs less: chosen.
    plan = plan_json(
        capsys,
        "--portfolio",
        str(FIFTY_FIFTY),
        "--target",
        "BTC=65,ETH=35",
        "--leverage",
        "5",
        "--days",
        "45",
        "--collateral",
        "10000",
    )
    btc = plan["legs"][0]
    assert [c["symbol"] for c in btc["candidates"]] == [
        "BTC/USDT:USDT",
        "BTC/USDT:USDT-260327",
    ]
    perp, future = btc["candidates"]
    assert set(perp) == CANDIDATE_KEYS
    assert perp["funding_usd"] == pytest.approx(-202.5) and perp["basis_usd"] == 0
    assert perp["net_usd"] == pytest.approx(-210.0) and not perp["chosen"]
    assert future["chosen"] and future["allowed"] and future["funding_usd"] == 0
    assert future["basis_usd"] < 0 and future["net_usd"] > perp["net_usd"]
    assert btc["choice"].startswith("auto: BTC/USDT:USDT-260327 nets −$")
    # --collateral 10,000 covers the 5,992.41 + 14.98: no blocker.
    assert plan["collateral_usd"] == 10_000 and plan["collateral_source"] == "--collateral"
    assert plan["blockers"] == [] and plan["collateral_short_usd"] == 0


def test_table_lists_the_candidates(capsys):
    code = main(
        [
            "plan",
            "--demo",
            "--scenario",
            str(FROZEN),
            "--portfolio",
            str(FIFTY_FIFTY),
            "--target",
            "BTC=65,ETH=35",
            "--leverage",
            "5",
            "--days",
            "45",
        ]
    )
    out = capsys.readouterr().out
    assert code == 0
    lines = out.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("candidates"))
    chosen = [line for line in lines[header:] if " * " in line]
    assert any("BTC/USDT:USDT-260327" in line for line in chosen)
    assert any("-210.00" in line and "BTC/USDT:USDT " in line for line in lines[header:])
    assert "warning: collateral short by" in out


def test_base_above_the_portfolio_is_warned(capsys):
    # $100,000 portfolio, --base 200,000 at 65/35: exposures 130,000 + 70,000 = 200 %.
    plan = plan_json(
        capsys,
        "--portfolio",
        str(FIFTY_FIFTY),
        "--target",
        "BTC=65,ETH=35",
        "--base",
        "200000",
        "--instrument",
        "perp",
    )
    assert plan["gross_exposure_usd"] == pytest.approx(200_000)
    assert any(
        "is 200% of the portfolio's value $100,000.00: the tilt is levered (base $200,000.00" in w
        for w in plan["warnings"]
    )


def test_hourly_funding_asset(tmp_path, capsys):
    # DOGE settles hourly: 2 days = 48 settlements; $1,000 long at 0.2 = 5,000 DOGE
    # pays 1,000 × 0.00005 × 48 = 2.40; annualized 0.00005 × 8,760 = 43.8 %.
    cash = tmp_path / "cash.toml"
    cash.write_text("[holdings]\nUSDT = 10000\n")
    plan = plan_json(
        capsys,
        "--portfolio",
        str(cash),
        "--target",
        "DOGE=10",
        "--days",
        "2",
        "--instrument",
        "perp",
    )
    doge = plan["legs"][0]
    assert doge["contracts"] == 5_000 and doge["carry_usd"] == pytest.approx(-2.4)
    assert doge["annualized_rate"] == pytest.approx(0.438)


def test_below_minimum_leg_is_reported(capsys):
    # +$60 of BTC is 0.0012 BTC → 0.001 BTC = $50 < the $100 minimum: not sent.
    plan = plan_json(
        capsys, "--portfolio", str(FIFTY_FIFTY), "--target", "BTC=50.06", "--instrument", "perp"
    )
    leg = plan["legs"][0]
    assert leg["status"] == "below_minimum" and "minimum order value" in leg["reason"]
    assert plan["totals"]["gross_notional_usd"] == 0
    assert any("minimum" in w for w in plan["warnings"])


def test_table_output(capsys):
    code = main(
        [
            "plan",
            "--demo",
            "--scenario",
            str(FROZEN),
            "--portfolio",
            str(FIFTY_FIFTY),
            "--target",
            "BTC=65,ETH=35",
            "--leverage",
            "5",
            "--instrument",
            "perp",
        ]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert "BTC/USDT:USDT" in out and "ETH/USDT:USDT" in out and "total" in out
    assert "net 0.00" in out and "gross 30,000.00" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--target", "BTC=65,ETH=35", "--leverage", "0"], "whole number from 1"),
        (["--target", "BTC=65,ETH=35", "--leverage", "0.5"], "whole number from 1, got 0.5"),
        (["--target", "BTC=65,ETH=35", "--leverage", "-2"], "whole number from 1, got -2"),
        (["--target", "BTC=65,ETH=35", "--leverage", "2.5"], "whole number (venues take"),
        (["--target", "BTC=65,ETH=35", "--leverage", "500"], "above the maximum 125×"),
        (["--target", "BTC=65", "--leverage", "nan"], "not a finite number"),
        (["--target", "BTC=abc"], "'abc' is not a number"),
        (["--target", "XYZ=10"], "unknown asset XYZ"),
        (["--target", "BTC=65", "--days", "0"], "window (days) must be > 0"),
        (["--target", "BTC=65", "--base", "-5"], "capital base must be > 0"),
        (["--target", "BTC=65", "--portfolio", "/no/such/file.toml"], "portfolio file not found"),
        (["--target", "BTC=65", "--scenario", __file__], "invalid TOML"),
        (["--target", "BTC=65", "--instrument", "spot"], "invalid choice"),
        (["--target", "BTC=65", "--collateral", "-1"], "--collateral must be ≥ 0"),
    ],
)
def test_bad_input_exits_2_with_one_line(capsys, args, message):
    base = ["plan", "--demo", "--scenario", str(FROZEN), "--portfolio", str(FIFTY_FIFTY)]
    code = run_cli([*base, *args])
    out, err = capsys.readouterr()
    assert code == 2
    assert message in err and err.count("\n") == 1 and "Traceback" not in err
    assert out == ""


def run_cli(argv: list[str]) -> int:
    """The exit code of the CLI, whether argparse exits or main returns."""
    try:
        return main(argv)
    except SystemExit as exit_:
        return int(exit_.code or 0)


def test_bad_portfolio_files(tmp_path, capsys):
    cases = {
        "sum.toml": ("[holdings]\nBTC = 1\n[strategic]\nBTC = 70\nETH = 20\n", "sum to 90%"),
        "neg.toml": ("[holdings]\nBTC = -1\n", "negative"),
        "nan.toml": ("[holdings]\nBTC = nan\n", "finite"),
        "text.toml": ("[holdings]\nBTC = 'x'\n", "not a number"),
        "broken.toml": ("[holdings\n", "not valid TOML"),
    }
    for name, (text, message) in cases.items():
        path = tmp_path / name
        path.write_text(text)
        code = main(
            [
                "plan",
                "--demo",
                "--scenario",
                str(FROZEN),
                "--portfolio",
                str(path),
                "--target",
                "BTC=60",
            ]
        )
        err = capsys.readouterr().err
        assert code == 2, name
        assert message in err and str(path) in err and err.count("\n") == 1


def test_the_installed_command_runs(tmp_path):
    # The console script itself, as a user runs it.
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "tui",
            "plan",
            "--demo",
            "--scenario",
            str(FROZEN),
            "--portfolio",
            str(FIFTY_FIFTY),
            "--target",
            "BTC=65,ETH=35",
            "--leverage",
            "5",
            "--json",
            "--instrument",
            "perp",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["totals"]["net_notional_usd"] == pytest.approx(0)
