"""The native EN 16931 validator against the official one: the CEN's compiled Schematron for UBL
(rules 1.3.16, ../shared/reference/en16931/EN16931-UBL-validation.xslt) run with saxonche.

For every UBL fixture of ours, every full example document of the sample corpus and several
hundred single-fault mutations (tests/reception/ubl/mutations.py), the set of fatal rule ids
``read_ubl`` reports must be the set the official XSLT reports. The vefa testSet files of the
corpus hold fragments, not documents; tests/reception/ubl/test_testsets.py reads those.
"""

from __future__ import annotations

import functools
from pathlib import Path

import pytest
from lxml import etree

from facturo.kit.xml import parse_untrusted
from facturo.reception.formats.ubl.reader import read_ubl
from facturo.reception.formats.ubl.rules.registry import RULES
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
