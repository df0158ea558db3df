"""usage billing

Resources with hourly price history, categories, versioned configurations, instances, consumptions
with their billing mark, received messages, billing runs and the per-line snapshots that explain
each usage invoice line. A trigger makes the billing mark write-once on both databases.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-21 14:30:18.903411
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


BILLED_ONCE = "usage consumption is already billed"


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
        sa.Column("invoice_line_id", sa.Integer(), nullable=True),
        sa.Column("billing_run_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["billing_run_id"],
            ["usage_billing_runs.id"],
            name=op.f("fk_usage_consumptions_billing_run_id_usage_billing_runs"),
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_usage_consumptions_customer_id_customers")
        ),
        sa.ForeignKeyConstraint(
            ["instance_id"], ["usage_instances.id"], name=op.f("fk_usage_consumptions_instance_id_usage_instances")
        ),
        sa.ForeignKeyConstraint(
            ["invoice_line_id"], ["invoice_lines.id"], name=op.f("fk_usage_consumptions_invoice_line_id_invoice_lines")
        ),
        sa.ForeignKeyConstraint(
            ["message_id"], ["usage_messages.id"], name=op.f("fk_usage_consumptions_message_id_usage_messages")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_usage_consumptions")),
        sa.UniqueConstraint("instance_id", "consumed_at", "hours", name="uq_usage_consumptions_reading"),
    )
    with op.batch_alter_table("usage_consumptions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_usage_consumptions_customer_id"), ["customer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_usage_consumptions_invoice_line_id"), ["invoice_line_id"], unique=False)
        batch_op.create_index(
            "ix_usage_consumptions_unbilled",
            ["consumed_on", "instance_id"],
            unique=False,
            sqlite_where=sa.text("invoice_line_id IS NULL"),
            postgresql_where=sa.text("invoice_line_id IS NULL"),
        )

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
    _create_billed_once_trigger()


def _create_billed_once_trigger() -> None:
    """Once a consumption carries an invoice line, the database refuses to change or clear it."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"""
            CREATE FUNCTION usage_consumptions_billed_once() RETURNS trigger AS $$
            BEGIN
                IF OLD.invoice_line_id IS NOT NULL AND NEW.invoice_line_id IS DISTINCT FROM OLD.invoice_line_id THEN
                    RAISE EXCEPTION '{BILLED_ONCE}';
                END IF;
                RETURN NEW;
            END;
            $$ LANGUAGE plpgsql
            """
        )
        op.execute(
            "CREATE TRIGGER usage_consumptions_billed_once BEFORE UPDATE ON usage_consumptions "
            "FOR EACH ROW EXECUTE FUNCTION usage_consumptions_billed_once()"
        )
    else:
        op.execute(
            "CREATE TRIGGER usage_consumptions_billed_once BEFORE UPDATE OF invoice_line_id ON usage_consumptions "
            "WHEN OLD.invoice_line_id IS NOT NULL AND NEW.invoice_line_id IS NOT OLD.invoice_line_id "
            f"BEGIN SELECT RAISE(ABORT, '{BILLED_ONCE}'); END"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS usage_consumptions_billed_once ON usage_consumptions")
        op.execute("DROP FUNCTION IF EXISTS usage_consumptions_billed_once()")
    else:
        op.execute("DROP TRIGGER IF EXISTS usage_consumptions_billed_once")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_users_username"), type_="unique")
        batch_op.drop_column("username")

    with op.batch_alter_table("usage_line_snapshots", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_usage_line_snapshots_invoice_id"))
        batch_op.drop_index(batch_op.f("ix_usage_line_snapshots_billing_run_id"))

    op.drop_table("usage_line_snapshots")
    with op.batch_alter_table("usage_consumptions", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_usage_consumptions_unbilled",
            sqlite_where=sa.text("invoice_line_id IS NULL"),
            postgresql_where=sa.text("invoice_line_id IS NULL"),
        )
        batch_op.drop_index(batch_op.f("ix_usage_consumptions_invoice_line_id"))
        batch_op.drop_index(batch_op.f("ix_usage_consumptions_customer_id"))

    op.drop_table("usage_consumptions")
    with op.batch_alter_table("usage_configuration_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_usage_configuration_items_resource_id"))

    op.drop_table("usage_configuration_items")
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
