"""`shebao report`: one self-contained HTML page from a real database, with charts that show the data."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import io
import re
import shutil
import sqlite3
import subprocess
import warnings
from collections import Counter
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest
from PIL import Image

from shebao.cli import main
from shebao.staff import charts
from shebao.staff.report import read_data, render, topic_titles
from shebao.store import Storage

ROOT = Path(__file__).resolve().parents[1]
CARD = "6222021234567890123"

# (days ago, worker, question, their verdict on the answer: True useful, False not, None no vote)
ASKED = [
    (9, 1, "工伤保险可以单独买吗", True),
    (9, 2, "老板说工伤保险不能单独买 是真的吗", True),
    (8, 3, "叉车证补贴在哪领", None),
    (8, 4, "叉车证补贴在哪领", None),
    (7, 1, "养老保险交满多少年能领养老金", False),
    (7, 5, "工资5000养老保险交多少", None),
    (6, 6, "叉车证补贴怎么申请", None),
    (5, 2, "公积金怎么提取", None),
    (5, 7, f"我的卡{CARD}开通了吗 公积金能取吗", None),
    (4, 3, "工伤保险可以单独买吗", False),
    (3, 8, "叉车证补贴在哪领？", None),
    (3, 9, "只交工伤保险行不行", True),
    (2, 4, "公积金怎么提取", None),
    (1, 5, "养老保险交满多少年能领养老金", True),
    (1, 6, "失业了能领失业金吗", True),
    (0, 7, "叉车证补贴在哪领", None),
    (0, 8, "工伤保险可以单独买吗", True),
]


def make_database(path: Path, answerer, asked=ASKED) -> Path:
    """A bot database as the bot would leave it (Storage.record_question / record_feedback), spread over days."""
    now = datetime.now(UTC)

    async def fill() -> list[tuple[int, int]]:
        rows = []
        async with Storage(path) as st:
            for days_ago, user_id, text, useful in asked:
                reply = answerer.answer(text, one_shot=True)
                qid = await st.record_question(user_id=user_id, chat_type="private", via="message", text=text,
                                               kind=reply.kind, answer_id=reply.id, best_id=reply.best,
                                               score=reply.score, suggestions=reply.suggestions)
                if useful is not None and reply.kind != "none":
                    await st.record_feedback(question_id=qid, user_id=user_id, useful=useful)
                rows.append((qid, days_ago))
        return rows

    rows = asyncio.run(fill())
    db = sqlite3.connect(path)
    with db:  # the bot stamps "now": move each question (and its vote) back to its day
        for qid, days_ago in rows:
            when = (now - timedelta(days=days_ago, minutes=qid)).strftime("%Y-%m-%d %H:%M:%S")
            db.execute("UPDATE questions SET asked_at = ? WHERE id = ?", (when, qid))
            db.execute("UPDATE feedback SET given_at = ? WHERE question_id = ?", (when, qid))
    db.close()
    return path


def write_config(folder: Path, database: Path) -> Path:
    config = folder / "config.yaml"
    config.write_text(f"storage:\n  path: {database}\nknowledge:\n  path: {ROOT / 'knowledge' / 'faq'}\n"
                      f"  lexicon: {ROOT / 'knowledge' / 'lexicon'}\n", encoding="utf-8")
    return config


@pytest.fixture(scope="module")
def database(tmp_path_factory, answerer) -> Path:
    return make_database(tmp_path_factory.mktemp("report") / "shebao.db", answerer)


@pytest.fixture(scope="module")
def page(tmp_path_factory, database) -> str:
    folder = tmp_path_factory.mktemp("out")
    out = folder / "report.html"
    before = hashlib.sha256(database.read_bytes()).hexdigest()
    assert main(["report", "--config", str(write_config(folder, database)), "--out", str(out)]) == 0
    assert hashlib.sha256(database.read_bytes()).hexdigest() == before, "the report must only read"
    return out.read_text(encoding="utf-8")


def images(page: str) -> dict[str, Image.Image]:
    found = re.findall(r'<img src="data:image/png;base64,([A-Za-z0-9+/=]+)" alt="([^"]+)">', page)
    return {alt: Image.open(io.BytesIO(base64.b64decode(data))).convert("RGB") for data, alt in found}


def colours(image: Image.Image) -> Counter:
    return Counter({c: n for n, c in image.getcolors(image.width * image.height)})


def rgb(hex_colour: str) -> tuple[int, int, int]:
    return tuple(int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))


def test_the_report_shows_the_numbers_and_the_questions_behind_the_ids(page, answerer):
    assert "<b>17</b>次" in page and "<b>9</b>人" in page  # 17 questions from 9 workers
    answered = sum(answerer.answer(text, one_shot=True).kind != "none" for _, _, text, _ in ASKED)
    assert 6 <= answered <= 12  # the forklift and housing-fund questions are not in the FAQ
    assert f"直接答上 {answered} 次" in page and f"<b>{answered / len(ASKED):.0%}</b>" in page
    assert "<td>work_injury_standalone</td><td>工伤保险能不能单独买？</td>" in page  # the id and its question
    assert "<td>叉车证补贴在哪领</td><td class=\"n\">4</td>" in page  # repeats counted (with or without ？)


def test_topics_are_named_by_their_question_or_calculator():
    titles = topic_titles(ROOT / "knowledge" / "faq")
    assert titles["work_injury_standalone"] == "工伤保险能不能单独买？"
    assert titles["calc:contribution"] == "计算器：每月社保缴费"  # not calc:contribution


def test_the_report_never_shows_a_raw_card_number(page):
    assert CARD not in page
    assert "6222***********0123" in page


def test_the_page_is_self_contained_and_well_formed(page):
    assert not re.search(r'(src|href)="(?!data:)', page), "everything must be inside the file"
    assert "<script" not in page

    class Balance(HTMLParser):
        VOID = {"meta", "img", "br", "hr", "link", "input"}

        def __init__(self):
            super().__init__()
            self.stack: list[str] = []

        def handle_starttag(self, tag, attrs):
            if tag not in self.VOID:
                self.stack.append(tag)

        def handle_endtag(self, tag):
            assert self.stack and self.stack[-1] == tag, f"</{tag}> closes <{self.stack[-1:]}>"
            self.stack.pop()

    parser = Balance()
    parser.feed(page)
    parser.close()
    assert parser.stack == []


def test_every_chart_is_there_and_draws_its_data(page):
    found = images(page)
    assert set(found) == {"questions per day", "unanswered per day", "top topics", "feedback per topic"}
    for alt, image in found.items():
        width, height = image.size
        counts = colours(image)
        inked = sum(n for c, n in counts.items() if c != (255, 255, 255))
        assert width >= 400 and height >= 100, alt
        assert len(counts) > 10, f"{alt}: a blank or one-colour image"
        assert inked / (width * height) > 0.03, f"{alt}: almost nothing drawn"
    days = colours(found["questions per day"])
    assert days[rgb(charts.ANSWERED)] > 500 and days[rgb(charts.UNANSWERED)] > 500  # both kinds of bars
    votes = colours(found["feedback per topic"])
    assert votes[rgb(charts.USEFUL)] > 500 and votes[rgb(charts.NOT_USEFUL)] > 500


def test_the_charts_need_no_chinese_font(database):
    data = asyncio.run(read_data(database, datetime.now(UTC) - timedelta(days=30)))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        render(data, topic_titles(ROOT / "knowledge" / "faq"), "2024-06-01 12:00")
    assert [str(w.message) for w in caught if "Glyph" in str(w.message)] == []


def test_an_empty_database_gives_a_page_that_says_so(tmp_path, answerer):
    database = make_database(tmp_path / "empty.db", answerer, asked=[])
    out = tmp_path / "report.html"
    assert main(["report", "--config", str(write_config(tmp_path, database)), "--out", str(out)]) == 0
    page = out.read_text(encoding="utf-8")
    assert "这段时间没有数据" in page and "<img" not in page and "<b>0</b>次" in page


def test_a_missing_database_is_explained_and_not_created(tmp_path, capsys):
    missing = tmp_path / "data" / "shebao.db"
    code = main(["report", "--config", str(write_config(tmp_path, missing)), "--out", str(tmp_path / "r.html")])
    assert code == 2
    assert f"{missing}：找不到问题记录的数据库" in capsys.readouterr().err
    assert not missing.exists() and not (tmp_path / "r.html").exists()


def test_a_wrong_date_is_explained(tmp_path, database, capsys):
    code = main(["report", "--config", str(write_config(tmp_path, database)), "--out", str(tmp_path / "r.html"),
                 "--since", "5月1日"])
    assert code == 2
    assert "--since 5月1日：日期要写成 2024-05-01 这样" in capsys.readouterr().err


def test_since_limits_the_period(tmp_path, database):
    out = tmp_path / "report.html"
    since = (datetime.now(UTC) + timedelta(hours=8) - timedelta(days=2)).date().isoformat()
    assert main(["report", "--config", str(write_config(tmp_path, database)), "--out", str(out),
                 "--since", since]) == 0
    page = out.read_text(encoding="utf-8")
    assert f"{since} 至 " in page
    assert "<b>17</b>次" not in page


BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


@pytest.mark.skipif(not any(shutil.which(b) for b in BROWSERS), reason="no headless browser on this machine")
def test_a_headless_browser_shows_the_charts(tmp_path, page):
    browser = next(shutil.which(b) for b in BROWSERS if shutil.which(b))
    html_file, shot = tmp_path / "report.html", tmp_path / "shot.png"
    html_file.write_text(page, encoding="utf-8")
    subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", f"--screenshot={shot}",
                    "--window-size=900,2600", html_file.as_uri()], capture_output=True, timeout=120, check=True)
    image = Image.open(shot).convert("RGB")
    counts = colours(image)
    assert counts[rgb(charts.ANSWERED)] > 500 and counts[rgb(charts.UNANSWERED)] > 500
