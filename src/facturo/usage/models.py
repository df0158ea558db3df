"""Usage billing: what a cloud provider sells by the hour and what its customers consumed.

Prices and configuration compositions are versioned by ``valid_from``: a consumption is rated with
the versions in force at its own moment (docs/usage.md). A billing run closes, for each instance it
bills, the days of its range (``BilledPeriod``): the database keeps an instance's billed periods from
overlapping and refuses consumptions dated inside one, so every consumption is billed once and only
once without rewriting a million consumption rows per run.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from facturo.kit import clock
from facturo.kit.db import Base
from facturo.kit.db_types import ScaledDecimal, UTCDateTime
from facturo.kit.models import Timestamped

# Precision of the figures a message may carry. Rates (Σ quantity × price) then have at most
# HOUR_RATE_SCALE decimals, which is exactly what an invoice line's unit price stores.
PRICE_SCALE = 4
ITEM_QUANTITY_SCALE = 2
HOURS_SCALE = 4
HOUR_RATE_SCALE = PRICE_SCALE + ITEM_QUANTITY_SCALE


class Resource(Timestamped, Base):
    __tablename__ = "usage_resources"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    abbreviation: Mapped[str] = mapped_column(String(40), default="")
    metric: Mapped[str] = mapped_column(String(100), default="")
    kind: Mapped[str] = mapped_column(String(10))  # hardware | software

    prices: Mapped[list[ResourcePrice]] = relationship(order_by="ResourcePrice.valid_from", lazy="selectin")


class ResourcePrice(Base):
    __tablename__ = "usage_resource_prices"
    __table_args__ = (UniqueConstraint("resource_id", "valid_from"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_id: Mapped[int] = mapped_column(ForeignKey("usage_resources.id"))
    valid_from: Mapped[datetime] = mapped_column(UTCDateTime())
    price_per_hour: Mapped[Decimal] = mapped_column(ScaledDecimal(PRICE_SCALE))


class Category(Timestamped, Base):
    __tablename__ = "usage_categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(String(500), default="")
    workload: Mapped[str] = mapped_column(String(100), default="")


class Configuration(Timestamped, Base):
    __tablename__ = "usage_configurations"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(String(500), default="")
    category_id: Mapped[int] = mapped_column(ForeignKey("usage_categories.id"), index=True)

    versions: Mapped[list[ConfigurationVersion]] = relationship(
        order_by="ConfigurationVersion.valid_from", lazy="selectin"
    )


class ConfigurationVersion(Base):
    """The resources of a configuration from ``valid_from`` on."""

    __tablename__ = "usage_configuration_versions"
    __table_args__ = (UniqueConstraint("configuration_id", "valid_from"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    configuration_id: Mapped[int] = mapped_column(ForeignKey("usage_configurations.id"))
    valid_from: Mapped[datetime] = mapped_column(UTCDateTime())

    items: Mapped[list[ConfigurationItem]] = relationship(order_by="ConfigurationItem.id", lazy="selectin")


class ConfigurationItem(Base):
    __tablename__ = "usage_configuration_items"
    __table_args__ = (UniqueConstraint("version_id", "resource_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("usage_configuration_versions.id"))
    resource_id: Mapped[int] = mapped_column(ForeignKey("usage_resources.id"), index=True)
    quantity: Mapped[Decimal] = mapped_column(ScaledDecimal(ITEM_QUANTITY_SCALE))


class Instance(Timestamped, Base):
    __tablename__ = "usage_instances"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    configuration_id: Mapped[int] = mapped_column(ForeignKey("usage_configurations.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    start_date: Mapped[date] = mapped_column(Date)
    state: Mapped[str] = mapped_column(String(10))  # vigente | cancelada
    end_date: Mapped[date | None] = mapped_column(Date)


class Consumption(Base):
    __tablename__ = "usage_consumptions"
    __table_args__ = (
        # The same reading sent twice is one consumption: the database refuses the second.
        UniqueConstraint("instance_id", "consumed_at", "hours", name="uq_usage_consumptions_reading"),
        # Billing runs sum a date range per instance.
        Index("ix_usage_consumptions_day", "consumed_on", "instance_id"),
        # The consumption list newest first, alone, per customer and per instance (migration 0008).
        Index("ix_usage_consumptions_on", "consumed_on", "id"),
        Index("ix_usage_consumptions_customer_day", "customer_id", "consumed_on", "id"),
        Index("ix_usage_consumptions_instance_day", "instance_id", "consumed_on", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    instance_id: Mapped[int] = mapped_column(ForeignKey("usage_instances.id"))
    consumed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # The business date in the organisation's time zone: billing ranges are dates.
    consumed_on: Mapped[date] = mapped_column(Date)
    hours: Mapped[Decimal] = mapped_column(ScaledDecimal(HOURS_SCALE))
    message_id: Mapped[int | None] = mapped_column(ForeignKey("usage_messages.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)


class BilledPeriod(Base):
    """Days of an instance that a billing run invoiced: every consumption dated in them was billed by
    that run, and no other consumption can be recorded there any more (database triggers)."""

    __tablename__ = "usage_billed_periods"
    __table_args__ = (Index("ix_usage_billed_periods_instance", "instance_id", "date_from"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("usage_instances.id"))
    date_from: Mapped[date] = mapped_column(Date)
    date_to: Mapped[date] = mapped_column(Date)
    billing_run_id: Mapped[int] = mapped_column(ForeignKey("usage_billing_runs.id"), index=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"), index=True)


class Message(Base):
    """Every message received: what it was, who sent it and what it did."""

    __tablename__ = "usage_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # configuration | consumption
    filename: Mapped[str] = mapped_column(String(255), default="")
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(Integer)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    actor_kind: Mapped[str] = mapped_column(String(10))
    actor_id: Mapped[str] = mapped_column(String(64))
    actor_name: Mapped[str] = mapped_column(String(200))
    summary: Mapped[dict[str, Any]] = mapped_column(JSON)


class MessageProblem(Base):
    """One duplicate, warning or rejection an import found, by line: the message's full report, so a
    file with a million bad lines answers with a summary and the whole list stays downloadable."""

    __tablename__ = "usage_message_problems"
    __table_args__ = (Index("ix_usage_message_problems_message", "message_id", "kind", "line"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("usage_messages.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(10))  # duplicate | warning | rejection
    line: Mapped[int] = mapped_column(Integer)
    entity: Mapped[str] = mapped_column(String(20))
    key: Mapped[str] = mapped_column(String(200))
    rule: Mapped[str] = mapped_column(String(60))
    message_es: Mapped[str] = mapped_column(Text)
    message_en: Mapped[str] = mapped_column(Text)


class BillingRun(Base):
    __tablename__ = "usage_billing_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    date_from: Mapped[date] = mapped_column(Date)
    date_to: Mapped[date] = mapped_column(Date)
    issue_date: Mapped[date] = mapped_column(Date)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    actor_kind: Mapped[str] = mapped_column(String(10))
    actor_id: Mapped[str] = mapped_column(String(64))
    actor_name: Mapped[str] = mapped_column(String(200))
    invoice_count: Mapped[int] = mapped_column(Integer, default=0)
    consumption_count: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[Decimal] = mapped_column(ScaledDecimal(2), default=Decimal(0))


class LineSnapshot(Base):
    """How a usage invoice line came to be: the instance, the period, the rate and each resource
    with its quantity and price, frozen when the line was billed."""

    __tablename__ = "usage_line_snapshots"

    invoice_line_id: Mapped[int] = mapped_column(ForeignKey("invoice_lines.id"), primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"), index=True)
    billing_run_id: Mapped[int] = mapped_column(ForeignKey("usage_billing_runs.id"), index=True)
    # No foreign key: the snapshot outlives a classroom reset of the usage data it describes.
    instance_id: Mapped[int] = mapped_column(Integer)
    instance_code: Mapped[str] = mapped_column(String(40))
    instance_name: Mapped[str] = mapped_column(String(200))
    configuration_code: Mapped[str] = mapped_column(String(40))
    configuration_name: Mapped[str] = mapped_column(String(200))
    category_code: Mapped[str] = mapped_column(String(40))
    category_name: Mapped[str] = mapped_column(String(200))
    # First and last consumption of the line, and the rate period it covers: [rate_from, rate_until),
    # open-ended when None (the line's consumptions are the instance's in the run's billed periods
    # that fall in it).
    period_start: Mapped[datetime] = mapped_column(UTCDateTime())
    period_end: Mapped[datetime] = mapped_column(UTCDateTime())
    rate_from: Mapped[datetime | None] = mapped_column(UTCDateTime())
    rate_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    hours: Mapped[Decimal] = mapped_column(ScaledDecimal(HOURS_SCALE))
    hour_rate: Mapped[Decimal] = mapped_column(ScaledDecimal(HOUR_RATE_SCALE))
    consumption_count: Mapped[int] = mapped_column(Integer)
    total: Mapped[Decimal] = mapped_column(ScaledDecimal(2))
    # [{"code", "name", "abbreviation", "metric", "kind", "quantity", "price_per_hour"}], decimals as strings
    resources: Mapped[list[dict[str, str]]] = mapped_column(JSON)


# The sales analysis counts each category's distinct sold invoices (reports.queries): this index
# answers it without reading the wide snapshot rows (their frozen JSON). Declared here, with the
# parts table of migration 0010 that added it, rather than in LineSnapshot's own definition.
Index("ix_usage_line_snapshots_invoice_category", LineSnapshot.invoice_id, LineSnapshot.category_code)


class LineResourcePart(Base):
    """A usage invoice line's part of its total earned by one resource of its frozen list, written
    with the line (``usage.line_split.line_parts``: largest remainder over the hourly rates), so the
    sales analysis sums the parts in SQL instead of splitting every line again (docs/reports.md).
    ``invoice_id`` is copied from the line so the sum joins the sold invoices directly."""

    __tablename__ = "usage_line_resource_parts"
    __table_args__ = (
        # Covers the sales analysis' per-resource SUM over the sold invoices.
        Index("ix_usage_line_resource_parts_invoice", "invoice_id", "resource_code", "amount"),
    )

    invoice_line_id: Mapped[int] = mapped_column(ForeignKey("usage_line_snapshots.invoice_line_id"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)  # 1..n in the frozen list
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"))
    resource_code: Mapped[str] = mapped_column(String(40))
    resource_name: Mapped[str] = mapped_column(String(200))
    abbreviation: Mapped[str] = mapped_column(String(40))
    metric: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(40))
    amount: Mapped[Decimal] = mapped_column(ScaledDecimal(2))


class Lock(Base):
    """Rows to serialise usage writers on PostgreSQL: a billing run holds ``billing`` exclusively,
    consumption imports share it, so a run never marks a consumption it did not rate."""

    __tablename__ = "usage_locks"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
