"""The matcher: each phrasing finds its own entry, worker spellings meet the canonical ones, chatter falls back."""

from __future__ import annotations

from datetime import date

import pytest

from knowledge.lexicon import Lexicon, load_lexicon
from knowledge.matcher import Index
from knowledge.model import Entry
from shebao.config import packaged_path
from textnorm.normalize import clean, split_pinyin


def entry(ident, question, *also):
    return Entry(ident, question, f"{ident} 的回答", "测试", date(2019, 1, 1), tuple(also))


def test_every_phrasing_of_every_shipped_entry_finds_its_own_entry(answerer):
    wrong = []
    for e in answerer.entries:
        for phrasing in e.phrasings:
            reply = answerer.answer(phrasing, one_shot=True)
            if reply.best != e.id:
                wrong.append((e.id, phrasing, reply.best))
    assert wrong == []


def test_most_phrasings_taken_out_still_find_their_entry(faq_index):
    from knowledge.check import held_out

    results = held_out(faq_index)
    right = sum(1 for d, found, _ in results if found == faq_index.entries[faq_index.doc_entry[d]].id)
    assert right / len(results) >= 0.75, f"{right}/{len(results)}"


def test_every_topic_has_an_entry(answerer):
    import yaml

    topics = yaml.safe_load(_topics_path().read_text(encoding="utf-8"))
    assert {t["id"] for t in topics} <= {e.id for e in answerer.entries}


def _topics_path():
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "shared" / "topics.yaml"
    if not path.is_file():
        pytest.skip("shared/topics.yaml is not beside the checkout")
    return path


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("工伤保险可以单独买吗", "work_injury_standalone"),
        ("工傷保險可以單獨買嗎", "work_injury_standalone"),          # traditional characters
        ("gongshang baoxian keyi dandu mai ma", "work_injury_standalone"),  # toneless pinyin
        ("gongshangbaoxiankeyidandumaima", "work_injury_standalone"),       # pinyin without spaces
        ("老板说工上保险不能单独买🤔？？", "work_injury_standalone"),   # homophone slip and emoji
        ("ＤＲＧ付费是什么意思", "drg_reform"),                       # full-width letters
        ("新农合和职工医保能一起交吗", "resident_vs_employee_medical"),
        ("社保断交了有啥影响", "contribution_gap_effects"),           # 断交 for 断缴, 啥 for 什么
        ("失叶金怎么领", "unemployment_benefit"),
    ],
)
def test_worker_spellings_find_the_entry(answerer, question, expected):
    reply = answerer.answer(question, one_shot=True)
    assert (reply.kind, reply.id) == ("faq", expected), (reply.best, reply.score)


@pytest.mark.parametrize("question", ["你好", "谢谢！", "哈哈哈哈", "👍", "在吗？？", "好的 谢谢"])
def test_greetings_and_thanks_fall_back_with_what_the_bot_can_do(answerer, question):
    reply = answerer.answer(question, one_shot=True)
    assert reply.kind == "none" and reply.id is None
    assert "社保" in reply.text


@pytest.mark.parametrize(
    "question",
    ["今天西宁天气怎么样", "比特币现在能买吗", "汽车保险怎么买最便宜", "西宁到兰州的火车票怎么买", "今天股票大盘涨了没",
     "帮我写一首诗", "电费在哪交", "微信转错账了咋办", "高血压吃什么药好", "尘肺病能治好吗"],
)
def test_questions_outside_social_insurance_fall_back(answerer, question):
    reply = answerer.answer(question, one_shot=True)
    assert reply.kind == "none" and reply.id is None, (reply.best, reply.score)
    assert "12333" in reply.text


@pytest.mark.parametrize("question, expected", [
    ("高血压门诊能报销吗", "outpatient_chronic_disease"), ("尘肺病算职业病吗", "occupational_disease")])
def test_the_insurance_side_of_an_illness_is_still_answered(answerer, question, expected):
    reply = answerer.answer(question, one_shot=True)
    assert (reply.kind, reply.id) == ("faq", expected), (reply.best, reply.score)


