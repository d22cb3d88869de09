"""User settings (TOML config + ``PORTING_ALPHA_*`` environment) and the options one launch runs with.

Precedence, highest first: command-line flags, environment variables, the config file
(``<platformdirs config dir>/config.toml``), the defaults below.
"""

from __future__ import annotations

import json
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from platformdirs import user_config_dir, user_data_dir
from pydantic import BaseModel, ConfigDict, Field, field_validator

from tui.core.limits import MAX_LEVERAGE, MAX_USD, MAX_WINDOW_DAYS

APP_NAME = "porting-alpha"


def config_path() -> Path:
    """Where the TOML config lives (platformdirs user config dir)."""
    return Path(user_config_dir(APP_NAME)) / "config.toml"


def default_data_dir() -> Path:
    """Where the state store lives unless ``--data-dir`` or the settings say otherwise."""
    return Path(user_data_dir(APP_NAME))


ENV_PREFIX = "PORTING_ALPHA_"


class SettingsError(ValueError):
    """A config file or environment variable that cannot be used (one line)."""


class Settings(BaseModel):
    """Settings read from the config file and ``PORTING_ALPHA_*`` environment variables.

    (Loaded by `load_settings` with tomllib and ``os.environ``: pydantic-settings would do the
    same but costs ≈ 0.1 s of import on the path to the first frame.)
    """

    model_config = ConfigDict(extra="ignore", allow_inf_nan=False)

    venue: str = "binanceusdm"
    """ccxt id of the live venue (binanceusdm, bybit, okx)."""
    data_dir: Path = Field(default_factory=default_data_dir)
    """Directory of the state store."""
    theme: str = "porting-dark"
    """Theme name (one of the themes in the top-level ``themes/``)."""
    leverage: float = Field(3.0, ge=1, le=MAX_LEVERAGE)
    """Default leverage for a new tilt."""
    window_days: float = Field(30.0, gt=0, le=MAX_WINDOW_DAYS)
    """Default tactical window for a new tilt."""
    instrument: str = "auto"
    """Default instrument choice: auto, perp or future."""
    max_leverage_fallback: float = Field(20.0, ge=1, le=MAX_LEVERAGE)
    """Leverage cap used when the venue does not report a market's maximum."""
    poll_seconds: float = Field(2.0, ge=0.1, le=3600)
    """REST poll period of the feeds (0.1 s to an hour: faster only earns rate limits)."""
    slippage_bps: float = Field(0.0, ge=0, le=1000)
    """Extra slippage the paper executor adds beyond the bid/ask (at most 10 %)."""
    max_order_usd: float = Field(250_000.0, gt=0, le=MAX_USD)
    """No single order above this notional (a pre-trade check at confirmation)."""
    max_tilt_usd: float = Field(1_000_000.0, gt=0, le=MAX_USD)
    """No tilt's gross notional above this (a pre-trade check at confirmation)."""
    rebalance_tolerance_usd: float = Field(50.0, ge=0, le=MAX_USD)
    """No leg is proposed for an asset this close (USD) to its target (no dust trades)."""
    watchlist: list[str] = Field(default_factory=list)
    """Assets whose feeds run besides the portfolio's and the tilt's (e.g. ``["SOL", "BNB"]``)."""

    @field_validator("leverage", "max_leverage_fallback")
    @classmethod
    def _whole(cls, value: float) -> float:
        if value != int(value):
            raise ValueError(f"must be a whole number (venues take 1, 2, 3 …), got {value:g}")
        return value

    @field_validator("data_dir", mode="before")
    @classmethod
    def _not_empty(cls, value: Any) -> Any:
        if isinstance(value, str) and not value.strip():
            raise ValueError("an empty path is not a directory")
        return value


