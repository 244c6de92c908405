"""Bot API retries on network faults (the per-user flood limit is the core's: shebao/limits.py)."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from telegram.error import BadRequest, NetworkError
from telegram.ext import AIORateLimiter

log = logging.getLogger(__name__)


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
