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
    """One parsed UBL document as the rules see it."""

    def __init__(self, root: etree._Element) -> None:
        self.root = root
        self.is_credit_note = etree.QName(root).localname == "CreditNote"
        self._tree = root.getroottree()
        # Per-document results the rule modules share (a context's nodes, a group's verdicts).
        self.memo: dict[Any, Any] = {}

    @functools.cached_property
    def tags(self) -> frozenset[str]:
        """Every element tag (Clark notation) the document holds."""
        return frozenset({node.tag for node in self.root.iter(etree.Element)})

    @functools.cached_property
    def category_codes(self) -> frozenset[str]:
        """The collapsed ``cbc:ID`` of every TaxCategory and ClassifiedTaxCategory (a superset of
        the codes any VAT-category rule looks at)."""
        return frozenset(
            " ".join((ident.text or "").split())
            for category in self.root.iter(_TAX_CATEGORY, _CLASSIFIED_CATEGORY)
            for ident in category.iterfind(_ID)
        )

    def xpath(self, node: etree._Element, path: str, **variables: Any) -> Any:
        return node.xpath(path, namespaces=NS, **variables)

    def location(self, node: etree._Element) -> str:
        """An XPath to ``node`` with namespace prefixes, for a finding's location."""
        return str(self._tree.getpath(node))


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
_plan: dict[int, list[tuple[Gate, list[tuple[int, Rule]]]]] = {}


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


def _rules_by_gate() -> list[tuple[Gate, list[tuple[int, Rule]]]]:
    """The registry bucketed by what the rules need, so that a gate is tested once per document;
    rebuilt when a rule registers after a first run (rules are written to RULES by :func:`rule`
    only; the size is checked too, in case)."""
    found = _plan.get(len(RULES))
    if found is None:
        buckets: dict[Gate, list[tuple[int, Rule]]] = {}
        for index, r in enumerate(RULES.values()):
            buckets.setdefault((r.needs, r.category), []).append((index, r))
        found = list(buckets.items())
        _plan.clear()
        _plan[len(RULES)] = found
    return found


def run_rules(ctx: UblContext) -> Iterator[Finding]:
    """Every finding of every registered rule on ``ctx``, in registration order."""
    tags = ctx.tags
    codes = ctx.category_codes
    found: list[tuple[int, Finding]] = []
    decided: dict[int, dict[int, list[str]]] = {}
    for (needs, category), members in _rules_by_gate():
        if needs is not None and tags.isdisjoint(needs):
            continue
        if category is not None and category not in codes:
            continue
        for index, r in members:
            if r.batch is not None:
                failures = decided.get(id(r.batch))
                if failures is None:
                    failures = decided[id(r.batch)] = r.batch.failures(ctx)
                found.extend((index, Finding(r.id, r.severity, at, r.message)) for at in failures.get(r.position, ()))
                continue
            for location, detail in r.check(ctx):
                message = (
                    r.message if detail is None else Msg(f"{r.message.es} ({detail})", f"{r.message.en} ({detail})")
                )
                found.append((index, Finding(r.id, r.severity, location, message)))
    # Stable: the findings of one rule keep their document order.
    found.sort(key=lambda item: item[0])
    return iter([f for _, f in found])
