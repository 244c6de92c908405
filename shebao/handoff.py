"""Asking a person: hand a question the bot could not answer to union staff, and bring their reply back.

Channel-free, owned by the conversation core (`Conversation.handoffs`). The store numbers the
hand-offs (#N), keeps at most `handoff.max_open` open per worker, and holds the staff replies
until they are delivered. Channels plug in two things:

* a *deliverer* per channel (`via`) that pushes a reply into a worker's chat (Telegram, WeChat's
  customer-service API); the web has none: its page asks for its messages
  (`messages()`, `GET /api/messages`);
* an *announcer* that tells staff of a new hand-off (Telegram: every admin, or the staff chat).

The chats themselves are known only in memory (`_addresses`: the store keeps keyed hashes), so a
reply typed in one process reaches a worker of another process through the store: each process
polls it (`poll_once`, every `handoff.poll_seconds`) for replies to chats it knows and, where it
has an announcer, for hand-offs staff were not told of.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time
from typing import TYPE_CHECKING, Any

from shebao.config import Config, handoff_hours
from shebao.privacy import mask
from shebao.service import Reply, texts

if TYPE_CHECKING:  # the store is imported only where one is used: `shebao ask` starts without it
    from shebao.store.records import Handoff, StaffReply

__all__ = ["HUMAN", "Desk", "OfficeHours", "StaffOutcome", "asks_for_person", "office_hours"]

log = logging.getLogger(__name__)

HUMAN = "human"  # the value of the 找工会工作人员 choice: sent as the next text, it hands the question over
REMEMBERED = 10_000  # chats whose last question and address are kept (the oldest are forgotten)

Deliver = Callable[[str, str], Awaitable[bool]]  # (chat, text) -> delivered
Announce = Callable[["Handoff", str | None], Awaitable[Any]]  # (hand-off, details added or None)
Key = tuple[str, str, str]  # (channel, chat, user)


def asks_for_person(text: str) -> bool:
    """TEXT is the 找工会工作人员 choice, or only 转人工 / 人工 and the like."""
    word = re.sub(r"[\s。.!！?？~～]+", "", text or "")
    return word == HUMAN or word in texts()["handoff_words"]


def _details(text: str) -> str | None:
    """What a 补充：… message adds, or None when TEXT is not one."""
    # 补充：… or 补充 …, not 补充医疗保险怎么买 (a question about supplementary insurance)
    m = re.match(re.escape(texts()["handoff_details_word"]) + r"(?:\s*[:：,，]|\s+)(.*)$", (text or "").strip(), re.S)
    return m.group(1).strip() or None if m else None


# -- office hours -------------------------------------------------------------------------


@dataclass(frozen=True)
class OfficeHours:
    """When staff answer: WEEKDAYS (1 = Monday … 7) from START to END, local time at UTC+OFFSET."""

    weekdays: frozenset[int]
    start: clock_time
    end: clock_time
    offset: timedelta

    def local(self, now: datetime) -> datetime:
        return now.astimezone(UTC).replace(tzinfo=None) + self.offset

    def next_opening(self, now: datetime) -> datetime | None:
        """None while the office is open at NOW; else the local time it next opens."""
        here = self.local(now)
        if here.isoweekday() in self.weekdays and self.start <= here.time() < self.end:
            return None
        for ahead in range(8):
            day = (here + timedelta(days=ahead)).date()
            opening = datetime.combine(day, self.start)
            if day.isoweekday() in self.weekdays and opening > here:
                return opening
        return None  # no weekday at all: treated as always open

    def label(self) -> str:
        t = texts()
        days = sorted(self.weekdays)
        names = [t["weekdays"][d - 1] for d in days]
        if len(days) > 2 and days == list(range(days[0], days[-1] + 1)):
            shown = t["handoff_days_range"].format(first=names[0], last=names[-1])
        else:
            shown = "、".join(names)
        return t["handoff_hours"].format(days=shown, start=_hm(self.start), end=_hm(self.end))

    def when(self, now: datetime) -> str:
        """Roughly when staff will answer, said to a worker at NOW."""
        t = texts()
        opening = self.next_opening(now)
        if opening is None:
            return t["handoff_when_open"].format(hours=self.label())
        today = self.local(now).date()
        day, at = t["weekdays"][opening.isoweekday() - 1], _hm(opening.time())
        if opening.date() == today:
            upcoming = t["handoff_today"].format(time=at)
        elif opening.date() == today + timedelta(days=1):
            upcoming = t["handoff_tomorrow"].format(day=day, time=at)
        else:
            upcoming = t["handoff_later"].format(day=day, time=at)
        return t["handoff_when_closed"].format(hours=self.label(), next=upcoming)


def _hm(value: clock_time) -> str:
    return f"{value.hour}:{value.minute:02d}"


def office_hours(cfg: Config) -> OfficeHours:
    """`handoff.office_hours` and `handoff.utc_offset_hours` (checked by load_config: shebao.config.handoff_hours)."""
    return OfficeHours(*handoff_hours(cfg))


# -- the desk -----------------------------------------------------------------------------


@dataclass
class _Asked:
    """A chat's last question, kept for 转人工."""

    text: str
    question_id: int | None
    guesses: list[str]
    handed_over: int | None = None  # its hand-off number, once handed over


