"""From a Telegram update to the conversation core and back: one `handle` call, one message sent."""

from __future__ import annotations

from typing import Any

from telegram import Chat, Message, ReplyParameters, Update
from telegram.constants import ChatType

from bot import replies
from bot.context import Context
from shebao.conversation import Reply

CHANNEL = "telegram"


def origin(update: Update, context: Context) -> str:
    """The update's key, as the inbox keeps it: its replay after a crash is stored as the same question."""
    return f"{CHANNEL}:{context.bot.id}:{update.update_id}"


def is_group(chat: Chat | None) -> bool:
    return chat is not None and chat.type in (ChatType.GROUP, ChatType.SUPERGROUP)


async def send(context: Context, chat: Chat, out: replies.Outgoing, reply_to: Message | None = None) -> Message:
    """Send OUT to CHAT (quoting REPLY_TO in groups). Retries live in the bot's rate limiter."""
    params = ReplyParameters(reply_to.message_id, allow_sending_without_reply=True) if reply_to else None
    return await context.bot.send_message(chat.id, out.text, reply_markup=out.markup, reply_parameters=params,
                                          link_preview_options=None)


async def _limited(update: Update, context: Context, reply: Reply) -> None:
    """The flood note, once per flood; silence after it."""
    chat = update.effective_chat
    if not reply.quiet and chat is not None:
        await send(context, chat, replies.Outgoing(reply.text),
                   reply_to=update.effective_message if is_group(chat) else None)


async def tell(update: Update, context: Context, key: str, **values: Any) -> None:
    """Send the text KEY of bot/texts.yaml to this chat (quoting the asker in groups), within the limits."""
    chat, user = update.effective_chat, update.effective_user
    if chat is None:
        return
    if user is not None:
        limited = context.conversation.limit(CHANNEL, str(user.id))
        if limited is not None:
            await _limited(update, context, limited)
            return
    await send(context, chat, replies.Outgoing(replies.text(key, **values)),
               reply_to=update.effective_message if is_group(chat) else None)


async def answer_question(update: Update, context: Context, question: str, *, pressed: bool = False) -> None:
    """Answer QUESTION from this update's user in this chat, the whole way (PRESSED: a button's value,
    outside the question allowance)."""
    chat, user, message = update.effective_chat, update.effective_user, update.effective_message
    if chat is None or user is None:
        return
    reply = await context.conversation.handle(CHANNEL, str(chat.id), str(user.id), question,
                                              group=is_group(chat), chat_type=chat.type, pressed=pressed,
                                              origin=origin(update, context))
    if reply.limited:
        await _limited(update, context, reply)
        return
    _note_unanswered(context, message, reply)
    label = context.answerer.suggestion_label
    username = context.bot.username
    if is_group(chat):
        settings = await chat_settings(context, chat.id)
        out = replies.answer_group(reply, username=username, question_id=reply.question_id, turn=reply.turn,
                                   label=label, short=settings.short_answers)
        await send(context, chat, out, reply_to=message)
    else:
        out = replies.answer_private(reply, username=username, question_id=reply.question_id, turn=reply.turn,
                                     label=label)
        await send(context, chat, out)


KEEP_UNANSWERED = 20  # per chat: the recent messages whose correction is answered


def _note_unanswered(context: Context, message: Message | None, reply: Reply) -> None:
    """Remember MESSAGE when it got no answer: if the worker edits it, the corrected question is answered."""
    if message is None or context.chat_data is None:
        return
    kept = context.chat_data.unanswered
    if message.message_id in kept:
        kept.remove(message.message_id)
    if reply.kind == "none" and not reply.chitchat:
        kept.append(message.message_id)
        del kept[:-KEEP_UNANSWERED]


def was_unanswered(context: Context, message: Message | None) -> bool:
    """Whether MESSAGE (an edited one) got no answer the first time."""
    return message is not None and context.chat_data is not None \
        and message.message_id in context.chat_data.unanswered


async def answer_entry(update: Update, context: Context, faq_id: str, *, pressed: bool = False) -> bool:
    """Send FAQ entry FAQ_ID (a deep link or a "did you mean" press); False when there is none."""
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None:
        return False
    reply = await context.conversation.open_entry(CHANNEL, str(chat.id), str(user.id), faq_id,
                                                  group=is_group(chat), chat_type=chat.type, pressed=pressed,
                                                  origin=origin(update, context))
    if reply is None:
        return False
    if reply.limited:
        await _limited(update, context, reply)
        return True
    short = is_group(chat) and (await chat_settings(context, chat.id)).short_answers
    out = replies.entry_message(reply.entry, username=context.bot.username, question_id=reply.question_id,
                                short=short)
    await send(context, chat, out)
    return True


async def start_calculator(update: Update, context: Context, name: str) -> bool:
    """Begin calculator NAME in this private chat (the link from a group); False when there is none."""
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None:
        return False
    reply = await context.conversation.start_calculator(CHANNEL, str(chat.id), str(user.id), name,
                                                        chat_type=chat.type, origin=origin(update, context))
    if reply is None:
        return False
    if reply.limited:
        await _limited(update, context, reply)
        return True
    out = replies.answer_private(reply, username=context.bot.username, question_id=reply.question_id,
                                 turn=reply.turn, label=context.answerer.suggestion_label)
    await send(context, chat, out)
    return True


async def chat_settings(context: Context, chat_id: int):
    """This chat's settings, read from storage once and kept in chat_data."""
    if context.chat_data is None:
        return await context.storage.chat_settings(chat_id)
    if context.chat_data.settings is None:
        context.chat_data.settings = await context.storage.chat_settings(chat_id)
    return context.chat_data.settings
