"""Issuing many invoices in one transaction, for usage-billing runs.

Why a path of its own: ``create_draft`` + ``issue_invoice`` spends about a dozen statements and an ORM
unit of work on every invoice (~200/s), and a billing run issues up to 10,000 at once. Here the whole
batch is validated first (nothing is written if any invoice is wrong), then written with a fixed number
of statements whatever its size: one ``UPDATE … RETURNING`` reserves all the numbers, one executemany
each for invoices, lines and history, two reads of the new ids, one update of the series head.

It is the one-by-one path applied to many documents: the rows to insert go through
``issuing.issue_documents`` (numbers, chained hashes, status, dates, the series head) exactly as a
draft does, amounts come from ``amounts.line_amounts``, the date rules from ``issuing``, gapless
numbers from the series row lock. What is its own is the checking (every problem of the batch at
once) and the writing. Nothing is committed here: the caller's unit of work decides.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from types import SimpleNamespace
from typing import Any, cast

from sqlalchemy import and_, bindparam, select
from sqlalchemy.orm import Session

from facturo.audit import service as audit
from facturo.audit.service import jsonable
from facturo.catalog.models import PRICE_SCALE, QUANTITY_SCALE, RATE_SCALE
from facturo.customers import service as customers
from facturo.customers.service import BillingProfile
from facturo.invoicing.amounts import line_amounts
from facturo.invoicing.issuing import ISSUE_FIELDS, checked_issue_date, due_date_for, issue_documents
from facturo.invoicing.models import Invoice, InvoiceLine
from facturo.invoicing.numbering import check_series_kind, default_series, get_series, take_numbers
from facturo.kit import clock
from facturo.kit.actor import Actor
from facturo.kit.bulk import bulk_insert
from facturo.kit.db import table_of
from facturo.kit.errors import FieldProblem, Msg, ValidationFailed
from facturo.kit.money import DEFAULT_TAX_RATE, MAX_AMOUNT, ZERO
from facturo.kit.numbers import positional
from facturo.organisation import service as organisation

__all__ = ["BatchInvoice", "BatchLine", "IssuedSummary", "issue_batch"]


@dataclass(frozen=True, slots=True)
class BatchLine:
    """A free-text line: usage billing has no catalog product (and so no stock) behind its lines."""

    description: str
    quantity: Decimal
    unit_price: Decimal
    unit: str = "hora"
    tax_rate: Decimal = DEFAULT_TAX_RATE
    price_includes_tax: bool = True


@dataclass(frozen=True, slots=True)
class BatchInvoice:
    customer_id: int
    lines: Sequence[BatchLine]
    notes: str = ""


@dataclass(frozen=True, slots=True)
class IssuedSummary:
    invoice_id: int
    customer_id: int
    number: int
    full_number: str
    total: Decimal
    line_ids: list[int]  # ids of the created lines, in line order


Row = dict[str, Any]
_MAX_LINES = 500  # as DraftIn
_IN_CHUNK = 1_000  # ids per IN list: far under SQLite's 32,766 and PostgreSQL's 65,535 bind parameters
_LIMIT_12_DIGITS = Decimal(10) ** 12  # the API's max_digits=18 with 6 decimals (kit.schemas.UnitPrice, Quantity)

_invoices, _lines = table_of(Invoice), table_of(InvoiceLine)
# Bulk inserts (kit.bulk.bulk_insert: values in their stored form, an executemany on SQLite, COPY on
# PostgreSQL), then the new ids read back by natural key (series number; invoice and line number).
# RETURNING measured slower on both databases: SQLite does not promise its order (and
# sort_by_parameter_order makes SQLAlchemy insert one row per statement there), and psycopg re-parses
# every multi-row VALUES statement SQLAlchemy builds (seconds per 10,000 invoices).
_OURS = and_(
    _invoices.c.series_id == bindparam("series_id"), _invoices.c.number.between(bindparam("a"), bindparam("b"))
)
_INVOICE_IDS = select(_invoices.c.number, _invoices.c.id).where(_OURS)
_LINE_IDS = select(_lines.c.invoice_id, _lines.c.line_number, _lines.c.id).join(_invoices).where(_OURS)

# Rule id -> (Spanish, English) reason; each message is prefixed with the invoice (and line) it is about.
_REASONS: dict[str, tuple[str, str]] = {
    "customer.unknown": ("no existe el cliente {customer}.", "customer {customer} does not exist."),
    "customer.inactive": ("el cliente {name} está desactivado.", "customer {name} is deactivated."),
    "invoice.no_lines": ("la factura no tiene líneas.", "the invoice has no lines."),
    "invoice.too_many_lines": (f"más de {_MAX_LINES} líneas.", f"more than {_MAX_LINES} lines."),
    "invoice.notes": ("las notas superan 1000 caracteres.", "the notes are longer than 1000 characters."),
    "invoice.negative_total": ("el total de la factura es negativo.", "the invoice total is negative."),
    "line.description": ("la descripción falta o pasa de 500 caracteres.", "description empty or over 500 characters."),
    "line.unit": ("la unidad falta o pasa de 20 caracteres.", "unit empty or over 20 characters."),
    "line.quantity": (
        f"la cantidad {{value}} debe ser positiva, con hasta 12 enteros y {QUANTITY_SCALE} decimales.",
        f"quantity {{value}} must be positive, with up to 12 integer digits and {QUANTITY_SCALE} decimals.",
    ),
    "line.unit_price": (
        f"el precio unitario {{value}} debe ser >= 0, con hasta 12 enteros y {PRICE_SCALE} decimales.",
        f"unit price {{value}} must be >= 0, with up to 12 integer digits and {PRICE_SCALE} decimals.",
    ),
    "line.tax_rate": (
        f"la tasa {{value}} debe estar entre 0 y 1, con hasta {RATE_SCALE} decimales.",
        f"tax rate {{value}} must be between 0 and 1, with up to {RATE_SCALE} decimals.",
    ),
    "line.amount_too_large": (
        f"el importe {{value}} supera el máximo permitido ({MAX_AMOUNT}).",
        f"the amount {{value}} exceeds the maximum allowed ({MAX_AMOUNT}).",
    ),
}


class _Problems(list[FieldProblem]):
    """Every problem of the batch, so a billing run can be fixed in one go rather than error by error."""

    def add(self, field: str, rule: str, where: tuple[str, str], **values: object) -> None:
        shown = {k: format(v, "f") if isinstance(v, Decimal) else v for k, v in values.items()}  # 1E-7 -> 0.0000001
        es, en = (text.format(**shown) for text in _REASONS[rule])
        self.append(FieldProblem(field, rule, Msg(f"{where[0]}: {es}", f"{where[1]}: {en}")))

    def error(self) -> ValidationFailed:
        first = self[0].message
        if len(self) == 1:
            return ValidationFailed(first, list(self))
        return ValidationFailed(
            Msg(
                f"El lote tiene {len(self)} errores y no se emitió ninguna factura. Primero: {first.es}",
                f"The batch has {len(self)} errors and no invoice was issued. First: {first.en}",
            ),
            list(self),
        )


def _fits(value: Decimal, scale: int, limit: Decimal) -> bool:
    """Storable exactly in its scaled-integer column, which would otherwise refuse it only at insert time."""
    if not isinstance(value, Decimal) or not value.is_finite() or abs(value) >= limit:
        return False
    scaled = value.scaleb(scale)
    return scaled == scaled.to_integral_value()


def _line_row(
    line: BatchLine, number: int, field: str, where: tuple[str, str], currency: str, problems: _Problems
) -> SimpleNamespace | None:
    """The line to store, its amounts by the rounding policy; None (and a problem) if it is invalid."""
    where, start = (f"{where[0]}, línea {number}", f"{where[1]}, line {number}"), len(problems)
    description, unit = line.description.strip(), line.unit.strip()
    if not 1 <= len(description) <= 500:
        problems.add(f"{field}.description", "line.description", where)
    if not 1 <= len(unit) <= 20:
        problems.add(f"{field}.unit", "line.unit", where)
    if not _fits(line.quantity, QUANTITY_SCALE, _LIMIT_12_DIGITS) or line.quantity <= 0:
        problems.add(f"{field}.quantity", "line.quantity", where, value=line.quantity)
    if not _fits(line.unit_price, PRICE_SCALE, _LIMIT_12_DIGITS) or line.unit_price < 0:
        problems.add(f"{field}.unit_price", "line.unit_price", where, value=line.unit_price)
    if not _fits(line.tax_rate, RATE_SCALE, Decimal(2)) or not 0 <= line.tax_rate <= 1:
        problems.add(f"{field}.tax_rate", "line.tax_rate", where, value=line.tax_rate)
    if len(problems) > start:
        return None
    # + ZERO turns a valid -0 into 0: stored as integer 0, it must hash as 0 too (chain's fixed() keeps the sign).
    quantity, unit_price, tax_rate = line.quantity + ZERO, line.unit_price + ZERO, line.tax_rate + ZERO
    amounts = line_amounts(quantity, unit_price, ZERO, tax_rate, line.price_includes_tax, currency)
    if abs(amounts.total) > MAX_AMOUNT:
        problems.add(f"{field}.quantity", "line.amount_too_large", where, value=amounts.total)
        return None
    return SimpleNamespace(  # a draft's line snapshot; invoice_id comes once the invoice has its id
        line_number=number, product_id=None, credited_line_id=None, description=description,
        unit=unit, quantity=quantity, unit_price=unit_price, discount=ZERO,
        tax_rate=tax_rate, price_includes_tax=line.price_includes_tax,
        base_amount=amounts.base, tax_amount=amounts.tax, total_amount=amounts.total,
    )  # fmt: skip


def _document(
    index: int, invoice: BatchInvoice, profile: BillingProfile | None, base: Row, day: date, problems: _Problems
) -> SimpleNamespace | None:
    """The invoice to store with its lines, read and written by attribute as an ORM ``Invoice`` would be
    (``issue_documents`` then numbers, chains and dates it); None if anything is invalid."""
    customer, field, start = invoice.customer_id, f"invoices[{index}]", len(problems)
    where = (f"Factura {index + 1} del lote (cliente {customer})", f"Batch invoice {index + 1} (customer {customer})")
    if profile is None:
        problems.add(f"{field}.customer_id", "customer.unknown", where, customer=customer)
    elif not profile.active:
        problems.add(f"{field}.customer_id", "customer.inactive", where, name=profile.name)
    if not invoice.lines or len(invoice.lines) > _MAX_LINES:
        problems.add(f"{field}.lines", "invoice.too_many_lines" if invoice.lines else "invoice.no_lines", where)
    if len(invoice.notes) > 1000:
        problems.add(f"{field}.notes", "invoice.notes", where)
    lines = [
        _line_row(line, n, f"{field}.lines[{n - 1}]", where, base["currency"], problems)
        for n, line in enumerate(invoice.lines, start=1)
    ]
    rows = [row for row in lines if row is not None]
    if len(problems) > start or profile is None:
        return None
    total = sum((row.total_amount for row in rows), ZERO)
    if total < 0:  # unreachable while quantities and prices cannot be negative: issue_invoice's rule all the same
        problems.add(f"{field}.lines", "invoice.negative_total", where)
        return None
    return SimpleNamespace(
        **base, customer_id=customer, customer_nit=profile.nit, customer_name=profile.name,
        customer_address=profile.address, notes=invoice.notes,
        due_date=due_date_for(day, None, profile.payment_terms_days),
        subtotal=sum((row.base_amount for row in rows), ZERO),
        tax_total=sum((row.tax_amount for row in rows), ZERO), total=total, lines=rows,
    )  # fmt: skip


def issue_batch(
    session: Session,
    actor: Actor,
    invoices: Sequence[BatchInvoice],
    issue_date: date,
    *,
    series_id: int | None = None,
    origin: str = "",
) -> list[IssuedSummary]:
    """Issue all of ``invoices`` in the caller's transaction, numbered consecutively in the order
    given, or none: any invalid invoice raises ``ValidationFailed`` (listing every problem found)
    before anything is written. ``origin`` names the run in each invoice's history record."""
    if not invoices:
        return []
    issuer = organisation.own_issuer(session)
    series = default_series(session, issuer.id, "invoice") if series_id is None else get_series(session, series_id)
    check_series_kind(series, "invoice")
    day = checked_issue_date(issue_date, clock.today(organisation.timezone_of(session, issuer.id)))
    now = clock.now()
    base = {  # the columns issue_documents leaves alone (it sets status, dates, number and hashes)
        "issuer_id": issuer.id, "document_type": "invoice", "series_id": series.id, "currency": issuer.currency,
        "credited_invoice_id": None, "reason": "", "credited_total": ZERO, "paid_total": ZERO,
        "voided_at": None, "void_reason": "", "created_at": now, "updated_at": now,
    }  # fmt: skip
    profiles = customers.billing_profiles(session, {invoice.customer_id for invoice in invoices})
    problems = _Problems()
    prepared = [_document(i, inv, profiles.get(inv.customer_id), base, day, problems) for i, inv in enumerate(invoices)]
    if problems:
        raise problems.error()
    documents = [document for document in prepared if document is not None]

    ticket = take_numbers(session, series.id, "invoice", len(documents))
    issue_documents(session, actor, ticket, cast("list[Invoice]", documents), day, now)

    connection = session.connection()
    rows = [_rows(document) for document in documents]
    _insert(session, _invoices, [doc for doc, _ in rows])
    # Numbers a..b were reserved under the series lock, so the rows carrying them are these ones.
    ours = {"series_id": series.id, "a": ticket.number, "b": ticket.number + len(documents) - 1}
    id_of = {number: id_ for number, id_ in connection.execute(_INVOICE_IDS, ours)}
    written = [(id_of[doc["number"]], doc, lines) for doc, lines in rows]
    audit.record_many(session, actor, now, [_history(id_, doc, lines, origin) for id_, doc, lines in written])
    for id_, _, lines in written:  # after the history snapshots, which do not show it
        for line in lines:
            line["invoice_id"] = id_
    _insert(session, _lines, [line for _, _, lines in written for line in lines])
    line_id = {(row.invoice_id, row.line_number): row.id for row in connection.execute(_LINE_IDS, ours)}
    return [
        IssuedSummary(id_, doc["customer_id"], doc["number"], f"{series.prefix}{doc['number']:08d}", doc["total"],
                      [line_id[id_, line["line_number"]] for line in lines])
        for id_, doc, lines in written
    ]  # fmt: skip


