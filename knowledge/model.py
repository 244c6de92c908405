"""The shapes the knowledge base is made of."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from textnorm.limits import TELEGRAM_LIMIT  # noqa: F401 (re-exported for the FAQ checks)

FOOTER_ROOM = 200  # kept free under every answer for its source and date line


@dataclass(frozen=True)
class Entry:
    """One FAQ entry: a canonical question, the other ways workers ask it, and the answer."""

    id: str
    question: str
    answer: str
    source: str
    as_of: date
    also_asked: tuple[str, ...] = ()
    short: str | None = None
    title: str | None = None
    path: Path | None = None
    line: int = 0
    phrasing_lines: tuple[int, ...] = field(default=(), compare=False)

    @property
    def phrasings(self) -> tuple[str, ...]:
        return (self.question, *self.also_asked)


@dataclass(frozen=True)
class Problem:
    """Something wrong in a staff-edited file, with where it is."""

    path: Path
    line: int
    message: str
    severity: str = "error"  # "error" stops a load; "warning" is reported only

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


class FAQError(Exception):
    """The FAQ folder has errors; the problems say where."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))
