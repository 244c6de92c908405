"""Telegram's message limit, which every reply is kept within (the web and `shebao ask` show the same
text), and the one way a text is cut to it."""

from __future__ import annotations

TELEGRAM_LIMIT = 4096  # characters in one Telegram message (telegram.constants.MessageLimit.MAX_TEXT_LENGTH)


def fit(text: str, limit: int = TELEGRAM_LIMIT) -> str:
    """TEXT cut to LIMIT characters, ending in an ellipsis when cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"
