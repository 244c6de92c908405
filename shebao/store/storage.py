"""Every SQL statement of the project, written once for SQLite (the default) and PostgreSQL.

Two kinds of callers:

* the bot and the channels (`record_question`, `record_feedback`, conversations, chat
  settings): these never raise. A locked, read-only or missing database is logged and the
  call returns a neutral value, so a storage failure never stops a reply;
* staff tools and reports (`stats`, `unanswered`, `unanswered_questions`, `questions_per_day`,
  `top_topics`, `resolve_unanswered`): these raise StorageError so the tool can say so.

Every text is passed through shebao.privacy.mask and every Telegram id through a keyed hash
here, so no caller can store a raw one by mistake. Statements use `?` placeholders and only
SQL both databases run (`INSERT ... ON CONFLICT`, `RETURNING`); backends.py translates the
rest in one place. Use as::

    async with Storage.from_config(cfg) as st:   # read_only=True for reports: never creates or migrates
        stats = await st.stats(since)
"""

from __future__ import annotations

import json
import logging
import os
import re
import time
import unicodedata
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from shebao.privacy import HASH_KEY_ENV, Hasher, load_hash_key, mask
from shebao.store.backends import Backend, StorageError, Transaction, ddl, redact
from shebao.store.handoffs import HandoffQueries
from shebao.store.inbox import InboxStore
from shebao.store.postgresql import PostgresBackend
from shebao.store.records import (
    ChatSettings,
    Conversation,
    DayCount,
    Stats,
    TopicCount,
    UnansweredGroup,
    UnansweredQuestion,
)
from shebao.store.sqlite import SqliteBackend

if TYPE_CHECKING:
    from shebao.config import Config

log = logging.getLogger(__name__)

REOPEN_EVERY = 30.0  # seconds between attempts to reopen a database that failed
# A question's origin: its channel and that channel's ids of the received message, digits only, so no
# text (and nothing to mask) can travel in it: telegram:<bot id>:<update id>, wechat:<MsgId>.
ORIGIN = re.compile(r"[a-z]{2,16}(?::[0-9]{1,20}){1,3}")
_TIME = "%Y-%m-%d %H:%M:%S"
T = TypeVar("T")

__all__ = ["ORIGIN", "REOPEN_EVERY", "Storage", "StorageError", "fold", "migrations"]


def _now() -> str:
    return datetime.now(UTC).strftime(_TIME)


def _stamp(when: datetime) -> str:
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC).strftime(_TIME)


def _parse(text: str) -> datetime:
    return datetime.strptime(text, _TIME).replace(tzinfo=UTC)


def fold(text: str) -> str:
    """The grouping key of a question: NFKC, lower case, no spaces or punctuation."""
    text = unicodedata.normalize("NFKC", text).lower()
    return "".join(ch for ch in text if unicodedata.category(ch)[0] not in "PZSC")[:200]


def migrations() -> list[tuple[int, str, str]]:
    """(version, name, sql) of every shebao/store/migrations/NNNN_name.sql, in order."""
    folder = resources.files("shebao.store").joinpath("migrations")
    found = []
    for item in folder.iterdir():
        match = re.fullmatch(r"(\d{4})_(\w+)\.sql", item.name)
        if match:
            found.append((int(match.group(1)), match.group(2), item.read_text(encoding="utf-8")))
    return sorted(found)


