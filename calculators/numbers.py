"""Reads numbers the way workers write them, and what each number means in a question.

`4500`, `4,500元`, `4.5k`, `4千5`, `四千五`, `四千五百块`, `一万二`, `1.2万`, `3万`, `百分之一`,
`1%`, `十年`, `半年`, `18年`, `100天`. Chinese numerals are read by cn2an; this module only cuts
the text into number tokens, rewrites mixed forms (4千5 -> 四千五) into something cn2an takes,
and looks at the words around each number. Text is cleaned by `textnorm`.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from types import SimpleNamespace

from textnorm.normalize import fold
from textnorm.numerals import arabic_to_chinese, chinese_number, to_decimal

from .parameters import read_yaml

MAX_CHARS = 1000  # questions are short; the rest of a pasted essay is not read
MAX_TOKEN = 24
CN_DIGITS = "零〇一二两三四五六七八九"
CN_UNITS = "十百千万亿"
CN = CN_DIGITS + CN_UNITS
MULTIPLIER = {"k": 1000, "w": 10000, "千": 1000, "万": 10000, "亿": 100000000}

_ARABIC = r"[0-9]+(?:,[0-9]{3})*(?![0-9])(?:[.点][0-9]+)?"
TOKEN = re.compile(
    rf"(?P<pre>百分之|千分之)?"
    rf"(?P<num>{_ARABIC}(?:[kw千万亿百](?:[0-9]+(?:\.[0-9]+)?|[{CN_DIGITS}])?)*"
    rf"|[{CN}][{CN}点]*)"
    rf"(?P<post>%)?"
)
UNIT = re.compile(r"\s*(?:多|来|余)?\s*(块钱|块|元钱|元|个多月|个月|年半|年|周岁|岁|天|日|类|级|月|次|个|号)?")
DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*(?:[-/.月]\s*(\d{1,2})\s*[日号]?|月)")
POWER = re.compile(r"([0-9]+(?:\.[0-9]+)?)\s*(?:\^|\*\*|的\s*(?=[0-9]{1,4}\s*次方))\s*([0-9]{1,4})(?:\s*次方)?"
                   r"|([0-9]+(?:\.[0-9]+)?)e([0-9]{1,4})")
MAX_EXPONENT = 400
CLAUSE = re.compile(r"[，,。；;！!？?\n、：:]")
# ID-card, bank-card and mobile numbers: never an age, a wage or a count (and masked before storing)
IDENTITY = re.compile(r"(?<![0-9])(?:[0-9]{17}[0-9x]|[0-9]{15,16}|[0-9]{19}|1[3-9][0-9]{9})(?![0-9])")
MINUS = "-−"  # after NFKC; 负 is read as a word


@lru_cache(maxsize=1)
def words() -> SimpleNamespace:
    """The context words of words.yaml, compiled; read on first use (and again after `calculators.reload()`)."""
    data = read_yaml(Path(__file__).with_name("words.yaml"))
    compiled = {k: re.compile(data[k]) for k in (
        "avg_wage", "account", "index", "amount", "base", "wage", "yearly_wage", "age", "years_short",
        "years_target", "years_paid", "years_paid_after", "late", "delay", "rate", "share", "not_a_number",
        "retire", "gender", "wage_per_month", "paid", "death", "own_average", "regional")}
    return SimpleNamespace(**compiled, insurance=data["insurance"], group=data["group"],
                           share_at_least=Decimal(str(data["share_at_least"])),
                           share_level=data["share_level"], hotlines=set(data["hotlines"]))


@dataclass(frozen=True)
class Reading:
    """One thing read from a question: what it is, its value and unit, where it was."""

    kind: str  # wage base avg_wage account index amount money paid yearly_wage years_paid years_short
    #            years_target years period age (retirement) current_age days rate share share_level risk_class gender insurance
    #            group date number
    value: Decimal | int | str | dt.date
    unit: str = ""
    start: int = 0
    end: int = 0
    note: str = ""  # the key of an assumption text, when the reading was converted


def normalise(text: object) -> str:
    """Simplified, half-width, lower-case text without control characters, at most MAX_CHARS long."""
    return fold(text, MAX_CHARS)


def parse_number(token: str) -> Decimal | None:
    """One number as written, without unit words: 4500, 4,500, 4.5k, 4千5, 1.2万, 四千五, 一万二."""
    s = normalise(token).strip().replace(",", "")
    if not s or len(s) > MAX_TOKEN:
        return None
    if re.fullmatch(r"[0-9]+(?:\.[0-9]+)?", s):
        return to_decimal(s)
    if re.fullmatch(rf"[{CN_DIGITS}]{{2}}", s):
        return None  # 三四, 七八: a range, not a number
    if re.fullmatch(r"[0-9]+点[0-9]+", s):
        return to_decimal(s.replace("点", "."))
    mantissa = re.fullmatch(r"(.+?)([kw千万亿])", s)
    if mantissa and re.search(r"[.点]", mantissa.group(1)):
        head = parse_number(mantissa.group(1))
        return None if head is None else head * MULTIPLIER[mantissa.group(2)]
    s = s.replace("k", "千").replace("w", "万")
    s = re.sub(r"[0-9]+(?:\.[0-9]+)?", arabic_to_chinese, s)
    return chinese_number(s)


def _powers(text: str):
    """10的20次方, 10^20, 1e20: absurd sizes are read as such so they get a range message."""
    for m in POWER.finditer(text):
        try:
            if m.group(1):
                value = Decimal(m.group(1)) ** min(int(m.group(2)), MAX_EXPONENT)
            else:
                value = Decimal(m.group(3)) * Decimal(10) ** min(int(m.group(4)), MAX_EXPONENT)
        except ArithmeticError:  # 0 的 0 次方
            value = None
        if value is not None:
            yield m, value


def _tokens(text: str, skip: list[tuple[int, int]]):
    """Number tokens (match, token text, end, value, percent divisor) outside the skipped spans."""
    for m in TOKEN.finditer(text):
        if any(a <= m.start() < b for a, b in skip):
            continue
        num = m.group("num")
        after = text[m.end("num"):m.end("num") + 2]
        before = text[max(0, m.start() - 1):m.start()]
        if after.startswith("分之") or after.startswith("几") or before == "几":
            continue
        if num in ("一", "万") and words().not_a_number.match(text, m.end("num")):
            continue  # 算一下, 一起, 一定: words, not the number one
        end = m.end()
        if re.search(r"[百千万kw][一两]$", num) and text[m.end("num"):].startswith("个"):
            num, end = num[:-1], end - 1  # 三千一个月: "一个月", not 3100
        value = parse_number(num)
        if value is None:
            continue
        divisor = 1000 if m.group("pre") == "千分之" else 100 if (m.group("pre") or m.group("post")) else 1
        if _negative(text, m.start()):
            value = -value  # -5年, 工资-5000, 负五千: kept, so the range message says what is allowed
        yield m, num, end, value, divisor


def _negative(text: str, start: int) -> bool:
    """A minus sign (or 负) right before a number, not a dash between two numbers (5-10年)."""
    before = text[start - 1:start] if start else ""
    if before == "负":
        return True
    if before and before in MINUS:
        ahead = text[start - 2:start - 1] if start >= 2 else ""
        return not re.fullmatch(r"[0-9a-z.]", ahead)
    return False


def _left(text: str, start: int, floor: int) -> str:
    left = text[max(floor, start - 12):start]
    cut = [c.end() for c in CLAUSE.finditer(left)]
    return left[cut[-1]:] if cut else left


def _right(text: str, end: int) -> str:
    return CLAUSE.split(text[end:end + 8], maxsplit=1)[0]


def _classify(value: Decimal, unit: str, token: str, left: str, right: str, pct: bool) -> tuple[str, Decimal, str]:
    """(kind, value, note) of a number from its unit and the words around it."""
    w = words()
    if pct:
        if w.share.search(left + right) or (value >= w.share_at_least and not w.rate.search(left)):
            return "share", value, ""
        return "rate", value, ""
    if unit in ("岁", "周岁"):
        retiring = w.retire.search(left) or w.retire.match(right)
        return ("age" if retiring else "current_age"), value, ""  # 今年45岁 is not the retirement age
    if unit == "天" or (unit == "日" and not left.endswith("月")):
        return "days", value, ""
    if unit == "类" or (left.endswith("第") and right.startswith("类")):
        return "risk_class", value, ""
    if unit in ("年", "年半", "个月", "个多月"):
        years = value + Decimal("0.5") if unit == "年半" else value / 12 if "月" in unit else value
        if unit == "年" and value >= 1900 and not w.years_paid.search(left):
            return "number", value, ""  # 2019年: a calendar year
        if w.years_target.search(left):
            return "years_target", years, ""  # 不够十五年: the years required, not the years short
        if w.years_short.search(left):
            return "years_short", years, ""
        if "月" in unit and w.late.search(left):
            return "days", value * 30, "months_as_days"
        if "年" in unit and w.delay.search(left):
            return "days", years * 365, "years_as_days"
        if value == 1 and unit in ("年", "个月") and not re.search(r"[了过满够]\s*$", left):
            return "period", value, ""  # 一年交多少, 交一个月多少: a period, not years paid
        if w.years_paid.search(left) or w.years_paid_after.match(right):
            return "years_paid", years, ""
        return "years", years, ""
    if unit == "级":
        return "grade", value, ""  # 九级伤残, 鉴定十级
    if unit in ("月", "次", "个", "号", "日"):
        return "number", value, ""
    money = unit in ("块钱", "块", "元钱", "元") or bool(re.search(r"[kw千万亿]", token))
    if w.paid.search(left):
        return "paid", value, ""  # 从工资里扣二百块: a deduction, not the wage
    for kind, pattern in (("avg_wage", w.avg_wage), ("account", w.account), ("yearly_wage", w.yearly_wage),
                          ("amount", w.amount), ("base", w.base), ("wage", w.wage)):
        if pattern.search(left):
            return kind, value, ""
    if w.index.search(left) and not money:
        return "index", value, ""
    if w.age.search(left) and not money:
        return "age", value, ""
    if re.match(r"的?(工资|月薪|收入)", right):
        return "wage", value, ""
    if money:
        return "money", value, ""
    return "number", value, ""


def read(text: object) -> list[Reading]:
    """Everything a question says with numbers or choice words, in the order written."""
    return _read(normalise(text))


def _read(text: str) -> list[Reading]:
    out: list[Reading] = []
    skip: list[tuple[int, int]] = []
    for m in DATE.finditer(text):
        try:
            day = dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3) or 1))
        except ValueError:
            continue
        out.append(Reading("date", day, "", m.start(), m.end()))
        skip.append((m.start(), m.end()))
    skip.extend((m.start(), m.end()) for m in IDENTITY.finditer(text))
    for m in re.finditer(rf"(?<![{CN}0-9])半年", text):
        left = _left(text, m.start(), 0)
        if words().delay.search(left):
            out.append(Reading("days", Decimal(6 * 30), "年", m.start(), m.end(), "months_as_days"))
            continue
        kind = _classify(Decimal(2), "年", "", left, _right(text, m.end()), False)[0]
        out.append(Reading(kind, Decimal("0.5"), "年", m.start(), m.end()))
    found = []
    for m, value in _powers(text):
        found.append((m, m.group(0), m.end(), value, 1))
        skip.append((m.start(), m.end()))
    found += list(_tokens(text, skip))
    found.sort(key=lambda f: f[0].start())
    previous_end = 0
    for m, token, end, value, divisor in found:
        pct = divisor != 1
        unit_match = UNIT.match(text, end)
        unit = "" if pct else (unit_match.group(1) or "")
        stop = end if pct else unit_match.end()
        if not pct and not unit and token in words().hotlines:
            previous_end = stop
            continue
        left, right = _left(text, m.start(), previous_end), _right(text, stop)
        kind, val, note = _classify(value / divisor, unit, token, left, right, pct)
        if kind in ("number", "money") and not unit.endswith(("次", "个", "号", "级", "月", "日")) \
                and words().wage_per_month.search(_left(text, m.start(), 0)):
            kind = "wage"  # 我一个月4500: the 一个月 before it was read as a period
        if kind == "avg_wage":
            before = _left(text, m.start(), 0)
            if words().own_average.search(before) and not words().regional.search(before):
                kind = "wage"  # 受伤前一年平均工资五千二: the worker's own average wage
        out.append(Reading(kind, val, "%" if pct else unit, m.start(), stop, note))
        previous_end = stop
    out.extend(_words_read(text))
    out.sort(key=lambda r: r.start)
    return out


def _words_read(text: str) -> list[Reading]:
    out = [Reading("gender", "male" if m.group(1) == "男" else "female", "", m.start(), m.end())
           for m in words().gender.finditer(text)]
    w = words()
    out.extend(Reading("death", "death", "", m.start(), m.end()) for m in w.death.finditer(text))
    for table, kind in ((w.insurance, "insurance"), (w.group, "group"), (w.share_level, "share_level")):
        for value, pattern in table.items():
            out.extend(Reading(kind, value, "", m.start(), m.end()) for m in re.finditer(pattern, text))
    return out


def read_number(text: object) -> Decimal | None:
    """The first number of a short answer, percent applied: '四千五' -> 4500, '1%' -> 0.01, '半年' -> 0.5."""
    for r in read(text):
        if isinstance(r.value, Decimal) and r.kind != "date":
            return r.value
    return None


def first(readings: list[Reading], *kinds: str) -> Reading | None:
    """The first reading of the kinds, trying them in the order given."""
    for kind in kinds:
        for r in readings:
            if r.kind == kind:
                return r
    return None

