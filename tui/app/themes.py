"""Themes from ``tui/themes/*.toml``, loaded at start into `textual.theme.Theme`.

Colours live in those files only; the .tcss uses theme variables (``$gain``, ``$loss``,
``$stale``, ``$caution`` and Textual's own). A theme file that cannot be read is skipped
with a reason rather than stopping the app.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from textual.theme import Theme

#: ``tui/themes/``: shipped inside the package so an installed wheel has its themes too.
THEMES_DIR = Path(__file__).resolve().parents[1] / "themes"

#: Fallbacks for the custom variables, so Textual's built-in themes still parse our CSS.
VARIABLE_DEFAULTS: dict[str, str] = {
    "gain": "#4CC38A",
    "loss": "#E0605A",
    "stale": "#7A8294",
    "caution": "#E8B04B",
}

_THEME_FIELDS = (
    "primary",
    "secondary",
    "warning",
    "error",
    "success",
    "accent",
    "foreground",
    "background",
    "surface",
    "panel",
    "boost",
)


def theme_from_toml(data: dict[str, Any], fallback_name: str) -> Theme:
    """Build a `Theme` from one parsed theme file."""
    if "primary" not in data:
        raise ValueError("a theme needs at least 'primary'")
    kwargs: dict[str, Any] = {key: str(data[key]) for key in _THEME_FIELDS if key in data}
    variables = {**VARIABLE_DEFAULTS, **{k: str(v) for k, v in data.get("variables", {}).items()}}
    return Theme(
        name=str(data.get("name", fallback_name)),
        dark=bool(data.get("dark", True)),
        variables=variables,
        **kwargs,
    )


def load_themes(directory: Path = THEMES_DIR) -> tuple[list[Theme], list[str]]:
    """Every theme in ``directory`` and a one-line problem per file that could not be used."""
    themes: list[Theme] = []
    problems: list[str] = []
    if not directory.is_dir():
        return themes, [f"no themes directory at {directory}"]
    for path in sorted(directory.glob("*.toml")):
        try:
            with path.open("rb") as handle:
                themes.append(theme_from_toml(tomllib.load(handle), path.stem))
        except (OSError, ValueError, tomllib.TOMLDecodeError) as exc:
            problems.append(f"theme {path.name} skipped: {exc}")
    return themes, problems
