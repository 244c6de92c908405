"""Typed state: the services in bot_data, per-chat state, and the callback context."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from telegram.ext import Application, CallbackContext, ContextTypes, ExtBot

from shebao.store.records import ChatSettings

if TYPE_CHECKING:
    from bot.inbox import Inbox
    from shebao.config import Config
    from shebao.conversation import Conversation
    from shebao.services import Services
    from shebao.store import Storage


class BotData:
    """Long-lived services: configured in build_application, built in post_init, closed in post_shutdown."""

    def __init__(self) -> None:
        self.cfg: Config | None = None
        self.services_factory: Callable[..., Services] | None = None
        self.conversation: Conversation | None = None
        self.storage: Storage | None = None
        self.inbox: Inbox | None = None
        self.username: str = ""


@dataclass
class UserData:
    """What the bot keeps about a user in memory: nothing (the flood limit lives in the core)."""


@dataclass
class ChatData:
    """Per-chat state: the chat's settings, read from storage once."""

    settings: ChatSettings | None = None
    unanswered: list[int] = field(default_factory=list)  # recent messages that got no answer (an edit may)
    extra: dict[str, Any] = field(default_factory=dict)


class Context(CallbackContext[ExtBot, UserData, ChatData, BotData]):
    """CallbackContext with the services at hand."""

    @property
    def conversation(self) -> Conversation:
        assert self.bot_data.conversation is not None, "post_init builds the conversation core"
        return self.bot_data.conversation

    @property
    def services(self) -> Services:
        return self.conversation.services

    @property
    def answerer(self) -> Any:
        return self.conversation.services.answerer

    @property
    def storage(self) -> Storage:
        assert self.bot_data.storage is not None
        return self.bot_data.storage


CONTEXT_TYPES = ContextTypes(context=Context, bot_data=BotData, chat_data=ChatData, user_data=UserData)

BotApplication = Application[ExtBot, Context, UserData, ChatData, BotData, Any]
