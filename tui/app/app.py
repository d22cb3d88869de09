"""The Porting Alpha app: four panes over one market session, keyboard first.

Data flows one way (DESIGN.md §3): the feeds worker posts engine events as messages; handlers
fold them into the app's state and mark panes dirty; a 4 Hz refresh renders what changed.
User intents go app → planner → executor → store. Nothing trades without the confirm modal.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

from textual import on, work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.css.query import NoMatches
from textual.events import Resize
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, Input
from textual.worker import Worker, WorkerState

from tui.app import messages as msg
from tui.app.palette import ACTIONS
from tui.app.portfolio_actions import PortfolioMixin
from tui.app.state import AppState, connection_words
from tui.app.themes import VARIABLE_DEFAULTS, load_themes
from tui.app.trading import TradingMixin, new_tilt_id
from tui.app.widgets.active_tilt import ActiveTiltPanel
from tui.app.widgets.feeds import FeedsPane
from tui.app.widgets.header import AppHeader
from tui.app.widgets.holdings import HoldingsPane
from tui.app.widgets.legs import LegsPane
from tui.app.widgets.row_table import RowTable
from tui.app.widgets.tilt_builder import TiltBuilder
from tui.core.models import Portfolio
from tui.settings import LaunchOptions

Clock = Callable[[], datetime]
SessionFactory = Callable[..., Any]

#: Debounce of re-planning after an input changes, and the throttle on price-driven re-plans.
PLAN_DEBOUNCE_S = 0.15
PLAN_THROTTLE_S = 1.0
#: Panes refresh at most this often, however fast ticks arrive (DESIGN.md §8: ≥ 4 Hz).
REFRESH_HZ = 4.0
#: Price-driven chart redraws happen at most this often (history arrivals redraw at once).
CHART_INTERVAL_S = 2.0
NARROW_WIDTH = 140
#: Set by ``porting-alpha bench``: print the first frame's time and exit.
FIRST_FRAME_ENV = "PORTING_ALPHA_BENCH_FIRST_FRAME"


def wall_clock() -> datetime:
    """The real time, UTC."""
    return datetime.now(UTC)


class PortingAlphaApp(PortfolioMixin, TradingMixin, App[int]):
    """Holdings, tilt builder, proposed legs and live feeds over one venue (or the simulator)."""

    CSS_PATH = Path(__file__).with_name("app.tcss")
    TITLE = "Porting Alpha"
    ENABLE_COMMAND_PALETTE = True
    # Focus is given after the first frame (it restyles every `:focus-within` ancestor).
    AUTO_FOCUS = None

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit"),
        Binding("c", "confirm", "Confirm"),
        Binding("d", "discard", "Discard"),
        Binding("u", "unwind", "Unwind", show=False),
        Binding("i", "import_portfolio", "Import"),
        Binding("o", "export_portfolio", "Export"),
        Binding("t", "toggle_theme", "Theme"),
        Binding("1", "focus_pane('holdings-table')", "Holdings", show=False),
        Binding("2", "focus_builder", "Builder", show=False),
        Binding("3", "focus_pane('legs-table')", "Legs", show=False),
        Binding("4", "focus_pane('feeds-table')", "Feeds", show=False),
        Binding("escape", "focus_pane('legs-table')", "Legs", show=False),
    ]

    def __init__(
        self,
        options: LaunchOptions,
        *,
        clock: Clock | None = None,
        session_factory: SessionFactory | None = None,
        store: Any = None,
        portfolio: Portfolio | None = None,
    ) -> None:
        super().__init__()
        self.options = options
        self.clock: Clock = clock or wall_clock
        self.session_factory = session_factory
        self.state = AppState(venue=options.venue, demo=options.demo, live=options.live)
        self.store: Any = store
        self._initial_portfolio: Portfolio | None = portfolio
        self.session: Any = None
        self.sim: Any = None
        self.tilt_id_factory: Callable[[datetime], str] = new_tilt_id
        """Makes tilt ids (tests pin it so snapshots are stable)."""
        self.paper: Any = None
        """The paper executor, created on the first confirmed order."""
        self._plan_timer: Timer | None = None
        self._last_plan_at = 0.0
        self._charts_at = 0.0
        self._startup_notes: list[str] = []
        themes, problems = load_themes()
        for theme in themes:
            self.register_theme(theme)
        self._startup_notes += problems
        wanted = options.theme if options.theme in self.available_themes else "porting-dark"
        if wanted in self.available_themes:
            self.theme = wanted

    def get_theme_variable_defaults(self) -> dict[str, str]:
        """Our custom variables, so any theme (even Textual's own) parses the CSS."""
        return dict(VARIABLE_DEFAULTS)

    # -- layout ---------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        """Header, the four panes in a scrollable body, footer."""
        yield AppHeader()
        with VerticalScroll(id="body"):
            with Horizontal(id="top"):
                yield HoldingsPane()
                yield TiltBuilder(id="builder")
            yield ActiveTiltPanel()
            yield LegsPane()
            yield FeedsPane()
        yield Footer()

    def on_mount(self) -> None:
        """Fill panes from the portfolio, start the timers, then the feeds (after first frame)."""
        header = self.query_one(AppHeader)
        header.show_venue(self.state.venue_label, self.state.mode)
        header.show_clock(self.clock())
        self._open_store_and_portfolio()
        self._prefill_builder()
        self.render_all()
        self.set_interval(1.0 / REFRESH_HZ, self.refresh_dirty)
        self.set_interval(1.0, self.tick_clock)
        for note in self._startup_notes:
            self.notify(note, severity="warning", timeout=8)
        # The store imports polars (≈ 0.25 s) and the session ccxt (≈ 0.8 s): both wait
        # until the first frame is out.
        self.call_after_refresh(self._after_first_frame)

    def _after_first_frame(self) -> None:
        if os.environ.get(FIRST_FRAME_ENV):
            # `porting-alpha bench` measures process start → here, then we leave.
            print(f"first-frame {time.time():.6f}", flush=True)
            self.exit(0)
            return
        # Focus restyles every `:focus-within` ancestor: after the first frame, not before.
        self.query_one("#holdings-table", RowTable).focus()
        self.query_one(FeedsPane).mount_charts()
        self.state.dirty_charts = True
        self._open_store()
        self.run_feeds()

    def on_resize(self, event: Resize) -> None:
        """Stack the panes on narrow terminals (80×24 stays usable)."""
        self.screen.set_class(event.size.width < NARROW_WIDTH, "-narrow")

    # -- feeds worker ---------------------------------------------------------------------

    @work(exclusive=True, group="feeds", exit_on_error=False)
    async def run_feeds(self) -> None:
        """Start the simulator (demo) and the market session; post every event as a message."""
        from tui.app.connect import open_session

        self.session, self.sim = await open_session(
            self.options, self.session_factory, self.state.risk_assets(), self.store
        )
        if self.sim is not None and self.sim.clock is not None and self.clock is wall_clock:
            self.clock = self.sim.clock
        try:
            await self.session.run(lambda event: self.post_message(msg.to_message(event)))
        finally:
            await self.session.close()
            if self.sim is not None:
                await self.sim.stop()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """One handler for worker errors: say it in the header, in plain words."""
        if event.state == WorkerState.ERROR and event.worker.group == "feeds":
            error = event.worker.error
            self.post_message(msg.SessionProblem(f"{type(error).__name__}: {error}"))

    def on_session_problem(self, message: msg.SessionProblem) -> None:
        """The session could not start."""
        self.state.set_feed("offline", message.reason)
        self._show_connection()
        self.notify(message.reason, title="Market session", severity="error", timeout=10)

    def on_markets_ready(self, message: msg.MarketsReady) -> None:
        """Markets arrived: the feeds table and the planner can work."""
        self.state.markets.update(message.event.markets)
        self.state.dirty_feeds = True
        self.schedule_plan()

    def on_quotes_arrived(self, message: msg.QuotesArrived) -> None:
        """Fold quotes in; the refresh timer renders them (batched, ≤ 4 Hz)."""
        first_seen = not message.event.quotes.keys() <= self.state.quotes.keys()
        self.state.ingest_quotes(message.event.quotes, message.event.at)
        if first_seen:
            # A market priced for the first time can change the plan (a future that had no
            # price was blocked): re-plan soon, not at the next throttled price re-plan.
            self.schedule_plan()

    def on_feed_changed(self, message: msg.FeedChanged) -> None:
        """Feed health changed."""
        event = message.event
        if event.feed == "venue":
            self.state.set_feed(event.state, event.detail)
        else:
            self.state.feeds[event.feed] = event.state
        self._show_connection()

    def on_funding_history_arrived(self, message: msg.FundingHistoryArrived) -> None:
        """Keep funding history for the chart."""
        self.state.funding_history[message.event.symbol] = list(message.event.rows)
        self.state.dirty_charts = True

    def on_price_history_arrived(self, message: msg.PriceHistoryArrived) -> None:
        """Keep price history for the spread chart."""
        self.state.price_history[message.event.symbol] = list(message.event.rows)
        self.state.dirty_charts = True

    # -- rendering ------------------------------------------------------------------------

    def _show_connection(self) -> None:
        state, text = connection_words(self.state, self.clock(), self.options.demo)
        self.query_one(AppHeader).show_connection(state, text)

    def tick_clock(self) -> None:
        """Once a second: clock, staleness, countdowns."""
        if not self.is_mounted_screen:
            return
        self.query_one(AppHeader).show_clock(self.clock())
        self._show_connection()
        self.state.dirty_feeds = True
        if self.state.active is not None:
            self.state.dirty_active = True
            settle = getattr(self.paper, "settle_funding", None)
            if settle is not None:
                settle(self.state.quotes, self.clock())
        maybe_flush = getattr(self.store, "maybe_flush", None)
        if maybe_flush is not None:
            maybe_flush()

    def refresh_dirty(self) -> None:
        """Render the panes whose data changed since the last refresh."""
        if not self.is_mounted_screen:
            return
        try:
            self._refresh_dirty()
        except NoMatches:  # a timer firing while the panes are being torn down
            return

    def _refresh_dirty(self) -> None:
        s = self.state
        now = self.clock()
        if s.dirty_quotes:
            s.dirty_quotes = False
            s.dirty_feeds = s.dirty_holdings = True
            # Charts span hours: redrawing them (≈ 15 ms each, and a repaint of their
            # region) on every tick would cost key latency for nothing the eye can see.
            if time.monotonic() - self._charts_at >= CHART_INTERVAL_S:
                s.dirty_charts = True
            if self._plan_timer is None and self._since_plan() >= PLAN_THROTTLE_S:
                self.plan_now()
        if s.dirty_holdings:
            s.dirty_holdings = False
            self.query_one(HoldingsPane).show(
                s.portfolio, s.prices(), s.overlay(), s.stale_assets(now)
            )
        if s.dirty_feeds:
            s.dirty_feeds = False
            self.query_one(FeedsPane).show_feeds(
                s.markets, s.quotes, now, s.stale_symbols(now), s.risk_assets()
            )
        if s.dirty_charts:
            s.dirty_charts = False
            self._charts_at = time.monotonic()
            self.render_charts(now)
        if s.dirty_active:
            s.dirty_active = False
            self.render_active(now)

    def render_all(self) -> None:
        """Mark every pane dirty and render now."""
        s = self.state
        s.dirty_holdings = s.dirty_feeds = s.dirty_charts = s.dirty_active = True
        self.refresh_dirty()

    def render_charts(self, now: datetime) -> None:
        """Pair spread (since entry when a tilt is active) and funding history."""
        if not self.query_one(FeedsPane).charts_mounted:
            return  # mounted after the first frame; the next refresh draws them
        from tui.app.widgets.spread_chart import SeriesChart

        label, points, stale = self.state.spread_series(now)
        self.query_one("#spread-chart", SeriesChart).show_series(label, points, now, stale=stale)
        symbol, rows = self.state.funding_series(self.query_one(FeedsPane).highlighted_symbol)
        self.query_one("#funding-chart", SeriesChart).show_series(
            symbol,
            rows,
            now,
            scale=100.0,
            stale=bool(symbol) and symbol in self.state.stale_symbols(now),
        )

    @on(RowTable.RowHighlighted, "#feeds-table")
    def _feeds_cursor_moved(self) -> None:
        self.state.dirty_charts = True

    # -- tilt builder and planning --------------------------------------------------------

    def _prefill_builder(self) -> None:
        o = self.options
        p = self.state.portfolio
        targets = {a: w * 100.0 for a, w in o.targets.items()} or {
            a: p.strategic[a] for a in self.state.risk_assets() if a in p.strategic
        }
        builder = self.query_one(TiltBuilder)
        builder.set_assets(self.state.risk_assets(), targets, o.instrument)
        builder.fill(
            {
                "base": f"{o.base_usd:g}" if o.base_usd else "",
                "window": f"{o.window_days:g}",
                "leverage": f"{o.leverage:g}",
            }
        )

    def on_tilt_builder_changed(self, message: TiltBuilder.Changed) -> None:
        """A field changed: remember the tilt and re-plan after a short pause."""
        self.state.tilt = message.spec
        self.state.tilt_problems = message.problems
        self.state.discarded = False
        self.schedule_plan()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter in the builder: look at the proposal (where c confirms)."""
        if event.input.id and (event.input.id.startswith(("target-", "field-"))):
            self.plan_now()
            self.action_focus_pane("legs-table")

    def schedule_plan(self) -> None:
        """Re-plan after ``PLAN_DEBOUNCE_S`` of quiet (typing does not plan per key)."""
        if self._plan_timer is not None:
            self._plan_timer.stop()
        self._plan_timer = self.set_timer(PLAN_DEBOUNCE_S, self.plan_now)

    def _since_plan(self) -> float:
        import time

        return time.monotonic() - self._last_plan_at

    def plan_now(self) -> None:
        """Plan the tilt against current markets and quotes; show legs or the reason."""
        import time

        self._plan_timer = None
        if not self.is_mounted_screen:
            return  # the debounce timer can fire during teardown
        self._last_plan_at = time.monotonic()
        note = self.state.replan(self.clock(), self.options.settings)
        # The panes live on the main screen, also while a modal is on top of it.
        main = self.screen_stack[0]
        builder = main.query_one(TiltBuilder)
        builder.show_problem(self.state.plan_problem)
        builder.show_sum(self.state.sum_line())
        main.query_one(LegsPane).show_plan(self.state.plan, note)

    # -- misc actions ---------------------------------------------------------------------

    def action_focus_pane(self, widget_id: str) -> None:
        """Focus one pane's table."""
        self.query_one(f"#{widget_id}").focus()

    def action_focus_builder(self) -> None:
        """Focus the first target field of the builder."""
        inputs = self.query_one(TiltBuilder).query(Input)
        if inputs:
            inputs.first().focus()

    def action_toggle_theme(self) -> None:
        """Switch between the two Porting Alpha themes."""
        self.theme = "porting-light" if self.theme == "porting-dark" else "porting-dark"

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """Every app action in the command palette, then Textual's own."""
        for entry in ACTIONS:
            yield SystemCommand(entry.title, entry.help, self._palette_action(entry.action))
        yield from super().get_system_commands(screen)

    def _palette_action(self, action: str) -> Callable[[], Any]:
        return lambda: self.run_action(action)

    async def action_quit(self) -> None:
        """Flush the store, stop the feeds, leave."""
        self.workers.cancel_group(self, "feeds")
        try:
            self.store.audit("stop", "app closed")
            self.store.flush()
            self.store.close()
        except Exception as exc:  # quitting must not hang on a store problem
            self.log.error(f"store close failed: {exc}")
        self.exit(0)

    @property
    def is_mounted_screen(self) -> bool:
        """Whether the main screen's panes exist (timers can fire during teardown)."""
        return bool(self.screen_stack) and bool(self.screen_stack[0].query(FeedsPane))
