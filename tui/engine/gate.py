"""One gate per ccxt client that every REST request passes through.

A venue that answers 429 (too many requests) or 418 (Binance's IP ban, for a client that kept
sending after its 429s) asks for silence, usually with a ``Retry-After`` header. The feeds of
a session, the margin brackets and the live executor share one ccxt client, so the silence
must be kept by the client, not by whichever feed happened to receive the 429: the gate holds
every request of its client until the pause has passed.

- 429: pause ``Retry-After`` (1 s if absent), doubled on each further 429 in a row;
- 418: pause ``Retry-After``, at least ``ban_floor_s`` (60 s), doubled on each further ban.

A 429 or 418 only counts as "in a row" when its request was sent after the previous pause
was decided: requests already in flight when it began carry no news. A success of a request
sent after the pause ends the streak.

Hooks, in ccxt's async base exchange: ``fetch2`` (every REST call: ccxt's rate limiter,
then signing, then ``fetch``) waits at the gate first, so that a signed request is stamped
after the pause, not before it; ``fetch`` (the HTTP request itself) waits again, for a pause
decided while ccxt's rate limiter held the call; ``on_rest_response`` (each response's status
and headers, before ccxt raises for them) tells the gate. All three are set on the instance,
so nothing of ccxt's changes for other clients.

The gate also refuses a garbled body: ccxt hands back a JSON answer it could not parse as
raw text (a cut-short ``{"symbols":[...``), which its parsers then read as *nothing*: no
markets, no prices. Raised as ``BadResponse`` instead, a garbled answer is a failed request.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from tui.engine.errors import BadResponse

#: Seconds of silence after a 429 that names none.
DEFAULT_RETRY_AFTER_S = 1.0
#: Shortest pause after a 418 (Binance bans from 2 minutes up, and says how long).
BAN_FLOOR_S = 60.0
#: Longest pause the gate decides by itself (a venue's own ``Retry-After`` may be longer).
MAX_PAUSE_S = 3_600.0

#: When the request being answered was sent (the gate's clock), for ``on_rest_response``:
#: ccxt calls it inside ``fetch``, in the same task, so the request's context is at hand.
_SENT_AT: ContextVar[float | None] = ContextVar("gate_sent_at", default=None)
#: Where `timing_requests` collects round trips, in the task that asked for them.
_ROUND_TRIPS: ContextVar[list[float] | None] = ContextVar("gate_round_trips", default=None)


@contextmanager
def timing_requests() -> Iterator[list[float]]:
    """Collect the round trip (seconds) of each REST request made within, by this task: the
    venue's answering time, without the gate's pauses or ccxt's own rate limiter."""
    trips: list[float] = []
    token = _ROUND_TRIPS.set(trips)
    try:
        yield trips
    finally:
        _ROUND_TRIPS.reset(token)


def parse_retry_after(headers: Mapping[str, Any] | None) -> float | None:
    """``Retry-After`` in seconds (header names are case-insensitive), or ``None``."""
    for key, value in dict(headers or {}).items():
        if str(key).lower() == "retry-after":
            try:
                seconds = float(value)
            except (TypeError, ValueError):
                return None  # an HTTP date: Binance never sends one; the gate's own pause
            return max(seconds, 0.0) if math.isfinite(seconds) else None
    return None


