"""Bot storage: migrations, masking before storing, staff queries, and never failing a reply."""

import asyncio
import logging
import sqlite3
from datetime import UTC, datetime, timedelta

import pytest

from shebao.store import Storage, StorageError, fold, migrations
from shebao.store.records import ChatSettings

SINCE = datetime.now(UTC) - timedelta(days=1)


@pytest.fixture
async def storage(tmp_path):
    async with Storage(tmp_path / "bot.db", busy_timeout=0.2) as st:
        yield st


async def ask(st, text, kind="none", answer_id=None, user_id=1, best_id="x", score=40.0):
    return await st.record_question(user_id=user_id, chat_type="private", via="message", text=text, kind=kind,
                                    answer_id=answer_id, best_id=best_id, score=score)


async def test_migrations_are_numbered_recorded_and_applied_once(tmp_path):
    assert [m[0] for m in migrations()] == list(range(1, len(migrations()) + 1))
    async with Storage(tmp_path / "bot.db") as st:
        assert await st.schema_version() == len(migrations())
    async with Storage(tmp_path / "bot.db") as st:  # a second start applies nothing again
        assert await st.schema_version() == len(migrations())
    with sqlite3.connect(tmp_path / "bot.db") as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert db.execute("SELECT COUNT(*) FROM schema_migrations").fetchone()[0] == len(migrations())


async def test_questions_are_stored_masked_with_hashed_users(storage, tmp_path):
    qid = await ask(storage, "身份证110101199003071234，电话13812345678，查不到社保", user_id=987654321)
    assert qid == 1
    await storage.close()
    data = b"".join(p.read_bytes() for p in tmp_path.glob("bot.db*"))
    for secret in (b"110101199003071234", b"13812345678", b"987654321"):
        assert secret not in data
    assert b"110***********1234" in data


async def test_concurrent_updates_each_get_their_own_transaction(storage):
    ids = await asyncio.gather(*(ask(storage, f"问题{i}", kind="none" if i % 2 else "faq", answer_id="x")
                                 for i in range(50)))
    assert sorted(ids) == list(range(1, 51))
    assert len(await storage.unanswered_questions(SINCE)) == 25


async def test_stats_count_answers_users_topics_and_feedback(storage):
    q1 = await ask(storage, "工伤能单独买吗", kind="faq", answer_id="work_injury", user_id=1)
    await ask(storage, "工伤保险单独买", kind="faq", answer_id="work_injury", user_id=2)
    await ask(storage, "工资5000交多少", kind="calc", answer_id="calc:contribution", user_id=2)
    await ask(storage, "你好", kind="none", user_id=3)
    assert await storage.record_feedback(question_id=q1, user_id=1, useful=False)
    assert await storage.record_feedback(question_id=q1, user_id=1, useful=True)  # changed their mind
    stats = await storage.stats(SINCE)
    assert (stats.questions, stats.answered, stats.users) == (4, 3, 3)
    assert stats.answer_rate == pytest.approx(0.75)
    assert (stats.useful, stats.not_useful) == (1, 0)
    assert stats.top_topics[0].answer_id == "work_injury" and stats.top_topics[0].count == 2
    assert stats.top_topics[0].useful == 1
    assert [(t.answer_id, t.useful) for t in await storage.feedback(SINCE)] == [("work_injury", 1)]


async def test_unanswered_questions_group_by_masked_folded_text(storage):
    await ask(storage, "外卖骑手摔伤了谁赔？", user_id=1, best_id="work_injury", score=50)
    await ask(storage, "外卖骑手 摔伤了 谁赔", user_id=2, best_id="work_injury", score=55)
    await ask(storage, "我的卡6222021234567890123能领吗", user_id=3)
    await ask(storage, "工伤能单独买吗", kind="faq", answer_id="work_injury")
    groups = await storage.unanswered(SINCE, limit=10)
    assert [(g.count, g.users) for g in groups] == [(2, 2), (1, 1)]
    assert groups[0].best_id == "work_injury" and groups[0].best_score == 55
    assert "6222021234567890123" not in groups[1].text
    rows = await storage.unanswered_questions(SINCE)
    assert len(rows) == 3 and rows[0].to_json()["text"] == "外卖骑手摔伤了谁赔？"
    assert await storage.resolve_unanswered(groups[0].text_key, note="added an FAQ entry") == 2
    assert len(await storage.unanswered(SINCE)) == 1
    assert len(await storage.unanswered(SINCE, status="resolved")) == 1


async def test_questions_per_day_in_china_time(storage):
    await ask(storage, "a", kind="faq", answer_id="x")
    await ask(storage, "b")
    [day] = await storage.questions_per_day(SINCE)
    assert (day.questions, day.answered, day.unanswered) == (2, 1, 1)
    assert day.day == (datetime.now(UTC) + timedelta(hours=8)).date()


async def test_calculator_conversations_survive_a_restart(tmp_path):
    async with Storage(tmp_path / "bot.db") as st:
        assert await st.save_conversation(-100, 7, '{"calculator": "pension"}', [("男", "男"), ("女", "女")]) == 1
        assert await st.save_conversation(-100, 7, '{"calculator": "pension", "age": 60}', []) == 2
    async with Storage(tmp_path / "bot.db") as st:
        conv = await st.load_conversation(-100, 7)
        assert conv.turn == 2 and conv.state.endswith("60}") and conv.choices == []
        assert await st.load_conversation(-100, 8) is None  # per user …
        assert await st.load_conversation(-101, 7) is None  # … and per chat
        assert await st.load_conversation(-100, 7, max_age=timedelta(seconds=-1)) is None  # stale ones expire
        assert await st.load_conversation(-100, 7) is None


async def test_chat_settings_round_trip(storage):
    assert (await storage.chat_settings(-5)).short_answers is True
    assert await storage.save_chat_settings(-5, ChatSettings(short_answers=False))
    assert (await storage.chat_settings(-5)).short_answers is False


async def test_a_locked_database_is_logged_and_the_write_skipped(storage, tmp_path, caplog):
    other = sqlite3.connect(tmp_path / "bot.db", isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    try:
        with caplog.at_level(logging.ERROR):
            assert await ask(storage, "被锁住时的问题") is None
            assert await storage.record_feedback(question_id=1, user_id=1, useful=True) is False
        assert "locked" in caplog.text
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert await ask(storage, "解锁后的问题") == 1


async def test_an_unusable_path_leaves_the_bot_without_storage_but_working(tmp_path, caplog):
    (tmp_path / "adir.db").mkdir()
    st = Storage(tmp_path / "adir.db")
    with caplog.at_level(logging.ERROR):
        assert await st.open() is False
    assert "storage unavailable" in caplog.text
    assert await ask(st, "问题") is None
    assert await st.load_conversation(1, 1) is None
    assert (await st.chat_settings(1)).short_answers is True
    with pytest.raises(StorageError):
        await st.stats(SINCE)


async def test_a_read_only_database_serves_reports_and_refuses_writes_quietly(tmp_path):
    async with Storage(tmp_path / "bot.db") as st:
        await ask(st, "问题", kind="faq", answer_id="x")
    async with Storage(tmp_path / "bot.db", read_only=True) as ro:
        assert (await ro.stats(SINCE)).questions == 1
        assert await ask(ro, "另一个问题") is None


def test_fold_ignores_case_spaces_and_punctuation():
    assert fold("外卖骑手 摔伤了，谁赔？") == fold("外卖骑手摔伤了谁赔") == "外卖骑手摔伤了谁赔"
    assert fold("ＡＢＣ abc") == "abcabc"
