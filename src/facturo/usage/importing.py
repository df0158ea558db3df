"""Importing an IPC2 message: detect its type, record its receipt, apply it, report what happened.

The whole message is one unit of work: a refused file writes nothing, and a good file with bad
items records the good ones and reports each bad one with its line and reason.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from facturo.kit import clock
from facturo.kit.actor import Actor
from facturo.kit.errors import ValidationFailed
from facturo.organisation import service as organisation
from facturo.usage.configuration_import import apply_configuration
from facturo.usage.consumption_import import apply_consumptions
from facturo.usage.import_report import ImportReport
from facturo.usage.ipc2.messages import ConfigurationMessage, message_kind, read_message
from facturo.usage.models import Lock, Message


def share_usage_lock(session: Session) -> None:
    """Writers of usage data share the billing lock, so a run never overlaps a half-done import."""
    session.execute(select(Lock.name).where(Lock.name == "billing").with_for_update(read=True))


def import_message(
    session: Session,
    actor: Actor,
    data: bytes | str,
    *,
    filename: str = "",
    effective_from: datetime | None = None,
) -> ImportReport:
    """Apply one message. ``effective_from`` dates the price and composition changes it carries
    (default: now); it must be timezone-aware."""
    message = read_message(data)
    if effective_from is not None and effective_from.tzinfo is None:
        raise ValidationFailed.on(
            "effective_from",
            "effective_from.naive",
            "La fecha de vigencia debe indicar su zona horaria.",
            "The effective date must carry a time zone.",
        )
    share_usage_lock(session)
    kind = message_kind(message)
    report = ImportReport(kind)
    report.absorb(message.warnings, message.rejections)
    raw = data.encode() if isinstance(data, str) else data
    receipt = Message(
        kind=kind,
        filename=filename[:255],
        sha256=hashlib.sha256(raw).hexdigest(),
        size=len(raw),
        received_at=clock.now(),
        actor_kind=actor.kind,
        actor_id=actor.id[:64],
        actor_name=actor.name[:200],
        summary={},
    )
    session.add(receipt)
    session.flush()
    report.message_id = receipt.id
    if isinstance(message, ConfigurationMessage):
        apply_configuration(session, actor, message, effective_from or clock.now(), report)
    else:
        apply_consumptions(session, message, receipt.id, organisation.own_timezone(session), report)
    report.sort()
    receipt.summary = report.summary()
    session.flush()
    return report
