"""Settings: defaults, the TOML config file, PORTING_ALPHA_* variables, and one-line errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from tui.settings import SettingsError, load_settings


def test_defaults_without_file_or_environment(tmp_path):
    settings = load_settings(tmp_path / "none.toml", environ={})
    assert settings.venue == "binanceusdm" and settings.leverage == 3.0
    assert settings.watchlist == []


def test_environment_beats_file(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text('leverage = 4\nvenue = "bybit"\nwatchlist = ["SOL"]\n')
    settings = load_settings(config, environ={"PORTING_ALPHA_LEVERAGE": "6"})
    assert settings.leverage == 6.0 and settings.venue == "bybit"
    assert settings.watchlist == ["SOL"]
    assert load_settings(config, environ={"PORTING_ALPHA_WATCHLIST": "BNB,XRP"}).watchlist == [
        "BNB",
        "XRP",
    ]
    data = load_settings(config, environ={"PORTING_ALPHA_DATA_DIR": str(tmp_path)}).data_dir
    assert data == Path(tmp_path)


@pytest.mark.parametrize(
    ("text", "environ", "message"),
    [
        ("leverage = [", {}, "cannot read settings"),
        ("", {"PORTING_ALPHA_LEVERAGE": "abc"}, "PORTING_ALPHA_LEVERAGE"),
        ("", {"PORTING_ALPHA_WATCHLIST": "[1,"}, "is not a list"),
    ],
)
def test_bad_settings_say_where(tmp_path, text, environ, message):
    config = tmp_path / "config.toml"
    config.write_text(text)
    with pytest.raises(SettingsError, match=message) as err:
        load_settings(config, environ=environ)
    assert "\n" not in str(err.value)


def test_a_config_file_holding_keys_must_be_private(tmp_path):
    import pytest

    from tui.settings import SettingsError, load_settings

    path = tmp_path / "config.toml"
    path.write_text('[binanceusdm]\napi_key = "k"\nsecret = "s"\n', encoding="utf-8")
    path.chmod(0o644)
    with pytest.raises(SettingsError, match="holds API keys but others can read it"):
        load_settings(path, environ={})
    path.chmod(0o600)
    load_settings(path, environ={})  # only its owner can read it: accepted


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("POLL_SECONDS", "-1", "greater than or equal to 0.1"),
        ("POLL_SECONDS", "nan", "finite"),
        ("SLIPPAGE_BPS", "nan", "finite"),
        ("MAX_LEVERAGE_FALLBACK", "-5", "greater than or equal to 1"),
        ("LEVERAGE", "2.5", "whole number"),
        ("WINDOW_DAYS", "1e308", "less than or equal to 3650"),
        ("MAX_ORDER_USD", "inf", "finite"),
        ("DATA_DIR", "", "empty path"),
    ],
)
def test_bad_environment_is_refused_naming_the_variable(tmp_path, variable, value, message):
    # Issue 10: these were accepted (a negative poll period, NaN slippage, a negative cap).
    with pytest.raises(SettingsError, match=message) as err:
        load_settings(tmp_path / "none.toml", environ={f"PORTING_ALPHA_{variable}": value})
    assert str(err.value).startswith(f"PORTING_ALPHA_{variable}: ")
    assert "\n" not in str(err.value)


def test_bad_config_file_value_names_the_file(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text("poll_seconds = -1\n")
    with pytest.raises(SettingsError, match=r"config.toml\): poll_seconds"):
        load_settings(config, environ={})


def test_the_command_line_exits_2_on_a_bad_variable(tmp_path, monkeypatch, capsys):
    from tui.cli import main

    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    monkeypatch.setenv("PORTING_ALPHA_POLL_SECONDS", "nan")
    with pytest.raises(SystemExit) as exit_:
        main(["record", "--demo", "--data-dir", str(tmp_path / "d"), "--seconds", "1"])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert "PORTING_ALPHA_POLL_SECONDS" in err and err.count("\n") == 1
    assert not (tmp_path / "d").exists()
