"""Single-fault mutations of our valid UBL fixtures, for the differential test against the official
EN 16931 XSLT.

Each mutation changes one thing in one valid base (an Invoice or a CreditNote of
``tests/data/einvoice/ubl/``): an element removed, an element duplicated, an amount off by a
cent, an amount with three decimals, a code nobody lists, a period the wrong way round, a VAT
category or rate changed... The list is generated from the bases' own elements, so it grows with
the fixtures, and it is deterministic: the few choices (which code, which delta) come from a
``random.Random`` seeded with the mutation's name.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from lxml import etree

from tests.conftest import DATA

CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
NS = {"cac": CAC, "cbc": CBC}
FIXTURES = DATA / "einvoice" / "ubl"

# The bases the mutations start from: at least one Invoice and one CreditNote.
BASES = {
    "invoice": "invoice-gt-iva12.xml",
    "credit-note": "creditnote-gt.xml",
    "rates": "invoice-several-rates.xml",
}

Change = Callable[[etree._Element], None]


@dataclass(frozen=True)
class Mutation:
    base: str
    kind: str
    target: str
    change: Change

    @property
    def name(self) -> str:
        return f"{self.base}:{self.kind}:{self.target}"

    def document(self) -> bytes:
        root = etree.fromstring(base_bytes(self.base))
        self.change(root)
        return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def base_bytes(base: str) -> bytes:
    return (FIXTURES / BASES[base]).read_bytes()


def fixture_paths() -> list[Path]:
    """Every UBL fixture of ours: the ones in ``ubl/`` and the older ``ubl-invoice.xml``."""
    return [*sorted(FIXTURES.glob("*.xml")), DATA / "einvoice" / "ubl-invoice.xml"]


def _short(tree: etree._ElementTree, node: etree._Element) -> str:
    """A readable path for a mutation's name: ``cac:TaxTotal/cac:TaxSubtotal[2]/cbc:TaxAmount``."""
    path = str(tree.getelementpath(node))
    return path.replace(f"{{{CAC}}}", "cac:").replace(f"{{{CBC}}}", "cbc:")


def _at(path: str) -> Callable[[etree._Element], etree._Element]:
    """Find again, in a fresh copy of the base, the node ``path`` (an ElementPath) named."""
    clark = path.replace("cac:", f"{{{CAC}}}").replace("cbc:", f"{{{CBC}}}")

    def find(root: etree._Element) -> etree._Element:
        node = root.find(clark)
        assert node is not None, path
        return node

    return find


def _remove(path: str) -> Change:
    def apply(root: etree._Element) -> None:
        node = _at(path)(root)
        parent = node.getparent()
        assert parent is not None
        parent.remove(node)

    return apply


def _duplicate(path: str) -> Change:
    def apply(root: etree._Element) -> None:
        node = _at(path)(root)
        node.addnext(etree.fromstring(etree.tostring(node)))

    return apply


def _text(path: str, value: str) -> Change:
    def apply(root: etree._Element) -> None:
        _at(path)(root).text = value

    return apply


def _attribute(path: str, name: str, value: str) -> Change:
    def apply(root: etree._Element) -> None:
        _at(path)(root).set(name, value)

    return apply


def _swap_period(path: str) -> Change:
    def apply(root: etree._Element) -> None:
        period = _at(path)(root)
        start, end = period.find(f"{{{CBC}}}StartDate"), period.find(f"{{{CBC}}}EndDate")
        assert start is not None and end is not None
        start.text, end.text = end.text, start.text

    return apply


def _insert(path: str, xml: str, index: int) -> Change:
    def apply(root: etree._Element) -> None:
        node = etree.fromstring(f'<w xmlns:cac="{CAC}" xmlns:cbc="{CBC}">{xml}</w>')[0]
        _at(path)(root).insert(index, node)

    return apply


# Codes no code list holds, and the codes of the other VAT categories.
_BAD_CODES = ("ZZ", "XYZ", "999", "Q")
_CATEGORIES = ("S", "Z", "E", "AE", "K", "G", "O", "L", "M")
_CODE_ELEMENTS = {
    "InvoiceTypeCode",
    "CreditNoteTypeCode",
    "DocumentCurrencyCode",
    "IdentificationCode",
    "PaymentMeansCode",
    "AllowanceChargeReasonCode",
    "TaxExemptionReasonCode",
}


