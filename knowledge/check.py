"""`shebao faq check` and `shebao faq test`: what staff get wrong, as PATH:LINE: message."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from knowledge.lexicon import load_lexicon
from knowledge.loader import load_faq
from knowledge.matcher import Index
from knowledge.model import Entry, Problem

TELEGRAM_LIMIT = 4096
FOOTER_ROOM = 200  # the source/date line added under every answer


@dataclass(frozen=True)
class Phrasing:
    """One phrasing of an entry, with where it is written."""

    entry: Entry
    text: str
    line: int


def phrasings(entries: list[Entry]) -> list[Phrasing]:
    out = []
    for entry in entries:
        lines = entry.phrasing_lines or (entry.line,) * len(entry.phrasings)
        for text, line in zip(entry.phrasings, lines, strict=False):
            out.append(Phrasing(entry, text, line))
    return out


def collisions(entries: list[Entry], index: Index) -> list[Problem]:
    """Phrasings of two entries that read the same once normalised."""
    problems = []
    owner: dict[str, Phrasing] = {}
    for p in phrasings(entries):
        key = index.canonical(p.text).replace(" ", "")
        if not key:
            problems.append(Problem(p.entry.path, p.line, f"entry {p.entry.id}: phrasing {p.text!r} has no words left"))
            continue
        first = owner.get(key)
        if first is None:
            owner[key] = p
        elif first.entry.id != p.entry.id:
            problems.append(Problem(
                p.entry.path, p.line,
                f"phrasing {p.text!r} of {p.entry.id} collides with {first.text!r} of {first.entry.id} "
                f"({first.entry.path}:{first.line})"))
    return problems


def held_out(index: Index) -> list[tuple[int, str | None, float]]:
    """Each indexed phrasing matched with itself left out: (phrasing index, entry found, confidence)."""
    results = []
    for d, text in enumerate(index.doc_phrasing):
        best = index.match(text, exclude=d).best
        results.append((d, best.entry.id if best else None, best.score if best else 0.0))
    return results


def _line_of(entry: Entry, text: str) -> int:
    for phrasing, line in zip(entry.phrasings, entry.phrasing_lines, strict=False):
        if phrasing == text:
            return line
    return entry.line


def check(folder: Path, lexicon_folder: Path | None, *, stale_after_days: int = 730,
          answer_threshold: float = 60, today: date | None = None,
          parameters: Path | None = None, deep: bool = True) -> list[Problem]:
    """Every problem of the FAQ folder, the lexicon and (if given) the calculator parameters."""
    lexicon = load_lexicon(lexicon_folder)
    entries, problems = load_faq(folder)
    problems = list(lexicon.problems) + problems
    today = today or date.today()
    for e in entries:
        if len(e.answer) + FOOTER_ROOM > TELEGRAM_LIMIT:
            problems.append(Problem(e.path, e.line, f"entry {e.id}: answer is {len(e.answer)} characters; "
                                    f"with its source line it must stay under Telegram's {TELEGRAM_LIMIT}"))
        age = (today - e.as_of).days
        if age > stale_after_days:
            problems.append(Problem(e.path, e.line, f"entry {e.id}: as_of {e.as_of} is {age // 365} years old; "
                                    "check the answer is still right and update as_of", "warning"))
        if e.as_of > today:
            problems.append(Problem(e.path, e.line, f"entry {e.id}: as_of {e.as_of} is in the future", "warning"))
    if entries:
        index = Index(entries, lexicon)
        problems += collisions(entries, index)
        if deep:
            for d, found, score in held_out(index):
                entry = index.entries[index.doc_entry[d]]
                if found and found != entry.id and score >= answer_threshold:
                    text = index.doc_phrasing[d]
                    problems.append(Problem(
                        entry.path, _line_of(entry, text),
                        f"phrasing {text!r} of {entry.id} matches {found} better than its own entry "
                        f"({score:.0f}): make it more specific or move it", "warning"))
    if parameters is not None:
        from calculators.parameters import check_parameters

        for line in check_parameters(parameters):
            m = re.match(r"^(.*):(\d+): (.*)$", line)
            problems.append(Problem(Path(m[1]), int(m[2]), m[3]) if m else Problem(parameters, 0, line))
    return problems
