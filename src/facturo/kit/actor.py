"""Who is acting. Surfaces resolve it (API credentials, local CLI user) and pass it to services,
which write it into the history."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Actor:
    kind: str  # "user", "token", "local", "system", "anonymous"
    id: str
    name: str

    @property
    def label(self) -> str:
        return f"{self.kind}:{self.name}"


SYSTEM = Actor("system", "system", "facturo")
ANONYMOUS = Actor("anonymous", "anonymous", "anonymous")
