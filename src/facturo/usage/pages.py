"""Usage billing pages (docs/usage.md): upload IPC2 messages and see what they did, the stored
resources, configurations and instances with their unbilled consumption, cancel an instance, and
billing runs (range → preview → confirm) with the list of past runs.

Thin adapters (docs/web.md): each page parses its input, calls one usage service function and
renders. Uploads and runs answer with a redirect, so reloading never sends anything twice; the
preview is a POST that writes nothing and renders at once.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, Path, Query, Request, Response
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from facturo.kit.access import Permission
from facturo.kit.db import own_units
from facturo.kit.downloads import content_disposition
from facturo.kit.errors import Conflict
from facturo.kit.schemas import MAX_ID
from facturo.surface.web import i18n
from facturo.surface.web.formatting import day as format_day
from facturo.surface.web.forms import date_range, parse_day, problems
from facturo.surface.web.i18n import N_
from facturo.surface.web.i18n import gettext as _
from facturo.surface.web.labels import INSTANCE_STATES, INVOICE_STATUSES, RESOURCE_KINDS, translated
from facturo.surface.web.routing import PageRoute, current, error_page, page_requires, redirect, render
from facturo.usage import screens, service

router = APIRouter(route_class=PageRoute, include_in_schema=False)

READ = [page_requires(Permission.REPORTS_READ)]
IMPORT = [page_requires(Permission.USAGE_IMPORT)]
BILL = [page_requires(Permission.BILLING_RUN)]
InstanceCode = Annotated[str, Path(min_length=1, max_length=40)]
RunId = Annotated[int, Path(ge=1, le=MAX_ID)]
MessageId = Annotated[int, Path(ge=1, le=MAX_ID)]
Text = Annotated[str, Form()]
MAX_FILES = 50
MAX_SHOWN_IDS = 50
RECENT_MESSAGES = 10

ENTITIES = {
    "resource": N_("Resources"),
    "category": N_("Categories"),
    "configuration": N_("Configurations"),
    "customer": N_("Customers"),
    "portal_login": N_("Portal logins"),
    "instance": N_("Instances"),
    "consumption": N_("Consumptions"),
}
ENTITY = {
    "resource": N_("Resource"),
    "category": N_("Category"),
    "configuration": N_("Configuration"),
    "customer": N_("Customer"),
    "portal_login": N_("Portal login"),
    "instance": N_("Instance"),
    "consumption": N_("Consumption"),
}
KINDS = {"configuration": N_("Configuration message"), "consumption": N_("Consumption message")}


def _area(request: Request) -> None:
    request.state.menu_key = "usage"


def _labels() -> dict[str, dict[str, str]]:
    return {
        "entities": {k: _(v) for k, v in ENTITIES.items()},
        "entity": {k: _(v) for k, v in ENTITY.items()},
        "kinds": {k: _(v) for k, v in KINDS.items()},
        "resource_kinds": translated(RESOURCE_KINDS),
        "states": translated(INSTANCE_STATES),
        "statuses": translated(INVOICE_STATUSES),
    }


# --- overview and uploads -----------------------------------------------------------------------------


def _overview_context(request: Request) -> dict[str, Any]:
    view = screens.usage_overview(request.state.session, RECENT_MESSAGES)
    instances = view.instances
    principal = current(request)
    return {
        "resources": view.resources,
        "categories": view.categories,
        "stored": {
            "resources": len(view.resources),
            "configurations": view.configuration_count,
            "instances": len(instances),
        },
        "customers": view.customers,
        "unbilled_count": sum(i.unbilled_consumptions for i in instances),
        "unbilled_hours": sum((i.unbilled_hours for i in instances), Decimal(0)),
        "unbilled_total": sum((i.unbilled_estimate for i in instances), Decimal(0)),
        "recent": view.recent,
        "can_import": principal.can(Permission.USAGE_IMPORT),
        "can_run": principal.can(Permission.BILLING_RUN),
        "labels": _labels(),
        "upload_error": "",
        "currency": view.currency,
        "timezone": view.timezone,
    }


@router.get("/usage", dependencies=READ)
def usage_overview(request: Request) -> Response:
    _area(request)
    return render(request, "usage/overview.html", _overview_context(request))


async def _uploads(request: Request) -> list[UploadFile]:
    form = await request.form()
    return [
        item
        for item in form.getlist("files")
        if isinstance(item, UploadFile) and (item.filename or (item.size or 0) > 0)
    ]


@router.post("/usage/messages", dependencies=IMPORT)
@own_units
async def upload_messages(request: Request) -> Response:
    _area(request)
    uploads = await _uploads(request)
    if not uploads or len(uploads) > MAX_FILES:
        message = (
            _("Choose at least one XML file.")
            if not uploads
            else _("Upload at most %(count)s files at a time.") % {"count": MAX_FILES}
        )
        context = await run_in_threadpool(_overview_context, request)
        context["upload_error"] = message
        return render(request, "usage/overview.html", context, 422)
    files = [service.UploadedFile((u.filename or "")[:255], u.file) for u in uploads]
    database = request.app.state.database
    outcomes = await run_in_threadpool(service.import_messages, database, current(request).actor, files)
    language = i18n.current_language()
    refused = " ".join(
        _("%(file)s was refused: %(reason)s") % {"file": o.filename or "?", "reason": o.refusal.in_language(language)}
        for o in outcomes
        if o.refusal is not None
    )
    ids = [str(o.report.message_id) for o in outcomes if o.report is not None and o.report.message_id]
    if not ids:
        return redirect("/usage", kind="error", message=refused)
    target = "/usage/messages?ids=" + ",".join(ids)
    if refused:
        return redirect(target, kind="error", message=refused)
    done = _("%(count)s file(s) imported.") % {"count": len(ids)}
    return redirect(target, kind="success", message=done)


@router.get("/usage/messages/{message_id}/problems.{fmt}", dependencies=IMPORT)
def message_problems(request: Request, message_id: MessageId, fmt: Literal["csv", "json"]) -> Response:
    """The full report of one message (every duplicate, warning and rejection), as a download."""
    _area(request)
    download = service.report_download(request.app.state.database, message_id, fmt, i18n.current_language())
    return StreamingResponse(
        download.chunks,
        media_type=download.media_type,
        headers={"Content-Disposition": content_disposition(download.filename)},
    )


def _ids(raw: str) -> list[int]:
    found = []
    for part in raw.split(",")[:MAX_SHOWN_IDS]:
        text = part.strip()
        if text.isascii() and text.isdigit() and 1 <= int(text) <= MAX_ID:
            found.append(int(text))
    return found


@router.get("/usage/messages", dependencies=READ)
def message_results(request: Request, ids: Annotated[str, Query(max_length=2000)] = "") -> Response:
    _area(request)
    found = screens.import_results(request.state.session, _ids(ids))
    if found is None:
        return error_page(request, 404, _("Page not found"), _("There are no import results to show."))
    return render(
        request,
        "usage/messages.html",
        {"imports": found.imports, "labels": _labels(), "currency": found.currency, "timezone": found.timezone},
    )


# --- instances ------------------------------------------------------------------------------------------


def _cancel_form(
    request: Request, screen: screens.InstanceCancel, end_date: str, errors: dict[str, str], status: int = 200
) -> Response:
    _area(request)
    return render(
        request,
        "usage/cancel.html",
        {"instance": screen.instance, "end_date": end_date, "errors": errors, "labels": _labels()},
        status,
    )


@router.get("/usage/instances/{code}/cancel", dependencies=IMPORT)
def cancel_instance_form(request: Request, code: InstanceCode) -> Response:
    screen = screens.instance_cancel(request.state.session, code)
    return _cancel_form(request, screen, screen.today.isoformat(), {})


@router.post("/usage/instances/{code}/cancel", dependencies=IMPORT)
def cancel_instance(request: Request, code: InstanceCode, end_date: Text = "") -> Response:
    session = request.state.session
    end: date | None = None
    if end_date.strip():
        try:
            end = parse_day(end_date)
        except ValueError as exc:
            screen = screens.instance_cancel(session, code)
            return _cancel_form(request, screen, end_date[:40], {"end_date": str(exc)}, 422)
    screen = screens.instance_cancel(session, code, actor=current(request).actor, end_date=end)
    if screen.refusal is not None:
        status = 409 if isinstance(screen.refusal, Conflict) else 422
        return _cancel_form(request, screen, end_date[:40], problems(screen.refusal, "end_date"), status)
    message = _("Instance %(code)s cancelled from %(day)s.") % {
        "code": screen.instance.code,
        "day": format_day(screen.instance.end_date),
    }
    return redirect("/usage#instances", kind="success", message=message)


# --- billing ------------------------------------------------------------------------------------------------


def _billing_page(
    request: Request, page: screens.BillingPage, values: dict[str, str], errors: dict[str, str], status: int = 200
) -> Response:
    _area(request)
    principal = current(request)
    return render(
        request,
        "usage/billing.html",
        {
            "values": values,
            "errors": errors,
            "runs": page.runs,
            "can_run": principal.can(Permission.BILLING_RUN),
            "currency": page.currency,
            "timezone": page.timezone,
        },
        status,
    )


@router.get("/usage/billing", dependencies=READ)
def billing(request: Request) -> Response:
    page = screens.billing_page(request.state.session)
    start, end = page.last_month
    return _billing_page(request, page, {"from": start.isoformat(), "to": end.isoformat()}, {})


def _preview(request: Request, preview: screens.BillingPreview, status: int = 200) -> Response:
    _area(request)
    notice = preview.notice.in_language(i18n.current_language()) if preview.notice is not None else ""
    return render(
        request,
        "usage/preview.html",
        {"result": preview.result, "notice": notice, "currency": preview.currency, "timezone": preview.timezone},
        status,
    )


def _refused(request: Request, page: screens.BillingPage, values: dict[str, str], errors: dict[str, str]) -> Response:
    """The billing page again with why the range was not billed (the form's errors or the service's)."""
    if page.refusal is not None:
        errors = problems(page.refusal, "to")
    return _billing_page(request, page, values, errors, 422)


@router.post("/usage/billing/preview", dependencies=BILL)
def billing_preview(
    request: Request,
    date_from: Annotated[str, Form(alias="from")] = "",
    date_to: Annotated[str, Form(alias="to")] = "",
) -> Response:
    values = {"from": date_from[:40], "to": date_to[:40]}
    start, end, errors = date_range(date_from, date_to)
    found = screens.billing_preview(request.state.session, current(request).actor, start, end)
    if isinstance(found, screens.BillingPage):
        return _refused(request, found, values, errors)
    return _preview(request, found)


def _expected(count: str, total: str) -> service.Expected | None:
    try:
        amount = Decimal(total.strip())
        if not count.strip().isdigit() or not amount.is_finite():
            return None
        return service.Expected(int(count.strip()), amount)
    except (InvalidOperation, ValueError):
        return None


@router.post("/usage/billing/run", dependencies=BILL)
def billing_run(
    request: Request,
    date_from: Annotated[str, Form(alias="from")] = "",
    date_to: Annotated[str, Form(alias="to")] = "",
    expected_consumptions: Text = "",
    expected_total: Text = "",
) -> Response:
    values = {"from": date_from[:40], "to": date_to[:40]}
    start, end, errors = date_range(date_from, date_to)
    expected = _expected(expected_consumptions[:40], expected_total[:40])
    found = screens.confirm_run(request.state.session, current(request).actor, start, end, expected)
    if isinstance(found, screens.BillingPage):
        return _refused(request, found, values, errors)
    if isinstance(found, screens.BillingPreview):
        return _preview(request, found, 409)
    if found.run_id is None:
        return redirect(
            "/usage/billing",
            kind="info",
            message=_("There is nothing to bill in that range: no unbilled consumptions."),
        )
    message = _("Billing run %(run)s issued %(count)s invoice(s).") % {
        "run": found.run_id,
        "count": len(found.invoices),
    }
    return redirect(f"/usage/billing/runs/{found.run_id}", kind="success", message=message)


@router.get("/usage/billing/runs/{run_id}", dependencies=READ)
def billing_run_detail(request: Request, run_id: RunId) -> Response:
    _area(request)
    found = screens.run_detail(request.state.session, run_id)
    return render(
        request,
        "usage/run.html",
        {
            "run": found.run,
            "invoices": found.invoices,
            "labels": _labels(),
            "can_read_invoices": current(request).can(Permission.INVOICES_READ),
            "currency": found.currency,
            "timezone": found.timezone,
        },
    )
