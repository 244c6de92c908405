"""Many chats at once, one chat at a time: updates of one chat are handled in the order they came."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Processes updates concurrently across chats but in order within a chat, so a worker's
    follow-up to a calculator question never overtakes the question."""

    def __init__(self, max_concurrent_updates: int = 256,
                 finished: Callable[[object], Awaitable[None]] | None = None):
        super().__init__(max_concurrent_updates)
        self._locks: dict[int, list[Any]] = {}  # chat id -> [lock, users]
        self._finished = finished  # called once an update was handled (the inbox marks it done)

    @staticmethod
    def _key(update: object) -> int | None:
        if isinstance(update, Update) and update.effective_chat is not None:
            return update.effective_chat.id
        return None  # inline queries and the like need no order

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        # Handled means answered, or failed with the error handler's apology sent: either way it is
        # not owed any more. A cancelled update (the bot stopping) stays owed.
        try:
            await self._in_order(update, coroutine)
        except Exception:
            if self._finished is not None:
                await self._finished(update)
            raise
        if self._finished is not None:
            await self._finished(update)

    async def _in_order(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = self._key(update)
        if key is None:
            await coroutine
            return
        slot = self._locks.setdefault(key, [asyncio.Lock(), 0])
        slot[1] += 1
        try:
            async with slot[0]:
                await coroutine
        finally:
            slot[1] -= 1
            if slot[1] == 0:
                del self._locks[key]

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to free."""
