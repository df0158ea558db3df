"""The rule registry the EN 16931 rule modules write into.

A rule is a function over a :class:`UblContext` that yields ``(location, detail)`` for every
place the rule is broken (``detail`` may be ``None``); the registry turns each into a
:class:`~facturo.reception.formats.reading.Finding` carrying the rule id, its severity and its
message in Spanish and English.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

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

    def xpath(self, node: etree._Element, path: str, **variables: Any) -> Any:
        return node.xpath(path, namespaces=NS, **variables)

    def location(self, node: etree._Element) -> str:
        """An XPath to ``node`` with namespace prefixes, for a finding's location."""
        return str(self._tree.getpath(node))


Check = Callable[[UblContext], Iterable[tuple[str, str | None]]]


@dataclass(frozen=True)
class Rule:
    id: str
    severity: Severity
    message: Msg
    check: Check


RULES: dict[str, Rule] = {}


def rule(rule_id: str, es: str, en: str, severity: Severity = Severity.FATAL) -> Callable[[Check], Check]:
    """Register ``check`` under ``rule_id``; a rule id is registered once."""

    def register(check: Check) -> Check:
        if rule_id in RULES:
            raise ValueError(f"rule {rule_id} registered twice")
        RULES[rule_id] = Rule(rule_id, severity, Msg(es, en), check)
        return check

    return register


def run_rules(ctx: UblContext) -> Iterator[Finding]:
    for r in RULES.values():
        for location, detail in r.check(ctx):
            message = r.message if detail is None else Msg(f"{r.message.es} ({detail})", f"{r.message.en} ({detail})")
            yield Finding(r.id, r.severity, location, message)
