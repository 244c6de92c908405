"""Masking of personal numbers and keyed hashing of user ids, before anything is stored or logged.

Workers paste their ID-card number, phone number or bank-card number into questions
("我的身份证110101199003071234查不到社保"). Those must never reach the database or a log
file: `mask()` replaces them, keeping just enough to be useful to staff reading the
unanswered queue ("110***********1234"). User ids are stored as HMAC-SHA256 hashes under a
key from SHEBAO_HASH_KEY, else a random key kept beside the database (mode 0600).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import re
import secrets
from pathlib import Path

HASH_KEY_ENV = "SHEBAO_HASH_KEY"

log = logging.getLogger(__name__)

# Full-width digits typed with a Chinese input method count as digits too.
_FULLWIDTH = str.maketrans("０１２３４５６７８９ＸｘＯ＋", "0123456789XxO+")

_DATE = re.compile(r"(?:18|19|20)[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])")

# Workers write numbers every way: "630102 1990 0101 1234", "139－1234－5678", "139.1234.5678",
# "+86 139 1234 5678", "(86)13912345678". A run is digits joined by at most three separator
# characters (spaces of any width, hyphens and dashes of any kind, dots, slashes, brackets), optionally
# led by "+"; its digits decide what it is, so no spelling of a separator lets a number through.
_SEPARATORS = " \t\u00a0\u3000\u2002\u2003\u2009\u200b-\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe63\uff0d._/\u00b7\u30fb\uff0e()（）"
_SEP = "[" + re.escape(_SEPARATORS) + "]{1,3}"
_RUN = re.compile(rf"(?<![0-9])\+?(?:[0-9](?:{_SEP})?)*[0-9](?:(?:{_SEP})?[Xx])?(?![0-9])")


def _kind(digits: str) -> tuple[int, int] | None:
    """(digits kept at the start, at the end) for a personal number, else None."""
    n = len(digits)
    if digits[-1] in "Xx":
        return (3, 4) if n in (15, 18) else None
    if n == 18 and _DATE.fullmatch(digits[6:14]):
        return 3, 4  # ID card with its birth date
    if n == 15 and digits[0] != "0":
        return 3, 4  # old 15-digit ID card
    if n == 11 and re.fullmatch(r"1[3-9][0-9]{9}", digits):
        return 3, 4  # mobile
    if n in (13, 15) and re.fullmatch(r"(?:00)?861[3-9][0-9]{9}", digits):
        return 3, 4  # mobile with the country code
    if 16 <= n <= 19:
        return 4, 4  # bank card
    if n >= 12:
        return 0, 4  # any other long number (social-security card, contract …)
    return None


def _star(match: re.Match[str]) -> str:
    text = match.group(0)
    digits = re.sub(r"[^0-9Xx]", "", text)
    if digits[-1] in "Xx" and len(digits) not in (15, 18):  # a letter after a number, not an ID's check digit
        return _star_digits(text[:-1]) + text[-1]
    return _star_digits(text)


def _star_digits(text: str) -> str:
    digits = re.sub(r"[^0-9Xx]", "", text)
    kept = _kind(digits)
    if kept is None:
        return text
    if re.fullmatch(r"(?:00)?861[3-9][0-9]{9}", digits):  # the country code is not part of the number
        digits = digits[-11:]
    head, tail = kept
    hidden = len(digits) - head - tail
    return digits[:head] + "*" * hidden + digits[len(digits) - tail :]


def mask(text: str | None) -> str:
    """TEXT with ID-card, mobile and bank-card numbers starred out ("138****5678"), however they are spaced."""
    if not text:
        return text or ""
    plain = text.translate(_FULLWIDTH)
    out = _RUN.sub(_star, plain)
    if out == plain:
        return text  # leave full-width punctuation and digits alone when nothing was masked
    return out


def contains_personal_number(text: str) -> bool:
    """True when TEXT holds something `mask` would hide."""
    return mask(text) != text


def load_hash_key(beside: Path) -> bytes:
    """The HMAC key: SHEBAO_HASH_KEY, else a random key kept in BESIDE.key (created once, 0600)."""
    env = os.environ.get(HASH_KEY_ENV)
    if env:
        return env.encode("utf-8")
    key_path = beside.with_name(beside.name + ".key")
    try:
        return bytes.fromhex(key_path.read_text(encoding="ascii").strip())
    except FileNotFoundError:
        pass
    except (OSError, ValueError) as exc:
        log.error("hash key file %s unreadable (%s); using a temporary key", key_path, exc)
        return secrets.token_bytes(32)
    key = secrets.token_bytes(32)
    try:
        key_path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(key.hex() + "\n")
    except FileExistsError:  # another process created it first: use theirs
        return bytes.fromhex(key_path.read_text(encoding="ascii").strip())
    except OSError as exc:
        log.error("cannot keep a hash key in %s (%s); user hashes will change on restart", key_path, exc)
    return key


class Hasher:
    """Keyed hashes of Telegram ids: stable for one key, useless without it."""

    def __init__(self, key: bytes):
        self._key = key

    def user(self, user_id: int | None) -> str:
        return self._digest("user", user_id)

    def chat(self, chat_id: int | None) -> str:
        return self._digest("chat", chat_id)

    def _digest(self, kind: str, value: int | None) -> str:
        if value is None:
            return ""
        return hmac.new(self._key, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()[:32]


class MaskingFilter(logging.Filter):
    """A log filter that masks personal numbers and the given secrets (the bot token) in records."""

    def __init__(self, secrets_to_hide: list[str] | None = None):
        super().__init__()
        self._secrets = [s for s in (secrets_to_hide or []) if s]

    def _clean(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "<token>")
        return mask(text)

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record: let logging report it as usual
            return True
        record.msg, record.args = self._clean(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._clean(logging.Formatter().formatException(record.exc_info))
        return True


def install_log_masking(secrets_to_hide: list[str] | None = None) -> MaskingFilter:
    """Attach a MaskingFilter to every handler of the root logger."""
    flt = MaskingFilter(secrets_to_hide)
    for handler in logging.getLogger().handlers:
        handler.addFilter(flt)
    return flt
