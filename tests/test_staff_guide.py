"""docs/staff-guide.md, done step by step on a copy of the FAQ: every command in it is run here.

The commands run as staff type them (`shebao …` in a folder holding config.yaml), in a subprocess,
so what they teach jieba stays out of this test session.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
import yaml
from test_staff_report import ASKED, make_database

from calculators.parameters import value_at
from knowledge.model import FAQError
from shebao.checks import check
from shebao.cli import build_parser
from shebao.config import load_config
from shebao.service import build_answerer

ROOT = Path(__file__).resolve().parents[1]
GUIDE = ROOT / "docs" / "staff-guide.md"
NEW_ID = "skill_certificate_subsidy"


def blocks(language: str) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```", GUIDE.read_text(encoding="utf-8"), re.S | re.M)


def guide_commands() -> list[str]:
    return [line.strip() for block in blocks("sh") for line in block.splitlines() if line.startswith("shebao ")]


def example(marker: str, language: str = "yaml") -> str:
    [found] = [b for b in blocks(language) if marker in b]
    return found


class Desk:
    """A union office's copy of the project: config.yaml, the FAQ, word lists, parameters and a database."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.ran: list[str] = []
        for part in ("knowledge/faq", "knowledge/lexicon", "calculators/parameters"):
            shutil.copytree(ROOT / part, folder / part)
        shutil.copy(ROOT / "knowledge" / "published_ids.txt", folder / "knowledge" / "published_ids.txt")
        shutil.copy(ROOT / "config.yaml", folder / "config.yaml")  # its paths are relative: they name the copy

    def path(self, relative: str) -> Path:
        return self.folder / relative

    def append(self, relative: str, text: str) -> None:
        with open(self.path(relative), "a", encoding="utf-8") as fh:
            fh.write(text if text.endswith("\n") else text + "\n")

    def shebao(self, command: str) -> tuple[int, str]:
        """Run a command from the guide exactly as written; its exit code and everything it printed."""
        words = shlex.split(command)
        assert words[0] == "shebao"
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        run = subprocess.run([sys.executable, "-m", "shebao.cli", *words[1:]], cwd=self.folder, env=env,
                             capture_output=True, timeout=300)
        self.ran.append(command)
        return run.returncode, run.stdout.decode("utf-8") + run.stderr.decode("utf-8")

    def check_ok(self) -> str:
        code, out = self.shebao("shebao faq check")
        assert code == 0 and "FAQ ok: " in out, out
        return out


@pytest.fixture(scope="module")
def desk(tmp_path_factory, answerer) -> Desk:
    desk = Desk(tmp_path_factory.mktemp("union_office"))
    make_database(desk.path("data/shebao.db"), answerer, ASKED)
    return desk


def test_every_command_in_the_guide_is_a_real_command():
    commands = guide_commands()
    assert {c.split(" --")[0] for c in commands} >= {"shebao faq check", "shebao faq test",
                                                      "shebao unanswered export", "shebao report"}
    parser = build_parser()
    for command in commands:
        parser.parse_args(shlex.split(command)[1:])  # exits on an unknown option
    assert "/reload" in example("/reload", "text")


