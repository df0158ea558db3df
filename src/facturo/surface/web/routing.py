"""The route class of every web page. Like the API's, it owns the unit of work (commit when the page
answers below 400, roll back otherwise) and caps concurrent units at the pool size. On top of that:

* the caller comes from the session cookie; a page without one redirects to the login page;
* each page declares what it needs with ``page_requires(permission)`` (or ``page_login()``), and
  the route refuses anyone else with a 403 page, whatever the menu showed;
* every form post must carry the session's CSRF token and, when the browser says where it comes
  from, come from this very site;
* the language comes from the language cookie (Spanish by default);
* domain errors become a page with the message in the user's language, never a traceback.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Any
from urllib.parse import quote, urlsplit

from fastapi import Depends, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool

from facturo.kit import clock
from facturo.kit.access import Permission, Principal, authenticator_of
from facturo.kit.db import Database, uses_own_units
from facturo.kit.errors import FacturoError, Msg, NotConfigured
from facturo.surface.web import i18n
from facturo.surface.web import session as web_session
from facturo.surface.web.cookies import CSRF_FIELD, CSRF_HEADER, csrf_valid
from facturo.surface.web.i18n import gettext as _
from facturo.surface.web.navigation import menu
from facturo.surface.web.templating import render_template

log = logging.getLogger("facturo.web")
READ_METHODS = frozenset({"GET", "HEAD"})


class PageRequires:
    """A page's declared need: a permission, or just being signed in (``permission=None``)."""

    def __init__(self, permission: Permission | None) -> None:
        self.permission = permission

    async def __call__(self, request: Request) -> Principal:
        principal: Principal = request.state.principal
        return principal


def page_requires(permission: Permission) -> Any:
    return Depends(PageRequires(permission))


def page_login() -> Any:
    return Depends(PageRequires(None))


def current(request: Request) -> Principal:
    principal: Principal = request.state.principal
    return principal


def render(request: Request, template: str, context: dict[str, Any] | None = None, status: int = 200) -> HTMLResponse:
    """A page with the frame's context: user, menu, language, CSRF token, flash message."""
    principal: Principal | None = getattr(request.state, "principal", None)
    data = {
        "principal": principal,
        "menu": menu(principal),
        "lang": i18n.current_language(),
        "languages": i18n.LANGUAGE_NAMES,
        "csrf_field": CSRF_FIELD,
        "csrf_token": web_session.page_csrf_token(request),
        "flash": web_session.take_flash(request),
        "path": request.url.path,
        "full_path": request.url.path + (f"?{request.url.query}" if request.url.query else ""),
        "active": getattr(request.state, "menu_key", ""),
    }
    data.update(context or {})
    response = HTMLResponse(render_template(template, data), status_code=status)
    if data["flash"] is not None:
        response.delete_cookie(web_session.FLASH_COOKIE, path="/")
    return response


def redirect(url: str, *, kind: str | None = None, message: str | None = None) -> RedirectResponse:
    """303 after a successful post (so reloading never posts twice), with an optional flash."""
    response = RedirectResponse(url, status_code=303)
    if kind and message:
        web_session.flash(response, kind, message)
    return response


def error_page(request: Request, status: int, title: str, message: str) -> HTMLResponse:
    return render(request, "error.html", {"title": title, "message": message, "status": status}, status)


def _requirement(route: APIRoute) -> PageRequires | None:
    for dependency in route.dependencies:
        if isinstance(dependency.dependency, PageRequires):
            return dependency.dependency
    return None


def _same_origin(request: Request) -> bool:
    origin = request.headers.get("origin") or request.headers.get("referer")
    if not origin or origin == "null":
        return origin != "null"
    return urlsplit(origin).netloc == request.url.netloc


class PageRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()
        requirement = _requirement(self)
        own_units = uses_own_units(self.endpoint)  # a bulk import: see kit.db.own_units

        async def handler(request: Request) -> Response:
            token = i18n.use_language(request.cookies.get(web_session.LANGUAGE_COOKIE) or i18n.DEFAULT_LANGUAGE)
            try:
                async with request.app.state.unit_of_work_slots:
                    return await run(request)
            finally:
                i18n.reset_language(token)

        async def run(request: Request) -> Response:
            database: Database = request.app.state.database
            write = request.method not in READ_METHODS and not own_units
            session = database.session(write=write)
            request.state.session = session
            try:
                refused = await _admit(request, session, write or own_units)
                if refused is not None:
                    return refused
                if own_units:
                    await run_in_threadpool(session.close)
                try:
                    response = await handle(request)
                except RequestValidationError:
                    # Pages validate their own inputs and answer inline; this is a hand-made request.
                    await run_in_threadpool(session.rollback)
                    return error_page(request, 400, _("Invalid request"), _("The request carries invalid values."))
                except NotConfigured as exc:
                    # A fresh installation: whoever may set the profile up is taken there.
                    await run_in_threadpool(session.rollback)
                    lang = i18n.current_language()
                    principal = request.state.principal
                    if write or principal is None or not principal.can(Permission.ORGANISATION_WRITE):
                        return error_page(request, 409, _("Something went wrong"), exc.message.in_language(lang))
                    return redirect("/admin/organisation", kind="info", message=exc.message.in_language(lang))
                except FacturoError as exc:
                    await run_in_threadpool(session.rollback)
                    lang = i18n.current_language()
                    return error_page(
                        request, exc.http_status, _("Something went wrong"), exc.message.in_language(lang)
                    )
                if write and response.status_code < 400:
                    await run_in_threadpool(session.commit)
                return response
            finally:
                await run_in_threadpool(session.close)

        async def _admit(request: Request, session: Any, write: bool) -> Response | None:
            cookie = web_session.session_value(request)
            principal = None
            if cookie:
                try:
                    principal = await run_in_threadpool(
                        authenticator_of(request.app.state).resolve_session, session, cookie, clock.now()
                    )
                except FacturoError:
                    principal = None
            request.state.principal = principal
            if requirement is not None:
                if principal is None:
                    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
                    response = redirect(f"/login?next={quote(target if not write else '/', safe='/')}")
                    if cookie:
                        web_session.end_session(response)
                        web_session.flash(response, "info", _("Your session has ended; please sign in again."))
                    return response
                request.state.actor = principal.actor
                if requirement.permission is not None and not principal.can(requirement.permission):
                    return error_page(
                        request,
                        403,
                        _("Not allowed"),
                        _("Your role does not allow this page or action."),
                    )
            if write:
                form = await request.form() if _is_form(request) else None
                presented = (form.get(CSRF_FIELD) if form is not None else None) or request.headers.get(CSRF_HEADER)
                seed = cookie or request.cookies.get(web_session.LOGIN_CSRF_COOKIE)
                if not _same_origin(request) or not csrf_valid(seed, str(presented) if presented else None):
                    return error_page(
                        request,
                        403,
                        _("The form has expired"),
                        _("This form is no longer valid (it is old or comes from another site). Reload the page."),
                    )
            return None

        return handler


def _is_form(request: Request) -> bool:
    content_type = request.headers.get("content-type", "")
    return content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data"))


def browser_error(request: Request, status: int, message: Msg) -> Response:
    """Errors outside any page (an unknown path, an unexpected failure) for a browser: a page in
    the visitor's language instead of the API's JSON."""
    token = i18n.use_language(request.cookies.get(web_session.LANGUAGE_COOKIE) or i18n.DEFAULT_LANGUAGE)
    try:
        titles = {404: _("Page not found"), 405: _("Not allowed")}
        title = titles.get(status, _("Something went wrong"))
        return error_page(request, status, title, message.in_language(i18n.current_language()))
    finally:
        i18n.reset_language(token)
