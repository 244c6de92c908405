"""No FAQ phrasing copies an evaluation question: the sets in ../shared/eval and DIAC2019's labelled questions
(bench/data/diac2019_labels.yaml, the cross-validated real questions of the confidence model) measure the bot
on questions it has not been taught, so a phrasing that (nearly) repeats one of their lines would inflate what
they measure."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from rapidfuzz import fuzz, process

from knowledge.loader import load_faq_strict
from shebao.config import packaged_path

ROOT = Path(__file__).resolve().parents[1]
EVAL = ROOT.parent / "shared" / "eval"
# rapidfuzz ratio from which a phrasing is a copy: "什么情况下算工伤" against "什么情况下才算工伤" is 94, while
# "工伤保险可以单独缴费吗" against "工伤保险可以单独买吗" (86) is a question of the same kind in other words
NEAR = 88


def eval_questions() -> list[str]:
    lines = []
    for path in sorted(EVAL.glob("*.yaml")):
        lines += [str(c["q"]) for c in yaml.safe_load(path.read_text(encoding="utf-8")) or [] if c.get("q")]
    return lines


def diac_questions() -> list[str]:
    import sys

    sys.path.insert(0, str(ROOT / "bench"))
    from confidence_data import diac_labelled

    return [c["q"] for c in diac_labelled()]


def near_copies(phrasings: list[tuple[str, str]], questions: list[str]) -> list[str]:
    found = []
    for entry_id, text in phrasings:
        match = process.extractOne(text, questions, scorer=fuzz.ratio, score_cutoff=NEAR)
        if match:
            found.append(f"{entry_id}: {text!r} ~ {match[0]!r} ({match[1]:.0f})")
    return found


@pytest.mark.skipif(not EVAL.is_dir(), reason="the evaluation sets are not beside the checkout")
def test_no_phrasing_nearly_copies_an_evaluation_question():
    entries = load_faq_strict(packaged_path("knowledge", "faq"))
    phrasings = [(e.id, p) for e in entries for p in [e.question, *e.also_asked]]
    assert near_copies(phrasings, eval_questions()) == []


@pytest.mark.skipif(not (EVAL.parent / "data" / "diac2019").is_dir(), reason="DIAC2019 is not beside the checkout")
def test_no_phrasing_nearly_copies_a_labelled_diac2019_question():
    entries = load_faq_strict(packaged_path("knowledge", "faq"))
    questions = diac_questions()
    assert len(questions) > 1000  # the labels were read
    assert near_copies([(e.id, p) for e in entries for p in [e.question, *e.also_asked]], questions) == []


def test_the_check_finds_a_copy_and_a_near_copy_but_not_a_question_of_the_same_kind():
    questions = ["工伤保险可以单独买吗", "什么情况下才算工伤"]
    found = near_copies([("a", "工伤保险可以单独买吗"), ("b", "什么情况下算工伤"), ("c", "工伤认定去哪个部门办")],
                        questions)
    assert [f.split(":")[0] for f in found] == ["a", "b"]
