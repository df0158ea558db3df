"""Helpers the EN 16931 rule modules share: XPath 1.0 assertions over a context, the value types
of the UBL binding (xs:decimal, xs:date, xs:boolean) and the official rounding.

The official rules are XPath 2.0 Schematron; most of their tests are plain structure (an element
exists, occurs at most once, has at most two decimals) and are written here in XPath 1.0, which lxml
evaluates natively. Arithmetic is done in Python with exact Decimals, never with XPath numbers.

Every XPath is compiled once (:func:`compiled`): lxml's ``node.xpath(text)`` parses its text on
each call, which cost more than evaluating it.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_FLOOR, Decimal

from lxml import etree

from facturo.reception.formats.ubl.rules.registry import NS, UblContext, rule

# The official rules bind the Invoice namespace to the prefix ``ubl``.
XNS = {**NS, "ubl": NS["inv"]}

ROOT = "/ubl:Invoice | /cn:CreditNote"
LINES = "//cac:InvoiceLine | //cac:CreditNoteLine"
# cbc:ChargeIndicator is an xs:boolean: "true"/"1" and "false"/"0", surrounding blanks allowed.
IS_ALLOWANCE = "[cbc:ChargeIndicator[normalize-space() = 'false' or normalize-space() = '0']]"
IS_CHARGE = "[cbc:ChargeIndicator[normalize-space() = 'true' or normalize-space() = '1']]"
# ``cac:TaxScheme/normalize-space(upper-case(cbc:ID)) = 'VAT'``: only v, a and t can become V, A, T.
VAT = "[cac:TaxScheme[normalize-space(translate(cbc:ID, 'vat', 'VAT')) = 'VAT']]"

# xs:decimal: ASCII digits only (``\d`` would take any script's digits), and only XML whitespace
# around it (the collapse facet), not a no-break space.
_DECIMAL = re.compile(r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)$")
_XML_BLANKS = " \t\r\n"
_DATE = re.compile(r"^(-?\d{4,})-(\d{2})-(\d{2})(Z|[+-]\d{2}:\d{2})?$")


def xs_decimal(text: str | None) -> Decimal | None:
    """The value of an xs:decimal lexical form (blanks collapsed), or None when it is not one."""
    if text is None:
        return None
    found = _DECIMALS.get(text, _UNSEEN)
    if found is _UNSEEN:
        stripped = text.strip(_XML_BLANKS)
        found = Decimal(stripped) if _DECIMAL.match(stripped) else None
        if len(_DECIMALS) >= _DECIMALS_KEPT:
            _DECIMALS.clear()
        _DECIMALS[text] = found
    return found  # type: ignore[return-value]


# The values of the texts seen lately: invoices repeat their amounts, rates and quantities (a
# Decimal is immutable, so one value can serve every document).
_DECIMALS: dict[str, Decimal | None] = {}
_DECIMALS_KEPT = 16_384
_UNSEEN = object()


def xs_date(text: str | None) -> date | None:
    """The date of an xs:date lexical form (an optional timezone is ignored), or None."""
    if text is None:
        return None
    found = _DATE.match(text.strip())
    if found is None:
        return None
    try:
        return date(int(found.group(1)), int(found.group(2)), int(found.group(3)))
    except ValueError:
        return None


_UPPER_VAT = str.maketrans("vat", "VAT")
_SCHEME = f"{{{NS['cac']}}}TaxScheme"
_SCHEME_ID = f"{{{NS['cbc']}}}ID"


def is_vat_scheme(ctx: UblContext, node: etree._Element) -> bool:
    """The :data:`VAT` predicate in Python, as XPath 1.0 reads it: some ``cac:TaxScheme`` child whose
    first ``cbc:ID`` (its string value, '' without one) is 'VAT' once v, a and t are upper-cased
    and XML whitespace is collapsed."""
    for scheme in ctx.children(node, _SCHEME):
        ids = ctx.children(scheme, _SCHEME_ID)
        text = string_value(ids[0]) if ids else ""
        if text == "VAT" or _xml_collapsed(text.translate(_UPPER_VAT)) == "VAT":
            return True
    return False


def string_value(node: etree._Element) -> str:
    """The XPath string value of an element: its text, or all the text inside it."""
    return (node.text or "") if len(node) == 0 else str(node.xpath("string()"))


def _xml_collapsed(text: str) -> str:
    """XPath ``normalize-space``: only space, tab, CR and LF are blanks."""
    return " ".join(part for part in re.split(r"[ \t\r\n]+", text) if part)


_OVER_TWO = object()


def amounts_over_two_decimals(ctx: UblContext) -> list[etree._Element]:
    """Every element whose local name ends with ``Amount`` and whose string value has more than two
    characters after its first point, in no particular order (read once per document). UBL-DT-01
    reports them, and a BR-DEC rule cannot fail on a document without one."""
    found: list[etree._Element] | None = ctx.memo.get(_OVER_TWO)
    if found is None:
        found = ctx.memo[_OVER_TWO] = []
        for element in ctx.unordered(ctx.tags_ending("Amount")):
            text = string_value(element)
            point = text.find(".")
            if point >= 0 and len(text) - point - 1 > 2:
                found.append(element)
    return found


def round2(value: Decimal) -> Decimal:
    """``round(value * 10 * 10) div 100`` as the official rules write it: XPath round() rounds
    half towards positive infinity (2.345 -> 2.35, -2.345 -> -2.34)."""
    return (value * 100 + _HALF).to_integral_value(rounding=ROUND_FLOOR) / 100


def xround(value: Decimal) -> Decimal:
    """XPath round(): half towards positive infinity."""
    return (value + _HALF).to_integral_value(rounding=ROUND_FLOOR)


_HALF = Decimal("0.5")


class Unreadable(Exception):
    """An amount the rule needs is not an xs:decimal: the rule cannot be decided (the reader
    reports the amount itself)."""


@functools.cache
def compiled(path: str) -> etree.XPath:
    """``path`` compiled once for the whole process, with the official prefixes."""
    return etree.XPath(path, namespaces=XNS)


_CHILD_STEPS = re.compile(r"[a-z]+:[A-Za-z][\w.-]*(/[a-z]+:[A-Za-z][\w.-]*)*")


@functools.cache
def _plan(path: str) -> tuple[str, ...] | etree.XPath:
    """A path of plain child steps (``cac:TaxTotal/cbc:TaxAmount``) becomes its tags in Clark
    notation, walked through the document's children index; anything else is compiled."""
    if _CHILD_STEPS.fullmatch(path):
        steps = [step.split(":", 1) for step in path.split("/")]
        if all(prefix in XNS for prefix, _ in steps):
            return tuple(f"{{{XNS[prefix]}}}{name}" for prefix, name in steps)
    return compiled(path)


