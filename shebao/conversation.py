"""One turn of a conversation, for every channel: flood limit, dialog restore, answer, record, save.

A channel (Telegram, the web page, WeChat, `shebao chat`) turns what it received into one call,
`await conversation.handle(channel, chat, user, text)`, and the `Reply` into its own message. Nothing
here knows Telegram. The store hashes user and chat ids and masks every text it keeps; without a
store (`shebao chat`, `shebao ask`) dialogs are kept in memory and nothing is recorded.

Errors raise: each channel has one boundary that logs them (masked) and answers politely.
"""

from __future__ import annotations

import json
import logging
import re
import time
import traceback
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from calculators.dialog import CalcState
from shebao.handoff import HUMAN, Desk, asks_for_person
from shebao.limits import Buckets, UserLimiter, Verdict
from shebao.privacy import mask
from shebao.service import Reply, entry_text, texts
from shebao.services import Services
from shebao.writes import WriteQueue

if TYPE_CHECKING:
    from knowledge.model import Entry

__all__ = ["ENTRY_CHOICE", "Conversation", "Reply", "picked_number"]

log = logging.getLogger(__name__)

# The value of a "did you mean" choice: sending it as the next text answers that entry.
ENTRY_CHOICE = "faq:"
_ENTRY_CHOICE = re.compile(r"^faq:([a-z0-9_]+)$")
_NUMBER = re.compile(r"^(?:第\s*)?([1-9]|[一二三四五六七八九])\s*(?:个|条|项|题)?\s*[.。、)）]?$")
_CN_DIGIT = {c: i for i, c in enumerate("一二三四五六七八九", 1)}
REMEMBERED_CHATS = 10_000  # "did you mean" lists kept for a numbered reply (the oldest are forgotten)


def _thank_or_greet(reply: Reply, text: str) -> None:
    """A chit-chat reply: thanks get 不客气, a greeting is marked as one (channels with groups show their own)."""
    t = texts()
    folded = text.lower()
    if any(word in folded for word in t["thanks_words"]):
        reply.text = t["thanks"]
    else:
        reply.greeting = reply.text == t["greeting"]


def picked_number(text: str) -> int | None:
    """The 1-based number a short reply picks ("1", "2.", "第一个", "第2条"), else None."""
    m = _NUMBER.match(text.strip())
    if m is None:
        return None
    digit = m.group(1)
    return int(digit) if digit.isdigit() else _CN_DIGIT[digit]


@dataclass
class _Dialog:
    """A calculator dialog kept in memory (the store keeps a copy for restarts, written in the background)."""

    state: str
    choices: list[tuple[str, str]]
    turn: int
    at: float = 0.0  # time.monotonic() of the last save


DIALOG_MAX_AGE = 24 * 3600.0  # seconds a dialog waits for its next answer


