"""The staff dashboard: what was billed this month and this year, what is owed and overdue, what
falls due soon, and three charts (revenue by month, top customers, revenue by category), each with
its figures in a table. The figures come from ``reports.dashboard`` (docs/web.md, "Dashboard
figures"); portal users are sent to their own portal."""

from __future__ import annotations

import logging
from datetime import date

from babel.dates import format_date
from fastapi import APIRouter, FastAPI, Request, Response

from facturo.kit.access import Permission
from facturo.reports import dashboard as figures
from facturo.surface.web import i18n
from facturo.surface.web.charts import Bar
from facturo.surface.web.i18n import gettext as _
from facturo.surface.web.routing import PageRoute, current, page_requires, redirect, render

log = logging.getLogger("facturo.web")
router = APIRouter(route_class=PageRoute, include_in_schema=False)

BABEL_LOCALES = {"es": "es_GT", "en": "en_US"}


def year_memo(request: Request) -> figures.YearMemo:
    """The app's memo of the year's breakdowns (one per app, hence per database); made on first use."""
    return _memo_of(request.app)


def _memo_of(app: FastAPI) -> figures.YearMemo:
    state = app.state
    memo = getattr(state, "dashboard_year_memo", None)
    if memo is None:
        memo = state.dashboard_year_memo = figures.YearMemo()
    return memo


def warm_dashboard(app: FastAPI) -> None:
    """Fill the memo once, as a first dashboard view would; a failure only means a slower first view."""
    try:
        with app.state.database.unit_of_work(write=False) as session:
            figures.dashboard(session, memo=_memo_of(app))
    except Exception:  # the organisation may not exist yet, or the database may be busy
        log.info("the dashboard memo was not warmed at start", exc_info=True)


def month_label(month: date, pattern: str) -> str:
    """A month in the page's language: ``LLL yy`` (jun 24) under a column, ``LLLL yyyy`` in a table."""
    return format_date(month, pattern, locale=BABEL_LOCALES.get(i18n.current_language(), "es_GT"))


@router.get("/dashboard", dependencies=[page_requires(Permission.INVOICES_READ)])
def dashboard(request: Request) -> Response:
    if current(request).customer_id is not None:
        return redirect("/portal")
    request.state.menu_key = "dashboard"
    data = figures.dashboard(request.state.session, memo=year_memo(request))
    months = [(month_label(m.month, "LLL yy"), month_label(m.month, "LLLL yyyy"), m.amount) for m in data.by_month]
    categories = [(c.name if c.name is not None else _("Other"), c.amount) for c in data.by_category]
    return render(
        request,
        "dashboard/index.html",
        {
            "data": data,
            "months": months,
            "month_bars": [Bar(short, amount) for short, _long, amount in months],
            "customer_bars": [Bar(c.name, c.amount) for c in data.top_customers],
            "categories": categories,
            "category_bars": [Bar(name, amount) for name, amount in categories],
            "this_month": month_label(data.today, "LLLL yyyy"),
        },
    )
