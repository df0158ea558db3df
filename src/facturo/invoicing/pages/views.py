"""How the invoice pages show what their one service query gathered (``invoicing.screens``,
``invoicing.editing``): the editor's product choices and the stored draft as a form, the live
totals preview with each row's placeholders, the history timeline, and the list's filters.
No service call here: everything shown comes in the query's answer."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlencode

from facturo.audit.schemas import HistoryEntryOut
from facturo.catalog.schemas import ProductOut
from facturo.invoicing import service
from facturo.invoicing.amounts import LineAmounts
from facturo.invoicing.editing import StoredDraft, TotalsPreview
from facturo.invoicing.pages.forms import DraftForm, LineForm, Problems, whole_number
from facturo.kit.money import DEFAULT_TAX_RATE
from facturo.kit.numbers import plain
from facturo.kit.schemas import MAX_ID
from facturo.surface.web.formatting import money


def price_text(value: Decimal) -> str:
    """A unit price as printed: grouped, at least the cents, and every decimal it really has (33.333)."""
    return plain(value, 2, grouped=True)


# --- the editor's choices ----------------------------------------------------------------------


def product_choice(product: ProductOut) -> dict[str, str]:
    return {
        "code": product.code,
        "name": product.name,
        "unit": product.unit,
        "unit_price": plain(product.unit_price, 2),
        "tax_rate": plain(product.tax_rate * 100),
        "includes": "yes" if product.price_includes_tax else "no",
    }


def product_choices(products: Iterable[ProductOut]) -> list[dict[str, str]]:
    return [product_choice(p) for p in products]


def line_forms(stored: StoredDraft) -> list[LineForm]:
    """A stored draft's lines as the editor shows them."""
    codes = stored.product_codes
    return [
        LineForm(
            product=codes.get(line.product_id, "") if line.product_id is not None else "",
            description=line.description,
            unit=line.unit,
            quantity=plain(line.quantity),
            unit_price=plain(line.unit_price, 2),
            discount=plain(line.discount, 2) if line.discount else "",
            tax_rate=plain(line.tax_rate * 100),
            includes="yes" if line.price_includes_tax else "no",
        )
        for line in stored.doc.lines
    ]


def draft_form(stored: StoredDraft) -> DraftForm:
    doc = stored.doc
    return DraftForm(
        customer_id=str(doc.customer_id),
        due_date=doc.due_date.isoformat() if doc.due_date else "",
        notes=doc.notes,
        lines=line_forms(stored) or [LineForm()],
    )


# --- the totals preview ------------------------------------------------------------------------


@dataclass
class LinePreview:
    amounts: LineAmounts | None = None
    placeholders: dict[str, str] = field(default_factory=dict)


@dataclass
class Preview:
    lines: list[LinePreview]
    subtotal: Decimal
    tax: Decimal
    total: Decimal


def _defaults(product: ProductOut | None) -> dict[str, str]:
    if product is None:
        return {"description": "", "unit": "unidad", "unit_price": "", "tax_rate": plain(DEFAULT_TAX_RATE * 100)}
    choice = product_choice(product)
    return {key: choice[key] for key in ("unit", "unit_price", "tax_rate")} | {"description": product.name}


def preview(totals: TotalsPreview) -> Preview:
    """The service's figures with what each row shows while a field is left blank (the product's)."""
    rows = [LinePreview(amounts=row.amounts, placeholders=_defaults(row.product)) for row in totals.rows]
    return Preview(rows, totals.subtotal, totals.tax, totals.total)


