"""The rule registry the EN 16931 rule modules write into.

A rule is a function over a :class:`UblContext` that yields ``(location, detail)`` for every
place the rule is broken (``detail`` may be ``None``); the registry turns each into a
:class:`~facturo.reception.formats.reading.Finding` carrying the rule id, its severity and its
message in Spanish and English.

Speed: a rule may say what it needs to fire at all, and :func:`run_rules` skips it on a document
without it (the check would find nothing): ``needs`` is a set of element tags of which one must
occur (``asserting`` derives it from the rule's context), and every VAT-category rule (BR-S-nn,
BR-IC-nn...) needs its category code on some TaxCategory or ClassifiedTaxCategory. A typical
invoice uses one or two of the nine categories, so most of those 96 rules are never evaluated.
Rules that belong to a :class:`Batch` (the assertions sharing one context) are decided together,
once per document.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol

from lxml import etree

from facturo.kit.errors import Msg
from facturo.reception.formats.reading import Finding, Severity

NS = {
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
    "ext": "urn:oasis:names:specification:ubl:schema:xsd:CommonExtensionComponents-2",
    "inv": "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2",
    "cn": "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2",
}


class UblContext:
    """One parsed UBL document as the rules see it.

    The document is walked once (:attr:`index`: every element by its tag, in document order);
    rules ask :meth:`elements` for ``//cac:TaxCategory`` and the like instead of walking the tree
    again, which on a small invoice cost more than the test itself."""

    def __init__(self, root: etree._Element) -> None:
        self.root = root
        self.is_credit_note = etree.QName(root).localname == "CreditNote"
        self._tree = root.getroottree()
        # Per-document results the rule modules share (a context's nodes, a group's verdicts).
        self.memo: dict[Any, Any] = {}
        # Every element (the root included) under its tag in Clark notation, in document order,
        # and every element's children by tag, read in one walk. Holding the elements keeps their
        # proxies alive, so a node stays the same Python object (and dictionary key) while the
        # context lives.
        self.index: dict[str, list[etree._Element]] = {}
        self.children_by_node: dict[etree._Element, dict[str, list[etree._Element]]] = {}
        # The tags some element has more than one child of: "at most once" tests need one of them.
        self.repeated_children: set[str] = set()
        self._walk()

    def _walk(self) -> None:
        index, children, repeated = self.index, self.children_by_node, self.repeated_children
        index_get, children_get = index.get, children.get  # bound once: this loop runs per element
        for node in self.root.iter(etree.Element):
            tag: str = node.tag
            found = index_get(tag)
            if found is None:
                index[tag] = [node]
            else:
                found.append(node)
            parent = node.getparent()
            if parent is not None:
                kids = children_get(parent)
                if kids is None:
                    children[parent] = {tag: [node]}
                elif (same := kids.get(tag)) is None:
                    kids[tag] = [node]
                else:
                    same.append(node)
                    repeated.add(tag)

    def children(self, node: etree._Element, tag: str) -> list[etree._Element]:
        """The element children of ``node`` with ``tag``, in document order (do not modify): a
        dictionary lookup, where lxml's ``iterchildren`` and ``find`` cost about a microsecond a
        call and the rules ask thousands of them of a large invoice."""
        return self.children_by_node.get(node, _NO_KIDS).get(tag, [])

    def kids(self, node: etree._Element) -> dict[str, list[etree._Element]]:
        """Every element child of ``node`` by tag (do not modify)."""
        return self.children_by_node.get(node, _NO_KIDS)

    def child_path(self, node: etree._Element, tags: tuple[str, ...]) -> list[etree._Element]:
        """``node/a/b/c`` for plain child steps (tags in Clark notation), in document order (do not
        modify)."""
        by_node = self.children_by_node
        found = by_node.get(node, _NO_KIDS).get(tags[0])
        if found is None:
            return []
        for tag in tags[1:]:
            found = [kid for at in found for kid in by_node.get(at, _NO_KIDS).get(tag, ())]
            if not found:
                break
        return found

    @functools.cached_property
    def tags(self) -> frozenset[str]:
        """Every element tag (Clark notation) the document holds."""
        return frozenset(self.index)

    def elements(self, *tags: str) -> list[etree._Element]:
        """``//x | //y``: the elements with any of ``tags``, in document order (do not modify)."""
        if len(tags) == 1:
            return self.index.get(tags[0], [])
        found = [nodes for tag in tags if (nodes := self.index.get(tag))]
        if len(found) <= 1:
            return found[0] if found else []
        return self.in_document_order(node for nodes in found for node in nodes)

    def tags_ending(self, suffix: str) -> tuple[str, ...]:
        """The document's tags whose local name ends with ``suffix`` (decided once per shape)."""
        key = (self.shape, suffix)
        found = _TAGS_ENDING.get(key)
        if found is None:
            if len(_TAGS_ENDING) >= _MAX_SHAPES:
                _TAGS_ENDING.clear()
            # In Clark notation (``{ns}local``) the tag ends as its local name does.
            found = _TAGS_ENDING[key] = tuple(tag for tag in self.tags if tag.endswith(suffix))
        return found

    def unordered(self, tags: Iterable[str]) -> list[etree._Element]:
        """The elements with any of ``tags``, tag by tag: for a rule that puts the few nodes it
        reports in document order itself (:meth:`in_document_order`)."""
        index = self.index
        found: list[etree._Element] = []
        for tag in tags:
            nodes = index.get(tag)
            if nodes is not None:
                found += nodes
        return found

    def in_document_order(self, nodes: Iterable[etree._Element]) -> list[etree._Element]:
        order = self.memo.get(_ORDER)
        if order is None:
            order = self.memo[_ORDER] = {node: i for i, node in enumerate(self.root.iter(etree.Element))}
        return sorted(set(nodes), key=order.__getitem__)

    @functools.cached_property
    def category_codes(self) -> frozenset[str]:
        """The collapsed ``cbc:ID`` of every TaxCategory and ClassifiedTaxCategory (a superset of
        the codes any VAT-category rule looks at: the string value, as XPath reads it)."""
        return frozenset(
            # Any whitespace collapsed: a superset of the XML-whitespace codes the rules compare.
            " ".join(string_value(ident).split())
            for tag in (_TAX_CATEGORY, _CLASSIFIED_CATEGORY)
            for category in self.elements(tag)
            for ident in self.children(category, _ID)
        )

    @functools.cached_property
    def shape(self) -> int:
        """A number for the document's tags, category codes and repeated children, the same for
        every document that has the same ones (an issuer's invoices usually do): what depends only
        on them (which rules can fire, which tests a group evaluates) is decided once per shape."""
        key = (self.tags, self.category_codes, frozenset(self.repeated_children))
        found = _SHAPES.get(key)
        if found is None:
            if len(_SHAPES) >= _MAX_SHAPES:
                _SHAPES.clear()
            found = _SHAPES[key] = next(_SHAPE_NUMBERS)
        return found

    def location(self, node: etree._Element) -> str:
        """An XPath to ``node`` with namespace prefixes, for a finding's location."""
        return str(self._tree.getpath(node))


