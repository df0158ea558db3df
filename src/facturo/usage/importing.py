"""Importing an IPC2 message: detect its type, check it, record its receipt, apply it, report.

A message may be 200 MB, so it is read as a stream (never whole in memory). A consumption message
is checked in a read unit, with the readings and problems it finds kept in a scratch store on disk;
only then short write units record the receipt, the accepted readings a batch at a time and the full
report. Other writers wait at most for one of those units, never for the reading and checking.

A refused file (malformed, hostile, unknown) is refused during the check and writes nothing; a good
file with bad items records the good ones and reports each bad one with its line and reason. Should
the process stop between two write units, the receipt stays "importing" and sending the file again
completes it (what was recorded comes back as duplicates, never twice). A configuration message is
applied whole, in one write unit.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlalchemy.orm import Session

from facturo.kit import clock
from facturo.kit.actor import Actor
from facturo.kit.db import Units, units_of
from facturo.kit.errors import ValidationFailed
from facturo.organisation import service as organisation
from facturo.usage import problems
from facturo.usage.configuration_import import apply_configuration
from facturo.usage.consumption_import import analyze_after_load, check_consumptions, record_consumptions
from facturo.usage.import_report import IMPORTING, ImportReport
from facturo.usage.ipc2.messages import MessageReader, MessageSource
from facturo.usage.locking import share_usage_lock
from facturo.usage.models import Message
from facturo.usage.staging import Staging

# Problems stored per write unit (a hostile file's report can be a million lines).
PROBLEMS_PER_WRITE = 50_000


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
            # A catalog and its customers: applied whole, in one write unit with its receipt and report.
            with units.unit_of_work() as session:
                share_usage_lock(session)
                receipt = _receipt(session, reader, filename, actor)
                report.message_id = receipt.id
                apply_configuration(session, actor, configuration, effective_from or clock.now(), report)
                for batch in staging.problems():
                    problems.store(session, receipt.id, batch)
                report.sort()
                receipt.summary = report.summary()
            return report
        with units.unit_of_work(write=False) as session:
            timezone = organisation.own_timezone(session)
            check_consumptions(session, reader.consumptions(), timezone, report, staging)
        # Written in short units (the receipt, the readings a batch at a time, the report), so no
        # writer waits for the whole message; the receipt says "importing" until the last one.
        with units.unit_of_work() as session:
            message_id = _receipt(session, reader, filename, actor).id
        report.message_id = message_id
        written = record_consumptions(units, staging, message_id, report)
        for batch in staging.problems(PROBLEMS_PER_WRITE):
            with units.unit_of_work() as session:
                problems.store(session, message_id, batch)
        report.sort()
        with units.unit_of_work() as session:
            session.execute(update(Message).where(Message.id == message_id).values(summary=report.summary()))
            analyze_after_load(session, written)
    return report


def _receipt(session: Session, reader: MessageReader, filename: str, actor: Actor) -> Message:
    receipt = Message(
        kind=reader.kind,
        filename=filename[:255],
        sha256=reader.sha256,
        size=reader.size,
        received_at=clock.now(),
        actor_kind=actor.kind,
        actor_id=actor.id[:64],
        actor_name=actor.name[:200],
        summary={"state": IMPORTING},
    )
    session.add(receipt)
    session.flush()
    return receipt
