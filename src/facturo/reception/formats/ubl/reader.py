"""Reading a UBL 2.1 Invoice or CreditNote (EN 16931, Peppol BIS 3) into the index fields, with
the findings of every registered EN 16931 rule.

``read_ubl`` takes the root element already parsed by :func:`facturo.kit.xml.parse_untrusted`. It
never raises: a date or a decimal that is not one, or a number too long for the index, becomes a
finding of ours (``READ-UBL-*``, see docs/reception-ubl.md). Our ids do not start with ``BR-`` or ``UBL-`` on
purpose: when an operator turns on the official XSLT (``FACTURO_EN16931_XSLT``) its verdict
replaces the findings with those prefixes, and an unreadable index field must still reject.

Field by field (the decisions are documented in docs/reception-ubl.md):

* issuer NIT: the seller's ``PartyTaxScheme/CompanyID`` (the VAT scheme's first), else
  ``PartyLegalEntity/CompanyID``, else ``EndpointID``; a Guatemalan VAT identifier written with its
  country prefix (``GT576937K``, as BR-CO-09 wants VAT identifiers) is indexed without it
  (``576937K``), as FEL writes NITs;
* receiver: the buyer's identifier as written, in the same order plus ``PartyIdentification/ID``;
* ``number`` is ``cbc:ID``; ``series`` and ``correlative`` split it at its trailing digits;
* ``total`` is ``TaxInclusiveAmount`` (BT-112, the invoice total with VAT), not ``PayableAmount``
  (BT-115), which is net of prepayments and would undercount sales and IVA in the auditors' sums.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from lxml import etree

from facturo.kit.errors import Msg
from facturo.reception.formats.reading import DocumentFormat, DocumentReference, Finding, ReadDocument, Severity
from facturo.reception.formats.ubl.rules import all as _all_rules  # noqa: F401  (registers every rule family)
from facturo.reception.formats.ubl.rules.assertions import xs_date, xs_decimal
from facturo.reception.formats.ubl.rules.registry import NS, UblContext, run_rules

CAC = "{" + NS["cac"] + "}"
CBC = "{" + NS["cbc"] + "}"

# Index fields are bounded whatever a hostile document holds: an identifier longer than the index
# column is not indexed at all (a cut number could collide with another document), a name is cut.
IDENTIFIER_MAX = 40
NAME_MAX = 300
# The correlative is a BIGINT: 18 digits always fit.
CORRELATIVE_DIGITS = 18

_TRAILING_DIGITS = re.compile(r"^(.*?)(\d+)$", re.DOTALL)
# A Guatemalan NIT with its ISO country prefix: digits and a check digit (0-9 or K), a hyphen allowed.
_GT_PREFIXED_NIT = re.compile(r"^GT[\s-]?(\d[\d\s-]*[\dK])$", re.IGNORECASE)


@dataclass(frozen=True)
class NumberParts:
    series: str | None
    correlative: int | None


def split_number(number: str) -> NumberParts:
    """Series and correlative of a UBL invoice number (``cbc:ID``).

    The correlative is the run of digits the number ends with, the series everything before it
    (kept as written, separators included): ``CV-2024-0042`` -> (``CV-2024-``, 42), ``12345`` ->
    (None, 12345), ``A7B`` -> (``A7B``, None). More than 18 trailing digits are not a correlative.
    """
    found = _TRAILING_DIGITS.match(number)
    if found is None:
        return NumberParts(number or None, None)
    prefix, digits = found.groups()
    if len(digits) > CORRELATIVE_DIGITS:
        return NumberParts(number, None)
    return NumberParts(prefix or None, int(digits))


def issuer_nit(value: str) -> str:
    """The issuer identifier as indexed: a ``GT``-prefixed NIT loses its country prefix."""
    found = _GT_PREFIXED_NIT.match(value)
    return found.group(1).upper() if found else value


def _text(node: etree._Element | None) -> str | None:
    """The collapsed text of ``node``; None when absent or blank."""
    if node is None:
        return None
    value = " ".join((node.text or "").split())
    return value or None


def _identifier(node: etree._Element | None) -> str | None:
    value = _text(node)
    return value if value is not None and len(value) <= IDENTIFIER_MAX else None


def _name(node: etree._Element | None) -> str | None:
    value = _text(node)
    return value[:NAME_MAX] if value else None


def _tax_id(ctx: UblContext, party: etree._Element) -> etree._Element | None:
    """``PartyTaxScheme/CompanyID``, the one of the VAT scheme (BT-31/BT-48) before another tax
    registration (BT-32)."""
    fallback = None
    for scheme in ctx.children(party, f"{CAC}PartyTaxScheme"):
        company = _find(ctx, scheme, f"{CBC}CompanyID")
        if company is None or _text(company) is None:
            continue
        if (_text(_find(ctx, scheme, f"{CAC}TaxScheme", f"{CBC}ID")) or "").upper() == "VAT":
            return company
        fallback = fallback if fallback is not None else company
    return fallback


def _party_id(ctx: UblContext, party: etree._Element, *more: tuple[str, ...]) -> etree._Element | None:
    # Not ``or``: an lxml element without children is false.
    found = _tax_id(ctx, party)
    return found if found is not None else _first(ctx, party, *_PARTY_IDS, *more)


def _find(ctx: UblContext, node: etree._Element, *tags: str) -> etree._Element | None:
    """``node.find("a/b")`` for child steps in Clark notation, through the document's index."""
    found = ctx.child_path(node, tags)
    return found[0] if found else None