_ORDER = object()
# Shapes seen, numbered; a number is never reused, so caches keyed by it cannot go stale.
_SHAPES: dict[tuple[frozenset[str], frozenset[str], frozenset[str]], int] = {}
_SHAPE_NUMBERS = itertools.count()
_MAX_SHAPES = 1024
_TAGS_ENDING: dict[tuple[int, str], tuple[str, ...]] = {}
_NO_KIDS: dict[str, list[etree._Element]] = {}


def string_value(node: etree._Element) -> str:
    """The XPath string value of an element: its text, or all the text inside it."""
    return (node.text or "") if len(node) == 0 else str(node.xpath("string()"))


_TAX_CATEGORY = f"{{{NS['cac']}}}TaxCategory"
_CLASSIFIED_CATEGORY = f"{{{NS['cac']}}}ClassifiedTaxCategory"
_ID = f"{{{NS['cbc']}}}ID"

Check = Callable[[UblContext], Iterable[tuple[str, str | None]]]

# The VAT-category families of rules 1.3.16 and the code each one is about.
CATEGORY_FAMILIES = {"S": "S", "Z": "Z", "E": "E", "AE": "AE", "IC": "K", "G": "G", "O": "O", "AF": "L", "AG": "M"}
_FAMILY_RULE = re.compile(r"^BR-(S|Z|E|AE|IC|G|O|AF|AG)-\d+$")


