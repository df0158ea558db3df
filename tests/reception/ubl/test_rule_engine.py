"""The machinery that makes the EN 16931 rules fast must not change what they decide.

The rules read the document from one walk (``UblContext``: elements by tag, children by node),
take their context nodes from it instead of an XPath, skip tests whose gate says they cannot fail,
and remember per document shape what the shape decides. Each shortcut is checked here against
what lxml's XPath says of the same document, over our fixtures and every generated mutation
(plain clone; the official XSLT is not needed).
"""

from __future__ import annotations

import random
from decimal import Decimal

import pytest
from lxml import etree

from facturo.kit.xml import parse_untrusted
from facturo.reception.formats.ubl.reader import read_ubl
from facturo.reception.formats.ubl.rules import vat_support
from facturo.reception.formats.ubl.rules.assertions import (
    _GROUPS,
    VAT,
    XNS,
    _from_root,
    gate_of,
    is_vat_scheme,
    xs_decimal,
)
from facturo.reception.formats.ubl.rules.registry import UblContext
from tests.reception.ubl.mutations import all_mutations, base_bytes, fixture_paths

CAC, CBC = XNS["cac"], XNS["cbc"]
MUTATIONS = all_mutations()


def documents() -> list[bytes]:
    """Our fixtures, every mutation, and pairs of mutations applied together (seeded)."""
    found = [path.read_bytes() for path in fixture_paths()] + [m.document() for m in MUTATIONS]
    rng = random.Random(16931)
    for _ in range(150):
        first, second = rng.sample(MUTATIONS, 2)
        if first.base != second.base:
            continue
        root = etree.fromstring(base_bytes(first.base))
        try:
            first.change(root)
            second.change(root)
        except (AssertionError, AttributeError, IndexError, TypeError, ValueError):
            continue  # the first change removed what the second one needs
        found.append(etree.tostring(root))
    return found


DOCUMENTS = documents()


def test_the_index_selects_every_group_context_as_xpath_does() -> None:
    """Every rule context taken from the index (plain steps, the VAT predicate) is the node list
    XPath selects, in document order, on every document."""
    checked = 0
    for document in DOCUMENTS:
        ctx = UblContext(parse_untrusted(document))
        for group in _GROUPS.values():
            for path in filter(None, (group.context, group.excluding)):
                expected = ctx.root.xpath(path, namespaces=XNS)
                assert _from_root(ctx, path) == expected, path
                checked += bool(expected)
    assert checked > 1000


