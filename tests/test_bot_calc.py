"""Numeric questions: the calculators answer, follow-ups come as buttons, dialogs survive a restart."""

from botapi_stub import group_chat, user

ALICE = user(5001, "阿丽")
NEEDS_GENDER = "医保交了20年，退休时够不够"


def choice_buttons(call):
    return {b["text"]: b["callback_data"] for b in call.buttons if b.get("callback_data", "").startswith("calc:")}


async def test_a_numeric_question_is_calculated(bot, botapi):
    botapi.push(botapi.text_update(ALICE, "工资5000，每月社保扣多少钱"))
    [call] = await botapi.wait_for("sendMessage", chat_id=ALICE["id"])
    assert "5000" in call.text and "怎么算的" in call.text
    assert any(b.get("callback_data", "").startswith("fb:1:") for b in call.buttons)


async def test_a_follow_up_button_round_trip(bot, botapi):
    botapi.push(botapi.text_update(ALICE, NEEDS_GENDER))
    [ask] = await botapi.wait_for("sendMessage", chat_id=ALICE["id"])
    buttons = choice_buttons(ask)
    assert set(buttons) == {"男", "女"}
    botapi.push(botapi.callback_update(ALICE, botapi.sent_message(ask), buttons["女"]))
    calls = await botapi.wait_for("sendMessage", count=2, chat_id=ALICE["id"])
    assert "25" in calls[1].text and "怎么算的" in calls[1].text  # women need 25 years
    [edit] = await botapi.wait_for("editMessageReplyMarkup")
    assert not choice_buttons(edit)  # the pressed choices are gone
    # pressing an old button again does not run the calculator twice
    botapi.push(botapi.callback_update(ALICE, botapi.sent_message(ask), buttons["男"]))
    [_, stale] = await botapi.wait_for("answerCallbackQuery", count=2)
    assert "过期" in stale.text
    await botapi.settle()
    assert len(botapi.sent(ALICE["id"])) == 2


async def test_a_typed_follow_up_continues_the_dialog(bot, botapi):
    botapi.push(botapi.text_update(ALICE, NEEDS_GENDER))
    await botapi.wait_for("sendMessage", chat_id=ALICE["id"])
    botapi.push(botapi.text_update(ALICE, "男"))
    calls = await botapi.wait_for("sendMessage", count=2, chat_id=ALICE["id"])
    assert "30" in calls[1].text and "怎么算的" in calls[1].text


async def test_a_dialog_in_progress_survives_a_restart(bot_config, botapi, start_bot):
    async with start_bot(bot_config):
        botapi.push(botapi.text_update(ALICE, NEEDS_GENDER))
        [ask] = await botapi.wait_for("sendMessage", chat_id=ALICE["id"])
        await botapi.settle()
    async with start_bot(bot_config):
        botapi.push(botapi.callback_update(ALICE, botapi.sent_message(ask), choice_buttons(ask)["男"]))
        calls = await botapi.wait_for("sendMessage", count=2, chat_id=ALICE["id"])
        assert "30" in calls[1].text


async def test_a_calculation_asked_in_a_group_moves_to_private(bot, botapi):
    group = group_chat()
    botapi.push(botapi.text_update(ALICE, "/ask 工资5000，每月社保扣多少钱", chat=group))
    [call] = await botapi.wait_for("sendMessage", chat_id=group["id"])
    assert "私聊" in call.text and "5000" not in call.text
    # the link begins the same calculator in private (the wage stays out of the group and the link)
    assert call.buttons[0]["url"] == "https://t.me/shebao_test_bot?start=calc_contribution"
