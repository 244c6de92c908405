"""The reply a worker reads on a phone: the figure first, a short breakdown, one 依据 line naming each
source once with its dates, at most two lines of assumptions, and who decides; the full parameter
list stays in the JSON for staff."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from calculators.dialog import advance, detect
from calculators.parameters import cite, load, value_at
from calculators.registry import compute
from calculators.reply import render

DAY = dt.date(2019, 6, 1)
LATER = dt.date(2026, 3, 1)  # after the maternity merger and past the newest average wage

# (question, figure on the first line) - one or more per calculator
QUESTIONS = [
    ("我工资5200，每个月社保自己扣多少", "546.00"),
    ("月薪三千二 社保个人交多少钱", "358.03"),
    ("工资两万，每月社保个人交多少", "1790.15"),
    ("工资4800，工伤保险一年要交多少", "576.00"),
    ("我们是第五类行业，工资4000，工伤保险一年交多少", "528.00"),
    ("交了18年养老保险，退休每月能领多少", "1729.43"),
    ("我55岁退休，交了30年，个人账户有12万，能领多少养老金", "2410.78"),
    ("医保还差3年，一次性补交要多少钱", "9820.22"),
    ("养老保险还差两年，一次性补缴要多少钱", "16367.04"),
    ("欠了8000社保费，拖了45天，滞纳金多少", "180.00"),
    ("灵活就业按100%的档交，一个月多少", "1136.60"),
    ("我是高校毕业生，灵活就业按最低档交，补贴后每月多少", "204.59"),
    ("女的，医保交了21年，还差几年", "还差 4 年"),
    ("我是男的，医保交了32年，还要交几年", "已经交够"),
    ("失业保险交了11年，能领几个月", "24 个月"),
    ("失业保险交了8个月能领多久", "还不能领"),
]


def one_shot(question: str, today: dt.date = DAY):
    state = detect(question)
    assert state is not None, question
    return advance(state, None, one_shot=True, today=today)


def sections(reply: str) -> dict[str, list[str]]:
    lines = reply.splitlines()
    return {
        "bullets": [x for x in lines if x.startswith("· ")],
        "basis": [x for x in lines if x.startswith("依据：")],
        "assumptions": [x for x in lines if x.startswith(("您没说的", "注意："))],
    }


@pytest.mark.parametrize("today", [DAY, LATER], ids=["2019", "2026"])
@pytest.mark.parametrize(("question", "figure"), QUESTIONS, ids=[q for q, _ in QUESTIONS])
def test_every_reply_is_short_enough_for_a_phone(question, figure, today):
    turn = one_shot(question, today)
    assert turn.done and turn.result is not None
    parts = sections(turn.text)
    assert len(turn.text) <= 650, turn.text
    assert len(parts["bullets"]) <= 7
    assert len(parts["basis"]) == 1
    assert len(parts["assumptions"]) <= 2
    last = turn.text.splitlines()[-1]
    assert "社保经办机构" in last and "12333" in last
    if today == DAY:
        assert figure in turn.text.splitlines()[0]


@pytest.mark.parametrize(("question", "_figure"), QUESTIONS, ids=[q for q, _ in QUESTIONS])
def test_the_basis_line_names_each_source_once_with_the_dates_its_figures_hold_from(question, _figure):
    turn = one_shot(question, LATER)
    [basis] = sections(turn.text)["basis"]
    for source in {p.cite for p in turn.result.parameters}:
        shown = source.replace("（", "，").replace("）", "")
        assert basis.count(shown) == 1, (shown, basis)
    for p in turn.result.parameters:
        dated = p.start.isoformat() in basis or f"{p.start.year}年度" in basis
        assert dated, (p.name, basis)


def test_the_common_contribution_question_fits_in_about_600_characters():
    turn = one_shot("工资四千五每月社保扣多少", LATER)
    assert len(turn.text) <= 630
    # the newest average wage is 2018's: said before any figure, then the figure
    assert turn.text.splitlines()[0] == "按2018年标准估算，今年的实际标准请问12333。"
    assert turn.text.splitlines()[1] == "每月个人交约 472.50 元，单位交约 1057.50 元（按月工资 4500 元算）。"
    [basis] = sections(turn.text)["basis"]
    assert "2018年度全省社平工资 5683 元" in basis
    assert "养老单位 16% 自 2019-05-01 起（国办发〔2019〕13号）" in basis
    assert "今天（2026-03-01）" in turn.text  # no date given: today's rules, and it says so


def test_a_month_before_the_rate_cut_cites_the_20_percent_and_its_date():
    turn = one_shot("2019年4月工资7000，单位养老保险交多少")
    [basis] = sections(turn.text)["basis"]
    assert "养老单位 20% 自 2006-01-01 起" in basis
    assert "今天" not in turn.text  # the worker gave the month


@pytest.mark.parametrize(
    ("question", "words"),
    [
        ("交了20年社保，退休能领多少养老金", ["60 岁退休", "缴费指数 1", "个人账户估为"]),
        ("医保交了18年，还差几年", ["男职工（女职工要满 25 年，还差 7 年）"]),
        ("还差4年，一次性补缴要多少钱", ["补养老保险", "最低基数 3409.80 元"]),
        ("工资5000，工伤保险一年交多少", ["中等风险行业费率 1%"]),
        ("单位欠了两万社保，拖了半年，滞纳金多少", ["把 6 个月算成 180 天"]),
    ],
)
def test_the_defaults_taken_are_named_on_one_line(question, words):
    [line] = [x for x in one_shot(question).text.splitlines() if x.startswith("您没说的")]
    for w in words:
        assert w in line


@pytest.mark.parametrize(
    ("question", "words"),
    [
        ("交了10年养老保险，退休能领多少", "个人账户的钱"),
        ("工资6000，工伤保险一年交多少", "从工资里扣是不对的"),
        ("失业保险交了3年能领几个月", "失业登记"),
    ],
)
def test_the_most_important_caveat_is_kept(question, words):
    notes = [x for x in one_shot(question).text.splitlines() if x.startswith("注意：")]
    assert notes and words in notes[0]


def test_the_maternity_merger_is_said_with_its_short_source_and_the_rate_assumed():
    turn = one_shot("月薪七千，每月个人要交多少社保", LATER)
    assert "生育保险 2019-11-01 起并入医保" in turn.text
    assert "国办发〔2019〕10号" in turn.text
    assert "单位医保按 6% 算是假设" in turn.text
    assert "具体日期取" not in turn.text  # the long source stays in the JSON


def test_the_json_keeps_every_parameter_with_its_full_source_and_every_assumption():
    result = compute("contribution", {"wage": 4500, "date": "2026-03-01"})
    data = result.to_json()
    assert {p["name"] for p in data["parameters"]} >= {"average_wage.qinghai", "pension.employer_rate",
                                                         "medical.individual_rate", "work_injury.default_rate"}
    employer = next(p for p in data["parameters"] if p["name"] == "pension.employer_rate")
    assert employer["source"].startswith("国办发〔2019〕13号；《青海省降低社会保险费率综合实施方案》")
    assert len(data["assumptions"]) >= 3
    assert json.dumps(data, ensure_ascii=False)
    assert len(render(result)) < len(json.dumps(data, ensure_ascii=False))


@pytest.mark.parametrize(
    ("source", "short"),
    [
        ("调研报告（西宁市总工会，2019）：2018 年度全省社平工资 5683 元/月", "调研报告（西宁市总工会，2019）"),
        ("国发〔2005〕38号（个人账户统一为本人缴费工资的 8%）；调研报告（西宁市总工会，2019）", "国发〔2005〕38号"),
        ("国家规定：缴费基数不低于上年度社平工资的 60%", "国家规定"),
        ("《社会保险法》第八十六条", "《社会保险法》第八十六条"),
        ("全国人大常委会关于实施渐进式延迟法定退休年龄的决定（2024-09-13）：2030 年起每年提高 6 个月",
         "全国人大常委会关于实施渐进式延迟法定退休年龄的决定（2024-09-13）"),
        ("青人社厅发〔2027〕3号。附件二", "青人社厅发〔2027〕3号"),
    ],
)
def test_a_source_is_cited_by_its_document(source, short):
    assert cite(source) == short


def test_every_parameter_has_a_short_label_for_the_basis_line():
    from calculators.core import texts

    labels = texts("basis.labels")
    for name in load():
        assert name in labels or name.rpartition(".")[0] in labels, f"basis.labels has no {name}"


def test_a_new_figure_added_by_staff_is_cited_with_its_own_date(tmp_path):
    p = value_at("pension.employer_rate", DAY)
    from calculators.reply import basis

    assert basis([p]) == "养老单位 16% 自 2019-05-01 起（国办发〔2019〕13号）"
