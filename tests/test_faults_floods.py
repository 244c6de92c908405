"""Media floods, albums, captions and button presses: none of them eats a worker's question allowance,
and a press whose answerCallbackQuery fails ("query is too old") is still handled."""

import sqlite3

from botapi_stub import user
from faq_samples import STANDALONE

from bot.replies import text
from shebao.service import texts as core_texts

ALICE = user(6001, "阿丽")
QUESTION = "工伤保险可以单独买吗"
NEEDS_GENDER = "医保交了20年，退休时够不够"  # the calculator asks 男 / 女 with buttons
UNSURE = "卡丢了怎么办"  # answered with "did you mean: social_card_service" (no insurance named: not sure enough)


def buttons_starting(call, prefix):
    return {b["text"]: b["callback_data"] for b in call.buttons if b.get("callback_data", "").startswith(prefix)}


async def test_an_album_gets_one_note_and_the_question_after_it_is_answered_and_stored(bot, botapi, bot_config):
    botapi.push(*[botapi.media_update(ALICE, "photo", media_group_id="album-1") for _ in range(5)])
    botapi.push(botapi.text_update(ALICE, "老板不给交社保怎么办"))
    calls = await botapi.wait_for("sendMessage", count=2, chat_id=ALICE["id"])
    await botapi.settle()
    sent = [c.text for c in botapi.sent(ALICE["id"])]
    assert sent.count(text("not_text")) == 1 and len(sent) == 2
    assert core_texts()["slow_down"] not in sent
    assert calls[1].text != text("not_text")
    with sqlite3.connect(bot_config.storage_path) as db:
        assert db.execute("SELECT text FROM questions").fetchall() == [("老板不给交社保怎么办",)]


async def test_a_sticker_flood_does_not_use_up_the_questions(bot, botapi):
    botapi.push(*[botapi.media_update(ALICE, "sticker") for _ in range(12)])
    botapi.push(*[botapi.text_update(ALICE, QUESTION) for _ in range(3)])
    await botapi.wait_for("sendMessage", count=4, chat_id=ALICE["id"])
    await botapi.settle()
    sent = [c.text for c in botapi.sent(ALICE["id"])]
    assert sent.count(text("not_text")) == 1
    assert sum(STANDALONE in t for t in sent) == 3


async def test_a_photo_caption_is_read_as_the_question(bot, botapi):
    botapi.push(botapi.media_update(ALICE, "photo", caption=QUESTION))
    [answer] = await botapi.wait_for("sendMessage", chat_id=ALICE["id"])
    assert STANDALONE in answer.text


async def test_an_album_with_a_caption_gets_the_answer_and_no_note(bot, botapi):
    botapi.push(botapi.media_update(ALICE, "photo", media_group_id="album-2", caption=QUESTION))
    botapi.push(*[botapi.media_update(ALICE, "photo", media_group_id="album-2") for _ in range(4)])
    [answer] = await botapi.wait_for("sendMessage", chat_id=ALICE["id"])
    await botapi.settle()
    assert STANDALONE in answer.text and len(botapi.sent(ALICE["id"])) == 1


async def test_a_button_press_does_not_use_the_question_allowance(bot, botapi):
    for n in range(1, 5):  # burst is 5: four questions, then the calculator
        botapi.push(botapi.text_update(ALICE, f"{QUESTION}{n}"))
        await botapi.wait_for("sendMessage", count=n, chat_id=ALICE["id"])
    botapi.push(botapi.text_update(ALICE, NEEDS_GENDER))
    calls = await botapi.wait_for("sendMessage", count=5, chat_id=ALICE["id"])
    botapi.push(botapi.callback_update(ALICE, botapi.sent_message(calls[4]),
                                       buttons_starting(calls[4], "calc:")["男"]))
    calls = await botapi.wait_for("sendMessage", count=6, chat_id=ALICE["id"])
    assert "30" in calls[5].text and core_texts()["slow_down"] not in calls[5].text


async def test_a_calculator_press_too_old_to_acknowledge_is_still_answered(bot, botapi):
    botapi.push(botapi.text_update(ALICE, NEEDS_GENDER))
    [ask] = await botapi.wait_for("sendMessage", chat_id=ALICE["id"])
    botapi.fail("answerCallbackQuery", "stale")
    botapi.push(botapi.callback_update(ALICE, botapi.sent_message(ask), buttons_starting(ask, "calc:")["男"]))
    calls = await botapi.wait_for("sendMessage", count=2, chat_id=ALICE["id"])
    assert "30" in calls[1].text


async def test_a_did_you_mean_press_too_old_to_acknowledge_is_still_answered(bot, botapi):
    botapi.push(botapi.text_update(ALICE, UNSURE))
    [offer] = await botapi.wait_for("sendMessage", chat_id=ALICE["id"])
    [choice] = buttons_starting(offer, "dym:").values()
    assert choice == "dym:social_card_service"
    botapi.fail("answerCallbackQuery", "stale")
    botapi.push(botapi.callback_update(ALICE, botapi.sent_message(offer), choice))
    calls = await botapi.wait_for("sendMessage", count=2, chat_id=ALICE["id"])
    assert calls[1].text.startswith("社保卡") or "社保卡" in calls[1].text.splitlines()[0], calls[1].text


async def test_a_feedback_press_too_old_to_acknowledge_still_marks_the_buttons(bot, botapi):
    botapi.push(botapi.text_update(ALICE, QUESTION))
    [answer] = await botapi.wait_for("sendMessage", chat_id=ALICE["id"])
    botapi.fail("answerCallbackQuery", "stale")
    botapi.push(botapi.callback_update(ALICE, botapi.sent_message(answer), buttons_starting(answer, "fb:1:")
                                       [next(iter(buttons_starting(answer, "fb:1:")))]))
    [edit] = await botapi.wait_for("editMessageReplyMarkup")
    assert any("已反馈" in b["text"] for b in edit.buttons)