def _first(ctx: UblContext, node: etree._Element, *paths: tuple[str, ...]) -> etree._Element | None:
    """The first element found along ``paths`` (tried in order) that has some text."""
    for path in paths:
        for found in ctx.child_path(node, path):
            if _text(found) is not None:
                return found
    return None


_PARTY_IDS = ((f"{CAC}PartyLegalEntity", f"{CBC}CompanyID"), (f"{CBC}EndpointID",))
_PARTY_NAMES = ((f"{CAC}PartyLegalEntity", f"{CBC}RegistrationName"), (f"{CAC}PartyName", f"{CBC}Name"))


# Every date, and every amount, percentage and quantity of the UBL binding (xs:date and xs:decimal
# in the UBL schema). The official XSLT stops with a type error on a value that is neither, so it
# gives no verdict; facturo rejects the document with a finding of its own instead (one per value).
_DATES = tuple(
    f"{CBC}{name}"
    for name in ("IssueDate", "DueDate", "TaxPointDate", "StartDate", "EndDate", "ActualDeliveryDate", "PaymentDueDate")
)
_NUMBERS = tuple(
    f"{CBC}{name}"
    for name in ("Percent", "InvoicedQuantity", "CreditedQuantity", "BaseQuantity", "MultiplierFactorNumeric")
)
# Amounts are the elements with a currencyID. XPath 1.0 number() reads a little less than
# xs:decimal (no leading "+"): its NaNs are only candidates, which xs_decimal decides.
_NOT_NUMBER_AMOUNTS = etree.XPath("//@currencyID/parent::*[not(number(.) = number(.))]")


class _Reader:
    def __init__(self, ctx: UblContext) -> None:
        self.ctx = ctx
        self.root = ctx.root
        self.tree = ctx.root.getroottree()
        self.findings: list[Finding] = []

    def unreadable(self, rule: str, node: etree._Element, es: str, en: str) -> None:
        self.findings.append(Finding(rule, Severity.FATAL, str(self.tree.getpath(node)), Msg(es, en)))

    def sweep(self) -> None:
        """A finding for every date and every decimal that is not one."""
        ctx = self.ctx
        dates = [n for n in ctx.unordered(_DATES) if _text(n) is not None and xs_date(n.text) is None]
        for node in ctx.in_document_order(dates) if len(dates) > 1 else dates:
            shown, name = _shown(node), etree.QName(node).localname
            self.unreadable(
                "READ-UBL-DATE",
                node,
                f"La fecha {name} «{shown}» no es una fecha AAAA-MM-DD válida.",
                f"The date {name} '{shown}' is not a valid YYYY-MM-DD date.",
            )
        amounts: list[etree._Element] = _NOT_NUMBER_AMOUNTS(self.root)
        numbers = [n for n in ctx.unordered(_NUMBERS) if xs_decimal(n.text) is None]
        # Amounts first, then rates and quantities (each group in document order).
        bad = [n for n in amounts if xs_decimal(n.text) is None]
        for node in [*bad, *(ctx.in_document_order(numbers) if len(numbers) > 1 else numbers)]:
            shown, name = _shown(node), etree.QName(node).localname
            self.unreadable(
                "READ-UBL-AMOUNT",
                node,
                f"El valor {name} «{shown}» no es un número decimal (como 1234.56).",
                f"The value {name} '{shown}' is not a decimal number (such as 1234.56).",
            )


def _shown(node: etree._Element) -> str:
    return (node.text or "").strip()[:40]


def _date(node: etree._Element | None) -> date | None:
    return None if node is None else xs_date(node.text)


def _amount(node: etree._Element | None) -> Decimal | None:
    return None if node is None else xs_decimal(node.text)


