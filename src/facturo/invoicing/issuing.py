"""Issuing and voiding. Issuing numbers the documents, snapshots the customer, takes stock and
chains each document's hash, all in the caller's transaction.

There is one issuing path, ``issue_documents``: ``issue_invoice`` applies it to one draft,
``create_credit_note`` to one credit note, ``batch.issue_batch`` to a whole usage-billing run.
The callers only check and prepare their documents first (each reports its own errors its own way).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy.orm import Session

from facturo.audit import service as audit
from facturo.catalog import service as catalog
from facturo.customers import service as customers
from facturo.invoicing.chain import document_hash
from facturo.invoicing.drafts import ensure_draft, get_document
from facturo.invoicing.lifecycle import Status, ensure_transition
from facturo.invoicing.models import Invoice
from facturo.invoicing.numbering import Ticket, advance_head, check_chronology, take_numbers
from facturo.kit import clock
from facturo.kit.actor import Actor
from facturo.kit.errors import Conflict, InvalidTransition, Msg, ValidationFailed
from facturo.organisation import service as organisation


def take_number_for(session: Session, doc: Invoice) -> Ticket:
    """Take the document's number before anything else: every issuer of a series queues here,
    so the locks taken after it (products) can never be taken in a conflicting order."""
    assert doc.series_id is not None
    return take_numbers(session, doc.series_id, doc.document_type)


def move_stock_for(session: Session, actor: Actor, doc: Invoice, sign: int, reason: str, parent_id: int) -> None:
    """Take (sign -1) or return (sign +1) the document's goods, one movement per product."""
    per_product: dict[int, Decimal] = {}
    for line in doc.lines:
        if line.product_id is not None:
            per_product[line.product_id] = per_product.get(line.product_id, Decimal(0)) + sign * line.quantity
    if per_product:
        catalog.move_stocks(session, actor, per_product, reason, document=("invoice", parent_id))


def _move_stock_on_issue(session: Session, actor: Actor, doc: Invoice) -> None:
    """An invoice takes its goods; a credit note gives them back, booked against the invoice it credits."""
    if not any(line.product_id is not None for line in doc.lines):
        return  # a batch row has no id yet, and needs none: free-text lines move no stock
    if doc.document_type == "credit_note":
        assert doc.credited_invoice_id is not None
        move_stock_for(session, actor, doc, 1, "credited", doc.credited_invoice_id)
    else:
        move_stock_for(session, actor, doc, -1, "issued", doc.id)


def issue_documents(
    session: Session, actor: Actor, ticket: Ticket, documents: Sequence[Invoice], day: date, now: datetime
) -> None:
    """The one issuing path: move each document's stock, then number the documents consecutively
    from ``ticket`` in the order given, chain each one's hash to the one before, mark them issued on
    ``day`` at ``now`` and record the last hash as the series head. The content must be final
    (customer snapshot, due date, lines and totals), and ``ticket`` must hold ``len(documents)`` numbers.

    ``documents`` are ORM invoices, or the rows ``issue_batch`` is about to insert, read and written
    by attribute like them (document_hash and this function only read and set attributes)."""
    for doc in documents:
        _move_stock_on_issue(session, actor, doc)
    check_chronology(session, ticket, day)
    previous = ticket.previous_hash
    for offset, doc in enumerate(documents):
        doc.status = Status.ISSUED
        doc.issue_date = day
        doc.issued_at = now
        doc.number = ticket.number + offset
        doc.previous_hash = previous
        doc.content_hash = previous = document_hash(doc, previous)
    advance_head(session, ticket, previous)


# What issuing sets; the history records exactly these (lines do not change when issuing).
ISSUE_FIELDS = (
    "status",
    "series_id",
    "number",
    "issue_date",
    "due_date",
    "customer_nit",
    "customer_name",
    "customer_address",
    "issued_at",
    "previous_hash",
    "content_hash",
)


def checked_issue_date(requested: date | None, today: date) -> date:
    """The date a document is issued on: today unless told, never in the future."""
    if requested is None:
        return today
    if requested > today:
        raise ValidationFailed.on(
            "issue_date",
            "issue_date.future",
            f"La fecha de emisión {requested:%d/%m/%Y} está en el futuro.",
            f"Issue date {requested.isoformat()} is in the future.",
        )
    return requested


