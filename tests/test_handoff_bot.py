"""Asking a person in Telegram, end to end through the Bot API stand-in: a question the FAQ cannot
answer → the 找工会工作人员 button → every admin gets #N (masked) → /reply N or a reply to the #N
message → the worker gets 工会工作人员回复：…; refusals, unknown numbers, the limits, /pending, /stats."""

from __future__ import annotations

import asyncio
import re
import sqlite3
from datetime import UTC, datetime

import pytest
import yaml
from botapi_stub import group_chat, user
from conftest import BOT_ADMIN_ID

STAFF = user(BOT_ADMIN_ID, "工会小李")
OTHER_STAFF = user(434343, "工会老王")
WORKER = user(3001, "阿强")
CARD = "6222021234567890123"
UNANSWERABLE = f"我的卡{CARD}开通了吗 量子纠缠火星移民"
MASKED_CARD = "6222***********0123"


def handoff_button(call) -> dict:
    [button] = [b for b in call.buttons if b.get("callback_data") == "human"]
    return button


async def ask_and_hand_over(botapi, worker=WORKER, question=UNANSWERABLE, staff=(STAFF,)) -> int:
    """The worker asks what the FAQ cannot answer and presses 找工会工作人员; the hand-off's number."""
    before = len(botapi.sent(worker["id"]))
    staff_before = {s["id"]: len(botapi.sent(s["id"])) for s in staff}
    botapi.push(botapi.text_update(worker, question))
    calls = await botapi.wait_for("sendMessage", count=before + 1, chat_id=worker["id"])
    answer = calls[-1]
    assert handoff_button(answer)["text"] == "找工会工作人员"
    botapi.push(botapi.callback_update(worker, botapi.sent_message(answer), "human"))
    calls = await botapi.wait_for("sendMessage", count=before + 2, chat_id=worker["id"])
    number = int(re.search(r"#(\d+)", calls[-1].text).group(1))
    for s in staff:
        await botapi.wait_for("sendMessage", count=staff_before[s["id"]] + 1, chat_id=s["id"])
    return number


def db_rows(bot_config, sql, *params):
    with sqlite3.connect(bot_config.storage_path) as db:
        return db.execute(sql, params).fetchall()


@pytest.fixture
def two_admins_config(tmp_path, botapi):
    from conftest import write_bot_config

    from shebao.config import load_config

    path = write_bot_config(tmp_path, botapi.base_url)
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["admins"] = [BOT_ADMIN_ID, OTHER_STAFF["id"]]
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return load_config(path)


# -- the whole loop ----------------------------------------------------------------------------


async def test_an_unanswered_question_reaches_staff_masked_and_their_reply_reaches_the_worker(bot, botapi, bot_config):
    number = await ask_and_hand_over(botapi)
    confirmation = botapi.sent(WORKER["id"])[-1].text
    assert f"#{number}" in confirmation and "工会工作人员" in confirmation and "这个对话" in confirmation
    assert "工作时间" in confirmation  # roughly when, from handoff.office_hours

    [announced] = botapi.sent(STAFF["id"])
    assert announced.text.startswith(f"#{number} ")
    assert MASKED_CARD in announced.text and CARD not in announced.text
    assert f"/reply {number}" in announced.text

    botapi.push(botapi.text_update(STAFF, f"/reply {number} 您好，银行卡开通请带身份证到发卡银行网点办理。\n有问题再问我们。"))
    delivered = await botapi.wait_for("sendMessage", count=3, chat_id=WORKER["id"])
    assert delivered[-1].text == "工会工作人员回复：您好，银行卡开通请带身份证到发卡银行网点办理。\n有问题再问我们。"
    assert delivered[-1].params.get("parse_mode") is None  # staff replies are plain text
    confirmed = await botapi.wait_for("sendMessage", count=2, chat_id=STAFF["id"])
    assert f"已发给工友（#{number}）" in confirmed[-1].text

    # stored masked, and the question left the unanswered queue
    [(text, answered_by)] = db_rows(bot_config, "SELECT text, answered_by FROM handoffs WHERE id = ?", number)
    assert MASKED_CARD in text and CARD not in text and answered_by == "工会小李"
    assert db_rows(bot_config, "SELECT status FROM unanswered") == [("resolved",)]


