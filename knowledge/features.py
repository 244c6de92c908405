"""Features of a canonical text: words, character pairs and pinyin pairs.

Words carry meaning; character pairs survive segmentation differences;
pinyin pairs survive homophone slips (工上 reads like 工伤) and toneless pinyin.
"""

from __future__ import annotations

import re
from collections import Counter
from functools import cache

from knowledge.lexicon import Lexicon
from textnorm.normalize import CJK_CHAR, LATIN_RUN, char_pinyin, split_pinyin

# How much each kind of feature counts in the score.
WEIGHTS = {"w": 1.0, "c": 0.6, "p": 0.45, "u": 2.0}

_SPACE = re.compile(r"\s+")


@cache
def _base_tokenizer():
    """jieba's dictionary, loaded once and never taught anything: each index copies it."""
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    base = jieba.Tokenizer()
    base.initialize()
    return base


def new_tokenizer(lexicon: Lexicon, extra: set[str] = frozenset()):
    """A jieba tokenizer of its own that knows the domain words of LEXICON and EXTRA: what one index
    learns never reaches another (a /reload, a test FAQ, a benchmark's FAQ)."""
    import jieba

    base = _base_tokenizer()
    tokenizer = jieba.Tokenizer()
    with base.lock:
        tokenizer.FREQ, tokenizer.total = dict(base.FREQ), base.total
    tokenizer.initialized = True
    for word, freq, tag in lexicon.words:
        tokenizer.add_word(word, freq, tag)
        tokenizer.add_word(lexicon.rewrite(word), freq, tag)  # its canonical spelling (缴费基数 -> 交费基数)
    for word in extra:
        if len(word) > 1 and CJK_CHAR.search(word):
            tokenizer.add_word(word)
    return tokenizer


def words(text: str, stopwords: frozenset[str], tokenizer=None) -> list[str]:
    """jieba words of TEXT (TOKENIZER: an index's own; default jieba's plain dictionary), longer words
    also giving their dictionary sub-words, stop words dropped."""
    out = []
    for word in (tokenizer or _base_tokenizer()).lcut_for_search(text, HMM=False):
        word = word.strip()
        if word and word not in stopwords:
            out.append(word)
    return out


def syllables(text: str) -> list[str]:
    """Toneless pinyin syllables of the CJK characters and Latin pinyin runs of TEXT."""
    out: list[str] = []
    pos = 0
    for m in LATIN_RUN.finditer(text):
        out.extend(char_pinyin(c) for c in text[pos : m.start()] if CJK_CHAR.match(c))
        out.extend(split_pinyin(m.group()) or ())
        pos = m.end()
    out.extend(char_pinyin(c) for c in text[pos:] if CJK_CHAR.match(c))
    return out


def featurize(text: str, stopwords: frozenset[str], tokenizer=None) -> Counter:
    """Feature counts of a canonical text, keys prefixed by kind (w:, c:, p:, u:)."""
    feats: Counter = Counter()
    for word in words(text, stopwords, tokenizer):
        feats["w:" + word] += 1
    compact = _SPACE.sub("", text)
    for i in range(len(compact) - 1):
        feats["c:" + compact[i : i + 2]] += 1
    for ch in compact:
        if CJK_CHAR.match(ch):
            feats["u:" + ch] += 1
    syl = syllables(text)
    for i in range(len(syl) - 1):
        feats["p:" + syl[i] + syl[i + 1]] += 1
    return feats
