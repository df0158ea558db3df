"""The EN 16931 code-list rules (BR-CL-*): unit tests and a differential test against the official XSLT."""

from __future__ import annotations

import re

import pytest
from lxml import etree

import facturo.reception.formats.ubl.rules.codelists as codelists
from facturo.reception.formats.ubl.codes import code_list
from facturo.reception.formats.ubl.rules.registry import RULES, UblContext
from tests.reception.ubl.vat_documents import CAC, CATEGORIES, CBC, NS, base_document, mutated

CL_ID = re.compile(r"^BR-CL-\d+$")
NOT_NATIVE: set[str] = set()  # every BR-CL rule is native (BR-CL-08 in codelists.py)


def native_ids(document: bytes) -> set[str]:
    ctx = UblContext(etree.fromstring(document))
    return {r.id for r in RULES.values() if CL_ID.match(r.id) and any(True for _ in r.check(ctx))}


def _insert(parent_path: str, xml: str, index: int) -> object:
    def apply(root: etree._Element) -> None:
        for parent in root.xpath(parent_path, namespaces=NS):
            parent.insert(index, etree.fromstring(f'<w xmlns:cac="{CAC}" xmlns:cbc="{CBC}">{xml}</w>')[0])

    return apply


def _set(path: str, value: str, attribute: str | None = None) -> object:
    def apply(root: etree._Element) -> None:
        for node in root.xpath(path, namespaces=NS)[:1]:
            if attribute:
                node.set(attribute, value)
            else:
                node.text = value

    return apply


SUPPLIER = "/*/cac:AccountingSupplierParty/cac:Party"
MUTATIONS = {
    "document currency QQQ": _set("/*/cbc:DocumentCurrencyCode", "QQQ"),
    "document currency lower case": _set("/*/cbc:DocumentCurrencyCode", "eur"),
    "document currency padded": _set("/*/cbc:DocumentCurrencyCode", " EUR "),
    "amount currency ZZZ": _set("//cbc:PayableAmount", "ZZZ", "currencyID"),
    "line amount currency empty": _set("//cac:InvoiceLine/cbc:LineExtensionAmount", "", "currencyID"),
    "tax currency QQQ": _insert("/*", "<cbc:TaxCurrencyCode>QQQ</cbc:TaxCurrencyCode>", 6),
    "tax currency USD": _insert("/*", "<cbc:TaxCurrencyCode>USD</cbc:TaxCurrencyCode>", 6),
    "country QQ": _set("//cac:Country/cbc:IdentificationCode", "QQ"),
    "country lower case": _set("//cac:Country/cbc:IdentificationCode", "es"),
    "unit ZZZZ": _set("//cbc:InvoicedQuantity", "ZZZZ", "unitCode"),
    "unit KGM": _set("//cbc:InvoicedQuantity", "KGM", "unitCode"),
    "line category Q": _set("//cac:ClassifiedTaxCategory/cbc:ID", "Q"),
    "allowance category Q": _set("//cac:AllowanceCharge/cac:TaxCategory/cbc:ID", "Q"),
    "allowance reason 999": _insert(
        "/*/cac:AllowanceCharge[cbc:ChargeIndicator='false']",
        "<cbc:AllowanceChargeReasonCode>999</cbc:AllowanceChargeReasonCode>",
        1,
    ),
    "allowance reason 95": _insert(
        "/*/cac:AllowanceCharge[cbc:ChargeIndicator='false']",
        "<cbc:AllowanceChargeReasonCode>95</cbc:AllowanceChargeReasonCode>",
        1,
    ),
    "charge reason 95": _insert(
        "/*/cac:AllowanceCharge[cbc:ChargeIndicator='true']",
        "<cbc:AllowanceChargeReasonCode>95</cbc:AllowanceChargeReasonCode>",
        1,
    ),
    "charge reason FC": _insert(
        "/*/cac:AllowanceCharge[cbc:ChargeIndicator='true']",
        "<cbc:AllowanceChargeReasonCode>FC</cbc:AllowanceChargeReasonCode>",
        1,
    ),
    "exemption code invented": _insert(
        "/*/cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory",
        "<cbc:TaxExemptionReasonCode>VATEX-XX</cbc:TaxExemptionReasonCode>",
        1,
    ),
    "endpoint scheme 9999": _insert(SUPPLIER, '<cbc:EndpointID schemeID="9999">123</cbc:EndpointID>', 0),
    "endpoint scheme 0088": _insert(SUPPLIER, '<cbc:EndpointID schemeID="0088">123</cbc:EndpointID>', 0),
    "party id scheme 9999": _insert(
        SUPPLIER, '<cac:PartyIdentification><cbc:ID schemeID="9999">1</cbc:ID></cac:PartyIdentification>', 0
    ),
    "party id without scheme": _insert(
        SUPPLIER, "<cac:PartyIdentification><cbc:ID>1</cbc:ID></cac:PartyIdentification>", 0
    ),
    "legal id scheme X": _insert(
        f"{SUPPLIER}/cac:PartyLegalEntity", '<cbc:CompanyID schemeID="X">B1</cbc:CompanyID>', 1
    ),
    "invoice type 999": _set("/*/cbc:InvoiceTypeCode", "999"),
    "invoice type 389": _set("/*/cbc:InvoiceTypeCode", "389"),
    "delivery location scheme 9999": _insert(
        "/*/cac:Delivery", '<cac:DeliveryLocation><cbc:ID schemeID="9999">1</cbc:ID></cac:DeliveryLocation>', 0
    ),
    "attachment mime text/plain": _insert(
        "/*",
        "<cac:AdditionalDocumentReference><cbc:ID>A1</cbc:ID><cac:Attachment><cbc:EmbeddedDocumentBinaryObject "
        'mimeCode="text/plain" filename="a.txt">QQ==</cbc:EmbeddedDocumentBinaryObject></cac:Attachment>'
        "</cac:AdditionalDocumentReference>",
        6,
    ),
    "attachment mime application/pdf": _insert(
        "/*",
        "<cac:AdditionalDocumentReference><cbc:ID>A1</cbc:ID><cac:Attachment><cbc:EmbeddedDocumentBinaryObject "
        'mimeCode="application/pdf" filename="a.pdf">QQ==</cbc:EmbeddedDocumentBinaryObject></cac:Attachment>'
        "</cac:AdditionalDocumentReference>",
        6,
    ),
    "payment means 999": _insert(
        "/*", "<cac:PaymentMeans><cbc:PaymentMeansCode>999</cbc:PaymentMeansCode></cac:PaymentMeans>", 9
    ),
    "payment means 30": _insert(
        "/*", "<cac:PaymentMeans><cbc:PaymentMeansCode>30</cbc:PaymentMeansCode></cac:PaymentMeans>", 9
    ),
    "invoice period code 7": _insert(
        "/*", "<cac:InvoicePeriod><cbc:DescriptionCode>7</cbc:DescriptionCode></cac:InvoicePeriod>", 6
    ),
    "invoice period code 35": _insert(
        "/*", "<cac:InvoicePeriod><cbc:DescriptionCode>35</cbc:DescriptionCode></cac:InvoicePeriod>", 6
    ),
    "object scheme ZZZZ": _insert(
        "/*",
        '<cac:AdditionalDocumentReference><cbc:ID schemeID="ZZZZ">X</cbc:ID>'
        "<cbc:DocumentTypeCode>130</cbc:DocumentTypeCode></cac:AdditionalDocumentReference>",
        6,
    ),
    "item classification scheme ZZ9": _insert(
        "//cac:InvoiceLine/cac:Item",
        '<cac:CommodityClassification><cbc:ItemClassificationCode listID="ZZ9">1</cbc:ItemClassificationCode>'
        "</cac:CommodityClassification>",
        1,
    ),
    "origin country QQ": _insert(
        "//cac:InvoiceLine/cac:Item",
        "<cac:OriginCountry><cbc:IdentificationCode>QQ</cbc:IdentificationCode></cac:OriginCountry>",
        1,
    ),
    "standard item scheme 9999": _insert(
        "//cac:InvoiceLine/cac:Item",
        '<cac:StandardItemIdentification><cbc:ID schemeID="9999">1</cbc:ID></cac:StandardItemIdentification>',
        1,
    ),
}


