"""Asking a person in Telegram: the worker's /human and 找工会工作人员 button; the staff's /reply,
replies to a #N message and /pending; the announcer and deliverer plugged into the core's desk
(shebao.handoff, where the hand-off logic lives)."""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime, timedelta

from telegram import Message, Update
from telegram.constants import ChatType
from telegram.error import Forbidden, TelegramError

from bot import handlers, replies
from bot.asking import CHANNEL, _limited, is_group, send, tell
from bot.context import BotApplication, Context
from shebao.store import StorageError
from shebao.store.records import Handoff
from textnorm.limits import fit

log = logging.getLogger(__name__)

HUMAN_DATA = replies.HUMAN_DATA
_NUMBERED = re.compile(r"^#(\d{1,12})\b")
_REPLY = re.compile(r"^#?(\d{1,12})\s+(\S.*)$", re.S)


def text(key: str, **values) -> str:
    return replies.text(f"handoff.{key}", **values)


def _local(cfg, when: datetime) -> str:
    hours = float(cfg.setting("handoff", "utc_offset_hours"))
    return (when.astimezone(UTC) + timedelta(hours=hours)).strftime("%m-%d %H:%M")


def _via(via: str) -> str:
    names = replies.text("handoff.via")
    return names.get(via, via)


# -- the worker's side --------------------------------------------------------------------


def _command_text(message: Message) -> str:
    """What follows the command, line breaks kept."""
    command = message.text.split(maxsplit=1)
    return command[1].strip() if len(command) > 1 else ""


async def _hand_over(update: Update, context: Context, question: str) -> None:
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None:
        return
    reply = await context.conversation.ask_person(CHANNEL, str(chat.id), str(user.id), question,
                                                  group=is_group(chat))
    if reply.limited:
        await _limited(update, context, reply)
        return
    await send(context, chat, replies.Outgoing(reply.text),
               reply_to=update.effective_message if is_group(chat) else None)


async def human(update: Update, context: Context) -> None:
    """/human 问题: hand that question (or, alone, the last one) to union staff."""
    await _hand_over(update, context, _command_text(update.effective_message))


async def human_button(update: Update, context: Context) -> None:
    """The 找工会工作人员 button under an unanswered reply."""
    await handlers._acknowledge(update.callback_query)
    await _hand_over(update, context, "")


# -- the staff's side ---------------------------------------------------------------------


def _staff_chat(context: Context) -> int | None:
    value = context.bot_data.cfg.setting("telegram", "staff_chat_id")
    return int(value) if value not in (None, "") else None


async def _is_staff(update: Update, context: Context) -> bool:
    """An admin in a private chat or in the staff chat; anyone else is refused politely."""
    chat, user = update.effective_chat, update.effective_user
    in_place = chat is not None and (chat.type == ChatType.PRIVATE or chat.id == _staff_chat(context))
    if not in_place:
        await tell(update, context, "staff_private")
        return False
    if user is None or user.id not in context.bot_data.cfg.admins:
        await tell(update, context, "staff_only")
        return False
    return True


async def _answer(update: Update, context: Context, number: int, reply_text: str) -> None:
    """Store and deliver one staff reply; tell the admin what became of it, and the other admins."""
    chat, user = update.effective_chat, update.effective_user
    staff = user.full_name or str(user.id)
    try:
        outcome = await context.conversation.handoffs.staff_reply(number, reply_text, staff=staff)
    except StorageError as exc:
        log.error("staff reply to #%d not stored: %s", number, exc)
        await send(context, chat, replies.Outgoing(text("storage")))
        return
    if outcome.handoff is None:
        await send(context, chat, replies.Outgoing(text("reply_unknown", number=number)))
        return
    lines = [text("reply_delivered" if outcome.delivered else "reply_waiting", number=number)]
    if outcome.earlier_by:
        lines.append(text("reply_earlier", number=number, name=outcome.earlier_by))
    await send(context, chat, replies.Outgoing("\n".join(lines)))
    if outcome.earlier_by is None and _staff_chat(context) is None:  # the others see it was answered
        note = fit(text("answered_by_other", number=number, name=staff, text=reply_text.strip()), 600)
        for admin in sorted(context.bot_data.cfg.admins - {user.id}):
            await _tell_quietly(context, admin, note)


