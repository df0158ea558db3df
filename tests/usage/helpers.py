"""Shared helpers for the usage tests: importing the real IPC2 samples and summarising reports."""

from __future__ import annotations

from sqlalchemy.orm import Session

from facturo.usage.import_report import ImportReport
from facturo.usage.importing import import_message
from facturo.usage.ipc2.messages import Problem
from tests.conftest import SAMPLES
from tests.factories import ACTOR

IPC2 = SAMPLES / "ipc2"


def read_sample(name: str) -> str:
    return (IPC2 / name).read_text(encoding="utf-8")


def import_sample(session: Session, name: str) -> ImportReport:
    return import_message(session, ACTOR, (IPC2 / name).read_bytes(), filename=name)


def import_text(session: Session, text: str) -> ImportReport:
    return import_message(session, ACTOR, text, filename="test.xml")


def counts(report: ImportReport) -> dict[str, tuple[int, int, int, int]]:
    """created, updated, unchanged, rejected per entity."""
    return {entity: (c["created"], c["updated"], c["unchanged"], c["rejected"]) for entity, c in report.counts.items()}


def problems(items: list[Problem]) -> list[tuple[int, str, str, str]]:
    return [(p.line, p.entity, p.key, p.note.rule) for p in items]
