"""The bot in group chats: quiet unless addressed, short answers, personal matters moved to private."""

from botapi_stub import BOT_USER, group_chat, user
from faq_samples import STANDALONE  # noqa: E402  (tests/ is on the path)

GROUP = group_chat()
ALICE = user(2001, "阿丽")
QUESTION = "工伤保险可以单独买吗"


async def test_ordinary_group_chatter_gets_silence(bot, botapi):
    botapi.push(botapi.text_update(ALICE, QUESTION, chat=GROUP))
    botapi.push(botapi.text_update(ALICE, "今天工地几点收工", chat=GROUP))
    botapi.push(botapi.text_update(ALICE, "/ask@some_other_bot " + QUESTION, chat=GROUP))
    botapi.push(botapi.media_update(ALICE, "sticker", chat=GROUP))
    await botapi.settle()
    assert botapi.sent() == []


async def test_ask_and_ask_at_bot_get_a_short_answer_quoting_the_asker(bot, botapi):
    first, second = botapi.push(
        botapi.text_update(ALICE, "/ask " + QUESTION, chat=GROUP),
        botapi.text_update(ALICE, "/ask@shebao_test_bot " + QUESTION, chat=GROUP),
    )
    calls = await botapi.wait_for("sendMessage", count=2, chat_id=GROUP["id"])
    for call in calls:
        assert call.params["reply_parameters"]["message_id"]
        assert STANDALONE in call.text
        assert "依据：" not in call.text  # the short version, with a link to the rest
        assert "https://t.me/shebao_test_bot?start=faq_work_injury_standalone" in [b.get("url") for b in call.buttons]
        assert len(call.text) < 300


async def test_ask_without_a_question_explains_how(bot, botapi):
    botapi.push(botapi.text_update(ALICE, "/ask", chat=GROUP))
    [call] = await botapi.wait_for("sendMessage", chat_id=GROUP["id"])
    assert "/ask" in call.text


async def test_replies_to_the_bot_and_mentions_are_answered(bot, botapi):
    botapi.push(botapi.text_update(ALICE, "/ask 你好", chat=GROUP))
    [hello] = await botapi.wait_for("sendMessage", chat_id=GROUP["id"])
    botapi.push(botapi.text_update(ALICE, QUESTION, chat=GROUP, reply_to=botapi.sent_message(hello)))
    botapi.push(botapi.text_update(ALICE, "@shebao_test_bot " + QUESTION, chat=GROUP))
    calls = await botapi.wait_for("sendMessage", count=3, chat_id=GROUP["id"])
    assert all(STANDALONE in c.text for c in calls[1:])
    # a reply to someone else's message stays unanswered
    botapi.push(botapi.text_update(ALICE, QUESTION, chat=GROUP,
                                   reply_to={"message_id": 1, "date": 0, "chat": GROUP, "from": user(9)}))
    await botapi.settle()
    assert len(botapi.sent()) == 3


async def test_questions_with_personal_numbers_move_to_a_private_chat(bot, botapi):
    botapi.push(botapi.text_update(ALICE, "/ask 我身份证110101199003071234，工伤保险可以单独买吗", chat=GROUP))
    [call] = await botapi.wait_for("sendMessage", chat_id=GROUP["id"])
    assert "私聊" in call.text and "110101" not in call.text
    [button] = call.buttons
    assert button["url"].startswith("https://t.me/shebao_test_bot?start=")


async def test_being_added_to_a_group_explains_how_to_ask(bot, botapi):
    botapi.push(botapi.added_to_group_update(ALICE, GROUP))
    [call] = await botapi.wait_for("sendMessage", chat_id=GROUP["id"])
    assert "/ask" in call.text and BOT_USER["username"] in call.text
