"""Small UBL documents for the VAT-category tests: one valid base per category and its mutations.

A base has two lines of the category, a document-level allowance and charge of the category, the
VAT breakdown that goes with them and the party identifiers the category needs. Mutations are
functions over the parsed tree, each meant to break one rule (or to show a rule holds on odd input).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from lxml import etree

CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
NS = {"cac": CAC, "cbc": CBC}


@dataclass(frozen=True)
class Category:
    family: str
    code: str
    percent: Decimal | None  # None: the category carries no rate (O)
    seller_vat: bool = True
    buyer_vat: bool = False
    exemption: bool = True
    delivery: bool = False


CATEGORIES: dict[str, Category] = {
    "S": Category("S", "S", Decimal("25"), exemption=False),
    "Z": Category("Z", "Z", Decimal("0"), exemption=False),
    "E": Category("E", "E", Decimal("0")),
    "AE": Category("AE", "AE", Decimal("0"), buyer_vat=True),
    "IC": Category("IC", "K", Decimal("0"), buyer_vat=True, delivery=True),
    "G": Category("G", "G", Decimal("0")),
    "O": Category("O", "O", None, seller_vat=False),
    "AF": Category("AF", "L", Decimal("7"), exemption=False),
    "AG": Category("AG", "M", Decimal("10"), exemption=False),
}


def _category(tag: str, code: str, percent: Decimal | None, reason: bool = False) -> str:
    rate = "" if percent is None else f"<cbc:Percent>{percent}</cbc:Percent>"
    why = "<cbc:TaxExemptionReason>Motivo</cbc:TaxExemptionReason>" if reason else ""
    return (
        f"<cac:{tag}><cbc:ID>{code}</cbc:ID>{rate}{why}<cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:{tag}>"
    )


def _party(role: str, vat: str | None, name: str) -> str:
    scheme = (
        f"<cac:PartyTaxScheme><cbc:CompanyID>{vat}</cbc:CompanyID><cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme>"
        "</cac:PartyTaxScheme>"
        if vat
        else ""
    )
    return (
        f"<cac:{role}><cac:Party><cac:PostalAddress><cac:Country><cbc:IdentificationCode>ES</cbc:IdentificationCode>"
        f"</cac:Country></cac:PostalAddress>{scheme}<cac:PartyLegalEntity><cbc:RegistrationName>{name}"
        f"</cbc:RegistrationName></cac:PartyLegalEntity></cac:Party></cac:{role}>"
    )


def base_document(cat: Category, credit_note: bool = False) -> bytes:
    """A document every rule of ``cat``'s family accepts."""
    root = "CreditNote" if credit_note else "Invoice"
    line = "CreditNoteLine" if credit_note else "InvoiceLine"
    quantity = "CreditedQuantity" if credit_note else "InvoicedQuantity"
    type_code = (
        "<cbc:CreditNoteTypeCode>381</cbc:CreditNoteTypeCode>"
        if credit_note
        else "<cbc:InvoiceTypeCode>380</cbc:InvoiceTypeCode>"
    )
    rate = cat.percent if cat.percent is not None else Decimal(0)
    taxable = Decimal("100.00") - Decimal("10.00") + Decimal("5.00")
    tax = (taxable * rate / 100).quantize(Decimal("0.01"))
    delivery = (
        "<cac:Delivery><cbc:ActualDeliveryDate>2024-01-10</cbc:ActualDeliveryDate><cac:DeliveryLocation><cac:Address>"
        "<cac:Country><cbc:IdentificationCode>DE</cbc:IdentificationCode></cac:Country></cac:Address>"
        "</cac:DeliveryLocation></cac:Delivery>"
        if cat.delivery
        else ""
    )

    def allowance(charge: bool, amount: str) -> str:
        reason = (
            "<cbc:AllowanceChargeReason>Flete</cbc:AllowanceChargeReason>"
            if charge
            else ("<cbc:AllowanceChargeReason>Descuento</cbc:AllowanceChargeReason>")
        )
        return (
            f"<cac:AllowanceCharge><cbc:ChargeIndicator>{'true' if charge else 'false'}</cbc:ChargeIndicator>{reason}"
            f'<cbc:Amount currencyID="EUR">{amount}</cbc:Amount>{_category("TaxCategory", cat.code, cat.percent)}'
            "</cac:AllowanceCharge>"
        )

    def invoice_line(number: int, amount: str) -> str:
        return (
            f'<cac:{line}><cbc:ID>{number}</cbc:ID><cbc:{quantity} unitCode="C62">1</cbc:{quantity}>'
            f'<cbc:LineExtensionAmount currencyID="EUR">{amount}</cbc:LineExtensionAmount>'
            f"<cac:Item><cbc:Name>Artículo {number}</cbc:Name>{_category('ClassifiedTaxCategory', cat.code, cat.percent)}"  # noqa: E501
            f'</cac:Item><cac:Price><cbc:PriceAmount currencyID="EUR">{amount}</cbc:PriceAmount></cac:Price></cac:{line}>'  # noqa: E501
        )

    payable = taxable + tax
    xml = (
        f'<{root} xmlns="urn:oasis:names:specification:ubl:schema:xsd:{root}-2" xmlns:cac="{CAC}" xmlns:cbc="{CBC}">'
        "<cbc:CustomizationID>urn:cen.eu:en16931:2017</cbc:CustomizationID><cbc:ID>F-1</cbc:ID>"
        f"<cbc:IssueDate>2024-01-15</cbc:IssueDate>{type_code}<cbc:DocumentCurrencyCode>EUR</cbc:DocumentCurrencyCode>"
        + _party("AccountingSupplierParty", "ES12345678Z" if cat.seller_vat else None, "Vendedor SL")
        + _party("AccountingCustomerParty", "DE123456789" if cat.buyer_vat else None, "Comprador GmbH")
        + delivery
        + allowance(False, "10.00")
        + allowance(True, "5.00")
        + f'<cac:TaxTotal><cbc:TaxAmount currencyID="EUR">{tax}</cbc:TaxAmount><cac:TaxSubtotal>'
        f'<cbc:TaxableAmount currencyID="EUR">{taxable}</cbc:TaxableAmount><cbc:TaxAmount currencyID="EUR">{tax}</cbc:TaxAmount>'  # noqa: E501
         + _category("TaxCategory", cat.code, cat.percent, cat.exemption) + "</cac:TaxSubtotal></cac:TaxTotal>"
        '<cac:LegalMonetaryTotal><cbc:LineExtensionAmount currencyID="EUR">100.00</cbc:LineExtensionAmount>'
        f'<cbc:TaxExclusiveAmount currencyID="EUR">{taxable}</cbc:TaxExclusiveAmount>'
        f'<cbc:TaxInclusiveAmount currencyID="EUR">{payable}</cbc:TaxInclusiveAmount>'
        '<cbc:AllowanceTotalAmount currencyID="EUR">10.00</cbc:AllowanceTotalAmount>'
        '<cbc:ChargeTotalAmount currencyID="EUR">5.00</cbc:ChargeTotalAmount>'
        f'<cbc:PayableAmount currencyID="EUR">{payable}</cbc:PayableAmount></cac:LegalMonetaryTotal>'
        + invoice_line(1, "60.00")
        + invoice_line(2, "40.00")
        + f"</{root}>"
    )
    return xml.encode("utf-8")


