"""`shebao unanswered export`: the questions the FAQ could not answer, grouped, as a YAML skeleton staff fill in."""

from __future__ import annotations

import asyncio
import contextlib
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import yaml
from rapidfuzz import fuzz

from knowledge.features import featurize
from knowledge.model import Entry
from shebao.staff.common import CHINA, StaffError, china_day, open_storage, text
from shebao.store import StorageError, fold
from shebao.store.records import AnsweredHandoff, UnansweredQuestion

if TYPE_CHECKING:
    from shebao.config import Config

COSINE_JOIN = 0.55  # two questions whose weighted words overlap this much are one group
RATIO_JOIN = 70  # ... or whose characters are this alike (rapidfuzz ratio, 0-100)
PHRASE_CHARS = 120  # longer run-on messages are cut: a phrasing is one question
MAX_PHRASES = 15  # per group; the rest are rarer wordings of the same thing
EXAMPLES = 10


@dataclass
class Phrase:
    """One wording (repeats folded together) of an unanswered question."""

    text: str
    count: int
    last: datetime
    best_id: str | None
    score: float
    vector: dict[str, float] = field(repr=False)
    replies: list[str] = field(default_factory=list)  # what staff answered after a hand-off (masked)


@dataclass
class Group:
    """Wordings of what looks like one question, with the FAQ entry nearest to it (if any is near)."""

    phrases: list[Phrase]
    entry: Entry | None = None
    score: float = 0.0

    @property
    def count(self) -> int:
        return sum(p.count for p in self.phrases)

    @property
    def last(self) -> datetime:
        return max(p.last for p in self.phrases)

    @property
    def replies(self) -> list[str]:
        return [r for p in self.phrases for r in p.replies if r.strip()]


@dataclass
class Export:
    """What `unanswered export` found: the groups and what it left out, and why."""

    groups: list[Group]
    asked: int
    answered_now: list[tuple[str, str, int]]  # (text, id answering it now, times asked)
    skipped: int  # greetings, emoji, symbols


def _one_line(value: str) -> str:
    value = " ".join(value.split())
    return value if len(value) <= PHRASE_CHARS else value[: PHRASE_CHARS - 1] + "…"


def _vector(answerer, value: str) -> dict[str, float]:
    index = answerer.index
    feats = featurize(index.canonical(value), index.lexicon.stopwords, index.tokenizer)
    return {k: tf * index.weight(k) for k, tf in feats.items()}


def _cosine(a: dict[str, float], b: dict[str, float]) -> float:
    dot = sum(v * b.get(k, 0.0) for k, v in a.items())
    norm = math.sqrt(sum(v * v for v in a.values()) * sum(v * v for v in b.values()))
    return dot / norm if norm else 0.0


def _alike(a: Phrase, b: Phrase) -> bool:
    compact_a, compact_b = re.sub(r"\s+", "", a.text), re.sub(r"\s+", "", b.text)
    return _cosine(a.vector, b.vector) >= COSINE_JOIN or fuzz.ratio(compact_a, compact_b) >= RATIO_JOIN


def collect(questions: list[UnansweredQuestion], answerer,
            handoffs: Sequence[AnsweredHandoff] = ()) -> Export:
    """Fold repeats, and set aside what the FAQ answers now or what has no words to answer. Questions
    staff answered after a hand-off (HANDOFFS) stay in, their replies as drafts."""
    by_key: dict[str, list[UnansweredQuestion]] = {}
    for q in questions:
        by_key.setdefault(fold(q.text), []).append(q)
    staff: dict[str, list[AnsweredHandoff]] = {}
    for h in handoffs:
        staff.setdefault(fold(h.text), []).append(h)
    phrases, answered, skipped = [], [], 0
    for key, asked in by_key.items():
        wording = Counter(_one_line(q.text) for q in asked).most_common(1)[0][0]
        reply = answerer.answer(wording, one_shot=True) if key else None
        replied = staff.pop(key, [])
        if reply is None or (reply.kind == "none" and reply.best is None and not replied):
            skipped += len(asked)
        elif reply.kind != "none" and not replied:
            answered.append((wording, reply.id, len(asked)))
        else:
            phrases.append(Phrase(wording, len(asked), max(q.asked_at for q in asked), reply.best, reply.score,
                                  _vector(answerer, wording), [h.reply for h in replied]))
    for replied in staff.values():  # handed over and answered: off the queue, still worth an entry
        wording = _one_line(replied[-1].text)
        reply = answerer.answer(wording, one_shot=True)
        phrases.append(Phrase(wording, len(replied), max(h.asked_at for h in replied), reply.best, reply.score,
                              _vector(answerer, wording), [h.reply for h in replied]))
    answered.sort(key=lambda a: -a[2])
    return Export(groups=group(phrases, answerer), asked=sum(p.count for p in phrases),
                  answered_now=answered, skipped=skipped)


