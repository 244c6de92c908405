"""Features of a canonical text: words, character pairs and pinyin pairs.

Words carry meaning; character pairs survive segmentation differences;
pinyin pairs survive homophone slips (工上 reads like 工伤) and toneless pinyin.
"""

from __future__ import annotations

import logging
import marshal
import re
import sys
import tempfile
from collections import Counter
from functools import cache
from pathlib import Path

from knowledge import cache as user_cache
from knowledge.lexicon import Lexicon
from textnorm.normalize import CJK_CHAR, LATIN_RUN, char_pinyin, split_pinyin

# How much each kind of feature counts in the score.
WEIGHTS = {"w": 1.0, "c": 0.6, "p": 0.45, "u": 2.0}

_SPACE = re.compile(r"\s+")


def _jieba():
    """The jieba module, imported without pkg_resources: jieba 0.42 reads its data files through
    pkg_resources when that imports (a tenth of a second, and deprecated) and with open() when it does
    not, which is all an installed jieba needs."""
    if "jieba" in sys.modules:
        return sys.modules["jieba"]
    hide = "pkg_resources" not in sys.modules
    if hide:
        sys.modules["pkg_resources"] = None  # makes `import pkg_resources` raise ImportError
    try:
        import jieba
    finally:
        if hide and sys.modules.get("pkg_resources", 0) is None:
            del sys.modules["pkg_resources"]
    return jieba


def _dictionary_names(jieba) -> tuple[str, str] | tuple[None, None]:
    """The file names of jieba's prefix dictionary: in the user cache (this install of jieba's dictionary
    file) and in the package (knowledge/prebuild.py: its version and size, the files being another
    environment's); none when jieba reads its dictionary some other way (a zipped install)."""
    dictionary = Path(jieba.__file__).with_name(jieba.DEFAULT_DICT_NAME)
    try:
        stat = dictionary.stat()
    except OSError:
        return None, None
    own = user_cache.key(jieba.__version__, dictionary, stat.st_size, stat.st_mtime_ns)
    return f"jieba-{own}.marshal", f"jieba-{user_cache.key(jieba.__version__, stat.st_size)}.marshal"


@cache
def _base_tokenizer():
    """jieba's dictionary, loaded once and never taught anything: each index copies it. jieba reads its
    own cache with `marshal.load` from a file object, a second or so, and builds it from its word list
    in half a second more; the same prefix dictionary read in one piece from our cache file
    (knowledge/cache.py), or from the package's copy on a first start, takes a fifth of that."""
    jieba = _jieba()
    jieba.setLogLevel(logging.WARNING)
    base = jieba.Tokenizer()
    name, packaged = _dictionary_names(jieba)
    loaded = _unmarshal(user_cache.read(name)) if name else None
    if loaded is None and packaged:
        loaded = _unmarshal(user_cache.read(packaged, user_cache.PACKAGED))
    if loaded is None and name:
        # jieba's own cache of its default dictionary, which it trusts as long as it is there
        own = Path(base.tmp_dir or tempfile.gettempdir()) / (base.cache_file or "jieba.cache")
        try:
            data = own.read_bytes()
        except OSError:
            data = None
        loaded = _unmarshal(data)
        if loaded is not None:
            user_cache.write(name, data)  # the same marshal bytes: no need to write them out again
    if loaded is not None:
        with base.lock:
            base.FREQ, base.total = loaded
            base.initialized = True
    else:
        base.initialize()
        if name:
            user_cache.write(name, dictionary_bytes(base))
    return base


def dictionary_bytes(base) -> bytes:
    """A jieba tokenizer's prefix dictionary as our cache files keep it."""
    return marshal.dumps((base.FREQ, base.total))


def packaged_dictionary() -> tuple[str, bytes] | None:
    """The package's copy of jieba's prefix dictionary: its file name and bytes (knowledge/prebuild.py)."""
    jieba = _jieba()
    _, packaged = _dictionary_names(jieba)
    if packaged is None:
        return None
    return packaged, dictionary_bytes(_base_tokenizer())


def _unmarshal(data: bytes | None) -> tuple[dict, int] | None:
    """jieba's (prefix dictionary, total) from a cache file's bytes, or None when they are not that."""
    if data is None:
        return None
    try:
        freq, total = marshal.loads(data)
    except (EOFError, ValueError, TypeError):
        return None
    return (freq, total) if isinstance(freq, dict) and isinstance(total, int) else None


def new_tokenizer(lexicon: Lexicon, extra: set[str] = frozenset()):
    """A jieba tokenizer of its own that knows the domain words of LEXICON and EXTRA: what one index
    learns never reaches another (a /reload, a test FAQ, a benchmark's FAQ)."""
    jieba = _jieba()
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


def tokens(text: str, tokenizer=None) -> list[str]:
    """jieba words of TEXT (TOKENIZER: an index's own; default jieba's plain dictionary), longer words
    also giving their dictionary sub-words; stop words kept."""
    out = []
    for word in (tokenizer or _base_tokenizer()).lcut_for_search(text, HMM=False):
        word = word.strip()
        if word:
            out.append(word)
    return out


def words(text: str, stopwords: frozenset[str], tokenizer=None) -> list[str]:
    """The tokens of TEXT without STOPWORDS."""
    return [w for w in tokens(text, tokenizer) if w not in stopwords]


@cache
def _syllable(ch: str) -> str:
    """The toneless pinyin of a CJK character, "" for any other (read once per character: a regex
    match per character was a third of reading the FAQ's features)."""
    return char_pinyin(ch) if CJK_CHAR.match(ch) else ""


def syllables(text: str) -> list[str]:
    """Toneless pinyin syllables of the CJK characters and Latin pinyin runs of TEXT."""
    out: list[str] = []
    pos = 0
    for m in LATIN_RUN.finditer(text):
        out.extend(filter(None, map(_syllable, text[pos : m.start()])))
        out.extend(split_pinyin(m.group()) or ())
        pos = m.end()
    out.extend(filter(None, map(_syllable, text[pos:])))
    return out


def featurize(text: str, stopwords: frozenset[str], tokenizer=None, cut: list[str] | None = None) -> Counter:
    """Feature counts of a canonical text, keys prefixed by kind (w:, c:, p:, u:), in that order.
    CUT: `tokens(text, tokenizer)` when the caller has them already."""
    keys = ["w:" + w for w in (tokens(text, tokenizer) if cut is None else cut) if w not in stopwords]
    compact = _SPACE.sub("", text)
    keys += ["c:" + compact[i : i + 2] for i in range(len(compact) - 1)]
    keys += ["u:" + ch for ch in compact if _syllable(ch)]
    syl = syllables(text)
    keys += ["p:" + a + b for a, b in zip(syl, syl[1:], strict=False)]
    return Counter(keys)
