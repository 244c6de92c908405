"""Personal numbers are masked however a worker spells them: generated spellings (hypothesis)."""

import re
from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from shebao.privacy import mask

SEPARATORS = [" ", "  ", "\u3000", "-", "－", "—", "–", "‐", ".", "．", "·", "/", "_", " - "]
FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
WORDS = st.sampled_from(["我的", "身份证号是", "电话", "手机号：", "卡号", "麻烦查一下", "，谢谢", "联系我", ""])


@st.composite
def id_numbers(draw):
    area = draw(st.integers(110000, 659999))
    born = date(1950, 1, 1) + timedelta(days=draw(st.integers(0, 365 * 55)))
    tail = draw(st.integers(0, 999))
    check = draw(st.sampled_from("0123456789Xx"))
    return f"{area}{born:%Y%m%d}{tail:03d}{check}"


@st.composite
def phones(draw):
    return "1" + draw(st.sampled_from("3456789")) + "".join(draw(st.lists(st.sampled_from("0123456789"),
                                                                           min_size=9, max_size=9)))


@st.composite
def bank_cards(draw):
    size = draw(st.integers(16, 19))
    return "62" + "".join(draw(st.lists(st.sampled_from("0123456789"), min_size=size - 2, max_size=size - 2)))


@st.composite
def spelled(draw, numbers):
    """NUMBER with separators at random places, maybe full-width, maybe +86 (phones), inside a sentence."""
    number = draw(numbers)
    out = []
    for i, ch in enumerate(number):
        if i and draw(st.integers(0, 3)) == 0:
            out.append(draw(st.sampled_from(SEPARATORS)))
        out.append(ch)
    text = "".join(out)
    if draw(st.booleans()):
        text = text.translate(FULLWIDTH)
    if len(number) == 11 and draw(st.booleans()):
        text = draw(st.sampled_from(["+86 ", "+86-", "86", "(+86)", "＋86 "])) + text
    return number, draw(WORDS) + text + draw(WORDS)


def digits_of(text: str) -> str:
    return re.sub(r"[^0-9Xx]", "", text.translate(str.maketrans("０１２３４５６７８９", "0123456789")))


def assert_hidden(number: str, masked: str) -> None:
    assert number not in digits_of(masked), masked
    shown = len(digits_of(masked.replace("*", "")))
    assert masked.count("*") >= len(number) - 8, masked  # at most 4 digits kept at each end
    assert shown <= 8, masked  # the sentence around the number holds no digits of its own


@settings(max_examples=300, deadline=None)
@given(spelled(id_numbers()))
def test_id_card_numbers_are_masked_however_spaced(case):
    number, text = case
    assert_hidden(number, mask(text))


@settings(max_examples=300, deadline=None)
@given(spelled(phones()))
def test_mobile_numbers_are_masked_however_spaced(case):
    number, text = case
    assert_hidden(number, mask(text))


@settings(max_examples=300, deadline=None)
@given(spelled(bank_cards()))
def test_bank_card_numbers_are_masked_however_spaced(case):
    number, text = case
    assert_hidden(number, mask(text))


@settings(max_examples=200, deadline=None)
@given(st.one_of(spelled(id_numbers()), spelled(phones()), spelled(bank_cards())))
def test_masking_twice_changes_nothing_more(case):
    _, text = case
    assert mask(mask(text)) == mask(text)


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 99999), st.sampled_from(["工资{}元", "交了{}年", "账户{}", "{}块", "2024-01-{:02d}"]))
def test_amounts_years_and_dates_are_left_alone(value, template):
    text = template.format(value % 31 + 1 if "{:02d}" in template else value)
    assert mask(text) == text