Mutation = Callable[[etree._Element], None]


def _all(path: str) -> Callable[[etree._Element], list[etree._Element]]:
    return lambda root: root.xpath(path, namespaces=NS)


def _remove(path: str) -> Mutation:
    def apply(root: etree._Element) -> None:
        for node in _all(path)(root):
            node.getparent().remove(node)

    return apply


def _set(path: str, text: str) -> Mutation:
    def apply(root: etree._Element) -> None:
        for node in _all(path)(root):
            node.text = text

    return apply


def _first(path: str, mutation: Callable[[etree._Element], None]) -> Mutation:
    def apply(root: etree._Element) -> None:
        nodes = _all(path)(root)
        if nodes:
            mutation(nodes[0])

    return apply


def _insert_child(path: str, xml: str, index: int | None = None) -> Mutation:
    def apply(root: etree._Element) -> None:
        for node in _all(path)(root):
            child = etree.fromstring(f'<w xmlns:cac="{CAC}" xmlns:cbc="{CBC}">{xml}</w>')[0]
            if index is None:
                node.append(child)
            else:
                node.insert(index, child)

    return apply


def _duplicate(path: str) -> Mutation:
    def apply(root: etree._Element) -> None:
        for node in _all(path)(root)[:1]:
            node.addnext(etree.fromstring(etree.tostring(node)))

    return apply


