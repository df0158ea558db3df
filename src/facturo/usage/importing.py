"""Importing an IPC2 message: detect its type, check it, record its receipt, apply it, report.

A message may be 200 MB, so it is read as a stream (never whole in memory) and in two units of
work: the check runs in a read unit, with the readings and problems it finds kept in a scratch
store on disk; only then a short write unit records the receipt, the accepted items and the full
report. Other writers wait at most for that write, never for the reading and checking.

The message is still one unit as a whole: a refused file (malformed, hostile, unknown) is refused
during the check and writes nothing; a good file with bad items records the good ones and reports
each bad one with its line and reason.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from facturo.kit import clock
from facturo.kit.actor import Actor
from facturo.kit.db import Units, units_of
from facturo.kit.errors import ValidationFailed
from facturo.organisation import service as organisation
from facturo.usage import problems
from facturo.usage.configuration_import import apply_configuration
from facturo.usage.consumption_import import check_consumptions, record_consumptions
from facturo.usage.import_report import ImportReport
from facturo.usage.ipc2.messages import MessageReader, MessageSource
from facturo.usage.models import Lock, Message
from facturo.usage.staging import Staging


def share_usage_lock(session: Session) -> None:
    """Writers of usage data share the billing lock, so a run never overlaps a half-done import."""
    session.execute(select(Lock.name).where(Lock.name == "billing").with_for_update(read=True))


def import_message(
    target: Session | Units,
    actor: Actor,
    source: MessageSource,
    *,
    filename: str = "",
    effective_from: datetime | None = None,
) -> ImportReport:
    """Apply one message (bytes, text or a binary file). ``target`` is where the units of work come
    from: a ``Database`` (the check and the write in their own units), or the caller's session.
    ``effective_from`` dates the price and composition changes it carries (default: now); it must be
    timezone-aware."""
    if effective_from is not None and effective_from.tzinfo is None:
        raise ValidationFailed.on(
            "effective_from",
            "effective_from.naive",
            "La fecha de vigencia debe indicar su zona horaria.",
            "The effective date must carry a time zone.",
        )
    units = units_of(target)
    with Staging() as staging:
        reader = MessageReader(source)
        report = ImportReport(reader.kind, sink=staging.add_problem)
        if reader.kind == "configuration":
            configuration = reader.configuration()
            report.absorb(configuration.warnings, configuration.rejections)
        else:
            with units.unit_of_work(write=False) as session:
                timezone = organisation.own_timezone(session)
                checked = check_consumptions(session, reader.consumptions(), timezone, report, staging)
        with units.unit_of_work() as session:
            share_usage_lock(session)
            receipt = Message(
                kind=reader.kind,
                filename=filename[:255],
                sha256=reader.sha256,
                size=reader.size,
                received_at=clock.now(),
                actor_kind=actor.kind,
                actor_id=actor.id[:64],
                actor_name=actor.name[:200],
                summary={},
            )
            session.add(receipt)
            session.flush()
            report.message_id = receipt.id
            if reader.kind == "configuration":
                apply_configuration(session, actor, configuration, effective_from or clock.now(), report)
            else:
                record_consumptions(session, staging, checked, receipt.id, report)
            problems.store(session, receipt.id, staging)
            report.sort()
            receipt.summary = report.summary()
            session.flush()
    return report
