"""Telegram handlers: read the update, call one function, reply through bot.replies."""

from __future__ import annotations

import asyncio
import functools
import html
import logging
import re
import time
import traceback
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from telegram import InlineQueryResultsButton, MessageEntity, Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import Forbidden, TelegramError

from bot import replies
from bot.asking import (
    CHANNEL,
    answer_entry,
    answer_question,
    is_group,
    send,
    start_calculator,
    tell,
    was_unanswered,
)
from bot.context import Context
from knowledge import FAQError
from shebao.privacy import mask
from shebao.store import StorageError

log = logging.getLogger(__name__)

Handler = Callable[[Update, Context], Awaitable[None]]


# -- questions ----------------------------------------------------------------------------


async def start(update: Update, context: Context) -> None:
    """/start, /start faq_<id> (a deep link), /start private (moved from a group)."""
    payload = context.args[0] if context.args else ""
    if payload.startswith("faq_"):
        if not await answer_entry(update, context, payload[4:]):
            await tell(update, context, "deeplink_missing")
    elif payload.startswith("calc_") and not is_group(update.effective_chat):
        if not await start_calculator(update, context, payload[5:]):
            await tell(update, context, "private_hello")
    elif payload == "private":
        await tell(update, context, "private_hello")
    else:
        await help_command(update, context)


async def help_command(update: Update, context: Context) -> None:
    """/help: what the bot can do."""
    key = "greeting_group" if is_group(update.effective_chat) else "greeting"
    await tell(update, context, key, bot=context.bot.username)


async def ask(update: Update, context: Context) -> None:
    """/ask 问题 and /ask@<bot> 问题, in groups and in private."""
    message = update.effective_message
    command = next((e for e in message.entities if e.type == MessageEntity.BOT_COMMAND and e.offset == 0), None)
    # keep the question as typed (context.args would lose its line breaks)
    question = message.text[len(message.parse_entity(command)):].strip() if command else ""
    replied = message.reply_to_message
    if not question and replied is not None and replied.text and not (
            replied.from_user and replied.from_user.id == context.bot.id):
        question = replied.text  # /ask sent as a reply to a worker's message: answer that message
    if not question:
        await tell(update, context, "ask_usage")
        return
    await answer_question(update, context, question)


async def private_text(update: Update, context: Context) -> None:
    """In a private chat every text message is a question."""
    await answer_question(update, context, update.effective_message.text)


def _addressed(update: Update, context: Context) -> tuple[str, str] | None:
    """(question, how) when a group message is meant for the bot: a reply to it or a mention."""
    message = update.effective_message
    bot = context.bot
    if message.reply_to_message and message.reply_to_message.from_user \
            and message.reply_to_message.from_user.id == bot.id:
        return _without_mentions(message, bot.username), "reply"
    for entity, value in message.parse_entities([MessageEntity.MENTION, MessageEntity.TEXT_MENTION]).items():
        if (entity.type == MessageEntity.MENTION and value.lstrip("@").lower() == bot.username.lower()) or \
                (entity.user is not None and entity.user.id == bot.id):
            return _without_mentions(message, bot.username), "mention"
    return None


def _without_mentions(message, username: str) -> str:
    text = re.sub(rf"@{re.escape(username)}\b", " ", message.text or "", flags=re.IGNORECASE)
    return " ".join(text.split())


async def group_text(update: Update, context: Context) -> None:
    """In groups: answer replies to the bot and mentions of it; stay quiet otherwise."""
    found = _addressed(update, context)
    if found is None:
        return
    question, _how = found
    if not question:
        await tell(update, context, "ask_usage")
        return
    await answer_question(update, context, question)


async def edited_text(update: Update, context: Context) -> None:
    """A corrected message: answered when the first version got no answer (the typo is fixed now)."""
    if not was_unanswered(context, update.effective_message):
        return
    if is_group(update.effective_chat):
        await group_text(update, context)
    else:
        await private_text(update, context)


MEDIA_NOTE_EVERY = 60.0  # seconds: one "send text" note per chat in this time, whatever is sent meanwhile
KEEP_ALBUMS = 20