def test_an_uncertain_question_gets_suggestions_not_a_guess():
    entries = [entry("a", "工伤保险能单独买吗"), entry("b", "工伤认定怎么申请")]
    index = Index(entries, load_lexicon(packaged_path("knowledge", "lexicon")))
    result = index.match("工伤")
    assert result.best is not None
    assert result.best.score < 100 * index.model.answer_threshold  # two entries share the word: no answer
    assert {c.entry.id for c in result.candidates} == {"a", "b"}


def test_confidence_grows_with_the_lead_over_the_next_entry():
    lex = Lexicon()
    alone = Index([entry("a", "失业金怎么领"), entry("b", "工伤认定怎么申请")], lex).match("失业金要怎样领")
    crowded = Index([entry("a", "失业金怎么领"), entry("b", "失业金怎么领取")], lex).match("失业金要怎样领")
    assert alone.best.entry.id == crowded.best.entry.id == "a"
    assert alone.best.score > crowded.best.score


def test_the_matcher_works_on_a_folder_without_any_lexicon():
    index = Index([entry("a", "租赁合同应当以什么形式订立"), entry("b", "借车撞人了能找车主索赔吗")], Lexicon())
    assert index.match("应当以什么形式订立租赁合同").best.entry.id == "a"
    assert not index.is_chitchat("你好")  # no chit-chat list: nothing is chit-chat but empty text


def test_a_phrasing_can_be_left_out_of_its_own_match():
    index = Index([entry("a", "失业金怎么领", "失业金领取流程"), entry("b", "工伤认定怎么申请")], Lexicon())
    assert index.match("失业金怎么领").best.similarity == pytest.approx(1.0)
    left_out = index.match("失业金怎么领", exclude=0).best
    assert left_out.similarity < 1.0 and left_out.phrasing == "失业金领取流程"


@pytest.mark.parametrize(
    ("text", "expected"),
    [("gongshang baoxian", ["gong", "shang", "bao", "xian"]), ("xian", ["xian"]), ("shebao", ["she", "bao"]),
     ("hello world", None), ("qwrtp", None)],
)
def test_pinyin_is_split_into_syllables_or_refused(text, expected):
    assert split_pinyin(text) == expected


def test_cleaning_drops_controls_marks_and_emoji_and_simplifies():
    assert clean("\u202e工傷\u200b保險😭\x00？") == "工伤 保险"
    assert clean("") == ""


def test_the_shipped_syllable_list_matches_pypinyin():
    from textnorm.normalize import _syllables, _syllables_from_pypinyin

    assert _syllables() == _syllables_from_pypinyin()


def test_the_domain_gate_holds_only_for_an_faq_about_the_domain():
    lex = Lexicon(domain=["社保", "工伤"])
    ours = Index([entry("a", "社保费在哪交"), entry("b", "工伤怎么认定")], lex)
    assert not ours.match("电费在哪交").in_domain
    assert ours.match("社保费去哪里交").in_domain
    legal = Index([entry("a", "租赁合同应当以什么形式订立"), entry("b", "工伤怎么认定"), entry("c", "借车撞人谁赔")], lex)
    assert legal.match("租赁合同要什么形式").in_domain


def test_a_phrasing_about_another_insurance_counts_for_less():
    entries = [entry("pension", "换城市工作了养老怎么转"), entry("medical", "换了工作医保要转吗")]
    question = "换城市工作了医保怎么转"
    with_subjects = Index(entries, Lexicon(subjects={"养老": ["养老"], "医疗": ["医保"]})).match(question)
    without = Index(entries, Lexicon()).match(question)
    assert without.best.entry.id == with_subjects.best.entry.id == "pension"
    assert with_subjects.best.score < without.best.score - 5


def test_the_ranking_weighs_coverage_more_when_entries_have_many_phrasings():
    from knowledge.matcher import RAW_FEW, RAW_MANY

    few = Index([entry("a", "失业金怎么领", "失业金如何领取"), entry("b", "工伤认定怎么申请")], Lexicon())
    many = Index([entry("a", "失业金怎么领", *[f"失业金第{i}种问法" for i in range(12)])], Lexicon())
    assert few.raw_weights == pytest.approx(RAW_FEW, rel=0.2)
    assert many.raw_weights == pytest.approx(RAW_MANY)
