"""The EN 16931 UBL syntax rules (UBL-SR-*, UBL-DT-01/06/07, UBL-CR-666/673) and the code-list rule
BR-CL-08 (note subject codes), with BR-CL-10's SEPA exception.

Each mutation of the rich base documents (``syntax_documents``) names the complete set of fatal
rule ids it must raise: the official XSLT must report exactly that set (so a mutation that misses
its target is caught) and the native validator, all families together, the same.
"""

from __future__ import annotations

import re

import pytest
from lxml import etree

from facturo.reception.formats.reading import Severity
from facturo.reception.formats.ubl.rules.all import RULES, run_rules
from facturo.reception.formats.ubl.rules.registry import UblContext
from tests.reception.ubl.syntax_documents import (
    LINE,
    Case,
    Mutation,
    after,
    append,
    base_document,
    both,
    case,
    duplicate,
    mutated,
    native_fatal,
    prepend,
    remove,
    set_attribute,
    set_text,
)

SYNTAX_ID = re.compile(r"^UBL-(SR|DT|CR)-\d+$")
# The fatal syntax rules of rules 1.3.16 (UBL-SR-38 and 41 do not exist; the other UBL-CR and
# UBL-DT rules are warnings).
EXPECTED_IDS = {f"UBL-SR-{n:02d}" for n in [*range(1, 38), 39, 40, *range(42, 57)]} | {
    "UBL-DT-01",
    "UBL-DT-06",
    "UBL-DT-07",
    "UBL-CR-666",
    "UBL-CR-673",
}

EXT = "urn:oasis:names:specification:ubl:schema:xsd:CommonExtensionComponents-2"
SELLER = "/*/cac:AccountingSupplierParty/cac:Party"
BUYER = "/*/cac:AccountingCustomerParty/cac:Party"
PAYEE = "/*/cac:PayeeParty"
OBJECT = "/*/cac:AdditionalDocumentReference[cbc:DocumentTypeCode = '130']"
ANNEX = "/*/cac:AdditionalDocumentReference[cac:Attachment]"
MEANS = "/*/cac:PaymentMeans"
FIRST_LINE = f"({LINE})[1]"
SECOND_LINE = f"({LINE})[2]"
DOC_ALLOWANCE = "/*/cac:AllowanceCharge[cbc:ChargeIndicator = 'false']"
DOC_CHARGE = "/*/cac:AllowanceCharge[cbc:ChargeIndicator = 'true']"
EXEMPT = "/*/cac:TaxTotal/cac:TaxSubtotal[cac:TaxCategory/cbc:ID = 'E']/cac:TaxCategory"
MEANS_58 = (
    "<cac:PaymentMeans><cbc:PaymentMeansCode>58</cbc:PaymentMeansCode><cac:PayeeFinancialAccount>"
    "<cbc:ID>ES7620770024003102575766</cbc:ID></cac:PayeeFinancialAccount></cac:PaymentMeans>"
)
CARD = "<cac:CardAccount><cbc:PrimaryAccountNumberID>1234</cbc:PrimaryAccountNumberID><cbc:NetworkID>VISA</cbc:NetworkID></cac:CardAccount>"  # noqa: E501
MANDATE = "<cac:PaymentMandate><cbc:ID>MAND-1</cbc:ID></cac:PaymentMandate>"
SEPA_ID = '<cac:PartyIdentification><cbc:ID schemeID="{}">ES99ZZZ00000000</cbc:ID></cac:PartyIdentification>'


def _second_means(xml: str) -> Mutation:
    return after(MEANS, f"<cac:PaymentMeans>{xml}</cac:PaymentMeans>")


