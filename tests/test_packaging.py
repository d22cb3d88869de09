"""pyproject.toml lists the packages (tui.themes lives in the top-level themes/ directory,
which `packages.find` cannot express): the list must cover every directory of tui/ that holds
code or data, or a wheel would silently lack it."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _config() -> dict[str, object]:
    with (ROOT / "pyproject.toml").open("rb") as handle:
        data = tomllib.load(handle)
    setuptools: dict[str, object] = data["tool"]["setuptools"]
    return setuptools


def test_every_package_directory_is_listed():
    on_disk = {
        ".".join(path.relative_to(ROOT).parts)
        for path in [ROOT / "tui", *(ROOT / "tui").rglob("*")]
        if path.is_dir()
        and path.name != "__pycache__"
        and any(f.suffix in {".py", ".toml", ".tcss"} for f in path.iterdir() if f.is_file())
    }
    listed = set(_config()["packages"])  # type: ignore[call-overload]
    missing = sorted(on_disk - listed)
    assert missing == [], f"add {missing} to [tool.setuptools] packages in pyproject.toml"
    assert listed - on_disk == {"tui.themes"}


def test_themes_ship_as_tui_themes():
    assert _config()["package-dir"] == {"tui.themes": "themes"}
    assert sorted(p.name for p in (ROOT / "themes").glob("*.toml")) == [
        "porting-dark.toml",
        "porting-light.toml",
    ]


def test_the_shipped_themes_load():
    from tui.app.themes import load_themes

    themes, problems = load_themes()
    assert {theme.name for theme in themes} == {"porting-dark", "porting-light"}
    assert problems == []