def group(phrases: list[Phrase], answerer) -> list[Group]:
    """Most asked first; each wording joins the first group holding one like it."""
    groups: list[Group] = []
    for phrase in sorted(phrases, key=lambda p: (-p.count, -p.last.timestamp())):
        home = next((g for g in groups if any(_alike(phrase, p) for p in g.phrases)), None)
        if home is None:
            groups.append(Group([phrase]))
        else:
            home.phrases.append(phrase)
    floor = answerer.config.suggest_threshold
    for g in groups:
        votes: Counter = Counter()
        best_score: dict[str, float] = {}
        for p in g.phrases:
            if p.best_id and p.score >= floor:
                votes[p.best_id] += p.count
                best_score[p.best_id] = max(best_score.get(p.best_id, 0.0), p.score)
        chosen = max(votes, key=lambda i: (votes[i], best_score[i]), default=None)
        # near only when most of the group's askings lean to that entry, not one stray wording
        if chosen is not None and votes[chosen] * 2 > g.count:
            g.entry, g.score = answerer.entry(chosen), best_score[chosen]
    groups.sort(key=lambda g: (-g.count, -g.last.timestamp()))
    return groups


def _scalar(value: str) -> str:
    """VALUE as one YAML scalar, quoted when it must be (a masked 6222*** would read as an alias)."""
    return yaml.safe_dump(value, allow_unicode=True, width=10_000).removesuffix("\n...\n").rstrip("\n")


def _comment(block: str, indent: str = "") -> list[str]:
    return [f"{indent}# {line}".rstrip() for line in block.splitlines()]


def _where(entry: Entry) -> str:
    path = Path(entry.path) if entry.path else None
    if path is None:
        return entry.id
    with contextlib.suppress(ValueError):  # outside the working folder: keep the full path
        path = path.resolve().relative_to(Path.cwd())
    return f"{path}:{entry.line}"


def _phrase_lines(phrases: list[Phrase]) -> list[str]:
    return [f"    - {_scalar(p.text)}   # {text('export.times', count=p.count)}" for p in phrases[:MAX_PHRASES]]


def to_yaml(found: Export, *, since: datetime, limit: int, answer_threshold: float, today: str) -> str:
    """The skeleton: one list item per group, comments telling staff what to do with it."""
    period = text("export.all_open") if since.year <= 2000 else text("export.since", day=china_day(since))
    if not found.groups and not found.answered_now:
        return "\n".join(_comment(text("export.nothing", period=period))) + "\n"
    shown = found.groups[:limit]
    out = _comment(text("export.header", period=period, asked=found.asked, groups=len(found.groups),
                        today=today))
    for n, g in enumerate(shown, 1):
        out += ["", *_comment(text("export.group", n=n, count=g.count, last=china_day(g.last)))]
        if g.entry is not None:
            out += _comment(text("export.near", id=g.entry.id, question=g.entry.question, where=_where(g.entry),
                                 score=round(g.score), answer_at=round(answer_threshold)))
            out += [f"- add_to: {g.entry.id}", "  also_asked:", *_phrase_lines(g.phrases)]
            if g.replies:
                out += _comment(text("export.staff_near"), "  ")
                out += [line for r in g.replies for line in _comment(r, "  ")]
            continue
        head, rest = g.phrases[0], g.phrases[1:]
        out += _comment(text("export.new"))
        out += [f"- id: TODO_new_{n}   # {text('export.id_note')}",
                f"  question: {_scalar(head.text)}   # {text('export.question_note')}；"
                f"{text('export.times', count=head.count)}"]
        if rest:
            out += [f"  also_asked:   # {text('export.also_note')}", *_phrase_lines(rest)]
        else:
            out += [f"  also_asked:   # {text('export.also_empty_note')}"]
        if g.replies:
            draft, *others = g.replies
            out += _comment(text("export.staff_draft"), "  ")
            out += ["  answer: |", *(f"    {line}".rstrip() for line in draft.strip().splitlines())]
            for other in others:
                out += _comment(text("export.staff_other") + "\n" + other, "  ")
            out += _comment(text("export.todo_after_draft", today=today), "  ")
        else:
            out += _comment(text("export.todo", today=today), "  ")
    tail: list[str] = []
    if len(found.groups) > limit:
        tail += _comment(text("export.more_groups", count=len(found.groups) - limit))
    if found.answered_now:
        tail += _comment(text("export.answered_now", count=sum(n for _, _, n in found.answered_now)))
        tail += _comment("\n".join(text("export.answered_now_item", text=t, id=i)
                                   for t, i, _ in found.answered_now[:EXAMPLES]))
    if found.skipped:
        tail += _comment(text("export.no_words", count=found.skipped))
    if tail:
        out += ["", *tail]
    return "\n".join(out) + "\n"


async def read_questions(source: Config | Path, since: datetime) -> list[UnansweredQuestion]:
    return (await read_all(source, since))[0]


async def read_all(source: Config | Path, since: datetime) -> tuple[list[UnansweredQuestion], list[AnsweredHandoff]]:
    """The open unanswered questions and the hand-offs staff answered, since SINCE."""
    try:
        async with open_storage(source) as storage:
            return await storage.unanswered_questions(since), await storage.answered_handoffs(since)
    except StorageError as exc:
        raise StaffError(text("errors.storage", error=exc)) from None


def export(config, since: datetime, limit: int = 50, answerer=None) -> tuple[str, Export]:
    """The YAML skeleton of the open unanswered questions since SINCE, and what went into it."""
    if answerer is None:
        from shebao.service import build_answerer

        answerer = build_answerer(config)
    questions, handoffs = asyncio.run(read_all(config, since))
    found = collect(questions, answerer, handoffs)
    today = datetime.now(CHINA).date().isoformat()
    return to_yaml(found, since=since, limit=limit, answer_threshold=config.answer_threshold, today=today), found
