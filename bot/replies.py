"""What the bot sends: texts from bot/texts.yaml, answers shaped for private chats and groups, buttons.

Callback data (at most 64 bytes) is made and read only here:
``fb:1:<question id>`` / ``fb:0:<question id>`` feedback, ``dym:<faq id>`` a "did you mean"
choice, ``calc:<turn>:<index>`` a calculator follow-up choice.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
)
from telegram.constants import MessageLimit

from shebao.handoff import HUMAN
from shebao.service import entry_text
from shebao.store.records import Stats, UnansweredGroup
from textnorm.limits import TELEGRAM_LIMIT, fit
from textnorm.texts import Texts

MAX_TEXT = TELEGRAM_LIMIT
assert MAX_TEXT == MessageLimit.MAX_TEXT_LENGTH
MAX_SUGGESTIONS = 3
MAX_INLINE_RESULTS = 10
HUMAN_DATA = "human"  # callback data of the 找工会工作人员 button (bot.handoff)


TEXTS = Texts("bot")
text = TEXTS.text  # text("buttons.useful") and the like, from bot/texts.yaml


@dataclass(frozen=True)
class Outgoing:
    """One message to send."""

    text: str
    markup: InlineKeyboardMarkup | None = None


# -- deep links and callback data ---------------------------------------------------------


def deep_link(username: str, payload: str) -> str:
    return f"https://t.me/{username}?start={payload}"


def faq_link(username: str, faq_id: str) -> str:
    return deep_link(username, f"faq_{faq_id}")


def feedback_data(question_id: int | None, useful: bool) -> str:
    return f"fb:{int(useful)}:{question_id or 0}"


def parse_feedback(data: str) -> tuple[bool, int | None]:
    _, useful, qid = data.split(":", 2)
    return useful == "1", int(qid) or None


def suggestion_data(faq_id: str) -> str | None:
    data = f"dym:{faq_id}"
    return data if len(data.encode()) <= 64 else None


def parse_suggestion(data: str) -> str:
    return data.split(":", 1)[1]


def choice_data(turn: int, index: int) -> str:
    return f"calc:{turn}:{index}"


def parse_choice(data: str) -> tuple[int, int]:
    _, turn, index = data.split(":", 2)
    return int(turn), int(index)


# -- keyboards ----------------------------------------------------------------------------


def _feedback_row(question_id: int | None) -> list[InlineKeyboardButton]:
    return [
        InlineKeyboardButton(text("buttons.useful"), callback_data=feedback_data(question_id, True)),
        InlineKeyboardButton(text("buttons.useless"), callback_data=feedback_data(question_id, False)),
    ]


def _share_row(username: str, faq_id: str, question: str) -> list[InlineKeyboardButton]:
    return [
        InlineKeyboardButton(text("buttons.share"), url=faq_link(username, faq_id)),
        InlineKeyboardButton(text("buttons.forward"), switch_inline_query=question[:200]),
    ]


def _suggestion_rows(ids: Sequence[str], label: Callable[[str], str]) -> list[list[InlineKeyboardButton]]:
    rows = []
    for faq_id in ids[:MAX_SUGGESTIONS]:
        data = suggestion_data(faq_id)
        if data:
            rows.append([InlineKeyboardButton(fit(label(faq_id), 60), callback_data=data)])
    return rows


def _choice_rows(choices: Sequence[tuple[str, str]], turn: int | None) -> list[list[InlineKeyboardButton]]:
    if not choices or turn is None:
        return []
    buttons = [InlineKeyboardButton(fit(label, 30), callback_data=choice_data(turn, i))
               for i, (label, _) in enumerate(choices)]
    per_row = 2 if any(len(b.text) > 8 for b in buttons) else 3
    return [buttons[i : i + per_row] for i in range(0, len(buttons), per_row)]


def feedback_done(markup: InlineKeyboardMarkup | None, useful: bool) -> InlineKeyboardMarkup | None:
    """MARKUP with its feedback row replaced by a note of the verdict (other buttons kept)."""
    done = InlineKeyboardButton(
        text("buttons.feedback_done_useful" if useful else "buttons.feedback_done_useless"),
        callback_data="fb:done")
    rows, replaced = [], False
    for row in (markup.inline_keyboard if markup else ()):
        if any((b.callback_data or "").startswith("fb:") for b in row):
            if not replaced:
                rows.append([done])
                replaced = True
        else:
            rows.append(list(row))
    return InlineKeyboardMarkup(rows) if rows else None


def without_choices(markup: InlineKeyboardMarkup | None) -> InlineKeyboardMarkup | None:
    """MARKUP without calculator choice buttons (once one was pressed)."""
    rows = [list(r) for r in (markup.inline_keyboard if markup else ())
            if not any((b.callback_data or "").startswith("calc:") for b in r)]
    return InlineKeyboardMarkup(rows) if rows else None


def _markup(rows: list[list[InlineKeyboardButton]]) -> InlineKeyboardMarkup | None:
    rows = [r for r in rows if r]
    return InlineKeyboardMarkup(rows) if rows else None


# -- answers ------------------------------------------------------------------------------


def answer_private(reply: Any, *, username: str, question_id: int | None, turn: int | None,
                   label: Callable[[str], str]) -> Outgoing:
    """The full reply with feedback, share, "did you mean" and calculator choice buttons."""
    rows: list[list[InlineKeyboardButton]] = []
    rows += _choice_rows(reply.choices, turn)
    rows += _suggestion_rows(reply.suggestions, label)
    if reply.rateable:
        rows.append(_feedback_row(question_id))
    if reply.kind == "faq" and reply.id:
        rows.append(_share_row(username, reply.id, reply.entry.question if reply.entry else reply.q))
    rows += [[InlineKeyboardButton(label, callback_data=HUMAN_DATA)] for label, value in reply.choices
             if value == HUMAN]  # 找工会工作人员
    return Outgoing(fit(reply.text), _markup(rows))


def private_payload(reply: Any) -> str:
    """The /start payload of the link that moves REPLY from a group to a private chat: the FAQ entry, the
    calculator to begin there (calc_<name>), or just "private"."""
    if reply.kind == "faq" and reply.id:
        return f"faq_{reply.id}"
    if reply.kind == "calc" and reply.id and reply.id.startswith("calc:"):
        return "calc_" + reply.id.split(":", 1)[1]
    return "private"


def answer_group(reply: Any, *, username: str, question_id: int | None, turn: int | None,
                 label: Callable[[str], str], short: bool = True) -> Outgoing:
    """A short answer for a group; anything about the asker's own figures moves to a private chat."""
    if reply.private:
        payload = private_payload(reply)
        button = InlineKeyboardButton(text("buttons.private"), url=deep_link(username, payload))
        return Outgoing(text("move_to_private"), InlineKeyboardMarkup([[button]]))
    entry = reply.entry
    if reply.kind == "faq" and entry is not None and short and entry.short:
        body = f"{entry.question}\n{entry.short.strip()}\n{text('group_more')}"
        rows = [[InlineKeyboardButton(text("buttons.detail"), url=faq_link(username, entry.id))],
                _feedback_row(question_id)]
        return Outgoing(fit(body), _markup(rows))
    if reply.greeting:  # a greeting in a group: how to ask in a group, not the private-chat greeting
        return Outgoing(text("greeting_group", bot=username))
    rows = _choice_rows(reply.choices, turn) + _suggestion_rows(reply.suggestions, label)
    if reply.kind == "faq" and reply.id:
        rows.append([InlineKeyboardButton(text("buttons.detail"), url=faq_link(username, reply.id))])
    if reply.rateable:
        rows.append(_feedback_row(question_id))
    return Outgoing(fit(reply.text), _markup(rows))