def _insert(session: Session, table: Any, rows: list[Row]) -> None:
    """One bulk insert of rows that all have the same keys (values converted once per column type)."""
    if rows:
        columns = list(rows[0])
        bulk_insert(session, table, columns, [[row[name] for name in columns] for row in rows])


def _rows(document: SimpleNamespace) -> tuple[Row, list[Row]]:
    """The invoice row and its line rows to insert: the document's attributes (no copy), its lines apart."""
    row = vars(document)
    return row, [vars(line) for line in row.pop("lines")]


# No draft record precedes a batch invoice, so its "issued" record holds what issuing records plus
# what a draft's record would hold (customer, notes, totals, lines), and the run it came from.
_HISTORY_KEYS = (*ISSUE_FIELDS, "customer_id", "notes", "subtotal", "tax_total", "total")
_LINE_DECIMALS = ("quantity", "unit_price", "discount", "tax_rate", "base_amount", "tax_amount", "total_amount")


def _history(invoice_id: int, doc: Row, lines: list[Row], origin: str) -> audit.Entry:
    after = {key: jsonable(doc[key]) for key in _HISTORY_KEYS}
    # Decimals spelt out as audit.jsonable writes them: this runs for every line of the batch.
    after["lines"] = [line | {key: positional(line[key]) for key in _LINE_DECIMALS} for line in lines]
    after["origin"] = origin
    return audit.Entry("invoice", invoice_id, "issued", after=after)
