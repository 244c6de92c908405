"""Wiring: build the Application, register the handlers in one visible order, run it."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import os
import sys
from collections.abc import AsyncIterator, Callable
from typing import Any
from urllib.parse import urlparse

from telegram import BotCommand, Update
from telegram.error import InvalidToken, TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    InlineQueryHandler,
    MessageHandler,
    filters,
)

from bot import handlers, handoff, replies
from bot.concurrency import PerChatUpdateProcessor
from bot.context import CONTEXT_TYPES, BotApplication
from bot.inbox import Inbox, InboxQueue, worker_name
from bot.limits import RetryingRateLimiter
from knowledge import FAQError
from shebao.config import Config
from shebao.conversation import Conversation
from shebao.privacy import install_log_masking
from shebao.services import Services, build_services
from shebao.store import Storage

log = logging.getLogger(__name__)

MAX_CONCURRENT_UPDATES = 256


class MissingToken(Exception):
    """The environment variable that should hold the bot token is empty."""

    def __init__(self, variable: str):
        self.variable = variable
        super().__init__(f"no bot token: set the environment variable {variable}")


def webhook_secret(token: str) -> str:
    """The secret Telegram sends with every webhook call: derived from the token, so never configured."""
    return hashlib.sha256(b"shebao-webhook:" + token.encode()).hexdigest()[:48]


def token_variable(cfg: Config) -> str:
    return cfg.setting("telegram", "token_env")


def build_application(cfg: Config, services_factory: Callable[..., Services] = build_services, *,
                      token: str | None = None) -> BotApplication:
    """The bot for CFG; the services, the database and the conversation core are built later, in post_init.
    SERVICES_FACTORY(cfg, faq_path=None) builds the services (again on /reload)."""
    token = token or os.environ.get(token_variable(cfg), "").strip()
    if not token:
        raise MissingToken(token_variable(cfg))
    base_url = str(cfg.setting("telegram", "base_url"))
    port = int(cfg.setting("telegram", "webhook_port")) if cfg.telegram.get("webhook_url") else None
    inbox = Inbox(worker_name(port))  # every update kept before Telegram is told it arrived (bot/inbox.py)
    app = (
        ApplicationBuilder()
        .token(token)
        .base_url(base_url)
        .base_file_url(base_url.replace("/bot", "/file/bot", 1) if base_url.endswith("/bot") else base_url)
        .context_types(CONTEXT_TYPES)
        .update_queue(InboxQueue(inbox))
        .concurrent_updates(PerChatUpdateProcessor(MAX_CONCURRENT_UPDATES, finished=inbox.done))
        .rate_limiter(RetryingRateLimiter(
            network_retries=int(cfg.setting("telegram", "network_retries")),
            backoff=float(cfg.setting("telegram", "retry_backoff")),
            deadline=float(cfg.setting("telegram", "retry_deadline")),  # 429s: wait retry_after until then
            overall_max_rate=float(cfg.setting("telegram", "max_messages_per_second")),  # Telegram's broadcast limit
            group_max_rate=float(cfg.setting("telegram", "max_group_messages_per_minute")),
        ))
        .connection_pool_size(MAX_CONCURRENT_UPDATES)
        .post_init(post_init)
        .post_shutdown(post_shutdown)
        .build()
    )
    services = app.bot_data
    services.cfg = cfg
    services.services_factory = services_factory
    services.inbox = inbox
    register_handlers(app)
    return app


def register_handlers(app: Application) -> None:
    """Every handler, in the order PTB tries them (first match in group 0 wins)."""
    only_new = filters.UpdateType.MESSAGE  # edited messages and channel posts are left alone
    private, groups = filters.ChatType.PRIVATE, filters.ChatType.GROUPS

    # Commands, for everyone
    app.add_handler(CommandHandler("start", handlers.start, filters=only_new))
    app.add_handler(CommandHandler("help", handlers.help_command, filters=only_new))
    app.add_handler(CommandHandler("ask", handlers.ask, filters=only_new))
    # Staff commands: the handlers refuse anyone not in `admins`
    app.add_handler(CommandHandler("stats", handlers.stats, filters=only_new))
    app.add_handler(CommandHandler("unanswered", handlers.unanswered, filters=only_new))
    app.add_handler(CommandHandler("reload", handlers.reload, filters=only_new))
    # Asking a person: /human for workers; /reply, /pending and replies to a #N message for staff
    app.add_handler(CommandHandler("human", handoff.human, filters=only_new))
    app.add_handler(CommandHandler("reply", handoff.reply_command, filters=only_new))
    app.add_handler(CommandHandler("pending", handoff.pending, filters=only_new))
    admins = filters.User(user_id=sorted(app.bot_data.cfg.admins)) if app.bot_data.cfg else filters.User(user_id=[])
    app.add_handler(MessageHandler(only_new & filters.TEXT & ~filters.COMMAND & filters.REPLY & admins,
                                   handoff.replied_to_handoff))
    # Private chats: every text is a question; unknown commands get the help; other media a hint
    app.add_handler(MessageHandler(private & only_new & filters.TEXT & ~filters.COMMAND, handlers.private_text))
    app.add_handler(MessageHandler(private & only_new & filters.COMMAND, handlers.help_command))
    app.add_handler(MessageHandler(private & only_new & ~filters.TEXT & ~filters.StatusUpdate.ALL,
                                   handlers.not_text))
    # Groups: only replies to the bot and mentions of it
    app.add_handler(MessageHandler(groups & only_new & filters.TEXT & ~filters.COMMAND, handlers.group_text))
    # A corrected message, when its first version got no answer
    app.add_handler(MessageHandler(filters.UpdateType.EDITED_MESSAGE & filters.TEXT & ~filters.COMMAND,
                                   handlers.edited_text))
    # Buttons
    app.add_handler(CallbackQueryHandler(handlers.feedback, pattern=r"^fb:[01]:\d+$"))
    app.add_handler(CallbackQueryHandler(handlers.suggestion, pattern=r"^dym:"))
    app.add_handler(CallbackQueryHandler(handlers.calc_choice, pattern=r"^calc:\d+:\d+$"))
    app.add_handler(CallbackQueryHandler(handoff.human_button, pattern=rf"^{handoff.HUMAN_DATA}$"))
    app.add_handler(CallbackQueryHandler(handlers.stale_button))
    # Inline mode and being added to a group
    app.add_handler(InlineQueryHandler(handlers.inline_query))
    app.add_handler(ChatMemberHandler(handlers.bot_added, ChatMemberHandler.MY_CHAT_MEMBER))

    app.add_error_handler(handlers.error_handler)


async def post_init(app: BotApplication) -> None:
    """Build the long-lived services (the FAQ index, the calculators), the database and the conversation core."""
    data = app.bot_data
    cfg = data.cfg
    built = await asyncio.to_thread(data.services_factory, cfg)
    data.storage = Storage.from_config(cfg)
    await data.storage.open()
    data.conversation = Conversation(built, data.storage)
    handoff.plug_in(app)  # hand-offs: tell staff here, deliver their replies to Telegram chats
    if data.inbox is not None:  # the updates owed since the last stop go first, before polling starts
        data.inbox.attach(data.storage, app.bot.id)
        await data.inbox.replay(app.update_queue, app.bot)
    data.username = app.bot.username
    commands = [BotCommand(name, replies.text(f"commands.{name}")) for name in ("start", "ask", "help", "human")]
    try:
        await app.bot.set_my_commands(commands)
    except TelegramError as exc:  # cosmetic: the bot works without its command menu
        log.warning("could not set the command menu: %s", exc)
    log.info("bot @%s ready: %d FAQ entries, storage %s", app.bot.username, len(built.entries),
             "on" if data.storage.available else "OFF")


async def post_shutdown(app: BotApplication) -> None:
    """Close what post_init opened: the queued writes first, then the store."""
    if app.bot_data.conversation is not None:
        await app.bot_data.conversation.close()
    if app.bot_data.inbox is not None:
        await app.bot_data.inbox.close()
    if app.bot_data.storage is not None:
        await app.bot_data.storage.close()


@contextlib.asynccontextmanager
async def running(app: BotApplication, poll_timeout: float = 1.0) -> AsyncIterator[BotApplication]:
    """Run APP with long polling inside an already running event loop (tests, benchmarks)."""
    await app.initialize()
    try:
        await post_init(app)
        await app.updater.start_polling(poll_interval=0.0, timeout=int(poll_timeout) or 1,
                                        allowed_updates=Update.ALL_TYPES)
        await app.start()
        try:
            yield app
        finally:
            await app.updater.stop()
            await app.stop()
    finally:
        await app.shutdown()
        await post_shutdown(app)


def webhook_options(cfg: Config, token: str) -> dict[str, Any]:
    """Where Telegram posts updates (telegram.webhook_url, webhook_listen, webhook_port), for both runners."""
    url = str(cfg.telegram["webhook_url"])
    return {"listen": str(cfg.setting("telegram", "webhook_listen")),
            "port": int(cfg.setting("telegram", "webhook_port")),
            "url_path": urlparse(url).path.lstrip("/"), "webhook_url": url,
            "secret_token": webhook_secret(token), "allowed_updates": Update.ALL_TYPES}


async def run_with_web(app: BotApplication, cfg: Config, token: str) -> None:
    """`shebao run` with web.enabled: the bot and the web chat in one event loop, over one conversation
    core (one FAQ index, one store; /reload swaps both). Runs until the web server is told to stop
    (Ctrl-C, SIGTERM), then stops the bot too."""
    from shebao.web.serve import server

    tg = cfg.telegram
    await app.initialize()
    try:
        await post_init(app)
        web = server(cfg, conversation=app.bot_data.conversation)
        if tg.get("webhook_url"):
            await app.updater.start_webhook(**webhook_options(cfg, token))
        else:
            await app.updater.start_polling(allowed_updates=Update.ALL_TYPES)
        await app.start()
        try:
            await web.serve()
        finally:
            await app.updater.stop()
            await app.stop()
    finally:
        await app.shutdown()
        await post_shutdown(app)


def _setup_logging(token: str) -> None:
    logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s", level=logging.INFO)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # its INFO lines carry the token in the URL
    install_log_masking([token])


def run(cfg: Config) -> int:
    """`shebao run`: long polling, or a webhook when telegram.webhook_url is set. 0 after a clean stop."""
    variable = token_variable(cfg)
    token = os.environ.get(variable, "").strip()
    if not token:
        print(f"shebao run: no bot token: set the environment variable {variable}", file=sys.stderr)
        return 2
    _setup_logging(token)
    app = build_application(cfg, token=token)
    tg = cfg.telegram
    try:
        if (cfg.raw.get("web") or {}).get("enabled"):
            asyncio.run(run_with_web(app, cfg, token))
        elif tg.get("webhook_url"):
            app.run_webhook(**webhook_options(cfg, token))
        else:
            app.run_polling(allowed_updates=Update.ALL_TYPES)
    except FAQError as exc:  # a broken FAQ at start: restarting will not mend it (the unit stops on exit 2)
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return 2
    except InvalidToken:
        print(f"shebao run: Telegram refused the token in {variable}", file=sys.stderr)
        return 2
    except TelegramError as exc:
        print(f"shebao run: cannot reach the Bot API at {tg.get('base_url')}: {exc}", file=sys.stderr)
        return 1
    log.info("stopped")
    return 0
