"""Security headers on every response: API, pages, static files, errors (docs/web.md, "Security headers").

- ``Content-Security-Policy``: only our own scripts, styles, images and fetches; no inline script or
  style at all (the templates keep theirs in ``web/static/``), no plugins, no ``<base>``, forms post
  only here, and no framing (``frame-ancestors 'none'``).
- ``X-Frame-Options: DENY`` for browsers that predate ``frame-ancestors``.
- ``X-Content-Type-Options: nosniff``, ``Referrer-Policy: same-origin``.
- ``Cache-Control: no-store`` on everything but ``/static/``: pages and API answers are per user, and
  a shared or back-button cache must not keep them. A response that already says ``no-store`` keeps
  its own wording; static files keep their validators (ETag, Last-Modified) and may be cached.

The Swagger UI at ``/docs`` starts itself with one inline script, which FastAPI writes. That page gets
the same policy plus the sha256 of that exact script (computed from the page as it is served), so no
other inline script runs there either.

The middleware wraps the whole application, outside Starlette's error middleware, so that the 500
page and the answers of every other middleware carry the headers too.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Callable

from starlette.applications import Starlette
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

DIRECTIVES: tuple[str, ...] = (
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "form-action 'self'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
)
POLICY = "; ".join(DIRECTIVES)
DOCS_PATH = "/docs"
STATIC_PREFIX = "/static/"

_INLINE_SCRIPT = re.compile(rb"<script>(.*?)</script>", re.DOTALL)


def policy_with_scripts(sources: list[bytes]) -> str:
    """The policy, with ``script-src`` also allowing these exact inline scripts (CSP3 hashes)."""
    hashes = " ".join(f"'sha256-{base64.b64encode(hashlib.sha256(s).digest()).decode()}'" for s in sources)
    return POLICY.replace("script-src 'self'", f"script-src 'self' {hashes}" if hashes else "script-src 'self'")


def _apply(message: Message, path: str, policy: str) -> None:
    message["headers"] = list(message.get("headers", []))
    headers = MutableHeaders(scope=message)
    headers["Content-Security-Policy"] = policy
    headers["X-Frame-Options"] = "DENY"
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Referrer-Policy"] = "same-origin"
    if not path.startswith(STATIC_PREFIX) and "no-store" not in headers.get("cache-control", ""):
        headers["Cache-Control"] = "no-store"


class SecurityHeaders:
    """Pure ASGI middleware: adds the headers to the response start, never touches the body
    (except on ``/docs``, which it reads to hash its inline script)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        if path == DOCS_PATH:
            await self._docs(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                _apply(message, path, POLICY)
            await send(message)

        await self.app(scope, receive, send_with_headers)

    async def _docs(self, scope: Scope, receive: Receive, send: Send) -> None:
        start: Message | None = None
        body: list[bytes] = []

        async def hold(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
                return
            if message["type"] == "http.response.body" and start is not None:
                body.append(message.get("body", b""))
                if message.get("more_body", False):
                    return
                content = b"".join(body)
                _apply(start, scope["path"], policy_with_scripts(_INLINE_SCRIPT.findall(content)))
                await send(start)
                await send({"type": "http.response.body", "body": content})
                return
            await send(message)

        await self.app(scope, receive, hold)


def install(app: Starlette) -> None:
    """Put :class:`SecurityHeaders` around the application's whole middleware stack."""
    build: Callable[[], ASGIApp] = app.build_middleware_stack

    def build_with_headers() -> ASGIApp:
        return SecurityHeaders(build())

    app.build_middleware_stack = build_with_headers  # type: ignore[method-assign]
