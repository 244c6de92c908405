"""Turn what a worker typed into the canonical text the matcher indexes.

Workers type traditional characters, full-width letters, emoji, toneless pinyin,
homophone slips and dialect words. Every step here is applied the same way to
FAQ phrasings and to questions, so both meet in one canonical form.
"""

from __future__ import annotations

import importlib.util
import re
import unicodedata
from functools import cache
from importlib import resources
from pathlib import Path

from knowledge.lexicon import Lexicon

# Longest text the matcher reads: run-on messages are long, but past this
# length more text only adds noise and time.
MAX_CHARS = 400

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_LATIN_RUN = re.compile(r"[a-z]+(?:[ '\-]+[a-z]+)*")
_CJK_CHAR = re.compile(rf"[{_CJK}]")
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
    text = re.sub(r"\s+", " ", "".join(out)).strip()
    if _CJK_CHAR.search(text):
        text = _t2s().convert(text)
    return text[:MAX_CHARS]


@cache
def _syllables() -> frozenset[str]:
    """Every toneless pinyin syllable (a shipped list: reading it is faster than deriving it)."""
    text = resources.files("knowledge").joinpath("pinyin_syllables.txt").read_text(encoding="utf-8")
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


def to_syllables(text: str) -> list[str]:
    """The syllables of a cleaned text: characters read as pinyin, pinyin runs split, digits kept."""
    out: list[str] = []
    pos = 0
    for m in _LATIN_RUN.finditer(text):
        out.extend(char_pinyin(c) for c in text[pos : m.start()] if _CJK_CHAR.match(c))
        pieces = split_pinyin(m.group())
        if pieces:
            out.extend(pieces)
        pos = m.end()
    out.extend(char_pinyin(c) for c in text[pos:] if _CJK_CHAR.match(c))
    return out


def is_mostly_pinyin(text: str) -> bool:
    """True when the Latin letters of a cleaned text read as pinyin and outweigh its characters."""
    latin = sum(len(m.group().replace(" ", "")) for m in _LATIN_RUN.finditer(text))
    cjk = len(_CJK_CHAR.findall(text))
    if latin < 4 or latin < 2 * cjk:
        return False
    return all(split_pinyin(m.group()) for m in _LATIN_RUN.finditer(text))


def canonical(text: str, lexicon: Lexicon) -> str:
    """Clean TEXT and rewrite colloquial words, slips and synonyms to their canonical form."""
    return lexicon.rewrite(clean(_DIGIT_SEP.sub("", text[: MAX_CHARS * 4])))
