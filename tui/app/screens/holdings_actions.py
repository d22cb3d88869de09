"""What the main screen does with holdings: edit, remove, import, export, save.

Plain functions of the screen (no mixin): each validates through the core, saves to the store,
audits, re-plans, and says what happened in one line. A bad file or a failed save is a
notification, never a stop, and nothing is saved over the user's holdings on an error.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from tui.app.modals.holding_form import HoldingEdit, HoldingForm
from tui.app.modals.path_prompt import PathPrompt
from tui.app.store_faults import store_guard
from tui.app.widgets.holdings import HoldingsPane
from tui.core.models import Portfolio

if TYPE_CHECKING:
    from tui.app.screens.host import ScreenHost


def set_portfolio(screen: ScreenHost, portfolio: Portfolio, note: str) -> None:
    """Replace the portfolio, save it, audit it, and re-plan (a save the disk refuses is
    said instead of ``note``: the change is shown, but not kept for the next start)."""
    screen.view.portfolio = portfolio
    saved = screen.pa.save_portfolio()
    screen.show_builder_assets()
    screen.pa.follow_assets(screen.view.risk_assets())
    screen.render_all()
    screen.schedule_plan()
    if not saved:
        return
    with store_guard(screen.pa, f"{note}, but not in the audit log"):
        if screen.pa.store is not None:
            screen.pa.store.audit("info", note, ts=screen.pa.stamp())
        screen.notify(note)


def edit_requested(screen: ScreenHost, event: HoldingsPane.EditRequested) -> None:
    """Open the holding form, or remove the holding (the pane asked the user first)."""
    from tui.core.portfolio_edit import without_asset

    p = screen.view.portfolio
    asset = event.asset
    if event.remove and asset:
        set_portfolio(screen, without_asset(p, asset), f"holding {asset} removed")
        return
    from tui.core.portfolio_edit import edited_portfolio

    def edited(edit: HoldingEdit) -> Portfolio:
        """The portfolio after ``edit``; raising keeps the form open with the reason."""
        return edited_portfolio(
            screen.view.portfolio,
            edit.asset,
            edit.quantity,
            edit.strategic_pct,
            edit.previous_asset,
        )

    form = HoldingForm(
        asset,
        p.holdings.get(asset, 0.0) if asset else None,
        p.strategic.get(asset) if asset else None,
        check=edited,
    )

    def apply(edit: HoldingEdit | None) -> None:
        if edit is None:
            return
        try:
            portfolio = edited(edit)
        except ValueError as exc:  # the form checked it; say it if the portfolio changed since
            screen.notify(str(exc), severity="error")
            return
        set_portfolio(screen, portfolio, f"holding {edit.asset}: {edit.quantity:g} saved")

    screen.app.push_screen(form, apply)


def ask_import(screen: ScreenHost) -> None:
    """Ask for a TOML file; the prompt refuses (and stays open on) a file that will not load."""
    from tui.core.portfolio import load_portfolio

    def imported(path: Path | None) -> None:
        if path is None:
            return
        try:
            portfolio = load_portfolio(path)
        except Exception as exc:  # the prompt checked it; a file changed since is still said
            screen.notify(str(exc), title="Import refused", severity="error")
            return
        set_portfolio(screen, portfolio, f"portfolio imported from {path}")

    default = str(screen.pa.options.portfolio or "")
    prompt = PathPrompt("Import portfolio TOML", default, must_exist=True, check=load_portfolio)
    screen.app.push_screen(prompt, imported)


def ask_export(screen: ScreenHost) -> None:
    """Ask for a path and write the portfolio TOML there."""
    from tui.core.portfolio import dump_portfolio

    def exported(path: Path | None) -> None:
        if path is None:
            return
        try:
            path.write_text(dump_portfolio(screen.view.portfolio), encoding="utf-8")
        except OSError as exc:
            screen.notify(str(exc), title="Export failed", severity="error")
            return
        screen.notify(f"portfolio written to {path}")
        if screen.pa.store is not None:
            with store_guard(screen.pa, "Not in the audit log"):
                screen.pa.store.audit("info", f"portfolio exported to {path}", ts=screen.pa.stamp())

    default = str(Path(screen.pa.options.data_dir) / "portfolio.toml")
    screen.app.push_screen(PathPrompt("Export portfolio TOML", default, must_exist=False), exported)
