"""Turn what a worker typed into text the matcher and the number reader can read.

Workers type traditional characters, full-width letters, emoji, toneless pinyin,
homophone slips and dialect words. Every step here is applied the same way to
FAQ phrasings and to questions, so both meet in one canonical form; the number
reader uses the same folding (`fold`) but keeps punctuation, which cuts clauses.
"""

from __future__ import annotations

import importlib.util
import re
import unicodedata
from collections.abc import Callable
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Protocol

from textnorm.numerals import CAPITALS, arabic_counts


class Rewriter(Protocol):
    """A word list that rewrites variants to one spelling (knowledge's Lexicon)."""

    def rewrite(self, text: str) -> str: ...


# Longest text the matcher reads: run-on messages are long, but past this
# length more text only adds noise and time.
MAX_CHARS = 400

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
LATIN_RUN = re.compile(r"[a-z]+(?:[ '\-]+[a-z]+)*")
CJK_CHAR = re.compile(rf"[{_CJK}]")
_DIGIT_SEP = re.compile(r"(?<=\d),(?=\d{3})")


@cache
def _t2s():
    import opencc

    return opencc.OpenCC("t2s")


def clean(text: str) -> str:
    """NFKC, lower case, simplified characters; control, format and symbol characters become spaces."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", text[: MAX_CHARS * 4]).lower()
    out = []
    for ch in text:
        cat = unicodedata.category(ch)
        if cat[0] in "LN" or ch == "%":
            out.append(ch)
        else:  # punctuation, emoji, control, right-to-left marks, zero-width joiners
            out.append(" ")
    return to_simplified(re.sub(r"\s+", " ", "".join(out)).strip())[:MAX_CHARS]


def fold(text: object, limit: int) -> str:
    """Simplified, half-width, lower-case text without control characters, at most LIMIT characters;
    punctuation is kept (the number reader cuts clauses at it) and financial numerals are made plain."""
    if not isinstance(text, str):
        return ""
    text = text[:limit]
    text = "".join(" " if unicodedata.category(c) in ("Cc", "Cf", "Cs", "Co") else c for c in text)
    text = unicodedata.normalize("NFKC", text)
    return to_simplified(text).translate(CAPITALS).lower()


def same_words(text: str) -> str:
    """The words of TEXT only (NFKC, lower case, no spaces, punctuation or symbols): two writings of one
    question meet here."""
    text = unicodedata.normalize("NFKC", text).lower()
    return "".join(ch for ch in text if unicodedata.category(ch)[0] not in "PZSC")


def to_simplified(text: str) -> str:
    """TEXT with traditional characters made simplified (OpenCC t2s); other text is left as it is."""
    return _t2s().convert(text) if CJK_CHAR.search(text) else text


@cache
def _syllables() -> frozenset[str]:
    """Every toneless pinyin syllable (a shipped list: reading it is faster than deriving it)."""
    text = resources.files("textnorm").joinpath("pinyin_syllables.txt").read_text(encoding="utf-8")
    return frozenset(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#"))


def _syllables_from_pypinyin() -> frozenset[str]:
    from pypinyin import pinyin_dict

    found = set()
    for readings in pinyin_dict.pinyin_dict.values():
        for reading in readings.split(","):
            found.add(_strip_tone(reading))
    return frozenset(s for s in found if s.isascii() and s.isalpha() and len(s) > 1 or s in {"a", "e", "o"})


def _strip_tone(reading: str) -> str:
    bare = "".join(c for c in unicodedata.normalize("NFD", reading) if not unicodedata.combining(c))
    return bare.replace("ü", "v").replace("u\u0308", "v")


def split_pinyin(run: str) -> list[str] | None:
    """Split toneless pinyin ('gongshang baoxian') into syllables; None when it is not pinyin."""
    syllables = _syllables()
    out: list[str] = []
    for word in re.split(r"[ '\-]+", run):
        if not word:
            continue
        n = len(word)
        # fewest syllables covering the word (dynamic programming over prefixes)
        best: list[list[str] | None] = [None] * (n + 1)
        best[0] = []
        for i in range(n):
            if best[i] is None:
                continue
            for j in range(min(n, i + 6), i, -1):
                piece = word[i:j]
                if piece in syllables:
                    cand = best[i] + [piece]
                    if best[j] is None or len(cand) < len(best[j]):
                        best[j] = cand
        if best[n] is None:
            return None
        out.extend(best[n])
    return out


@cache
def _pinyin_table() -> dict[int, str]:
    """pypinyin's character table, read on its own: importing the package also loads a phrase
    table single characters never need, which costs a fifth of a second at every start."""
    try:
        spec = importlib.util.find_spec("pypinyin")
        path = Path(spec.origin).with_name("pinyin_dict.py")
        module_spec = importlib.util.spec_from_file_location("_shebao_pinyin_dict", path)
        module = importlib.util.module_from_spec(module_spec)
        module_spec.loader.exec_module(module)
        return module.pinyin_dict
    except (AttributeError, ImportError, OSError, TypeError):
        from pypinyin import pinyin_dict

        return pinyin_dict.pinyin_dict


@cache
def char_pinyin(ch: str) -> str:
    """Toneless pinyin of one character (its most common reading), or the character itself."""
    readings = _pinyin_table().get(ord(ch))
    if not readings:
        return ch
    return _strip_tone(readings.split(",", 1)[0])


def canonical(text: str, lexicon: Rewriter, from_pinyin: Callable[[str], str] | None = None) -> str:
    """Clean TEXT, read pinyin runs back (FROM_PINYIN), write counts in digits and rewrite synonyms."""
    text = clean(_DIGIT_SEP.sub("", text[: MAX_CHARS * 4]))
    if from_pinyin is not None and LATIN_RUN.search(text):
        text = from_pinyin(text)
    return lexicon.rewrite(arabic_counts(text))