def test_the_guide_end_to_end(desk):
    # 加一个新条目: the guide's example, at the end of a FAQ file
    desk.append("knowledge/faq/rights.yaml", "\n" + example(f"id: {NEW_ID}"))
    commands = example('shebao ask "叉车证补贴在哪领"', "sh").split("\n")[:3]
    assert commands == ["shebao faq check", "shebao faq test", 'shebao ask "叉车证补贴在哪领"']
    desk.check_ok()
    code, out = desk.shebao("shebao faq test")
    assert code == 0 and re.search(r"(\d+) of \1 phrasings find their own entry", out), out
    code, out = desk.shebao('shebao ask "叉车证补贴在哪领"')
    assert code == 0 and "这是例子：这里写答案" in out, out

    # … then its line in published_ids.txt; deleting the entry later is caught
    line = example(NEW_ID, "text").strip()
    assert line == f"{NEW_ID}  # 考了职业技能证书，有补贴吗？"
    desk.append("knowledge/published_ids.txt", line)
    number = desk.path("knowledge/published_ids.txt").read_text(encoding="utf-8").splitlines().index(line) + 1
    assert "was published and is gone" not in desk.check_ok()
    rights = desk.path("knowledge/faq/rights.yaml")
    kept = rights.read_text(encoding="utf-8")
    rights.write_text(kept.split(f"- id: {NEW_ID}")[0], encoding="utf-8")
    out = desk.check_ok()  # a warning: the bot still loads
    assert (f"{desk.path('knowledge/published_ids.txt')}:{number}: warning: id {NEW_ID} was published and is gone"
            in out), out
    rights.write_text(kept, encoding="utf-8")

    # 给条目加一种问法
    phrasing_block = example("单位只给买工伤保险别的都不买行吗").splitlines()
    new_line = next(x for x in phrasing_block if "新加的一行" in x).split("#")[0].rstrip()
    assert new_line == "    - 单位只给买工伤保险别的都不买行吗"
    faq_file = desk.path("knowledge/faq/work_injury.yaml")
    text = faq_file.read_text(encoding="utf-8")
    head, tail = text.split("- id: work_injury_standalone", 1)
    tail = tail.replace("  also_asked:\n", f"  also_asked:\n{new_line}\n", 1)
    faq_file.write_text(head + "- id: work_injury_standalone" + tail, encoding="utf-8")
    desk.check_ok()
    code, out = desk.shebao("shebao faq test")
    assert code == 0, out

    # 加一个同义词或错别字
    desk.append("knowledge/lexicon/synonyms.yaml", example("叉车证: [").strip())
    desk.check_ok()
    code, out = desk.shebao('shebao ask "叉车本补贴在哪领"')
    assert code == 0 and "这是例子：这里写答案" in out, out

    # 加一个词典词
    desk.append("knowledge/lexicon/userdict.txt", example("2000 n", "text").strip())
    desk.check_ok()

    # 新一年的计算器数字 (faq check reads them with the FAQ: the same check, on the copy's folder)
    params = desk.path("calculators/parameters")
    wage = params / "average_wage.qinghai.yaml"
    new_year = next(x for x in example("新加的一行（这里的数字是例子）").splitlines() if "新加的一行" in x)
    desk.append(wage.relative_to(desk.folder).as_posix(), new_year)
    cfg = load_config(desk.path("config.yaml"))
    assert [p for p in check(cfg.faq_path, cfg.lexicon_path, parameters=params, deep=False)
            if p.severity == "error"] == []
    assert value_at("average_wage.qinghai", date(2019, 6, 1), params).value == 6000
    good = wage.read_text(encoding="utf-8")
    desk.append(wage.relative_to(desk.folder).as_posix(), '  2018-01-01: {value: 5683, source: "又抄了一遍"}')
    backwards = len(wage.read_text(encoding="utf-8").splitlines())
    assert [str(p) for p in check(cfg.faq_path, cfg.lexicon_path, parameters=params, deep=False)
            if p.severity == "error"] == [f"{wage}:{backwards}: 日期 2018-01-01 不晚于上一行的 2019-01-01：日期应从早到晚排列"]
    wage.write_text(good, encoding="utf-8")

    # 看看工人问了什么没答上: the forklift questions are answered now; the rest are grouped
    for command in [c for c in guide_commands() if c.startswith("shebao unanswered export")]:
        code, out = desk.shebao(command)
        assert code == 0 and "已写到 未答问题.yaml" in out, out
    exported = desk.path("未答问题.yaml").read_text(encoding="utf-8")
    items = yaml.safe_load(exported)
    assert f"叉车证补贴在哪领 → {NEW_ID}" in exported
    housing = [i for i in items if "公积金怎么提取" in [i.get("question"), *(i.get("also_asked") or [])]]
    assert len(housing) == 1, exported

    # … and do what the file says with the housing-fund group
    [group] = housing
    if "add_to" in group:
        entry_id = group["add_to"]
        lines = "".join(f"    - {p}\n" for p in group["also_asked"])
        for name in sorted(desk.path("knowledge/faq").glob("*.yaml")):
            text = name.read_text(encoding="utf-8")
            if f"- id: {entry_id}\n" in text:
                head, tail = text.split(f"- id: {entry_id}\n", 1)
                tail = tail.replace("  also_asked:\n", "  also_asked:\n" + lines, 1)
                name.write_text(head + f"- id: {entry_id}\n" + tail, encoding="utf-8")
    else:
        start = exported.index(f"- id: {group['id']}")
        end = exported.find("\n\n", start)
        skeleton = exported[start:end if end > 0 else None].replace(group["id"], "housing_fund")
        skeleton = re.sub(r"^  # (short|answer|source|as_of|  )", r"  \1", skeleton, flags=re.M)
        desk.append("knowledge/faq/rights.yaml", "\n" + skeleton)
    out = desk.check_ok()
    assert "'公积金怎么提取' of " in out and "holds none of the subject words" in out, out
    # 公积金 is no social-insurance word yet: the guide has staff add it to domain.yaml
    assert example("12351, 公积金]").strip().endswith(", 公积金]")
    domain = desk.path("knowledge/lexicon/domain.yaml")
    words = domain.read_text(encoding="utf-8")
    cut = words.rindex("]")
    domain.write_text(words[:cut] + ", 公积金" + words[cut:], encoding="utf-8")
    assert "'公积金怎么提取' of " not in desk.check_ok()

    # 做报告
    for command in [c for c in guide_commands() if c.startswith("shebao report")]:
        code, out = desk.shebao(command)
        assert code == 0, out
    page = desk.path("report.html").read_text(encoding="utf-8")
    assert page.count('<img src="data:image/png;base64,') == 4

    # 让机器人用上新内容 (/reload), in a process of its own: see reload_like_the_bot
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    run = subprocess.run([sys.executable, __file__, str(desk.folder)], capture_output=True, env=env, timeout=300)
    assert run.returncode == 0 and run.stdout.decode("utf-8").strip() == "reload ok", run.stderr.decode("utf-8")

    # every command the guide teaches was run above
    assert sorted(set(guide_commands()) - set(desk.ran)) == []