@dataclass(frozen=True)
class StaffOutcome:
    """What became of a staff reply to #NUMBER."""

    number: int
    handoff: Handoff | None  # None: there is no such hand-off
    delivered: bool = False  # in the worker's chat now; else waiting (the web, another process)

    @property
    def earlier_by(self) -> str | None:
        """Who had answered it before this reply, if anyone."""
        return None if self.handoff is None else self.handoff.answered_by


def _no_store() -> Exception:
    from shebao.store import StorageError

    return StorageError("no storage configured")


def staff_text(text: str) -> str:
    """A staff reply as the worker sees it."""
    return texts()["staff_reply"].format(text=text.strip())


class Desk:
    """Hand-offs for one conversation core: open them, deliver staff replies, poll the store."""

    def __init__(self, store: Any | None, cfg: Config, *, now: Callable[[], datetime] = lambda: datetime.now(UTC)):
        self.store = store
        self.hours = office_hours(cfg)
        self.max_open = int(cfg.setting("handoff", "max_open"))
        self.poll_seconds = float(cfg.setting("handoff", "poll_seconds"))
        self.now = now
        self.deliverers: dict[str, Deliver] = {}
        self.announcers: list[Announce] = []
        self._asked: OrderedDict[Key, _Asked] = OrderedDict()
        self._addresses: OrderedDict[tuple[str, str], str] = OrderedDict()  # (via, chat hash) -> chat
        self._tasks: set[asyncio.Task] = set()
        self._poller: asyncio.Task | None = None

    @property
    def available(self) -> bool:
        return self.store is not None and self.store.available

    # -- what channels plug in --------------------------------------------------------------

    def deliver_with(self, via: str, deliver: Deliver) -> None:
        """Push staff replies to chats of channel VIA with DELIVER(chat, text) (in a running loop)."""
        self.deliverers[via] = deliver
        self._start_polling()

    def announce_with(self, announce: Announce) -> None:
        """Tell staff of new hand-offs with ANNOUNCE(hand-off, details) (in a running loop)."""
        self.announcers.append(announce)
        self._start_polling()

    # -- the worker's side ------------------------------------------------------------------

    def remember(self, key: Key, text: str, reply: Reply) -> None:
        """Keep the chat's last question (for 转人工) and where the chat is (for replies)."""
        if reply.limited:
            return
        self.seen(key)
        if reply.chitchat:
            return
        guesses = [g for g in [reply.best, *reply.suggestions] if g and not g.startswith("calc:")]
        self._keep(self._asked, key, _Asked(text, reply.question_id, list(dict.fromkeys(guesses))))

    def seen(self, key: Key) -> None:
        """The worker wrote in this chat: a staff reply waiting for it can be delivered here."""
        if self.available:
            self._keep(self._addresses, (key[0], self.store.chat_hash(key[1])), key[1])

    async def open(self, key: Key, services: Any, question: str | None = None, *, group: bool = False) -> Reply:
        """Hand QUESTION (default: the chat's last question) to staff; the worker's confirmation."""
        t = texts()
        question = (question or "").strip()
        if group:
            return self._note(question, t["handoff_group"])
        asked = self._asked.get(key)
        if question:
            answer = services.answerer.answer(question, one_shot=True)
            guesses = [g for g in [answer.best, *answer.suggestions] if g and not g.startswith("calc:")]
            asked = _Asked(question, None, list(dict.fromkeys(guesses)))
            self._keep(self._asked, key, asked)
        if asked is None:
            return self._note("", t["handoff_nothing"])
        if asked.handed_over is not None:
            return self._note(asked.text, t["handoff_already"].format(number=asked.handed_over))
        if not self.available:
            return self._note(asked.text, t["handoff_unavailable"])
        number, waiting = await self.store.open_handoff(
            via=key[0], chat_id=key[1], user_id=key[2], text=asked.text, guesses=asked.guesses,
            question_id=asked.question_id, max_open=self.max_open)
        if number is None:
            text = t["handoff_unavailable"] if waiting is None else t["handoff_too_many"].format(count=waiting)
            return self._note(asked.text, text)
        asked.handed_over = number
        self.seen(key)
        self._spawn(self._announce(number))
        log.info("hand-off #%d opened via %s", number, key[0])
        reply = self._note(asked.text, t["handoff_opened"].format(number=number, when=self.hours.when(self.now())))
        reply.handoff = number
        return reply

    async def add_details(self, key: Key, text: str) -> Reply | None:
        """A 补充：… message for the worker's open hand-off; None when TEXT is not one or none is open."""
        details = _details(text)
        if details is None or not self.available:
            return None
        found = await self.store.add_handoff_details(via=key[0], chat_id=key[1], user_id=key[2], text=details)
        if found is None:
            return None
        self.seen(key)
        for announce in self.announcers:  # staff see it masked, as stored
            self._spawn(announce(found, mask(details)))
        reply = self._note(text, texts()["handoff_details_added"].format(number=found.number))
        reply.handoff = found.number
        return reply

    async def messages(self, via: str, chat: str) -> list[dict[str, str]]:
        """The staff replies waiting for CHAT (the web's `GET /api/messages`), each handed out once."""
        if not self.available:
            return []
        self.seen((via, chat, chat))
        found = await self.store.take_staff_replies(via, chat)
        return [{"text": staff_text(r.text), "at": r.sent_at.isoformat()} for r in found]

    # -- the staff's side -------------------------------------------------------------------

    async def staff_reply(self, number: int, text: str, *, staff: str) -> StaffOutcome:
        """Store STAFF's reply to #NUMBER and deliver it where this process knows the chat.
        Raises StorageError when the store cannot take it."""
        if self.store is None:
            raise _no_store()
        found, reply_id = await self.store.record_staff_reply(number, staff=staff, text=text)
        if found is None:
            return StaffOutcome(number, None)
        log.info("hand-off #%d answered", number)
        delivered = await self._deliver(found.via, found.chat_hash, reply_id, staff_text(text))
        return StaffOutcome(number, found, delivered)

    async def pending(self, limit: int = 30) -> list[Handoff]:
        """Open hand-offs, oldest first; raises StorageError."""
        if self.store is None:
            raise _no_store()
        return await self.store.open_handoffs(limit)

    # -- delivering and polling -------------------------------------------------------------

    async def _deliver(self, via: str, chat_hash: str, reply_id: int, text: str) -> bool:
        deliver, chat = self.deliverers.get(via), self._addresses.get((via, chat_hash))
        if deliver is None or chat is None or not await self.store.claim_delivery(reply_id):
            return False
        try:
            delivered = await deliver(chat, text)
        except Exception:  # a channel's failure: logged, the reply stays in the store for the next poll
            log.exception("staff reply via %s not delivered", via)
            delivered = False
        if not delivered:
            await self.store.release_delivery(reply_id)
        return delivered

    async def _announce(self, number: int) -> None:
        if not self.announcers or not await self.store.claim_announcement(number):
            return
        found = await self.store.handoff(number)
        if found is not None:
            await self._tell_staff(found)

    async def _tell_staff(self, found: Handoff) -> None:
        for announce in self.announcers:
            try:
                await announce(found, None)
            except Exception:  # one channel failing must not keep the others from staff
                log.exception("hand-off #%d not announced", found.number)

    async def poll_once(self) -> int:
        """Announce hand-offs other processes opened, deliver replies other processes stored for chats
        known here; how many things were done."""
        if not self.available:
            return 0
        done = 0
        if self.announcers:
            for found in await self.store.unannounced_handoffs():
                if await self.store.claim_announcement(found.number):
                    await self._tell_staff(found)
                    done += 1
        waiting: list[StaffReply] = await self.store.undelivered_replies(sorted(self.deliverers))
        for r in waiting:
            if (r.via, r.chat_hash) in self._addresses:
                done += await self._deliver(r.via, r.chat_hash, r.reply_id, staff_text(r.text))
        return done

    def _start_polling(self) -> None:
        if self._poller is None and self.poll_seconds > 0:
            self._poller = asyncio.get_running_loop().create_task(self._poll_forever())

    async def _poll_forever(self) -> None:
        while True:
            await asyncio.sleep(self.poll_seconds)
            try:
                await self.poll_once()
            except Exception:  # the loop's boundary: logged, and tried again next time
                log.exception("hand-off poll failed")

    async def close(self) -> None:
        """Stop polling; let announcements under way finish."""
        if self._poller is not None:
            self._poller.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._poller
            self._poller = None
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=10)

    # -- helpers ----------------------------------------------------------------------------

    def _spawn(self, work: Awaitable[Any]) -> None:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    @staticmethod
    def _keep(cache: OrderedDict, key: Any, value: Any) -> None:
        cache.pop(key, None)
        cache[key] = value
        while len(cache) > REMEMBERED:
            cache.popitem(last=False)

    @staticmethod
    def _note(q: str, text: str) -> Reply:
        return Reply(q, "none", None, None, 0.0, [], text, chitchat=True, rateable=False)