CASES: dict[str, Case] = {
    # Document level references and terms.
    "two contract references": case(duplicate("/*/cac:ContractDocumentReference"), "UBL-SR-01"),
    "two receiving advice references": case(duplicate("/*/cac:ReceiptDocumentReference"), "UBL-SR-02"),
    "two despatch advice references": case(duplicate("/*/cac:DespatchDocumentReference"), "UBL-SR-03"),
    "two invoiced object references": case(duplicate(OBJECT), "UBL-SR-04"),
    "two payment terms notes": case(duplicate("/*/cac:PaymentTerms/cbc:Note"), "UBL-SR-05"),
    "two invoices in one billing reference": case(
        duplicate("/*/cac:BillingReference/cac:InvoiceDocumentReference"), "UBL-SR-06"
    ),
    # BR-55 asks for the same number.
    "billing reference without number": case(
        remove("/*/cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID"), "UBL-SR-07", "BR-55"
    ),
    "two invoicing periods": case(
        after(
            "/*/cac:InvoicePeriod", "<cac:InvoicePeriod><cbc:StartDate>2024-03-01</cbc:StartDate></cac:InvoicePeriod>"
        ),
        "UBL-SR-08",
    ),
    "two tax point date codes": case(duplicate("/*/cac:InvoicePeriod/cbc:DescriptionCode"), "UBL-SR-49"),
    "two project references": case(duplicate("/*/cac:ProjectReference"), "UBL-SR-39", invoice_only=True),
    "two originator references": case(duplicate("/*/cac:OriginatorDocumentReference"), "UBL-SR-56"),
    "two deliveries": case(duplicate("/*/cac:Delivery"), "UBL-SR-24"),
    "two deliver to party names": case(duplicate("/*/cac:Delivery/cac:DeliveryParty/cac:PartyName"), "UBL-SR-25"),
    # Seller.
    "two seller names": case(
        duplicate(f"{SELLER}/cac:PartyLegalEntity/cbc:RegistrationName"), "UBL-SR-09", official_stops=True
    ),
    "two seller trading names": case(duplicate(f"{SELLER}/cac:PartyName"), "UBL-SR-10"),
    "two seller legal ids": case(duplicate(f"{SELLER}/cac:PartyLegalEntity/cbc:CompanyID"), "UBL-SR-11"),
    "two seller VAT ids": case(
        duplicate(f"{SELLER}/cac:PartyTaxScheme[1]/cbc:CompanyID"), "UBL-SR-12", official_stops=True
    ),
    # upper-case(cbc:ID) = 'VAT': a lower-case scheme is a second VAT id, not a tax registration.
    "second seller scheme in lower-case vat": case(
        both(
            set_text(f"{SELLER}/cac:PartyTaxScheme[2]/cac:TaxScheme/cbc:ID", "vat"),
            set_text(f"{SELLER}/cac:PartyTaxScheme[2]/cbc:CompanyID", "ESB87654321"),
        ),
        "UBL-SR-12",
    ),
    "two seller tax registrations": case(duplicate(f"{SELLER}/cac:PartyTaxScheme[2]/cbc:CompanyID"), "UBL-SR-13"),
    # A third scheme is either VAT or not: it always repeats one of the two.
    "three seller tax schemes": case(
        after(
            f"{SELLER}/cac:PartyTaxScheme[2]",
            "<cac:PartyTaxScheme><cbc:CompanyID>X-1</cbc:CompanyID><cac:TaxScheme><cbc:ID>GST</cbc:ID></cac:TaxScheme>"
            "</cac:PartyTaxScheme>",
        ),
        "UBL-SR-42",
        "UBL-SR-13",
    ),
    "two seller legal forms": case(duplicate(f"{SELLER}/cac:PartyLegalEntity/cbc:CompanyLegalForm"), "UBL-SR-14"),
    "tax scheme without company id": case(remove(f"{SELLER}/cac:PartyTaxScheme[2]/cbc:CompanyID"), "UBL-SR-53"),
    "tax scheme without scheme id": case(remove(f"{SELLER}/cac:PartyTaxScheme[2]/cac:TaxScheme/cbc:ID"), "UBL-SR-53"),
    "two seller SEPA creditor ids": case(duplicate(f"{SELLER}/cac:PartyIdentification"), "UBL-SR-29"),
    # Only 'SEPA' itself is exempt from the ICD list (BR-CL-10), but any case counts for UBL-SR-29,
    # U+017F (long s) too, which upper-cases to S.
    "second creditor id in lower-case sepa": case(
        after(f"{SELLER}/cac:PartyIdentification", SEPA_ID.format("sepa")), "UBL-SR-29", "BR-CL-10"
    ),
    "second creditor id in long-s sepa": case(
        after(f"{SELLER}/cac:PartyIdentification", SEPA_ID.format("\u017fepa")), "UBL-SR-29", "BR-CL-10"
    ),
    # Buyer.
    "two buyer names": case(
        duplicate(f"{BUYER}/cac:PartyLegalEntity/cbc:RegistrationName"), "UBL-SR-15", official_stops=True
    ),
    "two buyer ids": case(duplicate(f"{BUYER}/cac:PartyIdentification"), "UBL-SR-16"),
    "two buyer legal ids": case(duplicate(f"{BUYER}/cac:PartyLegalEntity/cbc:CompanyID"), "UBL-SR-17"),
    "two buyer VAT ids": case(duplicate(f"{BUYER}/cac:PartyTaxScheme"), "UBL-SR-18"),
    "two buyer trading names": case(duplicate(f"{BUYER}/cac:PartyName"), "UBL-SR-40"),
    "buyer SEPA id": case(
        after(f"{BUYER}/cac:PartyIdentification", SEPA_ID.format("SEPA")), "UBL-SR-16", "UBL-SR-29", "BR-CL-10"
    ),
    # Payee.
    "two payee names": case(duplicate(f"{PAYEE}/cac:PartyName"), "UBL-SR-19"),
    "two payee ids": case(duplicate(f"{PAYEE}/cac:PartyIdentification"), "UBL-SR-20"),
    "two payee legal ids": case(duplicate(f"{PAYEE}/cac:PartyLegalEntity/cbc:CompanyID"), "UBL-SR-21"),
    "payee named as the seller": case(
        set_text(f"{PAYEE}/cac:PartyName/cbc:Name", "Café Volcán de Agua S.L."), "UBL-SR-19", "UBL-SR-20", "UBL-SR-21"
    ),
    # BR-17 asks for the name too; the payee rules' comparison with the seller is false without one.
    "payee without name": case(remove(f"{PAYEE}/cac:PartyName"), "BR-17", "UBL-SR-19", "UBL-SR-20", "UBL-SR-21"),
    "payee SEPA id beside its id, seller's removed": case(
        both(
            after(f"{PAYEE}/cac:PartyIdentification", SEPA_ID.format("SEPA")),
            remove(f"{SELLER}/cac:PartyIdentification"),
        ),
    ),
    # Tax representative.
    "two tax representative names": case(
        duplicate("/*/cac:TaxRepresentativeParty/cac:PartyName"), "UBL-SR-22", official_stops=True
    ),
    "two tax representative VAT ids": case(duplicate("/*/cac:TaxRepresentativeParty/cac:PartyTaxScheme"), "UBL-SR-23"),
    # Payment means.
    "two payment ids in one means": case(duplicate(f"{MEANS}/cbc:PaymentID"), "UBL-SR-26"),
    "two codes in one means": case(
        after(f"{MEANS}/cbc:PaymentMeansCode", "<cbc:PaymentMeansCode>30</cbc:PaymentMeansCode>"),
        "UBL-SR-27",
        official_stops=True,
    ),
    "two mandate ids": case(
        append(MEANS, "<cac:PaymentMandate><cbc:ID>M-1</cbc:ID><cbc:ID>M-2</cbc:ID></cac:PaymentMandate>"), "UBL-SR-28"
    ),
    "one mandate": case(append(MEANS, MANDATE)),
    "two mandates in one means": case(append(MEANS, MANDATE + MANDATE), "UBL-SR-28", "UBL-SR-55"),
    "two means with a mandate each": case(
        both(
            append(MEANS, MANDATE),
            _second_means(
                "<cbc:PaymentMeansCode>30</cbc:PaymentMeansCode><cac:PayeeFinancialAccount><cbc:ID>ES76</cbc:ID>"
                f"</cac:PayeeFinancialAccount>{MANDATE}"
            ),
        ),
        "UBL-SR-55",
    ),
    "one card": case(append(MEANS, CARD)),
    "two cards": case(append(MEANS, CARD + CARD), "UBL-SR-54"),
    "second means with another payment id": case(
        _second_means(
            "<cbc:PaymentMeansCode>30</cbc:PaymentMeansCode><cbc:PaymentID>PAGO-8</cbc:PaymentID>"
            "<cac:PayeeFinancialAccount><cbc:ID>ES76</cbc:ID></cac:PayeeFinancialAccount>"
        ),
        "UBL-SR-44",
    ),
    "second means with the same payment id": case(
        _second_means(
            "<cbc:PaymentMeansCode>30</cbc:PaymentMeansCode><cbc:PaymentID>PAGO-7</cbc:PaymentID>"
            "<cac:PayeeFinancialAccount><cbc:ID>ES76</cbc:ID></cac:PayeeFinancialAccount>"
        ),
    ),
    "second means with another code": case(after(MEANS, MEANS_58), "UBL-SR-47"),
    "second means with a due date": case(
        _second_means(
            "<cbc:PaymentMeansCode>30</cbc:PaymentMeansCode><cbc:PaymentDueDate>2024-05-14</cbc:PaymentDueDate>"
            "<cac:PayeeFinancialAccount><cbc:ID>ES76</cbc:ID></cac:PayeeFinancialAccount>"
        ),
        "UBL-SR-45",
        credit_note_only=True,
    ),
    "second means with a text": case(
        _second_means(
            '<cbc:PaymentMeansCode name="Transferencia">30</cbc:PaymentMeansCode>'
            "<cac:PayeeFinancialAccount><cbc:ID>ES76</cbc:ID></cac:PayeeFinancialAccount>"
        ),
        "UBL-SR-46",
    ),
    # Allowances and charges (document, line and price level are all AllowanceCharge elements).
    "two document allowance reasons": case(duplicate(f"{DOC_ALLOWANCE}/cbc:AllowanceChargeReason"), "UBL-SR-30"),
    "two line allowance reasons": case(
        duplicate(f"{FIRST_LINE}/cac:AllowanceCharge/cbc:AllowanceChargeReason"), "UBL-SR-30"
    ),
    "two price discount reasons": case(
        append(
            f"{SECOND_LINE}/cac:Price/cac:AllowanceCharge",
            "<cbc:AllowanceChargeReason>a</cbc:AllowanceChargeReason><cbc:AllowanceChargeReason>b</cbc:AllowanceChargeReason>",
        ),
        "UBL-SR-30",
    ),
    "two document charge reasons": case(duplicate(f"{DOC_CHARGE}/cbc:AllowanceChargeReason"), "UBL-SR-31"),
    "two line charge reasons": case(
        duplicate(f"{SECOND_LINE}/cac:AllowanceCharge/cbc:AllowanceChargeReason"), "UBL-SR-31"
    ),
    "indicator ' true ' with two reasons": case(
        both(
            duplicate(f"{DOC_CHARGE}/cbc:AllowanceChargeReason"),
            set_text(f"{DOC_CHARGE}/cbc:ChargeIndicator", " true "),
        ),
        "UBL-SR-31",
    ),
    # xs:boolean: 1 and 0 are true and false.
    "charge indicator 1 with two reasons": case(
        both(duplicate(f"{DOC_CHARGE}/cbc:AllowanceChargeReason"), set_text(f"{DOC_CHARGE}/cbc:ChargeIndicator", "1")),
        "UBL-SR-31",
    ),
    "allowance indicator 0 with two reasons": case(
        both(
            duplicate(f"{DOC_ALLOWANCE}/cbc:AllowanceChargeReason"),
            set_text(f"{DOC_ALLOWANCE}/cbc:ChargeIndicator", "0"),
        ),
        "UBL-SR-30",
    ),
    # Tax breakdown.
    "two exemption reasons": case(duplicate(f"{EXEMPT}/cbc:TaxExemptionReason"), "UBL-SR-32"),
    # Supporting documents.
    "two document descriptions": case(duplicate(f"{ANNEX}/cbc:DocumentDescription"), "UBL-SR-33"),
    "scheme on a supporting document": case(set_attribute(f"{ANNEX}/cbc:ID", "schemeID", "ABZ"), "UBL-SR-43"),
    "supporting document of type 916": case(
        after(f"{ANNEX}/cbc:ID", "<cbc:DocumentTypeCode>916</cbc:DocumentTypeCode>"), "UBL-SR-43"
    ),
    "object of type 50 in an invoice": case(
        after(
            ANNEX,
            '<cac:AdditionalDocumentReference><cbc:ID schemeID="ZZZ">P</cbc:ID>'
            "<cbc:DocumentTypeCode>50</cbc:DocumentTypeCode></cac:AdditionalDocumentReference>",
        ),
        "UBL-SR-43",
        invoice_only=True,
    ),
    "invoiced object with an attachment": case(
        append(
            OBJECT,
            '<cac:Attachment><cbc:EmbeddedDocumentBinaryObject mimeCode="image/png" filename="o.png">'
            "iVBO</cbc:EmbeddedDocumentBinaryObject></cac:Attachment>",
        ),
        "UBL-CR-666",
    ),
    "invoiced object with a description": case(
        append(OBJECT, "<cbc:DocumentDescription>Contador</cbc:DocumentDescription>"), "UBL-CR-673"
    ),
    "binary object without mime code": case(
        set_attribute(f"{ANNEX}//cbc:EmbeddedDocumentBinaryObject", "mimeCode", None), "UBL-DT-06"
    ),
    "binary object without file name": case(
        set_attribute(f"{ANNEX}//cbc:EmbeddedDocumentBinaryObject", "filename", None), "UBL-DT-07"
    ),
    # Amounts (UBL-DT-01): any element whose name ends in Amount, but prices and what a price
    # discount holds.
    "tax total with three decimals": case(set_text("/*/cac:TaxTotal/cbc:TaxAmount", "24.150"), "UBL-DT-01"),
    "tax total followed by a line break": case(set_text("/*/cac:TaxTotal/cbc:TaxAmount", "24.15\n"), "UBL-DT-01"),
    "tax total after a blank": case(set_text("/*/cac:TaxTotal/cbc:TaxAmount", " 24.15")),
    "price with four decimals": case(set_text(f"{FIRST_LINE}/cac:Price/cbc:PriceAmount", "12.5000")),
    "price discount with four decimals": case(
        both(
            set_text(f"{SECOND_LINE}/cac:Price/cac:AllowanceCharge/cbc:Amount", "1.5000"),
            set_text(f"{SECOND_LINE}/cac:Price/cac:AllowanceCharge/cbc:BaseAmount", "16.0000"),
        ),
    ),
    # Any element: an extension's amount or binary object is judged too.
    "amount with three decimals in an extension": case(
        prepend(
            "/*",
            f'<ext:UBLExtensions xmlns:ext="{EXT}"><ext:UBLExtension><ext:ExtensionContent>'
            '<x:TotalAmount xmlns:x="urn:example">1.234</x:TotalAmount></ext:ExtensionContent></ext:UBLExtension>'
            "</ext:UBLExtensions>",
        ),
        "UBL-DT-01",
    ),
    "binary object without attributes in an extension": case(
        prepend("/*", '<x:ImageBinaryObject xmlns:x="urn:example">AA==</x:ImageBinaryObject>'), "UBL-DT-06", "UBL-DT-07"
    ),
    # Lines.
    "two line notes": case(duplicate(f"{FIRST_LINE}/cbc:Note"), "UBL-SR-34"),
    "two order line references": case(duplicate(f"{FIRST_LINE}/cac:OrderLineReference"), "UBL-SR-35"),
    "two line periods": case(duplicate(f"{FIRST_LINE}/cac:InvoicePeriod"), "UBL-SR-36"),
    "two price discounts": case(duplicate(f"{SECOND_LINE}/cac:Price/cac:AllowanceCharge"), "UBL-SR-37"),
    "two line tax categories": case(duplicate(f"{FIRST_LINE}/cac:Item/cac:ClassifiedTaxCategory"), "UBL-SR-48"),
    "two item descriptions": case(duplicate(f"{FIRST_LINE}/cac:Item/cbc:Description"), "UBL-SR-50"),
    "two line document references": case(duplicate(f"{FIRST_LINE}/cac:DocumentReference"), "UBL-SR-52"),
    # A sub-line is not a line for these rules.
    "two notes in a sub-line": case(
        append(FIRST_LINE, "<cac:SubInvoiceLine><cbc:Note>a</cbc:Note><cbc:Note>b</cbc:Note></cac:SubInvoiceLine>")
    ),
    # Addresses.
    "two seller address lines": case(duplicate(f"{SELLER}/cac:PostalAddress/cac:AddressLine"), "UBL-SR-51"),
    "two delivery address lines": case(
        append(
            "/*/cac:Delivery/cac:DeliveryLocation/cac:Address",
            "<cac:AddressLine><cbc:Line>a</cbc:Line></cac:AddressLine><cac:AddressLine><cbc:Line>b</cbc:Line></cac:AddressLine>",
        ),
        "UBL-SR-51",
    ),
    # BR-CL-08: the code between the first two '#', when it has three characters.
    "note subject XYZ": case(set_text("/*/cbc:Note", "#XYZ#Texto"), "BR-CL-08"),
    "note subject in lower case": case(set_text("/*/cbc:Note", "#aai#Texto"), "BR-CL-08"),
    "note subject after some text": case(set_text("/*/cbc:Note", "Ver #QQQ# abajo"), "BR-CL-08"),
    "note subject of two characters": case(set_text("/*/cbc:Note", "#AA#Texto")),
    "note with one hash": case(set_text("/*/cbc:Note", "Pedido #XYZ")),
    # The official list is searched as a string: 'A A' occurs in ' AAA AAB '.
    "note subject spanning two codes": case(set_text("/*/cbc:Note", "#A A#Texto")),
    "note subject ZZZ": case(set_text("/*/cbc:Note", "#ZZZ#Texto")),
}


