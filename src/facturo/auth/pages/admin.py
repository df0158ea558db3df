"""Administration pages: the overview, users and roles, API tokens.

A new token's secret is shown once: the creating post redirects to the token's page with the secret
in a short-lived cookie scoped to ``/admin/tokens``; that page shows it and deletes the cookie, so a
reload, the back button or another visit never shows it again. Only its hash is stored.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import HTMLResponse

from facturo.auth import service as auth
from facturo.auth.grants import ensure_can_grant_role
from facturo.customers import service as customers
from facturo.kit import clock
from facturo.kit.access import Permission, Role
from facturo.kit.errors import FacturoError, NotFound, PermissionDenied
from facturo.kit.pagination import MAX_PAGE_SIZE, PageParams
from facturo.kit.schemas import MAX_ID
from facturo.organisation import service as organisation
from facturo.surface.web import i18n
from facturo.surface.web import session as web_session
from facturo.surface.web.forms import RecordId, problem_status, problems
from facturo.surface.web.i18n import N_
from facturo.surface.web.i18n import gettext as _
from facturo.surface.web.routing import PageRoute, current, error_page, page_login, page_requires, redirect, render

router = APIRouter(route_class=PageRoute, include_in_schema=False)

Text = Annotated[str, Form()]
ADMINISTRATION = (Permission.USERS_ADMIN, Permission.TOKENS_ADMIN, Permission.ORGANISATION_WRITE)
CREATED_COOKIE = "facturo_new_token"
CREATED_PATH = "/admin/tokens"
CREATED_SECONDS = 120
_DMY = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")

ROLE_LABELS = {
    Role.ADMIN: N_("Administrator"),
    Role.ACCOUNTANT: N_("Accountant"),
    Role.AUDITOR: N_("Auditor"),
    Role.CUSTOMER: N_("Customer (portal)"),
    Role.ISSUER: N_("External issuer"),
}
# The roles a person can be given here (the issuer role has no permissions yet).
GRANTABLE_ROLES = (Role.ADMIN, Role.ACCOUNTANT, Role.AUDITOR, Role.CUSTOMER)
PERMISSION_LABELS = {
    Permission.CUSTOMERS_READ: N_("See customers"),
    Permission.CUSTOMERS_WRITE: N_("Create and change customers"),
    Permission.CATALOG_READ: N_("See the catalog"),
    Permission.CATALOG_WRITE: N_("Create and change products"),
    Permission.INVOICES_READ: N_("See invoices"),
    Permission.INVOICES_WRITE: N_("Create and change draft invoices"),
    Permission.INVOICES_ISSUE: N_("Issue invoices"),
    Permission.INVOICES_VOID: N_("Void invoices"),
    Permission.PAYMENTS_WRITE: N_("Record payments"),
    Permission.USAGE_IMPORT: N_("Import cloud usage"),
    Permission.BILLING_RUN: N_("Run usage billing"),
    Permission.REPORTS_READ: N_("See reports"),
    Permission.HISTORY_READ: N_("See change history"),
    Permission.ORGANISATION_WRITE: N_("Change the organisation profile and series"),
    Permission.USERS_ADMIN: N_("Manage users"),
    Permission.TOKENS_ADMIN: N_("Manage API tokens"),
}


def _customer_options(session: Any) -> list[tuple[str, str]]:
    """Active customers for a select (the first 500 by name)."""
    found = customers.search_customers(session, PageParams(1, MAX_PAGE_SIZE), active=True)
    return [("", _("None"))] + [(str(c.id), f"{c.name} ({c.nit})") for c in found.items]


def _customer_id(raw: str, errors: dict[str, str]) -> int | None:
    text = raw.strip()
    if not text:
        return None
    if not text.isdigit() or not 1 <= int(text) <= MAX_ID:
        errors["customer_id"] = _("Choose one of the options.")
        return None
    return int(text)


# --- overview -------------------------------------------------------------------------------------


@router.get("/admin", dependencies=[page_login()])
def overview(request: Request) -> Response:
    request.state.menu_key = "admin"
    principal = current(request)
    if not any(principal.can(p) for p in ADMINISTRATION):
        return error_page(request, 403, _("Not allowed"), _("Your role does not allow this page or action."))
    return render(
        request,
        "admin/overview.html",
        {
            "can_users": principal.can(Permission.USERS_ADMIN),
            "can_tokens": principal.can(Permission.TOKENS_ADMIN),
            "can_organisation": principal.can(Permission.ORGANISATION_WRITE),
        },
    )


# --- users ----------------------------------------------------------------------------------------


@router.get("/admin/users", dependencies=[page_requires(Permission.USERS_ADMIN)])
def user_list(request: Request) -> Response:
    request.state.menu_key = "admin"
    session = request.state.session
    users = auth.list_users(session)
    linked = customers.by_ids(session, [u.customer_id for u in users if u.customer_id is not None])
    principal = current(request)
    return render(
        request,
        "admin/users.html",
        {
            "users": users,
            "customers": {cid: c.name for cid, c in linked.items()},
            "roles": {role.value: _(label) for role, label in ROLE_LABELS.items()},
            "me": principal.actor.id if principal.actor.kind == "user" else "",
        },
    )


def _may_grant(principal: auth.Principal, role: Role) -> bool:
    try:
        ensure_can_grant_role(principal, role)
    except PermissionDenied:
        return False
    return True


def _user_form(request: Request, values: dict[str, str], errors: dict[str, str], status: int = 200) -> Response:
    request.state.menu_key = "admin"
    context = {
        "values": values,
        "errors": errors,
        # Only the roles this person may grant (the service refuses the others anyway).
        "role_options": [
            (role.value, _(ROLE_LABELS[role])) for role in GRANTABLE_ROLES if _may_grant(current(request), role)
        ],
        "customer_options": _customer_options(request.state.session),
    }
    return render(request, "admin/user_form.html", context, status)


@router.get("/admin/users/new", dependencies=[page_requires(Permission.USERS_ADMIN)])
def new_user(request: Request) -> Response:
    return _user_form(request, {"email": "", "name": "", "role": Role.ACCOUNTANT.value, "customer_id": ""}, {})


@router.post("/admin/users/new", dependencies=[page_requires(Permission.USERS_ADMIN)])
def create_user(
    request: Request,
    email: Text = "",
    name: Text = "",
    password: Text = "",
    role: Text = "",
    customer_id: Text = "",
) -> Response:
    values = {"email": email, "name": name, "role": role, "customer_id": customer_id}  # never the password
    errors: dict[str, str] = {}
    linked = _customer_id(customer_id, errors)
    if errors:
        return _user_form(request, values, errors, 422)
    try:
        principal = current(request)
        user = auth.create_user(
            request.state.session, principal.actor, email, name, password, role, linked, granted_by=principal
        )
    except PermissionDenied as exc:  # a role beyond the manager's own permissions
        return _user_form(request, values, problems(exc, "role"), 403)
    except FacturoError as exc:
        field = "customer_id" if isinstance(exc, NotFound) else "email"
        return _user_form(request, values, problems(exc, field), problem_status(exc))
    return redirect("/admin/users", kind="success", message=_("User %(name)s created.") % {"name": user.name})


def _set_user_active(request: Request, user_id: int, active: bool) -> Response:
    principal = current(request)
    if not active and principal.actor.kind == "user" and principal.actor.id == str(user_id):
        return redirect("/admin/users", kind="error", message=_("You cannot deactivate your own account."))
    try:
        user = auth.set_active(request.state.session, principal.actor, user_id, active, granted_by=principal)
    except PermissionDenied as exc:
        return redirect("/admin/users", kind="error", message=exc.message.in_language(i18n.current_language()))
    message = _("User %(name)s activated.") if active else _("User %(name)s deactivated; their sessions have ended.")
    return redirect("/admin/users", kind="success", message=message % {"name": user.name})


@router.post("/admin/users/{user_id}/deactivate", dependencies=[page_requires(Permission.USERS_ADMIN)])
def deactivate_user(request: Request, user_id: RecordId) -> Response:
    return _set_user_active(request, user_id, False)


@router.post("/admin/users/{user_id}/activate", dependencies=[page_requires(Permission.USERS_ADMIN)])
def activate_user(request: Request, user_id: RecordId) -> Response:
    return _set_user_active(request, user_id, True)


# --- API tokens -----------------------------------------------------------------------------------


@router.get("/admin/tokens", dependencies=[page_requires(Permission.TOKENS_ADMIN)])
def token_list(request: Request) -> Response:
    request.state.menu_key = "admin"
    tokens = auth.list_api_tokens(request.state.session)
    return render(request, "admin/tokens.html", {"tokens": tokens, "now": clock.now()})


def _token_form(request: Request, values: dict[str, Any], errors: dict[str, str], status: int = 200) -> Response:
    request.state.menu_key = "admin"
    principal = current(request)
    context = {
        "values": values,
        "errors": errors,
        "permissions": [(p.value, _(label)) for p, label in PERMISSION_LABELS.items() if principal.can(p)],
        "customer_options": _customer_options(request.state.session),
    }
    return render(request, "admin/token_form.html", context, status)


@router.get("/admin/tokens/new", dependencies=[page_requires(Permission.TOKENS_ADMIN)])
def new_token(request: Request) -> Response:
    return _token_form(request, {"name": "", "permissions": [], "expires_at": "", "customer_id": ""}, {})


def _expiry(raw: str, timezone: str, errors: dict[str, str]) -> datetime | None:
    """The last day a token works (yyyy-mm-dd or dd/mm/yyyy): it expires when that day ends in the
    organisation's time zone."""
    text = raw.strip()
    if not text:
        return None
    dmy = _DMY.match(text)
    try:
        day = date(int(dmy[3]), int(dmy[2]), int(dmy[1])) if dmy else date.fromisoformat(text)
        return datetime.combine(day + timedelta(days=1), time(0), tzinfo=ZoneInfo(timezone))
    except (ValueError, OverflowError):
        errors["expires_at"] = _("Enter a date such as 31/12/2025.")
        return None