def test_a_gate_never_skips_a_test_that_fails() -> None:
    """Wherever a test's gate is closed, the test holds on every context node (the gates are
    necessary conditions only)."""
    closed_and_checked = 0
    for document in DOCUMENTS[:: max(1, len(DOCUMENTS) // 300)]:
        ctx = UblContext(parse_untrusted(document))
        for group in _GROUPS.values():
            nodes = ctx.root.xpath(group.context, namespaces=XNS)
            for test, gate in zip(group.tests, group.gates, strict=True):
                if gate is None or gate.open(ctx):
                    continue
                check = etree.XPath(f"boolean({test})", namespaces=XNS)
                assert all(check(node) for node in nodes), test
                closed_and_checked += len(nodes)
    assert closed_and_checked > 1000


def _doc(body: str) -> UblContext:
    return UblContext(
        etree.fromstring(
            f'<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2" xmlns:cac="{CAC}" '
            f'xmlns:cbc="{CBC}">{body}</Invoice>'
        )
    )


def test_an_at_most_once_test_is_asked_only_when_some_element_repeats_a_child() -> None:
    gate = gate_of("count(cac:AccountingSupplierParty/cac:Party/cac:PartyName/cbc:Name) <= 1")
    assert gate is not None
    once = "<cac:AccountingSupplierParty><cac:Party><cac:PartyName><cbc:Name>A</cbc:Name></cac:PartyName>"
    assert not gate.open(_doc(once + "</cac:Party></cac:AccountingSupplierParty>"))
    twice = once + "<cac:PartyName><cbc:Name>B</cbc:Name></cac:PartyName></cac:Party></cac:AccountingSupplierParty>"
    assert gate.open(_doc(twice))
    # A repeated element elsewhere (two lines) opens no gate of a path that does not step through it.
    assert not gate.open(_doc(once + "</cac:Party></cac:AccountingSupplierParty><cac:InvoiceLine/><cac:InvoiceLine/>"))


def test_an_or_not_test_is_asked_only_when_its_path_occurs() -> None:
    base = "cac:Price/cac:AllowanceCharge/cbc:BaseAmount"
    gate = gate_of(f"{base} >= 0 or not({base})")
    assert gate is not None
    price = "<cac:Price><cbc:PriceAmount>1</cbc:PriceAmount></cac:Price>"
    assert not gate.open(_doc(f"<cac:InvoiceLine>{price}</cac:InvoiceLine>"))
    with_base = "<cac:Price><cac:AllowanceCharge><cbc:BaseAmount>-1</cbc:BaseAmount></cac:AllowanceCharge></cac:Price>"
    assert gate.open(_doc(f"<cac:InvoiceLine>{with_base}</cac:InvoiceLine>"))


@pytest.mark.parametrize(
    "scheme",
    [
        "<cbc:ID>VAT</cbc:ID>",
        "<cbc:ID>vat</cbc:ID>",
        "<cbc:ID>vAt</cbc:ID>",
        "<cbc:ID> VAT\n</cbc:ID>",
        "<cbc:ID>VAT\u00a0</cbc:ID>",  # a no-break space is not XML whitespace
        "<cbc:ID>V A T</cbc:ID>",
        "<cbc:ID>GST</cbc:ID>",
        "<cbc:ID>VA<!-- x -->T</cbc:ID>",
        "<cbc:ID>GST</cbc:ID><cbc:ID>VAT</cbc:ID>",  # XPath reads the first ID only
        "",
        "<cbc:Name>VAT</cbc:Name>",
    ],
)
def test_the_vat_predicate_in_python_is_the_xpath_one(scheme: str) -> None:
    ctx = _doc(f"<cac:TaxCategory><cbc:ID>S</cbc:ID><cac:TaxScheme>{scheme}</cac:TaxScheme></cac:TaxCategory>")
    category = ctx.root[0]
    expected = etree.XPath(f"boolean(self::*{VAT})", namespaces=XNS)(category)
    assert is_vat_scheme(ctx, category) is expected


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("12.50", Decimal("12.50")),
        (" 12 \n", Decimal(12)),
        ("+1.5", Decimal("1.5")),
        ("-.5", Decimal("-0.5")),
        ("1e3", None),
        ("NaN", None),
        ("1_000", None),
        ("\u0661\u0662", None),  # Arabic-Indic digits are not xs:decimal digits
        ("\u00a012", None),  # nor is a no-break space whitespace
        ("", None),
    ],
)
def test_xs_decimal_reads_only_the_xsd_lexical_form(text: str, value: Decimal | None) -> None:
    assert xs_decimal(text) == value
    assert xs_decimal(text) == value  # the second read comes from the remembered values


def test_what_one_shape_decides_does_not_leak_into_another() -> None:
    """Documents of different shapes validated in turn get the findings each gets alone."""
    alone = {}
    for document in DOCUMENTS[:60]:
        alone[document] = [(f.rule, f.location) for f in read_ubl(parse_untrusted(document)).findings]
    for document in reversed(DOCUMENTS[:60]):
        assert [(f.rule, f.location) for f in read_ubl(parse_untrusted(document)).findings] == alone[document]


@pytest.mark.parametrize(
    "code",
    ["S", " S ", "<!-- a comment -->S", "S<!-- a comment -->", "S\u00a0", "\n\tS\r\n", "Z"],
)
def test_a_category_code_is_read_as_normalize_space_reads_it(code: str) -> None:
    ctx = _doc(
        f"<cac:TaxCategory><cbc:ID>{code}</cbc:ID><cbc:Percent>2<!-- x -->1</cbc:Percent>"
        "<cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:TaxCategory>"
    )
    category = ctx.root[0]
    facts = vat_support.facts(ctx, category)
    assert facts.code == category.xpath("normalize-space(cbc:ID)", namespaces=XNS)
    assert facts.single_percent == Decimal(21)  # the string value, not the first text node
