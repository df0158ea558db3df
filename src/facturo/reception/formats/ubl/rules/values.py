"""The values of the UBL binding as the EN 16931 rules read them (xs:decimal, xs:date, string
values, the VAT tax-scheme predicate), the official rounding, and the reads of a path below a node.

The official rules are XPath 2.0 Schematron; their arithmetic is done here in Python with exact
Decimals, never with XPath numbers. Every XPath is compiled once (:func:`compiled`): lxml's
``node.xpath(text)`` parses its text on each call, which cost more than evaluating it.
"""

from __future__ import annotations

import functools
import re
from datetime import date
from decimal import ROUND_FLOOR, Decimal

from lxml import etree

from facturo.reception.formats.ubl.rules.registry import NS, UblContext, string_value

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
        if text == "VAT" or normalize_space(text.translate(_UPPER_VAT)) == "VAT":
            return True
    return False


def normalize_space(text: str | None) -> str:
    """XPath ``normalize-space``: trimmed, inner runs of whitespace collapsed to one space, where
    whitespace is XML's (space, tab, CR, LF) and not, say, a no-break space."""
    if not text:
        return ""
    if " " in text or "\t" in text or "\n" in text or "\r" in text:
        return " ".join(part for part in _XML_BLANK_RUNS.split(text) if part)
    return text


_XML_BLANK_RUNS = re.compile(r"[ \t\r\n]+")


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
