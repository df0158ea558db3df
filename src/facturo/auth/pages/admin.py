"""Administration pages: the overview, users and roles, API tokens.

A new token's secret is shown once: the creating post redirects to the token's page with the secret
in a short-lived cookie scoped to ``/admin/tokens``; that page shows it and deletes the cookie, so a
reload, the back button or another visit never shows it again. Only its hash is stored.
"""

from __future__ import annotations

import re
from datetime import date
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import HTMLResponse

from facturo.auth import screens
from facturo.auth import service as auth
from facturo.kit import clock
from facturo.kit.access import Permission, Role
from facturo.kit.errors import NotFound, PermissionDenied
from facturo.kit.schemas import MAX_ID
from facturo.surface.web import i18n
from facturo.surface.web import session as web_session
from facturo.surface.web.forms import RecordId, problem_status, problems
from facturo.surface.web.i18n import N_
from facturo.surface.web.i18n import gettext as _
from facturo.surface.web.routing import PageRoute, current, error_page, page_login, page_requires, redirect, render

if TYPE_CHECKING:
    from facturo.customers.models import Customer

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
    Role.ANALYST: N_("Analyst (reception aggregates only)"),
}
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
    Permission.RECEPTION_SUBMIT: N_("Send e-invoices to reception"),
    Permission.RECEPTION_READ: N_("See received documents"),
    Permission.RECEPTION_SUMMARY_READ: N_("See reception aggregates"),
}


def _customer_options(customers: list[Customer]) -> list[tuple[str, str]]:
    return [("", _("None"))] + [(str(c.id), f"{c.name} ({c.nit})") for c in customers]


def _customer_id(raw: str, errors: dict[str, str]) -> int | None:
    text = raw.strip()
    if not text:
        return None
    if not text.isdigit() or not 1 <= int(text) <= MAX_ID:
        errors["customer_id"] = _("Choose one of the options.")
        return None
    return int(text)


def _issuer_nits(raw: str) -> list[str] | None:
    """The NITs typed in the form (commas, spaces or lines between them) for the service to split
    and validate (it names a bad one); an empty field binds to none."""
    return [raw] if raw.strip() else None


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
    listed = screens.user_list(request.state.session)
    principal = current(request)
    return render(
        request,
        "admin/users.html",
        {
            "users": listed.users,
            "customers": listed.customer_names,
            "roles": {role.value: _(label) for role, label in ROLE_LABELS.items()},
            "me": principal.actor.id if principal.actor.kind == "user" else "",
        },
    )


def _user_form(
    request: Request, form: screens.UserForm, values: dict[str, str], errors: dict[str, str], status: int = 200
) -> Response:
    request.state.menu_key = "admin"
    context = {
        "values": values,
        "errors": errors,
        # Only the roles this person may grant (the service refuses the others anyway).
        "role_options": [(role.value, _(ROLE_LABELS[role])) for role in form.roles],
        "customer_options": _customer_options(form.customers),
    }
    return render(request, "admin/user_form.html", context, status)


@router.get("/admin/users/new", dependencies=[page_requires(Permission.USERS_ADMIN)])
def new_user(request: Request) -> Response:
    form = screens.user_form(request.state.session, current(request))
    values = {"email": "", "name": "", "role": Role.ACCOUNTANT.value, "customer_id": "", "issuer_nits": ""}
    return _user_form(request, form, values, {})


