"""The EN 16931 VAT-category rules (BR-S, BR-Z, BR-E, BR-AE, BR-IC, BR-G, BR-O, BR-AF, BR-AG).

Unit tests name the rules a reader of the document expects to fire; the differential test runs
each category's valid base and its single-fault mutations through the official XSLT and requires
the same set of fatal VAT-category rule ids.
"""

from __future__ import annotations

import re

import pytest
from lxml import etree

import facturo.reception.formats.ubl.rules.vat_categories as vat_categories
from facturo.reception.formats.ubl.rules.registry import RULES, UblContext
from tests.reception.ubl.vat_documents import CATEGORIES, base_document, mutated, mutations

FAMILY_ID = re.compile(r"^BR-(S|Z|E|AE|IC|G|O|AF|AG)-\d+$")


def native_ids(document: bytes) -> set[str]:
    ctx = UblContext(etree.fromstring(document))
    return {r.id for r in RULES.values() if FAMILY_ID.match(r.id) and any(True for _ in r.check(ctx))}


def test_every_family_rule_of_the_official_rules_is_registered() -> None:
    ids = {rid for rid in RULES if FAMILY_ID.match(rid)}
    assert len(ids) == 96
    assert {"BR-IC-11", "BR-IC-12", "BR-O-11", "BR-O-12", "BR-O-13", "BR-O-14"} <= ids
    assert vat_categories.FAMILIES[0].prefix == "S"


@pytest.mark.parametrize("family", sorted(CATEGORIES))
@pytest.mark.parametrize("credit_note", [False, True], ids=["invoice", "credit-note"])
def test_a_well_formed_document_of_each_category_breaks_no_vat_rule(family: str, credit_note: bool) -> None:
    assert native_ids(base_document(CATEGORIES[family], credit_note)) == set()


def test_a_standard_rated_tax_amount_off_by_two_is_br_s_09() -> None:
    cat = CATEGORIES["S"]
    assert native_ids(mutated(base_document(cat), mutations(cat)["tax amount off by 2"])) == {"BR-S-09"}


def test_a_standard_rated_tax_amount_within_one_is_accepted() -> None:
    cat = CATEGORIES["S"]
    assert native_ids(mutated(base_document(cat), mutations(cat)["tax amount off by 0.5"])) == set()


def test_reverse_charge_without_the_buyers_vat_id_breaks_rules_02_to_04() -> None:
    cat = CATEGORIES["AE"]
    ids = native_ids(mutated(base_document(cat), mutations(cat)["no buyer VAT id"]))
    assert ids == {"BR-AE-02", "BR-AE-03", "BR-AE-04"}


def test_not_subject_to_vat_with_a_seller_vat_id_breaks_rules_02_to_04() -> None:
    cat = CATEGORIES["O"]
    ids = native_ids(mutated(base_document(cat), mutations(cat)["seller VAT id added"]))
    assert ids == {"BR-O-02", "BR-O-03", "BR-O-04"}


def test_intra_community_supply_without_delivery_breaks_ic_11_and_12() -> None:
    cat = CATEGORIES["IC"]
    assert native_ids(mutated(base_document(cat), mutations(cat)["delivery removed"])) == {"BR-IC-11", "BR-IC-12"}


def test_an_exempt_breakdown_without_a_reason_is_br_e_10() -> None:
    cat = CATEGORIES["E"]
    assert native_ids(mutated(base_document(cat), mutations(cat)["exemption reason removed"])) == {"BR-E-10"}


def _cases() -> list[tuple[str, str, bool]]:
    cases = [(family, "", cn) for family in sorted(CATEGORIES) for cn in (False, True)]
    for family in sorted(CATEGORIES):
        for name in mutations(CATEGORIES[family]):
            cases.append((family, name, False))
    return cases


@pytest.mark.parametrize(("family", "mutation", "credit_note"), _cases())
def test_the_vat_category_rules_agree_with_the_official_xslt(family: str, mutation: str, credit_note: bool) -> None:
    from tests.reception.ubl.official import official_verdict

    cat = CATEGORIES[family]
    document = base_document(cat, credit_note)
    if mutation:
        document = mutated(document, mutations(cat)[mutation])
    official = {rid for rid in official_verdict(document).fatal if FAMILY_ID.match(rid)}
    assert native_ids(document) == official
