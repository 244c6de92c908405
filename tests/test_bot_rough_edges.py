"""Rough edges workers met in Telegram (issue 9), each pinned by a test that failed before the fix."""

import logging

from botapi_stub import group_chat, user
from faq_samples import STANDALONE  # noqa: E402  (tests/ is on the path)

from bot.replies import text
from shebao.service import texts as core_texts

GROUP = group_chat()
ALICE = user(5001, "阿丽")
BOB = user(5002, "老王")
QUESTION = "工伤保险可以单独买吗"


async def test_a_mention_in_mixed_case_is_stripped_from_the_question(bot, botapi):
    botapi.push(botapi.text_update(ALICE, "@Shebao_Test_Bot 你好", chat=GROUP))
    [call] = await botapi.wait_for("sendMessage", chat_id=GROUP["id"])
    assert call.text == text("greeting_group", bot="shebao_test_bot")  # read as a greeting, mention gone


async def test_ask_sent_as_a_reply_to_a_workers_message_answers_that_message(bot, botapi):
    asked = botapi.text_update(BOB, QUESTION, chat=GROUP)["message"]
    botapi.push(botapi.text_update(ALICE, "/ask", chat=GROUP, reply_to=asked))
    [call] = await botapi.wait_for("sendMessage", chat_id=GROUP["id"])
    assert STANDALONE in call.text


async def test_ask_hello_in_a_group_gets_the_group_greeting(bot, botapi):
    botapi.push(botapi.text_update(ALICE, "/ask 你好", chat=GROUP))
    [call] = await botapi.wait_for("sendMessage", chat_id=GROUP["id"])
    assert call.text == text("greeting_group", bot="shebao_test_bot")
    assert call.text != core_texts()["greeting"]


async def test_a_calculation_moved_from_a_group_goes_on_in_private_through_its_link(bot, botapi):
    botapi.push(botapi.text_update(ALICE, "/ask 我想算算养老金", chat=GROUP))
    [moved] = await botapi.wait_for("sendMessage", chat_id=GROUP["id"])
    [button] = moved.buttons
    assert button["url"] == "https://t.me/shebao_test_bot?start=calc_pension"
    botapi.push(botapi.text_update(ALICE, "/start calc_pension"))
    [first] = await botapi.wait_for("sendMessage", chat_id=ALICE["id"])
    assert "几岁退休" in first.text  # the calculator's first question, not "please ask again"
    botapi.push(botapi.text_update(ALICE, "60岁"))
    calls = await botapi.wait_for("sendMessage", count=2, chat_id=ALICE["id"])
    assert "几年" in calls[1].text


async def test_feedback_in_a_group_leaves_the_buttons_for_everyone(bot, botapi):
    botapi.push(botapi.text_update(ALICE, "/ask " + QUESTION, chat=GROUP))
    [answer] = await botapi.wait_for("sendMessage", chat_id=GROUP["id"])
    useful = next(b["callback_data"] for b in answer.buttons if b.get("callback_data", "").startswith("fb:1:"))
    botapi.push(botapi.callback_update(BOB, botapi.sent_message(answer), useful))
    await botapi.wait_for("answerCallbackQuery")
    await botapi.settle()
    assert botapi.calls_of("editMessageReplyMarkup") == []


async def test_thanks_get_you_are_welcome_not_the_greeting(bot, botapi):
    botapi.push(botapi.text_update(ALICE, "谢谢你"))
    [call] = await botapi.wait_for("sendMessage", chat_id=ALICE["id"])
    assert call.text == core_texts()["thanks"] and "不客气" in call.text


async def test_follow_up_questions_and_a_cancelled_calculation_carry_no_feedback_buttons(bot, botapi):
    botapi.push(botapi.text_update(ALICE, "我想算算养老金"))
    [follow_up] = await botapi.wait_for("sendMessage", chat_id=ALICE["id"])
    botapi.push(botapi.text_update(ALICE, "取消"))
    calls = await botapi.wait_for("sendMessage", count=2, chat_id=ALICE["id"])
    for call in (follow_up, calls[1]):
        assert not [b for b in call.buttons if b.get("callback_data", "").startswith("fb:")], call.text
    botapi.push(botapi.text_update(ALICE, "我工资5000，每月社保扣多少"))
    calls = await botapi.wait_for("sendMessage", count=3, chat_id=ALICE["id"])
    assert [b for b in calls[2].buttons if b.get("callback_data", "").startswith("fb:")]  # a figure is rated


async def test_a_worker_who_blocked_the_bot_is_logged_plainly_not_as_an_error(bot, botapi, caplog):
    botapi.fail("sendMessage", "403")
    with caplog.at_level(logging.INFO):
        botapi.push(botapi.text_update(ALICE, QUESTION))
        await botapi.wait_for("sendMessage", chat_id=ALICE["id"])
        await botapi.settle()
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []
    assert "Traceback" not in caplog.text and "blocked" in caplog.text


async def test_a_bot_added_to_a_group_as_administrator_says_how_to_use_it(bot, botapi):
    botapi.push(botapi.added_to_group_update(ALICE, GROUP, status="administrator"))
    [call] = await botapi.wait_for("sendMessage", chat_id=GROUP["id"])
    assert call.text == text("greeting_group", bot="shebao_test_bot")


def edit_of(update: dict, new_text: str) -> dict:
    """The same message, corrected by its sender."""
    return {"edited_message": {**update["message"], "text": new_text, "edit_date": update["message"]["date"] + 5}}


async def test_a_corrected_message_is_answered_when_the_first_version_got_no_answer(bot, botapi):
    missed = botapi.text_update(ALICE, "今天晚上吃什么菜比较好")
    answered = botapi.text_update(ALICE, QUESTION)
    botapi.push(missed, answered)
    await botapi.wait_for("sendMessage", count=2, chat_id=ALICE["id"])
    botapi.push(edit_of(answered, "工伤保险可以单独买吗？？"))  # already answered: no second answer
    botapi.push(edit_of(missed, QUESTION))
    calls = await botapi.wait_for("sendMessage", count=3, chat_id=ALICE["id"])
    assert STANDALONE in calls[2].text
    await botapi.settle()
    assert len(botapi.sent(ALICE["id"])) == 3