def read_ubl(root: etree._Element) -> ReadDocument:
    """The index fields and the EN 16931 findings of one UBL Invoice or CreditNote."""
    doc = ReadDocument(DocumentFormat.UBL)
    ctx = UblContext(root)
    reader = _Reader(ctx)
    try:
        reader.sweep()
        _read_fields(doc, reader)
    except Exception as exc:  # a reader never raises on content: the document is stored and rejected
        reader.findings.append(_read_error(exc))
    try:
        rule_findings = list(run_rules(ctx))
    except Exception as exc:
        rule_findings = [_read_error(exc)]
    doc.findings = reader.findings + rule_findings
    return doc


def _read_error(exc: Exception) -> Finding:
    return Finding(
        "READ-UBL-ERROR",
        Severity.FATAL,
        "/",
        Msg(
            f"El documento UBL no se pudo leer por completo: {type(exc).__name__}.",
            f"The UBL document could not be read completely: {type(exc).__name__}.",
        ),
    )


def _read_fields(doc: ReadDocument, reader: _Reader) -> None:
    ctx, root = reader.ctx, reader.root
    doc.document_type = "CreditNote" if ctx.is_credit_note else etree.QName(root).localname
    number_node = _find(ctx, root, _ID)
    doc.number = _identifier(number_node)
    if number_node is not None and doc.number is None and _text(number_node) is not None:
        reader.unreadable(
            "READ-UBL-ID",
            number_node,
            f"El número del documento tiene más de {IDENTIFIER_MAX} caracteres; no se puede indexar.",
            f"The document number is longer than {IDENTIFIER_MAX} characters; it cannot be indexed.",
        )
    if doc.number is not None:
        parts = split_number(doc.number)
        doc.series, doc.correlative = parts.series, parts.correlative
    doc.issue_date = _date(_find(ctx, root, _ISSUE_DATE))
    doc.currency = _text(_find(ctx, root, _CURRENCY))

    seller = _find(ctx, root, *_SELLER)
    if seller is not None:
        nit = _identifier(_party_id(ctx, seller))
        doc.issuer_nit = issuer_nit(nit) if nit else None
        doc.issuer_name = _name(_first(ctx, seller, *_PARTY_NAMES))
    buyer = _find(ctx, root, *_BUYER)
    if buyer is not None:
        doc.receiver_id = _identifier(_party_id(ctx, buyer, _PARTY_IDENTIFICATION))
        doc.receiver_name = _name(_first(ctx, buyer, *_PARTY_NAMES))

    totals = _find(ctx, root, _TOTALS)
    if totals is not None:
        doc.taxable_total = _amount(_find(ctx, totals, _TAX_EXCLUSIVE))
        doc.total = _amount(_find(ctx, totals, _TAX_INCLUSIVE))
    doc.tax_total = _amount(_tax_amount(ctx, doc.currency))
    if doc.document_type == "CreditNote":
        doc.reference = _reference(ctx)


_ID, _ISSUE_DATE, _CURRENCY = f"{CBC}ID", f"{CBC}IssueDate", f"{CBC}DocumentCurrencyCode"
_SELLER = (f"{CAC}AccountingSupplierParty", f"{CAC}Party")
_BUYER = (f"{CAC}AccountingCustomerParty", f"{CAC}Party")
_PARTY_IDENTIFICATION = (f"{CAC}PartyIdentification", f"{CBC}ID")
_TOTALS = f"{CAC}LegalMonetaryTotal"
_TAX_EXCLUSIVE, _TAX_INCLUSIVE = f"{CBC}TaxExclusiveAmount", f"{CBC}TaxInclusiveAmount"


def _tax_amount(ctx: UblContext, currency: str | None) -> etree._Element | None:
    """BT-110: the ``TaxTotal/TaxAmount`` in the document currency. A document with a separate tax
    currency (BT-6) carries a second TaxTotal in that currency (BT-111), which is not taken."""
    amounts = ctx.child_path(ctx.root, (f"{CAC}TaxTotal", f"{CBC}TaxAmount"))
    for node in amounts:
        if currency is not None and (node.get("currencyID") or "").strip() == currency:
            return node
    return amounts[0] if len(amounts) == 1 else None


def _reference(ctx: UblContext) -> DocumentReference | None:
    """The first invoice the credit note corrects (BG-3: BT-25 and BT-26)."""
    for ref in ctx.child_path(ctx.root, (f"{CAC}BillingReference", f"{CAC}InvoiceDocumentReference")):
        number = _identifier(_find(ctx, ref, f"{CBC}ID"))
        if number is None:
            continue
        parts = split_number(number)
        return DocumentReference(
            series=parts.series, number=number, issue_date=_date(_find(ctx, ref, f"{CBC}IssueDate"))
        )
    return None
