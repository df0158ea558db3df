"""The full report of an import: every duplicate, warning and rejection, stored by line with the
message's receipt, read back a page at a time or streamed whole for a download (CSV or JSON)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from facturo.kit.csv import csv_stream
from facturo.kit.db import Units
from facturo.kit.errors import Msg, NotFound
from facturo.usage.import_report import PROBLEM_KINDS, ProblemKind
from facturo.usage.models import Message, MessageProblem
from facturo.usage.staging import StagedProblem

_BATCH = 10_000
_INSERT = (
    "INSERT INTO usage_message_problems (message_id, kind, line, entity, key, rule, message_es, message_en) "
    "VALUES ({marks})"
)
_SQLITE_INSERT = _INSERT.format(marks=", ".join(["?"] * 8))
_POSTGRES_INSERT = _INSERT.format(marks=", ".join(["%s"] * 8))
# Column widths of the table: a hostile file's long ids are cut, never refused at the last step.
_KEY_LENGTH = 200
_RULE_LENGTH = 60


def store(session: Session, message_id: int, problems: list[StagedProblem]) -> None:
    """Store a batch of the import's problems (from its scratch store)."""
    connection = session.connection()
    sql = _SQLITE_INSERT if connection.dialect.name == "sqlite" else _POSTGRES_INSERT
    connection.exec_driver_sql(
        sql,
        [
            (
                message_id,
                p.kind,
                p.line,
                p.entity,
                p.key[:_KEY_LENGTH],
                p.rule[:_RULE_LENGTH],
                p.message_es,
                p.message_en,
            )
            for p in problems
        ],
    )


def _message_or_not_found(session: Session, message_id: int) -> Message:
    message = session.get(Message, message_id)
    if message is None:
        raise NotFound(Msg(f"No existe el mensaje {message_id}.", f"Message {message_id} does not exist."))
    return message


# A problem as StagedProblem holds it, in its field order.
_COLUMNS = (
    MessageProblem.kind,
    MessageProblem.line,
    MessageProblem.entity,
    MessageProblem.key,
    MessageProblem.rule,
    MessageProblem.message_es,
    MessageProblem.message_en,
)


def first_problems(session: Session, message_id: int, kind: ProblemKind, limit: int) -> list[StagedProblem]:
    """The first problems of one kind, by line."""
    rows = session.execute(
        select(*_COLUMNS)
        .where(MessageProblem.message_id == message_id, MessageProblem.kind == kind)
        .order_by(MessageProblem.line, MessageProblem.id)
        .limit(limit)
    )
    return [StagedProblem(*row) for row in rows]


def has_problems(session: Session, message_id: int) -> bool:
    return bool(session.scalar(select(exists().where(MessageProblem.message_id == message_id))))


def all_problems(
    session: Session, message_id: int, kinds: tuple[ProblemKind, ...] = PROBLEM_KINDS
) -> Iterator[StagedProblem]:
    """Every problem of the message, by line, streamed in batches (never the whole list in memory)."""
    last = (-1, 0)
    while True:
        rows = session.execute(
            select(MessageProblem.id, *_COLUMNS)
            .where(
                MessageProblem.message_id == message_id,
                MessageProblem.kind.in_(kinds),
                (MessageProblem.line > last[0]) | ((MessageProblem.line == last[0]) & (MessageProblem.id > last[1])),
            )
            .order_by(MessageProblem.line, MessageProblem.id)
            .limit(_BATCH)
        ).all()
        if not rows:
            return
        for row in rows:
            yield StagedProblem(*row[1:])
        last = (rows[-1].line, rows[-1].id)


ReportFormat = Literal["csv", "json"]
_KIND_ES = {"duplicate": "duplicado", "warning": "advertencia", "rejection": "rechazo"}


@dataclass(frozen=True, slots=True)
class ReportDownload:
    filename: str
    media_type: str
    chunks: Iterator[bytes]


def report_download(units: Units, message_id: int, fmt: ReportFormat, language: str) -> ReportDownload:
    """The full report of a message as a download, streamed from its own read unit (a hostile file's
    report can be a million lines: it is never built in memory). Unknown message: ``NotFound`` now,
    before anything is sent."""
    with units.unit_of_work(write=False) as session:
        message = _message_or_not_found(session, message_id)
        stem = f"informe-mensaje-{message.id}" if language != "en" else f"message-{message.id}-report"
    chunks = _csv_chunks(units, message_id, language) if fmt == "csv" else _json_chunks(units, message_id)
    media_type = "text/csv; charset=utf-8" if fmt == "csv" else "application/json"
    return ReportDownload(f"{stem}.{fmt}", media_type, chunks)


def _csv_chunks(units: Units, message_id: int, language: str) -> Iterator[bytes]:
    english = language == "en"
    header = (
        ["kind", "line", "record", "id", "rule", "reason"]
        if english
        else ["tipo", "línea", "registro", "id", "regla", "motivo"]
    )
    with units.unit_of_work(write=False) as session:
        rows = (
            [
                p.kind if english else _KIND_ES[p.kind],
                p.line,
                p.entity,
                p.key,
                p.rule,
                p.message_en if english else p.message_es,
            ]
            for p in all_problems(session, message_id)
        )
        yield from csv_stream(rows, header)


def _json_chunks(units: Units, message_id: int) -> Iterator[bytes]:
    with units.unit_of_work(write=False) as session:
        parts: list[str] = ["["]
        for number, p in enumerate(all_problems(session, message_id)):
            item = {
                "kind": p.kind,
                "line": p.line,
                "entity": p.entity,
                "key": p.key,
                "rule": p.rule,
                "message_es": p.message_es,
                "message_en": p.message_en,
            }
            parts.append(("," if number else "") + json.dumps(item, ensure_ascii=False) + "\n")
            if len(parts) >= 5_000:
                yield "".join(parts).encode("utf-8")
                parts = []
        parts.append("]\n")
        yield "".join(parts).encode("utf-8")
