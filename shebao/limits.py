"""The per-user flood limit of every channel: a token bucket per (channel, user)."""

from __future__ import annotations

import enum
import time
from collections.abc import Callable
from dataclasses import dataclass, field


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

    def is_calm(self, bucket: Bucket) -> bool:
        """Whether BUCKET has refilled completely by now (it can be forgotten: a new one is the same)."""
        return bucket.tokens + (self.clock() - bucket.updated) * self.rate >= self.burst


class Buckets:
    """The buckets of every user a channel has heard from, forgetting calm ones when there are many."""

    def __init__(self, limiter: UserLimiter, keep: int = 10_000):
        self.limiter = limiter
        self.keep = keep
        self._buckets: dict[tuple[str, str], Bucket] = {}

    def check(self, channel: str, user: str) -> Verdict:
        key = (channel, user)
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= self.keep:
                self._forget_calm()
            bucket = self._buckets[key] = self.limiter.new_bucket()
        return self.limiter.check(bucket)

    def _forget_calm(self) -> None:
        for key in [k for k, b in self._buckets.items() if self.limiter.is_calm(b)]:
            del self._buckets[key]

    def __len__(self) -> int:
        return len(self._buckets)