LINE_CAT = (
    "/*/cac:InvoiceLine/cac:Item/cac:ClassifiedTaxCategory | /*/cac:CreditNoteLine/cac:Item/cac:ClassifiedTaxCategory"
)
ALLOWANCE_CAT = "/*/cac:AllowanceCharge[cbc:ChargeIndicator='false']/cac:TaxCategory"
CHARGE_CAT = "/*/cac:AllowanceCharge[cbc:ChargeIndicator='true']/cac:TaxCategory"
BREAKDOWN = "/*/cac:TaxTotal/cac:TaxSubtotal"
SELLER_SCHEME = "/*/cac:AccountingSupplierParty/cac:Party/cac:PartyTaxScheme"
BUYER_SCHEME = "/*/cac:AccountingCustomerParty/cac:Party/cac:PartyTaxScheme"
VAT_SCHEME = (
    "<cac:PartyTaxScheme><cbc:CompanyID>XX999</cbc:CompanyID><cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme>"
    "</cac:PartyTaxScheme>"
)


def mutations(cat: Category) -> dict[str, Mutation]:
    """Named single-fault mutations of ``cat``'s base document."""
    other_code = "S" if cat.code != "S" else "Z"
    m: dict[str, Mutation] = {
        "no breakdown": _remove(BREAKDOWN),
        "two breakdowns": _duplicate(BREAKDOWN),
        "breakdown of another code": _set(f"{BREAKDOWN}/cac:TaxCategory/cbc:ID", other_code),
        "no seller VAT id": _remove(SELLER_SCHEME),
        "seller VAT id with another scheme": _set(f"{SELLER_SCHEME}/cac:TaxScheme/cbc:ID", "GST"),
        "no buyer VAT id": _remove(BUYER_SCHEME),
        "seller VAT id added": _insert_child("/*/cac:AccountingSupplierParty/cac:Party", VAT_SCHEME, 1),
        "buyer VAT id added": _insert_child("/*/cac:AccountingCustomerParty/cac:Party", VAT_SCHEME, 1),
        "tax representative added": _insert_child(
            "/*",
            f"<cac:TaxRepresentativeParty><cac:PartyName><cbc:Name>Rep</cbc:Name></cac:PartyName>{VAT_SCHEME}"
            "</cac:TaxRepresentativeParty>",
            8,
        ),
        "seller and buyer ids dropped": _both(_remove(SELLER_SCHEME), _remove(BUYER_SCHEME)),
        "line rate 5": _first(LINE_CAT, lambda n: _set_percent(n, "5")),
        "line rate 0": _first(LINE_CAT, lambda n: _set_percent(n, "0")),
        "line rate removed": _first(LINE_CAT, lambda n: _set_percent(n, None)),
        "allowance rate 5": _first(ALLOWANCE_CAT, lambda n: _set_percent(n, "5")),
        "allowance rate removed": _first(ALLOWANCE_CAT, lambda n: _set_percent(n, None)),
        "charge rate 0": _first(CHARGE_CAT, lambda n: _set_percent(n, "0")),
        "charge rate 3": _first(CHARGE_CAT, lambda n: _set_percent(n, "3")),
        "charge rate -1": _first(CHARGE_CAT, lambda n: _set_percent(n, "-1")),
        "second breakdown of another code": lambda r: _second_breakdown(r, other_code),
        "taxable amount off by 2": _add(f"{BREAKDOWN}/cbc:TaxableAmount", "2"),
        "taxable amount off by 0.50": _add(f"{BREAKDOWN}/cbc:TaxableAmount", "0.50"),
        "tax amount off by 2": _add(f"{BREAKDOWN}/cbc:TaxAmount", "2"),
        "tax amount off by 0.5": _add(f"{BREAKDOWN}/cbc:TaxAmount", "0.5"),
        "breakdown rate 12": _first(f"{BREAKDOWN}/cac:TaxCategory", lambda n: _set_percent(n, "12")),
        "exemption reason removed": _remove(f"{BREAKDOWN}/cac:TaxCategory/cbc:TaxExemptionReason"),
        "exemption reason code added": _first(
            f"{BREAKDOWN}/cac:TaxCategory",
            lambda n: n.insert(len(n) - 1, _cbc("TaxExemptionReasonCode", "VATEX-EU-79-C")),
        ),
        "line of another category": _first(f"({LINE_CAT})/cbc:ID", lambda n: setattr(n, "text", other_code)),
        "allowance of another category": _first(ALLOWANCE_CAT + "/cbc:ID", lambda n: setattr(n, "text", other_code)),
        "charge of another category": _first(CHARGE_CAT + "/cbc:ID", lambda n: setattr(n, "text", other_code)),
        "padded and lower-case codes": _both(
            _set(f"({LINE_CAT})/cbc:ID", f" {cat.code} "),
            _set("//cac:TaxScheme/cbc:ID", " vat "),
        ),
        "allowances dropped": _remove("/*/cac:AllowanceCharge"),
        "delivery removed": _remove("/*/cac:Delivery"),
        "delivery country removed": _remove("/*/cac:Delivery/cac:DeliveryLocation"),
        "delivery date replaced by a period": _both(
            _remove("/*/cac:Delivery/cbc:ActualDeliveryDate"),
            _insert_child("/*", "<cac:InvoicePeriod><cbc:StartDate>2024-01-01</cbc:StartDate></cac:InvoicePeriod>", 5),
        ),
    }
    return m