async def test_replying_to_the_numbered_message_answers_it_too(bot, botapi):
    number = await ask_and_hand_over(botapi)
    [announced] = botapi.sent(STAFF["id"])
    botapi.push(botapi.text_update(STAFF, "这种情况请打 12351 找工会法律援助。",
                                   reply_to=botapi.sent_message(announced)))
    delivered = await botapi.wait_for("sendMessage", count=3, chat_id=WORKER["id"])
    assert delivered[-1].text == "工会工作人员回复：这种情况请打 12351 找工会法律援助。"
    assert number > 0


async def test_a_workers_reply_is_refused_and_reaches_nobody(bot, botapi):
    number = await ask_and_hand_over(botapi)
    intruder = user(3999, "冒充的")
    botapi.push(botapi.text_update(intruder, f"/reply {number} 把钱转给我就帮你办"))
    [refusal] = await botapi.wait_for("sendMessage", chat_id=intruder["id"])
    assert "只供工作人员使用" in refusal.text
    await botapi.settle()
    assert not any("转给我" in c.text for c in botapi.sent())
    assert len(botapi.sent(WORKER["id"])) == 2  # the answer and the confirmation, nothing more


async def test_a_reply_to_an_unknown_number_says_so(bot, botapi):
    botapi.push(botapi.text_update(STAFF, "/reply 999 您好"))
    [note] = await botapi.wait_for("sendMessage", chat_id=STAFF["id"])
    assert "没有 #999 这个问题" in note.text
    botapi.push(botapi.text_update(STAFF, "/reply 十七 您好"))
    notes = await botapi.wait_for("sendMessage", count=2, chat_id=STAFF["id"])
    assert "用法：/reply 编号 回复内容" in notes[-1].text


async def test_the_export_carries_the_staff_reply_as_a_draft_answer(bot, botapi, bot_config, bot_shared_answerer):
    from shebao.staff.unanswered import export

    number = await ask_and_hand_over(botapi, question="我在火星上打工，量子纠缠保险怎么交")
    botapi.push(botapi.text_update(STAFF, f"/reply {number} 这个我们查一下政策再答复您，先打 12333 问问。"))
    await botapi.wait_for("sendMessage", count=3, chat_id=WORKER["id"])
    await bot.bot_data.conversation.writes.close()
    out, _found = await asyncio.to_thread(export, bot_config, datetime(2000, 1, 1, tzinfo=UTC),
                                          answerer=bot_shared_answerer)
    assert "这个我们查一下政策再答复您，先打 12333 问问。" in out
    assert "量子纠缠保险怎么交" in out
    yaml.safe_load(out)  # still a YAML file staff can edit


# -- other ways to ask, and what the worker is told -------------------------------------------


@pytest.mark.parametrize("words", ["转人工", "人工", "人工。"])
async def test_a_message_that_is_only_zhuan_rengong_hands_over_the_last_question(bot, botapi, words):
    botapi.push(botapi.text_update(WORKER, UNANSWERABLE))
    await botapi.wait_for("sendMessage", chat_id=WORKER["id"])
    botapi.push(botapi.text_update(WORKER, words))
    calls = await botapi.wait_for("sendMessage", count=2, chat_id=WORKER["id"])
    assert re.search(r"#\d+", calls[-1].text)
    [announced] = await botapi.wait_for("sendMessage", chat_id=STAFF["id"])
    assert MASKED_CARD in announced.text


async def test_human_with_a_question_hands_that_question_over_with_the_bots_guesses(bot, botapi):
    botapi.push(botapi.text_update(WORKER, "/human 老板说工伤保险不能单独买，我们工地没人交"))
    [confirmation] = await botapi.wait_for("sendMessage", chat_id=WORKER["id"])
    assert re.search(r"#\d+", confirmation.text)
    [announced] = await botapi.wait_for("sendMessage", chat_id=STAFF["id"])
    assert "老板说工伤保险不能单独买" in announced.text
    assert "机器人猜的相近条目" in announced.text and "work_injury_standalone" in announced.text


async def test_human_alone_without_a_question_asks_for_one(bot, botapi):
    botapi.push(botapi.text_update(WORKER, "/human"))
    [note] = await botapi.wait_for("sendMessage", chat_id=WORKER["id"])
    assert "请先把你的问题发给我" in note.text
    await botapi.settle()
    assert botapi.sent(STAFF["id"]) == []


