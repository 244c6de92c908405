"""The web chat: routes of `shebao serve` (see shared/interfaces.md, "The web channel").

Handlers stay thin: read and check the request (shebao.web.http), make one call to the
conversation core, render its Reply as JSON (the API) or as the page (no JavaScript needed).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from importlib import resources
from typing import Any
from urllib.parse import parse_qs

from jinja2 import Environment, PackageLoader, select_autoescape
from limits import RateLimitItemPerMinute
from limits.storage import MemoryStorage
from limits.strategies import FixedWindowRateLimiter
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp

from shebao.config import Config
from shebao.conversation import Conversation
from shebao.services import build_services
from shebao.store import Storage
from shebao.web.http import (
    MAX_TEXT,
    AskBody,
    FeedbackBody,
    HTTPProblem,
    SecurityHeaders,
    error,
    http_error,
    parse,
    problem,
    read_body,
    security_headers,
    server_error,
    session_of,
)
from shebao.web.texts import text, texts
from shebao.wechat.endpoint import wechat_endpoint

log = logging.getLogger(__name__)

CHANNEL = "web"
ASSETS = {"app.js": "text/javascript; charset=utf-8", "app.css": "text/css; charset=utf-8"}
_JS_TEXTS = ("you", "bot", "staff", "useful", "useless", "feedback_thanks", "share", "copied", "thinking",
             "network_error")


@dataclass
class Web:
    """What the routes share: the core, the per-address limit, the page renderer and its assets."""

    conversation: Conversation
    address_limit: RateLimitItemPerMinute | None
    limiter: FixedWindowRateLimiter
    env: Environment
    assets: dict[str, tuple[bytes, str]]  # name -> (content, version)
    answering: asyncio.Semaphore  # turns in the core at once (see config: web.max_concurrent)

    def address_ok(self, request: Request) -> bool:
        if self.address_limit is None:
            return True
        address = request.client.host if request.client else "-"
        return self.limiter.hit(self.address_limit, "address", address)


def _web(request: Request) -> Web:
    return request.app.state.web


def _api_json(reply: Any, session: str) -> dict[str, Any]:
    data = reply.to_json()
    data.update(session=session, choices=[{"label": label, "value": value} for label, value in reply.choices],
                question_id=reply.question_id, source=reply.source, as_of=reply.as_of,
                asking=reply.calc_state is not None)  # a follow-up question: nothing to judge useful yet
    return data


# -- the API ------------------------------------------------------------------------------


async def api_ask(request: Request) -> Response:
    web = _web(request)
    if not web.address_ok(request):
        return error(429, text("slow_down"))
    body = parse(AskBody, await read_body(request))
    session = session_of(body.session)
    async with web.answering:
        reply = await web.conversation.handle(CHANNEL, session, session, body.text)
    if reply.limited:
        return error(429, reply.text)
    return JSONResponse(_api_json(reply, session), headers={"Cache-Control": "no-store"})


async def api_feedback(request: Request) -> Response:
    web = _web(request)
    if not web.address_ok(request):
        return error(429, text("slow_down"))
    body = parse(FeedbackBody, await read_body(request))
    ok = await web.conversation.feedback(body.question_id, body.useful, user=body.session)
    return JSONResponse({"ok": ok}, headers={"Cache-Control": "no-store"})


async def api_messages(request: Request) -> Response:
    """Staff replies to this session's hand-offs, each returned once; the page asks while it is open."""
    web = _web(request)
    if not web.address_ok(request):
        return error(429, text("slow_down"))
    session = request.query_params.get("session") or ""
    if not session:
        return error(400, text("errors.bad_session"))
    messages = await web.conversation.messages(CHANNEL, session_of(session))
    return JSONResponse({"messages": messages}, headers={"Cache-Control": "no-store"})


async def healthz(request: Request) -> Response:
    return JSONResponse({"ok": True, "faq_entries": len(_web(request).conversation.services.entries)},
                        headers={"Cache-Control": "no-store"})


# -- the page (works without JavaScript) --------------------------------------------------


def _page(web: Web, *, session: str = "", turn: Any = None, note: str | None = None,
          status: int = 200) -> HTMLResponse:
    page = web.env.get_template("index.html").render(
        t=texts(), session=session, turn=turn, note=note, versions={k: v[1] for k, v in web.assets.items()},
        js_texts={k: text(k) for k in _JS_TEXTS})
    return HTMLResponse(page, status_code=status, headers={"Cache-Control": "no-store"})


async def _form(request: Request) -> dict[str, str]:
    fields = parse_qs((await read_body(request)).decode("utf-8", errors="replace"), max_num_fields=20)
    return {k: v[0] for k, v in fields.items()}


def _form_session(value: str | None) -> str:
    try:
        return session_of(value)
    except HTTPProblem:  # a page from another server or a hand-made form: start afresh
        return session_of(None)


