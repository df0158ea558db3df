"""Reception pages (docs/web.md, "Reception pages"): the upload portal (drag and drop through
static/upload.js) with each document's live result (static/poll.js), the auditors' document search
(filters, cursor pages, CSV), a document's findings and its original bytes, and the dashboard of
aggregates (never a document: analysts see it).

Thin adapters: parse the input, call one reception function, render. The upload answers with a
redirect to its results page, so reloading never sends the files twice. Scoped credentials (an
issuer bound to its NITs) see only their issuers' documents; the scope comes from the credential.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import IO, Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Path, Request, Response
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from facturo.kit.access import Permission
from facturo.kit.db import own_units
from facturo.kit.downloads import content_disposition
from facturo.kit.pagination import KeysetParams
from facturo.kit.schemas import MAX_ID
from facturo.reception import dashboard, views
from facturo.reception.queries import STATUSES, DocumentFilters
from facturo.surface.web import i18n
from facturo.surface.web.charts import Bar, column_chart, count, horizontal_bars
from facturo.surface.web.forms import parse_day
from facturo.surface.web.i18n import N_
from facturo.surface.web.i18n import gettext as _
from facturo.surface.web.routing import PageRoute, current, error_page, page_login, page_requires, redirect, render

router = APIRouter(route_class=PageRoute, include_in_schema=False)

SUBMIT = [page_requires(Permission.RECEPTION_SUBMIT)]
READ = [page_requires(Permission.RECEPTION_READ)]
SUMMARY = [page_requires(Permission.RECEPTION_SUMMARY_READ)]
DocumentId = Annotated[int, Path(ge=1, le=MAX_ID)]
SubmissionId = Annotated[int, Path(ge=1, le=MAX_ID)]
MAX_FILES = 1000
SHOWN_DOCUMENTS = 200  # on a submission's page; the search has the rest
PAGE_SIZE = 50
FORMATS = ("fel", "ubl", "json", "unknown")
FILTER_FIELDS = (
    "issuer_nit",
    "receiver_id",
    "from",
    "to",
    "type",
    "status",
    "format",
    "rule",
    "total_min",
    "total_max",
    "submission",
)
_TEXT_CHARS = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_.- ")

STATUS_LABELS = {"received": N_("Waiting"), "accepted": N_("Accepted"), "rejected": N_("Rejected")}
# app.css colours badges by invoice status; the reception statuses borrow its green, red and amber.
STATUS_TONES = {"received": "partially_paid", "accepted": "paid", "rejected": "overdue"}
SEVERITY_LABELS = {"fatal": N_("Fatal"), "error": N_("Error"), "warning": N_("Warning")}


def _area(request: Request) -> None:
    request.state.menu_key = "reception"


def _labels() -> dict[str, dict[str, str]]:
    return {
        "statuses": {k: _(v) for k, v in STATUS_LABELS.items()},
        "severities": {k: _(v) for k, v in SEVERITY_LABELS.items()},
        "tones": STATUS_TONES,
    }


@router.get("/reception", dependencies=[page_login()])
def reception_home(request: Request) -> Response:
    """The menu entry: the first reception page this user may use."""
    principal = current(request)
    for permission, target in (
        (Permission.RECEPTION_READ, "/reception/documents"),
        (Permission.RECEPTION_SUBMIT, "/reception/upload"),
        (Permission.RECEPTION_SUMMARY_READ, "/reception/dashboard"),
    ):
        if principal.can(permission):
            return redirect(target)
    _area(request)
    return error_page(request, 403, _("Access denied"), _("You may not use the reception pages."))


# --- upload portal -------------------------------------------------------------------------------------


@router.get("/reception/upload", dependencies=SUBMIT)
def upload_form(request: Request) -> Response:
    _area(request)
    return render(request, "reception/upload.html", {"upload_error": ""})


async def _uploads(request: Request) -> list[tuple[str, IO[bytes]]]:
    form = await request.form(max_files=MAX_FILES, max_fields=10)
    return [
        ((item.filename or f"archivo-{n}")[:300], item.file)
        for n, item in enumerate(form.getlist("files"), 1)
        if isinstance(item, UploadFile) and (item.filename or (item.size or 0) > 0)
    ]


@router.post("/reception/upload", dependencies=SUBMIT)
@own_units
async def upload(request: Request) -> Response:
    _area(request)
    uploads = await _uploads(request)
    if not uploads:
        return render(request, "reception/upload.html", {"upload_error": _("Choose at least one file or a zip.")}, 422)
    principal = current(request)
    receipt = await run_in_threadpool(
        views.receive_files,
        request.app.state.database,
        request.app.state.reception_archive,
        uploads,
        actor=principal.actor,
        channel="portal",
        allowed_issuer_nits=principal.issuer_nits,
    )
    workers = getattr(request.app.state, "reception_workers", None)
    if workers is not None:
        workers.notify()
    message = _("%(count)s document(s) received; %(duplicates)s were already stored.") % {
        "count": len(receipt.documents),
        "duplicates": receipt.duplicate_count,
    }
    return redirect(f"/reception/submissions/{receipt.submission_id}", kind="success", message=message)


def _submission_context(request: Request, submission_id: int) -> dict[str, Any]:
    principal = current(request)
    screen = views.submission_screen(
        request.state.session, submission_id, principal.actor, principal.reception_scope(), SHOWN_DOCUMENTS
    )
    language = i18n.current_language()
    refused = [(r.name, r.reason_es if language == "es" else r.reason_en) for r in screen.submission.refused]
    return {
        "submission": screen.submission,
        "documents": screen.documents.items,
        "more": screen.documents.next_cursor is not None,
        "rules": screen.rules,
        "refused": refused,
        "labels": _labels(),
        "can_read": principal.can(Permission.RECEPTION_READ),
    }


@router.get("/reception/submissions/{submission_id}", dependencies=SUBMIT)
def submission_results(request: Request, submission_id: SubmissionId) -> Response:
    _area(request)
    # Live until every document is decided: static/poll.js replaces the results with the fragment
    # below each second; without scripts a <noscript> refresh reloads the page (no inline script,
    # nothing for the CSP to allow).
    return render(request, "reception/submission.html", _submission_context(request, submission_id))


@router.get("/reception/submissions/{submission_id}/rows", dependencies=SUBMIT)
def submission_rows(request: Request, submission_id: SubmissionId) -> Response:
    """The counts and the per-document table alone, for static/poll.js (``data-poll``); its
    ``data-done`` says when to stop."""
    return render(request, "reception/submission_rows.html", _submission_context(request, submission_id))


# --- document search -----------------------------------------------------------------------------------


def _text(raw: str, limit: int = 60) -> str | None:
    text = raw.strip()
    return text if text and len(text) <= limit and set(text) <= _TEXT_CHARS else None


def _amount(raw: str) -> Decimal | None:
    try:
        value = Decimal(raw.strip())
    except (InvalidOperation, ValueError):
        return None
    return value if value.is_finite() and abs(value) <= 10**13 else None


def _day(raw: str) -> date | None:
    try:
        return parse_day(raw)
    except ValueError:
        return None


def _id(raw: str) -> int | None:
    text = raw.strip()
    return int(text) if text.isascii() and text.isdigit() and 1 <= int(text) <= MAX_ID else None


def _filters(request: Request) -> tuple[dict[str, str], dict[str, str], DocumentFilters]:
    """The search form's values as typed, the message of each one that was not understood, and the
    filters made of the others (a value not understood filters nothing, and says so)."""
    query = request.query_params
    values = {name: query.get(name, "")[:80] for name in FILTER_FIELDS}
    errors: dict[str, str] = {}

    def parsed(name: str, parse: Any) -> Any:
        raw = values[name]
        if not raw.strip():
            return None
        value = parse(raw)
        if value is None:
            errors[name] = _("This value was not understood and is not applied.")
        return value

    def choice(name: str, allowed: tuple[str, ...]) -> str | None:
        return parsed(name, lambda raw: raw if raw in allowed else None)  # type: ignore[no-any-return]

    receiver = parsed("receiver_id", lambda raw: _text(raw, 20))
    filters = DocumentFilters(
        issuer_nit=parsed("issuer_nit", lambda raw: _text(raw, 20)),
        receiver_id=receiver.upper() if receiver else None,
        date_from=parsed("from", _day),
        date_to=parsed("to", _day),
        document_type=parsed("type", _text),
        status=choice("status", STATUSES),
        format=choice("format", FORMATS),
        rule=parsed("rule", _text),
        total_min=parsed("total_min", _amount),
        total_max=parsed("total_max", _amount),
        submission_id=parsed("submission", _id),
        visible_issuer_nits=current(request).issuer_nits,
    )
    return values, errors, filters


@router.get("/reception/documents", dependencies=READ)
def document_search(request: Request) -> Response:
    _area(request)
    values, errors, filters = _filters(request)
    cursor = request.query_params.get("cursor", "")[:500] or None
    page = views.document_list(request.state.session, filters, KeysetParams(limit=PAGE_SIZE, cursor=cursor))
    typed = {k: v for k, v in values.items() if v}
    query = urlencode(typed)
    next_href = "/reception/documents?" + urlencode({**typed, "cursor": page.next_cursor}) if page.next_cursor else ""
    return render(
        request,
        "reception/documents.html",
        {
            "values": values,
            "errors": errors,
            "page": page,
            "query": query,
            "next_href": next_href,
            "csv_href": "/reception/documents.csv" + (f"?{query}" if query else ""),
            "first_href": "/reception/documents" + (f"?{query}" if query else ""),
            "on_later_page": cursor is not None,
            "statuses": STATUSES,
            "formats": FORMATS,
            "labels": _labels(),
        },
    )


@router.get("/reception/documents.csv", dependencies=READ)
def document_csv(request: Request) -> Response:
    _values, _errors, filters = _filters(request)
    return StreamingResponse(
        views.documents_csv(request.state.session, filters),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": content_disposition("documentos-recibidos.csv")},
    )


@router.get("/reception/documents/{document_id}", dependencies=READ)
def document_detail(request: Request, document_id: DocumentId) -> Response:
    _area(request)
    document = views.document_view(request.state.session, document_id, current(request).reception_scope())
    language = i18n.current_language()
    findings = [(f, f.message_es if language == "es" else f.message_en) for f in document.findings]
    return render(request, "reception/document.html", {"document": document, "findings": findings, "labels": _labels()})


@router.get("/reception/documents/{document_id}/original", dependencies=READ)
def original(request: Request, document_id: DocumentId) -> Response:
    download = views.original_download(
        request.state.session, request.app.state.reception_archive, document_id, current(request).reception_scope()
    )
    return Response(
        download.data,
        media_type=download.media_type,
        headers={"X-Content-SHA256": download.sha256, "Content-Disposition": content_disposition(download.filename)},
    )


# --- dashboard -------------------------------------------------------------------------------------------


def _issuer_labeller(data: dashboard.ReceptionDashboard) -> Callable[[str, str | None], str]:
    """A bar's label: the issuer's name, with its NIT when two issuers share a name (a chain's
    branches often do), else the bars could not be told apart."""
    issuers = {(i.issuer_nit, i.issuer_name) for i in data.top_issuers_by_amount} | {
        (i.issuer_nit, i.issuer_name) for i in data.top_issuers_by_count
    }
    names = Counter(name for _nit, name in issuers)

    def label(nit: str, name: str | None) -> str:
        if not name:
            return nit
        return f"{nit} {name}" if names[name] > 1 else name

    return label


def _tax_bars(data: dashboard.ReceptionDashboard) -> list[Bar]:
    """Every month of the window in quetzales, the empty ones too, so the columns read as a year."""
    tax = {m.month: m.tax_total for m in data.tax_by_month if m.currency == "GTQ"}
    return [Bar(f"{month:%m/%y}", tax.get(month, Decimal(0))) for month in data.months] if tax else []


@router.get("/reception/dashboard", dependencies=SUMMARY)
def reception_dashboard(request: Request) -> Response:
    _area(request)
    data = dashboard.dashboard_view(request.state.session, current(request).issuer_nits)
    label = _issuer_labeller(data)
    return render(
        request,
        "reception/dashboard.html",
        {
            "data": data,
            "totals": data.totals,
            # Counts are drawn with the count format (no Q); amounts are money, in quetzales only.
            "day_chart": column_chart(
                [Bar(f"{d.day:%d}", Decimal(d.accepted + d.rejected + d.received)) for d in data.by_day],
                _("Documents per day"),
                show=count,
            ),
            "status_chart": horizontal_bars(
                [
                    Bar(_(STATUS_LABELS[status]), Decimal(figure))
                    for status, figure in (
                        ("accepted", data.totals.accepted),
                        ("rejected", data.totals.rejected),
                        ("received", data.totals.received),
                    )
                ],
                _("Documents by status"),
                show=count,
            ),
            "rule_chart": horizontal_bars(
                [Bar(r.rule, Decimal(r.documents)) for r in data.top_rules], _("Top rejection rules"), show=count
            ),
            "count_chart": horizontal_bars(
                [Bar(label(i.issuer_nit, i.issuer_name), Decimal(i.documents)) for i in data.top_issuers_by_count],
                _("Top issuers by number of documents"),
                show=count,
            ),
            "amount_bars": [
                Bar(label(i.issuer_nit, i.issuer_name), i.total)
                for i in data.top_issuers_by_amount
                if i.currency == "GTQ"
            ],
            "tax_bars": _tax_bars(data),
        },
    )
