"""One received message is one question (migration 0005): a question stored with its origin, the
channel's id of the message it came from, is not stored again when that message comes back (the
inbox's replay after a crash, WeChat's retry reaching another process); on SQLite and on a real
PostgreSQL server."""

import asyncio
import logging
from datetime import UTC, datetime, timedelta

import pytest
from test_store import make, run_sql

import shebao.store.storage as storage_module
from shebao.store import migrations

SINCE = datetime.now(UTC) - timedelta(days=1)
ORIGIN = "telegram:7000000001:500123"


@pytest.fixture
async def storage(store_target):
    async with make(store_target, busy_timeout=2) as st:
        yield st


async def ask(st, text="火星上的量子纠缠保险怎么买", origin=None, kind="none", user_id=1):
    return await st.record_question(user_id=user_id, chat_type="private", via="telegram", text=text, kind=kind,
                                    answer_id=None if kind == "none" else "work_injury_standalone",
                                    best_id="work_injury_uninsured", score=27.7, origin=origin)


async def counts(target):
    [(questions,)] = await run_sql(target, "SELECT COUNT(*) FROM questions")
    [(queued,)] = await run_sql(target, "SELECT COUNT(*) FROM unanswered")
    return questions, queued


async def test_the_same_origin_twice_is_one_question_and_both_get_its_id(storage, store_target):
    first = await ask(storage, origin=ORIGIN)
    again = await ask(storage, origin=ORIGIN)
    assert first is not None and again == first
    assert await counts(store_target) == (1, 1)  # stored once, queued once
    stats = await storage.stats(SINCE)
    assert (stats.questions, stats.answered, stats.users) == (1, 0, 1)
    [group] = await storage.unanswered(SINCE)
    assert group.count == 1


async def test_the_replay_keeps_the_first_rows_content(storage, store_target):
    first = await ask(storage, "工伤保险可以单独买吗", origin=ORIGIN, kind="faq")
    assert await ask(storage, "另一句话", origin=ORIGIN, kind="none") == first
    assert await run_sql(store_target, "SELECT text, kind, origin FROM questions") == [
        ("工伤保险可以单独买吗", "faq", ORIGIN)]
    assert await counts(store_target) == (1, 0)


async def test_two_origins_are_two_questions(storage, store_target):
    one = await ask(storage, origin="telegram:7000000001:500123")
    two = await ask(storage, origin="telegram:7000000001:500124")
    other_bot = await ask(storage, origin="telegram:7000000002:500123")  # a new bot numbers its updates anew
    wechat = await ask(storage, origin="wechat:7000000000000000001")
    assert len({one, two, other_bot, wechat}) == 4
    assert await counts(store_target) == (4, 4)


async def test_questions_without_an_origin_never_collide(storage, store_target):
    ids = [await ask(storage) for _ in range(3)]  # the web, `shebao chat`: the same words asked again
    assert len(set(ids)) == 3
    assert await counts(store_target) == (3, 3)
    assert await run_sql(store_target, "SELECT COUNT(*) FROM questions WHERE origin IS NULL") == [(3,)]


async def test_two_processes_storing_one_origin_at_once_store_it_once(store_target):
    stores = [make(store_target, busy_timeout=10) for _ in range(2)]
    for st in stores:
        await st.connect()
    try:
        ids = await asyncio.gather(*(ask(stores[n % 2], origin=f"wechat:{7_000_000_000_000_000_000 + n // 4}")
                                     for n in range(40)))  # each of 10 MsgIds four times, from both
    finally:
        for st in stores:
            await st.close()
    assert None not in ids
    assert [len(set(ids[n:n + 4])) for n in range(0, 40, 4)] == [1] * 10
    assert len(set(ids)) == 10
    assert await counts(store_target) == (10, 10)


@pytest.mark.parametrize("bad", ["telegram:工伤保险可以单独买吗", "wechat:13812345678 我的电话", "", "telegram",
                                 "wechat:1;DROP TABLE questions"])
async def test_an_origin_that_is_not_a_channel_and_digits_is_not_stored(storage, store_target, caplog, bad):
    with caplog.at_level(logging.ERROR, logger="shebao.store.storage"):
        assert await ask(storage, origin=bad) is not None  # the question itself is kept
        assert await ask(storage, origin=bad) is not None
    assert await run_sql(store_target, "SELECT origin FROM questions") == [(None,), (None,)]
    assert "origin" in caplog.text and "13812345678" not in caplog.text


async def test_questions_stored_before_the_migration_keep_their_place(store_target, monkeypatch):
    before = [m for m in migrations() if m[0] < 5]
    with monkeypatch.context() as patch:  # a database of the version before
        patch.setattr(storage_module, "migrations", lambda: before)
        async with make(store_target) as st:
            assert await st.schema_version() == 4
        for _ in range(2):  # as the version before stored them
            await run_sql(store_target, "INSERT INTO questions (asked_at, user_hash, chat_type, via, text, kind) "
                          "VALUES ('2026-11-30 08:00:00', 'h', 'private', 'message', '问题', 'none')")
        old = [row[0] for row in await run_sql(store_target, "SELECT id FROM questions ORDER BY id")]
    async with make(store_target) as st:
        assert await st.schema_version() == migrations()[-1][0]
        new = await ask(st, origin=ORIGIN)
        assert await ask(st, origin=ORIGIN) == new
    assert await run_sql(store_target, "SELECT id, origin FROM questions ORDER BY id") == [
        (old[0], None), (old[1], None), (new, ORIGIN)]
