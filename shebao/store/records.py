"""The shapes storage hands out: what staff tools, exports and reports read."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime


@dataclass(frozen=True)
class TopicCount:
    """How often one FAQ entry or calculator was the answer, and what workers said of it."""

    answer_id: str
    count: int
    useful: int = 0
    not_useful: int = 0


@dataclass(frozen=True)
class Stats:
    """Totals since a moment, for /stats and the report's headline."""

    since: datetime
    questions: int
    answered: int
    by_kind: dict[str, int]
    users: int
    useful: int
    not_useful: int
    top_topics: list[TopicCount] = field(default_factory=list)
    handoffs: HandoffStats | None = None  # questions handed to staff (shebao.store.handoffs)

    @property
    def answer_rate(self) -> float:
        """Answered share of questions, 0.0-1.0 (0 when there were none)."""
        return self.answered / self.questions if self.questions else 0.0


@dataclass(frozen=True)
class UnansweredGroup:
    """Questions that got no answer, grouped by their masked, folded text."""

    text: str  # the most recent masked wording
    text_key: str
    count: int
    users: int
    first_asked: datetime
    last_asked: datetime
    best_id: str | None  # the nearest FAQ entry, a hint for staff
    best_score: float | None


@dataclass(frozen=True)
class UnansweredQuestion:
    """One unanswered question, as `shebao unanswered export` writes it."""

    question_id: int
    asked_at: datetime
    text: str
    chat_type: str
    best_id: str | None
    score: float | None
    suggestions: list[str]
    status: str

    def to_json(self) -> dict:
        return {
            "id": self.question_id,
            "asked_at": self.asked_at.isoformat(),
            "text": self.text,
            "chat_type": self.chat_type,
            "best": self.best_id,
            "score": self.score,
            "suggestions": self.suggestions,
            "status": self.status,
        }


@dataclass(frozen=True)
class DayCount:
    """Questions of one local day."""

    day: date
    questions: int
    answered: int

    @property
    def unanswered(self) -> int:
        return self.questions - self.answered


@dataclass(frozen=True)
class Conversation:
    """A calculator dialog in progress for one user in one chat."""

    state: str  # CalcState JSON, masked
    choices: list[tuple[str, str]]
    turn: int
    updated_at: datetime


@dataclass
class ChatSettings:
    """What a chat asked for. Groups get short answers unless staff turn that off."""

    short_answers: bool = True

    @classmethod
    def from_json(cls, text: str | None) -> ChatSettings:
        data = json.loads(text) if text else {}
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)

    def to_json(self) -> str:
        return json.dumps({"short_answers": self.short_answers})


@dataclass(frozen=True)
class Handoff:
    """A question handed to union staff; NUMBER is the #N they answer."""

    number: int
    opened_at: datetime
    via: str  # the channel it came from
    chat_hash: str
    user_hash: str
    text: str  # masked
    details: str  # masked, what the worker added
    guesses: list[str]  # FAQ ids the bot thought nearest
    answered_at: datetime | None
    answered_by: str | None

    @property
    def open(self) -> bool:
        return self.answered_at is None


@dataclass(frozen=True)
class StaffReply:
    """A staff reply stored for delivery to the worker's chat."""

    reply_id: int
    number: int  # the hand-off it answers
    via: str
    chat_hash: str
    text: str  # masked
    sent_at: datetime


@dataclass(frozen=True)
class HandoffStats:
    """Hand-offs since a moment, for /stats and the report."""

    opened: int
    answered: int
    open_now: int  # open at this moment, whenever opened
    median_first_reply: float | None  # seconds from the hand-off to the first staff reply

    @property
    def median_first_reply_minutes(self) -> int | None:
        return None if self.median_first_reply is None else round(self.median_first_reply / 60)


@dataclass(frozen=True)
class AnsweredHandoff:
    """A hand-off question with what staff replied, for `shebao unanswered export`."""

    number: int
    asked_at: datetime
    text: str
    best_id: str | None
    reply: str
