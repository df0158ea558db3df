"""What importing a message did: counts per entity, duplicates, warnings and rejections by line."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from facturo.kit.errors import Msg
from facturo.usage.ipc2.messages import MessageKind, Problem
from facturo.usage.ipc2.values import Note

ENTITIES: dict[MessageKind, tuple[str, ...]] = {
    "configuration": ("resource", "category", "configuration", "customer", "portal_login", "instance"),
    "consumption": ("consumption",),
}
OUTCOMES = ("created", "updated", "unchanged", "rejected")
ProblemKind = Literal["duplicate", "warning", "rejection"]
PROBLEM_KINDS: tuple[ProblemKind, ...] = ("duplicate", "warning", "rejection")
# Problems kept in memory per kind: what a reply shows and a person reads. The counts stay exact and
# every problem goes to the sink (the full report, stored with the message).
KEPT_PROBLEMS = 100
# A message receipt's state: written in several units, it says "importing" until the last one.
IMPORTING, IMPORTED = "importing", "imported"


@dataclass(slots=True)
class ImportReport:
    """What importing one message did. ``duplicates``, ``warnings`` and ``rejections`` hold the first
    ``KEPT_PROBLEMS`` of each kind; ``totals`` counts them all; ``sink`` (when set) receives every
    one, so a file with a million bad lines costs no memory here."""

    kind: MessageKind
    message_id: int | None = None
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    duplicates: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    rejections: list[Problem] = field(default_factory=list)
    totals: dict[ProblemKind, int] = field(default_factory=lambda: dict.fromkeys(PROBLEM_KINDS, 0))
    sink: Callable[[ProblemKind, Problem], None] | None = None

    def __post_init__(self) -> None:
        if not self.counts:
            self.counts = {entity: dict.fromkeys(OUTCOMES, 0) for entity in ENTITIES[self.kind]}

    def count(self, entity: str, outcome: str, n: int = 1) -> None:
        self.counts[entity][outcome] += n

    def _add(self, kind: ProblemKind, problem: Problem) -> None:
        self.totals[kind] += 1
        kept = self.duplicates if kind == "duplicate" else self.warnings if kind == "warning" else self.rejections
        if len(kept) < KEPT_PROBLEMS:
            kept.append(problem)
        if self.sink is not None:
            self.sink(kind, problem)

    def duplicate(self, problem: Problem) -> None:
        self._add("duplicate", problem)

    def warn(self, line: int, entity: str, key: str, note: Note) -> None:
        self._add("warning", Problem(line, entity, key, note))

    def warn_msg(self, line: int, entity: str, key: str, rule: str, msg: Msg) -> None:
        self.warn(line, entity, key, Note(rule, msg.es, msg.en))

    def reject(self, line: int, entity: str, key: str, note: Note) -> None:
        self._add("rejection", Problem(line, entity, key, note))
        if entity in self.counts:
            self.counts[entity]["rejected"] += 1

    def reject_all(self, line: int, entity: str, key: str, notes: list[Note]) -> None:
        """One rejected item that fails several rules: a row per rule, counted once."""
        for note in notes:
            self._add("rejection", Problem(line, entity, key, note))
        if notes and entity in self.counts:
            self.counts[entity]["rejected"] += 1

    def absorb(self, warnings: list[Problem], rejections: list[Problem]) -> None:
        """Take over what the reader already found, keeping the rejection counts right."""
        for problem in warnings:
            self._add("warning", problem)
        for problem in rejections:
            self.reject(problem.line, problem.entity, problem.key, problem.note)

    def sort(self) -> None:
        for items in (self.duplicates, self.warnings, self.rejections):
            items.sort(key=lambda p: p.line)

    def summary(self) -> dict[str, Any]:
        """What the message's receipt keeps: the counts of items and of problems (the problems
        themselves are stored apart, see ``usage.problems``)."""
        return {
            "state": IMPORTED,
            "counts": self.counts,
            "duplicates": self.totals["duplicate"],
            "warnings": self.totals["warning"],
            "rejections": self.totals["rejection"],
        }


def problem_json(problem: Problem, language: str | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "line": problem.line,
        "entity": problem.entity,
        "key": problem.key,
        "rule": problem.note.rule,
        "message_es": problem.note.es,
        "message_en": problem.note.en,
    }
    if language is not None:
        data["message"] = problem.note.en if language == "en" else problem.note.es
    return data
