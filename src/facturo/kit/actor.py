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
        """For people to read; two actors may share one (two tokens of the same name)."""
        return f"{self.kind}:{self.name}"

    @property
    def key(self) -> str:
        """Unique per actor: what ownership is checked on."""
        return f"{self.kind}:{self.id}"


SYSTEM = Actor("system", "system", "facturo")
ANONYMOUS = Actor("anonymous", "anonymous", "anonymous")
