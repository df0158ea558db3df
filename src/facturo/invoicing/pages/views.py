"""What the invoice pages show, gathered from the services: choices for the editor's selects, the
product lookup, the live totals preview, the history timeline, what remains creditable per line
and the list's filters. No SQL here and no rule of its own: figures come from ``amounts`` (the
rounding policy) and every read goes through a service."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlencode

from sqlalchemy.orm import Session

from facturo.audit.schemas import HistoryEntryOut
from facturo.catalog import service as catalog
from facturo.catalog.schemas import ProductOut
from facturo.customers import service as customers
from facturo.invoicing import service
from facturo.invoicing.amounts import IVA_GT, LineAmounts, document_totals, line_amounts
from facturo.invoicing.models import Invoice
from facturo.invoicing.pages.forms import DraftForm, LineForm, ParsedDraft, Problems, clean, plain, whole_number
from facturo.kit import clock
from facturo.kit.errors import NotFound
from facturo.kit.money import quantize
from facturo.kit.pagination import PageParams
from facturo.kit.schemas import MAX_ID
from facturo.organisation import service as organisation
from facturo.surface.web.formatting import money, number

ZERO = Decimal(0)


def price_text(value: Decimal) -> str:
    """A unit price as printed: grouped, at least the cents, and every decimal it really has (33.333)."""
    whole, _, fraction = number(value).partition(".")
    return f"{whole}.{fraction.ljust(2, '0')}"


def business_today(session: Session) -> date:
    return clock.today(organisation.business_timezone(session))


# --- the editor's choices ----------------------------------------------------------------------


def customer_choices(session: Session, query: str, selected: str, active: bool | None = True) -> list[tuple[str, str]]:
    """Customers matching the search (by name or NIT), with the chosen one always present."""
    found = customers.search_customers(session, PageParams(size=200), query=query[:100] or None, active=active).items
    choices = [(str(c.id), f"{c.name} ({c.nit})") for c in found]
    wanted = whole_number(selected, MAX_ID)
    if wanted is not None and str(wanted) not in {value for value, _ in choices}:
        try:
            chosen = customers.get_customer(session, wanted)
        except NotFound:
            return choices
        choices.insert(0, (str(chosen.id), f"{chosen.name} ({chosen.nit})"))
    return choices


def product_choice(product: ProductOut) -> dict[str, str]:
    return {
        "code": product.code,
        "name": product.name,
        "unit": product.unit,
        "unit_price": plain(product.unit_price, 2),
        "tax_rate": plain(product.tax_rate * 100),
        "includes": "yes" if product.price_includes_tax else "no",
    }


def product_choices(session: Session, query: str = "", limit: int = 100) -> list[dict[str, str]]:
    """Active products whose code or name contains ``query`` (all of them, up to ``limit``)."""
    found = catalog.search_products(session, PageParams(size=limit), query=clean(query)[:100] or None).items
    return [product_choice(ProductOut.model_validate(p)) for p in found if p.active]


@dataclass
class ProductLookup:
    """Turns the product code a line carries into the product (an exact code first, else the one
    product whose code or name contains what was typed), or an error code."""

    session: Session
    by_code: dict[str, ProductOut] = field(default_factory=dict)

    def product(self, typed: str) -> ProductOut | str:
        key = typed.lower()
        if key in self.by_code:
            return self.by_code[key]
        found = catalog.search_products(self.session, PageParams(size=500), query=typed[:100]).items
        exact = [p for p in found if p.code.lower() == key]
        if exact:
            chosen = exact[0]
        elif len(found) == 1:
            chosen = found[0]
        else:
            return "unknown_product" if not found else "ambiguous_product"
        if not chosen.active:
            return "inactive_product"
        self.by_code[key] = ProductOut.model_validate(chosen)
        return self.by_code[key]

    def __call__(self, typed: str) -> int | str:
        found = self.product(typed)
        return found if isinstance(found, str) else found.id


def line_forms(session: Session, doc: Invoice) -> list[LineForm]:
    """A stored draft's lines as the editor shows them."""
    codes: dict[int, str] = {}
    for line in doc.lines:
        if line.product_id is not None and line.product_id not in codes:
            try:
                codes[line.product_id] = catalog.get_product(session, line.product_id).code
            except NotFound:
                codes[line.product_id] = ""
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
        for line in doc.lines
    ]


def draft_form(session: Session, doc: Invoice) -> DraftForm:
    return DraftForm(
        customer_id=str(doc.customer_id),
        due_date=doc.due_date.isoformat() if doc.due_date else "",
        notes=doc.notes,
        lines=line_forms(session, doc) or [LineForm()],
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
        return {"description": "", "unit": "unidad", "unit_price": "", "tax_rate": plain(IVA_GT * 100)}
    choice = product_choice(product)
    return {key: choice[key] for key in ("unit", "unit_price", "tax_rate")} | {"description": product.name}


def preview(form: DraftForm, parsed: ParsedDraft, lookup: ProductLookup, currency: str) -> Preview:
    """Each row's figures and the document's totals, by the rounding policy (docs/rounding.md):
    the same ``line_amounts`` the service stores, over the product's price, rate and tax mode
    where the line leaves them blank. Rows with a problem count for nothing until corrected."""
    rows: list[LinePreview] = []
    for row, line in enumerate(form.lines):
        product = lookup.by_code.get(line.product.lower()) if line.product else None
        shown = LinePreview(placeholders=_defaults(product))
        valid = parsed.lines.get(row)
        if valid is not None:
            terms = service.line_terms(product, None, None, valid.unit_price, valid.tax_rate, valid.price_includes_tax)
            if terms.unit_price is not None:
                shown.amounts = line_amounts(
                    valid.quantity,
                    terms.unit_price,
                    valid.discount,
                    terms.tax_rate,
                    terms.price_includes_tax,
                    currency,
                )
        rows.append(shown)
    totals = document_totals(r.amounts for r in rows if r.amounts is not None)
    # Sums of rounded figures are exact already; quantizing only gives "nothing yet" its cents.
    return Preview(
        rows, quantize(totals.subtotal, currency), quantize(totals.tax, currency), quantize(totals.total, currency)
    )


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


# --- credit notes ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CreditRow:
    line_number: int
    description: str
    unit: str
    quantity: Decimal
    credited: Decimal
    total: Decimal

    @property
    def remaining(self) -> Decimal:
        return self.quantity - self.credited


def credit_rows(doc: Invoice, notes: Iterable[Invoice]) -> list[CreditRow]:
    """Each invoiced line with what earlier credit notes already took back."""
    credited: dict[int, Decimal] = {}
    for note in notes:
        for line in note.lines:
            if line.credited_line_id is not None:
                credited[line.credited_line_id] = credited.get(line.credited_line_id, ZERO) + line.quantity
    return [
        CreditRow(ln.line_number, ln.description, ln.unit, ln.quantity, credited.get(ln.id, ZERO), ln.total_amount)
        for ln in doc.lines
    ]


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

    def parse(self, today: date, visible_to: int | None) -> tuple[service.InvoiceFilter, Problems]:
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
            overdue_on=today if self.overdue else None,
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