def load_settings(path: Path | None = None, environ: Mapping[str, str] | None = None) -> Settings:
    """Defaults, overridden by the TOML config file, overridden by ``PORTING_ALPHA_*``.

    Raises `SettingsError` naming the file or variable at fault.
    """
    path = path or config_path()
    environ = os.environ if environ is None else environ
    data: dict[str, Any] = {}
    if path.is_file():
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as err:
            raise SettingsError(f"{path}: cannot read settings ({err})") from None
        if _holds_secrets(data) and path.stat().st_mode & 0o077:
            raise SettingsError(
                f"{path} holds API keys but others can read it: chmod 600 it, or move the keys "
                "to the environment or the OS keyring"
            )
    for name in Settings.model_fields:
        raw = environ.get(ENV_PREFIX + name.upper())
        if raw is None:
            continue
        if name == "watchlist":
            # A JSON list or a comma list: '["SOL","BNB"]' or 'SOL,BNB'.
            try:
                data[name] = json.loads(raw) if raw.strip().startswith("[") else raw.split(",")
            except json.JSONDecodeError:
                raise SettingsError(f"{ENV_PREFIX}WATCHLIST: {raw!r} is not a list") from None
        else:
            data[name] = raw
    from_env = {name for name in Settings.model_fields if ENV_PREFIX + name.upper() in environ}
    try:
        return Settings.model_validate(data)
    except ValueError as err:
        from pydantic import ValidationError

        if isinstance(err, ValidationError):
            from tui.core.errors import describe_validation_error

            first = err.errors()[0].get("loc", ("",))[0]
            if first in from_env:
                # Name the variable the trader set, not the field behind it.
                variable = ENV_PREFIX + str(first).upper()
                raise SettingsError(
                    describe_validation_error(err, "").replace(str(first), variable, 1)
                ) from None
            raise SettingsError(describe_validation_error(err, f"settings ({path})")) from None
        raise


#: Where the app remembers what the user chose on screen (the theme ``t`` picked), in the data
#: directory: the user's config file is theirs, never rewritten.
UI_STATE_FILE = "ui.toml"


def remembered_theme(data_dir: Path) -> str | None:
    """The theme last chosen with ``t`` (``None``: none yet, or the file is unreadable)."""
    try:
        data = tomllib.loads((Path(data_dir) / UI_STATE_FILE).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None
    theme = data.get("theme")
    return theme if isinstance(theme, str) and theme.strip() else None


def remember_theme(data_dir: Path, theme: str) -> None:
    """Keep ``theme`` for the next start (raises `OSError` if the directory is unwritable)."""
    path = Path(data_dir) / UI_STATE_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    # A JSON string is a valid TOML basic string: no TOML writer needed for one key.
    path.write_text(f"theme = {json.dumps(theme)}\n", encoding="utf-8")


def launch_theme(flag: str | None, data_dir: Path, settings: Settings) -> str:
    """The theme to start with: ``--theme``, else the one last chosen with ``t``, else the
    settings' (config file, ``PORTING_ALPHA_THEME``, default)."""
    return flag or remembered_theme(data_dir) or settings.theme


def _holds_secrets(data: Mapping[str, Any]) -> bool:
    """Whether a settings table (or a table in it) has a key- or secret-like entry."""
    for name, value in data.items():
        lowered = name.lower()
        if any(word in lowered for word in ("secret", "api_key", "apikey", "password")):
            return True
        if isinstance(value, Mapping) and _holds_secrets(value):
            return True
    return False


@dataclass
class LaunchOptions:
    """Everything one start of the app (or a headless command) was asked to do."""

    demo: bool = False
    scenario: Path | None = None
    venue: str = "binanceusdm"
    portfolio: Path | None = None
    data_dir: Path = field(default_factory=default_data_dir)
    live: bool = False
    """Send real orders (only with ``--live``); otherwise paper."""
    theme: str = "porting-dark"
    targets: dict[str, float] = field(default_factory=dict)
    """Pre-filled tactical targets, fractions of the base (0.65 = 65 %)."""
    base_usd: float | None = None
    leverage: float = 3.0
    window_days: float = 30.0
    instrument: str = "auto"
    settings: Settings = field(default_factory=Settings)
    """The typed settings this launch runs with (config file and environment)."""
