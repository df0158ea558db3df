from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from facturo.kit.db import Base
from facturo.kit.db_types import ScaledDecimal, UTCDateTime
from facturo.kit.models import Timestamped


class Payment(Timestamped, Base):
    """Money received against one invoice; may be split across several methods.
    Never deleted: a mistaken payment is reversed with a reason."""

    __tablename__ = "payments"
    __table_args__ = (
        # The payment list newest first, alone and per invoice (keyset pages, migration 0008).
        Index("ix_payments_received", "received_on", "id"),
        Index("ix_payments_invoice_received", "invoice_id", "received_on", "id"),
        Index("ix_payments_customer_received", "customer_id", "received_on", "id"),
        Index("ix_payments_status_received", "status", "received_on", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"))
    # The invoice's customer, copied when the payment is registered (an issued invoice never changes
    # customer) so that a customer's payments are one index range in the payment list's order.
    customer_id: Mapped[int | None] = mapped_column(Integer)
    received_on: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(ScaledDecimal(2))
    currency: Mapped[str] = mapped_column(String(3))
    notes: Mapped[str] = mapped_column(String(500), default="")
    status: Mapped[str] = mapped_column(String(20), default="active")  # active | reversed
    reversal_reason: Mapped[str] = mapped_column(String(500), default="")
    reversed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    splits: Mapped[list[PaymentSplit]] = relationship(
        back_populates="payment", cascade="all, delete-orphan", lazy="selectin", order_by="PaymentSplit.id"
    )


class PaymentSplit(Base):
    __tablename__ = "payment_splits"

    id: Mapped[int] = mapped_column(primary_key=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("payments.id", ondelete="CASCADE"), index=True)
    method: Mapped[str] = mapped_column(String(20))
    amount: Mapped[Decimal] = mapped_column(ScaledDecimal(2))
    reference: Mapped[str] = mapped_column(String(120), default="")

    payment: Mapped[Payment] = relationship(back_populates="splits")