def _read_only_error(exc: StorageError) -> bool:
    """Whether EXC says the database refuses writes (SQLite's SQLITE_READONLY family, PostgreSQL's
    read-only transaction): then reconnecting, once the cause is fixed, is what helps."""
    cause = exc.__cause__
    code = getattr(cause, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF == 8  # SQLITE_READONLY and its extended codes
    return getattr(cause, "sqlstate", None) == "25006"


_QUESTION_COLUMNS = "asked_at, user_hash, chat_type, via, text, kind, answer_id, best_id, score, suggestions, counted"
_QUESTION_VALUES = ", ".join("?" * (_QUESTION_COLUMNS.count(",") + 1))
_INSERT_QUESTION = f"INSERT INTO questions ({_QUESTION_COLUMNS}) VALUES ({_QUESTION_VALUES}) RETURNING id"
_INSERT_QUESTION_ONCE = (f"INSERT INTO questions ({_QUESTION_COLUMNS}, origin) VALUES ({_QUESTION_VALUES}, ?) "
                         "ON CONFLICT (origin) DO NOTHING RETURNING id")

_MIGRATIONS_TABLE = (
    "CREATE TABLE IF NOT EXISTS schema_migrations "
    "(version INTEGER NOT NULL PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
)


class Storage(InboxStore, HandoffQueries):
    """The project's database: a SQLite file, or PostgreSQL when URL is given."""

    def __init__(self, path: Path | None = None, *, read_only: bool = False, busy_timeout: float = 5.0,
                 hasher: Hasher | None = None, url: str | None = None, pool_size: int = 4,
                 reopen_every: float = REOPEN_EVERY):
        if path is None and url is None:
            raise ValueError("Storage needs a path or a url")
        self.path = Path(path) if path is not None else None
        self.url = url or None
        self.read_only = read_only
        self.busy_timeout = busy_timeout
        self.pool_size = pool_size
        self.reopen_every = reopen_every  # seconds between attempts to reopen a database that failed
        self._hasher = hasher
        self._db: Backend | None = None
        self._last_attempt = 0.0

    @classmethod
    def from_config(cls, cfg: Config, *, read_only: bool = False, hasher: Hasher | None = None) -> Storage:
        """The store `storage:` in the configuration names (storage.url, else storage.path)."""
        return cls(cfg.storage_path, url=cfg.storage_url, read_only=read_only, hasher=hasher,
                   busy_timeout=cfg.storage_busy_timeout, pool_size=cfg.storage_pool_size,
                   reopen_every=float(cfg.raw["storage"].get("reopen_every", REOPEN_EVERY)))

    @property
    def label(self) -> str:
        """What to call this database in messages: the file, or the URL without its password."""
        return redact(self.url) if self.url else str(self.path)

    @property
    def dialect(self) -> str:
        return "postgresql" if self.url else "sqlite"

    # -- opening and closing ------------------------------------------------------------

    async def __aenter__(self) -> Storage:
        await self.connect()
        return self

    async def __aexit__(self, *exc) -> None:
        await self.close()

    @property
    def available(self) -> bool:
        return self._db is not None

    def _key(self) -> bytes:
        """The user-hash key: SHEBAO_HASH_KEY, else a key file beside storage.path (see shebao.privacy)."""
        if os.environ.get(HASH_KEY_ENV):
            return os.environ[HASH_KEY_ENV].encode("utf-8")
        if self.path is None:
            raise StorageError(f"{self.label}: set {HASH_KEY_ENV}, the key every process hashes user ids with")
        if self.url:  # the key file is local: a second machine would hash the same worker differently
            log.warning("storage: %s is not set; user ids are hashed with the key in %s.key, which every "
                        "process sharing %s must use too", HASH_KEY_ENV, self.path, self.label)
        return load_hash_key(self.path)

    async def connect(self) -> None:
        """Open and migrate; raises StorageError when the database cannot be used."""
        self._last_attempt = time.monotonic()
        if self._hasher is None:
            self._hasher = Hasher(self._key())
        if self.url:
            db: Backend = await PostgresBackend.open(self.url, read_only=self.read_only,
                                                     busy_timeout=self.busy_timeout, pool_size=self.pool_size)
        else:
            assert self.path is not None
            db = await SqliteBackend.open(self.path, read_only=self.read_only, busy_timeout=self.busy_timeout)
        if not self.read_only:
            try:
                await self._migrate(db)
            except BaseException:
                await db.close()
                raise
        self._db = db

    async def open(self) -> bool:
        """Open for the bot: on failure log it and carry on without storage (retried later)."""
        try:
            await self.connect()
        except StorageError as exc:
            log.error("storage unavailable, answering without it: %s", exc)
            return False
        return True

    async def close(self) -> None:
        if self._db is not None:
            db, self._db = self._db, None
            await db.close()

    @staticmethod
    async def _migrate(db: Backend) -> None:
        """Apply each migration not yet recorded, each in its own transaction under the migration lock."""
        for version, name, sql in migrations():
            async with db.transaction(exclusive=True) as tx:
                await tx.execute(_MIGRATIONS_TABLE)
                # Read inside the lock: another process may have applied it while this one waited.
                if await tx.fetch("SELECT 1 FROM schema_migrations WHERE version = ?", (version,)):
                    continue
                await tx.script(ddl(sql, db.dialect))
                await tx.execute("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                                 (version, name, _now()))
            log.info("storage: applied migration %04d_%s", version, name)

    async def schema_version(self) -> int:
        rows = await self._read("SELECT COALESCE(MAX(version), 0) FROM schema_migrations")
        return int(rows[0][0])

    # -- the bot's writes: never raise --------------------------------------------------

    _stamp = staticmethod(_stamp)
    _stamp_now = staticmethod(_now)

    async def _usable(self) -> Backend | None:
        if self._db is None and not self.read_only and time.monotonic() - self._last_attempt > self.reopen_every:
            await self.open()
        return self._db

    async def _drop(self, db: Backend, exc: StorageError) -> None:
        """Close DB after it refused a write as read-only: a connection opened on a read-only file stays
        read-only after its permissions are fixed, so only a new one (after reopen_every) can write."""
        if self._db is not db:
            return  # another write dropped it already
        self._db, self._last_attempt = None, time.monotonic()
        log.error("storage: %s is read-only; reopening it every %g s until it is writable", self.label,
                  self.reopen_every)
        try:
            await db.close()
        except StorageError as close_exc:
            log.error("storage: closing %s: %s", self.label, close_exc)

    async def _write(self, what: str, work: Callable[[Transaction], Awaitable[T]], *,
                     one_statement: bool = False) -> tuple[bool, T | None]:
        """Run WORK in one transaction (ONE_STATEMENT: WORK runs a single statement, atomic by itself):
        (True, its result), or (False, None) when storage failed."""
        db = await self._usable()
        if db is None:
            return False, None
        try:
            async with db.autocommit() if one_statement else db.transaction() as tx:
                result = await work(tx)
        except StorageError as exc:
            log.error("storage: could not save %s: %s", what, exc)
            if _read_only_error(exc):
                await self._drop(db, exc)
            return False, None
        return True, result

    async def _read_quietly(self, what: str, sql: str, params: Sequence[Any] = ()) -> list[tuple] | None:
        db = await self._usable()
        if db is None:
            return None
        try:
            return await db.fetch(sql, params)
        except StorageError as exc:
            log.error("storage: could not read %s: %s", what, exc)
            return None

    def user_hash(self, user_id: int | None) -> str:
        assert self._hasher is not None, "connect() first"
        return self._hasher.user(user_id)

    def chat_hash(self, chat_id: int | None) -> str:
        assert self._hasher is not None, "connect() first"
        return self._hasher.chat(chat_id)

    async def record_question(self, *, user_id: int | None, chat_type: str, via: str, text: str, kind: str,
                              answer_id: str | None, best_id: str | None, score: float | None,
                              suggestions: Sequence[str] = (), queue: bool | None = None,
                              counted: bool = True, origin: str | None = None) -> int | None:
        """Store a question and what was answered (masked, hashed); its id, or None if storage failed.
        QUEUE puts it on the unanswered queue (default: when kind is "none"). COUNTED False keeps the
        turn out of /stats and the report (a greeting, a calculator dialog's follow-up turn). ORIGIN
        names the received message (see ORIGIN): one stored already is not stored or queued again,
        and its first row's id is returned, so /stats, the queue and the feedback buttons see one."""
        masked = mask(text)
        if origin is not None and not ORIGIN.fullmatch(origin):
            log.error("storage: origin %r is not a channel name and digits; stored without it", mask(origin[:40]))
            origin = None
        row = (_now(), self.user_hash(user_id), chat_type, via, masked, kind, answer_id, best_id,
               None if score is None else float(score), json.dumps(list(suggestions)), int(counted))
        queued = kind == "none" if queue is None else queue
        insert = _INSERT_QUESTION  # nothing to collide with (and what a database from before 0005 takes)
        if origin is not None:
            insert, row = _INSERT_QUESTION_ONCE, (*row, origin)

        async def work(tx: Transaction) -> int | None:
            fresh = await tx.fetch(insert, row)
            if not fresh:  # received before: the row that message got then (committed: the insert waited for it)
                first = await tx.fetch("SELECT id FROM questions WHERE origin = ?", (origin,))
                return first[0][0] if first else None
            [(qid,)] = fresh
            if queued:
                await tx.execute("INSERT INTO unanswered (question_id, text_key) VALUES (?, ?)", (qid, fold(masked)))
            return qid

        # one statement unless queued: the read after a conflict only looks up a committed row
        return (await self._write("question", work, one_statement=not queued))[1]

    async def record_feedback(self, *, question_id: int | None, user_id: int | None, useful: bool) -> bool:
        """Store (or change) one worker's verdict on one answer."""
        params = (question_id or None, question_id or None, self.user_hash(user_id), int(useful), _now())
        saved, _ = await self._write("feedback", lambda tx: tx.execute(
            "INSERT INTO feedback (question_id, answer_id, user_hash, useful, given_at) "
            "VALUES (?, (SELECT answer_id FROM questions WHERE id = ?), ?, ?, ?) "
            "ON CONFLICT (question_id, user_hash) DO UPDATE SET useful = excluded.useful, "
            "given_at = excluded.given_at", params), one_statement=True)
        return saved

    async def load_conversation(self, chat_id: int, user_id: int | None,
                                max_age: timedelta = timedelta(hours=24)) -> Conversation | None:
        rows = await self._read_quietly(
            "conversation",
            "SELECT state, choices, turn, updated_at FROM conversations WHERE chat_hash = ? AND user_hash = ?",
            (self.chat_hash(chat_id), self.user_hash(user_id)),
        )
        if not rows:
            return None
        state, choices, turn, updated = rows[0]
        updated_at = _parse(updated)
        if datetime.now(UTC) - updated_at > max_age:
            await self.clear_conversation(chat_id, user_id)
            return None
        return Conversation(state=state, choices=[tuple(c) for c in json.loads(choices)], turn=turn,
                            updated_at=updated_at)

    async def save_conversation(self, chat_id: int, user_id: int | None, state: str,
                                choices: Sequence[tuple[str, str]] = ()) -> int | None:
        """Keep a calculator dialog; the new turn number (for its buttons), or None if storage failed."""
        params = (self.chat_hash(chat_id), self.user_hash(user_id), mask(state),
                  mask(json.dumps([list(c) for c in choices], ensure_ascii=False)), _now())

        async def work(tx: Transaction) -> int:
            [(turn,)] = await tx.fetch(
                "INSERT INTO conversations (chat_hash, user_hash, state, choices, turn, updated_at) "
                "VALUES (?, ?, ?, ?, 1, ?) ON CONFLICT (chat_hash, user_hash) DO UPDATE SET "
                "state = excluded.state, choices = excluded.choices, turn = conversations.turn + 1, "
                "updated_at = excluded.updated_at RETURNING turn", params)
            return turn

        return (await self._write("conversation", work, one_statement=True))[1]

    async def clear_conversation(self, chat_id: int, user_id: int | None) -> None:
        params = (self.chat_hash(chat_id), self.user_hash(user_id))
        await self._write("conversation", lambda tx: tx.execute(
            "DELETE FROM conversations WHERE chat_hash = ? AND user_hash = ?", params), one_statement=True)

    async def chat_settings(self, chat_id: int) -> ChatSettings:
        rows = await self._read_quietly(
            "chat settings", "SELECT settings FROM chat_settings WHERE chat_hash = ?", (self.chat_hash(chat_id),))
        try:
            return ChatSettings.from_json(rows[0][0] if rows else None)
        except (ValueError, TypeError):
            return ChatSettings()

    async def save_chat_settings(self, chat_id: int, settings: ChatSettings) -> bool:
        params = (self.chat_hash(chat_id), settings.to_json(), _now())
        saved, _ = await self._write("chat settings", lambda tx: tx.execute(
            "INSERT INTO chat_settings (chat_hash, settings, updated_at) VALUES (?, ?, ?) "
            "ON CONFLICT (chat_hash) DO UPDATE SET settings = excluded.settings, updated_at = excluded.updated_at",
            params), one_statement=True)
        return saved

    # -- staff tools and reports: raise StorageError ------------------------------------

    def _open(self) -> Backend:
        if self._db is None:
            raise StorageError(f"{self.label}: not open")
        return self._db

    async def _read(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        return await self._open().fetch(sql, params)

    async def stats(self, since: datetime, top: int = 5) -> Stats:
        """Questions, answer rate, users, feedback and the most asked topics since SINCE."""
        after = _stamp(since)
        kinds = dict(await self._read(
            "SELECT kind, COUNT(*) FROM questions WHERE asked_at >= ? AND counted = 1 GROUP BY kind", (after,)))
        users = (await self._read(
            "SELECT COUNT(DISTINCT user_hash) FROM questions WHERE asked_at >= ? AND counted = 1", (after,)))[0][0]
        fb = dict(await self._read(
            "SELECT useful, COUNT(*) FROM feedback WHERE given_at >= ? GROUP BY useful", (after,)))
        total = sum(kinds.values())
        return Stats(since=since, questions=total, answered=total - kinds.get("none", 0), by_kind=kinds,
                     users=users, useful=fb.get(1, 0), not_useful=fb.get(0, 0),
                     top_topics=await self.top_topics(since, limit=top), handoffs=await self.handoff_stats(since))

    async def top_topics(self, since: datetime, limit: int = 10) -> list[TopicCount]:
        """FAQ entries and calculators answered most often since SINCE, with their feedback."""
        after = _stamp(since)
        rows = await self._read(
            "SELECT q.answer_id, COUNT(*) AS n, "
            "  (SELECT COUNT(*) FROM feedback f WHERE f.answer_id = q.answer_id AND f.useful = 1 AND f.given_at >= ?),"
            "  (SELECT COUNT(*) FROM feedback f WHERE f.answer_id = q.answer_id AND f.useful = 0 AND f.given_at >= ?) "
            "FROM questions q WHERE q.asked_at >= ? AND q.answer_id IS NOT NULL AND q.counted = 1 "
            "GROUP BY q.answer_id ORDER BY n DESC, q.answer_id LIMIT ?",
            (after, after, after, limit))
        return [TopicCount(answer_id=r[0], count=r[1], useful=r[2], not_useful=r[3]) for r in rows]

    async def feedback(self, since: datetime) -> list[TopicCount]:
        """Useful / not useful votes per answer since SINCE, most votes first."""
        rows = await self._read(
            "SELECT answer_id, COUNT(*), SUM(useful), SUM(1 - useful) FROM feedback "
            "WHERE given_at >= ? AND answer_id IS NOT NULL GROUP BY answer_id ORDER BY COUNT(*) DESC, answer_id",
            (_stamp(since),))
        return [TopicCount(answer_id=r[0], count=r[1], useful=r[2], not_useful=r[3]) for r in rows]

    async def unanswered(self, since: datetime, limit: int = 10, status: str = "open") -> list[UnansweredGroup]:
        """The most frequent unanswered questions since SINCE, grouped by folded masked text."""
        rows = await self._read(
            "SELECT u.text_key, COUNT(*) AS n, COUNT(DISTINCT q.user_hash), MIN(q.asked_at), MAX(q.asked_at), "
            "  (SELECT q2.text FROM questions q2 JOIN unanswered u2 ON u2.question_id = q2.id "
            "     WHERE u2.text_key = u.text_key ORDER BY q2.id DESC LIMIT 1), "
            "  (SELECT q3.best_id FROM questions q3 JOIN unanswered u3 ON u3.question_id = q3.id "
            "     WHERE u3.text_key = u.text_key ORDER BY q3.score IS NULL, q3.score DESC, q3.id DESC LIMIT 1), "
            "  MAX(q.score) "
            "FROM unanswered u JOIN questions q ON q.id = u.question_id "
            "WHERE q.asked_at >= ? AND u.status = ? "
            "GROUP BY u.text_key ORDER BY n DESC, MAX(q.asked_at) DESC, u.text_key LIMIT ?",
            (_stamp(since), status, limit))
        return [UnansweredGroup(text=r[5], text_key=r[0], count=r[1], users=r[2], first_asked=_parse(r[3]),
                                last_asked=_parse(r[4]), best_id=r[6], best_score=r[7]) for r in rows]

    async def unanswered_questions(self, since: datetime, until: datetime | None = None,
                                   status: str | None = "open") -> list[UnansweredQuestion]:
        """Every unanswered question between SINCE and UNTIL, oldest first (for exports)."""
        until = until or datetime.now(UTC) + timedelta(seconds=1)
        params: tuple = (_stamp(since), _stamp(until))
        if status is not None:
            params += (status,)
        rows = await self._read(
            "SELECT q.id, q.asked_at, q.text, q.chat_type, q.best_id, q.score, q.suggestions, u.status "
            "FROM unanswered u JOIN questions q ON q.id = u.question_id "
            "WHERE q.asked_at >= ? AND q.asked_at < ?" + (" AND u.status = ?" if status is not None else "")
            + " ORDER BY q.id", params)
        return [UnansweredQuestion(question_id=r[0], asked_at=_parse(r[1]), text=r[2], chat_type=r[3],
                                   best_id=r[4], score=r[5], suggestions=json.loads(r[6]), status=r[7])
                for r in rows]

    async def resolve_unanswered(self, text_key: str, status: str = "resolved", note: str | None = None) -> int:
        """Mark every open question with TEXT_KEY as resolved (or ignored); how many changed."""
        if status not in ("open", "resolved", "ignored"):
            raise ValueError(f"status must be open, resolved or ignored, not {status!r}")
        params = (status, _now(), mask(note) if note else None, text_key, status)
        async with self._open().transaction() as tx:
            return await tx.execute(
                "UPDATE unanswered SET status = ?, resolved_at = ?, note = ? WHERE text_key = ? AND status <> ?",
                params)

    async def questions_per_day(self, since: datetime, until: datetime | None = None,
                                utc_offset_hours: int = 8) -> list[DayCount]:
        """Questions and answered questions per local day (China time by default), days without any left out."""
        until = until or datetime.now(UTC) + timedelta(seconds=1)
        # Counted per UTC hour (the stamp's first 13 characters), then moved to local days here:
        # no date arithmetic in SQL, which the two databases spell differently.
        rows = await self._read(
            "SELECT substr(asked_at, 1, 13) AS hour, COUNT(*), "
            "SUM(CASE WHEN kind <> 'none' THEN 1 ELSE 0 END) FROM questions "
            "WHERE asked_at >= ? AND asked_at < ? AND counted = 1 GROUP BY substr(asked_at, 1, 13)",
            (_stamp(since), _stamp(until)))
        days: dict[date, list[int]] = defaultdict(lambda: [0, 0])
        shift = timedelta(hours=utc_offset_hours)
        for hour, asked, answered in rows:
            day = (datetime.strptime(hour, "%Y-%m-%d %H") + shift).date()
            days[day][0] += asked
            days[day][1] += answered
        return [DayCount(day=d, questions=n, answered=a) for d, (n, a) in sorted(days.items())]
