"""A small, valid FAQ file that tests copy and break."""

GOOD = """\
- id: work_injury_standalone
  question: 工伤保险能不能单独买？
  also_asked: [只交工伤保险行不行, 老板说工伤不能单独上]
  answer: 能。西宁可以单独参加工伤保险。
  source: 调研报告（西宁市总工会，2019）
  as_of: 2019-11-01
- id: late_fee
  question: 欠缴社保的滞纳金怎么算？
  also_asked: [社保晚交了有滞纳金吗]
  answer: 每天按欠缴数额的万分之五加收。
  source: 《社会保险法》第八十六条
  as_of: 2023-07-01
"""


def standalone_mark() -> str:
    """Words that both the short and the full answer of work_injury_standalone hold, read from the
    shipped FAQ so that tests of the bot do not break when staff reword the answer."""
    from difflib import SequenceMatcher

    from knowledge.loader import load_faq_strict
    from shebao.config import packaged_path

    entry = next(e for e in load_faq_strict(packaged_path("knowledge", "faq")) if e.id == "work_injury_standalone")
    short, answer = entry.short or entry.answer, entry.answer
    m = SequenceMatcher(None, short, answer, autojunk=False).find_longest_match(0, len(short), 0, len(answer))
    mark = short[m.a : m.a + m.size]
    assert len(mark) >= 6, "the short and the answer of work_injury_standalone share too little to recognise"
    return mark


STANDALONE = standalone_mark()
