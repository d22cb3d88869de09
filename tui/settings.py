"""User settings (TOML config + ``PORTING_ALPHA_*`` environment) and the options one launch runs with.

Precedence, highest first: command-line flags, environment variables, the config file
(``<platformdirs config dir>/config.toml``), the defaults below.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from platformdirs import user_config_dir, user_data_dir
from pydantic import Field
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

APP_NAME = "porting-alpha"


def config_path() -> Path:
    """Where the TOML config lives (platformdirs user config dir)."""
    return Path(user_config_dir(APP_NAME)) / "config.toml"


def default_data_dir() -> Path:
    """Where the state store lives unless ``--data-dir`` or the settings say otherwise."""
    return Path(user_data_dir(APP_NAME))


class Settings(BaseSettings):
    """Settings read from the config file and ``PORTING_ALPHA_*`` environment variables."""

    model_config = SettingsConfigDict(env_prefix="PORTING_ALPHA_", extra="ignore")

    venue: str = "binanceusdm"
    """ccxt id of the live venue (binanceusdm, bybit, okx)."""
    data_dir: Path = Field(default_factory=default_data_dir)
    """Directory of the state store."""
    theme: str = "porting-dark"
    """Theme name (one of the themes in ``tui/themes/``)."""
    leverage: float = 3.0
    """Default leverage for a new tilt."""
    window_days: float = 30.0
    """Default tactical window for a new tilt."""
    instrument: str = "auto"
    """Default instrument choice: auto, perp or future."""
    max_leverage_fallback: float = 20.0
    """Leverage cap used when the venue does not report a market's maximum."""
    poll_seconds: float = 2.0
    """REST poll period of the feeds."""
    slippage_bps: float = 0.0
    """Extra slippage the paper executor adds beyond the bid/ask."""
    watchlist: list[str] = Field(default_factory=list)
    """Assets whose feeds run besides the portfolio's and the tilt's (e.g. ``["SOL", "BNB"]``)."""

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Flags (init) over environment over the TOML config file."""
        toml = TomlConfigSettingsSource(settings_cls, toml_file=config_path())
        return (init_settings, env_settings, toml)


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
    settings: dict[str, Any] = field(default_factory=dict)
