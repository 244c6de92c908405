"""The corrected FAQ answers keep their key facts: read from the shipped FAQ, so an edit that drops one fails.

The cases are data: tests/cases/faq_facts.yaml (one fact per case, named as a sentence).
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
import yaml

from knowledge.loader import load_faq_strict
from knowledge.model import Entry
from shebao.config import packaged_path

CASES = yaml.safe_load((Path(__file__).parent / "cases" / "faq_facts.yaml").read_text(encoding="utf-8"))
FACTS = CASES["cases"]
MEDICAL = CASES["medical_entries"]


@pytest.fixture(scope="module")
def shipped() -> dict[str, Entry]:
    return {e.id: e for e in load_faq_strict(packaged_path("knowledge", "faq"))}


def compact(text: str) -> str:
    """The text without spaces and line breaks, so rewrapping an answer does not break a case."""
    return re.sub(r"\s+", "", text)


def test_the_cases_are_well_formed():
    names = [c["name"] for c in FACTS]
    assert len(names) == len(set(names)), "two cases share a name"
    for case in FACTS:
        assert set(case) <= {"name", "entry", "holds", "lacks", "source_holds", "as_of_from"}, case["name"]
        assert case.get("holds") or case.get("lacks"), f"{case['name']}: a case must check some words"


@pytest.mark.parametrize("case", FACTS, ids=[c["name"] for c in FACTS])
def test_a_corrected_answer_keeps_its_key_fact(shipped, case):
    assert case["entry"] in shipped, f"entry {case['entry']} is gone from the FAQ"
    entry = shipped[case["entry"]]
    answer = compact(entry.answer)
    missing = [w for w in case.get("holds", []) if compact(w) not in answer]
    assert not missing, f"{entry.id} ({entry.path}:{entry.line}) no longer says {missing}"
    back = [w for w in case.get("lacks", []) if compact(w) in answer]
    assert not back, f"{entry.id} ({entry.path}:{entry.line}) says {back} again"
    unsourced = [w for w in case.get("source_holds", []) if compact(w) not in compact(entry.source)]
    assert not unsourced, f"{entry.id}: its source no longer names {unsourced}"
    if "as_of_from" in case:
        assert entry.as_of >= date.fromisoformat(str(case["as_of_from"])), (
            f"{entry.id}: as_of {entry.as_of} is older than the rules it states ({case['as_of_from']})")


def twelve_three_three_misnamed(text: str) -> list[str]:
    """Each place TEXT gives 12333 without calling it the 人社 line (12333 is not the medical-insurance line)."""
    return [text[max(0, m.start() - 12): m.end()] for m in re.finditer("12333", text)
            if "人社" not in text[max(0, m.start() - 6): m.start()]]


def test_the_12333_rule_catches_a_medical_answer_that_sends_workers_to_12333():
    assert twelve_three_three_misnamed("问清楚：问当地医保经办机构，或打12333。") == ["问当地医保经办机构，或打12333"]
    assert twelve_three_three_misnamed("失业金的事打人社热线12333。") == []


@pytest.mark.parametrize("ident", MEDICAL)
def test_a_medical_answer_names_12393_and_never_12333_as_the_medical_line(shipped, ident):
    entry = shipped[ident]
    assert "12393" in entry.answer, f"{ident}: the answer does not name the medical-insurance line 12393"
    for text in (entry.answer, entry.short or ""):
        assert twelve_three_three_misnamed(text) == [], f"{ident}: 12333 given as if it were the medical line"
