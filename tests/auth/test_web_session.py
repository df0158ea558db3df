"""Cookie and CSRF building blocks for the web pages."""

from __future__ import annotations

from fastapi import FastAPI, Response
from fastapi.testclient import TestClient

from facturo.surface.web.cookies import SESSION_COOKIE, csrf_token, csrf_valid, session_cookie_options


def test_session_cookie_is_httponly_and_samesite() -> None:
    app = FastAPI()

    @app.get("/login")
    def login() -> Response:
        response = Response("ok")
        response.set_cookie(value="token-value", **session_cookie_options(secure=True, max_age_seconds=900))
        return response

    header = TestClient(app).get("/login").headers["set-cookie"]
    assert header.startswith(f"{SESSION_COOKIE}=token-value")
    for attribute in ("HttpOnly", "SameSite=lax", "Secure", "Path=/", "Max-Age=900"):
        assert attribute in header, attribute


def test_csrf_token_belongs_to_its_session_only() -> None:
    mine, theirs = "session-a", "session-b"
    token = csrf_token(mine)
    assert csrf_valid(mine, token)
    assert not csrf_valid(theirs, token)
    assert not csrf_valid(mine, token[:-1] + ("A" if token[-1] != "A" else "B"))
    assert not csrf_valid(mine, None)
    assert not csrf_valid(None, token)
    assert csrf_token(mine) == token  # stable within a session: no server-side storage needed
    assert csrf_token(mine) != csrf_token(theirs)
