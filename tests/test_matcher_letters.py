"""Long messages, place names and known wrong answers: the matcher reads what is asked, not the whole story."""

from __future__ import annotations

from datetime import date

import pytest

from knowledge import letters
from knowledge.lexicon import load_lexicon
from knowledge.matcher import Index
from knowledge.model import Entry
from shebao.config import packaged_path
from textnorm.normalize import canonical

LEXICON = packaged_path("knowledge", "lexicon")

# Written for these tests (not copied from any evaluation set): a story first, the question at the end.
LETTER = ("我在老家县城一个工地上干了两年多，每天搬砖扎钢筋，老板一直没给我们交社保，工资也是按天结。"
          "上个月我从脚手架上摔下来把腿摔骨折了，住院花了两万多，老板只给了三千就不管了。"
          "请问我这种情况该找谁要钱？")


def entry(ident, question, *also):
    return Entry(ident, question, f"{ident} 的回答", "测试", date(2019, 1, 1), tuple(also))


@pytest.fixture(scope="module")
def lexicon():
    return load_lexicon(LEXICON)


def test_a_letter_is_read_as_its_question_and_the_facts_of_its_story(lexicon):
    letter = letters.read(LETTER, lexicon, lambda s: canonical(s, lexicon))
    assert letter.question == "我这种情况该找谁要钱"
    assert letter.facts == ("没上工伤保险受了工伤",)  # injured and not insured, told together
    assert letter.asks


def test_a_vague_question_after_the_marker_takes_the_question_before_it(lexicon):
    text = "我开了个小饭馆，雇了三个服务员。他们的社保我必须交吗？不交会怎样？所以想了解下相关情况。"
    letter = letters.read(text, lexicon, lambda s: canonical(s, lexicon))
    assert "社保我必须交吗" in letter.question and letter.question.endswith("相关情况")


# one long sentence of story run on with commas into a vague "请问我该怎么办"
RUN_ON_LETTER = "我在工地上班三年了，老板一直没给我交社保，上个月干活摔断了腿，现在老板不管了，请问我该怎么办？"


def test_a_vague_question_run_on_after_the_story_takes_the_facts_of_the_whole_story(lexicon):
    letter = letters.read(RUN_ON_LETTER, lexicon, lambda s: canonical(s, lexicon))
    assert letter.facts == ("没上工伤保险受了工伤",)


# no punctuation at all, and a question of three characters after the marker
UNPUNCTUATED_WAIVER = ("我在一家超市当理货员进去的时候经理拿来一张纸让我签上面写着自愿不交社保每月多发一百五我就签了"
                       "干了一年多心里越想越不踏实请问怎么办")


def test_a_short_question_after_the_marker_of_an_unpunctuated_letter_takes_the_storys_facts(lexicon, answerer):
    letter = letters.read(UNPUNCTUATED_WAIVER, lexicon, lambda s: canonical(s, lexicon))
    assert letter.question == "怎么办" and letter.facts == ("签了自愿放弃社保的承诺书",), letter
    reply = answerer.answer(UNPUNCTUATED_WAIVER, one_shot=True)
    assert reply.kind == "faq" and reply.id == "waiver_invalid", (reply.best, reply.score)


def test_a_letter_about_an_injured_worker_past_retirement_age_is_the_over_age_entry(answerer):
    letter = ("我爸早就过了退休年龄，还在一家物流公司看仓库，公司没给他交任何保险。上个月卸货的时候被货箱砸伤了脚。"
              "请问公司这样做对吗？")
    reply = answerer.answer(letter, one_shot=True)
    assert reply.kind == "faq" and reply.id == "older_worker_injury", (reply.best, reply.score)


def test_an_age_past_retirement_told_as_a_number_is_a_deciding_fact(lexicon, answerer):
    letter = ("我舅舅今年六十三了，在县城一个砖厂搬砖，厂里从来没给他交过保险。前几天他被砖垛压伤了腰，"
              "老板说他岁数大了不归工伤管。想问问这种情况老板该不该管？")
    read = letters.read(letter, lexicon, lambda s: canonical(s, lexicon))
    assert read.facts == ("超过退休年龄上班受了工伤",), read
    # the bare story reads as an uninsured injury; its question and the story read with the age agree on the
    # over-age entry, which is answered or offered first
    reply = answerer.answer(letter, one_shot=True)
    assert reply.best == "older_worker_injury", (reply.best, reply.score)
    assert reply.id == "older_worker_injury" or reply.suggestions[0] == "older_worker_injury"


