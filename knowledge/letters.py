"""Read a long message the way a person would: find the question it asks and the facts that decide it.

A letter tells a story ("我在工地干了三年……老板一直没给交社保……") and asks at the end or after
请问 / 我想问 / 想了解. Matching the whole story averages it; matching the question sentence(s) plus
the deciding facts of the story (injured at work, the employer did not pay, quit, retired, died)
finds what is asked. The markers, question words and facts are word lists in
`knowledge/lexicon/letters.yaml`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from knowledge.lexicon import Lexicon

_SENTENCE_END = re.compile(r"(?<=[。！？!?；;…\n])")
_QUESTION_MARK = re.compile(r"[?？]")
_SPACE = re.compile(r"\s+")
ALL_SUBJECT = "社保"  # the subject of subjects.yaml that means all insurances together: names no one of them
VAGUE = 8  # characters: a question after 想了解 shorter than this ("相关情况") needs the sentence before it


@dataclass(frozen=True)
class Letter:
    """What reading a message found: the asking text (canonical), the facts added, whether it asks at all."""

    question: str  # the question sentence(s), canonical; "" when no sentence asks
    facts: tuple[str, ...]  # fact phrases of the story not already in the question
    asks: bool  # some sentence asks (a question word or mark)
    combined: tuple[str, ...] = ()  # the facts of FACTS that say two or more told together (letters.yaml together)

    @property
    def focus(self) -> str:
        """The text to match: the question and the deciding facts of the story."""
        return " ".join([*self.facts, self.question]).strip()


def asks(text: str, lexicon: Lexicon) -> bool:
    """Whether canonical TEXT holds a question word, or a marker that a question follows ("入工会条件，求解答")."""
    return any(w in text for w in lexicon.question_words) or any(w in text for w in lexicon.ask_markers)


def read(raw: str, lexicon: Lexicon, canon: Callable[[str], str]) -> Letter:
    """The question sentence(s) of RAW and the facts of its story; CANON makes a sentence canonical."""
    raw = unicodedata.normalize("NFKC", raw or "")
    pieces = [p for p in _SENTENCE_END.split(raw) if p.strip()]
    sentences = [(canon(p), bool(_QUESTION_MARK.search(p))) for p in pieces]
    sentences = [(s, mark or asks(s, lexicon)) for s, mark in sentences if _SPACE.sub("", s)]
    whole = " ".join(s for s, _ in sentences)
    ends, end = [], -1
    for s, _ in sentences:
        end += 1 + len(s)
        ends.append(end)
    question = ""
    vague = False  # the question after the marker says too little: the whole story's facts count
    # the last ask marker ("请问", "我想问", "想了解"): what follows it is the question
    markers = sorted(lexicon.ask_markers, key=len, reverse=True)
    at, marker = max(((whole.rfind(m) + len(m), m) for m in markers if m in whole), default=(-1, ""))
    asking = [s for s, q in sentences if q]
    if at >= 0 and len(_SPACE.sub("", whole[at:])) >= 2:
        question = whole[at:]
        if len(_SPACE.sub("", question)) < VAGUE:  # "想了解下相关情况": the question asked before it counts
            # (a sentence that asks and ends before the marker: not the story the marker's sentence tells)
            before = [s for (s, q), e in zip(sentences, ends, strict=True) if q and e <= at - len(marker)]
            question = " ".join([*before[-2:], question])
            vague = True
    elif asking:
        question = " ".join(asking[-2:])
    # what the story tells before the question; for a vague question ("我该怎么办") run on after one long
    # sentence of story, the whole message
    told = whole if vague or not question else whole[: whole.find(question)]
    facts = tuple(fact for fact, pattern in _facts(lexicon)
                  if fact not in question and pattern.search(told) and (vague or not pattern.search(question)))
    # facts told together (injured and not insured: the uninsured injury), in the story or the question
    told_facts = set(facts) | {fact for fact, pattern in _facts(lexicon) if pattern.search(question)}
    combined: tuple[str, ...] = ()
    for both, say in lexicon.together:
        if both <= told_facts and both & set(facts) and say not in question and say not in facts:
            facts = (*(f for f in facts if f not in both), say)
            combined = (*combined, say)
            told_facts -= both  # told together once
    # a question naming no insurance ("到底要交多少年") is about the one insurance the story names (医保)
    if question and not lexicon.subjects_named(question):
        named = [s for s in lexicon.subjects_named(told) if s != ALL_SUBJECT]
        if len(named) == 1 and not any(lexicon.subjects_named(f) for f in facts):
            facts = (*facts, lexicon.subjects[named[0]][0])
    return Letter(question.strip(), facts, bool(asking) or at >= 0, combined)


def _facts(lexicon: Lexicon) -> list[tuple[str, re.Pattern]]:
    key = tuple((k, tuple(v)) for k, v in lexicon.facts.items())
    return _compiled(key)


@cache
def _compiled(facts: tuple[tuple[str, tuple[str, ...]], ...]) -> list[tuple[str, re.Pattern]]:
    return [(fact, re.compile("|".join(f"(?:{p})" for p in patterns))) for fact, patterns in facts if patterns]
