"""The Porting Alpha app: themes, the feeds worker, the palette and quitting.

Everything a trader's money depends on is the desk's (`tui.desk`); the main screen
(`tui.app.screens.main`) is its view. Data flows one way: the feeds worker posts engine
events as messages to the main screen, which folds them into its view state and renders.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from tui.app import messages as msg
from tui.app.palette import ACTIONS
from tui.app.screens.main import MainScreen
from tui.app.store_faults import WORKER_DOING, StoreFaults, close_store
from tui.app.themes import VARIABLE_DEFAULTS, load_themes
from tui.app.view import ViewState
from tui.app.widgets.header import AppHeader
from tui.core.models import Portfolio
from tui.settings import LaunchOptions

Clock = Callable[[], datetime]
SessionFactory = Callable[..., Any]

log = logging.getLogger("porting_alpha.app")

#: Set by ``porting-alpha bench``: print the first frame's time and exit.
FIRST_FRAME_ENV = "PORTING_ALPHA_BENCH_FIRST_FRAME"


def wall_clock() -> datetime:
    """The real time, UTC."""
    return datetime.now(UTC)


class PortingAlphaApp(App[int]):
    """Holdings, tilt builder, proposed legs and live feeds over one venue (or the simulator)."""

    CSS_PATH = Path(__file__).with_name("app.tcss")
    TITLE = "Porting Alpha"
    ENABLE_COMMAND_PALETTE = True
    # Focus is given after the first frame (it restyles every `:focus-within` ancestor).
    AUTO_FOCUS = None

    # ^q quits from anywhere (q only where no field takes letters); ? or F1 is the help.
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("question_mark,f1", "help", "Help", tooltip="This help"),
        Binding("t", "toggle_theme", "Theme", tooltip="Dark or light (remembered)"),
        Binding("ctrl+q", "quit", "Quit", priority=True),
        Binding("q", "quit", "Quit", show=False),
    ]

    def __init__(
        self,
        options: LaunchOptions,
        *,
        clock: Clock | None = None,
        session_factory: SessionFactory | None = None,
        store: Any = None,
        portfolio: Portfolio | None = None,
        received_clock: Clock | None = None,
    ) -> None:
        super().__init__()
        self.options = options
        self.clock: Clock = clock or wall_clock
        """The app's clock: the simulator's in demo (once it runs), else the wall's."""
        self.received_clock: Clock = received_clock or wall_clock
        """When quotes arrive, by this process's clock: the session stamps them on it and the
        view and the desk measure their age on it (tests freeze it)."""
        self.session_factory = session_factory
        self.store: Any = store
        self.desk: Any = None
        """The desk (`tui.desk.Desk`), made once the store is open."""
        self.tilt_ids: Callable[[datetime], str] | None = None
        """Makes tilt ids when set (tests pin it so what they show is stable)."""
        self.session: Any = None
        self.sim: Any = None
        self.view = ViewState(
            venue=options.venue,
            demo=options.demo,
            live=options.live,
            received_clock=self.received_clock,
            rebalance_tolerance_usd=options.settings.rebalance_tolerance_usd,
        )
        self._given_portfolio = portfolio
        self._portfolio_given = False
        self._unloaded: Portfolio | None = None
        """The empty portfolio shown after a ``--portfolio`` that would not load: never saved
        (the saved one stays as it was); what the user imports or edits afterwards is."""
        self.store_faults = StoreFaults(self)
        """What was said about writes the store refused (a full or read-only disk)."""
        self.quit_note = ""
        """What quitting could not save (one line for the terminal), ``""`` when all was."""
        self._startup_notes: list[str] = []
        self._startup_errors: list[str] = []
        themes, problems = load_themes()
        for theme in themes:
            self.register_theme(theme)
        self._startup_notes += problems
        wanted = options.theme if options.theme in self.available_themes else "porting-dark"
        if wanted in self.available_themes:
            self.theme = wanted

    def get_key_display(self, binding: Binding) -> str:
        """Function keys as printed on the keyboard (F2, not f2)."""
        key = binding.key
        if len(key) in (2, 3) and key[0] == "f" and key[1:].isdigit():
            return key.upper()
        return super().get_key_display(binding)

    def get_theme_variable_defaults(self) -> dict[str, str]:
        """Our custom variables, so any theme (even Textual's own) parses the CSS."""
        return dict(VARIABLE_DEFAULTS)

    @property
    def main(self) -> MainScreen:
        """The main screen (the bottom of the stack, also while a modal is on top)."""
        screen = self.screen_stack[0]
        assert isinstance(screen, MainScreen)
        return screen

    def get_default_screen(self) -> Screen[Any]:
        """The main screen, at the bottom of the stack for the app's whole life."""
        self.view.portfolio = self._initial_portfolio()
        return MainScreen(self.view)

    def on_mount(self) -> None:
        """Say what went wrong at start; the rest waits for the first frame."""
        log.info("app started: %s, %s, data in %s", self.view.venue_label, self.view.mode,
                 self.options.data_dir)  # fmt: skip
        for note in self._startup_notes:
            log.warning(note)
            self.notify(note, severity="warning", timeout=8)
        for error in self._startup_errors:
            log.error(error)
            self.notify(error, severity="error", timeout=30)
        # The store imports polars (≈ 0.25 s) and the session ccxt (≈ 0.8 s): both wait
        # until the first frame is out.
        self.call_after_refresh(self._after_first_frame)

    def _after_first_frame(self) -> None:
        if os.environ.get(FIRST_FRAME_ENV):
            # `porting-alpha bench` measures process start → here, then we leave.
            print(f"first-frame {time.time():.6f}", flush=True)
            self.exit(0)
            return
        self.main.after_first_frame()
        if self.options.live:
            from tui.app.modals.type_live import TypeLive

            # Nothing opens (store, feeds, the venue's keys) until LIVE is typed.
            self.push_screen(TypeLive(self.view.venue_label), self._live_answered)
            return
        self._start()

    def _live_answered(self, go: bool | None) -> None:
        if go:
            self.main.query_one(AppHeader).show_venue(self.view.venue_label, "LIVE")
            self._start()
        else:
            self.exit(0, message="Live trading not started; nothing was sent.")

    def _start(self) -> None:
        """Open the store and the desk (paper at once; live once the venue is up), the feeds."""
        self._open_store()
        if not self.options.live:
            from tui.engine.paper import PaperExecutor

            paper = PaperExecutor(
                self.store,
                self.view.venue,
                slippage_bps=self.options.settings.slippage_bps,
                clock=lambda: self.clock(),
            )
            self.make_desk(paper)
        self.run_feeds()

    # -- portfolio and store ---------------------------------------------------------------

    def _initial_portfolio(self) -> Portfolio:
        """Given, else ``--portfolio``, else the sample (replaced by the saved one once the
        store is open). A ``--portfolio`` that will not load is said and nothing is saved."""
        from tui.core.portfolio import load_portfolio, sample_portfolio_path

        if self._given_portfolio is not None:
            self._portfolio_given = True
            return self._given_portfolio
        if self.options.portfolio is not None:
            self._portfolio_given = True
            try:
                return load_portfolio(Path(self.options.portfolio))
            except Exception as exc:  # the app opens and says why; it saves nothing over
                from tui.app.modals.base import one_line

                self._startup_errors.append(
                    f"portfolio not loaded, nothing else used or saved: {one_line(exc)}"
                )
                self._unloaded = Portfolio(holdings={})
                return self._unloaded
        try:
            return load_portfolio(sample_portfolio_path())
        except Exception as exc:
            self._startup_notes.append(f"sample portfolio not loaded: {exc}")
            return Portfolio(holdings={})

    def make_desk(self, executor: Any) -> None:
        """The desk over ``executor`` (paper or live: the only difference); then restore."""
        from tui.app import view
        from tui.desk import Desk
        from tui.desk.checks import Limits

        settings = self.options.settings
        self.desk = Desk(
            self.store,
            executor,
            venue=self.view.venue,
            clock=lambda: self.clock(),
            settle_funding=executor.mode == "paper",
            limits=Limits(
                max_order_usd=settings.max_order_usd,
                max_tilt_usd=settings.max_tilt_usd,
                max_quote_age_s=view.STALE_AFTER_S,
            ),
            # Quotes are stamped when received; their age is measured on the same clock.
            received_now=self.received_clock,
            halt_dir=Path(self.options.data_dir),
        )
        if self.tilt_ids is not None:
            self.desk.tilt_ids = self.tilt_ids
        if self.view.markets:
            self.desk.set_markets(self.view.markets)
            self.desk.observe(self.view.quotes)
        self.main.show_halt()
        self.main.restore_desk()

    def _open_store(self) -> None:
        """Open the store; use the saved portfolio unless one was given."""
        from tui.app.persistence import load_saved_portfolio, open_store

        notes: list[str] = []
        if self.store is None:
            self.store, problem = open_store(self.options.data_dir)
            if problem:
                notes.append(problem)
        notes += list(getattr(self.store, "problems", []) or [])
        if not self._portfolio_given:
            try:
                saved = load_saved_portfolio(self.store)
            except Exception as exc:
                saved = None
                notes.append(f"saved portfolio not loaded: {exc}")
            if saved is not None and saved != self.view.portfolio:
                self.view.portfolio = saved
                self.main.prefill_builder()
                self.main.render_all()
        self.save_portfolio()
        for note in notes:
            self.notify(note, severity="warning", timeout=8)

    def save_portfolio(self) -> bool:
        """Save the portfolio shown (not the empty one shown after a ``--portfolio`` that
        failed to load); False when the save failed (said), else True."""
        from tui.app.persistence import save_portfolio

        if self.store is None or self.view.portfolio is self._unloaded:
            return True  # nothing to save (yet)
        try:
            save_portfolio(self.store, self.view.portfolio, self.clock())
        except Exception as exc:
            if not self.store_refused(exc, "Portfolio not saved"):
                self.notify(f"could not save the portfolio: {exc}", severity="error")
            return False
        return True

    def store_refused(self, error: BaseException, doing: str = "") -> bool:
        """If ``error`` is the store's (a write the disk refused, or a store stopped by
        one), say it (``doing: <line>``) and return True; False for any other error."""
        return self.store_faults.refused(error, doing)

    def stamp(self) -> datetime:
        """The time to put on a record: the desk's clock (causal), else the app's."""
        return self.desk.stamp() if self.desk is not None else self.clock()

    def maybe_flush(self) -> None:
        """Flush the store's buffered time series if it is time; say a write refused here
        or in the background (the session's recorder leaves its failure in the store)."""
        if self.store is None:
            return
        try:
            self.store.maybe_flush()
        except Exception as exc:
            if not self.store_refused(exc):
                raise
        self.store_faults.poll(self.store)

    def follow_assets(self, assets: list[str]) -> None:
        """The feeds follow these assets (after a portfolio change)."""
        if self.session is not None and hasattr(self.session, "set_assets"):
            self.session.set_assets(assets)

    # -- feeds worker ---------------------------------------------------------------------

    @work(exclusive=True, group="feeds", exit_on_error=False)
    async def run_feeds(self) -> None:
        """Start the simulator (demo) and the market session; post every event as a message."""
        from tui.app.connect import open_session

        self.session, self.sim = await open_session(
            self.options,
            self.session_factory,
            self.view.risk_assets(),
            self.store,
            wall_clock=lambda: self.received_clock().timestamp(),
        )
        if self.sim is not None and self.sim.clock is not None and self.clock is wall_clock:
            self.clock = self.sim.clock
        main = self.main
        trading = await self._live_executor() if self.options.live else None
        try:
            await self.session.run(lambda event: main.post_message(msg.to_message(event)))
        finally:
            # Each bounded (well under a second), and the simulator stops even if the
            # session's close fails.
            try:
                await self.session.close()
                if trading is not None:
                    await trading.exchange.close()
            finally:
                if self.sim is not None:
                    await self.sim.stop()

    async def _live_executor(self) -> Any:
        """The live executor over its own ccxt client (the simulator's, with its demo keys,
        under ``--demo``); the desk is made on it."""
        from tui.engine.keys import venue_keys
        from tui.engine.live import LiveExecutor
        from tui.engine.venues import SIM_CREDENTIALS, create_exchange

        venue = "binanceusdm" if self.options.demo else self.options.venue
        credentials = SIM_CREDENTIALS if self.options.demo else venue_keys(venue)
        from tui.logs import mask_secret

        # Keys from the keyring were never in the environment: the log masks them too.
        mask_secret(*(str(v) for v in dict(credentials or {}).values() if v))
        exchange = create_exchange(
            venue, sim_url=self.sim.url if self.sim is not None else None, credentials=credentials
        )
        executor = LiveExecutor(exchange, venue, self.view.markets)
        self.make_desk(executor)
        return executor

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """One handler for worker errors: say it in plain words."""
        if event.state != WorkerState.ERROR:
            return
        error, group = event.worker.error, event.worker.group
        reason = f"{type(error).__name__}: {error}"
        if group == "feeds":  # whatever stopped it, the feeds are down: the header says so
            log.error("feeds worker failed: %s", reason)
            self.main.post_message(msg.SessionProblem(reason))
        elif error is None or not self.store_refused(error, WORKER_DOING.get(group, "")):
            log.error("%s worker failed: %s", group, reason)
            self.notify(reason, title=f"{group} failed", severity="error")

    # -- palette, theme, quit -------------------------------------------------------------

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """Every action in the command palette, then Textual's own."""
        for entry in ACTIONS:
            yield SystemCommand(entry.title, entry.help, self._palette_action(entry.action))
        yield from super().get_system_commands(screen)

    def _palette_action(self, action: str) -> Callable[[], Any]:
        if action in ("quit", "toggle_theme", "help"):
            return lambda: self.run_action(action)
        return lambda: self.main.run_palette(action)

    def action_toggle_theme(self) -> None:
        """Switch between the two Porting Alpha themes; the next start opens on this one."""
        from tui.settings import remember_theme

        self.theme = "porting-light" if self.theme == "porting-dark" else "porting-dark"
        try:
            remember_theme(Path(self.options.data_dir), self.theme)
        except OSError as exc:
            self.notify(f"theme not remembered for the next start: {exc}", severity="warning")

    def action_help(self) -> None:
        """The keys and what each pane shows (over whatever screen is open)."""
        from tui.app.modals.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.main.key_help()))

    async def action_quit(self) -> None:
        """Stop the feeds, flush and close the store, let the feeds' cleanup finish, leave."""
        import asyncio
        import contextlib

        # Orders in flight finish first (each is sent once, and its fill booked), so a quit
        # never leaves a batch half-sent; the desk would resolve it at the next start anyway.
        sending = [w for w in self.workers if w.group == "orders" and w.is_running]
        if sending:
            self.notify("Finishing the orders in flight before quitting…", timeout=3)
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.workers.wait_for_complete(sending), 10.0)
        log.info("app closed")
        feeds = self.workers.cancel_group(self, "feeds")
        refused = ""
        try:
            if self.store is not None:
                refused = close_store(self.store, self.stamp())
        except Exception as exc:  # quitting must not hang on a store problem
            log.error("store close failed: %s", exc)
        # The cancelled worker closes the websockets and stops the demo's simulator (each
        # bounded); waiting for it here lets that finish before the event loop is torn down,
        # where the leftovers would otherwise hold the exit for ~10 s. The bound is a backstop.
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.workers.wait_for_complete(feeds), 0.5)
        if refused:
            # Said on the terminal once the screen is gone (run_app prints it, unwrapped).
            self.quit_note = f"porting-alpha: not everything saved: {refused}"
            log.error(self.quit_note)
            self.exit(1, return_code=1)
            return
        self.exit(0)
