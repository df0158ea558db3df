"""The EN 16931 decimal rules (BR-DEC-*): amounts with at most two decimals, judged on the text.

Every amount a BR-DEC rule names is also an amount for UBL-DT-01 (any element named ...Amount
outside a price), so a third decimal raises both; the mutations keep each amount's value, so no
arithmetic rule moves. The official XSLT must report exactly the listed fatal set and the native
validator the same.
"""

from __future__ import annotations

import re

import pytest
from lxml import etree

from facturo.reception.formats.ubl.rules.all import RULES, run_rules
from facturo.reception.formats.ubl.rules.registry import UblContext
from tests.reception.ubl.syntax_documents import LINE, Case, append, base_document, both, case, mutated, native_fatal
from tests.reception.ubl.syntax_documents import set_text as set_

DEC_ID = re.compile(r"^BR-DEC-\d+$")
EXPECTED_IDS = {
    f"BR-DEC-{n:02d}" for n in (1, 2, 5, 6, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 23, 24, 25, 27, 28)
}

DOC_ALLOWANCE = "/*/cac:AllowanceCharge[cbc:ChargeIndicator = 'false']"
DOC_CHARGE = "/*/cac:AllowanceCharge[cbc:ChargeIndicator = 'true']"
TOTALS = "/*/cac:LegalMonetaryTotal"
S_SUBTOTAL = "/*/cac:TaxTotal/cac:TaxSubtotal[cac:TaxCategory/cbc:ID = 'S']"
LINE_ALLOWANCE = f"({LINE})[1]/cac:AllowanceCharge"
LINE_CHARGE = f"({LINE})[2]/cac:AllowanceCharge"
DT = "UBL-DT-01"


def _line_tax_total(child: str) -> str:
    # A line-level TaxTotal is outside BR-CO-14; its amount has a child element, which is what the
    # official BR-DEC-13/15 predicates look for.
    return (
        f'<cac:TaxTotal><cbc:TaxAmount currencyID="EUR">2.52<cbc:{child}>EUR</cbc:{child}></cbc:TaxAmount>'
        "</cac:TaxTotal>"
    )


CASES: dict[str, Case] = {
    "document allowance 10.000": case(set_(f"{DOC_ALLOWANCE}/cbc:Amount", "10.000"), "BR-DEC-01", DT),
    "document allowance base 100.000": case(set_(f"{DOC_ALLOWANCE}/cbc:BaseAmount", "100.000"), "BR-DEC-02", DT),
    "document charge 5.000": case(set_(f"{DOC_CHARGE}/cbc:Amount", "5.000"), "BR-DEC-05", DT),
    "document charge base 50.000": case(set_(f"{DOC_CHARGE}/cbc:BaseAmount", "50.000"), "BR-DEC-06", DT),
    "line total sum 150.000": case(set_(f"{TOTALS}/cbc:LineExtensionAmount", "150.000"), "BR-DEC-09", DT),
    "allowance total 10.000": case(set_(f"{TOTALS}/cbc:AllowanceTotalAmount", "10.000"), "BR-DEC-10", DT),
    "charge total 5.000": case(set_(f"{TOTALS}/cbc:ChargeTotalAmount", "5.000"), "BR-DEC-11", DT),
    "total without VAT 145.000": case(set_(f"{TOTALS}/cbc:TaxExclusiveAmount", "145.000"), "BR-DEC-12", DT),
    "total with VAT 169.150": case(set_(f"{TOTALS}/cbc:TaxInclusiveAmount", "169.150"), "BR-DEC-14", DT),
    "prepaid 10.000": case(set_(f"{TOTALS}/cbc:PrepaidAmount", "10.000"), "BR-DEC-16", DT),
    "rounding 0.050": case(set_(f"{TOTALS}/cbc:PayableRoundingAmount", "0.050"), "BR-DEC-17", DT),
    "payable 159.200": case(set_(f"{TOTALS}/cbc:PayableAmount", "159.200"), "BR-DEC-18", DT),
    "taxable amount 115.000": case(set_(f"{S_SUBTOTAL}/cbc:TaxableAmount", "115.000"), "BR-DEC-19", DT),
    "category tax amount 24.150": case(set_(f"{S_SUBTOTAL}/cbc:TaxAmount", "24.150"), "BR-DEC-20", DT),
    "line net amount 120.000": case(set_(f"({LINE})[1]/cbc:LineExtensionAmount", "120.000"), "BR-DEC-23", DT),
    "line allowance 5.000": case(set_(f"{LINE_ALLOWANCE}/cbc:Amount", "5.000"), "BR-DEC-24", DT),
    "line allowance base 125.000": case(set_(f"{LINE_ALLOWANCE}/cbc:BaseAmount", "125.000"), "BR-DEC-25", DT),
    "line charge 1.000": case(set_(f"{LINE_CHARGE}/cbc:Amount", "1.000"), "BR-DEC-27", DT),
    "line charge base 29.000": case(set_(f"{LINE_CHARGE}/cbc:BaseAmount", "29.000"), "BR-DEC-28", DT),
    # The text is judged: a blank after the decimals is a third character after the point (the
    # value is still 159.20), a blank before them is not.
    "payable followed by a blank": case(set_(f"{TOTALS}/cbc:PayableAmount", "159.20 "), "BR-DEC-18", DT),
    "payable on its own line": case(set_(f"{TOTALS}/cbc:PayableAmount", "\n  159.20\n"), "BR-DEC-18", DT),
    "payable after a blank": case(set_(f"{TOTALS}/cbc:PayableAmount", " 159.20")),
    "payable with one decimal": case(set_(f"{TOTALS}/cbc:PayableAmount", "159.2")),
    "payable with a plus sign": case(set_(f"{TOTALS}/cbc:PayableAmount", "+159.20")),
    # BR-DEC-13/15 as written fire only on a tax amount holding a currency code element.
    "tax total holding a document currency code": case(
        append(f"({LINE})[1]", _line_tax_total("DocumentCurrencyCode")), "BR-DEC-13", DT
    ),
    "tax total holding a tax currency code": case(
        append(f"({LINE})[1]", _line_tax_total("TaxCurrencyCode")), "BR-DEC-15", DT
    ),
    "tax total with three decimals": case(set_("/*/cac:TaxTotal/cbc:TaxAmount", "24.150"), DT),
}