def _document(name: str, credit_note: bool) -> bytes:
    document = base_document(credit_note)
    return mutated(document, CASES[name].mutation) if name else document


def test_every_fatal_syntax_rule_is_registered() -> None:
    assert {rid for rid in RULES if SYNTAX_ID.match(rid)} == EXPECTED_IDS
    assert all(RULES[rid].severity is Severity.FATAL for rid in EXPECTED_IDS)
    assert "BR-CL-08" in RULES


def test_every_rule_has_a_mutation_that_breaks_it() -> None:
    targeted = set().union(*(c.fatal for c in CASES.values()))
    assert EXPECTED_IDS | {"BR-CL-08"} <= targeted


@pytest.mark.parametrize("credit_note", [False, True], ids=["invoice", "credit-note"])
def test_the_rich_base_documents_break_no_rule(credit_note: bool) -> None:
    assert native_fatal(base_document(credit_note)) == set()


def test_a_second_contract_reference_is_ubl_sr_01_at_the_root() -> None:
    root = etree.fromstring(_document("two contract references", False))
    findings = [f for f in run_rules(UblContext(root)) if f.rule == "UBL-SR-01"]
    assert [f.location for f in findings] == ["/*"]
    assert findings[0].message.en == "The contract reference (BT-12) shall occur at most once."
    assert "más de una vez" in findings[0].message.es


