"""The store on SQLite: one aiosqlite connection in WAL mode, write transactions taking turns."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiosqlite

from shebao.store.backends import StorageError, statements


class _SqliteTransaction:
    def __init__(self, db: aiosqlite.Connection, label: str):
        self._db, self._label = db, label

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        try:
            cur = await self._db.execute(sql, tuple(params))
        except sqlite3.Error as exc:
            raise StorageError(f"{self._label}: {exc}") from exc
        return cur.rowcount

    async def fetch(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        try:  # one trip to aiosqlite's thread, not three (execute, fetch, close)
            return [tuple(row) for row in await self._db.execute_fetchall(sql, tuple(params))]
        except sqlite3.Error as exc:
            raise StorageError(f"{self._label}: {exc}") from exc

    async def script(self, sql: str) -> None:
        # Not executescript: it commits first, and the migration must stay in this transaction.
        for statement in statements(sql):
            await self.execute(statement)


def _probe(target: str) -> None:
    sqlite3.connect(target, uri=True).close()


async def _switch_to_wal(db, busy_timeout: float) -> None:
    """PRAGMA journal_mode = WAL, waiting up to BUSY_TIMEOUT seconds: SQLite answers "database is locked"
    at once, without its busy handler, while another process starting at the same moment switches too."""
    deadline = time.monotonic() + busy_timeout
    while True:
        try:
            await db.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() >= deadline:
                raise
            await asyncio.sleep(0.05)


class SqliteBackend:
    """One aiosqlite connection in WAL mode; transactions of concurrent updates take turns."""

    dialect = "sqlite"

    def __init__(self, db: aiosqlite.Connection, path: Path):
        self._db = db
        self.label = str(path)
        self._lock = asyncio.Lock()

    @classmethod
    async def open(cls, path: Path, *, read_only: bool, busy_timeout: float) -> SqliteBackend:
        target = f"file:{path}?mode=ro" if read_only else str(path)
        try:
            if not read_only:
                path.parent.mkdir(parents=True, exist_ok=True)
            # Probe first: aiosqlite leaves its worker thread behind when the open itself fails.
            await asyncio.to_thread(_probe, target)
            db = await aiosqlite.connect(target, uri=True, isolation_level=None)
        except (sqlite3.Error, OSError) as exc:
            raise StorageError(f"{path}: {exc}") from exc
        try:
            await db.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
            if not read_only:
                await _switch_to_wal(db, busy_timeout)
                await db.execute("PRAGMA synchronous = NORMAL")
                await db.execute("PRAGMA foreign_keys = ON")
        except sqlite3.Error as exc:
            await db.close()
            raise StorageError(f"{path}: {exc}") from exc
        return cls(db, path)

    async def fetch(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        return await _SqliteTransaction(self._db, self.label).fetch(sql, params)

    @asynccontextmanager
    async def transaction(self, *, exclusive: bool = False) -> AsyncIterator[_SqliteTransaction]:
        # BEGIN IMMEDIATE takes the database's write lock, which is also the migration lock.
        async with self._lock:
            tx = _SqliteTransaction(self._db, self.label)
            await tx.execute("BEGIN IMMEDIATE")
            try:
                yield tx
                await tx.execute("COMMIT")
            except BaseException:
                if self._db.in_transaction:
                    await self._db.execute("ROLLBACK")
                raise

    @asynccontextmanager
    async def autocommit(self) -> AsyncIterator[_SqliteTransaction]:
        # Still under the lock: on the one shared connection it would otherwise land inside
        # another update's open transaction.
        async with self._lock:
            yield _SqliteTransaction(self._db, self.label)

    async def close(self) -> None:
        async with self._lock:  # not under a transaction another update has open
            await self._db.close()
