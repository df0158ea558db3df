"""Gates: what a document must hold for a rule's test to be able to fail, so that a test that
cannot fail is not asked (docs/reception-ubl.md, "How the rules are made fast")."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from facturo.reception.formats.ubl.rules.registry import UblContext
from facturo.reception.formats.ubl.rules.values import XNS


def context_tags(context: str) -> frozenset[str] | None:
    """The tags (Clark notation) a context's nodes can have: the last step of each branch of the
    union, predicates dropped. None when a branch does not end in a plain ``prefix:Name`` step."""
    tags = set()
    for branch in _top_level_union(context):
        last = _PREDICATES.sub("", branch).strip().rsplit("/", 1)[-1]
        found = _QNAME.fullmatch(last)
        if found is None or found.group(1) not in XNS:
            return None
        tags.add(f"{{{XNS[found.group(1)]}}}{found.group(2)}")
    return frozenset(tags)


_QNAME = re.compile(r"([a-z]+):([A-Za-z][\w.-]*)")
_PREDICATES = re.compile(r"\[[^\[\]]*\]")


def _top_level_union(path: str) -> list[str]:
    """``a | b[x | y]`` -> ``a``, ``b[x | y]``; nested predicates are removed before the last step
    is read, so the removal is repeated until none is left."""
    depth, start, branches = 0, 0, []
    for index, char in enumerate(path):
        if char in "[(":
            depth += 1
        elif char in "])":
            depth -= 1
        elif char == "|" and depth == 0:
            branches.append(path[start:index])
            start = index + 1
    branches.append(path[start:])
    result = []
    for branch in branches:
        while _PREDICATES.search(branch):
            branch = _PREDICATES.sub("", branch)
        result.append(branch)
    return result


def gating_tags(test: str) -> frozenset[str] | None:
    """The tags (Clark notation) that must all occur for ``test`` to be able to fail, for the two
    shapes most "at most once" rules have: ``count(a/b/c) <= n`` and ``not(a/b/c)`` hold when an
    element of any step of the path occurs nowhere. None for any other test."""
    found = _gated_path(test)
    return None if found is None else found[0]


def _gated_path(test: str) -> tuple[frozenset[str], tuple[str, int] | None, frozenset[str] | None] | None:
    """:func:`gating_tags`, and for ``count(a/b/c) <= n``:

    * the last element step's tag with ``n``: the count cannot pass ``n`` unless the document holds
      more than ``n`` such elements (predicates only filter, an attribute step counts at most one
      per element);
    * for a path of child steps from the context node, the steps' tags: the count cannot pass 1
      unless some element has two children with one of those tags (n >= 1)."""
    found = _COUNT_OR_NOT.fullmatch(test.strip())
    if found is None:
        # ``... or not(a/b)``: holds wherever a/b selects nothing, so it needs what not(a/b) needs.
        for disjunct in _top_level_or(test):
            if disjunct.startswith("not(") and _COUNT_OR_NOT.fullmatch(disjunct) and disjunct != test.strip():
                only_not = _gated_path(disjunct)
                if only_not is not None:
                    return only_not
        return None
    path = _top_level_union(found.group(1) or found.group(3))
    if len(path) != 1 or not _PLAIN_PATH.fullmatch(path[0].strip()):
        return None
    plain = path[0].strip()
    tags = []
    for step in plain.split("/"):
        if ":" in step and not step.startswith("@"):
            prefix, name = step.split(":", 1)
            if prefix not in XNS:
                return None
            tags.append(f"{{{XNS[prefix]}}}{name}")
        elif step == "..":
            tags.append("..")
    element_tags = frozenset(t for t in tags if t != "..")
    if not element_tags:
        return None
    at_most = found.group(2)
    if at_most is None:
        return element_tags, None, None
    repeated = (tags[-1], int(at_most)) if tags[-1] != ".." else None
    children_only = not plain.startswith("/") and "//" not in plain and ".." not in tags and int(at_most) >= 1
    return element_tags, repeated, element_tags if children_only else None


def _top_level_or(test: str) -> list[str]:
    """``a or b or c`` -> its disjuncts, for ``or`` outside any parentheses or brackets."""
    depth, start, parts = 0, 0, []
    text = test.strip()
    index = 0
    while index < len(text):
        char = text[index]
        if char in "[(":
            depth += 1
        elif char in "])":
            depth -= 1
        elif char == "'":
            index = text.find("'", index + 1)
            if index < 0:
                return [text]
        elif depth == 0 and text.startswith(" or ", index):
            parts.append(text[start:index].strip())
            start = index + 4
            index += 3
        index += 1
    parts.append(text[start:].strip())
    return parts


_COUNT_OR_NOT = re.compile(r"count\((.*)\) <= (\d+)|not\((.*)\)", re.DOTALL)
_STEP = r"(?:[a-z]+:[A-Za-z][\w.-]*|\.\.)"
_PLAIN_PATH = re.compile(rf"/{{0,2}}{_STEP}(?:/{{1,2}}{_STEP})*(?:/@[A-Za-z][\w.-]*)?")


@dataclass(frozen=True)
class Gate:
    """What a document must hold for a test to be able to fail; a closed gate leaves the test out
    of its group's XPath call."""

    tags: frozenset[str] = frozenset()  # every one of these occurs
    repeated: tuple[str, int] | None = None  # this tag occurs more than n times
    when: Callable[[UblContext], bool] | None = None  # a rule's own condition
    steps: frozenset[str] | None = None  # some element has two children with one of these tags

    def open(self, ctx: UblContext) -> bool:
        return self.open_by_shape(ctx) and self.open_beyond_shape(ctx)

    @property
    def shape_only(self) -> bool:
        """Decided by the document's shape alone (:attr:`UblContext.shape`)."""
        return self.repeated is None and self.when is None

    def open_by_shape(self, ctx: UblContext) -> bool:
        if not self.tags <= ctx.tags:
            return False
        return self.steps is None or not self.steps.isdisjoint(ctx.repeated_children)

    def open_beyond_shape(self, ctx: UblContext) -> bool:
        """The conditions the shape does not decide (a count, the rule's own)."""
        if self.repeated is not None and len(ctx.elements(self.repeated[0])) <= self.repeated[1]:
            return False
        return self.when is None or self.when(ctx)


def gate_of(test: str, when: Callable[[UblContext], bool] | None = None) -> Gate | None:
    """The gate of ``test`` (see :func:`_gated_path`), with the rule's own condition ``when``."""
    found = _gated_path(test)
    if found is None:
        return None if when is None else Gate(when=when)
    return Gate(found[0], found[1], when, found[2])
