"""Hand-offs in the store and the core's desk, on SQLite and PostgreSQL: numbering, the limit of open
ones, masking, replies handed out once, and a reply typed in one process reaching a worker of another
through the store (each process polls it for the chats it knows)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from shebao.config import load_config
from shebao.handoff import Desk
from shebao.store import Storage, migrations
from shebao.store.records import Handoff

SINCE = datetime.now(UTC) - timedelta(days=1)
PHONE, CARD = "13812345678", "6222021234567890123"


def make(target) -> Storage:
    return Storage(target["path"], url=target.get("url"), busy_timeout=2)


@pytest.fixture
async def storage(store_target):
    async with make(store_target) as st:
        yield st


@pytest.fixture
def cfg():
    return load_config(None)


async def test_hand_offs_are_numbered_masked_and_at_most_three_open_per_worker(storage):
    opened = [await storage.open_handoff(via="web", chat_id="s1", user_id="s1", text=f"问题{n} 电话{PHONE}",
                                         guesses=["work_injury_standalone"]) for n in range(4)]
    assert opened == [(1, 0), (2, 1), (3, 2), (None, 3)]
    other = await storage.open_handoff(via="web", chat_id="s2", user_id="s2", text="别人的问题")
    assert other == (4, 0)  # the limit is per worker
    found = await storage.handoff(1)
    assert PHONE not in found.text and "138****5678" in found.text
    assert found.guesses == ["work_injury_standalone"] and found.open


async def test_the_first_staff_reply_closes_it_and_names_who_answered(storage):
    number, _ = await storage.open_handoff(via="telegram", chat_id=5, user_id=5, text="问题")
    before, first_id = await storage.record_staff_reply(number, staff="小李", text=f"请打 {PHONE}")
    assert before.answered_by is None and first_id
    before, _ = await storage.record_staff_reply(number, staff="老王", text="补一句")
    assert before.answered_by == "小李"  # the second one learns who answered first
    assert (await storage.handoff(number)).answered_by == "小李"
    assert await storage.record_staff_reply(999, staff="小李", text="没这个") == (None, None)
    assert await storage.open_handoffs() == []
    stats = await storage.handoff_stats(SINCE)
    assert (stats.opened, stats.answered, stats.open_now) == (1, 1, 0)
    assert stats.median_first_reply is not None and stats.median_first_reply < 60


async def test_a_session_gets_its_staff_replies_once_masked(storage):
    number, _ = await storage.open_handoff(via="web", chat_id="sess", user_id="sess", text="问题")
    await storage.record_staff_reply(number, staff="小李", text=f"卡号{CARD}已查")
    [first] = await storage.take_staff_replies("web", "sess")
    assert CARD not in first.text and "0123" in first.text
    assert await storage.take_staff_replies("web", "sess") == []
    assert await storage.take_staff_replies("web", "other") == []


async def test_an_answered_hand_off_leaves_the_unanswered_queue(storage):
    qid = await storage.record_question(user_id=7, chat_type="private", via="web", text="火星社保", kind="none",
                                        answer_id=None, best_id=None, score=10.0)
    number, _ = await storage.open_handoff(via="web", chat_id=7, user_id=7, text="火星社保", question_id=qid)
    assert [q.question_id for q in await storage.unanswered_questions(SINCE)] == [qid]
    await storage.record_staff_reply(number, staff="小李", text="不归社保管")
    assert await storage.unanswered_questions(SINCE) == []
    [answered] = await storage.answered_handoffs(SINCE)
    assert (answered.text, answered.reply) == ("火星社保", "不归社保管")


async def test_announcing_and_delivering_are_claimed_once(storage):
    number, _ = await storage.open_handoff(via="wechat", chat_id="o1", user_id="o1", text="问题")
    assert [h.number for h in await storage.unannounced_handoffs()] == [number]
    assert await storage.claim_announcement(number) is True
    assert await storage.claim_announcement(number) is False
    assert await storage.unannounced_handoffs() == []
    _, reply_id = await storage.record_staff_reply(number, staff="小李", text="回复")
    assert [r.reply_id for r in await storage.undelivered_replies(["wechat"])] == [reply_id]
    assert await storage.undelivered_replies(["telegram"]) == []
    assert await storage.claim_delivery(reply_id) is True
    assert await storage.claim_delivery(reply_id) is False
    await storage.release_delivery(reply_id)  # the send failed: it waits for the next attempt
    assert [r.reply_id for r in await storage.undelivered_replies(["wechat"])] == [reply_id]


class FakeServices:
    class answerer:  # noqa: N801 - stands in for the services' answerer
        @staticmethod
        def answer(text, one_shot=True):
            from shebao.service import Reply

            return Reply(text, "none", None, "work_injury_standalone", 30.0, [], "…")


async def test_a_reply_typed_in_another_process_reaches_the_worker_through_the_store(store_target, cfg):
    """The web/WeChat process opened the hand-off and knows the chat; the Telegram process stores the
    reply; the first process's poll delivers it, once."""
    async with make(store_target) as web_store, make(store_target) as bot_store:
        web_desk, bot_desk = Desk(web_store, cfg), Desk(bot_store, cfg)
        web_desk.poll_seconds = bot_desk.poll_seconds = 0  # polled by hand here
        delivered: list[tuple[str, str]] = []
        announced: list[Handoff] = []

        async def deliver(chat, text):
            delivered.append((chat, text))
            return True

        async def announce(handoff, details):
            announced.append(handoff)

        web_desk.deliver_with("wechat", deliver)
        bot_desk.announce_with(announce)
        confirmation = await web_desk.open(("wechat", "o_worker", "o_worker"), FakeServices, "我的工伤没人管")
        assert confirmation.handoff == 1

        assert await bot_desk.poll_once() == 1  # the Telegram process tells staff of it
        assert [h.number for h in announced] == [1] and announced[0].via == "wechat"
        assert await bot_desk.poll_once() == 0  # once

        outcome = await bot_desk.staff_reply(1, "请带合同去社保局", staff="小李")
        assert outcome.handoff is not None and outcome.delivered is False  # that process does not know the chat
        assert await web_desk.poll_once() == 1
        assert delivered == [("o_worker", "工会工作人员回复：请带合同去社保局")]
        assert await web_desk.poll_once() == 0
        await web_desk.close()
        await bot_desk.close()


