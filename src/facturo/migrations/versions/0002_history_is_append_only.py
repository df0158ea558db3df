"""history is append-only

The application never changes or deletes history records; these triggers make the database refuse
it too, so a mistaken script or a bug cannot rewrite who did what.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21 13:40:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MESSAGE = "history_records is append-only"


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"""
            CREATE FUNCTION history_records_append_only() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION '{MESSAGE}';
            END;
            $$ LANGUAGE plpgsql
            """
        )
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER history_records_no_{event.lower()} BEFORE {event} ON history_records "
                "FOR EACH ROW EXECUTE FUNCTION history_records_append_only()"
            )
    else:
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER history_records_no_{event.lower()} BEFORE {event} ON history_records "
                f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
            )


def downgrade() -> None:
    for event in ("update", "delete"):
        op.execute(
            f"DROP TRIGGER IF EXISTS history_records_no_{event} ON history_records"
            if op.get_bind().dialect.name == "postgresql"
            else f"DROP TRIGGER IF EXISTS history_records_no_{event}"
        )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS history_records_append_only()")
