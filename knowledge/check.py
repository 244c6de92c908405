"""`shebao faq check` and `shebao faq test`: what staff get wrong, as PATH:LINE: message."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from knowledge.lexicon import Lexicon, load_lexicon
from knowledge.loader import load_faq, load_faq_strict
from knowledge.matcher import Index
from knowledge.model import FOOTER_ROOM, TELEGRAM_LIMIT, Entry, FAQError, Problem
from textnorm.normalize import same_words


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


def too_long(entries: list[Entry]) -> list[Problem]:
    """Answers that would not fit one Telegram message with their source line."""
    return [Problem(e.path, e.line, f"entry {e.id}: answer is {len(e.answer)} characters; "
                    f"with its source line it must stay under Telegram's {TELEGRAM_LIMIT}")
            for e in entries if len(e.answer) + FOOTER_ROOM > TELEGRAM_LIMIT]


def checked_lexicon(folder: Path) -> Lexicon:
    """The word lists of FOLDER; raises FAQError when they have errors (not warnings)."""
    lexicon = load_lexicon(folder)
    errors = [p for p in lexicon.problems if p.severity == "error"]
    if errors:
        raise FAQError(errors)
    return lexicon


def checked_entries(folder: Path) -> list[Entry]:
    """The FAQ entries under FOLDER, ready to answer with; raises FAQError when any has an error or an
    answer too long for one message."""
    entries = load_faq_strict(folder)
    errors = too_long(entries)
    if errors:
        raise FAQError(errors)
    return entries


def check(folder: Path, lexicon_folder: Path | None, *, stale_after_days: int = 730,
          answer_threshold: float = 60, today: date | None = None, deep: bool = True,
          published_ids: Path | None = None) -> list[Problem]:
    """Every problem of the FAQ folder and the lexicon (`shebao.checks.check` adds the calculator parameters).
    PUBLISHED_IDS: the list of ids already shared (default: published_ids.txt beside the FAQ folder)."""
    lexicon = load_lexicon(lexicon_folder)
    entries, problems = load_faq(folder)
    problems = list(lexicon.problems) + problems
    today = today or date.today()
    problems += too_long(entries)
    for e in entries:
        age = (today - e.as_of).days
        if age > stale_after_days:
            problems.append(Problem(e.path, e.line, f"entry {e.id}: as_of {e.as_of} is {age // 365} years old; "
                                    "check the answer is still right and update as_of", "warning"))
        if e.as_of > today:
            problems.append(Problem(e.path, e.line, f"entry {e.id}: as_of {e.as_of} is in the future", "warning"))
    published = Path(published_ids) if published_ids else Path(folder).parent / PUBLISHED_IDS
    if published.is_file() and entries:
        problems += gone_ids(entries, published)
    if entries:
        index = Index(entries, lexicon)
        problems += collisions(entries, index)
        problems += outside_domain(entries, index)
        if deep:
            for d, found, score in held_out(index):
                entry = index.entries[index.doc_entry[d]]
                if found and found != entry.id and score >= answer_threshold:
                    text = index.doc_phrasing[d]
                    problems.append(Problem(
                        entry.path, _line_of(entry, text),
                        f"phrasing {text!r} of {entry.id} matches {found} better than its own entry "
                        f"({score:.0f}): make it more specific or move it", "warning"))
    return problems


# -- ids already shared: links (/start faq_<id>) and buttons in chats carry them ---------------

PUBLISHED_IDS = "published_ids.txt"
_ID = re.compile(r"^[a-z0-9_]+$")


def read_published_ids(path: Path) -> tuple[list[tuple[str, int, str]], list[Problem]]:
    """(id, line, question noted after #) of every line of the published-ids file, and its problems."""
    ids, problems = [], []
    try:
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return [], [Problem(Path(path), 1, "not UTF-8 text (save the file as UTF-8)")]
    for number, line in enumerate(text.splitlines(), 1):
        ident, _, note = line.partition("#")
        ident = ident.strip()
        if not ident:
            continue
        if not _ID.match(ident):
            problems.append(Problem(Path(path), number, f"{ident!r} is not an id (a-z, 0-9 and _ only, "
                                    "one id a line, the question after #)", "warning"))
            continue
        ids.append((ident, number, note.strip()))
    return ids, problems


def gone_ids(entries: list[Entry], path: Path) -> list[Problem]:
    """Published ids missing from the FAQ: shared links break. Points at the renamed entry when one is found."""
    published, problems = read_published_ids(path)
    present = {e.id for e in entries}
    for ident, line, question in published:
        if ident in present:
            continue
        key = same_words(question)
        renamed = next((e for e in entries if key and any(same_words(p) == key for p in e.phrasings)), None)
        if renamed is not None:
            problems.append(Problem(renamed.path, renamed.line, f"id {ident} was published and is gone: entry "
                                    f"{renamed.id} has its question; change the id back to {ident}, "
                                    f"links already shared (/start faq_{ident}) stop working otherwise", "warning"))
        else:
            problems.append(Problem(Path(path), line, f"id {ident} was published and is gone: links already shared "
                                    f"(/start faq_{ident}) stop working; give the entry its id back, or delete "
                                    "this line if the entry was removed on purpose", "warning"))
    return problems


def outside_domain(entries: list[Entry], index: Index) -> list[Problem]:
    """Phrasings holding none of the subject words of domain.yaml: asked that way, the bot only suggests."""
    words = getattr(index, "domain_words", None)
    if not words:
        return []
    return [Problem(p.entry.path, p.line, f"phrasing {p.text!r} of {p.entry.id} holds none of the subject words "
                    "in knowledge/lexicon/domain.yaml, so a worker asking it gets only suggestions: add its "
                    "subject word there, or say what it is about", "warning")
            for p in phrasings(entries) if not any(w in index.canonical(p.text) for w in words)]
