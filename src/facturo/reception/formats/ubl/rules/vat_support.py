"""Small readers the VAT-category rules share: category codes, tax schemes, decimals, party VAT ids.

They follow the XPath 2.0 semantics the official Schematron uses (``normalize-space`` on codes,
``upper-case`` on the tax scheme, ``xs:decimal`` casts), so that the native rules answer the same
way on odd inputs (padded codes, lower-case ``vat``).

Speed: the elements come from the document's index (:meth:`UblContext.elements`), and what the
rules read of a category (:func:`facts`) or a party is read once per document, since the ten rules
of a family read the same few elements again.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import NamedTuple

from lxml import etree

from facturo.reception.formats.ubl.rules.registry import NS, UblContext, string_value
from facturo.reception.formats.ubl.rules.values import normalize_space, xs_decimal

CAC = NS["cac"]
CBC = NS["cbc"]


def child_text(ctx: UblContext, node: etree._Element, name: str) -> str | None:
    """The text of the first ``cbc:name`` child, or None without one."""
    found = ctx.children(node, f"{{{CBC}}}{name}")
    return string_value(found[0]) if found else None


def has_child(ctx: UblContext, node: etree._Element, name: str) -> bool:
    return bool(ctx.children(node, f"{{{CBC}}}{name}"))


def category_code(ctx: UblContext, category: etree._Element) -> str:
    """``normalize-space(cbc:ID)`` of a TaxCategory / ClassifiedTaxCategory."""
    return normalize_space(child_text(ctx, category, "ID"))


_TAX_SCHEME = (f"{{{CAC}}}TaxScheme", f"{{{CBC}}}ID")


def is_vat(ctx: UblContext, category: etree._Element) -> bool:
    """True when some ``cac:TaxScheme/cbc:ID`` of ``category`` is VAT (any case, any padding)."""
    return any(normalize_space(string_value(ident)).upper() == "VAT" for ident in ctx.child_path(category, _TAX_SCHEME))


def indicator(ctx: UblContext, node: etree._Element) -> bool | None:
    """``cbc:ChargeIndicator`` read as xs:boolean (true/1, false/0); None when absent or invalid."""
    text = child_text(ctx, node, "ChargeIndicator")
    if text is None:
        return None
    value = text.strip()
    if value in ("true", "1"):
        return True
    if value in ("false", "0"):
        return False
    return None


class CategoryFacts(NamedTuple):
    """What the rules read of one TaxCategory or ClassifiedTaxCategory (a tuple: a document makes
    one per category, and a frozen dataclass costs several times more to build)."""

    code: str  # normalize-space(cbc:ID)
    vat: bool  # some cac:TaxScheme/cbc:ID is VAT
    percents: tuple[Decimal | None, ...]  # xs:decimal of each cbc:Percent (None: not a decimal)
    # xs:decimal(cbc:Percent): one value, None when absent, several or not a decimal.
    single_percent: Decimal | None


_FACTS = object()


def facts(ctx: UblContext, category: etree._Element) -> CategoryFacts:
    """The category's facts; every category of the document is read on the first call (the index
    keeps the elements, so their ids hold)."""
    memo: dict[etree._Element, CategoryFacts] | None = ctx.memo.get(_FACTS)
    if memo is None:
        memo = ctx.memo[_FACTS] = {
            node: _read_facts(ctx, node) for tag in (_TAX_CATEGORY, _CLASSIFIED) for node in ctx.elements(tag)
        }
    found = memo.get(category)
    if found is None:  # not a (Classified)TaxCategory: read it alone
        found = memo[category] = _read_facts(ctx, category)
    return found


def _read_facts(ctx: UblContext, category: etree._Element) -> CategoryFacts:
    kids = ctx.kids(category)
    ids = kids.get(_ID)
    vat = any(
        normalize_space(string_value(ident)).upper() == "VAT"
        for scheme in kids.get(_SCHEME, ())
        for ident in ctx.kids(scheme).get(_ID, ())
    )
    percents = tuple(xs_decimal(string_value(p)) for p in kids.get(_PERCENT, ()))
    single = percents[0] if len(percents) == 1 else None
    return CategoryFacts(normalize_space(string_value(ids[0])) if ids else "", vat, percents, single)


_TAX_CATEGORY, _CLASSIFIED = f"{{{CAC}}}TaxCategory", f"{{{CAC}}}ClassifiedTaxCategory"
_ID, _SCHEME, _PERCENT = f"{{{CBC}}}ID", f"{{{CAC}}}TaxScheme", f"{{{CBC}}}Percent"


def remembered(ctx: UblContext, key: object, compute: Callable[[], object]) -> object:
    """``compute()`` once per document under ``key``."""
    if key not in ctx.memo:
        ctx.memo[key] = compute()
    return ctx.memo[key]


def all_allowance_charges(ctx: UblContext) -> list[etree._Element]:
    """Every ``cac:AllowanceCharge`` anywhere (``//cac:AllowanceCharge``)."""
    return ctx.elements(f"{{{CAC}}}AllowanceCharge")


def document_allowance_charges(ctx: UblContext) -> list[etree._Element]:
    """The document-level ones (children of the root): BG-20 and BG-21."""
    return [ac for ac in all_allowance_charges(ctx) if ac.getparent() is ctx.root]


def allowance_charge_categories(
    ctx: UblContext, allowance_charges: list[etree._Element], charge: bool | None
) -> list[etree._Element]:
    """The TaxCategory children of allowances (``charge=False``), charges (True) or both (None)."""
    return [
        category
        for ac in allowance_charges
        if charge is None or indicator(ctx, ac) is charge
        for category in ctx.children(ac, f"{{{CAC}}}TaxCategory")
    ]


def classified_categories(ctx: UblContext) -> list[etree._Element]:
    """Every ``cac:ClassifiedTaxCategory`` (the line categories, BT-151)."""
    return ctx.elements(f"{{{CAC}}}ClassifiedTaxCategory")


_BREAKDOWN = object()


def breakdown_categories(ctx: UblContext) -> list[etree._Element]:
    """``cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory`` of the root: the VAT breakdown (BG-23)."""
    found: list[etree._Element] | None = ctx.memo.get(_BREAKDOWN)
    if found is None:
        path = (f"{{{CAC}}}TaxTotal", f"{{{CAC}}}TaxSubtotal", f"{{{CAC}}}TaxCategory")
        found = ctx.memo[_BREAKDOWN] = ctx.child_path(ctx.root, path)
    return found


def all_tax_categories(ctx: UblContext) -> list[etree._Element]:
    """Every ``cac:TaxCategory`` anywhere (``//cac:TaxCategory``)."""
    return ctx.elements(f"{{{CAC}}}TaxCategory")


def lines(ctx: UblContext, credit_note: bool) -> list[etree._Element]:
    """The root's InvoiceLine (or CreditNoteLine) children."""
    return [line for line in lines_anywhere(ctx, credit_note) if line.getparent() is ctx.root]


def lines_anywhere(ctx: UblContext, credit_note: bool) -> list[etree._Element]:
    """``//cac:InvoiceLine`` (or ``//cac:CreditNoteLine``)."""
    return ctx.elements(f"{{{CAC}}}{'CreditNoteLine' if credit_note else 'InvoiceLine'}")


def any_line_anywhere(ctx: UblContext, credit_note: bool) -> bool:
    return bool(lines_anywhere(ctx, credit_note))


def _company_ids(ctx: UblContext, parties: list[etree._Element], vat_only: bool) -> bool:
    for party in parties:
        for scheme in ctx.children(party, f"{{{CAC}}}PartyTaxScheme"):
            if vat_only and not is_vat(ctx, scheme):
                continue
            if has_child(ctx, scheme, "CompanyID"):
                return True
    return False


def _parties(ctx: UblContext, role: str) -> list[etree._Element]:
    return [p for a in ctx.elements(f"{{{CAC}}}{role}") for p in ctx.children(a, f"{{{CAC}}}Party")]


def seller_vat_id(ctx: UblContext, vat_only: bool) -> bool:
    """A seller VAT identifier (BT-31): AccountingSupplierParty/Party/PartyTaxScheme/CompanyID,
    with a VAT tax scheme when ``vat_only`` (some official rules check the scheme, others not)."""
    key = ("seller_vat_id", vat_only)
    return bool(remembered(ctx, key, lambda: _company_ids(ctx, _parties(ctx, "AccountingSupplierParty"), vat_only)))


def tax_representative_vat_id(ctx: UblContext) -> bool:
    """The seller tax representative's VAT identifier (BT-63)."""
    parties = ctx.elements(f"{{{CAC}}}TaxRepresentativeParty")
    return bool(parties) and _company_ids(ctx, parties, vat_only=True)


def buyer_vat_id(ctx: UblContext) -> bool:
    """The buyer VAT identifier (BT-48)."""
    buyers = _parties(ctx, "AccountingCustomerParty")
    return bool(remembered(ctx, "buyer_vat_id", lambda: _company_ids(ctx, buyers, vat_only=True)))


def buyer_legal_id(ctx: UblContext) -> bool:
    """The buyer legal registration identifier (BT-47)."""
    path = (f"{{{CAC}}}Party", f"{{{CAC}}}PartyLegalEntity", f"{{{CBC}}}CompanyID")
    return any(ctx.child_path(a, path) for a in ctx.elements(f"{{{CAC}}}AccountingCustomerParty"))
