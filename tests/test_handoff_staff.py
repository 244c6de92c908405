"""Staff tools and hand-offs: `shebao unanswered export` turns staff replies into draft answers and
phrasings, the report shows hand-offs and the time to the first reply, office hours say roughly when."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, datetime, timedelta

import pytest
import yaml
from web_server import ROOT

from shebao.cli import main
from shebao.config import ConfigError, load_config
from shebao.handoff import office_hours
from shebao.staff.unanswered import collect, to_yaml
from shebao.store import Storage
from shebao.store.records import AnsweredHandoff

NOW = datetime.now(UTC)
FAR = "火星上的量子纠缠是怎么回事"
NEAR = "老板说工伤保险不能单独买，我们工地没人交"


def exported(answerer, handoffs, questions=()) -> str:
    found = collect(list(questions), answerer, handoffs)
    return to_yaml(found, since=datetime(2000, 1, 1, tzinfo=UTC), limit=50, answer_threshold=60, today="2026-12-01")


def test_a_staff_reply_to_a_question_far_from_the_faq_is_the_draft_answer_of_a_new_entry(answerer):
    out = exported(answerer, [AnsweredHandoff(1, NOW, FAR, None, "这个我们查一下政策再答复您。\n先打 12333 问问。")])
    [item] = yaml.safe_load(out)
    assert item["question"] == FAR
    assert item["answer"] == "这个我们查一下政策再答复您。\n先打 12333 问问。\n"
    assert "source" not in item  # still to be written by staff: faq check refuses the entry until then
    assert "工会工作人员回复过这个问题" in out


def test_a_staff_reply_to_a_question_near_an_entry_becomes_a_phrasing_and_a_note(answerer):
    out = exported(answerer, [AnsweredHandoff(2, NOW, NEAR, "work_injury_standalone", "可以单独买，西宁可以。")])
    [item] = yaml.safe_load(out)
    assert item == {"add_to": "work_injury_standalone", "also_asked": [NEAR]}
    assert "# 可以单独买，西宁可以。" in out


def test_repeated_hand_offs_of_one_question_keep_every_reply(answerer):
    out = exported(answerer, [AnsweredHandoff(1, NOW, FAR, None, "第一条回复"),
                              AnsweredHandoff(5, NOW, FAR, None, "第二条回复")])
    [item] = yaml.safe_load(out)
    assert item["answer"] == "第一条回复\n"
    assert "# 第二条回复" in out and "问了 2 次" in out


def make_handoffs(path):
    async def fill():
        async with Storage(path) as st:
            for n in range(3):
                await st.open_handoff(via="web", chat_id=f"s{n}", user_id=f"s{n}", text=f"问题{n}")
            await st.record_staff_reply(1, staff="小李", text="回复")
            await st.record_staff_reply(2, staff="小李", text="回复")

    asyncio.run(fill())
    stamp = "%Y-%m-%d %H:%M:%S"
    with sqlite3.connect(path) as db:  # the first waited 10 minutes for its reply, the second 30
        for number, minutes in ((1, 10), (2, 30)):
            [(answered,)] = db.execute("SELECT answered_at FROM handoffs WHERE id = ?", (number,)).fetchall()
            opened = datetime.strptime(answered, stamp) - timedelta(minutes=minutes)
            db.execute("UPDATE handoffs SET opened_at = ? WHERE id = ?", (opened.strftime(stamp), number))


def test_the_report_shows_hand_offs_the_time_to_the_first_reply_and_the_open_ones(tmp_path, capsys):
    database = tmp_path / "bot.db"
    make_handoffs(database)
    config = tmp_path / "config.yaml"
    config.write_text(f"storage:\n  path: {database}\nknowledge:\n  path: {ROOT / 'knowledge' / 'faq'}\n",
                      encoding="utf-8")
    assert main(["report", "--config", str(config), "--out", str(tmp_path / "r.html")]) == 0
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "转过来 3 次，已回复 2 次，从转过来到第一次回复的中位用时 20 分钟；现在还有 1 个在等回复" in page


@pytest.mark.parametrize(("now", "said"), [
    (datetime(2026, 12, 1, 3, 0, tzinfo=UTC), "现在是工作时间（周一至周五 9:00–17:30）"),  # Tue 11:00 China
    (datetime(2026, 12, 1, 12, 0, tzinfo=UTC), "工作人员会在明天（周三）9:00上班后回复"),  # Tue 20:00
    (datetime(2026, 11, 30, 0, 30, tzinfo=UTC), "工作人员会在今天 9:00上班后回复"),  # Mon 8:30
    (datetime(2026, 12, 4, 12, 0, tzinfo=UTC), "工作人员会在周一 9:00上班后回复"),  # Fri 20:00
])
def test_office_hours_say_roughly_when_staff_answer(now, said):
    assert said in office_hours(load_config(None)).when(now)


@pytest.mark.parametrize(("hours", "complaint"), [
    ({"from": "9点"}, "handoff.office_hours.from must be a time HH:MM from 00:00 to 23:59, not '9点'"),
    ({"weekdays": [0, 8]}, "handoff.office_hours.weekdays must be a list of days 1 (Monday) to 7, not [0, 8]"),
    ({"from": "18:00", "to": "09:00"}, "handoff.office_hours: from (18:00) must be before to (09:00)"),
])
def test_bad_office_hours_are_a_clear_config_error(tmp_path, hours, complaint):
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump({"handoff": {"office_hours": hours}}, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ConfigError) as err:  # when the config is read, before anything starts
        load_config(path)
    assert str(err.value) == f"{path}: {complaint}"
