"""The store's inbox: every update the bot received, kept before Telegram is told it arrived.

The bot (bot/inbox.py) keeps each update here before its update queue takes it, marks it done once
it was answered, and at start answers the ones still owed. Payloads are masked here, every string
in them, so a raw ID-card, phone or bank-card number never reaches the table; and since answering
needs the real chat and user ids, which the rest of the store keeps only as keyed hashes, the payload
is encrypted (Fernet) under a key derived from the same hash key, and emptied once answered. Like the
bot's other writes these methods never raise: a failure is logged and returns a neutral value.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import datetime
from typing import Any

from cryptography.fernet import Fernet, InvalidToken

from shebao.privacy import mask
from shebao.store.backends import Transaction


def masked(value: Any) -> Any:
    """VALUE (a JSON-like tree) with every string masked; numbers (Telegram ids) are left alone."""
    if isinstance(value, str):
        return mask(value)
    if isinstance(value, dict):
        return {k: masked(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [masked(v) for v in value]
    return value


class InboxStore:
    """Mixed into Storage: the inbox table of migration 0003."""

    _cipher: Fernet | None = None

    def _sealer(self) -> Fernet:
        if self._cipher is None:
            secret = hmac.new(self._key(), b"shebao-inbox", hashlib.sha256).digest()
            self._cipher = Fernet(base64.urlsafe_b64encode(secret))
        return self._cipher

    def _seal(self, payload: dict[str, Any]) -> str:
        text = json.dumps(masked(payload), ensure_ascii=False, separators=(",", ":"))
        return self._sealer().encrypt(text.encode("utf-8")).decode("ascii")

    def _unseal(self, token: str) -> dict[str, Any] | None:
        try:
            return json.loads(self._sealer().decrypt(token.encode("ascii")))
        except (InvalidToken, ValueError):  # sealed under another key (SHEBAO_HASH_KEY changed)
            return None

    async def inbox_keep(self, update_id: int, payload: dict[str, Any], owner: str = "",
                         bot_id: int = 0) -> bool | None:
        """Keep one update OWNER received for BOT_ID: True when new, False when already kept (Telegram
        sent it again), None when storage failed (the caller answers it anyway)."""
        now = self._stamp_now()
        row = (int(bot_id), int(update_id), now, self._seal(payload), owner, now)
        saved, changed = await self._write("inbox", lambda tx: tx.execute(
            "INSERT INTO inbox (bot_id, update_id, received_at, payload, owner, taken_at) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (bot_id, update_id) DO NOTHING", row), one_statement=True)
        return None if not saved else bool(changed)

    async def inbox_done(self, update_id: int, bot_id: int = 0) -> bool:
        """Mark an update answered; False when storage failed."""
        saved, _ = await self._write("inbox", lambda tx: tx.execute(
            "UPDATE inbox SET done_at = ?, payload = '' WHERE bot_id = ? AND update_id = ? AND done_at IS NULL",
            (self._stamp_now(), int(bot_id), int(update_id))), one_statement=True)
        return saved

    async def inbox_owed(self, owner: str = "", orphaned_before: datetime | None = None, bot_id: int = 0,
                         limit: int = 10_000) -> list[tuple[int, dict[str, Any] | None]] | None:
        """(update id, payload) of the updates OWNER kept and did not answer, oldest first, and those of
        other owners taken before ORPHANED_BEFORE (a worker that never came back), taken over by OWNER
        so two processes starting at once do not both take one; None when unreadable. A payload that
        cannot be read (sealed under another key) comes as None."""
        before = self._stamp(orphaned_before) if orphaned_before is not None else ""
        rows = await self._read_quietly(
            "inbox", "SELECT update_id, payload, owner FROM inbox WHERE bot_id = ? AND done_at IS NULL "
            "AND (owner = ? OR taken_at < ?) ORDER BY update_id LIMIT ?", (int(bot_id), owner, before, limit))
        if rows is None:
            return None
        owed = []
        for uid, payload, was in rows:
            if was != owner:
                saved, claimed = await self._write("inbox", lambda tx, uid=uid, was=was: tx.execute(
                    "UPDATE inbox SET owner = ?, taken_at = ? WHERE bot_id = ? AND update_id = ? AND owner = ? "
                    "AND done_at IS NULL", (owner, self._stamp_now(), int(bot_id), uid, was)), one_statement=True)
                if not (saved and claimed):
                    continue  # another process took it first
            owed.append((int(uid), self._unseal(payload)))
        return owed

    async def inbox_prune(self, done_before: datetime, owed_before: datetime) -> int:
        """Forget answered updates received before DONE_BEFORE, and owed ones before OWED_BEFORE (a
        question days old is not answered after a long outage); how many rows went."""

        async def work(tx: Transaction) -> int:
            gone = await tx.execute("DELETE FROM inbox WHERE done_at IS NOT NULL AND received_at < ?",
                                    (self._stamp(done_before),))
            return gone + await tx.execute("DELETE FROM inbox WHERE done_at IS NULL AND received_at < ?",
                                           (self._stamp(owed_before),))

        return (await self._write("inbox", work))[1] or 0
