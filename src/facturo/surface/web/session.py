"""Browser sessions: an HttpOnly, SameSite=Lax cookie holding the session's refresh token, a CSRF
token bound to it, the language cookie and one-shot flash messages (docs/web.md)."""

from __future__ import annotations

import base64
import json
from typing import Any

from fastapi import Request, Response

from facturo.kit.auth_settings import get_auth_settings
from facturo.surface.web.cookies import SESSION_COOKIE, csrf_token, session_cookie_options

LANGUAGE_COOKIE = "facturo_lang"
FLASH_COOKIE = "facturo_flash"
LOGIN_CSRF_COOKIE = "facturo_login"
ONE_YEAR = 365 * 24 * 3600


def secure_cookies(request: Request) -> bool:
    return request.url.scheme == "https"


def session_value(request: Request) -> str | None:
    return request.cookies.get(SESSION_COOKIE)


def start_session(request: Request, response: Response, refresh_token: str) -> None:
    max_age = get_auth_settings().refresh_ttl_days * 24 * 3600
    response.set_cookie(
        value=refresh_token, **session_cookie_options(secure=secure_cookies(request), max_age_seconds=max_age)
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/")


def end_session(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/")


def page_csrf_token(request: Request) -> str:
    """The token every form of this browser carries: bound to the session, or before login to a
    random value of the login cookie, so a login form cannot be posted from another site."""
    seed = (
        session_value(request) or getattr(request.state, "login_seed", None) or request.cookies.get(LOGIN_CSRF_COOKIE)
    )
    return csrf_token(seed) if seed else ""


def set_language(response: Response, language: str) -> None:
    response.set_cookie(LANGUAGE_COOKIE, language, max_age=ONE_YEAR, path="/", samesite="lax", httponly=True)


def flash(response: Response, kind: str, message: str) -> None:
    """A message shown once, on the next page (after the redirect that follows a form post)."""
    payload = base64.urlsafe_b64encode(json.dumps({"kind": kind, "message": message}).encode()).decode()
    response.set_cookie(FLASH_COOKIE, payload, max_age=60, path="/", samesite="lax", httponly=True)


def take_flash(request: Request) -> dict[str, Any] | None:
    raw = request.cookies.get(FLASH_COOKIE)
    if not raw:
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(raw.encode()))
    except ValueError:
        return None
    if not isinstance(data, dict) or data.get("kind") not in {"success", "error", "info"}:
        return None
    return {"kind": data["kind"], "message": str(data.get("message", ""))[:500]}
