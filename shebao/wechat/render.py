"""A conversation core Reply as one WeChat text message: numbered choices, within 2,048 bytes. Pure."""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any
from urllib.parse import quote

import yaml

MAX_BYTES = 2048  # WeChat's limit on a text message's Content, in UTF-8 bytes


@cache
def texts() -> dict[str, str]:
    return yaml.safe_load(resources.files("shebao.wechat").joinpath("texts.yaml").read_text(encoding="utf-8"))


def full_url(public_url: str | None, faq_id: str | None) -> str | None:
    """The web page showing FAQ entry FAQ_ID in full (`/?faq=<id>`); the chat page without an entry;
    None without a public URL."""
    if not public_url:
        return None
    base = public_url.rstrip("/") + "/"
    return f"{base}?faq={quote(faq_id)}" if faq_id and not faq_id.startswith("calc:") else base


def shorten(text: str, url: str | None, limit: int = MAX_BYTES) -> str:
    """TEXT when it fits LIMIT bytes; else cut at a character and ended with the link to URL."""
    if len(text.encode("utf-8")) <= limit:
        return text
    tail = "\n" + texts()["more"].format(url=url) if url else "……"
    room = limit - len(tail.encode("utf-8"))
    head = text.encode("utf-8")[:max(room, 0)].decode("utf-8", errors="ignore").rstrip()
    return head + tail


def message(reply: Any, public_url: str | None) -> str:
    """The Content of the passive (or customer-service) reply for REPLY: its text, the choices
    numbered ("回复 1 选择：…"), at most 2,048 bytes with a link to the full answer when cut."""
    lines = [texts()["choice"].format(n=n, label=label) for n, (label, _) in enumerate(reply.choices, 1)]
    choices = "\n".join(lines)
    url = full_url(public_url, reply.id)
    if not choices:
        return shorten(reply.text, url)
    room = MAX_BYTES - len(("\n\n" + choices).encode("utf-8"))
    return shorten(reply.text, url, room) + "\n\n" + choices
