"""First frame and quit, timed from outside: whole processes in a pseudo-terminal.

Each process is started as a user starts it — ``porting-alpha --demo`` (the installed
script), and for the yardstick ``python tui/app/bare_app.py`` (a Header, a Static and a
Footer) — with a 160×48 pseudo-terminal as its terminal, and nothing in it knows it is
timed. We read what it writes to the terminal. Textual paints its first frame as one
full-screen update: after switching to the alternate screen it positions the cursor on
each row (``ESC[row;1H``, or a newline) and writes the row. **The first frame is the
moment the output has painted every one of the 48 rows**, measured from just before the
process was spawned. Both apps are timed by this one rule, interleaved round by round (the
order alternating), so what the ratio measures is what our app adds to Textual's own start.

Quit: once the app's first frame is out and its feeds have had a few seconds to come up
(the demo's simulator, ccxt, the store), we type ``q`` and time until the process has
exited (reaped), as a user would wait for the prompt.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import select
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from dataclasses import dataclass
from pathlib import Path

from tui.commands.bench.report import Metric

ROWS, COLS = 48, 160
#: ``ESC [ row ; col H``: Textual's absolute cursor moves.
_MOVE = re.compile(rb"\x1b\[(\d+);(\d+)H")
_ALT_SCREEN = b"\x1b[?1049h"
#: How long the demo runs after its first frame before ``q`` (feeds up, ccxt loaded).
SETTLE_S = 4.0


class FrameWatcher:
    """Follows a terminal's output and says when every row has been painted once."""

    def __init__(self, rows: int = ROWS) -> None:
        self.rows = rows
        self.painted: set[int] = set()
        self._row = 1
        self._tail = b""
        self._alt = False

    def feed(self, data: bytes) -> bool:
        """Take more output; True once all rows have been painted on the alternate screen."""
        data = self._tail + data
        if not self._alt:
            at = data.find(_ALT_SCREEN)
            if at < 0:
                self._tail = data[-16:]
                return False
            self._alt = True
            data = data[at + len(_ALT_SCREEN) :]
        pos = 0
        for match in _MOVE.finditer(data):
            self._count_newlines(data[pos : match.start()])
            self._row = int(match.group(1))
            self.painted.add(self._row)
            pos = match.end()
        rest = data[pos:]
        # An escape sequence cut at the end of this read is finished by the next one.
        cut = rest.rfind(b"\x1b")
        if cut >= 0 and cut > len(rest) - 16 and not _MOVE.match(rest[cut:]):
            self._tail = rest[cut:]
            rest = rest[:cut]
        else:
            self._tail = b""
        self._count_newlines(rest)
        return len(self.painted) >= self.rows

    def _count_newlines(self, chunk: bytes) -> None:
        for _ in range(chunk.count(b"\n")):
            self._row += 1
            if self._row <= self.rows:
                self.painted.add(self._row)


@dataclass
class Run:
    """One process's first frame (s after spawn) and quit (s from ``q`` to exit)."""

    first_frame_s: float | None
    quit_s: float | None = None


def _drain(master: int, until: float) -> None:
    while time.perf_counter() < until:
        ready, _, _ = select.select([master], [], [], 0.05)
        if ready:
            try:
                os.read(master, 1 << 16)
            except OSError:
                return


def time_process(argv: list[str], *, quit_after_s: float | None, timeout: float = 60) -> Run:
    """Spawn ``argv`` in a 160×48 pseudo-terminal; time its first frame, and its quit when
    ``quit_after_s`` is given (else it is killed once its first frame is out)."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLS, 0, 0))
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": str(COLS), "LINES": str(ROWS)}
    env.pop("PORTING_ALPHA_BENCH_FIRST_FRAME", None)
    watcher = FrameWatcher()
    start = time.perf_counter()
    proc = subprocess.Popen(
        argv, stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True
    )
    os.close(slave)
    run = Run(None)
    try:
        deadline = start + timeout
        while time.perf_counter() < deadline:
            ready, _, _ = select.select([master], [], [], 0.05)
            if not ready:
                if proc.poll() is not None:
                    break
                continue
            try:
                data = os.read(master, 1 << 16)
            except OSError:
                break
            if watcher.feed(data):
                run.first_frame_s = time.perf_counter() - start
                break
        if run.first_frame_s is not None and quit_after_s is not None:
            _drain(master, time.perf_counter() + quit_after_s)
            pressed = time.perf_counter()
            os.write(master, b"q")
            reader_until = pressed + 10.0
            while proc.poll() is None and time.perf_counter() < reader_until:
                _drain(master, time.perf_counter() + 0.005)
            if proc.poll() is not None:
                run.quit_s = time.perf_counter() - pressed
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        with contextlib.suppress(OSError):
            os.close(master)
    return run


def app_command(data_dir: Path) -> list[str]:
    """``porting-alpha --demo`` as installed beside this Python (else ``python -m tui``)."""
    script = Path(sys.executable).with_name("porting-alpha")
    head = [str(script)] if script.exists() else [sys.executable, "-m", "tui"]
    return [*head, "--demo", "--data-dir", str(data_dir)]


def bare_command() -> list[str]:
    """The bare Textual app, by path: it imports Textual and nothing of ours."""
    bare = Path(__file__).resolve().parents[2] / "app" / "bare_app.py"
    return [sys.executable, str(bare)]


def first_frame_and_quit(rounds: int, settle_s: float = SETTLE_S) -> list[Metric]:
    """``rounds`` interleaved rounds of the app (``q`` ``settle_s`` after its first frame)
    and the bare app."""
    ours: list[float] = []
    bare: list[float] = []
    quits: list[float] = []
    failures = 0
    for i in range(rounds):
        order = ("app", "bare") if i % 2 == 0 else ("bare", "app")
        for which in order:
            if which == "bare":
                run = time_process(bare_command(), quit_after_s=None)
                if run.first_frame_s is not None:
                    bare.append(run.first_frame_s)
                continue
            tmp = tempfile.mkdtemp(prefix="pa-bench-")
            try:
                run = time_process(app_command(Path(tmp)), quit_after_s=settle_s)
            finally:
                shutil.rmtree(tmp, ignore_errors=True)
            if run.first_frame_s is None:
                failures += 1
                continue
            ours.append(run.first_frame_s)
            if run.quit_s is not None:
                quits.append(run.quit_s)
    app_s = statistics.median(ours) if ours else None
    bare_s = statistics.median(bare) if bare else None
    ratio = app_s / bare_s if app_s is not None and bare_s else None
    spread = f"{min(ours):.2f}–{max(ours):.2f} s" if ours else "no frame"
    return [
        Metric(
            "first_frame_s",
            app_s,
            "s",
            "",
            None,
            f"median of {len(ours)} (range {spread}); 160×48 pty, every row painted"
            + (f"; {failures} runs painted no frame" if failures else ""),
        ),
        Metric(
            "bare_textual_first_frame_s",
            bare_s,
            "s",
            "",
            None,
            f"median of {len(bare)}, interleaved with the app's",
        ),
        Metric(
            "first_frame_ratio",
            ratio,
            "x",
            "<=",
            1.5,
            "the app's median over the bare app's, same run",
        ),
        Metric(
            "quit_s",
            statistics.median(quits) if quits else None,
            "s",
            "<=",
            0.5,
            f"median of {len(quits)}: q → process exit, {settle_s:g} s after the first frame",
        ),
    ]
