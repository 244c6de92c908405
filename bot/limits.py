"""Bot API retries on network faults (the per-user flood limit is the core's: shebao/limits.py)."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from telegram.error import BadRequest, NetworkError, RetryAfter
from telegram.ext import AIORateLimiter

log = logging.getLogger(__name__)


class _NoGiveUpTraceback(logging.Filter):
    """PTB's limiter logs a traceback each time it passes a 429 on (it does so at once, max_retries=0):
    the retries and the final give-up are logged here instead, without one."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("Rate limit hit after maximum")


logging.getLogger("telegram.ext.AIORateLimiter").addFilter(_NoGiveUpTraceback())


def _seconds(exc: RetryAfter) -> float:
    """retry_after in seconds (read as PTB's own limiter does: the public attribute warns in v22)."""
    value = getattr(exc, "_retry_after", None)
    return value.total_seconds() if hasattr(value, "total_seconds") else float(value or 1)


class RetryingRateLimiter(AIORateLimiter):
    """PTB's rate limiter (Telegram's flood limits) that waits out 429 retry_after answers as often as
    they come within DEADLINE seconds from the first try (Telegram may ask again and again in a storm;
    dropping the answer after a fixed count loses it), and retries network errors, timeouts and 5xx
    answers with exponential backoff. getUpdates never comes here: the updater has its own retry loop."""

    def __init__(self, *, network_retries: int = 3, backoff: float = 0.5, deadline: float = 60.0,
                 clock=time.monotonic, **kwargs: Any):
        kwargs["max_retries"] = 0  # 429s are retried here, against the deadline
        super().__init__(**kwargs)
        self.network_retries = network_retries
        self.backoff = backoff
        self.deadline = deadline
        self._clock = clock

    async def process_request(self, callback, args, kwargs, endpoint, data, rate_limit_args):  # noqa: D102
        delay = self.backoff
        attempt = 0
        give_up_at = self._clock() + self.deadline
        while True:
            try:
                return await super().process_request(callback, args, kwargs, endpoint, data, 0)
            except BadRequest:
                raise  # our request is wrong: sending it again will not help
            except RetryAfter as exc:
                wait = _seconds(exc)
                if self._clock() + wait > give_up_at:
                    log.warning("Bot API %s: Telegram asks to wait %.0f s, past the %.0f s deadline: given up",
                                endpoint, wait, self.deadline)
                    raise
                log.info("Bot API %s: flood limit, waiting %.1f s as Telegram asks", endpoint, wait)
                await asyncio.sleep(wait + 0.1)
            except NetworkError as exc:  # TimedOut, 5xx, dropped connections
                if attempt == self.network_retries:
                    raise
                log.warning("Bot API %s failed (%s); retry %d/%d in %.1f s", endpoint, exc, attempt + 1,
                            self.network_retries, delay)
                await asyncio.sleep(delay)
                delay *= 2
                attempt += 1
