"""Administration pages for the organisation: its issuer profile and its numbering series."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, Response
from pydantic import ValidationError

from facturo.invoicing import service as invoicing
from facturo.invoicing.schemas import SeriesIn
from facturo.kit.access import Permission
from facturo.kit.errors import FacturoError
from facturo.organisation import service
from facturo.organisation.models import Issuer
from facturo.organisation.schemas import IssuerIn
from facturo.surface.web.forms import problem_status, problems
from facturo.surface.web.i18n import gettext as _
from facturo.surface.web.routing import PageRoute, current, page_requires, redirect, render

router = APIRouter(route_class=PageRoute, include_in_schema=False)

Text = Annotated[str, Form()]
PROFILE_FIELDS = (
    "name",
    "trade_name",
    "nit",
    "address",
    "establishment_code",
    "email",
    "phone",
    "currency",
    "timezone",
)


def _own_issuer(session: Any) -> Issuer | None:
    return service.find_own_issuer(session)


def _profile_form(
    request: Request, values: dict[str, str], errors: dict[str, str], configured: bool, status: int = 200
) -> Response:
    request.state.menu_key = "admin"
    context = {"values": values, "errors": errors, "configured": configured}
    return render(request, "admin/organisation.html", context, status)


@router.get("/admin/organisation", dependencies=[page_requires(Permission.ORGANISATION_WRITE)])
def organisation_profile(request: Request) -> Response:
    issuer = _own_issuer(request.state.session)
    if issuer is None:
        defaults = IssuerIn.model_fields
        values = {f: str(defaults[f].default) if f not in {"name", "nit"} else "" for f in PROFILE_FIELDS}
    else:
        values = {f: str(getattr(issuer, f)) for f in PROFILE_FIELDS}
    return _profile_form(request, values, {}, issuer is not None)


@router.post("/admin/organisation", dependencies=[page_requires(Permission.ORGANISATION_WRITE)])
def save_organisation_profile(
    request: Request,
    name: Text = "",
    trade_name: Text = "",
    nit: Text = "",
    address: Text = "",
    establishment_code: Text = "",
    email: Text = "",
    phone: Text = "",
    currency: Text = "",
    timezone: Text = "",
) -> Response:
    session = request.state.session
    values = {
        "name": name,
        "trade_name": trade_name,
        "nit": nit,
        "address": address,
        "establishment_code": establishment_code,
        "email": email,
        "phone": phone,
        "currency": currency,
        "timezone": timezone,
    }
    actor = current(request).actor
    try:
        invoicing.set_up(session, actor, IssuerIn.model_validate(values))
    except (ValidationError, FacturoError) as exc:
        return _profile_form(
            request, values, problems(exc, "nit"), _own_issuer(session) is not None, problem_status(exc)
        )
    return redirect("/admin/organisation", kind="success", message=_("Organisation profile saved."))


def _series_page(request: Request, values: dict[str, Any], errors: dict[str, str], status: int = 200) -> Response:
    request.state.menu_key = "admin"
    issuer = _own_issuer(request.state.session)
    context = {
        "issuer": issuer,
        "series": invoicing.own_series(request.state.session),
        "values": values,
        "errors": errors,
        "type_options": [("invoice", _("Invoices")), ("credit_note", _("Credit notes"))],
    }
    return render(request, "admin/series.html", context, status)


@router.get("/admin/series", dependencies=[page_requires(Permission.ORGANISATION_WRITE)])
def series_list(request: Request) -> Response:
    return _series_page(request, {"code": "", "prefix": "", "document_type": "invoice", "is_default": False}, {})


@router.post("/admin/series", dependencies=[page_requires(Permission.ORGANISATION_WRITE)])
def create_series(
    request: Request, code: Text = "", prefix: Text = "", document_type: Text = "invoice", is_default: Text = ""
) -> Response:
    session = request.state.session
    values: dict[str, Any] = {
        "code": code,
        "prefix": prefix,
        "document_type": document_type,
        "is_default": bool(is_default),
    }
    try:
        series = invoicing.create_own_series(session, current(request).actor, SeriesIn.model_validate(values))
    except (ValidationError, FacturoError) as exc:
        return _series_page(request, values, problems(exc, "code"), problem_status(exc))
    return redirect("/admin/series", kind="success", message=_("Series %(code)s created.") % {"code": series.code})