def reload_like_the_bot(folder: Path) -> None:
    """/reload builds a new answerer from the edited folder; a broken folder raises FAQError with
    PATH:LINE and the answerer in use keeps answering (bot/handlers.reload swaps only on success)."""
    cfg = load_config(folder / "config.yaml")
    current = build_answerer(cfg)
    assert current.answer("叉车证补贴在哪领").id == NEW_ID
    assert current.answer("叉车本补贴在哪领").id == NEW_ID  # the new synonym
    assert current.answer("单位只给买工伤保险别的都不买行吗").id == "work_injury_standalone"
    assert current.answer("公积金怎么提取").kind == "faq"  # the exported question is answered now
    broken = folder / "knowledge" / "faq" / "zz_broken.yaml"
    broken.write_text("- id: broken_probe\n  question: 这个条目没有答案\n  source: 测试\n  as_of: 2024-01-01\n",
                      encoding="utf-8")
    try:
        build_answerer(cfg)
    except FAQError as refused:
        assert [str(p) for p in refused.problems] == [f"{broken}:1: entry broken_probe: answer is missing"]
    else:
        raise AssertionError("a broken FAQ was loaded")
    assert current.answer("叉车证补贴在哪领").id == NEW_ID  # still answering with the last good FAQ
    broken.unlink()
    assert len(build_answerer(cfg).entries) == len(current.entries)


if __name__ == "__main__":  # run by test_the_guide_end_to_end: the copy's new words stay out of pytest's jieba
    reload_like_the_bot(Path(sys.argv[1]))
    print("reload ok")


# -- 工人找工作人员（转人工）: the guide's hand-off loop, done through the Bot API stand-in ------------


async def test_the_guides_hand_off_loop_works_as_written(bot, botapi):
    from botapi_stub import user
    from conftest import BOT_ADMIN_ID

    staff, worker = user(BOT_ADMIN_ID, "工会小李"), user(3001, "阿强")
    written = example("/reply 17 ", "text").strip()
    assert written.startswith("/reply 17 ")
    botapi.push(botapi.text_update(worker, "我的卡6222021234567890123开通了吗 量子纠缠火星移民"))
    [answer] = await botapi.wait_for("sendMessage", chat_id=worker["id"])
    assert any(b["text"] == "找工会工作人员" for b in answer.buttons)  # the button the guide names
    botapi.push(botapi.callback_update(worker, botapi.sent_message(answer), "human"))
    [announced] = await botapi.wait_for("sendMessage", chat_id=staff["id"])
    number = int(re.match(r"#(\d+) ", announced.text).group(1))  # "开头是编号，比如 #17"
    assert "6222***********0123" in announced.text and "机器人猜的相近条目" in announced.text

    botapi.push(botapi.text_update(staff, example("/pending", "text").strip()))
    listing = (await botapi.wait_for("sendMessage", count=2, chat_id=staff["id"]))[-1].text
    assert f"#{number} " in listing

    botapi.push(botapi.text_update(staff, written.replace("17", str(number), 1)))
    delivered = (await botapi.wait_for("sendMessage", count=3, chat_id=worker["id"]))[-1].text
    assert delivered == "工会工作人员回复：" + written.split(" ", 2)[2]
    told = (await botapi.wait_for("sendMessage", count=3, chat_id=staff["id"]))[-1].text
    assert "已发给工友" in told  # as the guide says


def test_the_guides_office_hours_are_the_defaults_and_load(tmp_path):
    from shebao.handoff import office_hours

    path = tmp_path / "config.yaml"
    path.write_text(example("office_hours:"), encoding="utf-8")
    assert office_hours(load_config(path)) == office_hours(load_config(None))  # "不写就是下面这样"


def test_every_bot_command_in_the_guide_is_registered():
    from telegram.ext import CommandHandler

    from bot.app import build_application

    app = build_application(load_config(None), token="123456:TEST-token")
    registered = {c for handlers in app.handlers.values() for h in handlers if isinstance(h, CommandHandler)
                  for c in h.commands}
    # a command is written `/name …` in the text, or starts a line of a text block
    named = set(re.findall(r"(?:^|`)/([a-z]+)(?=[\s`])", GUIDE.read_text(encoding="utf-8"), re.M))
    assert {"reply", "pending", "human", "reload", "stats"} <= named
    assert named <= registered, named - registered
