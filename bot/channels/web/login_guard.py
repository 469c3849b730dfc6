"""Limits on web login attempts, kept in the web process: failures per client, and how many
argon2 hashes run at once.

The store pauses a name after five failed attempts; a client here may fail only four times in
a quarter of an hour, so one person alone can never pause someone else's name. Each argon2
check takes about 64 MiB and a CPU core for a tenth of a second, so a flood of logins waits for
a few slots, and beyond a short queue is turned away before any hashing.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable
from typing import TypeVar

CLIENT_FAILURES = 4
CLIENT_WINDOW = 15 * 60
TRACKED_CLIENTS = 10_000
HASHING_SLOTS = 2
HASHING_QUEUE = 8

T = TypeVar("T")


class LoginBusy(RuntimeError):
    """Too many logins are already waiting for a hashing slot."""


class LoginGuard:
    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self._clock = clock
        self._failures: dict[str, deque[float]] = {}
        self._slots = asyncio.Semaphore(HASHING_SLOTS)
        self._waiting = 0

    def retry_after(self, client: str) -> float:
        """Seconds until this client may try again (0: now)."""
        failures = self._recent(client)
        if len(failures) < CLIENT_FAILURES:
            return 0.0
        return failures[0] + CLIENT_WINDOW - self._clock()

    def failed(self, client: str) -> None:
        if client not in self._failures and len(self._failures) >= TRACKED_CLIENTS:
            self._forget_old()
        self._failures.setdefault(client, deque(maxlen=CLIENT_FAILURES)).append(self._clock())

    def succeeded(self, client: str) -> None:
        self._failures.pop(client, None)

    async def hashing(self, work: Callable[[], T]) -> T:
        """Run `work` (a login) in a thread once a hashing slot is free. The slot is held until
        the thread ends, even if the waiting request is cancelled meanwhile."""
        if self._waiting >= HASHING_QUEUE:
            raise LoginBusy
        self._waiting += 1
        try:
            await self._slots.acquire()
        finally:
            self._waiting -= 1
        running = asyncio.ensure_future(asyncio.to_thread(work))
        running.add_done_callback(lambda _: self._slots.release())
        return await asyncio.shield(running)

    def _recent(self, client: str) -> deque[float]:
        failures = self._failures.get(client, deque())
        while failures and failures[0] <= self._clock() - CLIENT_WINDOW:
            failures.popleft()
        return failures

    def _forget_old(self) -> None:
        for client in [c for c in self._failures if not self._recent(c)]:
            del self._failures[client]
        if len(self._failures) >= TRACKED_CLIENTS:  # still full: drop the oldest entries
            for client in list(self._failures)[: TRACKED_CLIENTS // 10]:
                del self._failures[client]
