"""Each index has its own jieba tokenizer: what one FAQ's word list teaches stays with that index."""

from __future__ import annotations

import jieba

from knowledge.features import new_tokenizer, words
from knowledge.lexicon import Lexicon

WORD = "叉车本补贴"  # not in jieba's dictionary: cut into pieces unless taught


def test_a_taught_word_stays_whole_in_its_own_tokenizer_only():
    taught = new_tokenizer(Lexicon(words=[(WORD, 1000, None)]))
    plain = new_tokenizer(Lexicon())
    assert WORD in words(f"{WORD}在哪领", frozenset(), taught)
    assert WORD not in words(f"{WORD}在哪领", frozenset(), plain)
    assert WORD not in words(f"{WORD}在哪领", frozenset())  # the shared base dictionary is never taught
    assert WORD not in jieba.lcut(f"{WORD}在哪领")  # nor is jieba's global tokenizer


def test_an_index_built_on_a_lexicon_does_not_teach_the_next_index(faq_index):
    from knowledge.matcher import Index

    other = Index(faq_index.entries[:3], Lexicon(words=[(WORD, 1000, None)]))
    assert WORD in words(WORD, frozenset(), other.tokenizer)
    assert WORD not in words(WORD, frozenset(), faq_index.tokenizer)
