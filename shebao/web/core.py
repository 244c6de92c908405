"""Stand-in for the conversation core (shebao.conversation, helper core's), with its signatures.

The web app calls only `build_services`, `Conversation`, `Reply` and `faq_entries` from here; when
shebao.conversation lands this module is deleted and those names are imported from there instead.
"""

from __future__ import annotations

import json
import logging
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from bot.limits import Bucket, UserLimiter, Verdict
from bot.storage import Storage
from calculators.dialog import CalcState
from shebao.config import Config
from shebao.service import Answerer, build_answerer, format_entry

log = logging.getLogger(__name__)

PICKS = {"1": 0, "2": 1, "3": 2, "第一个": 0, "第二个": 1, "第三个": 2}
MAX_REMEMBERED = 10_000  # chats whose flood bucket and last suggestions are kept in memory


@dataclass
class Services:
    """What answering needs: the answerer (FAQ index, calculators) and the configuration."""

    answerer: Answerer
    config: Config


def build_services(config: Config) -> Services:
    return Services(build_answerer(config), config)


def faq_entries(services: Services) -> int:
    return len(services.answerer.entries)


@dataclass
class Reply:
    """One turn's answer as every channel renders it."""

    q: str
    kind: str
    id: str | None
    best: str | None
    score: float
    suggestions: list[str]
    text: str
    choices: list[tuple[str, str]] = field(default_factory=list)
    private: bool = False
    question_id: int | None = None
    source: str | None = None
    as_of: str | None = None
    limited: bool = False
    asking: bool = False  # a calculator's follow-up question: nothing to judge useful yet

    def to_json(self) -> dict[str, Any]:
        return {"q": self.q, "kind": self.kind, "id": self.id, "best": self.best,
                "score": round(float(self.score), 1), "suggestions": list(self.suggestions), "reply": self.text}


class _Recent(OrderedDict):
    """A bounded mapping: the least recently used chat is forgotten first."""

    def remember(self, key: Any, value: Any) -> None:
        self[key] = value
        self.move_to_end(key)
        while len(self) > MAX_REMEMBERED:
            self.popitem(last=False)


class Conversation:
    """One turn for any channel: flood limit, dialog restore, answer, record (masked), save/clear dialog."""

    def __init__(self, services: Services, store: Storage | None, *, clock=time.monotonic):
        self.services = services
        self.store = store
        limits = services.config.raw.get("limits") or {}
        self.limiter = UserLimiter(int(limits.get("burst", 5)), float(limits.get("per_minute", 20)), clock)
        self._buckets: _Recent = _Recent()
        self._suggested: _Recent = _Recent()

    def _limited(self, channel: str, user: str) -> Reply | None:
        key = (channel, user)
        bucket: Bucket | None = self._buckets.get(key)
        if bucket is None:
            bucket = self.limiter.new_bucket()
        self._buckets.remember(key, bucket)
        if self.limiter.check(bucket) is Verdict.ANSWER:
            return None
        return Reply("", "none", None, None, 0.0, [], _slow_down(), limited=True)

    async def handle(self, channel: str, chat: str, user: str, text: str, *, group: bool = False) -> Reply:
        if (limited := self._limited(channel, user)) is not None:
            return limited
        answerer = self.services.answerer
        picked = PICKS.get(text.strip())
        last = self._suggested.pop((channel, chat), [])
        if picked is not None and picked < len(last):
            return await self._entry(channel, chat, user, last[picked])
        state = await self._restore(chat, user)
        reply = answerer.answer(text, state=state)
        question_id = await self._record(channel, user, text, reply.kind, reply.id, reply.best, reply.score,
                                         reply.suggestions, queue=reply.kind == "none" and not reply.chitchat)
        if self.store is not None:
            if reply.calc_state is not None:
                await self.store.save_conversation(chat, user, json.dumps(reply.calc_state.to_json(),
                                                                          ensure_ascii=False), reply.choices)
            elif state is not None:
                await self.store.clear_conversation(chat, user)
        choices = list(reply.choices)
        if reply.suggestions:
            self._suggested.remember((channel, chat), list(reply.suggestions))
            choices += [(answerer.suggestion_label(s), str(i)) for i, s in enumerate(reply.suggestions, 1)]
        entry = reply.entry
        return Reply(text, reply.kind, reply.id, reply.best, reply.score, list(reply.suggestions), reply.text,
                     choices, reply.private, question_id, entry.source if entry else None,
                     entry.as_of.isoformat() if entry else None, asking=reply.calc_state is not None)

    async def open_entry(self, channel: str, chat: str, user: str, faq_id: str) -> Reply | None:
        if self.services.answerer.entry(faq_id) is None:
            return None
        if (limited := self._limited(channel, user)) is not None:
            return limited
        return await self._entry(channel, chat, user, faq_id)

    async def feedback(self, question_id: int, useful: bool) -> bool:
        if self.store is None:
            return False
        return await self.store.record_feedback(question_id=question_id, user_id=None, useful=useful)

    async def _entry(self, channel: str, chat: str, user: str, faq_id: str) -> Reply:
        entry = self.services.answerer.entry(faq_id)
        assert entry is not None
        question_id = await self._record(channel, user, entry.question, "faq", entry.id, entry.id, 100.0, [])
        return Reply(entry.question, "faq", entry.id, entry.id, 100.0, [], format_entry(entry),
                     question_id=question_id, source=entry.source, as_of=entry.as_of.isoformat())

    async def _restore(self, chat: str, user: str) -> CalcState | None:
        if self.store is None:
            return None
        conv = await self.store.load_conversation(chat, user)
        if conv is None:
            return None
        try:
            return CalcState.from_json(json.loads(conv.state))
        except (ValueError, KeyError, TypeError) as exc:  # an unreadable state is dropped, never fatal
            log.warning("dropping an unreadable calculator state: %s", exc)
            await self.store.clear_conversation(chat, user)
            return None

    async def _record(self, channel: str, user: str, text: str, kind: str, answer_id: str | None,
                      best: str | None, score: float, suggestions: list[str], queue: bool | None = None) -> int | None:
        if self.store is None:
            return None
        return await self.store.record_question(
            user_id=user, chat_type="private", via=channel, text=text, kind=kind, answer_id=answer_id,
            best_id=best, score=score, suggestions=suggestions, queue=queue)


def _slow_down() -> str:
    from shebao.web.texts import text

    return text("slow_down")