@router.post("/admin/tokens/new", dependencies=[page_requires(Permission.TOKENS_ADMIN)])
def create_token(
    request: Request,
    name: Text = "",
    permissions: Annotated[list[str] | None, Form()] = None,
    expires_at: Text = "",
    customer_id: Text = "",
) -> Response:
    session = request.state.session
    chosen = permissions or []
    values = {"name": name, "permissions": chosen, "expires_at": expires_at, "customer_id": customer_id}
    errors: dict[str, str] = {}
    timezone = organisation.business_timezone(session)
    expiry = _expiry(expires_at, timezone, errors)
    scope = _customer_id(customer_id, errors)
    if errors:
        return _token_form(request, values, errors, 422)
    principal = current(request)
    try:
        token, secret = auth.create_api_token(
            session, principal.actor, name, chosen, expiry, scope, granted_by=principal, now=clock.now()
        )
    except PermissionDenied as exc:  # permissions beyond the creator's own
        return _token_form(request, values, problems(exc, "permissions"), 403)
    except FacturoError as exc:
        field = "customer_id" if isinstance(exc, NotFound) else "name"
        return _token_form(request, values, problems(exc, field), problem_status(exc))
    response = redirect(
        f"/admin/tokens/{token.id}", kind="success", message=_("Token %(name)s created.") % {"name": token.name}
    )
    response.set_cookie(
        CREATED_COOKIE,
        f"{token.id}:{secret}",
        max_age=CREATED_SECONDS,
        path=CREATED_PATH,
        httponly=True,
        samesite="strict",
        secure=web_session.secure_cookies(request),
    )
    return response


