"""Staff commands: /stats, /unanswered and /reload for admins only; a polite refusal for anyone else."""

import pytest
from botapi_stub import group_chat, user
from conftest import BOT_ADMIN_ID

STAFF = user(BOT_ADMIN_ID, "工会小李")
WORKER = user(3001, "阿强")

NEW_ENTRY = """
- id: bot_reload_probe
  question: 叉车司机考证的补贴去哪里领？
  also_asked: [叉车证补贴在哪领]
  answer: |
    这是测试用的条目：去当地人社局职业能力建设科申请。
  source: 测试
  as_of: 2024-01-01
"""

BROKEN_ENTRY = """
- id: bot_broken_probe
  question: 这个条目没有答案
  source: 测试
  as_of: 2024-01-01
"""


@pytest.mark.parametrize("command", ["/stats", "/unanswered", "/reload"])
async def test_workers_are_refused_staff_commands_without_learning_anything(bot, botapi, command):
    botapi.push(botapi.text_update(WORKER, command))
    [call] = await botapi.wait_for("sendMessage", chat_id=WORKER["id"])
    assert "工作人员" in call.text
    assert not any(ch.isdigit() for ch in call.text)
    assert call.buttons == []


async def test_stats_and_unanswered_for_staff(bot, botapi):
    botapi.push(botapi.text_update(WORKER, "工伤保险可以单独买吗"))
    botapi.push(botapi.text_update(user(3002), "我的卡6222021234567890123开通了吗 量子纠缠火星移民"))
    botapi.push(botapi.text_update(user(3003), "你好"))
    await botapi.wait_for("sendMessage", count=3)
    botapi.push(botapi.text_update(STAFF, "/stats"))
    [stats] = await botapi.wait_for("sendMessage", chat_id=STAFF["id"])
    assert "提问：2 次，2 人" in stats.text  # the greeting is not a question
    assert "work_injury_standalone" in stats.text
    botapi.push(botapi.text_update(STAFF, "/unanswered"))
    calls = await botapi.wait_for("sendMessage", count=2, chat_id=STAFF["id"])
    listing = calls[1].text
    assert "6222***********0123" in listing and "6222021234567890123" not in listing
    assert "你好" not in listing  # greetings are not questions staff must answer


async def test_reload_picks_up_a_good_change_and_keeps_the_last_good_faq_on_errors(bot, botapi, bot_config):
    faq = bot_config.faq_path
    before = len(bot.bot_data.conversation.services.entries)
    with open(faq / "rights.yaml", "a", encoding="utf-8") as fh:
        fh.write(NEW_ENTRY)
    botapi.push(botapi.text_update(STAFF, "/reload"))
    [ok] = await botapi.wait_for("sendMessage", chat_id=STAFF["id"])
    assert f"{before + 1} 条" in ok.text
    botapi.push(botapi.text_update(WORKER, "叉车证补贴在哪领"))
    [answer] = await botapi.wait_for("sendMessage", chat_id=WORKER["id"])
    assert "职业能力建设科" in answer.text

    broken = faq / "zz_broken.yaml"
    broken.write_text(BROKEN_ENTRY, encoding="utf-8")
    botapi.push(botapi.text_update(STAFF, "/reload"))
    calls = await botapi.wait_for("sendMessage", count=2, chat_id=STAFF["id"])
    refused = calls[1].text
    assert f"{broken}:2:" in refused and "answer" in refused
    assert f"{before + 1} 条" in refused
    botapi.push(botapi.text_update(WORKER, "叉车证补贴在哪领"))
    answers = await botapi.wait_for("sendMessage", count=2, chat_id=WORKER["id"])
    assert "职业能力建设科" in answers[1].text


@pytest.mark.parametrize("command", ["/stats", "/unanswered", "/reload"])
async def test_staff_commands_in_a_group_only_say_to_ask_in_private(bot, botapi, command):
    group = group_chat()
    botapi.push(botapi.text_update(user(3002), "我的卡6222021234567890123开通了吗 量子纠缠火星移民"))
    await botapi.wait_for("sendMessage", chat_id=3002)
    botapi.push(botapi.text_update(STAFF, command, chat=group))
    [note] = await botapi.wait_for("sendMessage", chat_id=group["id"])
    assert "私聊" in note.text
    assert "0123" not in note.text and "量子" not in note.text and "条" not in note.text
    await botapi.settle()
    assert len(botapi.sent(group["id"])) == 1


async def test_greetings_and_dialog_turns_are_not_counted_as_questions(bot, botapi):
    botapi.push(botapi.text_update(WORKER, "你好"))
    await botapi.wait_for("sendMessage", chat_id=WORKER["id"])
    for n, text in enumerate(["我想算养老金", "60岁", "取消"], start=2):
        botapi.push(botapi.text_update(WORKER, text))
        await botapi.wait_for("sendMessage", count=n, chat_id=WORKER["id"])
    botapi.push(botapi.text_update(user(3002), "谢谢"))
    botapi.push(botapi.text_update(user(3003), "工伤保险可以单独买吗"))
    await botapi.wait_for("sendMessage", count=6)
    botapi.push(botapi.text_update(STAFF, "/stats"))
    [stats] = await botapi.wait_for("sendMessage", chat_id=STAFF["id"])
    # the pension dialog is one question, the greeting and the thanks none
    assert "提问：2 次，2 人" in stats.text
    assert "已回答：2 次（100%）" in stats.text
    assert "calc:pension：1 次" in stats.text
