"""Many chats at once, one chat at a time."""

import asyncio
from datetime import UTC, datetime

from telegram import Chat, Message, Update

from bot.concurrency import PerChatUpdateProcessor


def update(uid: int, chat_id: int) -> Update:
    chat = Chat(chat_id, Chat.PRIVATE)
    return Update(uid, message=Message(uid, datetime.now(UTC), chat, text=str(uid)))


async def test_updates_of_one_chat_keep_their_order_while_chats_overlap():
    processor = PerChatUpdateProcessor(64)
    log: list[tuple[str, int, int]] = []

    async def handle(u: Update, delay: float):
        log.append(("start", u.effective_chat.id, u.update_id))
        await asyncio.sleep(delay)
        log.append(("end", u.effective_chat.id, u.update_id))

    updates = [(update(1, 10), 0.05), (update(2, 10), 0.0), (update(3, 20), 0.0), (update(4, 10), 0.0)]
    async with processor:
        await asyncio.gather(*(processor.process_update(u, handle(u, d)) for u, d in updates))
    chat10 = [(kind, uid) for kind, chat, uid in log if chat == 10]
    assert chat10 == [("start", 1), ("end", 1), ("start", 2), ("end", 2), ("start", 4), ("end", 4)]
    # chat 20 did not wait for chat 10's slow first update
    assert log.index(("end", 20, 3)) < log.index(("end", 10, 1))
    assert processor._locks == {}  # nothing left behind