@router.get("/admin/tokens/{token_id}", dependencies=[page_requires(Permission.TOKENS_ADMIN)])
def token_detail(request: Request, token_id: RecordId) -> Response:
    request.state.menu_key = "admin"
    session = request.state.session
    token = auth.get_api_token(session, token_id)
    owner, _sep, secret = (request.cookies.get(CREATED_COOKIE) or "").partition(":")
    shown = secret if owner == str(token.id) else ""
    linked = customers.by_ids(session, [token.customer_id] if token.customer_id is not None else [])
    response: HTMLResponse = render(
        request,
        "admin/token.html",
        {
            "token": token,
            "secret": shown,
            "customer": linked.get(token.customer_id) if token.customer_id is not None else None,
            "labels": {p.value: _(label) for p, label in PERMISSION_LABELS.items()},
            "now": clock.now(),
        },
    )
    if owner:
        response.delete_cookie(CREATED_COOKIE, path=CREATED_PATH, httponly=True, samesite="strict")
    response.headers["Cache-Control"] = "no-store"
    return response


@router.post("/admin/tokens/{token_id}/revoke", dependencies=[page_requires(Permission.TOKENS_ADMIN)])
def revoke_token(request: Request, token_id: RecordId) -> Response:
    token = auth.revoke_api_token(request.state.session, current(request).actor, token_id, clock.now())
    return redirect(
        "/admin/tokens", kind="success", message=_("Token %(name)s revoked; it no longer works.") % {"name": token.name}
    )