async def test_pressing_the_button_twice_hands_over_once(bot, botapi, bot_config):
    number = await ask_and_hand_over(botapi)
    botapi.push(botapi.text_update(WORKER, "转人工"))
    calls = await botapi.wait_for("sendMessage", count=3, chat_id=WORKER["id"])
    assert f"已经转给工作人员了（#{number}）" in calls[-1].text
    assert db_rows(bot_config, "SELECT COUNT(*) FROM handoffs") == [(1,)]


async def test_details_added_afterwards_reach_staff(bot, botapi, bot_config):
    number = await ask_and_hand_over(botapi)
    botapi.push(botapi.text_update(WORKER, "补充：我手机13812345678，在西宁干了两年"))
    calls = await botapi.wait_for("sendMessage", count=3, chat_id=WORKER["id"])
    assert f"已补充到 #{number}" in calls[-1].text
    staff = await botapi.wait_for("sendMessage", count=2, chat_id=STAFF["id"])
    assert f"#{number} 工友补充" in staff[-1].text and "138****5678" in staff[-1].text
    assert "13812345678" not in staff[-1].text
    [(details,)] = db_rows(bot_config, "SELECT details FROM handoffs")
    assert "138****5678" in details and "13812345678" not in details


async def test_in_a_group_the_bot_asks_to_hand_over_in_private(bot, botapi, bot_config):
    group = group_chat()
    botapi.push(botapi.text_update(WORKER, "/human 我的工伤怎么没人管", chat=group))
    [note] = await botapi.wait_for("sendMessage", chat_id=group["id"])
    assert "私聊" in note.text
    await botapi.settle()
    assert botapi.sent(STAFF["id"]) == [] and db_rows(bot_config, "SELECT COUNT(*) FROM handoffs") == [(0,)]


# -- abuse ----------------------------------------------------------------------------------


async def test_a_worker_has_at_most_three_open_hand_offs(bot, botapi, bot_config):
    for n in range(3):
        botapi.push(botapi.text_update(WORKER, f"/human 第{n + 1}个问题：火星上的社保怎么交"))
        await botapi.wait_for("sendMessage", count=n + 1, chat_id=WORKER["id"])
    botapi.push(botapi.text_update(WORKER, "/human 第4个问题：月球上的社保怎么交"))
    calls = await botapi.wait_for("sendMessage", count=4, chat_id=WORKER["id"])
    assert "已经有 3 个问题在等工作人员回复" in calls[-1].text
    await botapi.settle()
    assert db_rows(bot_config, "SELECT COUNT(*) FROM handoffs") == [(3,)]
    assert len(botapi.sent(STAFF["id"])) == 3
    # answered, one frees a place
    botapi.push(botapi.text_update(STAFF, "/reply 1 您好，这个问题不归社保管。"))
    await botapi.wait_for("sendMessage", count=5, chat_id=WORKER["id"])
    botapi.push(botapi.text_update(WORKER, "/human 第4个问题：月球上的社保怎么交"))
    calls = await botapi.wait_for("sendMessage", count=6, chat_id=WORKER["id"])
    assert "#4" in calls[-1].text


async def test_hand_offs_count_against_the_flood_limit(bot, botapi, bot_config):
    # burst 5 (the test config): five hand-off requests use it up, the sixth gets the flood note
    for _ in range(6):
        botapi.push(botapi.text_update(WORKER, "转人工"))
    calls = await botapi.wait_for("sendMessage", count=6, chat_id=WORKER["id"])
    assert "消息有点多" in calls[-1].text
    await botapi.settle()
    assert db_rows(bot_config, "SELECT COUNT(*) FROM handoffs") == [(0,)]  # nothing was asked before


# -- staff --------------------------------------------------------------------------------


