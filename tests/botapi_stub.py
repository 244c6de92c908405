"""A Bot API stand-in on 127.0.0.1: enough of Telegram for the real Application to run against.

It serves queued updates through getUpdates (long polling with a short cap), answers
sendMessage, editMessageText, answerCallbackQuery, answerInlineQuery … like Telegram does,
records every call with the time it arrived, and can inject faults (429 with retry_after,
500, a dropped connection, a slow answer). It runs in a thread, so a test's event loop and
the bot inside it never wait for it.

    stub = BotApiStub().start()
    cfg.telegram["base_url"] = stub.base_url          # http://127.0.0.1:PORT/bot
    stub.push(stub.text_update(ALICE, "工伤保险可以单独买吗"))
    [call] = await stub.wait_for("sendMessage")
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import socket
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

TOKEN = "123456:TEST-token-for-the-stub"
BOT_USER = {
    "id": 7000000001, "is_bot": True, "first_name": "社保助手", "username": "shebao_test_bot",
    "can_join_groups": True, "can_read_all_group_messages": False, "supports_inline_queries": True,
}

# Fields whose values PTB sends as plain strings; everything else arrives JSON-encoded.
_STRING_FIELDS = {
    "text", "query", "callback_query_id", "inline_query_id", "url", "secret_token", "caption",
    "parse_mode", "next_offset", "inline_message_id", "description", "short_description", "name",
}


def user(uid: int, name: str = "工友", **extra: Any) -> dict[str, Any]:
    return {"id": uid, "is_bot": False, "first_name": name, "language_code": "zh-hans", **extra}


def private_chat(u: dict[str, Any]) -> dict[str, Any]:
    return {"id": u["id"], "type": "private", "first_name": u["first_name"]}


def group_chat(cid: int = -1001234567890, title: str = "工友互助群") -> dict[str, Any]:
    return {"id": cid, "type": "supergroup", "title": title}


def _utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def entities_for(text: str) -> list[dict[str, Any]]:
    """The entities Telegram would mark: a leading /command, @mentions."""
    found = []
    command = re.match(r"/[A-Za-z0-9_]+(@[A-Za-z0-9_]+)?", text)
    if command:
        found.append({"type": "bot_command", "offset": 0, "length": _utf16(command.group(0))})
    for mention in re.finditer(r"(?<![A-Za-z0-9_/])@[A-Za-z0-9_]{5,32}", text):
        found.append({"type": "mention", "offset": _utf16(text[: mention.start()]),
                      "length": _utf16(mention.group(0))})
    return found


@dataclass
class Call:
    """One request the bot made."""

    method: str
    params: dict[str, Any]
    at: float = field(default_factory=time.monotonic)
    answered_at: float | None = None  # when the answer was written back (None: dropped or not yet)

    @property
    def chat_id(self) -> int | None:
        cid = self.params.get("chat_id")
        return int(cid) if cid is not None else None

    @property
    def text(self) -> str:
        return str(self.params.get("text", ""))

    @property
    def buttons(self) -> list[dict[str, Any]]:
        markup = self.params.get("reply_markup") or {}
        return [b for row in markup.get("inline_keyboard", []) for b in row]


@dataclass
class Fault:
    kind: str  # "429" | "500" | "drop" | "slow"
    retry_after: int = 1
    seconds: float = 0.0


class BotApiStub:
    """The stand-in server. Thread-safe; start() and stop() it around a test."""

    def __init__(self, max_poll: float = 0.2, token: str = TOKEN):
        self.token = token
        self.max_poll = max_poll
        self._cond = threading.Condition()
        self._pending: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1)
        self.calls: list[Call] = []
        self.served_at: dict[int, float] = {}
        self.messages: dict[tuple[int, int], dict[str, Any]] = {}  # (chat id, message id) -> message
        self.chats: dict[int, dict[str, Any]] = {}
        self._faults: dict[str, deque[Fault]] = defaultdict(deque)
        self._holds: dict[str, int] = {}  # method -> calls still answered before the rest are held
        self._released = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ------------------------------------------------------------------------

    def start(self) -> BotApiStub:
        stub = self

        class Handler(_Handler):
            pass

        Handler.stub = stub
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), name="botapi-stub",
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._released.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> BotApiStub:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._server is not None
        return self._server.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    # -- faults ---------------------------------------------------------------------------

    def fail(self, method: str, kind: str, times: int = 1, retry_after: int = 1, seconds: float = 0.0) -> None:
        """Make the next TIMES calls of METHOD fail: "429", "500", "403" (the user blocked the bot), "stale"
        (answerCallbackQuery of a press too old),
        "drop" (close the connection) or "slow"."""
        with self._cond:
            for _ in range(times):
                self._faults[method].append(Fault(kind, retry_after, seconds))

    def hold(self, method: str, after: int = 0) -> None:
        """Answer AFTER more calls of METHOD, then hold every further one unanswered (Telegram never got
        it) until release(), which drops their connections: the bot can be killed with calls in flight."""
        with self._cond:
            self._holds[method] = after
            self._released.clear()

    def release(self) -> None:
        with self._cond:
            self._holds.clear()
        self._released.set()

    @property
    def unconfirmed(self) -> int:
        """Updates Telegram still keeps: not yet confirmed by a getUpdates with a higher offset."""
        with self._cond:
            return len(self._pending)

    # -- updates --------------------------------------------------------------------------

    def push(self, *updates: dict[str, Any]) -> list[int]:
        """Queue updates for getUpdates; their update ids."""
        ids = []
        with self._cond:
            for body in updates:
                update = {"update_id": next(self._update_ids), **body}
                for key in ("message", "edited_message", "channel_post"):
                    if key in update:
                        self.chats.setdefault(update[key]["chat"]["id"], update[key]["chat"])
                self._pending.append(update)
                ids.append(update["update_id"])
            self._cond.notify_all()
        return ids

    def _message(self, sender: dict[str, Any] | None, chat: dict[str, Any], **fields: Any) -> dict[str, Any]:
        message = {"message_id": next(self._message_ids), "date": int(time.time()), "chat": chat, **fields}
        if sender is not None:
            message["from"] = sender
        return message

    def text_update(self, sender: dict[str, Any], text: str, chat: dict[str, Any] | None = None,
                    reply_to: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
        chat = chat or private_chat(sender)
        message = self._message(sender, chat, text=text, **extra)
        if entities := entities_for(text):
            message["entities"] = entities
        if reply_to is not None:
            message["reply_to_message"] = reply_to
        return {"message": message}

    def media_update(self, sender: dict[str, Any], kind: str, chat: dict[str, Any] | None = None,
                     **extra: Any) -> dict[str, Any]:
        """A sticker, photo, voice message, location or contact (EXTRA: caption, media_group_id …)."""
        chat = chat or private_chat(sender)
        media = {
            "sticker": {"file_id": "CAAC", "file_unique_id": "s1", "type": "regular", "width": 512,
                        "height": 512, "is_animated": False, "is_video": False},
            "photo": [{"file_id": "AgAC", "file_unique_id": "p1", "width": 90, "height": 90}],
            "voice": {"file_id": "AwAC", "file_unique_id": "v1", "duration": 3},
            "location": {"latitude": 36.6, "longitude": 101.8},
            "contact": {"phone_number": "+8613812345678", "first_name": "某某"},
        }[kind]
        return {"message": self._message(sender, chat, **{kind: media}, **extra)}

    def edited_update(self, sender: dict[str, Any], text: str, chat: dict[str, Any] | None = None) -> dict[str, Any]:
        chat = chat or private_chat(sender)
        return {"edited_message": self._message(sender, chat, text=text, edit_date=int(time.time()))}

    def channel_post_update(self, text: str, cid: int = -1009876543210) -> dict[str, Any]:
        chat = {"id": cid, "type": "channel", "title": "社保通知"}
        return {"channel_post": self._message(None, chat, text=text)}

    def callback_update(self, sender: dict[str, Any], message: dict[str, Any], data: str) -> dict[str, Any]:
        return {"callback_query": {"id": f"cb{next(self._message_ids)}", "from": sender, "message": message,
                                   "chat_instance": "ci-1", "data": data}}

    def inline_update(self, sender: dict[str, Any], query: str) -> dict[str, Any]:
        return {"inline_query": {"id": f"iq{next(self._message_ids)}", "from": sender, "query": query,
                                 "offset": "", "chat_type": "sender"}}

    def added_to_group_update(self, sender: dict[str, Any], chat: dict[str, Any],
                              status: str = "member") -> dict[str, Any]:
        now = int(time.time())
        return {"my_chat_member": {
            "chat": chat, "from": sender, "date": now,
            "old_chat_member": {"status": "left", "user": BOT_USER},
            "new_chat_member": {"status": status, "user": BOT_USER, **({
                "can_be_edited": False, "is_anonymous": False, "can_manage_chat": True, "can_delete_messages": True,
                "can_manage_video_chats": True, "can_restrict_members": True, "can_promote_members": False,
                "can_change_info": True, "can_invite_users": True, "can_post_stories": False,
                "can_edit_stories": False, "can_delete_stories": False} if status == "administrator" else {})},
        }}

    # -- reading what the bot did ---------------------------------------------------------

    def calls_of(self, method: str, chat_id: int | None = None) -> list[Call]:
        with self._cond:
            return [c for c in self.calls if c.method == method and (chat_id is None or c.chat_id == chat_id)]

    def sent(self, chat_id: int | None = None) -> list[Call]:
        return self.calls_of("sendMessage", chat_id)

    def sent_message(self, call: Call) -> dict[str, Any]:
        """The message object Telegram returned for a sendMessage CALL."""
        return self.messages[(call.chat_id, call.params["_message_id"])]

    async def wait_for(self, method: str, count: int = 1, chat_id: int | None = None,
                       timeout: float = 10.0) -> list[Call]:
        """Wait (without blocking the loop) until METHOD was called COUNT times; those calls."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.calls_of(method, chat_id)
            if len(found) >= count:
                return found
            if time.monotonic() > deadline:
                raise AssertionError(f"{method} called {len(found)} times, expected {count}; "
                                     f"calls: {[c.method for c in self.calls]}")
            await asyncio.sleep(0.01)

    async def settle(self, quiet: float = 0.3, timeout: float = 10.0) -> None:
        """Wait until every update was served and the bot made no call for QUIET seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._cond:
                last = max((c.at for c in self.calls if c.method != "getUpdates"), default=0.0)
                pending = bool(self._pending)
            if not pending and time.monotonic() - last >= quiet:
                return
            await asyncio.sleep(0.02)

    # -- the Bot API ----------------------------------------------------------------------

    def handle(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]] | None:
        """The (HTTP status, JSON body) for one call; None drops the connection."""
        return self._answer(Call(method, params))

    def _answer(self, call: Call) -> tuple[int, dict[str, Any]] | None:
        method = call.method
        with self._cond:
            self.calls.append(call)
            fault = self._faults[method].popleft() if self._faults.get(method) else None
            held = method in self._holds and self._holds[method] <= 0
            if method in self._holds and not held:
                self._holds[method] -= 1
        if held:
            self._released.wait()
            return None
        if fault is not None:
            if fault.kind == "429":
                return 429, {"ok": False, "error_code": 429, "description": "Too Many Requests: retry after "
                             f"{fault.retry_after}", "parameters": {"retry_after": fault.retry_after}}
            if fault.kind == "403":
                return 403, {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked by the user"}
            if fault.kind == "stale":
                return 400, {"ok": False, "error_code": 400, "description": "Bad Request: query is too old and "
                             "response timeout expired or query ID is invalid"}
            if fault.kind == "500":
                return 500, {"ok": False, "error_code": 500, "description": "Internal Server Error"}
            if fault.kind == "drop":
                return None
            if fault.kind == "slow":
                time.sleep(fault.seconds)
        answer = getattr(self, f"_api_{method}", None)
        if answer is None:
            return 404, {"ok": False, "error_code": 404, "description": "Not Found: method not found"}
        try:
            return 200, {"ok": True, "result": answer(call)}
        except _BadRequest as exc:
            return 400, {"ok": False, "error_code": 400, "description": f"Bad Request: {exc}"}

    def _api_getMe(self, call: Call) -> Any:
        return BOT_USER

    def _api_getUpdates(self, call: Call) -> Any:
        # As Telegram does: asking with an offset confirms every update below it, which is then gone for
        # good; a negative offset keeps only the last -offset updates. Unconfirmed ones come again.
        offset = int(call.params.get("offset") or 0)
        limit = int(call.params.get("limit") or 100)
        wait = min(float(call.params.get("timeout") or 0), self.max_poll)
        deadline = time.monotonic() + wait
        with self._cond:
            if offset < 0:
                self._pending = self._pending[offset:]
            self._pending = [u for u in self._pending if u["update_id"] >= offset]
            while not self._pending and time.monotonic() < deadline:
                self._cond.wait(deadline - time.monotonic())
            batch = self._pending[:limit]
            now = time.monotonic()
            for update in batch:
                self.served_at.setdefault(update["update_id"], now)
        return batch

    def _api_sendMessage(self, call: Call) -> Any:
        text = call.text
        if not text.strip():
            raise _BadRequest("message text is empty")
        if len(text) > 4096:
            raise _BadRequest("message is too long")
        chat_id = call.chat_id
        chat = self.chats.get(chat_id) or {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup",
                                           "first_name": "工友"}
        message = self._message(BOT_USER, chat, text=text)
        if call.params.get("reply_markup"):
            message["reply_markup"] = call.params["reply_markup"]
        with self._cond:
            call.params["_message_id"] = message["message_id"]
            self.messages[(chat_id, message["message_id"])] = message
        return message

    def _edit(self, call: Call, **changes: Any) -> Any:
        if call.params.get("inline_message_id"):
            return True
        key = (call.chat_id, int(call.params.get("message_id") or 0))
        with self._cond:
            message = self.messages.get(key)
            if message is None:
                raise _BadRequest("message to edit not found")
            message.update(changes)
            if "reply_markup" in changes and changes["reply_markup"] is None:
                message.pop("reply_markup", None)
            return dict(message)

    def _api_editMessageText(self, call: Call) -> Any:
        return self._edit(call, text=call.text, reply_markup=call.params.get("reply_markup"))

    def _api_editMessageReplyMarkup(self, call: Call) -> Any:
        return self._edit(call, reply_markup=call.params.get("reply_markup"))

    def _api_answerCallbackQuery(self, call: Call) -> Any:
        return True

    def _api_answerInlineQuery(self, call: Call) -> Any:
        if len(call.params.get("results") or []) > 50:
            raise _BadRequest("too many inline query results")
        return True

    def _api_deleteWebhook(self, call: Call) -> Any:
        if call.params.get("drop_pending_updates"):
            with self._cond:
                self._pending.clear()
        return True

    def _api_setWebhook(self, call: Call) -> Any:
        return self._api_deleteWebhook(call)

    def _api_getWebhookInfo(self, call: Call) -> Any:
        return {"url": "", "has_custom_certificate": False, "pending_update_count": len(self._pending)}

    def _api_setMyCommands(self, call: Call) -> Any:
        return True

    def _api_deleteMyCommands(self, call: Call) -> Any:
        return True

    def _api_getMyCommands(self, call: Call) -> Any:
        return []

    def _api_close(self, call: Call) -> Any:
        return True


class _BadRequest(Exception):
    pass


def _decode(params: dict[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in params.items():
        if key in _STRING_FIELDS:
            out[key] = value
            continue
        try:
            out[key] = json.loads(value)
        except ValueError:
            out[key] = value
    return out


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    stub: BotApiStub

    def setup(self) -> None:
        super().setup()
        # Headers and body go out as separate writes: without this, Nagle's algorithm and the
        # client's delayed ACK add ~40 ms to every call.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def _serve(self) -> None:
        parts = urlsplit(self.path)
        match = re.fullmatch(r"/bot([^/]+)/(\w+)", parts.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if match is None or match.group(1) != self.stub.token:
            self._reply(404 if match is None else 401, {"ok": False, "error_code": 401,
                                                       "description": "Unauthorized"})
            return
        raw: dict[str, str] = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        ctype = self.headers.get("Content-Type", "")
        if body and ctype.startswith("application/json"):
            params = json.loads(body)
        else:
            raw.update({k: v[-1] for k, v in parse_qs(body.decode("utf-8"), keep_blank_values=True).items()})
            params = _decode(raw)
        call = Call(match.group(2), params)
        result = self.stub._answer(call)
        if result is None:  # a dropped connection: no answer at all
            self.close_connection = True
            return
        if self._reply(*result):
            call.answered_at = time.monotonic()

    def _reply(self, status: int, payload: dict[str, Any]) -> bool:
        data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        try:
            self.wfile.write(data)
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):  # the bot gave up on a long poll while stopping
            self.close_connection = True
            return False
        return True

    do_GET = do_POST = _serve
