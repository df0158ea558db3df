"""Small readers the VAT-category rules share: category codes, tax schemes, decimals, party VAT ids.

They follow the XPath 2.0 semantics the official Schematron uses (``normalize-space`` on codes,
``upper-case`` on the tax scheme, ``xs:decimal`` casts), so that the native rules answer the same
way on odd inputs (padded codes, lower-case ``vat``).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from lxml import etree

from facturo.reception.formats.ubl.rules.registry import NS, UblContext

CAC = NS["cac"]
CBC = NS["cbc"]


def normalized(text: str | None) -> str:
    """XPath ``normalize-space``: trimmed, inner runs of whitespace collapsed to one space."""
    return " ".join((text or "").split())


def child_text(node: etree._Element, name: str) -> str | None:
    """The text of the first ``cbc:name`` child, or None without one."""
    found = node.find(f"{{{CBC}}}{name}")
    return None if found is None else (found.text or "")


def has_child(node: etree._Element, name: str) -> bool:
    return node.find(f"{{{CBC}}}{name}") is not None


def category_code(category: etree._Element) -> str:
    """``normalize-space(cbc:ID)`` of a TaxCategory / ClassifiedTaxCategory."""
    return normalized(child_text(category, "ID"))


def is_vat(category: etree._Element) -> bool:
    """True when some ``cac:TaxScheme/cbc:ID`` of ``category`` is VAT (any case, any padding)."""
    return any(
        normalized(ident.text).upper() == "VAT" for ident in category.iterfind(f"{{{CAC}}}TaxScheme/{{{CBC}}}ID")
    )


def decimal_of(text: str | None) -> Decimal | None:
    """``xs:decimal`` of a text, None when absent or not a decimal (BR-DEC/UBL-DT report those)."""
    if text is None:
        return None
    value = text.strip()
    if not value or any(c in value for c in "eEnN"):  # xs:decimal has no exponent, NaN or INF
        return None
    try:
        return Decimal(value)
    except InvalidOperation:
        return None


def indicator(node: etree._Element) -> bool | None:
    """``cbc:ChargeIndicator`` read as xs:boolean (true/1, false/0); None when absent or invalid."""
    text = child_text(node, "ChargeIndicator")
    if text is None:
        return None
    value = text.strip()
    if value in ("true", "1"):
        return True
    if value in ("false", "0"):
        return False
    return None


def all_allowance_charges(ctx: UblContext) -> list[etree._Element]:
    """Every ``cac:AllowanceCharge`` anywhere (``//cac:AllowanceCharge``)."""
    return list(ctx.root.iter(f"{{{CAC}}}AllowanceCharge"))


def document_allowance_charges(ctx: UblContext) -> list[etree._Element]:
    """The document-level ones (children of the root): BG-20 and BG-21."""
    return list(ctx.root.findall(f"{{{CAC}}}AllowanceCharge"))


def allowance_charge_categories(allowance_charges: list[etree._Element], charge: bool | None) -> list[etree._Element]:
    """The TaxCategory children of allowances (``charge=False``), charges (True) or both (None)."""
    return [
        category
        for ac in allowance_charges
        if charge is None or indicator(ac) is charge
        for category in ac.iterfind(f"{{{CAC}}}TaxCategory")
    ]


def classified_categories(ctx: UblContext) -> list[etree._Element]:
    """Every ``cac:ClassifiedTaxCategory`` (the line categories, BT-151)."""
    return list(ctx.root.iter(f"{{{CAC}}}ClassifiedTaxCategory"))


def breakdown_categories(ctx: UblContext) -> list[etree._Element]:
    """``cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory`` of the root: the VAT breakdown (BG-23)."""
    return list(ctx.root.findall(f"{{{CAC}}}TaxTotal/{{{CAC}}}TaxSubtotal/{{{CAC}}}TaxCategory"))


def all_tax_categories(ctx: UblContext) -> list[etree._Element]:
    """Every ``cac:TaxCategory`` anywhere (``//cac:TaxCategory``)."""
    return list(ctx.root.iter(f"{{{CAC}}}TaxCategory"))


def lines(ctx: UblContext, credit_note: bool) -> list[etree._Element]:
    """The root's InvoiceLine (or CreditNoteLine) children."""
    return list(ctx.root.findall(f"{{{CAC}}}{'CreditNoteLine' if credit_note else 'InvoiceLine'}"))


def any_line_anywhere(ctx: UblContext, credit_note: bool) -> bool:
    name = "CreditNoteLine" if credit_note else "InvoiceLine"
    return next(ctx.root.iter(f"{{{CAC}}}{name}"), None) is not None


def _company_ids(parties: list[etree._Element], vat_only: bool) -> bool:
    for party in parties:
        for scheme in party.iterfind(f"{{{CAC}}}PartyTaxScheme"):
            if vat_only and not is_vat(scheme):
                continue
            if has_child(scheme, "CompanyID"):
                return True
    return False


def seller_vat_id(ctx: UblContext, vat_only: bool) -> bool:
    """A seller VAT identifier (BT-31): AccountingSupplierParty/Party/PartyTaxScheme/CompanyID,
    with a VAT tax scheme when ``vat_only`` (some official rules check the scheme, others not)."""
    parties = list(ctx.root.iter(f"{{{CAC}}}AccountingSupplierParty"))
    return _company_ids([p for a in parties for p in a.iterfind(f"{{{CAC}}}Party")], vat_only)


def tax_representative_vat_id(ctx: UblContext) -> bool:
    """The seller tax representative's VAT identifier (BT-63)."""
    return _company_ids(list(ctx.root.iter(f"{{{CAC}}}TaxRepresentativeParty")), vat_only=True)


def buyer_vat_id(ctx: UblContext) -> bool:
    """The buyer VAT identifier (BT-48)."""
    parties = list(ctx.root.iter(f"{{{CAC}}}AccountingCustomerParty"))
    return _company_ids([p for a in parties for p in a.iterfind(f"{{{CAC}}}Party")], vat_only=True)


def buyer_legal_id(ctx: UblContext) -> bool:
    """The buyer legal registration identifier (BT-47)."""
    path = f"{{{CAC}}}Party/{{{CAC}}}PartyLegalEntity/{{{CBC}}}CompanyID"
    return any(a.find(path) is not None for a in ctx.root.iter(f"{{{CAC}}}AccountingCustomerParty"))


def xpath_round(value: Decimal) -> Decimal:
    """XPath 2.0 ``round``: to the nearest integer, halves towards positive infinity."""
    return (value + Decimal("0.5")).to_integral_value(rounding="ROUND_FLOOR")
