"""Request size limits, enforced while the body arrives, before anything reads or parses it.

A pure ASGI middleware (docs/api.md, "Request size limits"):

* a request whose ``Content-Length`` is over its route's limit is refused at once with 413; the
  application never runs and not one byte of the body is read;
* a body without a length (chunked) is counted as it streams in: the chunk that would cross the
  limit is never handed on, the caller gets the 413 and the application sees a disconnected client;
* the limit depends on the route: the small one (``FACTURO_MAX_BODY_BYTES``, 1 MB) for every JSON
  route, the sign-in and the forms of the pages; the large one (``FACTURO_MAX_UPLOAD_BYTES``, 200 MB)
  only where files are uploaded (``UPLOAD_ROUTES``).

The answer is the API's error shape (code ``payload_too_large``, Spanish by default, English with
``Accept-Language: en``) or, for a browser asking for a page, the site's error page.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi.responses import HTMLResponse, JSONResponse
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from facturo.kit.config import Settings
from facturo.kit.errors import Msg
from facturo.surface.rest.errors import HtmlError, language, wants_html

log = logging.getLogger("facturo.api")

MB = 1024 * 1024
CODE = "payload_too_large"
RULE = "body.too_large"
# Where files are uploaded: the IPC2 message import (API and usage page) and e-invoice reception (API and portal).
UPLOAD_ROUTES = frozenset(
    {
        ("POST", "/api/v1/usage/messages"),
        ("POST", "/usage/messages"),
        ("POST", "/api/v1/reception/documents"),
        ("POST", "/reception/upload"),
    }
)


def size_text(limit: int, lang: str) -> str:
    """The limit as a person reads it: "1 MB", "200 MB", "1,5 MB", or "64 KB" under a megabyte
    (MB = 1024 × 1024 bytes, KB = 1024 bytes, as the 200 MB cap of the importer counts them)."""
    amount, unit = (limit / MB, "MB") if limit >= MB else (limit / 1024, "KB")
    value = f"{amount:.2f}".rstrip("0").rstrip(".")
    return f"{value.replace('.', ',') if lang == 'es' else value} {unit}"


def too_large(limit: int, lang: str) -> str:
    return Msg(
        f"La solicitud es demasiado grande: el máximo es {size_text(limit, 'es')}.",
        f"The request is too large: the maximum is {size_text(limit, 'en')}.",
    ).in_language(lang)


def _declared_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _nothing() -> Message:
    return {"type": "http.disconnect"}


class BodyLimit:
    def __init__(self, app: ASGIApp, settings: Settings, html_error: HtmlError | None = None) -> None:
        self.app = app
        self.max_body = settings.max_body_bytes
        self.max_upload = settings.max_upload_bytes
        self.html_error = html_error

    def limit_for(self, scope: Scope) -> int:
        path, root = scope.get("path", ""), scope.get("root_path", "")
        if root and path.startswith(root):  # served under a prefix: routes are matched without it
            path = path[len(root) :]
        is_upload = (scope.get("method", ""), path) in UPLOAD_ROUTES
        return self.max_upload if is_upload else self.max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope)
        declared = _declared_length(scope)
        if declared is not None and declared > limit:
            await self._refuse(scope, send, limit, declared)
            return

        received = 0
        refused = answered = started = False

        async def limited_receive() -> Message:
            nonlocal received, refused, answered
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    refused = True
                    if not started:  # (a response already under way is left to finish)
                        answered = True
                        await self._refuse(scope, send, limit, None)
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if answered:
                return  # the 413 has answered; whatever the application says now goes nowhere
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, guarded_send)
        except Exception:
            # The application saw a disconnected client (ClientDisconnect and the like); the caller
            # already has its 413.
            if not refused:
                raise

    async def _refuse(self, scope: Scope, send: Send, limit: int, declared: int | None) -> None:
        request = Request(scope)
        log.info(
            "refused %s %s: %s over the limit of %s bytes",
            scope.get("method"),
            scope.get("path"),
            f"a body of {declared} bytes" if declared is not None else "a streamed body went",
            limit,
        )
        response = self._response(request, limit)
        # The rest of the body is never read, so the connection cannot carry another request.
        response.headers["connection"] = "close"
        await response(scope, _nothing, send)

    def _response(self, request: Request, limit: int) -> Response:
        if self.html_error is not None and wants_html(request):
            try:
                return self.html_error(request, 413, Msg(too_large(limit, "es"), too_large(limit, "en")))
            except Exception:  # the page frame failed: a short page still tells the person why
                log.exception("could not render the 413 page")
                return HTMLResponse(f"<!doctype html><title>413</title><p>{too_large(limit, 'es')}</p>", 413)
        message = too_large(limit, language(request))
        body: dict[str, Any] = {
            "error": {
                "code": CODE,
                "message": message,
                "details": [{"field": "body", "rule": RULE, "message": message}],
            }
        }
        return JSONResponse(body, status_code=413)
