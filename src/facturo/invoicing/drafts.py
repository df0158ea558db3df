"""Drafts: editable, unnumbered invoices whose lines snapshot the catalog at the time they are written."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, joinedload, lazyload
from sqlalchemy.orm.util import identity_key

from facturo.audit import service as audit
from facturo.catalog import service as catalog
from facturo.customers import service as customers
from facturo.invoicing.amounts import LineAmounts, document_totals, line_amounts
from facturo.invoicing.lifecycle import Status
from facturo.invoicing.models import Invoice, InvoiceLine, Series
from facturo.invoicing.numbering import check_series_kind, default_series, get_series
from facturo.invoicing.schemas import DraftIn, DraftPatch, LineIn
from facturo.kit.actor import Actor
from facturo.kit.db import table_of
from facturo.kit.errors import ImmutableDocument, Msg, NotFound, ValidationFailed, not_found
from facturo.kit.money import DEFAULT_TAX_RATE, MAX_AMOUNT
from facturo.organisation import service as organisation

_FOR_UPDATE = (
    select(Invoice)
    .where(Invoice.id == bindparam("invoice_id"))
    .with_for_update(of=Invoice)
    # One round trip: the lines come in the same query (only the invoice row is locked); the
    # series comes from the identity map when needed.
    .options(lazyload(Invoice.series), joinedload(Invoice.lines))
)


# Reading one document: its series and lines in a single query.
_READ = select(Invoice).where(Invoice.id == bindparam("invoice_id")).options(joinedload(Invoice.lines))


def get_document(
    session: Session, invoice_id: int, *, for_update: bool = False, visible_to: int | None = None
) -> Invoice:
    """One document; ``for_update`` locks its row (PostgreSQL) and reloads it if already in the session.

    ``visible_to`` is the customer a portal caller belongs to: a draft, or another customer's document, is
    reported as not found, exactly like one that does not exist, so ids leak nothing.
    """
    if for_update:
        stmt = _FOR_UPDATE
        if session.identity_map.get(identity_key(Invoice, invoice_id)) is not None:
            stmt = stmt.execution_options(populate_existing=True)
        doc = session.scalars(stmt, {"invoice_id": invoice_id}).unique().one_or_none()
    else:
        doc = session.scalars(_READ, {"invoice_id": invoice_id}).unique().one_or_none()
    if doc is None or (visible_to is not None and (doc.customer_id != visible_to or doc.status == Status.DRAFT)):
        raise not_found("la factura", "Invoice", invoice_id)
    return doc


_invoices, _lines, _series = table_of(Invoice), table_of(InvoiceLine), table_of(Series)
HEAD_COLUMNS = (
    "id", "document_type", "status", "number", "customer_id", "customer_nit", "customer_name",
    "customer_address", "currency", "issue_date", "due_date", "notes", "credited_invoice_id", "reason",
    "subtotal", "tax_total", "total", "credited_total", "paid_total", "issued_at", "voided_at",
    "void_reason", "content_hash",
)  # fmt: skip
LINE_COLUMNS = (
    "line_number", "product_id", "credited_line_id", "description", "unit", "quantity", "unit_price",
    "discount", "tax_rate", "price_includes_tax", "base_amount", "tax_amount", "total_amount",
)  # fmt: skip
# The whole document in one query of plain columns: its row and its series' code and prefix, once
# per line (an outer join: a draft may have none yet), lines in order. No ORM objects are built.
_READ_ROWS = (
    select(
        *(_invoices.c[name] for name in HEAD_COLUMNS),
        _series.c.code.label("series_code"),
        _series.c.prefix.label("series_prefix"),
        _lines.c.id.label("line_id"),
        *(_lines.c[name].label(f"line_{name}") for name in LINE_COLUMNS),
    )
    .select_from(
        _invoices.outerjoin(_series, _series.c.id == _invoices.c.series_id).outerjoin(
            _lines, _lines.c.invoice_id == _invoices.c.id
        )
    )
    .where(_invoices.c.id == bindparam("invoice_id"))
    .order_by(_lines.c.line_number)
)


@dataclass(frozen=True, slots=True)
class DocumentRead:
    """One document as stored, for showing it: ``head`` holds the invoice's columns plus
    ``series_code`` and ``series_prefix``; ``lines`` each hold ``LINE_COLUMNS``."""

    head: Mapping[Any, Any]
    lines: Sequence[Mapping[str, Any]]


def read_document(session: Session, invoice_id: int, *, visible_to: int | None = None) -> DocumentRead:
    """``get_document`` for reading only (the API's, the page's and the portal's invoice view): the
    same visibility rule and not-found answer, in one query of plain columns."""
    rows = session.connection().execute(_READ_ROWS, {"invoice_id": invoice_id}).mappings().all()
    if not rows:
        raise not_found("la factura", "Invoice", invoice_id)
    head = rows[0]
    if visible_to is not None and (head["customer_id"] != visible_to or head["status"] == Status.DRAFT):
        raise not_found("la factura", "Invoice", invoice_id)
    lines = [{name: row[f"line_{name}"] for name in LINE_COLUMNS} for row in rows if row["line_id"] is not None]
    return DocumentRead(head, lines)


def ensure_draft(doc: Invoice) -> None:
    if doc.status != Status.DRAFT:
        label = doc.full_number or str(doc.id)
        raise ImmutableDocument(
            Msg(
                f"La factura {label} ya fue emitida y no puede modificarse; use una nota de crédito.",
                f"Invoice {label} has been issued and cannot be changed; use a credit note.",
            )
        )


class ProductTerms(Protocol):
    """What a line may take from its product (a stored product or its API view)."""

    @property
    def name(self) -> str: ...
    @property
    def unit(self) -> str: ...
    @property
    def unit_price(self) -> Decimal: ...
    @property
    def tax_rate(self) -> Decimal: ...
    @property
    def price_includes_tax(self) -> bool: ...


@dataclass(frozen=True, slots=True)
class LineTerms:
    description: str | None
    unit: str | None
    unit_price: Decimal | None
    tax_rate: Decimal
    price_includes_tax: bool


def line_terms(
    product: ProductTerms | None,
    description: str | None,
    unit: str | None,
    unit_price: Decimal | None,
    tax_rate: Decimal | None,
    includes: bool | None,
) -> LineTerms:
    """A line's terms: what it says, else its product's, else the house defaults (IVA 12%, included
    in the price). The one place that rule lives: the editor's live preview uses it too."""
    if product is not None:
        description = description or product.name
        unit = unit or product.unit
        unit_price = product.unit_price if unit_price is None else unit_price
        tax_rate = product.tax_rate if tax_rate is None else tax_rate
        includes = product.price_includes_tax if includes is None else includes
    return LineTerms(
        description,
        unit,
        unit_price,
        DEFAULT_TAX_RATE if tax_rate is None else tax_rate,
        True if includes is None else includes,
    )


def build_line(session: Session, currency: str, number: int, data: LineIn) -> InvoiceLine:
    """Copy what the line needs from the product now, so later catalog edits never reach it."""
    product = None
    if data.product_id is not None:
        try:
            product = catalog.get_product(session, data.product_id)
        except NotFound:
            raise ValidationFailed.on(
                f"lines[{number - 1}].product_id",
                "product.unknown",
                f"Línea {number}: no existe el producto {data.product_id}.",
                f"Line {number}: product {data.product_id} does not exist.",
            ) from None
        if not product.active:
            raise ValidationFailed.on(
                f"lines[{number - 1}].product_id",
                "product.inactive",
                f"Línea {number}: el producto {product.code} está inactivo.",
                f"Line {number}: product {product.code} is inactive.",
            )
    terms = line_terms(product, data.description, data.unit, data.unit_price, data.tax_rate, data.price_includes_tax)
    description, unit, unit_price = terms.description, terms.unit, terms.unit_price
    tax_rate, includes = terms.tax_rate, terms.price_includes_tax
    assert description is not None and unit_price is not None  # guaranteed by LineIn's validator
    if data.discount > data.quantity * unit_price:
        raise ValidationFailed.on(
            f"lines[{number - 1}].discount",
            "line.discount_exceeds",
            f"Línea {number}: el descuento ({data.discount}) supera el importe de la línea.",
            f"Line {number}: the discount ({data.discount}) exceeds the line amount.",
        )
    amounts = line_amounts(data.quantity, unit_price, data.discount, tax_rate, includes, currency)
    if abs(amounts.total) > MAX_AMOUNT:
        raise ValidationFailed.on(
            f"lines[{number - 1}].quantity",
            "line.amount_too_large",
            f"Línea {number}: el importe {amounts.total} supera el máximo permitido ({MAX_AMOUNT}).",
            f"Line {number}: the amount {amounts.total} exceeds the maximum allowed ({MAX_AMOUNT}).",
        )
    return InvoiceLine(
        line_number=number,
        product_id=data.product_id,
        description=description,
        unit=unit or "unidad",
        quantity=data.quantity,
        unit_price=unit_price,
        discount=data.discount,
        tax_rate=tax_rate,
        price_includes_tax=includes,
        base_amount=amounts.base,
        tax_amount=amounts.tax,
        total_amount=amounts.total,
    )


def refresh_totals(doc: Invoice) -> None:
    """Stored totals are a cache of the lines' sums; this is the only place that writes them."""
    totals = document_totals(LineAmounts(ln.base_amount, ln.tax_amount, ln.total_amount) for ln in doc.lines)
    doc.subtotal, doc.tax_total, doc.total = totals.subtotal, totals.tax, totals.total


def _set_lines(session: Session, doc: Invoice, lines: list[LineIn]) -> None:
    if doc.lines:
        # Old lines must be gone before new ones reuse their numbers (unique per invoice).
        doc.lines.clear()
        session.flush()
    doc.lines.extend(build_line(session, doc.currency, i, line) for i, line in enumerate(lines, start=1))
    refresh_totals(doc)


def _attach_customer(session: Session, doc: Invoice, customer_id: int) -> None:
    """Drafts show their customer as it is now; issuing takes the final snapshot."""
    try:
        customer = customers.get_customer(session, customer_id)
    except NotFound:
        raise ValidationFailed.on(
            "customer_id",
            "customer.unknown",
            f"No existe el cliente {customer_id}.",
            f"Customer {customer_id} does not exist.",
        ) from None
    if not customer.active:
        raise ValidationFailed.on(
            "customer_id",
            "customer.inactive",
            f"El cliente {customer.name} está desactivado.",
            f"Customer {customer.name} is deactivated.",
        )
    doc.customer_id = customer.id
    doc.customer_nit, doc.customer_name, doc.customer_address = customer.nit, customer.name, customer.address


def create_draft(session: Session, actor: Actor, data: DraftIn) -> Invoice:
    issuer = organisation.own_issuer(session)
    if data.series_id is not None:
        check_series_kind(get_series(session, data.series_id), "invoice")
        series_id = data.series_id
    else:
        series_id = default_series(session, issuer.id, "invoice").id
    doc = Invoice(
        issuer_id=issuer.id,
        document_type="invoice",
        status=Status.DRAFT,
        series_id=series_id,
        currency=issuer.currency,
        due_date=data.due_date,
        notes=data.notes,
    )
    _attach_customer(session, doc, data.customer_id)
    session.add(doc)
    _set_lines(session, doc, data.lines)
    session.flush()
    audit.record(session, actor, "invoice", doc.id, "draft_created", after=draft_snapshot(doc))
    return doc


def update_draft(session: Session, actor: Actor, invoice_id: int, patch: DraftPatch) -> Invoice:
    doc = get_document(session, invoice_id, for_update=True)
    ensure_draft(doc)
    before = draft_snapshot(doc)
    if patch.customer_id is not None:
        _attach_customer(session, doc, patch.customer_id)
    if patch.series_id is not None:
        check_series_kind(get_series(session, patch.series_id), "invoice")
        doc.series_id = patch.series_id
    if "due_date" in patch.model_fields_set:
        doc.due_date = patch.due_date
    if patch.notes is not None:
        doc.notes = patch.notes
    if patch.lines is not None:
        _set_lines(session, doc, patch.lines)
    session.flush()
    audit.record_changes(session, actor, "invoice", doc.id, before, draft_snapshot(doc), "draft_updated")
    return doc


def delete_draft(session: Session, actor: Actor, invoice_id: int) -> None:
    doc = get_document(session, invoice_id, for_update=True)
    ensure_draft(doc)
    audit.record(session, actor, "invoice", doc.id, "draft_deleted", before=draft_snapshot(doc))
    session.delete(doc)
    session.flush()


def draft_snapshot(doc: Invoice) -> dict[str, object]:
    data = audit.snapshot(doc)
    data["lines"] = [audit.snapshot(line, exclude=("id", "invoice_id")) for line in doc.lines]
    return data
