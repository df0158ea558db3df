"""The scratch store of one import: accepted readings and every problem found, on disk.

A 200 MB message holds over a million readings; keeping them (and their problems) as Python
objects until the write would cost gigabytes. They go instead to a throwaway SQLite file (the
standard library's ``sqlite3``, whatever database facturo itself runs on), which also finds the
readings repeated inside the message with one query. The file is deleted when the import ends.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import tempfile
from collections.abc import Iterator
from datetime import UTC, date, datetime
from types import TracebackType
from typing import NamedTuple

from facturo.usage.import_report import ProblemKind
from facturo.usage.ipc2.messages import Problem
from facturo.usage.ipc2.values import Note

BATCH = 10_000
# The text form SQLAlchemy stores DateTime in on SQLite (naive UTC): exact, sortable, comparable.
MOMENT_FORMAT = "%Y-%m-%d %H:%M:%S.%f"

_SCHEMA = """
CREATE TABLE readings (
    line INTEGER NOT NULL, customer_id INTEGER NOT NULL, instance_id INTEGER NOT NULL,
    instance_code TEXT NOT NULL, consumed_at TEXT NOT NULL, consumed_on TEXT NOT NULL, hours INTEGER NOT NULL
);
CREATE TABLE problems (
    seq INTEGER PRIMARY KEY, kind TEXT NOT NULL, line INTEGER NOT NULL, entity TEXT NOT NULL,
    key TEXT NOT NULL, rule TEXT NOT NULL, message_es TEXT NOT NULL, message_en TEXT NOT NULL
);
"""


class StagedReading(NamedTuple):
    line: int
    customer_id: int
    instance_id: int
    instance_code: str
    consumed_at: str  # MOMENT_FORMAT, UTC
    consumed_on: str  # ISO date, the organisation's time zone
    hours: int  # scaled by HOURS_SCALE

    @property
    def day(self) -> date:
        return date.fromisoformat(self.consumed_on)

    @property
    def moment(self) -> datetime:
        return datetime.strptime(self.consumed_at, MOMENT_FORMAT).replace(tzinfo=UTC)


class StagedProblem(NamedTuple):
    kind: str  # a ProblemKind
    line: int
    entity: str
    key: str
    rule: str
    message_es: str
    message_en: str


class Repeat(NamedTuple):
    """A reading identical to one earlier in the same message."""

    line: int
    first_line: int
    instance_code: str


def moment_text(at: datetime) -> str:
    return at.astimezone(UTC).strftime(MOMENT_FORMAT)


class Staging:
    """Context manager: ``with Staging() as staging: ...``; the file is gone afterwards."""

    def __init__(self) -> None:
        handle, self._path = tempfile.mkstemp(prefix="facturo-import-", suffix=".sqlite3")
        os.close(handle)
        self._db = sqlite3.connect(self._path, isolation_level=None)
        # Scratch data: nothing here must survive a crash, so no journal and no fsync.
        self._db.execute("PRAGMA journal_mode=OFF")
        self._db.execute("PRAGMA synchronous=OFF")
        self._db.execute("PRAGMA temp_store=FILE")
        self._db.executescript(_SCHEMA)
        self._db.execute("BEGIN")
        self._problems: list[tuple[str, int, str, str, str, str, str]] = []
        self.reading_count = 0

    def __enter__(self) -> Staging:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        self._db.close()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self._path)

    # --- writing ------------------------------------------------------------------------------------

    def add_readings(self, readings: list[StagedReading]) -> None:
        self._db.executemany("INSERT INTO readings VALUES (?, ?, ?, ?, ?, ?, ?)", readings)
        self.reading_count += len(readings)

    def add_problem(self, kind: ProblemKind, problem: Problem) -> None:
        note = problem.note
        self._problems.append((kind, problem.line, problem.entity, problem.key, note.rule, note.es, note.en))
        if len(self._problems) >= BATCH:
            self._flush_problems()

    def _flush_problems(self) -> None:
        if self._problems:
            self._db.executemany(
                "INSERT INTO problems (kind, line, entity, key, rule, message_es, message_en) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                self._problems,
            )
            self._problems = []

    def take_repeats(self) -> list[Repeat]:
        """Remove the readings repeated inside the message (same instance, moment and hours) and
        say where each first appeared; the first one stays."""
        self._db.execute("CREATE INDEX readings_key ON readings (instance_id, consumed_at, hours, line)")
        found = [
            Repeat(*row)
            for row in self._db.execute(
                "SELECT line, first_line, instance_code FROM ("
                " SELECT line, instance_code, min(line) OVER"
                " (PARTITION BY instance_id, consumed_at, hours) AS first_line FROM readings"
                ") WHERE line <> first_line ORDER BY line"
            )
        ]
        if found:
            self._db.execute(
                "DELETE FROM readings WHERE rowid NOT IN ("
                " SELECT min(rowid) FROM readings GROUP BY instance_id, consumed_at, hours)"
            )
            self.reading_count -= len(found)
        return found

    # --- reading back -------------------------------------------------------------------------------

    def readings(self, batch_size: int = BATCH) -> Iterator[list[StagedReading]]:
        """The kept readings in file order, a batch at a time."""
        cursor = self._db.execute("SELECT * FROM readings ORDER BY rowid")  # rowid order is file order
        while batch := cursor.fetchmany(batch_size):
            yield [StagedReading(*row) for row in batch]

    def problems(self, batch_size: int = BATCH) -> Iterator[list[StagedProblem]]:
        """Every problem, by line and then in the order found, a batch at a time."""
        self._flush_problems()
        cursor = self._db.execute(
            "SELECT kind, line, entity, key, rule, message_es, message_en FROM problems ORDER BY line, seq"
        )
        while batch := cursor.fetchmany(batch_size):
            yield [StagedProblem(*row) for row in batch]


def problem_of(row: StagedProblem) -> Problem:
    return Problem(row.line, row.entity, row.key, Note(row.rule, row.message_es, row.message_en))
