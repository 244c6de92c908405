"""The HTTP edge of the web channel: bounded bodies, strict request shapes, JSON errors, headers."""

from __future__ import annotations

import logging
import re
import secrets
import traceback

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shebao.privacy import mask
from shebao.web.texts import text

log = logging.getLogger(__name__)

MAX_BODY = 64 * 1024
MAX_TEXT = 4000  # characters of one question; the matcher reads 400 of them
SESSION = re.compile(r"[A-Za-z0-9_-]{16,64}")


class HTTPProblem(Exception):
    """A request the API refuses: STATUS and a message for the caller."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


class AskBody(BaseModel):
    """`POST /api/ask`."""

    model_config = ConfigDict(extra="forbid", strict=True)
    text: str = Field(max_length=MAX_TEXT)
    session: str | None = None


class FeedbackBody(BaseModel):
    """`POST /api/feedback`."""

    model_config = ConfigDict(extra="forbid", strict=True)
    question_id: int = Field(gt=0, lt=2**63)
    useful: bool
    session: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_-]{16,64}$")  # one vote per session


_ERRORS = {
    "missing": "errors.missing", "string_type": "errors.not_string", "int_type": "errors.not_integer",
    "greater_than": "errors.not_integer", "less_than": "errors.not_integer", "bool_type": "errors.not_boolean",
    "extra_forbidden": "errors.unknown_field", "string_too_long": "errors.too_long",
    "string_pattern_mismatch": "errors.bad_session",
}


def parse(model: type[BaseModel], body: bytes) -> BaseModel:
    """BODY as MODEL, or HTTPProblem 400 naming the first field that is wrong."""
    try:
        return model.model_validate_json(body)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        key = _ERRORS.get(first["type"])
        if key is None or not first["loc"]:
            raise HTTPProblem(400, text("errors.not_json")) from None
        field = ".".join(str(p) for p in first["loc"])
        raise HTTPProblem(400, text(key, field=field, limit=MAX_TEXT)) from None


def session_of(value: str | None) -> str:
    """The caller's session, or a new random one when it has none; HTTPProblem 400 when malformed."""
    if value is None or value == "":
        return secrets.token_urlsafe(18)
    if not SESSION.fullmatch(value):
        raise HTTPProblem(400, text("errors.bad_session"))
    return value


async def read_body(request: Request, limit: int = MAX_BODY) -> bytes:
    """The request body, refused with 413 as soon as it passes LIMIT (checked while reading)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise HTTPProblem(413, text("errors.too_large"))
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise HTTPProblem(413, text("errors.too_large"))
        chunks.append(chunk)
    return b"".join(chunks)


def error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status, headers={"Cache-Control": "no-store"})


async def problem(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPProblem)
    return error(exc.status, exc.message)


async def http_error(request: Request, exc: Exception) -> JSONResponse:
    """Starlette's own 404 / 405 as JSON in Chinese."""
    status = getattr(exc, "status_code", 400)
    key = {404: "errors.not_found", 405: "errors.method"}.get(status, "errors.not_json")
    return error(status, text(key))


async def server_error(request: Request, exc: Exception) -> JSONResponse:
    """The last boundary: log the bug (masked: a trace may repeat the worker's text), tell the caller
    something polite, never the trace or a path."""
    trace = "".join(traceback.format_exception(exc)).rstrip()
    log.error("web: %s %s failed\n%s", request.method, request.url.path, mask(trace))
    return error(500, text("errors.server"))


def security_headers(frame_ancestors: str = "'none'") -> list[tuple[bytes, bytes]]:
    csp = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
           f"connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors {frame_ancestors}")
    headers = [
        (b"content-security-policy", csp.encode()),
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"no-referrer"),
        (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
    ]
    if frame_ancestors == "'none'":  # browsers without CSP level 2 still refuse to frame the page
        headers.append((b"x-frame-options", b"DENY"))
    return headers


class SecurityHeaders:
    """Adds the security headers to every HTTP response, errors included (outermost layer)."""

    def __init__(self, app: ASGIApp, headers: list[tuple[bytes, bytes]]):
        self.app = app
        self.headers = headers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", ()), *self.headers]
            await send(message)

        await self.app(scope, receive, send_with_headers)
