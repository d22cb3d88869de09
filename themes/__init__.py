"""Textual themes (TOML), shipped in the wheel as the package ``tui.themes`` (see pyproject.toml)."""
