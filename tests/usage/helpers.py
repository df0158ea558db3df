"""Shared helpers for the usage tests: importing IPC2 messages (our fixture files in tests/data/ipc2,
the real samples of the outside corpus, inline text) and summarising import reports."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from facturo.usage.import_report import ImportReport
from facturo.usage.importing import import_message
from facturo.usage.ipc2.messages import Problem
from tests.conftest import DATA, corpus_path
from tests.factories import ACTOR

DATA_IPC2 = DATA / "ipc2"
# Our fixture pairs (configuration, consumptions); tests/data/README.md says what each exercises.
NUBE = ("nube_configuracion.xml", "nube_consumos.xml")
AULA = ("aula_configuracion.xml", "aula_consumos.xml")
LEGADO = ("legado_configuracion.xml", "legado_consumos.xml")


def data_file(name: str) -> Path:
    return DATA_IPC2 / name


def read_data(name: str) -> str:
    return data_file(name).read_text(encoding="utf-8")


def import_data(session: Session, name: str) -> ImportReport:
    return import_message(session, ACTOR, data_file(name).read_bytes(), filename=name)


def sample_file(name: str) -> Path:
    """A real IPC2 sample of the outside corpus; skips the test without it (fails under CI=true)."""
    return corpus_path("ipc2", name)


def read_sample(name: str) -> str:
    return sample_file(name).read_text(encoding="utf-8")


def import_sample(session: Session, name: str) -> ImportReport:
    return import_message(session, ACTOR, sample_file(name).read_bytes(), filename=name)


def import_text(session: Session, text: str) -> ImportReport:
    return import_message(session, ACTOR, text, filename="test.xml")


def counts(report: ImportReport) -> dict[str, tuple[int, int, int, int]]:
    """created, updated, unchanged, rejected per entity."""
    return {entity: (c["created"], c["updated"], c["unchanged"], c["rejected"]) for entity, c in report.counts.items()}


def problems(items: list[Problem]) -> list[tuple[int, str, str, str]]:
    return [(p.line, p.entity, p.key, p.note.rule) for p in items]