def select(ctx: UblContext, node: etree._Element, path: str) -> list[etree._Element]:
    """The nodes ``path`` selects from ``node``, in document order."""
    plan = _plan(path)
    if isinstance(plan, tuple):
        return ctx.child_path(node, plan)
    found: list[etree._Element] = plan(node)
    return found


def child(ctx: UblContext, node: etree._Element, path: str) -> etree._Element | None:
    found = select(ctx, node, path)
    return found[0] if found else None


def amount(ctx: UblContext, node: etree._Element, path: str) -> Decimal | None:
    """The xs:decimal at ``path`` below ``node`` (the first one), None when absent; raises
    :class:`Unreadable` when present but not a decimal."""
    element = child(ctx, node, path)
    if element is None:
        return None
    value = xs_decimal(element.text or "")
    if value is None:
        raise Unreadable(path)
    return value


def amounts(ctx: UblContext, node: etree._Element, path: str) -> list[Decimal]:
    values = []
    for element in select(ctx, node, path):
        text = element if isinstance(element, str) else (element.text or "")
        value = xs_decimal(text)
        if value is None:
            raise Unreadable(path)
        values.append(value)
    return values


def contexts(
    ctx: UblContext, context: str, excluding: str | None = None, key: tuple[str, str, str | None] | None = None
) -> list[etree._Element]:
    """The nodes a Schematron rule fires on. ``excluding`` names the nodes an earlier rule of the
    same pattern claims (a node fires only the first rule of a pattern that matches it). ``key``
    is ``("contexts", context, excluding)`` made once by a caller that asks for every document."""
    if key is None:
        key = ("contexts", context, excluding)
    found: list[etree._Element] | None = ctx.memo.get(key)
    if found is None:
        found = _from_root(ctx, context)
        if excluding and found:
            claimed = set(_from_root(ctx, excluding))
            found = [n for n in found if n not in claimed]
        ctx.memo[key] = found
    return found


