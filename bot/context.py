"""Typed state: the services in bot_data, per-user and per-chat state, and the callback context."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from telegram.ext import Application, CallbackContext, ContextTypes, ExtBot

from bot.limits import Bucket, UserLimiter
from shebao.store.records import ChatSettings

if TYPE_CHECKING:
    from shebao.config import Config
    from shebao.store import Storage


class BotData:
    """Long-lived services: configured in build_application, built in post_init, closed in post_shutdown."""

    def __init__(self) -> None:
        self.cfg: Config | None = None
        self.answerer_factory: Callable[..., Any] | None = None
        self.answerer: Any = None
        self.storage: Storage | None = None
        self.limiter: UserLimiter = UserLimiter(burst=5, per_minute=20)
        self.username: str = ""


@dataclass
class UserData:
    """What the bot keeps about a user in memory (nothing personal)."""

    bucket: Bucket | None = None


@dataclass
class ChatData:
    """Per-chat state: the chat's settings, read from storage once."""

    settings: ChatSettings | None = None
    extra: dict[str, Any] = field(default_factory=dict)


class Context(CallbackContext[ExtBot, UserData, ChatData, BotData]):
    """CallbackContext with the services at hand."""

    @property
    def services(self) -> BotData:
        return self.bot_data

    @property
    def answerer(self) -> Any:
        return self.bot_data.answerer

    @property
    def storage(self) -> Storage:
        assert self.bot_data.storage is not None
        return self.bot_data.storage


CONTEXT_TYPES = ContextTypes(context=Context, bot_data=BotData, chat_data=ChatData, user_data=UserData)

BotApplication = Application[ExtBot, Context, UserData, ChatData, BotData, Any]
