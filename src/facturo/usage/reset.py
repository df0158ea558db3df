"""Wiping usage data, for demo and classroom installs only (``FACTURO_ALLOW_RESET=1``).

Issued invoices, their lines, billing runs and the usage snapshots that explain each line are never
touched, nor are customers and their logins (they belong to core invoicing). What goes:
consumptions, the periods billing runs closed on instances, instances, configurations, categories,
resources and their price history, and the message receipts.
"""

from __future__ import annotations

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from facturo.audit import service as audit
from facturo.kit.actor import Actor
from facturo.kit.config import get_settings
from facturo.kit.errors import Conflict, Msg
from facturo.usage.locking import share_usage_lock
from facturo.usage.models import (
    BilledPeriod,
    Category,
    Configuration,
    ConfigurationItem,
    ConfigurationVersion,
    Consumption,
    Instance,
    Message,
    MessageProblem,
    Resource,
    ResourcePrice,
)

# Children first, so foreign keys never object.
_ORDER = (
    BilledPeriod,
    Consumption,
    Instance,
    ConfigurationItem,
    ConfigurationVersion,
    Configuration,
    Category,
    ResourcePrice,
    Resource,
    MessageProblem,
    Message,
)


def reset_usage(session: Session, actor: Actor, *, allowed: bool | None = None) -> dict[str, int]:
    if not (get_settings().allow_reset if allowed is None else allowed):
        raise Conflict(
            Msg(
                "El reinicio de datos de consumo está desactivado; se habilita con FACTURO_ALLOW_RESET=1 "
                "(solo instalaciones de demostración o de clase).",
                "Resetting usage data is disabled; enable it with FACTURO_ALLOW_RESET=1 "
                "(demo or classroom installs only).",
            )
        )
    share_usage_lock(session)
    removed: dict[str, int] = {}
    for model in _ORDER:
        removed[model.__tablename__] = session.scalar(select(func.count()).select_from(model)) or 0
        session.execute(delete(model))
    session.flush()
    audit.record(session, actor, "usage", 0, "reset", after=removed)
    return removed
