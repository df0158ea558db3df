from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from facturo.kit import clock
from facturo.kit.db import Base
from facturo.kit.db_types import UTCDateTime


class HistoryRecord(Base):
    """Append-only: the code never updates or deletes these rows."""

    __tablename__ = "history_records"
    __table_args__ = (
        # History lists run in id order (migration 0008).
        Index("ix_history_entity", "entity_type", "entity_id", "id"),
        Index("ix_history_parent", "parent_type", "parent_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    entity_type: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[int] = mapped_column()
    parent_type: Mapped[str | None] = mapped_column(String(40))
    parent_id: Mapped[int | None] = mapped_column()
    action: Mapped[str] = mapped_column(String(40))
    actor_kind: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[str] = mapped_column(String(64))
    actor_name: Mapped[str] = mapped_column(String(200))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
