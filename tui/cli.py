"""The command line: the app (default), plan, sim, record, export, bench.

Bad input exits 2 with one line on stderr; nothing here prints a traceback for a user's mistake.
Heavy imports (Textual, ccxt, polars) happen inside the command that needs them.
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from tui import __version__
from tui.core.limits import MAX_USD, MAX_WINDOW_DAYS

EXIT_INPUT = 2


class _Parser(argparse.ArgumentParser):
    """argparse that reports a usage error as one line (and exit code 2)."""

    def error(self, message: str) -> NoReturn:
        """Print ``prog: message`` and a hint, on one line, then exit 2."""
        self.exit(EXIT_INPUT, f"{self.prog}: {message} (see --help)\n")


def _number(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"{text!r} is not a finite number")
    return value


def _bounded(what: str, low: float, high: float, *, low_open: bool, why: str) -> Any:
    """An argparse type: a finite number in ``(low, high]`` (or ``[low, high]``)."""

    def convert(text: str) -> float:
        value = _number(text)
        if value < low or (low_open and value == low):
            sign = ">" if low_open else "≥"
            raise argparse.ArgumentTypeError(f"{what} must be {sign} {low:g}, got {value:g}")
        if value > high:
            raise argparse.ArgumentTypeError(f"{what} is {value:g}, above {high:g} ({why})")
        return value

    return convert


def _data_dir(text: str) -> Path:
    """A directory path; an empty one would silently mean the current directory."""
    if not text.strip():
        raise argparse.ArgumentTypeError("an empty path is not a directory (give one)")
    return Path(text)


def _leverage(text: str) -> float:
    """A whole-number leverage from 1 (``5``, ``5x`` and ``5×`` alike); venues take no other."""
    from tui.core.models import check_leverage

    value = _number(text.strip().rstrip("xX×").strip())
    try:
        return check_leverage(value)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"port {value} is outside 0–65535")
    return value


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{value} must be > 0")
    return value


def _add_venue_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--demo", action="store_true", help="use the offline simulated exchange (in-process)"
    )
    parser.add_argument("--scenario", type=Path, help="scenario TOML for --demo")
    parser.add_argument("--venue", help="ccxt venue id (default binanceusdm, or the settings)")
    parser.add_argument("--data-dir", type=_data_dir, help="directory of the state store")


def _add_tilt_options(parser: argparse.ArgumentParser, *, required_target: bool) -> None:
    parser.add_argument("--portfolio", type=Path, help="portfolio TOML file")
    parser.add_argument(
        "--target",
        required=required_target,
        help="tactical targets in percent of the base, e.g. BTC=65,ETH=35",
    )
    parser.add_argument(
        "--base",
        type=_bounded("the capital base", 0, MAX_USD, low_open=True, why="a trillion dollars"),
        help="capital base in USD (default: portfolio value)",
    )
    parser.add_argument(
        "--leverage",
        type=_leverage,
        help="leverage, a whole number from 1 (default 3, or the settings)",
    )
    parser.add_argument(
        "--days",
        type=_bounded("the window (days)", 0, MAX_WINDOW_DAYS, low_open=True, why="ten years"),
        help="tactical window in days (default 30)",
    )
    parser.add_argument(
        "--instrument",
        choices=["auto", "perp", "future"],
        help="perp, a dated future, or auto = best expected carry (default auto)",
    )


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser (the app's options at the top, commands below)."""
    parser = _Parser(
        prog="porting-alpha",
        description="Tactical asset allocation through crypto futures, in the terminal.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    _add_venue_options(parser)
    _add_tilt_options(parser, required_target=False)
    parser.add_argument(
        "--live",
        action="store_true",
        help="send real orders to the venue: needs its API keys in PORTING_ALPHA_<VENUE>_API_KEY / _API_SECRET (or the OS keyring) and typing LIVE at start; with --demo, the simulator's signed endpoints",
    )
    parser.add_argument(
        "--theme",
        help="theme name (porting-dark, porting-light); default: the one last chosen with t",
    )
    parser.add_argument(
        "--log-file",
        type=Path,
        help="write a log (INFO and up, rotated at 1 MB, API keys masked) to this file; "
        "default: no log file. Give it before a command: porting-alpha --log-file F record",
    )
    commands = parser.add_subparsers(dest="command", parser_class=_Parser)

    plan = commands.add_parser("plan", help="print the legs of a tilt")
    _add_venue_options(plan)
    _add_tilt_options(plan, required_target=True)
    plan.add_argument(
        "--collateral",
        type=_bounded("--collateral", 0, MAX_USD, low_open=False, why="a trillion dollars"),
        help="USD available for margin and fees (default: the portfolio's stablecoins)",
    )
    plan.add_argument("--json", action="store_true", help="print one JSON object")

    sim = commands.add_parser("sim", help="run the simulated exchange standalone")
    sim.add_argument("--scenario", type=Path, help="scenario TOML (default: the bundled one)")
    sim.add_argument("--port", type=_port, default=8765, help="port on 127.0.0.1 (default 8765)")

    record = commands.add_parser("record", help="run the feeds headless into the store")
    _add_venue_options(record)
    record.add_argument("--assets", help="assets to record, e.g. BTC,ETH (default: portfolio)")
    record.add_argument("--portfolio", type=Path, help="portfolio TOML whose assets to record")
    record.add_argument("--seconds", type=_positive_int, help="stop after N seconds")

    export = commands.add_parser("export", help="write a store table to CSV or parquet")
    export.add_argument("table", help="table name (funding, quotes, audit, orders, fills, …)")
    export.add_argument("--format", choices=["csv", "parquet"], default="csv")
    export.add_argument("-o", "--output", type=Path, help="output file (default: stdout for csv)")
    export.add_argument("--data-dir", type=_data_dir, help="directory of the state store")

    halt = commands.add_parser(
        "halt", help="kill switch: stop every new order (the app may be running); --lift undoes"
    )
    halt.add_argument("--lift", action="store_true", help="allow orders again")
    halt.add_argument("--reason", default="halted from the command line", help="why (one line)")
    halt.add_argument("--data-dir", type=_data_dir, help="directory of the state store")

    bench = commands.add_parser("bench", help="measure the budgets of docs/design.md §8")
    bench.add_argument("--quick", action="store_true", help="fewer rounds (under 3 minutes)")
    bench.add_argument("--json", action="store_true", help="one JSON object on stdout")
    # Every benchmark at its smallest, for the tests that check the output's shape.
    bench.add_argument("--smoke", action="store_true", help=argparse.SUPPRESS)
    return parser


def _apply_settings(args: argparse.Namespace) -> None:
    """Fill unset options from the settings (config file and environment)."""
    from tui.settings import SettingsError, load_settings

    try:
        settings = load_settings()
    except SettingsError as err:
        print(f"porting-alpha: {err}", file=sys.stderr)
        raise SystemExit(EXIT_INPUT) from None
    args.settings = settings
    defaults: dict[str, Any] = {
        "venue": settings.venue,
        "data_dir": settings.data_dir,
        "leverage": settings.leverage,
        "days": settings.window_days,
        "instrument": settings.instrument,
    }
    for name, value in defaults.items():
        if getattr(args, name, None) is None and hasattr(args, name):
            setattr(args, name, value)
    if hasattr(args, "theme"):
        from tui.settings import launch_theme

        args.theme = launch_theme(args.theme, args.data_dir, settings)
    for name in ("demo", "scenario", "portfolio", "target", "base", "live"):
        if not hasattr(args, name):
            setattr(args, name, None)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    args = build_parser().parse_args(argv)
    _apply_settings(args)
    _start_log(args, sys.argv[1:] if argv is None else list(argv))
    try:
        code = _dispatch(args)
        # Flush here, not at exit: a reader that went away (a broken pipe) is handled below.
        sys.stdout.flush()
        return code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (``plan … | head -1``): nothing is wrong on our side. Point
        # stdout at /dev/null so the flush at exit does not complain, and stop quietly.
        _silence_stdout()
        return 0
    except Exception as err:  # last resort: a user never sees a traceback
        import logging

        logging.getLogger("porting_alpha").exception("internal error")
        return _internal_error(err, args)


def _start_log(args: argparse.Namespace, argv: list[str]) -> None:
    """Open ``--log-file`` (exit 2 in one line if it cannot be) and say what runs."""
    import logging

    from tui.logs import setup_logging

    try:
        handler = setup_logging(getattr(args, "log_file", None))
    except OSError as err:
        print(f"porting-alpha: --log-file: {err}", file=sys.stderr)
        raise SystemExit(EXIT_INPUT) from None
    if handler is not None:
        logging.getLogger("porting_alpha").info(
            "porting-alpha %s started: %s", __version__, " ".join(argv)
        )


#: The subcommands, each a module of `tui.commands` with a ``run(args)``; none = the app.
COMMANDS = ("plan", "sim", "record", "export", "bench", "halt")


def _dispatch(args: argparse.Namespace) -> int:
    """Run the command ``args`` names; returns its exit code. Each command's module is
    imported only when it runs (the app's first frame waits for none of the others)."""
    import importlib

    name = args.command if args.command in COMMANDS else "app"
    module = importlib.import_module(f"tui.commands.{name}")
    return int(module.run(args))


def _silence_stdout() -> None:
    """Send whatever is still buffered for stdout to /dev/null (after a broken pipe)."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass  # no real file descriptor (a test's stream): nothing will be flushed to it


def _internal_error(err: Exception, args: argparse.Namespace) -> int:
    """Report a bug in one line and keep the traceback in a crash log for the bug report."""
    import tempfile
    import traceback
    from datetime import UTC, datetime

    where = "nowhere: no directory was writable"
    # The data directory first; if that is the very thing that fails, the temp directory.
    for log_dir in (Path(getattr(args, "data_dir", None) or "."), Path(tempfile.gettempdir())):
        try:
            log_dir.mkdir(parents=True, exist_ok=True)
            log = log_dir / "porting-alpha-crash.log"
            from tui.logs import SECRETS

            with log.open("a", encoding="utf-8") as fh:
                # Masked like the log: a key in an argument or a message never lands here.
                fh.write(SECRETS.mask(f"--- {datetime.now(UTC).isoformat()} {sys.argv!r}\n"))
                fh.write(SECRETS.mask(traceback.format_exc()))
            where = str(log)
            break
        except OSError:
            continue
    print(
        f"porting-alpha: internal error: {type(err).__name__}: {err} (details in {where})",
        file=sys.stderr,
    )
    return 1


if __name__ == "__main__":
    raise SystemExit(main())