def test_a_letter_about_a_pensioners_death_is_the_familys_benefits(answerer):
    # retirement and its paperwork fill the story; the death decides it
    letter = ("我爸退休七年了，每个月领三千多退休金，前些天在医院病逝了。丧事办完了，街道的人说要去社保局办手续"
              "把退休金停掉。请问我们接下来该怎么办？")
    reply = answerer.answer(letter, one_shot=True)
    assert reply.kind == "faq" and reply.id == "death_benefits", (reply.best, reply.score)


def test_a_question_naming_no_insurance_takes_the_one_the_story_names(lexicon):
    letter = "我老婆在服装厂上班，厂里给她交的医保，前后换过三个厂。请问到底要交多少年才够？"
    read = letters.read(letter, lexicon, lambda s: canonical(s, lexicon))
    assert read.question.startswith("到底要交多少年") and "医保" in read.facts, read
    both = "我在厂里交了医保，老家还交着养老。请问到底要交多少年才够？"  # two insurances: neither is added
    assert letters.read(both, lexicon, lambda s: canonical(s, lexicon)).facts == ()


def test_a_run_on_letter_about_an_uninsured_injury_is_answered_as_one(answerer):
    reply = answerer.answer(RUN_ON_LETTER, one_shot=True)
    assert reply.kind == "faq" and reply.id == "work_injury_uninsured", (reply.best, reply.score)


def test_a_letter_whose_question_is_at_the_end_is_answered_by_what_it_asks(answerer):
    reply = answerer.answer(LETTER, one_shot=True)
    assert reply.kind == "faq" and reply.id == "work_injury_uninsured", (reply.best, reply.score)


def test_a_long_message_that_asks_nothing_is_not_answered(answerer):
    reply = answerer.answer("我在工地上干活，" * 12, one_shot=True)
    assert reply.kind == "none", (reply.best, reply.score)


@pytest.mark.parametrize(
    ("question", "expected"),
    [("深圳工伤保险可以单独买吗", "work_injury_standalone"), ("佛山市失业金怎么领", "unemployment_benefit"),
     ("北京的社保断交了有啥影响", "contribution_gap_effects")],
)
def test_a_place_name_does_not_stop_an_answer_that_holds_everywhere(answerer, question, expected):
    reply = answerer.answer(question, one_shot=True)
    assert (reply.kind, reply.id) == ("faq", expected), (reply.best, reply.score)


def test_place_names_are_set_aside_in_phrasings_and_questions_alike(lexicon):
    index = Index([entry("lost_job", "在深圳打工失业了能领失业金吗"), entry("standalone", "工伤保险能单独买吗")], lexicon)
    assert index.set_places_aside("北京市社保怎么交") == ("社保怎么交", True)
    assert index.match("深圳工伤保险能单独买吗").best.entry.id == "standalone"


def test_a_plea_for_an_answer_is_set_aside_in_phrasings_and_questions_alike(lexicon):
    # a phrasing ending in "在线求解答" must not pull in every question that ends so
    index = Index([entry("records", "缴费记录怎么查 在线求解答"), entry("union", "怎么加入工会", "入会要什么条件")],
                  lexicon)
    assert index.set_places_aside(canonical("入会条件 在线求解答", lexicon))[0] == "入会条件"
    found = index.match("农民工入会条件 在线求解答 急急急").best
    assert found.entry.id == "union"
    assert found.features["asks"] == 1.0  # the plea set aside still made the message ask


@pytest.mark.parametrize("question", ["医保一年交多少钱", "职工医保一年交多少钱"])
def test_a_question_without_an_entrys_must_have_word_is_not_that_entry(answerer, question):
    # the union's mutual medical aid is 互助医保: a plain medical-insurance question is not about it
    reply = answerer.answer(question, one_shot=True)
    assert reply.best != "mutual_medical_aid" and reply.id != "mutual_medical_aid", (reply.best, reply.score)


def test_an_uninsured_injury_is_not_the_over_age_workers_entry(answerer):
    reply = answerer.answer("我在工地干活老板不交社保，受伤了谁管", one_shot=True)
    assert reply.best == "work_injury_uninsured", (reply.best, reply.score)