def _second_breakdown(root: etree._Element, code: str) -> None:
    subtotal = root.xpath(BREAKDOWN, namespaces=NS)[0]
    copy = etree.fromstring(etree.tostring(subtotal))
    copy.find(f"{{{CAC}}}TaxCategory/{{{CBC}}}ID").text = code
    subtotal.addnext(copy)


def _both(*steps: Mutation) -> Mutation:
    def apply(root: etree._Element) -> None:
        for step in steps:
            step(root)

    return apply


def _cbc(name: str, text: str) -> etree._Element:
    node = etree.Element(f"{{{CBC}}}{name}")
    node.text = text
    return node


def _set_percent(category: etree._Element, value: str | None) -> None:
    existing = category.find(f"{{{CBC}}}Percent")
    if value is None:
        if existing is not None:
            category.remove(existing)
        return
    if existing is None:
        existing = _cbc("Percent", value)
        category.insert(1, existing)
    existing.text = value


def _add(path: str, delta: str) -> Mutation:
    def apply(root: etree._Element) -> None:
        for node in _all(path)(root):
            node.text = str(Decimal(node.text or "0") + Decimal(delta))

    return apply


def mutated(document: bytes, mutation: Mutation) -> bytes:
    root = etree.fromstring(document)
    mutation(root)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")
