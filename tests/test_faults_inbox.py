"""What the inbox keeps of an update (bot.inbox.reduced): only what answering needs, masked, and
still an update the handlers read the same way after a restart."""

from botapi_stub import BOT_USER, BotApiStub, group_chat, user
from telegram import Bot, MessageEntity, Update

from bot.inbox import reduced

STUB = BotApiStub()  # only its update builders: no server is started
BOT = Bot("123:abc")
ALICE = user(8123456789, "阿丽", last_name="王", username="ali_wang")


def kept(body: dict) -> Update | None:
    data = reduced(Update.de_json({"update_id": 1, **body}, BOT))
    return None if data is None else Update.de_json(data, BOT)


def test_a_question_keeps_ids_and_masked_text_but_no_names():
    update = kept(STUB.text_update(ALICE, "我的手机 139 1234 5678 断缴了怎么办"))
    message = update.message
    assert message.text == "我的手机 139****5678 断缴了怎么办"
    assert (message.chat.id, message.chat.type, message.from_user.id) == (ALICE["id"], "private", ALICE["id"])
    assert message.from_user.first_name == "" and message.from_user.username is None


def test_a_mention_after_a_masked_number_is_still_found_where_it_moved():
    text = "身份证 630102 1990 0101 1234 @shebao_test_bot 能退休吗"
    update = kept(STUB.text_update(ALICE, text, chat=group_chat()))
    mentions = update.message.parse_entities([MessageEntity.MENTION])
    assert list(mentions.values()) == ["@shebao_test_bot"]
    assert "630***********1234" in update.message.text


def test_a_command_and_a_reply_to_the_bot_survive():
    answer = STUB._message(BOT_USER, group_chat(), text="之前的回答")
    update = kept(STUB.text_update(ALICE, "/ask@shebao_test_bot 工伤保险可以单独买吗", chat=group_chat(),
                                   reply_to=answer))
    [command] = update.message.parse_entities([MessageEntity.BOT_COMMAND]).values()
    assert command == "/ask@shebao_test_bot"
    assert update.message.reply_to_message.from_user.id == BOT_USER["id"]


def test_a_shared_contact_keeps_no_phone_number_and_a_caption_is_masked():
    contact = kept(STUB.media_update(ALICE, "contact"))
    assert contact is not None and contact.message.contact is None and contact.message.text is None
    photo = kept(STUB.media_update(ALICE, "photo", caption="工资条 卡号6222 0212 3456 7890 123"))
    assert photo.message.caption == "工资条 卡号6222***********0123"


def test_a_button_press_keeps_its_data_and_inline_queries_and_status_updates_are_not_kept():
    answer = STUB._message(BOT_USER, {"id": ALICE["id"], "type": "private"}, text="回答")
    press = kept(STUB.callback_update(ALICE, answer, "fb:1:17"))
    assert press.callback_query.data == "fb:1:17" and press.callback_query.from_user.id == ALICE["id"]
    assert kept(STUB.inline_update(ALICE, "工伤")) is None
    joined = {"message": STUB._message(ALICE, group_chat(), new_chat_members=[ALICE])}
    assert kept(joined) is None
