"""Administration pages for the organisation: its issuer profile and its numbering series."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, Response

from facturo.invoicing import setup
from facturo.kit.access import Permission
from facturo.organisation import service
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


def _profile_form(
    request: Request, values: dict[str, str], errors: dict[str, str], configured: bool, status: int = 200
) -> Response:
    request.state.menu_key = "admin"
    context = {"values": values, "errors": errors, "configured": configured}
    return render(request, "admin/organisation.html", context, status)


@router.get("/admin/organisation", dependencies=[page_requires(Permission.ORGANISATION_WRITE)])
def organisation_profile(request: Request) -> Response:
    issuer = service.find_own_issuer(request.state.session)
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
    saved = setup.set_up_from(session, current(request).actor, values)
    if saved.refused is not None:
        exc = saved.refused
        return _profile_form(request, values, problems(exc, "nit"), saved.configured, problem_status(exc))
    return redirect("/admin/organisation", kind="success", message=_("Organisation profile saved."))


def _series_page(
    request: Request, shown: setup.SeriesScreen, values: dict[str, Any], errors: dict[str, str], status: int = 200
) -> Response:
    request.state.menu_key = "admin"
    context = {
        "issuer": shown.issuer,
        "series": shown.series,
        "values": values,
        "errors": errors,
        "type_options": [("invoice", _("Invoices")), ("credit_note", _("Credit notes"))],
    }
    return render(request, "admin/series.html", context, status)


@router.get("/admin/series", dependencies=[page_requires(Permission.ORGANISATION_WRITE)])
def series_list(request: Request) -> Response:
    values = {"code": "", "prefix": "", "document_type": "invoice", "is_default": False}
    return _series_page(request, setup.series_screen(request.state.session), values, {})


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
    created = setup.create_own_series_from(session, current(request).actor, values)
    if created.series is None:
        exc = created.refused
        assert exc is not None
        return _series_page(request, created.screen, values, problems(exc, "code"), problem_status(exc))
    message = _("Series %(code)s created.") % {"code": created.series.code}
    return redirect("/admin/series", kind="success", message=message)