def due_date_for(issue_date: date, requested: date | None, payment_terms_days: int) -> date:
    """The due date asked for, else the customer's payment terms from the issue date."""
    if requested is None:
        return issue_date + timedelta(days=payment_terms_days)
    if requested < issue_date:
        raise ValidationFailed.on(
            "due_date",
            "due_date.before_issue",
            f"El vencimiento {requested:%d/%m/%Y} es anterior a la emisión {issue_date:%d/%m/%Y}.",
            f"Due date {requested.isoformat()} is before the issue date {issue_date.isoformat()}.",
        )
    return requested


def issue_invoice(session: Session, actor: Actor, invoice_id: int, issue_date: date | None = None) -> Invoice:
    doc = get_document(session, invoice_id, for_update=True)
    ensure_draft(doc)
    ensure_transition(doc.status, Status.ISSUED)
    ticket = take_number_for(session, doc)
    if not doc.lines:
        raise ValidationFailed.on(
            "lines", "invoice.no_lines", "La factura no tiene líneas.", "The invoice has no lines."
        )
    if doc.total < 0:
        raise ValidationFailed.on(
            "lines",
            "invoice.negative_total",
            "El total de la factura es negativo.",
            "The invoice total is negative.",
        )
    customer = customers.billing_profile(session, doc.customer_id)
    if not customer.active:
        raise Conflict(
            Msg(f"El cliente {customer.name} está desactivado.", f"Customer {customer.name} is deactivated.")
        )
    day = checked_issue_date(issue_date, clock.today(organisation.timezone_of(session, doc.issuer_id)))
    doc.due_date = due_date_for(day, doc.due_date, customer.payment_terms_days)
    doc.customer_nit, doc.customer_name, doc.customer_address = customer.nit, customer.name, customer.address
    issue_documents(session, actor, ticket, [doc], day, clock.now())
    issued = {key: audit.jsonable(getattr(doc, key)) for key in ISSUE_FIELDS}
    audit.record(session, actor, "invoice", doc.id, "issued", before={"status": Status.DRAFT.value}, after=issued)
    session.flush()  # one flush for the whole issue: constraints fire here, inside the service
    return doc


def void_invoice(session: Session, actor: Actor, invoice_id: int, reason: str) -> Invoice:
    """Voiding keeps the number (gapless) and returns tracked stock."""
    doc = get_document(session, invoice_id, for_update=True)
    if doc.document_type != "invoice":
        raise InvalidTransition(Msg("Las notas de crédito no se anulan.", "Credit notes cannot be voided."))
    if doc.status == Status.VOID:
        raise InvalidTransition(
            Msg(f"La factura {doc.full_number} ya está anulada.", f"Invoice {doc.full_number} is already void.")
        )
    if doc.paid_total > 0:
        raise Conflict(
            Msg(
                f"La factura {doc.full_number} tiene pagos registrados y no puede anularse; "
                "revierta los pagos o emita una nota de crédito.",
                f"Invoice {doc.full_number} has payments and cannot be voided; "
                "reverse the payments or issue a credit note.",
            )
        )
    if doc.credited_total > 0:
        raise Conflict(
            Msg(
                f"La factura {doc.full_number} tiene notas de crédito y no puede anularse.",
                f"Invoice {doc.full_number} has credit notes and cannot be voided.",
            )
        )
    ensure_transition(doc.status, Status.VOID)
    reason = reason.strip()
    if len(reason) < 5:
        raise ValidationFailed.on(
            "reason", "void.reason", "Indique el motivo de la anulación.", "Give the reason for voiding."
        )
    move_stock_for(session, actor, doc, 1, "voided", doc.id)
    previous = doc.status
    doc.status = Status.VOID
    doc.void_reason = reason
    doc.voided_at = clock.now()
    session.flush()
    audit.record(
        session,
        actor,
        "invoice",
        doc.id,
        "voided",
        before={"status": previous},
        after={"status": doc.status, "void_reason": reason},
    )
    return doc
