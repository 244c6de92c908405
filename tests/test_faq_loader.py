"""Loading and checking the FAQ folder: every broken-file case names the file and the line."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from faq_samples import GOOD  # noqa: E402  (tests/ is on the path)

from knowledge.check import check
from knowledge.loader import load_faq, load_faq_strict
from knowledge.model import FAQError
from shebao.config import packaged_path

LEXICON = packaged_path("knowledge", "lexicon")



def write(folder: Path, text: str, name: str = "faq.yaml") -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def problems_of(folder: Path, **kwargs) -> list[str]:
    return [str(p) for p in check(folder, LEXICON, **kwargs) if p.severity == "error"]


def test_a_good_folder_loads_every_entry_with_its_lines(tmp_path):
    path = write(tmp_path, GOOD)
    entries, problems = load_faq(tmp_path)
    assert problems == []
    assert [e.id for e in entries] == ["work_injury_standalone", "late_fee"]
    first = entries[0]
    assert (first.path, first.line) == (path, 1)
    assert first.phrasings == ("工伤保险能不能单独买？", "只交工伤保险行不行", "老板说工伤不能单独上")
    assert first.as_of.isoformat() == "2019-11-01"
    assert problems_of(tmp_path) == []


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("- id: a\n  question: [unclosed\n", 3, "not valid YAML"),
        ("- id: a\n\tquestion: tab\n", 2, "not valid YAML"),
        ("id: a\nquestion: b\n", 1, "the file must be a list of entries"),
        ("- just a string\n", 1, "each list item must be an entry"),
        ("- id: a\n  question: q\n  source: s\n  as_of: 2019-01-01\n", 1, "entry a: answer is missing"),
        ("- id: a\n  question: q\n  answer: ''\n  source: s\n  as_of: 2019-01-01\n", 3, "entry a: answer is empty"),
        ("- question: q\n  answer: a\n  source: s\n  as_of: 2019-01-01\n", 1, "entry: id is missing"),
        ("- id: Bad-Id\n  question: q\n  answer: a\n  source: s\n  as_of: 2019-01-01\n", 1, "may hold only a-z"),
        ("- id: a\n  question: q\n  answer: a\n  source: s\n  as_of: 去年\n", 5, "as_of must be a date"),
        ("- id: a\n  question: q\n  answer: a\n  source: s\n  as_of: 2026-13-01\n", 5,
         "as_of must be a date like 2019-11-01 ('2026-13-01': month must be in 1..12)"),
        ("- id: a\n  question: q\n  answer: a\n  source: s\n  as_of: 2026-02-30\n", 5,
         "as_of must be a date like 2019-11-01 ('2026-02-30': day is out of range for month)"),
        ("- id: a\n  question: q\n  question: q2\n  answer: a\n  source: s\n  as_of: 2019-01-01\n", 3,
         "question is given twice"),
        ("- id: a\n  question: q\n  also_asked: 7\n  answer: a\n  source: s\n  as_of: 2019-01-01\n", 3,
         "also_asked must be a list"),
    ],
    ids=["unclosed", "tab", "mapping", "string-item", "missing-answer", "empty-answer", "missing-id", "bad-id",
         "bad-date", "month-13", "february-30", "twice", "also-not-list"],
)
def test_each_broken_file_is_reported_as_path_line_message(tmp_path, text, line, message):
    path = write(tmp_path, text)
    found = problems_of(tmp_path)
    assert any(p.startswith(f"{path}:{line}: ") and message in p for p in found), found


def test_a_duplicate_id_names_both_places(tmp_path):
    write(tmp_path, GOOD, "a.yaml")
    second = write(tmp_path, GOOD.split("- id: late_fee")[0], "b.yaml")
    found = problems_of(tmp_path)
    assert any(p.startswith(f"{second}:1: duplicate id work_injury_standalone (first at ") for p in found), found


def test_an_answer_too_long_for_telegram_is_an_error(tmp_path):
    long_answer = "很长的回答。" * 700
    path = write(tmp_path, GOOD.replace("能。西宁可以单独参加工伤保险。", long_answer))
    found = problems_of(tmp_path)
    assert any(p.startswith(f"{path}:1: entry work_injury_standalone: answer is ") and "4096" in p for p in found)


def test_two_entries_whose_phrasings_collide_are_an_error(tmp_path):
    path = write(tmp_path, GOOD.replace("[社保晚交了有滞纳金吗]", "[社保晚交了有滞纳金吗, 只交工伤保险行不行！]"))
    found = problems_of(tmp_path)
    assert any(p.startswith(f"{path}:9: phrasing '只交工伤保险行不行！' of late_fee collides with") for p in found), found


def test_collisions_are_found_after_traditional_characters_and_synonyms(tmp_path):
    write(tmp_path, GOOD.replace("[社保晚交了有滞纳金吗]", "[社保晚交了有滞纳金吗, 只繳工傷保險行不行]"))
    assert any("collides with" in p for p in problems_of(tmp_path))


def test_a_stale_answer_is_a_warning_not_an_error(tmp_path):
    write(tmp_path, GOOD)
    warnings = [str(p) for p in check(tmp_path, LEXICON, stale_after_days=365) if p.severity == "warning"]
    assert any("late_fee: as_of 2023-07-01 is" in w for w in warnings)
    assert problems_of(tmp_path, stale_after_days=365) == []


def test_strict_loading_raises_with_every_problem(tmp_path):
    write(tmp_path, "- id: a\n  question: q\n")
    with pytest.raises(FAQError) as err:
        load_faq_strict(tmp_path)
    assert "entry a: answer is missing" in str(err.value)


def test_a_file_that_is_not_utf8_is_reported(tmp_path):
    path = tmp_path / "gbk.yaml"
    path.write_bytes("- id: a\n  question: 工伤\n".encode("gbk"))
    found = problems_of(tmp_path)
    assert any(p.startswith(f"{path}:2: not UTF-8") for p in found), found


def test_the_shipped_faq_has_no_errors():
    problems = problems_of(packaged_path("knowledge", "faq"))
    assert problems == []
