"""The default command: start the Textual app (Textual is imported only here, on demand)."""

from __future__ import annotations

from typing import Any

from tui.commands.common import fail
from tui.core.errors import InputError
from tui.settings import LaunchOptions


def launch_options(args: Any) -> LaunchOptions:
    """`LaunchOptions` from parsed arguments (validates the tilt pre-fill)."""
    from tui.core.models import check_leverage
    from tui.core.portfolio import parse_targets

    targets = parse_targets(args.target) if args.target else {}
    if args.leverage is not None:
        try:
            check_leverage(args.leverage)
        except ValueError as err:
            raise InputError(f"--leverage: {err}") from None
    if args.days is not None and args.days <= 0:
        raise InputError(f"--days must be > 0, got {args.days:g}")
    if args.base is not None and args.base <= 0:
        raise InputError(f"--base must be > 0, got {args.base:g}")
    if args.portfolio is not None and not args.portfolio.is_file():
        raise InputError(f"{args.portfolio}: portfolio file not found")
    if args.scenario is not None and not args.scenario.is_file():
        raise InputError(f"{args.scenario}: scenario file not found")
    return LaunchOptions(
        demo=bool(args.demo),
        scenario=args.scenario,
        venue=args.venue,
        portfolio=args.portfolio,
        data_dir=args.data_dir,
        live=bool(args.live),
        theme=args.theme,
        targets=targets,
        base_usd=args.base,
        leverage=args.leverage,
        window_days=args.days,
        instrument=args.instrument,
        settings=args.settings,
    )


def run(args: Any) -> int:
    """Start the app; bad options exit 2 before the screen is taken over."""
    try:
        options = launch_options(args)
    except InputError as err:
        return fail(str(err))
    if options.live and not options.demo:
        # Live trading needs keys before the screen is taken over (--demo --live uses the
        # simulator's demo keys: the whole live path, offline).
        from tui.engine.keys import KeysMissing, venue_keys

        try:
            venue_keys(options.venue)
        except KeysMissing as err:
            return fail(str(err))
    from tui.app.main import run_app

    return run_app(options)