def _document(name: str, credit_note: bool) -> bytes:
    document = base_document(credit_note)
    return mutated(document, CASES[name].mutation) if name else document


def test_every_fatal_decimal_rule_is_registered() -> None:
    assert {rid for rid in RULES if DEC_ID.match(rid)} == EXPECTED_IDS


def test_every_decimal_rule_has_a_mutation_that_breaks_it() -> None:
    assert set().union(*(c.fatal for c in CASES.values())) >= EXPECTED_IDS


def test_a_payable_amount_with_three_decimals_names_bt_115_at_the_totals() -> None:
    root = etree.fromstring(_document("payable 159.200", False))
    [finding] = [f for f in run_rules(UblContext(root)) if f.rule == "BR-DEC-18"]
    assert finding.location == "/*/cac:LegalMonetaryTotal"
    assert finding.message.en == "The allowed maximum number of decimals for the Amount due for payment (BT-115) is 2."
    assert finding.message.es == "Más de dos decimales en el importe a pagar (BT-115)."


def test_two_decimals_and_a_blank_before_them_are_accepted() -> None:
    assert native_fatal(_document("payable after a blank", True)) == set()
    assert native_fatal(_document("payable 159.200", True)) == {"BR-DEC-18", DT}


def _cases() -> list[tuple[str, bool]]:
    return [(name, cn) for name, c in CASES.items() for cn in c.documents]


@pytest.mark.parametrize(("mutation", "credit_note"), _cases())
def test_each_mutation_gets_its_fatal_rules_natively(mutation: str, credit_note: bool) -> None:
    """The same expectations without the official XSLT, so that a plain clone checks them too."""
    expected = CASES[mutation].fatal if mutation else frozenset()
    assert native_fatal(_document(mutation, credit_note)) == expected


@pytest.mark.parametrize(("mutation", "credit_note"), _cases())
def test_the_decimal_rules_agree_with_the_official_xslt(mutation: str, credit_note: bool) -> None:
    from tests.reception.ubl.official import official_verdict

    document = _document(mutation, credit_note)
    official = official_verdict(document).fatal
    assert official == CASES[mutation].fatal, "the mutation does not break exactly its target rules"
    assert native_fatal(document) == official


def test_an_allowance_that_is_also_a_charge_is_judged_by_the_allowance_rules_only() -> None:
    """Two indicators, false and true: the official pattern's allowance rule claims the node, so a
    base amount of three decimals is BR-DEC-02, not BR-DEC-06 as well. (The sums of the totals
    and VAT rules count it both ways; only the decimal ids are compared here.)"""
    from tests.reception.ubl.official import official_verdict

    mutation = both(
        append(DOC_ALLOWANCE, "<cbc:ChargeIndicator>true</cbc:ChargeIndicator>"),
        set_(f"{DOC_ALLOWANCE}/cbc:BaseAmount", "100.000"),
    )
    document = mutated(base_document(), mutation)
    official = {rid for rid in official_verdict(document).fatal if DEC_ID.match(rid)}
    assert official == {"BR-DEC-02"}
    assert {rid for rid in native_fatal(document) if DEC_ID.match(rid)} == official
