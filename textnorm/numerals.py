"""Numerals as workers write them: Chinese counts in digits, Chinese numerals read as numbers (cn2an)."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

# 壹贰叁 (financial numerals) and the traditional 貳參陸萬億 read as plain numerals
CAPITALS = str.maketrans("壹贰叁肆伍陆柒捌玖拾佰仟貳參陸萬億", "一二三四五六七八九十百千二三六万亿")

_CN_COUNT = re.compile(r"[零〇一二两三四五六七八九十百千万]+(?=年|个月|岁|天|级|万|块|元)")
# what cn2an raises on text it does not take (its own checks raise ValueError; odd forms reach
# dictionary look-ups and index arithmetic)
_CN2AN_ERRORS = (ValueError, KeyError, IndexError, TypeError, AttributeError)


def arabic_counts(text: str) -> str:
    """Write counts of years, months, ages, days and grades in digits (十五年 -> 15年), as the FAQ mostly does."""
    if not _CN_COUNT.search(text):
        return text
    import cn2an

    def convert(m: re.Match) -> str:
        try:
            return str(cn2an.cn2an(m.group(), "smart"))
        except _CN2AN_ERRORS:
            return m.group()

    return _CN_COUNT.sub(convert, text)


def to_decimal(value: object) -> Decimal | None:
    """VALUE as a finite Decimal, or None."""
    try:
        d = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return d if d.is_finite() else None


def chinese_number(text: str) -> Decimal | None:
    """A Chinese numeral (四千五, 一万二) as a number, or None when cn2an does not read it."""
    import cn2an  # imported only when a question holds a Chinese numeral

    try:
        return to_decimal(cn2an.cn2an(text, "normal"))
    except _CN2AN_ERRORS:
        return None


def arabic_to_chinese(match: re.Match) -> str:
    """The digits of MATCH written as a Chinese numeral (for mixed forms such as 4千5), else unchanged."""
    import cn2an

    try:
        return cn2an.an2cn(match.group(0))
    except _CN2AN_ERRORS:
        return match.group(0)