def entry_message(entry: Any, *, username: str, question_id: int | None, short: bool = False) -> Outgoing:
    """One FAQ entry (deep link, "did you mean" press): in full, or short with a "详细" link."""
    if short and entry.short:
        body = f"{entry.question}\n{entry.short.strip()}\n{text('group_more')}"
        rows = [[InlineKeyboardButton(text("buttons.detail"), url=faq_link(username, entry.id))],
                _feedback_row(question_id)]
        return Outgoing(fit(body), _markup(rows))
    rows = [_feedback_row(question_id), _share_row(username, entry.id, entry.question)]
    return Outgoing(entry_text(entry), _markup(rows))


def inline_results(matches: Sequence[tuple[Any, float]], username: str) -> list[InlineQueryResultArticle]:
    """Inline mode: one shareable article per matching FAQ entry."""
    results = []
    for entry, _score in matches[:MAX_INLINE_RESULTS]:
        summary = (entry.short or entry.answer).strip().replace("\n", " ")
        results.append(InlineQueryResultArticle(
            id=entry.id[:64],
            title=fit(entry.question.strip(), 100),
            description=fit(summary, 120),
            input_message_content=InputTextMessageContent(entry_text(entry)),
            reply_markup=InlineKeyboardMarkup([[
                InlineKeyboardButton(text("buttons.detail"), url=faq_link(username, entry.id))]]),
        ))
    return results


# -- staff --------------------------------------------------------------------------------


def stats_text(stats: Stats, days: int) -> str:
    topics = "\n".join(
        text("stats_topic", answer_id=t.answer_id, count=t.count, useful=t.useful, not_useful=t.not_useful)
        for t in stats.top_topics) or text("stats_no_topics")
    return fit(text(
        "stats", days=days, questions=stats.questions, users=stats.users, answered=stats.answered,
        rate=f"{stats.answer_rate:.0%}", unanswered=stats.questions - stats.answered,
        faq=stats.by_kind.get("faq", 0), calc=stats.by_kind.get("calc", 0), useful=stats.useful,
        not_useful=stats.not_useful, topics=topics) + _handoff_line(stats))


def _handoff_line(stats: Stats) -> str:
    h = stats.handoffs
    if h is None:
        return ""
    minutes = h.median_first_reply_minutes
    wait = text("stats_handoffs_wait_none") if minutes is None else text("stats_handoffs_wait", minutes=minutes)
    return "\n" + text("stats_handoffs", opened=h.opened, answered=h.answered, wait=wait, open_now=h.open_now)


def unanswered_text(groups: Sequence[UnansweredGroup], days: int) -> str:
    if not groups:
        return text("unanswered_empty", days=days)
    lines = [text("unanswered_header", days=days)]
    for rank, g in enumerate(groups, 1):
        best = f"{g.best_id} {g.best_score:.0f}" if g.best_id and g.best_score is not None else "—"
        lines.append(text("unanswered_line", rank=rank, text=fit(g.text, 200), count=g.count, users=g.users,
                          best=best))
    return fit("\n".join(lines))


def reload_failed_text(problems: Sequence[object], count: int) -> str:
    shown = [str(p) for p in problems[:30]]
    if len(problems) > len(shown):
        shown.append(f"… +{len(problems) - len(shown)}")
    return fit(text("reload_failed", count=count, problems="\n".join(shown)))
