"""The store on PostgreSQL: an asyncpg pool shared by a process's updates; several processes share the server."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

from shebao.store.backends import StorageError, numbered, redact

MIGRATION_LOCK = 0x5E_BA0_0001  # pg_advisory_xact_lock key held while migrating: one process at a time

def _pg_errors() -> tuple[type[BaseException], ...]:
    import asyncpg

    # InternalClientError: a connection the server cut while a statement was being sent
    return (asyncpg.PostgresError, asyncpg.InterfaceError, asyncpg.InternalClientError, OSError, TimeoutError)


def _rowcount(status: str) -> int:
    """The row count in a command tag ("UPDATE 2", "INSERT 0 1")."""
    last = status.rsplit(" ", 1)[-1]
    return int(last) if last.isdigit() else 0


class _PostgresTransaction:
    def __init__(self, con: Any, label: str):
        self._con, self._label = con, label
        self._errors = _pg_errors()

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        try:
            return _rowcount(await self._con.execute(numbered(sql), *params))
        except self._errors as exc:
            raise StorageError(f"{self._label}: {exc}") from exc

    async def fetch(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        try:
            return [tuple(row) for row in await self._con.fetch(numbered(sql), *params)]
        except self._errors as exc:
            raise StorageError(f"{self._label}: {exc}") from exc

    async def script(self, sql: str) -> None:
        try:
            await self._con.execute(sql)  # no arguments: the simple protocol runs several statements
        except self._errors as exc:
            raise StorageError(f"{self._label}: {exc}") from exc


async def _keep_session(con: Any) -> None:
    """The pool's reset on release, minus its round trip (UNLISTEN, RESET ALL, advisory unlock):
    the store changes no session state and takes only transaction locks. asyncpg still rolls
    back a transaction left open before calling this. Measured: about 25% more questions a second."""


class PostgresBackend:
    """An asyncpg pool. Locks are waited for at most busy_timeout (lock_timeout), like SQLite's."""

    dialect = "postgresql"

    def __init__(self, pool: Any, url: str):
        self._pool = pool
        self.label = redact(url)
        self._errors = _pg_errors()

    @classmethod
    async def open(cls, url: str, *, read_only: bool, busy_timeout: float, pool_size: int) -> PostgresBackend:
        import asyncpg

        settings = {"application_name": "shebao", "lock_timeout": str(int(busy_timeout * 1000))}
        if read_only:
            settings["default_transaction_read_only"] = "on"
        try:
            pool = await asyncpg.create_pool(url, min_size=1, max_size=max(1, pool_size), reset=_keep_session,
                                             timeout=max(2.0, busy_timeout), server_settings=settings)
        except (*_pg_errors(), ValueError) as exc:  # ValueError: a malformed URL
            raise StorageError(f"{redact(url)}: {exc}") from exc
        return cls(pool, url)

    async def fetch(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        try:
            return [tuple(row) for row in await self._pool.fetch(numbered(sql), *params)]
        except self._errors as exc:
            raise StorageError(f"{self.label}: {exc}") from exc

    @asynccontextmanager
    async def transaction(self, *, exclusive: bool = False) -> AsyncIterator[_PostgresTransaction]:
        try:
            async with self._pool.acquire() as con, con.transaction():
                tx = _PostgresTransaction(con, self.label)
                if exclusive:
                    await tx.execute("SELECT pg_advisory_xact_lock(?)", (MIGRATION_LOCK,))
                yield tx
        except self._errors as exc:
            raise StorageError(f"{self.label}: {exc}") from exc

    @asynccontextmanager
    async def autocommit(self) -> AsyncIterator[_PostgresTransaction]:
        try:
            async with self._pool.acquire() as con:
                yield _PostgresTransaction(con, self.label)
        except self._errors as exc:
            raise StorageError(f"{self.label}: {exc}") from exc

    async def close(self) -> None:
        await self._pool.close()
