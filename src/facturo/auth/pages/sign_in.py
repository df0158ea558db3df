"""The frame's own pages: sign in and out, the language switch, the landing redirect, the account."""

from __future__ import annotations

import secrets
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from facturo.auth import service as auth
from facturo.kit import clock
from facturo.kit.errors import FacturoError, RejectedAndRecorded, TooManyAttempts
from facturo.surface.rest.addresses import client_address
from facturo.surface.web import i18n
from facturo.surface.web import session as web_session
from facturo.surface.web.i18n import gettext as _
from facturo.surface.web.navigation import home
from facturo.surface.web.routing import PageRoute, page_login, redirect, render

router = APIRouter(route_class=PageRoute, include_in_schema=False)


def safe_next(target: str | None, fallback: str = "/") -> str:
    """Only a path on this site: never an open redirect to somewhere else."""
    if not target:
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return fallback
    return target


@router.get("/")
def landing(request: Request) -> Response:
    principal = request.state.principal
    return redirect(home(principal) if principal is not None else "/login")


def _login_page(request: Request, next_path: str, login: str = "", error: str = "", status: int = 200) -> Response:
    existing = request.cookies.get(web_session.LOGIN_CSRF_COOKIE)
    seed = existing or secrets.token_urlsafe(24)
    fresh = existing is None
    if fresh:
        request.state.login_seed = seed
    response = render(request, "frame/login.html", {"next": next_path, "login": login, "error": error}, status)
    if fresh:
        response.set_cookie(
            web_session.LOGIN_CSRF_COOKIE,
            seed,
            httponly=True,
            samesite="lax",
            path="/",
            secure=web_session.secure_cookies(request),
        )
    return response


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str = "/") -> Response:
    if request.state.principal is not None:
        return redirect(safe_next(next, home(request.state.principal)))
    return _login_page(request, safe_next(next))


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request,
    login: Annotated[str, Form(max_length=254)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    session = request.state.session
    client = client_address(request)  # proxy headers only from FACTURO_TRUSTED_PROXIES
    try:
        signed_in = auth.sign_in(session, login, password, client, clock.now())
    except RejectedAndRecorded as exc:
        session.commit()  # the failed attempt must be counted, or brute force would be free
        return _login_page(request, safe_next(next), login, exc.message.in_language(i18n.current_language()), 401)
    except TooManyAttempts as exc:
        return _login_page(request, safe_next(next), login, exc.message.in_language(i18n.current_language()), 429)
    except FacturoError as exc:
        return _login_page(request, safe_next(next), login, exc.message.in_language(i18n.current_language()), 400)
    response = redirect(safe_next(next if next != "/" else None, home(signed_in.principal)))
    web_session.start_session(request, response, signed_in.tokens.refresh_token)
    return response


@router.post("/logout")
async def logout(request: Request) -> Response:
    cookie = web_session.session_value(request)
    if cookie:
        await run_in_threadpool(auth.logout, request.state.session, cookie, clock.now())
    response = redirect("/login", kind="info", message=_("You have signed out."))
    web_session.end_session(response)
    return response


@router.post("/language")
def switch_language(
    language: Annotated[str, Form(max_length=5)] = "es",
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    chosen = i18n.normalize(language)
    response = redirect(safe_next(next))
    web_session.set_language(response, chosen)
    return response


@router.get("/account", dependencies=[page_login()])
def account(request: Request) -> Response:
    return render(request, "frame/account.html")
