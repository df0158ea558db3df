from __future__ import annotations

from sqlalchemy import Boolean, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from facturo.kit.db import Base
from facturo.kit.models import Timestamped


class Issuer(Timestamped, Base):
    """An invoice issuer. ``is_own`` marks the organisation running this facturo; received
    invoices (next wave) reference other rows of this same table."""

    __tablename__ = "issuers"
    __table_args__ = (
        Index(
            "uq_issuers_own",
            "is_own",
            unique=True,
            sqlite_where=text("is_own"),
            postgresql_where=text("is_own"),
        ),
        Index("uq_issuers_nit", "nit", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    is_own: Mapped[bool] = mapped_column(Boolean, default=False)
    name: Mapped[str] = mapped_column(String(200))
    trade_name: Mapped[str] = mapped_column(String(200), default="")
    nit: Mapped[str] = mapped_column(String(20))
    address: Mapped[str] = mapped_column(String(300), default="")
    establishment_code: Mapped[str] = mapped_column(String(10), default="1")
    email: Mapped[str] = mapped_column(String(200), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    currency: Mapped[str] = mapped_column(String(3), default="GTQ")
    timezone: Mapped[str] = mapped_column(String(64), default="America/Guatemala")
