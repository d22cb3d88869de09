"""Ticks through the wire to the screen, and a day's memory: the benchmarks that need the
simulator's all-market tape or a process of their own."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

from tui.commands.bench.report import Metric

#: The tape: Binance's ``!markPrice@arr@1s`` scaled from ~550 perps at 1 frame/s to this
#: many at this cadence (10,000 ticks/s offered, twice the budget).
TAPE_SYMBOLS = 1000
TAPE_INTERVAL_S = 0.1


class Tape:
    """The tape in a process of its own (``python -m tui.sim.tape``), as a venue is."""

    def __init__(self, symbols: int = TAPE_SYMBOLS, interval_s: float = TAPE_INTERVAL_S):
        self.symbols = symbols
        self.interval_s = interval_s
        self._proc: subprocess.Popen[str] | None = None
        self.url = ""

    def __enter__(self) -> Tape:
        cmd = [sys.executable, "-m", "tui.sim.tape"]
        cmd += ["--symbols", str(self.symbols), "--interval", str(self.interval_s)]
        # Its stderr is dropped: aiohttp there reports each frame cut short when the app
        # hangs up at the end; a tape that does not start says so on stdout (no URL).
        self._proc = subprocess.Popen(
            cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
        )
        assert self._proc.stdout is not None
        line = self._proc.stdout.readline().split()
        if len(line) != 2 or line[0] != "tape":
            self.__exit__()
            raise RuntimeError("the simulator's tape did not start")
        self.url = line[1]
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._proc is not None:
            self._proc.terminate()
            try:
                self._proc.wait(5)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
            self._proc = None


def wire(
    seconds: float, symbols: int = TAPE_SYMBOLS, interval_s: float = TAPE_INTERVAL_S
) -> list[Metric]:
    """The app at 160×48 on the tape while keys are typed (`tui.app.load_bench`)."""
    from tui.app.load_bench import wire_load

    offered = symbols / interval_s
    with Tape(symbols, interval_s) as tape:
        r = wire_load(tape.url, seconds, warmup_s=min(3.0, seconds))
    ours = r.cpu_us_per_tick - r.ccxt_parse_us_per_tick
    return [
        Metric(
            "wire_ticks_per_s",
            r.wire_ticks_per_s,
            "ticks/s",
            ">=",
            5000.0,
            f"{symbols} perps every {interval_s:g} s ({offered:,.0f}/s offered) for {r.seconds:.0f} s; "
            f"the app's process used {r.cpu_cores:.2f} cores",
        ),
        Metric(
            "ui_refresh_hz",
            round(r.refresh_hz, 1),
            "Hz",
            ">=",
            4.0,
            "refreshes that rendered fresh quotes, to 0.1 Hz (the app's refresh timer is 4 Hz)",
        ),
        Metric(
            "key_p95_ms",
            r.key_p95_ms,
            "ms",
            "<",
            50.0,
            f"p50 {r.key_p50_ms:.1f} ms over {r.keys} keys, key posted → input changed",
        ),
        Metric(
            "tick_cost_vs_ccxt_parse",
            ours / r.ccxt_parse_us_per_tick if r.ccxt_parse_us_per_tick > 0 else None,
            "x",
            "<=",
            2.0,
            f"ours {ours:.1f} µs/tick (process {r.cpu_us_per_tick:.1f} − ccxt "
            f"{r.ccxt_parse_us_per_tick:.1f}) over ccxt's parse of the same frames",
        ),
    ]


def rss(symbols: int, hours: float, step_s: int) -> list[Metric]:
    """RSS of a simulated session in a process of its own (`tui.commands.bench.rss`)."""
    cmd = [sys.executable, "-m", "tui.commands.bench.rss"]
    cmd += ["--symbols", str(symbols), "--hours", str(hours), "--step", str(step_s)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=1800)
    try:
        result = json.loads(proc.stdout.strip().splitlines()[-1])
        marks = [(float(h), float(mb), float(top)) for h, mb, top in result["marks"]]
    except (ValueError, IndexError, KeyError):
        why = (proc.stderr.strip().splitlines() or ["no output"])[-1][:200]
        return [
            Metric("rss_mb_24h", None, "MB", "<=", 300.0, f"could not measure: {why}"),
            Metric("rss_growth_last_12h_pct", None, "%", "<=", 5.0, "could not measure"),
        ]
    # Each hour's peak (the high-water mark since the last hour's reading): what the
    # machine must hold. An instant's reading swung by 200 MB with where the compactions fell.
    last = marks[-1][2]
    half = [top for h, _, top in marks if h >= hours / 2]
    growth = (half[-1] - half[0]) / half[0] * 100.0 if half and half[0] else None
    peak = max(top for _, _, top in marks[1:] or marks)
    detail = (
        f"peak of the last simulated hour; {symbols} symbols, a quote each every {step_s} s "
        f"for {hours:g} h ({result['rows']:,} rows through the recorder and store); "
        f"{marks[-1][1]:.0f} MB at the end, day's peak {peak:.0f} MB"
    )
    return [
        Metric("rss_mb_24h", last, "MB", "<=", 300.0, detail),
        Metric(
            "rss_growth_last_12h_pct",
            growth,
            "%",
            "<=",
            5.0,
            f"hourly peak from {half[0]:.0f} MB at {hours / 2:g} h to {half[-1]:.0f} MB; "
            "flat = within 5 %",
        ),
    ]