async def test_a_reply_for_a_web_session_waits_for_its_poll(store_target, cfg):
    async with make(store_target) as web_store, make(store_target) as bot_store:
        web_desk, bot_desk = Desk(web_store, cfg), Desk(bot_store, cfg)
        await web_desk.open(("web", "sessionAAAAAAAAAAAA", "sessionAAAAAAAAAAAA"), FakeServices, "问题")
        await bot_desk.staff_reply(1, "您好", staff="小李")
        messages = await web_desk.messages("web", "sessionAAAAAAAAAAAA")
        assert [m["text"] for m in messages] == ["工会工作人员回复：您好"]
        assert datetime.fromisoformat(messages[0]["at"]) <= datetime.now(UTC)
        assert await web_desk.messages("web", "sessionAAAAAAAAAAAA") == []


async def test_a_failed_delivery_is_tried_again_at_the_next_poll(store_target, cfg):
    async with make(store_target) as st:
        desk = Desk(st, cfg)
        desk.poll_seconds = 0
        attempts: list[str] = []

        async def flaky(chat, text):
            attempts.append(text)
            return len(attempts) > 1  # the first try fails (the API was down)

        desk.deliver_with("wechat", flaky)
        await desk.open(("wechat", "o1", "o1"), FakeServices, "问题")
        outcome = await desk.staff_reply(1, "回复", staff="小李")
        assert outcome.delivered is False and len(attempts) == 1
        assert await desk.poll_once() == 1 and len(attempts) == 2
        assert await desk.poll_once() == 0 and len(attempts) == 2
        await desk.close()


async def test_migrations_with_a_gap_in_their_numbers_are_all_applied(tmp_path, monkeypatch):
    """0004 may arrive before 0003 (two branches at once): the runner applies what is not recorded."""
    import shebao.store.storage as storage_module

    real = migrations()
    with_gap = [m for m in real if m[0] != 3] + [(9, "later", "CREATE TABLE later_probe (id INTEGER PRIMARY KEY);")]
    monkeypatch.setattr(storage_module, "migrations", lambda: sorted(with_gap))
    async with Storage(tmp_path / "gap.db") as st:
        assert await st.schema_version() == 9
        applied = [v for (v,) in await st._read("SELECT version FROM schema_migrations ORDER BY version")]
        assert applied == [m[0] for m in sorted(with_gap)]
        assert await st._read("SELECT COUNT(*) FROM later_probe") == [(0,)]
        assert await st._read("SELECT COUNT(*) FROM handoffs") == [(0,)]


async def test_staff_tools_read_a_database_from_before_hand_offs(tmp_path, monkeypatch):
    """A report on an older database, read-only (it is never migrated): no hand-off figures, no error."""
    import shebao.store.storage as storage_module

    older = [m for m in migrations() if m[0] < 4]
    monkeypatch.setattr(storage_module, "migrations", lambda: older)
    async with Storage(tmp_path / "old.db") as st:
        await st.record_question(user_id=1, chat_type="private", via="message", text="问题", kind="none",
                                 answer_id=None, best_id=None, score=1.0)
    monkeypatch.undo()
    async with Storage(tmp_path / "old.db", read_only=True) as st:
        assert (await st.stats(SINCE)).handoffs is None
        assert await st.answered_handoffs(SINCE) == []
        assert (await st.stats(SINCE)).questions == 1


@pytest.mark.parametrize(("text", "added"), [
    ("补充：我在工地干了两年", "我在工地干了两年"),
    ("补充 单位没签合同", "单位没签合同"),
    ("补充医疗保险怎么买", None),  # a question about supplementary insurance, not details
    ("补充：", None),
])
async def test_details_are_a_message_starting_with_buchong_and_a_colon_or_space(storage, cfg, text, added):
    desk = Desk(storage, cfg)
    await desk.open(("web", "s", "s"), FakeServices, "问题")
    reply = await desk.add_details(("web", "s", "s"), text)
    assert (await storage.handoff(1)).details == (added or "")
    assert (reply is not None) == (added is not None)


async def test_undeliverable_old_replies_do_not_crowd_out_new_ones(storage):
    for n in range(3):
        number, _ = await storage.open_handoff(via="wechat", chat_id=f"o{n}", user_id=f"o{n}", text="问题")
        await storage.record_staff_reply(number, staff="小李", text=f"回复{n}")
    assert [r.text for r in await storage.undelivered_replies(["wechat"], limit=2)] == ["回复2", "回复1"]
