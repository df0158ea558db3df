"""usage billing

Resources with hourly price history, categories, versioned configurations, instances, consumptions,
received messages, billing runs, the periods each run closed per instance, and the per-line
snapshots that explain each usage invoice line. Triggers make billing exactly-once on both
databases: an instance's billed periods never overlap, no consumption can be recorded inside a
billed period, and consumptions are never rewritten.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-21 15:36:45.870200
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


OVERLAP = "usage billed periods of an instance cannot overlap"
CLOSED = "usage consumption falls in a billed period"
IMMUTABLE = "usage consumptions are never rewritten"

# (trigger, table, event, SQL condition on NEW/OLD, message)
_RULES = (
    (
        "usage_billed_periods_no_overlap",
        "usage_billed_periods",
        "INSERT",
        "EXISTS (SELECT 1 FROM usage_billed_periods p WHERE p.instance_id = NEW.instance_id "
        "AND p.date_from <= NEW.date_to AND NEW.date_from <= p.date_to)",
        OVERLAP,
    ),
    (
        "usage_consumptions_not_in_billed_period",
        "usage_consumptions",
        "INSERT",
        "EXISTS (SELECT 1 FROM usage_billed_periods p WHERE p.instance_id = NEW.instance_id "
        "AND NEW.consumed_on BETWEEN p.date_from AND p.date_to)",
        CLOSED,
    ),
    ("usage_consumptions_immutable", "usage_consumptions", "UPDATE", "TRUE", IMMUTABLE),
)


def _create_triggers() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for name, table, event, condition, message in _RULES:
        if postgres:
            op.execute(
                f"""
                CREATE FUNCTION {name}() RETURNS trigger AS $$
                BEGIN
                    IF {condition} THEN
                        RAISE EXCEPTION '{message}';
                    END IF;
                    RETURN NEW;
                END;
                $$ LANGUAGE plpgsql
                """
            )
            op.execute(f"CREATE TRIGGER {name} BEFORE {event} ON {table} FOR EACH ROW EXECUTE FUNCTION {name}()")
        else:
            when = "" if condition == "TRUE" else f"WHEN {condition} "
            op.execute(
                f"CREATE TRIGGER {name} BEFORE {event} ON {table} {when}BEGIN SELECT RAISE(ABORT, '{message}'); END"
            )


def _drop_triggers() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for name, table, _, _, _ in _RULES:
        op.execute(f"DROP TRIGGER IF EXISTS {name}" + (f" ON {table}" if postgres else ""))
        if postgres:
            op.execute(f"DROP FUNCTION IF EXISTS {name}()")


def upgrade() -> None:
    op.create_table(
        "usage_billing_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("date_from", sa.Date(), nullable=False),
        sa.Column("date_to", sa.Date(), nullable=False),
        sa.Column("issue_date", sa.Date(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("actor_kind", sa.String(length=10), nullable=False),
        sa.Column("actor_id", sa.String(length=64), nullable=False),
        sa.Column("actor_name", sa.String(length=200), nullable=False),
        sa.Column("invoice_count", sa.Integer(), nullable=False),
        sa.Column("consumption_count", sa.Integer(), nullable=False),
        sa.Column("total", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_usage_billing_runs")),
    )
    op.create_table(
        "usage_categories",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=False),
        sa.Column("workload", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_usage_categories")),
        sa.UniqueConstraint("code", name=op.f("uq_usage_categories_code")),
    )
    op.create_table(
        "usage_locks",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_usage_locks")),
    )
    op.create_table(
        "usage_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_kind", sa.String(length=10), nullable=False),
        sa.Column("actor_id", sa.String(length=64), nullable=False),
        sa.Column("actor_name", sa.String(length=200), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_usage_messages")),
    )
    with op.batch_alter_table("usage_messages", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_usage_messages_sha256"), ["sha256"], unique=False)

    op.create_table(
        "usage_resources",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("abbreviation", sa.String(length=40), nullable=False),
        sa.Column("metric", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_usage_resources")),
        sa.UniqueConstraint("code", name=op.f("uq_usage_resources_code")),
    )
    op.create_table(
        "usage_configurations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["category_id"], ["usage_categories.id"], name=op.f("fk_usage_configurations_category_id_usage_categories")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_usage_configurations")),
        sa.UniqueConstraint("code", name=op.f("uq_usage_configurations_code")),
    )
    with op.batch_alter_table("usage_configurations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_usage_configurations_category_id"), ["category_id"], unique=False)

    op.create_table(
        "usage_resource_prices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("resource_id", sa.Integer(), nullable=False),
        sa.Column("valid_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("price_per_hour", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["resource_id"], ["usage_resources.id"], name=op.f("fk_usage_resource_prices_resource_id_usage_resources")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_usage_resource_prices")),
        sa.UniqueConstraint("resource_id", "valid_from", name=op.f("uq_usage_resource_prices_resource_id_valid_from")),
    )
    op.create_table(
        "usage_configuration_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("configuration_id", sa.Integer(), nullable=False),
        sa.Column("valid_from", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["configuration_id"],
            ["usage_configurations.id"],
            name=op.f("fk_usage_configuration_versions_configuration_id_usage_configurations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_usage_configuration_versions")),
        sa.UniqueConstraint(
            "configuration_id", "valid_from", name=op.f("uq_usage_configuration_versions_configuration_id_valid_from")
        ),
    )
    op.create_table(
        "usage_instances",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("configuration_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["configuration_id"],
            ["usage_configurations.id"],
            name=op.f("fk_usage_instances_configuration_id_usage_configurations"),
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_usage_instances_customer_id_customers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_usage_instances")),
        sa.UniqueConstraint("code", name=op.f("uq_usage_instances_code")),
    )
    with op.batch_alter_table("usage_instances", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_usage_instances_configuration_id"), ["configuration_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_usage_instances_customer_id"), ["customer_id"], unique=False)

    op.create_table(
        "usage_billed_periods",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("instance_id", sa.Integer(), nullable=False),
        sa.Column("date_from", sa.Date(), nullable=False),
        sa.Column("date_to", sa.Date(), nullable=False),
        sa.Column("billing_run_id", sa.Integer(), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["billing_run_id"],
            ["usage_billing_runs.id"],
            name=op.f("fk_usage_billed_periods_billing_run_id_usage_billing_runs"),
        ),
        sa.ForeignKeyConstraint(
            ["instance_id"], ["usage_instances.id"], name=op.f("fk_usage_billed_periods_instance_id_usage_instances")
        ),
        sa.ForeignKeyConstraint(
            ["invoice_id"], ["invoices.id"], name=op.f("fk_usage_billed_periods_invoice_id_invoices")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_usage_billed_periods")),
    )
    with op.batch_alter_table("usage_billed_periods", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_usage_billed_periods_billing_run_id"), ["billing_run_id"], unique=False)
        batch_op.create_index("ix_usage_billed_periods_instance", ["instance_id", "date_from"], unique=False)
        batch_op.create_index(batch_op.f("ix_usage_billed_periods_invoice_id"), ["invoice_id"], unique=False)

    op.create_table(
        "usage_configuration_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("resource_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["resource_id"],
            ["usage_resources.id"],
            name=op.f("fk_usage_configuration_items_resource_id_usage_resources"),
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["usage_configuration_versions.id"],
            name=op.f("fk_usage_configuration_items_version_id_usage_configuration_versions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_usage_configuration_items")),
        sa.UniqueConstraint(
            "version_id", "resource_id", name=op.f("uq_usage_configuration_items_version_id_resource_id")
        ),
    )
    with op.batch_alter_table("usage_configuration_items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_usage_configuration_items_resource_id"), ["resource_id"], unique=False)

    op.create_table(
        "usage_consumptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("instance_id", sa.Integer(), nullable=False),
        sa.Column("consumed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("consumed_on", sa.Date(), nullable=False),
        sa.Column("hours", sa.BigInteger(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_usage_consumptions_customer_id_customers")
        ),
        sa.ForeignKeyConstraint(
            ["instance_id"], ["usage_instances.id"], name=op.f("fk_usage_consumptions_instance_id_usage_instances")
        ),
        sa.ForeignKeyConstraint(
            ["message_id"], ["usage_messages.id"], name=op.f("fk_usage_consumptions_message_id_usage_messages")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_usage_consumptions")),
        sa.UniqueConstraint("instance_id", "consumed_at", "hours", name="uq_usage_consumptions_reading"),
    )
    with op.batch_alter_table("usage_consumptions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_usage_consumptions_customer_id"), ["customer_id"], unique=False)
        batch_op.create_index("ix_usage_consumptions_day", ["consumed_on", "instance_id"], unique=False)

    op.create_table(
        "usage_line_snapshots",
        sa.Column("invoice_line_id", sa.Integer(), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.Column("billing_run_id", sa.Integer(), nullable=False),
        sa.Column("instance_id", sa.Integer(), nullable=False),
        sa.Column("instance_code", sa.String(length=40), nullable=False),
        sa.Column("instance_name", sa.String(length=200), nullable=False),
        sa.Column("configuration_code", sa.String(length=40), nullable=False),
        sa.Column("configuration_name", sa.String(length=200), nullable=False),
        sa.Column("category_code", sa.String(length=40), nullable=False),
        sa.Column("category_name", sa.String(length=200), nullable=False),
        sa.Column("period_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("period_end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("rate_from", sa.DateTime(timezone=True), nullable=True),
        sa.Column("rate_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("hours", sa.BigInteger(), nullable=False),
        sa.Column("hour_rate", sa.BigInteger(), nullable=False),
        sa.Column("consumption_count", sa.Integer(), nullable=False),
        sa.Column("total", sa.BigInteger(), nullable=False),
        sa.Column("resources", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["billing_run_id"],
            ["usage_billing_runs.id"],
            name=op.f("fk_usage_line_snapshots_billing_run_id_usage_billing_runs"),
        ),
        sa.ForeignKeyConstraint(
            ["invoice_id"], ["invoices.id"], name=op.f("fk_usage_line_snapshots_invoice_id_invoices")
        ),
        sa.ForeignKeyConstraint(
            ["invoice_line_id"],
            ["invoice_lines.id"],
            name=op.f("fk_usage_line_snapshots_invoice_line_id_invoice_lines"),
        ),
        sa.PrimaryKeyConstraint("invoice_line_id", name=op.f("pk_usage_line_snapshots")),
    )
    with op.batch_alter_table("usage_line_snapshots", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_usage_line_snapshots_billing_run_id"), ["billing_run_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_usage_line_snapshots_invoice_id"), ["invoice_id"], unique=False)

    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("username", sa.String(length=100), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_users_username"), ["username"])

    op.execute("INSERT INTO usage_locks (name) VALUES ('billing')")
    _create_triggers()


def downgrade() -> None:
    _drop_triggers()
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_users_username"), type_="unique")
        batch_op.drop_column("username")

    with op.batch_alter_table("usage_line_snapshots", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_usage_line_snapshots_invoice_id"))
        batch_op.drop_index(batch_op.f("ix_usage_line_snapshots_billing_run_id"))

    op.drop_table("usage_line_snapshots")
    with op.batch_alter_table("usage_consumptions", schema=None) as batch_op:
        batch_op.drop_index("ix_usage_consumptions_day")
        batch_op.drop_index(batch_op.f("ix_usage_consumptions_customer_id"))

    op.drop_table("usage_consumptions")
    with op.batch_alter_table("usage_configuration_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_usage_configuration_items_resource_id"))

    op.drop_table("usage_configuration_items")
    with op.batch_alter_table("usage_billed_periods", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_usage_billed_periods_invoice_id"))
        batch_op.drop_index("ix_usage_billed_periods_instance")
        batch_op.drop_index(batch_op.f("ix_usage_billed_periods_billing_run_id"))

    op.drop_table("usage_billed_periods")
    with op.batch_alter_table("usage_instances", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_usage_instances_customer_id"))
        batch_op.drop_index(batch_op.f("ix_usage_instances_configuration_id"))

    op.drop_table("usage_instances")
    op.drop_table("usage_configuration_versions")
    op.drop_table("usage_resource_prices")
    with op.batch_alter_table("usage_configurations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_usage_configurations_category_id"))

    op.drop_table("usage_configurations")
    op.drop_table("usage_resources")
    with op.batch_alter_table("usage_messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_usage_messages_sha256"))

    op.drop_table("usage_messages")
    op.drop_table("usage_locks")
    op.drop_table("usage_categories")
    op.drop_table("usage_billing_runs")
