"""Importing several IPC2 messages in one go (the web upload), and reading back what an import did.

* Configuration messages are applied first, so the consumptions of a pair find their instances
  whatever order the files came in (like ``facturo usage import``).
* Each file is its own unit inside the caller's transaction (a savepoint): a refused file writes
  nothing and the other files still load. The caller commits, as every adapter does.
* The receipt of each message keeps its problems (duplicates, warnings and rejections with their
  line, rule and reason in Spanish and English), so the outcome can be shown again later: after
  the upload's redirect, or from the list of recent messages.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from facturo.kit.actor import Actor
from facturo.kit.errors import FacturoError, Msg
from facturo.usage.import_report import ImportReport
from facturo.usage.importing import import_message
from facturo.usage.models import Message

# Problems kept per list and message: enough for any person to read; the counts stay exact.
_SNIFF_BYTES = 4_096


@dataclass(frozen=True, slots=True)
class UploadedFile:
    filename: str
    data: bytes


@dataclass(frozen=True, slots=True)
class FileOutcome:
    """One file of a batch: its import report, or why it was refused whole."""

    filename: str
    report: ImportReport | None = None
    refusal: Msg | None = None


def is_configuration(data: bytes) -> bool:
    """A cheap look at the start of the file, only to order the batch; the importer decides."""
    return b"archivoconfiguraciones" in data[:_SNIFF_BYTES].lower()


def import_messages(session: Session, actor: Actor, files: Sequence[UploadedFile]) -> list[FileOutcome]:
    """Import every file, configuration messages first, each in its own savepoint."""
    ordered = sorted(files, key=lambda f: 0 if is_configuration(f.data) else 1)
    outcomes: list[FileOutcome] = []
    for upload in ordered:
        try:
            with session.begin_nested():
                report = import_message(session, actor, upload.data, filename=upload.filename)
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
    # None when the receipt did not keep the problems (a message sent through the API or the CLI).
    duplicates: list[StoredProblem] | None = None
    warnings: list[StoredProblem] | None = None
    rejections: list[StoredProblem] | None = None

    @property
    def problems_kept(self) -> bool:
        return self.rejections is not None


def _problems(raw: Any) -> list[StoredProblem]:
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


def _stored(receipt: Message) -> StoredImport:
    summary = receipt.summary if isinstance(receipt.summary, dict) else {}
    problems = summary.get("problems")
    kept = isinstance(problems, dict)
    found: dict[str, Any] = problems if isinstance(problems, dict) else {}
    return StoredImport(
        id=receipt.id,
        filename=receipt.filename,
        kind=receipt.kind,
        received_at=receipt.received_at,
        actor_name=receipt.actor_name,
        counts=summary.get("counts") or {},
        duplicate_count=int(summary.get("duplicates") or 0),
        warning_count=int(summary.get("warnings") or 0),
        rejection_count=int(summary.get("rejections") or 0),
        duplicates=_problems(found.get("duplicates")) if kept else None,
        warnings=_problems(found.get("warnings")) if kept else None,
        rejections=_problems(found.get("rejections")) if kept else None,
    )


def stored_imports(session: Session, ids: Sequence[int]) -> list[StoredImport]:
    """The receipts with these ids, in the order asked; unknown ids are left out."""
    if not ids:
        return []
    found = {m.id: m for m in session.scalars(select(Message).where(Message.id.in_(list(ids))))}
    return [_stored(found[i]) for i in dict.fromkeys(ids) if i in found]


def recent_imports(session: Session, limit: int = 10) -> list[StoredImport]:
    """The last messages received, newest first."""
    return [_stored(m) for m in session.scalars(select(Message).order_by(Message.id.desc()).limit(limit))]
