"""Assertions: the rules written as the official XPath test over a Schematron context, registered
with :func:`asserting` and decided in groups (the assertions sharing one context, one XPath call per
context node and document).

The official rules are XPath 2.0; most of their tests are plain structure (an element exists,
occurs at most once, has at most two decimals) and are written here in XPath 1.0, which lxml
evaluates natively. The helpers the rule modules share are re-exported here: the values
(:mod:`values`), the contexts (:mod:`contexts`) and the gates (:mod:`gates`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from lxml import etree

from facturo.reception.formats.ubl.rules.contexts import _from_root, contexts
from facturo.reception.formats.ubl.rules.gates import Gate, context_tags, gate_of, gating_tags
from facturo.reception.formats.ubl.rules.registry import UblContext, rule, string_value
from facturo.reception.formats.ubl.rules.values import (
    IS_ALLOWANCE,
    IS_CHARGE,
    LINES,
    ROOT,
    VAT,
    XNS,
    Unreadable,
    amount,
    amounts,
    amounts_over_two_decimals,
    child,
    compiled,
    is_vat_scheme,
    round2,
    select,
    xround,
    xs_date,
    xs_decimal,
)

__all__ = [
    "IS_ALLOWANCE",
    "IS_CHARGE",
    "LINES",
    "ROOT",
    "VAT",
    "XNS",
    "Gate",
    "Unreadable",
    "_from_root",
    "amount",
    "amounts",
    "amounts_over_two_decimals",
    "asserting",
    "child",
    "compiled",
    "context_tags",
    "contexts",
    "gate_of",
    "gating_tags",
    "holds_by_binding",
    "is_vat_scheme",
    "round2",
    "select",
    "string_value",
    "xround",
    "xs_date",
    "xs_decimal",
]


class _Group:
    """The assertions that share one context: their tests are evaluated together, one XPath call
    per context node instead of one per rule and node (lxml's cost per call is most of a simple
    test's): ``boolean((t1) and (t2) and ...)``, and only where that is false
    ``concat(number(boolean(t1)), number(boolean(t2)), ...)`` -> ``"101"`` to say which failed.

    A test that cannot fail on the document (its :class:`Gate` is closed) is left out of the call;
    the XPaths of each set of tests left in are compiled once (documents of one issuer share their
    shape)."""

    def __init__(self, context: str, excluding: str | None) -> None:
        self.context, self.excluding = context, excluding
        self._contexts_key = ("contexts", context, excluding)
        self.tests: list[str] = []
        self.gates: list[Gate | None] = []
        self._combined: dict[tuple[int, ...], etree.XPath] = {}
        self._conjunctions: dict[tuple[int, ...], etree.XPath] = {}
        # Per document shape: the tests its tags open, and the gates still to ask of each document.
        self._by_shape: dict[int, tuple[tuple[int, ...], list[tuple[int, Gate]]]] = {}

    def add(self, test: str, when: Callable[[UblContext], bool] | None = None) -> int:
        # Each test is compiled alone first, so that a broken one names its rule at import.
        etree.XPath(f"boolean({test})", namespaces=XNS)
        self.tests.append(test)
        self.gates.append(gate_of(test, when))
        # A family registered after the first run (a late import) makes the group grow.
        self._combined.clear()
        self._conjunctions.clear()
        self._by_shape.clear()
        return len(self.tests) - 1

    def _active(self, ctx: UblContext) -> tuple[int, ...]:
        """The positions of the tests that can fail on the document, in order."""
        found = self._by_shape.get(ctx.shape)
        if found is None:
            static: list[int] = []
            dynamic: list[tuple[int, Gate]] = []
            for i, gate in enumerate(self.gates):
                if gate is None or (gate.shape_only and gate.open_by_shape(ctx)):
                    static.append(i)
                elif not gate.shape_only and gate.open_by_shape(ctx):
                    dynamic.append((i, gate))
            if len(self._by_shape) >= _SHAPES_KEPT:
                self._by_shape.clear()
            found = self._by_shape[ctx.shape] = (tuple(static), dynamic)
        static_active, dynamic = found
        if not dynamic:
            return static_active
        more = [i for i, gate in dynamic if gate.open_beyond_shape(ctx)]
        return tuple(sorted((*static_active, *more))) if more else static_active

    def _xpath(self, active: tuple[int, ...]) -> etree.XPath:
        found = self._combined.get(active)
        if found is None:
            if len(self._combined) >= _SHAPES:
                self._combined.clear()
            parts = [f"number(boolean({self.tests[i]}))" for i in active]
            text = f"concat({', '.join(parts)}, '')" if len(parts) > 1 else f"string({parts[0]})"
            # A plain str result: a "smart" one would carry a reference to the node.
            found = self._combined[active] = etree.XPath(text, namespaces=XNS, smart_strings=False)
        return found

    def failures(self, ctx: UblContext) -> dict[int, list[str]]:
        """The locations where each test fails, by position (asked once per document)."""
        found: dict[int, list[str]] | None = ctx.memo.get(self)
        if found is None:
            found = ctx.memo[self] = self._failures(ctx)
        return found

    def _failures(self, ctx: UblContext) -> dict[int, list[str]]:
        nodes = contexts(ctx, self.context, self.excluding, self._contexts_key)
        active = self._active(ctx) if nodes else ()
        if not active:
            return {}
        found: dict[int, list[str]] = {}
        all_hold = self._all_hold(active)
        for node in nodes:
            # One boolean for all the tests (``and`` stops at the first that fails); only a node
            # some test fails on is asked again, test by test.
            if all_hold(node):
                continue
            verdict: str = self._xpath(active)(node)
            location = ctx.location(node)
            for index, holds in enumerate(verdict):
                if holds != "1":
                    found.setdefault(active[index], []).append(location)
        return found

    def _all_hold(self, active: tuple[int, ...]) -> etree.XPath:
        found = self._conjunctions.get(active)
        if found is None:
            if len(self._conjunctions) >= _SHAPES:
                self._conjunctions.clear()
            text = " and ".join(f"({self.tests[i]})" for i in active)
            found = self._conjunctions[active] = etree.XPath(f"boolean({text})", namespaces=XNS)
        return found


# Distinct sets of tests whose combined XPath a group keeps compiled, and document shapes whose
# open tests it remembers.
_SHAPES = 64
_SHAPES_KEPT = 1024
_GROUPS: dict[tuple[str, str | None], _Group] = {}


def asserting(
    rule_id: str,
    es: str,
    en: str,
    context: str,
    test: str,
    excluding: str | None = None,
    when: Callable[[UblContext], bool] | None = None,
) -> None:
    """Register ``rule_id``: every ``context`` node must satisfy the XPath 1.0 ``test``. ``when``
    is a condition without which the test cannot fail (it is then not evaluated)."""
    group = _GROUPS.setdefault((context, excluding), _Group(context, excluding))
    position = group.add(test, when)

    def check(ctx: UblContext) -> Iterator[tuple[str, str | None]]:
        for location in group.failures(ctx).get(position, ()):
            yield location, None

    check.__name__ = f"check_{rule_id.replace('-', '_')}"
    rule(rule_id, es, en, needs=context_tags(context), batch=(group, position))(check)


def holds_by_binding(rule_id: str, es: str, en: str) -> None:
    """Register a rule the UBL binding cannot break (its official test is ``true()``): listed so
    that every rule id of the model is accounted for."""

    def check(ctx: UblContext) -> Iterable[tuple[str, str | None]]:
        return ()

    # Needs nothing that could occur: never evaluated.
    rule(rule_id, es, en, needs=frozenset())(check)
