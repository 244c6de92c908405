"""`shebao faq check` catches what staff get wrong: each case is a broken file and its exact PATH:LINE: message."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from datetime import date
from pathlib import Path

import pytest
from faq_samples import GOOD  # noqa: E402  (tests/ is on the path)

from knowledge.check import read_published_ids
from knowledge.loader import load_faq
from shebao.checks import check
from shebao.config import load_config, packaged_path
from shebao.staff.published import published_ids_path, update_published_ids

ROOT = Path(__file__).resolve().parents[1]
LEXICON = packaged_path("knowledge", "lexicon")
TODAY = date(2024, 6, 1)

ENTRIES = GOOD


@pytest.fixture
def faq(tmp_path) -> Path:
    folder = tmp_path / "knowledge" / "faq"
    folder.mkdir(parents=True)
    return folder


def write(path: Path, text: str) -> Path:
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def lines(folder: Path, severity: str | None = None, **kwargs) -> list[str]:
    kwargs.setdefault("today", TODAY)
    kwargs.setdefault("stale_after_days", 5000)
    return [str(p) for p in check(folder, LEXICON, **kwargs) if severity in (None, p.severity)]


# -- what the loader and checker already catch, pinned to the exact line and words -----------


def test_yaml_syntax_names_the_file_and_the_line(faq):
    path = write(faq / "x.yaml", "- id: a\n  question: [unclosed\n")
    assert lines(faq) == [f"{path}:3: not valid YAML: expected ',' or ']', but got '<stream end>'"]


def test_a_missing_field(faq):
    path = write(faq / "x.yaml", "- id: a\n  question: 问题\n  source: 来源\n  as_of: 2024-01-01\n")
    assert lines(faq) == [f"{path}:1: entry a: answer is missing"]


def test_a_duplicate_id_names_both_places(faq):
    first = write(faq / "a.yaml", ENTRIES)
    second = write(faq / "b.yaml", ENTRIES.split("- id: late_fee")[0].replace("工伤保险能不能单独买？", "别的问题"))
    assert lines(faq, "error") == [f"{second}:1: duplicate id work_injury_standalone (first at {first}:1)"]


def test_an_answer_too_long_for_telegram(faq):
    path = write(faq / "x.yaml", ENTRIES.replace("每天按欠缴数额的万分之五加收。", "很长" * 2000))
    assert lines(faq, "error") == [
        f"{path}:7: entry late_fee: answer is 4000 characters; with its source line it must stay under "
        "Telegram's 4096"]


def test_a_phrasing_that_now_finds_another_entry_better_is_a_warning(faq):
    path = write(faq / "x.yaml", ENTRIES.replace("[社保晚交了有滞纳金吗]", "[社保晚交了有滞纳金吗, 工伤保险可以单独买吗]"))
    [warning] = lines(faq, "warning")
    assert re.fullmatch(
        re.escape(f"{path}:9: phrasing '工伤保险可以单独买吗' of late_fee matches work_injury_standalone "
                  "better than its own entry (") + r"\d+" + re.escape("): make it more specific or move it"),
        warning), warning
    assert lines(faq, "error") == []


def test_a_phrasing_without_any_social_insurance_word_is_a_warning(faq):
    path = write(faq / "x.yaml", ENTRIES.replace("[社保晚交了有滞纳金吗]", "[社保晚交了有滞纳金吗, 晚了几天要罚多少钱]"))
    assert lines(faq, "warning") == [
        f"{path}:9: phrasing '晚了几天要罚多少钱' of late_fee holds none of the subject words in "
        "knowledge/lexicon/domain.yaml, so a worker asking it gets only suggestions: add its subject word there, "
        "or say what it is about"]


def test_an_old_as_of_is_a_stale_answer_warning(faq):
    path = write(faq / "x.yaml", ENTRIES)
    assert lines(faq, "warning", stale_after_days=365) == [
        f"{path}:1: entry work_injury_standalone: as_of 2019-11-01 is 4 years old; "
        "check the answer is still right and update as_of"]
    assert lines(faq, "warning", stale_after_days=2000) == []


STALE = re.compile(r"entry (\w+): as_of \S+ is \d+ years old; check the answer is still right and update as_of")


def test_every_shipped_entry_older_than_the_configured_age_gets_a_stale_warning():
    cfg = load_config(ROOT / "config.yaml")
    today = date(2026, 12, 1)
    entries, _ = load_faq(cfg.faq_path)
    old = {e.id for e in entries if (today - e.as_of).days > cfg.stale_after_days}
    warned = [m[1] for p in check(cfg.faq_path, cfg.lexicon_path, stale_after_days=cfg.stale_after_days,
                                  today=today, deep=False)
              if p.severity == "warning" and (m := STALE.fullmatch(p.message))]
    assert old, "no shipped entry is older than the configured age: pick a later day for this test"
    assert sorted(warned) == sorted(old)


def test_faq_check_on_the_command_line_uses_the_configured_age(tmp_path, faq):
    today = date.today()
    recent, older = today.fromordinal(today.toordinal() - 10), today.fromordinal(today.toordinal() - 400)
    path = write(faq / "x.yaml", ENTRIES.replace("2019-11-01", older.isoformat())
                 .replace("2023-07-01", recent.isoformat()))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}

    def stale_lines(days: int) -> list[str]:
        config = write(tmp_path / "config.yaml", f"knowledge:\n  path: knowledge/faq\n  stale_after_days: {days}\n")
        run = subprocess.run([sys.executable, "-m", "shebao.cli", "--config", str(config), "faq", "check"],
                             capture_output=True, cwd=tmp_path, env=env, timeout=120)
        out = run.stdout.decode("utf-8")
        assert run.returncode == 0, out + run.stderr.decode("utf-8")
        return [line for line in out.splitlines() if "years old" in line]

    assert stale_lines(365) == [f"{path}:1: warning: entry work_injury_standalone: as_of {older} is 1 years old; "
                                "check the answer is still right and update as_of"]
    assert stale_lines(500) == []


def test_a_parameter_file_whose_dates_go_backwards(tmp_path, faq):
    write(faq / "x.yaml", ENTRIES)
    params = tmp_path / "parameters"
    params.mkdir()
    path = write(params / "average_wage.qinghai.yaml", """\
        description: 青海省全省社平工资（元/月，按统计年度）
        unit: currency
        values:
          2018-01-01: {value: 5683, source: "调研报告（西宁市总工会，2019）"}
          2019-01-01: {value: 6000, source: "青人社厅发〔20xx〕xx号"}
          2017-01-01: {value: 6378, source: "调研报告（西宁市总工会，2019）"}
        """)
    assert lines(faq, "error", parameters=params) == [
        f"{path}:6: 日期 2017-01-01 不晚于上一行的 2019-01-01：日期应从早到晚排列"]


# -- published ids: links shared in chats carry them -------------------------------------------


def published(folder: Path, text: str) -> Path:
    return write(folder.parent / "published_ids.txt", text)


def test_a_renamed_id_is_a_warning_at_the_entry_that_took_its_question(faq):
    path = write(faq / "x.yaml", ENTRIES.replace("id: late_fee", "id: late_fee_rules"))
    published(faq, "# 已发布\nwork_injury_standalone  # 工伤保险能不能单独买？\nlate_fee  # 欠缴社保的滞纳金怎么算？\n")
    assert lines(faq, "warning") == [
        f"{path}:7: id late_fee was published and is gone: entry late_fee_rules has its question; "
        "change the id back to late_fee, links already shared (/start faq_late_fee) stop working otherwise"]
    assert lines(faq, "error") == []


def test_a_deleted_id_is_a_warning_at_its_line_in_the_published_list(faq):
    write(faq / "x.yaml", ENTRIES.split("- id: late_fee")[0])
    ids = published(faq, "# 已发布\nwork_injury_standalone  # 工伤保险能不能单独买？\nlate_fee  # 欠缴社保的滞纳金怎么算？\n")
    assert lines(faq, "warning") == [
        f"{ids}:3: id late_fee was published and is gone: links already shared (/start faq_late_fee) stop "
        "working; give the entry its id back, or delete this line if the entry was removed on purpose"]


def test_a_line_that_is_not_an_id_in_the_published_list(faq):
    write(faq / "x.yaml", ENTRIES)
    ids = published(faq, "work_injury_standalone\n滞纳金 late_fee\n")
    assert lines(faq, "warning") == [
        f"{ids}:2: '滞纳金 late_fee' is not an id (a-z, 0-9 and _ only, one id a line, the question after #)"]


def test_the_published_list_can_be_named_explicitly_and_is_optional(tmp_path, faq):
    write(faq / "x.yaml", ENTRIES.split("- id: late_fee")[0])
    assert lines(faq) == []  # no list: nothing to compare
    elsewhere = write(tmp_path / "ids.txt", "late_fee\n")
    assert lines(faq, published_ids=elsewhere) == [
        f"{elsewhere}:1: id late_fee was published and is gone: links already shared (/start faq_late_fee) "
        "stop working; give the entry its id back, or delete this line if the entry was removed on purpose"]


def test_faq_check_on_the_command_line_prints_the_warning_and_still_passes(tmp_path, faq):
    write(faq / "x.yaml", ENTRIES.split("- id: late_fee")[0])
    ids = published(faq, "work_injury_standalone\nlate_fee\n")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    run = subprocess.run([sys.executable, "-m", "shebao.cli", "faq", "check", "--knowledge", str(faq)],
                         capture_output=True, cwd=tmp_path, env=env, timeout=120)
    out = run.stdout.decode("utf-8")
    assert run.returncode == 0, out + run.stderr.decode("utf-8")
    assert f"{ids}:2: warning: id late_fee was published and is gone: " in out


def test_the_config_key_is_read_relative_to_the_config_file(tmp_path, faq):
    write(faq / "x.yaml", ENTRIES)
    config = write(tmp_path / "config.yaml", "knowledge:\n  path: knowledge/faq\n  published_ids: lists/ids.txt\n")
    assert published_ids_path(load_config(config)) == tmp_path / "lists" / "ids.txt"
    bare = write(tmp_path / "bare.yaml", "knowledge:\n  path: knowledge/faq\n")
    assert published_ids_path(load_config(bare)) == faq.parent / "published_ids.txt"


def test_update_adds_new_ids_with_their_questions_and_never_removes_one(faq):
    write(faq / "x.yaml", ENTRIES)
    ids = published(faq, "# 已发布\nretired_entry  # 以前的问题\nwork_injury_standalone\n")
    assert update_published_ids(faq, ids) == ["late_fee"]
    assert ids.read_text(encoding="utf-8") == ("# 已发布\nretired_entry  # 以前的问题\nwork_injury_standalone\n"
                                               "late_fee  # 欠缴社保的滞纳金怎么算？\n")
    assert update_published_ids(faq, ids) == []
    fresh = faq.parent / "new_list.txt"
    update_published_ids(faq, fresh)
    assert [i for i, _, _ in read_published_ids(fresh)[0]] == ["work_injury_standalone", "late_fee"]


def test_every_published_id_is_still_in_the_shipped_faq():
    """An id in knowledge/published_ids.txt is in a link someone shared: put it back, don't rename it
    (or delete its line there if the entry was removed on purpose)."""
    entries, _ = load_faq(ROOT / "knowledge" / "faq")
    ids, problems = read_published_ids(ROOT / "knowledge" / "published_ids.txt")
    assert problems == []
    assert sorted({i for i, _, _ in ids} - {e.id for e in entries}) == []
    assert published_ids_path(load_config(ROOT / "config.yaml")) == ROOT / "knowledge" / "published_ids.txt"
