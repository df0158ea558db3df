"""What the FEL modules share: namespaces, finding construction, locations and exact numbers."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from lxml import etree

from facturo.kit.errors import Msg
from facturo.reception.formats.reading import Finding, Severity

DTE_NS = "http://www.sat.gob.gt/dte/fel/0.2.0"
DS_NS = "http://www.w3.org/2000/09/xmldsig#"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
REFERENCIA_NOTA_NS = "http://www.sat.gob.gt/face2/ComplementoReferenciaNota/0.1.0"

NS = {"dte": DTE_NS, "ds": DS_NS, "cno": REFERENCIA_NOTA_NS}

# xs:decimal's lexical space: an optional sign, digits, an optional fraction. No exponent, no
# spaces inside: Decimal() alone would accept "1e3" and "Infinity".
_DECIMAL = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")


def dte(name: str) -> str:
    return f"{{{DTE_NS}}}{name}"


def ds(name: str) -> str:
    return f"{{{DS_NS}}}{name}"


def location(el: etree._Element, attribute: str | None = None) -> str:
    """An XPath to the element (and attribute) with the document's own prefixes."""
    path = el.getroottree().getpath(el)
    return f"{path}/@{attribute}" if attribute else path


def finding(rule: str, where: str, es: str, en: str, severity: Severity = Severity.ERROR) -> Finding:
    return Finding(rule, severity, where, Msg(es, en))


def parse_decimal(text: str | None) -> Decimal | None:
    """The exact value of an xs:decimal literal, or None when it is not one."""
    if text is None:
        return None
    text = text.strip()
    if not _DECIMAL.fullmatch(text):
        return None
    try:
        return Decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern above only lets decimals through
        return None


def text_of(el: etree._Element | None) -> str | None:
    if el is None:
        return None
    return "".join(el.itertext()).strip()


# Longer figures already break the schema (22 digits at most); refusing them keeps hostile numbers
# out of Decimal arithmetic, where a huge magnitude would overflow the context.
LONGEST_AMOUNT = 64


def parse_amount(text: str | None) -> Decimal | None:
    """An amount to compute with: an xs:decimal of at most LONGEST_AMOUNT characters, else None."""
    if text is None or len(text) > LONGEST_AMOUNT:
        return None
    return parse_decimal(text)
