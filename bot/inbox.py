"""Nothing received is lost across a crash: every update is kept in the store's inbox before Telegram
is told it arrived, marked done once answered, and the ones still owed are answered at the next start.

Telegram forgets an update once getUpdates is called with a higher offset, which PTB's Updater does
as soon as it has put the page on the update queue; a webhook's 200 goes out once the update is on
it. So the update queue is where an update is kept (InboxQueue.put), before either can happen: one
small INSERT per update, bounded by KEEP_TIMEOUT. When the store cannot take it (locked, read-only,
down) the update is answered without being kept, and the inbox is left alone for RETRY_AFTER seconds:
answers never stop for the inbox, at the price that a crash in that time loses what was not kept.

Only what answering needs is kept (`reduced`): ids, chat type, message ids, the masked text or
caption and the command and mention entities moved onto it; the store masks every string again.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import time
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from telegram import Update

from shebao.privacy import mask
from shebao.writes import WriteQueue

if TYPE_CHECKING:
    from telegram import Bot

    from shebao.store import Storage

log = logging.getLogger(__name__)

KEEP_TIMEOUT = 0.5  # seconds an update waits for its inbox row before it is answered without one
RETRY_AFTER = 5.0  # seconds the inbox is left alone after a failure
KEEP_DONE_FOR = timedelta(days=2)  # Telegram sends an unconfirmed update again for 24 hours at most
GIVE_UP_AFTER = timedelta(days=7)  # an owed question older than this is not answered after an outage
ORPHANED_AFTER = timedelta(minutes=10)  # another worker's owed update this old: that worker is gone

# Message fields that hold something to answer; a message with none of them (a member joined, a pin)
# is a status update, which no handler answers, so it is not kept.
_MEDIA = ("sticker", "photo", "voice", "video", "audio", "document", "animation", "video_note", "location",
          "contact", "venue", "poll", "dice", "story", "game")
_ENTITIES = ("bot_command", "mention", "text_mention")  # the ones the handlers read


def _user(user: dict[str, Any]) -> dict[str, Any]:
    return {"id": user["id"], "is_bot": bool(user.get("is_bot")), "first_name": ""}


def _chat(chat: dict[str, Any]) -> dict[str, Any]:
    return {"id": chat["id"], "type": chat["type"]}


def _utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _entities(original: str, masked: str, entities: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """The command and mention entities of ORIGINAL, moved onto MASKED (masking changes lengths)."""
    raw, out, pos = original.encode("utf-16-le"), [], 0
    for entity in entities or ():
        if entity.get("type") not in _ENTITIES:
            continue
        start = 2 * int(entity["offset"])
        piece = mask(raw[start:start + 2 * int(entity["length"])].decode("utf-16-le", errors="replace"))
        at = masked.find(piece, pos)
        if not piece or at < 0:
            continue
        moved = {"type": entity["type"], "offset": _utf16(masked[:at]), "length": _utf16(piece)}
        if "user" in entity:
            moved["user"] = _user(entity["user"])
        out.append(moved)
        pos = at + len(piece)
    return out


def _message(message: dict[str, Any], *, nested: bool = False) -> dict[str, Any] | None:
    out: dict[str, Any] = {"message_id": message["message_id"], "date": message.get("date", 0),
                           "chat": _chat(message["chat"])}
    if "from" in message:
        out["from"] = _user(message["from"])
    answerable = False
    for field, entities in (("text", "entities"), ("caption", "caption_entities")):
        if message.get(field):
            out[field] = mask(message[field])
            out[entities] = _entities(message[field], out[field], message.get(entities))
            answerable = True
    for key in ("media_group_id", "edit_date", "reply_markup"):
        if key in message:
            out[key] = message[key]
    if "reply_to_message" in message and not nested:
        out["reply_to_message"] = _message(message["reply_to_message"], nested=True)
    if not (answerable or nested or any(key in message for key in _MEDIA)):
        return None
    return out


def _member(member: dict[str, Any]) -> dict[str, Any]:
    return {**member, "user": _user(member["user"])}


def reduced(update: Update) -> dict[str, Any] | None:
    """What answering UPDATE needs, masked; None for updates not worth keeping (inline queries, which
    expire in seconds; channel posts and status updates, which nothing answers)."""
    data = update.to_dict()
    out: dict[str, Any] = {"update_id": data["update_id"]}
    for key in ("message", "edited_message"):
        if key in data:
            message = _message(data[key])
            if message is None:
                return None
            out[key] = message
            return out
    if "callback_query" in data:
        query = data["callback_query"]
        kept = {"id": query["id"], "from": _user(query["from"]), "chat_instance": query.get("chat_instance", "")}
        for key in ("data", "inline_message_id"):
            if key in query:
                kept[key] = query[key]
        if "message" in query:
            kept["message"] = _message(query["message"], nested=True)
        out["callback_query"] = kept
        return out
    if "my_chat_member" in data:
        change = data["my_chat_member"]
        out["my_chat_member"] = {"chat": _chat(change["chat"]), "from": _user(change["from"]),
                                 "date": change["date"], "old_chat_member": _member(change["old_chat_member"]),
                                 "new_chat_member": _member(change["new_chat_member"])}
        return out
    return None


def worker_name(webhook_port: int | None) -> str:
    """This bot process among those sharing one database: its host, and its webhook port (several
    webhook workers on one host listen on different ports; polling allows one process per token)."""
    return f"{socket.gethostname()}:{webhook_port if webhook_port else 'polling'}"


class Inbox:
    """Keeps received updates in the store until answered; replays the owed ones at start."""

    def __init__(self, owner: str = "", *, keep_timeout: float = KEEP_TIMEOUT, retry_after: float = RETRY_AFTER):
        # OWNER names this worker (host:port): after a restart it answers what it owed itself at once,
        # and another worker's owed updates only once ORPHANED_AFTER shows that worker is gone
        self.owner = owner
        self.keep_timeout = keep_timeout
        self.retry_after = retry_after
        self.storage: Storage | None = None
        self.bot_id = 0  # the token's number: update ids are numbered per bot
        self.unkept = 0  # updates answered without being kept (the store failed)
        self._kept: set[int] = set()  # update ids to mark done once handled
        self._off_until = 0.0
        self._later = WriteQueue(budget=0.0)  # done marks that could not be written at once

    def attach(self, storage: Storage, bot_id: int) -> None:
        self.storage, self.bot_id = storage, bot_id

    async def keep(self, update: Update) -> bool:
        """Keep UPDATE before it is queued; False when it was kept before (Telegram sent it again after a
        crash: it is owed, or answered already), so it must not be queued again."""
        if self.storage is None:  # not attached (post_init attaches the store)
            return True
        if time.monotonic() < self._off_until:
            self.unkept += 1
            return True
        payload = reduced(update)
        if payload is None:
            return True
        # Marked done later even if the write below times out: it may still land.
        owed_already = update.update_id in self._kept  # replayed at start, and now sent again
        self._kept.add(update.update_id)
        try:
            fresh = await asyncio.wait_for(
                self.storage.inbox_keep(update.update_id, payload, self.owner, self.bot_id), self.keep_timeout)
        except TimeoutError:
            fresh = None
        if fresh is None:
            self.unkept += 1
            self._off_until = time.monotonic() + self.retry_after
            log.warning("inbox: update %d not kept (storage slow or failing); answering without the inbox "
                        "for %g s", update.update_id, self.retry_after)
            return True
        if not fresh and not owed_already:
            self._kept.discard(update.update_id)  # answered before the crash: nothing to mark
        return fresh

    async def done(self, update: object) -> None:
        """Mark UPDATE answered, right after it was handled."""
        uid = getattr(update, "update_id", None)
        if uid not in self._kept or self.storage is None:
            return
        self._kept.discard(uid)
        storage, bot_id = self.storage, self.bot_id
        try:
            marked = await asyncio.wait_for(storage.inbox_done(uid, bot_id), self.keep_timeout)
        except TimeoutError:
            marked = False
        if not marked:  # retried in the background: an unmarked row would be answered again after a restart
            await self._later.submit("inbox done mark", lambda: storage.inbox_done(uid, bot_id), ok=bool)

    async def replay(self, queue: asyncio.Queue, bot: Bot) -> int:
        """Put every owed update on QUEUE (before polling starts); how many."""
        if self.storage is None or not self.storage.available:
            return 0
        now = datetime.now(UTC)
        await self.storage.inbox_prune(now - KEEP_DONE_FOR, now - GIVE_UP_AFTER)
        owed = await self.storage.inbox_owed(self.owner, now - ORPHANED_AFTER, self.bot_id) or []
        for uid, payload in owed:
            self._kept.add(uid)
            try:
                if payload is None:
                    raise ValueError("sealed under another key (was SHEBAO_HASH_KEY changed?)")
                update = Update.de_json(payload, bot)
            except (KeyError, TypeError, ValueError) as exc:  # a payload this version cannot read
                log.error("inbox: update %d cannot be replayed: %s", uid, mask(str(exc)))
                await self.done(_Gone(uid))
                continue
            queue.put_nowait(update)
        if owed:
            log.info("inbox: answering %d update(s) received before the last stop", len(owed))
        return len(owed)

    async def close(self) -> None:
        await self._later.close(timeout=5.0)


class _Gone:
    def __init__(self, update_id: int):
        self.update_id = update_id


class InboxQueue(asyncio.Queue):
    """The Application's update queue (the Updater's too): an update is kept in the inbox before it is
    queued, so before Telegram can be told it arrived; a second copy of a kept update is dropped."""

    def __init__(self, inbox: Inbox):
        super().__init__()
        self.inbox = inbox

    async def put(self, item: object) -> None:
        if isinstance(item, Update) and not await self.inbox.keep(item):
            log.info("inbox: update %d was received before; not handled again", item.update_id)
            return
        await super().put(item)
