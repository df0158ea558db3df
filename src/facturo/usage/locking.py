"""The lock usage writers share with billing runs."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from facturo.usage.models import Lock


def share_usage_lock(session: Session) -> None:
    """Writers of usage data share the billing lock (a run takes it exclusively), so a run never
    overlaps a write unit of an import: it sees each of them whole or not at all."""
    session.execute(select(Lock.name).where(Lock.name == "billing").with_for_update(read=True))
