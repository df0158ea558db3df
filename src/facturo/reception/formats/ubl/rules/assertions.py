"""Helpers the EN 16931 rule modules share: XPath 1.0 assertions over a context, the value types
of the UBL binding (xs:decimal, xs:date, xs:boolean) and the official rounding.

The official rules are XPath 2.0 Schematron; most of their tests are plain structure (an element
exists, occurs at most once, has at most two decimals) and are written here in XPath 1.0, which lxml
evaluates natively. Arithmetic is done in Python with exact Decimals, never with XPath numbers.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
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

_DECIMAL = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
_DATE = re.compile(r"^(-?\d{4,})-(\d{2})-(\d{2})(Z|[+-]\d{2}:\d{2})?$")


def xs_decimal(text: str | None) -> Decimal | None:
    """The value of an xs:decimal lexical form (blanks collapsed), or None when it is not one."""
    if text is None:
        return None
    text = text.strip()
    if not _DECIMAL.match(text):
        return None
    return Decimal(text)


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


def round2(value: Decimal) -> Decimal:
    """``round(value * 10 * 10) div 100`` as the official rules write it: XPath round() rounds
    half towards positive infinity (2.345 -> 2.35, -2.345 -> -2.34)."""
    return (value * 100 + Decimal("0.5")).to_integral_value(rounding=ROUND_FLOOR) / 100


def xround(value: Decimal) -> Decimal:
    """XPath round(): half towards positive infinity."""
    return (value + Decimal("0.5")).to_integral_value(rounding=ROUND_FLOOR)


class Unreadable(Exception):
    """An amount the rule needs is not an xs:decimal: the rule cannot be decided (the reader
    reports the amount itself)."""


def child(node: etree._Element, path: str) -> etree._Element | None:
    found = node.xpath(path, namespaces=XNS)
    return found[0] if found else None


def amount(node: etree._Element, path: str) -> Decimal | None:
    """The xs:decimal at ``path`` below ``node`` (the first one), None when absent; raises
    :class:`Unreadable` when present but not a decimal."""
    element = child(node, path)
    if element is None:
        return None
    value = xs_decimal(element.text or "")
    if value is None:
        raise Unreadable(path)
    return value


def amounts(node: etree._Element, path: str) -> list[Decimal]:
    values = []
    for element in node.xpath(path, namespaces=XNS):
        text = element if isinstance(element, str) else (element.text or "")
        value = xs_decimal(text)
        if value is None:
            raise Unreadable(path)
        values.append(value)
    return values


def contexts(ctx: UblContext, context: str, excluding: str | None = None) -> list[etree._Element]:
    """The nodes a Schematron rule fires on. ``excluding`` names the nodes an earlier rule of the
    same pattern claims (a node fires only the first rule of a pattern that matches it)."""
    nodes: list[etree._Element] = ctx.root.xpath(context, namespaces=XNS)
    if excluding:
        claimed = {id(n) for n in ctx.root.xpath(excluding, namespaces=XNS)}
        nodes = [n for n in nodes if id(n) not in claimed]
    return nodes


def asserting(
    rule_id: str, es: str, en: str, context: str, test: str, excluding: str | None = None
) -> None:
    """Register ``rule_id``: every ``context`` node must satisfy the XPath 1.0 ``test``."""
    compiled = etree.XPath(f"boolean({test})", namespaces=XNS)

    def check(ctx: UblContext) -> Iterator[tuple[str, str | None]]:
        for node in contexts(ctx, context, excluding):
            if not compiled(node):
                yield ctx.location(node), None

    check.__name__ = f"check_{rule_id.replace('-', '_')}"
    rule(rule_id, es, en)(check)


def holds_by_binding(rule_id: str, es: str, en: str) -> None:
    """Register a rule the UBL binding cannot break (its official test is ``true()``): listed so
    that every rule id of the model is accounted for."""

    def check(ctx: UblContext) -> Iterable[tuple[str, str | None]]:
        return ()

    rule(rule_id, es, en)(check)