# The elements a duplicate of which the official XSLT judges. The official rules read most
# single-valued elements as one item (``normalize-space(cbc:ID)``, ``xs:decimal(cbc:Percent)``): a
# second one makes the XSLT stop with a type error (XPTY0004) instead of giving a verdict, so there
# is nothing to compare with. Repeatable groups and the elements an UBL-SR rule counts remain.
DUPLICABLE = {
    "AllowanceCharge", "AllowanceChargeReason", "AllowanceChargeReasonCode", "BillingReference", "BuyerReference",
    "ChargeIndicator", "CityName", "ClassifiedTaxCategory", "CreditNoteLine", "CreditedQuantity", "DueDate",
    "EndpointID", "InvoiceDocumentReference", "InvoiceLine", "InvoicePeriod", "InvoicedQuantity", "Note",
    "PartyIdentification", "PartyName", "PartyTaxScheme", "PayeeFinancialAccount", "PaymentMeans", "PostalAddress",
    "PostalZone", "Price", "PriceAmount", "SellersItemIdentification", "StandardItemIdentification", "StreetName",
    "TaxExemptionReason", "TaxExemptionReasonCode", "TaxSubtotal", "TaxTotal",
}  # fmt: skip


def _localname(node: etree._Element) -> str:
    return etree.QName(node).localname


def mutations_of(base: str) -> Iterator[Mutation]:
    """Every single-fault mutation of one base, in document order of the node each one touches."""
    root = etree.fromstring(base_bytes(base))
    tree = root.getroottree()
    for node in root.iter(etree.Element):
        if node is root:
            continue
        path = _short(tree, node)
        name = _localname(node)
        rng = random.Random(f"{base}:{path}")
        yield Mutation(base, "remove", path, _remove(path))
        if name in DUPLICABLE:
            yield Mutation(base, "duplicate", path, _duplicate(path))
        if node.get("currencyID") is not None:
            value = Decimal((node.text or "0").strip())
            delta = rng.choice((Decimal("0.01"), Decimal("-0.01"), Decimal("1.00"), Decimal("2.50")))
            yield Mutation(base, f"amount{delta:+}", path, _text(path, f"{value + delta:.2f}"))
            yield Mutation(base, "three-decimals", path, _text(path, f"{value:.3f}"))
            yield Mutation(base, "currency", path, _attribute(path, "currencyID", rng.choice(("USD", "QQQ"))))
            padded = node.get("currencyID", "") + "\u00a0"
            yield Mutation(base, "currency-nbsp", path, _attribute(path, "currencyID", padded))
        if name in _CODE_ELEMENTS:
            yield Mutation(base, "bad-code", path, _text(path, rng.choice(_BAD_CODES)))
            # A no-break space is not XML whitespace: normalize-space keeps it, the code is unknown.
            yield Mutation(base, "code-nbsp", path, _text(path, (node.text or "").strip() + "\u00a0"))
            yield Mutation(base, "code-padded", path, _text(path, f" \n{(node.text or '').strip()}\t"))
        if (
            name == "ID"
            and node.getparent() is not None
            and _localname(node.getparent())
            in (
                "TaxCategory",
                "ClassifiedTaxCategory",
            )
        ):
            other = rng.choice([c for c in _CATEGORIES if c != (node.text or "").strip()])
            yield Mutation(base, f"category-{other}", path, _text(path, other))
        if name == "Percent":
            yield Mutation(base, "rate", path, _text(path, rng.choice(("0", "5", "25"))))
        if name in ("InvoicedQuantity", "CreditedQuantity"):
            yield Mutation(base, "unit", path, _attribute(path, "unitCode", "ZZZZ"))
        if name == "InvoicePeriod" and node.find(f"{{{CBC}}}EndDate") is not None:
            yield Mutation(base, "period-reversed", path, _swap_period(path))
        if name == "CompanyID" and node.getparent() is not None and _localname(node.getparent()) == "PartyTaxScheme":
            yield Mutation(base, "vat-id-prefix", path, _text(path, "XX" + (node.text or "")[2:]))
        if name == "TaxCategory" and node.find(f"{{{CBC}}}TaxExemptionReason") is None:
            yield Mutation(
                base,
                "exemption-added",
                path,
                _insert(path, "<cbc:TaxExemptionReason>Exento</cbc:TaxExemptionReason>", 2),
            )


def all_mutations() -> list[Mutation]:
    found = [m for base in BASES for m in mutations_of(base)]
    names = [m.name for m in found]
    assert len(names) == len(set(names)), "two mutations share a name"
    return found
