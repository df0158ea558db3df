"""What the invoice pages share: the area's guard (staff only), input types, and the words the
Python side shows.

The catalog test reads the Python strings of ``*/pages.py`` only, so the English message ids live
in ``pages.py`` and are registered here (``MESSAGES``, ``PROBLEMS``) when it is imported; the
editor and action modules say them through ``say`` and ``texts``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Path, Query, Request
from sqlalchemy.orm import Session

from facturo.invoicing.pages.forms import Problems
from facturo.kit.access import Permission, Principal, Role
from facturo.kit.errors import Msg, PermissionDenied
from facturo.kit.schemas import MAX_ID
from facturo.surface.web import i18n
from facturo.surface.web.i18n import gettext as translate

MESSAGES: dict[str, str] = {}  # key → English message id (pages.py fills it)
PROBLEMS: dict[str, str] = {}  # problem code of pages_forms → English message id (pages.py fills it)

DbPathId = Annotated[int, Path(ge=1, le=MAX_ID)]
Text = Annotated[str, Form(max_length=5000)]
Column = Annotated[list[str], Form(max_length=1000, default_factory=list)]
QueryText = Annotated[str, Query(max_length=200)]

STAFF_ONLY = Msg(
    "Estas páginas son para el personal; sus facturas están en «Mis facturas».",
    "These pages are for staff; your invoices are under “My invoices”.",
)


def invoice_area(request: Request) -> None:
    """Every invoice page: the menu entry, and no portal users (they have /portal, scoped to
    their customer), although their role may read invoices."""
    request.state.menu_key = "invoices"
    principal: Principal | None = getattr(request.state, "principal", None)
    if principal is not None and (principal.customer_id is not None or principal.role is Role.CUSTOMER):
        raise PermissionDenied(STAFF_ONLY)


def say(key: str, **values: object) -> str:
    """A message of ``MESSAGES`` in the page's language, with its ``%(name)s`` values.

    ``translate`` is gettext under another name on purpose: its arguments are message ids defined
    (and extracted for the catalog) in pages.py, never literals to extract here."""
    text = translate(MESSAGES[key])
    return text % values if values else text


def texts(problems: Problems) -> dict[str, str]:
    """Problems as the page shows them: codes translated, the service's messages in the language."""
    language = i18n.current_language()
    return {
        key: problem.in_language(language)
        if isinstance(problem, Msg)
        else translate(PROBLEMS.get(problem) or PROBLEMS["invalid"])
        for key, problem in problems.items()
    }


def can(principal: Principal) -> dict[str, bool]:
    """Which buttons the role may see (the routes check the same permissions)."""
    return {
        "write": principal.can(Permission.INVOICES_WRITE),
        "issue": principal.can(Permission.INVOICES_ISSUE),
        "void": principal.can(Permission.INVOICES_VOID),
        "credit": principal.can(Permission.INVOICES_ISSUE),  # as the API: a credit note is issued at once
        "pay": principal.can(Permission.PAYMENTS_WRITE),
        "history": principal.can(Permission.HISTORY_READ),
    }


def session_of(request: Request) -> Session:
    session: Session = request.state.session
    return session
