from __future__ import annotations

from sqlalchemy import Boolean, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from facturo.kit.db import Base
from facturo.kit.models import Timestamped

CONSUMIDOR_FINAL = "CF"


class Customer(Timestamped, Base):
    __tablename__ = "customers"
    __table_args__ = (
        # One customer per NIT, except "CF" (consumidor final), which many walk-in buyers share.
        Index(
            "uq_customers_nit",
            "nit",
            unique=True,
            sqlite_where=text("nit <> 'CF'"),
            postgresql_where=text("nit <> 'CF'"),
        ),
        # The list's order, alone and after the active filter (keyset pages, migration 0008).
        Index("ix_customers_name", "name", "id"),
        Index("ix_customers_active_name", "active", "name", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    nit: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(300), default="Ciudad")
    email: Mapped[str] = mapped_column(String(200), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    payment_terms_days: Mapped[int] = mapped_column(Integer, default=30)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
