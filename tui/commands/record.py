"""``porting-alpha record``: run the feeds headless into the store, with a live status line."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
import time
from typing import TYPE_CHECKING, Any

from tui.commands.common import fail
from tui.core.errors import InputError
from tui.engine.events import EngineEvent, FeedStatus, QuotesUpdated
from tui.engine.venues import SIM_CREDENTIALS

if TYPE_CHECKING:
    from tui.store import StoreError


class StatusLine:
    """Counts what arrives and prints one line, rewritten in place on a terminal."""

    def __init__(self, stream: Any = sys.stderr) -> None:
        self.stream = stream
        self.ticks = 0
        self.states: dict[str, str] = {}
        self.detail = ""
        self._last = 0.0
        self._tty = bool(getattr(stream, "isatty", lambda: False)())

    def __call__(self, event: EngineEvent) -> None:
        """Listener for the market session."""
        if isinstance(event, QuotesUpdated):
            self.ticks += len(event.quotes)
        elif isinstance(event, FeedStatus):
            self.states[event.feed] = event.state
            if event.detail:
                self.detail = event.detail
            if not self._tty:
                print(f"{event.feed}: {event.state} {event.detail}".rstrip(), file=self.stream)
        self.show()

    def text(self) -> str:
        """The status line."""
        feeds = " ".join(f"{k}={v}" for k, v in sorted(self.states.items()))
        return f"recording · {self.ticks} quotes · {feeds}"

    def show(self, force: bool = False) -> None:
        """Redraw at most 4 times a second (on a terminal)."""
        now = time.monotonic()
        if self._tty and (force or now - self._last > 0.25):
            self._last = now
            print("\r\033[K" + self.text()[:200], end="", file=self.stream, flush=True)


async def record(args: Any, assets: list[str]) -> int:
    """Run the session until ``--seconds`` pass or Ctrl-C / SIGTERM, then flush and close.

    A disk that refuses the store's writes (full, read-only) stops the recording cleanly:
    what was written stays readable, and the one-line reason is raised as ``StoreWriteError``.
    """
    from tui.engine.session import MarketSession
    from tui.store import Store, StoreError, StoreWriteError

    server = None
    sim_url = None
    if args.demo:
        from tui.sim.scenario import ScenarioError, default_scenario_path, load_scenario
        from tui.sim.server import SimServer

        try:
            scenario = load_scenario(args.scenario or default_scenario_path())
        except ScenarioError as err:
            raise InputError(str(err)) from None
        server = SimServer(scenario)
        sim_url = await server.start()
    status = StatusLine(sys.stderr)  # the stream of now (a default is bound at import)
    try:
        store = Store.open(args.data_dir)
    except (OSError, StoreError) as err:
        if server is not None:
            await server.stop()
        if isinstance(err, StoreError):
            raise
        raise InputError(
            f"cannot open the store at {args.data_dir}: {err.strerror or err}"
        ) from None
    for problem in store.problems:
        print(f"porting-alpha: store: {problem}", file=sys.stderr)
    session = MarketSession(
        args.venue if not args.demo else "binanceusdm",
        sim_url=sim_url,
        assets=assets,
        store=store,
        poll_seconds=args.settings.poll_seconds,
        credentials=SIM_CREDENTIALS if args.demo else None,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    task = None
    failure: StoreError | None = None
    try:
        store.audit("start", f"record {','.join(assets)} on {session.venue}")
        task = asyncio.create_task(session.run(status))
        # The session's feeds retry what fails, the store's writes included: watch the
        # store, so a full disk ends the recording instead of failing every second.
        watcher = asyncio.create_task(_until_failed(store, stop))
        await asyncio.wait({task, watcher}, timeout=args.seconds, return_when="FIRST_COMPLETED")
        watcher.cancel()
    except StoreWriteError as err:
        failure = err
    finally:
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        closing = _closing_failure(store, status)  # always: it releases the directory
        failure = failure or closing
        if server is not None:
            await server.stop()
    status.show(force=True)
    if status._tty:
        print(file=sys.stderr)
    if failure is not None:
        raise failure
    print(f"recorded {status.ticks} quotes into {args.data_dir}", file=sys.stderr)
    return 0


async def _until_failed(store: Any, stop: asyncio.Event) -> None:
    """Return when ``stop`` is set or the store reports a refused write."""
    while not stop.is_set() and store.failure is None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 0.2)


def _closing_failure(store: Any, status: StatusLine) -> StoreError | None:
    """Audit the stop and close the store; the ``StoreWriteError`` that prevented it, if any.

    A store whose disk refused a write is closed all the same (its lock released); what the
    journal holds is recovered at the next open."""
    from tui.store import StoreError, StoreWriteError

    failure = None
    if store.failure is None:
        try:
            store.audit("stop", f"recorded {status.ticks} quotes")
        except StoreWriteError as err:
            failure = err
    try:
        store.close()
    except StoreWriteError as err:
        failure = failure or err
    except StoreError:
        pass  # broken by an earlier failure: that one is reported
    if failure is None and store.failure is not None:
        failure = StoreWriteError(store.failure)
    return failure


def run(args: Any) -> int:
    """Entry point of ``porting-alpha record``."""
    from tui.core.portfolio import load_portfolio, sample_portfolio_path
    from tui.store import StoreError

    try:
        if args.assets:
            assets = [a.strip().upper() for a in args.assets.split(",") if a.strip()]
            if not assets:
                raise InputError("--assets names no asset, e.g. --assets BTC,ETH")
        else:
            portfolio = load_portfolio(args.portfolio or sample_portfolio_path())
            assets = portfolio.risk_assets()
            assets += [a.upper() for a in args.settings.watchlist if a.upper() not in assets]
        return asyncio.run(record(args, assets))
    except InputError as err:
        return fail(str(err))
    except StoreError as err:
        message = str(err)  # most name the directory already
        return fail(
            message if str(args.data_dir) in message else f"store {args.data_dir}: {message}"
        )
