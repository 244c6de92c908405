"""Personal numbers are masked before anything is stored or logged; user ids are keyed hashes."""

import logging
import os
import stat

import pytest

from shebao.privacy import HASH_KEY_ENV, Hasher, MaskingFilter, load_hash_key, mask


@pytest.mark.parametrize("raw, hidden, shown", [
    ("我的身份证110101199003071234查不到社保", "110101199003071234", "110***********1234"),
    ("身份证号11010119900307123X", "11010119900307123X", "110***********123X"),
    ("身份证 110101 19900307 1234", "19900307", "110***********1234"),
    ("老身份证110101900307123", "110101900307123", "110********7123"),
    ("电话13812345678找我", "13812345678", "138****5678"),
    ("手机 +86 138-1234-5678", "1234-5678", "138****5678"),
    ("打8613912345678", "13912345678", "139****5678"),
    ("手机138 1234 5678", "1234 5678", "138****5678"),
    ("银行卡6222021234567890123", "6222021234567890123", "6222***********0123"),
    ("卡号 6222 0212 3456 7890", "0212 3456", "6222********7890"),
    ("全角１３８１２３４５６７８", "１３８１２３４５６７８", "138****5678"),
    ("社保卡号123456789012", "123456789012", "********9012"),
])
def test_personal_numbers_are_masked(raw, hidden, shown):
    masked = mask(raw)
    assert hidden not in masked
    assert shown in masked


@pytest.mark.parametrize("text", [
    "工资5000，交了15年，2024-01-01开始", "月薪 12000 元，个人交多少", "缴费基数 4,813 元",
    "工伤保险可以单独买吗", "", "60岁退休，账户 80000，计发月数139",
])
def test_ordinary_questions_are_left_alone(text):
    assert mask(text) == text


def test_hash_key_comes_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv(HASH_KEY_ENV, "a secret")
    assert load_hash_key(tmp_path / "x.db") == b"a secret"
    assert not (tmp_path / "x.db.key").exists()


def test_hash_key_is_made_once_beside_the_database_with_mode_0600(tmp_path, monkeypatch):
    monkeypatch.delenv(HASH_KEY_ENV, raising=False)
    first = load_hash_key(tmp_path / "x.db")
    key_file = tmp_path / "x.db.key"
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    assert load_hash_key(tmp_path / "x.db") == first


def test_hashes_are_stable_per_key_and_hide_the_id():
    a, b = Hasher(b"k1"), Hasher(b"k2")
    assert a.user(12345) == a.user(12345) != b.user(12345)
    assert "12345" not in a.user(12345)
    assert a.user(12345) != a.chat(12345)


def test_log_records_are_masked_including_tracebacks_and_the_token():
    flt = MaskingFilter(["123:SECRET"])
    try:
        raise ValueError("user sent 13812345678 via /bot123:SECRET/sendMessage")
    except ValueError as exc:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "asked %s", ("身份证110101199003071234",),
                                   (type(exc), exc, exc.__traceback__))
    flt.filter(record)
    out = logging.Formatter().format(record)
    for secret in ("110101199003071234", "13812345678", "123:SECRET"):
        assert secret not in out
    assert "110***********1234" in out