@router.post("/admin/users/new", dependencies=[page_requires(Permission.USERS_ADMIN)])
def create_user(
    request: Request,
    email: Text = "",
    name: Text = "",
    password: Text = "",
    role: Text = "",
    customer_id: Text = "",
    issuer_nits: Text = "",
) -> Response:
    # never the password
    values = {"email": email, "name": name, "role": role, "customer_id": customer_id, "issuer_nits": issuer_nits}
    errors: dict[str, str] = {}
    linked = _customer_id(customer_id, errors)
    new = None if errors else screens.NewUser(email, name, password, role, linked, _issuer_nits(issuer_nits))
    created = screens.create_user(request.state.session, current(request), new)
    if created.form is not None:
        refused = created.problem
        if refused is None:
            return _user_form(request, created.form, values, errors, 422)
        if isinstance(refused, PermissionDenied):  # a role beyond the manager's own permissions
            return _user_form(request, created.form, values, problems(refused, "role"), 403)
        field = "customer_id" if isinstance(refused, NotFound) else "email"
        return _user_form(request, created.form, values, problems(refused, field), problem_status(refused))
    user = created.user
    assert user is not None
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


def _token_form(
    request: Request, customers: list[Customer], values: dict[str, Any], errors: dict[str, str], status: int = 200
) -> Response:
    request.state.menu_key = "admin"
    principal = current(request)
    context = {
        "values": values,
        "errors": errors,
        "permissions": [(p.value, _(label)) for p, label in PERMISSION_LABELS.items() if principal.can(p)],
        "customer_options": _customer_options(customers),
    }
    return render(request, "admin/token_form.html", context, status)


@router.get("/admin/tokens/new", dependencies=[page_requires(Permission.TOKENS_ADMIN)])
def new_token(request: Request) -> Response:
    customers = screens.linkable_customers(request.state.session)
    values = {"name": "", "permissions": [], "expires_at": "", "customer_id": "", "issuer_nits": ""}
    return _token_form(request, customers, values, {})


def _last_day(raw: str, errors: dict[str, str]) -> date | None:
    """The last day a token works (yyyy-mm-dd or dd/mm/yyyy); the service makes it expire when that
    day ends in the organisation's time zone."""
    text = raw.strip()
    if not text:
        return None
    dmy = _DMY.match(text)
    day: date | None
    try:
        day = date(int(dmy[3]), int(dmy[2]), int(dmy[1])) if dmy else date.fromisoformat(text)
    except ValueError:
        day = None
    if day is None or day == date.max:  # the calendar's last day has no end for the token to expire at
        errors["expires_at"] = _("Enter a date such as 31/12/2025.")
        return None
    return day


@router.post("/admin/tokens/new", dependencies=[page_requires(Permission.TOKENS_ADMIN)])
def create_token(
    request: Request,
    name: Text = "",
    permissions: Annotated[list[str] | None, Form()] = None,
    expires_at: Text = "",
    customer_id: Text = "",
    issuer_nits: Text = "",
) -> Response:
    chosen = permissions or []
    values = {
        "name": name,
        "permissions": chosen,
        "expires_at": expires_at,
        "customer_id": customer_id,
        "issuer_nits": issuer_nits,
    }
    errors: dict[str, str] = {}
    last_day = _last_day(expires_at, errors)
    scope = _customer_id(customer_id, errors)
    new = None if errors else screens.NewToken(name, chosen, last_day, scope, _issuer_nits(issuer_nits))
    created = screens.create_token(request.state.session, current(request), new, clock.now())
    if created.customers is not None:
        refused = created.problem
        if refused is None:
            return _token_form(request, created.customers, values, errors, 422)
        if isinstance(refused, PermissionDenied):  # permissions beyond the creator's own
            return _token_form(request, created.customers, values, problems(refused, "permissions"), 403)
        field = "customer_id" if isinstance(refused, NotFound) else "name"
        return _token_form(request, created.customers, values, problems(refused, field), problem_status(refused))
    token, secret = created.token, created.secret
    assert token is not None
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
    screen = screens.token_screen(request.state.session, token_id)
    token = screen.token
    owner, _sep, secret = (request.cookies.get(CREATED_COOKIE) or "").partition(":")
    shown = secret if owner == str(token.id) else ""
    response: HTMLResponse = render(
        request,
        "admin/token.html",
        {
            "token": token,
            "secret": shown,
            "customer": screen.customer,
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