def test_a_phrasing_naming_no_insurance_does_not_outrank_one_naming_the_insurance_asked_about(answerer):
    # "向哪个部门" is also how wage-arrears questions are put; the question is about 工伤
    reply = answerer.answer("工伤向哪个部门申请", one_shot=True)
    assert reply.best == "work_injury_claim", (reply.best, reply.score)
    assert reply.id == "work_injury_claim" or reply.suggestions[0] == "work_injury_claim"


@pytest.mark.parametrize(
    ("question", "where"),
    [("公积金怎么提取", "12329"), ("个人所得税退税怎么办理", "12366"), ("网贷还不上了会怎么样", "110"),
     ("重疾险理赔被拒了怎么办", "保险公司"),
     # 意外险 holds 险, a domain word, and the FAQ uses 意外险 (a boss's accident insurance instead of work-injury
     # insurance); with no employer or insurance of ours named, it is a commercial-insurance question
     ("给老人买的意外险怎么理赔", "保险公司"),
     # not the flexible workers' subsidy, though both are 补贴: the FAQ has no entry on it
     ("电工证补贴怎么申请", "就业服务中心"), ("叉车证考下来了有补贴吗", "就业服务中心"),
     # labour law beyond insurance and wages, and a road accident's civil claim
     ("加班工资怎么算", "12348"), ("年假没休完公司要给钱吗", "劳动保障监察"), ("交通事故伤残鉴定怎么做", "交警"),
     # the disability-assessment entry matches these closely, but none of its phrasings speaks of a road
     # accident: a road accident's assessment is the traffic police's and the court's, not a work injury's
     ("我出了车祸 做伤残鉴定前要准备什么", "交警"), ("车祸以后伤残鉴定找哪个机构做", "交警")],
)
def test_out_of_scope_questions_say_where_to_ask_instead(answerer, question, where):
    from shebao.service import texts

    reply = answerer.answer(question, one_shot=True)
    assert reply.kind == "none" and reply.id is None, (reply.best, reply.score)
    assert where in reply.text and reply.text != texts()["help"]


@pytest.mark.parametrize(("question", "entries"), [
    ("劳务派遣员工受了工伤找谁赔", {"work_injury_claim", "work_injury_uninsured", "work_injury_compensation"}),
    ("下班路上车祸赔偿 算不算工伤", {"commute_injury"}), ("下班路上出了车祸 伤残鉴定怎么做", {"commute_injury"}),
    ("工伤怎么理赔", {"work_injury_claim"})])
def test_a_labour_or_road_question_about_our_insurance_is_answered_not_pointed_elsewhere(answerer, question, entries):
    reply = answerer.answer(question, one_shot=True)
    assert reply.best in entries, (reply.best, reply.score)
    assert "12348" not in reply.text, reply.text


@pytest.mark.parametrize("question", ["老板只给买意外险不给上工伤保险行吗", "工伤保险怎么理赔"])
def test_a_question_naming_our_insurance_or_employer_is_not_pointed_elsewhere(answerer, question):
    from shebao.service import texts

    reply = answerer.answer(question, one_shot=True)
    assert texts()["out_of_scope"]["commercial_insurance"].splitlines()[0] not in reply.text, reply.text


@pytest.mark.parametrize(("question", "expected"), [("门诊共济是什么", "outpatient_chronic_disease"),
                                                    ("俺是男的是不是得干到63才能退啊", "retirement_age")])
def test_the_shipped_domain_words_hold_outpatient_care_and_retiring(answerer, question, expected):
    # a question the domain gate holds out gets at most a did-you-mean, however sure the match
    reply = answerer.answer(question, one_shot=True)
    assert reply.kind == "faq" and reply.id == expected, (reply.best, reply.score)


@pytest.mark.parametrize("text", ["农民工入会条件 求解答", "工伤认定 求助", "请问社保断交"])
def test_an_ask_marker_asks_like_a_question_word(lexicon, text):
    assert letters.asks(canonical(text, lexicon), lexicon)


def test_a_statement_without_a_question_word_or_marker_does_not_ask(lexicon):
    assert not letters.asks(canonical("我在工地上干活", lexicon), lexicon)