def preview_json(shown: Preview, texts: Mapping[str, str]) -> dict[str, Any]:
    """The preview for invoice-editor.js: exact figures, as shown (Q1,234.50), and each row's
    problems by field (``texts`` are keyed ``line-<row>-<field>``)."""

    def figures(amounts: LineAmounts) -> dict[str, dict[str, str]]:
        values = {"base": amounts.base, "tax": amounts.tax, "total": amounts.total}
        return {"amounts": {k: str(v) for k, v in values.items()}, "shown": {k: money(v) for k, v in values.items()}}

    lines = []
    for row, line in enumerate(shown.lines):
        prefix = f"line-{row}-"
        errors = {key[len(prefix) :]: text for key, text in texts.items() if key.startswith(prefix)}
        data: dict[str, Any] = {"errors": errors, "placeholders": line.placeholders, "amounts": None, "shown": None}
        if line.amounts is not None:
            data.update(figures(line.amounts))
        lines.append(data)
    totals = {"subtotal": shown.subtotal, "tax": shown.tax, "total": shown.total}
    return {
        "lines": lines,
        "totals": {k: str(v) for k, v in totals.items()},
        "shown": {k: money(v) for k, v in totals.items()},
    }


# --- the history timeline ----------------------------------------------------------------------


@dataclass(frozen=True)
class Event:
    action: str  # the history record's action, e.g. "draft_created", "issued", "registered"
    kind: str  # "invoice", "payment", "product"
    at: datetime
    actor: str
    amount: Decimal | None = None
    reason: str = ""
    status_from: str = ""
    status_to: str = ""
    number: str = ""


def _decimal(value: Any) -> Decimal | None:
    if not isinstance(value, str | int):
        return None
    try:
        result = Decimal(value)
    except InvalidOperation:
        return None
    return result if result.is_finite() else None


def timeline(records: Iterable[HistoryEntryOut]) -> list[Event]:
    events = []
    for record in records:
        before: Mapping[str, Any] = record.before or {}
        after: Mapping[str, Any] = record.after or {}
        amount = _decimal(after.get("amount")) if record.entity_type == "payment" else _decimal(after.get("total"))
        reason = str(after.get("void_reason") or after.get("reversal_reason") or after.get("reason") or "")
        events.append(
            Event(
                action=record.action,
                kind=record.entity_type,
                at=record.at,
                actor=record.actor_name,
                amount=amount,
                reason=reason if record.action != "stock_moved" else "",
                status_from=str(before.get("status") or ""),
                status_to=str(after.get("status") or ""),
            )
        )
    return list(reversed(events))  # newest first


# --- the list's filters ------------------------------------------------------------------------

STATUSES = tuple(s.value for s in service.Status)
DOCUMENT_TYPES = ("invoice", "credit_note")


@dataclass
class ListFilters:
    status: str = ""
    customer: str = ""
    date_from: str = ""
    date_to: str = ""
    overdue: bool = False
    document_type: str = ""

    def parse(self, visible_to: int | None) -> tuple[service.InvoiceFilter, Problems]:
        """The filter (``overdue`` is applied against today by the list's query) and its problems."""
        problems: Problems = {}
        status = service.Status(self.status) if self.status in STATUSES else None
        if self.status and status is None:
            problems["status"] = "choice"
        customer_id = None
        if self.customer:
            customer_id = whole_number(self.customer, MAX_ID)
            if customer_id is None:
                problems["customer"] = "choice"
        dates: dict[str, date | None] = {}
        for name, raw in (("from", self.date_from), ("to", self.date_to)):
            dates[name] = None
            if raw:
                try:
                    dates[name] = date.fromisoformat(raw)
                except ValueError:
                    problems[name] = "date"
        if self.document_type and self.document_type not in DOCUMENT_TYPES:
            problems["type"] = "choice"
        flt = service.InvoiceFilter(
            status=status,
            customer_id=customer_id,
            date_from=dates["from"],
            date_to=dates["to"],
            document_type=self.document_type if self.document_type in DOCUMENT_TYPES else None,
            visible_to=visible_to,
        )
        return flt, problems

    def query(self) -> str:
        """The filters as the pager's extra query string (``&status=…``)."""
        pairs = {
            "status": self.status,
            "customer": self.customer,
            "from": self.date_from,
            "to": self.date_to,
            "type": self.document_type,
            "overdue": "1" if self.overdue else "",
        }
        kept = {key: value for key, value in pairs.items() if value}
        return "&" + urlencode(kept) if kept else ""