async def not_text(update: Update, context: Context) -> None:
    """Stickers, photos, voice … in a private chat. A caption is read as the question; otherwise a note
    to send text: one per album, at most one a minute, never out of the question allowance."""
    message = update.effective_message
    extra = context.chat_data.extra if context.chat_data is not None else {}
    album = message.media_group_id
    albums = extra.setdefault("albums", [])
    seen = album is not None and album in albums
    if album is not None and not seen:
        albums.append(album)
        del albums[:-KEEP_ALBUMS]
    if message.caption and message.caption.strip():
        await answer_question(update, context, message.caption)
        return
    now = time.monotonic()
    if seen or now - extra.get("media_note_at", -MEDIA_NOTE_EVERY) < MEDIA_NOTE_EVERY:
        return
    extra["media_note_at"] = now
    await send(context, update.effective_chat, replies.Outgoing(replies.text("not_text")))


async def bot_added(update: Update, context: Context) -> None:
    """Say how to use the bot when it is added to a group."""
    change = update.my_chat_member
    joined = (ChatMemberStatus.MEMBER, ChatMemberStatus.ADMINISTRATOR)
    if change and is_group(change.chat) and change.new_chat_member.status in joined \
            and change.old_chat_member.status in (ChatMemberStatus.LEFT, ChatMemberStatus.BANNED):
        await send(context, change.chat,
                   replies.Outgoing(replies.text("greeting_group", bot=context.bot.username)))


# -- buttons ------------------------------------------------------------------------------


async def _acknowledge(query, text: str | None = None) -> None:
    """Answer the callback query; when that fails ("query is too old" after a restart or a backlog)
    the press is still handled: the caller does the real work whatever this returns."""
    try:
        await query.answer(text)
    except TelegramError as exc:
        log.info("button press acknowledged too late, handled anyway: %s", exc)


async def feedback(update: Update, context: Context) -> None:
    """有用 / 没用: store the verdict, thank, and mark the buttons."""
    query = update.callback_query
    useful, question_id = replies.parse_feedback(query.data)
    await context.conversation.feedback(question_id, useful, user=str(query.from_user.id))
    await _acknowledge(query, replies.text("feedback_thanks_useful" if useful else "feedback_thanks_useless"))
    # in a group the buttons are everyone's: one person's verdict must not take them from the others
    if query.message is not None and not is_group(update.effective_chat):
        try:
            await query.edit_message_reply_markup(replies.feedback_done(query.message.reply_markup, useful))
        except TelegramError as exc:  # e.g. "message is not modified" after a double press
            log.info("feedback buttons not updated: %s", exc)


async def suggestion(update: Update, context: Context) -> None:
    """A "did you mean" button: answer that entry."""
    query = update.callback_query
    await _acknowledge(query)
    if not await answer_entry(update, context, replies.parse_suggestion(query.data), pressed=True):
        await tell(update, context, "deeplink_missing")


async def calc_choice(update: Update, context: Context) -> None:
    """A calculator follow-up button: feed its text back as the worker's answer."""
    query = update.callback_query
    turn, index = replies.parse_choice(query.data)
    value = await context.conversation.pending_choice(CHANNEL, str(update.effective_chat.id),
                                                      str(query.from_user.id), turn, index)
    if value is None:
        await _acknowledge(query, replies.text("choice_expired"))
        return
    await _acknowledge(query)
    try:
        await query.edit_message_reply_markup(replies.without_choices(query.message.reply_markup))
    except TelegramError as exc:
        log.info("choice buttons not removed: %s", exc)
    await answer_question(update, context, value, pressed=True)


async def stale_button(update: Update, context: Context) -> None:
    """Any other button (an old keyboard, a finished feedback row)."""
    await _acknowledge(update.callback_query, replies.text("button_expired"))


# -- inline mode --------------------------------------------------------------------------


async def inline_query(update: Update, context: Context) -> None:
    """@<bot> 工伤: matching answers to share in any chat."""
    query = update.inline_query
    words = query.query.strip()
    matches = context.answerer.search(words, limit=replies.MAX_INLINE_RESULTS) if words else \
        [(e, 0.0) for e in context.answerer.entries[: replies.MAX_INLINE_RESULTS]]
    results = replies.inline_results(matches, context.bot.username)
    button = None if results else InlineQueryResultsButton(replies.text("inline_empty"), start_parameter="inline")
    await query.answer(results, cache_time=60, is_personal=False, button=button)


