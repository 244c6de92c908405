"""Floods, Bot API faults, storage faults and bugs: the bot keeps answering and never shows a traceback."""

import dataclasses
import logging
import sqlite3

from botapi_stub import user
from conftest import write_bot_config
from faq_samples import STANDALONE  # noqa: E402  (tests/ is on the path)

from bot.replies import text
from shebao.config import load_config
from shebao.service import texts as core_texts

ALICE = user(4001, "阿丽")
BOB = user(4002, "老王")
QUESTION = "工伤保险可以单独买吗"


async def test_a_flood_gets_a_few_answers_and_one_slow_down_note_while_others_are_served(bot, botapi):
    botapi.push(*[botapi.text_update(ALICE, f"{QUESTION}{i}") for i in range(40)])
    botapi.push(botapi.text_update(BOB, QUESTION))
    [answer] = await botapi.wait_for("sendMessage", chat_id=BOB["id"])
    assert STANDALONE in answer.text
    await botapi.settle()
    flood = [c.text for c in botapi.sent(ALICE["id"])]
    notes = [t for t in flood if t == core_texts()["slow_down"]]
    assert len(notes) == 1
    assert 5 <= len(flood) - len(notes) <= 7


async def test_429_with_retry_after_is_waited_out(bot, botapi):
    botapi.fail("sendMessage", "429", retry_after=1)
    botapi.push(botapi.text_update(ALICE, QUESTION))
    calls = await botapi.wait_for("sendMessage", count=2, chat_id=ALICE["id"])
    assert calls[1].at - calls[0].at >= 1.0
    assert STANDALONE in calls[1].text


async def test_5xx_and_dropped_connections_are_retried_with_backoff(bot, botapi):
    botapi.fail("sendMessage", "500")
    botapi.fail("sendMessage", "drop")
    botapi.fail("answerCallbackQuery", "500")
    botapi.push(botapi.text_update(ALICE, QUESTION))
    calls = await botapi.wait_for("sendMessage", count=3, chat_id=ALICE["id"])
    assert calls[2].at - calls[1].at > calls[1].at - calls[0].at  # the wait grows
    botapi.push(botapi.callback_update(ALICE, botapi.sent_message(calls[2]), "fb:1:1"))
    await botapi.wait_for("answerCallbackQuery", count=2)


async def test_a_failed_getupdates_is_retried_by_the_updater(bot, botapi):
    botapi.fail("getUpdates", "500")
    botapi.push(botapi.text_update(ALICE, QUESTION))
    await botapi.wait_for("sendMessage", chat_id=ALICE["id"])


async def test_a_send_that_keeps_failing_loses_no_stored_question(tmp_path, botapi, start_bot, caplog):
    cfg = load_config(write_bot_config(tmp_path, botapi.base_url))
    cfg.telegram["retry_backoff"] = 0.05
    async with start_bot(cfg):
        botapi.fail("sendMessage", "500", times=4)  # the first try and all three retries
        botapi.push(botapi.text_update(ALICE, QUESTION))
        calls = await botapi.wait_for("sendMessage", count=5, chat_id=ALICE["id"])
        assert calls[4].text == text("error")  # the apology got through
        await botapi.settle()
    with sqlite3.connect(cfg.storage_path) as db:
        assert db.execute("SELECT answer_id FROM questions").fetchall() == [("work_injury_standalone",)]


async def test_a_bug_gets_a_polite_reply_and_a_masked_log_never_a_traceback(bot, botapi, caplog):
    class Exploding:
        def answer(self, text, state=None, one_shot=False):
            raise RuntimeError(f"boom on {text}")

    conversation = bot.bot_data.conversation
    conversation.services = dataclasses.replace(conversation.services, answerer=Exploding())
    with caplog.at_level(logging.ERROR):
        botapi.push(botapi.text_update(ALICE, "我电话13812345678"))
        [call] = await botapi.wait_for("sendMessage", chat_id=ALICE["id"])
    assert call.text == text("error")
    assert "Traceback" not in call.text and "boom" not in call.text
    assert "boom on 我电话138****5678" in caplog.text
    assert "13812345678" not in caplog.text


async def test_an_unusable_database_leaves_the_bot_answering(tmp_path, botapi, start_bot, caplog):
    (tmp_path / "bot.db").mkdir()  # the database path is a folder: cannot be opened
    cfg = load_config(write_bot_config(tmp_path, botapi.base_url))
    with caplog.at_level(logging.ERROR):
        async with start_bot(cfg):
            botapi.push(botapi.text_update(ALICE, QUESTION))
            [call] = await botapi.wait_for("sendMessage", chat_id=ALICE["id"])
            assert STANDALONE in call.text
    assert "storage unavailable" in caplog.text


async def test_a_locked_database_is_reported_and_the_bot_keeps_answering(tmp_path, botapi, start_bot, caplog):
    cfg = load_config(write_bot_config(tmp_path, botapi.base_url, busy_timeout=0.1))
    async with start_bot(cfg):
        other = sqlite3.connect(cfg.storage_path, isolation_level=None)
        other.execute("BEGIN EXCLUSIVE")
        try:
            with caplog.at_level(logging.ERROR):
                botapi.push(botapi.text_update(ALICE, QUESTION))
                [call] = await botapi.wait_for("sendMessage", chat_id=ALICE["id"])
        finally:
            other.execute("ROLLBACK")
            other.close()
        assert STANDALONE in call.text
        assert "locked" in caplog.text


async def test_a_429_storm_is_waited_out_past_six_answers(bot, botapi):
    botapi.fail("sendMessage", "429", times=7, retry_after=1)
    botapi.push(botapi.text_update(ALICE, QUESTION))
    calls = await botapi.wait_for("sendMessage", count=8, chat_id=ALICE["id"], timeout=20)
    assert STANDALONE in calls[7].text
    await botapi.settle()
    assert len(botapi.sent(ALICE["id"])) == 8  # no apology besides


async def test_a_retry_after_past_the_deadline_is_given_up_at_once(tmp_path, botapi, start_bot, caplog):
    cfg = load_config(write_bot_config(tmp_path, botapi.base_url))
    cfg.telegram["retry_deadline"] = 2
    async with start_bot(cfg):
        botapi.fail("sendMessage", "429", retry_after=30)
        botapi.push(botapi.text_update(ALICE, QUESTION))
        calls = await botapi.wait_for("sendMessage", count=2, chat_id=ALICE["id"], timeout=10)
        assert calls[1].at - calls[0].at < 5
        assert calls[1].text == text("error")
    assert "past the 2 s deadline" in caplog.text
