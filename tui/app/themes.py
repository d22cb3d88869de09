"""Themes from the repository's ``themes/*.toml``, loaded at start into `textual.theme.Theme`.

The ``themes/`` directory ships as the package ``tui.themes`` (pyproject.toml maps it), so the
files are read with `importlib.resources` and an installed wheel has them as well as a checkout.

Colours live in those files only; the .tcss uses theme variables (``$gain``, ``$loss``,
``$stale``, ``$caution`` and Textual's own). A theme file that cannot be read is skipped
with a reason rather than stopping the app.
"""

from __future__ import annotations

import tomllib
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any

from textual.theme import Theme

#: The package the theme files ship in (the repository's ``themes/`` directory).
THEMES_PACKAGE = "tui.themes"

#: Fallbacks for the custom variables, so Textual's built-in themes still parse our CSS.
VARIABLE_DEFAULTS: dict[str, str] = {
    "gain": "#4CC38A",
    "loss": "#E0605A",
    "stale": "#7A8294",
    "caution": "#E8B04B",
    "pane-border": "#2F5A7A",
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


def themes_directory() -> Traversable | None:
    """The shipped themes directory, or None if the package is missing."""
    try:
        return resources.files(THEMES_PACKAGE)
    except ModuleNotFoundError:
        return None


def load_themes(directory: Traversable | None = None) -> tuple[list[Theme], list[str]]:
    """Every theme in ``directory`` (default: the shipped themes) and a one-line problem per
    file that could not be used."""
    themes: list[Theme] = []
    problems: list[str] = []
    if directory is None:
        directory = themes_directory()
    if directory is None or not directory.is_dir():
        return themes, [f"no themes directory ({THEMES_PACKAGE})"]
    files = [entry for entry in directory.iterdir() if entry.name.endswith(".toml")]
    for path in sorted(files, key=lambda entry: entry.name):
        try:
            with path.open("rb") as handle:
                themes.append(
                    theme_from_toml(tomllib.load(handle), path.name.removesuffix(".toml"))
                )
        except (OSError, ValueError, tomllib.TOMLDecodeError) as exc:
            problems.append(f"theme {path.name} skipped: {exc}")
    return themes, problems
