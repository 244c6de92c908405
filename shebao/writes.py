"""The core's writes to the store, off the reply path: a bounded queue drained in the background.

A reply waits for its write at most `budget` seconds (to learn the question's id for the feedback
buttons); past that it goes out without them and the write carries on. A write that fails (a lock
held by another process, a read-only or missing database) is tried again every `retry_every`
seconds for up to `retry_for` seconds, in order, so nothing is lost while the queue has room. When
the queue is full the write is logged and counted (`dropped`), never waited for.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from shebao.privacy import mask

log = logging.getLogger(__name__)

Work = Callable[[], Awaitable[Any]]


class WriteQueue:
    def __init__(self, *, maxsize: int = 10_000, budget: float = 1.0, retry_every: float = 1.0,
                 retry_for: float = 600.0):
        self.maxsize = maxsize
        self.budget = budget
        self.retry_every = retry_every
        self.retry_for = retry_for
        self.dropped = 0  # writes refused because the queue was full
        self.lost = 0  # writes given up after retry_for
        self._queue: asyncio.Queue | None = None
        self._worker: asyncio.Task | None = None

    def _start(self) -> asyncio.Queue:
        if self._queue is None:
            self._queue = asyncio.Queue(self.maxsize)
        if self._worker is None or self._worker.done():
            self._worker = asyncio.get_running_loop().create_task(self._drain(), name="store-writes")
        return self._queue

    @property
    def pending(self) -> int:
        return 0 if self._queue is None else self._queue.qsize()

    async def submit(self, what: str, work: Work, ok: Callable[[Any], bool],
                     finished: Callable[[], None] | None = None) -> Any:
        """Queue WORK; its result if it succeeded within the budget, else None (it goes on).
        FINISHED is called once WORK is done with (stored, given up or refused)."""
        queue = self._start()
        done: asyncio.Future = asyncio.get_running_loop().create_future()
        if finished is not None:
            done.add_done_callback(lambda _: finished())
        try:
            queue.put_nowait((what, work, ok, done))
        except asyncio.QueueFull:
            done.set_result(None)
            self.dropped += 1
            log.error("storage: write queue full (%d), %s not saved (%d dropped so far)", self.maxsize, what,
                      self.dropped)
            return None
        try:
            return await asyncio.wait_for(asyncio.shield(done), self.budget)
        except TimeoutError:
            return None

    async def read(self, work: Work, default: Any = None) -> Any:
        """WORK (a read) within the budget, else DEFAULT: a slow store never holds up a reply."""
        task = asyncio.ensure_future(work())
        try:
            return await asyncio.wait_for(asyncio.shield(task), self.budget)
        except TimeoutError:
            task.add_done_callback(lambda t: t.cancelled() or t.exception())
            return default

    async def _drain(self) -> None:
        assert self._queue is not None
        while True:
            what, work, ok, done = await self._queue.get()
            result = None
            try:
                result = await self._run(what, work, ok)
            except Exception as exc:  # a bug in a write: logged (masked), the queue goes on
                self.lost += 1
                log.error("storage: %s failed: %s", what, mask(repr(exc)))
            finally:
                if not done.done():
                    done.set_result(result)
                self._queue.task_done()

    async def _run(self, what: str, work: Work, ok: Callable[[Any], bool]) -> Any:
        give_up = time.monotonic() + self.retry_for
        tries = 0
        while True:
            result = await work()
            if ok(result):
                if tries:
                    log.info("storage: %s saved after %d retries", what, tries)
                return result
            if time.monotonic() >= give_up:
                self.lost += 1
                log.error("storage: %s not saved after %.0f s of retries", what, self.retry_for)
                return None
            tries += 1
            await asyncio.sleep(self.retry_every)

    async def flush(self, timeout: float = 10.0) -> bool:
        """Wait until every queued write is done (at shutdown); False when TIMEOUT passed first."""
        if self._queue is None:
            return True
        try:
            await asyncio.wait_for(self._queue.join(), timeout)
        except TimeoutError:
            log.error("storage: %d writes still queued at shutdown", self._queue.qsize())
            return False
        return True

    async def close(self, timeout: float = 10.0) -> bool:
        flushed = await self.flush(timeout)
        if self._worker is not None:
            self._worker.cancel()
            self._worker = None
        return flushed