def test_an_amount_with_three_decimals_is_located_at_the_amount() -> None:
    root = etree.fromstring(_document("tax total with three decimals", False))
    locations = [f.location for f in run_rules(UblContext(root)) if f.rule == "UBL-DT-01"]
    assert locations == ["/*/cac:TaxTotal/cbc:TaxAmount"]


def test_an_unknown_note_subject_names_the_code() -> None:
    root = etree.fromstring(_document("note subject XYZ", True))
    [finding] = [f for f in run_rules(UblContext(root)) if f.rule == "BR-CL-08"]
    assert finding.message.en.endswith("(XYZ)")


def _cases(official_stops: bool = False) -> list[tuple[str, bool]]:
    cases = [] if official_stops else [("", cn) for cn in (False, True)]
    return cases + [(name, cn) for name, c in CASES.items() for cn in c.documents if c.official_stops is official_stops]


@pytest.mark.parametrize(("mutation", "credit_note"), _cases())
def test_each_mutation_gets_its_fatal_rules_natively(mutation: str, credit_note: bool) -> None:
    """The same expectations without the official XSLT, so that a plain clone checks them too."""
    expected = CASES[mutation].fatal if mutation else frozenset()
    assert native_fatal(_document(mutation, credit_note)) == expected


@pytest.mark.parametrize(("mutation", "credit_note"), _cases())
def test_the_syntax_rules_agree_with_the_official_xslt(mutation: str, credit_note: bool) -> None:
    from tests.reception.ubl.official import official_verdict

    document = _document(mutation, credit_note)
    expected = CASES[mutation].fatal if mutation else frozenset()
    official = official_verdict(document).fatal
    assert official == expected, "the mutation does not break exactly its target rules"
    assert native_fatal(document) == official


@pytest.mark.parametrize(("mutation", "credit_note"), _cases(official_stops=True))
def test_where_the_official_xslt_stops_on_a_type_error_the_native_rule_still_fires(
    mutation: str, credit_note: bool
) -> None:
    from tests.reception.ubl.official import official_verdict

    document = _document(mutation, credit_note)
    with pytest.raises(Exception, match="more than one item"):
        official_verdict(document)
    assert native_fatal(document) == CASES[mutation].fatal
