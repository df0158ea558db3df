"""The vefa test sets of the outside corpus (../shared/samples/einvoice/ubl/testset-*.xml): each
<test> holds a document fragment and the verdict a validator must give on the rules in scope.

A rule named in <success> must not fire; one named in <error>/<fatal> must fire exactly ``number``
times (default 1). Rules outside the scope are ignored: the fragments are not whole documents.
Each fragment is also run through the official XSLT, which must agree with the test set.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import pytest
from lxml import etree

from facturo.kit.xml import parse_untrusted
from facturo.reception.formats.ubl.rules.all import run_rules
from facturo.reception.formats.ubl.rules.registry import UblContext
from tests.conftest import corpus_path
from tests.reception.ubl.official import official_verdict

pytestmark = pytest.mark.corpus

VEFA = "{http://difi.no/xsd/vefa/validator/1.0}"
# Test counts and expected outcomes as the corpus README states them: (file, tests, of which errors).
CEN_SETS = [("testset-en16931-BR-CO-10.xml", 9, 2), ("testset-en16931-BR-S-08-1.xml", 6, 2)]
PEPPOL_SET = ("testset-peppol-PEPPOL-EN16931-R120.xml", 11, 4)


@dataclass(frozen=True)
class Case:
    fragment: bytes
    scope: frozenset[str]
    must_not_fire: frozenset[str]
    must_fire: dict[str, int]


def _cases(name: str) -> list[Case]:
    root = parse_untrusted(corpus_path("einvoice", "ubl", name).read_bytes())
    shared = frozenset(s.text.strip() for s in root.findall(f"{VEFA}assert/{VEFA}scope") if s.text)
    cases = []
    for test in root.findall(f"{VEFA}test"):
        expect = test.find(f"{VEFA}assert")
        assert expect is not None
        document = next(child for child in test if isinstance(child.tag, str) and not child.tag.startswith(VEFA))
        scope = shared | {s.text.strip() for s in expect.findall(f"{VEFA}scope") if s.text}
        success = frozenset(s.text.strip() for s in expect.findall(f"{VEFA}success") if s.text)
        firing = {
            e.text.strip(): int(e.get("number", "1"))
            for tag in ("error", "fatal")
            for e in expect.findall(f"{VEFA}{tag}")
            if e.text
        }
        cases.append(Case(etree.tostring(document), frozenset(scope | success | set(firing)), success, firing))
    return cases


def _ours(fragment: bytes) -> Counter[str]:
    return Counter(f.rule for f in run_rules(UblContext(parse_untrusted(fragment))) if f.rejects)


def _official(fragment: bytes) -> frozenset[str]:
    return official_verdict(b'<?xml version="1.0" encoding="UTF-8"?>' + fragment).fatal


@pytest.mark.parametrize(("name", "tests", "errors"), CEN_SETS)
def test_every_en16931_test_gets_the_verdict_of_its_test_set(name: str, tests: int, errors: int) -> None:
    cases = _cases(name)
    assert (len(cases), sum(1 for c in cases if c.must_fire)) == (tests, errors)
    for number, case in enumerate(cases, start=1):
        ours = _ours(case.fragment)
        for rule in case.must_not_fire:
            assert ours[rule] == 0, f"{name} #{number}: {rule} fired"
        for rule, times in case.must_fire.items():
            assert ours[rule] == times, f"{name} #{number}: {rule} fired {ours[rule]} times, expected {times}"
        official = _official(case.fragment) & case.scope
        assert official == {r for r in case.scope if ours[r]}, f"{name} #{number}: official {sorted(official)}"


def test_the_peppol_rule_is_outside_the_en16931_rules_on_both_sides() -> None:
    # R120 is a Peppol BIS rule: the CEN rules (official and ours) never fire it, which is what the
    # README says; facturo does not implement the Peppol layer (docs/reception-ubl.md).
    name, tests, errors = PEPPOL_SET
    cases = _cases(name)
    assert (len(cases), sum(1 for c in cases if c.must_fire)) == (tests, errors)
    for number, case in enumerate(cases, start=1):
        assert "PEPPOL-EN16931-R120" not in _ours(case.fragment), f"#{number}"
        assert "PEPPOL-EN16931-R120" not in _official(case.fragment), f"#{number}"