def test_every_code_list_rule_is_registered() -> None:
    ids = {rid for rid in RULES if CL_ID.match(rid)}
    assert len(ids) == 23 and not ids & NOT_NATIVE
    assert len(codelists.CODED) == 20


def test_the_code_lists_hold_the_well_known_codes() -> None:
    assert {"EUR", "GTQ", "USD"} <= code_list("iso4217_currencies")
    assert {"GT", "ES", "DE"} <= code_list("iso3166_countries")
    assert {"C62", "KGM", "HUR"} <= code_list("unece_rec20_21_units")
    assert code_list("uncl5305_vat_categories") == {"AE", "L", "M", "E", "S", "Z", "G", "O", "K", "B"}


def test_an_unknown_document_currency_is_br_cl_04() -> None:
    document = mutated(base_document(CATEGORIES["S"]), MUTATIONS["document currency QQQ"])  # type: ignore[arg-type]
    assert native_ids(document) == {"BR-CL-04"}


def test_a_padded_currency_code_is_accepted_as_the_official_rules_do() -> None:
    document = mutated(base_document(CATEGORIES["S"]), MUTATIONS["document currency padded"])  # type: ignore[arg-type]
    assert native_ids(document) == set()


def _cases() -> list[tuple[str, str]]:
    return [(family, name) for family in ("S", "E", "AE", "IC", "O") for name in ["", *MUTATIONS]]


@pytest.mark.parametrize(("family", "mutation"), _cases())
def test_the_code_list_rules_agree_with_the_official_xslt(family: str, mutation: str) -> None:
    from tests.reception.ubl.official import official_verdict

    document = base_document(CATEGORIES[family])
    if mutation:
        document = mutated(document, MUTATIONS[mutation])  # type: ignore[arg-type]
    official = {rid for rid in official_verdict(document).fatal if CL_ID.match(rid)} - NOT_NATIVE
    assert native_ids(document) == official
