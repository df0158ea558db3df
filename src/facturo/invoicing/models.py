from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from facturo.catalog.models import PRICE_SCALE, QUANTITY_SCALE, RATE_SCALE
from facturo.kit.db import Base
from facturo.kit.db_types import ScaledDecimal, UTCDateTime
from facturo.kit.models import Timestamped
from facturo.kit.money import quantize


class Series(Timestamped, Base):
    """A numbering series. ``next_number`` and ``last_hash`` form the counter row that issuing
    locks, so numbers are gapless and each document chains to the one before it."""

    __tablename__ = "series"
    __table_args__ = (UniqueConstraint("issuer_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    issuer_id: Mapped[int] = mapped_column(ForeignKey("issuers.id"))
    code: Mapped[str] = mapped_column(String(20))
    prefix: Mapped[str] = mapped_column(String(20), default="")
    document_type: Mapped[str] = mapped_column(String(20))  # invoice | credit_note
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    next_number: Mapped[int] = mapped_column(Integer, default=1)
    last_hash: Mapped[str | None] = mapped_column(String(64))


class Invoice(Timestamped, Base):
    """An invoice or a credit note (``document_type``). Once issued its content never changes."""

    __tablename__ = "invoices"
    __table_args__ = (
        UniqueConstraint("series_id", "number"),
        # Covers the dashboard's outstanding and overdue sums without reading the rows.
        Index(
            "ix_invoices_status_due",
            "status",
            "due_date",
            "document_type",
            "total",
            "credited_total",
            "paid_total",
        ),
        # The list's filters, each followed by its order (issue_date, id): keyset pages (migration 0008).
        Index("ix_invoices_status_date", "status", "issue_date", "id"),
        Index("ix_invoices_customer_date", "customer_id", "issue_date", "id"),
        Index("ix_invoices_issue_date", "issue_date", "id"),
        Index("ix_invoices_type_date", "document_type", "issue_date", "id"),
        Index(
            "ix_invoices_open_date",
            "issue_date",
            "id",
            sqlite_where=text("status IN ('issued', 'partially_paid')"),
            postgresql_where=text("status IN ('issued', 'partially_paid')"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    issuer_id: Mapped[int] = mapped_column(ForeignKey("issuers.id"))
    document_type: Mapped[str] = mapped_column(String(20), default="invoice")
    status: Mapped[str] = mapped_column(String(20), default="draft")
    series_id: Mapped[int | None] = mapped_column(ForeignKey("series.id"))
    number: Mapped[int | None] = mapped_column(Integer)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    # Snapshot of the customer at issue time: later edits of the customer never alter the document.
    customer_nit: Mapped[str] = mapped_column(String(20), default="")
    customer_name: Mapped[str] = mapped_column(String(200), default="")
    customer_address: Mapped[str] = mapped_column(String(300), default="")
    currency: Mapped[str] = mapped_column(String(3))
    issue_date: Mapped[date | None] = mapped_column(Date)
    due_date: Mapped[date | None] = mapped_column(Date)
    notes: Mapped[str] = mapped_column(String(1000), default="")
    credited_invoice_id: Mapped[int | None] = mapped_column(ForeignKey("invoices.id"), index=True)
    reason: Mapped[str] = mapped_column(String(500), default="")
    subtotal: Mapped[Decimal] = mapped_column(ScaledDecimal(2), default=Decimal(0))
    tax_total: Mapped[Decimal] = mapped_column(ScaledDecimal(2), default=Decimal(0))
    total: Mapped[Decimal] = mapped_column(ScaledDecimal(2), default=Decimal(0))
    credited_total: Mapped[Decimal] = mapped_column(ScaledDecimal(2), default=Decimal(0))
    paid_total: Mapped[Decimal] = mapped_column(ScaledDecimal(2), default=Decimal(0))
    issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    voided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    void_reason: Mapped[str] = mapped_column(String(500), default="")
    previous_hash: Mapped[str | None] = mapped_column(String(64))
    content_hash: Mapped[str | None] = mapped_column(String(64))

    series: Mapped[Series | None] = relationship(lazy="joined")
    credited_invoice: Mapped[Invoice | None] = relationship(remote_side="Invoice.id", lazy="select")
    lines: Mapped[list[InvoiceLine]] = relationship(
        back_populates="invoice",
        order_by="InvoiceLine.line_number",
        cascade="all, delete-orphan",
        lazy="selectin",
    )

    @property
    def balance(self) -> Decimal:
        return balance_of(
            self.document_type, self.status, self.currency, self.total, self.credited_total, self.paid_total
        )

    @property
    def full_number(self) -> str | None:
        return full_number_of(self.series.prefix if self.series is not None else None, self.number)


def balance_of(
    document_type: str, status: str, currency: str, total: Decimal, credited_total: Decimal, paid_total: Decimal
) -> Decimal:
    """What the customer still owes. Nothing is owed on a void invoice or on a credit note."""
    if document_type != "invoice" or status == "void":
        return quantize(Decimal(0), currency)
    return total - credited_total - paid_total


def full_number_of(series_prefix: str | None, number: int | None) -> str | None:
    """The printed number: the series' prefix and eight digits (none before issuing)."""
    if number is None or series_prefix is None:
        return None
    return f"{series_prefix}{number:08d}"


class InvoiceLine(Base):
    __tablename__ = "invoice_lines"
    __table_args__ = (UniqueConstraint("invoice_id", "line_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id", ondelete="CASCADE"))
    line_number: Mapped[int] = mapped_column(Integer)
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id"), index=True)
    credited_line_id: Mapped[int | None] = mapped_column(ForeignKey("invoice_lines.id"), index=True)
    description: Mapped[str] = mapped_column(String(500))
    unit: Mapped[str] = mapped_column(String(20), default="unidad")
    quantity: Mapped[Decimal] = mapped_column(ScaledDecimal(QUANTITY_SCALE))
    unit_price: Mapped[Decimal] = mapped_column(ScaledDecimal(PRICE_SCALE))
    discount: Mapped[Decimal] = mapped_column(ScaledDecimal(2), default=Decimal(0))
    tax_rate: Mapped[Decimal] = mapped_column(ScaledDecimal(RATE_SCALE))
    price_includes_tax: Mapped[bool] = mapped_column(Boolean, default=True)
    base_amount: Mapped[Decimal] = mapped_column(ScaledDecimal(2))
    tax_amount: Mapped[Decimal] = mapped_column(ScaledDecimal(2))
    total_amount: Mapped[Decimal] = mapped_column(ScaledDecimal(2))

    invoice: Mapped[Invoice] = relationship(back_populates="lines")