class Conversation:
    """One turn for any channel: flood limit, dialog restore, answer, record (masked), save/clear dialog."""

    def __init__(self, services: Services, store: Any | None, *, clock: Callable[[], float] = time.monotonic,
                 flood_limit: bool = True):
        self.services = services
        services.calculators.use()
        self.store = store
        self.flood_limit = flood_limit
        cfg = services.config
        self.buckets = Buckets(UserLimiter(burst=int(cfg.setting("limits", "burst")),
                                           per_minute=float(cfg.setting("limits", "per_minute")), clock=clock))
        self._suggested: OrderedDict[tuple[str, str, str], list[str]] = OrderedDict()
        # Dialogs live here, so a slow or broken store never loses the next step ("60岁"); None marks
        # "no dialog" (ended, or none found in the store after a restart).
        self._dialogs: OrderedDict[tuple[str, str, str], _Dialog | None] = OrderedDict()
        self.writes = WriteQueue()  # the store's writes, off the reply path
        self._unsaved: dict[tuple[str, str, str], int] = {}  # dialog writes still queued, per key
        self.handoffs = Desk(store, cfg)  # asking a person: hand-offs to union staff and their replies

    # -- services ---------------------------------------------------------------------------

    def swap(self, services: Services) -> None:
        """Answer with SERVICES from the next turn on (/reload, once they loaded and checked)."""
        services.calculators.activate()
        self.services = services

    # -- the flood limit --------------------------------------------------------------------

    def limit(self, channel: str, user: str, q: str = "") -> Reply | None:
        """None when USER may be answered now; else the polite note (`quiet` once already given)."""
        if not self.flood_limit:
            return None
        verdict = self.buckets.check(channel, str(user))
        if verdict is Verdict.ANSWER:
            return None
        return Reply(q, "none", None, None, 0.0, [], texts()["slow_down"], limited=True,
                     quiet=verdict is Verdict.DROP, chitchat=True)

    # -- a turn -----------------------------------------------------------------------------

    async def handle(self, channel: str, chat: str, user: str, text: str, *, group: bool = False,
                     chat_type: str | None = None, one_shot: bool = False, pressed: bool = False,
                     origin: str | None = None) -> Reply:
        """The whole turn for TEXT from USER in CHAT: limited, a picked suggestion, a dialog's next step,
        or an answer; recorded (masked) and the dialog saved or cleared. PRESSED: TEXT is a button
        the bot offered (a calculator choice), which does not use the question allowance. ORIGIN: the
        channel's id of the received message (shebao.store.ORIGIN), so a message received twice (a
        replay after a crash, a retry) is stored as one question."""
        text = text if isinstance(text, str) else ""
        wants_person = asks_for_person(text)  # a hand-off counts against the limit, even as a pressed button
        limited = None if pressed and not wants_person else self.limit(channel, user, text)
        if limited is not None:
            return limited
        key = (channel, str(chat), str(user))
        services = self.services  # one turn, one set of services, even if /reload swaps them meanwhile
        if wants_person:
            return await self.handoffs.open(key, services, group=group)
        details = None if group else await self.handoffs.add_details(key, text)
        if details is not None:
            return details
        picked = self._picked(key, text, services, numbers=not one_shot)
        if picked is not None:
            return await self._entry_turn(channel, key, picked, group, chat_type, origin)
        conv_found, state = await self._restore(key)
        reply = services.answerer.answer(text, state=state, one_shot=one_shot)
        # a dialog is one question: its follow-up turns ("50", "取消") are stored but not counted again
        follow_up = state is not None and reply.kind == "calc" and reply.id == f"calc:{state.name}"
        reply.question_id = await self._record(
            key, reply, channel, group, chat_type, text=text,
            queue=reply.kind == "none" and not reply.chitchat,  # greetings are not questions staff should see
            counted=not (reply.chitchat or follow_up), origin=origin)  # nor questions of the answer rate
        moved = group and reply.private  # the dialog goes on in private, if at all
        if reply.calc_state is not None and not moved and not one_shot:
            reply.turn = await self._save(key, reply)
        elif conv_found:
            await self._clear(key)
        if not one_shot:  # one-shot questions (shebao ask) stand alone: a later "1" picks nothing
            self._remember(key, reply.suggestions if reply.kind == "none" else [])
        if reply.chitchat:
            _thank_or_greet(reply, text)
        if reply.kind == "none" and reply.suggestions and not reply.choices:
            reply.choices = [(services.answerer.suggestion_label(s), ENTRY_CHOICE + s) for s in reply.suggestions]
        if not group and not one_shot and not follow_up:
            self.handoffs.remember(key, text, reply)
            if reply.kind == "none" and not reply.chitchat and reply.calc_state is None and self.handoffs.available:
                reply.choices.append((texts()["handoff_button"], HUMAN))  # 找工会工作人员
        return reply

    async def ask_person(self, channel: str, chat: str, user: str, question: str = "", *,
                         group: bool = False) -> Reply:
        """Hand QUESTION (default: the chat's last question) to union staff (`/human 问题`, the
        找工会工作人员 button); limited like a question."""
        limited = self.limit(channel, user, question)
        if limited is not None:
            return limited
        return await self.handoffs.open((channel, str(chat), str(user)), self.services, question, group=group)

    async def messages(self, channel: str, chat: str) -> list[dict[str, str]]:
        """Staff replies waiting for CHAT ({"text", "at"}), each returned once (the web's poll)."""
        return await self.handoffs.messages(channel, str(chat))

    async def open_entry(self, channel: str, chat: str, user: str, faq_id: str, *, group: bool = False,
                         chat_type: str | None = None, pressed: bool = False,
                         origin: str | None = None) -> Reply | None:
        """FAQ entry FAQ_ID in full (a deep link, a share link, a "did you mean" button); None when the
        FAQ has no such entry (any more). Limited like a question, unless PRESSED (a button the bot
        offered). ORIGIN as for handle."""
        entry = self.services.answerer.entry(faq_id)
        if entry is None:
            return None
        limited = None if pressed else self.limit(channel, user, entry.question)
        if limited is not None:
            return limited
        return await self._entry_turn(channel, (channel, str(chat), str(user)), entry, group, chat_type, origin)

    async def start_calculator(self, channel: str, chat: str, user: str, name: str, *,
                               chat_type: str | None = None, origin: str | None = None) -> Reply | None:
        """Begin calculator NAME without numbers (a group's link to a private chat); None when there
        is no such calculator. Limited, recorded and saved like a question (ORIGIN as for handle)."""
        limited = self.limit(channel, user)
        if limited is not None:
            return limited
        key = (channel, str(chat), str(user))
        reply = self.services.answerer.start(name)
        if reply is None:
            return None
        reply.question_id = await self._record(key, reply, channel, False, chat_type, text=reply.q, queue=False,
                                               origin=origin)
        if reply.calc_state is not None:
            reply.turn = await self._save(key, reply)
        self._remember(key, [])
        return reply

    async def pending_choice(self, channel: str, chat: str, user: str, turn: int, index: int) -> str | None:
        """The value of choice INDEX of the dialog's turn TURN (a pressed button), or None when that
        dialog has moved on or ended."""
        key = (channel, str(chat), str(user))
        dialog = await self._load(key)
        if dialog is None or dialog.turn != turn or not 0 <= index < len(dialog.choices):
            return None
        return dialog.choices[index][1]

    async def feedback(self, question_id: int, useful: bool, *, user: str | None = None) -> bool:
        """Store (or change) a verdict on an answer; False when nothing could be stored."""
        if self.store is None or not question_id:
            return False
        return bool(await self.writes.submit(
            "feedback", lambda: self.store.record_feedback(question_id=question_id, user_id=user, useful=useful),
            ok=bool))

    async def close(self, timeout: float = 10.0) -> bool:
        """Finish the queued writes (at shutdown, before the store closes); False when some are left."""
        await self.handoffs.close()
        return await self.writes.close(timeout)

    def apology(self, text: str) -> Reply:
        """For a channel's boundary, inside its `except`: log the error masked (a traceback repeats the
        worker's text) and give the worker the help instead of an answer."""
        log.error("answering failed for %r\n%s", mask(text[:200]), mask(traceback.format_exc().rstrip()))
        return Reply(text, "none", None, None, 0.0, [], texts()["help"])

    # -- parts of a turn ----------------------------------------------------------------------

    def _picked(self, key: tuple[str, str, str], text: str, services: Services, *,
                numbers: bool) -> Entry | None:
        """The entry a reply picks: a choice value (faq:<id>) or a number of the last "did you mean"."""
        m = _ENTRY_CHOICE.match(text.strip())
        if m:
            return services.answerer.entry(m.group(1))
        number = picked_number(text) if numbers and key in self._suggested else None
        if number is None:
            return None
        offered = self._suggested[key]
        return services.answerer.entry(offered[number - 1]) if number <= len(offered) else None

    async def _entry_turn(self, channel: str, key: tuple[str, str, str], entry: Entry, group: bool,
                          chat_type: str | None, origin: str | None = None) -> Reply:
        reply = Reply(entry.question, "faq", entry.id, entry.id, 100.0, [], entry_text(entry), entry=entry)
        reply.question_id = await self._record(key, reply, channel, group, chat_type, text=entry.question,
                                                queue=False, origin=origin)
        self._remember(key, [])
        return reply

    def _remember(self, key: tuple[str, str, str], suggestions: list[str]) -> None:
        self._suggested.pop(key, None)
        if suggestions:
            self._suggested[key] = list(suggestions)
            while len(self._suggested) > REMEMBERED_CHATS:
                self._suggested.popitem(last=False)

    async def _record(self, key: tuple[str, str, str], reply: Reply, channel: str, group: bool,
                      chat_type: str | None, *, text: str, queue: bool, counted: bool = True,
                      origin: str | None = None) -> int | None:
        if self.store is None:
            return None
        store, fields = self.store, dict(
            user_id=key[2], chat_type=chat_type or ("group" if group else "private"), via=channel, text=text,
            kind=reply.kind, answer_id=reply.id, best_id=reply.best, score=reply.score,
            suggestions=list(reply.suggestions), queue=queue, counted=counted, origin=origin)
        # the id when stored within the budget (for the feedback buttons); else stored later, without them
        return await self.writes.submit("question", lambda: store.record_question(**fields),
                                        ok=lambda qid: qid is not None)

    def _keep(self, key: tuple[str, str, str], dialog: _Dialog | None) -> None:
        self._dialogs.pop(key, None)
        self._dialogs[key] = dialog
        while len(self._dialogs) > REMEMBERED_CHATS:
            self._dialogs.popitem(last=False)

    async def _load(self, key: tuple[str, str, str]) -> _Dialog | None:
        """The dialog: the store's copy when it is up to date and answers in time (another process
        may have moved the dialog on), else the one kept in memory."""
        if self.store is not None and not self._unsaved.get(key) and self.store.available:
            missing = object()
            conv = await self.writes.read(lambda: self.store.load_conversation(key[1], key[2]), default=missing)
            if conv is not missing:
                dialog = None if conv is None else _Dialog(conv.state, list(conv.choices), conv.turn,
                                                           time.monotonic())
                self._keep(key, dialog)
                return dialog
        dialog = self._dialogs.get(key)
        if dialog is not None and time.monotonic() - dialog.at > DIALOG_MAX_AGE:
            await self._clear(key)
            return None
        return dialog

    async def _write_dialog(self, key: tuple[str, str, str], work) -> None:
        """Queue a dialog write; until it is done the dialog in memory is the one to trust."""
        self._unsaved[key] = self._unsaved.get(key, 0) + 1

        def finished() -> None:
            left = self._unsaved.get(key, 1) - 1
            if left > 0:
                self._unsaved[key] = left
            else:
                self._unsaved.pop(key, None)

        await self.writes.submit("conversation", work, ok=lambda result: result is not False, finished=finished)

    async def _restore(self, key: tuple[str, str, str]) -> tuple[bool, CalcState | None]:
        """(whether a dialog was kept, its calculator state) for this user in this chat."""
        dialog = await self._load(key)
        if dialog is None:
            return False, None
        try:
            return True, CalcState.from_json(json.loads(dialog.state))
        except (ValueError, KeyError, TypeError, AttributeError) as exc:  # written by an older version
            log.warning("dropping an unreadable calculator state: %s", exc)
            await self._clear(key)
            return False, None

    async def _save(self, key: tuple[str, str, str], reply: Reply) -> int | None:
        state = json.dumps(reply.calc_state.to_json(), ensure_ascii=False)
        old = self._dialogs.get(key)
        dialog = _Dialog(state, list(reply.choices), old.turn + 1 if old else 1, time.monotonic())
        self._keep(key, dialog)
        if self.store is not None:  # the store counts turns the same way: turn + 1 on every save
            store, choices = self.store, list(reply.choices)

            async def save() -> bool:
                return await store.save_conversation(key[1], key[2], state, choices) is not None

            await self._write_dialog(key, save)
        return dialog.turn

    async def _clear(self, key: tuple[str, str, str]) -> None:
        self._keep(key, None)
        if self.store is not None:
            store = self.store
            await self._write_dialog(key, lambda: store.clear_conversation(key[1], key[2]))
