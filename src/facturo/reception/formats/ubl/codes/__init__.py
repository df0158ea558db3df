"""The code lists EN 16931 rules 1.3.16 accept, as data: one text file per list, one code a line."""

from __future__ import annotations

import functools
from importlib import resources


@functools.cache
def code_list(name: str) -> frozenset[str]:
    """The codes of list ``name`` (a file ``<name>.txt`` beside this module; ``#`` lines are comments)."""
    text = resources.files(__package__).joinpath(f"{name}.txt").read_text(encoding="utf-8")
    return frozenset(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#"))
