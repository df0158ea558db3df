"""usage bulk load

PostgreSQL: the rule "no consumption inside a billed period" is checked once per statement over
the inserted rows (a statement-level trigger with a transition table) instead of once per row by a
PL/pgSQL call: a bulk load of 25,000 readings makes one set-based check. Same rule, same message;
SQLite has no statement-level triggers and keeps its row trigger (a plain WHEN lookup, cheap there).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 18:00:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_NAME = "usage_consumptions_not_in_billed_period"
_CLOSED = "usage consumption falls in a billed period"


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"DROP TRIGGER IF EXISTS {_NAME} ON usage_consumptions")
    op.execute(f"DROP FUNCTION IF EXISTS {_NAME}()")
    op.execute(
        f"""
        CREATE FUNCTION {_NAME}() RETURNS trigger AS $$
        BEGIN
            IF EXISTS (
                SELECT 1 FROM new_rows n JOIN usage_billed_periods p ON p.instance_id = n.instance_id
                WHERE n.consumed_on BETWEEN p.date_from AND p.date_to
            ) THEN
                RAISE EXCEPTION '{_CLOSED}';
            END IF;
            RETURN NULL;
        END;
        $$ LANGUAGE plpgsql
        """  # noqa: S608 - constant names
    )
    op.execute(
        f"CREATE TRIGGER {_NAME} AFTER INSERT ON usage_consumptions REFERENCING NEW TABLE AS new_rows "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {_NAME}()"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"DROP TRIGGER IF EXISTS {_NAME} ON usage_consumptions")
    op.execute(f"DROP FUNCTION IF EXISTS {_NAME}()")
    op.execute(
        f"""
        CREATE FUNCTION {_NAME}() RETURNS trigger AS $$
        BEGIN
            IF EXISTS (SELECT 1 FROM usage_billed_periods p WHERE p.instance_id = NEW.instance_id
                       AND NEW.consumed_on BETWEEN p.date_from AND p.date_to) THEN
                RAISE EXCEPTION '{_CLOSED}';
            END IF;
            RETURN NEW;
        END;
        $$ LANGUAGE plpgsql
        """  # noqa: S608 - constant names
    )
    op.execute(f"CREATE TRIGGER {_NAME} BEFORE INSERT ON usage_consumptions FOR EACH ROW EXECUTE FUNCTION {_NAME}()")
