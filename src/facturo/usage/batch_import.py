"""Importing several IPC2 messages in one go (the web upload), and reading back what an import did.

* Configuration messages are applied first, so the consumptions of a pair find their instances
  whatever order the files came in (like ``facturo usage import``).
* Each file is imported on its own (its check in a read unit, its write in a short write unit,
  see ``importing``): a refused file writes nothing and the other files still load.
* Every message keeps its full report (duplicates, warnings and rejections with their line, rule
  and reason in Spanish and English, see ``problems``), so the outcome can be shown again later:
  after the upload's redirect, from the list of recent messages, or as a download.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from facturo.kit.actor import Actor
from facturo.kit.db import Units
from facturo.kit.errors import FacturoError, Msg
from facturo.usage import problems
from facturo.usage.import_report import IMPORTING, ImportReport, ProblemKind
from facturo.usage.importing import import_message
from facturo.usage.models import Message

_SNIFF_BYTES = 4_096
# Problems shown per list and message: enough for any person to read; the counts stay exact and
# the whole report is a download.
SHOWN_PROBLEMS = 500


@dataclass(frozen=True, slots=True)
class UploadedFile:
    """An uploaded file, spooled to disk by the web framework (never read whole here)."""

    filename: str
    file: BinaryIO


@dataclass(frozen=True, slots=True)
class FileOutcome:
    """One file of a batch: its import report, or why it was refused whole."""

    filename: str
    report: ImportReport | None = None
    refusal: Msg | None = None


def is_configuration(file: BinaryIO) -> bool:
    """A cheap look at the start of the file, only to order the batch; the importer decides."""
    head = file.read(_SNIFF_BYTES)
    file.seek(0)
    return b"archivoconfiguraciones" in head.lower()


def import_messages(units: Units, actor: Actor, files: Sequence[UploadedFile]) -> list[FileOutcome]:
    """Import every file, configuration messages first, each on its own."""
    ordered = sorted(files, key=lambda f: 0 if is_configuration(f.file) else 1)
    outcomes: list[FileOutcome] = []
    for upload in ordered:
        try:
            report = import_message(units, actor, upload.file, filename=upload.filename)
        except FacturoError as exc:
            outcomes.append(FileOutcome(upload.filename, refusal=exc.message))
            continue
        outcomes.append(FileOutcome(upload.filename, report=report))
    return outcomes


# --- reading receipts back --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StoredProblem:
    line: int
    entity: str
    key: str
    rule: str
    es: str
    en: str

    def message(self, language: str) -> str:
        return self.en if language == "en" else self.es


@dataclass(frozen=True, slots=True)
class StoredImport:
    """A message receipt: what the message was and what importing it did."""

    id: int
    filename: str
    kind: str
    received_at: datetime
    actor_name: str
    counts: dict[str, dict[str, int]]
    duplicate_count: int
    warning_count: int
    rejection_count: int
    # None when the receipt did not keep the problems (sent through the API or the CLI before
    # every import kept its full report).
    duplicates: list[StoredProblem] | None = None
    warnings: list[StoredProblem] | None = None
    rejections: list[StoredProblem] | None = None
    # False while a consumption message is being written (or when its import was interrupted).
    finished: bool = True

    @property
    def problems_kept(self) -> bool:
        return self.rejections is not None


def _kept_problems(raw: Any) -> list[StoredProblem]:
    """Problems an older receipt kept in its summary."""
    found = []
    for item in raw if isinstance(raw, list) else []:
        if isinstance(item, dict):
            found.append(
                StoredProblem(
                    int(item.get("line") or 0),
                    str(item.get("entity", "")),
                    str(item.get("key", "")),
                    str(item.get("rule", "")),
                    str(item.get("message_es", "")),
                    str(item.get("message_en", "")),
                )
            )
    return found


def _first(session: Session, message_id: int, kind: ProblemKind) -> list[StoredProblem]:
    return [
        StoredProblem(p.line, p.entity, p.key, p.rule, p.message_es, p.message_en)
        for p in problems.first_problems(session, message_id, kind, SHOWN_PROBLEMS)
    ]


def _stored(session: Session, receipt: Message, *, with_problems: bool = True) -> StoredImport:
    summary = receipt.summary if isinstance(receipt.summary, dict) else {}
    counts = {name: int(summary.get(name) or 0) for name in ("duplicates", "warnings", "rejections")}
    kept = summary.get("problems")
    lists: dict[str, list[StoredProblem] | None]
    if not with_problems:
        lists = dict.fromkeys(counts)
    elif isinstance(kept, dict):
        lists = {name: _kept_problems(kept.get(name)) for name in counts}
    elif sum(counts.values()) == 0 or problems.has_problems(session, receipt.id):
        kinds: dict[str, ProblemKind] = {"duplicates": "duplicate", "warnings": "warning", "rejections": "rejection"}
        lists = {name: _first(session, receipt.id, kind) if counts[name] else [] for name, kind in kinds.items()}
    else:
        lists = dict.fromkeys(counts)
    return StoredImport(
        id=receipt.id,
        filename=receipt.filename,
        kind=receipt.kind,
        received_at=receipt.received_at,
        actor_name=receipt.actor_name,
        counts=summary.get("counts") or {},
        duplicate_count=counts["duplicates"],
        warning_count=counts["warnings"],
        rejection_count=counts["rejections"],
        duplicates=lists["duplicates"],
        warnings=lists["warnings"],
        rejections=lists["rejections"],
        finished=summary.get("state") != IMPORTING,
    )


def stored_imports(session: Session, ids: Sequence[int]) -> list[StoredImport]:
    """The receipts with these ids, in the order asked; unknown ids are left out."""
    if not ids:
        return []
    found = {m.id: m for m in session.scalars(select(Message).where(Message.id.in_(list(ids))))}
    return [_stored(session, found[i]) for i in dict.fromkeys(ids) if i in found]


def recent_imports(session: Session, limit: int = 10) -> list[StoredImport]:
    """The last messages received, newest first (their counts; the problems are on each result page)."""
    newest = select(Message).order_by(Message.id.desc()).limit(limit)
    return [_stored(session, m, with_problems=False) for m in session.scalars(newest)]