class Batch(Protocol):
    """Rules decided together (the assertions sharing one context): the locations where each
    member, by its position, fails. ``run_rules`` asks once per document instead of once per rule."""

    def failures(self, ctx: UblContext) -> dict[int, list[str]]: ...


@dataclass(frozen=True)
class Rule:
    id: str
    severity: Severity
    message: Msg
    check: Check
    # One of these tags must occur for the rule to fire (None: always evaluated; empty: never).
    needs: frozenset[str] | None = None
    # The VAT category code that must be used for the rule to fire (the BR-<family>-nn rules).
    category: str | None = None
    # The batch the rule is decided in, and its position there; ``check`` gives the same answer.
    batch: Batch | None = None
    position: int = 0


RULES: dict[str, Rule] = {}
# What the rules need to fire, and the rules by that gate (built on the first run).
Gate = tuple[frozenset[str] | None, str | None]
Indexed = tuple[int, Rule]  # a rule and its registration index (the order of the findings)


@dataclass
class _Bucket:
    """The rules behind one gate: the ones checked alone, and the batches (each asked once, its
    members found by their position)."""

    alone: list[Indexed]
    batches: dict[int, tuple[Batch, dict[int, Indexed]]]


_plan: dict[int, list[tuple[Gate, _Bucket]]] = {}


def rule(
    rule_id: str,
    es: str,
    en: str,
    severity: Severity = Severity.FATAL,
    needs: frozenset[str] | None = None,
    batch: tuple[Batch, int] | None = None,
) -> Callable[[Check], Check]:
    """Register ``check`` under ``rule_id``; a rule id is registered once."""

    def register(check: Check) -> Check:
        if rule_id in RULES:
            raise ValueError(f"rule {rule_id} registered twice")
        family = _FAMILY_RULE.match(rule_id)
        category = CATEGORY_FAMILIES[family.group(1)] if family else None
        group, position = batch if batch is not None else (None, 0)
        RULES[rule_id] = Rule(rule_id, severity, Msg(es, en), check, needs, category, group, position)
        _plan.clear()
        return check

    return register


def _rules_by_gate() -> list[tuple[Gate, _Bucket]]:
    """The registry bucketed by what the rules need, so that a gate is tested once per document;
    rebuilt when a rule registers after a first run (rules are written to RULES by :func:`rule`
    only; the size is checked too, in case)."""
    found = _plan.get(len(RULES))
    if found is None:
        buckets: dict[Gate, _Bucket] = {}
        for index, r in enumerate(RULES.values()):
            bucket = buckets.setdefault((r.needs, r.category), _Bucket([], {}))
            if r.batch is None:
                bucket.alone.append((index, r))
            else:
                bucket.batches.setdefault(id(r.batch), (r.batch, {}))[1][r.position] = (index, r)
        found = list(buckets.items())
        _plan.clear()
        _plan[len(RULES)] = found
    return found


_open_buckets: dict[tuple[int, int], list[_Bucket]] = {}


def _buckets_for(ctx: UblContext) -> list[_Bucket]:
    """The buckets whose gate the document's shape opens."""
    key = (ctx.shape, len(RULES))
    found = _open_buckets.get(key)
    if found is None:
        tags, codes = ctx.tags, ctx.category_codes
        found = [
            bucket
            for (needs, category), bucket in _rules_by_gate()
            if (needs is None or not tags.isdisjoint(needs)) and (category is None or category in codes)
        ]
        if len(_open_buckets) >= _MAX_SHAPES:
            _open_buckets.clear()
        _open_buckets[key] = found
    return found


def run_rules(ctx: UblContext) -> Iterator[Finding]:
    """Every finding of every registered rule on ``ctx``, in registration order."""
    found: list[tuple[int, Finding]] = []
    for bucket in _buckets_for(ctx):
        for batch, members in bucket.batches.values():
            for position, locations in batch.failures(ctx).items():
                member = members.get(position)
                if member is not None:
                    index, r = member
                    found.extend((index, Finding(r.id, r.severity, at, r.message)) for at in locations)
        for index, r in bucket.alone:
            for location, detail in r.check(ctx):
                message = (
                    r.message if detail is None else Msg(f"{r.message.es} ({detail})", f"{r.message.en} ({detail})")
                )
                found.append((index, Finding(r.id, r.severity, location, message)))
    # Stable: the findings of one rule keep their document order.
    found.sort(key=lambda item: item[0])
    return iter([f for _, f in found])