class RequestGate:
    """Holds a client's REST requests while the venue asked for silence; see the module."""

    def __init__(
        self,
        *,
        ban_floor_s: float = BAN_FLOOR_S,
        default_retry_after_s: float = DEFAULT_RETRY_AFTER_S,
        max_pause_s: float = MAX_PAUSE_S,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    ) -> None:
        """``clock`` and ``sleep`` measure and wait out elapsed time (tests pass fakes)."""
        self.ban_floor_s = ban_floor_s
        self.default_retry_after_s = default_retry_after_s
        self.max_pause_s = max_pause_s
        self.clock = clock
        self.sleep = sleep
        self.open_at = 0.0
        """The gate's clock time before which no request leaves."""
        self.strikes = 0
        """429s in a row (each after the pause before it)."""
        self.bans = 0
        """418s in a row."""
        self.reason = ""
        """Why the gate last closed, in words (empty when it never did)."""
        self.pause_s = 0.0
        """The length of the last pause decided, in seconds."""
        self._decided_at = -math.inf

    def remaining(self) -> float:
        """Seconds until requests may leave again (0 when open)."""
        return max(0.0, self.open_at - self.clock())

    async def wait(self) -> None:
        """Return when the gate is open (a pause decided while waiting is waited out too)."""
        while (left := self.open_at - self.clock()) > 0:
            await self.sleep(left)

    def note(self, status: int, headers: Mapping[str, Any] | None, sent_at: float | None) -> None:
        """Read one response: a 429 or 418 closes the gate; a later success ends the streak."""
        fresh = sent_at is None or sent_at >= self._decided_at
        if status == 429:
            if fresh:
                self.strikes += 1
            said = parse_retry_after(headers)
            pause = max(
                said if said is not None else self.default_retry_after_s,
                min(self.default_retry_after_s * 2 ** (self.strikes - 1), self.max_pause_s),
            )
            self._close(pause, f"rate limited (HTTP 429, {self.strikes} in a row)")
        elif status == 418:
            if fresh:
                self.bans += 1
            said = parse_retry_after(headers) or 0.0
            pause = max(said, min(self.ban_floor_s * 2 ** (self.bans - 1), self.max_pause_s))
            self._close(pause, "IP banned by the venue (HTTP 418)")
        elif status < 400 and fresh and (self.strikes or self.bans):
            self.strikes = self.bans = 0

    def _close(self, pause: float, reason: str) -> None:
        now = self.clock()
        if now + pause > self.open_at:
            self.open_at = now + pause
            self.pause_s = pause
            self.reason = reason
        self._decided_at = now

    def describe(self) -> str:
        """The pause in force in words (``all requests paused 2 s: rate limited (HTTP 429, 2
        in a row)``), empty when none is; its length as decided, not a countdown, so that a
        status repeated each second reads the same."""
        if self.remaining() <= 0:
            return ""
        return f"all requests paused {math.ceil(self.pause_s)} s: {self.reason}"

    def install(self, exchange: Any) -> RequestGate:
        """Route every REST request of ``exchange`` through this gate; returns the gate."""
        fetch2 = exchange.fetch2
        fetch = exchange.fetch
        on_rest_response = exchange.on_rest_response

        async def gated_fetch2(*args: Any, **kwargs: Any) -> Any:
            await self.wait()
            return await fetch2(*args, **kwargs)

        async def gated_fetch(
            url: str, method: str = "GET", headers: Any = None, body: Any = None
        ) -> Any:
            await self.wait()
            sent = self.clock()
            token = _SENT_AT.set(sent)
            try:
                answer = await fetch(url, method, headers, body)
            finally:
                _SENT_AT.reset(token)
                trips = _ROUND_TRIPS.get()
                if trips is not None:
                    trips.append(self.clock() - sent)
            if isinstance(answer, str) and answer.lstrip()[:1] in ("{", "["):
                # JSON that ccxt could not parse comes back as text: cut short or garbled.
                raise BadResponse(f"{exchange.id} {method} {url}: garbled answer (invalid JSON)")
            return answer

        def noting_response(
            code: int,
            reason: str,
            url: str,
            method: str,
            response_headers: Any,
            response_body: Any,
            request_headers: Any,
            request_body: Any,
        ) -> Any:
            self.note(int(code or 0), response_headers, _SENT_AT.get())
            return on_rest_response(
                code,
                reason,
                url,
                method,
                response_headers,
                response_body,
                request_headers,
                request_body,
            )

        exchange.fetch2 = gated_fetch2
        exchange.fetch = gated_fetch
        exchange.on_rest_response = noting_response
        exchange.request_gate = self
        return self


def gate_of(exchange: Any) -> RequestGate | None:
    """The gate installed on ``exchange`` (by `tui.engine.venues.create_exchange`), if any."""
    gate = getattr(exchange, "request_gate", None)
    return gate if isinstance(gate, RequestGate) else None
