"""Sequence-audit pages (docs/web.md, "Audit pages"): the dashboard of aggregates (open gaps per
month, the top issuers by missing numbers, the late-closure rate, the FEL sequences that cannot be
audited) and the list of gaps (filters, offset pages, the CSV of the same filters).

Thin adapters: parse the filters, call one audit function, render. The dashboard needs
``audit_summary:read`` (analysts too: it shows no gap one by one); the list and the CSV need
``audit_gaps:read``. A credential bound to issuer NITs sees only those issuers, whatever it asks.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from urllib.parse import urlencode

from fastapi import APIRouter, Request, Response
from fastapi.responses import StreamingResponse

from facturo.kit.access import Permission
from facturo.kit.downloads import content_disposition
from facturo.kit.errors import ValidationFailed
from facturo.kit.pagination import PageParams
from facturo.sequence_audit import service
from facturo.sequence_audit.schemas import GapQuery, GapStatus
from facturo.surface.web.charts import Bar, column_chart, count, horizontal_bars
from facturo.surface.web.forms import PAGE_SIZE, page_number, parse_day, problems
from facturo.surface.web.i18n import N_
from facturo.surface.web.i18n import gettext as _
from facturo.surface.web.routing import PageRoute, current, error_page, page_login, page_requires, redirect, render

router = APIRouter(route_class=PageRoute, include_in_schema=False)

GAPS = [page_requires(Permission.AUDIT_GAPS_READ)]
SUMMARY = [page_requires(Permission.AUDIT_SUMMARY_READ)]
FILTER_FIELDS = ("day", "from", "to", "issuer_nit", "status")
NIT_CHARS = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-")
STATUSES: tuple[GapStatus, ...] = ("open", "closed")

STATUS_LABELS = {"open": N_("Open"), "closed": N_("Closed")}
# app.css colours badges by invoice status: an open gap borrows the overdue red, a closed one the paid green.
STATUS_TONES = {"open": "overdue", "closed": "paid"}
KIND_LABELS = {"invoice": N_("Invoice"), "credit_note": N_("Credit note"), "debit_note": N_("Debit note")}
MONTH_LABEL_EVERY = 3  # 36 months of columns leave room for a label every third (Jan, Apr, Jul, Oct)


def _area(request: Request) -> None:
    request.state.menu_key = "audit"


def _labels() -> dict[str, dict[str, str]]:
    return {
        "statuses": {k: _(v) for k, v in STATUS_LABELS.items()},
        "tones": STATUS_TONES,
        "kinds": {k: _(v) for k, v in KIND_LABELS.items()},
    }


@router.get("/audit", dependencies=[page_login()])
def audit_home(request: Request) -> Response:
    """The menu entry: the list for those who read gaps, else the dashboard."""
    principal = current(request)
    if principal.can(Permission.AUDIT_GAPS_READ):
        return redirect("/audit/gaps")
    if principal.can(Permission.AUDIT_SUMMARY_READ):
        return redirect("/audit/dashboard")
    _area(request)
    return error_page(request, 403, _("Access denied"), _("You may not use the sequence audit pages."))


# --- dashboard -------------------------------------------------------------------------------------------


@router.get("/audit/dashboard", dependencies=SUMMARY)
def audit_dashboard(request: Request) -> Response:
    _area(request)
    data = service.audit_dashboard(request.state.session, current(request).issuer_nits)
    return render(
        request,
        "audit/dashboard.html",
        {
            "data": data,
            "open_chart": column_chart(
                [Bar(f"{m.month:%m/%y}", Decimal(m.open_gaps)) for m in data.months],
                _("Open gaps at each month's end"),
                show=count,
                label_every=MONTH_LABEL_EVERY,
            ),
            "top_chart": horizontal_bars(
                [Bar(t.issuer_nit, Decimal(t.missing)) for t in data.top],
                _("Top issuers by missing numbers"),
                show=count,
            ),
            "shown_months": [m for m in reversed(data.months) if m.open_gaps or m.gaps_opened or m.gaps_closed_late],
        },
    )


# --- gap list and CSV ------------------------------------------------------------------------------------


def _filters(request: Request) -> tuple[dict[str, str], dict[str, str], GapQuery]:
    """The form's values as typed, the message of each one that was not understood, and the query
    made of the others (shown only when there is no message: a bad filter is answered, never guessed)."""
    query = request.query_params
    values = {name: query.get(name, "")[:40].strip() for name in FILTER_FIELDS}
    errors: dict[str, str] = {}
    days: dict[str, date | None] = {}
    for name in ("day", "from", "to"):
        days[name] = None
        if values[name]:
            try:
                days[name] = parse_day(values[name])
            except ValueError as exc:
                errors[name] = str(exc)
    nit = values["issuer_nit"]
    if nit and (len(nit) > 20 or not set(nit) <= NIT_CHARS):
        errors["issuer_nit"] = _("A NIT holds digits, letters and hyphens only (20 at most).")
    status: GapStatus | None = None
    if values["status"]:
        if values["status"] in STATUSES:
            status = "open" if values["status"] == "open" else "closed"
        else:
            errors["status"] = _("Choose one of the options.")
    gap_query = GapQuery(
        day=days["day"],
        date_from=days["from"],
        date_to=days["to"],
        issuer_nit=nit or None,
        visible_issuer_nits=current(request).issuer_nits,
        status=status,
    )
    return values, errors, gap_query


def _typed(values: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in values.items() if v}


@router.get("/audit/gaps", dependencies=GAPS)
def gap_list(request: Request) -> Response:
    _area(request)
    values, errors, query = _filters(request)
    found: service.GapPage | None = None
    if not errors:
        try:
            found = service.gap_page(
                request.state.session, query, PageParams(page_number(request.query_params.get("page")), PAGE_SIZE)
            )
        except ValidationFailed as exc:
            # A day and a range at once, half a range, a reversed one: said on the form's fields.
            errors = problems(exc, "day")
    typed = _typed(values)
    csv_query = urlencode(typed)
    return render(
        request,
        "audit/gaps.html",
        {
            "values": values,
            "errors": errors,
            "found": found,
            "shown": found.query if found is not None else None,
            "pager_query": "&" + csv_query if csv_query else "",
            "csv_href": "/audit/gaps.csv" + (f"?{csv_query}" if csv_query else ""),
            "numbers_csv_href": "/audit/gaps.csv?" + urlencode({**typed, "expand": "1"}),
            "statuses": STATUSES,
            "labels": _labels(),
            "can_open_documents": current(request).can(Permission.RECEPTION_READ),
        },
        422 if errors else 200,
    )


@router.get("/audit/gaps.csv", dependencies=GAPS)
def gap_csv(request: Request) -> Response:
    """The gaps of the list's filters as CSV: one row per gap, or per missing number with ``expand``."""
    _values, errors, query = _filters(request)
    if errors:
        _area(request)
        message = "; ".join(errors.values())
        return error_page(request, 422, _("The filters were not understood"), message)
    expand = request.query_params.get("expand", "") in ("1", "true", "on")
    name = "numeros-faltantes.csv" if expand else "saltos-de-numeracion.csv"
    return StreamingResponse(
        service.gaps_csv(request.state.session, query, expand),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": content_disposition(name)},
    )