def _from_root(ctx: UblContext, path: str) -> list[etree._Element]:
    """``path`` evaluated on the root: from the document's index when every branch of the union is
    plain steps (``//cac:TaxTotal/cac:TaxSubtotal``, ``/ubl:Invoice/cac:TaxTotal``), the last one
    maybe with the :data:`VAT` predicate; otherwise by XPath."""
    plan = _index_plan(path)
    if plan is None:
        return select(ctx, ctx.root, path)
    if len(plan) == 1:
        return _matching(ctx, *plan[0])
    branches = [found for branch in plan if (found := _matching(ctx, *branch))]
    if len(branches) <= 1:
        return branches[0] if branches else []
    return ctx.in_document_order(node for found in branches for node in found)


def _matching(ctx: UblContext, absolute: bool, steps: tuple[str, ...], vat: bool) -> list[etree._Element]:
    """The elements of the last step whose ancestors are the steps before it (the first one the
    root when ``absolute``), in document order (do not modify); with ``vat``, only those the
    :data:`VAT` predicate keeps."""
    index = ctx.index
    if absolute:
        found = ctx.child_path(ctx.root, steps[1:]) if ctx.root.tag == steps[0] and len(steps) > 1 else []
        if len(steps) == 1 and ctx.root.tag == steps[0]:
            found = [ctx.root]
    elif not ctx.tags.issuperset(steps):
        return []
    elif len(steps) == 1:
        found = index[steps[0]]
    elif len(starts := index[steps[0]]) == 1:
        # One element of the first step: its descendants along the steps, already in order.
        found = ctx.child_path(starts[0], steps[1:])
    else:
        *above, last = steps
        found = []
        for node in index[last]:
            at: etree._Element | None = node
            for tag in reversed(above):
                at = at.getparent() if at is not None else None
                if at is None or at.tag != tag:
                    break
            else:
                found.append(node)
    return [node for node in found if is_vat_scheme(ctx, node)] if vat else found


_BRANCH = re.compile(r"(/{1,2})([a-z]+:[A-Za-z][\w.-]*(?:/[a-z]+:[A-Za-z][\w.-]*)*)")


@functools.cache
def _index_plan(path: str) -> tuple[tuple[bool, tuple[str, ...], bool], ...] | None:
    """Each branch of ``path`` as (absolute, the tags of its child steps, whether the last step
    carries the :data:`VAT` predicate), or None when a branch is anything else (another predicate,
    an axis, a descendant step after the first)."""
    plan = []
    for branch in path.split(" | "):
        branch = branch.strip()
        vat = branch.endswith(VAT)
        found = _BRANCH.fullmatch(branch[: -len(VAT)] if vat else branch)
        if found is None:
            return None
        steps = []
        for step in found.group(2).split("/"):
            prefix, name = step.split(":", 1)
            if prefix not in XNS:
                return None
            steps.append(f"{{{XNS[prefix]}}}{name}")
        plan.append((found.group(1) == "/", tuple(steps), vat))
    return tuple(plan)


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