async def index(request: Request) -> Response:
    web = _web(request)
    faq_id = request.query_params.get("faq")
    if not faq_id:
        return _page(web)
    session = session_of(None)
    if not web.address_ok(request):
        return _page(web, session=session, note=text("slow_down"), status=429)
    async with web.answering:
        reply = await web.conversation.open_entry(CHANNEL, session, session, faq_id[:100])
    if reply is None:
        return _page(web, session=session, note=text("faq_missing"))
    return _turn_page(web, session, reply)


async def form_ask(request: Request) -> Response:
    web = _web(request)
    form = await _form(request)
    session = _form_session(form.get("session"))
    if not web.address_ok(request):
        return _page(web, session=session, note=text("slow_down"), status=429)
    question = form.get("text", "")[:MAX_TEXT]
    async with web.answering:
        reply = await web.conversation.handle(CHANNEL, session, session, question)
    return _turn_page(web, session, reply)


def _turn_page(web: Web, session: str, reply) -> Response:
    """The no-JavaScript page after one turn: the answer, or the flood note with 429."""
    if reply.limited:
        return _page(web, session=session, note=reply.text, status=429)
    return _page(web, session=session, turn=reply)


async def form_feedback(request: Request) -> Response:
    web = _web(request)
    form = await _form(request)
    session = _form_session(form.get("session"))
    qid = form.get("question_id", "")
    if web.address_ok(request) and qid.isdigit() and 0 < int(qid) < 2**63:
        await web.conversation.feedback(int(qid), form.get("useful") == "1", user=session)
    return _page(web, session=session, note=text("feedback_thanks"))


async def asset(request: Request) -> Response:
    name = request.url.path.lstrip("/")
    content, version = _web(request).assets[name]
    cache = "public, max-age=31536000, immutable" if request.query_params.get("v") == version else "no-cache"
    return Response(content, media_type=ASSETS[name], headers={"Cache-Control": cache, "ETag": f'"{version}"'})


# -- building the app ---------------------------------------------------------------------


def _assets() -> dict[str, tuple[bytes, str]]:
    folder = resources.files("shebao.web").joinpath("static")
    out = {}
    for name in ASSETS:
        content = folder.joinpath(name).read_bytes()
        out[name] = (content, hashlib.sha256(content).hexdigest()[:12])
    return out


def create_app(cfg: Config, services: Any = None, *, conversation: Conversation | None = None) -> ASGIApp:
    """The web app for CFG. It opens its own store and conversation core over SERVICES (built at
    startup when not given), unless given the CONVERSATION of a bot it runs beside."""
    web_cfg = cfg.raw.get("web") or {}
    wechat = wechat_endpoint(cfg)  # /wechat when wechat.token_env names a set variable

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        store = None
        core = conversation
        if core is None:
            built = services if services is not None else await asyncio.to_thread(build_services, cfg)
            store = Storage.from_config(cfg)
            await store.open()
            core = Conversation(built, store)
        per_minute = int(web_cfg.get("address_per_minute") or 0)
        app.state.web = Web(
            conversation=core,
            address_limit=RateLimitItemPerMinute(per_minute) if per_minute > 0 else None,
            limiter=FixedWindowRateLimiter(MemoryStorage()),
            env=Environment(loader=PackageLoader("shebao.web", "static"), autoescape=select_autoescape(["html"])),
            assets=_assets(), answering=asyncio.Semaphore(max(1, int(web_cfg.get("max_concurrent") or 4))))
        app.state.wechat = wechat
        if wechat is not None:  # staff replies to WeChat hand-offs go out as customer-service messages
            wechat.plug_in(core)
        log.info("web chat ready: %d FAQ entries, storage %s", len(core.services.entries),
                 "on" if core.store is not None and core.store.available else "OFF")
        try:
            yield
        finally:
            if store is not None:  # our own core: finish its queued writes before its store closes
                await core.close()
                await store.close()

    routes = [
        Route("/", index, methods=["GET"]),
        Route("/ask", form_ask, methods=["POST"]),
        Route("/feedback", form_feedback, methods=["POST"]),
        Route("/api/ask", api_ask, methods=["POST"]),
        Route("/api/feedback", api_feedback, methods=["POST"]),
        Route("/api/messages", api_messages, methods=["GET"]),
        Route("/healthz", healthz, methods=["GET"]),
        *(Route(f"/{name}", asset, methods=["GET"]) for name in ASSETS),
        *(wechat.routes() if wechat is not None else []),
    ]
    app = Starlette(
        routes=routes, lifespan=lifespan,
        middleware=[Middleware(GZipMiddleware, minimum_size=1024)],
        exception_handlers={HTTPProblem: problem, HTTPException: http_error, Exception: server_error},
    )
    return SecurityHeaders(app, security_headers(str(web_cfg.get("frame_ancestors") or "'none'")))