async def reply_command(update: Update, context: Context) -> None:
    """/reply N 回复内容 (staff): the worker of #N gets 工会工作人员回复：…"""
    if not await _is_staff(update, context):
        return
    m = _REPLY.match(_command_text(update.effective_message))
    if m is None:
        await send(context, update.effective_chat, replies.Outgoing(text("reply_usage")))
        return
    await _answer(update, context, int(m.group(1)), m.group(2))


async def replied_to_handoff(update: Update, context: Context) -> None:
    """An admin's reply to a message: to a #N announcement it answers #N; anything else is handled as usual."""
    message = update.effective_message
    quoted = message.reply_to_message
    found = _NUMBERED.match(quoted.text or "") if quoted is not None and quoted.from_user is not None \
        and quoted.from_user.id == context.bot.id else None
    if found is None:
        fallback = handlers.group_text if is_group(update.effective_chat) else handlers.private_text
        await fallback(update, context)
        return
    if await _is_staff(update, context):
        await _answer(update, context, int(found.group(1)), message.text)


async def pending(update: Update, context: Context) -> None:
    """/pending (staff): the open hand-offs, oldest first."""
    if not await _is_staff(update, context):
        return
    cfg = context.bot_data.cfg
    try:
        found = await context.conversation.handoffs.pending()
    except StorageError as exc:
        log.error("pending hand-offs unavailable: %s", exc)
        await send(context, update.effective_chat, replies.Outgoing(text("storage")))
        return
    if not found:
        out = text("pending_empty")
    else:
        out = "\n".join([text("pending_header")] + [
            text("pending_line", number=h.number, at=_local(cfg, h.opened_at), via=_via(h.via), text=fit(h.text, 120))
            for h in found])
    await send(context, update.effective_chat, replies.Outgoing(fit(out)))


# -- plugged into the core ------------------------------------------------------------------


def announcement(h: Handoff, cfg, label) -> str:
    """The #N message staff get: the masked question, what the worker added, the bot's guesses."""
    lines = [text("announce", number=h.number, via=_via(h.via), at=_local(cfg, h.opened_at), text=h.text)]
    if h.details:
        lines.append(text("announce_details", details=h.details))
    if h.guesses:
        lines.append(text("announce_guesses"))
        lines += [text("announce_guess", label=label(g), id=g) for g in h.guesses[:3]]
    lines.append(text("announce_how", number=h.number))
    return fit("\n".join(lines))


async def _tell_quietly(context_or_app, chat_id: int, message: str) -> bool:
    try:
        await context_or_app.bot.send_message(chat_id, message)
    except TelegramError as exc:  # an admin who never started the bot, or blocked it
        log.warning("hand-off message to a staff chat not delivered: %s", exc)
        return False
    return True


def plug_in(app: BotApplication) -> None:
    """Give the core's desk the Telegram announcer (to the staff chat, or every admin privately) and
    the deliverer of staff replies to Telegram chats. Called in post_init."""
    data = app.bot_data
    cfg, desk = data.cfg, data.conversation.handoffs

    async def announce(h: Handoff, details: str | None) -> None:
        if details is None:
            message = announcement(h, cfg, data.conversation.services.answerer.suggestion_label)
        else:
            message = fit(text("added_details", number=h.number, details=details))
        staff_chat = cfg.setting("telegram", "staff_chat_id")
        for chat_id in [int(staff_chat)] if staff_chat not in (None, "") else sorted(cfg.admins):
            await _tell_quietly(app, chat_id, message)

    async def deliver(chat: str, reply_text: str) -> bool:
        try:
            await app.bot.send_message(int(chat), fit(reply_text))  # plain text: no parse mode
        except Forbidden as exc:  # the worker blocked the bot: nothing more can be done
            log.info("staff reply not delivered, the chat refuses: %s", exc)
        except TelegramError as exc:
            log.warning("staff reply not delivered yet: %s", exc)
            return False
        return True

    desk.announce_with(announce)
    desk.deliver_with(CHANNEL, deliver)
