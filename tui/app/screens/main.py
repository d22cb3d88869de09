"""The main screen: four panes over one venue, a view of the desk.

It folds the feeds' messages into the view state, re-plans as inputs and prices change, and
turns keys into desk calls: ``c`` proposes and, on ``y``, confirms; ``d`` discards; ``u``
proposes the unwind. Panes redraw at most 4 Hz from what is marked dirty. Holdings edits live
in `tui.app.screens.holdings_actions` (plain functions of this screen).
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar, cast

from textual import on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.css.query import NoMatches
from textual.events import Resize
from textual.message import Message
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Input

from tui.app import messages as msg
from tui.app.screens import holdings_actions, trading_actions
from tui.app.screens.keys import MAIN_KEYS, KeyFooter, key_help
from tui.app.store_faults import store_guard
from tui.app.view import ViewState
from tui.app.widgets.active_tilt import ActiveTiltPanel
from tui.app.widgets.feeds import FeedsPane
from tui.app.widgets.header import AppHeader, connection_words
from tui.app.widgets.holdings import HoldingsPane
from tui.app.widgets.legs import LegsPane
from tui.app.widgets.row_table import RowTable
from tui.app.widgets.tilt_builder import TiltBuilder

if TYPE_CHECKING:
    from tui.app.screens.host import AppHost
    from tui.desk import Desk, Proposal

#: Debounce of re-planning after an input changes, and the throttle on price-driven re-plans.
PLAN_DEBOUNCE_S = 0.15
PLAN_THROTTLE_S = 1.0
#: Panes refresh at most this often, however fast ticks arrive (≥ 4 Hz budget).
REFRESH_HZ = 4.0
#: Price-driven chart redraws happen at most this often (history arrivals redraw at once).
CHART_INTERVAL_S = 2.0
NARROW_WIDTH = 140


class DeskRestored(Message):
    """The desk reloaded what was open; ``notes`` are what the user should hear."""

    def __init__(self, notes: list[str]) -> None:
        super().__init__()
        self.notes = notes


class MainScreen(Screen[None]):
    """Holdings, tilt builder, active tilt, proposed legs and live feeds."""

    BINDINGS: ClassVar[list[BindingType]] = MAIN_KEYS

    def __init__(self, view: ViewState) -> None:
        super().__init__()
        self.view = view
        self.pending_exit: Proposal | None = None
        """An exit the desk proposed on an alert (stop, window end, liquidation), for u."""
        self._plan_timer: Timer | None = None
        self._last_plan_at = 0.0
        self._charts_at = 0.0
        self._funding_asked_minute = -1
        self._key_state: tuple[bool, bool] = (False, False)
        """(a tilt is open, a roll is due) as the footer last showed them."""

    @property
    def pa(self) -> AppHost:
        """The app, as this screen uses it."""
        return cast("AppHost", self.app)

    @property
    def desk(self) -> Desk | None:
        """The desk, once the store is open (after the first frame)."""
        desk: Desk | None = self.pa.desk
        return desk

    # -- layout ---------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        """Header, the panes in a scrollable body, footer."""
        yield AppHeader()
        with VerticalScroll(id="body"):
            with Horizontal(id="top"):
                yield HoldingsPane()
                yield TiltBuilder(id="builder")
            yield ActiveTiltPanel()
            yield LegsPane()
            yield FeedsPane()
        yield KeyFooter()

    def on_mount(self) -> None:
        """Fill the panes from the portfolio and start the timers."""
        header = self.query_one(AppHeader)
        header.show_venue(self.view.venue_label, self.view.mode)
        header.show_clock(self.pa.clock())
        self.prefill_builder()
        self.render_all()
        self.set_interval(1.0 / REFRESH_HZ, self.refresh_dirty)
        self.set_interval(1.0, self.tick_clock)

    def on_resize(self, event: Resize) -> None:
        """Stack the panes on narrow terminals (80×24 stays usable)."""
        self.set_class(event.size.width < NARROW_WIDTH, "-narrow")

    def after_first_frame(self) -> None:
        """Focus (it restyles every ``:focus-within`` ancestor) and the charts."""
        self.query_one("#holdings-table", RowTable).focus()
        self.query_one(FeedsPane).mount_charts()
        self.view.dirty_charts = True

    # -- the desk ---------------------------------------------------------------------------

    @work(exclusive=True, group="desk", exit_on_error=False)
    async def restore_desk(self) -> None:
        """Reload what is open (orders of unknown fate are asked, never resent)."""
        desk = self.desk
        if desk is None:
            return
        notes = await desk.restore()
        self.post_message(DeskRestored(notes))

    def on_desk_restored(self, message: DeskRestored) -> None:
        """Show the restored tilt and tell the user what the restart found."""
        for note in message.notes:
            warn = note.startswith(("difference", "order", "could not"))
            self.notify(
                note, title="Restart", severity="warning" if warn else "information", timeout=10
            )
        self.plan_now()
        self.render_all()

    # -- feeds ----------------------------------------------------------------------------

    def on_session_problem(self, message: msg.SessionProblem) -> None:
        """The session could not start."""
        self.view.set_feed("offline", message.reason)
        self.show_connection()
        self.notify(message.reason, title="Market session", severity="error", timeout=10)

    def on_markets_ready(self, message: msg.MarketsReady) -> None:
        """Markets arrived: the feeds table, the desk and the planner can work."""
        self.view.markets.update(message.event.markets)
        self.view.listed.update(message.event.listed)
        if self.desk is not None:
            self.desk.set_markets(message.event.markets)
        self.show_builder_assets()
        self.view.dirty_feeds = True
        self.schedule_plan()

    def on_quotes_arrived(self, message: msg.QuotesArrived) -> None:
        """Fold quotes in; the refresh timer renders them (batched, ≤ 4 Hz)."""
        quotes = message.event.quotes
        first_seen = not quotes.keys() <= self.view.quotes.keys()
        self.view.ingest_quotes(quotes)
        if self.desk is not None:
            self.desk.observe(quotes)
        # A review blocked on stale prices is checked again as fresh ones come in.
        trading_actions.recheck_review(self)
        if first_seen:
            # A market priced for the first time can change the plan: re-plan soon.
            self.schedule_plan()

    def on_feed_changed(self, message: msg.FeedChanged) -> None:
        """Feed health changed."""
        event = message.event
        if event.feed == "venue":
            self.view.set_feed(event.state, event.detail)
        else:
            self.view.feeds[event.feed] = event.state
        self.show_connection()

    def on_funding_history_arrived(self, message: msg.FundingHistoryArrived) -> None:
        """Keep funding history for the chart."""
        self.view.funding_history[message.event.symbol] = list(message.event.rows)
        self.view.dirty_charts = True

    def on_price_history_arrived(self, message: msg.PriceHistoryArrived) -> None:
        """Keep price history for the spread chart."""
        self.view.price_history[message.event.symbol] = list(message.event.rows)
        self.view.dirty_charts = True

    # -- rendering ------------------------------------------------------------------------

    def show_connection(self) -> None:
        """The header's connection words."""
        v = self.view
        state, text = connection_words(
            v.feed_state, v.feed_detail, v.feeds, v.quote_age(), v.venue, v.demo
        )
        self.query_one(AppHeader).show_connection(state, text)

    def tick_clock(self) -> None:
        """Once a second: clock, staleness, countdowns, funding settlements."""
        now = self.pa.clock()
        self.query_one(AppHeader).show_clock(now)
        self.show_connection()
        self.view.dirty_feeds = True
        trading_actions.recheck_review(self)  # prices can turn stale, or the feed come back
        desk = self.desk
        if desk is not None and desk.open_tilt is not None:
            self.view.dirty_active = True
            if desk.mode == "paper":
                with store_guard(self.pa, "Funding settlement not recorded"):
                    self.view.dirty_holdings |= bool(desk.settle_funding(now))
            elif now.minute != self._funding_asked_minute:
                # Live: the venue settles; ask what it booked once a minute.
                self._funding_asked_minute = now.minute
                self.run_worker(
                    desk.sync_funding(), group="funding", exclusive=True, exit_on_error=False
                )
        self.pa.maybe_flush()

    def refresh_dirty(self) -> None:
        """Render the panes whose data changed since the last refresh."""
        try:
            self._refresh_dirty()
        except NoMatches:  # a timer firing while the panes are being torn down
            return

    def _refresh_dirty(self) -> None:
        v = self.view
        now = self.pa.clock()
        if v.dirty_quotes:
            v.dirty_quotes = False
            v.dirty_feeds = v.dirty_holdings = v.dirty_active = True
            # Charts span hours: redrawing them on every tick would cost key latency.
            if time.monotonic() - self._charts_at >= CHART_INTERVAL_S:
                v.dirty_charts = True
            if (
                self._plan_timer is None
                and time.monotonic() - self._last_plan_at >= PLAN_THROTTLE_S
            ):
                self.plan_now()
        if v.dirty_holdings:
            v.dirty_holdings = False
            overlay = self.desk.overlay() if self.desk is not None else {}
            self.query_one(HoldingsPane).show(v.portfolio, v.prices(), overlay, v.stale_assets())
        if v.dirty_feeds:
            v.dirty_feeds = False
            self.query_one(FeedsPane).show_feeds(
                v.markets, v.quotes, now, v.stale_symbols(), v.risk_assets(), v.listed
            )
        if v.dirty_charts:
            v.dirty_charts = False
            self._charts_at = time.monotonic()
            self.render_charts(now)
        if v.dirty_active:
            v.dirty_active = False
            self.render_active(now)

    def render_all(self) -> None:
        """Mark every pane dirty and render now."""
        v = self.view
        v.dirty_holdings = v.dirty_feeds = v.dirty_charts = v.dirty_active = True
        self.refresh_dirty()

    def render_charts(self, now: datetime) -> None:
        """Pair spread (since entry when a tilt is open) and funding history."""
        feeds = self.query_one(FeedsPane)
        if not feeds.charts_mounted:
            return  # mounted after the first frame; the next refresh draws them
        from tui.app.widgets.feeds import spread_title
        from tui.app.widgets.spread_chart import SeriesChart

        tilt = self.desk.open_tilt if self.desk is not None else None
        pair = self.view.pair(tilt.pair if tilt is not None else None)
        points: list[tuple[datetime, float]] = []
        stale = False
        if pair is not None:
            points, stale = self.view.spread_points(pair, now)
        entry = (tilt.entry_at, tilt.entry_spread) if tilt is not None else None
        label, points = spread_title(pair, points, entry)
        self.query_one("#spread-chart", SeriesChart).show_series(label, points, now, stale=stale)
        symbol, rows = self.view.funding_series(feeds.highlighted_symbol)
        self.query_one("#funding-chart", SeriesChart).show_series(
            symbol,
            rows,
            now,
            scale=100.0,
            stale=bool(symbol) and symbol in self.view.stale_symbols(),
        )

    def render_active(self, now: datetime) -> None:
        """The open tilt's watch: P&L split, funding paid, spread, stop, time left, alerts."""
        watch = self.desk.watch(now, self.view.stale_symbols()) if self.desk else None
        self.query_one(ActiveTiltPanel).show(watch)
        keys = (watch is not None, watch is not None and any("press r" in a for a in watch.alerts))
        if keys != self._key_state:
            self._key_state = keys
            self.refresh_bindings()  # u shows with an open tilt, r when a roll is due
        legs = self.query_one(LegsPane)
        legs.border_title = (
            "Proposed legs (on top of the open tilt)" if watch is not None else "Proposed legs"
        )
        if watch is None:
            return
        for alert in watch.alerts:
            if alert not in self.view.alerted:
                self.view.alerted.add(alert)
                self.notify(alert, title="Open tilt", severity="warning", timeout=10)
                trading_actions.propose_exit(self, alert)

    @on(RowTable.RowHighlighted, "#feeds-table")
    def _feeds_cursor_moved(self) -> None:
        self.view.dirty_charts = True

    # -- tilt builder and planning --------------------------------------------------------

    def prefill_builder(self) -> None:
        """The builder's fields from the launch options (or the SAA targets)."""
        o = self.pa.options
        p = self.view.portfolio
        targets = {a: w * 100.0 for a, w in o.targets.items()} or {
            a: p.strategic[a] for a in self.view.risk_assets() if a in p.strategic
        }
        builder = self.query_one(TiltBuilder)
        builder.set_assets(
            self.view.risk_assets(), targets, o.instrument, untiltable=self.view.untiltable()
        )
        builder.fill(
            {
                "base": f"{o.base_usd:g}" if o.base_usd else "",
                "window": f"{o.window_days:g}",
                "leverage": f"{o.leverage:g}",
            }
        )

    def show_builder_assets(self) -> None:
        """One target field per tiltable asset; a line for each asset that is not."""
        self.query_one(TiltBuilder).set_assets(
            self.view.risk_assets(),
            instrument=self.pa.options.instrument,
            untiltable=self.view.untiltable(),
        )

    def on_tilt_builder_changed(self, message: TiltBuilder.Changed) -> None:
        """A field changed: remember the tilt and re-plan after a short pause."""
        self.view.tilt = message.spec
        self.view.tilt_problems = message.problems
        self.view.discarded = False
        self.schedule_plan()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter in the builder: look at the proposal (where c reviews it)."""
        if event.input.id and event.input.id.startswith(("target-", "field-")):
            self.plan_now()
            self.action_focus_pane("legs-table")

    def schedule_plan(self) -> None:
        """Re-plan after ``PLAN_DEBOUNCE_S`` of quiet (typing does not plan per key)."""
        if self._plan_timer is not None:
            self._plan_timer.stop()
        self._plan_timer = self.set_timer(PLAN_DEBOUNCE_S, self.plan_now)

    def plan_now(self) -> None:
        """Plan the tilt on top of what the desk holds; show the legs or the reason."""
        self._plan_timer = None
        if not self.is_attached:
            return  # the debounce timer can fire during teardown
        self._last_plan_at = time.monotonic()
        desk = self.desk
        note = (
            "Opening the state store…"
            if desk is None
            else self.view.replan(
                self.pa.clock(),
                desk.overlay(),
                self.pa.options.settings.max_leverage_fallback,
                holding=desk.open_tilt is not None,
                collateral=desk.collateral(),
            )
        )
        builder = self.query_one(TiltBuilder)
        builder.show_problem(self.view.plan_problem)
        builder.show_sum(self.view.sum_line())
        self.query_one(LegsPane).show_plan(self.view.plan, note)

    # -- confirm, discard, unwind ---------------------------------------------------------

    def action_confirm(self) -> None:
        """Review exactly the orders that would be sent, and every warning."""
        trading_actions.review_plan(self)

    def action_unwind(self) -> None:
        """Propose the reduce-only orders that close the open tilt (the user confirms)."""
        trading_actions.review_unwind(self)

    def action_discard(self) -> None:
        """Archive the proposal without sending anything."""
        trading_actions.discard(self)

    def action_roll(self) -> None:
        """Propose rolling the open tilt's expiring dated future into the perpetual."""
        trading_actions.review_roll(self)

    def action_complete(self) -> None:
        """Propose the rest of an unbalanced tilt's orders (new client ids)."""
        trading_actions.review_completion(self)

    def action_kill_switch(self) -> None:
        """Halt every new order at once; lifting it asks first."""
        trading_actions.toggle_halt(self)

    def show_halt(self) -> None:
        """The header's HALTED badge follows the kill switch."""
        self.query_one(AppHeader).show_halt(self.desk.halted if self.desk is not None else "")

    def on_orders_done(self, message: trading_actions.OrdersDone) -> None:
        """Say what the desk booked, and re-plan on top of it."""
        trading_actions.orders_done(self, message.outcome)

    # -- holdings -------------------------------------------------------------------------

    def on_holdings_pane_edit_requested(self, event: HoldingsPane.EditRequested) -> None:
        """Open the holding form (or remove, once the pane has asked)."""
        holdings_actions.edit_requested(self, event)

    def action_import_portfolio(self) -> None:
        """Ask for a TOML file and load it."""
        holdings_actions.ask_import(self)

    def action_export_portfolio(self) -> None:
        """Ask for a path and write the portfolio TOML there."""
        holdings_actions.ask_export(self)

    # -- keys and focus ---------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """u only with an open tilt, r only when a roll is due, Esc only in a field (hidden
        from the footer, and inert, otherwise). Discard and halt act at once, so not from a
        field: a slip like "10k" in Base must not halt trading or drop the proposal."""
        if action in ("discard", "kill_switch") and isinstance(self.focused, Input):
            return False
        if action == "unwind":
            return self._key_state[0]
        if action == "roll":
            return self._key_state[1]
        if action == "leave_field":
            return isinstance(self.focused, Input)
        return True

    def key_help(self) -> list[tuple[str, list[BindingType]]]:
        """The keys for the help screen, by where they work."""
        return key_help(self.app.BINDINGS)

    def action_leave_field(self) -> None:
        """Esc in a field: on to the proposed legs (where c reviews them)."""
        self.action_focus_pane("legs-table")

    def action_focus_pane(self, widget_id: str) -> None:
        """Focus one pane's table."""
        self.query_one(f"#{widget_id}").focus()

    def action_focus_builder(self) -> None:
        """Focus the first target field of the builder."""
        inputs = self.query_one(TiltBuilder).query(Input)
        if inputs:
            inputs.first().focus()

    def run_palette(self, action: str) -> Any:
        """Run one of this screen's actions from the command palette (unwind and roll say
        why when they do not apply, rather than being skipped as their keys are)."""
        if action in ("unwind", "roll"):
            return getattr(self, f"action_{action}")()
        return self.run_action(action)

    def action_cancel_all(self) -> None:
        """Cancel every open order at the venue (allowed while halted)."""
        self.run_worker(trading_actions.cancel_all(self), group="orders", exit_on_error=False)
