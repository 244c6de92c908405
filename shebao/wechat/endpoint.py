"""`/wechat`: the Official Account's server check and its signed messages, answered by the core.

Handlers stay thin: check the signature (and in 安全模式 decrypt) with wechatpy, parse the XML with
wechatpy, make one call to the conversation core, render the Reply (shebao.wechat.render) and build
the passive reply with wechatpy. An answer not ready within PASSIVE_TIMEOUT is sent later as a
customer-service message (shebao.wechat.customer) and the passive reply is `success`.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import logging
import os
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any
from xml.parsers.expat import ExpatError

from starlette.requests import ClientDisconnect, Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from wechatpy import create_reply, parse_message
from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidAppIdException, InvalidSignatureException
from wechatpy.utils import check_signature

from shebao.config import Config, ConfigError
from shebao.conversation import picked_number
from shebao.wechat.customer import CustomerService, CustomerServiceError
from shebao.wechat.render import message, shorten, texts

log = logging.getLogger(__name__)

CHANNEL = "wechat"
PASSIVE_TIMEOUT = 4.0  # seconds: WeChat waits 5 for the passive reply, then retries
MAX_BODY = 64 * 1024  # a WeChat message is a few hundred bytes; anything this big is not one
REMEMBERED = 10_000  # MsgIds (and each worker's last choices) kept for retries and numbered replies
SUCCESS = "success"  # what WeChat expects when there is nothing to say


class BadMessage(Exception):
    """The POST is not a WeChat message we can read: 400."""


@dataclass
class _Turn:
    """One message (by MsgId): the passive reply, once decided, for WeChat's retries of it."""

    decided: asyncio.Event = field(default_factory=asyncio.Event)
    passive: str = SUCCESS  # the plain reply XML, or `success`


def _key(msg: Any) -> str:
    """What identifies a message across WeChat's retries: its MsgId; an event's sender, time and kind."""
    msg_id = getattr(msg, "id", None)
    if msg_id:
        return f"id:{int(msg_id)}"
    return f"{msg.source}:{int(msg.create_time.timestamp())}:{msg.type}:{getattr(msg, 'event', '')}"


def _lru_put(cache: OrderedDict, key: Any, value: Any) -> None:
    cache.pop(key, None)
    cache[key] = value
    while len(cache) > REMEMBERED:
        cache.popitem(last=False)


