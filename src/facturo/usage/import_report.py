"""What importing a message did: counts per entity, duplicates, warnings and rejections by line."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from facturo.kit.errors import Msg
from facturo.usage.ipc2.messages import MessageKind, Problem
from facturo.usage.ipc2.values import Note

ENTITIES: dict[MessageKind, tuple[str, ...]] = {
    "configuration": ("resource", "category", "configuration", "customer", "portal_login", "instance"),
    "consumption": ("consumption",),
}
OUTCOMES = ("created", "updated", "unchanged", "rejected")
MAX_KEPT_PROBLEMS = 2_000


@dataclass(slots=True)
class ImportReport:
    kind: MessageKind
    message_id: int | None = None
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    duplicates: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    rejections: list[Problem] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.counts:
            self.counts = {entity: dict.fromkeys(OUTCOMES, 0) for entity in ENTITIES[self.kind]}

    def count(self, entity: str, outcome: str, n: int = 1) -> None:
        self.counts[entity][outcome] += n

    def warn(self, line: int, entity: str, key: str, note: Note) -> None:
        self.warnings.append(Problem(line, entity, key, note))

    def warn_msg(self, line: int, entity: str, key: str, rule: str, msg: Msg) -> None:
        self.warn(line, entity, key, Note(rule, msg.es, msg.en))

    def reject(self, line: int, entity: str, key: str, note: Note) -> None:
        self.rejections.append(Problem(line, entity, key, note))
        if entity in self.counts:
            self.counts[entity]["rejected"] += 1

    def reject_all(self, line: int, entity: str, key: str, notes: list[Note]) -> None:
        """One rejected item that fails several rules: a row per rule, counted once."""
        self.rejections.extend(Problem(line, entity, key, note) for note in notes)
        if notes and entity in self.counts:
            self.counts[entity]["rejected"] += 1

    def absorb(self, warnings: list[Problem], rejections: list[Problem]) -> None:
        """Take over what the reader already found, keeping the rejection counts right."""
        self.warnings.extend(warnings)
        for problem in rejections:
            self.reject(problem.line, problem.entity, problem.key, problem.note)

    def sort(self) -> None:
        for items in (self.duplicates, self.warnings, self.rejections):
            items.sort(key=lambda p: p.line)

    def summary(self) -> dict[str, Any]:
        """What the message's receipt keeps: the counts, and the problems themselves (up to
        ``MAX_KEPT_PROBLEMS`` of each kind) so the result can be shown again later, whichever
        surface sent the message."""
        return {
            "counts": self.counts,
            "duplicates": len(self.duplicates),
            "warnings": len(self.warnings),
            "rejections": len(self.rejections),
            "problems": {
                name: [problem_json(p) for p in items[:MAX_KEPT_PROBLEMS]]
                for name, items in (
                    ("duplicates", self.duplicates),
                    ("warnings", self.warnings),
                    ("rejections", self.rejections),
                )
            },
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
