"""Fault injection for the REST side: latency, 5xx errors, 429s, 418 bans, truncated bodies."""

from __future__ import annotations

import asyncio
import json
import math
import random
from collections.abc import Awaitable, Callable

from aiohttp import web

from tui.sim.scenario import Faults

#: Binance's answer when it cannot process a request (sent with HTTP 503 here).
INTERNAL_ERROR = {
    "code": -1001,
    "msg": "Internal error; unable to process your request. Please try again.",
}
#: Binance's answer to too much request weight (with HTTP 429 and Retry-After).
TOO_MANY = {
    "code": -1003,
    "msg": "Too many requests; current limit of IP is 2400 requests per minute.",
}
#: Binance's answer to a client that kept sending after its 429s (with HTTP 418).
BANNED = {
    "code": -1003,
    "msg": "Way too many requests; IP banned. Please use the websocket for live updates.",
}


class FaultInjector:
    """Decides, request by request, which fault (if any) to inject; seeded, so reproducible."""

    def __init__(
        self,
        faults: Faults,
        seed: int,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        """Start with ``faults`` and a generator seeded from the scenario seed; ``sleep``
        waits out the latency (tests pass one that records the delay instead of timing it)."""
        self.faults = faults
        self.sleep = sleep
        self._rng = random.Random(f"{seed}:faults")
        self._count = 0

    def set(self, faults: Faults) -> None:
        """Replace the active faults (the request counter restarts)."""
        self.faults = faults
        self._count = 0

    async def before(self) -> web.Response | None:
        """Delay, then maybe answer instead of the handler (418, 429 or 503); None = carry on."""
        faults = self.faults
        self._count += 1
        if faults.latency_ms > 0:
            await self.sleep(faults.latency_ms / 1000.0)
        if faults.ban_s > 0:
            wait = str(max(1, math.ceil(faults.ban_s)))
            return web.json_response(BANNED, status=418, headers={"Retry-After": wait})
        if faults.rate_limit_every and self._count % faults.rate_limit_every == 0:
            return web.json_response(TOO_MANY, status=429, headers={"Retry-After": "1"})
        if faults.error_rate and self._rng.random() < faults.error_rate:
            return web.json_response(INTERNAL_ERROR, status=503)
        return None

    def body(self, payload: object) -> bytes:
        """Serialize ``payload``; a ``malformed_rate`` share comes out cut in half."""
        raw = json.dumps(payload, separators=(",", ":")).encode()
        if self.faults.malformed_rate and self._rng.random() < self.faults.malformed_rate:
            return raw[: max(1, len(raw) // 2)]
        return raw
