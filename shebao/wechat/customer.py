"""Customer-service messages (客服消息) through the Official Account API at `wechat.api_base`.

For answers that were not ready within WeChat's 5 seconds, and for staff replies from the hand-off.
The access token is fetched with app_id/app_secret, cached until shortly before it expires and
fetched again when the API says it is no longer valid; network errors and 5xx are retried. WeChat
accepts these messages only within 48 hours of the worker's last message.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections import OrderedDict
from collections.abc import Callable

import httpx

log = logging.getLogger(__name__)

WINDOW = 48 * 3600  # seconds after the worker's last message in which WeChat takes customer-service messages
_TOKEN_INVALID = {40001, 40014, 42001}  # invalid, malformed or expired access token: fetch a new one
_REMEMBERED = 100_000  # workers whose last message time is kept (the oldest are forgotten)


class CustomerServiceError(Exception):
    """The API did not take the message (after the retries)."""


class CustomerService:
    def __init__(self, api_base: str, app_id: str, app_secret: str, *, retries: int = 3, backoff: float = 0.5,
                 clock: Callable[[], float] = time.time, timeout: float = 10.0):
        self.api_base = api_base.rstrip("/")
        self.app_id, self.app_secret = app_id, app_secret
        self.retries, self.backoff, self.clock = retries, backoff, clock
        self.client = httpx.AsyncClient(timeout=timeout)
        self._token: tuple[str, float] | None = None  # (token, time it stops being used)
        self._token_lock = asyncio.Lock()
        self._last_message: OrderedDict[str, float] = OrderedDict()

    async def aclose(self) -> None:
        await self.client.aclose()

    def heard_from(self, openid: str) -> None:
        """The worker OPENID just sent a message: the 48-hour window starts again."""
        self._last_message.pop(openid, None)
        self._last_message[openid] = self.clock()
        while len(self._last_message) > _REMEMBERED:
            self._last_message.popitem(last=False)

    def in_window(self, openid: str) -> bool:
        last = self._last_message.get(openid)
        return last is not None and self.clock() - last < WINDOW

    async def _request(self, method: str, path: str, **kwargs) -> dict:
        """The API's JSON answer, retrying network errors and 5xx with a growing pause."""
        for attempt in range(self.retries + 1):
            try:
                r = await self.client.request(method, self.api_base + path, **kwargs)
                if r.status_code < 500:
                    r.raise_for_status()
                    return r.json()
                problem = f"HTTP {r.status_code}"
            except (httpx.TransportError, ValueError) as exc:
                problem = type(exc).__name__
            except httpx.HTTPStatusError as exc:
                raise CustomerServiceError(f"{path}: HTTP {exc.response.status_code}") from None
            if attempt < self.retries:
                log.warning("wechat API %s: %s, retrying", path, problem)
                await asyncio.sleep(self.backoff * 2**attempt)
        raise CustomerServiceError(f"{path}: {problem} after {self.retries + 1} tries")

    async def token(self, *, fresh: bool = False) -> str:
        async with self._token_lock:
            if not fresh and self._token is not None and self.clock() < self._token[1]:
                return self._token[0]
            data = await self._request("GET", "/cgi-bin/token", params={
                "grant_type": "client_credential", "appid": self.app_id, "secret": self.app_secret})
            if "access_token" not in data:
                raise CustomerServiceError(f"/cgi-bin/token: errcode {data.get('errcode')}")
            expires = float(data.get("expires_in") or 7200)
            self._token = (data["access_token"], self.clock() + max(expires - 300, expires / 2))
            return self._token[0]

    async def send_text(self, openid: str, content: str) -> bool:
        """Send CONTENT to OPENID; False (logged) outside the 48-hour window; CustomerServiceError when
        the API keeps refusing."""
        if not self.in_window(openid):
            log.warning("wechat: not sending a customer-service message: the worker's 48 hours are over")
            return False
        body = {"touser": openid, "msgtype": "text", "text": {"content": content}}
        payload = json.dumps(body, ensure_ascii=False).encode("utf-8")  # WeChat shows \u escapes as they are
        fresh = False
        for _ in range(2):
            token = await self.token(fresh=fresh)
            data = await self._request("POST", "/cgi-bin/message/custom/send", params={"access_token": token},
                                       content=payload, headers={"Content-Type": "application/json"})
            code = int(data.get("errcode") or 0)
            if code == 0:
                return True
            if code not in _TOKEN_INVALID:
                raise CustomerServiceError(f"/cgi-bin/message/custom/send: errcode {code}")
            fresh = True
        raise CustomerServiceError("/cgi-bin/message/custom/send: the access token keeps being refused")
