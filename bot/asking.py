"""From a worker's question to the bot's message: limit, answer, store first, then send."""

from __future__ import annotations

import json
import logging
from typing import Any

from telegram import Chat, Message, ReplyParameters, Update
from telegram.constants import ChatType

from bot import replies
from bot.context import Context
from bot.limits import Verdict
from calculators.dialog import CalcState

log = logging.getLogger(__name__)


def _state_json(state: Any) -> str:
    data = state.to_json()
    return data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)


def is_group(chat: Chat | None) -> bool:
    return chat is not None and chat.type in (ChatType.GROUP, ChatType.SUPERGROUP)


async def within_limits(update: Update, context: Context) -> bool:
    """True when the user may be answered now; tells them once when they flood."""
    user = update.effective_user
    if user is None or context.user_data is None:
        return True
    limiter = context.services.limiter
    if context.user_data.bucket is None:
        context.user_data.bucket = limiter.new_bucket()
    verdict = limiter.check(context.user_data.bucket)
    if verdict is Verdict.NOTE and update.effective_chat is not None:
        await send(context, update.effective_chat, replies.Outgoing(replies.text("slow_down")),
                   reply_to=update.effective_message if is_group(update.effective_chat) else None)
    return verdict is Verdict.ANSWER


async def send(context: Context, chat: Chat, out: replies.Outgoing, reply_to: Message | None = None) -> Message:
    """Send OUT to CHAT (quoting REPLY_TO in groups). Retries live in the bot's rate limiter."""
    params = ReplyParameters(reply_to.message_id, allow_sending_without_reply=True) if reply_to else None
    return await context.bot.send_message(chat.id, out.text, reply_markup=out.markup, reply_parameters=params,
                                          link_preview_options=None)


async def tell(update: Update, context: Context, key: str, **values: Any) -> None:
    """Send the text KEY of bot/texts.yaml to this chat (quoting the asker in groups), within the limits."""
    chat = update.effective_chat
    if chat is None or not await within_limits(update, context):
        return
    await send(context, chat, replies.Outgoing(replies.text(key, **values)),
               reply_to=update.effective_message if is_group(chat) else None)


async def _restore(context: Context, chat_id: int, user_id: int) -> tuple[Any, Any]:
    """The asker's calculator dialog in this chat, if one is waiting: (conversation, CalcState)."""
    conv = await context.storage.load_conversation(chat_id, user_id)
    if conv is None:
        return None, None
    try:
        return conv, CalcState.from_json(json.loads(conv.state))
    except Exception as exc:  # an unreadable state is dropped, never fatal
        log.warning("dropping an unreadable calculator state: %s", exc)
        await context.storage.clear_conversation(chat_id, user_id)
        return None, None


async def answer_question(update: Update, context: Context, question: str, via: str) -> None:
    """Answer QUESTION from this update's user in this chat, the whole way."""
    chat, user, message = update.effective_chat, update.effective_user, update.effective_message
    if chat is None or user is None:
        return
    if not await within_limits(update, context):
        return
    storage = context.storage
    conv, state = await _restore(context, chat.id, user.id)
    reply = context.answerer.answer(question, state=state)

    # Store first: what was asked and answered must survive a failed send.
    question_id = await storage.record_question(
        user_id=user.id, chat_type=chat.type, via=via, text=question, kind=reply.kind, answer_id=reply.id,
        best_id=reply.best, score=reply.score, suggestions=reply.suggestions,
        queue=reply.kind == "none" and not reply.chitchat)  # greetings are not questions staff should see
    turn = None
    moved = is_group(chat) and reply.private  # the dialog goes on in private, if at all
    if reply.calc_state is not None and not moved:
        turn = await storage.save_conversation(chat.id, user.id, _state_json(reply.calc_state), reply.choices)
    elif conv is not None:
        await storage.clear_conversation(chat.id, user.id)

    label = context.answerer.suggestion_label
    username = context.bot.username
    if is_group(chat):
        settings = await chat_settings(context, chat.id)
        out = replies.answer_group(reply, username=username, question_id=question_id, turn=turn, label=label,
                                   short=settings.short_answers)
        await send(context, chat, out, reply_to=message)
    else:
        out = replies.answer_private(reply, username=username, question_id=question_id, turn=turn, label=label)
        await send(context, chat, out)


async def answer_entry(update: Update, context: Context, faq_id: str, via: str) -> bool:
    """Send FAQ entry FAQ_ID (a deep link or a "did you mean" press); False when there is none."""
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None:
        return False
    entry = context.answerer.entry(faq_id)
    if entry is None:
        return False
    if not await within_limits(update, context):
        return True
    question_id = await context.storage.record_question(
        user_id=user.id, chat_type=chat.type, via=via, text=entry.question, kind="faq", answer_id=entry.id,
        best_id=entry.id, score=100.0)
    short = is_group(chat) and (await chat_settings(context, chat.id)).short_answers
    out = replies.entry_message(entry, username=context.bot.username, question_id=question_id, short=short)
    await send(context, chat, out)
    return True


async def chat_settings(context: Context, chat_id: int):
    """This chat's settings, read from storage once and kept in chat_data."""
    if context.chat_data is None:
        return await context.storage.chat_settings(chat_id)
    if context.chat_data.settings is None:
        context.chat_data.settings = await context.storage.chat_settings(chat_id)
    return context.chat_data.settings
