"""Customer pages: list and search, create and edit with inline errors, (de)activate, history."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request, Response
from pydantic import ValidationError

from facturo.customers import screens, service
from facturo.customers.schemas import CustomerIn, CustomerPatch
from facturo.kit.access import Permission
from facturo.kit.errors import FacturoError
from facturo.kit.pagination import MAX_CURSOR_LENGTH, KeysetParams
from facturo.surface.web.forms import (
    MAX_QUERY,
    PAGE_SIZE,
    RecordId,
    history_entries,
    page_number,
    problem_status,
    problems,
)
from facturo.surface.web.i18n import gettext as _
from facturo.surface.web.routing import PageRoute, current, page_requires, redirect, render

router = APIRouter(route_class=PageRoute, include_in_schema=False)

Text = Annotated[str, Form()]


# --- pages ----------------------------------------------------------------------------------------

STATUSES = ("all", "active", "inactive")
FIELDS = ("nit", "name", "address", "email", "phone", "payment_terms_days")


@router.get("/customers", dependencies=[page_requires(Permission.CUSTOMERS_READ)])
def customer_list(
    request: Request,
    q: str = "",
    status: str = "all",
    page: str = "1",
    cursor: Annotated[str, Query(max_length=MAX_CURSOR_LENGTH)] = "",
) -> Response:
    request.state.menu_key = "customers"
    query = q.strip()[:MAX_QUERY]
    status = status if status in STATUSES else "all"
    active = {"active": True, "inactive": False}.get(status)
    # Keyset pages by name ("Siguiente" follows the cursor); an old ?page=N link still opens its page.
    after = cursor.replace("\x00", "").strip() or None
    number = page_number(page)
    offset_page = number if number > 1 and after is None else None
    found = service.list_customers(
        request.state.session, KeysetParams(PAGE_SIZE, after, offset_page=offset_page), query or None, active
    )
    keep = urlencode({k: v for k, v in (("q", query), ("status", status)) if v and v != "all"})
    return render(
        request,
        "customers/list.html",
        {
            "found": found,
            "q": query,
            "status": status,
            "first_page": after is None and offset_page is None,
            "pager_query": f"&{keep}" if keep else "",
            "first_query": f"?{keep}" if keep else "",
            "can_write": current(request).can(Permission.CUSTOMERS_WRITE),
        },
    )


def _typed(values: dict[str, str]) -> dict[str, str]:
    """The form's values for the model: empty payment terms mean the usual terms (or, on an edit, no change)."""
    return {k: v for k, v in values.items() if k != "payment_terms_days" or v.strip()}


def _form(
    request: Request, values: dict[str, Any], errors: dict[str, str], customer: Any = None, status: int = 200
) -> Response:
    request.state.menu_key = "customers"
    return render(request, "customers/form.html", {"values": values, "errors": errors, "customer": customer}, status)


@router.get("/customers/new", dependencies=[page_requires(Permission.CUSTOMERS_WRITE)])
def new_customer(request: Request) -> Response:
    return _form(request, dict.fromkeys(FIELDS, "") | {"address": "Ciudad", "payment_terms_days": "30"}, {})


@router.post("/customers/new", dependencies=[page_requires(Permission.CUSTOMERS_WRITE)])
def create_customer(
    request: Request,
    nit: Text = "",
    name: Text = "",
    address: Text = "",
    email: Text = "",
    phone: Text = "",
    payment_terms_days: Text = "",
) -> Response:
    values = {
        "nit": nit,
        "name": name,
        "address": address,
        "email": email,
        "phone": phone,
        "payment_terms_days": payment_terms_days,
    }
    try:
        data = CustomerIn.model_validate(_typed(values))
        customer = service.create_customer(request.state.session, current(request).actor, data)
    except (ValidationError, FacturoError) as exc:
        return _form(request, values, problems(exc, "nit"), status=problem_status(exc))
    return redirect(
        f"/customers/{customer.id}", kind="success", message=_("Customer %(name)s created.") % {"name": customer.name}
    )


@router.get("/customers/{customer_id}", dependencies=[page_requires(Permission.CUSTOMERS_READ)])
def customer_detail(request: Request, customer_id: RecordId) -> Response:
    request.state.menu_key = "customers"
    principal = current(request)
    screen = screens.customer_screen(
        request.state.session, customer_id, with_history=principal.can(Permission.HISTORY_READ)
    )
    return render(
        request,
        "customers/detail.html",
        {
            "customer": screen.customer,
            "history": history_entries(screen.history, _history_labels()) if screen.history is not None else None,
            "can_write": principal.can(Permission.CUSTOMERS_WRITE),
        },
    )


def _history_labels() -> dict[str, str]:
    return {
        "nit": _("NIT"),
        "name": _("Name"),
        "address": _("Address"),
        "email": _("Email"),
        "phone": _("Phone"),
        "payment_terms_days": _("Payment terms (days)"),
        "active": _("Active"),
    }


@router.get("/customers/{customer_id}/edit", dependencies=[page_requires(Permission.CUSTOMERS_WRITE)])
def edit_customer(request: Request, customer_id: RecordId) -> Response:
    customer = service.get_customer(request.state.session, customer_id)
    values = {name: getattr(customer, name) for name in FIELDS}
    return _form(request, values, {}, customer)


@router.post("/customers/{customer_id}/edit", dependencies=[page_requires(Permission.CUSTOMERS_WRITE)])
def update_customer(
    request: Request,
    customer_id: RecordId,
    nit: Text = "",
    name: Text = "",
    address: Text = "",
    email: Text = "",
    phone: Text = "",
    payment_terms_days: Text = "",
) -> Response:
    values = {
        "nit": nit,
        "name": name,
        "address": address,
        "email": email,
        "phone": phone,
        "payment_terms_days": payment_terms_days,
    }
    invalid: ValidationError | None = None
    patch: CustomerPatch | None = None
    try:
        patch = CustomerPatch.model_validate(_typed(values))
    except ValidationError as exc:
        invalid = exc
    edit = screens.edit_customer(request.state.session, current(request).actor, customer_id, patch)
    refusal = invalid or edit.problem
    if refusal is not None:
        return _form(request, values, problems(refusal, "nit"), edit.customer, problem_status(refusal))
    return redirect(f"/customers/{customer_id}", kind="success", message=_("Changes saved."))


def _set_active(request: Request, customer_id: int, active: bool) -> Response:
    customer = service.set_active(request.state.session, current(request).actor, customer_id, active)
    message = _("Customer %(name)s activated.") if active else _("Customer %(name)s deactivated.")
    return redirect(f"/customers/{customer_id}", kind="success", message=message % {"name": customer.name})


@router.post("/customers/{customer_id}/deactivate", dependencies=[page_requires(Permission.CUSTOMERS_WRITE)])
def deactivate_customer(request: Request, customer_id: RecordId) -> Response:
    return _set_active(request, customer_id, False)


@router.post("/customers/{customer_id}/activate", dependencies=[page_requires(Permission.CUSTOMERS_WRITE)])
def activate_customer(request: Request, customer_id: RecordId) -> Response:
    return _set_active(request, customer_id, True)
