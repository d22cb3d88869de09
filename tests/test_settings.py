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
        ("", {"PORTING_ALPHA_LEVERAGE": "abc"}, "leverage"),
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
