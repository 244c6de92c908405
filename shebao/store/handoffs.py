"""The store's hand-off statements (numbered questions for union staff and their replies).

A mixin of Storage: the same rules hold (texts masked, ids hashed, `?` placeholders, SQL both
databases run). The channel paths (open, details, claims, deliveries) never raise; the staff
paths (`record_staff_reply`, `open_handoffs`, `handoff_stats`, `answered_handoffs`) raise
StorageError so the command can say the database is unavailable.
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from shebao.privacy import mask
from shebao.store.backends import Transaction
from shebao.store.records import AnsweredHandoff, Handoff, HandoffStats, StaffReply

_TIME = "%Y-%m-%d %H:%M:%S"
HANDOFF_MIGRATION = 4  # migrations/0004_handoff.sql
_HANDOFF = ("SELECT id, opened_at, via, chat_hash, user_hash, text, details, guesses, answered_at, answered_by "
            "FROM handoffs ")


def _now() -> str:
    return datetime.now(UTC).strftime(_TIME)


def _parse(text: str | None) -> datetime | None:
    return None if text is None else datetime.strptime(text, _TIME).replace(tzinfo=UTC)


def _stamp(when: datetime) -> str:
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC).strftime(_TIME)


def _handoff(row: Sequence[Any]) -> Handoff:
    return Handoff(number=row[0], opened_at=_parse(row[1]), via=row[2], chat_hash=row[3], user_hash=row[4],
                   text=row[5], details=row[6], guesses=json.loads(row[7] or "[]"), answered_at=_parse(row[8]),
                   answered_by=row[9])


class HandoffQueries:
    """Hand-off statements; Storage provides _write, _read, _read_quietly and the hashes."""

    async def open_handoff(self, *, via: str, chat_id: Any, user_id: Any, text: str, guesses: Sequence[str] = (),
                           question_id: int | None = None, max_open: int = 3) -> tuple[int | None, int | None]:
        """Open a hand-off: (its number, the worker's open ones before it); (None, open count) when
        the worker already has MAX_OPEN open; (None, None) when storage failed."""
        user_hash, chat_hash = self.user_hash(user_id), self.chat_hash(chat_id)
        row = (_now(), question_id or None, via, chat_hash, user_hash, mask(text), json.dumps(list(guesses)))

        async def work(tx: Transaction) -> tuple[int | None, int]:
            [(waiting,)] = await tx.fetch(
                "SELECT COUNT(*) FROM handoffs WHERE user_hash = ? AND via = ? AND answered_at IS NULL",
                (user_hash, via))
            if waiting >= max_open:
                return None, waiting
            [(number,)] = await tx.fetch(
                "INSERT INTO handoffs (opened_at, question_id, via, chat_hash, user_hash, text, guesses) "
                "VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id", row)
            return number, waiting

        ok, result = await self._write("hand-off", work)
        return result if ok else (None, None)

    async def add_handoff_details(self, *, via: str, chat_id: Any, user_id: Any, text: str) -> Handoff | None:
        """Add TEXT to the worker's newest open hand-off in this chat; that hand-off, or None."""
        params = (self.chat_hash(chat_id), self.user_hash(user_id), via)

        async def work(tx: Transaction) -> Handoff | None:
            rows = await tx.fetch(_HANDOFF + "WHERE chat_hash = ? AND user_hash = ? AND via = ? "
                                  "AND answered_at IS NULL ORDER BY id DESC LIMIT 1", params)
            if not rows:
                return None
            found = _handoff(rows[0])
            details = (found.details + "\n" if found.details else "") + mask(text)
            await tx.execute("UPDATE handoffs SET details = ? WHERE id = ?", (details, found.number))
            return found

        return (await self._write("hand-off details", work))[1]

    async def handoff(self, number: int) -> Handoff | None:
        """Hand-off NUMBER, or None when there is none (or storage failed)."""
        rows = await self._read_quietly("hand-off", _HANDOFF + "WHERE id = ?", (number,))
        return _handoff(rows[0]) if rows else None

    async def claim_announcement(self, number: int) -> bool:
        """True for the one caller that gets to tell staff about hand-off NUMBER."""
        claimed, changed = await self._write("hand-off", lambda tx: tx.execute(
            "UPDATE handoffs SET announced_at = ? WHERE id = ? AND announced_at IS NULL", (_now(), number)),
            one_statement=True)
        return bool(claimed and changed)

    async def unannounced_handoffs(self, limit: int = 50) -> list[Handoff]:
        """Hand-offs staff were not told of yet (opened by another process), oldest first."""
        rows = await self._read_quietly(
            "hand-offs", _HANDOFF + "WHERE announced_at IS NULL ORDER BY id LIMIT ?", (limit,))
        return [_handoff(r) for r in rows or []]

    async def record_staff_reply(self, number: int, *, staff: str, text: str) -> tuple[Handoff | None, int | None]:
        """Store a staff reply to hand-off NUMBER: (the hand-off as it was before, the reply's id), or
        (None, None) when there is no such hand-off. The first reply closes the hand-off and takes its
        question off the unanswered queue."""
        now, masked_staff = _now(), mask(staff)

        async def work(tx: Transaction) -> tuple[Handoff | None, int | None]:
            rows = await tx.fetch(_HANDOFF + "WHERE id = ?", (number,))
            if not rows:
                return None, None
            found = _handoff(rows[0])
            [(reply_id,)] = await tx.fetch(
                "INSERT INTO staff_replies (handoff_id, sent_at, staff, text, via, chat_hash) "
                "VALUES (?, ?, ?, ?, ?, ?) RETURNING id", (number, now, masked_staff, mask(text), found.via,
                                                           found.chat_hash))
            if found.open:
                await tx.execute("UPDATE handoffs SET answered_at = ?, answered_by = ? WHERE id = ?",
                                 (now, masked_staff, number))
                await tx.execute(
                    "UPDATE unanswered SET status = 'resolved', resolved_at = ?, note = ? WHERE status = 'open' "
                    "AND question_id = (SELECT question_id FROM handoffs WHERE id = ?)", (now, f"#{number}", number))
            return found, reply_id

        async with self._open().transaction() as tx:
            return await work(tx)

    async def claim_delivery(self, reply_id: int) -> bool:
        """True for the one caller that gets to deliver staff reply REPLY_ID."""
        claimed, changed = await self._write("staff reply", lambda tx: tx.execute(
            "UPDATE staff_replies SET delivered_at = ? WHERE id = ? AND delivered_at IS NULL", (_now(), reply_id)),
            one_statement=True)
        return bool(claimed and changed)

    async def release_delivery(self, reply_id: int) -> None:
        """Delivery of REPLY_ID failed: leave it for the next attempt."""
        await self._write("staff reply", lambda tx: tx.execute(
            "UPDATE staff_replies SET delivered_at = NULL WHERE id = ?", (reply_id,)), one_statement=True)

    async def undelivered_replies(self, vias: Sequence[str], limit: int = 200) -> list[StaffReply]:
        """Staff replies for channels VIAS not delivered yet, newest first: replies no process can deliver
        (the worker has not written since a restart, WeChat's 48 hours are over) never crowd out new ones."""
        if not vias:
            return []
        marks = ", ".join("?" for _ in vias)
        rows = await self._read_quietly(
            "staff replies", "SELECT id, handoff_id, via, chat_hash, text, sent_at FROM staff_replies "
            f"WHERE delivered_at IS NULL AND via IN ({marks}) ORDER BY id DESC LIMIT ?", (*vias, limit))
        return [StaffReply(reply_id=r[0], number=r[1], via=r[2], chat_hash=r[3], text=r[4], sent_at=_parse(r[5]))
                for r in rows or []]

    async def take_staff_replies(self, via: str, chat_id: Any) -> list[StaffReply]:
        """The staff replies waiting for this chat, marked delivered: each is handed out once."""
        params = (_now(), via, self.chat_hash(chat_id))

        async def work(tx: Transaction) -> list[tuple]:
            return await tx.fetch(
                "UPDATE staff_replies SET delivered_at = ? WHERE via = ? AND chat_hash = ? AND delivered_at IS NULL "
                "RETURNING id, handoff_id, via, chat_hash, text, sent_at", params)

        ok, rows = await self._write("staff replies", work, one_statement=True)
        found = [StaffReply(reply_id=r[0], number=r[1], via=r[2], chat_hash=r[3], text=r[4], sent_at=_parse(r[5]))
                 for r in rows or []] if ok else []
        return sorted(found, key=lambda r: r.reply_id)

    # -- staff tools: raise StorageError ----------------------------------------------------

    async def open_handoffs(self, limit: int = 30) -> list[Handoff]:
        """Hand-offs no one has answered, oldest first."""
        rows = await self._read(_HANDOFF + "WHERE answered_at IS NULL ORDER BY id LIMIT ?", (limit,))
        return [_handoff(r) for r in rows]

    async def _has_handoffs(self) -> bool:
        """Whether the database has the hand-off tables (a report may read an older one, read-only)."""
        return bool(await self._read("SELECT 1 FROM schema_migrations WHERE version = ?", (HANDOFF_MIGRATION,)))

    async def handoff_stats(self, since: datetime) -> HandoffStats | None:
        """Hand-offs opened since SINCE, how many were answered and how fast; those open now (None on a
        database from before hand-offs)."""
        if not await self._has_handoffs():
            return None
        rows = await self._read("SELECT opened_at, answered_at FROM handoffs WHERE opened_at >= ?", (_stamp(since),))
        [(open_now,)] = await self._read("SELECT COUNT(*) FROM handoffs WHERE answered_at IS NULL")
        waits = [(_parse(answered) - _parse(opened)).total_seconds() for opened, answered in rows if answered]
        return HandoffStats(opened=len(rows), answered=len(waits), open_now=open_now,
                            median_first_reply=statistics.median(waits) if waits else None)

    async def answered_handoffs(self, since: datetime) -> list[AnsweredHandoff]:
        """Hand-offs opened since SINCE with the first staff reply, oldest first (for exports)."""
        if not await self._has_handoffs():
            return []
        rows = await self._read(
            "SELECT h.id, h.opened_at, h.text, h.guesses, "
            "  (SELECT r.text FROM staff_replies r WHERE r.handoff_id = h.id ORDER BY r.id LIMIT 1) "
            "FROM handoffs h WHERE h.opened_at >= ? AND h.answered_at IS NOT NULL ORDER BY h.id", (_stamp(since),))
        return [AnsweredHandoff(number=r[0], asked_at=_parse(r[1]), text=r[2],
                                best_id=(json.loads(r[3] or "[]") or [None])[0], reply=r[4] or "") for r in rows]