class WeChat:
    """What the `/wechat` handler keeps between messages."""

    def __init__(self, token: str, crypto: WeChatCrypto | None, customer: CustomerService | None,
                 public_url: str | None):
        self.token, self.crypto, self.customer, self.public_url = token, crypto, customer, public_url
        self.seen: OrderedDict[str, _Turn] = OrderedDict()
        self.choices: OrderedDict[str, list[tuple[str, str]]] = OrderedDict()
        self.late: set[asyncio.Task] = set()  # answers on their way as customer-service messages

    def routes(self) -> list[Route]:
        return [Route("/wechat", self.endpoint, methods=["GET", "POST"])]

    # -- the HTTP side ----------------------------------------------------------------------

    async def endpoint(self, request: Request) -> Response:
        q = request.query_params
        try:
            check_signature(self.token, q.get("signature", ""), q.get("timestamp", ""), q.get("nonce", ""))
        except InvalidSignatureException:
            log.warning("wechat: wrong signature on a %s from %s", request.method,
                        request.client.host if request.client else "-")  # never the body
            return PlainTextResponse("forbidden", status_code=403)
        if request.method == "GET":  # the server check under 服务器配置
            return PlainTextResponse(q.get("echostr", ""))
        try:
            xml = await self._plain_xml(request)
            msg = parse_message(xml)
            if msg is None or not msg.source or not msg.target:
                raise BadMessage("no FromUserName or ToUserName")
            key = _key(msg)  # reads MsgId or CreateTime: a malformed one is a bad message too
        except InvalidSignatureException:
            log.warning("wechat: wrong msg_signature from %s", request.client.host if request.client else "-")
            return PlainTextResponse("forbidden", status_code=403)
        except (BadMessage, ExpatError, KeyError, IndexError, TypeError, ValueError, AttributeError,
                InvalidAppIdException, UnicodeDecodeError, binascii.Error) as exc:
            log.warning("wechat: unreadable message (%s)", type(exc).__name__)
            return PlainTextResponse("bad request", status_code=400)
        passive = await self._passive(request, msg, key)
        return self._respond(passive, q.get("nonce", ""))

    async def _plain_xml(self, request: Request) -> str:
        body = bytearray()
        try:
            async for chunk in request.stream():
                body += chunk
                if len(body) > MAX_BODY:
                    raise BadMessage("too big")
        except ClientDisconnect:
            raise BadMessage("disconnected") from None
        text = bytes(body).decode("utf-8")
        if self.crypto is None:
            return text
        q = request.query_params
        if q.get("encrypt_type") != "aes":
            raise BadMessage("安全模式 expects encrypt_type=aes")
        try:
            return self.crypto.decrypt_message(text, q.get("msg_signature", ""), q.get("timestamp", ""),
                                               q.get("nonce", ""))
        except InvalidSignatureException:
            raise
        except (ExpatError, KeyError, IndexError, TypeError, ValueError, binascii.Error,
                InvalidAppIdException) as exc:  # signed, but not what the EncodingAESKey sealed
            raise BadMessage(f"cannot decrypt ({type(exc).__name__})") from None

    def _respond(self, passive: str, nonce: str) -> Response:
        if passive == SUCCESS:
            return PlainTextResponse(SUCCESS)
        if self.crypto is not None:
            passive = self.crypto.encrypt_message(passive, nonce, str(int(time.time())))
        return Response(passive, media_type="application/xml")

    # -- one message, answered once ---------------------------------------------------------

    async def _passive(self, request: Request, msg: Any, key: str) -> str:
        turn = self.seen.get(key)
        if turn is not None:  # WeChat's retry of a message already being answered
            try:
                await asyncio.wait_for(turn.decided.wait(), PASSIVE_TIMEOUT)
            except TimeoutError:
                return SUCCESS
            return turn.passive
        turn = _Turn()
        _lru_put(self.seen, key, turn)
        try:
            turn.passive = await self._answer_message(request, msg)
        finally:
            turn.decided.set()
        return turn.passive

    async def _answer_message(self, request: Request, msg: Any) -> str:
        if self.customer is not None:
            self.customer.heard_from(msg.source)
        if msg.type == "event":
            if msg.event in ("subscribe", "subscribe_scan"):
                return create_reply(texts()["greeting"], msg).render()
            return SUCCESS  # unsubscribe, menu clicks and the like
        if msg.type != "text":  # images, voice, video, locations, links: a short note
            return create_reply(texts()["other_type"], msg).render()
        origin = f"{CHANNEL}:{int(msg.id)}" if getattr(msg, "id", None) else None  # its MsgId
        task = asyncio.create_task(self._answer_text(request, msg.source, msg.content or "", origin))
        try:
            content = await asyncio.wait_for(asyncio.shield(task), PASSIVE_TIMEOUT)
        except TimeoutError:
            late = asyncio.create_task(self._send_late(task, msg.source))
            self.late.add(late)
            late.add_done_callback(self.late.discard)
            return SUCCESS
        return SUCCESS if content is None else create_reply(content, msg).render()

    async def _answer_text(self, request: Request, openid: str, text: str, origin: str | None) -> str | None:
        """The text for TEXT from OPENID; None when the flood note was already given. ORIGIN (the MsgId)
        stores a retry that reached another process, or this one after a restart, as the same question."""
        web = request.app.state.web
        number = picked_number(text)
        offered = self.choices.get(openid) or []
        if number is not None and number <= len(offered):
            text = offered[number - 1][1]  # "1" picks the first numbered choice
        core = web.conversation
        async with web.answering:
            try:
                reply = await core.handle(CHANNEL, openid, openid, text, origin=origin)
            except Exception:  # the channel's boundary: logged masked, the worker gets the help
                reply = core.apology(text)
        if reply.limited and reply.quiet:
            return None
        if not reply.limited:
            _lru_put(self.choices, openid, list(reply.choices))
        return message(reply, self.public_url)

    # -- staff replies from the hand-off ---------------------------------------------------

    def plug_in(self, core: Any) -> None:
        """Deliver the core's staff replies to WeChat workers as customer-service messages (in a running loop)."""
        core.handoffs.deliver_with(CHANNEL, self.deliver_staff_reply)

    async def deliver_staff_reply(self, openid: str, content: str) -> bool:
        """Send a staff reply to OPENID; False (it waits in the store) without customer-service
        messages, outside WeChat's 48 hours, or when the API refuses."""
        if self.customer is None:
            log.warning("wechat: a staff reply waits: customer-service messages are off (no wechat.app_id or secret)")
            return False
        if not self.customer.in_window(openid):
            return False  # sent when the worker writes again
        try:
            return await self.customer.send_text(openid, shorten(content, None))
        except CustomerServiceError as exc:
            log.error("wechat: a staff reply could not be sent yet: %s", exc)
            return False

    async def _send_late(self, task: asyncio.Task, openid: str) -> None:
        content = await task
        if content is None:
            return
        if self.customer is None:
            log.warning("wechat: an answer came after %.0f s and wechat.app_id is not set: it is lost",
                        PASSIVE_TIMEOUT)
            return
        try:
            await self.customer.send_text(openid, content)
        except CustomerServiceError as exc:
            log.error("wechat: the late answer could not be sent: %s", exc)


