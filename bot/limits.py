"""Limits: a per-user token bucket against floods, and Bot API retries on network faults."""

from __future__ import annotations

import asyncio
import enum
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from telegram.error import BadRequest, NetworkError
from telegram.ext import AIORateLimiter

log = logging.getLogger(__name__)


class Verdict(enum.Enum):
    """What to do with a worker's message."""

    ANSWER = "answer"
    NOTE = "note"  # over the limit: say "slow down" once
    DROP = "drop"  # over the limit and already told


@dataclass
class Bucket:
    """One user's allowance: BURST messages at once, refilled at PER_MINUTE."""

    tokens: float
    updated: float = field(default_factory=time.monotonic)
    noted: bool = False


class UserLimiter:
    """Token buckets: a flood gets a few answers and one "slow down" note, then silence until calm."""

    def __init__(self, burst: int, per_minute: float, clock: Callable[[], float] = time.monotonic):
        self.burst = max(1, int(burst))
        self.rate = max(0.0, float(per_minute)) / 60.0
        self.clock = clock

    def new_bucket(self) -> Bucket:
        return Bucket(tokens=float(self.burst), updated=self.clock())

    def check(self, bucket: Bucket) -> Verdict:
        now = self.clock()
        bucket.tokens = min(float(self.burst), bucket.tokens + (now - bucket.updated) * self.rate)
        bucket.updated = now
        if bucket.tokens >= self.burst:
            bucket.noted = False  # calm again: the next flood gets its own note
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return Verdict.ANSWER
        if not bucket.noted:
            bucket.noted = True
            return Verdict.NOTE
        return Verdict.DROP


class RetryingRateLimiter(AIORateLimiter):
    """PTB's rate limiter (Telegram's flood limits, 429 retry_after) that also retries network
    errors, timeouts and 5xx answers with exponential backoff. getUpdates never comes here:
    the updater has its own retry loop."""

    def __init__(self, *, network_retries: int = 3, backoff: float = 0.5, **kwargs: Any):
        super().__init__(**kwargs)
        self.network_retries = network_retries
        self.backoff = backoff

    async def process_request(self, callback, args, kwargs, endpoint, data, rate_limit_args):  # noqa: D102
        delay = self.backoff
        for attempt in range(self.network_retries + 1):
            try:
                return await super().process_request(callback, args, kwargs, endpoint, data, rate_limit_args)
            except BadRequest:
                raise  # our request is wrong: sending it again will not help
            except NetworkError as exc:  # TimedOut, 5xx, dropped connections
                if attempt == self.network_retries:
                    raise
                log.warning("Bot API %s failed (%s); retry %d/%d in %.1f s", endpoint, exc, attempt + 1,
                            self.network_retries, delay)
                await asyncio.sleep(delay)
                delay *= 2
        raise AssertionError("unreachable")
