"""The portfolio's side of the app (a mixin): load, open the store, edit, import, export.

Holdings and SAA targets are validated by the core, saved to the store and audited; a bad file
or a failed save is a one-line notification, never a stop.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from tui.app.modals.holding_form import HoldingEdit, HoldingForm
from tui.app.modals.path_prompt import PathPrompt
from tui.app.widgets.holdings import HoldingsPane
from tui.app.widgets.tilt_builder import TiltBuilder
from tui.core.models import Portfolio

if TYPE_CHECKING:
    from tui.app.app import PortingAlphaApp


class PortfolioMixin:
    """Actions a, e, x (holdings), i (import) and o (export), and the store's opening."""

    def _open_store_and_portfolio(self: PortingAlphaApp) -> None:  # type: ignore[misc]
        """The portfolio to show first: given, ``--portfolio``, else the sample (the saved
        one replaces the sample once the store is open, see `_open_store`)."""
        from tui.core.portfolio import load_portfolio, sample_portfolio_path

        portfolio = self._initial_portfolio
        if portfolio is None and self.options.portfolio is not None:
            portfolio = self._try_load(lambda: load_portfolio(Path(self.options.portfolio or "")))
        self._portfolio_given = portfolio is not None
        if portfolio is None:
            portfolio = self._try_load(lambda: load_portfolio(sample_portfolio_path()))
        self.state.portfolio = portfolio or Portfolio(holdings={})

    def _open_store(self: PortingAlphaApp) -> None:  # type: ignore[misc]
        """Open the store; use its saved portfolio unless one was given; save what is shown."""
        from tui.app.persistence import load_saved_portfolio, open_store

        notes: list[str] = []
        if self.store is None:
            self.store, problem = open_store(self.options.data_dir)
            if problem:
                notes.append(problem)
        notes += list(getattr(self.store, "problems", []) or [])
        saved = (
            None
            if self._portfolio_given
            else self._try_load(lambda: load_saved_portfolio(self.store))
        )
        if saved is not None and saved != self.state.portfolio:
            self.state.portfolio = saved
            self._prefill_builder()
            self.render_all()
        self._persist_portfolio()
        for note in notes:
            self.notify(note, severity="warning", timeout=8)

    def _try_load(  # type: ignore[misc]
        self: PortingAlphaApp, loader: Callable[[], Portfolio | None]
    ) -> Portfolio | None:
        try:
            return loader()
        except Exception as exc:  # a bad file must not stop the app; say why instead
            self._startup_notes.append(f"portfolio not loaded: {exc}")
            return None

    def _persist_portfolio(self: PortingAlphaApp) -> None:  # type: ignore[misc]
        from tui.app.persistence import save_portfolio

        try:
            save_portfolio(self.store, self.state.portfolio, self.clock())
        except Exception as exc:
            self.notify(f"could not save the portfolio: {exc}", severity="error")

    def set_portfolio(self: PortingAlphaApp, portfolio: Portfolio, note: str) -> None:  # type: ignore[misc]
        """Replace the portfolio, save it, audit it, and re-plan."""
        self.state.portfolio = portfolio
        self._persist_portfolio()
        self.store.audit("info", note)
        builder = self.query_one(TiltBuilder)
        builder.set_assets(self.state.risk_assets(), instrument=self.options.instrument)
        if self.session is not None and hasattr(self.session, "set_assets"):
            self.session.set_assets(self.state.risk_assets())
        self.render_all()
        self.notify(note)

    def on_holdings_pane_edit_requested(  # type: ignore[misc]
        self: PortingAlphaApp, event: HoldingsPane.EditRequested
    ) -> None:
        """Open the holding form (or remove)."""
        if event.remove and event.asset:
            self._remove_holding(event.asset)
            return
        p = self.state.portfolio
        asset = event.asset
        form = HoldingForm(
            asset,
            p.holdings.get(asset, 0.0) if asset else None,
            p.strategic.get(asset) if asset else None,
        )
        self.push_screen(form, self._apply_holding_edit)

    def _apply_holding_edit(self: PortingAlphaApp, edit: HoldingEdit | None) -> None:  # type: ignore[misc]
        if edit is None:
            return
        from tui.app.state import edited_portfolio

        try:
            portfolio = edited_portfolio(self.state.portfolio, edit)
        except ValueError as exc:
            self.notify(str(exc), severity="error")
            return
        self.set_portfolio(portfolio, f"holding {edit.asset}: {edit.quantity:g} saved")

    def _remove_holding(self: PortingAlphaApp, asset: str) -> None:  # type: ignore[misc]
        from tui.app.state import without_asset

        self.set_portfolio(without_asset(self.state.portfolio, asset), f"holding {asset} removed")

    def action_add_holding(self: PortingAlphaApp) -> None:  # type: ignore[misc]
        """Palette: add a holding."""
        self.query_one(HoldingsPane).action_add()

    def action_edit_holding(self: PortingAlphaApp) -> None:  # type: ignore[misc]
        """Palette: edit the highlighted holding."""
        self.query_one(HoldingsPane).action_edit()

    def action_remove_holding(self: PortingAlphaApp) -> None:  # type: ignore[misc]
        """Palette: remove the highlighted holding."""
        self.query_one(HoldingsPane).action_remove()

    def action_import_portfolio(self: PortingAlphaApp) -> None:  # type: ignore[misc]
        """Ask for a TOML file and load it."""
        self.push_screen(
            PathPrompt("Import portfolio TOML", str(self.options.portfolio or ""), must_exist=True),
            self._import,
        )

    def _import(self: PortingAlphaApp, path: Path | None) -> None:  # type: ignore[misc]
        if path is None:
            return
        from tui.core.portfolio import load_portfolio

        try:
            portfolio = load_portfolio(path)
        except Exception as exc:
            self.notify(str(exc), title="Import refused", severity="error")
            return
        self.set_portfolio(portfolio, f"portfolio imported from {path}")

    def action_export_portfolio(self: PortingAlphaApp) -> None:  # type: ignore[misc]
        """Ask for a path and write the portfolio TOML there."""
        default = str(Path(self.options.data_dir) / "portfolio.toml")
        self.push_screen(
            PathPrompt("Export portfolio TOML", default, must_exist=False), self._export
        )

    def _export(self: PortingAlphaApp, path: Path | None) -> None:  # type: ignore[misc]
        if path is None:
            return
        from tui.core.portfolio import dump_portfolio

        try:
            path.write_text(dump_portfolio(self.state.portfolio), encoding="utf-8")
        except OSError as exc:
            self.notify(str(exc), title="Export failed", severity="error")
            return
        self.store.audit("info", f"portfolio exported to {path}")
        self.notify(f"portfolio written to {path}")