def _secret(cfg: Config, key: str) -> str | None:
    name = cfg.setting("wechat", key)
    return os.environ.get(str(name)) or None if name else None


def wechat_routes(cfg: Config) -> list[Route]:
    """`/wechat` when the variable named by wechat.token_env is set, else nothing; ConfigError for a
    bad EncodingAESKey or 安全模式 without wechat.app_id."""
    wechat = wechat_endpoint(cfg)
    return [] if wechat is None else wechat.routes()


def wechat_endpoint(cfg: Config) -> WeChat | None:
    """The `/wechat` handler when the variable named by wechat.token_env is set, else None (see wechat_routes)."""
    token = _secret(cfg, "token_env")
    if not token:
        return None
    where = f"{cfg.source or 'config'}: wechat"
    app_id = cfg.setting("wechat", "app_id")
    aes_key = _secret(cfg, "aes_key_env")
    crypto = None
    if aes_key:
        try:
            valid = len(aes_key) == 43 and len(base64.b64decode(aes_key + "=", validate=True)) == 32
        except binascii.Error:
            valid = False
        if not valid:
            raise ConfigError(f"{where}.aes_key_env: the EncodingAESKey must be the console's 43 letters and digits")
        if not app_id:
            raise ConfigError(f"{where}.app_id: 安全模式 (aes_key_env) needs the account's AppID")
        crypto = WeChatCrypto(token, aes_key, str(app_id))
    secret = _secret(cfg, "app_secret_env")
    customer = None
    if app_id and secret:
        customer = CustomerService(str(cfg.setting("wechat", "api_base")), str(app_id), secret)
    public_url = cfg.setting("web", "public_url")
    if not public_url:
        log.warning("wechat: web.public_url is not set: answers cut to 2,048 bytes cannot link to the full answer")
    log.info("wechat: /wechat on, %s, customer-service messages %s", "安全模式" if crypto else "plain mode",
             "on" if customer else "off (no wechat.app_id or secret)")
    return WeChat(token, crypto, customer, public_url)
