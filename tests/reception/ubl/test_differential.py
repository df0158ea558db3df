"""The native EN 16931 validator against the official one: the CEN's compiled Schematron for UBL
(rules 1.3.16, ../shared/reference/en16931/EN16931-UBL-validation.xslt) run with saxonche.

For every UBL fixture of ours, every full example document of the sample corpus and several
hundred single-fault mutations (tests/reception/ubl/mutations.py), the set of fatal rule ids
``read_ubl`` reports must be the set the official XSLT reports. The vefa testSet files of the
corpus hold fragments, not documents; tests/reception/ubl/test_testsets.py reads those.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

import pytest
from lxml import etree

from facturo.kit.xml import parse_untrusted
from facturo.reception.formats.ubl.reader import read_ubl
from facturo.reception.formats.ubl.rules.assertions import XNS, gating_tags
from facturo.reception.formats.ubl.rules.registry import CATEGORY_FAMILIES, RULES
from tests.conftest import corpus_path, reference_path
from tests.reception.ubl.mutations import Mutation, all_mutations, fixture_paths
from tests.reception.ubl.official import official_verdict

SAMPLES = (
    "en16931-ubl-tc434-example1.xml",
    "en16931-ubl-tc434-creditnote1.xml",
    "peppol-bis3-base-example.xml",
)
MUTATIONS = all_mutations()
SVRL = "http://purl.oclc.org/dsdl/svrl"
XSL = "http://www.w3.org/1999/XSL/Transform"


def native_fatal(document: bytes) -> set[str]:
    return {f.rule for f in read_ubl(parse_untrusted(document)).findings if f.rejects}


@functools.cache
def official_fatal(document: bytes) -> frozenset[str]:
    # Only the rules we register are compared: a family still being written does not fail the
    # comparison, test_every_fatal_rule_is_implemented does.
    return official_verdict(document).fatal & frozenset(RULES)


@pytest.mark.parametrize("path", fixture_paths(), ids=lambda p: p.name)
def test_our_fixtures_are_valid_for_both(path: Path) -> None:
    document = path.read_bytes()
    assert official_verdict(document).fatal == frozenset()
    assert native_fatal(document) == set()


@pytest.mark.corpus
@pytest.mark.parametrize("name", SAMPLES)
def test_the_corpus_examples_get_the_official_verdict(name: str) -> None:
    document = corpus_path("einvoice", "ubl", name).read_bytes()
    assert native_fatal(document) == set(official_verdict(document).fatal) == set()


@pytest.mark.parametrize("mutation", MUTATIONS, ids=lambda m: m.name)
def test_a_mutation_gets_the_official_fatal_rules(mutation: Mutation) -> None:
    document = mutation.document()
    assert native_fatal(document) == official_fatal(document)


def test_the_mutations_cover_both_document_types_and_many_rules() -> None:
    assert {m.base for m in MUTATIONS} >= {"invoice", "credit-note"}
    assert sum(1 for m in MUTATIONS if m.base == "credit-note") >= 100
    assert len(MUTATIONS) >= 200
    verdicts = [official_fatal(m.document()) for m in MUTATIONS]
    fired = set().union(*verdicts)
    # So that the comparison cannot pass vacuously: the official rules really fire, and widely.
    assert len(fired) >= 120, sorted(fired)
    assert sum(1 for v in verdicts if v) >= 0.6 * len(MUTATIONS)
    for family in ("BR-0", "BR-CO-", "BR-S-", "BR-E-", "BR-CL-", "BR-DEC-", "UBL-SR-", "UBL-DT-"):
        assert any(rid.startswith(family) for rid in fired), family


def official_fatal_ids() -> set[str]:
    """The ids of every ``flag="fatal"`` assertion of the official XSLT."""
    stylesheet = etree.parse(str(reference_path("en16931", "EN16931-UBL-validation.xslt")))
    found = set()
    for failed in stylesheet.iter(f"{{{SVRL}}}failed-assert"):
        attributes = {a.get("name"): (a.text or "").strip() for a in failed.iterfind(f"{{{XSL}}}attribute")}
        if attributes.get("flag") == "fatal":
            found.add(attributes["id"])
    return found


def test_every_fatal_rule_is_implemented() -> None:
    official = official_fatal_ids()
    assert len(official) == 281
    assert sorted(official - set(RULES)) == []
    # And nothing is registered that the official rules do not have.
    assert sorted(set(RULES) - official) == []


# --- docs/reception-ubl.md lists exactly the registered rules ----------------------------------------

DOC = Path(__file__).resolve().parents[3] / "docs" / "reception-ubl.md"
BEGIN, END = "<!-- rules:begin (generated: python -m tests.reception.ubl.test_differential) -->", "<!-- rules:end -->"
FAMILIES = (
    ("BR-01..BR-65: the required business terms and groups", r"BR-\d+"),
    ("BR-B: split payment", r"BR-B-\d+"),
    ("BR-CO: conditions and sums", r"BR-CO-\d+"),
    ("BR-DEC: two decimals", r"BR-DEC-\d+"),
    ("BR-CL: code lists", r"BR-CL-\d+"),
    *((f"BR-{p}: VAT category {c}", rf"BR-{p}-\d+") for p, c in CATEGORY_FAMILIES.items()),
    ("UBL-SR: at most once", r"UBL-SR-\d+"),
    ("UBL-DT: data types", r"UBL-DT-\d+"),
    ("UBL-CR: restrictions", r"UBL-CR-\d+"),
)


def rules_section() -> str:
    """The list of implemented rule ids, by family, as docs/reception-ubl.md shows it."""
    lines, listed = [BEGIN], set()
    for title, pattern in FAMILIES:
        ids = sorted((rid for rid in RULES if re.fullmatch(pattern, rid)), key=lambda r: int(r.rsplit("-", 1)[1]))
        listed.update(ids)
        lines.append(f"- **{title}** ({len(ids)}): {', '.join(ids)}")
    assert listed == set(RULES), sorted(set(RULES) - listed)
    lines += [f"\nIn all: {len(RULES)} rules.", END]
    return "\n".join(lines)


def test_the_docs_list_exactly_the_registered_rules() -> None:
    text = DOC.read_text(encoding="utf-8")
    written = text[text.index(BEGIN) : text.index(END) + len(END)]
    assert set(re.findall(r"\b(?:BR|UBL)-[A-Z]*-?\d+\b", written)) == set(RULES)
    assert written == rules_section(), "run: python -m tests.reception.ubl.test_differential"


if __name__ == "__main__":
    # Rewrite the generated section of docs/reception-ubl.md from the registry.
    text = DOC.read_text(encoding="utf-8")
    DOC.write_text(text[: text.index(BEGIN)] + rules_section() + text[text.index(END) + len(END) :], encoding="utf-8")


def test_only_tests_that_cannot_fail_without_their_path_are_gated() -> None:
    cac, cbc = XNS["cac"], XNS["cbc"]
    assert gating_tags("count(cac:PaymentMeans/cbc:PaymentDueDate) <= 1") == {
        f"{{{cac}}}PaymentMeans",
        f"{{{cbc}}}PaymentDueDate",
    }
    assert gating_tags("not(//cac:AdditionalDocumentReference[cbc:DocumentTypeCode = '130']/cac:Attachment)") == {
        f"{{{cac}}}AdditionalDocumentReference",
        f"{{{cac}}}Attachment",
    }
    # ``... or not(path)`` holds wherever the path selects nothing.
    assert gating_tags("not(cac:AddressLine) or count(cac:AddressLine) = 1") == {f"{{{cac}}}AddressLine"}
    # Tests that fail when their element is absent, or that are not a bare path, are never gated.
    assert gating_tags("normalize-space(cbc:ID) != ''") is None
    assert gating_tags("cbc:ID or not(cbc:Name and cbc:Note)") is None
    assert gating_tags("count(cac:Item/cac:ClassifiedTaxCategory) = 1") is None
    assert gating_tags("not(cbc:TaxPointDate and cac:InvoicePeriod/cbc:DescriptionCode)") is None