async def test_a_second_admin_sees_that_it_was_answered(two_admins_config, start_bot, botapi):
    async with start_bot(two_admins_config):
        number = await ask_and_hand_over(botapi, staff=(STAFF, OTHER_STAFF))
        [announced_to_other] = botapi.sent(OTHER_STAFF["id"])
        assert announced_to_other.text.startswith(f"#{number} ")
        botapi.push(botapi.text_update(STAFF, f"/reply {number} 请带劳动合同去社保局。"))
        notes = await botapi.wait_for("sendMessage", count=2, chat_id=OTHER_STAFF["id"])
        assert notes[-1].text == f"#{number} 已由 工会小李 回复：请带劳动合同去社保局。"
        botapi.push(botapi.text_update(OTHER_STAFF, f"/reply {number} 另外可以打 12351。"))
        notes = await botapi.wait_for("sendMessage", count=3, chat_id=OTHER_STAFF["id"])
        assert f"#{number} 之前已由 工会小李 回复过" in notes[-1].text
        worker = await botapi.wait_for("sendMessage", count=4, chat_id=WORKER["id"])
        assert worker[-1].text == "工会工作人员回复：另外可以打 12351。"


async def test_pending_lists_the_open_ones_oldest_first(bot, botapi):
    first = await ask_and_hand_over(botapi)
    second_worker = user(3002, "阿珍")
    botapi.push(botapi.text_update(second_worker, "/human 外卖骑手摔伤了平台不管怎么办"))
    await botapi.wait_for("sendMessage", count=2, chat_id=STAFF["id"])
    botapi.push(botapi.text_update(STAFF, "/pending"))
    listing = (await botapi.wait_for("sendMessage", count=3, chat_id=STAFF["id"]))[-1].text
    lines = [line for line in listing.splitlines() if line.startswith("#")]
    assert [int(re.match(r"#(\d+)", line).group(1)) for line in lines] == [first, first + 1]
    assert MASKED_CARD in lines[0] and CARD not in listing
    botapi.push(botapi.text_update(STAFF, f"/reply {first} 已经帮您问了。"))
    await botapi.wait_for("sendMessage", count=4, chat_id=STAFF["id"])
    botapi.push(botapi.text_update(STAFF, "/pending"))
    listing = (await botapi.wait_for("sendMessage", count=5, chat_id=STAFF["id"]))[-1].text
    assert f"#{first} " not in listing and f"#{first + 1} " in listing


async def test_pending_is_for_staff_only(bot, botapi):
    botapi.push(botapi.text_update(WORKER, "/pending"))
    [refusal] = await botapi.wait_for("sendMessage", chat_id=WORKER["id"])
    assert "只供工作人员使用" in refusal.text


async def test_stats_show_hand_offs_time_to_first_reply_and_open_ones(bot, botapi):
    number = await ask_and_hand_over(botapi)
    botapi.push(botapi.text_update(user(3002), "/human 外卖骑手摔伤了平台不管怎么办"))
    await botapi.wait_for("sendMessage", count=2, chat_id=STAFF["id"])
    botapi.push(botapi.text_update(STAFF, f"/reply {number} 您好。"))
    await botapi.wait_for("sendMessage", count=3, chat_id=STAFF["id"])
    botapi.push(botapi.text_update(STAFF, "/stats"))
    stats = (await botapi.wait_for("sendMessage", count=4, chat_id=STAFF["id"]))[-1].text
    assert "转人工：2 次，已回复 1 次，首次回复中位用时 0 分钟；现在等回复：1 个" in stats


async def test_with_a_staff_chat_hand_offs_go_there_and_staff_answer_there(tmp_path, botapi, start_bot):
    from conftest import write_bot_config

    from shebao.config import load_config

    staff_group = group_chat(-100555, "工会值班群")
    path = write_bot_config(tmp_path, botapi.base_url)
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["telegram"]["staff_chat_id"] = staff_group["id"]
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    async with start_bot(load_config(path)):
        botapi.push(botapi.text_update(WORKER, UNANSWERABLE))
        [answer] = await botapi.wait_for("sendMessage", chat_id=WORKER["id"])
        botapi.push(botapi.callback_update(WORKER, botapi.sent_message(answer), "human"))
        [announced] = await botapi.wait_for("sendMessage", chat_id=staff_group["id"])
        number = int(re.match(r"#(\d+)", announced.text).group(1))
        assert botapi.sent(STAFF["id"]) == []  # not to each admin privately
        botapi.push(botapi.text_update(STAFF, "群里回复：请到社保大厅三号窗口。",
                                       chat=staff_group, reply_to=botapi.sent_message(announced)))
        delivered = await botapi.wait_for("sendMessage", count=3, chat_id=WORKER["id"])
        assert delivered[-1].text == "工会工作人员回复：群里回复：请到社保大厅三号窗口。"
        assert number == 1