# -- staff --------------------------------------------------------------------------------


def staff_only(handler: Handler) -> Handler:
    """Run HANDLER for admins in a private chat only; anyone else gets a polite refusal that reveals
    nothing, and in a group everyone gets a short note to ask in private (the answers hold other
    workers' questions)."""

    @functools.wraps(handler)
    async def guarded(update: Update, context: Context) -> None:
        chat, user = update.effective_chat, update.effective_user
        if chat is None or chat.type != ChatType.PRIVATE:
            await tell(update, context, "staff_private")
            return
        if user is None or user.id not in context.bot_data.cfg.admins:
            await tell(update, context, "staff_only")
            return
        await handler(update, context)

    return guarded


def _days(context: Context, default: int) -> int:
    try:
        return max(1, min(366, int(context.args[0]))) if context.args else default
    except ValueError:
        return default


async def _staff_report(update: Update, context: Context, default_days: int, fetch, render) -> None:
    """Read from storage over the last N days (the command's argument) and send what RENDER makes of it."""
    days = _days(context, default_days)
    try:
        out = render(await fetch(datetime.now(UTC) - timedelta(days=days)), days)
    except StorageError as exc:
        log.error("staff report unavailable: %s", exc)
        out = replies.text("storage_unavailable")
    await send(context, update.effective_chat, replies.Outgoing(out))


@staff_only
async def stats(update: Update, context: Context) -> None:
    """/stats [days]: questions, answer rate, top topics, feedback."""
    await _staff_report(update, context, 7, context.storage.stats, replies.stats_text)


@staff_only
async def unanswered(update: Update, context: Context) -> None:
    """/unanswered [days]: the most frequent recent questions that got no answer."""
    await _staff_report(update, context, 30, lambda since: context.storage.unanswered(since, limit=15),
                        replies.unanswered_text)


@staff_only
async def reload(update: Update, context: Context) -> None:
    """/reload: build the services again from the FAQ folder; on errors keep serving the last good ones."""
    data, conversation = context.bot_data, context.conversation
    current = len(conversation.services.entries)
    try:
        fresh = await asyncio.to_thread(data.services_factory, data.cfg, faq_path=data.cfg.faq_path)
    except FAQError as exc:
        log.warning("reload refused: %d problem(s) in the FAQ", len(exc.problems))
        out = replies.reload_failed_text(exc.problems, current)
    else:
        conversation.swap(fresh)
        out = replies.text("reload_ok", count=len(fresh.entries))
        log.info("FAQ reloaded: %d entries", len(fresh.entries))
    await send(context, update.effective_chat, replies.Outgoing(out))


# -- errors -------------------------------------------------------------------------------


def _describe(update: object) -> str:
    if not isinstance(update, Update):
        return repr(update)[:200]
    chat = update.effective_chat
    kind = next((k for k in ("message", "edited_message", "callback_query", "inline_query", "channel_post")
                 if getattr(update, k, None) is not None), "update")
    return f"{kind} #{update.update_id} in a {chat.type if chat else 'no'} chat"


async def error_handler(update: object, context: Context) -> None:
    """Log the error (masked), tell the worker something polite, never a traceback."""
    if isinstance(context.error, Forbidden):  # the worker blocked the bot or left the chat: nothing to fix
        log.info("not delivered to %s: %s", _describe(update), context.error)
        return
    # Formatted and masked here, not left to the log handlers: a traceback repeats the worker's text.
    trace = "".join(traceback.format_exception(context.error)) if context.error else ""
    log.error("error while handling %s: %s\n%s", _describe(update), mask(html.unescape(str(context.error))),
              mask(trace.rstrip()))
    if not isinstance(update, Update):
        return
    try:
        if update.callback_query is not None:
            await update.callback_query.answer(replies.text("error"))
        elif update.effective_message is not None and update.effective_chat is not None \
                and (update.effective_chat.type == ChatType.PRIVATE or is_group(update.effective_chat)):
            await send(context, update.effective_chat, replies.Outgoing(replies.text("error")))
    except Exception as exc:  # the apology failed too (Telegram down): logged, nothing more to do
        log.error("could not apologise: %s", exc)

